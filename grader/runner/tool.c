#include "runner/tool.h"
#include "core/error.h"
#include "core/util.h"
#include "runner/run.h"

#include <stdlib.h>
#include <string.h>

enum { WHY_LINES = 10 };

int sc_run_tool(const char *const *argv, unsigned timeout_s, char **output,
                size_t *output_len, char **why) {
  struct sc_run_spec spec = {
      .argv = argv,
      .limits = {.timeout_ms = timeout_s * 1000ull,
                 .output_cap_bytes = 16u << 20},
      .isolation = SC_ISOLATION_TOOL,
  };
  struct sc_run_result res = {0};
  int err = sc_run(&spec, &res);
  int ok = err == 0 && res.end == SC_RUN_EXITED && res.exit_status == 0;
  if (!ok) {
    char how[160];
    char *tail = sc_text_tail(res.output ? res.output : "", WHY_LINES);
    *why = sc_xasprintf("'%s%s%s' failed (%s)%s%s", argv[0], argv[1] ? " " : "",
                        argv[1] ? argv[1] : "",
                        err ? sc_strerror(err)
                            : sc_run_describe(&res, how, sizeof(how)),
                        *tail ? ":\n" : "", tail);
    free(tail);
  } else if (output != NULL) {
    *output = res.output;
    if (output_len != NULL)
      *output_len = res.output_len;
    res.output = NULL;
  }
  sc_run_result_free(&res);
  return ok ? 0 : -1;
}

/* The build gate: the kata configures and compiles on its own build tree,
 * with the learner's files (or the reference solution's) in place. */
#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"

#include <stdlib.h>

static int configure(struct sc_grading *g, struct sc_gate_result *r) {
  char *editable = sc_xasprintf("-DSENIOR_EDITABLE_DIR=%s", g->editable_dir);
  const char *argv[] = {"cmake",      "-G",         "Ninja",
                        "-S",         g->kata->dir, "-B",
                        g->build_dir, editable,     "-DCMAKE_C_COMPILER=gcc",
                        "-Wno-dev",   NULL};
  struct sc_run_result res = {0};
  int err = sc_grading_tool(g, argv, g->kata->timeout_s[SC_GATE_BUILD], &res);
  free(editable);
  int ok = err == 0 && res.end == SC_RUN_EXITED && res.exit_status == 0;
  if (!ok) {
    char how[160];
    char *excerpt = sc_grading_tail(res.output ? res.output : "", 30);
    if (err != 0)
      sc_gate_set(r, SC_STATUS_ERROR, 0, "cannot run cmake: %s",
                  sc_strerror(err));
    else
      sc_gate_set(r, SC_STATUS_FAIL, 0, "configuring the kata failed (%s):\n%s",
                  sc_run_describe(&res, how, sizeof(how)), excerpt);
    sc_gate_set_details(r, res.output);
    free(excerpt);
  }
  sc_run_result_free(&res);
  return ok ? 0 : -1;
}

void sc_gate_build(struct sc_grading *g, struct sc_gate_result *r) {
  int err = sc_mkdir_p(g->build_dir);
  if (err != 0) {
    sc_gate_set(r, SC_STATUS_ERROR, 0, "cannot create '%s': %s", g->build_dir,
                sc_strerror(err));
    return;
  }
  if (configure(g, r) != 0)
    return;
  const char *targets[] = {"suite", g->kata->benchmark ? "bench" : NULL, NULL};
  if (sc_grading_build_targets(g, r, targets) != 0)
    return;
  sc_gate_set(r, SC_STATUS_PASS, r->max_score, "the kata builds");
}

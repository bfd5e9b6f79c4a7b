/* The build gate: the kata configures and compiles on its own build tree,
 * with the learner's files (or the reference solution's) in place. */
#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a build tree was configured for: the kata, where its editable files
 * come from, and whether the learner's own tests existed (their target is
 * only declared when they do). Anything else that changes (kata.json, the
 * suite, senior_kata()) makes the build reconfigure itself. */
static char *configured_for(const struct sc_grading *g) {
  int learner_tests = 0;
  if (g->kata->learner_tests != NULL) {
    char *path = sc_path_join(g->learner_dir, g->kata->learner_tests);
    learner_tests = sc_file_exists(path);
    free(path);
  }
  return sc_xasprintf("%s\n%s\n%d\n", g->kata->dir, g->learner_dir,
                      learner_tests);
}

/* Is the build tree already configured for what configured_for() says?
 * Skipping cmake's configure step saves most of a second per grading. */
static int already_configured(const struct sc_grading *g, const char *stamp,
                              const char *want) {
  char *cache = sc_path_join(g->build_dir, "build.ninja");
  char *have = NULL;
  int same = sc_file_exists(cache) &&
             sc_read_file(stamp, 1 << 16, &have, NULL) == 0 &&
             strcmp(have, want) == 0;
  free(have);
  free(cache);
  return same;
}

static int configure(struct sc_grading *g, struct sc_gate_result *r) {
  char *stamp = sc_path_join(g->build_dir, "senior-check-configured");
  char *want = configured_for(g);
  if (already_configured(g, stamp, want)) {
    free(want);
    free(stamp);
    return 0;
  }
  remove(stamp);
  char *editable = sc_xasprintf("-DSENIOR_EDITABLE_DIR=%s", g->learner_dir);
  const char *argv[] = {"cmake",      "-G",         "Ninja",
                        "-S",         g->kata->dir, "-B",
                        g->build_dir, editable,     "-DCMAKE_C_COMPILER=gcc",
                        "-Wno-dev",   NULL};
  struct sc_run_result res = {0};
  int err = sc_grading_tool(g, argv, g->kata->timeout_s[SC_GATE_BUILD], &res);
  free(editable);
  int ok = err == 0 && res.end == SC_RUN_EXITED && res.exit_status == 0;
  FILE *f = ok ? fopen(stamp, "w") : NULL;
  if (f != NULL) {
    fputs(want, f);
    fclose(f);
  }
  free(want);
  free(stamp);
  if (!ok) {
    char how[160];
    char *excerpt = sc_text_tail(res.output ? res.output : "", 30);
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
  if (sc_grading_take_learner_files(g, r) != 0 || configure(g, r) != 0)
    return;
  /* Only what the tests gate runs: a save's test results come first, and
   * sc_gate_build_rest() builds the benchmark once they are in. */
  const char *targets[] = {"suite", NULL};
  if (sc_grading_build_targets(g, r, targets) != 0)
    return;
  sc_gate_set(r, SC_STATUS_PASS, r->max_score, "the kata builds");
}

void sc_gate_build_rest(struct sc_grading *g, struct sc_gate_result *r) {
  if (g->kata->benchmark == NULL)
    return;
  const char *targets[] = {"bench", NULL};
  sc_grading_build_targets(g, r, targets);
}

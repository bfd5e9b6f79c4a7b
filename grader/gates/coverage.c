/* The coverage gate: gcovr's line and branch coverage of the learner's
 * files, from the kata's suite plus the learner's own tests, so that a
 * learner can raise it by writing tests. */
#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"
#include "parse/gcovr_json.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* nftw has no user pointer; the gate runs once per thread at a time. */
static _Thread_local const char *walk_from;
static _Thread_local const char *walk_to;

static int remove_gcda(const char *path, const struct stat *st, int type,
                       struct FTW *ftw) {
  (void)st;
  (void)ftw;
  size_t len = strlen(path);
  if (type == FTW_F && len > 5 && strcmp(path + len - 5, ".gcda") == 0)
    remove(path);
  return 0;
}

/* Copies a gcda file written under the run's GCOV_PREFIX back beside its
 * object file in the build tree, where gcov looks for it. */
static int return_gcda(const char *path, const struct stat *st, int type,
                       struct FTW *ftw) {
  (void)st;
  (void)ftw;
  size_t len = strlen(path);
  if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".gcda") != 0)
    return 0;
  char *dst = sc_xasprintf("%s%s", walk_to, path + strlen(walk_from));
  int err = sc_copy_file(path, dst, 0644);
  free(dst);
  return err;
}

static int run_binary(struct sc_grading *g, const char *dir, const char *binary,
                      const char *gcov_dir, struct sc_run_result *res) {
  (void)gcov_dir; /* GCOV_PREFIX names it: see sc_grading_sandbox() */
  char *path = sc_xasprintf("./%s", binary);
  const char *argv[] = {path, NULL};
  struct sc_limits limits = sc_grading_limits(g, SC_GATE_COVERAGE);
  int err = sc_grading_sandbox(g, dir, argv, NULL, &limits, res);
  free(path);
  return err;
}

/* A gcovr --filter that matches exactly the given absolute paths. */
static char *exact_path_regex(const char *path) {
  struct sc_buf buf = {0};
  for (const char *p = path; *p; p++) {
    if (strchr("\\^$.|?*+()[]{}", *p))
      sc_buf_add(&buf, "\\", 1);
    sc_buf_add(&buf, p, 1);
  }
  return sc_buf_detach(&buf);
}

static int run_gcovr(struct sc_grading *g, struct sc_gate_result *r,
                     struct sc_coverage_report *report) {
  /* gcovr writes as the grader: into a folder of the grader's own, never
   * into one the measured code could have prepared (a link there would be
   * written through). */
  char *dir = sc_path_join(g->scratch_dir, "coverage-report");
  sc_remove_tree(dir);
  mkdir(dir, 0700);
  char *summary = sc_path_join(dir, "summary.json");
  char *detail = sc_path_join(dir, "detail.json");
  struct sc_strv learner = {0}, argv = {0};
  sc_grading_learner_sources(g, &learner);
  sc_strv_push(&argv, "gcovr");
  sc_strv_push(&argv, g->build_dir);
  sc_strv_push(&argv, "--root");
  sc_strv_push(&argv, g->root);
  for (size_t i = 0; i < learner.count; i++) {
    char *regex = exact_path_regex(learner.items[i]);
    sc_strv_push(&argv, "--filter");
    sc_strv_push(&argv, regex);
    free(regex);
  }
  /* GCOVR_EXCL and LCOV_EXCL markers in the learner's files hide nothing. */
  sc_strv_push(&argv, "--no-markers");
  sc_strv_push(&argv, "--json-summary");
  sc_strv_push(&argv, summary);
  sc_strv_push(&argv, "--json");
  sc_strv_push(&argv, detail);
  struct sc_run_result res = {0};
  int err = sc_grading_tool(g, sc_strv_view(&argv),
                            g->kata->timeout_s[SC_GATE_COVERAGE], &res);
  if (err == 0 && (res.end != SC_RUN_EXITED || res.exit_status != 0))
    err = SC_EREPORT;
  if (err == 0)
    err = sc_gcovr_summary_read(summary, report);
  if (err == 0)
    err = sc_gcovr_detail_read(detail, report);
  if (err != 0) {
    char *tail = sc_text_tail(res.output ? res.output : "", 10);
    sc_gate_set(r, SC_STATUS_ERROR, 0, "gcovr failed: %s\n%s", sc_strerror(err),
                tail);
    free(tail);
  }
  sc_run_result_free(&res);
  sc_strv_free(&argv);
  sc_strv_free(&learner);
  free(detail);
  free(summary);
  free(dir);
  return err;
}

/* "12, 15-18, 40" */
static void list_lines(struct sc_buf *out, const unsigned *lines,
                       size_t count) {
  for (size_t i = 0; i < count;) {
    size_t j = i;
    while (j + 1 < count && lines[j + 1] == lines[j] + 1)
      j++;
    sc_buf_printf(out, "%s%u", i ? ", " : "", lines[i]);
    if (j > i)
      sc_buf_printf(out, "-%u", lines[j]);
    i = j + 1;
  }
}

static double percent(unsigned covered, unsigned total) {
  return total ? 100.0 * covered / total : 100.0;
}

static void judge(struct sc_grading *g, struct sc_gate_result *r,
                  const struct sc_coverage_report *report) {
  unsigned lc = 0, lt = 0, bc = 0, bt = 0;
  struct sc_buf uncovered = {0};
  for (size_t i = 0; i < report->count; i++) {
    const struct sc_coverage_file *f = &report->files[i];
    lc += f->lines_covered;
    lt += f->lines_total;
    bc += f->branches_covered;
    bt += f->branches_total;
    if (f->uncovered_count > 0) {
      char *own = sc_grading_relative(g, f->path);
      sc_buf_printf(&uncovered, "- %s, lines not run: ", own);
      free(own);
      list_lines(&uncovered, f->uncovered_lines, f->uncovered_count);
      sc_buf_puts(&uncovered, "\n");
    }
  }
  double line = percent(lc, lt), branch = percent(bc, bt);
  double need_line = g->kata->coverage_line;
  double need_branch = g->kata->coverage_branch;
  double share = 1.0;
  if (need_line > 0 && line / need_line < share)
    share = line / need_line;
  if (need_branch > 0 && branch / need_branch < share)
    share = branch / need_branch;
  unsigned score = (unsigned)(r->max_score * share);
  sc_gate_add_figure(r, "line coverage", "%", line, 1);
  sc_gate_add_figure(r, "branch coverage", "%", branch, 1);
  if (report->count == 0)
    sc_gate_set(r, SC_STATUS_FAIL, 0,
                "no coverage data for your files: did the suite run them?");
  else if (line >= need_line && branch >= need_branch)
    sc_gate_set(r, SC_STATUS_PASS, r->max_score,
                "lines %.1f%% (needs %.0f%%), branches %.1f%% (needs %.0f%%)",
                line, need_line, branch, need_branch);
  else
    sc_gate_set(r, SC_STATUS_FAIL, score,
                "lines %.1f%% (needs %.0f%%), branches %.1f%% (needs "
                "%.0f%%); write tests in '%s' for:\n%s",
                line, need_line, branch, need_branch,
                g->kata->learner_tests ? g->kata->learner_tests
                                       : "the learner tests",
                uncovered.data ? uncovered.data : "");
  sc_buf_free(&uncovered);
}

void sc_gate_coverage(struct sc_grading *g, struct sc_gate_result *r) {
  int learner_tests = 0;
  if (g->kata->learner_tests) {
    char *path = sc_path_join(g->learner_dir, g->kata->learner_tests);
    learner_tests = sc_file_exists(path);
    free(path);
  }
  const char *targets[] = {"suite_cov",
                           learner_tests ? "learner_tests_cov" : NULL, NULL};
  if (sc_grading_build_targets(g, r, targets) != 0)
    return;
  nftw(g->build_dir, remove_gcda, 16, FTW_PHYS);
  char *dir = sc_grading_stage(g, r, "coverage", targets);
  if (dir == NULL)
    return;

  char *gcov_dir = sc_path_join(dir, "gcov");
  struct sc_buf notes = {0};
  for (const char *const *t = targets; *t != NULL; t++) {
    struct sc_run_result res = {0};
    if (run_binary(g, dir, *t, gcov_dir, &res) == 0 &&
        res.end != SC_RUN_EXITED) {
      char how[160];
      sc_buf_printf(&notes, "\n(%s %s: its coverage is lost)", *t,
                    sc_run_describe(&res, how, sizeof(how)));
    }
    sc_run_result_free(&res);
  }
  char *written = sc_xasprintf("%s%s", gcov_dir, g->build_dir);
  walk_from = written;
  walk_to = g->build_dir;
  if (sc_file_exists(written))
    nftw(written, return_gcda, 16, FTW_PHYS);

  struct sc_coverage_report report = {0};
  if (run_gcovr(g, r, &report) == 0) {
    judge(g, r, &report);
    if (notes.data)
      sc_gate_set_details(r, notes.data);
  }
  sc_coverage_report_free(&report);
  sc_buf_free(&notes);
  free(written);
  free(gcov_dir);
  free(dir);
}

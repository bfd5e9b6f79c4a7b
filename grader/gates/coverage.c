/* The coverage gate: gcovr's line and branch coverage of the learner's
 * files, from the kata's suite plus the learner's own tests, so that a
 * learner can raise it by writing tests. */
#include "gates/coverage.h"
#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"
#include "parse/gcovr_json.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
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

/* The most ranges of lines one place names ("lines 3, 5-6 and 4 more"). */
#define MAX_RANGES 5

/* Lines are named by ranges; a name that long is cut, as the message must
 * stay short whatever the learner's code calls its functions. */
#define MAX_NAME_SHOWN 80

/* "line 12" or "lines 12, 15-18, 40", the first MAX_RANGES ranges only
 * ("... and 6 more", counting lines). */
static void list_lines(struct sc_buf *out, const unsigned *lines,
                       size_t count) {
  size_t ranges = 0;
  size_t i = 0;

  sc_buf_puts(out, count == 1 ? "line " : "lines ");
  while (i < count && ranges < MAX_RANGES) {
    size_t j = i;
    while (j + 1 < count && lines[j + 1] == lines[j] + 1)
      j++;
    sc_buf_printf(out, "%s%u", i ? ", " : "", lines[i]);
    if (j > i)
      sc_buf_printf(out, "-%u", lines[j]);
    ranges++;
    i = j + 1;
  }
  if (i < count)
    sc_buf_printf(out, " and %zu more", count - i);
}

/* The places named on one file's line of the message. */
struct places {
  struct sc_buf *out;
  const char *shown_path;
  size_t shown;
  size_t hidden;
};

/* Starts the next place: returns 1 when it is to be written (the file's
 * name is written before the first), 0 when it is over the cap and only
 * counted. */
static int place_start(struct places *p) {
  if (p->shown == SC_COVERAGE_MAX_PLACES) {
    p->hidden++;
    return 0;
  }
  if (p->shown++ == 0)
    sc_buf_printf(p->out, "- %s: ", p->shown_path);
  else
    sc_buf_puts(p->out, "; ");
  return 1;
}

/* "parse_frame(), " or nothing for the lines before any function. */
static void put_function(struct sc_buf *out,
                         const struct sc_coverage_function *fn) {
  if (fn != NULL)
    sc_buf_printf(out, "%.*s(), ", MAX_NAME_SHOWN, fn->name);
}

/* The places of the lines that belong to fn (NULL: to no function):
 * uncovered[0..n_uncovered) never ran, branches[0..n_branches) ran with a
 * branch never taken. */
static void describe_function(struct places *p,
                              const struct sc_coverage_function *fn,
                              const unsigned *uncovered, size_t n_uncovered,
                              const unsigned *branches, size_t n_branches) {
  if (fn != NULL && fn->calls == 0) {
    if (!place_start(p))
      return;
    sc_buf_printf(p->out, "%.*s() never runs (", MAX_NAME_SHOWN, fn->name);
    if (n_uncovered == 0 || uncovered[0] == uncovered[n_uncovered - 1])
      sc_buf_printf(p->out, "line %u)", n_uncovered ? uncovered[0] : fn->line);
    else
      sc_buf_printf(p->out, "lines %u-%u)", uncovered[0],
                    uncovered[n_uncovered - 1]);
    return;
  }
  if (n_uncovered > 0 && place_start(p)) {
    put_function(p->out, fn);
    list_lines(p->out, uncovered, n_uncovered);
    sc_buf_puts(p->out, " not run");
  }
  if (n_branches > 0 && place_start(p)) {
    put_function(p->out, fn);
    list_lines(p->out, branches, n_branches);
    sc_buf_puts(p->out, n_branches == 1 ? ": a branch never taken"
                                        : ": branches never taken");
  }
}

/* Says where one file falls short; the contract is in coverage.h. A line
 * belongs to the function that starts last at or before it: gcov gives no
 * function's end. */
void sc_coverage_where(struct sc_buf *out, const char *shown_path,
                       const struct sc_coverage_file *file, int with_branches) {
  struct places p = {out, shown_path, 0, 0};
  size_t u = 0;
  size_t b = 0;

  /* Step k covers the lines before function k starts: those of function
   * k - 1, or of no function when k is 0. */
  for (size_t k = 0; k <= file->function_count; k++) {
    const struct sc_coverage_function *fn =
        k > 0 ? &file->functions[k - 1] : NULL;
    unsigned long long end =
        k < file->function_count ? file->functions[k].line : ULLONG_MAX;
    size_t u_from = u;
    size_t b_from = b;

    while (u < file->uncovered_count && file->uncovered_lines[u] < end)
      u++;
    while (b < file->branch_count && file->branch_lines[b] < end)
      b++;
    /* An empty list may be NULL, and NULL + 0 is undefined. */
    describe_function(
        &p, fn, u > u_from ? file->uncovered_lines + u_from : NULL, u - u_from,
        b > b_from ? file->branch_lines + b_from : NULL,
        with_branches ? b - b_from : 0);
  }
  if (p.hidden > 0)
    sc_buf_printf(out, "; and %zu more", p.hidden);
  if (p.shown > 0)
    sc_buf_puts(out, "\n");
}

static double percent(unsigned covered, unsigned total) {
  return total ? 100.0 * covered / total : 100.0;
}

static void judge(struct sc_grading *g, struct sc_gate_result *r,
                  const struct sc_coverage_report *report) {
  unsigned lc = 0, lt = 0, bc = 0, bt = 0;
  for (size_t i = 0; i < report->count; i++) {
    const struct sc_coverage_file *f = &report->files[i];
    lc += f->lines_covered;
    lt += f->lines_total;
    bc += f->branches_covered;
    bt += f->branches_total;
  }
  double line = percent(lc, lt), branch = percent(bc, bt);
  double need_line = g->kata->coverage_line;
  double need_branch = g->kata->coverage_branch;
  struct sc_buf uncovered = {0};
  for (size_t i = 0; i < report->count; i++) {
    char *own = sc_grading_relative(g, report->files[i].path);
    sc_coverage_where(&uncovered, own, &report->files[i],
                      need_branch > 0 && branch < need_branch);
    free(own);
  }
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
    /* Without a place to name (gcovr listed none), the learner is told
     * what to do rather than to write tests "for:" nothing. */
    sc_gate_set(r, SC_STATUS_FAIL, score,
                "lines %.1f%% (needs %.0f%%), branches %.1f%% (needs "
                "%.0f%%); write tests in '%s'%s%s",
                line, need_line, branch, need_branch,
                g->kata->learner_tests ? g->kata->learner_tests
                                       : "the learner tests",
                uncovered.data ? " for:\n" : " that run more of your code",
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

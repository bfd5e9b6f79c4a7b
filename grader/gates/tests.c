/* The tests gate: the kata's cmocka suite over the learner's code.
 *
 * Verdicts come only from cmocka's XML report, checked against the suite's
 * own table of tests (suite-tests.txt, written at configure time from the
 * trusted suite source). A suite that crashes, hangs, exits early or prints
 * a fake success leaves tests without a verdict; those are then run one by
 * one, each in its own process, so that the verdict names the test that
 * crashed or hung and the others still count. The first crashed test runs
 * once more in the AddressSanitizer build, to name the learner's line it
 * crashed at (name_crash_site()). */
#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"
#include "parse/cmocka_xml.h"
#include "parse/sanitizer_stack.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_expected(struct sc_grading *g, struct sc_strv *names) {
  char *path = sc_path_join(g->build_dir, "suite-tests.txt");
  char *text = NULL;
  int err = sc_read_file(path, 1 << 20, &text, NULL);
  free(path);
  if (err != 0)
    return err;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save))
    sc_strv_push(names, line);
  free(text);
  return names->count > 0 ? 0 : SC_EMANIFEST;
}

void sc_gate_tests_skip(struct sc_grading *g, struct sc_gate_result *r,
                        const char *why) {
  struct sc_strv names = {0};
  sc_gate_set(r, SC_STATUS_SKIP, 0, "skipped: %s", why);
  if (read_expected(g, &names) == 0)
    for (size_t i = 0; i < names.count; i++)
      sc_gate_add_test(r, names.items[i], SC_STATUS_SKIP, NULL);
  sc_strv_free(&names);
}

struct verdict {
  int known;
  enum sc_status status;
  char *message;
  int crashed;      /* cmocka caught a signal, or the test's process died */
  char *crash_file; /* the learner's line it crashed at (relative), or NULL */
  unsigned crash_line;
};

/* How cmocka 1.1.5 reports a signal it caught inside a test (SIGSEGV,
 * SIGFPE, SIGILL, SIGBUS, SIGSYS) before it goes on with the next one. */
static const char CAUGHT_SIGNAL[] = "Test failed with exception: ";

static enum sc_status case_status(enum sc_case_status status) {
  switch (status) {
  case SC_CASE_PASS:
    return SC_STATUS_PASS;
  case SC_CASE_SKIP:
    return SC_STATUS_SKIP;
  case SC_CASE_FAIL:
  case SC_CASE_ERROR:
    break;
  }
  return SC_STATUS_FAIL;
}

/* text with the repository's root taken out of every path in it, so that
 * "katas/01-x/test_x.c:42: error" reads the same wherever the repository
 * (or the trusted ref's copy of it) lies. Newly allocated. */
static char *relative_paths(const struct sc_grading *g, const char *text) {
  char *prefix = sc_xasprintf("%s/", g->root);
  size_t len = strlen(prefix);
  struct sc_buf out = {0};
  for (const char *at; (at = strstr(text, prefix)) != NULL; text = at + len)
    sc_buf_add(&out, text, (size_t)(at - text));
  sc_buf_puts(&out, text);
  free(prefix);
  return sc_buf_detach(&out);
}

/* Runs the suite (or one test of it, filter non-NULL) once, and records a
 * verdict for each expected test the XML report gives one. */
static int run_suite(struct sc_grading *g, const char *dir, const char *filter,
                     const struct sc_strv *expected, struct verdict *verdicts,
                     struct sc_run_result *res) {
  char *xml = sc_path_join(dir, "suite.xml");
  unlink(xml); /* cmocka writes to stderr when the file already exists */
  const char *argv[] = {"./suite", filter, NULL};
  struct sc_limits limits = sc_grading_limits(g, SC_GATE_TESTS);
  int err = sc_grading_sandbox(g, dir, argv, NULL, &limits, res);

  struct sc_test_report report = {0};
  if (err == 0 && sc_cmocka_xml_read(xml, &report) == 0) {
    for (size_t i = 0; i < report.count; i++) {
      for (size_t j = 0; j < expected->count; j++) {
        if (verdicts[j].known ||
            strcmp(report.cases[i].name, expected->items[j]) != 0)
          continue;
        verdicts[j].known = 1;
        verdicts[j].status = case_status(report.cases[i].status);
        if (report.cases[i].message) {
          verdicts[j].message = relative_paths(g, report.cases[i].message);
          verdicts[j].crashed =
              strstr(verdicts[j].message, CAUGHT_SIGNAL) != NULL;
        }
      }
    }
  }
  sc_test_report_free(&report);
  free(xml);
  return err;
}

/* Why a test run alone ended without a verdict. */
static char *no_verdict_reason(const struct sc_run_result *res,
                               const char *output) {
  char how[160];
  sc_run_describe(res, how, sizeof(how));
  char *tail = sc_text_tail(output, 8);
  char *why;
  if (res->end == SC_RUN_EXITED)
    why = sc_xasprintf("the test ended its process (%s) before cmocka could "
                       "report it: a test must return, not exit; its "
                       "output:\n%s",
                       how, tail);
  else if (res->end == SC_RUN_OUTPUT_FLOODED)
    why = sc_xasprintf("the test flooded its output: %s; its last "
                       "lines:\n%s",
                       how, tail);
  else if (res->end == SC_RUN_TIMED_OUT)
    why = sc_xasprintf("the test never finished: %s (look for a loop that "
                       "never ends or a handle never closed)",
                       how);
  else if (*tail != '\0')
    why = sc_xasprintf("the test crashed: %s; its output:\n%s", how, tail);
  else
    why = sc_xasprintf("the test crashed: %s", how);
  free(tail);
  return why;
}

/* Whether a test whose process died of signal crashed, rather than met a
 * limit of the box (SIGXCPU, SIGXFSZ) or was killed at its timeout. */
static int crash_signal(int signal) {
  return signal == SIGSEGV || signal == SIGBUS || signal == SIGFPE ||
         signal == SIGILL || signal == SIGABRT || signal == SIGTRAP ||
         signal == SIGSYS;
}

/* Runs the crashed test alone in the AddressSanitizer build (built now if
 * the strict gate has not built it yet, and inspected like every build)
 * within what is left of deadline, and records the first frame in the
 * learner's files its report names. The sanitizers keep their own signal
 * handlers there (allow_user_segv_handler=0 in the box's ASAN_OPTIONS), so
 * cmocka's catch does not hide the frame. Returns 1 when it found one;
 * 0, setting nothing, when the crash did not happen again or named no line
 * of the learner's: the verdict stays as it was. */
static int find_crash_site(struct sc_grading *g, const char *test,
                           const struct sc_strv *learner,
                           unsigned long long deadline, struct verdict *v) {
  unsigned long long now = sc_now_ms();
  if (now >= deadline)
    return 0;
  struct sc_gate_result scratch = {0};
  const char *binaries[] = {"suite_san", NULL};
  char *dir = sc_grading_stage(g, &scratch, "tests", binaries);
  if (dir == NULL) {
    sc_gate_result_free(&scratch);
    return 0;
  }
  const char *argv[] = {"./suite_san", test, NULL};
  struct sc_limits limits = sc_grading_limits(g, SC_GATE_TESTS);
  /* AddressSanitizer reserves terabytes of shadow memory up front: its own
   * RSS limit bounds it instead (see sc_grading_sandbox()). */
  limits.address_space_bytes = 0;
  if (limits.timeout_ms > deadline - now)
    limits.timeout_ms = deadline - now;
  struct sc_run_result res = {0};
  struct sc_sanitizer_site site = {0};
  int found = sc_grading_sandbox(g, dir, argv, NULL, &limits, &res) == 0 &&
              sc_sanitizer_site_find(res.output ? res.output : "",
                                     sc_strv_view(learner), learner->count,
                                     &site) == 0 &&
              site.file != NULL;
  if (found) {
    v->crash_file = sc_grading_relative(g, site.file);
    v->crash_line = site.line;
    char *message = sc_xasprintf(
        "%s\ncrashed at %s:%u in %s() (%s: %s)", v->message, v->crash_file,
        site.line, site.function ? site.function : "?", site.tool, site.what);
    free(v->message);
    v->message = message;
  }
  sc_sanitizer_site_free(&site);
  sc_run_result_free(&res);
  sc_gate_result_free(&scratch);
  free(dir);
  return found;
}

/* Names the learner's line where the first crashed test crashed: each
 * re-run costs as long as the test ran, and the first failure is the one a
 * learner reads (and the crashes that follow are most often the same). A
 * crash that depends on timing (a thread writing into memory the loop has
 * freed) comes back under the sanitizers in one run of two to five, so a
 * run that does not crash again is followed by another, of the next crashed
 * test or of the same one, up to MAX_TRIES runs while they have taken less
 * than RETRY_MS in all. Everything, the compile of the sanitizer build
 * included, keeps within the tests gate's timeout. Never changes a
 * verdict's status, only adds a line to its message. */
static void name_crash_site(struct sc_grading *g,
                            const struct sc_strv *expected,
                            struct verdict *verdicts) {
  enum { MAX_TRIES = 4, RETRY_MS = 2000 };
  size_t crashed = 0;
  for (size_t j = 0; j < expected->count; j++)
    crashed += verdicts[j].crashed && verdicts[j].message != NULL;
  if (crashed == 0)
    return;
  unsigned timeout_s = g->kata->timeout_s[SC_GATE_TESTS];
  unsigned long long deadline = sc_now_ms() + 1000ull * timeout_s;
  const char *targets[] = {"suite_san", NULL};
  struct sc_run_result built = {0};
  struct sc_gate_result scratch = {0};
  int ok = sc_grading_compile(g, targets, timeout_s, &built) == 0 &&
           built.end == SC_RUN_EXITED && built.exit_status == 0 &&
           sc_grading_inspect(g, &scratch, targets) == 0;
  sc_run_result_free(&built);
  sc_gate_result_free(&scratch);
  if (!ok)
    return;
  struct sc_strv learner = {0};
  sc_grading_learner_sources(g, &learner);
  unsigned long long first_run = sc_now_ms();
  size_t j = 0;
  for (unsigned tries = 0;
       tries < MAX_TRIES && (tries == 0 || sc_now_ms() - first_run < RETRY_MS);
       j++) {
    j %= expected->count;
    if (!verdicts[j].crashed || verdicts[j].message == NULL)
      continue;
    tries++;
    if (find_crash_site(g, expected->items[j], &learner, deadline,
                        &verdicts[j]))
      break;
  }
  sc_strv_free(&learner);
}

/* Whether path (len bytes) names a regular file of the repository at root:
 * a frame of a library ("./src/unix/core.c", built elsewhere) does not. */
static int repository_file(const char *root, const char *path, size_t len) {
  if (len == 0 || path[0] == '/' || strncmp(path, "./", 2) == 0)
    return 0;
  char *full = sc_xasprintf("%s/%.*s", root, (int)len, path);
  struct stat st;
  int ok = stat(full, &st) == 0 && S_ISREG(st.st_mode);
  free(full);
  return ok;
}

/* The place a failing test's message points at, for annotations: the
 * first "FILE.c:LINE" in it that names one of the learner's files, else the
 * first that names a file of the repository (the test's own assertion).
 * Returns 0 when there is none. */
static int failure_place(const char *message, char *file, size_t size,
                         unsigned *line, const struct sc_strv *learner,
                         const char *root) {
  int found = 0;
  for (const char *at = message; (at = strstr(at, ".c:")) != NULL; at += 3) {
    unsigned n = 0;
    if (sscanf(at + 3, "%u", &n) != 1 || n == 0)
      continue;
    const char *start = at;
    while (start > message && !strchr(" \t\n\"'(", start[-1]))
      start--;
    size_t len = (size_t)(at + 2 - start);
    if (len == 0 || len >= size)
      continue;
    int mine = 0;
    for (size_t i = 0; i < learner->count && !mine; i++)
      mine = strlen(learner->items[i]) == len &&
             strncmp(learner->items[i], start, len) == 0;
    if ((!found && repository_file(root, start, len)) || mine) {
      memcpy(file, start, len);
      file[len] = '\0';
      *line = n;
      found = 1 + mine;
    }
    if (mine)
      break;
  }
  return found;
}

static void score_tests(struct sc_grading *g, struct sc_gate_result *r,
                        const struct sc_strv *expected,
                        struct verdict *verdicts) {
  size_t passed = 0;
  const char *first_failure = NULL;
  const char *first_message = NULL;
  /* The learner's files as messages name them (relative paths). */
  struct sc_strv compiled = {0}, learner = {0};
  sc_grading_learner_sources(g, &compiled);
  for (size_t i = 0; i < compiled.count; i++) {
    char *rel = sc_grading_relative(g, compiled.items[i]);
    sc_strv_push(&learner, rel);
    free(rel);
  }
  sc_strv_free(&compiled);
  for (size_t j = 0; j < expected->count; j++) {
    sc_gate_add_test(r, expected->items[j], verdicts[j].status,
                     verdicts[j].message);
    char file[512];
    unsigned line = 0;
    if (verdicts[j].crash_file != NULL && r->location_count < 20) {
      char *what = sc_xasprintf("%s crashes", expected->items[j]);
      sc_gate_add_location(r, verdicts[j].crash_file, verdicts[j].crash_line,
                           what);
      free(what);
    } else if (verdicts[j].status != SC_STATUS_PASS &&
               verdicts[j].message != NULL && r->location_count < 20 &&
               failure_place(verdicts[j].message, file, sizeof(file), &line,
                             &learner, g->root)) {
      char *what = sc_xasprintf("%s fails", expected->items[j]);
      sc_gate_add_location(r, file, line, what);
      free(what);
    }
    if (verdicts[j].status == SC_STATUS_PASS)
      passed++;
    else if (first_failure == NULL) {
      first_failure = expected->items[j];
      first_message = verdicts[j].message;
    }
  }
  sc_strv_free(&learner);
  unsigned score = (unsigned)((r->max_score * passed) / expected->count);
  g->suite_passed = passed == expected->count;
  if (g->suite_passed)
    sc_gate_set(r, SC_STATUS_PASS, score, "all %zu tests pass",
                expected->count);
  else
    sc_gate_set(r, SC_STATUS_FAIL, score,
                "%zu of %zu tests pass; first failure: %s\n%s", passed,
                expected->count, first_failure,
                first_message ? first_message : "");
}

void sc_gate_tests(struct sc_grading *g, struct sc_gate_result *r) {
  struct sc_strv expected = {0};
  int err = read_expected(g, &expected);
  if (err != 0) {
    sc_gate_set(r, SC_STATUS_ERROR, 0,
                "cannot read the suite's table of tests in '%s': %s",
                g->kata->suite, sc_strerror(err));
    sc_strv_free(&expected);
    return;
  }
  const char *binaries[] = {"suite", NULL};
  char *dir = sc_grading_stage(g, r, "tests", binaries);
  if (dir == NULL) {
    sc_strv_free(&expected);
    return;
  }

  struct verdict *verdicts = sc_xcalloc(expected.count, sizeof(*verdicts));
  struct sc_run_result whole = {0};
  err = run_suite(g, dir, NULL, &expected, verdicts, &whole);
  if (err != 0) {
    sc_gate_set(r, SC_STATUS_ERROR, 0, "cannot run the suite: %s",
                whole.output ? whole.output : sc_strerror(err));
  } else {
    /* Tests without a verdict run again alone, to name the one that
     * crashed or hung; but a suite whose every test hangs must not cost a
     * timeout per test. The gate's budget for these re-runs is twice its
     * timeout, and after two hangs the rest are named without a run. */
    unsigned long long budget_ms =
        2ull * 1000u * g->kata->timeout_s[SC_GATE_TESTS];
    unsigned long long start = sc_now_ms();
    unsigned hangs = 0;
    for (size_t j = 0; j < expected.count; j++) {
      if (verdicts[j].known)
        continue;
      if (hangs >= 2 || sc_now_ms() - start > budget_ms) {
        verdicts[j].known = 1;
        verdicts[j].status = SC_STATUS_FAIL;
        verdicts[j].message = sc_xasprintf(
            "no verdict: the suite stopped before this test reported, and "
            "it was not run again alone because %u test%s already hung (the "
            "tests gate keeps to %llu s); fix those first",
            hangs, hangs == 1 ? "" : "s", budget_ms / 1000u);
        continue;
      }
      struct sc_run_result alone = {0};
      run_suite(g, dir, expected.items[j], &expected, verdicts, &alone);
      if (!verdicts[j].known) {
        verdicts[j].known = 1;
        verdicts[j].status = SC_STATUS_FAIL;
        verdicts[j].message =
            no_verdict_reason(&alone, alone.output ? alone.output : "");
        verdicts[j].crashed =
            alone.end == SC_RUN_SIGNALED && crash_signal(alone.term_signal);
      }
      hangs += alone.end == SC_RUN_TIMED_OUT;
      sc_run_result_free(&alone);
    }
    name_crash_site(g, &expected, verdicts);
    score_tests(g, r, &expected, verdicts);
    if (whole.left_processes) {
      /* Like a leak, but of processes: the sandbox killed them, and the
       * code that started them must not pass as if it had not. */
      g->suite_passed = 0;
      sc_gate_set(r, SC_STATUS_FAIL, 0,
                  "the suite left processes running after it ended (the "
                  "grader killed them): every process your code starts "
                  "must have ended and been waited for when it returns");
    }
  }
  for (size_t j = 0; j < expected.count; j++) {
    free(verdicts[j].message);
    free(verdicts[j].crash_file);
  }
  free(verdicts);
  sc_run_result_free(&whole);
  sc_strv_free(&expected);
  free(dir);
}

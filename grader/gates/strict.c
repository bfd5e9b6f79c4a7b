/* The strict gate: zero warnings in the learner's files under the strict
 * flag set (gcc's JSON diagnostics, never its prose), and the suite clean
 * under AddressSanitizer and UndefinedBehaviorSanitizer (and
 * ThreadSanitizer, for katas with threads). Half the points each. */
#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"
#include "parse/cmocka_xml.h"
#include "parse/gcc_diagnostics.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LISTED = 8 };

/* The kata's lesson checks (kata.json "lessons"): each line of a learner's
 * file that matches a forbidden pattern counts as a warning, reported at
 * that line with the lesson's message. */
static unsigned check_lessons(struct sc_grading *g, struct sc_gate_result *r,
                              struct sc_buf *report, unsigned listed) {
  const struct sc_kata *kata = g->kata;
  unsigned found = 0;
  for (size_t i = 0; i < kata->lesson_count; i++) {
    const struct sc_lesson_spec *lesson = &kata->lessons[i];
    regex_t re;
    if (regcomp(&re, lesson->forbid, REG_EXTENDED | REG_NOSUB) != 0)
      continue; /* the loader compiled it already */
    for (size_t f = 0; f < lesson->file_count; f++) {
      char *text = NULL;
      if (sc_read_inside(g->learner_dir, lesson->files[f], kata->max_file_bytes,
                         &text, NULL) != 0)
        continue; /* a missing file fails the build, not this check */
      sc_blank_c_comments_and_literals(text);
      char *path = sc_path_join(g->learner_dir, lesson->files[f]);
      char *rel = sc_grading_relative(g, path);
      unsigned lineno = 1;
      for (char *line = text; *line; lineno++) {
        char *end = strchr(line, '\n');
        if (end != NULL)
          *end = '\0';
        if (regexec(&re, line, 0, NULL, 0) == 0) {
          if (listed + found < MAX_LISTED)
            sc_buf_printf(report, "- %s:%u: %s [lesson]\n", rel, lineno,
                          lesson->message);
          if (r->location_count < 20)
            sc_gate_add_location(r, rel, lineno, lesson->message);
          found++;
        }
        if (end == NULL)
          break;
        line = end + 1;
      }
      free(rel);
      free(path);
      free(text);
    }
    regfree(&re);
  }
  return found;
}

/* Counts warnings in the learner's files; lists the first few. */
static unsigned check_warnings(struct sc_grading *g, struct sc_gate_result *r,
                               struct sc_buf *report) {
  const char *targets[] = {"strict_warnings", NULL};
  struct sc_run_result res = {0};
  int err =
      sc_grading_compile(g, targets, g->kata->timeout_s[SC_GATE_STRICT], &res);
  struct sc_diagnostics diags = {0};
  if (err == 0)
    err = sc_gcc_diagnostics_parse(res.output ? res.output : "", res.output_len,
                                   &diags);
  unsigned warnings = 0;
  if (err != 0) {
    sc_buf_printf(report, "cannot check warnings: %s\n", sc_strerror(err));
    warnings = 1;
  }
  for (size_t i = 0; i < diags.count; i++) {
    const struct sc_diagnostic *d = &diags.items[i];
    if (d->kind == SC_DIAG_NOTE)
      continue;
    char *rel = sc_grading_relative(g, d->file ? d->file : "?");
    if (warnings < MAX_LISTED)
      sc_buf_printf(report, "- %s:%u: %s%s%s%s\n", rel, d->line, d->message,
                    d->option ? " [" : "", d->option ? d->option : "",
                    d->option ? "]" : "");
    if (r->location_count < 20) {
      char *msg = sc_xasprintf("%s%s%s", d->message, d->option ? " " : "",
                               d->option ? d->option : "");
      sc_gate_add_location(r, rel, d->line, msg);
      free(msg);
    }
    free(rel);
    warnings++;
  }
  warnings += check_lessons(g, r, report, warnings);
  if (warnings > MAX_LISTED)
    sc_buf_printf(report, "- and %u more\n", warnings - MAX_LISTED);
  sc_diagnostics_free(&diags);
  sc_run_result_free(&res);
  return warnings;
}

/* The sanitizer's report within the run's output: from its first line on.
 * Learner code could print a fake one, which would only fail it. */
static char *sanitizer_report(const char *output) {
  static const char *const markers[] = {
      "runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
      "WARNING: ThreadSanitizer", "ERROR: ThreadSanitizer"};
  const char *first = NULL;
  for (size_t i = 0; i < SC_ARRAY_SIZE(markers); i++) {
    const char *at = strstr(output, markers[i]);
    if (at != NULL && (first == NULL || at < first))
      first = at;
  }
  if (first == NULL)
    return NULL;
  while (first > output && first[-1] != '\n')
    first--;
  return sc_xasprintf("%.3000s", first);
}

/* Did every test of the suite report a pass in the XML at path? */
static int all_tests_passed(struct sc_grading *g, const char *path) {
  char *list = sc_path_join(g->build_dir, "suite-tests.txt");
  char *names = NULL;
  struct sc_test_report report = {0};
  size_t expected = 0;
  int ok = sc_read_file(list, 1 << 20, &names, NULL) == 0 &&
           sc_cmocka_xml_read(path, &report) == 0;
  for (const char *p = names; ok && *p; p++)
    expected += *p == '\n';
  for (size_t i = 0; ok && i < report.count; i++)
    ok = report.cases[i].status == SC_CASE_PASS;
  ok = ok && report.count == expected;
  sc_test_report_free(&report);
  free(names);
  free(list);
  return ok;
}

/* Runs one sanitizer build of the suite (binary) and returns 1 when it ran
 * clean: it exited 0, every test passed, and no sanitizer spoke (with
 * LeakSanitizer on: see sc_grading_sandbox()). */
static int run_sanitized(struct sc_grading *g, struct sc_gate_result *r,
                         const char *binary, struct sc_buf *report) {
  const char *binaries[] = {binary, NULL};
  char *dir = sc_grading_stage(g, r, binary, binaries);
  if (dir == NULL)
    return 0;
  char *xml = sc_path_join(dir, "suite.xml");
  char *program = sc_xasprintf("./%s", binary);
  const char *argv[] = {program, NULL};
  struct sc_limits limits = sc_grading_limits(g, SC_GATE_STRICT);
  struct sc_run_result res = {0};
  int err = sc_grading_sandbox(g, dir, argv, NULL, &limits, &res);
  const char *output = res.output ? res.output : "";
  char *shown = sc_grading_display(g, output);
  char *found = sanitizer_report(shown);
  free(shown);
  int clean = err == 0 && found == NULL && res.end == SC_RUN_EXITED &&
              res.exit_status == 0 && all_tests_passed(g, xml);
  char how[160];
  if (found != NULL) {
    sc_buf_printf(report, "the sanitizers found a problem (%s):\n%s\n", binary,
                  found);
  } else if (!clean) {
    char *tail = sc_text_tail(output, 15);
    sc_buf_printf(
        report,
        "the suite under the sanitizers (%s) %s, without passing "
        "every test:\n%s\n",
        binary,
        err ? sc_strerror(err) : sc_run_describe(&res, how, sizeof(how)), tail);
    free(tail);
  }
  free(found);
  sc_run_result_free(&res);
  free(program);
  free(xml);
  free(dir);
  return clean;
}

void sc_gate_strict(struct sc_grading *g, struct sc_gate_result *r) {
  int tsan = g->kata->thread_sanitizer;
  const char *targets[] = {"suite_san", tsan ? "suite_tsan" : NULL, NULL};
  if (sc_grading_build_targets(g, r, targets) != 0)
    return;
  struct sc_buf report = {0};
  unsigned warnings = check_warnings(g, r, &report);
  int clean = run_sanitized(g, r, "suite_san", &report);
  if (clean && tsan)
    clean = run_sanitized(g, r, "suite_tsan", &report);
  if (r->status == SC_STATUS_ERROR) {
    sc_buf_free(&report);
    return;
  }
  const char *sanitizers = tsan ? "ASan, UBSan and TSan" : "ASan and UBSan";
  unsigned half = r->max_score / 2;
  unsigned score =
      (warnings == 0 ? half : 0) + (clean ? r->max_score - half : 0);
  if (warnings == 0 && clean)
    sc_gate_set(r, SC_STATUS_PASS, score,
                "no warnings under the strict flags; clean under %s",
                sanitizers);
  else
    sc_gate_set(r, SC_STATUS_FAIL, score,
                "%u warning%s in your files%s%s (no warnings: %u points, "
                "clean sanitizers: %u, of %u)\n%s",
                warnings, warnings == 1 ? "" : "s",
                clean ? "; clean under " : "", clean ? sanitizers : "", half,
                r->max_score - half, r->max_score,
                report.data ? report.data : "");
  sc_buf_free(&report);
}

/* Tests of what the coverage gate tells a learner who falls short: each
 * place named by function, on the gcovr 5.2 reports of
 * tests/fixtures/parse/gcovr (see its README) and on reports made up to
 * reach the caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gates/coverage.h"

#define FIXTURE(name) SC_SOURCE_DIR "/tests/fixtures/parse/gcovr/" name

/* Reads a summary and its detailed report into *report. */
static void read_report(struct sc_coverage_report *report, const char *summary,
                        const char *detail) {
  assert_int_equal(sc_gcovr_summary_read(summary, report), 0);
  assert_int_equal(sc_gcovr_detail_read(detail, report), 0);
}

/* The message's lines for every file of report (caller frees). */
static char *where(const struct sc_coverage_report *report, int with_branches) {
  struct sc_buf out = {0};

  for (size_t i = 0; i < report->count; i++)
    sc_coverage_where(&out, report->files[i].path, &report->files[i],
                      with_branches);
  return sc_buf_detach(&out);
}

static void
test_coverage_where_names_the_function_of_each_line_not_run(void **state) {
  struct sc_coverage_report report;
  char *text;

  (void)state;
  read_report(&report, FIXTURE("summary.json"), FIXTURE("detail.json"));
  text = where(&report, 0);
  /* never_called() is named once; src/main.c, fully run, not at all. */
  assert_string_equal(text, "- src/calc.c: clamp(), lines 5, 8 not run; "
                            "sign(), lines 14-16 not run; "
                            "never_called() never runs (line 19)\n");
  free(text);
  sc_coverage_report_free(&report);
}

static void
test_coverage_where_adds_branches_never_taken_when_branches_fall_short(
    void **state) {
  struct sc_coverage_report report;
  char *text;

  (void)state;
  read_report(&report, FIXTURE("summary.json"), FIXTURE("detail.json"));
  text = where(&report, 1);
  /* Line 14's branches are not named: the line never ran at all. */
  assert_string_equal(text, "- src/calc.c: clamp(), lines 5, 8 not run; "
                            "clamp(), lines 4, 6: branches never taken; "
                            "sign(), lines 14-16 not run; "
                            "sign(), line 12: a branch never taken; "
                            "never_called() never runs (line 19)\n");
  free(text);
  sc_coverage_report_free(&report);
}

static void
test_coverage_where_names_branches_when_every_line_ran(void **state) {
  struct sc_coverage_report report;
  char *text;

  (void)state;
  read_report(&report, FIXTURE("branches_summary.json"),
              FIXTURE("branches_detail.json"));
  text = where(&report, 1);
  assert_string_equal(text,
                      "- src/frame.c: in_range(), line 2: a branch never "
                      "taken; frame_kind(), line 7: a branch never taken\n");
  free(text);
  /* With the branch level reached there is nothing to name. */
  text = where(&report, 0);
  assert_string_equal(text, "");
  free(text);
  sc_coverage_report_free(&report);
}

static void
test_coverage_where_names_at_most_eight_places_per_file(void **state) {
  struct sc_coverage_function functions[12];
  unsigned lines[12];
  char names[12][8];
  struct sc_coverage_file file;
  struct sc_buf out = {0};
  char *text;

  (void)state;
  memset(&file, 0, sizeof file);
  for (unsigned i = 0; i < 12; i++) {
    snprintf(names[i], sizeof names[i], "f%u", i);
    functions[i] = (struct sc_coverage_function){names[i], 10 * i + 1, 1};
    lines[i] = 10 * i + 2;
  }
  file.functions = functions;
  file.function_count = 12;
  file.uncovered_lines = lines;
  file.uncovered_count = 12;
  sc_coverage_where(&out, "a.c", &file, 1);
  text = sc_buf_detach(&out);
  assert_string_equal(text, "- a.c: f0(), line 2 not run; f1(), line 12 not "
                            "run; f2(), line 22 not run; f3(), line 32 not "
                            "run; f4(), line 42 not run; f5(), line 52 not "
                            "run; f6(), line 62 not run; f7(), line 72 not "
                            "run; and 4 more\n");
  free(text);
}

static void
test_coverage_where_cuts_a_long_list_and_names_no_function_before_the_first(
    void **state) {
  static const unsigned lines[] = {1, 2, 20, 22, 24, 26, 28, 30, 32};
  struct sc_coverage_function function = {"parse_frame", 10, 3};
  struct sc_coverage_file file;
  struct sc_buf out = {0};
  char *text;

  (void)state;
  memset(&file, 0, sizeof file);
  file.functions = &function;
  file.function_count = 1;
  file.uncovered_lines = (unsigned *)lines;
  file.uncovered_count = sizeof lines / sizeof lines[0];
  sc_coverage_where(&out, "a.c", &file, 1);
  text = sc_buf_detach(&out);
  assert_string_equal(text, "- a.c: lines 1-2 not run; parse_frame(), lines "
                            "20, 22, 24, 26, 28 and 2 more not run\n");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(
          test_coverage_where_names_the_function_of_each_line_not_run),
      cmocka_unit_test(
          test_coverage_where_adds_branches_never_taken_when_branches_fall_short),
      cmocka_unit_test(test_coverage_where_names_branches_when_every_line_ran),
      cmocka_unit_test(test_coverage_where_names_at_most_eight_places_per_file),
      cmocka_unit_test(
          test_coverage_where_cuts_a_long_list_and_names_no_function_before_the_first),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}

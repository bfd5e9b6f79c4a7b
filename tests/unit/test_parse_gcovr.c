/* Tests of the gcovr JSON readers, on reports of a real gcovr 5.2 run over
 * a small project (src/calc.c, src/main.c) built with --coverage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "parse/gcovr_json.h"

#define FIXTURE(name) SC_SOURCE_DIR "/tests/fixtures/parse/" name

static void read_summary(struct sc_coverage_report *report) {
  assert_int_equal(sc_gcovr_summary_read(FIXTURE("gcovr/summary.json"), report),
                   0);
  assert_int_equal(report->count, 2);
}

static void test_gcovr_summary_reads_the_counts_of_each_file(void **state) {
  struct sc_coverage_report report;
  const struct sc_coverage_file *calc;
  const struct sc_coverage_file *main_file;

  (void)state;
  read_summary(&report);
  calc = &report.files[0];
  assert_string_equal(calc->path, "src/calc.c");
  assert_int_equal(calc->lines_covered, 7);
  assert_int_equal(calc->lines_total, 13);
  assert_int_equal(calc->branches_covered, 3);
  assert_int_equal(calc->branches_total, 8);
  assert_int_equal(calc->functions_covered, 2);
  assert_int_equal(calc->functions_total, 3);
  assert_null(calc->uncovered_lines);
  assert_int_equal(calc->uncovered_count, 0);
  main_file = &report.files[1];
  assert_string_equal(main_file->path, "src/main.c");
  assert_int_equal(main_file->lines_covered, 4);
  assert_int_equal(main_file->lines_total, 4);
  assert_int_equal(main_file->branches_covered, 0);
  assert_int_equal(main_file->branches_total, 0);
  assert_int_equal(main_file->functions_covered, 1);
  assert_int_equal(main_file->functions_total, 1);
  sc_coverage_report_free(&report);
  assert_null(report.files);
  assert_int_equal(report.count, 0);
}

static void test_gcovr_detail_lists_the_uncovered_lines_in_order(void **state) {
  static const unsigned expected[] = {5, 8, 14, 15, 16, 19};
  struct sc_coverage_report report;
  size_t i;

  (void)state;
  read_summary(&report);
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("gcovr/detail.json"), &report),
                   0);
  /* Line 20 carries GCOVR_EXCL_LINE: never executed, yet not listed. */
  assert_int_equal(report.files[0].uncovered_count, 6);
  for (i = 0; i < 6; i++)
    assert_int_equal(report.files[0].uncovered_lines[i], expected[i]);
  assert_int_equal(report.files[1].uncovered_count, 0);
  assert_null(report.files[1].uncovered_lines);

  /* Reading it again replaces the lists rather than adding to them. */
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("gcovr/detail.json"), &report),
                   0);
  assert_int_equal(report.files[0].uncovered_count, 6);
  sc_coverage_report_free(&report);
}

static void
test_gcovr_detail_skips_files_missing_from_the_summary(void **state) {
  struct sc_coverage_file files[2];
  struct sc_coverage_report report = {files, 2};

  (void)state;
  memset(files, 0, sizeof files);
  files[0].path = "src/other.c";
  files[1].path = "src/calc.c";
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("gcovr/detail.json"), &report),
                   0);
  assert_int_equal(files[0].uncovered_count, 0);
  assert_null(files[0].uncovered_lines);
  assert_int_equal(files[1].uncovered_count, 6);
  assert_int_equal(files[1].uncovered_lines[0], 5);
  assert_int_equal(files[1].function_count, 3);
  /* The paths and the array are not the reader's: free only what it read. */
  for (size_t i = 0; i < files[1].function_count; i++)
    free(files[1].functions[i].name);
  free(files[1].functions);
  free(files[1].branch_lines);
  free(files[1].uncovered_lines);
}

static void test_gcovr_detail_lists_the_functions_by_start_line(void **state) {
  struct sc_coverage_report report;
  const struct sc_coverage_function *fn;

  (void)state;
  read_summary(&report);
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("gcovr/detail.json"), &report),
                   0);
  /* gcovr lists them by name: clamp, never_called, sign. */
  assert_int_equal(report.files[0].function_count, 3);
  fn = report.files[0].functions;
  assert_string_equal(fn[0].name, "clamp");
  assert_int_equal(fn[0].line, 3);
  assert_int_equal(fn[0].calls, 1);
  assert_string_equal(fn[1].name, "sign");
  assert_int_equal(fn[1].line, 11);
  assert_int_equal(fn[1].calls, 1);
  assert_string_equal(fn[2].name, "never_called");
  assert_int_equal(fn[2].line, 19);
  assert_int_equal(fn[2].calls, 0);
  assert_int_equal(report.files[1].function_count, 1);
  assert_string_equal(report.files[1].functions[0].name, "main");
  sc_coverage_report_free(&report);
}

static void
test_gcovr_detail_lists_lines_that_ran_with_a_branch_never_taken(void **state) {
  static const unsigned expected[] = {4, 6, 12};
  struct sc_coverage_report report;
  size_t i;

  (void)state;
  read_summary(&report);
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("gcovr/detail.json"), &report),
                   0);
  /* Line 14 has two branches never taken but never ran: it is listed as
   * not run only. */
  assert_int_equal(report.files[0].branch_count, 3);
  for (i = 0; i < 3; i++)
    assert_int_equal(report.files[0].branch_lines[i], expected[i]);
  assert_int_equal(report.files[1].branch_count, 0);
  assert_null(report.files[1].branch_lines);
  sc_coverage_report_free(&report);
}

static void
test_gcovr_detail_finds_branches_never_taken_when_every_line_ran(void **state) {
  struct sc_coverage_report report;
  const struct sc_coverage_file *frame;

  (void)state;
  assert_int_equal(
      sc_gcovr_summary_read(FIXTURE("gcovr/branches_summary.json"), &report),
      0);
  assert_int_equal(
      sc_gcovr_detail_read(FIXTURE("gcovr/branches_detail.json"), &report), 0);
  frame = &report.files[0];
  assert_string_equal(frame->path, "src/frame.c");
  assert_int_equal(frame->lines_covered, frame->lines_total);
  assert_int_equal(frame->branches_covered, 3);
  assert_int_equal(frame->branches_total, 6);
  assert_int_equal(frame->uncovered_count, 0);
  assert_null(frame->uncovered_lines);
  assert_int_equal(frame->branch_count, 2);
  assert_int_equal(frame->branch_lines[0], 2);
  assert_int_equal(frame->branch_lines[1], 7);
  assert_int_equal(frame->function_count, 2);
  assert_string_equal(frame->functions[0].name, "in_range");
  assert_string_equal(frame->functions[1].name, "frame_kind");
  sc_coverage_report_free(&report);
}

static void
test_gcovr_detail_rejects_a_summary_and_leaves_the_report_alone(void **state) {
  struct sc_coverage_report report;

  (void)state;
  read_summary(&report);
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("gcovr/detail.json"), &report),
                   0);
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("gcovr/summary.json"), &report),
                   SC_EREPORT);
  assert_int_equal(report.count, 2);
  assert_int_equal(report.files[0].uncovered_count, 6);
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("misc/empty"), &report),
                   SC_EREPORT);
  assert_int_equal(
      sc_gcovr_detail_read(FIXTURE("gcovr/no_such_file.json"), &report),
      -ENOENT);
  assert_int_equal(report.files[0].uncovered_count, 6);
  sc_coverage_report_free(&report);
}

static void
test_gcovr_detail_rejects_a_bad_function_or_branch_and_leaves_the_report_alone(
    void **state) {
  struct sc_coverage_report report;

  (void)state;
  read_summary(&report);
  assert_int_equal(sc_gcovr_detail_read(FIXTURE("gcovr/detail.json"), &report),
                   0);
  assert_int_equal(
      sc_gcovr_detail_read(FIXTURE("gcovr/bad_function.json"), &report),
      SC_EREPORT);
  assert_int_equal(
      sc_gcovr_detail_read(FIXTURE("gcovr/bad_branch.json"), &report),
      SC_EREPORT);
  assert_int_equal(report.files[0].function_count, 3);
  assert_string_equal(report.files[0].functions[2].name, "never_called");
  assert_int_equal(report.files[0].branch_count, 3);
  assert_int_equal(report.files[0].uncovered_count, 6);
  sc_coverage_report_free(&report);
}

static void test_gcovr_summary_rejects_a_detailed_report(void **state) {
  struct sc_coverage_report report;

  (void)state;
  assert_int_equal(sc_gcovr_summary_read(FIXTURE("gcovr/detail.json"), &report),
                   SC_EREPORT);
  assert_null(report.files);
  assert_int_equal(report.count, 0);
}

static void
test_gcovr_summary_fails_with_enoent_for_a_missing_file(void **state) {
  struct sc_coverage_report report;

  (void)state;
  assert_int_equal(
      sc_gcovr_summary_read(FIXTURE("gcovr/no_such_file.json"), &report),
      -ENOENT);
  assert_null(report.files);
}

static void test_gcovr_summary_rejects_an_empty_file(void **state) {
  struct sc_coverage_report report;

  (void)state;
  assert_int_equal(sc_gcovr_summary_read(FIXTURE("misc/empty"), &report),
                   SC_EREPORT);
  assert_null(report.files);
}

static void test_gcovr_summary_rejects_a_file_that_is_not_json(void **state) {
  struct sc_coverage_report report;

  (void)state;
  assert_int_equal(
      sc_gcovr_summary_read(FIXTURE("misc/not_a_report.txt"), &report),
      SC_EREPORT);
  assert_int_equal(
      sc_gcovr_summary_read(FIXTURE("valgrind/clean.xml"), &report),
      SC_EREPORT);
}

static void test_gcovr_free_accepts_null_and_a_zeroed_report(void **state) {
  struct sc_coverage_report report;

  (void)state;
  memset(&report, 0, sizeof report);
  sc_coverage_report_free(NULL);
  sc_coverage_report_free(&report);
  assert_null(report.files);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gcovr_summary_reads_the_counts_of_each_file),
      cmocka_unit_test(test_gcovr_detail_lists_the_uncovered_lines_in_order),
      cmocka_unit_test(test_gcovr_detail_skips_files_missing_from_the_summary),
      cmocka_unit_test(test_gcovr_detail_lists_the_functions_by_start_line),
      cmocka_unit_test(
          test_gcovr_detail_lists_lines_that_ran_with_a_branch_never_taken),
      cmocka_unit_test(
          test_gcovr_detail_finds_branches_never_taken_when_every_line_ran),
      cmocka_unit_test(
          test_gcovr_detail_rejects_a_summary_and_leaves_the_report_alone),
      cmocka_unit_test(
          test_gcovr_detail_rejects_a_bad_function_or_branch_and_leaves_the_report_alone),
      cmocka_unit_test(test_gcovr_summary_rejects_a_detailed_report),
      cmocka_unit_test(test_gcovr_summary_fails_with_enoent_for_a_missing_file),
      cmocka_unit_test(test_gcovr_summary_rejects_an_empty_file),
      cmocka_unit_test(test_gcovr_summary_rejects_a_file_that_is_not_json),
      cmocka_unit_test(test_gcovr_free_accepts_null_and_a_zeroed_report),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}

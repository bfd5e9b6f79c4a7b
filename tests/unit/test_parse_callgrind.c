/* Tests of the callgrind output reader, on files of a real callgrind run
 * with --toggle-collect=work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "parse/callgrind_out.h"

#define FIXTURE(name) SC_SOURCE_DIR "/tests/fixtures/parse/" name

/* Writes text to a new temporary file whose path is stored in path. */
static void write_temp(char *path, const char *text) {
  int fd = mkstemp(path);
  size_t len = strlen(text);

  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, len), (ssize_t)len);
  assert_int_equal(close(fd), 0);
}

static void test_callgrind_total_reads_the_summary_line(void **state) {
  uint64_t instructions = 0;

  (void)state;
  assert_int_equal(
      sc_callgrind_total(FIXTURE("callgrind/toggle_collect.callgrind"),
                         &instructions),
      0);
  assert_int_equal(instructions, 8012);
}

static void test_callgrind_total_falls_back_to_the_totals_line(void **state) {
  uint64_t instructions = 0;

  (void)state;
  assert_int_equal(sc_callgrind_total(FIXTURE("callgrind/no_summary.callgrind"),
                                      &instructions),
                   0);
  assert_int_equal(instructions, 8012);
}

static void
test_callgrind_total_takes_the_column_of_ir_among_several_events(void **state) {
  char path[] = "/tmp/test_parse_callgrind_XXXXXX";
  uint64_t instructions = 0;

  (void)state;
  write_temp(path, "# callgrind format\nversion: 1\nevents: Dr Ir Dw\n"
                   "summary: 5 42 7\ntotals: 5 42 7\n");
  assert_int_equal(sc_callgrind_total(path, &instructions), 0);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(instructions, 42);
}

static void
test_callgrind_total_rejects_a_file_without_ir_figures(void **state) {
  char no_ir[] = "/tmp/test_parse_callgrind_XXXXXX";
  char not_a_number[] = "/tmp/test_parse_callgrind_XXXXXX";
  uint64_t instructions = 99;

  (void)state;
  write_temp(no_ir, "events: Dr Dw\nsummary: 5 7\n");
  write_temp(not_a_number, "events: Ir\nsummary: many\n");
  assert_int_equal(sc_callgrind_total(no_ir, &instructions), SC_EREPORT);
  assert_int_equal(sc_callgrind_total(not_a_number, &instructions), SC_EREPORT);
  assert_int_equal(unlink(no_ir), 0);
  assert_int_equal(unlink(not_a_number), 0);
  assert_int_equal(instructions, 99);
}

static void
test_callgrind_total_fails_with_enoent_for_a_missing_file(void **state) {
  uint64_t instructions = 0;

  (void)state;
  assert_int_equal(
      sc_callgrind_total(FIXTURE("callgrind/no_such_file"), &instructions),
      -ENOENT);
}

static void test_callgrind_total_rejects_an_empty_file(void **state) {
  uint64_t instructions = 0;

  (void)state;
  assert_int_equal(sc_callgrind_total(FIXTURE("misc/empty"), &instructions),
                   SC_EREPORT);
}

static void
test_callgrind_total_rejects_a_file_that_is_not_callgrind_output(void **state) {
  uint64_t instructions = 0;

  (void)state;
  assert_int_equal(
      sc_callgrind_total(FIXTURE("misc/not_a_report.txt"), &instructions),
      SC_EREPORT);
  assert_int_equal(
      sc_callgrind_total(FIXTURE("valgrind/clean.xml"), &instructions),
      SC_EREPORT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_callgrind_total_reads_the_summary_line),
      cmocka_unit_test(test_callgrind_total_falls_back_to_the_totals_line),
      cmocka_unit_test(
          test_callgrind_total_takes_the_column_of_ir_among_several_events),
      cmocka_unit_test(test_callgrind_total_rejects_a_file_without_ir_figures),
      cmocka_unit_test(
          test_callgrind_total_fails_with_enoent_for_a_missing_file),
      cmocka_unit_test(test_callgrind_total_rejects_an_empty_file),
      cmocka_unit_test(
          test_callgrind_total_rejects_a_file_that_is_not_callgrind_output),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}

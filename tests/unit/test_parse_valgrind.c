/* Tests of the memcheck XML reader, on reports of real valgrind runs of a
 * small program built in /tmp/scfx/vg (the paths its frames name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/error.h"
#include "parse/valgrind_xml.h"

#define FIXTURE(name) SC_SOURCE_DIR "/tests/fixtures/parse/" name
#define PROGRAM_DIR "/tmp/scfx/vg"
#define PROGRAM_SOURCE PROGRAM_DIR "/vgprog.c"

static const char malloc_obj[] =
    "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so";

static void read_fixture(const char *path, struct sc_vg_report *report) {
  assert_int_equal(sc_valgrind_xml_read(path, report), 0);
}

static void assert_frame(const struct sc_vg_frame *frame, const char *fn,
                         unsigned line) {
  assert_non_null(frame);
  assert_string_equal(frame->fn, fn);
  assert_string_equal(frame->dir, PROGRAM_DIR);
  assert_string_equal(frame->file, "vgprog.c");
  assert_int_equal(frame->line, line);
  assert_string_equal(frame->obj, PROGRAM_DIR "/vgprog");
}

static void assert_malloc_frame(const struct sc_vg_frame *frame) {
  assert_string_equal(frame->fn, "malloc");
  assert_string_equal(frame->obj, malloc_obj);
  assert_null(frame->dir);
  assert_null(frame->file);
  assert_int_equal(frame->line, 0);
}

static void test_valgrind_xml_reads_a_definite_leak(void **state) {
  struct sc_vg_report report;
  const struct sc_vg_error *leak;

  (void)state;
  read_fixture(FIXTURE("valgrind/definite_leak.xml"), &report);
  assert_int_equal(report.complete, 1);
  assert_int_equal(report.fatal_signal, 0);
  assert_int_equal(report.count, 1);
  leak = &report.errors[0];
  assert_string_equal(leak->kind, "Leak_DefinitelyLost");
  assert_string_equal(
      leak->what,
      "32 bytes in 1 blocks are definitely lost in loss record 1 of 1");
  assert_int_equal(leak->leaked_bytes, 32);
  assert_int_equal(leak->leaked_blocks, 1);
  assert_int_equal(leak->frame_count, 3);
  assert_malloc_frame(&leak->frames[0]);
  assert_frame(&leak->frames[1], "definite_leak", 11);
  assert_frame(&leak->frames[2], "main", 48);
  sc_vg_report_free(&report);
  assert_null(report.errors);
  assert_int_equal(report.count, 0);
}

static void test_valgrind_xml_keeps_each_leak_record_own_figures(void **state) {
  struct sc_vg_report report;

  (void)state;
  /* A lost struct (16 bytes) owning a lost 64-byte field: the definite
   * record's 80 bytes already include the indirect record's 64. */
  read_fixture(FIXTURE("valgrind/indirect_leak.xml"), &report);
  assert_int_equal(report.count, 2);
  assert_string_equal(report.errors[0].kind, "Leak_IndirectlyLost");
  assert_int_equal(report.errors[0].leaked_bytes, 64);
  assert_int_equal(report.errors[0].leaked_blocks, 1);
  assert_frame(&report.errors[0].frames[1], "indirect_leak", 18);
  assert_string_equal(report.errors[1].kind, "Leak_DefinitelyLost");
  assert_string_equal(report.errors[1].what,
                      "80 (16 direct, 64 indirect) bytes in 1 blocks are "
                      "definitely lost in loss record 2 of 2");
  assert_int_equal(report.errors[1].leaked_bytes, 80);
  assert_int_equal(report.errors[1].leaked_blocks, 1);
  assert_frame(&report.errors[1].frames[1], "indirect_leak", 17);
  sc_vg_report_free(&report);
}

static void test_valgrind_xml_reads_an_invalid_read(void **state) {
  struct sc_vg_report report;

  (void)state;
  read_fixture(FIXTURE("valgrind/invalid_read.xml"), &report);
  assert_int_equal(report.count, 1);
  assert_string_equal(report.errors[0].kind, "InvalidRead");
  assert_string_equal(report.errors[0].what, "Invalid read of size 4");
  assert_int_equal(report.errors[0].leaked_bytes, 0);
  assert_int_equal(report.errors[0].leaked_blocks, 0);
  assert_int_equal(report.errors[0].frame_count, 2);
  assert_frame(&report.errors[0].frames[0], "invalid_read", 27);
  assert_frame(&report.errors[0].frames[1], "main", 56);
  sc_vg_report_free(&report);
}

static void test_valgrind_xml_keeps_the_first_stack_of_an_uninitialised_value(
    void **state) {
  struct sc_vg_report report;

  (void)state;
  /* The second stack (where the value was created, line 32) is left out. */
  read_fixture(FIXTURE("valgrind/uninit_condition.xml"), &report);
  assert_int_equal(report.count, 1);
  assert_string_equal(report.errors[0].kind, "UninitCondition");
  assert_string_equal(
      report.errors[0].what,
      "Conditional jump or move depends on uninitialised value(s)");
  assert_int_equal(report.errors[0].frame_count, 2);
  assert_frame(&report.errors[0].frames[0], "uninit", 35);
  assert_frame(&report.errors[0].frames[1], "main", 58);
  sc_vg_report_free(&report);
}

static void test_valgrind_xml_reads_a_clean_run_as_no_errors(void **state) {
  struct sc_vg_report report;

  (void)state;
  read_fixture(FIXTURE("valgrind/clean.xml"), &report);
  assert_int_equal(report.count, 0);
  assert_null(report.errors);
  assert_int_equal(report.complete, 1);
  assert_int_equal(report.fatal_signal, 0);
  assert_null(report.fatal_signal_name);
  sc_vg_report_free(&report);
}

static void
test_valgrind_xml_reads_the_signal_that_killed_the_program(void **state) {
  struct sc_vg_report report;

  (void)state;
  read_fixture(FIXTURE("valgrind/sigsegv.xml"), &report);
  assert_int_equal(report.complete, 1);
  assert_int_equal(report.fatal_signal, 11);
  assert_string_equal(report.fatal_signal_name, "SIGSEGV");
  assert_int_equal(report.fatal_frame_count, 2);
  assert_frame(&report.fatal_frames[0], "crash", 42);
  assert_frame(&report.fatal_frames[1], "main", 62);
  assert_int_equal(report.count, 2);
  assert_string_equal(report.errors[0].kind, "InvalidWrite");
  assert_frame(&report.errors[0].frames[0], "crash", 42);
  assert_string_equal(report.errors[1].kind, "Leak_StillReachable");
  assert_int_equal(report.errors[1].leaked_bytes, 8);
  sc_vg_report_free(&report);
  assert_null(report.fatal_signal_name);
  assert_null(report.fatal_frames);
  assert_int_equal(report.fatal_signal, 0);
}

static void test_valgrind_xml_salvages_a_truncated_file(void **state) {
  struct sc_vg_report report;

  (void)state;
  /* indirect_leak.xml cut inside a function name of the second record:
   * the first record is whole, the cut one is dropped. */
  read_fixture(FIXTURE("valgrind/truncated.xml"), &report);
  assert_int_equal(report.complete, 0);
  assert_int_equal(report.count, 1);
  assert_string_equal(report.errors[0].kind, "Leak_IndirectlyLost");
  assert_int_equal(report.errors[0].leaked_bytes, 64);
  assert_int_equal(report.errors[0].frame_count, 3);
  assert_frame(&report.errors[0].frames[2], "main", 52);
  sc_vg_report_free(&report);
}

static void
test_valgrind_first_frame_in_points_at_the_learner_line(void **state) {
  static const char *const files[] = {"/work/kata/other.c", PROGRAM_SOURCE};
  struct sc_vg_report report;
  const struct sc_vg_frame *frame;

  (void)state;
  read_fixture(FIXTURE("valgrind/definite_leak.xml"), &report);
  /* The malloc frame in valgrind's preload comes first and is skipped. */
  frame = sc_vg_error_first_frame_in(&report.errors[0], files, 2);
  assert_ptr_equal(frame, &report.errors[0].frames[1]);
  assert_frame(frame, "definite_leak", 11);
  sc_vg_report_free(&report);
}

static void
test_valgrind_first_frame_in_returns_null_when_no_frame_matches(void **state) {
  static const char *const near_misses[] = {
      "/tmp/scfx/vgprog.c", "/tmp/scfx/vg/vgprog.cc", "vgprog.c",
      "/tmp/scfx/vg",       "/tmp/scfx/vg/",          NULL};
  static const char *const match[] = {PROGRAM_SOURCE};
  struct sc_vg_report report;

  (void)state;
  read_fixture(FIXTURE("valgrind/invalid_read.xml"), &report);
  assert_null(sc_vg_error_first_frame_in(&report.errors[0], near_misses, 6));
  assert_null(sc_vg_error_first_frame_in(&report.errors[0], match, 0));
  assert_null(sc_vg_error_first_frame_in(&report.errors[0], NULL, 1));
  assert_null(sc_vg_error_first_frame_in(NULL, match, 1));
  sc_vg_report_free(&report);
}

static void test_valgrind_first_frame_in_joins_dir_and_file_once(void **state) {
  static const char *const files[] = {"/src/kata.c", "/abs/kata.c"};
  struct sc_vg_frame frames[3] = {
      {NULL, NULL, "kata.c", 1, NULL},
      {NULL, "/src/", "kata.c", 2, NULL},
      {NULL, "/ignored", "/abs/kata.c", 3, NULL},
  };
  struct sc_vg_error error = {NULL, NULL, 0, 0, frames, 3};

  (void)state;
  assert_ptr_equal(sc_vg_error_first_frame_in(&error, files, 2), &frames[1]);
  assert_ptr_equal(sc_vg_error_first_frame_in(&error, files + 1, 1),
                   &frames[2]);
}

static void
test_valgrind_xml_fails_with_enoent_for_a_missing_file(void **state) {
  struct sc_vg_report report;

  (void)state;
  assert_int_equal(
      sc_valgrind_xml_read(FIXTURE("valgrind/no_such_file.xml"), &report),
      -ENOENT);
  assert_null(report.errors);
  assert_int_equal(report.count, 0);
}

static void test_valgrind_xml_rejects_an_empty_file(void **state) {
  struct sc_vg_report report;

  (void)state;
  assert_int_equal(sc_valgrind_xml_read(FIXTURE("misc/empty"), &report),
                   SC_EREPORT);
  assert_int_equal(report.count, 0);
  assert_int_equal(report.complete, 0);
}

static void test_valgrind_xml_rejects_a_file_that_is_not_xml(void **state) {
  struct sc_vg_report report;

  (void)state;
  assert_int_equal(
      sc_valgrind_xml_read(FIXTURE("misc/not_a_report.txt"), &report),
      SC_EREPORT);
  assert_int_equal(sc_valgrind_xml_read(FIXTURE("gcovr/summary.json"), &report),
                   SC_EREPORT);
}

static void
test_valgrind_xml_rejects_xml_that_is_not_a_valgrind_report(void **state) {
  struct sc_vg_report report;

  (void)state;
  assert_int_equal(sc_valgrind_xml_read(FIXTURE("cmocka/pass.xml"), &report),
                   SC_EREPORT);
}

static void
test_valgrind_xml_free_accepts_null_and_a_zeroed_report(void **state) {
  struct sc_vg_report report;

  (void)state;
  memset(&report, 0, sizeof report);
  sc_vg_report_free(NULL);
  sc_vg_report_free(&report);
  assert_null(report.errors);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valgrind_xml_reads_a_definite_leak),
      cmocka_unit_test(test_valgrind_xml_keeps_each_leak_record_own_figures),
      cmocka_unit_test(test_valgrind_xml_reads_an_invalid_read),
      cmocka_unit_test(
          test_valgrind_xml_keeps_the_first_stack_of_an_uninitialised_value),
      cmocka_unit_test(test_valgrind_xml_reads_a_clean_run_as_no_errors),
      cmocka_unit_test(
          test_valgrind_xml_reads_the_signal_that_killed_the_program),
      cmocka_unit_test(test_valgrind_xml_salvages_a_truncated_file),
      cmocka_unit_test(test_valgrind_first_frame_in_points_at_the_learner_line),
      cmocka_unit_test(
          test_valgrind_first_frame_in_returns_null_when_no_frame_matches),
      cmocka_unit_test(test_valgrind_first_frame_in_joins_dir_and_file_once),
      cmocka_unit_test(test_valgrind_xml_fails_with_enoent_for_a_missing_file),
      cmocka_unit_test(test_valgrind_xml_rejects_an_empty_file),
      cmocka_unit_test(test_valgrind_xml_rejects_a_file_that_is_not_xml),
      cmocka_unit_test(
          test_valgrind_xml_rejects_xml_that_is_not_a_valgrind_report),
      cmocka_unit_test(test_valgrind_xml_free_accepts_null_and_a_zeroed_report),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the cmocka XML reader, on reports written by real cmocka runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <libxml/xmlstring.h>

#include "core/error.h"
#include "parse/cmocka_xml.h"

#define FIXTURE(name) SC_SOURCE_DIR "/tests/fixtures/parse/" name

static void read_fixture(const char *path, struct sc_test_report *report) {
  assert_int_equal(sc_cmocka_xml_read(path, report), 0);
}

static void assert_case(const struct sc_test_case *c, const char *name,
                        enum sc_case_status status, const char *message) {
  assert_string_equal(c->name, name);
  assert_int_equal(c->status, status);
  if (message == NULL)
    assert_null(c->message);
  else
    assert_string_equal(c->message, message);
}

static void test_cmocka_xml_reads_a_passing_suite(void **state) {
  struct sc_test_report report;

  (void)state;
  read_fixture(FIXTURE("cmocka/pass.xml"), &report);
  assert_int_equal(report.count, 2);
  assert_case(&report.cases[0], "test_add_small", SC_CASE_PASS, NULL);
  assert_case(&report.cases[1], "test_add_negative", SC_CASE_PASS, NULL);
  sc_test_report_free(&report);
  assert_null(report.cases);
  assert_int_equal(report.count, 0);
}

static void test_cmocka_xml_reads_a_failed_assert_int_equal(void **state) {
  struct sc_test_report report;

  (void)state;
  read_fixture(FIXTURE("cmocka/assert_int_equal.xml"), &report);
  assert_int_equal(report.count, 2);
  assert_case(&report.cases[0], "test_add_small", SC_CASE_PASS, NULL);
  assert_case(&report.cases[1], "test_add_wrong", SC_CASE_FAIL,
              "0x4 != 0x5\nsuite.c:12: error: Failure!");
  sc_test_report_free(&report);
}

static void test_cmocka_xml_reads_a_failed_assert_string_equal(void **state) {
  struct sc_test_report report;

  (void)state;
  read_fixture(FIXTURE("cmocka/assert_string_equal.xml"), &report);
  assert_int_equal(report.count, 1);
  assert_case(&report.cases[0], "test_string_wrong", SC_CASE_FAIL,
              "\"hello\" != \"world\"\nsuite.c:13: error: Failure!");
  sc_test_report_free(&report);
}

static void
test_cmocka_xml_salvages_a_message_containing_cdata_end(void **state) {
  struct sc_test_report report;

  (void)state;
  read_fixture(FIXTURE("cmocka/cdata_end.xml"), &report);
  assert_int_equal(report.count, 4);
  assert_case(&report.cases[0], "test_add_small", SC_CASE_PASS, NULL);
  /* fail_msg() prints its text to stderr: only the location reaches XML. */
  assert_case(&report.cases[1], "test_cdata_end", SC_CASE_FAIL,
              "suite.c:14: error: Failure!");
  assert_case(&report.cases[2], "test_cdata_string", SC_CASE_FAIL,
              "\"<a>]]></a>\" != \"<a>]]&gt;</a>\"\n"
              "suite.c:16: error: Failure!");
  assert_case(&report.cases[3], "test_add_negative", SC_CASE_PASS, NULL);
  sc_test_report_free(&report);
}

static void test_cmocka_xml_replaces_invalid_utf8_in_messages(void **state) {
  struct sc_test_report report;

  (void)state;
  read_fixture(FIXTURE("cmocka/invalid_utf8.xml"), &report);
  assert_int_equal(report.count, 3);
  assert_case(&report.cases[0], "test_bad_utf8", SC_CASE_FAIL,
              "suite.c:15: error: Failure!");
  /* The valid "é" stays; 0xFF and 0xFE each become U+FFFD. */
  assert_case(&report.cases[1], "test_utf8_string", SC_CASE_FAIL,
              "\"caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD bad\" != \"cafe\"\n"
              "suite.c:17: error: Failure!");
  assert_true(xmlCheckUTF8((const xmlChar *)report.cases[1].message));
  assert_case(&report.cases[2], "test_add_small", SC_CASE_PASS, NULL);
  sc_test_report_free(&report);
}

static void
test_cmocka_xml_reads_a_skipped_test_and_a_failed_setup(void **state) {
  struct sc_test_report report;

  (void)state;
  read_fixture(FIXTURE("cmocka/skip_and_setup_failure.xml"), &report);
  assert_int_equal(report.count, 3);
  assert_case(&report.cases[0], "test_add_small", SC_CASE_PASS, NULL);
  assert_case(&report.cases[1], "test_skipped", SC_CASE_SKIP, NULL);
  assert_case(&report.cases[2], "test_add_negative", SC_CASE_ERROR,
              "Test setup failed");
  sc_test_report_free(&report);
}

static void test_cmocka_xml_reports_a_segfault_as_an_error(void **state) {
  struct sc_test_report report;

  (void)state;
  read_fixture(FIXTURE("cmocka/segfault.xml"), &report);
  assert_int_equal(report.count, 2);
  assert_case(&report.cases[0], "test_segfault", SC_CASE_ERROR,
              "Test failed with exception: Segmentation fault(11)");
  assert_case(&report.cases[1], "test_add_small", SC_CASE_PASS, NULL);
  sc_test_report_free(&report);
}

static void
test_cmocka_xml_reads_every_group_of_a_file_with_two_roots(void **state) {
  struct sc_test_report report;

  (void)state;
  read_fixture(FIXTURE("cmocka/two_groups.xml"), &report);
  assert_int_equal(report.count, 4);
  assert_case(&report.cases[0], "test_add_small", SC_CASE_PASS, NULL);
  assert_case(&report.cases[1], "test_add_wrong", SC_CASE_FAIL,
              "0x4 != 0x5\nsuite.c:12: error: Failure!");
  assert_case(&report.cases[2], "test_string_wrong", SC_CASE_FAIL,
              "\"hello\" != \"world\"\nsuite.c:13: error: Failure!");
  assert_case(&report.cases[3], "test_add_negative", SC_CASE_PASS, NULL);
  sc_test_report_free(&report);
}

static void
test_cmocka_xml_cuts_a_long_message_at_4_kib_with_an_ellipsis(void **state) {
  static const char ellipsis[] = "\xE2\x80\xA6";
  struct sc_test_report report;
  const char *message;
  size_t len;

  (void)state;
  read_fixture(FIXTURE("cmocka/long_message.xml"), &report);
  assert_int_equal(report.count, 1);
  assert_int_equal(report.cases[0].status, SC_CASE_FAIL);
  message = report.cases[0].message;
  len = strlen(message);
  /* The message is '"' then 3000 two-byte "é": cut between two of them. */
  assert_true(len <= SC_CMOCKA_MESSAGE_MAX);
  assert_true(len > SC_CMOCKA_MESSAGE_MAX - 8);
  assert_memory_equal(message, "\"\xC3\xA9\xC3\xA9", 5);
  assert_string_equal(message + len - strlen(ellipsis), ellipsis);
  assert_true(xmlCheckUTF8((const xmlChar *)message));
  sc_test_report_free(&report);
}

static void test_cmocka_xml_salvages_a_file_cut_inside_a_message(void **state) {
  struct sc_test_report report;

  (void)state;
  /* two_groups.xml cut after 600 bytes, in the third test's failure. */
  read_fixture(FIXTURE("cmocka/truncated.xml"), &report);
  assert_int_equal(report.count, 3);
  assert_case(&report.cases[0], "test_add_small", SC_CASE_PASS, NULL);
  assert_case(&report.cases[1], "test_add_wrong", SC_CASE_FAIL,
              "0x4 != 0x5\nsuite.c:12: error: Failure!");
  assert_case(&report.cases[2], "test_string_wrong", SC_CASE_FAIL,
              "\"hello\" != \"world\"\nsuite.c:13:");
  sc_test_report_free(&report);
}

static void test_cmocka_xml_fails_with_enoent_for_a_missing_file(void **state) {
  struct sc_test_report report;

  (void)state;
  assert_int_equal(
      sc_cmocka_xml_read(FIXTURE("cmocka/no_such_file.xml"), &report), -ENOENT);
  assert_null(report.cases);
  assert_int_equal(report.count, 0);
}

static void test_cmocka_xml_rejects_an_empty_file(void **state) {
  struct sc_test_report report;

  (void)state;
  assert_int_equal(sc_cmocka_xml_read(FIXTURE("misc/empty"), &report),
                   SC_EREPORT);
  assert_null(report.cases);
  assert_int_equal(report.count, 0);
}

static void test_cmocka_xml_rejects_a_file_that_is_not_xml(void **state) {
  struct sc_test_report report;

  (void)state;
  assert_int_equal(
      sc_cmocka_xml_read(FIXTURE("misc/not_a_report.txt"), &report),
      SC_EREPORT);
  assert_int_equal(sc_cmocka_xml_read(FIXTURE("gcovr/summary.json"), &report),
                   SC_EREPORT);
}

static void
test_cmocka_xml_rejects_xml_that_is_not_a_cmocka_report(void **state) {
  struct sc_test_report report;

  (void)state;
  assert_int_equal(sc_cmocka_xml_read(FIXTURE("valgrind/clean.xml"), &report),
                   SC_EREPORT);
}

static void
test_cmocka_xml_free_accepts_null_and_a_zeroed_report(void **state) {
  struct sc_test_report report;

  (void)state;
  memset(&report, 0, sizeof report);
  sc_test_report_free(NULL);
  sc_test_report_free(&report);
  assert_null(report.cases);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cmocka_xml_reads_a_passing_suite),
      cmocka_unit_test(test_cmocka_xml_reads_a_failed_assert_int_equal),
      cmocka_unit_test(test_cmocka_xml_reads_a_failed_assert_string_equal),
      cmocka_unit_test(test_cmocka_xml_salvages_a_message_containing_cdata_end),
      cmocka_unit_test(test_cmocka_xml_replaces_invalid_utf8_in_messages),
      cmocka_unit_test(test_cmocka_xml_reads_a_skipped_test_and_a_failed_setup),
      cmocka_unit_test(test_cmocka_xml_reports_a_segfault_as_an_error),
      cmocka_unit_test(
          test_cmocka_xml_reads_every_group_of_a_file_with_two_roots),
      cmocka_unit_test(
          test_cmocka_xml_cuts_a_long_message_at_4_kib_with_an_ellipsis),
      cmocka_unit_test(test_cmocka_xml_salvages_a_file_cut_inside_a_message),
      cmocka_unit_test(test_cmocka_xml_fails_with_enoent_for_a_missing_file),
      cmocka_unit_test(test_cmocka_xml_rejects_an_empty_file),
      cmocka_unit_test(test_cmocka_xml_rejects_a_file_that_is_not_xml),
      cmocka_unit_test(test_cmocka_xml_rejects_xml_that_is_not_a_cmocka_report),
      cmocka_unit_test(test_cmocka_xml_free_accepts_null_and_a_zeroed_report),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Reader of cmocka 1.1.5 XML reports.
 *
 * cmocka writes its XML report (CMOCKA_MESSAGE_OUTPUT=xml,
 * CMOCKA_XML_FILE=path) with a few defects the reader tolerates:
 *
 *   - the failure text goes into a CDATA section unescaped, so a message
 *     holding "]]>" ends the section early, and raw bytes (invalid UTF-8,
 *     control characters) make the file ill-formed;
 *   - without "%g" in CMOCKA_XML_FILE every group appends its own
 *     <testsuites> root to the same file;
 *   - a file cut short by a crash has unclosed elements.
 *
 * The reader repairs what it can before parsing (bytes are made valid UTF-8,
 * the "]]>" inside a failure's CDATA is escaped when the end of that failure
 * can be found, a CDATA section cut by the end of the file is closed), then
 * parses with libxml2 in recover mode and collects every <testcase> it
 * recovered, in document order.
 *
 * libxml2 initialises itself on first use; a program calling this from
 * several threads must call xmlInitParser() once beforehand.
 */
#ifndef SENIOR_CHECK_PARSE_CMOCKA_XML_H
#define SENIOR_CHECK_PARSE_CMOCKA_XML_H

#include <stddef.h>

/* Largest message kept, in bytes, "…" included. */
#define SC_CMOCKA_MESSAGE_MAX 4096

enum sc_case_status {
  SC_CASE_PASS,
  /* An assertion failed. */
  SC_CASE_FAIL,
  /* The test did not reach a verdict: an <error> element, or a failure that
   * cmocka reports for a crash ("Test failed with exception: ...") or for a
   * failed setup or teardown ("Test setup failed", "Test teardown failed"). */
  SC_CASE_ERROR,
  SC_CASE_SKIP
};

struct sc_test_case {
  char *name; /* never NULL; "" when the testcase had no name */
  enum sc_case_status status;
  /* NULL on pass and skip; otherwise the failure text, e.g.
   * "0x4 != 0x5\ntest.c:42: error: Failure!", valid UTF-8, trailing blanks
   * removed, at most SC_CMOCKA_MESSAGE_MAX bytes (cut text ends with "…"). */
  char *message;
};

struct sc_test_report {
  struct sc_test_case *cases;
  size_t count;
};

/* Reads the cmocka XML report at path into *report.
 *
 * On success returns 0 and fills *report (any previous content is
 * overwritten, not freed); the caller owns it and releases it with
 * sc_test_report_free(). A report with no test case at all is valid
 * (count 0, cases NULL) as long as a <testsuites> or <testsuite> element
 * was found.
 *
 * Fails with -errno when the file cannot be read (-ENOENT when missing),
 * SC_ETOO_BIG when it is larger than 64 MiB, SC_EREPORT when nothing that
 * looks like a cmocka report can be recovered from it (empty file, not XML),
 * -ENOMEM. On failure *report is left zeroed. */
int sc_cmocka_xml_read(const char *path, struct sc_test_report *report);

/* Frees everything *report owns and zeroes it. Accepts NULL and a zeroed
 * report. */
void sc_test_report_free(struct sc_test_report *report);

#endif /* SENIOR_CHECK_PARSE_CMOCKA_XML_H */

/* Tests of the JUnit XML writer: results built by hand are written to a
 * temporary file, parsed back strictly with libxml2 (any ill-formed byte
 * fails the parse), checked with XPath, and validated against
 * tests/schemas/junit.xsd both in-process and with xmllint. The main
 * file is kept as SC_BINARY_DIR/report-samples/junit.xml to check against
 * other consumers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "core/util.h"
#include "model/result.h"
#include "report/junit.h"

#define SCHEMA SC_SOURCE_DIR "/tests/schemas/junit.xsd"
#define SAMPLES SC_BINARY_DIR "/report-samples"
#define SAMPLE SAMPLES "/junit.xml"
#define SAMPLE_LOCATED SAMPLES "/junit-locations.xml"

extern char **environ;

struct fixture {
  struct sc_results results;
  xmlDocPtr doc;     /* --format junit */
  xmlDocPtr located; /* --format junit-locations */
};

static void start_kata(struct sc_kata_result *k, const char *id,
                       unsigned week) {
  static const unsigned weights[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};
  char *title = sc_xasprintf("kata %s", id);
  sc_kata_result_init(k, id, title, week, weights);
  free(title);
}

/* A graded kata with every kind of outcome, and one that could not be
 * graded. Messages carry what breaks naive XML: "]]>", markup characters,
 * control characters and a multi-line text. */
static void build_results(struct sc_results *results) {
  struct sc_kata_result *katas = sc_xcalloc(2, sizeof(*katas));
  struct sc_kata_result *k = &katas[0];
  start_kata(k, "01-predict-order", 1);
  struct sc_gate_result *gates = k->gates;
  sc_gate_set(&gates[SC_GATE_BUILD], SC_STATUS_PASS, 10, "the kata builds");
  sc_gate_set(&gates[SC_GATE_TESTS], SC_STATUS_FAIL, 13,
              "1 of 3 tests pass; first failure: test_queue_drains\n0x2 != "
              "0x3");
  sc_gate_add_test(&gates[SC_GATE_TESTS], "test_queue_pops_in_order",
                   SC_STATUS_PASS, NULL);
  sc_gate_add_test(&gates[SC_GATE_TESTS], "test_queue_drains", SC_STATUS_FAIL,
                   "0x2 != 0x3 ]]> <b>&amp;\" \x1b[31mred\x1b[0m\x01\x7f\n"
                   "second line");
  sc_gate_add_test(&gates[SC_GATE_TESTS], "test_queue_closes", SC_STATUS_FAIL,
                   "the test crashed");
  sc_gate_add_location(&gates[SC_GATE_TESTS], "/usr/include/stdio.h", 3,
                       "test_queue_closes: outside the repository");
  sc_gate_add_location(&gates[SC_GATE_TESTS], "katas/01-predict-order/drain.c",
                       42, "test_queue_closes: the failing call");
  sc_gate_add_location(&gates[SC_GATE_TESTS], "katas/01-predict-order/queue.c",
                       7, "test_queue_drains: the failing assertion");
  sc_gate_set(&gates[SC_GATE_MEMCHECK], SC_STATUS_FAIL, 0,
              "1 leak\n- Leak_DefinitelyLost at queue.c:17");
  sc_gate_add_location(&gates[SC_GATE_MEMCHECK],
                       "katas/01-predict-order/queue.c", 17,
                       "16 bytes definitely lost");
  sc_gate_set(&gates[SC_GATE_TIMING], SC_STATUS_SKIP, 0,
              "skipped: the tests fail");
  sc_gate_set(&gates[SC_GATE_COVERAGE], SC_STATUS_SKIP, 0,
              "skipped: the tests fail");
  sc_gate_set(&gates[SC_GATE_STRICT], SC_STATUS_FAIL, 5,
              "1 warning in your files");
  sc_gate_add_location(&gates[SC_GATE_STRICT], "katas/01-predict-order/queue.c",
                       9, "unused variable 'n' -Wunused-variable");
  sc_kata_result_total(k);
  k->elapsed_ms = 1234;

  struct sc_kata_result *e = &katas[1];
  start_kata(e, "02-backpressure", 2);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    e->gates[g].status = SC_STATUS_ERROR;
  e->error = sc_xstrdup("cannot create 'build/katas/02-backpressure'");
  sc_kata_result_total(e);
  e->elapsed_ms = 5;

  *results = (struct sc_results){
      .source = "learner", .katas = katas, .count = 2, .elapsed_ms = 1500};
  sc_results_total(results);
}

/* Validates path against the schema with libxml2's own validator (its
 * complaints go to stderr). Returns 0 when the file is valid. */
static int validate_in_process(const char *path) {
  xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(SCHEMA);
  assert_non_null(pctx);
  xmlSchemaPtr schema = xmlSchemaParse(pctx);
  xmlSchemaFreeParserCtxt(pctx);
  assert_non_null(schema);
  xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
  int rc = xmlSchemaValidateFile(vctx, path, 0);
  xmlSchemaFreeValidCtxt(vctx);
  xmlSchemaFree(schema);
  return rc;
}

static void assert_valid_in_process(const char *path) {
  int rc = validate_in_process(path);
  if (rc != 0)
    fail_msg("'%s' does not validate against '%s' (%d)", path, SCHEMA, rc);
}

/* Runs xmllint --schema on path: returns its exit status, or -1 when
 * xmllint is not installed. */
static int xmllint(const char *path) {
  char *const argv[] = {"xmllint", "--noout",    "--schema",
                        SCHEMA,    (char *)path, NULL};
  posix_spawn_file_actions_t actions;
  pid_t pid;
  int status;

  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawnp(&pid, "xmllint", &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT)
    return -1;
  assert_int_equal(rc, 0);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

static void assert_valid_with_xmllint(const char *path) {
  int rc = xmllint(path);
  if (rc < 0)
    print_message("xmllint not found: skipping its check of '%s'\n", path);
  else if (rc != 0)
    fail_msg("xmllint rejects '%s' (exit %d)", path, rc);
}

/* Writes results to path and checks the file both ways, then parses it
 * back strictly. The caller frees the document. */
static xmlDocPtr write_valid(const struct sc_results *results,
                             const char *path) {
  assert_int_equal(sc_report_junit_write(results, path), 0);
  assert_valid_in_process(path);
  assert_valid_with_xmllint(path);
  xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
  if (doc == NULL)
    fail_msg("'%s' is not well-formed", path);
  return doc;
}

static int setup_written(void **state) {
  struct fixture *f = sc_xcalloc(1, sizeof(*f));
  build_results(&f->results);
  if (sc_mkdir_p(SAMPLES) != 0)
    return -1;
  f->doc = write_valid(&f->results, SAMPLE);
  assert_int_equal(sc_report_junit_locations_write(&f->results, SAMPLE_LOCATED),
                   0);
  f->located = xmlReadFile(SAMPLE_LOCATED, NULL, XML_PARSE_NONET);
  if (f->located == NULL)
    fail_msg("'%s' is not well-formed", SAMPLE_LOCATED);
  *state = f;
  return 0;
}

static int teardown_written(void **state) {
  struct fixture *f = *state;
  xmlFreeDoc(f->doc);
  xmlFreeDoc(f->located);
  sc_results_free(&f->results);
  free(f);
  return 0;
}

/* The string value of an XPath expression in doc (caller frees). */
static char *xpath_string_in(xmlDocPtr doc, const char *expr) {
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  char *wrapped = sc_xasprintf("string(%s)", expr);
  xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST wrapped, ctx);
  free(wrapped);
  assert_non_null(obj);
  char *value = sc_xstrdup((const char *)obj->stringval);
  xmlXPathFreeObject(obj);
  xmlXPathFreeContext(ctx);
  return value;
}

/* The same in the --format junit document. */
static char *xpath_string(void **state, const char *expr) {
  struct fixture *f = *state;
  return xpath_string_in(f->doc, expr);
}

/* The same in the --format junit-locations document. */
static void assert_located(void **state, const char *expr, const char *want) {
  struct fixture *f = *state;
  char *got = xpath_string_in(f->located, expr);
  if (strcmp(got, want) != 0)
    fail_msg("%s is \"%s\", not \"%s\" in '%s'", expr, got, want,
             SAMPLE_LOCATED);
  free(got);
}

static void assert_xpath(void **state, const char *expr, const char *want) {
  char *got = xpath_string(state, expr);
  if (strcmp(got, want) != 0) {
    fail_msg("%s is \"%s\", not \"%s\"", expr, got, want);
  }
  free(got);
}

static long xpath_count(void **state, const char *expr) {
  char *wrapped = sc_xasprintf("count(%s)", expr);
  char *got = xpath_string(state, wrapped);
  long n = strtol(got, NULL, 10);
  free(got);
  free(wrapped);
  return n;
}

#define KATA1 "/testsuites/testsuite[@name='01-predict-order']"
#define KATA2 "/testsuites/testsuite[@name='02-backpressure']"

static void
test_junit_write_gives_one_suite_per_kata_named_by_its_id(void **state) {
  assert_xpath(state, "/testsuites/@name", "senior-check");
  assert_int_equal(xpath_count(state, "/testsuites/testsuite"), 2);
  assert_xpath(state, "/testsuites/testsuite[1]/@name", "01-predict-order");
  assert_xpath(state, "/testsuites/testsuite[2]/@name", "02-backpressure");
}

static void
test_junit_write_gives_a_case_per_suite_test_then_per_gate(void **state) {
  static const char *const gates[] = {"build",  "tests",    "memcheck",
                                      "timing", "coverage", "strict"};
  assert_int_equal(xpath_count(state, KATA1 "/testcase"), 3 + SC_GATE_COUNT);
  assert_xpath(state, KATA1 "/testcase[1]/@name", "test_queue_pops_in_order");
  assert_xpath(state, KATA1 "/testcase[1]/@classname",
               "01-predict-order.tests");
  assert_xpath(state, KATA1 "/testcase[3]/@name", "test_queue_closes");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    char *expr = sc_xasprintf(KATA1 "/testcase[%u]/@name", 4 + g);
    assert_xpath(state, expr, gates[g]);
    free(expr);
  }
  assert_xpath(state, KATA1 "/testcase[4]/@classname",
               "01-predict-order.gates");
  /* A kata that could not be graded has no tests but still six gates. */
  assert_int_equal(xpath_count(state, KATA2 "/testcase"), SC_GATE_COUNT);
}

static void
test_junit_write_counts_tests_failures_errors_and_skipped(void **state) {
  /* Kata 1: 3 tests (2 fail) and 6 gates (3 fail, 2 skip). */
  assert_xpath(state, KATA1 "/@tests", "9");
  assert_xpath(state, KATA1 "/@failures", "5");
  assert_xpath(state, KATA1 "/@errors", "0");
  assert_xpath(state, KATA1 "/@skipped", "2");
  assert_xpath(state, KATA2 "/@tests", "6");
  assert_xpath(state, KATA2 "/@errors", "6");
  /* No totals on the top element: junit-10.xsd does not allow skipped
   * there, and a reader that trusts the top's counts would then count
   * the skipped cases as passed. Only name and time. */
  assert_int_equal(xpath_count(state, "/testsuites/@*"), 2);
  /* The attributes agree with the elements. */
  assert_int_equal(xpath_count(state, "//failure"), 5);
  assert_int_equal(xpath_count(state, "//error"), 6);
  assert_int_equal(xpath_count(state, "//skipped"), 2);
}

static void
test_junit_write_gives_a_failure_its_first_line_and_full_text(void **state) {
  assert_xpath(state, KATA1 "/testcase[@name='memcheck']/failure/@message",
               "1 leak");
  assert_xpath(state, KATA1 "/testcase[@name='memcheck']/failure",
               "1 leak\n- Leak_DefinitelyLost at queue.c:17\n"
               "at katas/01-predict-order/queue.c:17");
  assert_int_equal(xpath_count(state, KATA1 "/testcase[@name='build']/*"), 0);
  assert_int_equal(
      xpath_count(state, KATA1 "/testcase[@name='test_queue_pops_in_order']/*"),
      0);
}

static void
test_junit_write_gives_an_ungraded_kata_errors_with_its_reason(void **state) {
  assert_xpath(state, KATA2 "/testcase[@name='tests']/error/@message",
               "cannot create 'build/katas/02-backpressure'");
}

static void test_junit_write_gives_a_skipped_gate_as_skipped(void **state) {
  assert_xpath(state, KATA1 "/testcase[@name='timing']/skipped/@message",
               "skipped: the tests fail");
}

static void
test_junit_write_puts_the_learner_location_in_the_failure_text(void **state) {
  /* junit-10.xsd allows no file or line on a test case: the location is
   * the failure's last line. */
  assert_int_equal(xpath_count(state, "//@file"), 0);
  assert_int_equal(xpath_count(state, "//@line"), 0);
  char *text =
      xpath_string(state, KATA1 "/testcase[@name='test_queue_drains']/failure");
  const char *at = strrchr(text, '\n');
  assert_non_null(at);
  assert_string_equal(at, "\nat katas/01-predict-order/queue.c:7");
  free(text);
}

static void
test_junit_locations_puts_the_learner_location_on_failing_cases(void **state) {
  /* Matched by the test's name, never outside the repository. */
  assert_located(state, KATA1 "/testcase[@name='test_queue_drains']/@file",
                 "katas/01-predict-order/queue.c");
  assert_located(state, KATA1 "/testcase[@name='test_queue_drains']/@line",
                 "7");
  assert_located(state, KATA1 "/testcase[@name='test_queue_closes']/@file",
                 "katas/01-predict-order/drain.c");
  assert_located(state, KATA1 "/testcase[@name='memcheck']/@line", "17");
  assert_located(state, KATA1 "/testcase[@name='strict']/@line", "9");
  /* The tests gate's first location in the repository. */
  assert_located(state, KATA1 "/testcase[@name='tests']/@file",
                 "katas/01-predict-order/drain.c");
  assert_located(state, "count(//testcase[@name='build']/@file)", "0");
  assert_located(
      state, "count(//testcase[@name='test_queue_pops_in_order']/@file)", "0");
  /* Otherwise the same document. */
  assert_located(state, "count(//testcase)", "15");
  assert_located(state, KATA1 "/@skipped", "2");
}

static void test_junit_write_gives_times_with_3_decimals(void **state) {
  assert_xpath(state, "/testsuites/@time", "1.500");
  assert_xpath(state, KATA1 "/@time", "1.234");
  assert_xpath(state, KATA2 "/@time", "0.005");
  assert_xpath(state, KATA1 "/testcase[1]/@time", "0.000");
}

static void
test_junit_write_keeps_markup_and_drops_forbidden_characters(void **state) {
  char *text =
      xpath_string(state, KATA1 "/testcase[@name='test_queue_drains']/failure");
  char *message = xpath_string(
      state, KATA1 "/testcase[@name='test_queue_drains']/failure/@message");

  /* Markup survives as text; ESC, SOH and the like are replaced. */
  assert_non_null(strstr(text, "0x2 != 0x3 ]]> <b>&amp;\" "));
  assert_non_null(strstr(text, "\xe2\x90\x9b[31mred"));
  assert_null(strchr(text, '\x1b'));
  assert_null(strchr(text, '\x01'));
  assert_non_null(strstr(text, "\nsecond line"));
  assert_null(strchr(message, '\n'));
  assert_non_null(strstr(message, "]]> <b>"));
  free(text);
  free(message);
}

static void test_junit_write_of_no_katas_is_a_valid_file(void **state) {
  struct sc_results results = {.source = "solutions"};
  char path[] = "/tmp/sc-report-junit-XXXXXX";

  (void)state;
  sc_results_total(&results);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  xmlDocPtr doc = write_valid(&results, path);
  unlink(path);
  assert_string_equal((const char *)xmlDocGetRootElement(doc)->name,
                      "testsuites");
  xmlFreeDoc(doc);
}

static void
test_junit_write_returns_a_negative_code_for_an_unwritable_path(void **state) {
  struct sc_results results;

  (void)state;
  build_results(&results);
  assert_int_equal(
      sc_report_junit_write(&results, "/nonexistent-sc-dir/junit.xml"),
      -ENOENT);
  assert_true(sc_report_junit_write(&results, "/tmp") < 0);
  sc_results_free(&results);
}

/* The schema is not vacuous: it refuses what the writer must never write. */
static void
test_junit_schema_rejects_what_the_writer_never_writes(void **state) {
  static const char *const broken[] = {
      /* a fourth decimal */
      "<testsuites name='senior-check' time='1.2345'/>",
      /* skipped on the top element (junit-10.xsd refuses it) */
      "<testsuites name='senior-check' time='0' skipped='0'/>",
      /* a suite without its counts */
      "<testsuites name='senior-check' time='0'><testsuite name='k' "
      "time='0'/></testsuites>",
      /* file and line on a test case (junit-10.xsd refuses them) */
      "<testsuites name='senior-check' time='0'><testsuite name='k' "
      "tests='1' failures='1' errors='0' skipped='0' time='0'><testcase "
      "name='t' classname='k.tests' time='0' file='k/a.c' line='3'>"
      "<failure/></testcase></testsuite></testsuites>",
      /* a case with two outcomes */
      "<testsuites name='senior-check' time='0'><testsuite name='k' "
      "tests='1' failures='1' errors='1' skipped='0' time='0'><testcase "
      "name='t' classname='k.tests' time='0'><failure/><error/></testcase>"
      "</testsuite></testsuites>",
  };
  char path[] = "/tmp/sc-report-junit-XXXXXX";

  (void)state;
  for (size_t i = 0; i < SC_ARRAY_SIZE(broken); i++) {
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, broken[i], strlen(broken[i])),
                     (ssize_t)strlen(broken[i]));
    close(fd);
    print_message("broken file %zu (the validators should complain):\n", i);
    int in_process = validate_in_process(path);
    int rc = xmllint(path);
    unlink(path);
    if (in_process == 0)
      fail_msg("libxml2 accepts broken file %zu", i);
    if (rc == 0)
      fail_msg("xmllint accepts broken file %zu", i);
    strcpy(path, "/tmp/sc-report-junit-XXXXXX");
  }
}

int main(void) {
#define WRITTEN(test)                                                          \
  cmocka_unit_test_setup_teardown(test, setup_written, teardown_written)
  const struct CMUnitTest tests[] = {
      WRITTEN(test_junit_write_gives_one_suite_per_kata_named_by_its_id),
      WRITTEN(test_junit_write_gives_a_case_per_suite_test_then_per_gate),
      WRITTEN(test_junit_write_counts_tests_failures_errors_and_skipped),
      WRITTEN(test_junit_write_gives_a_failure_its_first_line_and_full_text),
      WRITTEN(test_junit_write_gives_an_ungraded_kata_errors_with_its_reason),
      WRITTEN(test_junit_write_gives_a_skipped_gate_as_skipped),
      WRITTEN(test_junit_write_puts_the_learner_location_in_the_failure_text),
      WRITTEN(test_junit_locations_puts_the_learner_location_on_failing_cases),
      WRITTEN(test_junit_write_gives_times_with_3_decimals),
      WRITTEN(test_junit_write_keeps_markup_and_drops_forbidden_characters),
      cmocka_unit_test(test_junit_write_of_no_katas_is_a_valid_file),
      cmocka_unit_test(
          test_junit_write_returns_a_negative_code_for_an_unwritable_path),
      cmocka_unit_test(test_junit_schema_rejects_what_the_writer_never_writes),
  };
#undef WRITTEN
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  xmlCleanupParser();
  return failed;
}

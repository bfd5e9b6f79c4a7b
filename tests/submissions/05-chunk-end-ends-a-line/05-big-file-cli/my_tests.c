/* The reference's own tests (kata 05): the malformed lines the suite does
 * not write, one per rule of the contract, and the report's small cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "bigstat.h"
#include "cli_harness.h"
#include "loggen.h"

/* Runs bigstat on text and returns its result. */
static void run_on(const char *text, struct cli_result *r) {
  assert_int_equal(loggen_write_text("mine.log", text, strlen(text)), 0);
  char *argv[] = {"bigstat", "mine.log", NULL};
  assert_int_equal(cli_run_here(2, argv, r), 0);
}

static void test_two_requests_make_a_report(void **state) {
  (void)state;
  struct cli_result r;
  run_on("2024-05-01T00:00:00Z GET /a 200 10 5\n"
         "2024-05-01T00:00:01Z GET /b 404 20 7\n"
         "2024-05-01T00:00:02Z GET /a 200 30 60000\n",
         &r);
  assert_int_equal(r.exit_status, BIGSTAT_EXIT_OK);
  assert_string_equal(r.out, "requests 3\n"
                             "bytes 60\n"
                             "status 200 2\n"
                             "status 404 1\n"
                             "top 1 2 /a\n"
                             "top 2 1 /b\n"
                             "untracked 0\n"
                             "duration_ms p50 7\n"
                             "duration_ms p90 60000\n"
                             "duration_ms p99 60000\n"
                             "duration_ms max 60000\n");
  assert_int_equal(r.err_len, 0);
  cli_result_free(&r);
}

static void test_each_broken_rule_names_the_line(void **state) {
  (void)state;
  static const char *const lines[] = {
      "2024-05-01T00:00:00Z GET /a 200 10 5 extra\n",
      "2024-05-01T00:00:00Z GET  /a 200 10 5\n",
      "2024-05-01T00:00:00Z GET /a 200 10\n",
      "2024-05-01T00:00:00Z GET a 200 10 5\n",
      "2024-05-01T00:00:00Z GET /a 2000 10 5\n",
      "2024-05-01T00:00:00Z GET /a 099 10 5\n",
      "2024-05-01T00:00:00Z GET /a 200 1x 5\n",
      "2024-05-01T00:00:00Z GET /a 200 10 60001\n",
      "\n",
  };
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
    struct cli_result r;
    run_on(lines[i], &r);
    assert_int_equal(r.exit_status, BIGSTAT_EXIT_DATA);
    assert_non_null(strstr(r.err, "line 1"));
    assert_int_equal(r.out_len, 0);
    cli_result_free(&r);
  }
}

static void test_a_nul_byte_in_a_cut_line_is_binary(void **state) {
  (void)state;
  /* A NUL byte in a line longer than a chunk: found in the kept piece. */
  static char text[70000];
  memset(text, 'x', sizeof(text));
  text[69000] = '\0';
  assert_int_equal(loggen_write_text("mine.log", text, sizeof(text)), 0);
  char *argv[] = {"bigstat", "mine.log", NULL};
  struct cli_result r;
  assert_int_equal(cli_run_here(2, argv, &r), 0);
  assert_int_equal(r.exit_status, BIGSTAT_EXIT_DATA);
  assert_non_null(strstr(r.err, "binary"));
  cli_result_free(&r);
}

static void test_more_than_one_argument_is_a_usage_error(void **state) {
  (void)state;
  char *argv[] = {"bigstat", "a.log", "b.log", NULL};
  struct cli_result r;
  assert_int_equal(cli_run_here(3, argv, &r), 0);
  assert_int_equal(r.exit_status, BIGSTAT_EXIT_USAGE);
  cli_result_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_requests_make_a_report),
      cmocka_unit_test(test_each_broken_rule_names_the_line),
      cmocka_unit_test(test_a_nul_byte_in_a_cut_line_is_binary),
      cmocka_unit_test(test_more_than_one_argument_is_a_usage_error),
  };
  return cmocka_run_group_tests_name("05 reference tests", tests, NULL, NULL);
}

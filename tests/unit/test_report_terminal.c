/* Tests of the terminal helpers: how many rows a text takes, and a screen
 * cut to the terminal so that its first lines never scroll away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "report/terminal.h"

static void test_screen_rows_wraps_long_lines_and_ignores_colour(void **state) {
  (void)state;
  assert_int_equal(sc_screen_rows("a\nb\n", 10), 2);
  assert_int_equal(sc_screen_rows("\n\n", 10), 2);
  assert_int_equal(sc_screen_rows("0123456789abc\n", 10), 2);
  assert_int_equal(sc_screen_rows("\033[1m0123456789\033[0m\n", 10), 1);
  assert_int_equal(sc_screen_rows("\xc3\xa9\xc3\xa9\xc3\xa9\n", 3), 1);
  assert_int_equal(sc_screen_rows("\tx\n", 8), 2);
}

static void test_screen_fit_keeps_a_text_that_fits_whole(void **state) {
  (void)state;
  char *fitted = sc_screen_fit("header\nbody\n", 5, 20);
  assert_string_equal(fitted, "header\nbody\n");
  free(fitted);
  fitted = sc_screen_fit("a\nb\nc\n", 0, 0); /* size unknown */
  assert_string_equal(fitted, "a\nb\nc\n");
  free(fitted);
}

static void
test_screen_fit_keeps_the_header_and_says_what_it_cut(void **state) {
  (void)state;
  char *fitted = sc_screen_fit("header\n1\n2\n3\n4\n5\n", 4, 60);
  assert_string_equal(fitted, "header\n1\n2\n... 3 more lines (a taller "
                              "terminal shows them)\n");
  assert_int_equal(sc_screen_rows(fitted, 60), 4);
  free(fitted);
}

static void
test_screen_fit_counts_wrapped_rows_against_the_height(void **state) {
  (void)state;
  /* The second line takes three rows at 10 columns: it does not fit. */
  char *fitted = sc_screen_fit("head\n012345678901234567890\nx\n", 3, 10);
  assert_true(strncmp(fitted, "head\n...", 8) == 0);
  assert_true(sc_screen_rows(fitted, 10) <= 3);
  free(fitted);
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_screen_rows_wraps_long_lines_and_ignores_colour),
      cmocka_unit_test(test_screen_fit_keeps_a_text_that_fits_whole),
      cmocka_unit_test(test_screen_fit_keeps_the_header_and_says_what_it_cut),
      cmocka_unit_test(test_screen_fit_counts_wrapped_rows_against_the_height),
  };
  return cmocka_run_group_tests_name("report_terminal", tests, NULL, NULL);
}

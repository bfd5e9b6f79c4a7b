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

static void
test_mark_difference_marks_cmocka_strings_and_shows_spaces(void **state) {
  (void)state;
  char *marked = sc_text_mark_difference("\"sum= 42\" != \"sum=42\"\n");
  assert_string_equal(marked, "\"sum= 42\" != \"sum=42\"\n"
                              "  left:  sum=\xc2\xb7"
                              "42\n"
                              "  right: sum=42\n"
                              "             ^ first difference: character 5\n");
  free(marked);
}

static void
test_mark_difference_marks_a_suites_expected_and_actual(void **state) {
  (void)state;
  char *marked =
      sc_text_mark_difference("  expected: task 3\n    actual: task 4\t\n");
  assert_non_null(strstr(marked, "\n    actual:   task\xc2\xb7"
                                 "4\\t\n"
                                 "                   ^ first difference: "
                                 "character 6\n"));
  free(marked);
  /* Equal pairs and other text are left alone. */
  marked = sc_text_mark_difference("expected: a\nactual: a\nno pair");
  assert_string_equal(marked, "expected: a\nactual: a\nno pair");
  free(marked);
  /* Two descriptions that differ from their first character: the pair is
   * not shown again, and no caret points at character 1. */
  marked = sc_text_mark_difference("expected: 2 beats\nactual: none at all\n");
  assert_string_equal(marked, "expected: 2 beats\nactual: none at all\n");
  free(marked);
}

static void
test_mark_difference_shows_cmocka_integers_in_decimal(void **state) {
  (void)state;
  char *marked = sc_text_mark_difference("0x2a != 0x29\n");
  assert_string_equal(marked, "0x2a != 0x29\n  in decimal: 42 != 41\n");
  free(marked);
}

static void test_collapse_repeats_shows_one_leak_once(void **state) {
  (void)state;
  char *once = sc_text_collapse_repeats(
      "3 memory problems:\n"
      "- Leak at a.c:10 in f(): 4 bytes in loss record 1 of 3\n"
      "- Leak at a.c:10 in f(): 12 bytes in loss record 2 of 3\n"
      "- Leak at a.c:21 in g(): 64 bytes in loss record 3 of 3\n");
  assert_string_equal(
      once, "3 memory problems:\n"
            "- Leak at a.c:10 in f(): 4 bytes in loss record 1 of 3 (and 1 "
            "more from the same line)\n"
            "- Leak at a.c:21 in g(): 64 bytes in loss record 3 of 3\n");
  free(once);
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_screen_rows_wraps_long_lines_and_ignores_colour),
      cmocka_unit_test(test_screen_fit_keeps_a_text_that_fits_whole),
      cmocka_unit_test(test_screen_fit_keeps_the_header_and_says_what_it_cut),
      cmocka_unit_test(test_screen_fit_counts_wrapped_rows_against_the_height),
      cmocka_unit_test(
          test_mark_difference_marks_cmocka_strings_and_shows_spaces),
      cmocka_unit_test(test_mark_difference_marks_a_suites_expected_and_actual),
      cmocka_unit_test(test_mark_difference_shows_cmocka_integers_in_decimal),
      cmocka_unit_test(test_collapse_repeats_shows_one_leak_once),
  };
  return cmocka_run_group_tests_name("report_terminal", tests, NULL, NULL);
}

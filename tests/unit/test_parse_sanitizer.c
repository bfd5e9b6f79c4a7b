/* Tests of the sanitizer report reader, on the output of real runs of a
 * small suite built in /tmp/scfx/san (the paths its frames name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "parse/sanitizer_stack.h"

#define FIXTURE(name) SC_SOURCE_DIR "/tests/fixtures/parse/sanitizer/" name
#define LEARNER "/tmp/scfx/san/sanlearner.c"
#define SUITE "/tmp/scfx/san/sansuite.c"

static const char *const learner_only[] = {LEARNER};

/* The whole fixture file in a new NUL-terminated buffer. */
static char *load_fixture(const char *path) {
  FILE *file = fopen(path, "rb");
  assert_non_null(file);
  assert_int_equal(fseek(file, 0, SEEK_END), 0);
  long size = ftell(file);
  assert_true(size > 0);
  assert_int_equal(fseek(file, 0, SEEK_SET), 0);
  char *text = malloc((size_t)size + 1);
  assert_non_null(text);
  assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
  text[size] = '\0';
  fclose(file);
  return text;
}

/* Reads the fixture name and checks the site found in learner_only. */
static void assert_fixture_site(const char *name, const char *tool,
                                const char *what, unsigned line,
                                const char *function) {
  char *text = load_fixture(name);
  struct sc_sanitizer_site site;
  assert_int_equal(sc_sanitizer_site_find(text, learner_only, 1, &site), 0);
  assert_string_equal(site.tool, tool);
  assert_string_equal(site.what, what);
  assert_string_equal(site.file, LEARNER);
  assert_int_equal(site.line, line);
  assert_string_equal(site.function, function);
  sc_sanitizer_site_free(&site);
  free(text);
}

static void test_sanitizer_site_of_a_segv_is_the_learner_frame(void **state) {
  (void)state;
  assert_fixture_site(FIXTURE("segv.txt"), "AddressSanitizer",
                      "SEGV on unknown address 0x000000000010", 9,
                      "read_past_null");
}

static void
test_sanitizer_site_of_a_null_member_access_comes_from_ubsan(void **state) {
  (void)state;
  assert_fixture_site(FIXTURE("null_member.txt"), "UndefinedBehaviorSanitizer",
                      "member access within null pointer of type 'struct "
                      "total'",
                      14, "sum_into_null");
}

static void test_sanitizer_site_of_an_abort_passes_over_libc(void **state) {
  (void)state;
  assert_fixture_site(FIXTURE("abort.txt"), "AddressSanitizer",
                      "ABRT, from abort() or a failed assert()", 18, "give_up");
}

static void test_sanitizer_site_passes_over_interceptors(void **state) {
  (void)state;
  assert_fixture_site(FIXTURE("libc_frame.txt"), "AddressSanitizer",
                      "SEGV on unknown address 0x000000000000", 35,
                      "format_into_null");
}

static void test_sanitizer_site_of_a_use_after_free_is_the_access_not_the_free(
    void **state) {
  (void)state;
  assert_fixture_site(FIXTURE("use_after_free.txt"), "AddressSanitizer",
                      "heap-use-after-free on address 0x602000000010", 24,
                      "read_after_free");
}

static void
test_sanitizer_site_of_a_stack_overflow_is_the_innermost_frame(void **state) {
  (void)state;
  assert_fixture_site(FIXTURE("stack_overflow.txt"), "AddressSanitizer",
                      "stack-overflow on address 0x7fff1b173f10", 27,
                      "recurse");
}

static void
test_sanitizer_site_is_none_when_no_frame_is_in_the_files(void **state) {
  (void)state;
  char *text = load_fixture(FIXTURE("segv.txt"));
  static const char *const other[] = {"/tmp/scfx/san/other.c"};
  struct sc_sanitizer_site site;
  assert_int_equal(sc_sanitizer_site_find(text, other, 1, &site), 0);
  assert_string_equal(site.what, "SEGV on unknown address 0x000000000010");
  assert_null(site.file);
  assert_int_equal(site.line, 0);
  assert_null(site.function);
  sc_sanitizer_site_free(&site);
  /* The suite's own file is in the same stack, one frame further out. */
  static const char *const suite[] = {SUITE};
  assert_int_equal(sc_sanitizer_site_find(text, suite, 1, &site), 0);
  assert_int_equal(site.line, 21);
  assert_string_equal(site.function, "test_segv");
  sc_sanitizer_site_free(&site);
  free(text);
}

static void test_sanitizer_site_a_leak_report_is_no_crash(void **state) {
  (void)state;
  char *text = load_fixture(FIXTURE("leak.txt"));
  struct sc_sanitizer_site site;
  assert_int_equal(sc_sanitizer_site_find(text, learner_only, 1, &site),
                   SC_EREPORT);
  assert_null(site.what);
  assert_null(site.file);
  free(text);
  assert_int_equal(sc_sanitizer_site_find("", learner_only, 1, &site),
                   SC_EREPORT);
  assert_int_equal(sc_sanitizer_site_find(NULL, learner_only, 1, &site),
                   SC_EREPORT);
}

static void
test_sanitizer_site_reads_columns_and_paths_with_spaces(void **state) {
  (void)state;
  /* llvm-symbolizer's form (":LINE:COL"), in a folder with a space. */
  const char *text =
      "==1==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 "
      "(pc 0x1 bp 0x2 sp 0x3 T0)\n"
      "    #0 0x55 in walk /home/a b/k:1/walk.c:12:7\n"
      "    #1 0x56 in main /home/a b/k:1/main.c:3:1\n";
  static const char *const files[] = {"/home/a b/k:1/walk.c"};
  struct sc_sanitizer_site site;
  assert_int_equal(sc_sanitizer_site_find(text, files, 1, &site), 0);
  assert_string_equal(site.file, "/home/a b/k:1/walk.c");
  assert_int_equal(site.line, 12);
  assert_string_equal(site.function, "walk");
  sc_sanitizer_site_free(&site);
}

static void
test_sanitizer_site_keeps_hostile_text_short_and_printable(void **state) {
  (void)state;
  /* What a learner's program could print itself: only the frame's file
   * must be one asked for; the rest is cut and made harmless. */
  char text[600];
  char long_what[300];
  memset(long_what, 'x', sizeof(long_what) - 1);
  long_what[sizeof(long_what) - 1] = '\0';
  long_what[0] = '\x1b';
  snprintf(text, sizeof(text),
           "ERROR: AddressSanitizer: %s\n"
           "    #0 0x1 in evil$(rm) " LEARNER ":5\n",
           long_what);
  struct sc_sanitizer_site site;
  assert_int_equal(sc_sanitizer_site_find(text, learner_only, 1, &site), 0);
  assert_int_equal(strlen(site.what), 120);
  assert_int_equal(site.what[0], '?');
  assert_string_equal(site.file, LEARNER);
  assert_int_equal(site.line, 5);
  assert_null(site.function);
  sc_sanitizer_site_free(&site);
}

static void test_sanitizer_site_free_accepts_null(void **state) {
  (void)state;
  sc_sanitizer_site_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sanitizer_site_of_a_segv_is_the_learner_frame),
      cmocka_unit_test(
          test_sanitizer_site_of_a_null_member_access_comes_from_ubsan),
      cmocka_unit_test(test_sanitizer_site_of_an_abort_passes_over_libc),
      cmocka_unit_test(test_sanitizer_site_passes_over_interceptors),
      cmocka_unit_test(
          test_sanitizer_site_of_a_use_after_free_is_the_access_not_the_free),
      cmocka_unit_test(
          test_sanitizer_site_of_a_stack_overflow_is_the_innermost_frame),
      cmocka_unit_test(
          test_sanitizer_site_is_none_when_no_frame_is_in_the_files),
      cmocka_unit_test(test_sanitizer_site_a_leak_report_is_no_crash),
      cmocka_unit_test(test_sanitizer_site_reads_columns_and_paths_with_spaces),
      cmocka_unit_test(
          test_sanitizer_site_keeps_hostile_text_short_and_printable),
      cmocka_unit_test(test_sanitizer_site_free_accepts_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

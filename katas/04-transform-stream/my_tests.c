/* Your own tests for line_transform.c (kata 04). Optional: add what helps
 * you see your splitter and your transform work, and the paths the kata's
 * suite does not reach (the coverage gate counts both). The grader builds
 * this file as learner_tests_cov; run it with:
 *
 *   cmake -S katas/04-transform-stream -B build/try/04 && cmake --build build/try/04
 *   build/try/04/learner_tests_cov
 *
 * line_mem.h (counts, and line_mem_fail_after() to make an allocation
 * fail) is there to help.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "line_transform.h"

static int count_lines(void *arg, const char *line, size_t len) {
  (void)line;
  (void)len;
  ++*(int *)arg;
  return 0;
}

static void test_splitter_passes_two_lines_of_one_chunk(void **state) {
  int lines = 0;
  line_splitter_t *splitter = line_splitter_new(16, count_lines, &lines);

  (void)state;
  assert_non_null(splitter);
  assert_int_equal(line_splitter_push(splitter, "one\ntwo\n", 8), 0);
  assert_int_equal(line_splitter_finish(splitter), 0);
  assert_int_equal(lines, 2);
  line_splitter_free(splitter);
}

/* TODO: (optional) add your tests here, and to the table below. */

int main(void) {
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_splitter_passes_two_lines_of_one_chunk),
  };
  /* clang-format on */

  int failed = cmocka_run_group_tests_name("04-transform-stream-mine", tests,
                                           NULL, NULL);

  uv_library_shutdown();
  return failed;
}

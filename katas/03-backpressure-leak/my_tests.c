/* Your own tests for stream_pipe.c (kata 03). Optional: add what helps you
 * see your pipe work, and the paths the kata's suite does not reach (the
 * coverage gate counts both). The grader builds this file as
 * learner_tests_cov; run it with:
 *
 *   cmake -S katas/03-backpressure-leak -B build/try/03 && cmake --build build/try/03
 *   build/try/03/learner_tests_cov
 *
 * harness.h (a producer, a consumer, a watchdog) and pipe_mem.h (counts,
 * and pipe_mem_fail_after() to make an allocation fail) are there to help.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "stream_pipe.h"

static void never_called(void *data, int status) {
  (void)data;
  (void)status;
  fail_msg("done must not run when stream_pipe() refuses to start");
}

static void
test_stream_pipe_refuses_a_low_water_mark_above_the_high(void **state) {
  uv_loop_t loop;
  uv_pipe_t source;
  uv_pipe_t destination;
  stream_pipe_options_t options = {1024, 100, 200};

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(uv_pipe_init(&loop, &source, 0), 0);
  assert_int_equal(uv_pipe_init(&loop, &destination, 0), 0);
  assert_int_equal(stream_pipe((uv_stream_t *)&source,
                               (uv_stream_t *)&destination, &options,
                               never_called, NULL),
                   UV_EINVAL);
  uv_close((uv_handle_t *)&source, NULL);
  uv_close((uv_handle_t *)&destination, NULL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* TODO: (optional) add your tests here, and to the table below. */

int main(void) {
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stream_pipe_refuses_a_low_water_mark_above_the_high),
  };
  /* clang-format on */

  int failed = cmocka_run_group_tests_name("03-backpressure-leak-mine", tests,
                                           NULL, NULL);

  uv_library_shutdown();
  return failed;
}

/* my_tests.c: the reference solution's own tests for kata 08.
 *
 * Built as learner_tests_cov with batch.c. They pin down the corners of
 * the contract the suite leaves to the implementation: a pool size of 0,
 * a cost that overflows, and an empty batch with no checks array.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "batch.h"
#include "records.h"

static void count_report(void *arg) {
  int *reports = arg;

  (*reports)++;
}

/* An example to copy: a small batch gives the serial checksums, once. */
static void test_my_small_batch_gives_the_serial_checksums(void **state) {
  batch_spec_t spec = {2024, 100, 10};
  uint64_t checks[100];
  int reports = 0;
  uv_loop_t loop;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(batch_start(&loop, &spec, checks, count_report, &reports),
                   0);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(reports, 1);
  for (size_t i = 0; i < spec.tasks; i++)
    assert_int_equal(checks[i], record_check(spec.seed, i, spec.rounds));
}

/* libuv never has a pool of 0 threads, but the plan must not divide by
 * one or plan no chunk for a large batch. */
static void test_my_plan_takes_a_pool_of_zero_threads_as_one(void **state) {
  batch_spec_t spec = {1, 100000, 100};

  (void)state;
  assert_int_equal(batch_plan_chunks(&spec, 0), batch_plan_chunks(&spec, 1));
  assert_true(batch_plan_chunks(&spec, 0) >= 1);
}

/* A cost past 2^64 rounds saturates: the batch is large, not small. */
static void test_my_plan_of_an_overflowing_cost_is_large(void **state) {
  batch_spec_t spec = {1, SIZE_MAX, UINT32_MAX};

  (void)state;
  assert_int_equal(batch_rounds(&spec), UINT64_MAX);
  assert_int_equal(batch_plan_chunks(&spec, 4),
                   4 * BATCH_MAX_CHUNKS_PER_THREAD);
}

/* An empty batch needs no checks array, and still reports from the loop. */
static void test_my_empty_batch_reports_once_from_the_loop(void **state) {
  batch_spec_t spec = {3, 0, 1000};
  int reports = 0;
  uv_loop_t loop;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(batch_start(&loop, &spec, NULL, count_report, &reports), 0);
  assert_int_equal(reports, 0);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(reports, 1);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_small_batch_gives_the_serial_checksums),
      cmocka_unit_test(test_my_plan_takes_a_pool_of_zero_threads_as_one),
      cmocka_unit_test(test_my_plan_of_an_overflowing_cost_is_large),
      cmocka_unit_test(test_my_empty_batch_reports_once_from_the_loop),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("08-worker-overhead: my tests", tests,
                                       NULL, NULL);
  uv_library_shutdown();
  return failed;
}

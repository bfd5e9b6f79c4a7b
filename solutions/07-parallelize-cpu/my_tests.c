/* my_tests.c: the reference solution's own tests for kata 07.
 *
 * Built as learner_tests_cov with job.c. They pin down the corners of the
 * contract the suite leaves to the implementation: a pool size of 0 and a
 * NULL job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "job.h"
#include "workload.h"

typedef struct outcome {
  int reports;
  int status;
  job_result_t result;
} outcome_t;

static void record(int status, job_result_t result, void *arg) {
  outcome_t *out = arg;

  out->reports++;
  out->status = status;
  out->result = result;
}

/* An example to copy: a small job gives the serial digest, once. */
static void test_my_small_job_gives_the_serial_digest(void **state) {
  job_spec_t spec = {2024, 100, 10};
  outcome_t out = {0};
  uv_loop_t loop;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(job_start(&loop, &spec, record, &out, NULL), 0);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_int_equal(out.reports, 1);
  assert_int_equal(out.status, 0);
  assert_int_equal(
      out.result.digest,
      workload_digest_range(spec.seed, 0, spec.items, spec.rounds));
}

/* libuv never runs a pool of 0 threads (it takes 0 as 1); neither does
 * the plan. */
static void test_my_plan_takes_a_pool_of_zero_as_one_thread(void **state) {
  (void)state;
  assert_int_equal(job_plan_chunks(100, 0), job_plan_chunks(100, 1));
  assert_int_equal(job_plan_chunks(0, 4), 1);
}

/* Like free(), job_cancel() accepts NULL and does nothing. */
static void test_my_cancel_of_null_does_nothing(void **state) {
  (void)state;
  job_cancel(NULL);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_small_job_gives_the_serial_digest),
      cmocka_unit_test(test_my_plan_takes_a_pool_of_zero_as_one_thread),
      cmocka_unit_test(test_my_cancel_of_null_does_nothing),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("07-parallelize-cpu: my tests", tests,
                                       NULL, NULL);
  uv_library_shutdown();
  return failed;
}

/* my_tests.c: your own tests for kata 07. Optional, and yours to change.
 *
 * Built as learner_tests_cov together with your job.c; the coverage gate
 * counts the lines they run, with the suite's. Add a test whenever the
 * suite catches something you want to pin down yourself, and list it in
 * the table at the end. See README.md, "How to check it".
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

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_small_job_gives_the_serial_digest),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("07-parallelize-cpu: my tests", tests,
                                       NULL, NULL);
  uv_library_shutdown();
  return failed;
}

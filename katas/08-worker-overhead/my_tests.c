/* my_tests.c: your own tests for kata 08. Optional, and yours to change.
 *
 * Built as learner_tests_cov together with your batch.c; the coverage
 * gate counts the lines they run, with the suite's. Add a test whenever
 * the suite catches something you want to pin down yourself, and list it
 * in the table at the end. See README.md, "How to check it".
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

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_small_batch_gives_the_serial_checksums),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("08-worker-overhead: my tests", tests,
                                       NULL, NULL);
  uv_library_shutdown();
  return failed;
}

/* my_tests.c: your own tests for kata 06. Optional, and yours to change.
 *
 * Built as learner_tests_cov together with your abort_signal.c and
 * abortable.c; the coverage gate counts the lines they run, with the
 * suite's. Add a test whenever the suite catches something you want to
 * pin down yourself, and list it in the table at the end. See README.md,
 * "How to check it".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "abortable.h"

typedef struct outcome {
  int reports;
  ssize_t result;
} outcome_t;

static void record(ssize_t result, void *arg) {
  outcome_t *out = arg;

  out->reports++;
  out->result = result;
}

/* An example to copy: a sleep aborted before the loop runs reports the
 * abort, once. */
static void test_my_aborted_sleep_reports_ecanceled(void **state) {
  abort_signal_t *signal = NULL;
  outcome_t out = {0};
  uv_loop_t loop;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(abort_signal_new(&signal), 0);
  assert_int_equal(abortable_sleep(&loop, 50, signal, record, &out), 0);
  abort_signal_abort(signal);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(out.reports, 1);
  assert_int_equal(out.result, UV_ECANCELED);
  abort_signal_free(signal);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_aborted_sleep_reports_ecanceled),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("06-cancellation: my tests", tests, NULL,
                                       NULL);
  uv_library_shutdown();
  return failed;
}

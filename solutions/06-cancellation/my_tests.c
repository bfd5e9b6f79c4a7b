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

static void never_called(abort_listener_t *listener, int reason) {
  (void)listener;
  (void)reason;
  fail();
}

/* Freeing a signal detaches what is still attached, and calls nobody; the
 * NULL signal is harmless everywhere. */
static void test_my_freed_signal_detaches_its_listeners(void **state) {
  abort_signal_t *signal = NULL;
  abort_listener_t a = {0}, b = {0};

  (void)state;
  assert_int_equal(abort_signal_new(&signal), 0);
  assert_int_equal(abort_signal_add(signal, &a, never_called), 0);
  assert_int_equal(abort_signal_add(signal, &b, never_called), 0);
  abort_signal_free(signal);
  assert_null(a.signal);
  assert_null(b.signal);
  abort_signal_abort(NULL);
  abort_signal_remove(NULL);
  assert_int_equal(abort_signal_reason(NULL), 0);
  assert_int_equal(abort_signal_listener_count(NULL), 0);
  assert_int_equal(abort_signal_add(NULL, &a, never_called), UV_EINVAL);
}

static void no_work(void *arg) {
  (void)arg;
}

/* A job and a read started on an aborted signal refuse to start. */
static void test_my_pool_operations_refuse_an_aborted_signal(void **state) {
  abort_signal_t *signal = NULL;
  outcome_t out = {0};
  char buf[4];
  uv_loop_t loop;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(abort_signal_new(&signal), 0);
  abort_signal_abort(signal);
  assert_int_equal(abortable_work(&loop, no_work, signal, record, &out),
                   UV_ECANCELED);
  assert_int_equal(
      abortable_read(&loop, 0, buf, sizeof(buf), 0, signal, record, &out),
      UV_ECANCELED);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(out.reports, 0);
  abort_signal_free(signal);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_aborted_sleep_reports_ecanceled),
      cmocka_unit_test(test_my_freed_signal_detaches_its_listeners),
      cmocka_unit_test(test_my_pool_operations_refuse_an_aborted_signal),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("06-cancellation: my tests", tests, NULL,
                                       NULL);
  uv_library_shutdown();
  return failed;
}

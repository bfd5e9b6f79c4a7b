/* my_tests.c: your own tests for kata 02. Optional, and yours to change.
 *
 * Built as learner_tests_cov together with your server.c; the coverage
 * gate counts the lines they run, with the suite's. Add a test whenever the
 * suite catches something you want to pin down yourself, and list it in
 * the table at the end. See README.md, "How to check it".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "server.h"

static void on_closed(void *arg) {
  int *calls = arg;
  (*calls)++;
}

/* An example to copy: a server starts on a free port and closes cleanly. */
static void test_my_server_starts_and_closes(void **state) {
  uv_loop_t loop;
  server_t *server = NULL;
  int calls = 0;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(server_start(&loop, 0, &server), 0);
  assert_true(server_port(server) > 0);
  server_close(server, on_closed, &calls);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(calls, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_server_starts_and_closes),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("02-block-the-loop: my tests", tests,
                                       NULL, NULL);
  uv_library_shutdown();
  return failed;
}

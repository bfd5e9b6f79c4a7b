/* my_tests.c: the reference's own tests for kata 02.
 *
 * They pin down what the suite leaves to the server's error paths: a port
 * already taken, a NULL server, and a server closed while its clients are
 * still connected with work on the pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "server.h"

static void on_closed(void *arg) {
  int *calls = arg;
  (*calls)++;
}

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

static void
test_my_server_refuses_a_port_in_use_and_a_null_server(void **state) {
  uv_loop_t loop;
  server_t *first = NULL, *second = NULL;
  int calls = 0;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(server_start(&loop, 0, &first), 0);
  assert_int_equal(server_start(&loop, server_port(first), &second),
                   UV_EADDRINUSE);
  assert_null(second);
  assert_int_equal(server_port(NULL), UV_EINVAL);
  server_close(first, on_closed, &calls);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(calls, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* Two clients, each with a HASH on its way, and the server closed under
 * them: every connection and every job must still be released. */
typedef struct client {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  bool connected;
} client_t;

static void on_connect(uv_connect_t *req, int status) {
  client_t *c = req->data;
  static char request[] = "HASH 1 3000000\nPING\nHASH 2 5\n";
  uv_buf_t buf = uv_buf_init(request, sizeof(request) - 1);

  assert_int_equal(status, 0);
  c->connected = true;
  assert_int_equal(uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, NULL),
                   0);
}

static void test_my_server_closes_under_connected_clients(void **state) {
  uv_loop_t loop;
  server_t *server = NULL;
  client_t clients[2];
  struct sockaddr_in addr;
  int calls = 0;

  (void)state;
  memset(clients, 0, sizeof(clients));
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(server_start(&loop, 0, &server), 0);
  assert_int_equal(uv_ip4_addr("127.0.0.1", server_port(server), &addr), 0);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(uv_tcp_init(&loop, &clients[i].tcp), 0);
    clients[i].connect.data = &clients[i];
    assert_int_equal(uv_tcp_connect(&clients[i].connect, &clients[i].tcp,
                                    (const struct sockaddr *)&addr, on_connect),
                     0);
  }
  /* A few turns: both connect, the server reads both requests. */
  for (int i = 0; i < 20; i++)
    (void)uv_run(&loop, UV_RUN_NOWAIT);
  assert_true(clients[0].connected && clients[1].connected);
  server_close(server, on_closed, &calls);
  for (int i = 0; i < 2; i++)
    uv_close((uv_handle_t *)&clients[i].tcp, NULL);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(calls, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_server_starts_and_closes),
      cmocka_unit_test(test_my_server_refuses_a_port_in_use_and_a_null_server),
      cmocka_unit_test(test_my_server_closes_under_connected_clients),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("02-block-the-loop: my tests", tests,
                                       NULL, NULL);
  uv_library_shutdown();
  return failed;
}

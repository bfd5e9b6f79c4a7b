/* Tests of the paths the kata's suite leaves alone: bad arguments, memory
 * that runs out, a destination that goes away, and a real pipe (no
 * half-close). The grader builds this file as
 * learner_tests_cov; run it with:
 *
 *   cmake -S katas/04-transform-stream -B build/try/04 && cmake --build build/try/04
 *   build/try/04/learner_tests_cov
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <uv.h>

#include "line_mem.h"
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

static void test_splitter_refuses_bad_arguments(void **state) {
  int lines = 0;

  (void)state;
  assert_null(line_splitter_new(0, count_lines, &lines));
  assert_null(line_splitter_new(8, NULL, &lines));
  assert_null(line_splitter_new(SIZE_MAX, count_lines, &lines));
  assert_int_equal(line_splitter_push(NULL, "a", 1), UV_EINVAL);
  assert_int_equal(line_splitter_finish(NULL), UV_EINVAL);
  assert_int_equal(line_splitter_lines(NULL), 0);
  line_splitter_free(NULL);
  line_mem_fail_after(0);
  assert_null(line_splitter_new(8, count_lines, &lines));
}

static void test_splitter_keeps_returning_its_error(void **state) {
  int lines = 0;
  line_splitter_t *splitter = line_splitter_new(4, count_lines, &lines);

  (void)state;
  assert_int_equal(line_splitter_push(splitter, "toolong", 7), UV_EMSGSIZE);
  assert_int_equal(line_splitter_push(splitter, "\n", 1), UV_EMSGSIZE);
  assert_int_equal(line_splitter_finish(splitter), UV_EMSGSIZE);
  assert_int_equal(lines, 0);
  line_splitter_free(splitter);
}

/* ---- the transform, between two socketpairs or two pipes -------------- */

typedef struct {
  uv_loop_t loop;
  uv_pipe_t producer; /* writes into source */
  uv_pipe_t source;
  uv_pipe_t destination;
  uv_pipe_t consumer; /* reads destination */
  char buffer[4096];
  size_t received;
  int eof;
  int done_calls;
  int status;
} world_t;

static const line_transform_options_t options = {64, 256, 1024, 256};

static void open_world(world_t *w, int over_pipes) {
  uv_os_sock_t a[2];
  uv_os_sock_t b[2];

  assert_int_equal(uv_loop_init(&w->loop), 0);
  if (over_pipes) {
    uv_file p[2];
    uv_file q[2];
    assert_int_equal(uv_pipe(p, 0, 0), 0);
    assert_int_equal(uv_pipe(q, 0, 0), 0);
    a[0] = p[1];
    a[1] = p[0];
    b[0] = q[1];
    b[1] = q[0];
  } else {
    assert_int_equal(uv_socketpair(SOCK_STREAM, 0, a, 0, 0), 0);
    assert_int_equal(uv_socketpair(SOCK_STREAM, 0, b, 0, 0), 0);
  }
  uv_pipe_init(&w->loop, &w->producer, 0);
  uv_pipe_init(&w->loop, &w->source, 0);
  uv_pipe_init(&w->loop, &w->destination, 0);
  uv_pipe_init(&w->loop, &w->consumer, 0);
  assert_int_equal(uv_pipe_open(&w->producer, a[0]), 0);
  assert_int_equal(uv_pipe_open(&w->source, a[1]), 0);
  assert_int_equal(uv_pipe_open(&w->destination, b[0]), 0);
  assert_int_equal(uv_pipe_open(&w->consumer, b[1]), 0);
  w->consumer.data = w;
}

static void close_if_open(uv_handle_t *handle, void *arg) {
  (void)arg;
  if (!uv_is_closing(handle))
    uv_close(handle, NULL);
}

static void close_world(world_t *w) {
  uv_walk(&w->loop, close_if_open, NULL);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&w->loop), 0);
}

static void on_done(void *data, int status,
                    const line_transform_report_t *report) {
  world_t *w = data;

  (void)report;
  w->done_calls++;
  w->status = status;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  world_t *w = handle->data;

  (void)suggested;
  *buf = uv_buf_init(w->buffer, sizeof(w->buffer));
}

static void on_consumed(uv_stream_t *stream, ssize_t nread,
                        const uv_buf_t *buf) {
  world_t *w = stream->data;

  (void)buf;
  if (nread > 0)
    w->received += (size_t)nread;
  else if (nread < 0)
    w->eof = 1;
}

static void feed(world_t *w, const char *text) {
  uv_buf_t buf = uv_buf_init((char *)(uintptr_t)text, (unsigned)strlen(text));

  assert_int_equal(uv_try_write((uv_stream_t *)&w->producer, &buf, 1),
                   (int)strlen(text));
  uv_close((uv_handle_t *)&w->producer, NULL);
}

static int start(world_t *w) {
  return line_transform((uv_stream_t *)&w->source,
                        (uv_stream_t *)&w->destination, &options, on_done, w);
}

static void test_transform_runs_over_real_pipes(void **state) {
  world_t w = {0};

  (void)state;
  open_world(&w, 1);
  assert_int_equal(start(&w), 0);
  uv_read_start((uv_stream_t *)&w.consumer, on_alloc, on_consumed);
  feed(&w, "INFO one\nDEBUG two\nINFO three");
  uv_run(&w.loop, UV_RUN_DEFAULT);
  assert_int_equal(w.done_calls, 1);
  assert_int_equal(w.status, 0);
  assert_int_equal(w.received, strlen("INFO one\nINFO three\n"));
  close_world(&w);
}

static void test_transform_reports_running_out_of_memory(void **state) {
  (void)state;
  /* At the start: the state, the splitter, the read buffer, the scratch
   * buffer; then the first write's block. */
  for (long n = 0; n <= 4; n++) {
    world_t w = {0};
    line_mem_stats_t before;
    line_mem_stats_t after;
    int err;

    open_world(&w, 0);
    line_mem_stats(&before);
    line_mem_fail_after(n);
    err = start(&w);
    if (n < 4) {
      assert_int_equal(err, UV_ENOMEM);
    } else {
      assert_int_equal(err, 0);
      feed(&w, "INFO one\n");
      uv_run(&w.loop, UV_RUN_DEFAULT);
      assert_int_equal(w.status, UV_ENOMEM);
    }
    line_mem_fail_after(-1);
    close_world(&w);
    line_mem_stats(&after);
    assert_int_equal(after.live_blocks, before.live_blocks);
  }
}

static void test_transform_reports_a_destination_that_went_away(void **state) {
  world_t w = {0};

  (void)state;
  open_world(&w, 0);
  uv_close((uv_handle_t *)&w.consumer, NULL);
  assert_int_equal(start(&w), 0);
  feed(&w, "INFO one\nINFO two\n");
  uv_run(&w.loop, UV_RUN_DEFAULT);
  assert_int_equal(w.done_calls, 1);
  assert_true(w.status == UV_EPIPE || w.status == UV_ECONNRESET);
  close_world(&w);
}

static void test_transform_refuses_streams_it_cannot_use(void **state) {
  world_t w = {0};
  uv_pipe_t unopened;
  line_transform_options_t huge = options;

  (void)state;
  open_world(&w, 0);
  huge.chunk_size = SIZE_MAX;
  assert_int_equal(line_transform((uv_stream_t *)&w.source,
                                  (uv_stream_t *)&w.destination, &huge, on_done,
                                  &w),
                   UV_EINVAL);
  uv_pipe_init(&w.loop, &unopened, 0);
  assert_true(line_transform((uv_stream_t *)&unopened,
                             (uv_stream_t *)&w.destination, &options, on_done,
                             &w) < 0);
  /* A destination that is not open: the first write fails. */
  assert_int_equal(line_transform((uv_stream_t *)&w.source,
                                  (uv_stream_t *)&unopened, &options, on_done,
                                  &w),
                   0);
  feed(&w, "INFO one\n");
  uv_run(&w.loop, UV_RUN_DEFAULT);
  assert_int_equal(w.done_calls, 1);
  assert_true(w.status < 0);
  close_world(&w);
}

int main(void) {
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_splitter_passes_two_lines_of_one_chunk),
      cmocka_unit_test(test_splitter_refuses_bad_arguments),
      cmocka_unit_test(test_splitter_keeps_returning_its_error),
      cmocka_unit_test(test_transform_runs_over_real_pipes),
      cmocka_unit_test(test_transform_reports_running_out_of_memory),
      cmocka_unit_test(test_transform_reports_a_destination_that_went_away),
      cmocka_unit_test(test_transform_refuses_streams_it_cannot_use),
  };
  /* clang-format on */

  int failed;

  /* As in the suite: a write to a reader that went away fails with EPIPE
   * instead of killing the process. */
  signal(SIGPIPE, SIG_IGN);
  failed = cmocka_run_group_tests_name("04-transform-stream-mine", tests, NULL,
                                       NULL);

  uv_library_shutdown();
  return failed;
}

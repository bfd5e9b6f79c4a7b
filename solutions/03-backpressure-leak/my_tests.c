/* Tests of stream_pipe.c beyond the kata's suite: the arguments it
 * refuses, and the paths that only run when memory runs out or when
 * something fails while writes are still queued. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "harness.h"
#include "pipe_mem.h"
#include "stream_pipe.h"

#define KiB ((size_t)1024)

static const stream_pipe_options_t options = {16 * KiB, 64 * KiB, 16 * KiB};

typedef struct {
  unsigned calls;
  int status;
} done_record_t;

static void on_done(void *data, int status) {
  done_record_t *record = data;

  record->calls++;
  record->status = status;
}

static void close_if_open(uv_handle_t *handle, void *arg) {
  (void)arg;
  if (!uv_is_closing(handle))
    uv_close(handle, NULL);
}

/* Closes every handle left on the loop and checks that it closes. */
static void close_loop(uv_loop_t *loop) {
  uv_walk(loop, close_if_open, NULL);
  assert_int_equal(uv_run(loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(uv_loop_close(loop), 0);
}

/* Two connected stream handles on `loop`. */
static void open_pair(uv_loop_t *loop, uv_pipe_t *a, uv_pipe_t *b) {
  uv_os_sock_t fds[2];

  assert_int_equal(uv_socketpair(SOCK_STREAM, 0, fds, 0, 0), 0);
  assert_int_equal(uv_pipe_init(loop, a, 0), 0);
  assert_int_equal(uv_pipe_init(loop, b, 0), 0);
  assert_int_equal(uv_pipe_open(a, fds[0]), 0);
  assert_int_equal(uv_pipe_open(b, fds[1]), 0);
}

static void
test_stream_pipe_refuses_bad_arguments_and_touches_nothing(void **state) {
  uv_loop_t loop;
  uv_pipe_t source, destination, unopened;
  done_record_t done = {0, 0};
  stream_pipe_options_t bad = options;
  uv_stream_t *s = (uv_stream_t *)&source;
  uv_stream_t *d = (uv_stream_t *)&destination;
  int marker = 0;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  open_pair(&loop, &source, &destination);
  assert_int_equal(uv_pipe_init(&loop, &unopened, 0), 0);
  source.data = &marker;

  assert_int_equal(stream_pipe(NULL, d, &options, on_done, &done), UV_EINVAL);
  assert_int_equal(stream_pipe(s, NULL, &options, on_done, &done), UV_EINVAL);
  assert_int_equal(stream_pipe(s, d, NULL, on_done, &done), UV_EINVAL);
  assert_int_equal(stream_pipe(s, d, &options, NULL, &done), UV_EINVAL);
  assert_int_equal(stream_pipe(s, s, &options, on_done, &done), UV_EINVAL);
  assert_int_equal(
      stream_pipe((uv_stream_t *)&unopened, d, &options, on_done, &done),
      UV_EINVAL);
  assert_int_equal(
      stream_pipe(s, (uv_stream_t *)&unopened, &options, on_done, &done),
      UV_EINVAL);
  bad.chunk_size = 0;
  assert_int_equal(stream_pipe(s, d, &bad, on_done, &done), UV_EINVAL);
  bad = options;
  bad.low_water_mark = bad.high_water_mark + 1;
  assert_int_equal(stream_pipe(s, d, &bad, on_done, &done), UV_EINVAL);
  uv_close((uv_handle_t *)&destination, NULL);
  assert_int_equal(stream_pipe(s, d, &options, on_done, &done), UV_EINVAL);

  assert_ptr_equal(source.data, &marker);
  assert_false(uv_is_active((uv_handle_t *)&source));
  close_loop(&loop);
  assert_int_equal(done.calls, 0);
}

static void test_stream_pipe_without_memory_returns_enomem_and_touches_nothing(
    void **state) {
  uv_loop_t loop;
  uv_pipe_t source, destination;
  done_record_t done = {0, 0};
  pipe_mem_stats_t before, after;
  int marker = 0;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  open_pair(&loop, &source, &destination);
  source.data = &marker;
  pipe_mem_stats(&before);
  pipe_mem_fail_after(0);
  assert_int_equal(stream_pipe((uv_stream_t *)&source,
                               (uv_stream_t *)&destination, &options, on_done,
                               &done),
                   UV_ENOMEM);
  pipe_mem_stats(&after);
  assert_int_equal(after.live_blocks, before.live_blocks);
  assert_ptr_equal(source.data, &marker);
  assert_false(uv_is_closing((uv_handle_t *)&source));
  close_loop(&loop);
  assert_int_equal(done.calls, 0);
}

/* A world of producer -> [pipe] -> consumer, as in the kata's suite. */
typedef struct {
  uv_loop_t loop;
  uv_pipe_t producer_end, source, destination, consumer_end;
  producer_t producer;
  consumer_t consumer;
  done_record_t done;
} world_t;

static void world_open(world_t *w, uint64_t total) {
  memset(w, 0, sizeof(*w));
  assert_int_equal(uv_loop_init(&w->loop), 0);
  open_pair(&w->loop, &w->producer_end, &w->source);
  open_pair(&w->loop, &w->destination, &w->consumer_end);
  assert_int_equal(
      producer_init(&w->producer, (uv_stream_t *)&w->producer_end, total), 0);
  assert_int_equal(consumer_init(&w->consumer, &w->loop,
                                 (uv_stream_t *)&w->consumer_end, 64 * KiB),
                   0);
}

static void world_start(world_t *w, const stream_pipe_options_t *with,
                        consumer_pace_t pace) {
  assert_int_equal(stream_pipe((uv_stream_t *)&w->source,
                               (uv_stream_t *)&w->destination, with, on_done,
                               &w->done),
                   0);
  consumer_set_pace(&w->consumer, pace);
  producer_start(&w->producer);
}

/* Runs the loop of world `w` until `condition` holds; fails if the loop
 * ends first. */
#define RUN_UNTIL(w, condition)                                                \
  do {                                                                         \
    while (!(condition)) {                                                     \
      if (uv_run(&(w)->loop, UV_RUN_ONCE) == 0 && !(condition))                \
        fail_msg("the loop ended before %s", #condition);                      \
    }                                                                          \
  } while (0)

static void world_close(world_t *w) {
  pipe_mem_stats_t mem;

  consumer_close(&w->consumer);
  close_loop(&w->loop);
  producer_free(&w->producer);
  consumer_free(&w->consumer);
  assert_int_equal(w->done.calls, 1);
  pipe_mem_stats(&mem);
  assert_int_equal(mem.live_blocks, 0);
}

static void
test_stream_pipe_reports_enobufs_when_a_read_buffer_is_missing(void **state) {
  world_t w;

  (void)state;
  world_open(&w, 64 * KiB);
  pipe_mem_fail_after(1); /* the pipe's state, then no buffer */
  world_start(&w, &options, CONSUMER_FAST);
  RUN_UNTIL(&w, w.done.calls > 0);
  assert_int_equal(w.done.status, UV_ENOBUFS);
  assert_true(uv_is_closing((uv_handle_t *)&w.source));
  assert_true(uv_is_closing((uv_handle_t *)&w.destination));
  world_close(&w);
}

/* Bytes waiting to be read on descriptor fd. */
static int unread_bytes(uv_os_fd_t fd) {
  int count = 0;

  assert_int_equal(ioctl(fd, FIONREAD, &count), 0);
  return count;
}

static void
test_stream_pipe_frees_the_queued_writes_when_the_source_fails(void **state) {
  const stream_pipe_options_t roomy = {16 * KiB, 1024 * KiB, 256 * KiB};
  world_t w;
  uv_os_fd_t fd;
  int small = 4096;

  (void)state;
  /* A byte the producer's end never reads turns its close into
   * ECONNRESET at the source. The destination's socket buffer is tiny and
   * the consumer reads nothing, so when the source fails most of the
   * stream is still queued for the destination: closing it cancels those
   * writes, and each must still be freed. */
  world_open(&w, 256 * KiB);
  assert_int_equal(uv_fileno((uv_handle_t *)&w.source, &fd), 0);
  assert_int_equal(write(fd, "!", 1), 1);
  assert_int_equal(uv_fileno((uv_handle_t *)&w.destination, &fd), 0);
  assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)),
                   0);
  w.producer.keep_open = 1;
  world_start(&w, &roomy, CONSUMER_PAUSED);
  /* Close the producer's end only once the pipe has read everything, so
   * that the reset is not hidden behind unread data. */
  assert_int_equal(uv_fileno((uv_handle_t *)&w.source, &fd), 0);
  RUN_UNTIL(&w, w.producer.finished && unread_bytes(fd) == 0);
  producer_close(&w.producer);
  RUN_UNTIL(&w, w.done.calls > 0);
  assert_int_equal(w.done.status, UV_ECONNRESET);
  world_close(&w);
}

static void
test_stream_pipe_copies_more_than_the_high_water_mark_intact(void **state) {
  world_t w;
  uint64_t total = 1024 * KiB + 3;

  (void)state;
  world_open(&w, total);
  world_start(&w, &options, CONSUMER_SLOW);
  RUN_UNTIL(&w, w.done.calls > 0 && w.consumer.eof);
  assert_int_equal(w.done.status, 0);
  assert_int_equal(w.consumer.received, total);
  assert_true(w.consumer.first_wrong == UINT64_MAX);
  world_close(&w);
}

int main(void) {
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stream_pipe_refuses_bad_arguments_and_touches_nothing),
      cmocka_unit_test(test_stream_pipe_without_memory_returns_enomem_and_touches_nothing),
      cmocka_unit_test(test_stream_pipe_reports_enobufs_when_a_read_buffer_is_missing),
      cmocka_unit_test(test_stream_pipe_frees_the_queued_writes_when_the_source_fails),
      cmocka_unit_test(test_stream_pipe_copies_more_than_the_high_water_mark_intact),
  };
  /* clang-format on */

  int failed;

  signal(SIGPIPE, SIG_IGN);
  failed = cmocka_run_group_tests_name("03-backpressure-leak-mine", tests, NULL,
                                       NULL);
  uv_library_shutdown();
  return failed;
}

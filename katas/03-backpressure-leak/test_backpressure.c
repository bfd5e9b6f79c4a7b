/* The suite of kata 03, "The backpressure leak". Read README.md first.
 *
 * Each test builds the same small world on its own libuv loop:
 *
 *   producer --(socketpair or pipe)--> source  [your pipe]  destination
 *            --(socketpair or pipe)--> consumer
 *
 * The producer (harness.c) writes a known byte pattern as fast as its
 * stream takes it; the consumer reads at the pace a test chooses and checks
 * every byte. Both use fixed memory, so whatever grows, grows in the pipe.
 * The suite watches the destination's write queue and the pipe's memory
 * (pipe_mem.c) at every allocation, every free and every loop iteration.
 *
 * Over socketpairs, the suite also holds a second descriptor of the
 * destination's socket for the whole test, as a child process does after
 * fork(). Closing the pipe's handle then closes one descriptor and leaves
 * the socket open: the consumer sees the end of the stream only if the
 * pipe shut the socket down, which is the point of uv_shutdown().
 *
 * Usage: suite [cmocka-filter]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#include "harness.h"
#include "pipe_mem.h"
#include "stream_pipe.h"

/* Exported by cmocka 1.1.5 but not declared in its header: text given to it
 * before fail() reaches the XML report, where fail_msg()'s does not. */
void cm_print_error(const char *format, ...);

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

/* The options every test gives the pipe. */
#define CHUNK (32 * KiB)
#define HIGH_WATER (256 * KiB)
#define LOW_WATER (64 * KiB)

/* The most the destination's write queue may hold: the high-water mark,
 * plus the one chunk written just before reading stopped. */
#define QUEUE_BOUND (HIGH_WATER + CHUNK)
/* The most memory the pipe may hold through pipe_mem_alloc(): what is in
 * flight, the buffer being read into, and room for partly filled chunks,
 * requests and the pipe's own state. A pipe without backpressure passes
 * this within a few loop iterations. */
#define MEMORY_BOUND (HIGH_WATER + 4 * CHUNK + 64 * KiB)

#define SEE_CONTRACT "README: The contract"
#define SEE_BACKPRESSURE "README: Backpressure, step by step"
#define SEE_IN_FLIGHT                                                          \
  "README: Backpressure, step by step (why count to the write callback)"
#define SEE_ERRORS "README: When something fails"
#define SEE_END "README: The end of the stream"
#define SEE_MEMORY "README: Who frees what"

/* Fails the test with a message that says what was expected, what
 * happened, and what to reread. */
/* A place in this file. The checking helpers take their caller's and
 * fail there, so that a failure points at the test that called them,
 * where a learner looks, not at a helper many tests share. */
typedef struct place {
  const char *file;
  int line;
} place_t;

#define HERE ((place_t){__FILE__, __LINE__})

#define expect_at(at, condition, see, ...)                                     \
  do {                                                                         \
    if (!(condition)) {                                                        \
      cm_print_error(__VA_ARGS__);                                             \
      cm_print_error("\n  see %s\n", see);                                     \
      _fail((at).file, (at).line);                                             \
    }                                                                          \
  } while (0)
#define expect(condition, see, ...) expect_at(HERE, condition, see, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * The world around the pipe
 * ------------------------------------------------------------------------ */

typedef struct {
  uv_loop_t loop;
  uv_pipe_t producer_end;
  uv_pipe_t source;      /* the pipe's, once started */
  uv_pipe_t destination; /* the pipe's, once started */
  uv_pipe_t consumer_end;
  uv_check_t sampler;
  /* A second descriptor of the destination's socket (socketpairs only),
   * or -1: see the top of this file. */
  int destination_twin;
  producer_t producer;
  consumer_t consumer;
  watchdog_t watchdog;
  pipe_mem_stats_t mem_at_start;

  /* What the pipe did, with which options. */
  stream_pipe_options_t options;
  int started;
  unsigned done_calls;
  int done_status;
  int source_closing_at_done;
  int destination_closing_at_done;

  /* What the samples saw. */
  int stop_on_overflow; /* stop driving once a bound is broken */
  int overflow;
  size_t max_queue;
  size_t max_memory;
  size_t early_shutdown_queue; /* queue when a shutdown came too early */
  int early_shutdown;

  /* Reading paused and resumed, as seen at each loop iteration. */
  int track_resumes;
  int was_reading;
  unsigned resumes;
  size_t bad_resume_queue;
  int bad_resume;

  int settled;
} world_t;

static uv_stream_t *source_of(world_t *w) {
  return (uv_stream_t *)&w->source;
}

static uv_stream_t *destination_of(world_t *w) {
  return (uv_stream_t *)&w->destination;
}

static size_t memory_in_use(const world_t *w) {
  pipe_mem_stats_t now;

  pipe_mem_stats(&now);
  return now.live_bytes - w->mem_at_start.live_bytes;
}

static size_t blocks_in_use(const world_t *w) {
  pipe_mem_stats_t now;

  pipe_mem_stats(&now);
  return now.live_blocks - w->mem_at_start.live_blocks;
}

static size_t queue_now(world_t *w) {
  if (uv_is_closing((uv_handle_t *)&w->destination))
    return 0;
  return uv_stream_get_write_queue_size(destination_of(w));
}

/* Looks at the pipe: called after every pipe_mem_alloc() and
 * pipe_mem_free(), and once per loop iteration. */
static void sample(world_t *w) {
  size_t queue = queue_now(w);
  size_t memory = memory_in_use(w);

  if (queue > w->max_queue)
    w->max_queue = queue;
  if (memory > w->max_memory)
    w->max_memory = memory;
  if (w->max_queue > QUEUE_BOUND || w->max_memory > MEMORY_BOUND)
    w->overflow = 1;
  /* uv_shutdown() clears the writable flag at once; libuv would hold the
   * shutdown itself until the queue drains, but the contract asks for the
   * shutdown after the last write callback. */
  if (!w->early_shutdown && queue > 0 &&
      !uv_is_closing((uv_handle_t *)&w->destination) &&
      !uv_is_writable(destination_of(w))) {
    w->early_shutdown = 1;
    w->early_shutdown_queue = queue;
  }
}

static void on_memory_event(void *arg) {
  sample(arg);
}

static void on_iteration(uv_check_t *check) {
  world_t *w = check->data;
  int reading;

  sample(w);
  if (!w->track_resumes)
    return;
  reading = uv_is_active((uv_handle_t *)&w->source);
  if (reading && !w->was_reading) {
    size_t queue = queue_now(w);
    w->resumes++;
    if (queue > LOW_WATER && !w->bad_resume) {
      w->bad_resume = 1;
      w->bad_resume_queue = queue;
    }
  }
  w->was_reading = reading;
}

static uint64_t world_signature(void *arg) {
  world_t *w = arg;
  uint64_t s = 0;
  pipe_mem_stats_t mem;

  pipe_mem_stats(&mem);
  s = signature_mix(s, w->producer.sent);
  s = signature_mix(s, w->producer.queued);
  s = signature_mix(s, w->consumer.received);
  s = signature_mix(s, mem.allocations);
  s = signature_mix(s, mem.live_blocks);
  s = signature_mix(s, queue_now(w));
  if (!uv_is_closing((uv_handle_t *)&w->producer_end))
    s = signature_mix(
        s, uv_stream_get_write_queue_size((uv_stream_t *)&w->producer_end));
  s = signature_mix(s, w->done_calls);
  s = signature_mix(s, (uint64_t)w->consumer.eof);
  return s;
}

static void on_done(void *data, int status) {
  world_t *w = data;

  w->done_calls++;
  if (w->done_calls == 1) {
    w->done_status = status;
    w->source_closing_at_done = uv_is_closing((uv_handle_t *)&w->source);
    w->destination_closing_at_done =
        uv_is_closing((uv_handle_t *)&w->destination);
  }
}

typedef enum { OVER_SOCKETPAIRS, OVER_PIPES } stream_kind_t;

/* Opens the four ends: producer -> source, destination -> consumer. */
static int open_ends(world_t *w, stream_kind_t kind) {
  uv_os_sock_t a[2];
  uv_os_sock_t b[2];
  uv_file p[2];
  uv_file q[2];
  int err;

  if (kind == OVER_SOCKETPAIRS) {
    if ((err = uv_socketpair(SOCK_STREAM, 0, a, 0, 0)) < 0)
      return err;
    if ((err = uv_socketpair(SOCK_STREAM, 0, b, 0, 0)) < 0)
      return err;
    w->destination_twin = dup(b[0]);
    if (w->destination_twin < 0)
      return UV_EMFILE;
  } else {
    /* A pipe's first descriptor is its read end. */
    if ((err = uv_pipe(p, 0, 0)) < 0)
      return err;
    if ((err = uv_pipe(q, 0, 0)) < 0)
      return err;
    a[0] = p[1]; /* the producer writes */
    a[1] = p[0]; /* the source reads */
    b[0] = q[1]; /* the destination writes */
    b[1] = q[0]; /* the consumer reads */
  }
  uv_pipe_init(&w->loop, &w->producer_end, 0);
  uv_pipe_init(&w->loop, &w->source, 0);
  uv_pipe_init(&w->loop, &w->destination, 0);
  uv_pipe_init(&w->loop, &w->consumer_end, 0);
  if ((err = uv_pipe_open(&w->producer_end, a[0])) < 0 ||
      (err = uv_pipe_open(&w->source, a[1])) < 0 ||
      (err = uv_pipe_open(&w->destination, b[0])) < 0 ||
      (err = uv_pipe_open(&w->consumer_end, b[1])) < 0)
    return err;
  return 0;
}

static int world_setup(void **state, stream_kind_t kind) {
  world_t *w = calloc(1, sizeof(*w));

  if (w == NULL)
    return -1;
  w->destination_twin = -1;
  if (uv_loop_init(&w->loop) != 0)
    return -1;
  if (open_ends(w, kind) != 0)
    return -1;
  if (producer_init(&w->producer, (uv_stream_t *)&w->producer_end, 0) != 0 ||
      consumer_init(&w->consumer, &w->loop, (uv_stream_t *)&w->consumer_end,
                    64 * KiB) != 0)
    return -1;
  uv_check_init(&w->loop, &w->sampler);
  w->sampler.data = w;
  uv_check_start(&w->sampler, on_iteration);
  pipe_mem_fail_after(-1);
  pipe_mem_stats(&w->mem_at_start);
  pipe_mem_observe(on_memory_event, w);
  *state = w;
  return 0;
}

static int setup_socketpairs(void **state) {
  return world_setup(state, OVER_SOCKETPAIRS);
}

static int setup_pipes(void **state) {
  return world_setup(state, OVER_PIPES);
}

static void close_twin(world_t *w) {
  if (w->destination_twin >= 0)
    close(w->destination_twin);
  w->destination_twin = -1;
}

static void close_if_open(uv_handle_t *handle, void *arg) {
  (void)arg;
  if (!uv_is_closing(handle))
    uv_close(handle, NULL);
}

/* Closes what is left (the test's own handles, and the pipe's if it did not
 * close them) and lets the loop run the close callbacks. Returns what
 * uv_loop_close() returns. */
static int world_close(world_t *w) {
  pipe_mem_observe(NULL, NULL);
  uv_walk(&w->loop, close_if_open, NULL);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  w->settled = 1;
  close_twin(w);
  return uv_loop_close(&w->loop);
}

/* After a failed test: clean up if that is safe. While a started pipe has
 * not called done, it owns its streams, and closing them under it could
 * make it close them twice (an abort in libuv): then the world is left as
 * it is, memory and all, and the next test starts a new one. */
static int teardown_world(void **state) {
  world_t *w = *state;

  if (w == NULL)
    return 0;
  pipe_mem_observe(NULL, NULL);
  /* The twin is the suite's own descriptor: closing it never touches the
   * pipe's handle. */
  close_twin(w);
  if (!w->settled && w->started && w->done_calls == 0)
    return 0;
  if (!w->settled && world_close(w) != 0)
    return 0;
  producer_free(&w->producer);
  consumer_free(&w->consumer);
  free(w);
  return 0;
}

/* ------------------------------------------------------------------------
 * Running and checking
 * ------------------------------------------------------------------------ */

static void start_pipe_with_at(place_t at, world_t *w, uint64_t total,
                               consumer_pace_t pace,
                               const stream_pipe_options_t *options) {
  int err;

  w->options = *options;
  w->producer.total = total;
  assert_int_equal(watchdog_start(&w->watchdog, &w->loop, world_signature, w),
                   0);
  err = stream_pipe(source_of(w), destination_of(w), options, on_done, w);
  expect_at(at, err == 0, SEE_CONTRACT,
            "stream_pipe() with valid streams and options should return 0 and "
            "start; it returned %d (%s)",
            err, uv_err_name(err));
  w->started = 1;
  consumer_set_pace(&w->consumer, pace);
  producer_start(&w->producer);
}
#define start_pipe_with(...) start_pipe_with_at(HERE, __VA_ARGS__)

/* Starts the pipe with the options most tests use. */
static void start_pipe(world_t *w, uint64_t total, consumer_pace_t pace) {
  const stream_pipe_options_t options = {CHUNK, HIGH_WATER, LOW_WATER};

  start_pipe_with(w, total, pace, &options);
}

typedef int (*until_fn)(const world_t *w);

/* Runs the loop until `until` holds, nothing moves any more, or (when the
 * test asks) a bound is broken. */
static void drive(world_t *w, until_fn until) {
  while (!until(w) && !w->watchdog.stalled &&
         !(w->stop_on_overflow && w->overflow)) {
    if (uv_run(&w->loop, UV_RUN_ONCE) == 0 && !until(w))
      break;
  }
}

/* The pipe finished and the consumer saw the end, or gave up. */
static int finished(const world_t *w) {
  return w->done_calls > 0 &&
         (w->consumer.eof || w->consumer.error != 0 || w->consumer.closed);
}

static int done_called(const world_t *w) {
  return w->done_calls > 0;
}

static int stalled_or_overflowed(const world_t *w) {
  (void)w;
  return 0;
}

static int received_all(const world_t *w) {
  return w->consumer.received >= w->producer.total || w->done_calls > 0;
}

static int received_enough(const world_t *w) {
  return w->consumer.received >= 4 * MiB || w->done_calls > 0;
}

static int reading_or_done(const world_t *w) {
  return uv_is_active((const uv_handle_t *)&w->source) || w->done_calls > 0;
}

/* The source still has bytes for the pipe: the producer has not written
 * them all yet, or they wait unread in the source. */
static int source_has_more(world_t *w) {
  uv_os_fd_t fd;
  int unread = 0;

  if (w->producer.sent < w->producer.total)
    return 1;
  if (uv_fileno((uv_handle_t *)&w->source, &fd) != 0)
    return 0;
  return ioctl(fd, FIONREAD, &unread) == 0 && unread > 0;
}

/* After drive(): if everything stopped moving with the source paused,
 * bytes left to read and no more than the low-water mark waiting for the
 * destination, reading should have started again. Once nothing moves, every
 * write the kernel took has had its callback, so the bytes in flight are
 * (within one partly written chunk) what the write queue holds. */
static void expect_reading_restarted_at(place_t at, world_t *w) {
  size_t queue;

  if (!w->watchdog.stalled || w->done_calls > 0 ||
      uv_is_closing((uv_handle_t *)&w->source) ||
      uv_is_active((uv_handle_t *)&w->source) || !source_has_more(w))
    return;
  queue = queue_now(w);
  expect_at(
      at, queue > w->options.low_water_mark, SEE_BACKPRESSURE,
      "reading stopped and never started again: after the consumer got "
      "%llu of %llu bytes everything stopped moving, with the source "
      "paused and only %zu bytes waiting for the destination. Every write "
      "callback had run by then, so that is what was in flight: at or "
      "below the low-water mark (%zu), where reading must start again. "
      "Expected uv_read_start() on the source from the write callback "
      "that brings the bytes in flight down to the low-water mark",
      (unsigned long long)w->consumer.received,
      (unsigned long long)w->producer.total, queue, w->options.low_water_mark);
}
#define expect_reading_restarted(...)                                          \
  expect_reading_restarted_at(HERE, __VA_ARGS__)

static void expect_bounds_at(place_t at, world_t *w) {
  expect_at(at, w->max_queue <= QUEUE_BOUND, SEE_BACKPRESSURE,
            "the destination's write queue (uv_stream_get_write_queue_size) "
            "reached %zu bytes; expected at most %zu: the high-water mark "
            "(%zu) plus one chunk (%zu). The pipe kept reading and writing "
            "while the consumer could not keep up: stop reading once the bytes "
            "in flight reach the high-water mark",
            w->max_queue, (size_t)QUEUE_BOUND, (size_t)HIGH_WATER,
            (size_t)CHUNK);
  expect_at(
      at, w->max_memory <= MEMORY_BOUND, SEE_MEMORY,
      "the pipe held %zu bytes from pipe_mem_alloc() at once; expected at "
      "most %zu (the high-water mark, a few chunks and some requests). "
      "Buffers and write requests that wait for their write callback "
      "count too",
      w->max_memory, (size_t)MEMORY_BOUND);
}
#define expect_bounds(...) expect_bounds_at(HERE, __VA_ARGS__)

static void expect_bytes_intact_at(place_t at, world_t *w, uint64_t total) {
  expect_reading_restarted_at(at, w);
  expect_at(at, w->consumer.first_wrong == UINT64_MAX, SEE_CONTRACT,
            "the consumer got a wrong byte at offset %llu of the stream: "
            "expected every byte in order, as the producer wrote it. Does a "
            "buffer get reused or freed before its write callback ran?",
            (unsigned long long)w->consumer.first_wrong);
  expect_at(at, w->consumer.received == total, SEE_CONTRACT,
            "the consumer got %llu bytes; the producer wrote %llu",
            (unsigned long long)w->consumer.received,
            (unsigned long long)total);
}
#define expect_bytes_intact(...) expect_bytes_intact_at(HERE, __VA_ARGS__)

/* Why the consumer may miss the end of the stream although done ran: the
 * pipe closed the destination without a completed shutdown. */
#define CLOSE_IS_NOT_SHUTDOWN                                                  \
  "Closing a handle closes one descriptor, and the suite holds a second "      \
  "one of the destination's socket (as a child process does after fork()), "   \
  "so the socket stayed open. Only a shutdown ends the stream for its "        \
  "reader, and only once its callback has run: closing the handle before "     \
  "that cancels it"

/* The consumer saw the end of the stream after the last byte. */
static void expect_consumer_saw_end_at(place_t at, world_t *w) {
  if (w->done_calls > 0 && w->destination_closing_at_done)
    expect_at(at, w->consumer.eof, SEE_END,
              "every byte arrived and done ran, but the consumer never saw the "
              "end of the stream (UV_EOF); expected the pipe to shut the "
              "destination down (uv_shutdown) once the source ended and the "
              "last write completed, and to close both streams from the "
              "shutdown callback. " CLOSE_IS_NOT_SHUTDOWN);
  expect_at(at, w->consumer.eof, SEE_END,
            "every byte arrived, but the consumer never saw the end of the "
            "stream (UV_EOF)%s; expected the pipe to shut the destination down "
            "(uv_shutdown) once the source ended and the last write completed",
            w->done_calls > 0 ? ", although done had run" : "");
}
#define expect_consumer_saw_end(...)                                           \
  expect_consumer_saw_end_at(HERE, __VA_ARGS__)

static void expect_done_once_at(place_t at, world_t *w, int status,
                                const char *see) {
  expect_at(at, w->done_calls > 0, see,
            "the pipe never called done%s; expected done(data, %s) once",
            w->watchdog.stalled ? " and everything stopped moving" : "",
            status == 0 ? "0" : uv_err_name(status));
  expect_at(at, w->done_status == status, see,
            "done got status %d (%s); expected %d (%s)", w->done_status,
            w->done_status == 0 ? "success" : uv_err_name(w->done_status),
            status, status == 0 ? "success" : uv_err_name(status));
}
#define expect_done_once(...) expect_done_once_at(HERE, __VA_ARGS__)

static void expect_both_closed_at_done_at(place_t at, world_t *w) {
  expect_at(at, w->source_closing_at_done, SEE_CONTRACT,
            "when done ran, the source was still open; expected the pipe to "
            "close both streams before calling done");
  expect_at(at, w->destination_closing_at_done, SEE_CONTRACT,
            "when done ran, the destination was still open; expected the pipe "
            "to close both streams before calling done: it owns them once "
            "started");
}
#define expect_both_closed_at_done(...)                                        \
  expect_both_closed_at_done_at(HERE, __VA_ARGS__)

/* Closes everything and checks that the pipe left nothing behind. */
static void settle_at(place_t at, world_t *w) {
  int source_left_open = !uv_is_closing((uv_handle_t *)&w->source);
  int destination_left_open = !uv_is_closing((uv_handle_t *)&w->destination);
  size_t blocks;
  size_t bytes;
  int err;

  consumer_close(&w->consumer);
  watchdog_close(&w->watchdog);
  err = world_close(w);
  blocks = blocks_in_use(w);
  bytes = memory_in_use(w);
  expect_at(at, w->done_calls == 1, SEE_CONTRACT,
            "done ran %u times; expected exactly once", w->done_calls);
  expect_at(at, !source_left_open && !destination_left_open, SEE_CONTRACT,
            "the pipe left the %s open after done; expected it to close both",
            source_left_open && destination_left_open
                ? "source and the destination"
            : source_left_open ? "source"
                               : "destination");
  expect_at(at, blocks == 0, SEE_MEMORY,
            "%zu blocks (%zu bytes) from pipe_mem_alloc() were never freed; "
            "expected none: every buffer and write request goes back with "
            "pipe_mem_free(), on the error paths too (a write callback runs "
            "for every write, whatever its status)",
            blocks, bytes);
  expect_at(at, err == 0, SEE_CONTRACT,
            "uv_loop_close() returned %d (%s) after every handle was closed; "
            "expected 0: the pipe left a request or handle of its own",
            err, uv_err_name(err));
}
#define settle(...) settle_at(HERE, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * The short streams (also run under valgrind)
 * ------------------------------------------------------------------------ */

static void copy_a_short_stream_at(place_t at, world_t *w) {
  uint64_t total = 3 * CHUNK + 17;
  pipe_mem_stats_t mem;

  start_pipe(w, total, CONSUMER_FAST);
  drive(w, finished);
  expect_bytes_intact_at(at, w, total);
  pipe_mem_stats(&mem);
  expect_at(at, mem.allocations > w->mem_at_start.allocations, SEE_MEMORY,
            "the pipe copied the stream without a single pipe_mem_alloc(); "
            "expected its buffers and requests to come from pipe_mem_alloc() "
            "so that they can be counted");
  expect_consumer_saw_end_at(at, w);
  expect_done_once_at(at, w, 0, SEE_END);
  expect_both_closed_at_done_at(at, w);
  settle_at(at, w);
}
#define copy_a_short_stream(...) copy_a_short_stream_at(HERE, __VA_ARGS__)

static void
test_pipe_short_copy_arrives_byte_for_byte_over_a_socketpair(void **state) {
  copy_a_short_stream(*state);
}

static void
test_pipe_short_copy_arrives_byte_for_byte_over_a_pipe(void **state) {
  copy_a_short_stream(*state);
}

static void
test_pipe_short_empty_source_ends_the_destination_at_once(void **state) {
  world_t *w = *state;

  start_pipe(w, 0, CONSUMER_FAST);
  drive(w, finished);
  expect(w->consumer.received == 0, SEE_CONTRACT,
         "the source was empty, yet the consumer got %llu bytes",
         (unsigned long long)w->consumer.received);
  expect(w->consumer.eof, SEE_END,
         "the source was empty and ended at once, but the consumer never saw "
         "the end of the stream (UV_EOF)%s; expected the pipe to shut the "
         "destination down (uv_shutdown) as soon as the source ends with "
         "nothing in flight%s",
         w->done_calls > 0 ? ", although done had run" : "",
         w->done_calls > 0 && w->destination_closing_at_done
             ? ". " CLOSE_IS_NOT_SHUTDOWN
             : "");
  expect_done_once(w, 0, SEE_END);
  expect_both_closed_at_done(w);
  settle(w);
}

static void
test_pipe_short_source_error_is_reported_once_and_closes_both(void **state) {
  world_t *w = *state;
  uv_os_fd_t fd;

  /* Bytes the producer's end never reads: when it closes, the source gets
   * ECONNRESET instead of the end of the stream. It closes only once the
   * pipe has read (and the consumer received) everything: with data still
   * unread, libuv may see the hang-up first and report UV_EOF. */
  assert_int_equal(uv_fileno((uv_handle_t *)&w->source, &fd), 0);
  assert_int_equal(write(fd, "!", 1), 1);
  w->producer.keep_open = 1;
  start_pipe(w, 3 * CHUNK, CONSUMER_FAST);
  drive(w, received_all);
  producer_close(&w->producer);
  drive(w, done_called);
  expect(w->done_calls > 0, SEE_ERRORS,
         "the source failed with ECONNRESET, but the pipe never called "
         "done; expected done(data, UV_ECONNRESET) once");
  expect(w->done_status == UV_ECONNRESET, SEE_ERRORS,
         "the source failed with ECONNRESET, but done got %d (%s); expected "
         "the source's error, UV_ECONNRESET",
         w->done_status,
         w->done_status == 0 ? "success" : uv_err_name(w->done_status));
  expect_both_closed_at_done(w);
  settle(w);
}

static void
test_pipe_short_consumer_closing_mid_stream_stops_the_source(void **state) {
  world_t *w = *state;
  uint64_t total = 8 * MiB;

  w->consumer.close_after = 4 * CHUNK;
  start_pipe(w, total, CONSUMER_FAST);
  drive(w, done_called);
  expect(w->done_calls > 0, SEE_ERRORS,
         "the consumer closed its end after %zu bytes, but the pipe never "
         "called done; expected done(data, error) once the destination "
         "failed",
         (size_t)(4 * CHUNK));
  expect(w->done_status < 0, SEE_ERRORS,
         "the consumer closed its end after %zu bytes, so writes to the "
         "destination failed (EPIPE), yet done got %d (%s); expected the "
         "write's error. A failed write must stop the pipe",
         (size_t)(4 * CHUNK), w->done_status,
         w->done_status == 0 ? "success" : uv_err_name(w->done_status));
  expect(w->producer.sent < total, SEE_ERRORS,
         "the pipe went on reading the source after the destination failed: "
         "the producer got all %llu bytes through; expected the source to "
         "stop (uv_read_stop, then uv_close) at the first failed write",
         (unsigned long long)total);
  expect_both_closed_at_done(w);
  settle(w);
}

/* ------------------------------------------------------------------------
 * Backpressure
 * ------------------------------------------------------------------------ */

static void
test_pipe_bounds_the_write_queue_from_a_fast_producer_to_a_slow_consumer(
    void **state) {
  world_t *w = *state;
  uint64_t total = 256 * MiB;

  /* One read of 16 KiB per loop iteration against a producer that keeps
   * four 64 KiB writes in flight: the consumer is several times slower. */
  w->consumer.buffer_size = 16 * KiB;
  w->stop_on_overflow = 1;
  start_pipe(w, total, CONSUMER_SLOW);
  drive(w, finished);
  expect_bounds(w);
  expect_bytes_intact(w, total);
  expect_consumer_saw_end(w);
  expect_done_once(w, 0, SEE_END);
  settle(w);
}

static void
test_pipe_pauses_reading_above_the_high_water_mark_and_resumes_below_the_low(
    void **state) {
  world_t *w = *state;
  uint64_t total = 16 * MiB;
  size_t queue;

  /* 1. The consumer reads nothing: the pipe must stop reading. */
  w->stop_on_overflow = 1;
  start_pipe(w, total, CONSUMER_PAUSED);
  drive(w, stalled_or_overflowed);
  expect_bounds(w);
  queue = queue_now(w);
  expect(w->done_calls == 0, SEE_BACKPRESSURE,
         "the pipe called done (status %d) while the consumer had not read "
         "anything yet; expected it to wait, with reading paused",
         w->done_status);
  expect(!uv_is_active((uv_handle_t *)&w->source), SEE_BACKPRESSURE,
         "the consumer read nothing and everything stopped moving with %zu "
         "bytes queued, but the source was still being read; expected "
         "uv_read_stop() on the source once the bytes in flight reached the "
         "high-water mark (%zu)",
         queue, (size_t)HIGH_WATER);
  if (queue + CHUNK < HIGH_WATER) {
    /* Either reading stopped short of the mark, or it stopped at the mark
     * and stayed stopped once the kernel took most of those bytes and their
     * callbacks ran. Let the consumer drain the destination to tell which:
     * with nothing in flight, a pipe that only stopped early reads again. */
    w->watchdog.stalled = 0;
    w->watchdog.still = 0;
    consumer_set_pace(&w->consumer, CONSUMER_FAST);
    drive(w, reading_or_done);
    expect_reading_restarted(w);
    expect(0, SEE_BACKPRESSURE,
           "reading stopped with only about %zu bytes in flight (everything "
           "had stopped moving, so every write callback had run); expected "
           "it to go on until the bytes in flight reach the high-water mark "
           "(%zu): stopping much earlier makes the pipe slow for nothing",
           queue, (size_t)HIGH_WATER);
  }

  /* 2. The consumer reads a little per iteration: reading must start again
   * only once the bytes in flight are down to the low-water mark. */
  w->watchdog.stalled = 0;
  w->watchdog.still = 0;
  w->was_reading = 0;
  w->track_resumes = 1;
  w->consumer.buffer_size = 16 * KiB;
  consumer_set_pace(&w->consumer, CONSUMER_SLOW);
  drive(w, received_enough);
  expect_bounds(w);
  expect_reading_restarted(w);
  expect(!w->bad_resume, SEE_BACKPRESSURE,
         "reading started again with %zu bytes still queued; expected it to "
         "wait until the bytes in flight fall to the low-water mark (%zu). "
         "Resuming at once makes the pipe stop and start at every write",
         w->bad_resume_queue, (size_t)LOW_WATER);
  expect(w->resumes >= 2, SEE_BACKPRESSURE,
         "while the consumer read %llu bytes, reading of the source started "
         "again %u times; expected it to pause and resume again and again "
         "(uv_read_start from the write callback once the bytes in flight "
         "fall to the low-water mark)",
         (unsigned long long)w->consumer.received, w->resumes);

  /* 3. The consumer reads everything: the copy must complete intact. */
  w->track_resumes = 0;
  consumer_set_pace(&w->consumer, CONSUMER_FAST);
  drive(w, finished);
  expect_bytes_intact(w, total);
  expect_consumer_saw_end(w);
  expect_done_once(w, 0, SEE_END);
  settle(w);
}

static void
test_pipe_bounds_its_buffers_while_the_kernel_takes_every_write_at_once(
    void **state) {
  world_t *w = *state;
  /* Small chunks and marks against a consumer that reads everything: the
   * destination's socket takes every write at once, so libuv's write queue
   * stays (nearly) empty, while each wake-up of the source delivers up to
   * 32 chunks (libuv reads that many times per wake-up), far more than the
   * high-water mark. Each of those buffers stays the pipe's until its write
   * callback runs, on the next loop iteration. */
  const stream_pipe_options_t options = {4 * KiB, 16 * KiB, 4 * KiB};
  /* What is in flight, one chunk past the mark and the one being read
   * into, two more chunks for reads that came short, and the write
   * requests and the pipe's own state. */
  const size_t bound =
      options.high_water_mark + 4 * options.chunk_size + 8 * KiB;
  uint64_t total = 4 * MiB;

  start_pipe_with(w, total, CONSUMER_FAST, &options);
  drive(w, finished);
  expect_bytes_intact(w, total);
  expect(w->max_memory <= bound, SEE_IN_FLIGHT,
         "the pipe held up to %zu bytes from pipe_mem_alloc() at once, while "
         "the destination's write queue (uv_stream_get_write_queue_size) "
         "never held more than %zu: the kernel took every write at once. "
         "Expected at most %zu bytes: the high-water mark (%zu), a few "
         "chunks of %zu and the requests. A buffer handed to uv_write() is "
         "the pipe's until its write callback runs, empty write queue or "
         "not: count the bytes in flight up to that callback, and stop "
         "reading once they reach the high-water mark",
         w->max_memory, w->max_queue, bound, options.high_water_mark,
         options.chunk_size);
  expect_consumer_saw_end(w);
  expect_done_once(w, 0, SEE_END);
  settle(w);
}

static void
test_pipe_shuts_the_destination_down_only_after_the_last_write(void **state) {
  world_t *w = *state;
  uint64_t total = 4 * MiB;

  w->consumer.buffer_size = 16 * KiB;
  start_pipe(w, total, CONSUMER_SLOW);
  drive(w, finished);
  expect_bytes_intact(w, total);
  expect_consumer_saw_end(w);
  expect(!w->early_shutdown, SEE_END,
         "the destination was shut down while %zu bytes were still queued; "
         "expected uv_shutdown() only once the last write callback has run "
         "(the bytes in flight are 0), as Node's Writable ends a socket",
         w->early_shutdown_queue);
  expect_done_once(w, 0, SEE_END);
  expect_both_closed_at_done(w);
  settle(w);
}

int main(int argc, char **argv) {
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_pipe_short_copy_arrives_byte_for_byte_over_a_socketpair, setup_socketpairs, teardown_world),
      cmocka_unit_test_setup_teardown(test_pipe_short_copy_arrives_byte_for_byte_over_a_pipe, setup_pipes, teardown_world),
      cmocka_unit_test_setup_teardown(test_pipe_short_empty_source_ends_the_destination_at_once, setup_socketpairs, teardown_world),
      cmocka_unit_test_setup_teardown(test_pipe_short_source_error_is_reported_once_and_closes_both, setup_socketpairs, teardown_world),
      cmocka_unit_test_setup_teardown(test_pipe_short_consumer_closing_mid_stream_stops_the_source, setup_socketpairs, teardown_world),
      cmocka_unit_test_setup_teardown(test_pipe_bounds_the_write_queue_from_a_fast_producer_to_a_slow_consumer, setup_socketpairs, teardown_world),
      cmocka_unit_test_setup_teardown(test_pipe_pauses_reading_above_the_high_water_mark_and_resumes_below_the_low, setup_socketpairs, teardown_world),
      cmocka_unit_test_setup_teardown(test_pipe_bounds_its_buffers_while_the_kernel_takes_every_write_at_once, setup_socketpairs, teardown_world),
      cmocka_unit_test_setup_teardown(test_pipe_shuts_the_destination_down_only_after_the_last_write, setup_socketpairs, teardown_world),
  };
  /* clang-format on */

  int failed;

  /* Writing to a stream whose reader has gone raises SIGPIPE, which kills
   * the process; Node ignores it, and so do we: the write then fails with
   * EPIPE, which the pipe must handle. */
  signal(SIGPIPE, SIG_IGN);
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed =
      cmocka_run_group_tests_name("03-backpressure-leak", tests, NULL, NULL);
  uv_library_shutdown();
  return failed;
}

/* The benchmark of kata 03, run by the timing gate.
 *
 * Usage:
 *   bench memory MIB
 *     Pipes MIB MiB from a fast producer into a slow consumer, all on one
 *     libuv loop, and checks every byte. The grader reads the process's
 *     peak resident memory at two sizes: with backpressure it does not
 *     depend on the size of the stream.
 *   bench throughput MIB ROUNDS
 *     Copies MIB MiB from a producer thread to a consumer thread through
 *     a middle that is either a plain blocking read/write loop (the
 *     baseline) or your pipe on a libuv loop, over the same kind of
 *     socketpairs, ROUNDS times each, interleaved. Reports the best time of
 *     each as "copy_loop_ms" and "pipe_ms".
 *
 * Figures go, one "NAME VALUE" per line, to the file named by the
 * environment variable SENIOR_CHECK_FIGURES, or to stdout without it.
 * Exit status: 0 when every copy arrived intact, 1 when one did not (with
 * the reason on stderr), 2 on bad usage.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "harness.h"
#include "stream_pipe.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

/* The pipe's options in both modes. */
static const stream_pipe_options_t options = {64 * KiB, 512 * KiB, 128 * KiB};

typedef struct {
  unsigned calls;
  int status;
} done_record_t;

static void on_done(void *data, int status) {
  done_record_t *record = data;

  if (record->calls++ == 0)
    record->status = status;
}

static void close_if_open(uv_handle_t *handle, void *arg) {
  (void)arg;
  if (!uv_is_closing(handle))
    uv_close(handle, NULL);
}

/* Closes whatever the pipe left open and closes the loop. */
static int close_loop(uv_loop_t *loop) {
  uv_walk(loop, close_if_open, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop);
}

/* ------------------------------------------------------------------------
 * memory: one loop, a fast producer, a slow consumer
 * ------------------------------------------------------------------------ */

typedef struct {
  producer_t producer;
  consumer_t consumer;
  done_record_t done;
} memory_run_t;

static uint64_t memory_signature(void *arg) {
  memory_run_t *run = arg;
  uint64_t s = 0;

  s = signature_mix(s, run->producer.sent);
  s = signature_mix(s, run->consumer.received);
  s = signature_mix(s, run->done.calls);
  return signature_mix(s, (uint64_t)run->consumer.eof);
}

static int open_pair(uv_loop_t *loop, uv_pipe_t *a, uv_pipe_t *b) {
  uv_os_sock_t fds[2];
  int err = uv_socketpair(SOCK_STREAM, 0, fds, 0, 0);

  if (err < 0)
    return err;
  uv_pipe_init(loop, a, 0);
  uv_pipe_init(loop, b, 0);
  if ((err = uv_pipe_open(a, fds[0])) < 0 ||
      (err = uv_pipe_open(b, fds[1])) < 0)
    return err;
  return 0;
}

static int run_memory(uint64_t total) {
  uv_loop_t loop;
  uv_pipe_t producer_end, source, destination, consumer_end;
  memory_run_t run;
  watchdog_t watchdog;
  int err;

  memset(&run, 0, sizeof(run));
  if (uv_loop_init(&loop) != 0 ||
      open_pair(&loop, &producer_end, &source) != 0 ||
      open_pair(&loop, &destination, &consumer_end) != 0 ||
      producer_init(&run.producer, (uv_stream_t *)&producer_end, total) != 0 ||
      consumer_init(&run.consumer, &loop, (uv_stream_t *)&consumer_end,
                    32 * KiB) != 0 ||
      watchdog_start(&watchdog, &loop, memory_signature, &run) != 0) {
    fprintf(stderr, "error: cannot set up the streams\n");
    return 1;
  }
  err = stream_pipe((uv_stream_t *)&source, (uv_stream_t *)&destination,
                    &options, on_done, &run.done);
  if (err < 0) {
    fprintf(stderr, "error: stream_pipe() returned %s\n", uv_err_name(err));
    return 1;
  }
  consumer_set_pace(&run.consumer, CONSUMER_SLOW);
  producer_start(&run.producer);
  while (!(run.done.calls > 0 && run.consumer.eof) && !watchdog.stalled)
    uv_run(&loop, UV_RUN_ONCE);
  consumer_close(&run.consumer);
  watchdog_close(&watchdog);
  if (close_loop(&loop) != 0) {
    fprintf(stderr, "error: the loop did not close: a handle or request was "
                    "left behind\n");
    return 1;
  }
  producer_free(&run.producer);
  consumer_free(&run.consumer);
  if (run.done.calls != 1 || run.done.status != 0 || !run.consumer.eof ||
      run.consumer.received != total ||
      run.consumer.first_wrong != UINT64_MAX) {
    fprintf(stderr,
            "error: the copy failed: done ran %u times (status %d), the "
            "consumer got %llu of %llu bytes%s%s\n",
            run.done.calls, run.done.status,
            (unsigned long long)run.consumer.received,
            (unsigned long long)total,
            run.consumer.first_wrong != UINT64_MAX ? ", some wrong" : "",
            run.consumer.eof ? "" : ", and no end of stream");
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------------
 * throughput: producer and consumer threads, and a middle to compare
 * ------------------------------------------------------------------------ */

/* The producer sends a fixed pattern cyclically, so that neither end
 * spends its time computing bytes: the period is not a multiple of any
 * buffer size, so a lost, repeated or moved chunk still shows. */
#define PERIOD ((size_t)(1 * MiB + 4099))
#define IO_SIZE (64 * KiB)

static char *period_bytes; /* PERIOD + IO_SIZE bytes: no wrap inside a read */

typedef struct {
  int fd;
  uint64_t total;
  uint64_t done_bytes;
  int ok;
} end_job_t;

static void *produce(void *arg) {
  end_job_t *job = arg;

  job->ok = 1;
  while (job->done_bytes < job->total) {
    size_t at = (size_t)(job->done_bytes % PERIOD);
    uint64_t left = job->total - job->done_bytes;
    size_t len = left < IO_SIZE ? (size_t)left : IO_SIZE;
    ssize_t n = write(job->fd, period_bytes + at, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      job->ok = 0;
      break;
    }
    job->done_bytes += (uint64_t)n;
  }
  close(job->fd);
  return NULL;
}

static void *consume(void *arg) {
  end_job_t *job = arg;
  char *buffer = malloc(IO_SIZE);

  job->ok = buffer != NULL;
  while (job->ok) {
    ssize_t n = read(job->fd, buffer, IO_SIZE);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      job->ok = 0;
    if (n <= 0)
      break;
    if (memcmp(buffer, period_bytes + job->done_bytes % PERIOD, (size_t)n) != 0)
      job->ok = 0;
    job->done_bytes += (uint64_t)n;
  }
  job->ok = job->ok && job->done_bytes == job->total;
  free(buffer);
  close(job->fd);
  return NULL;
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* The baseline: what a C programmer writes first with blocking I/O. */
static int copy_loop(int in, int out) {
  static char buffer[IO_SIZE];
  int ok = 1;

  for (;;) {
    ssize_t n = read(in, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      ok = 0;
    if (n <= 0 || write_all(out, buffer, (size_t)n) != 0)
      break;
  }
  shutdown(out, SHUT_WR);
  close(in);
  close(out);
  return ok ? 0 : -1;
}

/* The learner's pipe between the same two descriptors. */
static int pipe_between(int in, int out) {
  uv_loop_t loop;
  uv_pipe_t source, destination;
  done_record_t done = {0, 0};
  int err;

  if (uv_loop_init(&loop) != 0)
    return -1;
  uv_pipe_init(&loop, &source, 0);
  uv_pipe_init(&loop, &destination, 0);
  if (uv_pipe_open(&source, in) != 0 || uv_pipe_open(&destination, out) != 0)
    return -1;
  err = stream_pipe((uv_stream_t *)&source, (uv_stream_t *)&destination,
                    &options, on_done, &done);
  if (err == 0)
    uv_run(&loop, UV_RUN_DEFAULT);
  if (close_loop(&loop) != 0)
    return -1;
  return err == 0 && done.calls == 1 && done.status == 0 ? 0 : -1;
}

/* One copy of `total` bytes through `middle`; returns its time in ms, or a
 * negative number when the copy failed. */
static double timed_copy(int (*middle)(int in, int out), uint64_t total) {
  int a[2], b[2];
  end_job_t producer = {0}, consumer = {0};
  pthread_t producer_thread, consumer_thread;
  uint64_t start;
  double ms;
  int ok;

  if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) != 0)
    return -1;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, b) != 0)
    return -1;
  producer = (end_job_t){a[0], total, 0, 0};
  consumer = (end_job_t){b[1], total, 0, 0};
  start = uv_hrtime();
  if (pthread_create(&producer_thread, NULL, produce, &producer) != 0)
    return -1;
  if (pthread_create(&consumer_thread, NULL, consume, &consumer) != 0)
    return -1;
  ok = middle(a[1], b[0]) == 0;
  pthread_join(producer_thread, NULL);
  pthread_join(consumer_thread, NULL);
  ms = (double)(uv_hrtime() - start) / 1e6;
  return ok && producer.ok && consumer.ok ? ms : -1;
}

static int run_throughput(uint64_t total, unsigned rounds) {
  double best_copy = -1, best_pipe = -1;
  FILE *out = stdout;
  const char *figures = getenv("SENIOR_CHECK_FIGURES");

  period_bytes = malloc(PERIOD + IO_SIZE);
  if (period_bytes == NULL)
    return 1;
  pattern_fill(0, period_bytes, PERIOD);
  memcpy(period_bytes + PERIOD, period_bytes, IO_SIZE);
  for (unsigned round = 0; round < rounds; round++) {
    /* Alternate which goes first, so that neither always meets a warmer
     * or a busier machine. */
    for (unsigned k = 0; k < 2; k++) {
      int pipe_turn = (k + round) % 2 == 1;
      double ms = timed_copy(pipe_turn ? pipe_between : copy_loop, total);
      double *best = pipe_turn ? &best_pipe : &best_copy;
      if (ms < 0) {
        fprintf(stderr, "error: the copy through %s did not arrive intact\n",
                pipe_turn ? "stream_pipe()" : "the copy loop");
        free(period_bytes);
        return 1;
      }
      if (*best < 0 || ms < *best)
        *best = ms;
    }
  }
  free(period_bytes);
  if (figures != NULL && (out = fopen(figures, "w")) == NULL) {
    fprintf(stderr, "error: cannot open '%s': %s\n", figures, strerror(errno));
    return 1;
  }
  fprintf(out, "copy_loop_ms %.3f\npipe_ms %.3f\n", best_copy, best_pipe);
  if (out != stdout && fclose(out) != 0)
    return 1;
  return 0;
}

/* Parses a positive count, or returns 0. */
static unsigned long parse_count(const char *text) {
  char *end;
  unsigned long n = strtoul(text, &end, 10);

  return *text != '\0' && *end == '\0' ? n : 0;
}

int main(int argc, char **argv) {
  int status;

  /* A reader that goes away must give EPIPE, not kill the benchmark. */
  signal(SIGPIPE, SIG_IGN);
  if (argc == 3 && strcmp(argv[1], "memory") == 0 && parse_count(argv[2]) > 0) {
    status = run_memory((uint64_t)parse_count(argv[2]) * MiB);
  } else if (argc == 4 && strcmp(argv[1], "throughput") == 0 &&
             parse_count(argv[2]) > 0 && parse_count(argv[3]) > 0) {
    status = run_throughput((uint64_t)parse_count(argv[2]) * MiB,
                            (unsigned)parse_count(argv[3]));
  } else {
    fprintf(stderr, "usage: bench memory MIB\n"
                    "       bench throughput MIB ROUNDS\n");
    return 2;
  }
  uv_library_shutdown();
  return status;
}

/* The benchmark of kata 08: tiny tasks on the loop against the pool.
 *
 * Usage: bench [ROUNDS]     (default 7)
 *
 * Two batches are checked, interleaved, ROUNDS times, and the best time of
 * each way counts:
 *
 *   tiny_serial_ms   TINY_TASKS records of TINY_ROUNDS rounds (about
 *                    100 ns each) checked by records_check_range() on this
 *                    thread: the batch with no pool at all
 *   tiny_batch_ms    the same batch through batch_start() on a fresh loop,
 *                    until it reports: your batch.c
 *   tiny_requests    the uv_queue_work() calls that batch made (a count:
 *                    the same in every round)
 *   large_serial_ms  LARGE_TASKS records of LARGE_ROUNDS rounds (a few
 *                    microseconds each) checked on this thread
 *   large_batch_ms   the same batch through batch_start()
 *   large_gap_ms     the longest gap between the beats of a 1 ms timer on
 *                    that loop while your large batch ran
 *   threads          the pool's size
 *
 * The thresholds: the tiny batch must not take longer through your
 * batch.c than checking it serially does (a request per task makes it
 * several times slower); its requests, counted, a few per pool thread;
 * and the large batch must leave the loop its heartbeat. Durations are
 * compared with durations measured side by side in the same run, never
 * with a fixed number of milliseconds.
 *
 * Each figure is written as "NAME VALUE" to the file named by the
 * environment variable SENIOR_CHECK_FIGURES, or to standard output
 * without it. The checksums are checked against the serial ones: a wrong
 * answer reports no figures at all.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>
#include <uv.h>

#include "batch.h"
#include "records.h"

#define TINY_SEED UINT64_C(0x7e1b)
#define TINY_TASKS 262144u
#define TINY_ROUNDS 32u
#define LARGE_SEED UINT64_C(0x1a7e)
#define LARGE_TASKS 16384u
#define LARGE_ROUNDS 1024u
#define DEFAULT_ROUNDS 7u
#define NS_PER_MS 1e6

/* ------------------------------------------------------------------------
 * Counting uv_queue_work()
 * ------------------------------------------------------------------------ */

/* The benchmark defines uv_queue_work() itself, so that the learner's
 * calls reach this one, are counted, and go on to libuv's. */
typedef int (*uv_queue_work_fn)(uv_loop_t *, uv_work_t *, uv_work_cb,
                                uv_after_work_cb);

static uv_queue_work_fn libuv_queue_work;
static atomic_uint requests_queued;

int uv_queue_work(uv_loop_t *loop, uv_work_t *req, uv_work_cb work_cb,
                  uv_after_work_cb after_work_cb) {
  atomic_fetch_add(&requests_queued, 1);
  return libuv_queue_work(loop, req, work_cb, after_work_cb);
}

/* ------------------------------------------------------------------------
 * The learner's batch, on a loop with a heartbeat
 * ------------------------------------------------------------------------ */

/* Prints "error: WHAT" on standard error and returns -1. */
static int complain(const char *what) {
  fprintf(stderr, "error: %s\n", what);
  return -1;
}

typedef struct run {
  uv_timer_t heartbeat; /* 1 ms beats; closed when the batch reports, or by
                           time_batch() if it never does */
  uint64_t last_beat_ns;
  uint64_t max_gap_ns;
  uint64_t done_ns;
  int reports;
} run_t;

static void beat(uv_timer_t *timer) {
  run_t *run = timer->data;
  uint64_t now = uv_hrtime();

  if (now - run->last_beat_ns > run->max_gap_ns)
    run->max_gap_ns = now - run->last_beat_ns;
  run->last_beat_ns = now;
}

static void batch_done(void *arg) {
  run_t *run = arg;

  if (run->reports++ > 0)
    return; /* a second report: time_batch() refuses the run */
  run->done_ns = uv_hrtime();
  beat(&run->heartbeat);
  uv_close((uv_handle_t *)&run->heartbeat, NULL);
}

/* What one run of the learner's batch gave. */
typedef struct batch_timing {
  double ms;     /* from batch_start() to the report */
  double gap_ms; /* the longest heartbeat gap */
  unsigned requests;
} batch_timing_t;

/* Runs the learner's batch on `spec` once, into `checks`, and compares
 * them with `expected`. Returns 0 and its timing, or -1 with a message on
 * standard error. */
static int time_batch(const batch_spec_t *spec, uint64_t *checks,
                      const uint64_t *expected, batch_timing_t *timing) {
  run_t run = {0};
  uv_loop_t loop;
  uint64_t start;
  int err;

  memset(checks, 0, spec->tasks * sizeof(*checks));
  if (uv_loop_init(&loop) != 0)
    return complain("cannot set up a loop");
  (void)uv_timer_init(&loop, &run.heartbeat);
  run.heartbeat.data = &run;
  (void)uv_timer_start(&run.heartbeat, beat, 1, 1);
  /* Only the batch keeps the loop alive: one that never reports ends the
   * run instead of hanging it. */
  uv_unref((uv_handle_t *)&run.heartbeat);
  atomic_store(&requests_queued, 0);
  start = run.last_beat_ns = uv_hrtime();
  err = batch_start(&loop, spec, checks, batch_done, &run);
  if (err != 0)
    fprintf(stderr, "error: batch_start() failed: %s\n", uv_strerror(err));
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  timing->ms = (double)(run.done_ns - start) / NS_PER_MS;
  timing->gap_ms = (double)run.max_gap_ns / NS_PER_MS;
  timing->requests = atomic_load(&requests_queued);
  if (!uv_is_closing((uv_handle_t *)&run.heartbeat)) {
    uv_close((uv_handle_t *)&run.heartbeat, NULL);
    (void)uv_run(&loop, UV_RUN_DEFAULT);
  }
  if (uv_loop_close(&loop) != 0)
    return complain("the batch left a handle or a request on the loop");
  if (err != 0)
    return -1;
  if (run.reports != 1)
    return complain("the batch did not report exactly once");
  if (memcmp(checks, expected, spec->tasks * sizeof(*checks)) != 0)
    return complain("the batch's checksums differ from the serial ones");
  return 0;
}

/* ------------------------------------------------------------------------
 * Interleaving, best of ROUNDS
 * ------------------------------------------------------------------------ */

enum {
  TINY_SERIAL,
  TINY_BATCH,
  TINY_REQUESTS,
  LARGE_SERIAL,
  LARGE_BATCH,
  LARGE_GAP,
  FIGURES
};

static const char *const figure_names[FIGURES] = {
    "tiny_serial_ms",  "tiny_batch_ms",  "tiny_requests",
    "large_serial_ms", "large_batch_ms", "large_gap_ms"};

/* One batch: what it is, its serial answer, and room for the learner's. */
typedef struct way {
  batch_spec_t spec;
  uint64_t *expected;
  uint64_t *checks;
} way_t;

static int way_init(way_t *way, uint64_t seed, size_t tasks, uint32_t rounds) {
  way->spec = (batch_spec_t){seed, tasks, rounds};
  way->expected = calloc(tasks, sizeof(uint64_t));
  way->checks = calloc(tasks, sizeof(uint64_t));
  if (way->expected == NULL || way->checks == NULL)
    return complain("out of memory");
  records_check_range(seed, 0, tasks, rounds, way->expected);
  return 0;
}

/* The best is the lowest, but for the requests: the most counts. */
static void keep_best(double best[FIGURES], int figure, double value) {
  if (figure == TINY_REQUESTS ? value > best[figure] : value < best[figure])
    best[figure] = value;
}

/* One measurement: the serial check of `way` into figure `serial`, or the
 * learner's batch into `batch` (and the gap, and the requests). */
static int measure(double best[FIGURES], way_t *way, int figure) {
  batch_timing_t timing;
  uint64_t start;

  if (figure == TINY_SERIAL || figure == LARGE_SERIAL) {
    start = uv_hrtime();
    records_check_range(way->spec.seed, 0, way->spec.tasks, way->spec.rounds,
                        way->checks);
    keep_best(best, figure, (double)(uv_hrtime() - start) / NS_PER_MS);
    return 0;
  }
  if (time_batch(&way->spec, way->checks, way->expected, &timing) != 0)
    return -1;
  keep_best(best, figure, timing.ms);
  if (figure == TINY_BATCH)
    keep_best(best, TINY_REQUESTS, timing.requests);
  else
    keep_best(best, LARGE_GAP, timing.gap_ms);
  return 0;
}

static int write_figures(unsigned pool, const double best[FIGURES]) {
  const char *path = getenv("SENIOR_CHECK_FIGURES");
  FILE *out = path != NULL ? fopen(path, "w") : stdout;

  if (out == NULL)
    return complain("cannot write the figures");
  for (int f = 0; f < FIGURES; f++)
    fprintf(out, "%s %.3f\n", figure_names[f], best[f]);
  fprintf(out, "threads %u\n", pool);
  if (out != stdout && fclose(out) != 0)
    return complain("cannot write the figures");
  return 0;
}

int main(int argc, char **argv) {
  /* Each batch beside its serial check, so that each pair sees the same
   * load. */
  const int order[] = {TINY_SERIAL, TINY_BATCH, LARGE_SERIAL, LARGE_BATCH};
  const int ways = (int)(sizeof(order) / sizeof(order[0]));
  unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : DEFAULT_ROUNDS;
  unsigned pool = records_pool_threads();
  double best[FIGURES];
  way_t tiny, large;
  int status = 0;

  if (rounds == 0 || rounds > 100) {
    fprintf(stderr, "usage: bench [ROUNDS] (1 to 100)\n");
    return 2;
  }
  libuv_queue_work = (uv_queue_work_fn)dlsym(RTLD_NEXT, "uv_queue_work");
  if (libuv_queue_work == NULL)
    return complain("cannot find libuv's uv_queue_work") != 0;
  for (int f = 0; f < FIGURES; f++)
    best[f] = f == TINY_REQUESTS ? 0 : 1e300;
  if (way_init(&tiny, TINY_SEED, TINY_TASKS, TINY_ROUNDS) != 0 ||
      way_init(&large, LARGE_SEED, LARGE_TASKS, LARGE_ROUNDS) != 0)
    return 1;
  /* A large batch first, so that starting the pool's threads is not
   * timed. */
  if (measure(best, &large, LARGE_BATCH) != 0)
    return 1;
  best[LARGE_BATCH] = best[LARGE_GAP] = 1e300;
  /* Interleaved, and in the opposite order every other round, so that a
   * burst of load or a change of clock speed hits every way alike. */
  for (unsigned r = 0; status == 0 && r < rounds; r++)
    for (int w = 0; status == 0 && w < ways; w++) {
      int figure = order[r % 2 == 0 ? w : ways - 1 - w];
      way_t *way =
          figure == TINY_SERIAL || figure == TINY_BATCH ? &tiny : &large;
      if (measure(best, way, figure) != 0)
        status = 1;
    }
  if (status != 0)
    return 1;
  printf("pool of %u threads, best of %u:\n", pool, rounds);
  printf("  %u tiny tasks of %u rounds: %.2f ms serially, %.2f ms through "
         "batch.c (%.2f times), in %.0f requests\n",
         TINY_TASKS, TINY_ROUNDS, best[TINY_SERIAL], best[TINY_BATCH],
         best[TINY_BATCH] / best[TINY_SERIAL], best[TINY_REQUESTS]);
  printf("  %u tasks of %u rounds: %.1f ms serially, %.1f ms through batch.c "
         "(speedup %.2f), longest loop gap %.1f ms\n",
         LARGE_TASKS, LARGE_ROUNDS, best[LARGE_SERIAL], best[LARGE_BATCH],
         best[LARGE_SERIAL] / best[LARGE_BATCH], best[LARGE_GAP]);
  free(tiny.expected);
  free(tiny.checks);
  free(large.expected);
  free(large.checks);
  return write_figures(pool, best) == 0 ? 0 : 1;
}

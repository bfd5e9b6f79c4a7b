/* The benchmark of kata 07: the loop thread against the thread pool.
 *
 * Usage: bench [ROUNDS]     (default 7)
 *
 * One batch (BATCH_ITEMS items of BATCH_ROUNDS rounds) is digested four
 * ways, interleaved, ROUNDS times, and the best time of each way counts:
 *
 *   serial_ms               workload_digest_range() on this thread: the
 *                           job as the starter runs it, minus the loop
 *   parallel_ms             job_start() on a fresh loop, until it reports:
 *                           your job.c
 *   loop_gap_ms             the longest gap between the beats of a 1 ms
 *                           timer on that loop while your job ran
 *   calibration_serial_ms   the calibration kernel on one thread
 *   calibration_parallel_ms the same kernel on P threads of its own, P
 *                           being the pool's size
 *   serial_cpu_ms           the CPU time of serial_ms
 *   loop_cpu_ms             the CPU time the loop's thread spent from
 *                           job_start() to the report
 *   digesting_threads       how many threads were inside workload_item()
 *                           at once, on average, while your job ran (the
 *                           best round: the highest)
 *   threads                 P, the pool's size
 *
 * The calibration kernel is embarrassingly parallel: the same items,
 * summed, each thread taking the next block of 64 items from a shared
 * counter until none are left; nothing to combine but a sum, no queue, no
 * loop. Its speedup, serial over parallel, is what this machine offers P
 * threads at this moment, busy cores and all: the figure to explain your
 * own speedup against in BENCHMARK.md.
 *
 * The thresholds use the figures that a busy machine does not change:
 * CPU time, not wall time, for the loop's share of the work, and for
 * parallelism how many threads were digesting at once (a thread that waits
 * for a core in the middle of an item still counts), not how much faster
 * the job went. A serial job gets the same verdict on an idle machine and
 * on a busy one, and so does a parallel one.
 *
 * Each figure is written as "poolP_NAME VALUE" (P from UV_THREADPOOL_SIZE,
 * which the grader sets per figure) to the file named by the environment
 * variable SENIOR_CHECK_FIGURES, or to standard output without it. The
 * job's digest is checked against the serial one: a wrong answer reports
 * no figures at all.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <uv.h>

#include "job.h"
#include "workload.h"
#include "workload_probe.h"

#define BATCH_SEED UINT64_C(0xbe7c07)
#define BATCH_ITEMS 24576u
#define BATCH_ROUNDS 2000u
#define DEFAULT_ROUNDS 7u
#define NS_PER_MS 1e6

/* ------------------------------------------------------------------------
 * The learner's job, on a loop with a heartbeat
 * ------------------------------------------------------------------------ */

/* Prints "error: WHAT" on standard error and returns -1. */
static int complain(const char *what) {
  fprintf(stderr, "error: %s\n", what);
  return -1;
}

/* The calling thread's CPU time so far, in ns: what it computed, whatever
 * else the machine ran meanwhile. */
static uint64_t thread_cpu_ns(void) {
  struct timespec now;

  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0)
    return 0;
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* The probe (workload_probe.h): adds up the time each thread spends inside
 * workload_item(), from its first round to its last. Divided by the job's
 * duration, that is how many threads were digesting at once on average. A
 * thread that loses its core in the middle of an item is still inside
 * it, so a busy machine does not change the figure; a job that digests on
 * one thread at a time gets 1 on any machine. */
static atomic_uint_fast64_t inside_items_ns;
static _Thread_local uint64_t item_began_ns;

static void count_item(void *arg, uint64_t seed, uint64_t index,
                       workload_item_event_t event) {
  (void)arg;
  (void)seed;
  (void)index;
  if (event == WORKLOAD_ITEM_BEGINS)
    item_began_ns = uv_hrtime();
  else
    atomic_fetch_add_explicit(&inside_items_ns, uv_hrtime() - item_began_ns,
                              memory_order_relaxed);
}

static const workload_probe_t item_counter = {count_item, NULL};

typedef struct run {
  uv_timer_t heartbeat; /* 1 ms beats; closed when the job reports, or by
                           time_job() if it never does */
  uint64_t last_beat_ns;
  uint64_t max_gap_ns;
  int reports;
  int status;
  job_result_t result;
  uint64_t done_cpu_ns; /* the loop thread's CPU time at the report */
} run_t;

static void beat(uv_timer_t *timer) {
  run_t *run = timer->data;
  uint64_t now = uv_hrtime();

  if (now - run->last_beat_ns > run->max_gap_ns)
    run->max_gap_ns = now - run->last_beat_ns;
  run->last_beat_ns = now;
}

static void job_done(int status, job_result_t result, void *arg) {
  run_t *run = arg;

  if (run->reports++ > 0)
    return; /* a second report: time_job() refuses the run */
  run->status = status;
  run->result = result;
  run->done_cpu_ns = thread_cpu_ns();
  beat(&run->heartbeat);
  uv_close((uv_handle_t *)&run->heartbeat, NULL);
}

/* What one run of the learner's job gave. */
typedef struct job_timing {
  double ms;                /* from job_start() to the report */
  double gap_ms;            /* the longest heartbeat gap */
  double loop_cpu_ms;       /* the loop thread's CPU time meanwhile */
  double digesting_threads; /* threads inside items, on average */
} job_timing_t;

/* Runs the learner's job on `spec` once. Returns 0 and its timing, or -1
 * with a message on standard error. */
static int time_job(const job_spec_t *spec, uint64_t expected,
                    job_timing_t *timing) {
  run_t run = {0};
  uv_loop_t loop;
  uint64_t start, start_cpu;
  int err;

  if (uv_loop_init(&loop) != 0)
    return complain("cannot set up a loop");
  (void)uv_timer_init(&loop, &run.heartbeat);
  run.heartbeat.data = &run;
  (void)uv_timer_start(&run.heartbeat, beat, 1, 1);
  /* Only the job keeps the loop alive: one that never reports ends the
   * run instead of hanging it. */
  uv_unref((uv_handle_t *)&run.heartbeat);
  atomic_store(&inside_items_ns, 0);
  workload_probe_set(&item_counter);
  start_cpu = thread_cpu_ns();
  start = run.last_beat_ns = uv_hrtime();
  err = job_start(&loop, spec, job_done, &run, NULL);
  if (err != 0)
    fprintf(stderr, "error: job_start() failed: %s\n", uv_strerror(err));
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  timing->ms = (double)(uv_hrtime() - start) / NS_PER_MS;
  workload_probe_set(NULL);
  timing->gap_ms = (double)run.max_gap_ns / NS_PER_MS;
  timing->loop_cpu_ms =
      run.reports > 0 ? (double)(run.done_cpu_ns - start_cpu) / NS_PER_MS : 0;
  timing->digesting_threads =
      timing->ms > 0
          ? (double)atomic_load(&inside_items_ns) / NS_PER_MS / timing->ms
          : 0;
  if (!uv_is_closing((uv_handle_t *)&run.heartbeat)) {
    uv_close((uv_handle_t *)&run.heartbeat, NULL);
    (void)uv_run(&loop, UV_RUN_DEFAULT);
  }
  if (uv_loop_close(&loop) != 0)
    return complain("the job left a handle or a request on the loop");
  if (err != 0)
    return -1;
  if (run.reports != 1 || run.status != 0 || run.result.digest != expected) {
    fprintf(stderr,
            "error: the job reported %d times, status %d, digest 0x%016llx; "
            "expected once, status 0, digest 0x%016llx\n",
            run.reports, run.status, (unsigned long long)run.result.digest,
            (unsigned long long)expected);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------------
 * The calibration kernel
 * ------------------------------------------------------------------------ */

/* Items a calibration thread takes at a time: about half a millisecond of
 * work, small enough that threads finish together however unevenly the
 * machine runs them, large enough that taking one costs nothing. */
#define KERNEL_BLOCK 64u

typedef struct kernel_run {
  atomic_uint_fast64_t next; /* the first item no thread has taken yet */
} kernel_run_t;

typedef struct part {
  uv_thread_t thread;
  kernel_run_t *run;
  uint64_t sum; /* written by its thread, read after the join */
} part_t;

/* One calibration thread: takes blocks of items until none are left. The
 * sum is an answer to check, and it keeps the compiler from dropping the
 * work. */
static void kernel(void *arg) {
  part_t *part = arg;
  uint64_t sum = 0;

  for (;;) {
    uint64_t begin = atomic_fetch_add(&part->run->next, KERNEL_BLOCK);
    uint64_t end =
        begin + KERNEL_BLOCK < BATCH_ITEMS ? begin + KERNEL_BLOCK : BATCH_ITEMS;
    if (begin >= BATCH_ITEMS)
      break;
    for (uint64_t i = begin; i < end; i++)
      sum += workload_item(BATCH_SEED, i, BATCH_ROUNDS);
  }
  part->sum = sum;
}

/* The kernel over all items on `threads` threads of its own (the calling
 * thread alone for 1). Returns the wall time in ms, or a negative number
 * if a thread could not start. */
static double time_kernel(unsigned threads, uint64_t *sum) {
  part_t *parts = calloc(threads, sizeof(*parts));
  kernel_run_t run;
  uint64_t start;
  unsigned started = 0;
  double ms;

  if (parts == NULL)
    return -1;
  atomic_init(&run.next, 0);
  for (unsigned t = 0; t < threads; t++)
    parts[t].run = &run;
  start = uv_hrtime();
  if (threads == 1) {
    kernel(&parts[0]);
    started = 1;
  } else {
    while (started < threads && uv_thread_create(&parts[started].thread, kernel,
                                                 &parts[started]) == 0)
      started++;
    for (unsigned t = 0; t < started; t++)
      (void)uv_thread_join(&parts[t].thread);
  }
  ms = (double)(uv_hrtime() - start) / NS_PER_MS;
  *sum = 0;
  for (unsigned t = 0; t < threads; t++)
    *sum += parts[t].sum;
  free(parts);
  return started == threads ? ms : -1;
}

/* ------------------------------------------------------------------------
 * Interleaving, best of ROUNDS
 * ------------------------------------------------------------------------ */

enum {
  SERIAL,
  PARALLEL,
  GAP,
  CAL_SERIAL,
  CAL_PARALLEL,
  SERIAL_CPU,
  LOOP_CPU,
  DIGESTING,
  FIGURES
};

static const char *const figure_names[FIGURES] = {"serial_ms",
                                                  "parallel_ms",
                                                  "loop_gap_ms",
                                                  "calibration_serial_ms",
                                                  "calibration_parallel_ms",
                                                  "serial_cpu_ms",
                                                  "loop_cpu_ms",
                                                  "digesting_threads"};

/* The best of each figure so far, and the answers every run must give. */
typedef struct tally {
  double best[FIGURES];
  uint64_t digest;     /* the batch's serial digest */
  uint64_t kernel_sum; /* the kernel's answer, once it has run */
  int kernel_ran;
} tally_t;

/* The best is the lowest, but for the threads digesting at once. */
static void keep_best(tally_t *tally, int figure, double value) {
  if (figure == DIGESTING ? value > tally->best[figure]
                          : value < tally->best[figure])
    tally->best[figure] = value;
}

/* One measurement of way `way` (GAP comes with PARALLEL). Returns 0, or -1
 * when the way failed or gave a different answer. */
static int measure(tally_t *tally, int way, const job_spec_t *spec,
                   unsigned pool) {
  uint64_t start, start_cpu, answer;
  job_timing_t timing;
  double ms;

  switch (way) {
  case SERIAL:
    start_cpu = thread_cpu_ns();
    start = uv_hrtime();
    answer = workload_digest_range(spec->seed, 0, spec->items, spec->rounds);
    keep_best(tally, SERIAL, (double)(uv_hrtime() - start) / NS_PER_MS);
    keep_best(tally, SERIAL_CPU,
              (double)(thread_cpu_ns() - start_cpu) / NS_PER_MS);
    return answer == tally->digest ? 0 : complain("the serial digest changed");
  case PARALLEL:
    if (time_job(spec, tally->digest, &timing) != 0)
      return -1;
    keep_best(tally, PARALLEL, timing.ms);
    keep_best(tally, GAP, timing.gap_ms);
    keep_best(tally, LOOP_CPU, timing.loop_cpu_ms);
    keep_best(tally, DIGESTING, timing.digesting_threads);
    return 0;
  case CAL_SERIAL:
  case CAL_PARALLEL:
    ms = time_kernel(way == CAL_SERIAL ? 1 : pool, &answer);
    if (ms < 0)
      return complain("cannot start the calibration's threads");
    keep_best(tally, way, ms);
    if (!tally->kernel_ran) {
      tally->kernel_sum = answer;
      tally->kernel_ran = 1;
    }
    return answer == tally->kernel_sum ? 0
                                       : complain("the kernel's sum changed");
  default:
    return -1;
  }
}

static int write_figures(unsigned pool, const double best[FIGURES]) {
  const char *path = getenv("SENIOR_CHECK_FIGURES");
  FILE *out = path != NULL ? fopen(path, "w") : stdout;

  if (out == NULL)
    return complain("cannot write the figures");
  for (int f = 0; f < FIGURES; f++)
    fprintf(out, "pool%u_%s %.3f\n", pool, figure_names[f], best[f]);
  fprintf(out, "pool%u_threads %u\n", pool, pool);
  if (out != stdout && fclose(out) != 0)
    return complain("cannot write the figures");
  return 0;
}

int main(int argc, char **argv) {
  const job_spec_t spec = {BATCH_SEED, BATCH_ITEMS, BATCH_ROUNDS};
  /* Each way next to its calibration: serial beside serial, parallel
   * beside parallel, so that each pair sees the same load. */
  const int order[] = {SERIAL, CAL_SERIAL, PARALLEL, CAL_PARALLEL};
  const int ways = (int)(sizeof(order) / sizeof(order[0]));
  unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : DEFAULT_ROUNDS;
  unsigned pool = workload_pool_threads();
  tally_t tally = {0};
  job_timing_t timing;
  int status = 0;

  if (rounds == 0 || rounds > 100) {
    fprintf(stderr, "usage: bench [ROUNDS] (1 to 100)\n");
    return 2;
  }
  for (int f = 0; f < FIGURES; f++)
    tally.best[f] = f == DIGESTING ? 0 : 1e300;
  tally.digest = workload_digest_range(spec.seed, 0, spec.items, spec.rounds);
  /* A small job first, so that starting the pool's threads is not timed. */
  {
    job_spec_t warm = {1, 64, 10};
    uint64_t warm_digest = workload_digest_range(1, 0, 64, 10);
    if (time_job(&warm, warm_digest, &timing) != 0)
      status = 1;
  }
  /* Interleaved, and in the opposite order every other round, so that a
   * burst of load or a change of clock speed hits every way alike. */
  for (unsigned r = 0; status == 0 && r < rounds; r++)
    for (int w = 0; status == 0 && w < ways; w++) {
      int way = order[r % 2 == 0 ? w : ways - 1 - w];
      if (measure(&tally, way, &spec, pool) != 0)
        status = 1;
    }
  if (status != 0)
    return 1;
  const double *best = tally.best;
  printf("pool of %u threads, %u items of %u rounds, best of %u:\n", pool,
         BATCH_ITEMS, BATCH_ROUNDS, rounds);
  printf("  loop thread (serial) %9.1f ms\n", best[SERIAL]);
  printf("  thread pool (job.c)  %9.1f ms  speedup %.2f, longest loop gap "
         "%.1f ms\n",
         best[PARALLEL], best[SERIAL] / best[PARALLEL], best[GAP]);
  printf("                       %.2f threads digesting at once (of %u); "
         "the loop's thread used %.1f ms of CPU, the serial digest %.1f ms\n",
         best[DIGESTING], pool, best[LOOP_CPU], best[SERIAL_CPU]);
  printf("  calibration          %9.1f ms on 1 thread, %.1f ms on %u: "
         "speedup %.2f\n",
         best[CAL_SERIAL], best[CAL_PARALLEL], pool,
         best[CAL_SERIAL] / best[CAL_PARALLEL]);
  return write_figures(pool, best) == 0 ? 0 : 1;
}

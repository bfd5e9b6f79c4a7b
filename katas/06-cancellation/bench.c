/* The benchmark of kata 06, "Cancellation": what an abort saves the pool.
 *
 * A backend queues a batch of jobs on libuv's thread pool under one
 * signal (a request's), and the client goes away: the signal aborts while
 * the first job runs and the rest wait in the queue. Done right, the
 * queued jobs are taken off the queue (uv_cancel()) and never run, and the
 * last report comes as soon as the running job ends. Done wrong, every job
 * runs anyway, for nobody.
 *
 * Run with UV_THREADPOOL_SIZE=1 (the manifest sets it), so that exactly
 * one job runs and every other one waits. Each round:
 *
 *   job_ms       one job alone, from abortable_work() to its report
 *   drain_ms     from the abort to the last report of the batch, the
 *                running job being let go right after the abort
 *   jobs_queued  the batch's size
 *   jobs_run     how many work functions ran (the held first one included)
 *
 * The best (smallest) time of each kind over the rounds, and the largest
 * count of jobs run, are written as "NAME VALUE" lines to the file named
 * by SENIOR_CHECK_FIGURES, or to standard output without it. A batch that
 * does not report for every job, or a job alone that does not report one
 * success, gives no figures at all.
 *
 * Usage: bench [ROUNDS]
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "abortable.h"

#define BATCH 32u
#define JOB_MS 20u
#define DEFAULT_ROUNDS 3u

typedef struct batch {
  atomic_uint runs;
  uv_sem_t first_started;
  uv_sem_t first_release;
  atomic_bool first_taken;
  unsigned reports;
  unsigned wrong_reports;
  ssize_t expected;
  uint64_t last_report_ns;
} batch_t;

/* A job's work: busy for JOB_MS of wall time. The first job of a batch
 * also says it started and waits to be let go. */
static void work(void *arg) {
  batch_t *b = arg;
  uint64_t end;

  atomic_fetch_add(&b->runs, 1);
  if (!atomic_exchange(&b->first_taken, true)) {
    uv_sem_post(&b->first_started);
    uv_sem_wait(&b->first_release);
  }
  end = uv_hrtime() + JOB_MS * UINT64_C(1000000);
  while (uv_hrtime() < end)
    ;
}

static void reported(ssize_t result, void *arg) {
  batch_t *b = arg;

  b->reports++;
  if (result != b->expected)
    b->wrong_reports++;
  b->last_report_ns = uv_hrtime();
}

static int complain(const char *what) {
  fprintf(stderr, "bench: %s\n", what);
  return 1;
}

/* One job alone, not aborted: its duration in ms, or -1. */
static double time_one_job(void) {
  batch_t b = {0};
  abort_signal_t *signal = NULL;
  uv_loop_t loop;
  uint64_t start;

  atomic_store(&b.first_taken, true); /* nobody holds this one */
  if (uv_loop_init(&loop) != 0 || abort_signal_new(&signal) != 0)
    return -1;
  start = uv_hrtime();
  if (abortable_work(&loop, work, signal, reported, &b) != 0)
    return -1;
  uv_run(&loop, UV_RUN_DEFAULT);
  abort_signal_free(signal);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0 || b.reports != 1 || b.wrong_reports != 0)
    return -1;
  return (double)(b.last_report_ns - start) / 1e6;
}

/* A batch aborted while its first job runs: the time from the abort to
 * the last report in ms, and the jobs that ran in *runs; or -1. */
static double time_aborted_batch(unsigned *runs) {
  batch_t b = {0};
  abort_signal_t *signal = NULL;
  uv_loop_t loop;
  uint64_t abort_ns;

  b.expected = UV_ECANCELED;
  if (uv_sem_init(&b.first_started, 0) != 0 ||
      uv_sem_init(&b.first_release, 0) != 0 || uv_loop_init(&loop) != 0 ||
      abort_signal_new(&signal) != 0)
    return -1;
  for (unsigned i = 0; i < BATCH; i++)
    if (abortable_work(&loop, work, signal, reported, &b) != 0)
      return -1;
  uv_sem_wait(&b.first_started);
  abort_ns = uv_hrtime();
  abort_signal_abort(signal);
  uv_sem_post(&b.first_release);
  uv_run(&loop, UV_RUN_DEFAULT);
  abort_signal_free(signal);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_sem_destroy(&b.first_started);
  uv_sem_destroy(&b.first_release);
  /* The suite checks what each report says; here only that the batch
   * reported at all, so that a wrong fix still sees its figures. */
  if (uv_loop_close(&loop) != 0 || b.reports < BATCH)
    return -1;
  *runs = atomic_load(&b.runs);
  return (double)(b.last_report_ns - abort_ns) / 1e6;
}

int main(int argc, char **argv) {
  unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : DEFAULT_ROUNDS;
  double best_job = 1e300, best_drain = 1e300;
  unsigned most_runs = 0;
  const char *path;
  FILE *out;

  if (rounds == 0 || rounds > 20) {
    fprintf(stderr, "usage: bench [ROUNDS] (1 to 20)\n");
    return 2;
  }
  /* The pool's threads start on the first request: not timed. */
  if (time_one_job() < 0)
    return complain("a job alone did not report once with 0");
  /* Interleaved, so that a burst of load hits both kinds alike. */
  for (unsigned r = 0; r < rounds; r++) {
    unsigned runs = 0;
    double job = time_one_job();
    double drain = time_aborted_batch(&runs);

    if (job < 0)
      return complain("a job alone did not report once with 0");
    if (drain < 0)
      return complain("an aborted batch did not report once per job");
    best_job = job < best_job ? job : best_job;
    best_drain = drain < best_drain ? drain : best_drain;
    most_runs = runs > most_runs ? runs : most_runs;
  }
  path = getenv("SENIOR_CHECK_FIGURES");
  out = path != NULL ? fopen(path, "w") : stdout;
  if (out == NULL)
    return complain("cannot write the figures");
  fprintf(out, "job_ms %.3f\ndrain_ms %.3f\njobs_queued %u\njobs_run %u\n",
          best_job, best_drain, BATCH, most_runs);
  if (out != stdout && fclose(out) != 0)
    return complain("cannot write the figures");
  uv_library_shutdown();
  return 0;
}

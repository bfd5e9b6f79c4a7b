/* job.c: digest a batch of items without blocking the loop. Kata 07.
 *
 * Start with README.md in this folder: it says what to read, what to
 * change and how the grader measures it. The contract is job.h.
 *
 * This is how the job first went into production: correct answers, and
 * "asynchronous" because job_start() returns at once and the result comes
 * in a callback. But the work itself runs inside a loop callback, on the
 * loop's thread, so while a batch is being digested the loop runs nothing
 * else: no timers, no I/O, no other request. That is Node's
 * `setTimeout(() => { heavyLoop(); cb(result); }, 0)`: deferred is not
 * parallel. Every place to change is marked TODO.
 */
#include "job.h"

#include <stdlib.h>

#include "workload.h"

struct job {
  uv_timer_t timer; /* runs the job on the loop; closed in run_job() */
  job_spec_t spec;
  job_done_cb done;
  void *arg;
  int cancelled;
};

size_t job_plan_chunks(size_t items, unsigned pool_threads) {
  /* TODO: one chunk is the whole batch, which only one thread can work
   * on. Split it so that each of the pool's threads gets work, without
   * empty chunks and without so many that queueing them costs more than
   * they save (job.h says the limits; README.md, "Sizing the chunks",
   * says what to aim for). */
  (void)pool_threads;
  return items > 0 ? 1 : 0;
}

/* The timer's close callback: the last moment the job is used. */
static void free_job(uv_handle_t *handle) {
  free(handle->data);
}

/* The timer callback: the whole job, on the loop's thread. */
static void run_job(uv_timer_t *timer) {
  job_t *job = timer->data;
  job_result_t result = {WORKLOAD_DIGEST_EMPTY, 0};
  int status = 0;

  if (job->cancelled) {
    status = UV_ECANCELED;
  } else {
    /* TODO: this loop is where the loop's heartbeat stops. Hand the
     * chunks of job_plan_chunks() to libuv's thread pool with
     * uv_queue_work(), each computing its own digest in its work
     * callback, and put the digests together in item order
     * (workload_digest_concat()) in the after-work callbacks, which run
     * on the loop's thread. See README.md, "The fix". */
    for (size_t i = 0; i < job->spec.items; i++)
      result.digest = workload_digest_append(
          result.digest, workload_item(job->spec.seed, i, job->spec.rounds));
    result.items = job->spec.items;
  }
  job->done(status, result, job->arg);
  uv_close((uv_handle_t *)&job->timer, free_job);
}

int job_start(uv_loop_t *loop, const job_spec_t *spec, job_done_cb done,
              void *arg, job_t **job_out) {
  job_t *job;
  int err;

  if (loop == NULL || spec == NULL || done == NULL)
    return UV_EINVAL;
  job = calloc(1, sizeof(*job));
  if (job == NULL)
    return UV_ENOMEM;
  job->spec = *spec;
  job->done = done;
  job->arg = arg;
  err = uv_timer_init(loop, &job->timer);
  if (err != 0) {
    free(job);
    return err;
  }
  job->timer.data = job;
  /* A 0 ms timer: the job runs on the loop's next turn, like
   * setTimeout(fn, 0), and the callback never comes from job_start(). */
  err = uv_timer_start(&job->timer, run_job, 0, 0);
  if (err != 0) {
    uv_close((uv_handle_t *)&job->timer, free_job);
    return err;
  }
  if (job_out != NULL)
    *job_out = job;
  return 0;
}

void job_cancel(job_t *job) {
  /* TODO: this only works before the job starts. Once run_job() is
   * running, nothing else runs on the loop, so nothing can call this
   * until the job is over. With the work in the pool, cancel the chunks
   * that have not started (uv_cancel()), let the running ones stop early,
   * and report UV_ECANCELED once, when the last chunk has come back. See
   * README.md, "Cancelling". */
  job->cancelled = 1;
}

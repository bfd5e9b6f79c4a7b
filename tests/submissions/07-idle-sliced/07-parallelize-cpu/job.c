/* job.c: a known-bad submission for kata 07 (tests/submissions).
 *
 * No thread at all: the batch is cut into the plan's chunks and an idle
 * handle digests one chunk per turn of the loop, "like Node's partitioning
 * with setImmediate()". Between two chunks the loop runs its timers and
 * I/O, so the heartbeat holds and cancellation works; but every item is
 * still digested on the loop's thread, which the job takes from every
 * other callback, and the job never gets a second core. On a machine
 * whose other core is busy, a real thread pool cannot go faster either,
 * so a speedup measured against the machine's cannot tell it apart. The
 * tests gate must catch it on any machine: its items run on the loop's
 * thread, and no request is in flight.
 */
#include "job.h"

#include <stdbool.h>
#include <stdlib.h>

#include "workload.h"

#define CHUNKS_PER_THREAD 4u

struct job {
  uv_idle_t idle; /* one chunk per turn; closed in digest_slice() */
  job_spec_t spec;
  job_done_cb done;
  void *arg;
  bool cancelled;
  size_t chunk_count;
  size_t next_chunk; /* the next chunk to digest */
  uint64_t next_item;
  uint64_t digest; /* items [0, next_item), in order */
};

size_t job_plan_chunks(size_t items, unsigned pool_threads) {
  size_t chunks =
      (size_t)CHUNKS_PER_THREAD * (pool_threads > 0 ? pool_threads : 1u);

  if (chunks > items)
    chunks = items;
  return chunks > 0 ? chunks : 1;
}

static void job_free(uv_handle_t *handle) {
  job_t *job = handle->data;
  job_result_t result = {WORKLOAD_DIGEST_EMPTY, 0};
  int status = UV_ECANCELED;

  if (!job->cancelled) {
    result.digest = job->digest;
    result.items = job->spec.items;
    status = 0;
  }
  job->done(status, result, job->arg);
  free(job);
}

/* One turn of the loop: one chunk, on the loop's thread. */
static void digest_slice(uv_idle_t *idle) {
  job_t *job = idle->data;
  size_t k = job->next_chunk;
  uint64_t base = job->spec.items / job->chunk_count;
  uint64_t end =
      job->next_item + base + (k < job->spec.items % job->chunk_count);

  if (!job->cancelled && k < job->chunk_count) {
    for (uint64_t i = job->next_item; i < end; i++)
      job->digest = workload_digest_append(
          job->digest, workload_item(job->spec.seed, i, job->spec.rounds));
    job->next_item = end;
    job->next_chunk++;
  }
  if (job->cancelled || job->next_chunk == job->chunk_count) {
    (void)uv_idle_stop(idle);
    uv_close((uv_handle_t *)idle, job_free);
  }
}

int job_start(uv_loop_t *loop, const job_spec_t *spec, job_done_cb done,
              void *arg, job_t **job_out) {
  job_t *job;

  if (loop == NULL || spec == NULL || done == NULL)
    return UV_EINVAL;
  job = calloc(1, sizeof(*job));
  if (job == NULL)
    return UV_ENOMEM;
  job->spec = *spec;
  job->done = done;
  job->arg = arg;
  job->chunk_count = job_plan_chunks(spec->items, workload_pool_threads());
  job->digest = WORKLOAD_DIGEST_EMPTY;
  (void)uv_idle_init(loop, &job->idle);
  job->idle.data = job;
  (void)uv_idle_start(&job->idle, digest_slice);
  if (job_out != NULL)
    *job_out = job;
  return 0;
}

void job_cancel(job_t *job) {
  if (job == NULL || job->cancelled)
    return;
  job->cancelled = true;
}

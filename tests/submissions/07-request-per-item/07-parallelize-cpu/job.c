/* job.c: a known-bad submission for kata 07 (tests/submissions).
 *
 * The reference solution, except that job_start() queues one work request
 * per item instead of one per chunk of the plan: "the pool balances the
 * work best if every item is its own request". The plan itself is right,
 * so the plan's tests pass, and so do the digests; but a batch of 4099
 * items puts 4099 requests in flight, each a queue operation, a thread to
 * wake and an after-work callback on the loop. The tests gate must catch
 * it: too many requests in flight once job_start() returns.
 */
#include "job.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "workload.h"

/* Chunks per pool thread. One each would leave threads idle at the end
 * whenever one chunk runs slower (a busy core, a thread that started
 * late); a few each let the threads that finish first take the rest. More
 * than that only adds requests to queue and digests to combine. */
#define CHUNKS_PER_THREAD 4u

struct chunk {
  uv_work_t req; /* queued by job_start(); comes back in chunk_back() */
  job_t *job;
  uint64_t begin; /* items [begin, end) */
  uint64_t end;
  uint64_t digest; /* written by digest_chunk(), read after chunk_back() */
};

struct job {
  job_spec_t spec; /* read by the pool threads: never changed once queued */
  job_done_cb done;
  void *arg;
  atomic_bool stop; /* set by job_cancel(), read by the pool threads */
  bool cancelled;   /* the loop thread's own record of job_cancel() */
  size_t chunk_count;
  size_t chunks_back; /* after-work callbacks run so far */
  struct chunk chunks[];
};

size_t job_plan_chunks(size_t items, unsigned pool_threads) {
  size_t chunks =
      (size_t)CHUNKS_PER_THREAD * (pool_threads > 0 ? pool_threads : 1u);

  if (chunks > items)
    chunks = items;
  /* A job of no items is still one (empty) chunk, so that its report
   * comes from the loop like every other job's, never from job_start(). */
  return chunks > 0 ? chunks : 1;
}

/* The work callback, on a pool thread: one chunk's digest, from
 * WORKLOAD_DIGEST_EMPTY, so that the chunks can be put together later in
 * any grouping. It gives up as soon as the job is cancelled; its digest is
 * then never read. */
static void digest_chunk(uv_work_t *req) {
  struct chunk *chunk = req->data;
  job_t *job = chunk->job;
  uint64_t digest = WORKLOAD_DIGEST_EMPTY;

  for (uint64_t i = chunk->begin; i < chunk->end; i++) {
    /* Relaxed is enough: the flag carries no data, and a chunk that reads
     * it late only does a little work for nothing. */
    if (atomic_load_explicit(&job->stop, memory_order_relaxed))
      return;
    digest = workload_digest_append(
        digest, workload_item(job->spec.seed, i, job->spec.rounds));
  }
  chunk->digest = digest;
}

/* Reports the job's outcome and frees it: called once, on the loop's
 * thread, when every chunk has come back. The chunks are combined in item
 * order, not in the order they finished, which changes from run to run:
 * that is what makes the digest the same every time. */
static void finish(job_t *job) {
  job_result_t result = {WORKLOAD_DIGEST_EMPTY, 0};
  int status = UV_ECANCELED;

  if (!job->cancelled) {
    for (size_t k = 0; k < job->chunk_count; k++) {
      const struct chunk *chunk = &job->chunks[k];
      result.digest = workload_digest_concat(result.digest, chunk->digest,
                                             chunk->end - chunk->begin);
    }
    result.items = job->spec.items;
    status = 0;
  }
  job->done(status, result, job->arg);
  free(job);
}

/* The after-work callback, on the loop's thread. `status` is UV_ECANCELED
 * for a chunk that uv_cancel() took off the queue before it started; the
 * job knows it was cancelled already, so only the count matters here. */
static void chunk_back(uv_work_t *req, int status) {
  struct chunk *chunk = req->data;
  job_t *job = chunk->job;

  (void)status;
  if (++job->chunks_back == job->chunk_count)
    finish(job);
}

/* Allocates a job of `chunk_count` chunks covering spec's items in equal
 * parts (the first ones one item longer when they do not divide evenly).
 * Returns NULL when out of memory. The caller owns the job until it is
 * queued. */
static job_t *job_new(const job_spec_t *spec, size_t chunk_count,
                      job_done_cb done, void *arg) {
  job_t *job;
  uint64_t base, extra, begin = 0;

  job = malloc(sizeof(*job) + chunk_count * sizeof(job->chunks[0]));
  if (job == NULL)
    return NULL;
  job->spec = *spec;
  job->done = done;
  job->arg = arg;
  atomic_init(&job->stop, false);
  job->cancelled = false;
  job->chunk_count = chunk_count;
  job->chunks_back = 0;
  base = spec->items / chunk_count;
  extra = spec->items % chunk_count;
  for (size_t k = 0; k < chunk_count; k++) {
    struct chunk *chunk = &job->chunks[k];
    chunk->req.data = chunk;
    chunk->job = job;
    chunk->begin = begin;
    chunk->end = begin + base + (k < extra ? 1 : 0);
    chunk->digest = WORKLOAD_DIGEST_EMPTY;
    begin = chunk->end;
  }
  return job;
}

int job_start(uv_loop_t *loop, const job_spec_t *spec, job_done_cb done,
              void *arg, job_t **job_out) {
  size_t chunk_count;
  job_t *job;

  if (loop == NULL || spec == NULL || done == NULL)
    return UV_EINVAL;
  /* The plan follows the pool's size: UV_THREADPOOL_SIZE, read the way
   * libuv reads it, since libuv 1.44 has no call that says. At most
   * CHUNKS_PER_THREAD * 1024 chunks, so the size below cannot overflow. */
  chunk_count = spec->items > 0 ? spec->items : 1;
  job = job_new(spec, chunk_count, done, arg);
  if (job == NULL)
    return UV_ENOMEM;
  /* uv_queue_work() fails only for a NULL work callback, so every chunk
   * is queued: from here on the job belongs to the pool and the loop, and
   * the last chunk_back() frees it. */
  for (size_t k = 0; k < chunk_count; k++)
    (void)uv_queue_work(loop, &job->chunks[k].req, digest_chunk, chunk_back);
  if (job_out != NULL)
    *job_out = job;
  return 0;
}

void job_cancel(job_t *job) {
  if (job == NULL || job->cancelled)
    return;
  job->cancelled = true;
  atomic_store_explicit(&job->stop, true, memory_order_relaxed);
  /* Chunks still queued come back at once with UV_ECANCELED; uv_cancel()
   * answers UV_EBUSY for those running or done, which come back by
   * themselves, the running ones early thanks to the stop flag. Either
   * way each chunk comes back exactly once, so the job still reports
   * once, when the last one does. */
  for (size_t k = 0; k < job->chunk_count; k++)
    (void)uv_cancel((uv_req_t *)&job->chunks[k].req);
}

/* job.c: a known-bad submission for kata 07 (tests/submissions).
 *
 * POSIX threads of the job's own instead of libuv's pool: job_start()
 * starts one thread per pool thread with pthread_create(), each takes
 * chunks from a shared counter, and the last one to finish wakes the loop
 * with uv_async_send(). The loop keeps its heartbeat, the digests are
 * right and the job scales, but nothing of the work goes through
 * uv_queue_work(): every job makes threads of its own beside the pool the
 * process already has. The tests gate must catch it: its items run on
 * threads that are not the pool's, and no request is in flight.
 */
#include "job.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "workload.h"

#define CHUNKS_PER_THREAD 4u

struct chunk {
  uint64_t begin; /* items [begin, end) */
  uint64_t end;
  uint64_t digest; /* written by the thread that took it */
};

struct job {
  uv_async_t wake; /* sent by the last thread; closed in threads_done() */
  job_spec_t spec;
  job_done_cb done;
  void *arg;
  atomic_bool stop;
  bool cancelled;
  atomic_size_t next_chunk;    /* the next chunk no thread has taken */
  atomic_uint threads_running; /* threads not finished yet */
  unsigned thread_count;
  pthread_t *threads;
  size_t chunk_count;
  struct chunk chunks[];
};

size_t job_plan_chunks(size_t items, unsigned pool_threads) {
  size_t chunks =
      (size_t)CHUNKS_PER_THREAD * (pool_threads > 0 ? pool_threads : 1u);

  if (chunks > items)
    chunks = items;
  return chunks > 0 ? chunks : 1;
}

/* One thread of the job: takes chunks until none are left, then the last
 * thread out wakes the loop. */
static void *digester(void *arg) {
  job_t *job = arg;
  size_t k;

  while ((k = atomic_fetch_add(&job->next_chunk, 1)) < job->chunk_count) {
    struct chunk *chunk = &job->chunks[k];
    uint64_t digest = WORKLOAD_DIGEST_EMPTY;
    for (uint64_t i = chunk->begin; i < chunk->end; i++) {
      if (atomic_load(&job->stop))
        break;
      digest = workload_digest_append(
          digest, workload_item(job->spec.seed, i, job->spec.rounds));
    }
    chunk->digest = digest;
  }
  if (atomic_fetch_sub(&job->threads_running, 1) == 1)
    (void)uv_async_send(&job->wake);
  return NULL;
}

static void job_free(uv_handle_t *handle) {
  job_t *job = handle->data;
  job_result_t result = {WORKLOAD_DIGEST_EMPTY, 0};
  int status = UV_ECANCELED;

  if (!job->cancelled) {
    for (size_t k = 0; k < job->chunk_count; k++)
      result.digest =
          workload_digest_concat(result.digest, job->chunks[k].digest,
                                 job->chunks[k].end - job->chunks[k].begin);
    result.items = job->spec.items;
    status = 0;
  }
  job->done(status, result, job->arg);
  free(job->threads);
  free(job);
}

/* On the loop's thread, once every thread has finished. */
static void threads_done(uv_async_t *wake) {
  job_t *job = wake->data;

  for (unsigned t = 0; t < job->thread_count; t++)
    (void)pthread_join(job->threads[t], NULL);
  uv_close((uv_handle_t *)wake, job_free);
}

int job_start(uv_loop_t *loop, const job_spec_t *spec, job_done_cb done,
              void *arg, job_t **job_out) {
  unsigned threads = workload_pool_threads();
  size_t chunk_count;
  uint64_t base, extra, begin = 0;
  job_t *job;

  if (loop == NULL || spec == NULL || done == NULL)
    return UV_EINVAL;
  chunk_count = job_plan_chunks(spec->items, threads);
  job = malloc(sizeof(*job) + chunk_count * sizeof(job->chunks[0]));
  if (job == NULL)
    return UV_ENOMEM;
  job->threads = calloc(threads, sizeof(*job->threads));
  if (job->threads == NULL) {
    free(job);
    return UV_ENOMEM;
  }
  job->spec = *spec;
  job->done = done;
  job->arg = arg;
  atomic_init(&job->stop, false);
  job->cancelled = false;
  atomic_init(&job->next_chunk, 0);
  atomic_init(&job->threads_running, threads);
  job->thread_count = threads;
  job->chunk_count = chunk_count;
  base = spec->items / chunk_count;
  extra = spec->items % chunk_count;
  for (size_t k = 0; k < chunk_count; k++) {
    job->chunks[k].begin = begin;
    job->chunks[k].end = begin + base + (k < extra ? 1 : 0);
    job->chunks[k].digest = WORKLOAD_DIGEST_EMPTY;
    begin = job->chunks[k].end;
  }
  (void)uv_async_init(loop, &job->wake, threads_done);
  job->wake.data = job;
  for (unsigned t = 0; t < threads; t++)
    (void)pthread_create(&job->threads[t], NULL, digester, job);
  if (job_out != NULL)
    *job_out = job;
  return 0;
}

void job_cancel(job_t *job) {
  if (job == NULL || job->cancelled)
    return;
  job->cancelled = true;
  atomic_store(&job->stop, true);
}

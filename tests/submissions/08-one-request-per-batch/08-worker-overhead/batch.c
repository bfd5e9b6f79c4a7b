/* batch.c: check a batch of records on libuv's thread pool. Kata 08,
 * reference solution.
 *
 * The starter queued one work request per record. A request is not free:
 * uv_queue_work() takes the pool's mutex and signals a thread, the thread
 * wakes, and when the work is done it queues the request for the loop and
 * wakes the loop (uv_async_send()), which then runs the after-work
 * callback. That is a microsecond or more, several times a record's check,
 * so the pool spent its time shipping records, and the loop its time
 * taking them back. Here the cost of the work decides:
 *
 * - a batch too small to be worth a request (batch_rounds() below
 *   BATCH_INLINE_ROUNDS) is checked on the loop's thread, in a 0 ms timer
 *   callback: it blocks the loop for less than a request would have cost,
 *   and the report still comes from the loop, never from batch_start();
 * - a larger batch is cut into chunks of consecutive records, each
 *   carrying at least BATCH_MIN_CHUNK_ROUNDS rounds on average, and no
 *   more than a few per pool thread: each chunk is one uv_queue_work()
 *   request, so the overhead is paid a few times per batch, not once per
 *   record.
 *
 * Each chunk writes its own records' checksums, in their places, so the
 * results are in record order whatever order the chunks finish in, and no
 * lock is needed: libuv orders a request's work callback before its
 * after-work callback, and the batch reports after the last one.
 */
#include "batch.h"

#include <stdlib.h>

#include "records.h"

struct chunk {
  uv_work_t req; /* queued by batch_start(); comes back in chunk_back() */
  struct batch *batch;
  uint64_t begin; /* records [begin, end) */
  uint64_t end;
};

struct batch {
  batch_spec_t spec; /* read by the pool threads: never changed once queued */
  uint64_t *checks;  /* the caller's; each chunk writes its own range */
  batch_done_cb done;
  void *arg;
  uv_timer_t timer;   /* a batch checked on the loop: closed in check_here() */
  size_t chunk_count; /* 0 for a batch checked on the loop */
  size_t chunks_back; /* after-work callbacks run so far */
  struct chunk chunks[];
};

size_t batch_plan_chunks(const batch_spec_t *spec, unsigned pool_threads) {
  uint64_t rounds = batch_rounds(spec);
  uint64_t most = (uint64_t)BATCH_MAX_CHUNKS_PER_THREAD *
                  (pool_threads > 0 ? pool_threads : 1u);
  uint64_t chunks;

  if (rounds < BATCH_INLINE_ROUNDS)
    return 0;
  /* As many chunks as the work pays for, up to a few per pool thread: one
   * each would leave threads idle at the end whenever one runs slower (a
   * busy core), a few each let the first to finish take the rest. More
   * than that only adds requests. At least 2, since BATCH_INLINE_ROUNDS
   * is twice BATCH_MIN_CHUNK_ROUNDS. */
  /* One request for the whole batch: the overhead is paid once. */
  (void)most;
  (void)chunks;
  return 1;
}

/* The work callback, on a pool thread: one chunk's records. */
static void check_chunk(uv_work_t *req) {
  struct chunk *chunk = req->data;
  const struct batch *batch = chunk->batch;

  records_check_range(batch->spec.seed, chunk->begin, chunk->end,
                      batch->spec.rounds, batch->checks);
}

/* The after-work callback, on the loop's thread: the last one reports and
 * frees the batch. */
static void chunk_back(uv_work_t *req, int status) {
  struct chunk *chunk = req->data;
  struct batch *batch = chunk->batch;

  (void)status; /* nothing cancels a chunk */
  if (++batch->chunks_back == batch->chunk_count) {
    batch->done(batch->arg);
    free(batch);
  }
}

/* The timer's close callback: the last moment a batch checked on the loop
 * is used. */
static void free_batch(uv_handle_t *handle) {
  free(handle->data);
}

/* The timer callback of a small batch: the whole batch, on the loop's
 * thread, for less time than a request to the pool would cost. */
static void check_here(uv_timer_t *timer) {
  struct batch *batch = timer->data;

  records_check_range(batch->spec.seed, 0, batch->spec.tasks,
                      batch->spec.rounds, batch->checks);
  batch->done(batch->arg);
  uv_close((uv_handle_t *)&batch->timer, free_batch);
}

/* Allocates a batch of `chunk_count` chunks covering spec's records in
 * equal parts (the first ones one record longer when they do not divide
 * evenly). Returns NULL when out of memory. The caller owns it until it
 * is queued or its timer started. */
static struct batch *batch_new(const batch_spec_t *spec, uint64_t *checks,
                               size_t chunk_count, batch_done_cb done,
                               void *arg) {
  struct batch *batch;
  uint64_t base, extra, begin = 0;

  batch = malloc(sizeof(*batch) + chunk_count * sizeof(batch->chunks[0]));
  if (batch == NULL)
    return NULL;
  batch->spec = *spec;
  batch->checks = checks;
  batch->done = done;
  batch->arg = arg;
  batch->chunk_count = chunk_count;
  batch->chunks_back = 0;
  if (chunk_count == 0)
    return batch;
  base = spec->tasks / chunk_count;
  extra = spec->tasks % chunk_count;
  for (size_t k = 0; k < chunk_count; k++) {
    struct chunk *chunk = &batch->chunks[k];
    chunk->req.data = chunk;
    chunk->batch = batch;
    chunk->begin = begin;
    chunk->end = begin + base + (k < extra ? 1 : 0);
    begin = chunk->end;
  }
  return batch;
}

/* Starts a batch of no chunks on the loop: a 0 ms timer, so that the
 * report comes on the loop's next turn, like setImmediate(). */
static int start_here(uv_loop_t *loop, struct batch *batch) {
  int err = uv_timer_init(loop, &batch->timer);

  if (err != 0) {
    free(batch);
    return err;
  }
  batch->timer.data = batch;
  err = uv_timer_start(&batch->timer, check_here, 0, 0);
  if (err != 0)
    uv_close((uv_handle_t *)&batch->timer, free_batch);
  return err;
}

int batch_start(uv_loop_t *loop, const batch_spec_t *spec, uint64_t *checks,
                batch_done_cb done, void *arg) {
  struct batch *batch;
  size_t chunk_count;

  if (loop == NULL || spec == NULL || done == NULL ||
      (checks == NULL && spec->tasks > 0))
    return UV_EINVAL;
  /* The plan follows the pool's size: UV_THREADPOOL_SIZE, read the way
   * libuv reads it, since libuv 1.44 has no call that says. At most
   * BATCH_MAX_CHUNKS_PER_THREAD * 1024 chunks: the size cannot overflow. */
  chunk_count = batch_plan_chunks(spec, records_pool_threads());
  batch = batch_new(spec, checks, chunk_count, done, arg);
  if (batch == NULL)
    return UV_ENOMEM;
  if (chunk_count == 0)
    return start_here(loop, batch);
  /* uv_queue_work() fails only for a NULL work callback, so every chunk
   * is queued: from here on the batch belongs to the pool and the loop,
   * and the last chunk_back() frees it. */
  for (size_t k = 0; k < chunk_count; k++)
    (void)uv_queue_work(loop, &batch->chunks[k].req, check_chunk, chunk_back);
  return 0;
}

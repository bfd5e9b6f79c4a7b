/* batch.h: the contract of kata 08, implemented by your batch.c.
 *
 * A batch checks many small records (records.h) without blocking the loop
 * that started it, writes each record's checksum in its place, and reports
 * once, from that loop's thread. How the work is cut into thread-pool
 * requests is the point of the kata: read README.md, "The contract".
 */
#ifndef SENIOR_BATCH_H
#define SENIOR_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* What to check: records [0, tasks) of the batch `seed`, each mixed
 * `rounds` times (record_check()). One task is one record. */
typedef struct batch_spec {
  uint64_t seed;
  size_t tasks;
  uint32_t rounds;
} batch_spec_t;

/* The cost model, in rounds of record_check(): a round costs the same
 * few nanoseconds whichever thread runs it, so rounds are what a chunk of
 * tasks is sized by, the same on every machine.
 *
 * - A batch of fewer than BATCH_INLINE_ROUNDS rounds in all (an empty one
 *   included) is checked on the loop's thread, with no work request: it
 *   costs less than sending it to the pool and back.
 * - Any larger batch goes to the pool in chunks of consecutive tasks,
 *   carrying BATCH_MIN_CHUNK_ROUNDS rounds or more each on average, at
 *   most BATCH_MAX_CHUNKS_PER_THREAD chunks per pool thread. */
#define BATCH_INLINE_ROUNDS UINT64_C(32768)
#define BATCH_MIN_CHUNK_ROUNDS UINT64_C(16384)
#define BATCH_MAX_CHUNKS_PER_THREAD 4u

/* The batch's cost: tasks * rounds, or UINT64_MAX if that overflows. */
static inline uint64_t batch_rounds(const batch_spec_t *spec) {
  if (spec->rounds != 0 && spec->tasks > UINT64_MAX / spec->rounds)
    return UINT64_MAX;
  return (uint64_t)spec->tasks * spec->rounds;
}

/* Called exactly once per started batch, on the loop's thread, never from
 * inside batch_start(), when every checksum is in place. `arg` is
 * batch_start()'s. */
typedef void (*batch_done_cb)(void *arg);

/* How many work requests batch_start() queues for `spec` on a thread pool
 * of `pool_threads` threads (see records_pool_threads()):
 * - 0 when batch_rounds(spec) < BATCH_INLINE_ROUNDS: checked on the loop;
 * - otherwise from min(pool_threads, tasks, batch_rounds(spec) /
 *   BATCH_MIN_CHUNK_ROUNDS) to min(BATCH_MAX_CHUNKS_PER_THREAD *
 *   pool_threads, tasks, batch_rounds(spec) / BATCH_MIN_CHUNK_ROUNDS):
 *   enough for every pool thread to get work, and each worth a request. */
size_t batch_plan_chunks(const batch_spec_t *spec, unsigned pool_threads);

/* Starts checking `spec` on `loop`: record i's checksum goes to checks[i],
 * for i in [0, spec->tasks), and nothing else of `checks` is written. The
 * caller keeps `checks` and `arg` valid until `done` has been called.
 * Returns 0; or a negative libuv error (UV_EINVAL for a NULL loop, spec or
 * done, or NULL checks with tasks; UV_ENOMEM), and then nothing was started
 * and `done` will never be called. The loop stays alive until the batch
 * has reported, and holds nothing of it afterwards. */
int batch_start(uv_loop_t *loop, const batch_spec_t *spec, uint64_t *checks,
                batch_done_cb done, void *arg);

#endif

/* job.h: the contract of kata 07, implemented by your job.c.
 *
 * A job digests a batch of items (workload.h) without blocking the loop
 * that started it, and reports its result, or its cancellation, once, from
 * that loop's thread. Read README.md, "The contract", for the details.
 */
#ifndef SENIOR_JOB_H
#define SENIOR_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* What to compute: the digest of items [0, items) of the batch `seed`,
 * each item hashed `rounds` times (workload_digest_range()). */
typedef struct job_spec {
  uint64_t seed;
  size_t items;
  uint32_t rounds;
} job_spec_t;

/* A finished job's answer: the batch's digest and how many items it
 * covers. Both are 0 when the job was cancelled. */
typedef struct job_result {
  uint64_t digest;
  size_t items;
} job_result_t;

/* A job in flight. Opaque: it belongs to job.c, from job_start() until it
 * is freed right after its done callback returns. */
typedef struct job job_t;

/* Called exactly once per started job, on the loop's thread, never from
 * inside job_start(): `status` is 0 with the result, or UV_ECANCELED when
 * job_cancel() was called first (the result is then all zeros). `arg` is
 * job_start()'s. The job is freed when this returns: do not cancel it
 * from here. */
typedef void (*job_done_cb)(int status, job_result_t result, void *arg);

/* How many chunks a job of `items` items is split into for a thread pool
 * of `pool_threads` threads (see workload_pool_threads()). For items >= 1:
 * at least min(items, pool_threads) chunks, so that every pool thread can
 * get work; at most `items` chunks, so that none is empty; and at most
 * JOB_MAX_CHUNKS_PER_THREAD * pool_threads chunks, so that each work
 * request carries enough work to be worth queueing. */
size_t job_plan_chunks(size_t items, unsigned pool_threads);

#define JOB_MAX_CHUNKS_PER_THREAD 16u

/* Starts digesting `spec` on `loop`. Returns 0, and sets *job (if job is
 * not NULL) to the job until its done callback returns; or a negative
 * libuv error (UV_EINVAL for a NULL loop, spec or done; UV_ENOMEM), and
 * then nothing was started and `done` will never be called. The loop stays
 * alive until the job has reported, and holds nothing of it afterwards. */
int job_start(uv_loop_t *loop, const job_spec_t *spec, job_done_cb done,
              void *arg, job_t **job);

/* Asks `job` to stop: unless it has already reported, it reports
 * UV_ECANCELED, once, as soon as no part of it is still running, and
 * frees everything. Calling it again before the report changes nothing.
 * Call it from the loop's thread, and only before the job has reported. */
void job_cancel(job_t *job);

#endif

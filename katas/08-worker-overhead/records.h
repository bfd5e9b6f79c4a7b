/* records.h: the tasks of kata 08, the records a batch checks.
 *
 * Trusted code: the suite, the benchmark and your batch.c all call it, and
 * it is graded from the kata's own copy. Read README.md, "The batch",
 * first.
 *
 * A batch is a run of short records, record 0 first, and checking a record
 * means computing its checksum: record i of the batch `seed` is mixed
 * `rounds` times in a row (record_check()). A round costs a few
 * nanoseconds of pure arithmetic, so a task's cost is known before it
 * runs: it is proportional to `rounds`, the same for every record of a
 * batch. That is what makes the cost of a chunk of tasks something a
 * planner can estimate without running it.
 */
#ifndef SENIOR_RECORDS_H
#define SENIOR_RECORDS_H

#include <stddef.h>
#include <stdint.h>

/* The checksum of record `index` of the batch `seed`, mixed `rounds` times.
 * A pure function of its arguments: safe to call from any thread at once. */
uint64_t record_check(uint64_t seed, uint64_t index, uint32_t rounds);

/* Checks records [begin, end) of a batch on the calling thread, writing
 * record i's checksum to checks[i] (checks is indexed from record 0, not
 * from begin). The serial answer, for a whole batch or for one part of
 * it. */
void records_check_range(uint64_t seed, uint64_t begin, uint64_t end,
                         uint32_t rounds, uint64_t *checks);

/* How many threads libuv's thread pool has, or will have once it starts:
 * UV_THREADPOOL_SIZE read the way libuv 1.44 reads it (4 when unset, 1 for
 * 0 or a non-number, at most 1024). libuv 1.44 has no call that says. */
unsigned records_pool_threads(void);

#endif

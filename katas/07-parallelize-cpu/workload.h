/* workload.h: the CPU-bound work of kata 07, and the digest that sums it up.
 *
 * Trusted code: the suite, the benchmark and your job.c all call it, and it
 * is graded from the kata's own copy. Read README.md, "The job", first.
 *
 * The job stretches a batch of keys the way pbkdf2 stretches a password:
 * item i of a batch is hashed `rounds` times in a row, so one item costs a
 * few microseconds of pure arithmetic and no I/O at all. The batch's answer
 * is an order-dependent digest of the items' hashes, item 0 first:
 *
 *   digest(items 0..n-1) = h0 * B^(n-1) + h1 * B^(n-2) + ... + h(n-1)
 *
 * all modulo 2^64, with B = WORKLOAD_DIGEST_BASE. Swapping two items
 * changes the digest, so the parts of a split batch must be put back
 * together in item order, whatever order they finish in.
 */
#ifndef SENIOR_WORKLOAD_H
#define SENIOR_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* The multiplier of the digest (odd, so that it never loses bits). */
#define WORKLOAD_DIGEST_BASE UINT64_C(0x100000001b3)

/* The digest of no items at all. */
#define WORKLOAD_DIGEST_EMPTY UINT64_C(0)

/* Item `index` of the batch with this `seed`, hashed `rounds` times. A pure
 * function of its arguments: safe to call from any thread at once. */
uint64_t workload_item(uint64_t seed, uint64_t index, uint32_t rounds);

/* The digest of a run of items followed by one more item hashed to `hash`. */
uint64_t workload_digest_append(uint64_t digest, uint64_t hash);

/* The digest of a run `left` followed by a run `right` of `right_items`
 * items, each digest computed from WORKLOAD_DIGEST_EMPTY on its own:
 * left * B^right_items + right. So the digest of items [0, n) equals
 * workload_digest_concat(digest of [0, k), digest of [k, n), n - k). */
uint64_t workload_digest_concat(uint64_t left, uint64_t right,
                                uint64_t right_items);

/* The digest of items [begin, end) of a batch, computed on the calling
 * thread from WORKLOAD_DIGEST_EMPTY. The serial answer, for a whole batch
 * or for one part of it. */
uint64_t workload_digest_range(uint64_t seed, uint64_t begin, uint64_t end,
                               uint32_t rounds);

/* How many threads libuv's thread pool has, or will have once it starts:
 * UV_THREADPOOL_SIZE read the way libuv 1.44 reads it (4 when unset, 1 for
 * 0 or a non-number, at most 1024). libuv 1.44 has no call that says. */
unsigned workload_pool_threads(void);

#endif

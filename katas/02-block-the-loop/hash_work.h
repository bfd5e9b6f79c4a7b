/* hash_work.h: the CPU-bound work behind a HASH request of kata 02.
 *
 * Trusted code: the suite, the benchmark and your server.c call it, and it
 * is graded from the kata's own copy. Read README.md, "The server", first.
 *
 * A HASH request stretches a seed the way a password hash stretches a
 * password: `rounds` rounds of a 64-bit mixing function, each depending
 * on the last, so that the work cannot be split across threads, only cut
 * into consecutive slices. A round costs a few nanoseconds: 100 million
 * of them are a few hundred milliseconds of pure arithmetic, no I/O.
 *
 * Two ways to compute it, with the same answer:
 *
 *   hash_compute(seed, rounds)            all at once, on the calling thread
 *
 *   hash_state_t st;                      a slice at a time, resumable
 *   hash_begin(&st, seed, rounds);
 *   while (!hash_step(&st, some_rounds))
 *     ...do something else, come back later...
 *   hash_result(&st);
 */
#ifndef SENIOR_HASH_WORK_H
#define SENIOR_HASH_WORK_H

#include <stdbool.h>
#include <stdint.h>

/* The most rounds a HASH request may ask for (about a minute of work). */
#define HASH_MAX_ROUNDS UINT64_C(20000000000)

/* A hash in progress. Plain data: copy it, keep it in a struct of yours,
 * hand it to another thread; the fields are hash_work.c's. */
typedef struct hash_state {
  uint64_t x;      /* the value so far */
  uint64_t done;   /* rounds done */
  uint64_t rounds; /* rounds asked for */
} hash_state_t;

/* Prepares `state` for `rounds` rounds from `seed`. Does no round. */
void hash_begin(hash_state_t *state, uint64_t seed, uint64_t rounds);

/* Does at most `max_rounds` more rounds of `state` on the calling thread.
 * Returns true once every round is done (at once for 0 rounds). */
bool hash_step(hash_state_t *state, uint64_t max_rounds);

/* The hash of a finished state (hash_step() returned true). */
uint64_t hash_result(const hash_state_t *state);

/* The whole hash, on the calling thread: hash_begin(), one hash_step() of
 * every round, hash_result(). A pure function of its arguments: safe to
 * call from any thread at once. */
uint64_t hash_compute(uint64_t seed, uint64_t rounds);

#endif

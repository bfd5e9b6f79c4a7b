/* hash_probe.h: how the suite and the benchmark watch the hashing.
 *
 * Trusted code, and not part of the contract: server.c has no use for it.
 *
 * When a probe is set, every hash_step() (hash_compute() included) tells
 * it, on the thread that did the work and after the work is done, how many
 * rounds it just did. That is how the suite sees which thread hashes and
 * how much hashing the loop's thread does in one turn of the loop: counts
 * of rounds, which the machine's load does not change. Every hash_begin()
 * tells it too, on the thread that begins the hash: how the suite knows a
 * hash is under way before a client hangs up or the server closes.
 */
#ifndef SENIOR_HASH_PROBE_H
#define SENIOR_HASH_PROBE_H

#include <stdint.h>

typedef struct hash_probe {
  /* Called from whichever thread ran hash_step(), possibly from several
   * at once: it must be thread-safe. */
  void (*observe)(void *arg, uint64_t rounds);
  void *arg;
  /* Called from hash_begin() with the rounds asked for, under the same
   * rule. Either callback may be NULL. */
  void (*begun)(void *arg, uint64_t rounds);
} hash_probe_t;

/* Makes `probe` the one hash_step() tells (NULL: none, the default). The
 * probe is borrowed: it must stay valid until it has been replaced and
 * every hash_step() that may have read it has returned. */
void hash_probe_set(const hash_probe_t *probe);

#endif

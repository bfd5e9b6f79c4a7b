/* workload.c: the CPU-bound work of kata 07 (trusted). See workload.h. */
#include "workload.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "workload_probe.h"

/* libuv 1.44's limit on UV_THREADPOOL_SIZE (src/threadpool.c). */
#define POOL_MAX_THREADS 1024u
#define POOL_DEFAULT_THREADS 4u

/* One round of stretching: splitmix64's finaliser, a bijection on 64 bits
 * whose multiplies make each round depend on the last. */
static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/* The probe workload_item() tells, if any (workload_probe.h). Atomic, since
 * the suite sets it on the loop's thread while pool threads read it. */
static _Atomic(const workload_probe_t *) probe;

void workload_probe_set(const workload_probe_t *new_probe) {
  atomic_store_explicit(&probe, new_probe, memory_order_release);
}

uint64_t workload_item(uint64_t seed, uint64_t index, uint32_t rounds) {
  const workload_probe_t *watch =
      atomic_load_explicit(&probe, memory_order_acquire);
  uint64_t x = seed ^ (index * UINT64_C(0x9e3779b97f4a7c15));

  if (watch != NULL)
    watch->observe(watch->arg, seed, index, WORKLOAD_ITEM_BEGINS);
  /* The hashing has no side effect, so the compiler could move it across
   * the probe's calls; passing x through an empty asm that clobbers memory
   * keeps it between them. It costs no instruction. */
  __asm__ volatile("" : "+r"(x) : : "memory");
  for (uint32_t r = 0; r < rounds; r++)
    x = mix(x + r);
  __asm__ volatile("" : "+r"(x) : : "memory");
  if (watch != NULL)
    watch->observe(watch->arg, seed, index, WORKLOAD_ITEM_ENDS);
  return x;
}

uint64_t workload_digest_append(uint64_t digest, uint64_t hash) {
  return digest * WORKLOAD_DIGEST_BASE + hash;
}

uint64_t workload_digest_concat(uint64_t left, uint64_t right,
                                uint64_t right_items) {
  uint64_t power = 1;
  uint64_t base = WORKLOAD_DIGEST_BASE;

  /* B^right_items by squaring: a combine costs O(log n), not O(n). */
  while (right_items > 0) {
    if (right_items & 1u)
      power *= base;
    base *= base;
    right_items >>= 1;
  }
  return left * power + right;
}

uint64_t workload_digest_range(uint64_t seed, uint64_t begin, uint64_t end,
                               uint32_t rounds) {
  uint64_t digest = WORKLOAD_DIGEST_EMPTY;

  for (uint64_t i = begin; i < end; i++)
    digest = workload_digest_append(digest, workload_item(seed, i, rounds));
  return digest;
}

unsigned workload_pool_threads(void) {
  const char *text = getenv("UV_THREADPOOL_SIZE");
  unsigned threads = POOL_DEFAULT_THREADS;

  /* libuv assigns atoi()'s int to an unsigned: a negative value becomes
   * huge and is cut to the maximum, as here. */
  if (text != NULL)
    threads = (unsigned)atoi(text);
  if (threads == 0)
    threads = 1;
  if (threads > POOL_MAX_THREADS)
    threads = POOL_MAX_THREADS;
  return threads;
}

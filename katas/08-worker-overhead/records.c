/* records.c: the tasks of kata 08 (trusted). See records.h. */
#include "records.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "records_probe.h"

/* libuv 1.44's limit on UV_THREADPOOL_SIZE (src/threadpool.c). */
#define POOL_MAX_THREADS 1024u
#define POOL_DEFAULT_THREADS 4u

/* One round of checking: splitmix64's finaliser, a bijection on 64 bits
 * whose multiplies make each round depend on the last. */
static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/* The probe record_check() tells, if any (records_probe.h). Atomic, since
 * the suite sets it on the loop's thread while pool threads read it. */
static _Atomic(const records_probe_t *) probe;

void records_probe_set(const records_probe_t *new_probe) {
  atomic_store_explicit(&probe, new_probe, memory_order_release);
}

uint64_t record_check(uint64_t seed, uint64_t index, uint32_t rounds) {
  const records_probe_t *watch =
      atomic_load_explicit(&probe, memory_order_acquire);
  uint64_t x = seed ^ (index * UINT64_C(0x9e3779b97f4a7c15));

  if (watch != NULL)
    watch->observe(watch->arg, seed, index, RECORD_CHECK_BEGINS);
  /* The mixing has no side effect, so the compiler could move it across
   * the probe's calls; passing x through an empty asm that clobbers memory
   * keeps it between them. It costs no instruction. */
  __asm__ volatile("" : "+r"(x) : : "memory");
  for (uint32_t r = 0; r < rounds; r++)
    x = mix(x + r);
  __asm__ volatile("" : "+r"(x) : : "memory");
  if (watch != NULL)
    watch->observe(watch->arg, seed, index, RECORD_CHECK_ENDS);
  return x;
}

void records_check_range(uint64_t seed, uint64_t begin, uint64_t end,
                         uint32_t rounds, uint64_t *checks) {
  for (uint64_t i = begin; i < end; i++)
    checks[i] = record_check(seed, i, rounds);
}

unsigned records_pool_threads(void) {
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

/* hash_work.c: the work behind a HASH request (trusted). See hash_work.h. */
#include "hash_work.h"

#include <stdatomic.h>
#include <stddef.h>

#include "hash_probe.h"

/* One round: splitmix64's finaliser, a bijection on 64 bits whose
 * multiplies make each round wait for the last. */
static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/* The probe hash_step() tells, if any (hash_probe.h). Atomic, since the
 * suite sets it on the loop's thread while pool threads read it. */
static _Atomic(const hash_probe_t *) probe;

void hash_probe_set(const hash_probe_t *new_probe) {
  atomic_store_explicit(&probe, new_probe, memory_order_release);
}

void hash_begin(hash_state_t *state, uint64_t seed, uint64_t rounds) {
  const hash_probe_t *watch =
      atomic_load_explicit(&probe, memory_order_acquire);

  state->x = seed ^ UINT64_C(0x9e3779b97f4a7c15);
  state->done = 0;
  state->rounds = rounds;
  if (watch != NULL && watch->begun != NULL)
    watch->begun(watch->arg, rounds);
}

bool hash_step(hash_state_t *state, uint64_t max_rounds) {
  const hash_probe_t *watch =
      atomic_load_explicit(&probe, memory_order_acquire);
  uint64_t left = state->rounds - state->done;
  uint64_t n = max_rounds < left ? max_rounds : left;
  uint64_t x = state->x;

  for (uint64_t r = state->done; r < state->done + n; r++)
    x = mix(x + r);
  /* The rounds have no side effect, so the compiler could move them past
   * the probe's call; an empty asm that takes x keeps them before it. It
   * costs no instruction. */
  __asm__ volatile("" : "+r"(x) : : "memory");
  state->x = x;
  state->done += n;
  if (watch != NULL && watch->observe != NULL && n > 0)
    watch->observe(watch->arg, n);
  return state->done == state->rounds;
}

uint64_t hash_result(const hash_state_t *state) {
  return mix(state->x ^ state->rounds);
}

uint64_t hash_compute(uint64_t seed, uint64_t rounds) {
  hash_state_t state;

  hash_begin(&state, seed, rounds);
  (void)hash_step(&state, rounds);
  return hash_result(&state);
}

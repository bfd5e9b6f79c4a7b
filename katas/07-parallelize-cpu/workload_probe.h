/* workload_probe.h: how the suite and the benchmark watch the work.
 *
 * Trusted code, and not part of the contract: job.c has no use for it.
 *
 * When a probe is set, workload_item() tells it, on the thread that
 * computes the item, when each item begins and when it ends. That is how
 * the suite sees which threads digest a job and whether two of them did it
 * at the same time, and how the benchmark measures how many threads were
 * digesting at once: facts about the code that the machine's load does not
 * change, where a wall-clock speedup does.
 */
#ifndef SENIOR_WORKLOAD_PROBE_H
#define SENIOR_WORKLOAD_PROBE_H

#include <stdint.h>

typedef enum workload_item_event {
  WORKLOAD_ITEM_BEGINS,
  WORKLOAD_ITEM_ENDS
} workload_item_event_t;

typedef struct workload_probe {
  /* Called from whichever thread runs workload_item(), possibly from
   * several at once: it must be thread-safe. */
  void (*observe)(void *arg, uint64_t seed, uint64_t index,
                  workload_item_event_t event);
  void *arg;
} workload_probe_t;

/* Makes `probe` the one workload_item() tells (NULL: none, the default).
 * The probe is borrowed: it must stay valid until it has been replaced and
 * every workload_item() that may have read it has returned. */
void workload_probe_set(const workload_probe_t *probe);

#endif

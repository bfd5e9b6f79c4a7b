/* records_probe.h: how the suite and the benchmark watch the tasks.
 *
 * Trusted code, and not part of the contract: batch.c has no use for it.
 *
 * When a probe is set, record_check() tells it, on the thread that checks
 * the record, when each check begins and when it ends. That is how the
 * suite sees which threads ran a batch's tasks (the loop's, the pool's, or
 * others), and whether two ran side by side: facts about the code that
 * the machine's load does not change, where a duration does.
 */
#ifndef SENIOR_RECORDS_PROBE_H
#define SENIOR_RECORDS_PROBE_H

#include <stdint.h>

typedef enum record_event {
  RECORD_CHECK_BEGINS,
  RECORD_CHECK_ENDS
} record_event_t;

typedef struct records_probe {
  /* Called from whichever thread runs record_check(), possibly from
   * several at once: it must be thread-safe. */
  void (*observe)(void *arg, uint64_t seed, uint64_t index,
                  record_event_t event);
  void *arg;
} records_probe_t;

/* Makes `probe` the one record_check() tells (NULL: none, the default).
 * The probe is borrowed: it must stay valid until it has been replaced and
 * every record_check() that may have read it has returned. */
void records_probe_set(const records_probe_t *probe);

#endif

/* drain: run nextTick callbacks and microtasks the way Node does.
 *
 * A wrong fix, kept as a known submission: the inner loops are right, but
 * the drain goes round a fixed three times instead of "while the tick
 * queue is not empty". Two rounds fail the short chains of the suite;
 * three pass them, and a longer chain of hand-offs returns with a tick
 * still queued.
 */
#include "drain.h"

#define ROUNDS 3

static void run_until_empty(task_queue_t *queue) {
  task_t task;

  while (task_queue_pop(queue, &task))
    task.fn(task.arg);
}

void drain_queues(task_queue_t *ticks, task_queue_t *microtasks) {
  for (int round = 0; round < ROUNDS; round++) {
    run_until_empty(ticks);
    run_until_empty(microtasks);
  }
}

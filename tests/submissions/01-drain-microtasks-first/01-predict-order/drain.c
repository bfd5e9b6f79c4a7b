/* drain: run nextTick callbacks and microtasks the way Node does.
 *
 * A wrong fix, kept as a known submission: "a tick queued by a microtask
 * waits for the microtask queue" read as "microtasks go first", so each
 * round empties the microtask queue before the tick queue. Node empties
 * the tick queue first, even when a microtask was queued before the tick.
 */
#include "drain.h"

static void run_until_empty(task_queue_t *queue) {
  task_t task;

  while (task_queue_pop(queue, &task))
    task.fn(task.arg);
}

void drain_queues(task_queue_t *ticks, task_queue_t *microtasks) {
  do {
    run_until_empty(microtasks);
    run_until_empty(ticks);
  } while (task_queue_length(microtasks) > 0);
}

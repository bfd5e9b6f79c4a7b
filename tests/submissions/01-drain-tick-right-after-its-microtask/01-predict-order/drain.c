/* drain: run nextTick callbacks and microtasks the way Node does.
 *
 * A wrong fix, kept as a known submission: the drain goes round while the
 * tick queue is not empty, as it should, but keeps the starter's belief
 * that "a tick runs before the next promise callback": after each
 * microtask it runs the ticks that microtask queued. Node runs them only
 * once the microtask queue is empty, behind microtasks queued later.
 */
#include "drain.h"

static void run_ticks(task_queue_t *ticks) {
  task_t task;

  while (task_queue_pop(ticks, &task))
    task.fn(task.arg);
}

void drain_queues(task_queue_t *ticks, task_queue_t *microtasks) {
  task_t task;

  do {
    run_ticks(ticks);
    while (task_queue_pop(microtasks, &task)) {
      task.fn(task.arg);
      run_ticks(ticks);
    }
  } while (task_queue_length(ticks) > 0);
}

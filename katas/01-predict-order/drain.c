/* drain: run nextTick callbacks and microtasks the way Node does.
 *
 * Kata 01, part two: start with README.md, section "The drain rule".
 *
 * The runtime (runtime.c) calls drain_queues() after the main script and
 * after every timer and immediate callback. This version follows the rule
 * most people remember, "nextTick always goes before promises", and the
 * suite shows where Node disagrees.
 */
#include "drain.h"

/* Runs ticks until there are none left, including ticks they queue. */
static void run_ticks(task_queue_t *ticks) {
  task_t task;

  while (task_queue_pop(ticks, &task))
    task.fn(task.arg);
}

void drain_queues(task_queue_t *ticks, task_queue_t *microtasks) {
  task_t task;

  run_ticks(ticks);
  while (task_queue_pop(microtasks, &task)) {
    task.fn(task.arg);
    /* TODO: "a tick always runs before the next promise callback", so this
     * runs at once any tick the microtask just queued. Node does not: it
     * runs a tick queued by a microtask only when the microtask queue is
     * empty, including microtasks queued after the tick. Take this out. */
    run_ticks(ticks);
  }
  /* TODO: one round of ticks then microtasks, and we return. Once the line
   * above is gone, a microtask can leave a tick behind: Node goes round
   * again while the tick queue is not empty. */
}

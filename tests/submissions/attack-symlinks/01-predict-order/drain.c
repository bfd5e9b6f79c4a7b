/* drain: run nextTick callbacks and microtasks the way Node does.
 *
 * Kata 01, reference solution. Node 20 drains like this, after the main
 * script and after every callback the loop runs (timers, immediates, I/O):
 *
 *   do {
 *     run ticks until the tick queue is empty;
 *     run microtasks until the microtask queue is empty;
 *   } while (the tick queue is not empty);
 *
 * The fix, against the starter, is two changes:
 *
 * 1. Ticks are not run between microtasks. Node's microtask queue belongs
 *    to V8, which runs it to the end in one go; a tick queued by a
 *    microtask waits until then, behind every microtask queued after it.
 *    So m1 (queues tick t1), m2 (queues m3), p1 runs "m1 m2 p1 m3 t1".
 *
 * 2. Go round again while a microtask left a tick behind. Without the loop
 *    that tick would run only after the next macrotask, or never.
 *
 * Ticks queued by ticks run in the same inner loop, before any microtask:
 * a recursive process.nextTick starves promises, as it does in Node.
 */
#include "drain.h"

/* Runs the tasks of `queue` front to back, including any they push onto
 * it, until it is empty. */
static void run_until_empty(task_queue_t *queue) {
  task_t task;

  while (task_queue_pop(queue, &task))
    task.fn(task.arg);
}

void drain_queues(task_queue_t *ticks, task_queue_t *microtasks) {
  do {
    run_until_empty(ticks);
    run_until_empty(microtasks);
  } while (task_queue_length(ticks) > 0);
}

/* drain: what Node does between two macrotasks.
 *
 * The contract the learner implements in drain.c (see README: The drain
 * rule). The runtime calls drain_queues() after the main script and after
 * every timer and immediate callback. Trusted kata code: the learner does
 * not edit this header.
 */
#ifndef KATA01_DRAIN_H
#define KATA01_DRAIN_H

#include "task_queue.h"

/* Runs the tasks in `ticks` (process.nextTick) and `microtasks` (promise
 * jobs, queueMicrotask) in Node's order, including every task those tasks
 * queue, and returns when both queues are empty. A task may push onto
 * either queue while it runs. Cannot fail: the tasks are the runtime's. */
void drain_queues(task_queue_t *ticks, task_queue_t *microtasks);

#endif /* KATA01_DRAIN_H */

/* task_queue: a FIFO queue of tasks, the queue behind process.nextTick,
 * queueMicrotask and setImmediate in this kata's runtime.
 *
 * The contract the learner implements in task_queue.c (see README:
 * Part two). Trusted kata code: the learner does not edit this header.
 */
#ifndef KATA01_TASK_QUEUE_H
#define KATA01_TASK_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

/* A callback and its argument. The queue never calls it; whoever pops the
 * task does. The argument is borrowed: the queue never frees it. */
typedef void (*task_fn)(void *arg);

typedef struct task {
  task_fn fn;
  void *arg;
} task_t;

/* Defined by the implementation in task_queue.c. */
typedef struct task_queue task_queue_t;

/* Returns a new, empty queue, or NULL when out of memory. The caller owns
 * it and frees it with task_queue_destroy(). */
task_queue_t *task_queue_new(void);

/* Frees `queue` and everything it allocated, including the slots of tasks
 * still queued (their arguments are not the queue's to free). Accepts
 * NULL. `queue` is no longer valid after the call. */
void task_queue_destroy(task_queue_t *queue);

/* Appends `task` at the back. Returns 0, or -ENOMEM when the queue cannot
 * grow, in which case the queue is unchanged. Amortised O(1). */
int task_queue_push(task_queue_t *queue, task_t task);

/* Removes the task at the front into `*out` and returns true, or returns
 * false, leaving `*out` untouched, when the queue is empty. O(1), however
 * many tasks are queued. */
bool task_queue_pop(task_queue_t *queue, task_t *out);

/* How many tasks are queued. O(1). */
size_t task_queue_length(const task_queue_t *queue);

#endif /* KATA01_TASK_QUEUE_H */

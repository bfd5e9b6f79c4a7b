/* task_queue: the FIFO queue behind nextTick, microtasks and immediates.
 *
 * A wrong fix, kept as a known submission: the never-reusing queue (a pop
 * advances `head`, a push writes at the end and grows the array there),
 * patched to go back to slot 0 whenever the queue is empty. That bounds a
 * queue that keeps emptying, such as one task pushed and popped in turn;
 * a queue that always holds a few tasks never empties, and still grows
 * by one slot per push for as long as it runs.
 */
#include "task_queue.h"

#include <errno.h>
#include <stdlib.h>

/* The queued tasks, oldest first, are tasks[head .. head + length). */
struct task_queue {
  task_t *tasks;
  size_t capacity;
  size_t head;
  size_t length;
};

task_queue_t *task_queue_new(void) {
  return calloc(1, sizeof(task_queue_t));
}

void task_queue_destroy(task_queue_t *queue) {
  if (queue == NULL)
    return;
  free(queue->tasks);
  free(queue);
}

int task_queue_push(task_queue_t *queue, task_t task) {
  size_t tail = queue->head + queue->length;

  if (tail == queue->capacity) {
    size_t capacity = queue->capacity == 0 ? 16 : queue->capacity * 2;
    task_t *tasks = realloc(queue->tasks, capacity * sizeof(*tasks));

    if (tasks == NULL)
      return -ENOMEM;
    queue->tasks = tasks;
    queue->capacity = capacity;
  }
  queue->tasks[tail] = task;
  queue->length++;
  return 0;
}

bool task_queue_pop(task_queue_t *queue, task_t *out) {
  if (queue->length == 0)
    return false;
  *out = queue->tasks[queue->head++];
  queue->length--;
  if (queue->length == 0)
    queue->head = 0; /* empty: start again from the first slot */
  return true;
}

size_t task_queue_length(const task_queue_t *queue) {
  return queue->length;
}

/* task_queue: the FIFO queue behind nextTick, microtasks and immediates.
 *
 * A wrong fix, kept as a known submission: a ring buffer whose pop only
 * advances `head`, O(1), but whose grow() only reallocates. When the queue
 * fills up with `head` in the middle of the array, the tasks that wrapped
 * round to slots[0 .. head) are not moved after the old end, so the
 * larger mask finds them out of order (or finds stale slots instead).
 */
#include "task_queue.h"

#include <errno.h>
#include <stdlib.h>

/* A power of two, and so is every capacity after it: "wrap around" is then
 * a mask, not a division. */
#define INITIAL_CAPACITY 16

/* The queued tasks, oldest first, are slots[head], slots[head + 1], ...,
 * `length` of them, indices taken modulo `capacity`. */
struct task_queue {
  task_t *slots;   /* owned; NULL until the first push */
  size_t capacity; /* 0, or a power of two */
  size_t head;     /* index of the oldest task */
  size_t length;   /* how many tasks are queued */
};

/* The index of the slot `offset` places after the head. Only for a queue
 * with slots (capacity > 0). */
static size_t slot_index(const task_queue_t *queue, size_t offset) {
  return (queue->head + offset) & (queue->capacity - 1);
}

task_queue_t *task_queue_new(void) {
  /* All zero is an empty queue: the slots come with the first push. */
  return calloc(1, sizeof(task_queue_t));
}

void task_queue_destroy(task_queue_t *queue) {
  if (queue == NULL)
    return;
  free(queue->slots);
  free(queue);
}

/* Doubles the slots of a full queue. Returns 0, or -ENOMEM with the queue
 * unchanged. */
static int grow(task_queue_t *queue) {
  size_t capacity =
      queue->capacity == 0 ? INITIAL_CAPACITY : queue->capacity * 2;
  task_t *slots = realloc(queue->slots, capacity * sizeof(*slots));

  if (slots == NULL)
    return -ENOMEM;
  queue->slots = slots;
  queue->capacity = capacity;
  return 0;
}

int task_queue_push(task_queue_t *queue, task_t task) {
  if (queue->length == queue->capacity) {
    int err = grow(queue);

    if (err != 0)
      return err;
  }
  queue->slots[slot_index(queue, queue->length)] = task;
  queue->length++;
  return 0;
}

bool task_queue_pop(task_queue_t *queue, task_t *out) {
  if (queue->length == 0)
    return false;
  *out = queue->slots[queue->head];
  /* The whole fix: the next task becomes the front where it already is. */
  queue->head = slot_index(queue, 1);
  queue->length--;
  return true;
}

size_t task_queue_length(const task_queue_t *queue) {
  return queue->length;
}

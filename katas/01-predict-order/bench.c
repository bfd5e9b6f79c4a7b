/* The benchmark of kata 01: what one pop and one push cost, measured by
 * the timing gate with callgrind as an instruction count.
 *
 * Usage: bench DEPTH OPS
 *
 * Fills a queue to DEPTH tasks, then bench_queue_ops() pops one task and
 * pushes one back, OPS times, so the queue stays DEPTH long. The grader
 * counts instructions inside bench_queue_ops() only (callgrind
 * --toggle-collect), at two depths, and wants the same count at both:
 * a queue whose pop or push walks or moves the queue fails.
 */
#include <stdio.h>
#include <stdlib.h>

#include "task_queue.h"

void bench_queue_ops(task_queue_t *queue, unsigned long ops);

static void noop(void *arg) {
  (void)arg;
}

/* The measured work, and nothing else: kept out of line so that callgrind
 * can toggle collection on its entry and exit. Returns early if the queue
 * misbehaves; main() then notices the wrong length. */
__attribute__((noinline)) void bench_queue_ops(task_queue_t *queue,
                                               unsigned long ops) {
  task_t task;

  for (unsigned long i = 0; i < ops; i++) {
    if (!task_queue_pop(queue, &task) || task_queue_push(queue, task) != 0)
      return;
  }
}

/* Parses a positive count, or returns 0. */
static unsigned long parse_count(const char *text) {
  char *end;
  unsigned long n = strtoul(text, &end, 10);

  return *text != '\0' && *end == '\0' ? n : 0;
}

int main(int argc, char **argv) {
  unsigned long depth = argc == 3 ? parse_count(argv[1]) : 0;
  unsigned long ops = argc == 3 ? parse_count(argv[2]) : 0;
  task_queue_t *queue;
  task_t task;

  if (depth == 0 || ops == 0) {
    fprintf(stderr, "usage: bench DEPTH OPS (both positive)\n");
    return 2;
  }
  queue = task_queue_new();
  if (queue == NULL) {
    fprintf(stderr, "error: cannot create the queue: out of memory\n");
    return 1;
  }
  for (unsigned long i = 0; i < depth; i++) {
    if (task_queue_push(queue, (task_t){noop, NULL}) != 0) {
      fprintf(stderr, "error: cannot fill the queue: out of memory\n");
      task_queue_destroy(queue);
      return 1;
    }
  }
  /* One pop and push outside the measurement, so that a queue that does
   * lazy work on its first pop (a two-stack queue moving its input stack)
   * has done it before counting starts. */
  if (task_queue_pop(queue, &task))
    (void)task_queue_push(queue, task);
  bench_queue_ops(queue, ops);
  if (task_queue_length(queue) != depth) {
    fprintf(stderr, "error: the queue holds %lu tasks, expected %lu\n",
            (unsigned long)task_queue_length(queue), depth);
    task_queue_destroy(queue);
    return 1;
  }
  task_queue_destroy(queue);
  printf("depth %lu, %lu pops and pushes\n", depth, ops);
  return 0;
}

/* runtime: a very small Node on libuv, to run the learner's drain.
 *
 * It models the four ways Node code queues work: process.nextTick
 * (runtime_next_tick), queueMicrotask and promise jobs
 * (runtime_queue_microtask), setImmediate (runtime_set_immediate) and
 * setTimeout (runtime_set_timeout). The "main script" is a function. The
 * runtime calls the learner's drain_queues() where Node drains: after the
 * main script and after every timer and immediate callback (see README:
 * The drain rule). Trusted kata code: the learner does not edit it.
 *
 * Single-threaded: call everything from the loop's thread.
 */
#ifndef KATA01_RUNTIME_H
#define KATA01_RUNTIME_H

#include <stdint.h>
#include <uv.h>

#include "task_queue.h"

typedef struct runtime {
  /* Public, read-only. */
  uv_loop_t loop; /* closed by the owner: runtime_close_handles(), then
                     uv_loop_close(), which must return 0 */
  unsigned long check_passes; /* check phases that ran immediates so far */
  /* Private. */
  uv_check_t check; /* runs immediates; closed by runtime_close_handles() */
  uv_idle_t idle;   /* active while immediates wait, so that poll does not
                       block; closed by runtime_close_handles() */
  task_queue_t *ticks;
  task_queue_t *microtasks;
  task_queue_t *immediates;
} runtime_t;

/* Initialises `rt` with a new loop and empty queues. Returns 0, or a
 * negative libuv error code with nothing left to free. On success the
 * caller calls runtime_close_handles() and then uv_loop_close(&rt->loop). */
int runtime_init(runtime_t *rt);

/* Runs `main_script(arg)`, drains, then runs the loop until no timer or
 * immediate is left. Returns uv_run()'s result: 0 when nothing is left. */
int runtime_run(runtime_t *rt, task_fn main_script, void *arg);

/* Closes the runtime's handles and any timer that has not fired, lets their
 * close callbacks run, and frees the queues (tasks still queued are
 * dropped; their arguments are not the runtime's). Leaves the loop open for
 * the caller's uv_loop_close(). */
void runtime_close_handles(runtime_t *rt);

/* process.nextTick(fn). Returns 0, or -ENOMEM. */
int runtime_next_tick(runtime_t *rt, task_fn fn, void *arg);

/* queueMicrotask(fn), and what a settled promise does with its .then
 * callback. Returns 0, or -ENOMEM. */
int runtime_queue_microtask(runtime_t *rt, task_fn fn, void *arg);

/* setImmediate(fn): runs in a later check phase. Returns 0, or -ENOMEM. */
int runtime_set_immediate(runtime_t *rt, task_fn fn, void *arg);

/* setTimeout(fn, ms): a one-shot uv_timer_t. As in Node, 0 ms is stored as
 * 1 ms. Returns 0, or -ENOMEM. */
int runtime_set_timeout(runtime_t *rt, uint64_t ms, task_fn fn, void *arg);

#endif /* KATA01_RUNTIME_H */

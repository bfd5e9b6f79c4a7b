/* runtime: see runtime.h. */
#include "runtime.h"

#include <errno.h>
#include <stdlib.h>

#include "drain.h"

/* One setTimeout. Allocated by runtime_set_timeout(), freed by the close
 * callback of its handle. */
typedef struct runtime_timer {
  uv_timer_t handle; /* closed in on_timer() after its one run, or by
                        runtime_close_handles() if it never ran */
  runtime_t *rt;
  task_t task;
} runtime_timer_t;

/* Does nothing: the idle handle only has to be active (see runtime.h). */
static void on_idle(uv_idle_t *idle) {
  (void)idle;
}

/* The check phase: runs the immediates that were queued when it started,
 * in order, draining after each. Ones queued meanwhile wait for the next
 * check phase, so a setImmediate loop cannot starve I/O. */
static void on_check(uv_check_t *check) {
  runtime_t *rt = check->data;
  size_t due = task_queue_length(rt->immediates);
  task_t task;

  rt->check_passes++;
  while (due-- > 0 && task_queue_pop(rt->immediates, &task)) {
    task.fn(task.arg);
    drain_queues(rt->ticks, rt->microtasks);
  }
  if (task_queue_length(rt->immediates) == 0) {
    uv_check_stop(&rt->check);
    uv_idle_stop(&rt->idle);
  }
}

static void free_timer(uv_handle_t *handle) {
  free(handle->data);
}

/* Runs the timer's task and the drain after it, then closes the timer. */
static void on_timer(uv_timer_t *handle) {
  runtime_timer_t *timer = handle->data;
  runtime_t *rt = timer->rt;

  timer->task.fn(timer->task.arg);
  drain_queues(rt->ticks, rt->microtasks);
  uv_close((uv_handle_t *)handle, free_timer);
}

static void destroy_queues(runtime_t *rt) {
  task_queue_destroy(rt->ticks);
  task_queue_destroy(rt->microtasks);
  task_queue_destroy(rt->immediates);
  rt->ticks = NULL;
  rt->microtasks = NULL;
  rt->immediates = NULL;
}

int runtime_init(runtime_t *rt) {
  int err = uv_loop_init(&rt->loop);

  if (err != 0)
    return err;
  rt->check_passes = 0;
  rt->ticks = task_queue_new();
  rt->microtasks = task_queue_new();
  rt->immediates = task_queue_new();
  if (rt->ticks == NULL || rt->microtasks == NULL || rt->immediates == NULL) {
    destroy_queues(rt);
    uv_loop_close(&rt->loop);
    return UV_ENOMEM;
  }
  uv_check_init(&rt->loop, &rt->check);
  uv_idle_init(&rt->loop, &rt->idle);
  rt->check.data = rt;
  rt->idle.data = rt;
  return 0;
}

int runtime_run(runtime_t *rt, task_fn main_script, void *arg) {
  main_script(arg);
  drain_queues(rt->ticks, rt->microtasks);
  return uv_run(&rt->loop, UV_RUN_DEFAULT);
}

static void close_handle(uv_handle_t *handle, void *arg) {
  runtime_t *rt = arg;

  if (uv_is_closing(handle))
    return;
  if (handle == (uv_handle_t *)&rt->check || handle == (uv_handle_t *)&rt->idle)
    uv_close(handle, NULL);
  else
    uv_close(handle, free_timer); /* every other handle is a timer */
}

void runtime_close_handles(runtime_t *rt) {
  uv_walk(&rt->loop, close_handle, rt);
  uv_run(&rt->loop, UV_RUN_DEFAULT);
  destroy_queues(rt);
}

int runtime_next_tick(runtime_t *rt, task_fn fn, void *arg) {
  return task_queue_push(rt->ticks, (task_t){fn, arg});
}

int runtime_queue_microtask(runtime_t *rt, task_fn fn, void *arg) {
  return task_queue_push(rt->microtasks, (task_t){fn, arg});
}

int runtime_set_immediate(runtime_t *rt, task_fn fn, void *arg) {
  int err = task_queue_push(rt->immediates, (task_t){fn, arg});

  if (err != 0)
    return err;
  /* Both are no-ops when already active. */
  uv_check_start(&rt->check, on_check);
  uv_idle_start(&rt->idle, on_idle);
  return 0;
}

int runtime_set_timeout(runtime_t *rt, uint64_t ms, task_fn fn, void *arg) {
  runtime_timer_t *timer = malloc(sizeof(*timer));

  if (timer == NULL)
    return -ENOMEM;
  timer->rt = rt;
  timer->task = (task_t){fn, arg};
  uv_timer_init(&rt->loop, &timer->handle);
  timer->handle.data = timer;
  /* Node turns a delay below 1 ms into 1 ms. It matters on libuv 1.44: a
   * 0 ms timer started in a timer callback would run in the same pass. */
  uv_timer_start(&timer->handle, on_timer, ms < 1 ? 1 : ms, 0);
  return 0;
}

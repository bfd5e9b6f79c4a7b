/* my_tests.c: the reference's own tests for kata 01.
 *
 * What a learner might add next to the suite: small tests that pin down
 * the cases the fix is about, the ring buffer wrapping round as it grows,
 * and the one drain order that the intuitive rule gets wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drain.h"
#include "order_log.h"
#include "task_queue.h"

/* What the drain test's tasks share. */
typedef struct world {
  order_log_t log;
  task_queue_t *ticks;
  task_queue_t *microtasks;
} world_t;

/* A task's argument: what to log, then what to queue (NULL: nothing). */
typedef struct step {
  world_t *world;
  const char *label;
  struct step *tick;
  struct step *microtask;
} step_t;

static void run_step(void *arg) {
  step_t *step = arg;
  world_t *w = step->world;

  order_log_add(&w->log, step->label);
  if (step->tick != NULL)
    assert_int_equal(task_queue_push(w->ticks, (task_t){run_step, step->tick}),
                     0);
  if (step->microtask != NULL)
    assert_int_equal(
        task_queue_push(w->microtasks, (task_t){run_step, step->microtask}), 0);
}

/* Pops one task and checks it is the one whose argument is `n`. */
static void expect_pop(task_queue_t *queue, uintptr_t n) {
  task_t out;

  assert_true(task_queue_pop(queue, &out));
  assert_ptr_equal(out.arg, (void *)n);
}

/* An example to copy: three tasks come out in the order they went in. */
static void test_my_queue_is_first_in_first_out(void **state) {
  task_queue_t *queue = task_queue_new();
  task_t out;

  (void)state;
  assert_non_null(queue);
  for (uintptr_t i = 1; i <= 3; i++)
    assert_int_equal(task_queue_push(queue, (task_t){run_step, (void *)i}), 0);
  for (uintptr_t i = 1; i <= 3; i++)
    expect_pop(queue, i);
  assert_false(task_queue_pop(queue, &out));
  task_queue_destroy(queue);
}

/* Head in the middle of the array when it fills up: growing must keep the
 * wrapped-round tasks behind the others. */
static void test_my_queue_grows_while_wrapped_round(void **state) {
  task_queue_t *queue = task_queue_new();
  uintptr_t next_in = 0;
  uintptr_t next_out = 0;

  (void)state;
  assert_non_null(queue);
  for (int i = 0; i < 10; i++)
    assert_int_equal(
        task_queue_push(queue, (task_t){run_step, (void *)next_in++}), 0);
  for (int i = 0; i < 10; i++)
    expect_pop(queue, next_out++);
  /* head is now 10 of 16: these 40 pushes wrap, then grow twice. */
  for (int i = 0; i < 40; i++)
    assert_int_equal(
        task_queue_push(queue, (task_t){run_step, (void *)next_in++}), 0);
  while (next_out < next_in)
    expect_pop(queue, next_out++);
  assert_int_equal(task_queue_length(queue), 0);
  task_queue_destroy(queue);
}

/* m1 queues tick t1, then microtask m2: Node runs m2 before t1, because
 * the microtask queue runs to its end before the ticks get another turn. */
static void
test_my_drain_runs_a_microtasks_tick_after_its_microtask(void **state) {
  world_t w = {.ticks = task_queue_new(), .microtasks = task_queue_new()};
  step_t t1 = {&w, "t1", NULL, NULL};
  step_t m2 = {&w, "m2", NULL, NULL};
  step_t m1 = {&w, "m1", &t1, &m2};
  char order[64];

  (void)state;
  assert_non_null(w.ticks);
  assert_non_null(w.microtasks);
  order_log_init(&w.log);
  assert_int_equal(task_queue_push(w.microtasks, (task_t){run_step, &m1}), 0);
  drain_queues(w.ticks, w.microtasks);
  assert_string_equal(order_log_format(&w.log, order, sizeof(order)),
                      "m1 m2 t1");
  task_queue_destroy(w.ticks);
  task_queue_destroy(w.microtasks);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_my_queue_is_first_in_first_out),
      cmocka_unit_test(test_my_queue_grows_while_wrapped_round),
      cmocka_unit_test(
          test_my_drain_runs_a_microtasks_tick_after_its_microtask),
  };

  return cmocka_run_group_tests_name("01-predict-order: my tests", tests, NULL,
                                     NULL);
}

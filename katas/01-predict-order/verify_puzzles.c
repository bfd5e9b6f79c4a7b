/* verify_puzzles: checks the reference answers of kata 01 against what
 * libuv really does on this machine. For kata authors, not learners.
 *
 * Usage: verify_puzzles PATH/TO/solutions/01-predict-order/predictions.txt
 *
 * - every puzzle the reference answers with an order is run 200 times and
 *   must give exactly that order every time;
 * - every puzzle the reference answers "nondeterministic" must show two
 *   different orders: puzzle 02 is forced each way, timer first by 2 ms of
 *   work before uv_run(), check first by retrying until the loop starts
 *   within the millisecond;
 * - the reference answers every puzzle, and only puzzle 02 is
 *   nondeterministic (the suite relies on that).
 *
 * Exit status: the number of failed checks, as cmocka's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "order_log.h"
#include "predictions.h"
#include "puzzles.h"

#define RUNS 200
#define CHECK_FIRST_ATTEMPTS 500
#define ORDER_TEXT 512

static const char *reference_path;

/* Loads the reference answers, or fails the test. */
static void load_reference(predictions_t *reference) {
  char err[PREDICTIONS_MAX_ANSWER + 256];

  if (predictions_load(reference, reference_path, err, sizeof(err)) != 0)
    fail_msg("%s", err);
}

/* Runs `puzzle` once into `order`, or fails the test. */
static void run_once(const puzzle_t *puzzle, char *order, size_t size) {
  order_log_t log;
  int err;

  order_log_init(&log);
  err = puzzle->run(&log);
  if (err != 0)
    fail_msg("puzzle %02u failed: %s", puzzle->number, uv_strerror(err));
  order_log_format(&log, order, size);
}

static void
test_the_reference_answers_every_puzzle_and_only_02_is_random(void **state) {
  predictions_t reference;

  (void)state;
  load_reference(&reference);
  for (size_t i = 0; i < puzzle_count; i++) {
    unsigned number = puzzle_table[i].number;
    const char *answer = predictions_get(&reference, number);
    bool random =
        answer != NULL && strcmp(answer, PREDICTIONS_NONDETERMINISTIC) == 0;

    if (answer == NULL || answer[0] == '\0')
      fail_msg("the reference has no answer for puzzle %02u", number);
    if (random != (number == 2))
      fail_msg("puzzle %02u: the suite treats only puzzle 02 as "
               "nondeterministic, the reference says '%s'",
               number, answer);
  }
}

static void
test_every_deterministic_puzzle_gives_the_reference_order(void **state) {
  predictions_t reference;
  char order[ORDER_TEXT];

  (void)state;
  load_reference(&reference);
  for (size_t i = 0; i < puzzle_count; i++) {
    const puzzle_t *puzzle = &puzzle_table[i];
    const char *answer = predictions_get(&reference, puzzle->number);

    if (answer == NULL || strcmp(answer, PREDICTIONS_NONDETERMINISTIC) == 0)
      continue;
    for (unsigned run = 1; run <= RUNS; run++) {
      run_once(puzzle, order, sizeof(order));
      if (strcmp(order, answer) != 0)
        fail_msg("puzzle %02u, run %u of %u\n  expected: %s\n    actual: %s",
                 puzzle->number, run, RUNS, answer, order);
    }
  }
}

static void
test_puzzle_02_runs_the_timer_first_after_2_ms_of_work(void **state) {
  char order[ORDER_TEXT];
  order_log_t log;

  (void)state;
  for (unsigned run = 1; run <= 20; run++) {
    order_log_init(&log);
    assert_int_equal(puzzle_one_ms_timer_vs_check(&log, 2000), 0);
    order_log_format(&log, order, sizeof(order));
    if (strcmp(order, "timer check") != 0)
      fail_msg("run %u\n  expected: timer check\n    actual: %s", run, order);
  }
}

static void
test_puzzle_02_runs_the_check_first_when_the_loop_starts_at_once(void **state) {
  char order[ORDER_TEXT];
  order_log_t log;

  (void)state;
  for (unsigned attempt = 1; attempt <= CHECK_FIRST_ATTEMPTS; attempt++) {
    order_log_init(&log);
    assert_int_equal(puzzle_one_ms_timer_vs_check(&log, 0), 0);
    order_log_format(&log, order, sizeof(order));
    if (strcmp(order, "check timer") == 0)
      return;
    if (strcmp(order, "timer check") != 0)
      fail_msg("attempt %u gave a third order: %s", attempt, order);
  }
  fail_msg("expected: check timer at least once\n"
           "  actual: timer check in all %u attempts",
           CHECK_FIRST_ATTEMPTS);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(
          test_the_reference_answers_every_puzzle_and_only_02_is_random),
      cmocka_unit_test(
          test_every_deterministic_puzzle_gives_the_reference_order),
      cmocka_unit_test(test_puzzle_02_runs_the_timer_first_after_2_ms_of_work),
      cmocka_unit_test(
          test_puzzle_02_runs_the_check_first_when_the_loop_starts_at_once),
  };
  int failed;

  if (argc != 2) {
    fprintf(stderr, "usage: verify_puzzles REFERENCE_PREDICTIONS_TXT\n");
    return 2;
  }
  reference_path = argv[1];
  failed = cmocka_run_group_tests_name("01-predict-order: verify puzzles",
                                       tests, NULL, NULL);
  uv_library_shutdown();
  return failed;
}

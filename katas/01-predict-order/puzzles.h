/* puzzles: small libuv programs whose callback order you predict.
 *
 * Each puzzle is one function that creates its own loop, starts a few
 * handles and requests, runs the loop, records a label as each callback
 * runs, then closes everything. Read a puzzle, write down the order you
 * expect in predictions.txt, and only then run the suite (see README:
 * Part one). Trusted kata code: the learner does not edit it.
 */
#ifndef KATA01_PUZZLES_H
#define KATA01_PUZZLES_H

#include <stddef.h>

#include "order_log.h"

/* Runs one puzzle, appending labels to `log`. Returns 0, or a negative
 * libuv error code: from a failed call, or UV_EBUSY from uv_loop_close()
 * when a handle was left open. The loop is closed either way. */
typedef int (*puzzle_run_fn)(order_log_t *log);

typedef struct puzzle {
  unsigned number;   /* the NN in predictions.txt */
  const char *title; /* what the program sets up, not what it prints */
  puzzle_run_fn run;
} puzzle_t;

extern const puzzle_t puzzle_table[];
extern const size_t puzzle_count;

/* The puzzle numbered `number`, or NULL. Borrowed from puzzle_table. */
const puzzle_t *puzzle_find(unsigned number);

/* Puzzle 02 with a busy-wait of `spin_us` microseconds between starting
 * the handles and calling uv_run (puzzle 02 itself waits 0). Used to make
 * each possible order appear on demand. Fails as puzzle_run_fn does. */
int puzzle_one_ms_timer_vs_check(order_log_t *log, unsigned spin_us);

#endif /* KATA01_PUZZLES_H */

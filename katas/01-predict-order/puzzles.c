/* puzzles: see puzzles.h.
 *
 * How to read a puzzle: find its run function (puzzle_NN), see what it
 * starts before uv_run(), then follow each callback. Every label a callback
 * adds to the log is a string literal in that callback. Where a comment
 * shows Node code, it is the JavaScript that does the same thing on Node's
 * loop, which is this loop.
 *
 * Conventions shared by every puzzle:
 * - handles live in the puzzle's own struct, on the stack of its run
 *   function, and `data` points back at that struct;
 * - a handle may stop or close itself, and finish_loop() closes whatever is
 *   still open, so every loop ends with uv_loop_close() returning 0.
 */
#include "puzzles.h"

#include <uv.h>

/* uv_close() callback for handles whose closing is not part of a puzzle. */
static void close_quietly(uv_handle_t *handle, void *arg) {
  (void)arg;
  if (!uv_is_closing(handle))
    uv_close(handle, NULL);
}

/* Closes every handle still open on `loop`, runs the loop so their close
 * callbacks run, and closes it. Returns uv_loop_close()'s result: 0, or
 * UV_EBUSY if something is still open. */
static int finish_loop(uv_loop_t *loop) {
  uv_walk(loop, close_quietly, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop);
}

/* Returns `err` when it is an error, else the result of finishing `loop`:
 * a puzzle that failed to start still closes its loop. */
static int finish_with(uv_loop_t *loop, int err) {
  int closed = finish_loop(loop);
  return err != 0 ? err : closed;
}

/* An idle handle's callback that does nothing: the handle matters only
 * because, while it is active, poll does not block (uv_backend_timeout()
 * is 0). Node keeps one active while setImmediate callbacks are pending. */
static void keep_polling(uv_idle_t *idle) {
  (void)idle;
}

/* --- Puzzle 01 ------------------------------------------------------------
 * A 0 ms timer and a check handle, both started before uv_run().
 */
typedef struct p01 {
  order_log_t *log;
  uv_timer_t timer; /* fires once; closed by finish_loop() */
  uv_check_t check; /* stops itself; closed by finish_loop() */
  uv_idle_t idle;   /* stopped by the check; closed by finish_loop() */
} p01_t;

static void p01_on_timer(uv_timer_t *timer) {
  p01_t *p = timer->data;
  order_log_add(p->log, "timer");
}

static void p01_on_check(uv_check_t *check) {
  p01_t *p = check->data;
  order_log_add(p->log, "check");
  uv_check_stop(check);
  uv_idle_stop(&p->idle);
}

static int puzzle_01(order_log_t *log) {
  uv_loop_t loop;
  p01_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_timer_init(&loop, &p.timer);
  uv_check_init(&loop, &p.check);
  uv_idle_init(&loop, &p.idle);
  p.timer.data = &p;
  p.check.data = &p;
  uv_timer_start(&p.timer, p01_on_timer, 0, 0); /* 0 ms, not 1 */
  uv_check_start(&p.check, p01_on_check);
  uv_idle_start(&p.idle, keep_polling);
  uv_run(&loop, UV_RUN_DEFAULT);
  return finish_loop(&loop);
}

/* --- Puzzle 02 ------------------------------------------------------------
 * A 1 ms timer and a check handle, both started before uv_run(). In Node:
 *
 *   setTimeout(() => log('timer'), 0);   // Node stores 0 as 1 ms
 *   setImmediate(() => log('check'));
 */
typedef struct p02 {
  order_log_t *log;
  uv_timer_t timer; /* fires once; closed by finish_loop() */
  uv_check_t check; /* stops itself; closed by finish_loop() */
  uv_idle_t idle;   /* stopped by the check; closed by finish_loop() */
} p02_t;

static void p02_on_timer(uv_timer_t *timer) {
  p02_t *p = timer->data;
  order_log_add(p->log, "timer");
}

static void p02_on_check(uv_check_t *check) {
  p02_t *p = check->data;
  order_log_add(p->log, "check");
  uv_check_stop(check);
  uv_idle_stop(&p->idle);
}

/* Busy-waits `us` microseconds without touching the loop. */
static void spin(unsigned us) {
  uint64_t until = uv_hrtime() + (uint64_t)us * 1000;

  while (uv_hrtime() < until)
    continue;
}

int puzzle_one_ms_timer_vs_check(order_log_t *log, unsigned spin_us) {
  uv_loop_t loop;
  p02_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_timer_init(&loop, &p.timer);
  uv_check_init(&loop, &p.check);
  uv_idle_init(&loop, &p.idle);
  p.timer.data = &p;
  p.check.data = &p;
  uv_timer_start(&p.timer, p02_on_timer, 1, 0);
  uv_check_start(&p.check, p02_on_check);
  uv_idle_start(&p.idle, keep_polling);
  spin(spin_us); /* whatever else main does before the loop starts */
  uv_run(&loop, UV_RUN_DEFAULT);
  return finish_loop(&loop);
}

static int puzzle_02(order_log_t *log) {
  return puzzle_one_ms_timer_vs_check(log, 0);
}

/* --- Puzzle 03 ------------------------------------------------------------
 * An fs request whose callback starts a 0 ms timer and a check handle.
 */
typedef struct p03 {
  order_log_t *log;
  uv_fs_t stat;     /* a request, not a handle: cleaned up in its callback */
  uv_timer_t timer; /* fires once; closed by finish_loop() */
  uv_check_t check; /* stops itself; closed by finish_loop() */
} p03_t;

static void p03_on_timer(uv_timer_t *timer) {
  p03_t *p = timer->data;
  order_log_add(p->log, "timer");
}

static void p03_on_check(uv_check_t *check) {
  p03_t *p = check->data;
  order_log_add(p->log, "check");
  uv_check_stop(check);
}

static void p03_on_stat(uv_fs_t *req) {
  p03_t *p = req->data;
  order_log_add(p->log, "fs");
  uv_fs_req_cleanup(req);
  uv_timer_start(&p->timer, p03_on_timer, 0, 0);
  uv_check_start(&p->check, p03_on_check);
}

static int puzzle_03(order_log_t *log) {
  uv_loop_t loop;
  p03_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_timer_init(&loop, &p.timer);
  uv_check_init(&loop, &p.check);
  p.timer.data = &p;
  p.check.data = &p;
  p.stat.data = &p;
  err = uv_fs_stat(&loop, &p.stat, "/", p03_on_stat);
  if (err == 0)
    uv_run(&loop, UV_RUN_DEFAULT);
  return finish_with(&loop, err);
}

/* --- Puzzle 04 ------------------------------------------------------------
 * One handle of each kind the loop runs every iteration, started in this
 * order: check, prepare, idle, then a 0 ms timer. Each logs its first run.
 */
typedef struct p04 {
  order_log_t *log;
  unsigned idles;       /* how many times the idle ran */
  uv_check_t check;     /* stops itself; closed by finish_loop() */
  uv_prepare_t prepare; /* stops itself; closed by finish_loop() */
  uv_idle_t idle;       /* stopped by the check; closed by finish_loop() */
  uv_timer_t timer;     /* fires once; closed by finish_loop() */
} p04_t;

static void p04_on_check(uv_check_t *check) {
  p04_t *p = check->data;
  order_log_add(p->log, "check");
  uv_check_stop(check);
  uv_idle_stop(&p->idle);
}

static void p04_on_prepare(uv_prepare_t *prepare) {
  p04_t *p = prepare->data;
  order_log_add(p->log, "prepare");
  uv_prepare_stop(prepare);
}

/* Logs once; it stays active until the check stops it, so that poll does
 * not block before the check has run. */
static void p04_on_idle(uv_idle_t *idle) {
  p04_t *p = idle->data;
  if (p->idles++ == 0)
    order_log_add(p->log, "idle");
}

static void p04_on_timer(uv_timer_t *timer) {
  p04_t *p = timer->data;
  order_log_add(p->log, "timer");
}

static int puzzle_04(order_log_t *log) {
  uv_loop_t loop;
  p04_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_check_init(&loop, &p.check);
  uv_prepare_init(&loop, &p.prepare);
  uv_idle_init(&loop, &p.idle);
  uv_timer_init(&loop, &p.timer);
  p.check.data = &p;
  p.prepare.data = &p;
  p.idle.data = &p;
  p.timer.data = &p;
  uv_check_start(&p.check, p04_on_check);
  uv_prepare_start(&p.prepare, p04_on_prepare);
  uv_idle_start(&p.idle, p04_on_idle);
  uv_timer_start(&p.timer, p04_on_timer, 0, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  return finish_loop(&loop);
}

/* --- Puzzle 05 ------------------------------------------------------------
 * A 0 ms timer "a" whose callback starts another 0 ms timer "b", and a check
 * handle, all but "b" started before uv_run().
 */
typedef struct p05 {
  order_log_t *log;
  uv_timer_t a;     /* fires once; closed by finish_loop() */
  uv_timer_t b;     /* started by a; fires once; closed by finish_loop() */
  uv_check_t check; /* stops itself; closed by finish_loop() */
  uv_idle_t idle;   /* stopped by the check; closed by finish_loop() */
} p05_t;

static void p05_on_b(uv_timer_t *timer) {
  p05_t *p = timer->data;
  order_log_add(p->log, "b");
}

static void p05_on_a(uv_timer_t *timer) {
  p05_t *p = timer->data;
  order_log_add(p->log, "a");
  uv_timer_start(&p->b, p05_on_b, 0, 0);
}

static void p05_on_check(uv_check_t *check) {
  p05_t *p = check->data;
  order_log_add(p->log, "check");
  uv_check_stop(check);
  uv_idle_stop(&p->idle);
}

static int puzzle_05(order_log_t *log) {
  uv_loop_t loop;
  p05_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_timer_init(&loop, &p.a);
  uv_timer_init(&loop, &p.b);
  uv_check_init(&loop, &p.check);
  uv_idle_init(&loop, &p.idle);
  p.a.data = &p;
  p.b.data = &p;
  p.check.data = &p;
  uv_timer_start(&p.a, p05_on_a, 0, 0);
  uv_check_start(&p.check, p05_on_check);
  uv_idle_start(&p.idle, keep_polling);
  uv_run(&loop, UV_RUN_DEFAULT);
  return finish_loop(&loop);
}

/* --- Puzzle 06 ------------------------------------------------------------
 * Three timers started one after the other before uv_run(): "x" and "y"
 * with 2 ms, then "z" with 1 ms.
 */
typedef struct p06 {
  order_log_t *log;
  uv_timer_t x; /* fires once; closed by finish_loop() */
  uv_timer_t y; /* fires once; closed by finish_loop() */
  uv_timer_t z; /* fires once; closed by finish_loop() */
} p06_t;

static void p06_on_x(uv_timer_t *timer) {
  p06_t *p = timer->data;
  order_log_add(p->log, "x");
}

static void p06_on_y(uv_timer_t *timer) {
  p06_t *p = timer->data;
  order_log_add(p->log, "y");
}

static void p06_on_z(uv_timer_t *timer) {
  p06_t *p = timer->data;
  order_log_add(p->log, "z");
}

static int puzzle_06(order_log_t *log) {
  uv_loop_t loop;
  p06_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_timer_init(&loop, &p.x);
  uv_timer_init(&loop, &p.y);
  uv_timer_init(&loop, &p.z);
  p.x.data = &p;
  p.y.data = &p;
  p.z.data = &p;
  uv_timer_start(&p.x, p06_on_x, 2, 0);
  uv_timer_start(&p.y, p06_on_y, 2, 0);
  uv_timer_start(&p.z, p06_on_z, 1, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  return finish_loop(&loop);
}

/* --- Puzzle 07 ------------------------------------------------------------
 * A check handle that logs every time it runs (the first three times, so a
 * loop that spins cannot fill the log), and a 50 ms timer that stops it.
 * No idle handle this time.
 */
typedef struct p07 {
  order_log_t *log;
  unsigned checks;  /* how many times the check ran */
  uv_check_t check; /* stopped by the timer; closed by finish_loop() */
  uv_timer_t timer; /* fires once; closed by finish_loop() */
} p07_t;

static void p07_on_check(uv_check_t *check) {
  p07_t *p = check->data;
  if (p->checks++ < 3)
    order_log_add(p->log, "check");
}

static void p07_on_timer(uv_timer_t *timer) {
  p07_t *p = timer->data;
  order_log_add(p->log, "timer");
  uv_check_stop(&p->check);
}

static int puzzle_07(order_log_t *log) {
  uv_loop_t loop;
  p07_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_check_init(&loop, &p.check);
  uv_timer_init(&loop, &p.timer);
  p.check.data = &p;
  p.timer.data = &p;
  uv_check_start(&p.check, p07_on_check);
  /* Count the 50 ms from now, not from uv_loop_init(): the puzzle is about
   * poll, not about how long the set-up took. */
  uv_update_time(&loop);
  uv_timer_start(&p.timer, p07_on_timer, 50, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  return finish_loop(&loop);
}

/* --- Puzzle 08 ------------------------------------------------------------
 * A 0 ms timer that closes itself, and a check handle that closes itself;
 * each close has a callback that logs.
 */
typedef struct p08 {
  order_log_t *log;
  uv_timer_t timer; /* closes itself in p08_on_timer() */
  uv_check_t check; /* closes itself in p08_on_check() */
  uv_idle_t idle;   /* stopped by the check; closed by finish_loop() */
} p08_t;

static void p08_timer_closed(uv_handle_t *handle) {
  p08_t *p = handle->data;
  order_log_add(p->log, "timer_closed");
}

static void p08_check_closed(uv_handle_t *handle) {
  p08_t *p = handle->data;
  order_log_add(p->log, "check_closed");
}

static void p08_on_timer(uv_timer_t *timer) {
  p08_t *p = timer->data;
  order_log_add(p->log, "timer");
  uv_close((uv_handle_t *)timer, p08_timer_closed);
}

static void p08_on_check(uv_check_t *check) {
  p08_t *p = check->data;
  order_log_add(p->log, "check");
  uv_idle_stop(&p->idle);
  uv_close((uv_handle_t *)check, p08_check_closed);
}

static int puzzle_08(order_log_t *log) {
  uv_loop_t loop;
  p08_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_timer_init(&loop, &p.timer);
  uv_check_init(&loop, &p.check);
  uv_idle_init(&loop, &p.idle);
  p.timer.data = &p;
  p.check.data = &p;
  uv_timer_start(&p.timer, p08_on_timer, 0, 0);
  uv_check_start(&p.check, p08_on_check);
  uv_idle_start(&p.idle, keep_polling);
  uv_run(&loop, UV_RUN_DEFAULT);
  return finish_loop(&loop);
}

/* --- Puzzle 09 ------------------------------------------------------------
 * An idle handle that logs each run, and two check handles started in the
 * order "first", "second". The callback of "first" starts a third check
 * handle, "third", which stops the idle handle when it runs.
 */
typedef struct p09 {
  order_log_t *log;
  unsigned idles;    /* how many times the idle ran */
  uv_idle_t idle;    /* stopped by third; closed by finish_loop() */
  uv_check_t first;  /* stops itself; closed by finish_loop() */
  uv_check_t second; /* stops itself; closed by finish_loop() */
  uv_check_t third;  /* stops itself; closed by finish_loop() */
} p09_t;

static void p09_on_idle(uv_idle_t *idle) {
  p09_t *p = idle->data;
  if (p->idles++ < 4) /* it cannot spin for ever and fill the log */
    order_log_add(p->log, "idle");
}

static void p09_on_third(uv_check_t *check) {
  p09_t *p = check->data;
  order_log_add(p->log, "third");
  uv_check_stop(check);
  uv_idle_stop(&p->idle);
}

static void p09_on_first(uv_check_t *check) {
  p09_t *p = check->data;
  order_log_add(p->log, "first");
  uv_check_stop(check);
  uv_check_start(&p->third, p09_on_third);
}

static void p09_on_second(uv_check_t *check) {
  p09_t *p = check->data;
  order_log_add(p->log, "second");
  uv_check_stop(check);
}

static int puzzle_09(order_log_t *log) {
  uv_loop_t loop;
  p09_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_idle_init(&loop, &p.idle);
  uv_check_init(&loop, &p.first);
  uv_check_init(&loop, &p.second);
  uv_check_init(&loop, &p.third);
  p.idle.data = &p;
  p.first.data = &p;
  p.second.data = &p;
  p.third.data = &p;
  uv_idle_start(&p.idle, p09_on_idle);
  uv_check_start(&p.first, p09_on_first);
  uv_check_start(&p.second, p09_on_second);
  uv_run(&loop, UV_RUN_DEFAULT);
  return finish_loop(&loop);
}

/* --- Puzzle 10 ------------------------------------------------------------
 * A thread-pool work request. Its after-work callback (on the loop thread)
 * starts an fs request, a 0 ms timer and a check handle, in that order.
 */
typedef struct p10 {
  order_log_t *log;
  uv_work_t work;   /* a request: done once after_work has run */
  uv_fs_t stat;     /* a request: cleaned up in its callback */
  uv_timer_t timer; /* fires once; closed by finish_loop() */
  uv_check_t check; /* stops itself; closed by finish_loop() */
  int err;          /* from starting the fs request, if it failed */
} p10_t;

/* Runs on a thread-pool thread: it must not touch the loop or the log. */
static void p10_work(uv_work_t *req) {
  (void)req;
}

static void p10_on_stat(uv_fs_t *req) {
  p10_t *p = req->data;
  order_log_add(p->log, "fs");
  uv_fs_req_cleanup(req);
}

static void p10_on_timer(uv_timer_t *timer) {
  p10_t *p = timer->data;
  order_log_add(p->log, "timer");
}

static void p10_on_check(uv_check_t *check) {
  p10_t *p = check->data;
  order_log_add(p->log, "check");
  uv_check_stop(check);
}

static void p10_after_work(uv_work_t *req, int status) {
  p10_t *p = req->data;
  (void)status;
  order_log_add(p->log, "work");
  p->err = uv_fs_stat(req->loop, &p->stat, "/", p10_on_stat);
  uv_timer_start(&p->timer, p10_on_timer, 0, 0);
  uv_check_start(&p->check, p10_on_check);
}

static int puzzle_10(order_log_t *log) {
  uv_loop_t loop;
  p10_t p = {.log = log};
  int err = uv_loop_init(&loop);

  if (err != 0)
    return err;
  uv_timer_init(&loop, &p.timer);
  uv_check_init(&loop, &p.check);
  p.timer.data = &p;
  p.check.data = &p;
  p.work.data = &p;
  p.stat.data = &p;
  err = uv_queue_work(&loop, &p.work, p10_work, p10_after_work);
  if (err == 0)
    uv_run(&loop, UV_RUN_DEFAULT);
  return finish_with(&loop, err != 0 ? err : p.err);
}

/* --- The table ------------------------------------------------------------ */

const puzzle_t puzzle_table[] = {
    {1, "a 0 ms timer and a check, started from main", puzzle_01},
    {2, "a 1 ms timer and a check, started from main", puzzle_02},
    {3, "a 0 ms timer and a check, started from an fs callback", puzzle_03},
    {4, "a check, a prepare, an idle and a 0 ms timer", puzzle_04},
    {5, "a 0 ms timer that starts another 0 ms timer, and a check", puzzle_05},
    {6, "timers of 2 ms, 2 ms and 1 ms, started in that order", puzzle_06},
    {7, "a check that logs each run, and a 50 ms timer", puzzle_07},
    {8, "a timer and a check that close themselves", puzzle_08},
    {9, "two checks and an idle; a check started during check", puzzle_09},
    {10, "after-work starts an fs request, a 0 ms timer and a check",
     puzzle_10},
};

const size_t puzzle_count = sizeof(puzzle_table) / sizeof(puzzle_table[0]);

const puzzle_t *puzzle_find(unsigned number) {
  for (size_t i = 0; i < puzzle_count; i++) {
    if (puzzle_table[i].number == number)
      return &puzzle_table[i];
  }
  return NULL;
}

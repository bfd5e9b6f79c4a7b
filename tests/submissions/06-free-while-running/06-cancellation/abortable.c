/* abortable.c: a timer, a pool job and a file read that take an abort
 * signal. Kata 06, reference solution.
 *
 * Every operation follows the same three rules, and each rule is one of
 * the bugs the starter had:
 *
 * 1. Exactly one report. The outcome is decided in one place per path (the
 *    listener decides "aborted", the libuv callback decides "done"), and
 *    whichever comes first removes the other: the done path detaches the
 *    listener, the abort path stops what would have reported success.
 * 2. The report comes from libuv, never from the listener. The listener
 *    runs inside abort_signal_abort(), that is inside the caller's code:
 *    calling back from there would be re-entrant, and, for a request the
 *    pool still holds, a lie: the request is not finished.
 * 3. The memory goes only when libuv gives it back: a timer handle in its
 *    close callback, a work or fs request in its after-work callback. Until
 *    then libuv (and, for a job that runs, a pool thread) still uses it.
 */
#include "abortable.h"

#include <limits.h>
#include <stdlib.h>

#define container_of(ptr, type, member)                                        \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

typedef struct op {
  abort_listener_t listener; /* attached from start to report, or abort */
  abortable_cb cb;
  void *arg;
  int reason; /* the signal's reason once it aborted us, else 0 */
  ssize_t result;
  abortable_work_fn work;
  union {
    uv_timer_t timer; /* sleep: closed before the report */
    uv_work_t work;   /* work: the pool's until after_work */
    uv_fs_t fs;       /* read: the pool's until on_read */
  } u;
} op_t;

/* A new operation, listening on `signal` (which may be NULL). Returns 0
 * and the operation, owned by the caller until its libuv request starts;
 * or the signal's reason if it already aborted, or UV_ENOMEM. */
static int op_new(abort_signal_t *signal, abort_listener_cb on_abort,
                  abortable_cb cb, void *arg, op_t **out) {
  op_t *op = calloc(1, sizeof(*op));
  int err;

  if (op == NULL)
    return UV_ENOMEM;
  op->cb = cb;
  op->arg = arg;
  if (signal != NULL) {
    err = abort_signal_add(signal, &op->listener, on_abort);
    if (err != 0) {
      free(op);
      return err;
    }
  }
  *out = op;
  return 0;
}

/* The one way an operation ends: it is detached, reports, and is freed.
 * The callback may abort the signal, start operations or free the signal:
 * nothing of this operation is reachable from the signal any more. */
static void op_finish(op_t *op, ssize_t result) {
  abort_signal_remove(&op->listener);
  op->cb(result, op->arg);
  free(op);
}

/* A start that failed after op_new(): nothing was queued, nothing reports. */
static int op_drop(op_t *op, int err) {
  abort_signal_remove(&op->listener);
  free(op);
  return err;
}

/* ---- abortable_sleep ------------------------------------------------------
 */

static void sleep_closed(uv_handle_t *handle) {
  op_t *op = container_of(handle, op_t, u.timer);

  op_finish(op, op->result);
}

static void sleep_elapsed(uv_timer_t *timer) {
  op_t *op = container_of(timer, op_t, u.timer);

  /* Decided: a success. Detach now, so that an abort before the close
   * callback finds nothing to call and the result stays 0. */
  abort_signal_remove(&op->listener);
  op->result = 0;
  uv_close((uv_handle_t *)timer, sleep_closed);
}

static void sleep_aborted(abort_listener_t *listener, int reason) {
  op_t *op = container_of(listener, op_t, listener);

  /* Closing the timer stops it: it can no longer fire and report a second
   * time. The report waits for the close callback, on the loop. */
  op->result = reason;
  uv_close((uv_handle_t *)&op->u.timer, sleep_closed);
}

int abortable_sleep(uv_loop_t *loop, uint64_t ms, abort_signal_t *signal,
                    abortable_cb cb, void *arg) {
  op_t *op;
  int err;

  if (loop == NULL || cb == NULL)
    return UV_EINVAL;
  err = op_new(signal, sleep_aborted, cb, arg, &op);
  if (err != 0)
    return err;
  err = uv_timer_init(loop, &op->u.timer);
  if (err != 0)
    return op_drop(op, err);
  /* uv_timer_start() cannot fail on an initialised timer with a callback. */
  (void)uv_timer_start(&op->u.timer, sleep_elapsed, ms, 0);
  return 0;
}

/* ---- abortable_work -------------------------------------------------------
 */

/* On a pool thread: it reads only what was written before uv_queue_work(),
 * which orders it; everything the loop's thread changes later (the
 * listener, the reason) it never touches. */
static void work_run(uv_work_t *req) {
  op_t *op = container_of(req, op_t, u.work);

  op->work(op->arg);
}

static void work_done(uv_work_t *req, int status) {
  op_t *op = container_of(req, op_t, u.work);

  /* status is UV_ECANCELED only when work_aborted() took the job off the
   * queue; a job that ran while aborted reports the abort all the same. */
  op_finish(op, op->reason != 0 ? op->reason : status);
}

static void work_aborted(abort_listener_t *listener, int reason) {
  op_t *op = container_of(listener, op_t, listener);

  op->reason = reason;
  /* Queued: libuv takes it off the queue and calls work_done() with
   * UV_ECANCELED. Running: nobody waits for it any more, so report the
   * abort now and be done with it. */
  if (uv_cancel((uv_req_t *)&op->u.work) == UV_EBUSY)
    op_finish(op, reason);
}

int abortable_work(uv_loop_t *loop, abortable_work_fn work,
                   abort_signal_t *signal, abortable_cb cb, void *arg) {
  op_t *op;
  int err;

  if (loop == NULL || work == NULL || cb == NULL)
    return UV_EINVAL;
  err = op_new(signal, work_aborted, cb, arg, &op);
  if (err != 0)
    return err;
  op->work = work;
  err = uv_queue_work(loop, &op->u.work, work_run, work_done);
  if (err != 0)
    return op_drop(op, err);
  return 0;
}

/* ---- abortable_read -------------------------------------------------------
 */

static void read_done(uv_fs_t *req) {
  op_t *op = container_of(req, op_t, u.fs);
  ssize_t result = op->reason != 0 ? op->reason : req->result;

  uv_fs_req_cleanup(req);
  op_finish(op, result);
}

static void read_aborted(abort_listener_t *listener, int reason) {
  op_t *op = container_of(listener, op_t, listener);

  /* The same as a job: a read still queued never touches the buffer; one
   * that runs writes into it until it returns, so the caller gets the
   * buffer back only in read_done(). */
  op->reason = reason;
  (void)uv_cancel((uv_req_t *)&op->u.fs);
}

int abortable_read(uv_loop_t *loop, uv_file file, void *buf, size_t len,
                   int64_t offset, abort_signal_t *signal, abortable_cb cb,
                   void *arg) {
  uv_buf_t chunk;
  op_t *op;
  int err;

  if (loop == NULL || buf == NULL || cb == NULL)
    return UV_EINVAL;
  err = op_new(signal, read_aborted, cb, arg, &op);
  if (err != 0)
    return err;
  /* One read may return fewer bytes than asked: a longer buffer only
   * means a shorter read. */
  chunk = uv_buf_init(buf, len > UINT_MAX ? UINT_MAX : (unsigned)len);
  err = uv_fs_read(loop, &op->u.fs, file, &chunk, 1, offset, read_done);
  if (err != 0)
    return op_drop(op, err);
  return 0;
}

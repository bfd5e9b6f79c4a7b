/* abortable.h: the contract of kata 06, implemented by your abort_signal.c
 * and abortable.c.
 *
 * An abort signal is Node's AbortController and AbortSignal in one object:
 * whoever holds it may abort it, and every operation started with it
 * listens for that. Three operations take a signal: a timer
 * (abortable_sleep), a job on libuv's thread pool (abortable_work) and a
 * file read (abortable_read). Read README.md, "The contract", for the
 * details; everything runs on the loop's thread unless it says otherwise.
 */
#ifndef SENIOR_ABORTABLE_H
#define SENIOR_ABORTABLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

typedef struct abort_signal abort_signal_t;
typedef struct abort_listener abort_listener_t;

/* Called when the signal `listener` was added to aborts, with the reason
 * (UV_ECANCELED or UV_ETIMEDOUT). The listener is already detached when
 * this runs. */
typedef void (*abort_listener_cb)(abort_listener_t *listener, int reason);

/* A listener lives inside whatever listens (an operation, a test): the
 * signal never allocates one. Its fields belong to abort_signal.c. A
 * listener is detached when it is zeroed, once abort_signal_remove() has
 * returned, and when its callback is called. */
struct abort_listener {
  abort_listener_cb cb;
  abort_signal_t *signal; /* the signal it is attached to, or NULL */
  abort_listener_t *prev;
  abort_listener_t *next;
};

/* ---- The signal (abort_signal.c) ---------------------------------------- */

/* A new signal, not aborted, that aborts when abort_signal_abort() is
 * called: `new AbortController()`. Returns 0 or UV_EINVAL / UV_ENOMEM. */
int abort_signal_new(abort_signal_t **signal);

/* A new signal that aborts itself with UV_ETIMEDOUT `ms` milliseconds from
 * now, on `loop`: `AbortSignal.timeout(ms)`. Like Node's, its timer does
 * not keep the loop alive on its own. Returns 0 or a negative libuv
 * error. */
int abort_signal_timeout(uv_loop_t *loop, uint64_t ms, abort_signal_t **signal);

/* Aborts `signal` with UV_ECANCELED: `controller.abort()`. Every attached
 * listener is detached and called, once, in the order they were added; a
 * listener removed meanwhile (even by another listener) is not called.
 * Aborting an aborted signal does nothing, from anywhere, listeners
 * included. */
void abort_signal_abort(abort_signal_t *signal);

/* 0 while `signal` is not aborted; then the reason of its first abort,
 * UV_ECANCELED or UV_ETIMEDOUT: `signal.aborted` and `signal.reason`. */
int abort_signal_reason(const abort_signal_t *signal);

/* Attaches `listener` (detached, owned by the caller) to `signal`, to be
 * called with `cb` when the signal aborts: `addEventListener('abort')`.
 * Returns 0; or, on an aborted signal, its reason, and attaches nothing;
 * or UV_EINVAL for a NULL argument. */
int abort_signal_add(abort_signal_t *signal, abort_listener_t *listener,
                     abort_listener_cb cb);

/* Detaches `listener` from its signal; does nothing if it is detached:
 * `removeEventListener()`. Constant time. */
void abort_signal_remove(abort_listener_t *listener);

/* How many listeners are attached to `signal`: `getEventListeners()`. */
size_t abort_signal_listener_count(const abort_signal_t *signal);

/* Releases `signal` (NULL: nothing). Call it once no operation started with
 * it is in flight. A timeout signal's timer is closed, so the memory goes
 * back on the loop's next turn: run the loop before uv_loop_close(). */
void abort_signal_free(abort_signal_t *signal);

/* ---- Operations that take a signal (abortable.c) ------------------------- */

/* The completion callback of every operation, called exactly once per
 * started operation, on the loop's thread, from a libuv callback: never
 * from inside the call that started it, nor from inside
 * abort_signal_abort(). `result` is 0 (or the bytes read) on success, a
 * negative libuv error, or the signal's reason when the signal aborted
 * before the operation completed. Once it is called, the operation is
 * gone: no listener of it is left on the signal, and nothing of it is
 * left on the loop or in use by the pool. */
typedef void (*abortable_cb)(ssize_t result, void *arg);

/* The work of abortable_work(), called with its `arg` on a pool thread. */
typedef void (*abortable_work_fn)(void *arg);

/* Every start function returns 0, and the operation then reports through
 * `cb` exactly once; or a negative value, and `cb` is never called:
 * UV_EINVAL for a NULL loop, callback, work or buffer; the signal's reason
 * when `signal` is already aborted; UV_ENOMEM; or libuv's error. `signal`
 * may be NULL (no abort). */

/* Waits `ms` milliseconds: timers/promises `setTimeout(ms, v, {signal})`.
 * Aborted, it reports at once (on the loop's next turn). */
int abortable_sleep(uv_loop_t *loop, uint64_t ms, abort_signal_t *signal,
                    abortable_cb cb, void *arg);

/* Runs work(arg) on libuv's thread pool, then reports 0. Aborted while it
 * waits in the pool's queue, it never runs (uv_cancel()) and reports the
 * reason; aborted while it runs, it runs to its end, and then reports the
 * reason. */
int abortable_work(uv_loop_t *loop, abortable_work_fn work,
                   abort_signal_t *signal, abortable_cb cb, void *arg);

/* Reads up to `len` bytes of `file` at `offset` into `buf`, on the pool
 * (uv_fs_read()), then reports the bytes read: `fs.readFile(path,
 * {signal})`, one read. `buf` stays the caller's, and must stay valid,
 * until `cb` is called: an aborted read that has started still writes
 * into it until it returns. Aborted, it reports the reason. */
int abortable_read(uv_loop_t *loop, uv_file file, void *buf, size_t len,
                   int64_t offset, abort_signal_t *signal, abortable_cb cb,
                   void *arg);

#endif

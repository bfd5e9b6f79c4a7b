/* abort_signal.c: an AbortController and its AbortSignal, on libuv.
 * Kata 06, reference solution.
 *
 * The signal keeps its listeners in an intrusive doubly linked list: each
 * listener lives inside whoever listens, so adding one never allocates
 * (and cannot fail), and removing one is constant time, which matters when
 * one long-lived signal (a server's shutdown signal, a request's deadline)
 * sees thousands of operations come and go.
 */
#include "abortable.h"

#include <stdbool.h>
#include <stdlib.h>

struct abort_signal {
  int reason; /* 0 until the first abort; never changes after it */
  size_t listeners;
  abort_listener_t *head, *tail;
  bool has_timer;
  uv_timer_t timer; /* timeout signals only; closed by abort_signal_free() */
};

int abort_signal_new(abort_signal_t **signal) {
  abort_signal_t *s;

  if (signal == NULL)
    return UV_EINVAL;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return UV_ENOMEM;
  *signal = s;
  return 0;
}

static void abort_on_timeout(uv_timer_t *timer);

static void abort_with(abort_signal_t *s, int reason) {
  /* The reason is set before any listener runs: that is what makes a
   * second abort, from a listener or from anywhere else, a no-op. */
  if (s->reason != 0)
    return;
  s->reason = reason;
  if (s->has_timer)
    uv_timer_stop(&s->timer);
  /* Take the head off, then call it: never hold a pointer into the list
   * across a callback. A listener may free the memory it lives in (an
   * operation that is done), or remove the next listener; either would
   * leave a saved `next` dangling. */
  while (s->head != NULL) {
    abort_listener_t *l = s->head;
    abort_listener_cb cb = l->cb;

    abort_signal_remove(l);
    cb(l, reason);
  }
}

static void abort_on_timeout(uv_timer_t *timer) {
  abort_with(timer->data, UV_ETIMEDOUT);
}

int abort_signal_timeout(uv_loop_t *loop, uint64_t ms,
                         abort_signal_t **signal) {
  abort_signal_t *s;
  int err;

  if (loop == NULL || signal == NULL)
    return UV_EINVAL;
  err = abort_signal_new(&s);
  if (err != 0)
    return err;
  err = uv_timer_init(loop, &s->timer);
  if (err != 0) {
    free(s);
    return err;
  }
  s->has_timer = true;
  s->timer.data = s;
  err = uv_timer_start(&s->timer, abort_on_timeout, ms, 0);
  if (err != 0) {
    abort_signal_free(s);
    return err;
  }
  /* Node unrefs AbortSignal.timeout()'s timer: a deadline is there to
   * stop work, not to be work that keeps the process running. */
  uv_unref((uv_handle_t *)&s->timer);
  *signal = s;
  return 0;
}

void abort_signal_abort(abort_signal_t *signal) {
  if (signal != NULL)
    abort_with(signal, UV_ECANCELED);
}

int abort_signal_reason(const abort_signal_t *signal) {
  return signal != NULL ? signal->reason : 0;
}

int abort_signal_add(abort_signal_t *signal, abort_listener_t *listener,
                     abort_listener_cb cb) {
  if (signal == NULL || listener == NULL || cb == NULL)
    return UV_EINVAL;
  /* An aborted signal will never call a listener again: refusing it is the
   * only way the caller learns that it must not wait for the call. */
  if (signal->reason != 0)
    return signal->reason;
  listener->cb = cb;
  listener->signal = signal;
  listener->next = NULL;
  listener->prev = signal->tail;
  if (signal->tail != NULL)
    signal->tail->next = listener;
  else
    signal->head = listener;
  signal->tail = listener;
  signal->listeners++;
  return 0;
}

void abort_signal_remove(abort_listener_t *listener) {
  abort_signal_t *s;

  if (listener == NULL || listener->signal == NULL)
    return;
  s = listener->signal;
  if (listener->prev != NULL)
    listener->prev->next = listener->next;
  else
    s->head = listener->next;
  if (listener->next != NULL)
    listener->next->prev = listener->prev;
  else
    s->tail = listener->prev;
  listener->prev = listener->next = NULL;
  listener->signal = NULL;
  s->listeners--;
}

size_t abort_signal_listener_count(const abort_signal_t *signal) {
  return signal != NULL ? signal->listeners : 0;
}

static void free_on_close(uv_handle_t *handle) {
  free(handle->data);
}

void abort_signal_free(abort_signal_t *signal) {
  if (signal == NULL)
    return;
  /* Listeners still attached belong to their owners: detach them so that
   * none points into freed memory, but never call them. */
  while (signal->head != NULL)
    abort_signal_remove(signal->head);
  /* A handle's memory is the loop's until its close callback has run. */
  if (signal->has_timer)
    uv_close((uv_handle_t *)&signal->timer, free_on_close);
  else
    free(signal);
}

/* abort_signal.c: an AbortController and its AbortSignal, on libuv. Kata 06.
 *
 * Start with README.md in this folder: it says what to read, what to
 * change and how the grader checks it. The contract is abortable.h.
 *
 * This is the signal as it first shipped: it calls its listeners, and it
 * even knows not to start over when a listener aborts it again. But a
 * second abort calls every listener a second time, a listener stays
 * attached after it was called, a listener added after the abort waits
 * forever, and a timeout signal keeps the whole loop alive until its
 * deadline. Every place to change is marked TODO.
 */
#include "abortable.h"

#include <stdbool.h>
#include <stdlib.h>

struct abort_signal {
  int reason;
  bool dispatching; /* inside abort_with(), calling listeners */
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

static void abort_with(abort_signal_t *s, int reason) {
  /* A listener that aborts again would start the calls over from the
   * first listener, forever. */
  if (s->dispatching)
    return;
  /* TODO: only the first abort counts (README.md, "The signal and its
   * listeners"): a second one, from anywhere, must not change the reason
   * or call anyone again. */
  s->reason = reason;
  s->dispatching = true;
  /* TODO: each listener is called once, so it must be detached before it
   * is called; and once it is called it may free the memory it lives in,
   * `next` included. */
  for (abort_listener_t *l = s->head; l != NULL; l = l->next)
    l->cb(l, reason);
  s->dispatching = false;
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
  /* TODO: as it is, the loop cannot end before the deadline, even when
   * nothing is left to time out (README.md, "Timeouts"). */
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
  /* TODO: an aborted signal never calls a listener again: say so to the
   * caller instead of attaching one that will wait forever. */
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
  while (signal->head != NULL)
    abort_signal_remove(signal->head);
  if (signal->has_timer)
    uv_close((uv_handle_t *)&signal->timer, free_on_close);
  else
    free(signal);
}

#include "report/progress.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

enum { SLOTS = 16, REDRAW_MS = 200 };

/* One kata being graded: the gate it is in, since when. */
struct slot {
  const struct sc_kata_result *result; /* identifies the kata; NULL: free */
  char *id;
  enum sc_gate gate;
  int running; /* the gate started and has not ended */
  unsigned long long since_ms;
};

struct sc_progress {
  FILE *out;
  uv_mutex_t lock; /* guards everything below */
  uv_cond_t wake;
  uv_thread_t thread;
  int stopping;
  unsigned long long start_ms;
  unsigned ticks;
  struct slot slots[SLOTS];
};

/* The terminal's width, or 80 when it cannot be told. */
static size_t width(FILE *out) {
  struct winsize ws;
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
    return ws.ws_col;
  return 80;
}

/* Redraws the line from the slots; called with the lock held. */
static void draw(struct sc_progress *p) {
  static const char spinner[] = "|/-\\";
  unsigned long long now = sc_now_ms();
  struct sc_buf line = {0};
  sc_buf_printf(&line, "%c grading", spinner[p->ticks++ % 4]);
  int any = 0;
  for (size_t i = 0; i < SLOTS; i++) {
    const struct slot *s = &p->slots[i];
    if (s->result == NULL || !s->running)
      continue;
    sc_buf_printf(&line, "%s %s: %s %.1f s", any ? "," : "", s->id,
                  sc_gate_name(s->gate), (double)(now - s->since_ms) / 1000.0);
    any = 1;
  }
  sc_buf_printf(&line, "%s (%.0f s)", any ? "" : "...",
                (double)(now - p->start_ms) / 1000.0);
  size_t max = width(p->out) - 1;
  fprintf(p->out, "\r\033[K%.*s", (int)(line.len < max ? line.len : max),
          line.data);
  fflush(p->out);
  sc_buf_free(&line);
}

/* The redrawing thread: draws, then sleeps until the next tick or until
 * the progress stops. */
static void redraw(void *arg) {
  struct sc_progress *p = arg;
  uv_mutex_lock(&p->lock);
  while (!p->stopping) {
    draw(p);
    uv_cond_timedwait(&p->wake, &p->lock, (uint64_t)REDRAW_MS * 1000000u);
  }
  fputs("\r\033[K", p->out);
  fflush(p->out);
  uv_mutex_unlock(&p->lock);
}

struct sc_progress *sc_progress_start(FILE *out) {
  if (!isatty(fileno(out)))
    return NULL;
  struct sc_progress *p = sc_xcalloc(1, sizeof(*p));
  p->out = out;
  p->start_ms = sc_now_ms();
  uv_mutex_init(&p->lock);
  uv_cond_init(&p->wake);
  if (uv_thread_create(&p->thread, redraw, p) != 0) {
    uv_cond_destroy(&p->wake);
    uv_mutex_destroy(&p->lock);
    free(p);
    return NULL; /* no animation is no failure */
  }
  return p;
}

void sc_progress_on_gate(void *data, const struct sc_kata_result *result,
                         enum sc_gate gate, int done) {
  struct sc_progress *p = data;
  if (p == NULL)
    return;
  uv_mutex_lock(&p->lock);
  struct slot *found = NULL;
  for (size_t i = 0; i < SLOTS && found == NULL; i++)
    if (p->slots[i].result == result)
      found = &p->slots[i];
  for (size_t i = 0; i < SLOTS && found == NULL; i++)
    if (p->slots[i].result == NULL || !p->slots[i].running) {
      found = &p->slots[i];
      free(found->id);
      found->id = sc_xstrdup(result->id ? result->id : "?");
      found->result = result;
    }
  if (found != NULL) {
    found->gate = gate;
    found->running = !done;
    found->since_ms = sc_now_ms();
    draw(p);
  }
  uv_mutex_unlock(&p->lock);
}

void sc_progress_stop(struct sc_progress *progress) {
  if (progress == NULL)
    return;
  uv_mutex_lock(&progress->lock);
  progress->stopping = 1;
  uv_cond_signal(&progress->wake);
  uv_mutex_unlock(&progress->lock);
  uv_thread_join(&progress->thread);
  for (size_t i = 0; i < SLOTS; i++)
    free(progress->slots[i].id);
  uv_cond_destroy(&progress->wake);
  uv_mutex_destroy(&progress->lock);
  free(progress);
}

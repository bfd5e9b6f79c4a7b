/* The generator of kata 05's logs and of their reports (loggen.h). It
 * computes the report from what it chose to write, not by parsing the
 * file: which path each request went to, its status and duration are known
 * here by construction. */
#include "loggen.h"
#include "bigstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OUT_BUFFER = 64 * 1024 };

struct entry {
  char *path;
  size_t len;
  uint64_t count;
};

struct gen {
  const struct loggen_spec *spec;
  uint64_t rng;
  int fd;
  char *buf;
  size_t used;
  uint64_t written;
  int err;
  /* What bigstat must find. */
  uint64_t requests, bytes, untracked;
  uint64_t status[600];
  uint64_t *ms;          /* BIGSTAT_MAX_MS + 1 counters */
  struct entry *tracked; /* in order of first appearance */
  size_t tracked_count;
  long popular_slot[LOGGEN_MAX_POPULAR];
  long long_slot[LOGGEN_LONG_PATHS];
  char *long_text[LOGGEN_LONG_PATHS];
};

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t next(struct gen *g) {
  uint64_t z = (g->rng += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static uint64_t below(struct gen *g, uint64_t n) {
  return next(g) % n;
}

static void flush(struct gen *g) {
  size_t done = 0;
  while (g->err == 0 && done < g->used) {
    ssize_t n = write(g->fd, g->buf + done, g->used - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      g->err = n < 0 ? -errno : -EIO;
    else
      done += (size_t)n;
  }
  g->used = 0;
}

static void put(struct gen *g, const char *text, size_t len) {
  while (len > 0 && g->err == 0) {
    size_t room = OUT_BUFFER - g->used;
    size_t n = len < room ? len : room;
    memcpy(g->buf + g->used, text, n);
    g->used += n;
    g->written += n;
    text += n;
    len -= n;
    if (g->used == OUT_BUFFER)
      flush(g);
  }
}

static void put_u64(struct gen *g, uint64_t v) {
  char digits[24];
  size_t n = sizeof(digits);
  do {
    digits[--n] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  put(g, digits + n, sizeof(digits) - n);
}

static void put_2(struct gen *g, unsigned v) {
  char two[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
  put(g, two, 2);
}

static int remember(struct gen *g, const char *path, size_t len, long *slot) {
  if (g->tracked_count == BIGSTAT_MAX_PATHS) {
    g->untracked++;
    return 0;
  }
  struct entry *e = &g->tracked[g->tracked_count];
  e->path = malloc(len);
  if (e->path == NULL)
    return -ENOMEM;
  memcpy(e->path, path, len);
  e->len = len;
  e->count = 1;
  if (slot != NULL)
    *slot = (long)g->tracked_count;
  g->tracked_count++;
  return 0;
}

/* Counts a request to a path that may come back (popular or long). */
static int count_known(struct gen *g, const char *path, size_t len,
                       long *slot) {
  if (*slot >= 0) {
    g->tracked[*slot].count++;
    return 0;
  }
  if (*slot == -2) { /* seen after the table was full: never tracked */
    g->untracked++;
    return 0;
  }
  int err = remember(g, path, len, slot);
  if (err == 0 && *slot < 0)
    *slot = -2;
  return err;
}

static const char *const words[] = {"users",  "orders", "items",  "cart",
                                    "search", "login",  "health", "images",
                                    "stats",  "feed",   "tags",   "billing"};

/* Writes one request line and counts it. */
static int one_line(struct gen *g) {
  const struct loggen_spec *spec = g->spec;
  char path[96];
  size_t path_len;
  const char *path_text = path;
  long *slot = NULL;
  int err = 0;

  if (spec->long_path > 0 && spec->long_every > 0 &&
      (g->requests + 1) % spec->long_every == 0) {
    size_t k = (size_t)below(g, LOGGEN_LONG_PATHS);
    path_text = g->long_text[k];
    path_len = spec->long_path;
    slot = &g->long_slot[k];
  } else if (below(g, 1000) < spec->unique_per_mille) {
    path_len = (size_t)snprintf(path, sizeof(path), "/orders/%llx/%llu",
                                (unsigned long long)(spec->seed & 0xffff),
                                (unsigned long long)g->requests);
  } else {
    /* Skewed: the cube of a uniform number favours the first paths. */
    double u = (double)below(g, 1u << 20) / (double)(1u << 20);
    unsigned k = (unsigned)(u * u * u * spec->popular);
    path_len =
        (size_t)snprintf(path, sizeof(path), "/api/%s/%u", words[k % 12], k);
    slot = &g->popular_slot[k];
  }

  static const unsigned codes[] = {200, 200, 200, 200, 200, 200, 200, 200, 200,
                                   200, 200, 200, 201, 204, 301, 304, 304, 400,
                                   401, 403, 404, 404, 429, 500, 502, 503};
  static const char *const methods[] = {"GET",  "GET", "GET",
                                        "POST", "PUT", "DELETE"};
  unsigned status = codes[below(g, sizeof(codes) / sizeof(codes[0]))];
  uint64_t size = below(g, 50000);
  uint64_t r = below(g, 100);
  uint64_t ms = r < 90   ? 1 + below(g, 200)
                : r < 99 ? 200 + below(g, 4800)
                         : below(g, BIGSTAT_MAX_MS + 1);
  uint64_t second = g->requests % 86400;

  put(g, "2024-05-01T", 11);
  put_2(g, (unsigned)(second / 3600));
  put(g, ":", 1);
  put_2(g, (unsigned)(second / 60 % 60));
  put(g, ":", 1);
  put_2(g, (unsigned)(second % 60));
  put(g, "Z ", 2);
  const char *method = methods[below(g, 6)];
  put(g, method, strlen(method));
  put(g, " ", 1);
  put(g, path_text, path_len);
  put(g, " ", 1);
  put_u64(g, status);
  put(g, " ", 1);
  put_u64(g, size);
  put(g, " ", 1);
  put_u64(g, ms);
  put(g, "\n", 1);

  g->requests++;
  g->bytes += size;
  g->status[status]++;
  g->ms[ms]++;
  if (slot != NULL)
    err = count_known(g, path_text, path_len, slot);
  else
    err = remember(g, path_text, path_len, NULL);
  return err;
}

static int by_count_then_path(const void *a, const void *b) {
  const struct entry *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->path, y->path, n);
  if (c != 0)
    return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

struct text {
  char *data;
  size_t len, cap;
  int failed;
};

static void text_put(struct text *t, const char *s, size_t len) {
  if (t->failed)
    return;
  if (t->len + len + 1 > t->cap) {
    size_t cap = (t->cap ? t->cap * 2 : 4096) + len;
    char *grown = realloc(t->data, cap);
    if (grown == NULL) {
      t->failed = 1;
      return;
    }
    t->data = grown;
    t->cap = cap;
  }
  memcpy(t->data + t->len, s, len);
  t->len += len;
  t->data[t->len] = '\0';
}

static void text_printf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...) {
  char line[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  text_put(t, line, n > 0 ? (size_t)n : 0);
}

/* The smallest duration with at least p% of the requests at or below it
 * (the nearest-rank percentile). */
static uint64_t percentile(const struct gen *g, unsigned p) {
  uint64_t rank = (g->requests * p + 99) / 100, seen = 0;
  for (uint64_t v = 0; v <= BIGSTAT_MAX_MS; v++) {
    seen += g->ms[v];
    if (seen >= rank && seen > 0)
      return v;
  }
  return BIGSTAT_MAX_MS;
}

static char *make_report(struct gen *g) {
  struct text t = {0};
  text_printf(&t, "requests %llu\n", (unsigned long long)g->requests);
  text_printf(&t, "bytes %llu\n", (unsigned long long)g->bytes);
  for (unsigned s = 100; s < 600; s++)
    if (g->status[s] > 0)
      text_printf(&t, "status %u %llu\n", s, (unsigned long long)g->status[s]);
  qsort(g->tracked, g->tracked_count, sizeof(*g->tracked), by_count_then_path);
  for (size_t i = 0; i < g->tracked_count && i < BIGSTAT_TOP; i++) {
    text_printf(&t, "top %zu %llu ", i + 1,
                (unsigned long long)g->tracked[i].count);
    text_put(&t, g->tracked[i].path, g->tracked[i].len);
    text_put(&t, "\n", 1);
  }
  text_printf(&t, "untracked %llu\n", (unsigned long long)g->untracked);
  text_printf(&t, "duration_ms p50 %llu\n",
              (unsigned long long)percentile(g, 50));
  text_printf(&t, "duration_ms p90 %llu\n",
              (unsigned long long)percentile(g, 90));
  text_printf(&t, "duration_ms p99 %llu\n",
              (unsigned long long)percentile(g, 99));
  text_printf(&t, "duration_ms max %llu\n",
              (unsigned long long)percentile(g, 100));
  if (t.failed) {
    free(t.data);
    return NULL;
  }
  return t.data;
}

static int make_long_paths(struct gen *g) {
  for (size_t k = 0; k < LOGGEN_LONG_PATHS; k++) {
    size_t len = g->spec->long_path;
    if (len < 9)
      return -EINVAL;
    g->long_text[k] = malloc(len);
    if (g->long_text[k] == NULL)
      return -ENOMEM;
    memcpy(g->long_text[k], "/search/", 8);
    for (size_t i = 8; i < len; i++)
      g->long_text[k][i] = (char)('a' + (i * 7 + k * 3 + i / 26) % 26);
  }
  return 0;
}

int loggen_write(const char *path, const struct loggen_spec *spec,
                 char **report) {
  struct gen g = {.spec = spec, .rng = spec->seed, .fd = -1};
  int err = 0;

  *report = NULL;
  if (spec->popular < 1 || spec->popular > LOGGEN_MAX_POPULAR ||
      spec->unique_per_mille > 1000)
    return -EINVAL;
  for (size_t i = 0; i < LOGGEN_MAX_POPULAR; i++)
    g.popular_slot[i] = -1;
  for (size_t i = 0; i < LOGGEN_LONG_PATHS; i++)
    g.long_slot[i] = -1;
  g.buf = malloc(OUT_BUFFER);
  g.ms = calloc(BIGSTAT_MAX_MS + 1, sizeof(*g.ms));
  g.tracked = calloc(BIGSTAT_MAX_PATHS, sizeof(*g.tracked));
  if (g.buf == NULL || g.ms == NULL || g.tracked == NULL)
    err = -ENOMEM;
  if (err == 0 && spec->long_path > 0)
    err = make_long_paths(&g);
  if (err == 0) {
    g.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (g.fd < 0)
      err = -errno;
  }
  while (err == 0 && g.err == 0 && g.written < spec->bytes)
    err = one_line(&g);
  flush(&g);
  if (err == 0)
    err = g.err;
  if (g.fd >= 0 && close(g.fd) != 0 && err == 0)
    err = -errno;
  if (err == 0 && (*report = make_report(&g)) == NULL)
    err = -ENOMEM;
  for (size_t i = 0; i < g.tracked_count; i++)
    free(g.tracked[i].path);
  for (size_t i = 0; i < LOGGEN_LONG_PATHS; i++)
    free(g.long_text[i]);
  free(g.tracked);
  free(g.ms);
  free(g.buf);
  return err;
}

int loggen_write_text(const char *path, const char *text, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  int err = 0;
  while (len > 0) {
    ssize_t n = write(fd, text, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      err = n < 0 ? -errno : -EIO;
      break;
    }
    text += n;
    len -= (size_t)n;
  }
  if (close(fd) != 0 && err == 0)
    err = -errno;
  return err;
}

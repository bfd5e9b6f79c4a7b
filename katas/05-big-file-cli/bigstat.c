/* bigstat: statistics of a web server's access log (kata 05). Read
 * README.md first: it says what to change, in which order, and why.
 *
 * It works, on the logs of a test server. On last month's log of the real
 * one it took all the memory of the machine: it reads the whole file into
 * one buffer, keeps every path it ever saw and every duration, and only
 * then counts. Every place to change is marked TODO. */
#include "bigstat.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

enum { STATUS_CODES = 600, FIELDS = 6 };

struct path_count {
  char *path;
  size_t len;
  uint64_t count;
};

struct stats {
  uint64_t requests, bytes;
  uint64_t status[STATUS_CODES];
  /* TODO: a table that grows with every new path grows with the file; see
   * README, "State that does not grow" (at most BIGSTAT_MAX_PATHS, the
   * others "untracked"). */
  struct path_count *paths;
  size_t path_count, path_cap;
  /* TODO: one value per request is the file again, in another shape.
   * Durations are whole milliseconds up to BIGSTAT_MAX_MS: count them. */
  uint16_t *durations;
  size_t duration_count, duration_cap;
};

static int parse_number(const char *text, size_t len, size_t max_digits,
                        uint64_t *value) {
  if (len == 0 || len > max_digits)
    return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] < '0' || text[i] > '9')
      return -1;
    v = v * 10 + (uint64_t)(text[i] - '0');
  }
  *value = v;
  return 0;
}

static uint64_t hash_path(const char *path, size_t len) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)path[i]) * 0x100000001b3u;
  return h;
}

/* Doubles the table, which keeps at least half of its slots free. */
static int grow_paths(struct stats *st) {
  size_t cap = st->path_cap ? st->path_cap * 2 : 1024;
  struct path_count *slots = calloc(cap, sizeof(*slots));
  if (slots == NULL)
    return -1;
  for (size_t i = 0; i < st->path_cap; i++) {
    if (st->paths[i].path == NULL)
      continue;
    size_t j = (size_t)hash_path(st->paths[i].path, st->paths[i].len);
    while (slots[j & (cap - 1)].path != NULL)
      j++;
    slots[j & (cap - 1)] = st->paths[i];
  }
  free(st->paths);
  st->paths = slots;
  st->path_cap = cap;
  return 0;
}

static int count_path(struct stats *st, const char *path, size_t len) {
  if (2 * (st->path_count + 1) > st->path_cap && grow_paths(st) != 0)
    return -1;
  size_t i = (size_t)hash_path(path, len) & (st->path_cap - 1);
  for (; st->paths[i].path != NULL; i = (i + 1) & (st->path_cap - 1)) {
    if (st->paths[i].len == len && memcmp(st->paths[i].path, path, len) == 0) {
      st->paths[i].count++;
      return 0;
    }
  }
  char *copy = malloc(len);
  if (copy == NULL)
    return -1;
  memcpy(copy, path, len);
  st->paths[i] = (struct path_count){copy, len, 1};
  st->path_count++;
  return 0;
}

static int keep_duration(struct stats *st, uint64_t ms) {
  if (st->duration_count == st->duration_cap) {
    size_t cap = st->duration_cap ? st->duration_cap * 2 : 1024;
    uint16_t *grown = realloc(st->durations, cap * sizeof(*grown));
    if (grown == NULL)
      return -1;
    st->durations = grown;
    st->duration_cap = cap;
  }
  st->durations[st->duration_count++] = (uint16_t)ms;
  return 0;
}

/* Counts one line, without its '\n'. Returns NULL, or why it is not a log
 * line. */
static const char *count_line(struct stats *st, const char *line, size_t len) {
  const char *field[FIELDS];
  size_t field_len[FIELDS];
  size_t count = 0;

  /* TODO: a NUL byte means a binary file, not a malformed line; see
   * README, "Errors and exit statuses". */
  for (const char *p = line, *end = line + len;;) {
    const char *space = memchr(p, ' ', (size_t)(end - p));
    const char *stop = space != NULL ? space : end;
    if (count == FIELDS)
      return "more than 6 fields";
    field[count] = p;
    field_len[count++] = (size_t)(stop - p);
    if (stop == p)
      return "an empty field";
    if (space == NULL)
      break;
    p = space + 1;
  }
  uint64_t status, bytes, ms;
  if (count < FIELDS)
    return "fewer than 6 fields";
  if (field[2][0] != '/')
    return "the path does not start with '/'";
  if (field_len[3] != 3 || parse_number(field[3], 3, 3, &status) != 0 ||
      status < 100 || status >= STATUS_CODES)
    return "the status is not a number from 100 to 599";
  if (parse_number(field[4], field_len[4], 15, &bytes) != 0)
    return "the size is not a number of at most 15 digits";
  if (parse_number(field[5], field_len[5], 5, &ms) != 0 || ms > BIGSTAT_MAX_MS)
    return "the duration is not a number of milliseconds up to 60000";
  if (count_path(st, field[2], field_len[2]) != 0 || keep_duration(st, ms) != 0)
    return "out of memory";
  st->requests++;
  st->bytes += bytes;
  st->status[status]++;
  return NULL;
}

/* Reads the whole file into a malloc'd buffer.
 * TODO: this is the mistake. Read a chunk of fixed size at a time with
 * uv_fs_read() and count the lines as they come: see README, "Reading in
 * chunks". A line cut by the end of a chunk continues in the next one. */
static int read_all(const char *name, char **data, size_t *size) {
  uv_fs_t req;
  int fd = uv_fs_open(NULL, &req, name, O_RDONLY | O_CLOEXEC, 0, NULL);
  uv_fs_req_cleanup(&req);
  if (fd < 0) {
    fprintf(stderr, "bigstat: cannot open '%s': %s\n", name, uv_strerror(fd));
    return BIGSTAT_EXIT_NOINPUT;
  }
  /* TODO: a directory opens fine, and reading it fails; see README,
   * "Errors and exit statuses". */
  uv_fs_fstat(NULL, &req, fd, NULL);
  size_t total = (size_t)req.statbuf.st_size;
  uv_fs_req_cleanup(&req);
  char *buf = malloc(total + 1);
  size_t got = 0;
  int status = buf != NULL ? BIGSTAT_EXIT_OK : BIGSTAT_EXIT_SOFTWARE;
  while (status == BIGSTAT_EXIT_OK && got < total) {
    uv_buf_t piece = uv_buf_init(buf + got, (unsigned)(total - got));
    int n = uv_fs_read(NULL, &req, fd, &piece, 1, (int64_t)got, NULL);
    uv_fs_req_cleanup(&req);
    if (n <= 0) {
      fprintf(stderr, "bigstat: cannot read '%s': %s\n", name,
              n < 0 ? uv_strerror(n) : "the file got shorter");
      status = BIGSTAT_EXIT_IOERR;
    } else {
      got += (size_t)n;
      /* TODO: progress is for a person at a terminal only; see README,
       * "Progress, only on a terminal". */
      fprintf(stderr, "\rbigstat: '%s' %3d%%", name, (int)(got * 100 / total));
    }
  }
  uv_fs_close(NULL, &req, fd, NULL);
  uv_fs_req_cleanup(&req);
  if (status != BIGSTAT_EXIT_OK) {
    free(buf);
    return status;
  }
  *data = buf;
  *size = total;
  return BIGSTAT_EXIT_OK;
}

/* Free slots (no path) sort last. */
static int by_count_then_path(const void *a, const void *b) {
  const struct path_count *x = a, *y = b;
  if (x->path == NULL || y->path == NULL)
    return (x->path == NULL) - (y->path == NULL);
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  int c = memcmp(x->path, y->path, x->len < y->len ? x->len : y->len);
  if (c != 0)
    return c;
  return (x->len > y->len) - (x->len < y->len);
}

static int by_value(const void *a, const void *b) {
  uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
  return (x > y) - (x < y);
}

/* The nearest-rank percentile: the smallest duration that at least p% of
 * the requests do not exceed. */
static unsigned percentile(const struct stats *st, unsigned p) {
  size_t rank = (st->duration_count * p + 99) / 100;
  return rank > 0 ? st->durations[rank - 1] : 0;
}

static void print_report(struct stats *st) {
  qsort(st->paths, st->path_cap, sizeof(*st->paths), by_count_then_path);
  qsort(st->durations, st->duration_count, sizeof(*st->durations), by_value);
  printf("requests %llu\n", (unsigned long long)st->requests);
  printf("bytes %llu\n", (unsigned long long)st->bytes);
  for (unsigned code = 100; code < STATUS_CODES; code++)
    if (st->status[code] > 0)
      printf("status %u %llu\n", code, (unsigned long long)st->status[code]);
  for (size_t i = 0; i < st->path_count && i < BIGSTAT_TOP; i++)
    printf("top %zu %llu %.*s\n", i + 1, (unsigned long long)st->paths[i].count,
           (int)st->paths[i].len, st->paths[i].path);
  printf("untracked 0\n");
  printf("duration_ms p50 %u\n", percentile(st, 50));
  printf("duration_ms p90 %u\n", percentile(st, 90));
  printf("duration_ms p99 %u\n", percentile(st, 99));
  printf("duration_ms max %u\n", percentile(st, 100));
}

int bigstat_main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bigstat FILE\n");
    return BIGSTAT_EXIT_USAGE;
  }
  const char *name = argv[1];
  char *data = NULL;
  size_t size = 0;
  int status = read_all(name, &data, &size);
  if (status != BIGSTAT_EXIT_OK)
    return status;

  struct stats st;
  memset(&st, 0, sizeof(st));
  /* TODO: an empty file is not a log, and nor is one whose last line has no
   * newline (still being written); see README, "Errors and exit
   * statuses". A line longer than BIGSTAT_MAX_LINE is an error too. */
  uint64_t line_no = 0;
  for (size_t at = 0; at < size && status == BIGSTAT_EXIT_OK;) {
    const char *newline = memchr(data + at, '\n', size - at);
    size_t len = (size_t)((newline ? newline : data + size) - (data + at));
    line_no++;
    const char *why = count_line(&st, data + at, len);
    if (why != NULL) {
      fprintf(stderr, "bigstat: '%s': line %llu is not a log line: %s\n", name,
              (unsigned long long)line_no, why);
      status = BIGSTAT_EXIT_DATA;
    }
    at += len + 1;
  }
  if (status == BIGSTAT_EXIT_OK)
    print_report(&st);

  for (size_t i = 0; i < st.path_cap; i++)
    free(st.paths[i].path);
  free(st.paths);
  free(st.durations);
  free(data);
  return status;
}

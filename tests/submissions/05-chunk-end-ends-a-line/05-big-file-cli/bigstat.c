/* bigstat: statistics of an access log of any size, in memory that does not
 * depend on the size of the log (the reference solution of kata 05).
 *
 * Where the memory goes, and why none of it grows with the file:
 *
 * - the file is read through libuv's file system API, one chunk of CHUNK
 *   bytes at a time, into the same buffer (Node's fs.createReadStream does
 *   the same with its highWaterMark of 64 KiB);
 * - a line cut in two by the end of a chunk is the only thing copied, into
 *   a buffer of at most BIGSTAT_MAX_LINE bytes: a longer line is an error,
 *   never a reason to grow;
 * - the path table holds at most BIGSTAT_MAX_PATHS paths, a fixed array of
 *   slots: the report's cardinality limit, as metrics libraries have;
 * - durations are counted in one counter per millisecond value, which
 *   gives exact percentiles without keeping a value per request: the
 *   domain is bounded (BIGSTAT_MAX_MS), the file is not.
 *
 * Nothing reaches standard output before the last byte was read: the
 * report is printed only when the whole file turned out to be a log, so a
 * failure leaves standard output empty and a caller never mistakes half a
 * report for a whole one. */
#include "bigstat.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

enum {
  CHUNK = 64 * 1024,
  /* Twice the most paths tracked: open addressing stays fast while at
   * least half the slots are free. A power of two, to mask the hash. */
  PATH_SLOTS = 2 * BIGSTAT_MAX_PATHS,
  STATUS_CODES = 600,
  FIELDS = 6,
};

struct path_slot {
  char *path; /* NULL: the slot is free */
  size_t len;
  uint64_t hash;
  uint64_t count;
};

struct scan {
  const char *name; /* the file, as the user named it */
  uv_loop_t loop;
  uv_fs_t read_req;
  uv_file fd;
  char *chunk; /* CHUNK bytes, read into again and again */
  char *line;  /* the start of a line the chunk's end cut off */
  size_t line_len;
  int64_t offset; /* where the next read starts */
  int64_t size;   /* the file's size when opened, for the progress only */
  uint64_t line_no;
  int progress; /* standard error is a terminal */
  int shown;    /* the last percentage shown, or -1 */

  uint64_t requests, bytes, untracked;
  uint64_t status[STATUS_CODES];
  uint64_t *ms; /* BIGSTAT_MAX_MS + 1 counters, one per millisecond */
  struct path_slot *slots; /* PATH_SLOTS */
  size_t paths;

  int exit_status; /* the first failure's; BIGSTAT_EXIT_OK until then */
  char *error;     /* its one-line message */
};

/* Records the first failure; later ones are consequences of it. */
static void fail(struct scan *s, int exit_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct scan *s, int exit_status, const char *fmt, ...) {
  if (s->exit_status != BIGSTAT_EXIT_OK)
    return;
  s->exit_status = exit_status;
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  s->error = len >= 0 ? malloc((size_t)len + 1) : NULL;
  if (s->error != NULL) {
    va_start(ap, fmt);
    vsnprintf(s->error, (size_t)len + 1, fmt, ap);
    va_end(ap);
  }
}

/* ------------------------------------------------------------------------
 * One line
 * ------------------------------------------------------------------------ */

/* Parses text[0..len) as a number of at most max_digits digits. */
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

/* FNV-1a: simple, and good enough for paths. */
static uint64_t hash_path(const char *path, size_t len) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)path[i]) * 0x100000001b3u;
  return h;
}

/* Counts a request for path: in its slot, in a new slot while fewer than
 * BIGSTAT_MAX_PATHS are taken, or as untracked. The table never grows, so
 * a log of a million different order numbers costs what a log of ten
 * paths does. */
static void count_path(struct scan *s, const char *path, size_t len) {
  uint64_t hash = hash_path(path, len);
  size_t i = (size_t)hash & (PATH_SLOTS - 1);
  for (;; i = (i + 1) & (PATH_SLOTS - 1)) {
    struct path_slot *slot = &s->slots[i];
    if (slot->path == NULL)
      break;
    if (slot->hash == hash && slot->len == len &&
        memcmp(slot->path, path, len) == 0) {
      slot->count++;
      return;
    }
  }
  if (s->paths == BIGSTAT_MAX_PATHS) {
    s->untracked++;
    return;
  }
  char *copy = malloc(len);
  if (copy == NULL) {
    fail(s, BIGSTAT_EXIT_SOFTWARE, "'%s': out of memory", s->name);
    return;
  }
  memcpy(copy, path, len);
  s->slots[i] = (struct path_slot){copy, len, hash, 1};
  s->paths++;
}

static void malformed(struct scan *s, const char *why) {
  fail(s, BIGSTAT_EXIT_DATA, "'%s': line %llu is not a log line: %s", s->name,
       (unsigned long long)s->line_no, why);
}

/* Checks and counts one complete line, without its '\n'. */
static void scan_line(struct scan *s, const char *line, size_t len) {
  const char *field[FIELDS];
  size_t field_len[FIELDS];
  size_t count = 0;

  s->line_no++;
  /* A text file has no NUL byte; a compressed or binary one almost
   * always has one within its first line. */
  if (memchr(line, '\0', len) != NULL) {
    fail(s, BIGSTAT_EXIT_DATA,
         "'%s' is a binary file (a NUL byte on line %llu), not a log", s->name,
         (unsigned long long)s->line_no);
    return;
  }
  for (const char *p = line, *end = line + len;;) {
    const char *space = memchr(p, ' ', (size_t)(end - p));
    const char *stop = space != NULL ? space : end;
    if (count == FIELDS) {
      malformed(s, "more than 6 fields");
      return;
    }
    field[count] = p;
    field_len[count++] = (size_t)(stop - p);
    if (stop == p) {
      malformed(s, "an empty field");
      return;
    }
    if (space == NULL)
      break;
    p = space + 1;
  }
  uint64_t status, bytes, ms;
  if (count < FIELDS)
    malformed(s, "fewer than 6 fields");
  else if (field[2][0] != '/')
    malformed(s, "the path does not start with '/'");
  else if (field_len[3] != 3 || parse_number(field[3], 3, 3, &status) != 0 ||
           status < 100 || status >= STATUS_CODES)
    malformed(s, "the status is not a number from 100 to 599");
  else if (parse_number(field[4], field_len[4], 15, &bytes) != 0)
    malformed(s, "the size is not a number of at most 15 digits");
  else if (parse_number(field[5], field_len[5], 5, &ms) != 0 ||
           ms > BIGSTAT_MAX_MS)
    malformed(s, "the duration is not a number of milliseconds up to 60000");
  else {
    s->requests++;
    s->bytes += bytes;
    s->status[status]++;
    s->ms[ms]++;
    count_path(s, field[2], field_len[2]);
  }
}

/* ------------------------------------------------------------------------
 * One chunk
 * ------------------------------------------------------------------------ */

static void too_long(struct scan *s) {
  fail(s, BIGSTAT_EXIT_DATA, "'%s': line %llu is longer than %d bytes", s->name,
       (unsigned long long)(s->line_no + 1), BIGSTAT_MAX_LINE);
}

/* Keeps piece, the part of a line that a chunk's end cut, for the next
 * chunk. The bound on a line is what bounds this buffer: check it before
 * copying, not after. */
static int keep_piece(struct scan *s, const char *piece, size_t len) {
  if (memchr(piece, '\0', len) != NULL) {
    fail(s, BIGSTAT_EXIT_DATA,
         "'%s' is a binary file (a NUL byte on line %llu), not a log", s->name,
         (unsigned long long)(s->line_no + 1));
    return -1;
  }
  if (len > BIGSTAT_MAX_LINE - s->line_len) {
    too_long(s);
    return -1;
  }
  memcpy(s->line + s->line_len, piece, len);
  s->line_len += len;
  return 0;
}

/* A line wholly inside one chunk is never too long: only the kept pieces
 * need the check. */
_Static_assert(CHUNK <= BIGSTAT_MAX_LINE + 1, "a chunk holds no long line");

/* Scans the n bytes just read. A line wholly inside the chunk is scanned
 * where it lies; only a line that crosses the chunk's end is copied. */
static void scan_chunk(struct scan *s, const char *p, size_t n) {
  const char *end = p + n;
  while (p < end && s->exit_status == BIGSTAT_EXIT_OK) {
    /* A chunk holds whole lines: the end of the chunk ends the last one. */
    const char *newline = memchr(p, '\n', (size_t)(end - p));
    size_t len = (size_t)((newline != NULL ? newline : end) - p);
    scan_line(s, p, len);
    if (newline == NULL)
      break;
    p = newline + 1;
  }
}

/* ------------------------------------------------------------------------
 * Reading, chunk by chunk, through libuv
 * ------------------------------------------------------------------------ */

static void show_progress(struct scan *s) {
  if (!s->progress || s->size <= 0)
    return;
  int percent = (int)(s->offset * 100 / s->size);
  if (percent == s->shown || percent > 100)
    return;
  s->shown = percent;
  fprintf(stderr, "\rbigstat: '%s' %3d%%", s->name, percent);
}

/* The end of the file: what is left over says whether it was a log. */
static void end_of_file(struct scan *s) {
  if (s->line_len > 0)
    fail(s, BIGSTAT_EXIT_DATA,
         "'%s': the last line is truncated (no newline at the end of the "
         "file)",
         s->name);
  else if (s->line_no == 0)
    fail(s, BIGSTAT_EXIT_DATA, "'%s' is empty", s->name);
}

static void on_read(uv_fs_t *req);

/* One read in flight at a time, into the one chunk: the next read starts
 * only once this chunk is scanned, so the chunk is free to reuse. */
static void read_next(struct scan *s) {
  uv_buf_t buf = uv_buf_init(s->chunk, CHUNK);
  int err =
      uv_fs_read(&s->loop, &s->read_req, s->fd, &buf, 1, s->offset, on_read);
  if (err != 0)
    fail(s, BIGSTAT_EXIT_IOERR, "cannot read '%s': %s", s->name,
         uv_strerror(err));
}

static void on_read(uv_fs_t *req) {
  struct scan *s = req->data;
  ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  if (n < 0) {
    fail(s, BIGSTAT_EXIT_IOERR, "cannot read '%s': %s", s->name,
         uv_strerror((int)n));
  } else if (n == 0) {
    end_of_file(s);
  } else {
    s->offset += n;
    scan_chunk(s, s->chunk, (size_t)n);
    show_progress(s);
    if (s->exit_status == BIGSTAT_EXIT_OK)
      read_next(s);
  }
}

/* Opens the file (synchronously: a command-line program has nothing else
 * to do meanwhile) and checks that it can be read as a stream of bytes. */
static int open_file(struct scan *s) {
  uv_fs_t req;
  int fd = uv_fs_open(NULL, &req, s->name, O_RDONLY | O_CLOEXEC, 0, NULL);
  uv_fs_req_cleanup(&req);
  if (fd < 0) {
    fail(s, BIGSTAT_EXIT_NOINPUT, "cannot open '%s': %s", s->name,
         uv_strerror(fd));
    return -1;
  }
  s->fd = fd;
  int err = uv_fs_fstat(NULL, &req, fd, NULL);
  uint64_t mode = req.statbuf.st_mode;
  s->size = (int64_t)req.statbuf.st_size;
  uv_fs_req_cleanup(&req);
  /* Opening a directory for reading succeeds; reading it does not. */
  if (err != 0)
    fail(s, BIGSTAT_EXIT_NOINPUT, "cannot open '%s': %s", s->name,
         uv_strerror(err));
  else if ((mode & S_IFMT) == S_IFDIR)
    fail(s, BIGSTAT_EXIT_NOINPUT, "cannot read '%s': it is a directory",
         s->name);
  else if ((mode & S_IFMT) != S_IFREG)
    s->size = 0; /* a pipe or a device: no size, so no percentage */
  return s->exit_status == BIGSTAT_EXIT_OK ? 0 : -1;
}

static void close_file(struct scan *s) {
  if (s->fd < 0)
    return;
  uv_fs_t req;
  uv_fs_close(NULL, &req, s->fd, NULL);
  uv_fs_req_cleanup(&req);
  s->fd = -1;
}

/* ------------------------------------------------------------------------
 * The report
 * ------------------------------------------------------------------------ */

static int by_count_then_path(const void *a, const void *b) {
  const struct path_slot *x = *(const struct path_slot *const *)a;
  const struct path_slot *y = *(const struct path_slot *const *)b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  int c = memcmp(x->path, y->path, x->len < y->len ? x->len : y->len);
  if (c != 0)
    return c;
  return (x->len > y->len) - (x->len < y->len);
}

/* The smallest duration that at least p% of the requests do not exceed
 * (the nearest-rank percentile), read off the counters. */
static uint64_t percentile(const struct scan *s, unsigned p) {
  uint64_t rank = (s->requests * p + 99) / 100, seen = 0;
  uint64_t v = 0;
  for (; v < BIGSTAT_MAX_MS; v++) {
    seen += s->ms[v];
    if (seen >= rank)
      break;
  }
  return v;
}

static int print_report(struct scan *s) {
  const struct path_slot **top = malloc(s->paths * sizeof(*top) + 1);
  if (top == NULL)
    return -1;
  size_t n = 0;
  for (size_t i = 0; i < PATH_SLOTS; i++)
    if (s->slots[i].path != NULL)
      top[n++] = &s->slots[i];
  qsort(top, n, sizeof(*top), by_count_then_path);

  printf("requests %llu\n", (unsigned long long)s->requests);
  printf("bytes %llu\n", (unsigned long long)s->bytes);
  for (unsigned code = 100; code < STATUS_CODES; code++)
    if (s->status[code] > 0)
      printf("status %u %llu\n", code, (unsigned long long)s->status[code]);
  for (size_t i = 0; i < n && i < BIGSTAT_TOP; i++)
    printf("top %zu %llu %.*s\n", i + 1, (unsigned long long)top[i]->count,
           (int)top[i]->len, top[i]->path);
  printf("untracked %llu\n", (unsigned long long)s->untracked);
  static const unsigned levels[] = {50, 90, 99};
  for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
    printf("duration_ms p%u %llu\n", levels[i],
           (unsigned long long)percentile(s, levels[i]));
  printf("duration_ms max %llu\n", (unsigned long long)percentile(s, 100));
  free(top);
  return fflush(stdout) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------
 * The program
 * ------------------------------------------------------------------------ */

static void scan_free(struct scan *s) {
  if (s->slots != NULL)
    for (size_t i = 0; i < PATH_SLOTS; i++)
      free(s->slots[i].path);
  free(s->slots);
  free(s->ms);
  free(s->line);
  free(s->chunk);
  free(s->error);
  free(s);
}

static void run(struct scan *s) {
  int err = uv_loop_init(&s->loop);
  if (err != 0) {
    fail(s, BIGSTAT_EXIT_SOFTWARE, "'%s': cannot start libuv: %s", s->name,
         uv_strerror(err));
    return;
  }
  s->read_req.data = s;
  if (open_file(s) == 0) {
    read_next(s);
    uv_run(&s->loop, UV_RUN_DEFAULT);
  }
  close_file(s);
  /* Every read has called back (uv_run returns only then), so the loop
   * has nothing left and closes. */
  if (uv_loop_close(&s->loop) != 0)
    fail(s, BIGSTAT_EXIT_SOFTWARE, "'%s': the loop did not close", s->name);
}

int bigstat_main(int argc, char **argv) {
  if (argc != 2 || argv[1][0] == '\0') {
    fprintf(stderr, "usage: %s FILE\n", argc > 0 ? argv[0] : "bigstat");
    return BIGSTAT_EXIT_USAGE;
  }
  struct scan *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    fprintf(stderr, "bigstat: out of memory\n");
    return BIGSTAT_EXIT_SOFTWARE;
  }
  s->name = argv[1];
  s->fd = -1;
  s->shown = -1;
  /* Progress is for a person watching; in a pipeline or a log file it
   * would be noise, so only a terminal gets it (Node: stderr.isTTY). */
  s->progress = uv_guess_handle(2) == UV_TTY;
  s->chunk = malloc(CHUNK);
  s->line = malloc(BIGSTAT_MAX_LINE);
  s->ms = calloc(BIGSTAT_MAX_MS + 1, sizeof(*s->ms));
  s->slots = calloc(PATH_SLOTS, sizeof(*s->slots));
  if (s->chunk == NULL || s->line == NULL || s->ms == NULL || s->slots == NULL)
    fail(s, BIGSTAT_EXIT_SOFTWARE, "'%s': out of memory", s->name);
  else
    run(s);

  if (s->shown >= 0)
    fputs("\r\033[K", stderr); /* the progress line goes; the prompt stays */
  int status = s->exit_status;
  if (status == BIGSTAT_EXIT_OK && print_report(s) != 0) {
    fprintf(stderr, "bigstat: cannot write the report for '%s'\n", s->name);
    status = BIGSTAT_EXIT_IOERR;
  } else if (status != BIGSTAT_EXIT_OK) {
    fprintf(stderr, "bigstat: %s\n",
            s->error != NULL ? s->error : "out of memory");
  }
  scan_free(s);
  return status;
}

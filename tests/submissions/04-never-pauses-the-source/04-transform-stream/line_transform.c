/* Kata 04, "The transform stream": the reference solution.
 *
 * Two parts, as in the contract:
 *
 * - The splitter turns chunks into lines. A chunk is whatever one read
 *   returned: the kernel cuts the stream wherever it likes, so a line, a
 *   "\r\n" or a UTF-8 character may straddle two chunks. The splitter
 *   holds the unfinished end of a chunk (and only that) until the bytes that
 *   finish it arrive, in one buffer of max_line + 1 bytes allocated once:
 *   its memory is bounded by the longest allowed line, not by the input.
 *
 * - The transform reads the source, feeds the splitter, and writes the
 *   lines the rule keeps, with backpressure: it stops reading while too
 *   many output bytes wait for a slow destination.
 */
#include "line_transform.h"

#include <stdint.h>
#include <string.h>

#include "line_mem.h"
#include "log_rule.h"

/* ------------------------------------------------------------------------
 * The splitter
 * ------------------------------------------------------------------------ */

struct line_splitter {
  size_t max_line;
  line_fn on_line;
  void *arg;
  uint64_t lines;
  int failed; /* the error that stopped it, or 0 */
  size_t held;
  /* The start of the current line, when a chunk ended inside it: up to
   * max_line bytes, plus one "\r" that may turn out to be the start of the
   * line's end when the next chunk begins with "\n". */
  char line[];
};

line_splitter_t *line_splitter_new(size_t max_line, line_fn on_line,
                                   void *arg) {
  line_splitter_t *splitter;

  if (max_line == 0 || on_line == NULL ||
      max_line > SIZE_MAX - sizeof(*splitter) - 1)
    return NULL;
  /* One allocation, made once: holding a line never needs a bigger
   * buffer, so nothing is ever grown, copied again or freed on the way. */
  splitter = line_mem_alloc(sizeof(*splitter) + max_line + 1);
  if (splitter == NULL)
    return NULL;
  *splitter =
      (line_splitter_t){.max_line = max_line, .on_line = on_line, .arg = arg};
  return splitter;
}

static int stop(line_splitter_t *splitter, int status) {
  splitter->failed = status;
  return status;
}

static int emit(line_splitter_t *splitter, const char *line, size_t len) {
  int status;

  splitter->lines++;
  status = splitter->on_line(splitter->arg, line, len);
  return status != 0 ? stop(splitter, status) : 0;
}

/* Keeps `len` bytes that do not finish a line. Fails as soon as the line
 * cannot fit any more: the one byte allowed past max_line is a "\r" that
 * the next chunk may show to be part of a "\r\n". */
static int hold(line_splitter_t *splitter, const char *bytes, size_t len) {
  size_t room = splitter->max_line + 1 - splitter->held;

  if (len > room)
    return stop(splitter, UV_EMSGSIZE);
  memcpy(splitter->line + splitter->held, bytes, len);
  splitter->held += len;
  if (splitter->held == splitter->max_line + 1 &&
      splitter->line[splitter->max_line] != '\r')
    return stop(splitter, UV_EMSGSIZE);
  return 0;
}

/* Passes on the line that ends with the `len` bytes before a "\n": the
 * whole line when nothing is held (no copy: most lines lie inside one
 * chunk), else the held start joined with these bytes, copied once. */
static int finish_line(line_splitter_t *splitter, const char *bytes,
                       size_t len) {
  const char *line = bytes;
  size_t total = len;

  if (splitter->held > 0) {
    if (len > splitter->max_line + 1 - splitter->held)
      return stop(splitter, UV_EMSGSIZE);
    memcpy(splitter->line + splitter->held, bytes, len);
    line = splitter->line;
    total = splitter->held + len;
    splitter->held = 0;
  }
  if (total > 0 && line[total - 1] == '\r')
    total--;
  if (total > splitter->max_line)
    return stop(splitter, UV_EMSGSIZE);
  return emit(splitter, line, total);
}

int line_splitter_push(line_splitter_t *splitter, const char *chunk,
                       size_t len) {
  const char *end = chunk + len;
  const char *at = chunk;

  if (splitter == NULL || (chunk == NULL && len > 0))
    return UV_EINVAL;
  if (splitter->failed != 0)
    return splitter->failed;
  while (at < end) {
    /* memchr() scans many bytes per step; a loop over single bytes is
     * several times slower, and the benchmark compares with memchr(). */
    const char *newline = memchr(at, '\n', (size_t)(end - at));
    int status;

    if (newline == NULL)
      return hold(splitter, at, (size_t)(end - at));
    status = finish_line(splitter, at, (size_t)(newline - at));
    if (status != 0)
      return status;
    at = newline + 1;
  }
  return 0;
}

int line_splitter_finish(line_splitter_t *splitter) {
  size_t held;

  if (splitter == NULL)
    return UV_EINVAL;
  if (splitter->failed != 0)
    return splitter->failed;
  if (splitter->held == 0)
    return 0;
  /* No "\n" comes any more: a held "\r" is a byte of the last line, which
   * therefore must fit max_line with it. */
  held = splitter->held;
  splitter->held = 0;
  if (held > splitter->max_line)
    return stop(splitter, UV_EMSGSIZE);
  return emit(splitter, splitter->line, held);
}

uint64_t line_splitter_lines(const line_splitter_t *splitter) {
  return splitter != NULL ? splitter->lines : 0;
}

void line_splitter_free(line_splitter_t *splitter) {
  line_mem_free(splitter);
}

/* ------------------------------------------------------------------------
 * The transform
 * ------------------------------------------------------------------------ */

/* One write: the request and the output bytes it writes, in one block so
 * that one free in the write callback releases both, on every path. */
typedef struct {
  uv_write_t req;
  size_t len;
  char data[];
} out_block_t;

typedef struct {
  uv_stream_t *source;
  uv_stream_t *destination;
  line_transform_options_t options;
  line_transform_done_cb done;
  void *data;
  line_splitter_t *splitter;
  /* The read buffer: lines are copied out of it before on_read returns,
   * so one buffer serves every read. */
  char *read_buffer;
  /* Where the lines of one read are rewritten, reused for every read:
   * max_line + chunk_size + 2 bytes, room for everything one read can
   * complete. Each write then takes a block of exactly its size, so a
   * read whose lines the rule mostly drops holds little memory while it
   * waits for a slow destination. */
  char *scratch;
  size_t scratch_len;
  uv_shutdown_t shutdown;
  line_transform_report_t report;
  size_t in_flight; /* output bytes handed to uv_write(), callback not run */
  unsigned writes;  /* write callbacks not run yet */
  unsigned closed;  /* close callbacks run (2: both streams) */
  int status;       /* the first error, or UV_EMSGSIZE, or 0 */
  int reading;
  int input_ended; /* EOF, or a line too long: nothing more is read */
  int shutting_down;
  int closing;
} transform_t;

/* Frees the transform and everything it holds but its write blocks. */
static void release(transform_t *t) {
  line_splitter_free(t->splitter);
  line_mem_free(t->read_buffer);
  line_mem_free(t->scratch);
  line_mem_free(t);
}

static void on_closed(uv_handle_t *handle) {
  transform_t *t = handle->data;
  line_transform_done_cb done;
  line_transform_report_t report;
  void *data;
  int status;

  if (++t->closed < 2)
    return;
  /* Both close callbacks ran, so every write and shutdown callback did
   * too (closing a stream cancels its requests first): nothing of the
   * transform is in use any more. */
  done = t->done;
  data = t->data;
  status = t->status;
  report = t->report;
  release(t);
  done(data, status, &report);
}

static void close_both(transform_t *t) {
  if (t->closing)
    return;
  t->closing = 1;
  if (t->reading)
    uv_read_stop(t->source);
  t->reading = 0;
  uv_close((uv_handle_t *)t->source, on_closed);
  uv_close((uv_handle_t *)t->destination, on_closed);
}

/* Ends the transform on an error: keeps the first one, stops everything.
 * Safe to call again (cancelled writes come back with UV_ECANCELED). */
static void fail(transform_t *t, int status) {
  if (t->status == 0)
    t->status = status;
  close_both(t);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  transform_t *t = req->data;

  /* A pipe has no half-close: libuv's shutdown(2) on it gives
   * UV_ENOTSOCK once every write completed, and closing it ends the
   * stream for its reader all the same. */
  if (status < 0 && status != UV_ENOTSOCK && status != UV_ECANCELED)
    fail(t, status);
  else
    close_both(t);
}

/* Shuts the destination down once the input has ended and the last write
 * completed: like Node's Writable, which calls _final() only once its
 * buffer is empty, because only then does it know every write succeeded. */
static void maybe_shut_down(transform_t *t) {
  int err;

  if (!t->input_ended || t->writes > 0 || t->shutting_down || t->closing)
    return;
  t->shutting_down = 1;
  t->shutdown.data = t;
  err = uv_shutdown(&t->shutdown, t->destination, on_shutdown);
  if (err < 0)
    fail(t, err);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  transform_t *t = handle->data;

  (void)suggested;
  *buf = uv_buf_init(t->read_buffer, (unsigned int)t->options.chunk_size);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void start_reading(transform_t *t) {
  int err = uv_read_start(t->source, on_alloc, on_read);

  if (err < 0)
    fail(t, err);
  else
    t->reading = 1;
}

static void stop_reading(transform_t *t) {
  if (t->reading)
    uv_read_stop(t->source);
  t->reading = 0;
}

static void on_write(uv_write_t *req, int status) {
  out_block_t *block = req->data;
  transform_t *t = block->req.handle->data;

  t->in_flight -= block->len;
  t->writes--;
  line_mem_free(block);
  if (status < 0) {
    fail(t, status);
    return;
  }
  /* Resume at the low-water mark, not as soon as we dip below the high
   * one: a gap between the marks lets several chunks through per pause. */
  if (!t->reading && !t->input_ended && !t->closing &&
      t->in_flight <= t->options.low_water_mark)
    start_reading(t);
  maybe_shut_down(t);
}

/* The splitter's on_line: the rule decides, and the kept line goes to
 * the scratch buffer, which has room for all a read can complete: each
 * line gives back at most the bytes it took ("\n" for "\n" or "\r\n"),
 * plus one for a last line without "\n". */
static int on_line(void *arg, const char *line, size_t len) {
  transform_t *t = arg;
  char *out = t->scratch + t->scratch_len;

  t->report.lines_in++;
  if (log_rule_apply(line, len, out) == 0)
    return 0;
  out[len] = '\n';
  t->scratch_len += len + 1;
  t->report.lines_out++;
  return 0;
}

/* Writes what the last read gave, in a block of its own: the scratch
 * buffer is reused by the next read while this write waits. Then pauses
 * reading if too much is in flight. */
static void write_out(transform_t *t) {
  size_t len = t->scratch_len;
  out_block_t *block;
  uv_buf_t buf;
  int err;

  t->scratch_len = 0;
  if (len == 0)
    return;
  block = line_mem_alloc(sizeof(*block) + len);
  if (block == NULL) {
    fail(t, UV_ENOMEM);
    return;
  }
  block->req.data = block;
  block->len = len;
  memcpy(block->data, t->scratch, len);
  buf = uv_buf_init(block->data, (unsigned int)len);
  err = uv_write(&block->req, t->destination, &buf, 1, on_write);
  if (err < 0) {
    line_mem_free(block);
    fail(t, err);
    return;
  }
  t->writes++;
  t->in_flight += len;
}

/* The input is over: at its end, or at a line too long (status). */
static void end_input(transform_t *t, int status) {
  stop_reading(t);
  t->input_ended = 1;
  if (status != 0 && t->status == 0)
    t->status = status;
  maybe_shut_down(t);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  transform_t *t = stream->data;
  int status;

  (void)buf;
  if (nread == 0 || t->closing || t->input_ended)
    return;
  if (nread < 0 && nread != UV_EOF) {
    fail(t, (int)nread);
    return;
  }
  if (nread > 0)
    status = line_splitter_push(t->splitter, t->read_buffer, (size_t)nread);
  else
    status = line_splitter_finish(t->splitter);
  if (status == UV_EMSGSIZE)
    t->report.too_long = line_splitter_lines(t->splitter) + 1;
  /* Every line before a line too long goes out first: the reader gets
   * everything up to the bad line, then the error, never a cut line. */
  write_out(t);
  if (t->closing)
    return;
  if (status != 0)
    end_input(t, status);
  else if (nread < 0)
    end_input(t, 0);
}

int line_transform(uv_stream_t *source, uv_stream_t *destination,
                   const line_transform_options_t *options,
                   line_transform_done_cb done, void *data) {
  transform_t *t;
  int err;

  if (source == NULL || destination == NULL || options == NULL ||
      done == NULL || source == destination || options->max_line == 0 ||
      options->chunk_size == 0 || options->chunk_size > UINT32_MAX / 2 ||
      options->max_line > UINT32_MAX / 2 ||
      options->low_water_mark > options->high_water_mark)
    return UV_EINVAL;
  t = line_mem_alloc(sizeof(*t));
  if (t == NULL)
    return UV_ENOMEM;
  *t = (transform_t){.source = source,
                     .destination = destination,
                     .options = *options,
                     .done = done,
                     .data = data};
  t->splitter = line_splitter_new(options->max_line, on_line, t);
  t->read_buffer = line_mem_alloc(options->chunk_size);
  t->scratch = line_mem_alloc(options->max_line + options->chunk_size + 2);
  if (t->splitter == NULL || t->read_buffer == NULL || t->scratch == NULL) {
    release(t);
    return UV_ENOMEM;
  }
  err = uv_read_start(source, on_alloc, on_read);
  if (err < 0) {
    /* Nothing was read: undo, so the caller owns both handles untouched
     * (uv_read_start() reads nothing before it returns). */
    release(t);
    return err;
  }
  t->reading = 1;
  source->data = t;
  destination->data = t;
  return 0;
}

/* Kata 04, "The transform stream": the log filter. Start with README.md in
 * this folder: it says what to read, what to change here and how it is
 * graded. HINTS.md helps when you are stuck, one step at a time.
 *
 * This is the filter as it was first written, and tried on small files,
 * where a whole file arrives in one read. On a real stream the kernel cuts
 * the bytes wherever it likes: lines come out cut in two, a "\r\n" or a
 * UTF-8 character split between reads is mangled, a line of any length is
 * let through in pieces, and a slow reader at the far end makes the
 * process hold everything read so far. The contract is line_transform.h;
 * every place to change is marked TODO:.
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
  /* TODO: the splitter keeps nothing between two chunks, so a line that
   * one chunk starts and the next one finishes comes out as two lines.
   * Keep the unfinished end of a chunk here (how much room does it need,
   * at most?). (README: Chunks are not lines) */
  size_t held; /* bytes of an unfinished line kept here: always 0 so far */
};

line_splitter_t *line_splitter_new(size_t max_line, line_fn on_line,
                                   void *arg) {
  line_splitter_t *splitter;

  if (max_line == 0 || on_line == NULL)
    return NULL;
  splitter = line_mem_alloc(sizeof(*splitter));
  if (splitter == NULL)
    return NULL;
  *splitter =
      (line_splitter_t){.max_line = max_line, .on_line = on_line, .arg = arg};
  return splitter;
}

static int emit(line_splitter_t *splitter, const char *line, size_t len) {
  int status;

  splitter->lines++;
  status = splitter->on_line(splitter->arg, line, len);
  if (status != 0)
    splitter->failed = status;
  return status;
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
    const char *newline = memchr(at, '\n', (size_t)(end - at));
    size_t line_len;
    int status;

    /* TODO: a chunk that does not end with "\n" ends inside a line, yet
     * its last bytes are passed on as a whole line right here. (README:
     * Chunks are not lines) */
    if (newline == NULL)
      newline = end;
    line_len = (size_t)(newline - at);
    if (line_len > 0 && newline < end && at[line_len - 1] == '\r')
      line_len--;
    /* TODO: no line is ever too long here: max_line is never looked at, and
     * a long line goes through in pieces. A line longer than max_line must
     * end the input with UV_EMSGSIZE, none of it passed on. (README: The
     * longest line, and what comes after it) */
    status = emit(splitter, at, line_len);
    if (status != 0)
      return status;
    at = newline < end ? newline + 1 : end;
  }
  return 0;
}

int line_splitter_finish(line_splitter_t *splitter) {
  if (splitter == NULL)
    return UV_EINVAL;
  /* TODO: once the splitter keeps the unfinished end of a chunk, this is
   * where the last line, the one without "\n", must still be passed on.
   * (README: The end of the stream) */
  return splitter->failed;
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
  /* TODO: a write has completed: once the bytes in flight have fallen to
   * the low-water mark, this is where reading starts again. (README:
   * Backpressure) */
  maybe_shut_down(t);
}

/* The splitter's on_line: the rule decides, and the kept line goes to
 * the scratch buffer, which has room for everything one read gives. */
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
 * buffer is reused by the next read while this write waits. */
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
  /* TODO: every block is written at once, however much is already waiting
   * for the destination. uv_write() queues what it cannot write now,
   * without limit, so a slow reader makes this process hold the whole
   * stream. Stop reading once the bytes in flight reach the high-water
   * mark. (README: Backpressure) */
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

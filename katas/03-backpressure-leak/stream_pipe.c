/* Kata 03, "The backpressure leak": the pipe. Start with README.md in this
 * folder: it says what to read, what to change here and how it is graded.
 * HINTS.md helps when you are stuck, one step at a time.
 *
 * This is the pipe as it was first written. On a fast network, with small
 * files, it works: every byte arrives. Put a slow reader at the far end and
 * the process in the middle grows until it dies; let the reader go away
 * and the pipe keeps reading, leaking as it goes. The contract it must
 * meet is in stream_pipe.h. Every place to change is marked TODO:.
 */
#include "stream_pipe.h"

#include <stddef.h>
#include <stdint.h>

#include "pipe_mem.h"

typedef struct {
  uv_stream_t *source;
  uv_stream_t *destination;
  stream_pipe_options_t options;
  stream_pipe_done_cb done;
  void *data;
  int status;
  /* TODO: the pipe keeps no count of what it has written and not yet seen
   * completed, so it cannot know when to stop reading, when to start again
   * or when the last write is done. (README: Backpressure, step by step) */
} pipe_t;

/* A write in flight: the request, and the buffer it writes. */
typedef struct {
  uv_write_t req;
  char *base;
} write_request_t;

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  pipe_t *pipe = handle->data;
  char *base;

  (void)suggested;
  base = pipe_mem_alloc(pipe->options.chunk_size);
  *buf = uv_buf_init(base,
                     base != NULL ? (unsigned int)pipe->options.chunk_size : 0);
}

static void on_source_closed(uv_handle_t *handle) {
  pipe_t *pipe = handle->data;
  stream_pipe_done_cb done = pipe->done;
  void *data = pipe->data;
  int status = pipe->status;

  pipe_mem_free(pipe);
  done(data, status);
}

/* Ends the pipe with `status`. */
static void finish(pipe_t *pipe, int status) {
  pipe->status = status;
  uv_close((uv_handle_t *)pipe->source, on_source_closed);
  /* TODO: the destination is left as it is: never shut down, so the
   * reader at the far end never sees the end of the stream, and never
   * closed, although the pipe owns it. Shut it down once the source has
   * ended AND the last write has completed; close both streams; call done
   * only when both close callbacks have run. (README: The end of the
   * stream) */
}

static void on_write(uv_write_t *req, int status) {
  write_request_t *write_request = req->data;

  if (status < 0) {
    /* TODO: a failed write is ignored. The reading goes on, every chunk
     * read from now on fails the same way, nobody is told, and this
     * request and its buffer are never freed. (README: When something
     * fails, and Who frees what) */
    return;
  }
  pipe_mem_free(write_request->base);
  pipe_mem_free(write_request);
  /* TODO: a write has completed: this is where reading can start again
   * once little enough is in flight. (README: Backpressure, step by step) */
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  pipe_t *pipe = stream->data;

  if (nread > 0) {
    write_request_t *write_request = pipe_mem_alloc(sizeof(*write_request));
    uv_buf_t out;
    int err;

    if (write_request == NULL) {
      pipe_mem_free(buf->base);
      finish(pipe, UV_ENOMEM);
      return;
    }
    write_request->base = buf->base;
    write_request->req.data = write_request;
    out = uv_buf_init(buf->base, (unsigned int)nread);
    /* TODO: every chunk is written at once, and the pipe never looks at
     * how much is already waiting for the destination. uv_write() queues
     * whatever it cannot write now, without limit, so a slow reader makes
     * this queue (and the process) grow with the whole stream. Stop reading
     * once the bytes in flight reach the high-water mark. (README:
     * Backpressure, step by step) */
    err = uv_write(&write_request->req, pipe->destination, &out, 1, on_write);
    if (err < 0) {
      pipe_mem_free(write_request->base);
      pipe_mem_free(write_request);
      finish(pipe, err);
    }
    return;
  }
  pipe_mem_free(buf->base);
  if (nread == 0)
    return;
  /* TODO: the end of the source (UV_EOF) is treated as the end of the
   * pipe, while writes may still be in flight. (README: The end of the
   * stream) */
  finish(pipe, nread == UV_EOF ? 0 : (int)nread);
}

int stream_pipe(uv_stream_t *source, uv_stream_t *destination,
                const stream_pipe_options_t *options, stream_pipe_done_cb done,
                void *data) {
  pipe_t *pipe;
  int err;

  if (source == NULL || destination == NULL || options == NULL ||
      done == NULL || source == destination || options->chunk_size == 0 ||
      options->chunk_size > UINT32_MAX ||
      options->low_water_mark > options->high_water_mark)
    return UV_EINVAL;
  pipe = pipe_mem_alloc(sizeof(*pipe));
  if (pipe == NULL)
    return UV_ENOMEM;
  *pipe = (pipe_t){.source = source,
                   .destination = destination,
                   .options = *options,
                   .done = done,
                   .data = data};
  source->data = pipe;
  destination->data = pipe;
  err = uv_read_start(source, on_alloc, on_read);
  if (err < 0) {
    pipe_mem_free(pipe);
    return err;
  }
  return 0;
}

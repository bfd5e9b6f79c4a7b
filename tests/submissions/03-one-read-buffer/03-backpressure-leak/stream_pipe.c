/* Kata 03, "The backpressure leak": the reference solution.
 *
 * A pipe is a small state machine around three facts the starter ignored:
 *
 * 1. uv_write() never refuses data. When the destination is slower than the
 *    source, every chunk the pipe reads and writes waits in memory until the
 *    destination takes it. Only the reader can stop that, by not reading:
 *    that is backpressure. Node's stream.pipe() does exactly this: it calls
 *    source.pause() when dest.write() returns false, and source.resume() on
 *    the destination's 'drain' event.
 * 2. A write request and its buffer belong to the pipe until the write
 *    callback runs, whatever the status: success, an error, or
 *    UV_ECANCELED because the handle was closed. Every path gives them
 *    back.
 * 3. The end of the source is not the end of the pipe. The destination is
 *    finished only when the last write has completed and the destination
 *    has been shut down, so that the reader at the far end sees the end of
 *    the stream after the last byte.
 *
 * And one fact about memory that the timing gate measures: a stream
 * should reuse its buffers, not allocate and free one per chunk. See
 * give_back_chunk().
 *
 * Ownership: stream_pipe() allocates one pipe_t; it lives until the second
 * of the two close callbacks, which frees it (and its spare chunks) and
 * then calls done. Each chunk (one read buffer and the write request that
 * carries it, in one block) is taken in on_alloc() and given back in
 * on_read() when there is nothing to write, or in on_write() once the
 * write callback has run.
 */
#include "stream_pipe.h"

#include <stddef.h>
#include <stdint.h>

#include "pipe_mem.h"

typedef struct chunk chunk_t;

typedef struct {
  uv_stream_t *source;      /* closed by close_both(), exactly once */
  uv_stream_t *destination; /* closed by close_both(), exactly once */
  stream_pipe_options_t options;
  stream_pipe_done_cb done;
  void *data;
  uv_shutdown_t shutdown; /* in flight between end_destination() and
                           * on_shutdown() */
  /* Bytes handed to uv_write() whose write callback has not run yet: what
   * this pipe holds in memory on behalf of the destination. This is Node's
   * writable.writableLength. Note that uv_stream_get_write_queue_size()
   * counts less: a write that the kernel accepted at once leaves the queue
   * immediately, but its callback (and so the moment its buffer can be
   * freed) comes only on the next loop iteration. Counting up to the
   * callback bounds the memory, not just the queue. */
  size_t in_flight;
  unsigned writes; /* write requests whose callback has not run yet */
  chunk_t *spare;  /* chunks kept for reuse, linked through `next` */
  /* One read buffer for every read: uv_write() has the bytes once it
   * returns, so the next read may fill the same buffer. */
  char *read_buffer;
  size_t spare_count;
  size_t spare_max;
  int status;  /* the first error, or 0 */
  int reading; /* between uv_read_start() and uv_read_stop() */
  int source_ended;
  int closing;
  int open_handles; /* handles whose close callback has not run yet */
} pipe_t;

/* One read buffer and the write request that carries it to the
 * destination, in one allocation: they are born together in on_alloc() and
 * die together when the write callback runs, so the two can never be
 * separated, and leaking one means leaking both (the starter freed them
 * separately and forgot both on its error path). */
struct chunk {
  uv_write_t req;
  pipe_t *pipe;
  chunk_t *next; /* in pipe->spare, while it waits for reuse */
  size_t len;    /* bytes actually written: what in_flight was charged */
  char data[];
};

static void close_both(pipe_t *pipe);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

/* Records the first error and tears the pipe down. Later errors, such as
 * the UV_ECANCELED that closing the destination gives every pending write,
 * are consequences of the first one and are not reported. */
static void fail(pipe_t *pipe, int status) {
  if (pipe->status == 0)
    pipe->status = status;
  close_both(pipe);
}

/* A chunk for the next read: a spare one if there is one, else a new one
 * from pipe_mem_alloc(). Returns NULL when out of memory. */
static chunk_t *take_chunk(pipe_t *pipe) {
  chunk_t *chunk = pipe->spare;

  if (chunk != NULL) {
    pipe->spare = chunk->next;
    pipe->spare_count--;
    return chunk;
  }
  chunk = pipe_mem_alloc(sizeof(*chunk));
  if (chunk != NULL)
    chunk->pipe = pipe;
  return chunk;
}

/* Gives a chunk back: it is kept for reuse, up to about one high-water
 * mark's worth, and freed beyond that or once the pipe is closing.
 * Freeing and allocating a 64 KiB buffer per chunk looks free, but it is
 * not. Each time the pipe drains, glibc's
 * free() finds a large free block at the top of the heap and returns it to
 * the kernel (the "trim" threshold is 128 KiB); the next reads then touch
 * fresh pages, which the kernel must fault in and zero one by one. That
 * costs several times more than the copy itself. Keeping the chunks costs
 * nothing extra at the peak: the pipe needed that many at once anyway. */
static void give_back_chunk(pipe_t *pipe, chunk_t *chunk) {
  if (pipe->closing || pipe->spare_count >= pipe->spare_max) {
    pipe_mem_free(chunk);
    return;
  }
  chunk->next = pipe->spare;
  pipe->spare = chunk;
  pipe->spare_count++;
}

static void free_spare_chunks(pipe_t *pipe) {
  while (pipe->spare != NULL) {
    chunk_t *next = pipe->spare->next;
    pipe_mem_free(pipe->spare);
    pipe->spare = next;
  }
  pipe->spare_count = 0;
}

static void stop_reading(pipe_t *pipe) {
  if (!pipe->reading)
    return;
  uv_read_stop(pipe->source);
  pipe->reading = 0;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  pipe_t *pipe = handle->data;

  (void)suggested;
  *buf = uv_buf_init(pipe->read_buffer, (unsigned int)pipe->options.chunk_size);
}

static void start_reading(pipe_t *pipe) {
  int err;

  if (pipe->reading || pipe->source_ended || pipe->closing)
    return;
  err = uv_read_start(pipe->source, on_alloc, on_read);
  if (err < 0) {
    fail(pipe, err);
    return;
  }
  pipe->reading = 1;
}

static void on_closed(uv_handle_t *handle) {
  pipe_t *pipe = handle->data;
  stream_pipe_done_cb done;
  void *data;
  int status;

  if (--pipe->open_handles > 0)
    return;
  /* Both close callbacks have run. libuv runs the callbacks of the writes
   * (UV_ECANCELED) and of the shutdown that were still pending before the
   * destination's close callback, so every chunk has been given back by
   * now, and the spares are all that is left.
   * done comes last, after the pipe is gone, so that the caller may free
   * the handles or start a new pipe on the same loop from it. */
  done = pipe->done;
  data = pipe->data;
  status = pipe->status;
  free_spare_chunks(pipe);
  pipe_mem_free(pipe->read_buffer);
  pipe_mem_free(pipe);
  done(data, status);
}

/* Closes both streams once, whatever called first: an error, or the end of
 * a successful copy. Closing the destination cancels its pending writes;
 * their callbacks still run, with UV_ECANCELED, and free their chunks. */
static void close_both(pipe_t *pipe) {
  if (pipe->closing)
    return;
  pipe->closing = 1;
  stop_reading(pipe);
  pipe->open_handles = 2;
  uv_close((uv_handle_t *)pipe->source, on_closed);
  uv_close((uv_handle_t *)pipe->destination, on_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  pipe_t *pipe = req->data;

  /* A pipe, unlike a socket, has no half-close: libuv 1.44 asks the kernel
   * for shutdown(2) anyway and reports UV_ENOTSOCK. Every write has
   * completed by then, and closing the write end (just below) is how a
   * pipe's reader sees the end of the stream, so this is not a failure. */
  if (status < 0 && status != UV_ENOTSOCK)
    fail(pipe, status);
  else
    close_both(pipe);
}

/* Shuts the destination down: called once the source has ended and the
 * last write has completed. libuv would queue a shutdown behind pending
 * writes by itself, but waiting for the last write callback is what Node's
 * Writable does before it calls _final() (the socket's shutdown): only
 * then does the pipe know that every write succeeded, and only then is
 * "done with status 0" true. */
static void end_destination(pipe_t *pipe) {
  int err;

  pipe->shutdown.data = pipe;
  err = uv_shutdown(&pipe->shutdown, pipe->destination, on_shutdown);
  if (err < 0)
    fail(pipe, err);
}

static void on_write(uv_write_t *req, int status) {
  void *start = (char *)req - offsetof(chunk_t, req);
  chunk_t *chunk = start;
  pipe_t *pipe = chunk->pipe;

  /* Give the chunk back first, on every path: success, error and
   * UV_ECANCELED alike. */
  pipe->in_flight -= chunk->len;
  pipe->writes--;
  give_back_chunk(pipe, chunk);

  if (status < 0) {
    /* The destination failed (the reader went away: EPIPE, ECONNRESET).
     * Nothing more can reach it, so reading on would only fill memory:
     * stop, close both, report. */
    fail(pipe, status);
    return;
  }
  if (pipe->closing)
    return;
  if (pipe->source_ended) {
    if (pipe->writes == 0)
      end_destination(pipe);
    return;
  }
  /* The 'drain' half of backpressure. Waiting for the low-water mark
   * rather than restarting below the high one gives hysteresis: reading
   * resumes with room for several chunks, instead of stopping and starting
   * around the high-water mark at every single write. (Node's 'drain'
   * comes only once the writable's buffer is empty: a low-water mark of
   * 0. The contract makes the mark a parameter.) */
  if (pipe->in_flight <= pipe->options.low_water_mark)
    start_reading(pipe);
}

static void write_chunk(pipe_t *pipe, chunk_t *chunk, char *base, size_t len) {
  uv_buf_t buf = uv_buf_init(base, (unsigned int)len);
  int err;

  chunk->len = len;
  err = uv_write(&chunk->req, pipe->destination, &buf, 1, on_write);
  if (err < 0) {
    /* No callback will come for a write that was refused: give the chunk
     * back here. */
    give_back_chunk(pipe, chunk);
    fail(pipe, err);
    return;
  }
  pipe->in_flight += len;
  pipe->writes++;
  /* The 'write() returned false' half of backpressure: stop reading until
   * the destination has taken enough. At most one chunk can go past the
   * high-water mark: the one just written. */
  if (pipe->in_flight >= pipe->options.high_water_mark)
    stop_reading(pipe);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  pipe_t *pipe = stream->data;

  if (nread > 0) {
    chunk_t *chunk = take_chunk(pipe);
    if (chunk == NULL) {
      fail(pipe, UV_ENOMEM);
      return;
    }
    write_chunk(pipe, chunk, buf->base, (size_t)nread);
    return;
  }
  if (nread == 0)
    return;
  if (nread != UV_EOF) {
    fail(pipe, (int)nread);
    return;
  }
  pipe->source_ended = 1;
  stop_reading(pipe);
  if (pipe->writes == 0)
    end_destination(pipe);
  /* Otherwise on_write() ends the destination after the last write. */
}

static int valid_arguments(const uv_stream_t *source,
                           const uv_stream_t *destination,
                           const stream_pipe_options_t *options,
                           stream_pipe_done_cb done) {
  if (source == NULL || destination == NULL || options == NULL ||
      done == NULL || source == destination)
    return 0;
  if (options->chunk_size == 0 || options->chunk_size > UINT32_MAX ||
      options->low_water_mark > options->high_water_mark)
    return 0;
  return uv_is_readable(source) && uv_is_writable(destination) &&
         !uv_is_closing((const uv_handle_t *)source) &&
         !uv_is_closing((const uv_handle_t *)destination);
}

int stream_pipe(uv_stream_t *source, uv_stream_t *destination,
                const stream_pipe_options_t *options, stream_pipe_done_cb done,
                void *data) {
  void *source_data;
  void *destination_data;
  pipe_t *pipe;
  int err;

  if (!valid_arguments(source, destination, options, done))
    return UV_EINVAL;
  pipe = pipe_mem_alloc(sizeof(*pipe));
  if (pipe == NULL)
    return UV_ENOMEM;
  char *read_buffer = pipe_mem_alloc(options->chunk_size);
  if (read_buffer == NULL) {
    pipe_mem_free(pipe);
    return UV_ENOMEM;
  }
  *pipe =
      (pipe_t){.source = source,
               .destination = destination,
               .options = *options,
               .done = done,
               .data = data,
               /* Enough spares for a whole high-water mark of full
                * chunks, plus the one read past it and the one being
                * read into. */
               .spare_max = options->high_water_mark / options->chunk_size + 2,
               .read_buffer = read_buffer};
  source_data = source->data;
  destination_data = destination->data;
  source->data = pipe;
  destination->data = pipe;
  err = uv_read_start(source, on_alloc, on_read);
  if (err < 0) {
    /* Nothing was started: give the handles back as they were. */
    source->data = source_data;
    destination->data = destination_data;
    pipe_mem_free(read_buffer);
    pipe_mem_free(pipe);
    return err;
  }
  pipe->reading = 1;
  return 0;
}

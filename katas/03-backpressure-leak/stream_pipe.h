/* The contract of kata 03, "The backpressure leak": pipe one libuv stream
 * into another without letting a slow reader at the far end blow up the
 * memory of the process in the middle. Read README.md first.
 *
 * This header is the kata's (trusted); stream_pipe.c is yours.
 */
#ifndef STREAM_PIPE_H
#define STREAM_PIPE_H

#include <stddef.h>

#include <uv.h>

/* Called exactly once, as the very last thing a started pipe does: both
 * streams are closed (their close callbacks have run), every write callback
 * has run, and the pipe has released all its memory. `status` is 0 when the
 * whole source was written to the destination and the destination was shut
 * down, or the first error the pipe met (a negative libuv error code). */
typedef void (*stream_pipe_done_cb)(void *data, int status);

typedef struct {
  /* Size in bytes of each buffer the pipe reads into; at least 1. */
  size_t chunk_size;
  /* Reading stops once the bytes in flight reach this many. */
  size_t high_water_mark;
  /* Reading starts again once the bytes in flight fall to this many or
   * fewer; at most high_water_mark. */
  size_t low_water_mark;
} stream_pipe_options_t;

/* Copies everything read from `source` to `destination`, in order, with
 * backpressure: the bytes in flight (bytes handed to uv_write() whose write
 * callback has not run yet) stay near `options->high_water_mark`, however
 * slowly the destination drains.
 *
 * When the source ends (UV_EOF) and the last write has completed, the pipe
 * shuts the destination down (uv_shutdown()), then closes both streams and
 * calls done(data, 0). On any error (reading the source, writing or shutting
 * down the destination) it stops reading, closes both streams and calls
 * done(data, error).
 *
 * Every byte of memory the pipe allocates (its state, its buffers, its
 * requests) comes from pipe_mem_alloc() and goes back through
 * pipe_mem_free() (pipe_mem.h).
 *
 * Returns 0 when the pipe has started. From then on the pipe owns both
 * handles: it may use their `data` fields, and it closes each of them
 * exactly once. The caller must keep the handles' memory valid until done
 * runs, and may free it from done.
 *
 * Returns UV_EINVAL, without starting anything, when an argument is NULL,
 * when `source` and `destination` are the same stream, when `source` is
 * not readable or `destination` not writable, when either is closing, or
 * when the options break the rules above; UV_ENOMEM when out of memory; or
 * the error of uv_read_start(). Then done is never called and the caller
 * still owns both handles, untouched.
 */
int stream_pipe(uv_stream_t *source, uv_stream_t *destination,
                const stream_pipe_options_t *options, stream_pipe_done_cb done,
                void *data);

#endif /* STREAM_PIPE_H */

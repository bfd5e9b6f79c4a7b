/* The contract of kata 04, "The transform stream": a log filter that reads
 * lines from one libuv stream and writes the lines it keeps, rewritten, to
 * another, whatever the sizes of the chunks the bytes arrive in. Read
 * README.md first.
 *
 * This header is the kata's (trusted); line_transform.c is yours.
 */
#ifndef LINE_TRANSFORM_H
#define LINE_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* ---- lines out of chunks ---------------------------------------------- */

/* What a line is. A line ends at "\n"; a "\r" right before that "\n" is
 * part of the end of the line, like the "\n" itself. Any other "\r" is a
 * byte of the line. The last line of the input may have no "\n": it is
 * still a line. The length of a line is the number of its bytes without
 * its end ("\n" or "\r\n"). */

/* Called once per line, in order, with the line's bytes (without its end;
 * not NUL-terminated), lent for the duration of the call. Returns 0 to go
 * on; anything else stops the splitter, which returns that value. */
typedef int (*line_fn)(void *arg, const char *line, size_t len);

typedef struct line_splitter line_splitter_t;

/* Makes a splitter of lines of at most `max_line` bytes (at least 1) that
 * calls `on_line(arg, ...)` for each. Its memory comes from line_mem_alloc()
 * (line_mem.h) and stays within `max_line` and a few dozen bytes, however
 * long the input. Returns NULL when out of memory or when an argument is
 * invalid. */
line_splitter_t *line_splitter_new(size_t max_line, line_fn on_line, void *arg);

/* Feeds the next `len` bytes of the input (any `len`, 0 included). Calls
 * on_line for every line that these bytes complete, however the input was
 * cut into chunks. Returns 0; UV_EMSGSIZE as soon as it is certain that a
 * line is longer than `max_line` (after every line before it was passed to
 * on_line, and without passing any part of it); or what on_line returned
 * when it stopped. After an error, the splitter may only be freed. */
int line_splitter_push(line_splitter_t *splitter, const char *chunk,
                       size_t len);

/* Ends the input: passes the last line to on_line if it has no "\n" (an
 * input that ends with "\n" has no line after it). Returns like
 * line_splitter_push(). */
int line_splitter_finish(line_splitter_t *splitter);

/* The number of lines the splitter passed to on_line so far. */
uint64_t line_splitter_lines(const line_splitter_t *splitter);

/* Frees the splitter and what it holds. Accepts NULL. */
void line_splitter_free(line_splitter_t *splitter);

/* ---- the transform between two streams -------------------------------- */

typedef struct {
  /* The longest line accepted, in bytes, without its end; at least 1. */
  size_t max_line;
  /* Size in bytes of each buffer the transform reads into; at least 1. */
  size_t chunk_size;
  /* Reading stops once the output bytes in flight (handed to uv_write(),
   * write callback not run yet) reach this many... */
  size_t high_water_mark;
  /* ...and starts again once they fall to this many or fewer (at most
   * high_water_mark). */
  size_t low_water_mark;
} line_transform_options_t;

typedef struct {
  uint64_t lines_in;  /* lines read from the source */
  uint64_t lines_out; /* lines written to the destination */
  uint64_t too_long;  /* the number (from 1) of the line that was longer
                       * than max_line, or 0 */
} line_transform_report_t;

/* Called exactly once, as the very last thing a started transform does:
 * both streams are closed (their close callbacks have run), every write
 * callback has run, and the transform has released its memory. `status`
 * is 0 when the whole source was transformed and the destination shut
 * down, UV_EMSGSIZE when a line was too long, or the first libuv error.
 * `report` is lent for the duration of the call. */
typedef void (*line_transform_done_cb)(void *data, int status,
                                       const line_transform_report_t *report);

/* Reads `source` to its end, passes every line to log_rule_apply()
 * (log_rule.h), and writes each line the rule keeps, as the rule rewrote
 * it and ended by "\n", to `destination`, in order.
 *
 * Backpressure: reading stops while the output bytes in flight are at the
 * high-water mark or above, and starts again at the low-water mark or
 * below, however slowly the destination drains.
 *
 * The end: when the source ends (UV_EOF), the transform passes the last
 * line on, waits for its last write callback, shuts the destination down
 * (uv_shutdown()), closes both streams and calls done(data, 0, report).
 * A line longer than max_line ends the transform the same way (stop
 * reading, write every line before it, shut down, close), but done gets
 * UV_EMSGSIZE and report->too_long names the line. Any other error stops
 * reading, closes both streams and reports the first error.
 *
 * Memory: everything the transform allocates comes from line_mem_alloc()
 * (line_mem.h) and goes back through line_mem_free(); it stays within
 * max_line, one read buffer, the bytes in flight and a few small blocks.
 *
 * Returns 0 when the transform has started; from then on it owns both
 * handles (it may use their `data` fields and closes each exactly once).
 * Returns UV_EINVAL, starting nothing, when an argument is NULL, source and
 * destination are the same stream, or the options break the rules above;
 * UV_ENOMEM when out of memory; or the error of uv_read_start(). Then done
 * never runs and the caller still owns both handles, untouched.
 */
int line_transform(uv_stream_t *source, uv_stream_t *destination,
                   const line_transform_options_t *options,
                   line_transform_done_cb done, void *data);

#endif /* LINE_TRANSFORM_H */

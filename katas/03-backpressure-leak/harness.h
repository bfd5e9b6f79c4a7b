/* The two ends around the learner's pipe, shared by the suite and the
 * benchmark (trusted): a producer that writes a known byte pattern into the
 * stream the pipe reads, a consumer that reads the stream the pipe writes
 * and checks every byte, and a watchdog that notices when nothing moves any
 * more. All of it runs on the same libuv loop as the pipe.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* ---- the byte pattern ------------------------------------------------- */

/* Fills buf with the `len` pattern bytes that start at stream offset
 * `offset`. Every offset has its own byte, so a byte lost, repeated or
 * moved shows as a difference. */
void pattern_fill(uint64_t offset, char *buf, size_t len);

/* Returns the index of the first of the `len` bytes of buf that differs
 * from the pattern at stream offset `offset`, or `len` if none does. */
size_t pattern_check(uint64_t offset, const char *buf, size_t len);

/* ---- the producer ----------------------------------------------------- */

enum { PRODUCER_BLOCKS = 4, PRODUCER_BLOCK_SIZE = 64 * 1024 };

typedef struct {
  uv_write_t req;
  char *data; /* PRODUCER_BLOCK_SIZE bytes, owned by the producer */
  size_t len;
} producer_block_t;

/* Writes `total` pattern bytes into its stream as fast as the stream takes
 * them, keeping PRODUCER_BLOCKS writes in flight (its own memory is fixed),
 * then closes its stream (unless keep_open is set): the reader at the other
 * end sees the end of the stream, or ECONNRESET if the reader had written
 * bytes to it that it never read. */
typedef struct {
  uv_stream_t *stream; /* its end; closed by the producer when done */
  uint64_t total;      /* bytes to write */
  uint64_t queued;     /* bytes handed to uv_write() so far */
  uint64_t sent;       /* bytes whose write completed */
  int error;           /* the first write error, or 0 */
  int finished;        /* it wrote everything, or gave up on an error */
  int keep_open;       /* when finished, leave the stream open for
                        * producer_close() */
  unsigned in_flight;  /* writes whose callback has not run */
  producer_block_t blocks[PRODUCER_BLOCKS];
} producer_t;

/* Prepares a producer of `total` bytes on `stream`, an open stream handle
 * it then owns (it sets its `data` and closes it). Returns 0 or UV_ENOMEM;
 * on success, producer_free() releases the buffers once the loop is done
 * with them. */
int producer_init(producer_t *producer, uv_stream_t *stream, uint64_t total);

/* Starts writing; with `total` 0 it closes its stream at once. */
void producer_start(producer_t *producer);

/* Closes the producer's stream (once), whether it finished or not. */
void producer_close(producer_t *producer);

/* Frees the producer's buffers. Call it only after its stream is closed
 * and the loop has run the close callback. Accepts NULL. */
void producer_free(producer_t *producer);

/* ---- the consumer ----------------------------------------------------- */

typedef enum {
  CONSUMER_PAUSED, /* reads nothing: the stream's buffers fill up */
  CONSUMER_SLOW,   /* reads at most one buffer per loop iteration */
  CONSUMER_FAST    /* reads whatever arrives */
} consumer_pace_t;

/* Reads a stream and checks each byte against the pattern. */
typedef struct {
  uv_stream_t *stream; /* its end; closed by consumer_close() */
  uv_idle_t resume;    /* restarts reading on the next iteration (SLOW) */
  char *buffer;        /* buffer_size bytes, owned by the consumer */
  size_t buffer_size;
  consumer_pace_t pace;
  uint64_t received;    /* bytes read so far */
  uint64_t first_wrong; /* offset of the first wrong byte, or UINT64_MAX */
  uint64_t close_after; /* closes its end once this many arrived (0: never) */
  int eof;              /* it read the end of the stream */
  int error;            /* the read error it got, or 0 */
  int closed;           /* consumer_close() was called */
} consumer_t;

/* Prepares a consumer reading `stream` (an open stream handle it then owns)
 * in buffers of `buffer_size` bytes. Returns 0 or UV_ENOMEM. */
int consumer_init(consumer_t *consumer, uv_loop_t *loop, uv_stream_t *stream,
                  size_t buffer_size);

/* Changes the pace; CONSUMER_PAUSED stops reading at once. */
void consumer_set_pace(consumer_t *consumer, consumer_pace_t pace);

/* Closes the consumer's end and its idle handle (once). */
void consumer_close(consumer_t *consumer);

/* Frees the buffer. Call it only after the loop ran the close callbacks.
 * Accepts NULL. */
void consumer_free(consumer_t *consumer);

/* ---- the watchdog ----------------------------------------------------- */

/* Every WATCHDOG_TICK_MS it asks `signature` for a number that changes
 * whenever anything moves; after WATCHDOG_STILL_TICKS ticks without a
 * change, it sets `stalled`. Since libuv polls with level-triggered events,
 * a tick without change means that a whole poll found nothing ready: the
 * streams are stuck, not slow. */
enum { WATCHDOG_TICK_MS = 10, WATCHDOG_STILL_TICKS = 5 };

typedef struct {
  uv_timer_t timer;
  uint64_t (*signature)(void *arg);
  void *arg;
  uint64_t last;
  unsigned still;
  int stalled;
} watchdog_t;

/* Starts the watchdog on `loop`. Returns 0 or a libuv error. */
int watchdog_start(watchdog_t *watchdog, uv_loop_t *loop,
                   uint64_t (*signature)(void *arg), void *arg);

/* Closes its timer (once). */
void watchdog_close(watchdog_t *watchdog);

/* Mixes `value` into a signature under construction. */
uint64_t signature_mix(uint64_t signature, uint64_t value);

#endif /* HARNESS_H */

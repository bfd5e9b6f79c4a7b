/* The producer, consumer and watchdog around the learner's pipe (see
 * harness.h). Trusted code of the kata: its memory is fixed, so whatever
 * grows in the process grows in the pipe. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

/* ---- the byte pattern ------------------------------------------------- */

/* splitmix64's finaliser: a cheap, well-mixed word for each 8-byte slot. */
static uint64_t pattern_word(uint64_t slot) {
  uint64_t x = slot + 0x9e3779b97f4a7c15u;

  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

static char pattern_byte(uint64_t offset) {
  return (char)(unsigned char)(pattern_word(offset >> 3) >> ((offset & 7) * 8));
}

void pattern_fill(uint64_t offset, char *buf, size_t len) {
  size_t i = 0;

  for (; i < len && ((offset + i) & 7) != 0; i++)
    buf[i] = pattern_byte(offset + i);
  for (; i + 8 <= len; i += 8) {
    uint64_t word = pattern_word((offset + i) >> 3);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* The same bytes as the loop below, in one store: this runs over
     * every byte of every test stream, in the coverage build too. */
    memcpy(buf + i, &word, sizeof(word));
#else
    for (unsigned k = 0; k < 8; k++)
      buf[i + k] = (char)(unsigned char)(word >> (k * 8));
#endif
  }
  for (; i < len; i++)
    buf[i] = pattern_byte(offset + i);
}

size_t pattern_check(uint64_t offset, const char *buf, size_t len) {
  char expected[4096];
  size_t done = 0;

  while (done < len) {
    size_t n = len - done < sizeof(expected) ? len - done : sizeof(expected);
    pattern_fill(offset + done, expected, n);
    if (memcmp(expected, buf + done, n) != 0) {
      for (size_t i = 0; i < n; i++)
        if (expected[i] != buf[done + i])
          return done + i;
    }
    done += n;
  }
  return len;
}

/* ---- the producer ----------------------------------------------------- */

static void producer_write_next(producer_t *producer, producer_block_t *block);

void producer_close(producer_t *producer) {
  if (!uv_is_closing((uv_handle_t *)producer->stream))
    uv_close((uv_handle_t *)producer->stream, NULL);
}

static void producer_finish(producer_t *producer) {
  producer->finished = 1;
  if (!producer->keep_open)
    producer_close(producer);
}

static void on_producer_write(uv_write_t *req, int status) {
  producer_block_t *block = req->data;
  producer_t *producer = req->handle->data;

  producer->in_flight--;
  if (status < 0) {
    if (producer->error == 0)
      producer->error = status;
  } else {
    producer->sent += block->len;
  }
  if (producer->error == 0 && producer->queued < producer->total &&
      !uv_is_closing((uv_handle_t *)producer->stream)) {
    producer_write_next(producer, block);
    return;
  }
  if (producer->in_flight == 0 && !producer->finished)
    producer_finish(producer);
}

static void producer_write_next(producer_t *producer, producer_block_t *block) {
  uint64_t left = producer->total - producer->queued;
  size_t len = left < PRODUCER_BLOCK_SIZE ? (size_t)left : PRODUCER_BLOCK_SIZE;
  uv_buf_t buf;
  int err;

  pattern_fill(producer->queued, block->data, len);
  block->len = len;
  block->req.data = block;
  buf = uv_buf_init(block->data, (unsigned int)len);
  err = uv_write(&block->req, producer->stream, &buf, 1, on_producer_write);
  if (err < 0) {
    if (producer->error == 0)
      producer->error = err;
    if (producer->in_flight == 0 && !producer->finished)
      producer_finish(producer);
    return;
  }
  producer->queued += len;
  producer->in_flight++;
}

int producer_init(producer_t *producer, uv_stream_t *stream, uint64_t total) {
  memset(producer, 0, sizeof(*producer));
  producer->stream = stream;
  producer->total = total;
  stream->data = producer;
  for (unsigned i = 0; i < PRODUCER_BLOCKS; i++) {
    producer->blocks[i].data = malloc(PRODUCER_BLOCK_SIZE);
    if (producer->blocks[i].data == NULL) {
      producer_free(producer);
      return UV_ENOMEM;
    }
  }
  return 0;
}

void producer_start(producer_t *producer) {
  for (unsigned i = 0; i < PRODUCER_BLOCKS; i++) {
    if (producer->queued >= producer->total || producer->error != 0)
      break;
    producer_write_next(producer, &producer->blocks[i]);
  }
  if (producer->in_flight == 0 && !producer->finished)
    producer_finish(producer);
}

void producer_free(producer_t *producer) {
  if (producer == NULL)
    return;
  for (unsigned i = 0; i < PRODUCER_BLOCKS; i++) {
    free(producer->blocks[i].data);
    producer->blocks[i].data = NULL;
  }
}

/* ---- the consumer ----------------------------------------------------- */

static void on_consumer_alloc(uv_handle_t *handle, size_t suggested,
                              uv_buf_t *buf) {
  consumer_t *consumer = handle->data;

  (void)suggested;
  *buf = uv_buf_init(consumer->buffer, (unsigned int)consumer->buffer_size);
}

static void consumer_take(consumer_t *consumer, const char *data, size_t len) {
  if (consumer->first_wrong == UINT64_MAX) {
    size_t wrong = pattern_check(consumer->received, data, len);
    if (wrong < len)
      consumer->first_wrong = consumer->received + wrong;
  }
  consumer->received += len;
}

static void on_consumer_resume(uv_idle_t *idle);

static void on_consumer_read(uv_stream_t *stream, ssize_t nread,
                             const uv_buf_t *buf) {
  consumer_t *consumer = stream->data;

  if (nread > 0) {
    consumer_take(consumer, buf->base, (size_t)nread);
    if (consumer->close_after > 0 &&
        consumer->received >= consumer->close_after) {
      consumer_close(consumer);
    } else if (consumer->pace == CONSUMER_SLOW) {
      uv_read_stop(stream);
      uv_idle_start(&consumer->resume, on_consumer_resume);
    }
    return;
  }
  if (nread == 0)
    return;
  if (nread == UV_EOF)
    consumer->eof = 1;
  else
    consumer->error = (int)nread;
  uv_read_stop(stream);
}

static void on_consumer_resume(uv_idle_t *idle) {
  consumer_t *consumer = idle->data;

  uv_idle_stop(idle);
  if (consumer->pace != CONSUMER_PAUSED && !consumer->closed &&
      !consumer->eof && consumer->error == 0)
    uv_read_start(consumer->stream, on_consumer_alloc, on_consumer_read);
}

int consumer_init(consumer_t *consumer, uv_loop_t *loop, uv_stream_t *stream,
                  size_t buffer_size) {
  memset(consumer, 0, sizeof(*consumer));
  consumer->buffer = malloc(buffer_size);
  if (consumer->buffer == NULL)
    return UV_ENOMEM;
  consumer->buffer_size = buffer_size;
  consumer->stream = stream;
  consumer->first_wrong = UINT64_MAX;
  consumer->pace = CONSUMER_PAUSED;
  stream->data = consumer;
  uv_idle_init(loop, &consumer->resume);
  consumer->resume.data = consumer;
  return 0;
}

void consumer_set_pace(consumer_t *consumer, consumer_pace_t pace) {
  consumer->pace = pace;
  if (consumer->closed || consumer->eof || consumer->error != 0)
    return;
  if (pace == CONSUMER_PAUSED) {
    uv_read_stop(consumer->stream);
    uv_idle_stop(&consumer->resume);
  } else {
    uv_read_start(consumer->stream, on_consumer_alloc, on_consumer_read);
  }
}

void consumer_close(consumer_t *consumer) {
  if (consumer->closed)
    return;
  consumer->closed = 1;
  uv_close((uv_handle_t *)consumer->stream, NULL);
  uv_close((uv_handle_t *)&consumer->resume, NULL);
}

void consumer_free(consumer_t *consumer) {
  if (consumer == NULL)
    return;
  free(consumer->buffer);
  consumer->buffer = NULL;
}

/* ---- the watchdog ----------------------------------------------------- */

uint64_t signature_mix(uint64_t signature, uint64_t value) {
  return pattern_word(signature ^ value);
}

static void on_watchdog_tick(uv_timer_t *timer) {
  watchdog_t *watchdog = timer->data;
  uint64_t now = watchdog->signature(watchdog->arg);

  if (now != watchdog->last) {
    watchdog->last = now;
    watchdog->still = 0;
    return;
  }
  if (++watchdog->still >= WATCHDOG_STILL_TICKS)
    watchdog->stalled = 1;
}

int watchdog_start(watchdog_t *watchdog, uv_loop_t *loop,
                   uint64_t (*signature)(void *arg), void *arg) {
  int err;

  memset(watchdog, 0, sizeof(*watchdog));
  watchdog->signature = signature;
  watchdog->arg = arg;
  err = uv_timer_init(loop, &watchdog->timer);
  if (err < 0)
    return err;
  watchdog->timer.data = watchdog;
  watchdog->last = signature(arg);
  return uv_timer_start(&watchdog->timer, on_watchdog_tick, WATCHDOG_TICK_MS,
                        WATCHDOG_TICK_MS);
}

void watchdog_close(watchdog_t *watchdog) {
  if (!uv_is_closing((uv_handle_t *)&watchdog->timer))
    uv_close((uv_handle_t *)&watchdog->timer, NULL);
}

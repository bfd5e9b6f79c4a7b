/* The benchmark of kata 10: callgrind counts the instructions of
 * bench_decode() alone, which decodes a buffer of frames built beforehand
 * (outside the count). The timing gate divides the count for your
 * frame_decode.c by the count for the reference solution's, built and run
 * in the same grading: a decoder that allocates, copies the buffer or
 * scans it twice shows up here.
 *
 * Usage: bench [FRAMES]   (default 20000)
 * Prints the number of frames decoded and a checksum of their fields.
 */
#include "frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The frames: valid, of every kind, from a fixed seed. */
typedef struct stream {
  uint8_t *bytes;
  size_t len;
  size_t cap;
} stream_t;

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rng_below(uint32_t n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % n);
}

static void put(stream_t *s, uint32_t byte) {
  s->bytes[s->len++] = (uint8_t)byte;
}

static void put_u16(stream_t *s, uint32_t v) {
  put(s, (v >> 8) & 0xff);
  put(s, v & 0xff);
}

static void put_u32(stream_t *s, uint32_t v) {
  put_u16(s, v >> 16);
  put_u16(s, v & 0xffff);
}

/* Appends one random valid frame; s has room for the largest. */
static void put_frame(stream_t *s) {
  size_t start = s->len;
  uint32_t kind = 1 + rng_below(4);

  put_u16(s, 0);
  put(s, kind);
  switch (kind) {
  case FRAME_KIND_PING:
    put_u32(s, rng_below(0xffffffffu));
    break;
  case FRAME_KIND_TEXT: {
    uint32_t n = 8 + rng_below(FRAME_MAX_TEXT - 7);
    put_u16(s, rng_below(0x10000));
    put(s, n);
    for (uint32_t i = 0; i < n; i++)
      put(s, 0x20 + rng_below(95));
    break;
  }
  case FRAME_KIND_READINGS: {
    uint32_t n = 1 + rng_below(FRAME_MAX_READINGS);
    put_u32(s, rng_below(0xffffffffu));
    put(s, n);
    for (uint32_t i = 0; i < n; i++)
      put_u16(s, rng_below(6000));
    break;
  }
  default: {
    char digits[16];
    put(s, FRAME_SETTING_TIMEOUT_MS);
    snprintf(digits, sizeof(digits), "%u",
             (unsigned)rng_below(FRAME_MAX_TIMEOUT_MS));
    for (const char *d = digits; *d != '\0'; d++)
      put(s, (uint8_t)*d);
    break;
  }
  }
  size_t size = s->len - start - FRAME_HEADER_SIZE;
  s->bytes[start] = (uint8_t)(size >> 8);
  s->bytes[start + 1] = (uint8_t)(size & 0xff);
}

__attribute__((noinline)) unsigned long
bench_decode(const uint8_t *buf, size_t len, size_t *frames);

/* The measured function: decodes every frame of buf[0, len). Returns a
 * checksum of the fields, so the decoding cannot be optimised away, and
 * sets *frames to the number decoded. */
__attribute__((noinline)) unsigned long
bench_decode(const uint8_t *buf, size_t len, size_t *frames) {
  unsigned long sum = 0;
  size_t count = 0;
  frame_message_t msg;

  while (len > 0) {
    size_t consumed = 0;
    if (frame_decode(buf, len, &msg, &consumed) != FRAME_OK || consumed == 0 ||
        consumed > len)
      break;
    switch (msg.kind) {
    case FRAME_KIND_PING:
      sum += msg.as.ping.nonce;
      break;
    case FRAME_KIND_TEXT:
      sum += msg.as.text.length + (unsigned char)msg.as.text.text[0];
      break;
    case FRAME_KIND_READINGS:
      sum += msg.as.readings.count + (unsigned short)msg.as.readings.values[0];
      break;
    case FRAME_KIND_SETTING:
      sum += msg.as.setting.value;
      break;
    }
    buf += consumed;
    len -= consumed;
    count++;
  }
  *frames = count;
  return sum;
}

int main(int argc, char **argv) {
  size_t frames = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 20000;
  stream_t s = {NULL, 0, frames * (FRAME_HEADER_SIZE + FRAME_MAX_PAYLOAD)};

  s.bytes = malloc(s.cap > 0 ? s.cap : 1);
  if (s.bytes == NULL)
    return 1;
  for (size_t i = 0; i < frames; i++)
    put_frame(&s);
  size_t decoded = 0;
  unsigned long sum = bench_decode(s.bytes, s.len, &decoded);
  printf("%zu frames decoded of %zu, checksum %lu\n", decoded, frames, sum);
  free(s.bytes);
  return decoded == frames ? 0 : 1;
}

/* The suite of kata 10, "Unchecked casts". Read README.md first.
 *
 * Every frame is decoded from a copy that ends at the last readable byte
 * of a page, with an unreadable page right after it: a decoder that reads
 * even one byte past its input crashes here, in plain runs too, instead of
 * reading whatever happened to follow. Valid frames must decode to the
 * right structs; each malformed frame must give the one error README.md,
 * "The protocol", specifies; and 100,000 frames mutated from a fixed seed
 * must decode without a crash or an insane result (under ASan and UBSan in
 * the grader's strict gate, where any report fails it).
 *
 * Usage: suite [cmocka-filter]
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/mman.h>
#include <unistd.h>

#include "frame.h"

#define SEE_FRAMES "see README: The protocol, Frames"
#define SEE_ORDER "see README: The protocol, The order of checks"
#define SEE_PING "see README: The protocol, PING"
#define SEE_TEXT "see README: The protocol, TEXT"
#define SEE_READINGS "see README: The protocol, READINGS"
#define SEE_SETTING "see README: The protocol, SETTING"
#define SEE_BYTES "see README: Reading bytes, not structs"
#define SEE_CONVERSIONS "see README: Integer conversions"

/* cmocka 1.1.5 writes only assertion text into its XML report, which is all
 * the grader reads; cm_print_error(), which cmocka exports, writes into the
 * report. So every explanation goes through it. */
void cm_print_error(const char *const format, ...)
    __attribute__((format(printf, 1, 2)));
/* A place in this file. The checking helpers take their caller's and
 * fail there, so that a failure points at the test that called them,
 * where a learner looks, not at a helper many tests share. */
typedef struct place {
  const char *file;
  int line;
} place_t;

#define HERE ((place_t){__FILE__, __LINE__})

#define fail_explained_at(at, ...)                                             \
  do {                                                                         \
    cm_print_error(__VA_ARGS__);                                               \
    cm_print_error("\n");                                                      \
    _fail((at).file, (at).line);                                               \
  } while (0)
#define fail_explained(...) fail_explained_at(HERE, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * Input at the edge of readable memory
 * ------------------------------------------------------------------------ */

enum { EDGE_CAPACITY = 4096 };

/* Readable pages followed by one unreadable page. */
typedef struct edge {
  uint8_t *map;
  size_t readable;
  size_t total;
} edge_t;

static int setup_edge(void **state) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  edge_t *edge = calloc(1, sizeof(*edge));

  if (edge == NULL)
    return -1;
  edge->readable = (EDGE_CAPACITY + page - 1) / page * page;
  edge->total = edge->readable + page;
  void *map = mmap(NULL, edge->total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) {
    free(edge);
    return -1;
  }
  edge->map = map;
  if (mprotect(edge->map + edge->readable, page, PROT_NONE) != 0) {
    munmap(edge->map, edge->total);
    free(edge);
    return -1;
  }
  *state = edge;
  return 0;
}

static int teardown_edge(void **state) {
  edge_t *edge = *state;

  if (edge != NULL) {
    munmap(edge->map, edge->total);
    free(edge);
  }
  return 0;
}

/* Copies n bytes so that the last one is the last readable byte; returns
 * the copy (NULL for n == 0, as a caller with nothing to decode may pass). */
static const uint8_t *at_the_edge(edge_t *edge, const uint8_t *bytes,
                                  size_t n) {
  assert_true(n <= edge->readable);
  if (n == 0)
    return NULL;
  uint8_t *copy = edge->map + edge->readable - n;
  memcpy(copy, bytes, n);
  return copy;
}

/* ------------------------------------------------------------------------
 * Building frames
 * ------------------------------------------------------------------------ */

enum { FRAME_BYTES = 512 };

typedef struct bytes {
  uint8_t b[FRAME_BYTES];
  size_t n;
} bytes_t;

static void put_u8(bytes_t *f, unsigned v) {
  assert_true(f->n < FRAME_BYTES);
  f->b[f->n++] = (uint8_t)v;
}

static void put_u16(bytes_t *f, unsigned v) {
  put_u8(f, (v >> 8) & 0xffu);
  put_u8(f, v & 0xffu);
}

static void put_u32(bytes_t *f, uint32_t v) {
  put_u16(f, (unsigned)(v >> 16));
  put_u16(f, (unsigned)(v & 0xffffu));
}

static void put_text(bytes_t *f, const char *text) {
  for (size_t i = 0; text[i] != '\0'; i++)
    put_u8(f, (unsigned char)text[i]);
}

/* A frame's header with a length to be set by end_frame(). */
static bytes_t begin_frame(unsigned kind) {
  bytes_t f = {.n = 0};
  put_u16(&f, 0);
  put_u8(&f, kind);
  return f;
}

/* Sets the length field to the payload written so far. */
static void end_frame(bytes_t *f) {
  size_t length = f->n - FRAME_HEADER_SIZE;
  f->b[0] = (uint8_t)(length >> 8);
  f->b[1] = (uint8_t)(length & 0xffu);
}

static bytes_t ping_frame(uint32_t nonce) {
  bytes_t f = begin_frame(FRAME_KIND_PING);
  put_u32(&f, nonce);
  end_frame(&f);
  return f;
}

static bytes_t text_frame(unsigned channel, const char *text) {
  bytes_t f = begin_frame(FRAME_KIND_TEXT);
  put_u16(&f, channel);
  put_u8(&f, (unsigned)strlen(text));
  put_text(&f, text);
  end_frame(&f);
  return f;
}

static bytes_t readings_frame(uint32_t sensor, const int *values,
                              size_t count) {
  bytes_t f = begin_frame(FRAME_KIND_READINGS);
  put_u32(&f, sensor);
  put_u8(&f, (unsigned)count);
  for (size_t i = 0; i < count; i++)
    put_u16(&f, (unsigned)values[i] & 0xffffu);
  end_frame(&f);
  return f;
}

static bytes_t setting_frame(unsigned key, const char *digits) {
  bytes_t f = begin_frame(FRAME_KIND_SETTING);
  put_u8(&f, key);
  put_text(&f, digits);
  end_frame(&f);
  return f;
}

static bytes_t raw(const uint8_t *b, size_t n) {
  bytes_t f = {.n = n};
  assert_true(n <= FRAME_BYTES);
  memcpy(f.b, b, n);
  return f;
}
#define RAW(...)                                                               \
  raw((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* ------------------------------------------------------------------------
 * Decoding, and saying what went wrong
 * ------------------------------------------------------------------------ */

/* "00 04 01 de ad be ef", cut after 24 bytes. */
static const char *hex(const bytes_t *f) {
  static char text[24 * 3 + 32];
  size_t at = 0;
  size_t shown = f->n < 24 ? f->n : 24;

  text[0] = '\0';
  for (size_t i = 0; i < shown; i++)
    at += (size_t)snprintf(text + at, sizeof(text) - at, "%s%02x",
                           i > 0 ? " " : "", f->b[i]);
  if (shown < f->n)
    snprintf(text + at, sizeof(text) - at, " ... (%zu bytes)", f->n);
  else if (f->n == 0)
    snprintf(text, sizeof(text), "(no bytes)");
  return text;
}

/* Decodes f at the edge. Before decoding, it writes what is being decoded
 * into the report: cmocka keeps it only when the test fails, and a crash
 * then says which frame caused it. */
static int decode(void **state, const bytes_t *f, frame_message_t *msg,
                  size_t *consumed) {
  const uint8_t *buf = at_the_edge(*state, f->b, f->n);

  cm_print_error("frame under test: %s (%zu bytes, the last one at the edge "
                 "of readable memory; a crash here is a read past them or a "
                 "call through a bad pointer: " SEE_BYTES ")\n",
                 hex(f), f->n);
  memset(msg, 0xa5, sizeof(*msg));
  *consumed = 0;
  return frame_decode(buf, f->n, msg, consumed);
}

/* Decodes a frame that must be rejected with `want`. `why` says what is
 * wrong with it, `see` where the README says so. */
static void expect_error_at(place_t at, void **state, const bytes_t *f,
                            int want, const char *why, const char *see) {
  frame_message_t msg;
  size_t consumed;
  int got = decode(state, f, &msg, &consumed);

  if (got != want)
    fail_explained_at(at,
                      "expected %s (%s)\n"
                      "     got %s (%s)\n"
                      "because %s\n%s",
                      frame_error_name(want), frame_strerror(want),
                      frame_error_name(got), frame_strerror(got), why, see);
}
#define expect_error(...) expect_error_at(HERE, __VA_ARGS__)

/* Decodes a frame that must be accepted as a message of `kind`. */
static void expect_message_at(place_t at, void **state, const bytes_t *f,
                              frame_kind_t kind, frame_message_t *msg,
                              const char *see) {
  size_t consumed;
  int got = decode(state, f, msg, &consumed);

  if (got != FRAME_OK)
    fail_explained_at(at,
                      "expected FRAME_OK: the frame is well formed\n"
                      "     got %s (%s)\n%s",
                      frame_error_name(got), frame_strerror(got), see);
  if (msg->kind != kind)
    fail_explained_at(at, "expected the message kind %d, got %d\n%s", (int)kind,
                      (int)msg->kind, see);
  if (consumed != f->n)
    fail_explained_at(at,
                      "expected *consumed == %zu (the header and the payload "
                      "length the header gives), got %zu\n" SEE_FRAMES,
                      f->n, consumed);
}
#define expect_message(...) expect_message_at(HERE, __VA_ARGS__)

static void expect_uint_at(place_t at, const char *field, unsigned long want,
                           unsigned long got, const char *why) {
  if (got != want)
    fail_explained_at(at, "%s: expected %lu (0x%lx), got %lu (0x%lx)\n%s",
                      field, want, want, got, got, why);
}
#define expect_uint(...) expect_uint_at(HERE, __VA_ARGS__)

static void expect_int_at(place_t at, const char *field, long want, long got,
                          const char *why) {
  if (got != want)
    fail_explained_at(at, "%s: expected %ld, got %ld (0x%lx as 16 bits)\n%s",
                      field, want, got, (unsigned long)got & 0xffffu, why);
}
#define expect_int(...) expect_int_at(HERE, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * Valid frames
 * ------------------------------------------------------------------------ */

static void test_ping_decodes_its_nonce_in_network_byte_order(void **state) {
  bytes_t f = ping_frame(0xdeadbeefu);
  frame_message_t msg;

  expect_message(state, &f, FRAME_KIND_PING, &msg, SEE_PING);
  expect_uint("ping.nonce", 0xdeadbeefu, msg.as.ping.nonce,
              "the nonce is big-endian: its first byte is the most "
              "significant\n" SEE_BYTES);
}

static void test_text_decodes_its_channel_and_text(void **state) {
  bytes_t f = text_frame(0x0102, "hello, world");
  frame_message_t msg;

  expect_message(state, &f, FRAME_KIND_TEXT, &msg, SEE_TEXT);
  expect_uint("text.channel", 0x0102, msg.as.text.channel,
              "the channel is a big-endian u16\n" SEE_BYTES);
  expect_uint("text.length", 12, msg.as.text.length, SEE_TEXT);
  if (memchr(msg.as.text.text, '\0', sizeof(msg.as.text.text)) == NULL ||
      strcmp(msg.as.text.text, "hello, world") != 0)
    fail_explained("text.text: expected \"hello, world\" and a NUL after "
                   "it\n" SEE_TEXT);
}

static void test_text_of_64_bytes_decodes(void **state) {
  char longest[FRAME_MAX_TEXT + 1];
  frame_message_t msg;

  for (size_t i = 0; i < FRAME_MAX_TEXT; i++)
    longest[i] = (char)(0x20 + i % 95);
  longest[FRAME_MAX_TEXT] = '\0';
  longest[FRAME_MAX_TEXT - 1] = '~';
  bytes_t f = text_frame(0xffff, longest);
  expect_message(state, &f, FRAME_KIND_TEXT, &msg, SEE_TEXT);
  expect_uint("text.channel", 0xffff, msg.as.text.channel, SEE_BYTES);
  expect_uint("text.length", FRAME_MAX_TEXT, msg.as.text.length, SEE_TEXT);
  if (memcmp(msg.as.text.text, longest, sizeof(longest)) != 0)
    fail_explained("text.text: expected the 64 printable bytes sent, then a "
                   "NUL\n" SEE_TEXT);
}

static void test_readings_decode_negative_and_positive_values(void **state) {
  const int values[] = {215, -5, FRAME_MIN_READING, 32767, 0, -1};
  bytes_t f = readings_frame(0x0a0b0c0du, values, 6);
  frame_message_t msg;

  expect_message(state, &f, FRAME_KIND_READINGS, &msg, SEE_READINGS);
  expect_uint("readings.sensor", 0x0a0b0c0du, msg.as.readings.sensor,
              "the sensor is a big-endian u32\n" SEE_BYTES);
  expect_uint("readings.count", 6, msg.as.readings.count, SEE_READINGS);
  for (size_t i = 0; i < 6; i++) {
    char field[32];
    snprintf(field, sizeof(field), "readings.values[%zu]", i);
    expect_int(field, values[i], msg.as.readings.values[i],
               "each value is a big-endian two's complement i16 starting "
               "at payload byte 5 (no padding on the wire)\n" SEE_CONVERSIONS);
  }
}

static void test_readings_of_16_values_decode(void **state) {
  int values[FRAME_MAX_READINGS];
  frame_message_t msg;

  for (size_t i = 0; i < FRAME_MAX_READINGS; i++)
    values[i] = (int)i * 1000 - 2000;
  bytes_t f = readings_frame(7, values, FRAME_MAX_READINGS);
  expect_message(state, &f, FRAME_KIND_READINGS, &msg, SEE_READINGS);
  expect_uint("readings.count", FRAME_MAX_READINGS, msg.as.readings.count,
              SEE_READINGS);
  for (size_t i = 0; i < FRAME_MAX_READINGS; i++) {
    char field[32];
    snprintf(field, sizeof(field), "readings.values[%zu]", i);
    expect_int(field, values[i], msg.as.readings.values[i], SEE_CONVERSIONS);
  }
}

static void test_setting_decodes_each_key_at_its_maximum(void **state) {
  static const struct {
    frame_setting_key_t key;
    const char *digits;
    uint32_t value;
  } cases[] = {
      {FRAME_SETTING_RATE_HZ, "1000", FRAME_MAX_RATE_HZ},
      {FRAME_SETTING_TIMEOUT_MS, "600000", FRAME_MAX_TIMEOUT_MS},
      {FRAME_SETTING_MAX_CLIENTS, "100000", FRAME_MAX_CLIENTS},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    bytes_t f = setting_frame(cases[i].key, cases[i].digits);
    frame_message_t msg;
    expect_message(state, &f, FRAME_KIND_SETTING, &msg, SEE_SETTING);
    expect_uint("setting.key", cases[i].key, msg.as.setting.key, SEE_SETTING);
    expect_uint("setting.value", cases[i].value, msg.as.setting.value,
                SEE_SETTING);
  }
}

static void test_setting_accepts_zero_and_ten_digits(void **state) {
  bytes_t zero = setting_frame(FRAME_SETTING_RATE_HZ, "0");
  bytes_t ten = setting_frame(FRAME_SETTING_TIMEOUT_MS, "0000000042");
  frame_message_t msg;

  expect_message(state, &zero, FRAME_KIND_SETTING, &msg, SEE_SETTING);
  expect_uint("setting.value", 0, msg.as.setting.value, SEE_SETTING);
  expect_message(state, &ten, FRAME_KIND_SETTING, &msg, SEE_SETTING);
  expect_uint("setting.key", FRAME_SETTING_TIMEOUT_MS, msg.as.setting.key,
              SEE_SETTING);
  expect_uint("setting.value", 42, msg.as.setting.value,
              "leading zeros are digits like any other\n" SEE_SETTING);
}

static void test_frames_back_to_back_decode_one_at_a_time(void **state) {
  const int values[] = {1, 2};
  bytes_t parts[] = {ping_frame(1), text_frame(2, "x"),
                     readings_frame(3, values, 2),
                     setting_frame(FRAME_SETTING_MAX_CLIENTS, "4")};
  const frame_kind_t kinds[] = {FRAME_KIND_PING, FRAME_KIND_TEXT,
                                FRAME_KIND_READINGS, FRAME_KIND_SETTING};
  bytes_t all = {.n = 0};

  for (size_t i = 0; i < 4; i++) {
    memcpy(all.b + all.n, parts[i].b, parts[i].n);
    all.n += parts[i].n;
  }
  const uint8_t *at = at_the_edge(*state, all.b, all.n);
  size_t left = all.n;
  for (size_t i = 0; i < 4; i++) {
    frame_message_t msg;
    size_t consumed = 0;
    int got = frame_decode(at, left, &msg, &consumed);
    if (got != FRAME_OK || msg.kind != kinds[i] || consumed != parts[i].n)
      fail_explained("frame %zu of 4 in one buffer: expected FRAME_OK, kind "
                     "%d, *consumed %zu\n     got %s, kind %d, *consumed %zu\n"
                     "the bytes after a frame belong to the next one, and "
                     "the length field says where it ends\n" SEE_FRAMES,
                     i + 1, (int)kinds[i], parts[i].n, frame_error_name(got),
                     (int)msg.kind, consumed);
    at += consumed;
    left -= consumed;
  }
}

/* A reader hands the decoder everything it has received, which may be far
 * more than one frame. frame.h says the decoder reads its frame and nothing
 * after it, so the suite can claim a buffer of more than INT_MAX bytes
 * without having one: the frame ends at the last readable byte, and a
 * decoder that believed `len` and read on would crash right there. */
static void
test_a_buffer_longer_than_INT_MAX_decodes_its_first_frame(void **state) {
  static const struct {
    size_t len;
    const char *what;
  } lens[] = {
    {(size_t)INT_MAX + 1, "INT_MAX + 1: as an int, INT_MIN"},
#if SIZE_MAX > UINT_MAX
    {(size_t)UINT_MAX + 1 + 2, "2^32 + 2: its low 32 bits are 2"},
    {(size_t)UINT_MAX + 1 + 5, "2^32 + 5: its low 32 bits are 5"},
#endif
    {SIZE_MAX, "SIZE_MAX: as an int, -1"},
  };
  const bytes_t ping = ping_frame(0xdeadbeefu);
  const bytes_t long_ping = RAW(0x00, 0x05, FRAME_KIND_PING, 1, 2, 3, 4, 5);

  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    frame_message_t msg;
    size_t consumed = 0;
    const uint8_t *buf = at_the_edge(*state, ping.b, ping.n);
    memset(&msg, 0xa5, sizeof(msg));
    int got = frame_decode(buf, lens[i].len, &msg, &consumed);
    if (got != FRAME_OK)
      fail_explained("a PING frame (%s) at the start of a buffer whose len is "
                     "%zu (%s)\n"
                     "expected FRAME_OK (%s)\n"
                     "     got %s (%s)\n"
                     "len is a size_t: a length that an int cannot hold "
                     "must not change the verdict\n" SEE_CONVERSIONS,
                     hex(&ping), lens[i].len, lens[i].what,
                     frame_strerror(FRAME_OK), frame_error_name(got),
                     frame_strerror(got));
    if (msg.kind != FRAME_KIND_PING || consumed != ping.n ||
        msg.as.ping.nonce != 0xdeadbeefu)
      fail_explained("a PING frame (%s) with len %zu (%s)\n"
                     "expected kind %d, *consumed %zu, nonce 0xdeadbeef\n"
                     "     got kind %d, *consumed %zu, nonce 0x%08lx\n"
                     "the frame is the same whatever follows it\n" SEE_FRAMES,
                     hex(&ping), lens[i].len, lens[i].what,
                     (int)FRAME_KIND_PING, ping.n, (int)msg.kind, consumed,
                     (unsigned long)msg.as.ping.nonce);
    buf = at_the_edge(*state, long_ping.b, long_ping.n);
    got = frame_decode(buf, lens[i].len, &msg, &consumed);
    if (got != FRAME_ETRAILING_BYTES)
      fail_explained("a PING frame whose payload is 5 bytes (%s) at the "
                     "start of a buffer whose len is %zu (%s)\n"
                     "expected FRAME_ETRAILING_BYTES (%s)\n"
                     "     got %s (%s)\n"
                     "the payload ends where the length field says, whatever "
                     "len is\n" SEE_CONVERSIONS,
                     hex(&long_ping), lens[i].len, lens[i].what,
                     frame_strerror(FRAME_ETRAILING_BYTES),
                     frame_error_name(got), frame_strerror(got));
  }
}

/* ------------------------------------------------------------------------
 * Malformed frames: the header
 * ------------------------------------------------------------------------ */

static void test_empty_buffer_is_a_truncated_header(void **state) {
  bytes_t f = {.n = 0};
  expect_error(state, &f, FRAME_ETRUNCATED_HEADER,
               "there are no bytes at all (buf is NULL, len is 0)", SEE_ORDER);
}

static void test_two_bytes_are_a_truncated_header(void **state) {
  bytes_t f = RAW(0x00, 0x04);
  expect_error(state, &f, FRAME_ETRUNCATED_HEADER,
               "the header is 3 bytes and only 2 are there", SEE_ORDER);
}

static void test_length_256_is_too_long(void **state) {
  bytes_t f = ping_frame(1);
  f.b[0] = 0x01;
  f.b[1] = 0x00;
  expect_error(state, &f, FRAME_ETOO_LONG,
               "the length field is 256, above FRAME_MAX_PAYLOAD (255): "
               "checked before waiting for the bytes",
               SEE_ORDER);
}

static void test_length_65535_is_too_long(void **state) {
  bytes_t f = RAW(0xff, 0xff, FRAME_KIND_TEXT, 0x00, 0x01);
  expect_error(state, &f, FRAME_ETOO_LONG,
               "the length field is 65535; a reader that believed it would "
               "wait for 64 KiB, or read it",
               SEE_ORDER);
}

static void test_kind_0_is_unknown(void **state) {
  bytes_t f = RAW(0x00, 0x01, 0x00, 0x00);
  expect_error(state, &f, FRAME_EUNKNOWN_KIND,
               "0 names no frame_kind_t (they are 1 to 4)", SEE_ORDER);
}

static void test_kind_5_is_unknown(void **state) {
  bytes_t f = RAW(0x00, 0x04, 0x05, 0xde, 0xad, 0xbe, 0xef);
  expect_error(state, &f, FRAME_EUNKNOWN_KIND,
               "5 names no frame_kind_t; a table indexed by it reads past "
               "its last entry",
               SEE_CONVERSIONS);
}

static void test_kind_255_is_unknown(void **state) {
  bytes_t f = RAW(0x00, 0x04, 0xff, 0x00, 0x00, 0x00, 0x01);
  expect_error(state, &f, FRAME_EUNKNOWN_KIND,
               "255 names no frame_kind_t; an untrusted byte is not an enum "
               "until it is checked",
               SEE_CONVERSIONS);
}

static void test_unknown_kind_is_found_before_truncation(void **state) {
  bytes_t f = RAW(0x00, 0x20, 0x09, 0x01);
  expect_error(state, &f, FRAME_EUNKNOWN_KIND,
               "the header alone shows kind 9 is unknown: more bytes cannot "
               "make this frame valid",
               SEE_ORDER);
}

static void
test_payload_cut_by_the_end_of_the_buffer_is_truncated(void **state) {
  bytes_t f = ping_frame(0x01020304u);
  f.n -= 2;
  expect_error(state, &f, FRAME_ETRUNCATED,
               "the length field says 4 payload bytes and the buffer holds "
               "2 of them",
               SEE_FRAMES);
}

static void test_one_missing_payload_byte_is_truncated(void **state) {
  bytes_t f = text_frame(1, "abc");
  f.n -= 1;
  expect_error(state, &f, FRAME_ETRUNCATED,
               "the buffer ends one byte before the payload does: compare "
               "the payload length with len - 3, not with len",
               SEE_FRAMES);
}

/* ------------------------------------------------------------------------
 * Malformed frames: payloads
 * ------------------------------------------------------------------------ */

static void test_ping_of_3_bytes_is_a_short_payload(void **state) {
  bytes_t f = RAW(0x00, 0x03, FRAME_KIND_PING, 0xaa, 0xbb, 0xcc);
  expect_error(state, &f, FRAME_ESHORT_PAYLOAD,
               "a PING payload is exactly 4 bytes", SEE_PING);
}

static void test_ping_of_5_bytes_has_trailing_bytes(void **state) {
  bytes_t f = RAW(0x00, 0x05, FRAME_KIND_PING, 0xaa, 0xbb, 0xcc, 0xdd, 0xee);
  expect_error(state, &f, FRAME_ETRAILING_BYTES,
               "a PING payload is exactly 4 bytes: a fifth is not ignored",
               SEE_PING);
}

static void test_text_without_its_length_byte_is_a_short_payload(void **state) {
  bytes_t f = RAW(0x00, 0x02, FRAME_KIND_TEXT, 0x00, 0x01);
  expect_error(state, &f, FRAME_ESHORT_PAYLOAD,
               "a TEXT payload starts with 3 bytes (channel, length) and "
               "this one has 2",
               SEE_TEXT);
}

static void test_text_of_length_0_is_a_text_length_error(void **state) {
  bytes_t f = RAW(0x00, 0x03, FRAME_KIND_TEXT, 0x00, 0x01, 0x00);
  expect_error(state, &f, FRAME_ETEXT_LENGTH, "a text holds 1 to 64 bytes",
               SEE_TEXT);
}

static void test_text_of_length_65_is_a_text_length_error(void **state) {
  bytes_t f = begin_frame(FRAME_KIND_TEXT);
  put_u16(&f, 1);
  put_u8(&f, FRAME_MAX_TEXT + 1);
  for (int i = 0; i <= FRAME_MAX_TEXT; i++)
    put_u8(&f, 'a');
  end_frame(&f);
  expect_error(state, &f, FRAME_ETEXT_LENGTH,
               "a text holds at most 64 bytes, and text.text has room for "
               "64 and a NUL",
               SEE_TEXT);
}

static void test_text_of_length_200_is_a_text_length_error(void **state) {
  bytes_t f = begin_frame(FRAME_KIND_TEXT);
  put_u16(&f, 1);
  put_u8(&f, 200);
  for (int i = 0; i < 200; i++)
    put_u8(&f, 'a');
  end_frame(&f);
  expect_error(state, &f, FRAME_ETEXT_LENGTH,
               "200 is above 64; kept in a plain char it is -56 on this "
               "machine, which passes a `> 64` check",
               SEE_CONVERSIONS);
}

static void test_text_shorter_than_its_length_is_a_short_payload(void **state) {
  bytes_t f = text_frame(1, "hello");
  f.b[5] = 10;
  expect_error(state, &f, FRAME_ESHORT_PAYLOAD,
               "the text length says 10 bytes and the payload holds 5",
               SEE_TEXT);
}

static void test_text_longer_than_its_length_has_trailing_bytes(void **state) {
  bytes_t f = text_frame(1, "hello");
  f.b[5] = 3;
  expect_error(state, &f, FRAME_ETRAILING_BYTES,
               "the text length says 3 bytes and the payload holds 5",
               SEE_TEXT);
}

static void test_text_with_a_nul_byte_is_a_text_byte_error(void **state) {
  bytes_t f = text_frame(1, "hello");
  f.b[8] = 0x00;
  expect_error(state, &f, FRAME_ETEXT_BYTE,
               "a NUL inside the text would cut it short for every C string "
               "function after you",
               SEE_TEXT);
}

static void
test_text_with_a_byte_above_0x7e_is_a_text_byte_error(void **state) {
  bytes_t f = text_frame(1, "caf\xc3\xa9");
  expect_error(state, &f, FRAME_ETEXT_BYTE,
               "text is printable ASCII, 0x20 to 0x7e; 0xc3 is not", SEE_TEXT);
}

/* "0x01..0x08, 0x0b, 0x7f": the bytes marked in `wrong`, as ranges. */
static const char *byte_ranges(const unsigned char wrong[256]) {
  static char text[256 * 12];
  size_t at = 0;

  text[0] = '\0';
  for (unsigned b = 0; b < 256; b++) {
    if (!wrong[b])
      continue;
    unsigned last = b;
    while (last + 1 < 256 && wrong[last + 1])
      last++;
    at += (size_t)snprintf(text + at, sizeof(text) - at, "%s0x%02x",
                           at ? ", " : "", b);
    if (last > b)
      at += (size_t)snprintf(text + at, sizeof(text) - at, "..0x%02x", last);
    b = last;
  }
  return text;
}

/* What a byte is, for a message. */
static const char *byte_kind(unsigned b) {
  switch (b) {
  case 0x00:
    return "NUL";
  case 0x09:
    return "TAB";
  case 0x0a:
    return "LF";
  case 0x0d:
    return "CR";
  case 0x1b:
    return "ESC, which starts a terminal escape sequence";
  case 0x7f:
    return "DEL";
  default:
    return b < 0x20 ? "a control byte" : b > 0x7f ? "not ASCII" : "printable";
  }
}

/* Each of the 256 byte values, first, in the middle and last of a 3-byte
 * text. */
static void test_every_text_byte_value_gets_its_verdict(void **state) {
  unsigned char wrong[256] = {0};
  int verdict[256] = {0}; /* what the decoder said, for the wrong ones */
  unsigned example = 256;

  cm_print_error("TEXT frames of 3 bytes, each byte value 0x00 to 0xff in "
                 "each place, each frame ending at the edge of readable "
                 "memory\n");
  for (unsigned b = 0; b < 256; b++) {
    int printable = b >= 0x20 && b <= 0x7e;
    for (size_t at = 0; at < 3; at++) {
      bytes_t f = begin_frame(FRAME_KIND_TEXT);
      put_u16(&f, 1);
      put_u8(&f, 3);
      for (size_t i = 0; i < 3; i++)
        put_u8(&f, i == at ? b : 'a');
      end_frame(&f);
      const uint8_t *buf = at_the_edge(*state, f.b, f.n);
      frame_message_t msg;
      size_t consumed = 0;
      memset(&msg, 0xa5, sizeof(msg));
      int got = frame_decode(buf, f.n, &msg, &consumed);
      int right = printable ? got == FRAME_OK &&
                                  (unsigned char)msg.as.text.text[at] == b &&
                                  msg.as.text.text[3] == '\0'
                            : got == FRAME_ETEXT_BYTE;
      if (!right && !wrong[b]) {
        wrong[b] = 1;
        verdict[b] = got;
        if (example == 256)
          example = b;
      }
    }
  }
  /* The example is one of the bytes a near miss lets through, if it did. */
  if (wrong[0x1b] || wrong[0x7f])
    example = wrong[0x1b] ? 0x1b : 0x7f;
  if (example < 256)
    fail_explained("text bytes with the wrong verdict: %s\n"
                   "for example 0x%02x (%s): expected %s\n"
                   "     got %s (%s)\n"
                   "a text is printable ASCII, 0x20 to 0x7e, and every "
                   "other byte is FRAME_ETEXT_BYTE: NUL, every control byte "
                   "below 0x20, DEL (0x7f) and every byte above it\n" SEE_TEXT,
                   byte_ranges(wrong), example, byte_kind(example),
                   example >= 0x20 && example <= 0x7e
                       ? "FRAME_OK, with the byte in text.text"
                       : "FRAME_ETEXT_BYTE",
                   frame_error_name(verdict[example]),
                   frame_strerror(verdict[example]));
}

static void test_readings_without_a_count_are_a_short_payload(void **state) {
  bytes_t f = RAW(0x00, 0x04, FRAME_KIND_READINGS, 0x00, 0x00, 0x00, 0x07);
  expect_error(state, &f, FRAME_ESHORT_PAYLOAD,
               "a READINGS payload starts with 5 bytes (sensor, count) and "
               "this one has 4",
               SEE_READINGS);
}

static void test_readings_count_0_is_out_of_range(void **state) {
  bytes_t f = readings_frame(7, NULL, 0);
  expect_error(state, &f, FRAME_ECOUNT_RANGE,
               "a READINGS frame carries 1 to 16 values", SEE_READINGS);
}

static void test_readings_count_17_is_out_of_range(void **state) {
  int values[FRAME_MAX_READINGS + 1] = {0};
  bytes_t f = readings_frame(7, values, FRAME_MAX_READINGS + 1);
  expect_error(state, &f, FRAME_ECOUNT_RANGE,
               "17 values would not fit readings.values[16]", SEE_READINGS);
}

static void test_readings_count_128_is_out_of_range(void **state) {
  int values[128] = {0};
  bytes_t f = readings_frame(7, values, 120);
  f.b[7] = 128;
  expect_error(state, &f, FRAME_ECOUNT_RANGE,
               "128 is above 16; as an int8_t it is -128, which passes a "
               "`> 16` check",
               SEE_CONVERSIONS);
}

static void
test_readings_fewer_than_their_count_are_a_short_payload(void **state) {
  const int values[] = {1, 2, 3};
  bytes_t f = readings_frame(7, values, 3);
  f.b[7] = 4;
  expect_error(state, &f, FRAME_ESHORT_PAYLOAD,
               "the count says 4 values and the payload holds 3", SEE_READINGS);
}

static void
test_readings_more_than_their_count_have_trailing_bytes(void **state) {
  const int values[] = {1, 2, 3};
  bytes_t f = readings_frame(7, values, 3);
  f.b[7] = 2;
  expect_error(state, &f, FRAME_ETRAILING_BYTES,
               "the count says 2 values and the payload holds 3", SEE_READINGS);
}

static void test_reading_below_absolute_zero_is_out_of_range(void **state) {
  const int values[] = {100, FRAME_MIN_READING - 1};
  bytes_t f = readings_frame(7, values, 2);
  expect_error(state, &f, FRAME_EREADING_RANGE,
               "-2732 tenths of a degree is below absolute zero", SEE_READINGS);
}

static void test_setting_without_a_key_is_a_short_payload(void **state) {
  bytes_t f = RAW(0x00, 0x00, FRAME_KIND_SETTING);
  expect_error(state, &f, FRAME_ESHORT_PAYLOAD,
               "a SETTING payload starts with its key byte and this one is "
               "empty",
               SEE_SETTING);
}

static void test_setting_key_0_is_unknown(void **state) {
  bytes_t f = setting_frame(0, "10");
  expect_error(state, &f, FRAME_EUNKNOWN_SETTING,
               "0 names no frame_setting_key_t (they are 1 to 3)", SEE_SETTING);
}

static void test_setting_key_4_is_unknown(void **state) {
  bytes_t f = setting_frame(4, "10");
  expect_error(state, &f, FRAME_EUNKNOWN_SETTING,
               "4 names no frame_setting_key_t; a `default:` that treats it "
               "as a known key hides it",
               SEE_SETTING);
}

static void test_setting_with_no_digits_is_not_a_number(void **state) {
  bytes_t f = setting_frame(FRAME_SETTING_RATE_HZ, "");
  expect_error(state, &f, FRAME_ENOT_A_NUMBER,
               "the value has no digits at all (atoi() would say 0)",
               SEE_SETTING);
}

static void test_setting_with_a_minus_sign_is_not_a_number(void **state) {
  bytes_t f = setting_frame(FRAME_SETTING_RATE_HZ, "-5");
  expect_error(state, &f, FRAME_ENOT_A_NUMBER,
               "'-' is not a digit: the value is digits only", SEE_SETTING);
}

static void
test_setting_with_a_letter_after_digits_is_not_a_number(void **state) {
  bytes_t f = setting_frame(FRAME_SETTING_RATE_HZ, "12x");
  expect_error(state, &f, FRAME_ENOT_A_NUMBER,
               "'x' is not a digit (atoi() stops there and says 12)",
               SEE_SETTING);
}

static void test_setting_with_11_digits_is_not_a_number(void **state) {
  bytes_t f = setting_frame(FRAME_SETTING_RATE_HZ, "00000000001");
  expect_error(state, &f, FRAME_ENOT_A_NUMBER, "a value has 1 to 10 digits",
               SEE_SETTING);
}

static void test_setting_above_its_maximum_is_out_of_range(void **state) {
  bytes_t f = setting_frame(FRAME_SETTING_RATE_HZ, "1001");
  expect_error(state, &f, FRAME_EVALUE_RANGE, "the rate's maximum is 1000",
               SEE_SETTING);
}

static void test_setting_above_4294967295_is_out_of_range(void **state) {
  bytes_t f = setting_frame(FRAME_SETTING_MAX_CLIENTS, "4294967296");
  expect_error(state, &f, FRAME_EVALUE_RANGE,
               "4294967296 is above every maximum; it overflows an int, "
               "which atoi() does not report",
               SEE_CONVERSIONS);
}

/* ------------------------------------------------------------------------
 * Mutated frames
 * ------------------------------------------------------------------------ */

typedef struct rng {
  uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 7;
  r->s ^= r->s << 17;
  return r->s;
}

static unsigned rng_below(rng_t *r, unsigned n) {
  return (unsigned)(rng_next(r) % n);
}

static uint32_t setting_maximum(unsigned key) {
  return key == FRAME_SETTING_RATE_HZ      ? FRAME_MAX_RATE_HZ
         : key == FRAME_SETTING_TIMEOUT_MS ? FRAME_MAX_TIMEOUT_MS
                                           : FRAME_MAX_CLIENTS;
}

static bytes_t random_frame(rng_t *r) {
  switch (1 + rng_below(r, 4)) {
  case FRAME_KIND_PING:
    return ping_frame((uint32_t)rng_next(r));
  case FRAME_KIND_TEXT: {
    char text[FRAME_MAX_TEXT + 1];
    size_t n = 1 + rng_below(r, FRAME_MAX_TEXT);
    for (size_t i = 0; i < n; i++)
      text[i] = (char)(0x20 + rng_below(r, 95));
    text[n] = '\0';
    return text_frame(rng_below(r, 0x10000), text);
  }
  case FRAME_KIND_READINGS: {
    int values[FRAME_MAX_READINGS];
    size_t count = 1 + rng_below(r, FRAME_MAX_READINGS);
    for (size_t i = 0; i < count; i++)
      values[i] = FRAME_MIN_READING +
                  (int)rng_below(r, (unsigned)(32767 - FRAME_MIN_READING + 1));
    return readings_frame((uint32_t)rng_next(r), values, count);
  }
  default: {
    char digits[16];
    unsigned key = 1 + rng_below(r, 3);
    uint32_t value = (uint32_t)(rng_next(r) % (setting_maximum(key) + 1u));
    snprintf(digits, sizeof(digits), rng_below(r, 4) == 0 ? "%010u" : "%u",
             (unsigned)value);
    return setting_frame(key, digits);
  }
  }
}

static void mutate(rng_t *r, bytes_t *f) {
  static const uint8_t edges[] = {0,  1,  2,   3,   4,   5,   16, 17,
                                  64, 65, 127, 128, 200, 254, 255};
  size_t at = rng_below(r, (unsigned)f->n);

  switch (rng_below(r, 8)) {
  case 0: /* flip a bit or three */
    for (unsigned i = 0, n = 1 + rng_below(r, 3); i < n; i++)
      f->b[rng_below(r, (unsigned)f->n)] ^= (uint8_t)(1u << rng_below(r, 8));
    break;
  case 1: /* a field-sized boundary value where a count or length lives */
    f->b[3 + rng_below(r, (unsigned)(f->n > 8 ? 6 : f->n - 3))] =
        edges[rng_below(r, sizeof(edges))];
    break;
  case 2: /* cut anywhere */
    f->n = at;
    break;
  case 3: /* extra bytes the header does not count */
    for (unsigned i = 0, n = 1 + rng_below(r, 8); i < n; i++)
      put_u8(f, rng_below(r, 256));
    break;
  case 4: /* extra bytes the header does count */
    for (unsigned i = 0, n = 1 + rng_below(r, 8); i < n; i++)
      put_u8(f, rng_below(r, 256));
    end_frame(f);
    break;
  case 5: /* a length field a little off, or anything */
    if (rng_below(r, 2) == 0) {
      unsigned length = ((unsigned)f->b[0] << 8 | f->b[1]) + rng_below(r, 7);
      length = length >= 3 ? length - 3 : length;
      f->b[0] = (uint8_t)(length >> 8);
      f->b[1] = (uint8_t)length;
    } else {
      f->b[0] = (uint8_t)rng_below(r, 256);
      f->b[1] = (uint8_t)rng_below(r, 256);
    }
    break;
  case 6: /* any kind byte */
    f->b[2] = (uint8_t)rng_below(r, 256);
    break;
  default: /* one random byte, or none: valid frames must stay valid */
    if (rng_below(r, 2) == 0)
      f->b[at] = (uint8_t)rng_below(r, 256);
    break;
  }
}

/* The frame a message encodes to, for the kinds with one encoding. */
static bytes_t encode(const frame_message_t *msg) {
  switch (msg->kind) {
  case FRAME_KIND_PING:
    return ping_frame(msg->as.ping.nonce);
  case FRAME_KIND_TEXT:
    return text_frame(msg->as.text.channel, msg->as.text.text);
  case FRAME_KIND_READINGS: {
    int values[FRAME_MAX_READINGS];
    for (size_t i = 0; i < msg->as.readings.count; i++)
      values[i] = msg->as.readings.values[i];
    return readings_frame(msg->as.readings.sensor, values,
                          msg->as.readings.count);
  }
  case FRAME_KIND_SETTING:
    break;
  }
  return (bytes_t){.n = 0};
}

/* Why the decoder's verdict on f (got) is insane, or NULL. */
static const char *insanity(const bytes_t *f, int got,
                            const frame_message_t *msg, size_t consumed) {
  unsigned length = f->n >= 2 ? ((unsigned)f->b[0] << 8 | f->b[1]) : 0;
  unsigned kind = f->n >= 3 ? f->b[2] : 0;

  if (got > 0 || got < FRAME_EVALUE_RANGE)
    return "it returned a code that is not a frame_error_t";
  if (f->n < FRAME_HEADER_SIZE)
    return got == FRAME_ETRUNCATED_HEADER ? NULL
                                          : "fewer than 3 bytes must be "
                                            "FRAME_ETRUNCATED_HEADER";
  if (length > FRAME_MAX_PAYLOAD)
    return got == FRAME_ETOO_LONG ? NULL
                                  : "it did not reject a length above "
                                    "255 with FRAME_ETOO_LONG";
  if (kind < FRAME_KIND_PING || kind > FRAME_KIND_SETTING)
    return got == FRAME_EUNKNOWN_KIND ? NULL
                                      : "it did not reject an unknown "
                                        "kind with FRAME_EUNKNOWN_KIND";
  if (f->n < FRAME_HEADER_SIZE + length)
    return got == FRAME_ETRUNCATED ? NULL
                                   : "it did not call a frame longer "
                                     "than the buffer FRAME_ETRUNCATED";
  if (got == FRAME_ETRUNCATED_HEADER || got == FRAME_ETOO_LONG ||
      got == FRAME_EUNKNOWN_KIND || got == FRAME_ETRUNCATED)
    return "it gave a header error for a frame with a valid header";
  if (got != FRAME_OK)
    return NULL;
  if (consumed != FRAME_HEADER_SIZE + length)
    return "*consumed is not 3 + the length field";
  if (msg->kind != (frame_kind_t)kind)
    return "msg->kind is not the kind byte";
  if (msg->kind == FRAME_KIND_SETTING) {
    uint64_t value = 0;
    if (length < 2 || length > 1 + FRAME_MAX_DIGITS)
      return "it accepted a SETTING without 1 to 10 digits";
    for (size_t i = 4; i < consumed; i++) {
      if (f->b[i] < '0' || f->b[i] > '9')
        return "it accepted a SETTING value with a non-digit";
      value = value * 10 + (uint64_t)(f->b[i] - '0');
    }
    if (f->b[3] < FRAME_SETTING_RATE_HZ || f->b[3] > FRAME_SETTING_MAX_CLIENTS)
      return "it accepted a SETTING with an unknown key";
    if (msg->as.setting.key != (frame_setting_key_t)f->b[3] ||
        value > setting_maximum(f->b[3]) || msg->as.setting.value != value)
      return "the SETTING it accepted does not hold the frame's key and value";
    return NULL;
  }
  if (msg->kind == FRAME_KIND_TEXT &&
      (msg->as.text.length == 0 || msg->as.text.length > FRAME_MAX_TEXT ||
       memchr(msg->as.text.text, '\0', FRAME_MAX_TEXT + 1) == NULL))
    return "it accepted a TEXT whose length or NUL is out of place";
  if (msg->kind == FRAME_KIND_TEXT)
    for (size_t i = 0; i < msg->as.text.length; i++)
      if (msg->as.text.text[i] < 0x20 || msg->as.text.text[i] > 0x7e)
        return "it accepted a TEXT byte outside 0x20..0x7e";
  if (msg->kind == FRAME_KIND_READINGS &&
      (msg->as.readings.count == 0 ||
       msg->as.readings.count > FRAME_MAX_READINGS))
    return "it accepted READINGS with a count out of range";
  bytes_t again = encode(msg);
  if (again.n != consumed || memcmp(again.b, f->b, consumed) != 0)
    return "the message it accepted does not encode back to the frame: "
           "something out of range or malformed got through";
  return NULL;
}

static void
test_mutated_frames_decode_without_crash_or_insane_result(void **state) {
  const unsigned frames = 100000;
  rng_t r = {0x9e3779b97f4a7c15u};
  unsigned accepted = 0;

  cm_print_error("%u mutated frames, each ending at the edge of readable "
                 "memory (a crash here is a read past a frame or a call "
                 "through a bad pointer; run suite_san or valgrind on the "
                 "suite to see which line: " SEE_BYTES ")\n",
                 frames);
  for (unsigned i = 0; i < frames; i++) {
    bytes_t f = random_frame(&r);
    mutate(&r, &f);
    const uint8_t *buf = at_the_edge(*state, f.b, f.n);
    frame_message_t msg;
    size_t consumed = 0;
    memset(&msg, 0xa5, sizeof(msg));
    int got = frame_decode(buf, f.n, &msg, &consumed);
    const char *wrong = insanity(&f, got, &msg, consumed);
    if (wrong != NULL)
      fail_explained("mutated frame %u: %s\n  frame %s\n  got %s (%s)\n%s", i,
                     wrong, hex(&f), frame_error_name(got), frame_strerror(got),
                     SEE_ORDER);
    accepted += got == FRAME_OK;
  }
  /* The mutations keep some frames valid: a decoder that rejects
   * everything is not sane either. */
  if (accepted < frames / 20)
    fail_explained("only %u of %u mutated frames were accepted; about a "
                   "quarter are still valid\n" SEE_FRAMES,
                   accepted, frames);
}

int main(int argc, char **argv) {
  /* One test per line: the grader reads the names from this table. */
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ping_decodes_its_nonce_in_network_byte_order, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_decodes_its_channel_and_text, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_of_64_bytes_decodes, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_readings_decode_negative_and_positive_values, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_readings_of_16_values_decode, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_decodes_each_key_at_its_maximum, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_accepts_zero_and_ten_digits, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_frames_back_to_back_decode_one_at_a_time, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_a_buffer_longer_than_INT_MAX_decodes_its_first_frame, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_empty_buffer_is_a_truncated_header, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_two_bytes_are_a_truncated_header, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_length_256_is_too_long, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_length_65535_is_too_long, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_kind_0_is_unknown, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_kind_5_is_unknown, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_kind_255_is_unknown, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_unknown_kind_is_found_before_truncation, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_payload_cut_by_the_end_of_the_buffer_is_truncated, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_one_missing_payload_byte_is_truncated, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_ping_of_3_bytes_is_a_short_payload, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_ping_of_5_bytes_has_trailing_bytes, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_without_its_length_byte_is_a_short_payload, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_of_length_0_is_a_text_length_error, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_of_length_65_is_a_text_length_error, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_of_length_200_is_a_text_length_error, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_shorter_than_its_length_is_a_short_payload, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_longer_than_its_length_has_trailing_bytes, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_with_a_nul_byte_is_a_text_byte_error, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_text_with_a_byte_above_0x7e_is_a_text_byte_error, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_every_text_byte_value_gets_its_verdict, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_readings_without_a_count_are_a_short_payload, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_readings_count_0_is_out_of_range, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_readings_count_17_is_out_of_range, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_readings_count_128_is_out_of_range, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_readings_fewer_than_their_count_are_a_short_payload, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_readings_more_than_their_count_have_trailing_bytes, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_reading_below_absolute_zero_is_out_of_range, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_without_a_key_is_a_short_payload, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_key_0_is_unknown, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_key_4_is_unknown, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_with_no_digits_is_not_a_number, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_with_a_minus_sign_is_not_a_number, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_with_a_letter_after_digits_is_not_a_number, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_with_11_digits_is_not_a_number, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_above_its_maximum_is_out_of_range, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_setting_above_4294967295_is_out_of_range, setup_edge, teardown_edge),
      cmocka_unit_test_setup_teardown(test_mutated_frames_decode_without_crash_or_insane_result, setup_edge, teardown_edge),
  };
  /* clang-format on */

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  return cmocka_run_group_tests_name("10-unchecked-casts", tests, NULL, NULL);
}

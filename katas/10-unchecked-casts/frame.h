/* frame.h: the contract of kata 10, "Unchecked casts". Read README.md first.
 *
 * A decoder for a small binary protocol: length-prefixed frames, each with a
 * kind byte and a payload, decoded into the domain types below. The byte
 * layout, and the one error every malformed input must give, are specified
 * in README.md, "The protocol". This header is the kata's: you implement
 * frame_decode() in frame_decode.c.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stddef.h>
#include <stdint.h>

enum {
  FRAME_HEADER_SIZE = 3,    /* u16 payload length, u8 kind */
  FRAME_MAX_PAYLOAD = 255,  /* a larger length field is FRAME_ETOO_LONG */
  FRAME_MAX_TEXT = 64,      /* bytes of text in a TEXT frame */
  FRAME_MAX_READINGS = 16,  /* values in a READINGS frame */
  FRAME_MAX_DIGITS = 10,    /* digits of a SETTING's value */
  FRAME_MIN_READING = -2731 /* tenths of a degree Celsius: 0 K is -2731.5 */
};

/* The kinds of message. On the wire, the kind byte holds one of these
 * values; any other byte is FRAME_EUNKNOWN_KIND. */
typedef enum frame_kind {
  FRAME_KIND_PING = 1,
  FRAME_KIND_TEXT = 2,
  FRAME_KIND_READINGS = 3,
  FRAME_KIND_SETTING = 4
} frame_kind_t;

/* The settings a SETTING frame may change. Any other key byte is
 * FRAME_EUNKNOWN_SETTING. */
typedef enum frame_setting_key {
  FRAME_SETTING_RATE_HZ = 1,    /* at most 1000 */
  FRAME_SETTING_TIMEOUT_MS = 2, /* at most 600000 */
  FRAME_SETTING_MAX_CLIENTS = 3 /* at most 100000 */
} frame_setting_key_t;

enum {
  FRAME_MAX_RATE_HZ = 1000,
  FRAME_MAX_TIMEOUT_MS = 600000,
  FRAME_MAX_CLIENTS = 100000
};

/* PING: a 32-bit nonce the peer echoes. */
typedef struct frame_ping {
  uint32_t nonce;
} frame_ping_t;

/* TEXT: a line of printable ASCII on a channel. text holds `length` bytes
 * and a terminating NUL. */
typedef struct frame_text {
  uint16_t channel;
  uint8_t length;
  char text[FRAME_MAX_TEXT + 1];
} frame_text_t;

/* READINGS: `count` temperature readings of one sensor, in tenths of a
 * degree Celsius; values[count..] are unspecified. */
typedef struct frame_readings {
  uint32_t sensor;
  uint8_t count;
  int16_t values[FRAME_MAX_READINGS];
} frame_readings_t;

/* SETTING: a new value for one setting, within that setting's maximum. */
typedef struct frame_setting {
  frame_setting_key_t key;
  uint32_t value;
} frame_setting_t;

/* A decoded message: a discriminated union. `kind` says which member of
 * `as` holds the message; reading any other member is a bug. */
typedef struct frame_message {
  frame_kind_t kind;
  union {
    frame_ping_t ping;
    frame_text_t text;
    frame_readings_t readings;
    frame_setting_t setting;
  } as;
} frame_message_t;

/* The errors, negative like libuv's. Each malformed input has exactly one;
 * README.md, "The protocol", says which, and in which order they are
 * checked. */
typedef enum frame_error {
  FRAME_OK = 0,
  FRAME_ETRUNCATED_HEADER = -1, /* fewer than 3 bytes: wait for more */
  FRAME_ETOO_LONG = -2,         /* length field above FRAME_MAX_PAYLOAD */
  FRAME_EUNKNOWN_KIND = -3,     /* kind byte names no frame_kind_t */
  FRAME_ETRUNCATED = -4,        /* the buffer ends inside the payload */
  FRAME_ESHORT_PAYLOAD = -5,    /* the payload ends inside a field */
  FRAME_ETRAILING_BYTES = -6,   /* the payload goes on after its fields */
  FRAME_ETEXT_LENGTH = -7,      /* text length 0 or above FRAME_MAX_TEXT */
  FRAME_ETEXT_BYTE = -8,        /* a text byte outside 0x20..0x7e */
  FRAME_ECOUNT_RANGE = -9,      /* count 0 or above FRAME_MAX_READINGS */
  FRAME_EREADING_RANGE = -10,   /* a reading below FRAME_MIN_READING */
  FRAME_EUNKNOWN_SETTING = -11, /* key byte names no frame_setting_key_t */
  FRAME_ENOT_A_NUMBER = -12,    /* value not 1 to 10 ASCII digits */
  FRAME_EVALUE_RANGE = -13      /* value above the setting's maximum */
} frame_error_t;

/* Decodes the one frame at the start of buf[0, len).
 *
 * On success fills *out, sets *consumed to the frame's size (3 + its
 * payload length; the bytes after it are the next frame's) and returns
 * FRAME_OK. On a malformed frame returns its negative frame_error_t; *out
 * and *consumed are then unspecified. len may be any size_t, far more than
 * one frame: the frame's length field says where it ends. Never reads
 * outside buf[0, len), nor past the end of the frame. buf may be NULL when
 * len is 0. Allocates nothing. */
int frame_decode(const uint8_t *buf, size_t len, frame_message_t *out,
                 size_t *consumed);

/* The name of an error code ("FRAME_ETOO_LONG"), or "FRAME_OK", or
 * "(not a frame error)". Never NULL; static storage. */
const char *frame_error_name(int err);

/* What an error code means, in a short phrase. Never NULL; static storage. */
const char *frame_strerror(int err);

#endif /* FRAME_H */

/* A wrong fix of kata 10, kept as a known submission: the starter's
 * structs laid over the input again, this time packed (no padding, no
 * alignment requirement, so neither -Wcast-align=strict nor UBSan
 * complains) and read through ntohl() and ntohs(). Every test passes; the
 * overlay the kata asks to delete is still there.
 */
#include "frame.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

/* The wire layout, byte for byte: packed, so the compiler adds no padding
 * and accepts any address; the fields are big-endian, so each is read
 * through ntohs() or ntohl(). */
struct __attribute__((packed)) wire_header {
  uint16_t length;
  uint8_t kind;
};

struct __attribute__((packed)) wire_ping {
  uint32_t nonce;
};

struct __attribute__((packed)) wire_text {
  uint16_t channel;
  uint8_t length;
  uint8_t text[];
};

struct __attribute__((packed)) wire_readings {
  uint32_t sensor;
  uint8_t count;
  uint16_t values[];
};

/* A big-endian two's complement i16, from its wire field. */
static int16_t signed16(uint16_t wire) {
  int32_t u = ntohs(wire);
  return (int16_t)(u >= 0x8000 ? u - 0x10000 : u);
}

/* FRAME_OK when a payload of `have` bytes is exactly the `want` its fields
 * take; otherwise which way it is wrong. */
static int exact_size(size_t have, size_t want) {
  if (have < want)
    return FRAME_ESHORT_PAYLOAD;
  if (have > want)
    return FRAME_ETRAILING_BYTES;
  return FRAME_OK;
}

/* The only way from a kind byte to a frame_kind_t. Its switch is over the
 * byte, not the enum, so the default is allowed: it is the error. */
static int kind_from_byte(uint8_t byte, frame_kind_t *kind) {
  switch (byte) {
  case FRAME_KIND_PING:
    *kind = FRAME_KIND_PING;
    return FRAME_OK;
  case FRAME_KIND_TEXT:
    *kind = FRAME_KIND_TEXT;
    return FRAME_OK;
  case FRAME_KIND_READINGS:
    *kind = FRAME_KIND_READINGS;
    return FRAME_OK;
  case FRAME_KIND_SETTING:
    *kind = FRAME_KIND_SETTING;
    return FRAME_OK;
  default:
    return FRAME_EUNKNOWN_KIND;
  }
}

/* The only way from a key byte to a frame_setting_key_t. */
static int setting_key_from_byte(uint8_t byte, frame_setting_key_t *key) {
  switch (byte) {
  case FRAME_SETTING_RATE_HZ:
    *key = FRAME_SETTING_RATE_HZ;
    return FRAME_OK;
  case FRAME_SETTING_TIMEOUT_MS:
    *key = FRAME_SETTING_TIMEOUT_MS;
    return FRAME_OK;
  case FRAME_SETTING_MAX_CLIENTS:
    *key = FRAME_SETTING_MAX_CLIENTS;
    return FRAME_OK;
  default:
    return FRAME_EUNKNOWN_SETTING;
  }
}

/* The largest value a setting takes. Exhaustive, with no default: a new
 * key in frame.h is a warning here until it has its maximum. */
static uint32_t setting_maximum(frame_setting_key_t key) {
  switch (key) {
  case FRAME_SETTING_RATE_HZ:
    return FRAME_MAX_RATE_HZ;
  case FRAME_SETTING_TIMEOUT_MS:
    return FRAME_MAX_TIMEOUT_MS;
  case FRAME_SETTING_MAX_CLIENTS:
    return FRAME_MAX_CLIENTS;
  }
  /* Unreachable: every key comes from setting_key_from_byte(). The safest
   * answer for a value that is not a key after all is "nothing fits". */
  return 0;
}

/* PING: exactly a u32 nonce. */
static int decode_ping(const uint8_t *payload, size_t size,
                       frame_ping_t *ping) {
  int err = exact_size(size, 4);
  if (err != FRAME_OK)
    return err;
  ping->nonce = ntohl(((const struct wire_ping *)payload)->nonce);
  return FRAME_OK;
}

/* TEXT: u16 channel, u8 length (1..64), then exactly `length` bytes of
 * printable ASCII, copied and checked in one pass. */
static int decode_text(const uint8_t *payload, size_t size,
                       frame_text_t *text) {
  enum { FIXED = 3 };
  const struct wire_text *wire = (const struct wire_text *)payload;
  if (size < FIXED)
    return FRAME_ESHORT_PAYLOAD;
  uint8_t length = wire->length;
  if (length == 0 || length > FRAME_MAX_TEXT)
    return FRAME_ETEXT_LENGTH;
  int err = exact_size(size, FIXED + (size_t)length);
  if (err != FRAME_OK)
    return err;
  for (size_t i = 0; i < length; i++) {
    uint8_t byte = wire->text[i];
    if (byte < 0x20 || byte > 0x7e)
      return FRAME_ETEXT_BYTE;
    text->text[i] = (char)byte; /* in 0x20..0x7e: exact in any char */
  }
  text->text[length] = '\0';
  text->channel = ntohs(wire->channel);
  text->length = length;
  return FRAME_OK;
}

/* READINGS: u32 sensor, u8 count (1..16), then exactly `count` i16 values,
 * none below absolute zero. */
static int decode_readings(const uint8_t *payload, size_t size,
                           frame_readings_t *readings) {
  enum { FIXED = 5 };
  const struct wire_readings *wire = (const struct wire_readings *)payload;
  if (size < FIXED)
    return FRAME_ESHORT_PAYLOAD;
  uint8_t count = wire->count;
  if (count == 0 || count > FRAME_MAX_READINGS)
    return FRAME_ECOUNT_RANGE;
  int err = exact_size(size, FIXED + 2 * (size_t)count);
  if (err != FRAME_OK)
    return err;
  for (size_t i = 0; i < count; i++) {
    int16_t value = signed16(wire->values[i]);
    if (value < FRAME_MIN_READING)
      return FRAME_EREADING_RANGE;
    readings->values[i] = value;
  }
  readings->sensor = ntohl(wire->sensor);
  readings->count = count;
  return FRAME_OK;
}

/* 1 to FRAME_MAX_DIGITS ASCII digits, and nothing else, into *value. Ten
 * digits are below 10^10, far inside 64 bits: no step can overflow. */
static int parse_digits(const uint8_t *digits, size_t size, uint64_t *value) {
  if (size == 0 || size > FRAME_MAX_DIGITS)
    return FRAME_ENOT_A_NUMBER;
  uint64_t total = 0;
  for (size_t i = 0; i < size; i++) {
    if (digits[i] < '0' || digits[i] > '9')
      return FRAME_ENOT_A_NUMBER;
    total = total * 10 + (uint64_t)(digits[i] - '0');
  }
  *value = total;
  return FRAME_OK;
}

/* SETTING: u8 key, then the value as the rest of the payload in ASCII
 * decimal, at most the key's maximum. */
static int decode_setting(const uint8_t *payload, size_t size,
                          frame_setting_t *setting) {
  if (size < 1)
    return FRAME_ESHORT_PAYLOAD;
  frame_setting_key_t key;
  int err = setting_key_from_byte(payload[0], &key);
  if (err != FRAME_OK)
    return err;
  uint64_t value;
  err = parse_digits(payload + 1, size - 1, &value);
  if (err != FRAME_OK)
    return err;
  uint32_t maximum = setting_maximum(key);
  if (value > maximum)
    return FRAME_EVALUE_RANGE;
  setting->key = key;
  setting->value = (uint32_t)value; /* at most `maximum`: exact */
  return FRAME_OK;
}

/* The header is checked field by field as soon as its three bytes are
 * there: a too long length and an unknown kind are errors that no later
 * byte can repair, while FRAME_ETRUNCATED_HEADER and FRAME_ETRUNCATED
 * mean "wait for more". Only then is the payload decoded, and only within
 * its own length, never up to `len`: the bytes after it are the next
 * frame's. */
int frame_decode(const uint8_t *buf, size_t len, frame_message_t *out,
                 size_t *consumed) {
  if (len < FRAME_HEADER_SIZE)
    return FRAME_ETRUNCATED_HEADER;
  const struct wire_header *header = (const struct wire_header *)buf;
  size_t size = ntohs(header->length);
  if (size > FRAME_MAX_PAYLOAD)
    return FRAME_ETOO_LONG;
  frame_kind_t kind;
  int err = kind_from_byte(header->kind, &kind);
  if (err != FRAME_OK)
    return err;
  /* len >= FRAME_HEADER_SIZE here, so the subtraction cannot wrap; adding
   * to `size` instead could not overflow either, but this reads as the
   * question asked: do the bytes after the header hold the payload? */
  if (len - FRAME_HEADER_SIZE < size)
    return FRAME_ETRUNCATED;

  const uint8_t *payload = buf + FRAME_HEADER_SIZE;
  switch (kind) {
  case FRAME_KIND_PING:
    err = decode_ping(payload, size, &out->as.ping);
    break;
  case FRAME_KIND_TEXT:
    err = decode_text(payload, size, &out->as.text);
    break;
  case FRAME_KIND_READINGS:
    err = decode_readings(payload, size, &out->as.readings);
    break;
  case FRAME_KIND_SETTING:
    err = decode_setting(payload, size, &out->as.setting);
    break;
  }
  if (err != FRAME_OK)
    return err;
  /* The tag is written last, next to the member just filled: a message
   * is never seen with a tag that disagrees with its union. */
  out->kind = kind;
  *consumed = FRAME_HEADER_SIZE + size;
  return FRAME_OK;
}

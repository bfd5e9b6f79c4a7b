/* frame_decode.c: the decoder of kata 10, "Unchecked casts". Start with
 * README.md, then frame.h (the contract) and "The protocol".
 *
 * This decoder compiles, and it decodes every frame its author tried. It is
 * also written the way C lets you write it: structs laid over the input, a
 * void * whose type depends on a byte, lengths squeezed into int, untrusted
 * bytes used as enums and as table indexes, atoi() on the wire. The suite
 * feeds it frames that end at the last readable byte and frames that lie,
 * and the strict gate compiles it with the warnings in README.md, "The
 * strict flags". Rewrite it until both are silent. Each place to change is
 * marked TODO:.
 */
#include "frame.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* TODO: a struct is not a wire format. The compiler may pad it, it wants
 * it aligned, and its fields are in the host's byte order. Read each field
 * from its bytes instead (README: Reading bytes, not structs). */
struct wire_header {
  uint16_t length;
  uint8_t kind;
};

struct wire_readings {
  uint32_t sensor;
  uint8_t count;
  int16_t values[FRAME_MAX_READINGS];
};

/* TODO: a void * out parameter means each decoder casts it back to the type
 * it hopes it is, and nothing checks that the kind agrees. Give each
 * decoder the union member it fills (README: What to do). */
typedef int (*payload_decoder)(const uint8_t *payload, int size, void *out);

static int decode_ping(const uint8_t *payload, int size, void *out) {
  frame_ping_t *ping = (frame_ping_t *)out;

  if (size < 4)
    return FRAME_ESHORT_PAYLOAD;
  /* TODO: a misaligned load through a cast pointer, and a payload longer
   * than 4 bytes is accepted. */
  ping->nonce = ntohl(*(const uint32_t *)payload);
  return FRAME_OK;
}

static int decode_text(const uint8_t *payload, int size, void *out) {
  frame_text_t *text = out;
  /* TODO: read before the size check, and a plain char is signed here:
   * 200 becomes -56, passes the check below and reaches memcpy(). Length 0
   * passes too. */
  char length = payload[2];

  if (size < 3)
    return FRAME_ESHORT_PAYLOAD;
  if (length > FRAME_MAX_TEXT)
    return FRAME_ETEXT_LENGTH;
  if (size < 3 + length)
    return FRAME_ESHORT_PAYLOAD;
  text->channel = ntohs(*(const uint16_t *)payload);
  text->length = length;
  /* TODO: bytes outside 0x20..0x7e, NUL included, are copied as text. */
  memcpy(text->text, payload + 3, length);
  text->text[length] = '\0';
  return FRAME_OK;
}

static int decode_readings(const uint8_t *payload, int size, void *out) {
  /* TODO: struct wire_readings has a padding byte after count, so its
   * values[] start at payload byte 6, not 5; and the cast is misaligned. */
  const struct wire_readings *wire = (const struct wire_readings *)payload;
  frame_readings_t *readings = out;
  /* TODO: 0 passes, and 128..255 are negative as an int8_t. */
  int8_t count = wire->count;

  if (size < 5)
    return FRAME_ESHORT_PAYLOAD;
  if (count > FRAME_MAX_READINGS)
    return FRAME_ECOUNT_RANGE;
  if (size < 5 + 2 * count)
    return FRAME_ESHORT_PAYLOAD;
  readings->sensor = ntohl(wire->sensor);
  readings->count = count;
  for (int i = 0; i < count; i++)
    readings->values[i] = ntohs(wire->values[i]);
  /* TODO: no check against FRAME_MIN_READING, nor for trailing bytes. */
  return FRAME_OK;
}

/* TODO: the key came straight from a byte. The default: hides every key
 * that is not one of the first two, valid or not. */
static uint32_t setting_maximum(frame_setting_key_t key) {
  switch (key) {
  case FRAME_SETTING_RATE_HZ:
    return FRAME_MAX_RATE_HZ;
  case FRAME_SETTING_TIMEOUT_MS:
    return FRAME_MAX_TIMEOUT_MS;
  default:
    return FRAME_MAX_CLIENTS;
  }
}

static int decode_setting(const uint8_t *payload, int size, void *out) {
  frame_setting_t *setting = out;
  frame_setting_key_t key = payload[0];
  char digits[16];

  if (size < 1)
    return FRAME_ESHORT_PAYLOAD;
  if (size - 1 >= (int)sizeof(digits))
    return FRAME_ENOT_A_NUMBER;
  memcpy(digits, payload + 1, size - 1);
  digits[size - 1] = '\0';
  /* TODO: atoi() takes "", "-5", "12x" and " 7", and overflowing an int is
   * undefined. Then an int is compared with a uint32_t. */
  int value = atoi(digits);
  if (value > setting_maximum(key))
    return FRAME_EVALUE_RANGE;
  setting->key = key;
  setting->value = value;
  return FRAME_OK;
}

/* Indexed by the kind byte. */
static const payload_decoder decoders[] = {NULL, decode_ping, decode_text,
                                           decode_readings, decode_setting};

int frame_decode(const uint8_t *buf, size_t len, frame_message_t *out,
                 size_t *consumed) {
  const struct wire_header *header = (const struct wire_header *)buf;
  /* TODO: a size_t squeezed into an int. */
  int avail = len;

  if (avail < FRAME_HEADER_SIZE)
    return FRAME_ETRUNCATED_HEADER;
  int size = ntohs(header->length);
  if (size > FRAME_MAX_PAYLOAD)
    return FRAME_ETOO_LONG;
  /* TODO: an untrusted byte is not a frame_kind_t until it is checked:
   * only 0 is, and 5..255 index past the end of decoders[]. */
  frame_kind_t kind = header->kind;
  if (kind == 0)
    return FRAME_EUNKNOWN_KIND;
  /* TODO: forgets the 3 header bytes: a payload up to 3 bytes short is
   * read past the end of buf. */
  if (size > avail)
    return FRAME_ETRUNCATED;
  int err = decoders[kind](buf + FRAME_HEADER_SIZE, size, &out->as);
  if (err != FRAME_OK)
    return err;
  out->kind = kind;
  *consumed = FRAME_HEADER_SIZE + size;
  return FRAME_OK;
}

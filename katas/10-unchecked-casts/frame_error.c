/* frame_error.c: names and meanings of the decoder's error codes (the
 * kata's support code; not yours to edit). One table, as libuv's
 * uv_err_name() and uv_strerror() have. */
#include "frame.h"

#include <stddef.h>

#define FRAME_ERRORS(X)                                                        \
  X(FRAME_OK, "the frame is well formed")                                      \
  X(FRAME_ETRUNCATED_HEADER, "fewer than 3 bytes: the header is incomplete")   \
  X(FRAME_ETOO_LONG, "the length field is above 255")                          \
  X(FRAME_EUNKNOWN_KIND, "the kind byte names no message kind")                \
  X(FRAME_ETRUNCATED, "the buffer ends before the payload does")               \
  X(FRAME_ESHORT_PAYLOAD, "the payload ends inside one of its fields")         \
  X(FRAME_ETRAILING_BYTES, "the payload goes on after its last field")         \
  X(FRAME_ETEXT_LENGTH, "the text length is 0 or above 64")                    \
  X(FRAME_ETEXT_BYTE, "a text byte is not printable ASCII (0x20 to 0x7e)")     \
  X(FRAME_ECOUNT_RANGE, "the reading count is 0 or above 16")                  \
  X(FRAME_EREADING_RANGE, "a reading is below absolute zero (-2731)")          \
  X(FRAME_EUNKNOWN_SETTING, "the key byte names no setting")                   \
  X(FRAME_ENOT_A_NUMBER, "the value is not 1 to 10 ASCII digits")              \
  X(FRAME_EVALUE_RANGE, "the value is above the setting's maximum")

struct frame_error_entry {
  int code;
  const char *name;
  const char *text;
};

static const struct frame_error_entry frame_errors[] = {
#define FRAME_ERROR_ENTRY(code, text) {code, #code, text},
    FRAME_ERRORS(FRAME_ERROR_ENTRY)
#undef FRAME_ERROR_ENTRY
};

static const struct frame_error_entry *frame_error_find(int err) {
  for (size_t i = 0; i < sizeof(frame_errors) / sizeof(frame_errors[0]); i++)
    if (frame_errors[i].code == err)
      return &frame_errors[i];
  return NULL;
}

const char *frame_error_name(int err) {
  const struct frame_error_entry *e = frame_error_find(err);
  return e != NULL ? e->name : "(not a frame error)";
}

const char *frame_strerror(int err) {
  const struct frame_error_entry *e = frame_error_find(err);
  return e != NULL ? e->text : "not an error code of frame.h";
}

#include "core/error.h"

#include <string.h>

const char *sc_strerror(int code) {
  switch (code) {
#define SC_ERROR_CASE_(name, message)                                          \
  case SC_E##name:                                                             \
    return message;
    SC_ERRORS(SC_ERROR_CASE_)
#undef SC_ERROR_CASE_
  default:
    break;
  }
  if (code < 0 && code > SC_ERROR_BASE_)
    return strerror(-code);
  return "unknown error";
}

/* protocol.c: the hash server's wire protocol (trusted). See protocol.h. */
#include "protocol.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hash_work.h"

/* Reads a decimal number of at most 20 digits from *text (advancing it),
 * refusing signs, spaces and overflow. */
static bool read_number(const char **text, const char *end, uint64_t *value) {
  const char *p = *text;
  uint64_t v = 0;

  if (p == end || *p < '0' || *p > '9')
    return false;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    uint64_t digit = (uint64_t)(*p - '0');
    if (v > (UINT64_MAX - digit) / 10)
      return false;
    v = v * 10 + digit;
  }
  *text = p;
  *value = v;
  return true;
}

request_t protocol_parse(const char *line, size_t len) {
  request_t bad = {REQUEST_BAD, 0, 0};
  request_t req = {REQUEST_HASH, 0, 0};
  const char *end = line + len;
  const char *p = line + 5;

  if (len > 0 && line[len - 1] == '\r')
    end--;
  if (end - line == 4 && memcmp(line, "PING", 4) == 0)
    return (request_t){REQUEST_PING, 0, 0};
  if (end - line < 5 || memcmp(line, "HASH ", 5) != 0)
    return bad;
  if (!read_number(&p, end, &req.seed) || p == end || *p++ != ' ' ||
      !read_number(&p, end, &req.rounds) || p != end ||
      req.rounds > HASH_MAX_ROUNDS)
    return bad;
  return req;
}

size_t protocol_reply(const request_t *request, uint64_t hash,
                      char out[PROTOCOL_MAX_REPLY]) {
  int n;

  switch (request->kind) {
  case REQUEST_PING:
    n = snprintf(out, PROTOCOL_MAX_REPLY, "PONG\n");
    break;
  case REQUEST_HASH:
    n = snprintf(out, PROTOCOL_MAX_REPLY, "%016" PRIx64 "\n", hash);
    break;
  case REQUEST_TOO_LONG:
    n = snprintf(out, PROTOCOL_MAX_REPLY, "ERR line too long\n");
    break;
  case REQUEST_BAD:
  default:
    n = snprintf(out, PROTOCOL_MAX_REPLY, "ERR bad request\n");
    break;
  }
  return n > 0 ? (size_t)n : 0;
}

/* protocol.h: the hash server's wire protocol (trusted).
 *
 * Requests are lines of text ending in '\n', answered one reply line per
 * request, in the order the requests came on their connection:
 *
 *   PING\n                  ->  PONG\n
 *   HASH <seed> <rounds>\n  ->  <hash_compute(seed, rounds), 16 hex digits>\n
 *   anything else           ->  ERR bad request\n
 *   a line over PROTOCOL_MAX_LINE bytes  ->  ERR line too long\n
 *
 * <seed> and <rounds> are decimal, <rounds> at most HASH_MAX_ROUNDS. A
 * '\r' before the '\n' is ignored. Read README.md, "The server".
 */
#ifndef SENIOR_PROTOCOL_H
#define SENIOR_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* The longest request line, without its '\n'. */
#define PROTOCOL_MAX_LINE 64u
/* Room for the longest reply line, its '\n' and a final NUL. */
#define PROTOCOL_MAX_REPLY 32u

typedef enum request_kind {
  REQUEST_PING,
  REQUEST_HASH,
  REQUEST_BAD,     /* not a request this server knows */
  REQUEST_TOO_LONG /* a line over PROTOCOL_MAX_LINE bytes */
} request_kind_t;

typedef struct request {
  request_kind_t kind;
  uint64_t seed;   /* REQUEST_HASH only */
  uint64_t rounds; /* REQUEST_HASH only */
} request_t;

/* Reads one request line of `len` bytes, without its '\n' (it need not be
 * NUL-terminated). Never fails: what it cannot read is REQUEST_BAD. */
request_t protocol_parse(const char *line, size_t len);

/* Writes the reply line to `request` into `out` ('\n' included, then a
 * NUL) and returns its length without the NUL. `hash` is the request's
 * hash for REQUEST_HASH, ignored otherwise. */
size_t protocol_reply(const request_t *request, uint64_t hash,
                      char out[PROTOCOL_MAX_REPLY]);

#endif

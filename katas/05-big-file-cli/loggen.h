/* A seeded generator of access logs whose bigstat report it knows: the
 * suite's and the benchmark's source of inputs and exact answers. Part of
 * the kata (trusted), not yours to edit; your own tests may use it. */
#ifndef BIGSTAT_LOGGEN_H
#define BIGSTAT_LOGGEN_H

#include <stddef.h>
#include <stdint.h>

enum { LOGGEN_MAX_POPULAR = 256, LOGGEN_LONG_PATHS = 3 };

struct loggen_spec {
  uint64_t seed;
  /* Lines are written until the file holds at least this many bytes. */
  uint64_t bytes;
  /* How many popular paths most requests go to (1..LOGGEN_MAX_POPULAR);
   * a few of them get most of the requests. */
  unsigned popular;
  /* Per thousand requests, how many go to a path never seen before (an
   * order number in the path, as real logs have). */
  unsigned unique_per_mille;
  /* When nonzero, every long_every-th request goes to one of
   * LOGGEN_LONG_PATHS paths of long_path bytes. */
  size_t long_path;
  unsigned long_every;
};

/* Writes the log spec describes to path (created, or truncated), in a
 * buffer of fixed size whatever the file's size. Sets *report to the exact
 * text bigstat must print for it (malloc'd, the caller frees it). Returns
 * 0, or a negative errno value (and *report is NULL). */
int loggen_write(const char *path, const struct loggen_spec *spec,
                 char **report);

/* Writes len bytes of text to path (created, or truncated). Returns 0 or a
 * negative errno value. */
int loggen_write_text(const char *path, const char *text, size_t len);

#endif

/* Helpers shared by the readers of tool reports (internal to grader/parse).
 *
 * Reports are written by tools that do not always honour their own format:
 * cmocka puts raw assertion text into XML, gcc echoes source bytes into JSON.
 * These helpers load a report into memory with a size cap and turn arbitrary
 * bytes into valid UTF-8 before any parser sees them.
 */
#ifndef SENIOR_CHECK_PARSE_REPORT_TEXT_H
#define SENIOR_CHECK_PARSE_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Largest report file the readers accept (bytes). */
#define SC__REPORT_MAX_BYTES ((size_t)64 * 1024 * 1024)

/* Reads the whole file at path into a new NUL-terminated buffer.
 *
 * On success returns 0, stores the buffer in *data (owned by the caller,
 * release with free()) and its length, not counting the NUL, in *len.
 * Returns -errno if the file cannot be opened or read, SC_ETOO_BIG if it is
 * larger than max bytes (nothing is allocated then), -ENOMEM. */
int sc__report_slurp(const char *path, size_t max, char **data, size_t *len);

/* Returns a new NUL-terminated copy of the len bytes at s in which every
 * byte that is not part of a well-formed UTF-8 sequence (including overlong
 * forms, surrogates and code points above U+10FFFF) is replaced by U+FFFD.
 * When xml is non-zero, characters XML 1.0 forbids (C0 controls other than
 * tab, LF and CR; U+FFFE; U+FFFF) and NUL bytes are replaced as well.
 * When max is non-zero and the result is longer than max bytes, it is cut at
 * a character boundary and ends with "…", the whole staying within max bytes
 * (max must then be at least 4).
 * Stores the length of the copy in *out_len when out_len is not NULL.
 * Returns NULL when out of memory. The copy is owned by the caller (free()). */
char *sc__report_utf8(const char *s, size_t len, size_t max, int xml,
                      size_t *out_len);

/* Parses the decimal digits of s (leading and trailing blanks allowed) into
 * *value. Returns 0, or -1 when s is NULL, empty, not a number or larger
 * than limit. *value is unchanged on failure. */
int sc__report_u64(const char *s, uint64_t limit, uint64_t *value);

/* Returns a copy of the UTF-8 text s in which every control character but
 * newline and tab is made visible: C0 controls (ESC, CR, BEL...) become
 * their Unicode control pictures (U+2400 + code, so ESC shows as U+241B),
 * DEL becomes U+2421 and C1 controls U+FFFD. Learner text then cannot
 * clear a terminal, move its cursor, set its title or rewrite a line.
 * Newly allocated; NULL when out of memory. */
char *sc_text_visible(const char *s);

#endif /* SENIOR_CHECK_PARSE_REPORT_TEXT_H */

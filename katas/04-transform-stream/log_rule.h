/* The rule of kata 04's log filter (trusted): which lines go on, and how
 * they are rewritten. line_transform.c calls it for every line; the suite
 * computes the expected output with it too.
 */
#ifndef LOG_RULE_H
#define LOG_RULE_H

#include <stddef.h>

/* Decides the fate of one line (`len` bytes, without its end):
 *
 * - a line whose first word is "DEBUG" is dropped: returns 0;
 * - any other line is kept: returns 1 and writes exactly `len` bytes to
 *   `out`, the line with the value of every "token=" field masked (each
 *   byte up to the next space or the end of the line becomes '*').
 *
 * `out` must have room for `len` bytes; it may not overlap `line`. Never
 * fails, never allocates. */
int log_rule_apply(const char *line, size_t len, char *out);

#endif /* LOG_RULE_H */

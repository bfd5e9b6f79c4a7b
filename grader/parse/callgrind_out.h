/* Reader of callgrind output files (valgrind --tool=callgrind
 * --callgrind-out-file=F), format version 1.
 */
#ifndef SENIOR_CHECK_PARSE_CALLGRIND_OUT_H
#define SENIOR_CHECK_PARSE_CALLGRIND_OUT_H

#include <stdint.h>

/* Stores in *instructions the number of instructions executed while
 * collection was on (event Ir), read from the "summary:" line or, when the
 * file has none, from the first "totals:" line. The figure is taken from the
 * column of Ir in the "events:" line (the first column when there is no
 * events line).
 *
 * Returns 0, -errno when the file cannot be read (-ENOENT when missing),
 * SC_EREPORT when the file has neither line, no Ir event, or an Ir figure
 * that is not a number, SC_ETOO_BIG when a line is longer than 1 MiB,
 * -ENOMEM. *instructions is unchanged on failure. */
int sc_callgrind_total(const char *path, uint64_t *instructions);

#endif /* SENIOR_CHECK_PARSE_CALLGRIND_OUT_H */

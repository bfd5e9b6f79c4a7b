/* What the coverage gate tells a learner who falls short: where, by
 * function, rather than bare line numbers (coverage.c). */
#ifndef SENIOR_CHECK_GATES_COVERAGE_H
#define SENIOR_CHECK_GATES_COVERAGE_H

#include "core/util.h"
#include "parse/gcovr_json.h"

/* The most places named per file; the rest are counted ("and 3 more"). */
#define SC_COVERAGE_MAX_PLACES 8

/* Appends to out one line saying where file falls short, naming it
 * shown_path, or nothing when it does not:
 *
 *   - PATH: never_called() never runs (lines 19-21); parse_frame(), lines
 *     40-44 not run; parse_frame(), line 52: a branch never taken
 *
 * function by function in source order, for each its lines not run, then
 * its lines with a branch never taken. A function never called is named once,
 * not line by line; lines before any function go without a name. Lines with a
 * branch never taken are named only when with_branches is non-zero (when the
 * branch level is not reached: otherwise they are noise). */
void sc_coverage_where(struct sc_buf *out, const char *shown_path,
                       const struct sc_coverage_file *file, int with_branches);

#endif /* SENIOR_CHECK_GATES_COVERAGE_H */

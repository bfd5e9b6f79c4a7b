/* Gradescope's autograder results file (results.json), one test per kata
 * per gate; also read by GitHub Classroom's reporter (see docs/outputs.md
 * and tests/schemas/gradescope-results.schema.json). */
#ifndef SENIOR_CHECK_REPORT_GRADESCOPE_H
#define SENIOR_CHECK_REPORT_GRADESCOPE_H

#include "model/result.h"

/* Writes results to path in Gradescope's results.json format, replacing
 * the file. Every test has both score and max_score, so that totals summed
 * by any reader are numbers. Returns 0, -errno when the file cannot be
 * written, or SC_EREPORT when the JSON cannot be built. Nothing is kept
 * from results after the call. */
int sc_report_gradescope_write(const struct sc_results *results,
                               const char *path);

#endif /* SENIOR_CHECK_REPORT_GRADESCOPE_H */

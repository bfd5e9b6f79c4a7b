/* The outputs a grade or a merge writes besides the terminal table: one
 * per --format KIND[=FILE] (and --json FILE). */
#ifndef SENIOR_CHECK_CLI_OUTPUTS_H
#define SENIOR_CHECK_CLI_OUTPUTS_H

#include "model/result.h"

/* Checks every format before any grading starts, so that a typo costs
 * nothing. Returns 0, or -1 with the error printed. */
int sc_outputs_check(const char *const *formats, const char *json_path);

/* Writes results in every format (formats NULL-terminated; json_path may
 * be NULL). Returns 0, or -1 with the error printed for the first output
 * that could not be written. */
int sc_outputs_write(const struct sc_results *results,
                     const char *const *formats, const char *json_path);

#endif /* SENIOR_CHECK_CLI_OUTPUTS_H */

/* The results file: the contract CI tools and later reports read (its
 * format is documented in README.md, "The results file"). */
#ifndef SENIOR_CHECK_REPORT_JSON_H
#define SENIOR_CHECK_REPORT_JSON_H

#include "model/result.h"

/* Writes results to path as JSON. Returns 0 or a negative code. */
int sc_report_json_write(const struct sc_results *results, const char *path);

#endif /* SENIOR_CHECK_REPORT_JSON_H */

/* The terminal table: one row per kata, one column per gate, then what to
 * do about the first failure of each kata. */
#ifndef SENIOR_CHECK_REPORT_TERMINAL_H
#define SENIOR_CHECK_REPORT_TERMINAL_H

#include "model/result.h"

#include <stdio.h>

/* Colour only when out is a terminal and NO_COLOR is unset. */
int sc_report_use_colour(FILE *out);
void sc_report_terminal(const struct sc_results *results, FILE *out,
                        int colour);

#endif /* SENIOR_CHECK_REPORT_TERMINAL_H */

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

/* The rows text takes on a terminal cols columns wide: each line wraps
 * after cols visible characters (colour codes take none, a UTF-8 sequence
 * one, a tab up to the next multiple of 8); an empty line takes one. */
size_t sc_screen_rows(const char *text, unsigned cols);

/* text cut to fit rows terminal rows of cols columns, so that a screen
 * drawn from the top never scrolls its first lines away: the first lines
 * are kept, and when text is taller the last ones give way to one line
 * saying how many were left out. Returns a newly allocated string (the
 * caller frees it); text itself when it fits (copied). rows below 2 or
 * cols 0 mean an unknown size: text is returned whole. */
char *sc_screen_fit(const char *text, unsigned rows, unsigned cols);

#endif /* SENIOR_CHECK_REPORT_TERMINAL_H */

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

/* A failing test's message with its comparisons made readable: under a
 * suite's "expected: X" / "actual: Y" pair, and under cmocka's own
 * "\"X\" != \"Y\"" and "0xX != 0xY", a line marks the first character
 * that differs (a caret, and its position); tabs, carriage returns and
 * other control bytes show as \t, \r, \xNN, and spaces show as a middle
 * dot when the difference is in whitespace. Other lines are kept as they
 * are. Returns a newly allocated string the caller frees. */
char *sc_text_mark_difference(const char *message);

/* text with the list lines ("- KIND at WHERE: WHAT") that repeat an
 * earlier line's "- KIND at WHERE" dropped, and that earlier line saying
 * how many it stands for: one leak reached by five call paths reads as
 * one line. Returns a newly allocated string the caller frees. */
char *sc_text_collapse_repeats(const char *text);

#endif /* SENIOR_CHECK_REPORT_TERMINAL_H */

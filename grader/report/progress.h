/* One status line that says what grading is doing while it runs: which
 * kata, which gate, how long so far. Redrawn in place on a terminal;
 * nothing at all when the output is not one (pipes, CI logs). */
#ifndef SENIOR_CHECK_REPORT_PROGRESS_H
#define SENIOR_CHECK_REPORT_PROGRESS_H

#include "model/result.h"

#include <stdio.h>

struct sc_progress;

/* Starts the status line on out when out is a terminal, with a thread
 * that redraws it a few times a second (the elapsed times move even while
 * one gate runs for minutes). Returns NULL when out is not a terminal: the
 * other functions accept NULL and do nothing. The caller ends it with
 * sc_progress_stop. */
struct sc_progress *sc_progress_start(FILE *out);

/* The on_gate hook of struct sc_grading (data is the progress): records
 * that result's kata started or finished gate. Safe to call from several
 * grading threads at once. result must stay valid until the kata's next
 * gate starts or the progress is stopped. */
void sc_progress_on_gate(void *data, const struct sc_kata_result *result,
                         enum sc_gate gate, int done);

/* Stops the redrawing thread, erases the line and frees progress (NULL is
 * accepted). */
void sc_progress_stop(struct sc_progress *progress);

#endif /* SENIOR_CHECK_REPORT_PROGRESS_H */

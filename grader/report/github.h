/* GitHub Actions outputs: the job's step summary (Markdown for
 * $GITHUB_STEP_SUMMARY) and workflow-command annotations on the learner's
 * lines (see docs/outputs.md for the limits they respect). */
#ifndef SENIOR_CHECK_REPORT_GITHUB_H
#define SENIOR_CHECK_REPORT_GITHUB_H

#include "model/result.h"

#include <stdio.h>

/* GitHub's limits: a step summary must stay under 1 MiB; a step shows at
 * most 10 error and 10 warning annotations; the runner cuts an annotation's
 * message at 4096 characters. */
#define SC_GITHUB_SUMMARY_MAX ((size_t)1024 * 1024 - 1)
#define SC_GITHUB_MAX_ERRORS 10
#define SC_GITHUB_MAX_WARNINGS 10
#define SC_GITHUB_MESSAGE_MAX 4096

/* Writes the Markdown summary of results to out: integrity findings first
 * when there are any, the score and level, a table of katas by gates, what
 * each lost point is for, and how many annotations were not shown. The
 * whole stays within SC_GITHUB_SUMMARY_MAX bytes, cut at a line with a note
 * when longer. Returns 0, or -errno (-EIO when errno says nothing) when
 * writing to out fails. out stays open and owned by the caller. */
int sc_report_github_summary(const struct sc_results *results, FILE *out);

/* Writes workflow commands (::error / ::warning) for the locations of
 * failing gates to out, one line each: one per failing gate first, in kata
 * order, then the rest, at most SC_GITHUB_MAX_ERRORS errors and
 * SC_GITHUB_MAX_WARNINGS warnings (warnings are the strict gate's). Only
 * locations in the repository are used. Returns 0, or -errno (-EIO when
 * errno says nothing) when writing to out fails. out stays open and owned
 * by the caller. */
int sc_report_github_annotations(const struct sc_results *results, FILE *out);

/* How many annotations sc_report_github_annotations leaves out for
 * GitHub's limits (the summary says it too). */
size_t sc_report_github_annotations_left_out(const struct sc_results *results);

#endif /* SENIOR_CHECK_REPORT_GITHUB_H */

/* Reading the results file back (README.md, "The results file"), and
 * merging the results of shards that each graded some of the katas. */
#ifndef SENIOR_CHECK_REPORT_RESULTS_READ_H
#define SENIOR_CHECK_REPORT_RESULTS_READ_H

#include "model/result.h"

/* Reads a results file written by sc_report_json_write into *out,
 * checking it as it reads: the format number, every member's presence and
 * type, the six gates in order, no score above its maximum, kata and total
 * sums, statuses and the level that agree with the scores, a known source.
 * Members the reader does not know are ignored. What the file does not hold
 * is zero: elapsed times, gate details.
 *
 * Returns 0 and fills *out, which the caller releases with
 * sc_results_free(); out->source and out->level point at static strings.
 * On failure returns -errno (the file cannot be read), SC_ETOO_BIG or
 * SC_EREPORT (the content is wrong), leaves *out empty (zeroed), and, when
 * why is not NULL, stores in *why one line "'PATH': what is wrong" that the
 * caller frees. */
int sc_results_read(const char *path, struct sc_results *out, char **why);

/* Merges the results of n shards into *out: the katas of all shards sorted
 * by id, the findings of all without duplicates (sorted by path, then
 * change), official only when every shard is, the trusted ref they share,
 * the longest elapsed time (shards run side by side), and the totals and
 * level recomputed. The parts are not changed; *out owns copies of all it
 * holds and is released with sc_results_free().
 *
 * Returns 0, or SC_EREPORT with *out empty and, when why is not NULL, one
 * line in *why (caller frees) when n is 0, a kata was graded by two shards,
 * the shards graded different sources (or one the reader does not know),
 * or they name different trusted refs. */
int sc_results_merge(const struct sc_results *parts, size_t n,
                     struct sc_results *out, char **why);

#endif /* SENIOR_CHECK_REPORT_RESULTS_READ_H */

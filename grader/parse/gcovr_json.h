/* Reader of gcovr 5.2 JSON reports.
 *
 * Two files feed one sc_coverage_report: the summary (--json-summary,
 * format 0.5) gives the per-file counts, the detailed report (--json,
 * format 0.3) then adds where they fall short: the uncovered lines, the
 * lines with a branch never taken, and the functions they are in.
 */
#ifndef SENIOR_CHECK_PARSE_GCOVR_JSON_H
#define SENIOR_CHECK_PARSE_GCOVR_JSON_H

#include <stddef.h>

/* A function of a source file, as gcov names it. gcov gives where a
 * function starts, not where it ends: a line belongs to the function that
 * starts last at or before it. */
struct sc_coverage_function {
  char *name;
  unsigned line;       /* where it starts */
  unsigned long calls; /* 0: never called */
};

struct sc_coverage_file {
  char *path; /* as gcovr gives it (relative to --root) */
  unsigned lines_covered, lines_total;
  unsigned branches_covered, branches_total;
  unsigned functions_covered, functions_total;
  /* Lines that hold code and were never executed (lines excluded with
   * GCOVR_EXCL_* are not listed), ascending, without duplicates; from the
   * detailed report: NULL and 0 until sc_gcovr_detail_read() fills them. */
  unsigned *uncovered_lines;
  size_t uncovered_count;
  /* Lines that ran yet hold a branch never taken (a line that never ran is
   * in uncovered_lines only), ascending, without duplicates; NULL and 0
   * until sc_gcovr_detail_read() fills them. */
  unsigned *branch_lines;
  size_t branch_count;
  /* The file's functions, by ascending start line; NULL and 0 until
   * sc_gcovr_detail_read() fills them. */
  struct sc_coverage_function *functions;
  size_t function_count;
};

struct sc_coverage_report {
  struct sc_coverage_file *files; /* in the order of the summary */
  size_t count;
};

/* Reads a gcovr --json-summary file into *report.
 *
 * On success returns 0 and fills *report (any previous content is
 * overwritten, not freed); the caller owns it and releases it with
 * sc_coverage_report_free(). Absent counts read as 0.
 *
 * Fails with -errno when the file cannot be read (-ENOENT when missing),
 * SC_ETOO_BIG when it is larger than 64 MiB, SC_EREPORT when it is not JSON
 * or not a summary (no "files" array, a file without "filename", a count
 * that is not an integer from 0 to UINT_MAX), -ENOMEM. On failure *report
 * is left zeroed. */
int sc_gcovr_summary_read(const char *path, struct sc_coverage_report *report);

/* Fills the uncovered lines, the lines with a branch never taken and the
 * functions of the files already in *report from a gcovr --json (detailed)
 * file, matching files by path. Files of the detailed report that the
 * summary lacks are ignored; files of the summary that the detailed report
 * lacks keep their current lists. A file's previous lists are replaced.
 *
 * Returns 0, -errno when the file cannot be read (-ENOENT when missing),
 * SC_ETOO_BIG, SC_EREPORT when it is not JSON or not a detailed report (no
 * "files" array, a file without "file", a "lines" entry without an integer
 * "line_number" and "count", a "branches" entry without an integer
 * "count", a "functions" entry without a string "name", an integer
 * "lineno" and "execution_count"), -ENOMEM. On failure *report is
 * unchanged. */
int sc_gcovr_detail_read(const char *path, struct sc_coverage_report *report);

/* Frees everything *report owns and zeroes it. Accepts NULL and a zeroed
 * report. */
void sc_coverage_report_free(struct sc_coverage_report *report);

#endif /* SENIOR_CHECK_PARSE_GCOVR_JSON_H */

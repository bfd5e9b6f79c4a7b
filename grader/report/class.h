/* The mentor's page of a class: many learners' results files (one per
 * learner, named by learner: results/ada.json is ada's) merged into one
 * self-contained HTML page with a table of learners by kata, sortable by
 * any column, and the spread of the scores of each kata. */
#ifndef SENIOR_CHECK_REPORT_CLASS_H
#define SENIOR_CHECK_REPORT_CLASS_H

#include "core/util.h"
#include "model/result.h"

#include <stddef.h>

struct sc_class_learner {
  char *name; /* the results file's name without ".json" (or its name, for
                 a bad file not ending in ".json") */
  char *path; /* the results file, as given */
  char *page; /* the learner's page (NAME.html beside the results file) as
                 a link from the class page, or NULL when there is none */
  struct sc_results results; /* empty for a bad file */
  char *why;                 /* why the file could not be used (one line,
                                naming it), or NULL */
};

struct sc_class {
  struct sc_class_learner *learners; /* the usable files, in the order
                                        given */
  size_t count;
  struct sc_class_learner *bad; /* the files that could not be used, each
                                   with its why, in the order given */
  size_t bad_count;
};

/* Reads the n results files at paths into *out, one learner each. When
 * page_path (the class page to be written) is not NULL, a learner whose
 * NAME.html exists beside NAME.json gets a link to it, relative to the
 * class page's folder.
 *
 * A file that cannot be used does not fail the class: it goes to out->bad
 * with one line in its why naming the file: it cannot be read, it is not a
 * results file (see sc_results_read), its name does not end in ".json", a
 * file before it was for the same learner, or its katas differ from the
 * first usable file's. Nothing is dropped silently.
 *
 * Returns 0, and *out is released with sc_class_free(). When no file is
 * usable, returns SC_EREPORT with *out empty and *why (caller frees) the
 * first file's reason; SC_EUSAGE when n is 0. */
int sc_class_load(const char *const *paths, size_t n, const char *page_path,
                  struct sc_class *out, char **why);

/* Releases what c holds and empties it; a zeroed c is fine. */
void sc_class_free(struct sc_class *c);

/* Appends the class page for c to out. */
void sc_report_class_render(const struct sc_class *c, struct sc_buf *out);

/* Writes the class page for c to path. Returns 0 or -errno. */
int sc_report_class_write(const struct sc_class *c, const char *path);

/* Appends the class as CSV (RFC 4180: CRLF line ends, a field quoted when
 * it holds a comma, a quote, CR or LF, quotes doubled), one row per
 * learner, kata and gate, with a header row:
 *   learner,kata,gate,points,max_points,status,official,note
 * A bad file gets one row with status "unreadable" and why in note. A
 * field that a spreadsheet would take for a formula (starting with '=',
 * '+', '-', '@', tab or CR) is prefixed with "'" (OWASP's advice on CSV
 * injection): learner names come from file names. */
void sc_report_class_csv(const struct sc_class *c, struct sc_buf *out);

/* Writes sc_report_class_csv() to path. Returns 0 or -errno. */
int sc_report_class_csv_write(const struct sc_class *c, const char *path);

#endif /* SENIOR_CHECK_REPORT_CLASS_H */

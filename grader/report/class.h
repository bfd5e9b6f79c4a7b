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
  char *name; /* the results file's name without ".json" */
  char *path; /* the results file, as given */
  char *page; /* the learner's page (NAME.html beside the results file) as
                 a link from the class page, or NULL when there is none */
  struct sc_results results;
};

struct sc_class {
  struct sc_class_learner *learners; /* in the order given */
  size_t count;
};

/* Reads the n results files at paths into *out, one learner each. When
 * page_path (the class page to be written) is not NULL, a learner whose
 * NAME.html exists beside NAME.json gets a link to it, relative to the
 * class page's folder.
 *
 * Returns 0, and *out is released with sc_class_free(). Nothing is
 * dropped: any bad file fails the whole load, with *out empty and one line
 * in *why (caller frees) naming the file. Returns -errno when a file cannot
 * be read, SC_ETOO_BIG or SC_EREPORT when it is not a results file (see
 * sc_results_read), SC_EREPORT when its name does not end in ".json", two
 * files are for one learner or its katas differ from the first file's, and
 * SC_EUSAGE when n is 0. */
int sc_class_load(const char *const *paths, size_t n, const char *page_path,
                  struct sc_class *out, char **why);

/* Releases what c holds and empties it; a zeroed c is fine. */
void sc_class_free(struct sc_class *c);

/* Appends the class page for c to out. */
void sc_report_class_render(const struct sc_class *c, struct sc_buf *out);

/* Writes the class page for c to path. Returns 0 or -errno. */
int sc_report_class_write(const struct sc_class *c, const char *path);

#endif /* SENIOR_CHECK_REPORT_CLASS_H */

/* The mentor's page of one learner: one self-contained HTML file (no
 * network fetch, no external script, style or font) with the score, a
 * chart of it by kata and gate, the evidence behind every lost point, the
 * learner's own writing, the integrity findings and, given earlier
 * results, the score over time.
 *
 * Also the pieces the class page (report/class.h) shares: escaping, the
 * page's frame and style, and a small Markdown renderer. */
#ifndef SENIOR_CHECK_REPORT_HTML_H
#define SENIOR_CHECK_REPORT_HTML_H

#include "core/util.h"
#include "model/result.h"

#include <stddef.h>

/* What the page shows besides the results. Every member may be zero. */
struct sc_html_options {
  const char *name;         /* whose results: the learner's name, or NULL */
  const char *repo;         /* the learner's repository: source lines and notes
                               are read from it; NULL: none are quoted */
  const char *results_path; /* where the results came from, or NULL */
  const struct sc_results *history;  /* earlier results, oldest first */
  const char *const *history_labels; /* a label for each, or NULL */
  size_t history_count;
  /* When each was graded (the results files' graded_at, in seconds since
   * the epoch; 0 when not known), and when these results were. With every
   * time known the history is drawn over time; else in the order given. */
  const long long *history_times;
  long long graded_at;
};

/* Reads a results file's graded_at ("2024-05-03T14:02:00Z", UTC) into
 * *secs, seconds since the epoch. Returns 0, or SC_EREPORT when iso is
 * NULL or not a time in exactly that form. */
int sc_html_parse_time(const char *iso, long long *secs);

/* Appends the len bytes at s to out as HTML text that is safe both between
 * tags and inside a quoted attribute: '&', '<', '>', '"' and '\'' become
 * character references, bytes that are not well-formed UTF-8 and control
 * characters other than tab, LF and CR become U+FFFD. Never fails (out of
 * memory ends the grader, as sc_xmalloc does). */
void sc_html_escape_n(struct sc_buf *out, const char *s, size_t len);

/* sc_html_escape_n() of the NUL-terminated s; NULL appends nothing. */
void sc_html_escape(struct sc_buf *out, const char *s);

/* Appends the start of a page: doctype, head with title (escaped), the
 * shared style, and a Content-Security-Policy that forbids every fetch
 * (allow_script non-zero lets the page's own inline script run). */
void sc_html_begin(struct sc_buf *out, const char *title, int allow_script);

/* Appends the footer and closes the page. */
void sc_html_end(struct sc_buf *out);

/* Appends text rendered from a safe subset of Markdown: ATX headings
 * (shown one level below the page's own), paragraphs, "-", "*" and "1."
 * lists, fenced and indented code blocks, `code` spans, *emphasis* and
 * **strong**, and tables as preformatted text. Links and raw HTML are shown
 * as text: everything is escaped. */
void sc_html_markdown(struct sc_buf *out, const char *text);

/* Writes the len bytes of page to path, replacing the file. Returns 0 or
 * -errno; on failure the file may be partly written. */
int sc_html_save(const char *page, size_t len, const char *path);

/* Appends the learner's page for results to out. Files of opts->repo that
 * cannot be read are shown as missing, never an error. */
void sc_report_html_render(const struct sc_results *results,
                           const struct sc_html_options *opts,
                           struct sc_buf *out);

/* Writes the learner's page for results to path. Returns 0 or -errno. */
int sc_report_html_write_with(const struct sc_results *results,
                              const struct sc_html_options *opts,
                              const char *path);

/* The --format html=FILE output of grade and merge: the page, quoting the
 * learner's files from the repository being graded (the learner's working
 * tree under --trusted-ref, $SENIOR_CHECK_WORKTREE; else
 * $SENIOR_CHECK_ROOT; else the current folder). Returns 0 or -errno. */
int sc_report_html_write(const struct sc_results *results, const char *path);

#endif /* SENIOR_CHECK_REPORT_HTML_H */

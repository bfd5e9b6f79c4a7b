#include "report/github.h"
#include "core/util.h"
#include "parse/report_text.h"
#include "report/junit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Findings listed in the summary before "and N more". */
#define MAX_FINDINGS_LISTED 100
/* Bytes of a message line the summary quotes. */
#define MAX_LINE_BYTES 500

/* One annotation the grader could give: a location of a failing gate. */
struct annotation {
  const struct sc_kata_result *kata;
  const struct sc_gate_result *gate;
  const struct sc_location *where;
  const struct sc_test_result *test; /* the failing test placed there */
  int warning;
};

/* The annotations to show, most useful first, and how many were left. */
struct plan {
  struct annotation *shown;
  size_t count;
  size_t hidden;
};

/* Returns p, or ends the grader as sc_xmalloc does when p is NULL. */
static void *oom_check(void *p) {
  if (p == NULL) {
    fputs("fatal: out of memory\n", stderr);
    exit(2);
  }
  return p;
}

/* Whether a gate lost points by failing (a skipped gate points nowhere). */
static int gate_failed(const struct sc_gate_result *gate) {
  return gate->status == SC_STATUS_FAIL || gate->status == SC_STATUS_ERROR;
}

/* The failing test the JUnit report places at where, or NULL. */
static const struct sc_test_result *test_at(const struct sc_gate_result *gate,
                                            const struct sc_location *where) {
  for (size_t i = 0; i < gate->test_count; i++)
    if (gate->tests[i].status != SC_STATUS_PASS &&
        sc_report_test_location(gate, gate->tests[i].name) == where)
      return &gate->tests[i];
  return NULL;
}

/* The location an annotation for gate shows first: the first failing
 * test's for the tests gate, else the gate's first in the repository. */
static const struct sc_location *primary(const struct sc_gate_result *gate) {
  if (gate->gate == SC_GATE_TESTS) {
    for (size_t i = 0; i < gate->test_count; i++)
      if (gate->tests[i].status != SC_STATUS_PASS)
        return sc_report_test_location(gate, gate->tests[i].name);
    return NULL;
  }
  for (size_t i = 0; i < gate->location_count; i++)
    if (sc_report_location_in_repo(&gate->locations[i]))
      return &gate->locations[i];
  return NULL;
}

/* Adds a to the plan if its kind still has room; counts it hidden if not. */
static void choose(struct plan *plan, const struct annotation *a,
                   size_t *errors, size_t *warnings) {
  size_t *used = a->warning ? warnings : errors;
  size_t cap = a->warning ? SC_GITHUB_MAX_WARNINGS : SC_GITHUB_MAX_ERRORS;
  if (*used == cap) {
    plan->hidden++;
    return;
  }
  (*used)++;
  plan->shown[plan->count++] = *a;
}

/* Visits every candidate annotation; first round (want_primary 1) the
 * first location of each failing gate, second round the others. */
static void plan_round(const struct sc_results *results, int want_primary,
                       struct plan *plan, size_t *errors, size_t *warnings) {
  for (size_t k = 0; k < results->count; k++) {
    const struct sc_kata_result *kata = &results->katas[k];
    for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
      const struct sc_gate_result *gate = &kata->gates[g];
      if (!gate_failed(gate))
        continue;
      const struct sc_location *first = primary(gate);
      for (size_t i = 0; i < gate->location_count; i++) {
        const struct sc_location *l = &gate->locations[i];
        if (!sc_report_location_in_repo(l) || (l == first) != want_primary)
          continue;
        struct annotation a = {kata, gate, l, test_at(gate, l),
                               g == SC_GATE_STRICT};
        choose(plan, &a, errors, warnings);
      }
    }
  }
}

/* Chooses the annotations of results. The caller frees plan->shown. */
static void make_plan(const struct sc_results *results, struct plan *plan) {
  size_t total = 0, errors = 0, warnings = 0;
  for (size_t k = 0; k < results->count; k++)
    for (unsigned g = 0; g < SC_GATE_COUNT; g++)
      total += results->katas[k].gates[g].location_count;
  *plan = (struct plan){0};
  plan->shown = oom_check(calloc(total + 1, sizeof(*plan->shown)));
  plan_round(results, 1, plan, &errors, &warnings);
  plan_round(results, 0, plan, &errors, &warnings);
}

/* Appends s escaped for a workflow command: data escapes %, CR and LF;
 * a property (property non-zero) also ':' and ','. */
static void escape_command(struct sc_buf *out, const char *s, int property) {
  for (; *s; s++) {
    if (*s == '%')
      sc_buf_puts(out, "%25");
    else if (*s == '\r')
      sc_buf_puts(out, "%0D");
    else if (*s == '\n')
      sc_buf_puts(out, "%0A");
    else if (property && *s == ':')
      sc_buf_puts(out, "%3A");
    else if (property && *s == ',')
      sc_buf_puts(out, "%2C");
    else
      sc_buf_add(out, s, 1);
  }
}

/* A copy of s cut to SC_GITHUB_MESSAGE_MAX characters, the last one "…"
 * when cut (caller frees). */
static char *cut_message(const char *s) {
  size_t chars = 0, cut = 0;
  for (size_t i = 0; s[i]; i++) {
    if (((unsigned char)s[i] & 0xC0) == 0x80)
      continue;
    if (chars == SC_GITHUB_MESSAGE_MAX - 1)
      cut = i;
    if (++chars > SC_GITHUB_MESSAGE_MAX)
      return sc_xasprintf("%.*s\xe2\x80\xa6", (int)cut, s);
  }
  return sc_xstrdup(s);
}

/* Appends the workflow command of one annotation, newline included. */
static void annotation_line(struct sc_buf *out, const struct annotation *a) {
  const char *name = sc_gate_name(a->gate->gate);
  char *title = a->test ? sc_xasprintf("%s: %s", a->kata->id, a->test->name)
                        : sc_xasprintf("%s: %s gate", a->kata->id, name);
  const char *text =
      a->test && a->test->message ? a->test->message : a->where->message;
  char *message = cut_message(text ? text : "");
  sc_buf_printf(out, "::%s file=", a->warning ? "warning" : "error");
  escape_command(out, a->where->file, 1);
  if (a->where->line > 0)
    sc_buf_printf(out, ",line=%u", a->where->line);
  sc_buf_puts(out, ",title=");
  escape_command(out, title, 1);
  sc_buf_puts(out, "::");
  escape_command(out, message, 0);
  sc_buf_puts(out, "\n");
  free(message);
  free(title);
}

/* Writes the buffer to out. Returns 0 or -errno. */
static int flush(FILE *out, struct sc_buf *buf) {
  errno = 0;
  int err = 0;
  if (buf->len > 0 && fwrite(buf->data, 1, buf->len, out) != buf->len)
    err = errno ? -errno : -EIO;
  if (err == 0 && fflush(out) != 0)
    err = errno ? -errno : -EIO;
  sc_buf_free(buf);
  return err;
}

int sc_report_github_annotations(const struct sc_results *results, FILE *out) {
  struct plan plan;
  struct sc_buf buf = {0};
  make_plan(results, &plan);
  for (size_t i = 0; i < plan.count; i++)
    annotation_line(&buf, &plan.shown[i]);
  free(plan.shown);
  return flush(out, &buf);
}

size_t sc_report_github_annotations_left_out(const struct sc_results *results) {
  struct plan plan;
  make_plan(results, &plan);
  free(plan.shown);
  return plan.hidden;
}

/* Appends s as Markdown inline text: punctuation Markdown would read is
 * backslash-escaped (so "|" cannot end a table cell) and line breaks
 * become spaces (so a cell stays on its row). */
static void escape_markdown(struct sc_buf *out, const char *s) {
  for (; *s; s++) {
    if (*s == '\n' || *s == '\r')
      sc_buf_puts(out, " ");
    else {
      if (strchr("\\`*_[]<>|~&", *s) != NULL)
        sc_buf_puts(out, "\\");
      sc_buf_add(out, s, 1);
    }
  }
}

/* Appends the first line of s, at most MAX_LINE_BYTES, escaped. */
static void first_line(struct sc_buf *out, const char *s) {
  char *line = oom_check(
      sc__report_utf8(s, strcspn(s, "\r\n"), MAX_LINE_BYTES, 0, NULL));
  escape_markdown(out, line);
  free(line);
}

/* The integrity block: what protected files changed, at most
 * MAX_FINDINGS_LISTED of them; nothing when there are none. */
static void findings(struct sc_buf *out, const struct sc_results *results) {
  size_t n = results->finding_count;
  if (n == 0)
    return;
  sc_buf_printf(out, "## %s%zu protected file%s changed\n\n",
                results->official ? "" : "Unofficial: ", n, n == 1 ? "" : "s");
  if (!results->official)
    sc_buf_puts(out, "These results are **unofficial**: files the learner "
                     "must not change differ");
  else
    sc_buf_puts(out, "Files the learner must not change differ");
  if (results->trusted_ref) {
    sc_buf_puts(out, " from the trusted ref ");
    escape_markdown(out, results->trusted_ref);
  }
  sc_buf_puts(out, ".\n\n| file | change |\n| --- | --- |\n");
  for (size_t i = 0; i < n && i < MAX_FINDINGS_LISTED; i++) {
    sc_buf_puts(out, "| ");
    escape_markdown(out, results->findings[i].path);
    sc_buf_puts(out, " | ");
    escape_markdown(out, results->findings[i].change);
    sc_buf_puts(out, " |\n");
  }
  if (n > MAX_FINDINGS_LISTED)
    sc_buf_printf(out, "\nand %zu more (all of them are in the results file)\n",
                  n - MAX_FINDINGS_LISTED);
  sc_buf_puts(out, "\n");
}

/* The table of katas by gates: status and points in each cell. */
static void table(struct sc_buf *out, const struct sc_results *results) {
  sc_buf_puts(out, "| kata |");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_buf_printf(out, " %s |", sc_gate_name((enum sc_gate)g));
  sc_buf_puts(out, " score |\n| --- |");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_buf_puts(out, " --- |");
  sc_buf_puts(out, " --- |\n");
  for (size_t k = 0; k < results->count; k++) {
    const struct sc_kata_result *kata = &results->katas[k];
    sc_buf_puts(out, "| ");
    escape_markdown(out, kata->id);
    sc_buf_puts(out, " |");
    for (unsigned g = 0; g < SC_GATE_COUNT; g++)
      sc_buf_printf(out, " %s %u/%u |", sc_status_name(kata->gates[g].status),
                    kata->gates[g].score, kata->gates[g].max_score);
    sc_buf_printf(out, " %u/%u |\n", kata->score, kata->max_score);
  }
  sc_buf_puts(out, "\n");
}

/* The lines of a gate's message after its first, at most MAX_DETAIL_LINES
 * of them, as nested items: a first line such as "1 memory problem (...):"
 * announces them, and alone it would say nothing. */
#define MAX_DETAIL_LINES 3

static void detail_lines(struct sc_buf *out, const char *message) {
  const char *p = message + strcspn(message, "\n");
  size_t shown = 0, more = 0;
  while (*p == '\n') {
    p++;
    size_t len = strcspn(p, "\n");
    size_t lead = strspn(p, " \t-");
    if (len > lead) {
      if (shown < MAX_DETAIL_LINES) {
        sc_buf_puts(out, "    - ");
        first_line(out, p + lead);
        sc_buf_puts(out, "\n");
        shown++;
      } else {
        more++;
      }
    }
    p += len;
  }
  if (more > 0)
    sc_buf_printf(out, "    - and %zu more line%s in the results file\n", more,
                  more == 1 ? "" : "s");
}

/* What each lost point is for: per kata, per gate short of full marks. */
static void points_lost(struct sc_buf *out, const struct sc_results *results) {
  if (results->score == results->max_score)
    return;
  sc_buf_puts(out, "### Points lost\n\n");
  for (size_t k = 0; k < results->count; k++) {
    const struct sc_kata_result *kata = &results->katas[k];
    if (kata->score == kata->max_score && kata->error == NULL)
      continue;
    sc_buf_puts(out, "- **");
    escape_markdown(out, kata->id);
    sc_buf_printf(out, "**: %u points lost", kata->max_score - kata->score);
    if (kata->error) {
      sc_buf_puts(out, "; could not be graded: ");
      first_line(out, kata->error);
    }
    sc_buf_puts(out, "\n");
    for (unsigned g = 0; g < SC_GATE_COUNT && kata->error == NULL; g++) {
      const struct sc_gate_result *gate = &kata->gates[g];
      if (gate->score == gate->max_score)
        continue;
      sc_buf_printf(out, "  - %s, %u points: ", sc_gate_name(gate->gate),
                    gate->max_score - gate->score);
      first_line(out,
                 gate->message ? gate->message : sc_status_name(gate->status));
      sc_buf_puts(out, "\n");
      if (gate->message)
        detail_lines(out, gate->message);
    }
  }
  sc_buf_puts(out, "\n");
}

/* How many annotations are shown and how many are not (the same choice
 * sc_report_github_annotations makes); nothing when there are none. */
static void hidden_note(struct sc_buf *out, const struct sc_results *results) {
  struct plan plan;
  make_plan(results, &plan);
  if (plan.count + plan.hidden > 0)
    sc_buf_printf(out,
                  "Annotations: %zu shown on the learner's lines, %zu not "
                  "shown (GitHub shows at most %d errors and %d warnings "
                  "per step; every location is in the results file).\n",
                  plan.count, plan.hidden, SC_GITHUB_MAX_ERRORS,
                  SC_GITHUB_MAX_WARNINGS);
  free(plan.shown);
}

/* Cuts buf at a line so that it and the note stay within the limit. */
static void cap(struct sc_buf *buf) {
  static const char note[] =
      "\n*This summary was cut at GitHub's 1 MiB limit: the results file "
      "holds everything.*\n";
  if (buf->len <= SC_GITHUB_SUMMARY_MAX)
    return;
  size_t keep = SC_GITHUB_SUMMARY_MAX - (sizeof(note) - 1);
  while (keep > 0 && buf->data[keep - 1] != '\n')
    keep--;
  buf->len = keep;
  buf->data[keep] = '\0';
  sc_buf_puts(buf, note);
}

int sc_report_github_summary(const struct sc_results *results, FILE *out) {
  struct sc_buf buf = {0};
  findings(&buf, results);
  sc_buf_printf(&buf, "## senior-check: %u/%u, level %s%s\n\n", results->score,
                results->max_score, results->level,
                results->finding_count && !results->official ? " (unofficial)"
                                                             : "");
  table(&buf, results);
  points_lost(&buf, results);
  hidden_note(&buf, results);
  cap(&buf);
  return flush(out, &buf);
}

#include "report/terminal.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GREEN "\033[32m"
#define RED "\033[31m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

int sc_report_use_colour(FILE *out) {
  const char *no_colour = getenv("NO_COLOR");
  return isatty(fileno(out)) && (no_colour == NULL || *no_colour == '\0');
}

static const char *status_colour(enum sc_status status) {
  switch (status) {
  case SC_STATUS_PASS:
    return GREEN;
  case SC_STATUS_SKIP:
    return DIM;
  case SC_STATUS_FAIL:
  case SC_STATUS_ERROR:
    break;
  }
  return RED;
}

static void cell(FILE *out, const struct sc_gate_result *gate, int colour) {
  char text[32];
  if (gate->status == SC_STATUS_SKIP)
    snprintf(text, sizeof(text), "skip");
  else if (gate->status == SC_STATUS_ERROR)
    snprintf(text, sizeof(text), "error");
  else
    snprintf(text, sizeof(text), "%u/%u", gate->score, gate->max_score);
  fprintf(out, " %s%-9s%s", colour ? status_colour(gate->status) : "", text,
          colour ? RESET : "");
}

/* Prints text with every line indented, so messages read as a block. */
static void indented(FILE *out, const char *text, const char *indent) {
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    fprintf(out, "%s%.*s\n", indent, (int)len, line);
    line = end ? end + 1 : line + len;
  }
}

static void first_failure(FILE *out, const struct sc_kata_result *kata,
                          int colour) {
  if (kata->error) {
    fprintf(out, "\n%s%s%s: could not be graded: %s\n", colour ? BOLD : "",
            kata->id, colour ? RESET : "", kata->error);
    return;
  }
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    const struct sc_gate_result *gate = &kata->gates[g];
    if (gate->status == SC_STATUS_PASS || gate->status == SC_STATUS_SKIP)
      continue;
    fprintf(out, "\n%s%s%s, %s gate:\n", colour ? BOLD : "", kata->id,
            colour ? RESET : "", sc_gate_name(gate->gate));
    indented(out, gate->message ? gate->message : "", "  ");
    return;
  }
}

/* The timing gate's figures and ratios: the numbers a learner explains in
 * a benchmark report, shown whether the gate passed or not. */
static void figures(FILE *out, const struct sc_kata_result *kata, int colour) {
  const struct sc_gate_result *gate = &kata->gates[SC_GATE_TIMING];
  if (gate->figure_count == 0)
    return;
  fprintf(out, "\n%s%s%s, measured:\n", colour ? BOLD : "", kata->id,
          colour ? RESET : "");
  for (size_t i = 0; i < gate->figure_count; i++)
    fprintf(out, "  %-28s %14.6g %s\n", gate->figures[i].name,
            gate->figures[i].value, gate->figures[i].unit);
  for (size_t i = 0; i < gate->threshold_count; i++) {
    const struct sc_threshold_result *t = &gate->thresholds[i];
    char bounds[64] = "";
    if (t->min > 0 && t->max > 0)
      snprintf(bounds, sizeof(bounds), "between %.3g and %.3g", t->min, t->max);
    else if (t->min > 0)
      snprintf(bounds, sizeof(bounds), "at least %.3g", t->min);
    else
      snprintf(bounds, sizeof(bounds), "at most %.3g", t->max);
    fprintf(out, "  %s: %.3g, needs %s: %s%s%s\n", t->name, t->ratio, bounds,
            colour ? status_colour(t->status) : "", sc_status_name(t->status),
            colour ? RESET : "");
  }
}

/* Protected files that differ: official results keep the trusted ref's
 * score whatever they hold; a learner's own run warns. */
static void findings(FILE *out, const struct sc_results *results, int colour) {
  if (results->finding_count == 0)
    return;
  enum { SHOWN = 10 };
  fprintf(out, "%s%s: %zu protected file%s differ%s from %s%s\n",
          colour ? RED : "", results->official ? "integrity" : "warning",
          results->finding_count, results->finding_count == 1 ? "" : "s",
          results->finding_count == 1 ? "s" : "",
          results->trusted_ref ? results->trusted_ref
          : results->baseline  ? results->baseline
                               : "git",
          colour ? RESET : "");
  for (size_t i = 0; i < results->finding_count && i < SHOWN; i++)
    fprintf(out, "  %s: %s\n", results->findings[i].path,
            results->findings[i].change);
  if (results->finding_count > SHOWN)
    fprintf(out, "  and %zu more (all of them are in the results file)\n",
            results->finding_count - SHOWN);
  fprintf(out, "%s\n",
          results->official ? "  (graded with the trusted files; these "
                              "changes count for nothing)"
                            : "  (these results are unofficial: grading in "
                              "CI uses the trusted files)");
}

void sc_report_terminal(const struct sc_results *results, FILE *out,
                        int colour) {
  findings(out, results, colour);
  fprintf(out, "%-26s", "kata");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    fprintf(out, " %-9s", sc_gate_name((enum sc_gate)g));
  fprintf(out, " score\n");
  for (size_t i = 0; i < results->count; i++) {
    const struct sc_kata_result *kata = &results->katas[i];
    fprintf(out, "%-26s", kata->id);
    for (unsigned g = 0; g < SC_GATE_COUNT; g++)
      cell(out, &kata->gates[g], colour);
    fprintf(out, " %s%u/%u%s\n", colour ? status_colour(kata->status) : "",
            kata->score, kata->max_score, colour ? RESET : "");
  }
  for (size_t i = 0; i < results->count; i++)
    figures(out, &results->katas[i], colour);
  for (size_t i = 0; i < results->count; i++)
    if (results->katas[i].status != SC_STATUS_PASS)
      first_failure(out, &results->katas[i], colour);
  fprintf(out, "\n%stotal: %u/%u, level: %s%s (%s files, %.1f s)\n",
          colour ? BOLD : "", results->score, results->max_score,
          results->level, colour ? RESET : "", results->source,
          (double)results->elapsed_ms / 1000.0);
}

/* The rows one line (len bytes, no newline) takes cols columns wide. */
static size_t line_rows(const char *line, size_t len, unsigned cols) {
  size_t width = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)line[i];
    if (c == '\033' && i + 1 < len && line[i + 1] == '[') {
      i += 2; /* a CSI sequence ends at its final byte, @ to ~ */
      while (i < len && !((unsigned char)line[i] >= 0x40 &&
                          (unsigned char)line[i] <= 0x7e))
        i++;
    } else if (c == '\t') {
      width += 8 - width % 8;
    } else if ((c & 0xc0) != 0x80 && c >= 0x20) {
      width++; /* a UTF-8 continuation byte adds nothing */
    }
  }
  return width == 0 ? 1 : (width + cols - 1) / cols;
}

size_t sc_screen_rows(const char *text, unsigned cols) {
  size_t rows = 0;
  if (cols == 0)
    cols = 80;
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    rows += line_rows(line, len, cols);
    line = end ? end + 1 : line + len;
  }
  return rows;
}

char *sc_screen_fit(const char *text, unsigned rows, unsigned cols) {
  if (rows < 2 || cols == 0 || sc_screen_rows(text, cols) <= rows)
    return sc_xstrdup(text);
  size_t total = 0;
  for (const char *p = text; *p; p++)
    total += *p == '\n';
  if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
    total++;
  /* Keep whole lines while they leave one row for the marker. */
  struct sc_buf out = {0};
  size_t used = 0, kept = 0;
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    size_t need = line_rows(line, len, cols);
    if (used + need > rows - 1)
      break;
    sc_buf_add(&out, line, len);
    sc_buf_puts(&out, "\n");
    used += need;
    kept++;
    line = end ? end + 1 : line + len;
  }
  char marker[96];
  snprintf(marker, sizeof(marker),
           "... %zu more line%s (a taller terminal shows them)", total - kept,
           total - kept == 1 ? "" : "s");
  if (strlen(marker) > cols)
    marker[cols] = '\0';
  sc_buf_puts(&out, marker);
  sc_buf_puts(&out, "\n");
  return sc_buf_detach(&out);
}

#include "report/terminal.h"
#include "core/util.h"

#include <ctype.h>
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
    char *once = sc_text_collapse_repeats(gate->message ? gate->message : "");
    char *marked = sc_text_mark_difference(once);
    indented(out, marked, "  ");
    free(marked);
    free(once);
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

/* Appends value (len bytes) with control bytes escaped, and spaces as a
 * middle dot when dots is set. Returns the columns it took before byte
 * stop (len: all of it), so that a caret can be put under that byte. */
static size_t visible(struct sc_buf *out, const char *value, size_t len,
                      int dots, size_t stop) {
  size_t cols = 0, at = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)value[i];
    if (i == stop)
      at = cols;
    if (c == ' ' && dots) {
      sc_buf_puts(out, "\xc2\xb7");
      cols++;
    } else if (c == '\t' || c == '\r' || c == '\n') {
      sc_buf_puts(out, c == '\t' ? "\\t" : c == '\r' ? "\\r" : "\\n");
      cols += 2;
    } else if (c < 0x20 || c == 0x7f) {
      sc_buf_printf(out, "\\x%02x", c);
      cols += 4;
    } else {
      sc_buf_add(out, &value[i], 1);
      cols += (c & 0xc0) != 0x80;
    }
  }
  return stop >= len ? cols : at;
}

/* The byte where a and b first differ (their common length when one is
 * the start of the other). */
static size_t first_difference(const char *a, size_t alen, const char *b,
                               size_t blen) {
  size_t i = 0;
  while (i < alen && i < blen && a[i] == b[i])
    i++;
  return i;
}

/* Does the first difference of a and b fall on whitespace, or do they
 * differ in whitespace only? Then spaces are worth seeing. */
static int whitespace_matters(const char *a, size_t alen, const char *b,
                              size_t blen, size_t at) {
  if ((at < alen && isspace((unsigned char)a[at])) ||
      (at < blen && isspace((unsigned char)b[at])))
    return 1;
  if ((alen > 0 && isspace((unsigned char)a[alen - 1])) ||
      (blen > 0 && isspace((unsigned char)b[blen - 1])))
    return 1;
  size_t i = 0, j = 0;
  for (;;) {
    while (i < alen && isspace((unsigned char)a[i]))
      i++;
    while (j < blen && isspace((unsigned char)b[j]))
      j++;
    if (i == alen || j == blen)
      return i == alen && j == blen;
    if (a[i++] != b[j++])
      return 0;
  }
}

/* Appends "LABEL<a>" and "LABEL<b>" lines (labels of equal width) and a
 * caret under their first difference. */
static void mark_pair(struct sc_buf *out, const char *indent,
                      const char *label_a, const char *a, size_t alen,
                      const char *label_b, const char *b, size_t blen) {
  size_t at = first_difference(a, alen, b, blen);
  /* Texts that differ from their first character (two descriptions,
   * two messages) gain nothing from being shown again with a caret. */
  if (at == 0 && alen > 0 && blen > 0)
    return;
  int dots = whitespace_matters(a, alen, b, blen, at);
  sc_buf_printf(out, "%s%s", indent, label_a);
  visible(out, a, alen, dots, at);
  sc_buf_printf(out, "\n%s%s", indent, label_b);
  size_t col = visible(out, b, blen, dots, at);
  sc_buf_printf(out, "\n%s%*s^ first difference: character %zu%s\n", indent,
                (int)(strlen(label_b) + col), "", at + 1,
                at == alen || at == blen ? " (one ends there)" : "");
}

/* The value after "expected:" or "actual:" at the start of line (after
 * blanks), or NULL. *len gets its length (to the line's end). */
static const char *labelled(const char *line, size_t line_len,
                            const char *label, size_t *len) {
  size_t lead = 0;
  while (lead < line_len && (line[lead] == ' ' || line[lead] == '\t'))
    lead++;
  size_t n = strlen(label);
  if (line_len - lead < n || strncmp(line + lead, label, n) != 0)
    return NULL;
  const char *v = line + lead + n;
  if (v < line + line_len && *v == ' ')
    v++;
  *len = (size_t)(line + line_len - v);
  return v;
}

/* cmocka's string comparison, "\"A\" != \"B\"", split into A and B. */
static int cmocka_strings(const char *line, size_t len, const char **a,
                          size_t *alen, const char **b, size_t *blen) {
  while (len > 0 && *line == ' ')
    line++, len--;
  const char *sep = NULL;
  for (size_t i = 1; i + 6 <= len; i++)
    if (strncmp(line + i, "\" != \"", 6) == 0) {
      if (sep != NULL)
        return 0; /* ambiguous: the text itself holds the separator */
      sep = line + i;
    }
  if (len < 8 || line[0] != '"' || line[len - 1] != '"' || sep == NULL)
    return 0;
  *a = line + 1;
  *alen = (size_t)(sep - *a);
  *b = sep + 6;
  *blen = (size_t)(line + len - 1 - *b);
  return 1;
}

/* cmocka's integer comparison, "0xA != 0xB", as two numbers. */
static int cmocka_integers(const char *line, size_t len, unsigned long long *a,
                           unsigned long long *b) {
  char copy[96];
  if (len >= sizeof(copy))
    return 0;
  memcpy(copy, line, len);
  copy[len] = '\0';
  int used = 0;
  return sscanf(copy, " 0x%llx != 0x%llx%n", a, b, &used) == 2 &&
         (size_t)used == len;
}

char *sc_text_mark_difference(const char *message) {
  struct sc_buf out = {0};
  const char *expected = NULL;
  size_t expected_len = 0;
  char expected_indent[32] = "";
  for (const char *line = message; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    size_t vlen = 0, alen = 0, blen = 0;
    const char *v, *a, *b;
    unsigned long long x, y;
    size_t lead = strspn(line, " ");
    char indent[32];
    snprintf(indent, sizeof(indent), "%.*s", (int)(lead < 31 ? lead : 31),
             line);
    if ((v = labelled(line, len, "expected:", &vlen)) != NULL) {
      expected = v;
      expected_len = vlen;
      snprintf(expected_indent, sizeof(expected_indent), "%s", indent);
      sc_buf_add(&out, line, len);
      sc_buf_puts(&out, "\n");
    } else if (expected != NULL &&
               (v = labelled(line, len, "actual:", &vlen)) != NULL &&
               (vlen != expected_len || memcmp(v, expected, vlen) != 0)) {
      /* The pair again, aligned, visible and marked, under the suite's. */
      sc_buf_add(&out, line, len);
      sc_buf_puts(&out, "\n");
      mark_pair(&out, expected_indent, "  expected: ", expected, expected_len,
                "  actual:   ", v, vlen);
      expected = NULL;
    } else if (cmocka_strings(line, len, &a, &alen, &b, &blen)) {
      sc_buf_add(&out, line, len);
      sc_buf_puts(&out, "\n");
      mark_pair(&out, indent, "  left:  ", a, alen, "  right: ", b, blen);
    } else if (cmocka_integers(line + lead, len - lead, &x, &y)) {
      sc_buf_add(&out, line, len);
      sc_buf_printf(&out, "\n%s  in decimal: %lld != %lld\n", indent,
                    (long long)x, (long long)y);
    } else {
      sc_buf_add(&out, line, len);
      if (end)
        sc_buf_puts(&out, "\n");
    }
    line = end ? end + 1 : line + len;
  }
  return sc_buf_detach(&out);
}

/* The part of a list line that names the problem and its place: "- KIND
 * at WHERE" up to the ": " that starts its details; 0 when line is not
 * such a line. */
static size_t repeat_key(const char *line, size_t len) {
  if (len < 2 || strncmp(line, "- ", 2) != 0)
    return 0;
  const char *at = NULL;
  for (size_t i = 0; i + 4 <= len && at == NULL; i++)
    if (strncmp(line + i, " at ", 4) == 0)
      at = line + i;
  if (at == NULL)
    return 0;
  for (const char *p = at + 4; p + 2 <= line + len; p++)
    if (p[0] == ':' && p[1] == ' ')
      return (size_t)(p - line);
  return 0;
}

char *sc_text_collapse_repeats(const char *text) {
  struct sc_strv lines = {0};
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    char *copy = sc_xasprintf("%.*s", (int)len, line);
    sc_strv_push(&lines, copy);
    free(copy);
    line = end ? end + 1 : line + len;
  }
  size_t *more = sc_xcalloc(lines.count ? lines.count : 1, sizeof(*more));
  int *dropped = sc_xcalloc(lines.count ? lines.count : 1, sizeof(*dropped));
  for (size_t i = 0; i < lines.count; i++) {
    size_t key = repeat_key(lines.items[i], strlen(lines.items[i]));
    for (size_t j = 0; key > 0 && j < i; j++)
      if (!dropped[j] &&
          repeat_key(lines.items[j], strlen(lines.items[j])) == key &&
          strncmp(lines.items[i], lines.items[j], key) == 0) {
        dropped[i] = 1;
        more[j]++;
        break;
      }
  }
  struct sc_buf out = {0};
  for (size_t i = 0; i < lines.count; i++) {
    if (dropped[i])
      continue;
    sc_buf_puts(&out, lines.items[i]);
    if (more[i] > 0)
      sc_buf_printf(&out, " (and %zu more from the same line)", more[i]);
    sc_buf_puts(&out, "\n");
  }
  free(more);
  free(dropped);
  sc_strv_free(&lines);
  return sc_buf_detach(&out);
}

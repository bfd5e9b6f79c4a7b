#include "report/class.h"
#include "core/error.h"
#include "core/util.h"
#include "report/html.h"
#include "report/results_read.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kata ids listed in a message before "...". */
#define MAX_IDS_LISTED 8
/* A learner's changed files listed on the class page (their own page has
 * them all). */
#define MAX_FINDINGS_LISTED 5

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

void sc_class_free(struct sc_class *c) {
  if (c == NULL)
    return;
  struct sc_class_learner *lists[2] = {c->learners, c->bad};
  size_t counts[2] = {c->count, c->bad_count};
  for (size_t k = 0; k < 2; k++) {
    for (size_t i = 0; i < counts[k]; i++) {
      free(lists[k][i].name);
      free(lists[k][i].path);
      free(lists[k][i].page);
      free(lists[k][i].why);
      sc_results_free(&lists[k][i].results);
    }
    free(lists[k]);
  }
  memset(c, 0, sizeof(*c));
}

/* The learner a results file is for: its name without folder and ".json"
 * (newly allocated), or NULL when the name does not end in ".json". */
static char *learner_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  if (len <= 5 || strcmp(base + len - 5, ".json") != 0)
    return NULL;
  return sc_xasprintf("%.*s", (int)(len - 5), base);
}

/* The folder that holds path, resolved (caller frees), or NULL. */
static char *real_dir(const char *path) {
  char *copy = sc_xstrdup(path);
  char *dir = realpath(dirname(copy), NULL);
  free(copy);
  return dir;
}

/* Appends the bytes of s a URL path may hold as they are; every other
 * byte as %XX. */
static void put_url_path(struct sc_buf *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || strchr("-._~/", c) != NULL)
      sc_buf_add(out, s, 1);
    else
      sc_buf_printf(out, "%%%02X", c);
  }
}

/* The link from the folder from to the file to (both absolute and
 * resolved) as a relative URL (caller frees). */
static char *relative_link(const char *from, const char *to) {
  const char *f = from, *t = to;
  for (;;) { /* skip the folders they share, a whole one at a time */
    f += strspn(f, "/");
    t += strspn(t, "/");
    size_t flen = strcspn(f, "/"), tlen = strcspn(t, "/");
    if (flen == 0 || flen != tlen || strncmp(f, t, flen) != 0 ||
        t[tlen] == '\0')
      break;
    f += flen;
    t += tlen;
  }
  struct sc_buf rel = {0};
  while (*(f += strspn(f, "/")) != '\0') {
    sc_buf_puts(&rel, "../");
    f += strcspn(f, "/");
  }
  put_url_path(&rel, t);
  return sc_buf_detach(&rel);
}

/* The link from the class page to NAME.html beside the results file at
 * path, or NULL when there is no such page (caller frees). */
static char *learner_page(const char *path, const char *name,
                          const char *page_path) {
  char *json_dir = real_dir(path);
  char *page_dir = page_path ? real_dir(page_path) : NULL;
  char *link = NULL;
  if (json_dir != NULL && page_dir != NULL) {
    char *html = sc_xasprintf("%s/%s.html", json_dir, name);
    if (sc_file_exists(html))
      link = relative_link(page_dir, html);
    free(html);
  }
  free(json_dir);
  free(page_dir);
  return link;
}

/* Rewords the reader's "'PATH': what is wrong" as "'PATH' is not a
 * results file: what is wrong" when the file was read but is not one. */
static void not_results(const char *path, int err, char **why) {
  size_t len = strlen(path);
  if ((err != SC_EREPORT && err != SC_ETOO_BIG) || *why == NULL ||
      strncmp(*why, "'", 1) != 0 || strncmp(*why + 1, path, len) != 0 ||
      strncmp(*why + 1 + len, "': ", 3) != 0)
    return;
  char *reworded =
      sc_xasprintf("'%s' is not a results file: %s", path, *why + len + 4);
  free(*why);
  *why = reworded;
}

/* Whether every kata of a is graded in b. */
static int katas_within(const struct sc_results *a,
                        const struct sc_results *b) {
  for (size_t i = 0; i < a->count; i++) {
    size_t j = 0;
    while (j < b->count && strcmp(a->katas[i].id, b->katas[j].id) != 0)
      j++;
    if (j == b->count)
      return 0;
  }
  return 1;
}

/* "01-a, 03-b" for the katas of r (caller frees). */
static char *kata_list(const struct sc_results *r) {
  struct sc_buf list = {0};
  for (size_t i = 0; i < r->count && i < MAX_IDS_LISTED; i++)
    sc_buf_printf(&list, "%s%s", i ? ", " : "", r->katas[i].id);
  if (r->count > MAX_IDS_LISTED)
    sc_buf_printf(&list, ", and %zu more", r->count - MAX_IDS_LISTED);
  if (r->count == 0)
    sc_buf_puts(&list, "no kata");
  return sc_buf_detach(&list);
}

/* Checks l against the usable learners before it: a new name, the same
 * katas as the first. Returns 0, or SC_EREPORT with *why set. */
static int check_learner(const struct sc_class *c,
                         const struct sc_class_learner *l, char **why) {
  for (size_t j = 0; j < c->count; j++) {
    if (strcmp(c->learners[j].name, l->name) == 0) {
      *why = sc_xasprintf("'%s': a second results file for learner '%s' "
                          "(the first is '%s'): give one file per learner",
                          l->path, l->name, c->learners[j].path);
      return SC_EREPORT;
    }
  }
  const struct sc_class_learner *first = &c->learners[0];
  if (c->count > 0 && (l->results.count != first->results.count ||
                       !katas_within(&l->results, &first->results))) {
    char *mine = kata_list(&l->results), *theirs = kata_list(&first->results);
    *why = sc_xasprintf("'%s': grades %s, but '%s' grades %s: a class page "
                        "compares results of the same katas",
                        l->path, mine, first->path, theirs);
    free(mine);
    free(theirs);
    return SC_EREPORT;
  }
  return 0;
}

/* Reads one learner's file into *l (l->path set). Returns 0, or an error
 * with l->why set. */
static int load_learner(const struct sc_class *c, struct sc_class_learner *l) {
  int err;
  l->name = learner_name(l->path);
  if (l->name == NULL) {
    const char *base = strrchr(l->path, '/');
    l->name = sc_xstrdup(base ? base + 1 : l->path);
    l->why = sc_xasprintf("'%s': a learner's results file is named after "
                          "the learner and ends in '.json' (ada.json)",
                          l->path);
    return SC_EREPORT;
  }
  if ((err = sc_results_read(l->path, &l->results, &l->why)) != 0) {
    not_results(l->path, err, &l->why);
    if (l->why == NULL)
      l->why = sc_xasprintf("'%s': %s", l->path, sc_strerror(err));
    return err;
  }
  return check_learner(c, l, &l->why);
}

int sc_class_load(const char *const *paths, size_t n, const char *page_path,
                  struct sc_class *out, char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  if (n == 0) {
    *why = sc_xstrdup("no results files: give one per learner, named by "
                      "learner (results/ada.json)");
    return SC_EUSAGE;
  }
  out->learners = sc_xcalloc(n, sizeof(*out->learners));
  out->bad = sc_xcalloc(n, sizeof(*out->bad));
  for (size_t i = 0; i < n; i++) {
    struct sc_class_learner l = {.path = sc_xstrdup(paths[i])};
    if (load_learner(out, &l) == 0) {
      l.page = learner_page(paths[i], l.name, page_path);
      out->learners[out->count++] = l;
    } else {
      sc_results_free(&l.results);
      memset(&l.results, 0, sizeof(l.results));
      out->bad[out->bad_count++] = l;
    }
  }
  if (out->count == 0) {
    *why = sc_xstrdup(out->bad[0].why);
    sc_class_free(out);
    return SC_EREPORT;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Figures of the class                                                */
/* ------------------------------------------------------------------ */

/* The kata with id among r's katas, or NULL. */
static const struct sc_kata_result *kata_of(const struct sc_results *r,
                                            const char *id) {
  for (size_t i = 0; i < r->count; i++)
    if (strcmp(r->katas[i].id, id) == 0)
      return &r->katas[i];
  return NULL;
}

/* The percent of max that score is (100 when max is 0). */
static double pct(unsigned score, unsigned max) {
  return max ? 100.0 * score / max : 100.0;
}

/* Orders doubles, for qsort. */
static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-quantile of the n sorted values, interpolated. */
static double quantile(const double *v, size_t n, double q) {
  if (n == 0)
    return 0;
  double at = q * (double)(n - 1);
  size_t lo = (size_t)at;
  double frac = at - (double)lo;
  return lo + 1 < n ? v[lo] + (v[lo + 1] - v[lo]) * frac : v[lo];
}

/* How the class did on one kata. */
struct kata_stats {
  const char *id;
  double *pct; /* each learner's percent, sorted */
  double q1, median, q3, mean;
  size_t full;                      /* learners at full marks */
  double gate_share[SC_GATE_COUNT]; /* the class's share of each gate's
                                       points */
};

/* The stats of the k-th kata (the first learner's order). pct is
 * allocated: free it. */
static void kata_stats(const struct sc_class *c, size_t k,
                       struct kata_stats *s) {
  memset(s, 0, sizeof(*s));
  s->id = c->learners[0].results.katas[k].id;
  s->pct = sc_xcalloc(c->count, sizeof(*s->pct));
  unsigned earned[SC_GATE_COUNT] = {0}, max[SC_GATE_COUNT] = {0};
  for (size_t i = 0; i < c->count; i++) {
    const struct sc_kata_result *kata = kata_of(&c->learners[i].results, s->id);
    s->pct[i] = pct(kata->score, kata->max_score);
    s->mean += s->pct[i] / (double)c->count;
    s->full += kata->score == kata->max_score;
    for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
      earned[g] += kata->gates[g].score;
      max[g] += kata->gates[g].max_score;
    }
  }
  qsort(s->pct, c->count, sizeof(*s->pct), by_value);
  s->q1 = quantile(s->pct, c->count, 0.25);
  s->median = quantile(s->pct, c->count, 0.5);
  s->q3 = quantile(s->pct, c->count, 0.75);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    s->gate_share[g] = max[g] ? (double)earned[g] / max[g] : 1.0;
}

/* ------------------------------------------------------------------ */
/* The page                                                            */
/* ------------------------------------------------------------------ */

/* Sorting the table by a column: a click on its header sorts ascending,
 * a second click descending. Cells carry the value they sort by in
 * data-sort; ties keep the learners in name order. Each group of learners
 * (a tbody: official, unofficial, unofficial with protected changes) is
 * sorted within itself, so that no sort ranks a score raised by a changed
 * test above an honest one; the unreadable files stay last. */
static const char sort_script[] =
    "(function () {\n"
    "  document.querySelectorAll('table.sortable').forEach(function (t) {\n"
    "    var heads = t.tHead.rows[0].cells;\n"
    "    Array.prototype.forEach.call(heads, function (th, col) {\n"
    "      var button = th.querySelector('button');\n"
    "      if (!button) return;\n"
    "      button.addEventListener('click', function () {\n"
    "        var up = th.getAttribute('aria-sort') !== 'ascending';\n"
    "        var text = th.getAttribute('data-type') === 'text';\n"
    "        Array.prototype.forEach.call(heads, function (h) {\n"
    "          h.removeAttribute('aria-sort');\n"
    "        });\n"
    "        th.setAttribute('aria-sort', up ? 'ascending' : 'descending');\n"
    "        Array.prototype.forEach.call(t.tBodies, function (body) {\n"
    "          if (body.classList.contains('unsorted')) return;\n"
    "          var rows = Array.prototype.filter.call(body.rows, function (r) "
    "{\n"
    "            return !r.classList.contains('group');\n"
    "          });\n"
    "          rows.sort(function (a, b) {\n"
    "            var x = a.cells[col].getAttribute('data-sort');\n"
    "            var y = b.cells[col].getAttribute('data-sort');\n"
    "            var d = text ? x.localeCompare(y) : parseFloat(x) - "
    "parseFloat(y);\n"
    "            if (!up) d = -d;\n"
    "            return d || a.cells[0].getAttribute('data-sort')\n"
    "                .localeCompare(b.cells[0].getAttribute('data-sort'));\n"
    "          });\n"
    "          rows.forEach(function (r) { body.appendChild(r); });\n"
    "        });\n"
    "      });\n"
    "    });\n"
    "  });\n"
    "})();\n";

/* A mark that says a status without colour. */
static const char *mark(enum sc_status status) {
  return status == SC_STATUS_PASS   ? "\xe2\x9c\x93"
         : status == SC_STATUS_FAIL ? "\xe2\x9c\x97"
         : status == SC_STATUS_SKIP ? "\xe2\x80\x93"
                                    : "!";
}

/* Appends a sortable header cell; cls is its class or NULL. */
static void sort_head(struct sc_buf *out, const char *label, int text,
                      const char *cls) {
  sc_buf_printf(out, "<th%s%s%s%s><button type=\"button\">",
                text ? " data-type=\"text\"" : "", cls ? " class=\"" : "",
                cls ? cls : "", cls ? "\"" : "");
  sc_html_escape(out, label);
  sc_buf_puts(out, "</button></th>");
}

/* One learner's row: name (a link to their page when there is one),
 * total, level, each kata's points, integrity. */
static void learner_row(struct sc_buf *out, const struct sc_class *c,
                        const struct sc_class_learner *l) {
  const struct sc_results *r = &l->results;
  sc_buf_puts(out, "<tr><td data-sort=\"");
  sc_html_escape(out, l->name);
  sc_buf_puts(out, "\"><strong>");
  if (l->page != NULL) {
    sc_buf_puts(out, "<a href=\"");
    sc_html_escape(out, l->page);
    sc_buf_puts(out, "\">");
  }
  sc_html_escape(out, l->name);
  sc_buf_puts(out, l->page ? "</a></strong></td>" : "</strong></td>");
  sc_buf_printf(out,
                "<td class=\"num\" data-sort=\"%.3f\"><strong>%u/%u</strong> "
                "<span class=\"muted\">%.0f%%</span></td>",
                pct(r->score, r->max_score), r->score, r->max_score,
                pct(r->score, r->max_score));
  sc_buf_printf(out, "<td class=\"nowrap\" data-sort=\"%.3f\">",
                pct(r->score, r->max_score));
  sc_html_escape(out, r->level);
  sc_buf_puts(out, "</td>");
  const struct sc_results *first = &c->learners[0].results;
  for (size_t k = 0; k < first->count; k++) {
    const struct sc_kata_result *kata = kata_of(r, first->katas[k].id);
    sc_buf_printf(out,
                  "<td class=\"num %s\" data-sort=\"%.3f\">%s %u"
                  "<span class=\"muted\">/%u</span></td>",
                  sc_status_name(kata->status),
                  pct(kata->score, kata->max_score), mark(kata->status),
                  kata->score, kata->max_score);
  }
  sc_buf_printf(out, "<td data-sort=\"%zu\">", r->finding_count);
  if (r->finding_count > 0)
    sc_buf_printf(out,
                  "<span class=\"badge fail\">\xe2\x9a\xa0 %zu changed"
                  "</span> %s",
                  r->finding_count,
                  r->official ? "not counted (official)"
                              : "counted in the score (unofficial)");
  else
    sc_buf_puts(out, r->official ? "official" : "unofficial");
  sc_buf_puts(out, "</td></tr>\n");
}

/* How far a learner's score can be trusted: the groups the table ranks
 * apart, most trusted first. */
enum trust { TRUST_OFFICIAL, TRUST_UNOFFICIAL, TRUST_CHANGED, TRUST_COUNT };

static enum trust trust_of(const struct sc_results *r) {
  return r->official             ? TRUST_OFFICIAL
         : r->finding_count == 0 ? TRUST_UNOFFICIAL
                                 : TRUST_CHANGED;
}

/* What each group's heading row says. */
static const char *const trust_heading[TRUST_COUNT] = {
    "Official: graded against a trusted ref",
    "Unofficial: graded with the learner's own tests and thresholds, none "
    "of them changed",
    "Unofficial, protected files changed: the changes counted in these "
    "scores, ranked apart"};
static const char *const trust_class[TRUST_COUNT] = {"official", "unofficial",
                                                     "changed"};

/* The rows of the files that could not be used: each says why. */
static void bad_rows(struct sc_buf *out, const struct sc_class *c,
                     size_t columns) {
  if (c->bad_count == 0)
    return;
  sc_buf_printf(out,
                "<tbody class=\"unsorted bad\"><tr class=\"group\"><th "
                "colspan=\"%zu\">Results files that could not be read "
                "(%zu)</th></tr>\n",
                columns, c->bad_count);
  for (size_t i = 0; i < c->bad_count; i++) {
    sc_buf_puts(out, "<tr><td><strong>");
    sc_html_escape(out, c->bad[i].name);
    sc_buf_printf(out,
                  "</strong></td><td colspan=\"%zu\" class=\"why\">"
                  "<span class=\"badge error\">! unreadable</span> ",
                  columns - 1);
    sc_html_escape(out, c->bad[i].why);
    sc_buf_puts(out, "</td></tr>\n");
  }
  sc_buf_puts(out, "</tbody>");
}

/* The table of learners by kata, one group (tbody) per trust. */
static void learner_table(struct sc_buf *out, const struct sc_class *c) {
  const struct sc_results *first = &c->learners[0].results;
  size_t columns = 4 + first->count, groups = 0;
  size_t in[TRUST_COUNT] = {0};
  for (size_t i = 0; i < c->count; i++)
    groups += in[trust_of(&c->learners[i].results)]++ == 0;
  sc_buf_puts(out, "<section class=\"card\"><h2>Learners by kata</h2>"
                   "<p class=\"muted\">Click a column's header to sort by "
                   "it; click again to reverse. Official results, "
                   "unofficial ones and unofficial ones with protected files "
                   "changed are sorted apart, in that order.</p>\n"
                   "<div class=\"wide\"><table class=\"sortable\" "
                   "id=\"learners\"><thead><tr>");
  sort_head(out, "learner", 1, NULL);
  sort_head(out, "total", 0, "num");
  sort_head(out, "level", 0, NULL);
  for (size_t k = 0; k < first->count; k++)
    sort_head(out, first->katas[k].id, 0, "num kata");
  sort_head(out, "integrity", 0, NULL);
  sc_buf_puts(out, "</tr></thead>\n");
  for (unsigned t = 0; t < TRUST_COUNT; t++) {
    if (in[t] == 0)
      continue;
    sc_buf_printf(out, "<tbody class=\"%s\">", trust_class[t]);
    /* One group needs no heading: the integrity column says it. */
    if (groups > 1)
      sc_buf_printf(out,
                    "<tr class=\"group\"><th colspan=\"%zu\">%s (%zu)"
                    "</th></tr>",
                    columns, trust_heading[t], in[t]);
    sc_buf_puts(out, "\n");
    for (size_t i = 0; i < c->count; i++)
      if (trust_of(&c->learners[i].results) == (enum trust)t)
        learner_row(out, c, &c->learners[i]);
    sc_buf_puts(out, "</tbody>");
  }
  bad_rows(out, c, columns);
  sc_buf_puts(out, "</table></div></section>\n");
}

/* Appends one kata's column of the distribution chart: the box from the
 * first to the third quartile, the median, the range, and a dot for each
 * learner. */
static void distribution_column(struct sc_buf *out, const struct sc_class *c,
                                const struct kata_stats *s, double x,
                                double col) {
  double top = 20, bottom = 220, h = bottom - top;
#define Y(p) (bottom - h * (p) / 100.0)
  sc_buf_printf(out,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#8c959f\"/>"
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"36\" height=\"%.1f\" "
                "fill=\"#ddf4ff\" stroke=\"#0969da\"/>"
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#0969da\" stroke-width=\"3\"/>\n",
                x, x, Y(s->pct[0]), Y(s->pct[c->count - 1]), x - 18, Y(s->q3),
                Y(s->q1) - Y(s->q3) < 1 ? 1 : Y(s->q1) - Y(s->q3), x - 22,
                x + 22, Y(s->median), Y(s->median));
  for (size_t i = 0; i < c->count; i++) {
    const struct sc_class_learner *l = &c->learners[i];
    const struct sc_kata_result *kata = kata_of(&l->results, s->id);
    double p = pct(kata->score, kata->max_score);
    double dx = ((double)i - (double)(c->count - 1) / 2) *
                (c->count > 1 ? 28.0 / (double)(c->count - 1) : 0);
    sc_buf_printf(out,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
                  "fill=\"#1f2328\" fill-opacity=\"0.7\"><title>",
                  x + dx, Y(p));
    sc_html_escape(out, l->name);
    sc_buf_puts(out, ", ");
    sc_html_escape(out, s->id);
    sc_buf_printf(out, ": %u/%u</title></circle>\n", kata->score,
                  kata->max_score);
  }
  size_t dash = strcspn(s->id, "-");
  sc_buf_printf(out,
                "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" "
                "font-size=\"12\" font-weight=\"600\">",
                x, bottom + 18);
  sc_html_escape_n(out, s->id, dash);
  sc_buf_printf(out,
                "</text><text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" "
                "font-size=\"10.5\" fill=\"#59636e\">",
                x, bottom + 32);
  size_t rest = strlen(s->id) - dash - (s->id[dash] == '-');
  size_t fits = (size_t)(col / 6.2);
  sc_html_escape_n(out, s->id + dash + (s->id[dash] == '-'),
                   rest < fits ? rest : fits);
  sc_buf_printf(out,
                "</text><text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" "
                "font-size=\"10.5\" fill=\"#59636e\">median %.0f%%</text>\n",
                x, bottom + 46, s->median);
#undef Y
}

/* The distribution of the scores of each kata, as boxes on one scale. */
static void distribution_chart(struct sc_buf *out, const struct sc_class *c,
                               const struct kata_stats *stats, size_t n) {
  double left = 48, col = 860.0 / (double)n;
  col = col < 110 ? 110 : col > 200 ? 200 : col;
  double width = left + col * (double)n + 20;
  sc_buf_printf(out,
                "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %.0f 272\" "
                "width=\"%.0f\" id=\"distribution\"><title>The spread of "
                "each kata's scores: the box holds the middle half of the "
                "class, the thick line is the median, each dot a learner"
                "</title>\n",
                width, width);
  for (int p = 0; p <= 100; p += 25)
    sc_buf_printf(out,
                  "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"#d1d9e0\" stroke-dasharray=\"4 3\"/>"
                  "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
                  "text-anchor=\"end\" fill=\"#59636e\">%d%%</text>\n",
                  left, width - 10, 220 - 2.0 * p, 220 - 2.0 * p, left - 6,
                  224 - 2.0 * p, p);
  for (size_t k = 0; k < n; k++)
    distribution_column(out, c, &stats[k], left + col * ((double)k + 0.5), col);
  sc_buf_puts(out, "</svg>\n");
}

/* Orders katas by median, then mean: the hardest first. */
static int by_difficulty(const void *a, const void *b) {
  const struct kata_stats *x = a, *y = b;
  if (x->median != y->median)
    return x->median < y->median ? -1 : 1;
  return (x->mean > y->mean) - (x->mean < y->mean);
}

/* The katas the class struggles with: hardest first, with the gate where
 * the class loses the largest share of points. */
static void struggle_table(struct sc_buf *out, const struct sc_class *c,
                           const struct kata_stats *stats, size_t n) {
  struct kata_stats *order = sc_xcalloc(n, sizeof(*order));
  memcpy(order, stats, n * sizeof(*order));
  qsort(order, n, sizeof(*order), by_difficulty);
  sc_buf_puts(out, "<h3>Hardest first</h3>\n<p class=\"muted\">The share "
                   "of each gate's points the class earned: where it loses "
                   "them (a gate skipped after failing tests earns none)."
                   "</p>\n<table id=\"struggles\"><thead><tr><th>kata</th>"
                   "<th class=\"num\">median</th><th class=\"num\">range"
                   "</th><th class=\"num\">at full marks</th>");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_buf_printf(out, "<th class=\"num\">%s</th>",
                  sc_gate_name((enum sc_gate)g));
  sc_buf_puts(out, "</tr></thead><tbody>\n");
  for (size_t k = 0; k < n; k++) {
    const struct kata_stats *s = &order[k];
    sc_buf_puts(out, "<tr><td><strong>");
    sc_html_escape(out, s->id);
    sc_buf_printf(out,
                  "</strong></td><td class=\"num\">%.0f%%</td>"
                  "<td class=\"num\">%.0f\xe2\x80\x93%.0f%%</td>"
                  "<td class=\"num\">%zu of %zu</td>",
                  s->median, s->pct[0], s->pct[c->count - 1], s->full,
                  c->count);
    for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
      double p = 100 * s->gate_share[g];
      sc_buf_printf(out, "<td class=\"num heat %s\">%.0f%%</td>",
                    p >= 99.95 ? "h-all"
                    : p >= 50  ? "h-most"
                               : "h-few",
                    p);
    }
    sc_buf_puts(out, "</tr>\n");
  }
  sc_buf_puts(out, "</tbody></table>\n");
  free(order);
}

/* Learners whose results a mentor must look at before trusting them:
 * changed protected files, or not graded against a trusted ref. */
static void class_integrity(struct sc_buf *out, const struct sc_class *c) {
  size_t changed = 0, unofficial = 0;
  for (size_t i = 0; i < c->count; i++) {
    changed += c->learners[i].results.finding_count > 0;
    unofficial += !c->learners[i].results.official;
  }
  if (changed == 0 && unofficial == 0) {
    sc_buf_puts(out, "<div class=\"banner ok\"><strong>Official.</strong> "
                     "Every learner's results were graded against a trusted "
                     "ref, with no protected file changed.</div>\n");
    return;
  }
  sc_buf_printf(out,
                "<div class=\"banner %s\" id=\"integrity\" role=\"alert\">",
                changed ? "alert" : "warn");
  if (changed > 0)
    sc_buf_printf(out,
                  "<strong>\xe2\x9a\xa0 Integrity: %zu learner%s changed "
                  "protected files.</strong> In an official run such "
                  "changes do not count; in an unofficial one they do, so "
                  "those learners are ranked apart, below the others. ",
                  changed, changed == 1 ? "" : "s");
  if (unofficial > 0)
    sc_buf_printf(out,
                  "<strong>%zu of %zu results are unofficial</strong> "
                  "(not graded against a trusted ref). ",
                  unofficial, c->count);
  sc_buf_puts(out, "<ul>");
  for (size_t i = 0; i < c->count; i++) {
    const struct sc_results *r = &c->learners[i].results;
    if (r->finding_count == 0 && r->official)
      continue;
    sc_buf_puts(out, "<li><strong>");
    sc_html_escape(out, c->learners[i].name);
    sc_buf_puts(out, "</strong>: ");
    sc_buf_puts(out, r->official ? "official" : "unofficial");
    for (size_t f = 0; f < r->finding_count && f < MAX_FINDINGS_LISTED; f++) {
      sc_buf_puts(out, f == 0 ? "; changed: " : ", ");
      sc_buf_puts(out, "<span class=\"mono\">");
      sc_html_escape(out, r->findings[f].path);
      sc_buf_puts(out, "</span> (");
      sc_html_escape(out, r->findings[f].change);
      sc_buf_puts(out, ")");
    }
    if (r->finding_count > MAX_FINDINGS_LISTED)
      sc_buf_printf(out, ", and %zu more (see their page)",
                    r->finding_count - MAX_FINDINGS_LISTED);
    sc_buf_puts(out, "</li>");
  }
  sc_buf_puts(out, "</ul></div>\n");
}

/* The page's head: how many learners and katas, the class's mean. */
static void class_summary(struct sc_buf *out, const struct sc_class *c) {
  double mean = 0;
  size_t senior = 0;
  for (size_t i = 0; i < c->count; i++) {
    const struct sc_results *r = &c->learners[i].results;
    mean += pct(r->score, r->max_score) / (double)c->count;
    senior += r->score == r->max_score;
  }
  sc_buf_printf(
      out,
      "<header class=\"card\"><div class=\"head\"><div>"
      "<p class=\"muted\">senior-check \xc2\xb7 mentor's view</p>"
      "<h1>Class report</h1><p class=\"muted\">%zu learner%s "
      "\xc2\xb7 %zu kata%s</p></div><div><div class=\"score\">"
      "%.0f%%<small> mean</small></div><div class=\"level\">%zu "
      "of %zu at full marks</div></div></div></header>\n",
      c->count, c->count == 1 ? "" : "s", c->learners[0].results.count,
      c->learners[0].results.count == 1 ? "" : "s", mean, senior, c->count);
}

void sc_report_class_render(const struct sc_class *c, struct sc_buf *out) {
  size_t n = c->count ? c->learners[0].results.count : 0;
  sc_html_begin(out, "senior-check: class report", 1);
  if (c->count == 0) {
    sc_buf_puts(out, "<p>No learners.</p>\n");
    sc_html_end(out);
    return;
  }
  class_summary(out, c);
  class_integrity(out, c);
  learner_table(out, c);
  struct kata_stats *stats = sc_xcalloc(n ? n : 1, sizeof(*stats));
  for (size_t k = 0; k < n; k++)
    kata_stats(c, k, &stats[k]);
  sc_buf_puts(out, "<section class=\"card\"><h2>How the class did on each "
                   "kata</h2><p class=\"muted\">The box holds the middle half "
                   "of the class, the thick line is the median, each dot is "
                   "a learner (hover for the name).</p>\n");
  if (n > 0) {
    distribution_chart(out, c, stats, n);
    struggle_table(out, c, stats, n);
  }
  sc_buf_puts(out, "</section>\n");
  for (size_t k = 0; k < n; k++)
    free(stats[k].pct);
  free(stats);
  sc_buf_printf(out, "<script>\n%s</script>\n", sort_script);
  sc_html_end(out);
}

int sc_report_class_write(const struct sc_class *c, const char *path) {
  struct sc_buf page = {0};
  sc_report_class_render(c, &page);
  int err = sc_html_save(page.data, page.len, path);
  sc_buf_free(&page);
  return err;
}

/* ------------------------------------------------------------------ */
/* CSV                                                                 */
/* ------------------------------------------------------------------ */

/* Appends one CSV field (RFC 4180), then sep: quoted when it holds a
 * comma, a quote, CR or LF, its quotes doubled; "'" first when a
 * spreadsheet would read it as a formula. */
static void csv_field(struct sc_buf *out, const char *s, const char *sep) {
  s = s ? s : "";
  int formula = strchr("=+-@\t\r", *s) != NULL && *s != '\0';
  int quoted = strpbrk(s, ",\"\r\n") != NULL;
  if (quoted)
    sc_buf_puts(out, "\"");
  if (formula)
    sc_buf_puts(out, "'");
  for (const char *p = s; *p; p++) {
    size_t run = strcspn(p, "\"");
    sc_buf_add(out, p, run);
    p += run;
    if (*p == '\0')
      break;
    sc_buf_puts(out, "\"\"");
  }
  if (quoted)
    sc_buf_puts(out, "\"");
  sc_buf_puts(out, sep);
}

void sc_report_class_csv(const struct sc_class *c, struct sc_buf *out) {
  sc_buf_puts(out, "learner,kata,gate,points,max_points,status,official,"
                   "note\r\n");
  for (size_t i = 0; i < c->count; i++) {
    const struct sc_class_learner *l = &c->learners[i];
    const struct sc_results *r = &l->results;
    for (size_t k = 0; k < r->count; k++) {
      const struct sc_kata_result *kata = &r->katas[k];
      for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
        const struct sc_gate_result *gate = &kata->gates[g];
        char points[16], max[16];
        snprintf(points, sizeof(points), "%u", gate->score);
        snprintf(max, sizeof(max), "%u", gate->max_score);
        csv_field(out, l->name, ",");
        csv_field(out, kata->id, ",");
        csv_field(out, sc_gate_name((enum sc_gate)g), ",");
        csv_field(out, points, ",");
        csv_field(out, max, ",");
        csv_field(out, sc_status_name(gate->status), ",");
        csv_field(out, r->official ? "yes" : "no", ",");
        csv_field(out,
                  kata->error             ? kata->error
                  : r->official           ? ""
                  : r->finding_count == 0 ? ""
                                          : "protected files changed: "
                                            "counted in this unofficial score",
                  "\r\n");
      }
    }
  }
  for (size_t i = 0; i < c->bad_count; i++) {
    csv_field(out, c->bad[i].name, ",,,,,");
    csv_field(out, "unreadable", ",");
    csv_field(out, "", ",");
    csv_field(out, c->bad[i].why, "\r\n");
  }
}

int sc_report_class_csv_write(const struct sc_class *c, const char *path) {
  struct sc_buf csv = {0};
  sc_report_class_csv(c, &csv);
  int err = sc_html_save(csv.data ? csv.data : "", csv.len, path);
  sc_buf_free(&csv);
  return err;
}

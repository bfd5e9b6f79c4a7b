#include "model/result.h"
#include "core/util.h"
#include "parse/report_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROW(array, count)                                                     \
  ((array) = sc_xrealloc((array), ((count) + 1) * sizeof(*(array))),           \
   &(array)[(count)++])

/* Every string a result keeps is valid UTF-8 with its control characters
 * made visible, whatever the learner's code printed, so that every output
 * format, and every terminal, can carry it as it is. */
static char *dup_text(const char *s) {
  char *utf8 = sc__report_utf8(s, strlen(s), 0, 0, NULL);
  char *copy = utf8 ? sc_text_visible(utf8) : NULL;
  free(utf8);
  if (copy == NULL) {
    fputs("fatal: out of memory\n", stderr);
    exit(2);
  }
  return copy;
}

static char *dup_or_null(const char *s) {
  return s ? dup_text(s) : NULL;
}

void sc_gate_set(struct sc_gate_result *gate, enum sc_status status,
                 unsigned score, const char *fmt, ...) {
  struct sc_buf buf = {0};
  va_list ap;
  va_start(ap, fmt);
  sc_buf_vprintf(&buf, fmt, ap);
  va_end(ap);
  free(gate->message);
  gate->message = dup_text(buf.data ? buf.data : "");
  sc_buf_free(&buf);
  gate->status = status;
  gate->score = score > gate->max_score ? gate->max_score : score;
}

void sc_gate_set_details(struct sc_gate_result *gate, const char *details) {
  free(gate->details);
  gate->details = dup_or_null(details);
}

void sc_gate_add_test(struct sc_gate_result *gate, const char *name,
                      enum sc_status status, const char *message) {
  struct sc_test_result *t = GROW(gate->tests, gate->test_count);
  t->name = dup_text(name);
  t->status = status;
  t->message = dup_or_null(message);
}

void sc_gate_add_location(struct sc_gate_result *gate, const char *file,
                          unsigned line, const char *message) {
  struct sc_location *l = GROW(gate->locations, gate->location_count);
  l->file = dup_text(file);
  l->line = line;
  l->message = dup_text(message);
}

void sc_gate_add_figure(struct sc_gate_result *gate, const char *name,
                        const char *unit, double value, int measured) {
  struct sc_figure_result *f = GROW(gate->figures, gate->figure_count);
  f->name = sc_xstrdup(name);
  f->unit = sc_xstrdup(unit);
  f->value = value;
  f->measured = measured;
}

void sc_gate_add_threshold(struct sc_gate_result *gate, const char *name,
                           const char *explain, double ratio, double min,
                           double max, enum sc_status status) {
  struct sc_threshold_result *t = GROW(gate->thresholds, gate->threshold_count);
  t->name = sc_xstrdup(name);
  t->explain = dup_or_null(explain);
  t->ratio = ratio;
  t->min = min;
  t->max = max;
  t->status = status;
}

void sc_kata_result_init(struct sc_kata_result *kata, const char *id,
                         const char *title, unsigned week,
                         const unsigned weights[SC_GATE_COUNT]) {
  kata->id = dup_text(id);
  kata->title = dup_text(title);
  kata->week = week;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    kata->gates[g].gate = (enum sc_gate)g;
    kata->gates[g].max_score = weights[g];
  }
}

void sc_kata_result_total(struct sc_kata_result *kata) {
  kata->score = 0;
  kata->max_score = 0;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    kata->score += kata->gates[g].score;
    kata->max_score += kata->gates[g].max_score;
  }
  if (kata->error != NULL)
    kata->status = SC_STATUS_ERROR;
  else
    kata->status =
        kata->score == kata->max_score ? SC_STATUS_PASS : SC_STATUS_FAIL;
}

/* Levels by share of the maximum, so that they mean the same whatever the
 * number of katas: a learner is "senior" only with every gate of every kata
 * passed. */
const char *sc_level_for(unsigned score, unsigned max_score) {
  if (max_score == 0)
    return "newcomer";
  if (score >= max_score)
    return "senior";
  unsigned percent = (unsigned)((score * 100ull) / max_score);
  if (percent >= 75)
    return "senior in training";
  if (percent >= 50)
    return "mid-level";
  if (percent >= 25)
    return "junior";
  return "newcomer";
}

void sc_results_total(struct sc_results *results) {
  results->score = 0;
  results->max_score = 0;
  for (size_t i = 0; i < results->count; i++) {
    results->score += results->katas[i].score;
    results->max_score += results->katas[i].max_score;
  }
  results->level = sc_level_for(results->score, results->max_score);
}

void sc_gate_result_free(struct sc_gate_result *gate) {
  if (gate == NULL)
    return;
  for (size_t i = 0; i < gate->test_count; i++) {
    free(gate->tests[i].name);
    free(gate->tests[i].message);
  }
  for (size_t i = 0; i < gate->location_count; i++) {
    free(gate->locations[i].file);
    free(gate->locations[i].message);
  }
  for (size_t i = 0; i < gate->figure_count; i++) {
    free(gate->figures[i].name);
    free(gate->figures[i].unit);
  }
  for (size_t i = 0; i < gate->threshold_count; i++) {
    free(gate->thresholds[i].name);
    free(gate->thresholds[i].explain);
  }
  free(gate->tests);
  free(gate->locations);
  free(gate->figures);
  free(gate->thresholds);
  free(gate->message);
  free(gate->details);
}

void sc_gate_result_clear(struct sc_gate_result *gate) {
  enum sc_gate which = gate->gate;
  unsigned max_score = gate->max_score;
  sc_gate_result_free(gate);
  memset(gate, 0, sizeof(*gate));
  gate->gate = which;
  gate->max_score = max_score;
}

void sc_kata_result_free(struct sc_kata_result *kata) {
  if (kata == NULL)
    return;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_gate_result_free(&kata->gates[g]);
  for (size_t i = 0; i < kata->writing_count; i++) {
    free(kata->writing[i].file);
    free(kata->writing[i].about);
  }
  free(kata->writing);
  if (kata->first_try != NULL) {
    free(kata->first_try->file);
    free(kata->first_try->how);
    free(kata->first_try);
  }
  free(kata->id);
  free(kata->title);
  free(kata->error);
}

void sc_results_add_finding(struct sc_results *results, const char *path,
                            const char *change) {
  struct sc_finding *f = GROW(results->findings, results->finding_count);
  f->path = dup_text(path);
  f->change = dup_text(change);
}

void sc_results_free(struct sc_results *results) {
  if (results == NULL)
    return;
  for (size_t i = 0; i < results->finding_count; i++) {
    free(results->findings[i].path);
    free(results->findings[i].change);
  }
  free(results->findings);
  free(results->trusted_ref);
  free(results->baseline);
  results->findings = NULL;
  results->trusted_ref = NULL;
  results->baseline = NULL;
  results->finding_count = 0;
  for (size_t i = 0; i < results->count; i++)
    sc_kata_result_free(&results->katas[i]);
  free(results->katas);
  results->katas = NULL;
  results->count = 0;
}

void sc_kata_result_set_first_try(struct sc_kata_result *kata, const char *file,
                                  unsigned right, unsigned of,
                                  const char *how) {
  if (kata->first_try != NULL) {
    free(kata->first_try->file);
    free(kata->first_try->how);
    free(kata->first_try);
  }
  kata->first_try = sc_xcalloc(1, sizeof(*kata->first_try));
  kata->first_try->file = sc_xstrdup(file);
  kata->first_try->right = right;
  kata->first_try->of = of;
  kata->first_try->how = sc_xstrdup(how);
}

#include "report/json.h"
#include "core/error.h"

#include <errno.h>
#include <time.h>
#include <jansson.h>
#include <math.h>

#define RESULTS_FORMAT 1

static json_t *string_or_null(const char *s) {
  return s ? json_string(s) : json_null();
}

/* Rounded so that the same measurement always prints the same way. */
static json_t *number(double value) {
  return json_real(round(value * 1000.0) / 1000.0);
}

/* A threshold's bound, or null when it has none. */
static json_t *bound(double value) {
  return value > 0 ? number(value) : json_null();
}

static json_t *gate_json(const struct sc_gate_result *gate) {
  json_t *obj = json_pack(
      "{s:s, s:s, s:i, s:i, s:o}", "name", sc_gate_name(gate->gate), "status",
      sc_status_name(gate->status), "score", (json_int_t)gate->score,
      "max_score", (json_int_t)gate->max_score, "message",
      string_or_null(gate->message));
  if (gate->gate == SC_GATE_TESTS) {
    json_t *tests = json_array();
    for (size_t i = 0; i < gate->test_count; i++)
      json_array_append_new(
          tests, json_pack("{s:s, s:s, s:o}", "name", gate->tests[i].name,
                           "status", sc_status_name(gate->tests[i].status),
                           "message", string_or_null(gate->tests[i].message)));
    json_object_set_new(obj, "tests", tests);
  }
  if (gate->figure_count > 0) {
    json_t *figures = json_array();
    for (size_t i = 0; i < gate->figure_count; i++) {
      const struct sc_figure_result *f = &gate->figures[i];
      json_array_append_new(
          figures,
          json_pack("{s:s, s:s, s:o}", "name", f->name, "unit", f->unit,
                    "value", f->measured ? number(f->value) : json_null()));
    }
    json_object_set_new(obj, "figures", figures);
  }
  if (gate->threshold_count > 0) {
    json_t *thresholds = json_array();
    for (size_t i = 0; i < gate->threshold_count; i++) {
      const struct sc_threshold_result *t = &gate->thresholds[i];
      json_array_append_new(
          thresholds,
          json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "name", t->name,
                    "explain", string_or_null(t->explain), "ratio",
                    number(t->ratio), "min", bound(t->min), "max",
                    bound(t->max), "status", sc_status_name(t->status)));
    }
    json_object_set_new(obj, "thresholds", thresholds);
  }
  if (gate->location_count > 0) {
    json_t *locations = json_array();
    for (size_t i = 0; i < gate->location_count; i++) {
      const struct sc_location *l = &gate->locations[i];
      json_array_append_new(
          locations, json_pack("{s:s, s:i, s:s}", "file", l->file, "line",
                               (json_int_t)l->line, "message", l->message));
    }
    json_object_set_new(obj, "locations", locations);
  }
  return obj;
}

static json_t *kata_json(const struct sc_kata_result *kata) {
  json_t *gates = json_array();
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    json_array_append_new(gates, gate_json(&kata->gates[g]));
  json_t *writing = json_array();
  for (size_t i = 0; i < kata->writing_count; i++) {
    const struct sc_writing_result *w = &kata->writing[i];
    json_array_append_new(
        writing,
        json_pack("{s:s, s:o, s:b, s:i, s:i}", "file", w->file, "about",
                  string_or_null(w->about), "present", w->present, "words",
                  (json_int_t)w->words, "min_words", (json_int_t)w->min_words));
  }
  json_t *obj =
      json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:o, s:o}", "id", kata->id,
                "title", kata->title, "week", (json_int_t)kata->week, "status",
                sc_status_name(kata->status), "score", (json_int_t)kata->score,
                "max_score", (json_int_t)kata->max_score, "gates", gates,
                "writing", writing);
  if (kata->error)
    json_object_set_new(obj, "message", json_string(kata->error));
  json_object_set_new(obj, "elapsed_ms",
                      json_integer((json_int_t)kata->elapsed_ms));
  if (kata->first_try)
    json_object_set_new(obj, "first_try",
                        json_pack("{s:s, s:i, s:i, s:s}", "file",
                                  kata->first_try->file, "right",
                                  (json_int_t)kata->first_try->right, "of",
                                  (json_int_t)kata->first_try->of, "how",
                                  kata->first_try->how));
  return obj;
}

int sc_report_json_write(const struct sc_results *results, const char *path) {
  json_t *katas = json_array();
  for (size_t i = 0; i < results->count; i++)
    json_array_append_new(katas, kata_json(&results->katas[i]));
  json_t *findings = json_array();
  for (size_t i = 0; i < results->finding_count; i++)
    json_array_append_new(
        findings, json_pack("{s:s, s:s}", "path", results->findings[i].path,
                            "change", results->findings[i].change));
  json_t *root = json_pack(
      "{s:i, s:s, s:b, s:o, s:i, s:i, s:s, s:o, s:o}", "format",
      (json_int_t)RESULTS_FORMAT, "source", results->source, "official",
      results->official, "trusted_ref", string_or_null(results->trusted_ref),
      "score", (json_int_t)results->score, "max_score",
      (json_int_t)results->max_score, "level", results->level, "findings",
      findings, "katas", katas);
  if (root == NULL)
    return SC_EREPORT;
  /* When and for how long: merge keeps the longest shard's time, and a
   * mentor's history plots gradings over time. */
  json_object_set_new(root, "elapsed_ms",
                      json_integer((json_int_t)results->elapsed_ms));
  char when[32];
  time_t now = time(NULL);
  struct tm tm;
  if (gmtime_r(&now, &tm) != NULL &&
      strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
    json_object_set_new(root, "graded_at", json_string(when));
  errno = 0;
  /* 15 significant digits print a value rounded to 3 decimals as such
   * (1.013, not jansson's default 17 digits: 1.0129999999999999). */
  int rc = json_dump_file(root, path,
                          JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                              JSON_REAL_PRECISION(15));
  json_decref(root);
  if (rc != 0)
    return errno ? -errno : -EIO;
  return 0;
}

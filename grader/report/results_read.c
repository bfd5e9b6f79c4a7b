#include "report/results_read.h"
#include "core/error.h"
#include "core/util.h"
#include "parse/report_text.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define RESULTS_FORMAT 1
/* Far above any real results file: a few hundred kilobytes. */
#define MAX_RESULTS_BYTES ((size_t)64 * 1024 * 1024)
/* Room for "katas[12].gates[3].thresholds[4]" and the like. */
#define WHERE_MAX 96

/* The state of one read: the file's name and the first problem found. */
struct reader {
  const char *path;
  char *why; /* owned; NULL until a problem is found */
};

/* Records the first problem as "'PATH': WHERE: what" (WHERE omitted when
 * empty) and returns SC_EREPORT, so that callers can return it at once. */
static int bad(struct reader *r, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct reader *r, const char *where, const char *fmt, ...) {
  if (r->why != NULL)
    return SC_EREPORT;
  struct sc_buf buf = {0};
  va_list ap;
  sc_buf_printf(&buf, "'%s': ", r->path);
  if (*where)
    sc_buf_printf(&buf, "%s: ", where);
  va_start(ap, fmt);
  sc_buf_vprintf(&buf, fmt, ap);
  va_end(ap);
  r->why = sc_buf_detach(&buf);
  return SC_EREPORT;
}

/* The static strings a read source may point at; NULL for an unknown one. */
static const char *known_source(const char *source) {
  static const char *const sources[] = {"learner", "solutions", "other"};
  for (size_t i = 0; source && i < SC_ARRAY_SIZE(sources); i++)
    if (strcmp(source, sources[i]) == 0)
      return sources[i];
  return NULL;
}

enum kind { STRING, STRING_OR_NULL, UINT, NUMBER_OR_NULL, BOOL, ARRAY };

static const char *const kind_names[] = {
    [STRING] = "a string",          [STRING_OR_NULL] = "a string or null",
    [UINT] = "an unsigned integer", [NUMBER_OR_NULL] = "a number or null",
    [BOOL] = "true or false",       [ARRAY] = "an array",
};

/* Whether v is of the given kind. */
static int has_kind(const json_t *v, enum kind kind) {
  switch (kind) {
  case STRING:
    return json_is_string(v);
  case STRING_OR_NULL:
    return json_is_string(v) || json_is_null(v);
  case UINT:
    return json_is_integer(v) && json_integer_value(v) >= 0 &&
           json_integer_value(v) <= UINT_MAX;
  case NUMBER_OR_NULL:
    return json_is_number(v) || json_is_null(v);
  case BOOL:
    return json_is_boolean(v);
  case ARRAY:
    return json_is_array(v);
  }
  return 0;
}

/* Looks up obj[key] and checks its kind. Returns the value (borrowed from
 * obj), or NULL with the problem recorded. */
static json_t *member(struct reader *r, json_t *obj, const char *where,
                      const char *key, enum kind kind) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL)
    bad(r, where, "missing '%s'", key);
  else if (!has_kind(v, kind))
    bad(r, where, "'%s' is not %s", key, kind_names[kind]);
  else
    return v;
  return NULL;
}

/* obj[key] as a string borrowed from obj (NULL for null). Returns 0 or
 * SC_EREPORT. */
static int text(struct reader *r, json_t *obj, const char *where,
                const char *key, int nullable, const char **out) {
  json_t *v = member(r, obj, where, key, nullable ? STRING_OR_NULL : STRING);
  if (v == NULL)
    return SC_EREPORT;
  *out = json_string_value(v);
  return 0;
}

/* Results files may come from anywhere (a shard, a learner): their text
 * gets the same treatment as a grading's (see model/result.c). */
static char *dup_or_null(const char *s) {
  if (s == NULL)
    return NULL;
  char *copy = sc_text_visible(s);
  if (copy == NULL) {
    fputs("fatal: out of memory\n", stderr);
    exit(2);
  }
  return copy;
}

/* A copy of obj[key] (NULL for null); the caller frees it. */
static int text_copy(struct reader *r, json_t *obj, const char *where,
                     const char *key, int nullable, char **out) {
  const char *s;
  int err = text(r, obj, where, key, nullable, &s);
  if (err == 0)
    *out = dup_or_null(s);
  return err;
}

/* obj[key] as an unsigned int. Returns 0 or SC_EREPORT. */
static int uint_member(struct reader *r, json_t *obj, const char *where,
                       const char *key, unsigned *out) {
  json_t *v = member(r, obj, where, key, UINT);
  if (v == NULL)
    return SC_EREPORT;
  *out = (unsigned)json_integer_value(v);
  return 0;
}

/* obj[key] as a number; null gives 0 and *present 0. */
static int number(struct reader *r, json_t *obj, const char *where,
                  const char *key, double *out, int *present) {
  json_t *v = member(r, obj, where, key, NUMBER_OR_NULL);
  if (v == NULL)
    return SC_EREPORT;
  *present = !json_is_null(v);
  *out = *present ? json_number_value(v) : 0;
  return 0;
}

/* A threshold's bound: a positive number, or null for none (0). */
static int bound(struct reader *r, json_t *obj, const char *where,
                 const char *key, double *out) {
  int present;
  if (number(r, obj, where, key, out, &present) != 0)
    return SC_EREPORT;
  if (present && !(*out > 0))
    return bad(r, where, "'%s' is not positive", key);
  return 0;
}

/* obj[key] as a status name. Returns 0 or SC_EREPORT. */
static int status(struct reader *r, json_t *obj, const char *where,
                  const char *key, enum sc_status *out) {
  static const enum sc_status all[] = {SC_STATUS_PASS, SC_STATUS_FAIL,
                                       SC_STATUS_SKIP, SC_STATUS_ERROR};
  const char *s;
  if (text(r, obj, where, key, 0, &s) != 0)
    return SC_EREPORT;
  for (size_t i = 0; i < SC_ARRAY_SIZE(all); i++)
    if (strcmp(s, sc_status_name(all[i])) == 0) {
      *out = all[i];
      return 0;
    }
  return bad(r, where, "unknown %s '%s'", key, s);
}

/* obj[key] as an array, or NULL when absent and optional. */
static int array(struct reader *r, json_t *obj, const char *where,
                 const char *key, int required, json_t **out) {
  *out = NULL;
  if (!required && json_object_get(obj, key) == NULL)
    return 0;
  *out = member(r, obj, where, key, ARRAY);
  return *out ? 0 : SC_EREPORT;
}

/* The object at arr[i], with its place written into where. */
static json_t *element(struct reader *r, json_t *arr, size_t i,
                       const char *parent, const char *key,
                       char where[WHERE_MAX]) {
  if (*parent)
    snprintf(where, WHERE_MAX, "%s.%s[%zu]", parent, key, i);
  else
    snprintf(where, WHERE_MAX, "%s[%zu]", key, i);
  json_t *v = json_array_get(arr, i);
  if (!json_is_object(v)) {
    bad(r, where, "not an object");
    return NULL;
  }
  return v;
}

/* The tests gate's tests (required there, refused on other gates). Each
 * reader below fills gate and returns 0 or SC_EREPORT. */
static int read_tests(struct reader *r, json_t *obj, const char *where,
                      struct sc_gate_result *gate) {
  char at[WHERE_MAX];
  json_t *arr;
  int required = gate->gate == SC_GATE_TESTS;
  if (!required && json_object_get(obj, "tests") != NULL)
    return bad(r, where, "'tests' on the %s gate", sc_gate_name(gate->gate));
  if (array(r, obj, where, "tests", required, &arr) != 0)
    return SC_EREPORT;
  for (size_t i = 0; arr && i < json_array_size(arr); i++) {
    json_t *t = element(r, arr, i, where, "tests", at);
    const char *name, *message;
    enum sc_status st;
    if (t == NULL || text(r, t, at, "name", 0, &name) != 0 ||
        status(r, t, at, "status", &st) != 0 ||
        text(r, t, at, "message", 1, &message) != 0)
      return SC_EREPORT;
    sc_gate_add_test(gate, name, st, message);
  }
  return 0;
}

/* A gate's measured figures (optional); null values are not measured. */
static int read_figures(struct reader *r, json_t *obj, const char *where,
                        struct sc_gate_result *gate) {
  char at[WHERE_MAX];
  json_t *arr;
  if (array(r, obj, where, "figures", 0, &arr) != 0)
    return SC_EREPORT;
  for (size_t i = 0; arr && i < json_array_size(arr); i++) {
    json_t *f = element(r, arr, i, where, "figures", at);
    const char *name, *unit;
    double value;
    int measured;
    if (f == NULL || text(r, f, at, "name", 0, &name) != 0 ||
        text(r, f, at, "unit", 0, &unit) != 0 ||
        number(r, f, at, "value", &value, &measured) != 0)
      return SC_EREPORT;
    sc_gate_add_figure(gate, name, unit, value, measured);
  }
  return 0;
}

/* A gate's thresholds (optional). */
static int read_thresholds(struct reader *r, json_t *obj, const char *where,
                           struct sc_gate_result *gate) {
  char at[WHERE_MAX];
  json_t *arr;
  if (array(r, obj, where, "thresholds", 0, &arr) != 0)
    return SC_EREPORT;
  for (size_t i = 0; arr && i < json_array_size(arr); i++) {
    json_t *t = element(r, arr, i, where, "thresholds", at);
    const char *name, *explain;
    double ratio, min, max;
    int measured;
    enum sc_status st;
    if (t == NULL || text(r, t, at, "name", 0, &name) != 0 ||
        text(r, t, at, "explain", 1, &explain) != 0 ||
        number(r, t, at, "ratio", &ratio, &measured) != 0 ||
        bound(r, t, at, "min", &min) != 0 ||
        bound(r, t, at, "max", &max) != 0 ||
        status(r, t, at, "status", &st) != 0)
      return SC_EREPORT;
    if (!measured)
      return bad(r, at, "'ratio' is not a number");
    sc_gate_add_threshold(gate, name, explain, ratio, min, max, st);
  }
  return 0;
}

/* A gate's locations in the learner's files (optional). */
static int read_locations(struct reader *r, json_t *obj, const char *where,
                          struct sc_gate_result *gate) {
  char at[WHERE_MAX];
  json_t *arr;
  if (array(r, obj, where, "locations", 0, &arr) != 0)
    return SC_EREPORT;
  for (size_t i = 0; arr && i < json_array_size(arr); i++) {
    json_t *l = element(r, arr, i, where, "locations", at);
    const char *file, *message;
    unsigned line;
    if (l == NULL || text(r, l, at, "file", 0, &file) != 0 ||
        uint_member(r, l, at, "line", &line) != 0 ||
        text(r, l, at, "message", 0, &message) != 0)
      return SC_EREPORT;
    sc_gate_add_location(gate, file, line, message);
  }
  return 0;
}

/* Reads the gate that must come at this place (gate->gate). */
static int read_gate(struct reader *r, json_t *obj, const char *where,
                     struct sc_gate_result *gate) {
  const char *name;
  if (text(r, obj, where, "name", 0, &name) != 0)
    return SC_EREPORT;
  if (strcmp(name, sc_gate_name(gate->gate)) != 0)
    return bad(r, where, "gate '%s' out of order (expected '%s')", name,
               sc_gate_name(gate->gate));
  if (status(r, obj, where, "status", &gate->status) != 0 ||
      uint_member(r, obj, where, "score", &gate->score) != 0 ||
      uint_member(r, obj, where, "max_score", &gate->max_score) != 0 ||
      text_copy(r, obj, where, "message", 1, &gate->message) != 0)
    return SC_EREPORT;
  if (gate->score > gate->max_score)
    return bad(r, where, "score %u above max_score %u", gate->score,
               gate->max_score);
  if (read_tests(r, obj, where, gate) != 0 ||
      read_figures(r, obj, where, gate) != 0 ||
      read_thresholds(r, obj, where, gate) != 0 ||
      read_locations(r, obj, where, gate) != 0)
    return SC_EREPORT;
  return 0;
}

/* A kata's writing; the array is allocated before it is filled, so a
 * partly read kata is still safe to free. */
static int read_writing(struct reader *r, json_t *obj, const char *where,
                        struct sc_kata_result *kata) {
  char at[WHERE_MAX];
  json_t *arr;
  if (array(r, obj, where, "writing", 1, &arr) != 0)
    return SC_EREPORT;
  kata->writing_count = json_array_size(arr);
  kata->writing = sc_xcalloc(kata->writing_count + 1, sizeof(*kata->writing));
  for (size_t i = 0; i < kata->writing_count; i++) {
    struct sc_writing_result *w = &kata->writing[i];
    json_t *v = element(r, arr, i, where, "writing", at);
    json_t *present;
    if (v == NULL || text_copy(r, v, at, "file", 0, &w->file) != 0 ||
        text_copy(r, v, at, "about", 1, &w->about) != 0 ||
        (present = member(r, v, at, "present", BOOL)) == NULL ||
        uint_member(r, v, at, "words", &w->words) != 0 ||
        uint_member(r, v, at, "min_words", &w->min_words) != 0)
      return SC_EREPORT;
    w->present = json_is_true(present);
  }
  return 0;
}

/* A kata's optional first try. */
static int read_first_try(struct reader *r, json_t *obj, const char *where,
                          struct sc_kata_result *kata) {
  json_t *v = json_object_get(obj, "first_try");
  if (v == NULL)
    return 0;
  char at[WHERE_MAX];
  int n = snprintf(at, sizeof(at), "%.80s.first_try", where);
  (void)n;
  char *file = NULL, *how = NULL;
  unsigned right = 0, of = 0;
  int err = !json_is_object(v) || text_copy(r, v, at, "file", 0, &file) != 0 ||
            text_copy(r, v, at, "how", 0, &how) != 0 ||
            uint_member(r, v, at, "right", &right) != 0 ||
            uint_member(r, v, at, "of", &of) != 0;
  if (!err)
    sc_kata_result_set_first_try(kata, file, right, of, how);
  free(file);
  free(how);
  return err ? SC_EREPORT : 0;
}

/* Checks that the kata's sums and status agree with its gates. */
static int check_kata(struct reader *r, const char *where,
                      const struct sc_kata_result *kata) {
  unsigned long long score = 0, max_score = 0;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    score += kata->gates[g].score;
    max_score += kata->gates[g].max_score;
  }
  if (score != kata->score || max_score != kata->max_score)
    return bad(r, where,
               "score %u/%u is not the sum of its gates' scores (%llu/%llu)",
               kata->score, kata->max_score, score, max_score);
  enum sc_status want = kata->error          ? SC_STATUS_ERROR
                        : score == max_score ? SC_STATUS_PASS
                                             : SC_STATUS_FAIL;
  if (kata->status != want)
    return bad(r, where, "status '%s' does not match the kata (expected '%s')",
               sc_status_name(kata->status), sc_status_name(want));
  return 0;
}

/* One kata, then its sums. Returns 0 or SC_EREPORT. */
static int read_kata(struct reader *r, json_t *obj, const char *where,
                     struct sc_kata_result *kata) {
  char at[WHERE_MAX];
  json_t *gates;
  if (text_copy(r, obj, where, "id", 0, &kata->id) != 0 ||
      text_copy(r, obj, where, "title", 0, &kata->title) != 0 ||
      uint_member(r, obj, where, "week", &kata->week) != 0 ||
      status(r, obj, where, "status", &kata->status) != 0 ||
      uint_member(r, obj, where, "score", &kata->score) != 0 ||
      uint_member(r, obj, where, "max_score", &kata->max_score) != 0 ||
      array(r, obj, where, "gates", 1, &gates) != 0)
    return SC_EREPORT;
  if (*kata->id == '\0')
    return bad(r, where, "empty 'id'");
  json_t *elapsed = json_object_get(obj, "elapsed_ms");
  if (json_is_integer(elapsed) && json_integer_value(elapsed) >= 0)
    kata->elapsed_ms = (unsigned long long)json_integer_value(elapsed);
  if (kata->status == SC_STATUS_SKIP)
    return bad(r, where, "a kata's status cannot be 'skip'");
  if ((kata->status == SC_STATUS_ERROR) !=
      (json_object_get(obj, "message") != NULL))
    return bad(r, where,
               "'message' must be given exactly when the status is "
               "'error'");
  if (kata->status == SC_STATUS_ERROR &&
      text_copy(r, obj, where, "message", 0, &kata->error) != 0)
    return SC_EREPORT;
  if (json_array_size(gates) != SC_GATE_COUNT)
    return bad(r, where, "%zu gates instead of %d", json_array_size(gates),
               SC_GATE_COUNT);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    json_t *gate = element(r, gates, g, where, "gates", at);
    kata->gates[g].gate = (enum sc_gate)g;
    if (gate == NULL || read_gate(r, gate, at, &kata->gates[g]) != 0)
      return SC_EREPORT;
  }
  if (read_writing(r, obj, where, kata) != 0 ||
      read_first_try(r, obj, where, kata) != 0)
    return SC_EREPORT;
  return check_kata(r, where, kata);
}

/* The integrity findings. Returns 0 or SC_EREPORT. */
static int read_findings(struct reader *r, json_t *root,
                         struct sc_results *out) {
  char at[WHERE_MAX];
  json_t *arr;
  if (array(r, root, "", "findings", 1, &arr) != 0)
    return SC_EREPORT;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_t *f = element(r, arr, i, "", "findings", at);
    const char *path, *change;
    if (f == NULL || text(r, f, at, "path", 0, &path) != 0 ||
        text(r, f, at, "change", 0, &change) != 0)
      return SC_EREPORT;
    sc_results_add_finding(out, path, change);
  }
  return 0;
}

/* Every kata, refusing one listed twice. Returns 0 or SC_EREPORT. */
static int read_katas(struct reader *r, json_t *root, struct sc_results *out) {
  char at[WHERE_MAX];
  json_t *arr;
  if (array(r, root, "", "katas", 1, &arr) != 0)
    return SC_EREPORT;
  /* Counted up front: zeroed katas are safe to free if reading stops. */
  out->count = json_array_size(arr);
  out->katas = sc_xcalloc(out->count + 1, sizeof(*out->katas));
  for (size_t i = 0; i < out->count; i++) {
    json_t *kata = element(r, arr, i, "", "katas", at);
    if (kata == NULL || read_kata(r, kata, at, &out->katas[i]) != 0)
      return SC_EREPORT;
    for (size_t j = 0; j < i; j++)
      if (strcmp(out->katas[j].id, out->katas[i].id) == 0)
        return bad(r, at, "kata '%s' is listed twice", out->katas[i].id);
  }
  return 0;
}

/* Checks the totals and level against the katas, then points level at the
 * model's static string. */
static int check_totals(struct reader *r, struct sc_results *out,
                        const char *level) {
  unsigned long long score = 0, max_score = 0;
  for (size_t i = 0; i < out->count; i++) {
    score += out->katas[i].score;
    max_score += out->katas[i].max_score;
  }
  if (score != out->score || max_score != out->max_score)
    return bad(r, "",
               "score %u/%u is not the sum of the katas' scores (%llu/%llu)",
               out->score, out->max_score, score, max_score);
  out->level = sc_level_for(out->score, out->max_score);
  if (strcmp(level, out->level) != 0)
    return bad(r, "", "level '%s' does not match the score (expected '%s')",
               level, out->level);
  return 0;
}

/* The top-level object, members then sums. Returns 0 or SC_EREPORT. */
static int read_root(struct reader *r, json_t *root, struct sc_results *out) {
  unsigned format;
  const char *source, *level;
  json_t *official;
  if (!json_is_object(root))
    return bad(r, "", "not a JSON object");
  if (uint_member(r, root, "", "format", &format) != 0)
    return SC_EREPORT;
  if (format != RESULTS_FORMAT)
    return bad(r, "", "format %u, this grader reads format %d", format,
               RESULTS_FORMAT);
  if (text(r, root, "", "source", 0, &source) != 0 ||
      (official = member(r, root, "", "official", BOOL)) == NULL ||
      text_copy(r, root, "", "trusted_ref", 1, &out->trusted_ref) != 0 ||
      uint_member(r, root, "", "score", &out->score) != 0 ||
      uint_member(r, root, "", "max_score", &out->max_score) != 0 ||
      text(r, root, "", "level", 0, &level) != 0)
    return SC_EREPORT;
  out->source = known_source(source);
  if (out->source == NULL)
    return bad(r, "", "unknown source '%s'", source);
  out->official = json_is_true(official);
  json_t *elapsed = json_object_get(root, "elapsed_ms");
  if (json_is_integer(elapsed) && json_integer_value(elapsed) >= 0)
    out->elapsed_ms = (unsigned long long)json_integer_value(elapsed);
  if (read_findings(r, root, out) != 0 || read_katas(r, root, out) != 0)
    return SC_EREPORT;
  return check_totals(r, out, level);
}

int sc_results_read(const char *path, struct sc_results *out, char **why) {
  struct reader r = {path, NULL};
  char *data = NULL;
  size_t len = 0;
  json_error_t jerr;

  *out = (struct sc_results){0};
  int err = sc_read_file(path, MAX_RESULTS_BYTES, &data, &len);
  if (err != 0) {
    r.why = sc_xasprintf("'%s': %s", path, sc_strerror(err));
  } else {
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
      err = bad(&r, "", "line %d, column %d: %s", jerr.line, jerr.column,
                jerr.text);
    else
      err = read_root(&r, root, out);
    json_decref(root);
  }
  free(data);
  if (err != 0) {
    sc_results_free(out);
    *out = (struct sc_results){0};
  }
  if (why != NULL)
    *why = r.why;
  else
    free(r.why);
  return err;
}

/* --- Merging shards. --- */

/* Copies src into the zeroed dst, strings and arrays included. */
static void copy_gate(struct sc_gate_result *dst,
                      const struct sc_gate_result *src) {
  dst->gate = src->gate;
  dst->status = src->status;
  dst->score = src->score;
  dst->max_score = src->max_score;
  dst->message = dup_or_null(src->message);
  dst->details = dup_or_null(src->details);
  for (size_t i = 0; i < src->test_count; i++)
    sc_gate_add_test(dst, src->tests[i].name, src->tests[i].status,
                     src->tests[i].message);
  for (size_t i = 0; i < src->figure_count; i++) {
    const struct sc_figure_result *f = &src->figures[i];
    sc_gate_add_figure(dst, f->name, f->unit, f->value, f->measured);
  }
  for (size_t i = 0; i < src->threshold_count; i++) {
    const struct sc_threshold_result *t = &src->thresholds[i];
    sc_gate_add_threshold(dst, t->name, t->explain, t->ratio, t->min, t->max,
                          t->status);
  }
  for (size_t i = 0; i < src->location_count; i++) {
    const struct sc_location *l = &src->locations[i];
    sc_gate_add_location(dst, l->file, l->line, l->message);
  }
}

/* Copies src into the zeroed dst, strings and arrays included. */
static void copy_kata(struct sc_kata_result *dst,
                      const struct sc_kata_result *src) {
  dst->id = dup_or_null(src->id);
  dst->title = dup_or_null(src->title);
  dst->week = src->week;
  dst->status = src->status;
  dst->score = src->score;
  dst->max_score = src->max_score;
  dst->error = dup_or_null(src->error);
  dst->elapsed_ms = src->elapsed_ms;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    copy_gate(&dst->gates[g], &src->gates[g]);
  dst->writing_count = src->writing_count;
  dst->writing = sc_xcalloc(src->writing_count + 1, sizeof(*dst->writing));
  for (size_t i = 0; i < src->writing_count; i++) {
    dst->writing[i] = src->writing[i];
    dst->writing[i].file = dup_or_null(src->writing[i].file);
    dst->writing[i].about = dup_or_null(src->writing[i].about);
  }
  if (src->first_try != NULL)
    sc_kata_result_set_first_try(dst, src->first_try->file,
                                 src->first_try->right, src->first_try->of,
                                 src->first_try->how);
}

/* A kata of a shard, for sorting. */
struct shard_kata {
  const struct sc_kata_result *kata;
  size_t shard;
};

/* qsort order of shard katas: by id, then by shard. */
static int by_id(const void *a, const void *b) {
  const struct shard_kata *x = a, *y = b;
  int c = strcmp(x->kata->id, y->kata->id);
  if (c != 0)
    return c;
  return x->shard < y->shard ? -1 : x->shard > y->shard;
}

/* qsort order of findings: by path, then by change. */
static int by_path(const void *a, const void *b) {
  const struct sc_finding *const *x = a, *const *y = b;
  int c = strcmp((*x)->path, (*y)->path);
  return c != 0 ? c : strcmp((*x)->change, (*y)->change);
}

/* The katas of every shard, sorted by id, into out. Returns 0, or
 * SC_EREPORT with *why set when a kata is in two shards. */
static int merge_katas(const struct sc_results *parts, size_t n,
                       struct sc_results *out, char **why) {
  size_t total = 0, k = 0;
  for (size_t i = 0; i < n; i++)
    total += parts[i].count;
  struct shard_kata *all = sc_xcalloc(total + 1, sizeof(*all));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < parts[i].count; j++)
      all[k++] = (struct shard_kata){&parts[i].katas[j], i};
  qsort(all, total, sizeof(*all), by_id);
  for (k = 1; k < total; k++)
    if (strcmp(all[k - 1].kata->id, all[k].kata->id) == 0) {
      *why = sc_xasprintf("'%s': graded by shards %zu and %zu", all[k].kata->id,
                          all[k - 1].shard + 1, all[k].shard + 1);
      free(all);
      return SC_EREPORT;
    }
  out->katas = sc_xcalloc(total + 1, sizeof(*out->katas));
  out->count = total;
  for (k = 0; k < total; k++)
    copy_kata(&out->katas[k], all[k].kata);
  free(all);
  return 0;
}

/* The findings of every shard, sorted and without duplicates, into out. */
static void merge_findings(const struct sc_results *parts, size_t n,
                           struct sc_results *out) {
  size_t total = 0, k = 0;
  for (size_t i = 0; i < n; i++)
    total += parts[i].finding_count;
  const struct sc_finding **all = sc_xcalloc(total + 1, sizeof(*all));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < parts[i].finding_count; j++)
      all[k++] = &parts[i].findings[j];
  qsort(all, total, sizeof(*all), by_path);
  for (k = 0; k < total; k++)
    if (k == 0 || by_path(&all[k - 1], &all[k]) != 0)
      sc_results_add_finding(out, all[k]->path, all[k]->change);
  free(all);
}

/* Checks that the shards agree on source and trusted ref; sets both, with
 * official and the elapsed time, on out. */
static int merge_header(const struct sc_results *parts, size_t n,
                        struct sc_results *out, char **why) {
  const char *ref = NULL;
  out->source = known_source(parts[0].source);
  if (out->source == NULL) {
    *why = sc_xasprintf("'%s': unknown source",
                        parts[0].source ? parts[0].source : "(none)");
    return SC_EREPORT;
  }
  out->official = 1;
  for (size_t i = 0; i < n; i++) {
    if (parts[i].source == NULL || strcmp(parts[i].source, out->source) != 0) {
      *why = sc_xasprintf("shard %zu: graded '%s' files, shard 1 '%s'", i + 1,
                          parts[i].source ? parts[i].source : "(none)",
                          out->source);
      return SC_EREPORT;
    }
    if (ref && parts[i].trusted_ref && strcmp(ref, parts[i].trusted_ref)) {
      *why = sc_xasprintf("shard %zu: trusted ref '%s' differs from '%s'",
                          i + 1, parts[i].trusted_ref, ref);
      return SC_EREPORT;
    }
    if (ref == NULL)
      ref = parts[i].trusted_ref;
    /* One score from shards graded two ways would be neither. */
    if (parts[i].official != parts[0].official) {
      *why = sc_xasprintf("shard %zu is %s but shard 1 is %s: merge only "
                          "shards graded the same way",
                          i + 1, parts[i].official ? "official" : "unofficial",
                          parts[0].official ? "official" : "unofficial");
      return SC_EREPORT;
    }
    out->official = out->official && parts[i].official;
    if (parts[i].elapsed_ms > out->elapsed_ms)
      out->elapsed_ms = parts[i].elapsed_ms;
  }
  out->trusted_ref = dup_or_null(ref);
  return 0;
}

int sc_results_merge(const struct sc_results *parts, size_t n,
                     struct sc_results *out, char **why) {
  char *problem = NULL;
  int err = 0;

  *out = (struct sc_results){0};
  if (n == 0) {
    problem = sc_xstrdup("no results to merge");
    err = SC_EREPORT;
  }
  if (err == 0)
    err = merge_header(parts, n, out, &problem);
  if (err == 0)
    err = merge_katas(parts, n, out, &problem);
  if (err == 0) {
    merge_findings(parts, n, out);
    sc_results_total(out);
  } else {
    sc_results_free(out);
    *out = (struct sc_results){0};
  }
  if (why != NULL)
    *why = problem;
  else
    free(problem);
  return err;
}

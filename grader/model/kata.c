#include "model/kata.h"
#include "core/error.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Manifest reading: each helper returns 0, or sets *why and returns
 * SC_EMANIFEST. Messages follow git's form: what, in quotes, then why. */

struct reader {
  const char *path;
  char **why;
};

static int complain(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int complain(struct reader *r, const char *fmt, ...) {
  struct sc_buf buf = {0};
  va_list ap;
  sc_buf_printf(&buf, "invalid manifest '%s': ", r->path);
  va_start(ap, fmt);
  sc_buf_vprintf(&buf, fmt, ap);
  va_end(ap);
  *r->why = sc_buf_detach(&buf);
  return SC_EMANIFEST;
}

static int get_string(struct reader *r, json_t *obj, const char *key,
                      int required, char **out) {
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (v == NULL && !required)
    return 0;
  if (!json_is_string(v) || json_string_length(v) == 0)
    return complain(r, "'%s' must be a non-empty string", key);
  *out = sc_xstrdup(json_string_value(v));
  return 0;
}

static int get_uint(struct reader *r, json_t *obj, const char *key,
                    unsigned max, unsigned *out) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0 ||
      json_integer_value(v) > (json_int_t)max)
    return complain(r, "'%s' must be an integer from 0 to %u", key, max);
  *out = (unsigned)json_integer_value(v);
  return 0;
}

/* A relative path that stays inside the kata: no "..", no leading '/'. */
static int is_safe_relative_path(const char *p) {
  if (p[0] == '/' || p[0] == '\0')
    return 0;
  for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
    if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
      return 0;
  return 1;
}

/* Edit distance between a and b, for "did you mean" (short keys only). */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  size_t row[64];
  if (la >= SC_ARRAY_SIZE(row) || lb >= SC_ARRAY_SIZE(row))
    return (size_t)-1;
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t above = row[j];
      size_t best = diagonal + (a[i - 1] != b[j - 1]);
      if (above + 1 < best)
        best = above + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diagonal = above;
    }
  }
  return row[lb];
}

/* Refuses any key of obj that known (NULL-terminated) does not list: a
 * misspelt "coverge" would otherwise be ignored and its levels silently be
 * the defaults. where names the object ("the top level", "figure 'x'"). */
static int check_keys(struct reader *r, json_t *obj, const char *where,
                      const char *const *known) {
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    const char *nearest = NULL;
    size_t best = 3; /* suggest only what is at most 2 edits away */
    int found = 0;
    for (const char *const *k = known; *k != NULL && !found; k++) {
      size_t d = distance(key, *k);
      found = d == 0;
      if (d < best) {
        best = d;
        nearest = *k;
      }
    }
    if (found)
      continue;
    if (nearest != NULL)
      return complain(r, "%s has an unknown key '%s' (did you mean '%s'?)",
                      where, key, nearest);
    struct sc_buf list = {0};
    for (const char *const *k = known; *k != NULL; k++)
      sc_buf_printf(&list, "%s%s", k == known ? "" : ", ", *k);
    int err = complain(r, "%s has an unknown key '%s' (known keys: %s)", where,
                       key, list.data);
    sc_buf_free(&list);
    return err;
  }
  return 0;
}

static int get_string_array(struct reader *r, json_t *obj, const char *key,
                            char ***out, size_t *count) {
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  *count = 0;
  if (v == NULL)
    return 0;
  if (!json_is_array(v))
    return complain(r, "'%s' must be an array of strings", key);
  size_t n = json_array_size(v);
  char **items = sc_xcalloc(n + 1, sizeof(*items));
  for (size_t i = 0; i < n; i++) {
    json_t *item = json_array_get(v, i);
    if (!json_is_string(item) || json_string_length(item) == 0) {
      for (size_t j = 0; j < i; j++)
        free(items[j]);
      free(items);
      return complain(r, "'%s' must be an array of non-empty strings", key);
    }
    items[i] = sc_xstrdup(json_string_value(item));
  }
  *out = items;
  *count = n;
  return 0;
}

static void free_strings(char **items, size_t count) {
  if (items == NULL)
    return;
  for (size_t i = 0; i < count; i++)
    free(items[i]);
  free(items);
}

static int read_gate_table(struct reader *r, json_t *root, const char *key,
                           unsigned min, unsigned max, unsigned *table) {
  json_t *obj = json_object_get(root, key);
  if (obj == NULL)
    return 0;
  if (!json_is_object(obj))
    return complain(r, "'%s' must be an object keyed by gate name", key);
  const char *gate_key;
  json_t *value;
  json_object_foreach(obj, gate_key, value) {
    enum sc_gate gate = sc_gate_from_name(gate_key);
    if (gate == SC_GATE_COUNT)
      return complain(r, "'%s' names an unknown gate '%s'", key, gate_key);
    int err = get_uint(r, obj, gate_key, max, &table[gate]);
    if (err)
      return err;
    if (table[gate] < min)
      return complain(r, "'%s': '%s' must be at least %u", key, gate_key, min);
  }
  return 0;
}

static int find_figure(const struct sc_kata *kata, const char *name,
                       size_t *index) {
  for (size_t i = 0; i < kata->figure_count; i++) {
    if (strcmp(kata->figures[i].name, name) == 0) {
      *index = i;
      return 1;
    }
  }
  return 0;
}

static int read_figure(struct reader *r, json_t *obj,
                       struct sc_figure_spec *fig) {
  static const char *const keys[] = {"name", "kind", "function", "args",
                                     "env",  "of",   NULL};
  char *kind = NULL, *of = NULL;
  if (!json_is_object(obj))
    return complain(r, "each of 'timing.figures' must be an object");
  int err = check_keys(r, obj, "a figure", keys);
  if (!err)
    err = get_string(r, obj, "name", 1, &fig->name);
  if (!err)
    err = get_string(r, obj, "kind", 1, &kind);
  if (!err)
    err = get_string(r, obj, "function", 0, &fig->function);
  if (!err)
    err = get_string_array(r, obj, "args", &fig->args, &fig->arg_count);
  if (!err)
    err = get_string_array(r, obj, "env", &fig->env, &fig->env_count);
  if (!err)
    err = get_string(r, obj, "of", 0, &of);
  if (err) {
    free(kind);
    free(of);
    return err;
  }
  static const struct {
    const char *name;
    enum sc_figure_kind kind;
  } kinds[] = {{"instructions", SC_FIGURE_INSTRUCTIONS},
               {"peak_rss", SC_FIGURE_PEAK_RSS},
               {"wall_ms", SC_FIGURE_WALL_MS},
               {"reported", SC_FIGURE_REPORTED}};
  size_t k = 0;
  while (k < SC_ARRAY_SIZE(kinds) && strcmp(kinds[k].name, kind) != 0)
    k++;
  if (k == SC_ARRAY_SIZE(kinds))
    err = complain(r,
                   "figure '%s' has unknown kind '%s' (use instructions, "
                   "peak_rss, wall_ms or reported)",
                   fig->name, kind);
  else
    fig->kind = kinds[k].kind;
  if (!err && of != NULL && strcmp(of, "reference") != 0 &&
      strcmp(of, "learner") != 0)
    err = complain(r, "figure '%s': 'of' must be 'learner' or 'reference'",
                   fig->name);
  fig->of_reference = of != NULL && strcmp(of, "reference") == 0;
  for (size_t i = 0; !err && i < fig->env_count; i++)
    if (strchr(fig->env[i], '=') == NULL)
      err = complain(r, "figure '%s': 'env' entries are \"NAME=value\"",
                     fig->name);
  free(kind);
  free(of);
  if (!err && fig->kind == SC_FIGURE_INSTRUCTIONS && fig->function == NULL)
    err = complain(r,
                   "figure '%s' counts instructions but names no "
                   "'function'",
                   fig->name);
  return err;
}

/* One side of a ratio: a figure's name, or an array of names multiplied. */
static int read_product(struct reader *r, const struct sc_kata *kata,
                        const char *threshold, json_t *side,
                        struct sc_figure_product *out) {
  size_t n = json_is_array(side) ? json_array_size(side) : 1;
  if (!json_is_string(side) && (!json_is_array(side) || n == 0))
    return complain(r,
                    "threshold '%s': each side of 'ratio' is a figure's "
                    "name or an array of names",
                    threshold);
  out->figures = sc_xcalloc(n, sizeof(*out->figures));
  out->count = n;
  for (size_t i = 0; i < n; i++) {
    json_t *item = json_is_array(side) ? json_array_get(side, i) : side;
    const char *name = json_string_value(item);
    if (name == NULL || !find_figure(kata, name, &out->figures[i]))
      return complain(r, "threshold '%s' names no figure '%s'", threshold,
                      name ? name : "(not a string)");
  }
  return 0;
}

static int read_bound(struct reader *r, json_t *obj, const char *key,
                      const char *threshold, int *has, double *value) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_number(v) || json_number_value(v) <= 0)
    return complain(r, "threshold '%s': '%s' must be a positive number",
                    threshold, key);
  *has = 1;
  *value = json_number_value(v);
  return 0;
}

static int read_threshold(struct reader *r, const struct sc_kata *kata,
                          json_t *obj, struct sc_threshold_spec *t) {
  static const char *const keys[] = {"name", "ratio",   "min",
                                     "max",  "explain", NULL};
  if (!json_is_object(obj))
    return complain(r, "each of 'timing.thresholds' must be an object");
  int err = check_keys(r, obj, "a threshold", keys);
  if (!err)
    err = get_string(r, obj, "name", 1, &t->name);
  if (!err)
    err = get_string(r, obj, "explain", 0, &t->explain);
  if (err)
    return err;
  json_t *ratio = json_object_get(obj, "ratio");
  if (!json_is_array(ratio) || json_array_size(ratio) != 2)
    return complain(r,
                    "threshold '%s' needs 'ratio': [numerator, "
                    "denominator]",
                    t->name);
  if ((err = read_product(r, kata, t->name, json_array_get(ratio, 0),
                          &t->numerator)) ||
      (err = read_product(r, kata, t->name, json_array_get(ratio, 1),
                          &t->denominator)) ||
      (err = read_bound(r, obj, "min", t->name, &t->has_min, &t->min)) ||
      (err = read_bound(r, obj, "max", t->name, &t->has_max, &t->max)))
    return err;
  if (!t->has_min && !t->has_max)
    return complain(r, "threshold '%s' needs a 'min' or a 'max'", t->name);
  if (t->has_min && t->has_max && t->min > t->max)
    return complain(r, "threshold '%s': 'min' is above 'max'", t->name);
  return 0;
}

static int read_timing(struct reader *r, json_t *root, struct sc_kata *kata) {
  static const char *const keys[] = {"figures", "thresholds", NULL};
  json_t *timing = json_object_get(root, "timing");
  if (timing == NULL)
    return 0;
  if (!json_is_object(timing))
    return complain(r, "'timing' must be an object");
  int checked = check_keys(r, timing, "'timing'", keys);
  if (checked)
    return checked;
  json_t *figures = json_object_get(timing, "figures");
  json_t *thresholds = json_object_get(timing, "thresholds");
  if (!json_is_array(figures) || !json_is_array(thresholds))
    return complain(r, "'timing' needs arrays 'figures' and 'thresholds'");
  if (kata->benchmark == NULL)
    return complain(r, "'timing' needs a 'benchmark' source to run");
  /* A timing gate with nothing to measure would pass or fail on nothing. */
  if (json_array_size(figures) == 0 || json_array_size(thresholds) == 0)
    return complain(r, "'timing' needs at least one figure and one "
                       "threshold (or no 'timing' at all)");
  kata->figure_count = json_array_size(figures);
  kata->figures = sc_xcalloc(kata->figure_count, sizeof(*kata->figures));
  for (size_t i = 0; i < kata->figure_count; i++) {
    int err = read_figure(r, json_array_get(figures, i), &kata->figures[i]);
    if (err)
      return err;
  }
  for (size_t i = 0; i < kata->figure_count; i++)
    kata->needs_reference |= kata->figures[i].of_reference;
  kata->threshold_count = json_array_size(thresholds);
  kata->thresholds =
      sc_xcalloc(kata->threshold_count, sizeof(*kata->thresholds));
  for (size_t i = 0; i < kata->threshold_count; i++) {
    int err = read_threshold(r, kata, json_array_get(thresholds, i),
                             &kata->thresholds[i]);
    if (err)
      return err;
  }
  return 0;
}

static int read_writing(struct reader *r, json_t *root, struct sc_kata *kata) {
  json_t *writing = json_object_get(root, "writing");
  if (writing == NULL)
    return 0;
  if (!json_is_array(writing))
    return complain(r, "'writing' must be an array of objects");
  kata->writing_count = json_array_size(writing);
  kata->writing = sc_xcalloc(kata->writing_count, sizeof(*kata->writing));
  for (size_t i = 0; i < kata->writing_count; i++) {
    json_t *obj = json_array_get(writing, i);
    struct sc_writing_spec *w = &kata->writing[i];
    static const char *const keys[] = {"file", "about", "min_words", NULL};
    if (!json_is_object(obj))
      return complain(r, "each of 'writing' must be an object");
    int err = check_keys(r, obj, "a 'writing' entry", keys);
    if (!err)
      err = get_string(r, obj, "file", 1, &w->file);
    if (!err && !is_safe_relative_path(w->file))
      err = complain(r, "'%s' must be a path inside the kata", w->file);
    if (!err)
      err = get_string(r, obj, "about", 0, &w->about);
    if (!err)
      err = get_uint(r, obj, "min_words", 100000, &w->min_words);
    if (err)
      return err;
  }
  return 0;
}

static int check_paths(struct reader *r, struct sc_kata *kata) {
  const char *single[] = {kata->suite, kata->learner_tests, kata->benchmark};
  for (size_t i = 0; i < SC_ARRAY_SIZE(single); i++)
    if (single[i] != NULL && !is_safe_relative_path(single[i]))
      return complain(r, "'%s' must be a path inside the kata", single[i]);
  if (kata->editable_count == 0)
    return complain(r, "'editable' must list the files the learner edits");
  for (size_t i = 0; i < kata->editable_count; i++) {
    if (!is_safe_relative_path(kata->editable[i]))
      return complain(r, "'%s' must be a path inside the kata",
                      kata->editable[i]);
    for (size_t j = 0; j < i; j++)
      if (strcmp(kata->editable[i], kata->editable[j]) == 0)
        return complain(r, "'editable' lists '%s' twice", kata->editable[i]);
  }
  if (kata->learner_tests != NULL &&
      !sc_kata_is_editable(kata, kata->learner_tests))
    return complain(r, "'learner_tests' must also be listed in 'editable'");
  if (sc_kata_is_editable(kata, kata->suite))
    return complain(r, "the suite '%s' cannot be learner-editable",
                    kata->suite);
  /* The timing gate trusts the benchmark as it trusts the suite. */
  if (kata->benchmark != NULL && sc_kata_is_editable(kata, kata->benchmark))
    return complain(r, "the benchmark '%s' cannot be learner-editable",
                    kata->benchmark);
  return 0;
}

/* A file the manifest names must be a regular file inside the kata, reached
 * without a symbolic link. */
static int check_kata_file(struct reader *r, const struct sc_kata *kata,
                           const char *key, const char *file) {
  int fd = sc_open_inside(kata->dir, file);
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  return complain(r,
                  "'%s' names '%s', which is not a regular file of the "
                  "kata (%s)",
                  key, file, sc_strerror(fd));
}

/* The pkg-config modules senior_kata() knows how to link: the grader's own
 * dependencies, so every machine that builds the grader has them. The
 * refusal below names them all. */
static const char *const known_libraries[] = {"jansson", "libuv", NULL};
#define KNOWN_LIBRARIES "jansson, libuv"

static int read_libraries(struct reader *r, json_t *root,
                          struct sc_kata *kata) {
  int err = get_string_array(r, root, "libraries", &kata->libraries,
                             &kata->library_count);
  for (size_t i = 0; !err && i < kata->library_count; i++) {
    const char *const *k = known_libraries;
    while (*k != NULL && strcmp(*k, kata->libraries[i]) != 0)
      k++;
    if (*k == NULL)
      err = complain(r,
                     "'libraries' names '%s', which the grader cannot "
                     "link (known: " KNOWN_LIBRARIES ")",
                     kata->libraries[i]);
  }
  return err;
}

static int read_symbols(struct reader *r, json_t *root, struct sc_kata *kata) {
  static const char *const keys[] = {"imports", "exports", NULL};
  json_t *symbols = json_object_get(root, "symbols");
  if (symbols == NULL)
    return 0;
  if (!json_is_object(symbols))
    return complain(r, "'symbols' must be an object with 'imports' and "
                       "'exports'");
  int err = check_keys(r, symbols, "'symbols'", keys);
  if (!err)
    err = get_string_array(r, symbols, "imports", &kata->imports,
                           &kata->import_count);
  if (!err)
    err = get_string_array(r, symbols, "exports", &kata->exports,
                           &kata->export_count);
  return err;
}

static int read_lessons(struct reader *r, json_t *root, struct sc_kata *kata) {
  static const char *const keys[] = {"forbid", "files", "message", NULL};
  json_t *lessons = json_object_get(root, "lessons");
  if (lessons == NULL)
    return 0;
  if (!json_is_array(lessons))
    return complain(r, "'lessons' must be an array of objects");
  kata->lesson_count = json_array_size(lessons);
  kata->lessons = sc_xcalloc(kata->lesson_count, sizeof(*kata->lessons));
  for (size_t i = 0; i < kata->lesson_count; i++) {
    json_t *obj = json_array_get(lessons, i);
    struct sc_lesson_spec *l = &kata->lessons[i];
    if (!json_is_object(obj))
      return complain(r, "each of 'lessons' must be an object");
    int err = check_keys(r, obj, "a lesson", keys);
    if (!err)
      err = get_string(r, obj, "forbid", 1, &l->forbid);
    if (!err)
      err = get_string(r, obj, "message", 1, &l->message);
    if (!err)
      err = get_string_array(r, obj, "files", &l->files, &l->file_count);
    if (err)
      return err;
    if (l->file_count == 0)
      return complain(r, "lesson '%s' needs 'files', editable files to read",
                      l->forbid);
    for (size_t f = 0; f < l->file_count; f++)
      if (!sc_kata_is_editable(kata, l->files[f]))
        return complain(r, "lesson '%s' reads '%s', which is not editable",
                        l->forbid, l->files[f]);
    regex_t re;
    int bad = regcomp(&re, l->forbid, REG_EXTENDED | REG_NOSUB);
    if (bad != 0) {
      char text[160];
      regerror(bad, &re, text, sizeof(text));
      return complain(r,
                      "lesson '%s' is not a valid extended regular "
                      "expression: %s",
                      l->forbid, text);
    }
    regfree(&re);
  }
  return 0;
}

static int read_sub_object(struct reader *r, json_t *root, const char *key,
                           const char *const *keys, json_t **out) {
  json_t *obj = json_object_get(root, key);
  *out = obj;
  if (obj == NULL)
    return 0;
  if (!json_is_object(obj))
    return complain(r, "'%s' must be an object", key);
  char *where = sc_xasprintf("'%s'", key);
  int err = check_keys(r, obj, where, keys);
  free(where);
  return err;
}

static int read_manifest(struct reader *r, json_t *root, struct sc_kata *kata) {
  static const char *const keys[] = {"id",
                                     "title",
                                     "week",
                                     "goal",
                                     "editable",
                                     "sources",
                                     "suite",
                                     "learner_tests",
                                     "benchmark",
                                     "libraries",
                                     "timeouts",
                                     "weights",
                                     "memcheck",
                                     "coverage",
                                     "strict",
                                     "timing",
                                     "writing",
                                     "selfcheck",
                                     "symbols",
                                     "lessons",
                                     "max_file_bytes",
                                     "first_try",
                                     NULL};
  int err = check_keys(r, root, "the manifest", keys);
  if (err)
    return err;
  char *id = NULL;
  err = get_string(r, root, "id", 1, &id);
  if (err)
    return err;
  const char *base = strrchr(kata->dir, '/');
  base = base ? base + 1 : kata->dir;
  if (strcmp(id, base) != 0) {
    err = complain(r, "'id' is '%s' but the folder is '%s'", id, base);
    free(id);
    return err;
  }
  kata->id = id;
  if ((err = get_string(r, root, "title", 1, &kata->title)) ||
      (err = get_string(r, root, "goal", 1, &kata->goal)) ||
      (err = get_uint(r, root, "week", 4, &kata->week)) ||
      (err = get_string(r, root, "suite", 1, &kata->suite)) ||
      (err = get_string(r, root, "learner_tests", 0, &kata->learner_tests)) ||
      (err = get_string(r, root, "benchmark", 0, &kata->benchmark)) ||
      (err = get_string_array(r, root, "editable", &kata->editable,
                              &kata->editable_count)) ||
      (err = get_string_array(r, root, "sources", &kata->sources,
                              &kata->source_count)) ||
      (err = check_paths(r, kata)) || (err = read_libraries(r, root, kata)) ||
      (err = read_symbols(r, root, kata)) ||
      (err = read_lessons(r, root, kata)) ||
      (err = read_gate_table(r, root, "timeouts", 1, 3600, kata->timeout_s)) ||
      (err = read_gate_table(r, root, "weights", 0, 100, kata->weight)) ||
      (err = read_timing(r, root, kata)) || (err = read_writing(r, root, kata)))
    return err;
  unsigned max_bytes = 0;
  if ((err = get_uint(r, root, "max_file_bytes", 16u << 20, &max_bytes)))
    return err;
  if (json_object_get(root, "max_file_bytes") != NULL) {
    if (max_bytes == 0)
      return complain(r, "'max_file_bytes' must be at least 1");
    kata->max_file_bytes = max_bytes;
  }

  /* Every trusted file the build will compile exists, so that a broken
   * manifest is the author's error, never a learner's failed build. */
  if ((err = check_kata_file(r, kata, "suite", kata->suite)) ||
      (kata->benchmark &&
       (err = check_kata_file(r, kata, "benchmark", kata->benchmark))))
    return err;
  for (size_t i = 0; i < kata->source_count; i++) {
    if (!is_safe_relative_path(kata->sources[i]))
      return complain(r, "'%s' must be a path inside the kata",
                      kata->sources[i]);
    if (sc_kata_is_editable(kata, kata->sources[i]))
      return complain(r, "'%s' is both a trusted source and editable",
                      kata->sources[i]);
    if ((err = check_kata_file(r, kata, "sources", kata->sources[i])))
      return err;
  }

  static const char *const first_try_keys[] = {"file", "tests", NULL};
  json_t *first_try;
  if ((err = read_sub_object(r, root, "first_try", first_try_keys, &first_try)))
    return err;
  if (first_try != NULL &&
      ((err = get_string(r, first_try, "file", 1, &kata->first_try_file)) ||
       (err = get_string(r, first_try, "tests", 1, &kata->first_try_tests))))
    return err;
  if (kata->first_try_file != NULL &&
      !sc_kata_is_editable(kata, kata->first_try_file))
    return complain(r, "'first_try': '%s' is not an editable file",
                    kata->first_try_file);

  static const char *const memcheck_keys[] = {"filter", NULL};
  static const char *const coverage_keys[] = {"line", "branch", NULL};
  static const char *const strict_keys[] = {"thread_sanitizer",
                                            "when_tests_fail", NULL};
  static const char *const selfcheck_keys[] = {"sources", "args", NULL};
  json_t *memcheck, *coverage, *strict, *selfcheck;
  if ((err = read_sub_object(r, root, "memcheck", memcheck_keys, &memcheck)) ||
      (err = read_sub_object(r, root, "coverage", coverage_keys, &coverage)) ||
      (err = read_sub_object(r, root, "strict", strict_keys, &strict)) ||
      (err = read_sub_object(r, root, "selfcheck", selfcheck_keys, &selfcheck)))
    return err;
  if (memcheck != NULL &&
      (err = get_string(r, memcheck, "filter", 0, &kata->memcheck_filter)))
    return err;
  if (selfcheck != NULL) {
    char **sources = NULL;
    size_t count = 0;
    if ((err = get_string_array(r, selfcheck, "sources", &sources, &count)) ||
        count == 0) {
      free_strings(sources, count);
      return err ? err
                 : complain(r, "'selfcheck' needs 'sources', the trusted "
                               "files of the kata author's check");
    }
    for (size_t i = 0; !err && i < count; i++)
      err =
          is_safe_relative_path(sources[i])
              ? check_kata_file(r, kata, "selfcheck.sources", sources[i])
              : complain(r, "'%s' must be a path inside the kata", sources[i]);
    free_strings(sources, count);
    if (err)
      return err;
    kata->has_selfcheck = 1;
    if ((err = get_string_array(r, selfcheck, "args", &kata->selfcheck_args,
                                &kata->selfcheck_arg_count)))
      return err;
  }
  if (strict != NULL) {
    json_t *tsan = json_object_get(strict, "thread_sanitizer");
    if (tsan != NULL && !json_is_boolean(tsan))
      return complain(r, "'strict' must be an object whose "
                         "'thread_sanitizer' is true or false");
    kata->thread_sanitizer = json_is_true(tsan);
    json_t *failing = json_object_get(strict, "when_tests_fail");
    if (failing != NULL && !json_is_boolean(failing))
      return complain(r, "'strict' must be an object whose "
                         "'when_tests_fail' is true or false");
    kata->sanitize_failing = json_is_true(failing);
  }
  if (coverage != NULL &&
      ((err = get_uint(r, coverage, "line", 100, &kata->coverage_line)) ||
       (err = get_uint(r, coverage, "branch", 100, &kata->coverage_branch))))
    return err;

  unsigned total = 0;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    total += kata->weight[g];
  if (total != 100)
    return complain(r, "the gate weights add up to %u, not 100", total);
  if (kata->figure_count == 0 && kata->weight[SC_GATE_TIMING] != 0)
    return complain(r, "without 'timing' figures, 'weights' must give the "
                       "timing gate 0 points");
  return 0;
}

static void set_defaults(struct sc_kata *kata) {
  static const unsigned timeouts[SC_GATE_COUNT] = {300, 60, 300, 300, 120, 120};
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    kata->timeout_s[g] = timeouts[g];
    kata->weight[g] = sc_gate_default_weight((enum sc_gate)g);
  }
  kata->coverage_line = 80;
  kata->coverage_branch = 60;
  kata->max_file_bytes = 256u << 10;
}

int sc_kata_load(const char *dir, struct sc_kata **out, char **why) {
  struct sc_kata *kata = sc_xcalloc(1, sizeof(*kata));
  kata->dir = sc_xstrdup(dir);
  for (size_t len = strlen(kata->dir); len > 1 && kata->dir[len - 1] == '/';)
    kata->dir[--len] = '\0';
  kata->manifest_path = sc_path_join(dir, "kata.json");
  set_defaults(kata);
  *out = NULL;
  *why = NULL;

  struct reader r = {kata->manifest_path, why};
  json_error_t jerr;
  /* A FIFO or a device in its place must not hang the loader. */
  char *text = NULL;
  int read_err = sc_read_file(kata->manifest_path, 1u << 20, &text, NULL);
  json_t *root =
      read_err == 0 ? json_loads(text, JSON_REJECT_DUPLICATES, &jerr) : NULL;
  free(text);
  int err;
  if (read_err == -ENOENT)
    err = complain(&r, "no such file (every kata needs one)");
  else if (read_err != 0)
    err = complain(&r, "cannot be read as a regular file: %s",
                   sc_strerror(read_err));
  else if (root == NULL && jerr.line < 1)
    err = complain(&r, "%s", jerr.text);
  else if (root == NULL)
    err = complain(&r, "line %d, column %d: %s", jerr.line, jerr.column,
                   jerr.text);
  else if (!json_is_object(root))
    err = complain(&r, "the top level must be an object");
  else
    err = read_manifest(&r, root, kata);
  json_decref(root);
  if (err) {
    sc_kata_free(kata);
    return err;
  }
  *out = kata;
  return 0;
}

int sc_kata_is_editable(const struct sc_kata *kata, const char *path) {
  for (size_t i = 0; i < kata->editable_count; i++)
    if (strcmp(kata->editable[i], path) == 0)
      return 1;
  return 0;
}

void sc_kata_free(struct sc_kata *kata) {
  if (kata == NULL)
    return;
  for (size_t i = 0; i < kata->figure_count; i++) {
    free(kata->figures[i].name);
    free(kata->figures[i].function);
    free_strings(kata->figures[i].args, kata->figures[i].arg_count);
    free_strings(kata->figures[i].env, kata->figures[i].env_count);
  }
  for (size_t i = 0; i < kata->threshold_count; i++) {
    free(kata->thresholds[i].name);
    free(kata->thresholds[i].explain);
    free(kata->thresholds[i].numerator.figures);
    free(kata->thresholds[i].denominator.figures);
  }
  for (size_t i = 0; i < kata->writing_count; i++) {
    free(kata->writing[i].file);
    free(kata->writing[i].about);
  }
  for (size_t i = 0; i < kata->lesson_count; i++) {
    free(kata->lessons[i].forbid);
    free(kata->lessons[i].message);
    free_strings(kata->lessons[i].files, kata->lessons[i].file_count);
  }
  free(kata->lessons);
  free(kata->first_try_file);
  free(kata->first_try_tests);
  free_strings(kata->sources, kata->source_count);
  free_strings(kata->libraries, kata->library_count);
  free_strings(kata->imports, kata->import_count);
  free_strings(kata->exports, kata->export_count);
  free_strings(kata->selfcheck_args, kata->selfcheck_arg_count);
  free(kata->figures);
  free(kata->thresholds);
  free(kata->writing);
  free_strings(kata->editable, kata->editable_count);
  free(kata->id);
  free(kata->title);
  free(kata->goal);
  free(kata->dir);
  free(kata->manifest_path);
  free(kata->suite);
  free(kata->learner_tests);
  free(kata->benchmark);
  free(kata->memcheck_filter);
  free(kata);
}

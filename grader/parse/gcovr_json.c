#include "parse/gcovr_json.h"

#include "core/error.h"
#include "parse/report_text.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Loads the JSON file at path into *root, which must be an object holding
 * a "files" array, stored in *files. Returns 0 (the caller then owns a
 * reference to *root), -errno, SC_ETOO_BIG, SC_EREPORT or -ENOMEM. */
static int load_report(const char *path, json_t **root, json_t **files) {
  json_error_t error;
  char *text = NULL;
  size_t len = 0;
  int err;

  err = sc__report_slurp(path, SC__REPORT_MAX_BYTES, &text, &len);
  if (err != 0)
    return err;
  *root = json_loadb(text, len, 0, &error);
  free(text);
  if (*root == NULL)
    return json_error_code(&error) == json_error_out_of_memory ? -ENOMEM
                                                               : SC_EREPORT;
  *files = json_object_get(*root, "files");
  if (!json_is_object(*root) || !json_is_array(*files)) {
    json_decref(*root);
    *root = NULL;
    return SC_EREPORT;
  }
  return 0;
}

/* Reads the count key of object into *value: 0 when absent. Returns 0, or
 * -1 when it is present but not an integer from 0 to UINT_MAX. */
static int read_count(const json_t *object, const char *key, unsigned *value) {
  json_t *item = json_object_get(object, key);
  json_int_t n;

  *value = 0;
  if (item == NULL)
    return 0;
  if (!json_is_integer(item))
    return -1;
  n = json_integer_value(item);
  if (n < 0 || (unsigned long long)n > UINT_MAX)
    return -1;
  *value = (unsigned)n;
  return 0;
}

/* Fills *out from one entry of the summary's "files". Returns 0,
 * SC_EREPORT or -ENOMEM (then *out owns nothing). */
static int read_summary_file(const json_t *entry,
                             struct sc_coverage_file *out) {
  const char *name = json_string_value(json_object_get(entry, "filename"));

  memset(out, 0, sizeof *out);
  if (!json_is_object(entry) || name == NULL)
    return SC_EREPORT;
  if (read_count(entry, "line_covered", &out->lines_covered) != 0 ||
      read_count(entry, "line_total", &out->lines_total) != 0 ||
      read_count(entry, "branch_covered", &out->branches_covered) != 0 ||
      read_count(entry, "branch_total", &out->branches_total) != 0 ||
      read_count(entry, "function_covered", &out->functions_covered) != 0 ||
      read_count(entry, "function_total", &out->functions_total) != 0)
    return SC_EREPORT;
  out->path = strdup(name);
  return out->path == NULL ? -ENOMEM : 0;
}

/* Reads a gcovr summary; the contract is in gcovr_json.h. The JSON tree is
 * released before returning: the report only holds copies. */
int sc_gcovr_summary_read(const char *path, struct sc_coverage_report *report) {
  json_t *root = NULL;
  json_t *files = NULL;
  size_t n;
  size_t i;
  int err;

  memset(report, 0, sizeof *report);
  err = load_report(path, &root, &files);
  if (err != 0)
    return err;
  n = json_array_size(files);
  if (n > 0) {
    report->files = calloc(n, sizeof *report->files);
    if (report->files == NULL) {
      json_decref(root);
      return -ENOMEM;
    }
  }
  for (i = 0; i < n && err == 0; i++) {
    err = read_summary_file(json_array_get(files, i), &report->files[i]);
    if (err == 0)
      report->count++;
  }
  json_decref(root);
  if (err != 0)
    sc_coverage_report_free(report);
  return err;
}

/* qsort() order of unsigned values, ascending. */
static int compare_unsigned(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a;
  unsigned y = *(const unsigned *)b;

  return (x > y) - (x < y);
}

/* Lists the uncovered lines of one entry of the detailed report's "files"
 * into a new array, ascending, without duplicates (NULL when there are
 * none). A line is uncovered when its count is 0 and gcovr marks it neither
 * as noncode nor as excluded. Returns 0, SC_EREPORT or -ENOMEM (then
 * nothing is allocated). */
static int uncovered_lines(const json_t *entry, unsigned **lines,
                           size_t *count) {
  json_t *list = json_object_get(entry, "lines");
  unsigned *out = NULL;
  size_t n = 0;
  size_t kept;
  size_t i;

  *lines = NULL;
  *count = 0;
  if (list == NULL)
    return 0;
  if (!json_is_array(list))
    return SC_EREPORT;
  if (json_array_size(list) > 0) {
    out = malloc(json_array_size(list) * sizeof *out);
    if (out == NULL)
      return -ENOMEM;
  }
  for (i = 0; i < json_array_size(list); i++) {
    json_t *line = json_array_get(list, i);
    json_t *number = json_object_get(line, "line_number");
    json_t *hits = json_object_get(line, "count");

    if (!json_is_integer(number) || !json_is_integer(hits) ||
        json_integer_value(number) < 0 ||
        (unsigned long long)json_integer_value(number) > UINT_MAX) {
      free(out);
      return SC_EREPORT;
    }
    if (json_integer_value(hits) != 0 ||
        json_is_true(json_object_get(line, "gcovr/noncode")) ||
        json_is_true(json_object_get(line, "gcovr/excluded")))
      continue;
    out[n++] = (unsigned)json_integer_value(number);
  }
  if (n == 0) {
    free(out);
    return 0;
  }
  qsort(out, n, sizeof *out, compare_unsigned);
  for (kept = 1, i = 1; i < n; i++)
    if (out[i] != out[kept - 1])
      out[kept++] = out[i];
  *lines = out;
  *count = kept;
  return 0;
}

/* The file of report whose path is path, or NULL. It belongs to report. */
static struct sc_coverage_file *find_file(struct sc_coverage_report *report,
                                          const char *path) {
  size_t i;

  for (i = 0; i < report->count; i++)
    if (report->files[i].path != NULL &&
        strcmp(report->files[i].path, path) == 0)
      return &report->files[i];
  return NULL;
}

/* The uncovered lines found for one file of the report, before they
 * replace its list. */
struct pending_lines {
  struct sc_coverage_file *file;
  unsigned *lines;
  size_t count;
};

/* Adds uncovered lines from a detailed gcovr report; the contract is in
 * gcovr_json.h. */
int sc_gcovr_detail_read(const char *path, struct sc_coverage_report *report) {
  struct pending_lines *pending = NULL;
  json_t *root = NULL;
  json_t *files = NULL;
  size_t n_pending = 0;
  size_t n;
  size_t i;
  int err;

  err = load_report(path, &root, &files);
  if (err != 0)
    return err;
  n = json_array_size(files);
  if (n > 0) {
    pending = calloc(n, sizeof *pending);
    if (pending == NULL) {
      json_decref(root);
      return -ENOMEM;
    }
  }

  /* Everything is read before anything is replaced, so that a malformed
   * report leaves *report as it was. */
  for (i = 0; i < n && err == 0; i++) {
    json_t *entry = json_array_get(files, i);
    const char *name = json_string_value(json_object_get(entry, "file"));
    struct sc_coverage_file *file;

    if (name == NULL) {
      err = SC_EREPORT;
      break;
    }
    file = find_file(report, name);
    if (file == NULL)
      continue;
    err = uncovered_lines(entry, &pending[n_pending].lines,
                          &pending[n_pending].count);
    if (err == 0)
      pending[n_pending++].file = file;
  }
  json_decref(root);

  for (i = 0; i < n_pending; i++) {
    if (err != 0) {
      free(pending[i].lines);
      continue;
    }
    free(pending[i].file->uncovered_lines);
    pending[i].file->uncovered_lines = pending[i].lines;
    pending[i].file->uncovered_count = pending[i].count;
  }
  free(pending);
  return err;
}

/* Frees a coverage report; see gcovr_json.h. */
void sc_coverage_report_free(struct sc_coverage_report *report) {
  size_t i;

  if (report == NULL)
    return;
  for (i = 0; i < report->count; i++) {
    free(report->files[i].path);
    free(report->files[i].uncovered_lines);
  }
  free(report->files);
  report->files = NULL;
  report->count = 0;
}

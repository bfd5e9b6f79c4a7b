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

/* Sorts lines[0..*count) ascending and drops the duplicates. */
static void sort_unique(unsigned *lines, size_t *count) {
  size_t kept;
  size_t i;

  if (*count == 0)
    return;
  qsort(lines, *count, sizeof *lines, compare_unsigned);
  for (kept = 1, i = 1; i < *count; i++)
    if (lines[i] != lines[kept - 1])
      lines[kept++] = lines[i];
  *count = kept;
}

/* Whether the "branches" of one entry of a file's "lines" hold a branch
 * whose count is 0: 1 when one does, 0 when none does (or there are
 * none), -1 when the list or a count is malformed. */
static int has_untaken_branch(const json_t *line) {
  json_t *branches = json_object_get(line, "branches");
  int untaken = 0;
  size_t i;

  if (branches == NULL)
    return 0;
  if (!json_is_array(branches))
    return -1;
  for (i = 0; i < json_array_size(branches); i++) {
    json_t *hits = json_object_get(json_array_get(branches, i), "count");

    if (!json_is_integer(hits))
      return -1;
    if (json_integer_value(hits) == 0)
      untaken = 1;
  }
  return untaken;
}

/* What the detailed report says of one file, before it replaces the
 * file's lists in the report. Each list is NULL when empty. */
struct file_detail {
  unsigned *uncovered;
  size_t uncovered_count;
  unsigned *branches;
  size_t branch_count;
  struct sc_coverage_function *functions;
  size_t function_count;
};

static void file_detail_free(struct file_detail *d) {
  size_t i;

  for (i = 0; i < d->function_count; i++)
    free(d->functions[i].name);
  free(d->functions);
  free(d->branches);
  free(d->uncovered);
  memset(d, 0, sizeof *d);
}

/* Reads the "lines" of one entry of the detailed report's "files" into
 * d->uncovered and d->branches. A line counts when gcovr marks it neither
 * as noncode nor as excluded; it is uncovered when its count is 0, and it
 * has a branch never taken when it ran and one of its branches did not.
 * Returns 0, SC_EREPORT or -ENOMEM (then d's lists are left empty). */
static int read_lines(const json_t *entry, struct file_detail *d) {
  json_t *list = json_object_get(entry, "lines");
  size_t n;
  size_t i;

  if (list == NULL)
    return 0;
  if (!json_is_array(list))
    return SC_EREPORT;
  n = json_array_size(list);
  if (n == 0)
    return 0;
  d->uncovered = malloc(n * sizeof *d->uncovered);
  d->branches = malloc(n * sizeof *d->branches);
  if (d->uncovered == NULL || d->branches == NULL)
    return -ENOMEM;
  for (i = 0; i < n; i++) {
    json_t *line = json_array_get(list, i);
    json_t *number = json_object_get(line, "line_number");
    json_t *hits = json_object_get(line, "count");
    int untaken = has_untaken_branch(line);

    if (!json_is_integer(number) || !json_is_integer(hits) || untaken < 0 ||
        json_integer_value(number) < 0 ||
        (unsigned long long)json_integer_value(number) > UINT_MAX)
      return SC_EREPORT;
    if (json_is_true(json_object_get(line, "gcovr/noncode")) ||
        json_is_true(json_object_get(line, "gcovr/excluded")))
      continue;
    if (json_integer_value(hits) == 0)
      d->uncovered[d->uncovered_count++] = (unsigned)json_integer_value(number);
    else if (untaken)
      d->branches[d->branch_count++] = (unsigned)json_integer_value(number);
  }
  sort_unique(d->uncovered, &d->uncovered_count);
  sort_unique(d->branches, &d->branch_count);
  return 0;
}

/* qsort() order of functions: by start line, then by name. */
static int compare_functions(const void *a, const void *b) {
  const struct sc_coverage_function *x = a;
  const struct sc_coverage_function *y = b;

  if (x->line != y->line)
    return (x->line > y->line) - (x->line < y->line);
  return strcmp(x->name, y->name);
}

/* Reads the "functions" of one entry of the detailed report's "files" into
 * d->functions, by start line. Returns 0, SC_EREPORT or -ENOMEM (d then
 * owns what was read so far, for file_detail_free()). */
static int read_functions(const json_t *entry, struct file_detail *d) {
  json_t *list = json_object_get(entry, "functions");
  size_t i;

  if (list == NULL)
    return 0;
  if (!json_is_array(list))
    return SC_EREPORT;
  if (json_array_size(list) == 0)
    return 0;
  d->functions = calloc(json_array_size(list), sizeof *d->functions);
  if (d->functions == NULL)
    return -ENOMEM;
  for (i = 0; i < json_array_size(list); i++) {
    json_t *function = json_array_get(list, i);
    const char *name = json_string_value(json_object_get(function, "name"));
    json_t *line = json_object_get(function, "lineno");
    json_t *calls = json_object_get(function, "execution_count");
    struct sc_coverage_function *out = &d->functions[d->function_count];

    if (name == NULL || !json_is_integer(line) || !json_is_integer(calls) ||
        json_integer_value(line) < 0 ||
        (unsigned long long)json_integer_value(line) > UINT_MAX ||
        json_integer_value(calls) < 0)
      return SC_EREPORT;
    out->name = strdup(name);
    if (out->name == NULL)
      return -ENOMEM;
    out->line = (unsigned)json_integer_value(line);
    out->calls = (unsigned long)json_integer_value(calls);
    d->function_count++;
  }
  qsort(d->functions, d->function_count, sizeof *d->functions,
        compare_functions);
  return 0;
}

/* Reads everything the detailed report says of one file into *d, which
 * must be zeroed. Returns 0, SC_EREPORT or -ENOMEM (then *d is freed). */
static int read_file_detail(const json_t *entry, struct file_detail *d) {
  int err = read_lines(entry, d);

  if (err == 0)
    err = read_functions(entry, d);
  if (err != 0) {
    file_detail_free(d);
    return err;
  }
  if (d->uncovered_count == 0) {
    free(d->uncovered);
    d->uncovered = NULL;
  }
  if (d->branch_count == 0) {
    free(d->branches);
    d->branches = NULL;
  }
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

/* What was read for one file of the report, before it replaces its lists. */
struct pending_detail {
  struct sc_coverage_file *file;
  struct file_detail detail;
};

/* Replaces the lists of file with those of d, which then owns nothing. */
static void file_take_detail(struct sc_coverage_file *file,
                             struct file_detail *d) {
  struct file_detail old = {file->uncovered_lines, file->uncovered_count,
                            file->branch_lines,    file->branch_count,
                            file->functions,       file->function_count};

  file_detail_free(&old);
  file->uncovered_lines = d->uncovered;
  file->uncovered_count = d->uncovered_count;
  file->branch_lines = d->branches;
  file->branch_count = d->branch_count;
  file->functions = d->functions;
  file->function_count = d->function_count;
  memset(d, 0, sizeof *d);
}

/* Adds where coverage falls short from a detailed gcovr report; the
 * contract is in gcovr_json.h. */
int sc_gcovr_detail_read(const char *path, struct sc_coverage_report *report) {
  struct pending_detail *pending = NULL;
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
    err = read_file_detail(entry, &pending[n_pending].detail);
    if (err == 0)
      pending[n_pending++].file = file;
  }
  json_decref(root);

  for (i = 0; i < n_pending; i++) {
    if (err != 0)
      file_detail_free(&pending[i].detail);
    else
      file_take_detail(pending[i].file, &pending[i].detail);
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
    struct sc_coverage_file *file = &report->files[i];
    struct file_detail detail = {file->uncovered_lines, file->uncovered_count,
                                 file->branch_lines,    file->branch_count,
                                 file->functions,       file->function_count};

    file_detail_free(&detail);
    free(file->path);
  }
  free(report->files);
  report->files = NULL;
  report->count = 0;
}

#include "parse/gcc_diagnostics.h"

#include "core/error.h"
#include "parse/report_text.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Maps gcc's "kind" string to the three kinds the grader tells apart. */
static enum sc_diag_kind kind_of(const char *kind) {
  if (strcmp(kind, "note") == 0 || strcmp(kind, "debug") == 0)
    return SC_DIAG_NOTE;
  if (strcmp(kind, "warning") == 0 || strcmp(kind, "pedwarn") == 0 ||
      strcmp(kind, "anachronism") == 0)
    return SC_DIAG_WARNING;
  return SC_DIAG_ERROR;
}

/* The value of key in object as an unsigned, or 0 when absent or out of
 * range. */
static unsigned unsigned_at(const json_t *object, const char *key) {
  json_t *item = json_object_get(object, key);
  json_int_t n;

  if (!json_is_integer(item))
    return 0;
  n = json_integer_value(item);
  if (n < 0 || (unsigned long long)n > UINT_MAX)
    return 0;
  return (unsigned)n;
}

/* Frees the strings of one diagnostic and zeroes it. */
static void diagnostic_free(struct sc_diagnostic *diag) {
  free(diag->file);
  free(diag->message);
  free(diag->option);
  memset(diag, 0, sizeof *diag);
}

/* Fills *out from one element of gcc's array, checked by
 * is_diagnostic_array(). Returns 0, SC_EREPORT or -ENOMEM (then *out owns
 * nothing). */
static int read_diagnostic(const json_t *item, struct sc_diagnostic *out) {
  const char *kind = json_string_value(json_object_get(item, "kind"));
  const char *message = json_string_value(json_object_get(item, "message"));
  const char *option = json_string_value(json_object_get(item, "option"));
  json_t *caret = json_object_get(
      json_array_get(json_object_get(item, "locations"), 0), "caret");
  const char *file = json_string_value(json_object_get(caret, "file"));

  memset(out, 0, sizeof *out);
  if (kind == NULL || message == NULL)
    return SC_EREPORT;
  out->kind = kind_of(kind);
  out->line = unsigned_at(caret, "line");
  out->column = unsigned_at(caret, "column");
  out->message = strdup(message);
  if (out->message != NULL && option != NULL)
    out->option = strdup(option);
  if (out->message != NULL && file != NULL)
    out->file = strdup(file);
  if (out->message == NULL || (option != NULL && out->option == NULL) ||
      (file != NULL && out->file == NULL)) {
    diagnostic_free(out);
    return -ENOMEM;
  }
  return 0;
}

/* Whether every element of array is an object with a string "kind" and
 * "message", as gcc writes them. */
static int is_diagnostic_array(const json_t *array) {
  size_t i;

  for (i = 0; i < json_array_size(array); i++) {
    json_t *item = json_array_get(array, i);

    if (!json_is_object(item) ||
        !json_is_string(json_object_get(item, "kind")) ||
        !json_is_string(json_object_get(item, "message")))
      return 0;
  }
  return 1;
}

/* Appends the diagnostics of one array checked by is_diagnostic_array() to
 * *out. Returns 0, SC_EREPORT or -ENOMEM. */
static int append_array(const json_t *array, struct sc_diagnostics *out,
                        size_t *cap) {
  size_t i;
  int err;

  for (i = 0; i < json_array_size(array); i++) {
    if (out->count == *cap) {
      size_t ncap = *cap == 0 ? 16 : *cap * 2;
      struct sc_diagnostic *items;

      items = realloc(out->items, ncap * sizeof *items);
      if (items == NULL)
        return -ENOMEM;
      out->items = items;
      *cap = ncap;
    }
    err = read_diagnostic(json_array_get(array, i), &out->items[out->count]);
    if (err != 0)
      return err;
    out->count++;
  }
  return 0;
}

/* Parses one line of the log (without its newline) and appends what it
 * holds. Lines that are not a JSON array of diagnostics are skipped.
 * Returns 1 when the line was such an array, 0 when it was skipped,
 * SC_EREPORT or -ENOMEM. */
static int read_line(const char *line, size_t len, struct sc_diagnostics *out,
                     size_t *cap) {
  json_error_t error;
  json_t *array;
  size_t clean_len = 0;
  char *clean;
  int err;

  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
                     line[len - 1] == '\t'))
    len--;
  if (len == 0 || line[0] != '[')
    return 0;
  clean = sc__report_utf8(line, len, 0, 0, &clean_len);
  if (clean == NULL)
    return -ENOMEM;
  array = json_loadb(clean, clean_len, 0, &error);
  free(clean);
  if (array == NULL)
    return json_error_code(&error) == json_error_out_of_memory ? -ENOMEM : 0;
  if (!json_is_array(array) || !is_diagnostic_array(array)) {
    json_decref(array);
    return 0;
  }
  err = append_array(array, out, cap);
  json_decref(array);
  return err == 0 ? 1 : err;
}

/* Parses a captured compiler stream; the contract is in
 * gcc_diagnostics.h. text is only read; out holds copies. */
int sc_gcc_diagnostics_parse(const char *text, size_t len,
                             struct sc_diagnostics *out) {
  const char *line;
  const char *end;
  size_t cap = 0;
  int arrays = 0;
  int err = 0;

  memset(out, 0, sizeof *out);
  if (text == NULL)
    return len == 0 ? SC_EREPORT : -EINVAL;
  line = text;
  end = text + len;
  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    size_t line_len = eol == NULL ? (size_t)(end - line) : (size_t)(eol - line);

    err = read_line(line, line_len, out, &cap);
    if (err < 0)
      break;
    arrays += err;
    err = 0;
    if (eol == NULL)
      break;
    line = eol + 1;
  }
  if (err == 0 && arrays == 0)
    err = SC_EREPORT;
  if (err != 0)
    sc_diagnostics_free(out);
  return err;
}

/* Frees what sc_gcc_diagnostics_parse() filled; see gcc_diagnostics.h. */
void sc_diagnostics_free(struct sc_diagnostics *diags) {
  size_t i;

  if (diags == NULL)
    return;
  for (i = 0; i < diags->count; i++)
    diagnostic_free(&diags->items[i]);
  free(diags->items);
  diags->items = NULL;
  diags->count = 0;
}

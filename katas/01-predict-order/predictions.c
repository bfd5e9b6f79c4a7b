/* predictions: see predictions.h. */
#include "predictions.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Copies the words of `text` into `out` lower case, one space between
 * words. Returns 0, or -1 when they do not fit in `size` bytes. */
static int normalise(const char *text, char *out, size_t size) {
  size_t used = 0;

  for (const char *p = text; *p != '\0';) {
    if (isspace((unsigned char)*p)) {
      p++;
      continue;
    }
    if (used > 0) {
      if (used + 1 >= size)
        return -1;
      out[used++] = ' ';
    }
    for (; *p != '\0' && !isspace((unsigned char)*p); p++) {
      if (used + 1 >= size)
        return -1;
      out[used++] = (char)tolower((unsigned char)*p);
    }
  }
  out[used] = '\0';
  return 0;
}

/* Parses one line, with its comment already cut off, into `out`. Returns 0,
 * or -1 with the reason in `why`. */
static int parse_line(predictions_t *out, char *line, const char **why) {
  char *p = line;
  unsigned number = 0;
  int digits = 0;

  while (isspace((unsigned char)*p))
    p++;
  if (*p == '\0')
    return 0; /* blank or comment only */
  for (; isdigit((unsigned char)*p) && digits < 3; p++, digits++)
    number = number * 10 + (unsigned)(*p - '0');
  while (isspace((unsigned char)*p))
    p++;
  if (digits == 0 || *p != ':') {
    *why = "expected 'NN: label label ...'";
    return -1;
  }
  if (number == 0 || number > PREDICTIONS_MAX_PUZZLE) {
    *why = "puzzle number out of range";
    return -1;
  }
  if (out->present[number]) {
    *why = "this puzzle already has a prediction above";
    return -1;
  }
  if (normalise(p + 1, out->answer[number], PREDICTIONS_MAX_ANSWER) != 0) {
    *why = "answer too long";
    return -1;
  }
  out->present[number] = true;
  return 0;
}

int predictions_parse(predictions_t *out, const char *text, size_t len,
                      const char *name, char *err, size_t err_size) {
  char line[1024];
  unsigned lineno = 0;
  const char *why = NULL;
  const char *end = text + len;

  memset(out, 0, sizeof(*out));
  while (text < end) {
    const char *eol = memchr(text, '\n', (size_t)(end - text));
    size_t n = (size_t)((eol != NULL ? eol : end) - text);

    lineno++;
    if (n >= sizeof(line)) {
      snprintf(err, err_size, "'%s' line %u: line too long", name, lineno);
      return -1;
    }
    memcpy(line, text, n);
    line[n] = '\0';
    line[strcspn(line, "#\r")] = '\0';
    if (parse_line(out, line, &why) != 0) {
      snprintf(err, err_size, "'%s' line %u: %s", name, lineno, why);
      return -1;
    }
    text += n + (eol != NULL);
  }
  return 0;
}

int predictions_load(predictions_t *out, const char *path, char *err,
                     size_t err_size) {
  static char text[64 * 1024];
  FILE *file = fopen(path, "r");
  size_t len;

  memset(out, 0, sizeof(*out));
  if (file == NULL) {
    snprintf(err, err_size, "cannot open '%s': %s", path, strerror(errno));
    return -1;
  }
  len = fread(text, 1, sizeof(text), file);
  fclose(file);
  if (len == sizeof(text)) {
    snprintf(err, err_size, "'%s' is too long", path);
    return -1;
  }
  return predictions_parse(out, text, len, path, err, err_size);
}

const char *predictions_get(const predictions_t *p, unsigned number) {
  if (number == 0 || number > PREDICTIONS_MAX_PUZZLE || !p->present[number])
    return NULL;
  return p->answer[number];
}

#include "parse/sanitizer_stack.h"
#include "core/error.h"
#include "core/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum { WHAT_MAX = 120, FUNCTION_MAX = 128 };

static const char ASAN_MARK[] = "ERROR: AddressSanitizer: ";
static const char UBSAN_MARK[] = ": runtime error: ";
static const char ASAN[] = "AddressSanitizer";
static const char UBSAN[] = "UndefinedBehaviorSanitizer";

/* The length of the line at text, without its newline. */
static size_t line_length(const char *text) {
  return strcspn(text, "\n");
}

/* The next line after the one at text, or NULL at the end. */
static const char *next_line(const char *text) {
  const char *end = strchr(text, '\n');
  return end != NULL ? end + 1 : NULL;
}

/* len bytes at text as printable ASCII (anything else becomes '?'), cut at
 * WHAT_MAX bytes: a learner's program prints into the same output. */
static char *printable(const char *text, size_t len) {
  if (len > WHAT_MAX)
    len = WHAT_MAX;
  char *copy = sc_xasprintf("%.*s", (int)len, text);
  for (char *p = copy; *p; p++)
    if (*p < 0x20 || *p > 0x7e)
      *p = '?';
  return copy;
}

/* The report's headline: where it starts in output (the start of its line,
 * *start) and what it says. Returns NULL when output holds none. */
static char *headline(const char *output, const char **start,
                      const char **tool) {
  const char *asan = strstr(output, ASAN_MARK);
  const char *ubsan = strstr(output, UBSAN_MARK);
  if (asan == NULL && ubsan == NULL)
    return NULL;
  const char *text;
  size_t len;
  if (asan != NULL && (ubsan == NULL || asan < ubsan)) {
    *tool = ASAN;
    text = asan + strlen(ASAN_MARK);
    len = line_length(text);
    /* "SEGV on unknown address 0x... (pc 0x... bp ...)", "heap-use-after-
     * free on address 0x... at pc 0x...": code addresses differ run to
     * run and tell a learner nothing. */
    static const char *const cuts[] = {" (pc ", " at pc "};
    for (size_t i = 0; i < SC_ARRAY_SIZE(cuts); i++) {
      const char *cut = strstr(text, cuts[i]);
      if (cut != NULL && (size_t)(cut - text) < len)
        len = (size_t)(cut - text);
    }
    /* abort()'s "address" is the process and thread ids packed together. */
    static const char abrt[] = "ABRT on unknown address ";
    if (len >= strlen(abrt) && strncmp(text, abrt, strlen(abrt)) == 0) {
      text = "ABRT, from abort() or a failed assert()";
      len = strlen(text);
    }
  } else {
    *tool = UBSAN;
    text = ubsan + strlen(UBSAN_MARK);
    len = line_length(text);
  }
  const char *line = *tool == UBSAN ? ubsan : asan;
  while (line > output && line[-1] != '\n')
    line--;
  *start = line;
  return printable(text, len);
}

/* A frame line "    #N 0xADDR in FUNCTION FILE:LINE[:COL]": fills its
 * function (start and length), file (start and length) and line number.
 * Returns 0 when the line is a frame with a source line, 1 when it is a
 * frame without one (a library's "(libc.so.6+0x2a)"), -1 when it is not a
 * frame at all. */
static int parse_frame(const char *text, size_t len, const char **fn,
                       size_t *fn_len, const char **file, size_t *file_len,
                       unsigned *lineno) {
  size_t i = 0;
  while (i < len && (text[i] == ' ' || text[i] == '\t'))
    i++;
  if (i + 1 >= len || text[i] != '#' || !isdigit((unsigned char)text[i + 1]))
    return -1;
  const char *in = memmem(text + i, len - i, " in ", 4);
  if (in == NULL)
    return 1;
  *fn = in + 4;
  const char *end = text + len;
  const char *space = memchr(*fn, ' ', (size_t)(end - *fn));
  if (space == NULL)
    return 1;
  *fn_len = (size_t)(space - *fn);
  *file = space + 1;
  /* From the end: ":LINE" or ":LINE:COL", so that a path with spaces or
   * colons in it is still whole. */
  const char *numbers[2] = {NULL, NULL};
  const char *p = end;
  for (int k = 0; k < 2; k++) {
    const char *digits = p;
    while (digits > *file && isdigit((unsigned char)digits[-1]))
      digits--;
    if (digits == p || digits == *file || digits[-1] != ':')
      break;
    numbers[k] = digits;
    p = digits - 1;
  }
  if (numbers[0] == NULL)
    return 1;
  /* One number: it is the line; two: the first from the end is a column. */
  const char *line_at = numbers[1] != NULL ? numbers[1] : numbers[0];
  unsigned long n = strtoul(line_at, NULL, 10);
  if (n == 0 || n > 10000000ul)
    return 1;
  *lineno = (unsigned)n;
  *file_len = (size_t)(line_at - 1 - *file);
  return *file_len > 0 ? 0 : 1;
}

/* Whether len bytes at file are exactly one of the n paths in files. */
static int one_of(const char *file, size_t len, const char *const *files,
                  size_t n) {
  for (size_t i = 0; i < n; i++)
    if (files[i] != NULL && strlen(files[i]) == len &&
        memcmp(files[i], file, len) == 0)
      return 1;
  return 0;
}

/* A function name as code would spell it, else NULL. */
static char *identifier(const char *fn, size_t len) {
  if (len == 0 || len > FUNCTION_MAX)
    return NULL;
  for (size_t i = 0; i < len; i++)
    if (!isalnum((unsigned char)fn[i]) && fn[i] != '_' && fn[i] != '.')
      return NULL;
  return sc_xasprintf("%.*s", (int)len, fn);
}

int sc_sanitizer_site_find(const char *output, const char *const *files,
                           size_t n, struct sc_sanitizer_site *site) {
  memset(site, 0, sizeof(*site));
  const char *start = NULL;
  const char *tool = NULL;
  char *what = output != NULL ? headline(output, &start, &tool) : NULL;
  if (what == NULL)
    return SC_EREPORT;
  site->tool = tool;
  site->what = what;
  /* The first stack: lines before its first frame ("The signal is caused
   * by a READ memory access.") are passed over; the first line after it
   * that is not a frame ends it. */
  int in_stack = 0;
  for (const char *line = next_line(start); line != NULL && *line != '\0';
       line = next_line(line)) {
    const char *fn = NULL, *file = NULL;
    size_t fn_len = 0, file_len = 0;
    unsigned lineno = 0;
    int kind = parse_frame(line, line_length(line), &fn, &fn_len, &file,
                           &file_len, &lineno);
    if (kind < 0) {
      if (in_stack)
        break;
      continue;
    }
    in_stack = 1;
    if (kind == 0 && one_of(file, file_len, files, n)) {
      site->file = sc_xasprintf("%.*s", (int)file_len, file);
      site->line = lineno;
      site->function = identifier(fn, fn_len);
      break;
    }
  }
  return 0;
}

void sc_sanitizer_site_free(struct sc_sanitizer_site *site) {
  if (site == NULL)
    return;
  free(site->what);
  free(site->file);
  free(site->function);
  memset(site, 0, sizeof(*site));
}

#include "parse/callgrind_out.h"

#include "core/error.h"
#include "parse/report_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_LINE ((size_t)1024 * 1024)
#define NO_COLUMN ((size_t)-1)

static const char blanks[] = " \t\r\n";

/* The 0-based position of the word "Ir" among the blank-separated words of
 * list, or NO_COLUMN. Modifies list. */
static size_t ir_column(char *list) {
  char *save = NULL;
  char *word;
  size_t i = 0;

  for (word = strtok_r(list, blanks, &save); word != NULL;
       word = strtok_r(NULL, blanks, &save), i++)
    if (strcmp(word, "Ir") == 0)
      return i;
  return NO_COLUMN;
}

/* Parses the column-th blank-separated number of list into *value. Returns
 * 0 or SC_EREPORT. Modifies list. */
static int figure_at(char *list, size_t column, uint64_t *value) {
  char *save = NULL;
  char *word;
  size_t i = 0;

  for (word = strtok_r(list, blanks, &save); word != NULL;
       word = strtok_r(NULL, blanks, &save), i++)
    if (i == column)
      return sc__report_u64(word, UINT64_MAX, value) == 0 ? 0 : SC_EREPORT;
  return SC_EREPORT;
}

/* Whether line starts with prefix. */
static int has_prefix(const char *line, const char *prefix) {
  return strncmp(line, prefix, strlen(prefix)) == 0;
}

/* Reads the Ir total of a callgrind file; the contract is in
 * callgrind_out.h. The line buffer and the kept lines are freed before
 * returning. */
int sc_callgrind_total(const char *path, uint64_t *instructions) {
  char *summary = NULL;
  char *totals = NULL;
  char *line = NULL;
  size_t line_cap = 0;
  size_t column = 0;
  ssize_t n;
  FILE *file;
  int err = 0;

  /* The file lies where the measured code could write: no link, no FIFO. */
  struct stat st;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return errno == ELOOP ? -EINVAL : -errno;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return -EINVAL;
  }
  file = fdopen(fd, "re");
  if (file == NULL) {
    int err_open = -errno;
    close(fd);
    return err_open;
  }
  errno = 0;
  while ((n = getline(&line, &line_cap, file)) >= 0) {
    if ((size_t)n > MAX_LINE) {
      err = SC_ETOO_BIG;
      break;
    }
    if (has_prefix(line, "events:")) {
      column = ir_column(line + strlen("events:"));
    } else if (summary == NULL && has_prefix(line, "summary:")) {
      summary = strdup(line + strlen("summary:"));
      if (summary == NULL)
        err = -ENOMEM;
    } else if (totals == NULL && has_prefix(line, "totals:")) {
      totals = strdup(line + strlen("totals:"));
      if (totals == NULL)
        err = -ENOMEM;
    }
    if (err != 0 || summary != NULL)
      break;
  }
  if (err == 0 && n < 0 && ferror(file))
    err = errno != 0 ? -errno : -EIO;
  free(line);
  fclose(file);

  if (err == 0) {
    char *figures = summary != NULL ? summary : totals;

    if (figures == NULL || column == NO_COLUMN)
      err = SC_EREPORT;
    else
      err = figure_at(figures, column, instructions);
  }
  free(summary);
  free(totals);
  return err;
}

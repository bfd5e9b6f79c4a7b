#include "cli/outputs.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/util.h"
#include "report/github.h"
#include "report/gradescope.h"
#include "report/html.h"
#include "report/json.h"
#include "report/junit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*file_writer)(const struct sc_results *results, const char *path);

static int write_github(const struct sc_results *results, const char *path);

/* The formats: each writes a file; github may also go to the workflow's
 * own summary file and annotates on standard output. */
static const struct {
  const char *name;
  file_writer write;
  int needs_file;
} formats[] = {
    {"json", sc_report_json_write, 1},
    {"junit", sc_report_junit_write, 1},
    {"junit-locations", sc_report_junit_locations_write, 1},
    {"gradescope", sc_report_gradescope_write, 1},
    {"github", write_github, 0},
    {"html", sc_report_html_write, 1},
};

/* Appends the job summary to path (or $GITHUB_STEP_SUMMARY) and prints
 * the annotations on standard output, where the runner reads them. */
static int write_github(const struct sc_results *results, const char *path) {
  const char *summary = path ? path : getenv("GITHUB_STEP_SUMMARY");
  if (summary != NULL && *summary != '\0') {
    FILE *f = fopen(summary, "a");
    if (f == NULL)
      return -errno;
    int err = sc_report_github_summary(results, f);
    if (fclose(f) != 0 && err == 0)
      err = -errno;
    if (err != 0)
      return err;
  }
  return sc_report_github_annotations(results, stdout);
}

/* Splits "kind=file"; returns the format's index or -1. */
static int parse(const char *spec, const char **file) {
  const char *eq = strchr(spec, '=');
  size_t len = eq ? (size_t)(eq - spec) : strlen(spec);
  *file = eq ? eq + 1 : NULL;
  for (size_t i = 0; i < SC_ARRAY_SIZE(formats); i++)
    if (strlen(formats[i].name) == len &&
        strncmp(formats[i].name, spec, len) == 0)
      return (int)i;
  return -1;
}

/* Can a file be created at path? Checked before grading, so that a typo
 * in a folder's name costs no grading. */
static int writable(const char *path) {
  char *dir = sc_xstrdup(path);
  char *slash = strrchr(dir, '/');
  if (slash == dir)
    slash[1] = '\0';
  else if (slash != NULL)
    *slash = '\0';
  int ok = access(slash ? dir : ".", W_OK) == 0;
  if (!ok)
    sc_error("cannot write '%s': %s", path, strerror(errno));
  free(dir);
  return ok;
}

int sc_outputs_check(const char *const *specs, const char *json_path) {
  if (json_path != NULL && !writable(json_path))
    return -1;
  for (; *specs != NULL; specs++) {
    const char *file = NULL;
    int i = parse(*specs, &file);
    if (i < 0) {
      sc_error("unknown format '%s': use json=FILE, junit=FILE, "
               "junit-locations=FILE, gradescope=FILE, html=FILE or "
               "github[=FILE]",
               *specs);
      return -1;
    }
    if (formats[i].needs_file && (file == NULL || *file == '\0')) {
      sc_error("format '%s' needs a file: --format %s=FILE", formats[i].name,
               formats[i].name);
      return -1;
    }
    if (file != NULL && *file != '\0' && !writable(file))
      return -1;
  }
  return 0;
}

int sc_outputs_write(const struct sc_results *results, const char *const *specs,
                     const char *json_path) {
  int err = json_path ? sc_report_json_write(results, json_path) : 0;
  if (err != 0) {
    sc_error("cannot write '%s': %s", json_path, sc_strerror(err));
    return -1;
  }
  for (; *specs != NULL; specs++) {
    const char *file = NULL;
    int i = parse(*specs, &file);
    err = formats[i].write(results, file);
    if (err != 0) {
      sc_error("cannot write the %s output%s%s%s: %s", formats[i].name,
               file ? " '" : "", file ? file : "", file ? "'" : "",
               sc_strerror(err));
      return -1;
    }
  }
  return 0;
}

/* The report verb: the mentor's pages. One learner's page from a results
 * file (or from a grading run first), or a class page from many results
 * files. */
#include "cli/cli.h"
#include "core/error.h"
#include "core/util.h"
#include "report/class.h"
#include "report/html.h"
#include "report/results_read.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

/* How a grading run ended, filled in by on_grade_exit. */
struct grade_run {
  int64_t status;
  int signal;
};

/* Records how the grading ended and closes its handle (the one place it
 * is closed). */
static void on_grade_exit(uv_process_t *process, int64_t status, int signal) {
  struct grade_run *run = process->data;
  run->status = status;
  run->signal = signal;
  uv_close((uv_handle_t *)process, NULL);
}

/* Grades as `grade --json json_path [--solutions | --from DIR] [--katas
 * DIR]` would, by
 * running this same grader as a child with the terminal as its own, so
 * that the learner sees the usual table and progress. Running it as a
 * child rather than calling the grade verb in-process keeps everything
 * grade does (its checks, the trusted-ref handover, integrity) in one
 * place. Returns 0 when the grading produced results (at full marks or
 * not), or -1 with the error printed (grade prints its own). */
static int grade_into(const char *json_path, int solutions, const char *from,
                      const char *katas) {
  char exe[4096];
  size_t size = sizeof(exe);
  int err = uv_exepath(exe, &size);
  if (err != 0) {
    sc_error("cannot find the grader to grade with: %s", uv_strerror(err));
    return -1;
  }
  char *args[9] = {exe, "grade", "--json", (char *)json_path};
  size_t n = 4;
  if (solutions)
    args[n++] = "--solutions";
  if (from != NULL) {
    args[n++] = "--from";
    args[n++] = (char *)from;
  }
  if (katas != NULL) {
    args[n++] = "--katas";
    args[n++] = (char *)katas;
  }
  uv_stdio_container_t stdio[3] = {{UV_INHERIT_FD, {.fd = 0}},
                                   {UV_INHERIT_FD, {.fd = 1}},
                                   {UV_INHERIT_FD, {.fd = 2}}};
  uv_process_options_t options = {.file = exe,
                                  .args = args,
                                  .exit_cb = on_grade_exit,
                                  .stdio_count = 3,
                                  .stdio = stdio};
  struct grade_run run = {-1, 0};
  uv_process_t process;
  process.data = &run;
  uv_loop_t loop;
  uv_loop_init(&loop);
  fflush(stdout);
  err = uv_spawn(&loop, &process, &options);
  if (err != 0)
    uv_close((uv_handle_t *)&process, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  if (err != 0) {
    sc_error("cannot run '%s grade': %s", exe, uv_strerror(err));
    return -1;
  }
  if (run.signal != 0 ||
      (run.status != SC_EXIT_FULL_MARKS && run.status != SC_EXIT_SHORT)) {
    if (run.signal != 0)
      sc_error("grading ended by signal %d: no report written", run.signal);
    return -1; /* grade said why */
  }
  return 0;
}

/* The learner's name from a results file's name: without its folders and
 * ".json" (newly allocated). */
static char *name_of(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  if (len > 5 && strcmp(base + len - 5, ".json") == 0)
    len -= 5;
  return sc_xasprintf("%.*s", (int)len, base);
}

/* Reads the results file at path into *out, printing the error. */
static int read_results(const char *path, struct sc_results *out) {
  char *why = NULL;
  int err = sc_results_read(path, out, &why);
  if (err != 0)
    sc_error("%s", why ? why : sc_strerror(err));
  free(why);
  return err;
}

/* When the results file at path was graded (its graded_at, seconds since
 * the epoch), or 0 when it does not say: files written before the grader
 * recorded it, or a bad time. sc_results_read() has already checked the
 * file; graded_at is read apart because the model does not carry it. */
static long long graded_at_of(const char *path) {
  json_t *root = json_load_file(path, 0, NULL);
  long long when = 0;
  if (sc_html_parse_time(json_string_value(json_object_get(root, "graded_at")),
                         &when) != 0)
    when = 0;
  json_decref(root);
  return when;
}

/* The earlier results given with --history, oldest first. */
struct history {
  struct sc_results *results;
  char **labels;
  long long *times;
  size_t count;
};

static void history_free(struct history *h) {
  for (size_t i = 0; i < h->count; i++) {
    sc_results_free(&h->results[i]);
    free(h->labels[i]);
  }
  free(h->results);
  free(h->labels);
  free(h->times);
}

/* Reads every --history file into *h (release with history_free, also on
 * failure). Returns 0, or -1 with the error printed. */
static int history_load(const char *const *paths, struct history *h) {
  size_t n = 0;
  while (paths[n] != NULL)
    n++;
  h->results = sc_xcalloc(n + 1, sizeof(*h->results));
  h->labels = sc_xcalloc(n + 1, sizeof(*h->labels));
  h->times = sc_xcalloc(n + 1, sizeof(*h->times));
  h->count = 0;
  for (size_t i = 0; i < n; i++) {
    if (read_results(paths[i], &h->results[i]) != 0)
      return -1;
    h->labels[i] = name_of(paths[i]);
    h->times[i] = graded_at_of(paths[i]);
    h->count++;
  }
  return 0;
}

/* The results the page is about: read from file, or graded into a
 * temporary file first. *name is what the page calls them (caller frees).
 * Returns 0, or -1 with the error printed. */
static int learner_results(const struct sc_verb *verb,
                           const struct sc_args *args, const char *file,
                           struct sc_results *out, char **name,
                           long long *when) {
  int solutions = sc_args_get(verb, args, "--solutions") != NULL;
  const char *from = sc_args_get(verb, args, "--from");
  const char *katas = sc_args_get(verb, args, "--katas");
  if (file != NULL) {
    *name = name_of(file);
    *when = graded_at_of(file);
    return read_results(file, out) == 0 ? 0 : -1;
  }
  char tmp[] = "/tmp/senior-check-report.XXXXXX.json";
  int fd = mkstemps(tmp, 5);
  if (fd < 0) {
    sc_error("cannot create a temporary results file in '/tmp': %s",
             strerror(errno));
    return -1;
  }
  close(fd);
  fprintf(stderr, "report: no results file given: grading first (%s)\n",
          solutions ? "the reference solutions"
          : from    ? from
                    : "your files");
  int err = grade_into(tmp, solutions, from, katas);
  if (err == 0)
    err = read_results(tmp, out) == 0 ? 0 : -1;
  *when = graded_at_of(tmp);
  unlink(tmp);
  *name = sc_xstrdup(solutions ? "Reference solutions"
                     : from    ? from
                               : "Your working tree");
  return err;
}

/* Checks that --repo names a folder; prints the error when not. */
static int check_repo(const char *repo) {
  struct stat st;
  if (stat(repo, &st) != 0) {
    sc_error("cannot use --repo '%s': %s", repo, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    sc_error("cannot use --repo '%s': not a folder", repo);
    return -1;
  }
  return 0;
}

/* report --html FILE [RESULTS.json] */
static int learner_page(const struct sc_context *ctx,
                        const struct sc_verb *verb, const struct sc_args *args,
                        const char *page) {
  const char *repo = sc_args_get(verb, args, "--repo");
  const char *file = args->positional_count ? args->positionals[0] : NULL;
  if (args->positional_count > 1) {
    sc_error("report --html takes one results file, not %zu: for a class "
             "page, use --class FILE RESULTS.json...",
             args->positional_count);
    return SC_EXIT_USAGE;
  }
  if (file != NULL && (sc_args_get(verb, args, "--solutions") ||
                       sc_args_get(verb, args, "--from") ||
                       sc_args_get(verb, args, "--katas"))) {
    sc_error("--solutions, --from and --katas choose what to grade: give "
             "them without a results file");
    return SC_EXIT_USAGE;
  }
  if (sc_args_get(verb, args, "--solutions") &&
      sc_args_get(verb, args, "--from")) {
    sc_error("--solutions and --from each say where the files come from: "
             "give one");
    return SC_EXIT_USAGE;
  }
  if (repo != NULL && check_repo(repo) != 0)
    return SC_EXIT_USAGE;
  struct history history = {0};
  struct sc_results results = {0};
  char *name = NULL;
  long long when = 0;
  int status = SC_EXIT_USAGE;
  if (history_load(sc_args_all(verb, args, "--history"), &history) == 0 &&
      learner_results(verb, args, file, &results, &name, &when) == 0) {
    struct sc_html_options opts = {
        .name = name,
        .repo = repo ? repo : ctx->root,
        .results_path = file,
        .history = history.results,
        .history_labels = (const char *const *)history.labels,
        .history_count = history.count,
        .history_times = history.times,
        .graded_at = when,
    };
    int err = sc_report_html_write_with(&results, &opts, page);
    if (err != 0) {
      sc_error("cannot write '%s': %s", page, sc_strerror(err));
    } else {
      printf("report: wrote '%s': %u/%u, level %s\n", page, results.score,
             results.max_score, results.level);
      status = SC_EXIT_FULL_MARKS;
    }
  }
  sc_results_free(&results);
  history_free(&history);
  free(name);
  return status;
}

/* Writes what was asked of the class: the page, the CSV or both.
 * Returns 0, or -1 with the error printed. */
static int class_outputs(const struct sc_class *class, const char *page,
                         const char *csv) {
  const char *paths[2] = {page, csv};
  for (int i = 0; i < 2; i++) {
    if (paths[i] == NULL)
      continue;
    int err = i == 0 ? sc_report_class_write(class, paths[i])
                     : sc_report_class_csv_write(class, paths[i]);
    if (err != 0) {
      sc_error("cannot write '%s': %s", paths[i], sc_strerror(err));
      return -1;
    }
    printf("report: wrote '%s': %zu learners, %zu katas%s\n", paths[i],
           class->count, class->learners[0].results.count,
           class->bad_count ? ", and the files that could not be read" : "");
  }
  return 0;
}

/* report [--class FILE] [--class-csv FILE] RESULTS.json...: a file that
 * cannot be used gets its row saying why, and a line here; the pages are
 * still written, and the exit status (2) says not all was read. */
static int class_page(const struct sc_verb *verb, const struct sc_args *args,
                      const char *page, const char *csv) {
  static const char *const html_only[] = {"--history", "--repo", "--solutions",
                                          "--from", "--katas"};
  for (size_t i = 0; i < SC_ARRAY_SIZE(html_only); i++) {
    if (sc_args_get(verb, args, html_only[i]) != NULL) {
      sc_error("option '%s' is for a learner's page (--html), not for "
               "--class",
               html_only[i]);
      return SC_EXIT_USAGE;
    }
  }
  if (args->positional_count == 0) {
    sc_error("report --class needs the learners' results files, one per "
             "learner: senior-check report --class FILE results/ada.json...");
    return SC_EXIT_USAGE;
  }
  struct sc_class class;
  char *why = NULL;
  int status = SC_EXIT_USAGE;
  if (sc_class_load((const char *const *)args->positionals,
                    args->positional_count, page ? page : csv, &class,
                    &why) != 0) {
    sc_error("%s", why);
  } else {
    for (size_t i = 0; i < class.bad_count; i++)
      sc_error("%s: its row says so", class.bad[i].why);
    if (class_outputs(&class, page, csv) == 0 && class.bad_count == 0)
      status = SC_EXIT_FULL_MARKS;
    sc_class_free(&class);
  }
  free(why);
  return status;
}

int sc_verb_report(const struct sc_context *ctx, const struct sc_verb *verb,
                   const struct sc_args *args) {
  const char *html = sc_args_get(verb, args, "--html");
  const char *class = sc_args_get(verb, args, "--class");
  const char *csv = sc_args_get(verb, args, "--class-csv");
  if ((html == NULL) == (class == NULL && csv == NULL)) {
    sc_error("report writes a learner's page or a class's: give --html FILE, "
             "or --class FILE and/or --class-csv FILE, see 'senior-check help "
             "report'");
    return SC_EXIT_USAGE;
  }
  return html ? learner_page(ctx, verb, args, html)
              : class_page(verb, args, class, csv);
}

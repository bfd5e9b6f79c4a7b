/* grade --roster: a mentor grades a class. Each learner's commit is graded
 * as data (grade --repo) in a grader process of its own, so that one
 * learner's repository that cannot be fetched, or a grading that fails,
 * costs that learner's row and nothing else; then the class page is built
 * from the results files written. */
#include "cli/roster.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/util.h"
#include "runner/run.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A learner's whole grading: the katas' own timeouts bound it well before
 * this; it only keeps a wedged git from holding the class forever. */
#define LEARNER_TIMEOUT_S 3600u

struct learner {
  char *name;
  char *spec; /* REPO@REF, as --repo takes it */
  unsigned line;
};

struct roster {
  struct learner *items;
  size_t count;
};

static void roster_free(struct roster *r) {
  for (size_t i = 0; i < r->count; i++) {
    free(r->items[i].name);
    free(r->items[i].spec);
  }
  free(r->items);
  r->items = NULL;
  r->count = 0;
}

/* A name becomes a file name (NAME.json) and a row of the class page, so
 * it is a plain word: letters, digits, '.', '_' and '-', not starting with
 * '.' or '-'. */
static int valid_name(const char *name) {
  size_t len = strlen(name);
  if (len == 0 || len > 64 || name[0] == '.' || name[0] == '-')
    return 0;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
      return 0;
  return 1;
}

/* Reads "name repository [ref]" lines ('#' starts a comment). Returns 0,
 * or -1 after one error line naming the file and line. */
static int roster_read(const char *path, struct roster *out) {
  char *text = NULL;
  int err = sc_read_file(path, 1 << 20, &text, NULL);
  if (err != 0) {
    sc_error("cannot read the roster '%s': %s", path, sc_strerror(err));
    return -1;
  }
  *out = (struct roster){0};
  unsigned number = 0;
  int ok = 1;
  char *save = NULL;
  for (char *line = text; ok && line != NULL; line = save) {
    save = strchr(line, '\n');
    if (save != NULL)
      *save++ = '\0';
    number++;
    char *hash = strchr(line, '#');
    if (hash != NULL)
      *hash = '\0';
    char *words[4] = {0};
    size_t n = 0;
    char *ws = NULL;
    for (char *w = strtok_r(line, " \t\r", &ws); w != NULL && n < 4;
         w = strtok_r(NULL, " \t\r", &ws))
      words[n++] = w;
    if (n == 0)
      continue;
    if (n < 2 || n > 3) {
      sc_error("%s:%u: expected 'name repository [ref]', got %zu word%s", path,
               number, n, n == 1 ? "" : "s");
      ok = 0;
    } else if (!valid_name(words[0])) {
      sc_error("%s:%u: '%s' cannot name a results file: use letters, digits, "
               "'.', '_' and '-'",
               path, number, words[0]);
      ok = 0;
    } else {
      for (size_t i = 0; ok && i < out->count; i++)
        if (strcmp(out->items[i].name, words[0]) == 0) {
          sc_error("%s:%u: '%s' is already on line %u: give each learner "
                   "one line",
                   path, number, words[0], out->items[i].line);
          ok = 0;
        }
    }
    if (!ok)
      break;
    out->items =
        sc_xrealloc(out->items, (out->count + 1) * sizeof(*out->items));
    out->items[out->count++] = (struct learner){
        .name = sc_xstrdup(words[0]),
        .spec = sc_xasprintf("%s@%s", words[1], n == 3 ? words[2] : "HEAD"),
        .line = number,
    };
  }
  free(text);
  if (ok && out->count == 0) {
    sc_error("the roster '%s' names no learner: one line per learner, "
             "'name repository [ref]'",
             path);
    ok = 0;
  }
  if (!ok)
    roster_free(out);
  return ok ? 0 : -1;
}

/* Runs this grader with argv (argv[0] is replaced by its own path).
 * Returns the exit status, or -1 with *why set when it did not exit. */
static int run_self(const char *const *argv, char **output, char **why) {
  char self[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (len <= 0) {
    *why = sc_xasprintf("cannot find the grader's own program: %s",
                        strerror(errno));
    return -1;
  }
  self[len] = '\0';
  struct sc_strv args = {0};
  sc_strv_push(&args, self);
  for (const char *const *a = argv + 1; *a != NULL; a++)
    sc_strv_push(&args, *a);
  struct sc_run_spec spec = {
      .argv = sc_strv_view(&args),
      .limits = {.timeout_ms = LEARNER_TIMEOUT_S * 1000ull,
                 .output_cap_bytes = 4u << 20},
      .isolation = SC_ISOLATION_TOOL,
  };
  struct sc_run_result res = {0};
  int err = sc_run(&spec, &res);
  int status = -1;
  if (err != 0) {
    *why = sc_xstrdup(sc_strerror(err));
  } else if (res.end != SC_RUN_EXITED) {
    char how[160];
    *why = sc_xstrdup(sc_run_describe(&res, how, sizeof(how)));
  } else {
    status = res.exit_status;
    *output = res.output;
    res.output = NULL;
  }
  sc_run_result_free(&res);
  sc_strv_free(&args);
  return status;
}

/* The last line of text that starts with "error: ", else its last line. */
static char *reason(const char *text) {
  const char *best = NULL, *last = NULL;
  for (const char *p = text; *p != '\0';) {
    size_t len = strcspn(p, "\n");
    if (len > 0)
      last = p;
    if (strncmp(p, "error: ", 7) == 0)
      best = p + 7;
    p += len + (p[len] == '\n');
  }
  const char *line = best ? best : last ? last : "no output";
  return sc_xasprintf("%.*s", (int)strcspn(line, "\n"), line);
}

int sc_roster_grade(const char *roster_path, const char *out_dir,
                    const char *const *ids) {
  struct roster roster;
  if (roster_read(roster_path, &roster) != 0)
    return SC_EXIT_USAGE;
  int err = sc_mkdir_p(out_dir);
  if (err != 0) {
    sc_error("cannot create '%s': %s", out_dir, sc_strerror(err));
    roster_free(&roster);
    return SC_EXIT_USAGE;
  }

  struct sc_strv written = {0};
  size_t failed = 0;
  for (size_t i = 0; i < roster.count; i++) {
    const struct learner *l = &roster.items[i];
    char *json = sc_xasprintf("%s/%s.json", out_dir, l->name);
    unlink(json); /* never an earlier run's results under this run's name */
    struct sc_strv argv = {0};
    sc_strv_push(&argv, "senior-check");
    sc_strv_push(&argv, "grade");
    sc_strv_push(&argv, "--repo");
    sc_strv_push(&argv, l->spec);
    sc_strv_push(&argv, "--json");
    sc_strv_push(&argv, json);
    for (const char *const *id = ids; id != NULL && *id != NULL; id++)
      sc_strv_push(&argv, *id);
    char *output = NULL, *why = NULL;
    int status = run_self(sc_strv_view(&argv), &output, &why);
    struct stat st;
    if ((status == 0 || status == 1) && stat(json, &st) == 0) {
      printf("%s: graded %s into %s\n", l->name, l->spec, json);
      sc_strv_push(&written, json);
    } else {
      char *line = why ? sc_xstrdup(why) : reason(output ? output : "");
      printf("%s: not graded (%s:%u): %s\n", l->name, roster_path, l->line,
             line);
      free(line);
      failed++;
    }
    fflush(stdout);
    free(output);
    free(why);
    sc_strv_free(&argv);
    free(json);
  }

  int status = failed ? SC_EXIT_SHORT : SC_EXIT_FULL_MARKS;
  if (written.count > 0) {
    char *page = sc_xasprintf("%s/class.html", out_dir);
    struct sc_strv argv = {0};
    sc_strv_push(&argv, "senior-check");
    sc_strv_push(&argv, "report");
    sc_strv_push(&argv, "--class");
    sc_strv_push(&argv, page);
    for (size_t i = 0; i < written.count; i++)
      sc_strv_push(&argv, written.items[i]);
    char *output = NULL, *why = NULL;
    int rc = run_self(sc_strv_view(&argv), &output, &why);
    if (rc == 0) {
      printf("class page: %s (%zu of %zu learners)\n", page, written.count,
             roster.count);
    } else {
      char *line = why ? sc_xstrdup(why) : reason(output ? output : "");
      sc_error("cannot write the class page '%s': %s", page, line);
      free(line);
      status = SC_EXIT_USAGE;
    }
    free(output);
    free(why);
    sc_strv_free(&argv);
    free(page);
  } else {
    sc_error("no learner of '%s' could be graded: see the lines above",
             roster_path);
    status = SC_EXIT_USAGE;
  }
  sc_strv_free(&written);
  roster_free(&roster);
  return status;
}

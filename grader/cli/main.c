/* senior-check's grader: the verb table and the one place that parses
 * options, prints errors and chooses the exit status. */
#include "cli/cli.h"
#include "core/util.h"

#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static int verb_help(const struct sc_context *ctx, const struct sc_verb *verb,
                     const struct sc_args *args);

static const struct sc_option grade_options[] = {
    {"--solutions", NULL, "grade the reference solutions instead of your files",
     0},
    {"--json", "FILE", "also write the results file to FILE", 0},
    {"--format", "KIND[=FILE]",
     "also write KIND: json, junit, junit-locations, gradescope, html (=FILE), "
     "github",
     1},
    {"--jobs", "N", "grade N katas at once (default: one per core)", 0},
    {"--from", "DIR", "take the editable files from DIR/<kata>/ instead", 0},
    {"--katas", "DIR", "grade the katas of DIR (kata authors)", 0},
    {"--trusted-ref", "REF",
     "take tests, manifests and the grader from git REF (CI)", 0},
    {"--repo", "REPO[@REF]",
     "grade the editable files of a learner's commit, read from git as "
     "data, against this checkout's katas (mentors, CI)",
     0},
    {"--roster", "FILE",
     "grade a class: FILE has one learner per line, 'name repository "
     "[ref]'; writes DIR/NAME.json and DIR/class.html (mentors)",
     0},
    {"--out", "DIR", "where --roster writes (default: results)", 0},
    {NULL, NULL, NULL, 0}};

static const struct sc_option merge_options[] = {
    {"--json", "FILE", "write the merged results file to FILE", 0},
    {"--format", "KIND[=FILE]",
     "also write KIND: json, junit, junit-locations, gradescope, html (=FILE), "
     "github",
     1},
    {"--all-katas", NULL,
     "report every kata of this checkout: one without results (its shard "
     "failed or timed out) is an error worth 0",
     0},
    {NULL, NULL, NULL, 0}};

static const struct sc_option no_options[] = {{NULL, NULL, NULL, 0}};

static const struct sc_option report_options[] = {
    {"--html", "FILE", "write one learner's page to FILE", 0},
    {"--class", "FILE", "write the class page of the results files to FILE", 0},
    {"--class-csv", "FILE",
     "write the class as CSV (learner, kata, gate, points...) to FILE", 0},
    {"--history", "FILE",
     "an earlier results file, for the score over time (oldest first)", 1},
    {"--repo", "DIR",
     "the learner's clone, to quote their lines and notes (default: here)", 0},
    {"--solutions", NULL, "no results file: grade the reference solutions", 0},
    {"--from", "DIR", "no results file: grade the files of DIR/<kata>/", 0},
    {"--katas", "DIR", "no results file: grade the katas of DIR (authors)", 0},
    {NULL, NULL, NULL, 0}};

static const struct sc_option list_options[] = {
    {.name = "--grade", .help = "first grade the katas changed since graded"},
    {.name = NULL}};

static const struct sc_option reset_options[] = {
    {.name = "--yes", .help = "do not ask for confirmation (scripts)"},
    {.name = NULL}};

static const struct sc_option solution_options[] = {
    {.name = "--force",
     .help = "show it before the kata is at full marks (spoils it)"},
    {.name = NULL}};

static const struct sc_verb verbs[] = {
    {"grade",
     "[KATA...] [--solutions | --from DIR | --trusted-ref REF\n"
     "       | --repo REPO[@REF]] [--json FILE] [--format KIND[=FILE]]...\n"
     "       [--jobs N]",
     "grade every kata (or the ones named) through all six gates",
     grade_options, sc_verb_grade},
    {"next", "",
     "the first kata not at full marks: the files to edit, the goal, how to "
     "check it (also: no verb)",
     no_options, sc_verb_next},
    {"run", "[KATA]", "grade one kata and show what to fix next", no_options,
     sc_verb_run},
    {"watch", "[KATA]",
     "re-grade a kata on every save of its files; keys: h r n q", no_options,
     sc_verb_watch},
    {"hint", "KATA [N]", "the next hint for a kata (or hint N)", no_options,
     sc_verb_hint},
    {"list", "[--grade]",
     "the katas in curriculum order with their scores and your level",
     list_options, sc_verb_list},
    {"reset", "KATA [--yes]",
     "restore a kata's starter files, keeping yours in build/backups/",
     reset_options, sc_verb_reset},
    {"solution", "KATA [--force]",
     "the reference solution against your files, once at full marks",
     solution_options, sc_verb_solution},
    {"report",
     "--html FILE [RESULTS.json] [--history FILE]... [--repo DIR]\n"
     "       [--solutions | --from DIR] [--katas DIR]\n"
     "   or: senior-check report [--class FILE] [--class-csv FILE] "
     "RESULTS.json...",
     "a mentor's page of one learner's results (grading first when no file "
     "is given), or of a class's",
     report_options, sc_verb_report},
    {"merge", "RESULTS.json... [--json FILE] [--format KIND[=FILE]]",
     "merge the results files of shards (katas graded apart) into one",
     merge_options, sc_verb_merge},
    {"selftest", "",
     "the project's own tests: unit tests, starters fail, solutions pass, "
     "known-bad submissions get their verdicts",
     no_options, sc_verb_selftest},
    {"help", "[VERB]", "show help for senior-check or one verb", no_options,
     verb_help},
};

void sc_error(const char *fmt, ...) {
  va_list ap;
  fputs("error: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static const struct sc_verb *find_verb(const char *name) {
  for (size_t i = 0; i < SC_ARRAY_SIZE(verbs); i++)
    if (strcmp(verbs[i].name, name) == 0)
      return &verbs[i];
  return NULL;
}

const char *sc_args_get(const struct sc_verb *verb, const struct sc_args *args,
                        const char *name) {
  for (size_t i = 0; verb->options[i].name != NULL; i++)
    if (strcmp(verb->options[i].name, name) == 0)
      return args->values[i];
  return NULL;
}

static void print_overview(FILE *out) {
  fputs("usage: senior-check <verb> [options]\n\n"
        "Katas that carry a Node.js backend curriculum down to libuv, and\n"
        "the grader that checks them.\n\nverbs:\n",
        out);
  for (size_t i = 0; i < SC_ARRAY_SIZE(verbs); i++)
    fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
  fputs("\n'senior-check help VERB' tells more; --version prints the "
        "version.\n",
        out);
}

static void print_verb_help(const struct sc_verb *verb, FILE *out) {
  fprintf(out, "usage: senior-check %s %s\n\n%s\n", verb->name, verb->usage,
          verb->summary);
  if (verb->options[0].name != NULL)
    fputs("\noptions:\n", out);
  for (size_t i = 0; verb->options[i].name != NULL; i++) {
    const struct sc_option *o = &verb->options[i];
    char left[40];
    snprintf(left, sizeof(left), "%s%s%s", o->name, o->value_name ? " " : "",
             o->value_name ? o->value_name : "");
    fprintf(out, "  %-18s %s\n", left, o->help);
  }
}

static int verb_help(const struct sc_context *ctx, const struct sc_verb *verb,
                     const struct sc_args *args) {
  (void)ctx;
  (void)verb;
  if (args->positional_count == 0) {
    print_overview(stdout);
    return SC_EXIT_FULL_MARKS;
  }
  const struct sc_verb *target = find_verb(args->positionals[0]);
  if (target == NULL) {
    sc_error("unknown verb '%s': see 'senior-check help'",
             args->positionals[0]);
    return SC_EXIT_USAGE;
  }
  print_verb_help(target, stdout);
  return SC_EXIT_FULL_MARKS;
}

/* Parses argv after the verb against the verb's option table. */
static int parse_args(const struct sc_verb *verb, int argc, char **argv,
                      struct sc_args *args) {
  unsigned seen[SC_MAX_OPTIONS] = {0};
  args->positionals = sc_xcalloc((size_t)argc + 1, sizeof(char *));
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      print_verb_help(verb, stdout);
      return 1;
    }
    if (arg[0] != '-' || arg[1] == '\0') {
      args->positionals[args->positional_count++] = arg;
      continue;
    }
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    size_t k = 0;
    while (verb->options[k].name != NULL &&
           (strlen(verb->options[k].name) != len ||
            strncmp(verb->options[k].name, arg, len) != 0))
      k++;
    const struct sc_option *o = &verb->options[k];
    if (o->name == NULL) {
      sc_error("unknown option '%.*s' for '%s': see 'senior-check help %s'",
               (int)len, arg, verb->name, verb->name);
      return -1;
    }
    if (o->value_name == NULL && eq != NULL) {
      sc_error("option '%s' takes no value", o->name);
      return -1;
    }
    /* "--json --katas DIR" must not write the results to "--katas": a
     * value that looks like an option is given as --json=VALUE. */
    if (o->value_name != NULL && eq == NULL &&
        (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)) {
      sc_error("option '%s' needs a value: %s %s", o->name, o->name,
               o->value_name);
      return -1;
    }
    args->values[k] = o->value_name ? (eq ? eq + 1 : argv[++i]) : "";
    if (o->repeatable) {
      size_t n = 0;
      while (args->lists[k] != NULL && args->lists[k][n] != NULL)
        n++;
      args->lists[k] =
          sc_xrealloc(args->lists[k], (n + 2) * sizeof(*args->lists[k]));
      args->lists[k][n] = args->values[k];
      args->lists[k][n + 1] = NULL;
    } else if (seen[k]++) {
      sc_error("option '%s' given twice", o->name);
      return -1;
    }
  }
  return 0;
}

const char *const *sc_args_all(const struct sc_verb *verb,
                               const struct sc_args *args, const char *name) {
  static const char *const none[] = {NULL};
  for (size_t i = 0; verb->options[i].name != NULL; i++)
    if (strcmp(verb->options[i].name, name) == 0 && args->lists[i] != NULL)
      return args->lists[i];
  return none;
}

static char *find_root(void) {
  const char *env = getenv("SENIOR_CHECK_ROOT");
  if (env != NULL && *env != '\0')
    return sc_xstrdup(env);
  /* build/bin/senior-check-grader: the root is three levels up. */
  char exe[4096];
  size_t size = sizeof(exe);
  if (uv_exepath(exe, &size) != 0)
    return sc_xstrdup(".");
  for (int up = 0; up < 3; up++) {
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
      return sc_xstrdup(".");
    *slash = '\0';
  }
  return sc_xstrdup(exe);
}

/* Runs the next verb, as a bare "senior-check" does. */
static int main_next(char **argv) {
  char *root = find_root();
  struct sc_context ctx = {root, argv};
  struct sc_args args = {0};
  const char *none[] = {NULL};
  args.positionals = none;
  int status = sc_verb_next(&ctx, find_verb("next"), &args);
  free(root);
  xmlCleanupParser();
  return status;
}

int main(int argc, char **argv) {
  xmlInitParser(); /* once, before any thread parses */
  /* No verb: what to do next. */
  if (argc < 2)
    return main_next(argv);
  if (strcmp(argv[1], "--version") == 0) {
    printf("senior-check %s\n", SC_VERSION);
    return SC_EXIT_FULL_MARKS;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    print_overview(stdout);
    return SC_EXIT_FULL_MARKS;
  }
  const struct sc_verb *verb = find_verb(argv[1]);
  if (verb == NULL) {
    sc_error("unknown verb '%s': see 'senior-check --help'", argv[1]);
    return SC_EXIT_USAGE;
  }
  struct sc_args args = {0};
  int parsed = parse_args(verb, argc - 2, argv + 2, &args);
  int status = parsed < 0   ? SC_EXIT_USAGE
               : parsed > 0 ? SC_EXIT_FULL_MARKS
                            : -1;
  if (status < 0) {
    char *root = find_root();
    struct sc_context ctx = {root, argv};
    status = verb->run(&ctx, verb, &args);
    free(root);
  }
  free(args.positionals);
  for (size_t i = 0; i < SC_MAX_OPTIONS; i++)
    free(args.lists[i]);
  xmlCleanupParser();
  return status;
}

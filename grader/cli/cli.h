/* The command line: verbs, their options (declared as data), and the exit
 * statuses only the verbs choose. */
#ifndef SENIOR_CHECK_CLI_H
#define SENIOR_CHECK_CLI_H

#include <stdint.h>

#include <stddef.h>

enum sc_exit {
  SC_EXIT_FULL_MARKS = 0,     /* everything asked for is at full marks */
  SC_EXIT_SHORT = 1,          /* something is short of full marks */
  SC_EXIT_USAGE = 2,          /* bad usage, bad input or a missing tool */
  SC_EXIT_NOT_INTERACTIVE = 3 /* watch without a terminal */
};

enum { SC_MAX_OPTIONS = 12 };

struct sc_option {
  const char *name;       /* "--json" */
  const char *value_name; /* "FILE", or NULL for a flag */
  const char *help;
  int repeatable; /* may be given several times (see sc_args_all) */
};

struct sc_args {
  const char *values[SC_MAX_OPTIONS]; /* by option index; "" for a set flag;
                                         the last one given */
  const char **lists[SC_MAX_OPTIONS]; /* every value of a repeatable option,
                                         NULL-terminated, or NULL */
  const char **positionals;           /* NULL-terminated */
  size_t positional_count;
};

struct sc_context {
  const char *root; /* the repository root */
  char **argv;      /* the grader's whole command line */
};

struct sc_verb {
  const char *name;
  const char *usage;   /* after the verb's name */
  const char *summary; /* one line */
  const struct sc_option *options;
  int (*run)(const struct sc_context *ctx, const struct sc_verb *verb,
             const struct sc_args *args);
};

/* The value given for option name, "" for a flag that is set, or NULL. */
const char *sc_args_get(const struct sc_verb *verb, const struct sc_args *args,
                        const char *name);

/* Every value given for the repeatable option name, NULL-terminated (never
 * NULL: an empty list when it was not given). */
const char *const *sc_args_all(const struct sc_verb *verb,
                               const struct sc_args *args, const char *name);

/* Prints "error: ..." on stderr. */
void sc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int sc_verb_grade(const struct sc_context *ctx, const struct sc_verb *verb,
                  const struct sc_args *args);
int sc_verb_selftest(const struct sc_context *ctx, const struct sc_verb *verb,
                     const struct sc_args *args);
int sc_verb_merge(const struct sc_context *ctx, const struct sc_verb *verb,
                  const struct sc_args *args);
int sc_verb_list(const struct sc_context *ctx, const struct sc_verb *verb,
                 const struct sc_args *args);
/* The mentor's pages (report.c). */
int sc_verb_report(const struct sc_context *ctx, const struct sc_verb *verb,
                   const struct sc_args *args);

/* The learner's verbs (learn.c). */
int sc_verb_next(const struct sc_context *ctx, const struct sc_verb *verb,
                 const struct sc_args *args);
int sc_verb_run(const struct sc_context *ctx, const struct sc_verb *verb,
                const struct sc_args *args);
int sc_verb_watch(const struct sc_context *ctx, const struct sc_verb *verb,
                  const struct sc_args *args);
int sc_verb_hint(const struct sc_context *ctx, const struct sc_verb *verb,
                 const struct sc_args *args);
int sc_verb_reset(const struct sc_context *ctx, const struct sc_verb *verb,
                  const struct sc_args *args);
int sc_verb_solution(const struct sc_context *ctx, const struct sc_verb *verb,
                     const struct sc_args *args);

/* The learner's results cache (learn.c), which list and next read: the
 * key of a kata's current files, and storing a kata graded from them
 * (unless they changed since key_before was taken). */
struct sc_kata;
struct sc_kata_result;
int sc_learner_cache_key(const char *root, const struct sc_kata *kata,
                         uint64_t *key);
void sc_learner_cache_store(const char *root, const struct sc_kata *kata,
                            uint64_t key_before,
                            const struct sc_kata_result *result);

/* Adds to each kata of results whose manifest names a "first_try" file
 * the learner's first graded try at it (first_try.c): under a trusted ref
 * from the branch's history, otherwise (learner_files: the results are of
 * the learner's own files) from the local record, made at the first
 * grading that finds the file changed. */
struct sc_catalogue;
struct sc_results;
void sc_first_try_attach(const char *root, const struct sc_catalogue *cat,
                         struct sc_results *results, int learner_files);

#endif /* SENIOR_CHECK_CLI_H */

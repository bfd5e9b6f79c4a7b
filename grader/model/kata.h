/* A kata, as its manifest (katas/<id>/kata.json) declares it. */
#ifndef SENIOR_CHECK_KATA_H
#define SENIOR_CHECK_KATA_H

#include "model/gate.h"

#include <stddef.h>

enum sc_figure_kind {
  SC_FIGURE_INSTRUCTIONS, /* callgrind's instruction count in a function */
  SC_FIGURE_PEAK_RSS,     /* the benchmark's peak resident memory, kB */
  SC_FIGURE_WALL_MS,      /* the benchmark's wall time */
  SC_FIGURE_REPORTED      /* a "NAME VALUE" line the benchmark wrote */
};

struct sc_figure_spec {
  char *name;
  enum sc_figure_kind kind;
  char *function; /* INSTRUCTIONS: the function callgrind counts in */
  char **args;    /* the benchmark's arguments, NULL-terminated */
  size_t arg_count;
  char **env; /* extra "K=V" for the benchmark, NULL-terminated */
  size_t env_count;
  int of_reference; /* measure the benchmark built from the solution */
};

/* A product of figures: one side of a threshold's ratio. */
struct sc_figure_product {
  size_t *figures; /* indexes into the kata's figures */
  size_t count;
};

/* Holds when min <= numerator / denominator <= max (each bound optional). */
struct sc_threshold_spec {
  char *name;
  struct sc_figure_product numerator;
  struct sc_figure_product denominator;
  int has_min;
  double min;
  int has_max;
  double max;
  char *explain;
};

/* A lesson check: what only a reading of the learner's code can tell (a
 * cast that silences a warning). Each match of forbid, a POSIX extended
 * regular expression, in one of files (with comments and string literals
 * blanked) is reported at its line with message. */
struct sc_lesson_spec {
  char *forbid;
  char **files;
  size_t file_count;
  char *message;
};

struct sc_writing_spec {
  char *file;
  unsigned min_words;
  char *about;
};

struct sc_kata {
  char *id; /* "01-predict-order", the folder's name */
  char *title;
  char *goal;
  unsigned week;
  char *dir;           /* absolute path of the kata's folder */
  char *manifest_path; /* dir/kata.json */
  char **editable;     /* learner-editable files, relative to the kata */
  size_t editable_count;
  char *suite;           /* the cmocka suite, relative to the kata */
  char *learner_tests;   /* optional learner-owned test file, or NULL */
  char *benchmark;       /* optional benchmark source, or NULL */
  char *memcheck_filter; /* cmocka filter for the valgrind run, or NULL */
  int thread_sanitizer;  /* the strict gate also runs ThreadSanitizer */
  int sanitize_failing;  /* the sanitizers run (unscored) when tests fail */
  int needs_reference;   /* a figure measures the reference solution */
  unsigned timeout_s[SC_GATE_COUNT];
  unsigned weight[SC_GATE_COUNT]; /* sums to 100 */
  unsigned coverage_line;         /* percent of lines required */
  unsigned coverage_branch;       /* percent of branches required */
  struct sc_figure_spec *figures;
  size_t figure_count;
  struct sc_threshold_spec *thresholds;
  size_t threshold_count;
  struct sc_writing_spec *writing;
  size_t writing_count;
  char **sources; /* trusted support files compiled with the learner's */
  size_t source_count;
  char **libraries; /* pkg-config modules the programs link */
  size_t library_count;
  /* Which symbols the learner's object files may import (glob patterns,
   * beyond the base set every kata allows) and which global symbols they
   * may define; see grader/gates/inspect.c. */
  char **imports;
  size_t import_count;
  char **exports;
  size_t export_count;
  struct sc_lesson_spec *lessons;
  size_t lesson_count;
  unsigned long long max_file_bytes; /* per editable or notes file */
  /* The learner's first try at a file (kata 01's predictions): the share
   * of the tests matching first_try_tests that passed when the file was
   * first graded changed, shown to mentors, never scored. NULL: none. */
  char *first_try_file;
  char *first_try_tests;
  int has_selfcheck;     /* the kata has a "selfcheck" program */
  char **selfcheck_args; /* its arguments; "{solution}" stands for the
                            reference solution's folder */
  size_t selfcheck_arg_count;
};

/* Reads and checks dir/kata.json. On success *out is a new kata the caller
 * releases with sc_kata_free(). On failure returns SC_EMANIFEST (or -errno
 * when the file cannot be read) and sets *why to a newly allocated message
 * naming the file and what is wrong in it. */
int sc_kata_load(const char *dir, struct sc_kata **out, char **why);
void sc_kata_free(struct sc_kata *kata);

/* Is path (relative to the kata) one of the learner-editable files? */
int sc_kata_is_editable(const struct sc_kata *kata, const char *path);

#endif /* SENIOR_CHECK_KATA_H */

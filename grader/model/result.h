/* Results of grading: per test, per gate, per kata, and in total, with the
 * one score formula every output shows (see README: "The score"). */
#ifndef SENIOR_CHECK_RESULT_H
#define SENIOR_CHECK_RESULT_H

#include "model/gate.h"

#include <stddef.h>

struct sc_test_result {
  char *name;
  enum sc_status status;
  char *message; /* why it failed; NULL on pass */
};

/* A place in the learner's code that a failure points to. */
struct sc_location {
  char *file; /* relative to the repository root */
  unsigned line;
  char *message;
};

struct sc_figure_result {
  char *name;
  char *unit;
  double value;
  int measured; /* 0 when the benchmark could not produce it */
};

struct sc_threshold_result {
  char *name;
  char *explain;
  double ratio; /* the measured ratio; 0 when not measured */
  double min;   /* the bounds it must stay within; 0 for none */
  double max;
  enum sc_status status;
};

struct sc_gate_result {
  enum sc_gate gate;
  enum sc_status status;
  unsigned score;
  unsigned max_score;
  char *message; /* one paragraph: what happened, what to do */
  char *details; /* longer evidence (compiler output...), or NULL */
  struct sc_test_result *tests;
  size_t test_count;
  struct sc_figure_result *figures;
  size_t figure_count;
  struct sc_threshold_result *thresholds;
  size_t threshold_count;
  struct sc_location *locations;
  size_t location_count;
};

struct sc_writing_result {
  char *file;
  char *about;
  int present;
  unsigned words;
  unsigned min_words;
};

/* The learner's first graded try at a file (see kata.json "first_try"). */
struct sc_first_try {
  char *file;
  unsigned right; /* tests of the try that passed */
  unsigned of;    /* tests of the try */
  char *how;      /* when and how it was found, for the mentor */
};

struct sc_kata_result {
  char *id;
  char *title;
  unsigned week;
  enum sc_status status; /* pass at full marks, fail, or error */
  unsigned score;
  unsigned max_score;
  char *error; /* why it could not be graded, when status is error */
  struct sc_gate_result gates[SC_GATE_COUNT];
  struct sc_writing_result *writing;
  size_t writing_count;
  struct sc_first_try *first_try; /* NULL: none recorded */
  unsigned long long elapsed_ms;
};

/* A change to a file the learner must not change (integrity). */
struct sc_finding {
  char *path;   /* relative to the repository root */
  char *change; /* "modified", "added", "deleted", "renamed", ... */
};

struct sc_results {
  const char *source;          /* "learner" or "solutions" */
  int official;                /* graded against a trusted ref (see README) */
  char *trusted_ref;           /* that ref, or NULL */
  char *baseline;              /* the commit findings were measured against */
  struct sc_finding *findings; /* protected files that differ */
  size_t finding_count;
  struct sc_kata_result *katas;
  size_t count;
  unsigned score;
  unsigned max_score;
  const char *level;
  unsigned long long elapsed_ms;
};

/* Setters that copy their strings; a gate result owns all it points to. */
void sc_gate_set(struct sc_gate_result *gate, enum sc_status status,
                 unsigned score, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sc_gate_set_details(struct sc_gate_result *gate, const char *details);
void sc_gate_add_test(struct sc_gate_result *gate, const char *name,
                      enum sc_status status, const char *message);
void sc_gate_add_location(struct sc_gate_result *gate, const char *file,
                          unsigned line, const char *message);
void sc_gate_add_figure(struct sc_gate_result *gate, const char *name,
                        const char *unit, double value, int measured);
/* min and max are the threshold's bounds, 0 for a bound it does not have. */
void sc_gate_add_threshold(struct sc_gate_result *gate, const char *name,
                           const char *explain, double ratio, double min,
                           double max, enum sc_status status);

/* Empties a gate's result as sc_kata_result_init() left it: its gate and
 * points, no status, message, tests or figures. */
void sc_gate_result_clear(struct sc_gate_result *gate);

/* Starts the result of a kata: its id, title and week, and its six gates
 * in order, each with its points out of weights (gates of a kata always
 * add up to the kata's weights). Copies the strings. */
void sc_kata_result_init(struct sc_kata_result *kata, const char *id,
                         const char *title, unsigned week,
                         const unsigned weights[SC_GATE_COUNT]);

/* Sums a kata's gates into its score and status. */
void sc_kata_result_total(struct sc_kata_result *kata);
/* Sums the katas into the total and the level. */
void sc_results_total(struct sc_results *results);
/* The level a percentage of the maximum earns (see README). */
const char *sc_level_for(unsigned score, unsigned max_score);

/* Frees everything gate owns (not gate itself). Accepts NULL. */
void sc_gate_result_free(struct sc_gate_result *gate);
void sc_kata_result_free(struct sc_kata_result *kata);
/* Sets (replacing) kata's first try; copies the strings. */
void sc_kata_result_set_first_try(struct sc_kata_result *kata, const char *file,
                                  unsigned right, unsigned of, const char *how);
/* Records a protected file's change; copies its strings. */
void sc_results_add_finding(struct sc_results *results, const char *path,
                            const char *change);
void sc_results_free(struct sc_results *results);

#endif /* SENIOR_CHECK_RESULT_H */

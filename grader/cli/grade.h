/* Grading a set of katas in parallel: what the grade and selftest verbs
 * share. */
#ifndef SENIOR_CHECK_CLI_GRADE_H
#define SENIOR_CHECK_CLI_GRADE_H

#include "model/catalogue.h"
#include "model/result.h"

struct sc_grade_request {
  const char *root; /* the repository root */
  const struct sc_catalogue *catalogue;
  const char *const *ids;    /* katas to grade, NULL-terminated; NULL: all */
  const char *editable_root; /* folder holding <id>/ with the editable
                                files; NULL: each kata's own folder */
  const char *shown_as;      /* how messages name editable_root (e.g.
                                "katas" for a commit read with --repo);
                                NULL: its path */
  const char *source;        /* "learner", "solutions": names build trees */
  unsigned jobs;             /* katas graded at once; 0: one per core */
  /* Passed on to every grading (see struct sc_grading); may be NULL. It
   * is called from the grading threads, several at once. */
  void (*on_gate)(void *data, const struct sc_kata_result *result,
                  enum sc_gate gate, int done);
  void *on_gate_data;
  int (*cancelled)(void *data); /* see struct sc_grading */
};

/* Grades the requested katas into *out (caller frees with
 * sc_results_free). Returns 0, or a negative code with *why set (newly
 * allocated) when grading could not start at all. */
int sc_grade_run(const struct sc_grade_request *req, struct sc_results *out,
                 char **why);

/* Checks the tools grading needs; returns 0 or SC_ETOOL_MISSING with *why
 * naming the tool and how to install it. */
int sc_grade_check_tools(char **why);

#endif /* SENIOR_CHECK_CLI_GRADE_H */

/* Grading one kata: the context every gate shares, and the gates. */
#ifndef SENIOR_CHECK_GRADING_H
#define SENIOR_CHECK_GRADING_H

#include "core/util.h"
#include "model/kata.h"
#include "model/result.h"
#include "runner/run.h"

/* The exit status the sanitizers are told to use for a finding. */
#define SC_SANITIZER_EXIT 86

struct sc_grading {
  const struct sc_kata *kata;
  const char *root;         /* the repository's root */
  const char *editable_dir; /* where the learner-editable files are read */
  const char *shown_dir;    /* how messages name editable_dir, or NULL */
  char *build_dir;          /* the kata's own build tree */
  char *learner_dir;        /* build_dir/learner: the grader's copy of the
                               editable files, the only learner files any
                               tool sees (set by the build gate) */
  char *scratch_dir;        /* private to this grading; removed after */
  unsigned slot;            /* sandbox slot: one per concurrent grading */
  int suite_passed;         /* set by the tests gate */
  struct sc_kata_result *result;
  /* Called (from the grading thread) as each gate starts and ends, with
   * the kata's result so far; may be NULL. */
  void (*on_gate)(void *data, const struct sc_kata_result *result,
                  enum sc_gate gate, int done);
  void *on_gate_data;
  /* Called (from the grading thread, with on_gate_data) before each gate;
   * non-zero stops the grading there: the rest is skipped and the kata's
   * result is an error, never a score. May be NULL. */
  int (*cancelled)(void *data);
  int stopped; /* cancelled() stopped a run of learner code halfway: the
                  gate that ran it measured nothing (set by
                  sc_grading_sandbox) */
};

/* Grades g->kata through every gate into g->result. The caller owns g and
 * fills every field above it but suite_passed and result's contents. */
void sc_grade_kata(struct sc_grading *g);

/* The gates, in order. Each fills its result; none prints. */
void sc_gate_build(struct sc_grading *g, struct sc_gate_result *r);
/* The rest of the build gate, run right after the tests gate: builds and
 * inspects what only later gates run (the benchmark). r is the build gate's
 * result, left as it is when that builds, failed as sc_gate_build() fails
 * it when it does not. */
void sc_gate_build_rest(struct sc_grading *g, struct sc_gate_result *r);
void sc_gate_tests(struct sc_grading *g, struct sc_gate_result *r);
/* Marks the tests gate skipped for why, listing every test of the suite
 * as skipped too when the suite's table is known (it is written when the
 * kata is configured, before anything is compiled). */
void sc_gate_tests_skip(struct sc_grading *g, struct sc_gate_result *r,
                        const char *why);
void sc_gate_memcheck(struct sc_grading *g, struct sc_gate_result *r);
void sc_gate_timing(struct sc_grading *g, struct sc_gate_result *r);
void sc_gate_coverage(struct sc_grading *g, struct sc_gate_result *r);
void sc_gate_strict(struct sc_grading *g, struct sc_gate_result *r);

/* Shared by the gates (grading.c). */

/* Runs a trusted tool (cmake, gcovr) with the grader's environment in the C
 * locale, bounded by timeout_s and an output cap. Returns sc_run's code;
 * res is the caller's to free either way. */
int sc_grading_tool(struct sc_grading *g, const char *const *argv,
                    unsigned timeout_s, struct sc_run_result *res);

/* Compiles CMake targets of the kata's build tree (NULL-terminated list)
 * the way learner code runs: in the box, as the slot's uid, with a fixed
 * environment, seeing only the build tree (which holds the grader's copy of
 * the learner's files), the kata's trusted folder, senior_kata() and /usr.
 * The compiler reads hostile text: an #include of a secret finds nothing.
 * Returns sc_run's code; res is the caller's to free either way. */
int sc_grading_compile(struct sc_grading *g, const char *const *targets,
                       unsigned timeout_s, struct sc_run_result *res);

/* Inspects the learner's object files of targets before anything built
 * from them runs (inspect.c): returns 0, or nonzero with r failed, naming
 * each refused file and why. */
int sc_grading_inspect(struct sc_grading *g, struct sc_gate_result *r,
                       const char *const *targets);

/* Finds what the inspection compares learner code against (the names the
 * libraries export), once per grader; it asks gcc nine times, a quarter of
 * a second. sc_grading_inspect() does it on first use; watch does it ahead,
 * so that the first save's grading does not wait for it. Thread-safe. */
void sc_grading_inspect_prepare(void);

/* Builds CMake targets of the kata's build tree (NULL-terminated list) and
 * inspects what it built. On failure returns nonzero and sets r to fail
 * with the build's output or the inspection's refusals. */
int sc_grading_build_targets(struct sc_grading *g, struct sc_gate_result *r,
                             const char *const *targets);

/* Prepares a fresh directory for one gate's runs of learner code, owned by
 * the sandbox's uid, and copies the named build products into it. Returns
 * the directory (caller frees) or NULL with r set to error. */
char *sc_grading_stage(struct sc_grading *g, struct sc_gate_result *r,
                       const char *gate_dir, const char *const *binaries);

/* Runs learner code in the sandbox inside dir (a staged folder: the same
 * path for every gate). Every gate's run gets one fixed environment (the
 * variables cmocka, gcov, the sanitizers and the benchmark read); env_extra
 * adds what the kata itself declares (a figure's "env"), NULL-terminated,
 * may be NULL. Once g->cancelled() says so, a run stops halfway (or does
 * not start: -ECANCELED) and g->stopped is set: a newer save or q need
 * not wait for a slow gate's end. */
int sc_grading_sandbox(struct sc_grading *g, const char *dir,
                       const char *const *argv, const char *const *env_extra,
                       const struct sc_limits *limits,
                       struct sc_run_result *res);

/* The standard limits for a gate's runs of learner code. */
struct sc_limits sc_grading_limits(const struct sc_grading *g,
                                   enum sc_gate gate);

/* Copies the editable files from g->editable_dir into g->learner_dir:
 * regular files only (no symbolic link anywhere on the way, no FIFO or
 * device), each at most the kata's max_file_bytes; a file whose copy is
 * already the same is left alone, so nothing rebuilds needlessly. A missing
 * file stays missing. On a refusal returns nonzero with r failed, naming
 * the file and the fix. */
int sc_grading_take_learner_files(struct sc_grading *g,
                                  struct sc_gate_result *r);

/* Replaces, in text, every mention of the grader's copy of the learner's
 * files with the learner's own folder (relative to the repository), so
 * that messages name the files the learner edits. Newly allocated. */
char *sc_grading_display(const struct sc_grading *g, const char *text);

/* Absolute paths of the learner-editable C files (not the learner's own
 * tests) as compiled: in g->learner_dir. NULL-terminated; the caller frees
 * with sc_strv_free. */
void sc_grading_learner_sources(const struct sc_grading *g,
                                struct sc_strv *out);

/* path made relative to the repository root when it is under it, and a
 * path in the grader's copy of the learner's files made the learner's own
 * (a newly allocated string either way). */
char *sc_grading_relative(const struct sc_grading *g, const char *path);

#endif /* SENIOR_CHECK_GRADING_H */

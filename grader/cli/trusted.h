/* Grading against a trusted git ref: the tests, manifests, build files and
 * the grader itself come from the ref; only the learner-editable files come
 * from the working tree, and every other difference is a finding. */
#ifndef SENIOR_CHECK_CLI_TRUSTED_H
#define SENIOR_CHECK_CLI_TRUSTED_H

#include "model/catalogue.h"
#include "model/result.h"

/* Set in the environment of the grader built from the trusted ref. */
#define SC_TRUSTED_SHA_ENV "SENIOR_CHECK_TRUSTED_SHA"
#define SC_WORKTREE_ENV "SENIOR_CHECK_WORKTREE"

/* When this grader is not yet the trusted ref's own: extracts ref (a
 * commit of the repository at root) into a trusted cache outside the working
 * tree (/var/cache/senior-check/trusted/<sha>/ for root), builds its
 * grader and replaces this process with it, same arguments. Returns only
 * on failure, with a negative code and *why set; returns 0 at once when
 * this grader already is the trusted one. */
int sc_trusted_reexec(const char *root, const char *ref, char **argv,
                      char **why);

/* The commit a learner's own clone is compared with when no trusted ref is
 * given, and where its starter files come from: where the branch left its
 * upstream (the curriculum as cloned or last pulled), or HEAD when it has
 * none. Returns the commit (newly allocated), or NULL when root is not a
 * git clone; *how (when not NULL) says which of the two it is. */
char *sc_git_baseline(const char *root, const char **how);

/* The working tree being graded when this grader is the trusted one, or
 * NULL otherwise. */
const char *sc_trusted_worktree(void);

/* Adds to results a finding for every file of worktree that differs from
 * the commit against (committed, staged, unstaged or untracked) and that no
 * kata of cat lets the learner change (its editable and writing files,
 * found under katas_rel/<id>/). Returns 0, or a negative code with *why
 * set when git cannot tell. */
int sc_trusted_findings(const char *worktree, const char *against,
                        const struct sc_catalogue *cat, const char *katas_rel,
                        struct sc_results *results, char **why);

/* The same findings between two commits of the repository git_dir: what
 * the learner's commit changed outside the editable files and notes. */
int sc_commit_findings(const char *git_dir, const char *base,
                       const char *commit, const struct sc_catalogue *cat,
                       const char *katas_rel, struct sc_results *results,
                       char **why);

#endif /* SENIOR_CHECK_CLI_TRUSTED_H */

/* A learner's repository read as data (repo.c). */
#ifndef SENIOR_CHECK_REPO_H
#define SENIOR_CHECK_REPO_H

#include "model/catalogue.h"

struct sc_repo {
  char *spec;     /* as given: REPO[@REF] */
  char *scratch;  /* private folder, removed by sc_repo_free() */
  char *git_dir;  /* a bare repository holding the fetched commit */
  char *editable; /* <id>/<file> of every kata's editable files and notes */
  char *commit;   /* the learner's commit */
};

/* Fetches REF (default HEAD) of the repository REPO (a path or a URL) as
 * spec "REPO[@REF]" says, into a private bare repository that also sees
 * root's objects, and writes each kata's editable files and notes of that
 * commit into repo->editable/<id>/: regular files only (a link becomes a
 * dangling link the grader refuses by name), none larger than the kata's
 * max_file_bytes plus one byte. Returns 0, or -1 with *why set; release
 * with sc_repo_free() either way. */
int sc_repo_fetch(const char *root, const char *spec,
                  const struct sc_catalogue *cat, struct sc_repo *repo,
                  char **why);
void sc_repo_free(struct sc_repo *repo);

#endif /* SENIOR_CHECK_REPO_H */

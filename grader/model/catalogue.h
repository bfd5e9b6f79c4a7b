/* The katas of a folder (katas/ by default), in curriculum order. */
#ifndef SENIOR_CHECK_CATALOGUE_H
#define SENIOR_CHECK_CATALOGUE_H

#include "model/kata.h"

struct sc_catalogue {
  struct sc_kata **katas;
  size_t count;
};

/* Loads every kata folder of dir (folders named like "01-predict-order"),
 * sorted by name. On failure returns a negative code and sets *why to a
 * newly allocated message naming the folder or manifest at fault. */
int sc_catalogue_load(const char *dir, struct sc_catalogue *out, char **why);
/* The same, for only the katas named in ids (NULL-terminated; NULL: all),
 * so that one kata's broken manifest does not stop grading another. An id
 * with no folder gives SC_EUNKNOWN_KATA, and *why lists the known katas. */
int sc_catalogue_load_some(const char *dir, const char *const *ids,
                           struct sc_catalogue *out, char **why);
/* The kata called id, or NULL. */
const struct sc_kata *sc_catalogue_find(const struct sc_catalogue *cat,
                                        const char *id);
/* Newly allocated "01-a, 02-b, ..." for error messages. */
char *sc_catalogue_names(const struct sc_catalogue *cat);
void sc_catalogue_free(struct sc_catalogue *cat);

#endif /* SENIOR_CHECK_CATALOGUE_H */

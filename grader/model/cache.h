/* Graded results kept between runs, keyed by the content of what was
 * graded, so that the learner's verbs (list, next, watch) show a kata's
 * score at once when nothing it depends on changed.
 *
 * A cache entry only ever shows a score: grading decides it. The `grade`
 * verb and CI never read the cache, and an entry whose key no longer
 * matches the inputs is never shown as the kata's score. */
#ifndef SENIOR_CHECK_CACHE_H
#define SENIOR_CHECK_CACHE_H

#include "model/result.h"

#include <stdint.h>

/* Everything a kata's grading depends on, as far as the cache knows. */
struct sc_cache_inputs {
  const char *kata_dir;        /* every file in it (recursively) but dotfiles
                                  and editor backups ending in '~' */
  const char *editable_dir;    /* where the editable files are read; NULL:
                                  kata_dir */
  const char *const *editable; /* their names, NULL-terminated */
  const char *const *grader_files; /* absolute paths of the grader's own
                                      inputs (the kata build definition),
                                      NULL-terminated; may be NULL */
  const char *version;             /* the grader's version */
};

/* Computes the key of in: FNV-1a 64 over the version, then every file's
 * path, size and bytes, in a fixed order. A missing editable or grader file
 * is hashed as absent (so creating it changes the key). Returns 0, or
 * -errno when the kata folder or a file in it cannot be read. */
int sc_cache_key(const struct sc_cache_inputs *in, uint64_t *key);

/* FNV-1a 64 of len bytes, continuing from hash (start with
 * SC_FNV1A_OFFSET). Exposed for the tests. */
#define SC_FNV1A_OFFSET 14695981039346656037ull
uint64_t sc_fnv1a(uint64_t hash, const void *bytes, size_t len);

/* This clone's id into id (33 bytes: 32 hex digits and a NUL): read from
 * root/build/clone-id, which records it beside the clone's absolute path
 * and the inode of its folder. A missing file, or one written for another
 * path or folder (a build/ copied from another clone), gets a new random
 * id. Cache entries carry the id, so that an entry copied from another
 * clone is never taken for this clone's grading. Returns 0 or -errno. */
int sc_cache_clone_id(const char *root, char id[33]);

/* Writes kata's result with key to path (the results file format, one
 * kata, plus "cache_key" and "clone" members), atomically: readers see the old
 * entry or the new one. Creates path's folder. Returns 0 or a negative code.
 * Nothing of kata is taken. */
int sc_cache_store(const char *path, uint64_t key, const char *clone,
                   const struct sc_kata_result *kata);

/* Reads the entry at path. Returns 0 when it holds key (a hit), -ENOENT
 * when there is no entry, -EXDEV when it was written by another clone
 * than clone (it is then not read), -ESTALE when it was graded from other
 * inputs,
 * or SC_EREPORT (or another -errno) when it cannot be read; *why (may be
 * NULL) then gets a line the caller frees. On 0 and -ESTALE, *out holds the
 * entry's one kata (release with sc_results_free); otherwise *out is
 * empty. */
int sc_cache_load(const char *path, uint64_t key, const char *clone,
                  struct sc_results *out, char **why);

#endif /* SENIOR_CHECK_CACHE_H */

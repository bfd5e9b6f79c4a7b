/* The learner's first try at a file a kata names in "first_try" (kata 01's
 * predictions): how many of its tests passed the first time the file was
 * graded changed from the starter. A mentor sees whether the learner
 * predicted or copied; the score never does.
 *
 * On the learner's machine the first grading that finds the file changed
 * records the share in build/cache/<id>.first-try.json, and later gradings
 * show that record. Under a trusted ref, the first commit of the branch
 * that changed the file is the first try: its version of the file is
 * graded (with the branch's other files) when it is not the current one. */
#include "cli/cli.h"
#include "cli/grade.h"
#include "cli/trusted.h"
#include "core/util.h"
#include "runner/tool.h"

#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { GIT_TIMEOUT_S = 60 };

/* The share of the try's tests that passed in a graded kata; 0 when its
 * tests did not run. */
static int share_of(const struct sc_kata *kata, const struct sc_kata_result *k,
                    unsigned *right, unsigned *of) {
  const struct sc_gate_result *tests = &k->gates[SC_GATE_TESTS];
  *right = *of = 0;
  for (size_t i = 0; i < tests->test_count; i++) {
    if (fnmatch(kata->first_try_tests, tests->tests[i].name, 0) != 0)
      continue;
    (*of)++;
    *right += tests->tests[i].status == SC_STATUS_PASS;
  }
  return *of > 0;
}

/* The file as committed at rev in the repository at dir, or NULL. */
static char *committed(const char *dir, const char *rev, const char *path) {
  char *spec = sc_xasprintf("%s:%s", rev, path);
  const char *argv[] = {"git", "-C", dir, "show", spec, NULL};
  char *out = NULL, *why = NULL;
  if (sc_run_tool(argv, GIT_TIMEOUT_S, &out, NULL, &why) != 0) {
    free(out);
    out = NULL;
  }
  free(why);
  free(spec);
  return out;
}

static void now_text(char *buf, size_t size) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

/* The learner's machine: show the record, or make it at the first
 * grading of a changed file. */
static void local_try(const char *root, const struct sc_kata *kata,
                      struct sc_kata_result *k) {
  char *record =
      sc_xasprintf("%s/build/cache/%s.first-try.json", root, kata->id);
  json_t *saved = json_load_file(record, 0, NULL);
  if (saved != NULL) {
    const char *how = json_string_value(json_object_get(saved, "how"));
    json_int_t right = json_integer_value(json_object_get(saved, "right"));
    json_int_t of = json_integer_value(json_object_get(saved, "of"));
    if (how != NULL && of > 0 && right >= 0 && right <= of)
      sc_kata_result_set_first_try(k, kata->first_try_file, (unsigned)right,
                                   (unsigned)of, how);
    json_decref(saved);
    free(record);
    return;
  }
  unsigned right, of;
  char *current = NULL;
  char *path = sc_xasprintf("katas/%s/%s", kata->id, kata->first_try_file);
  const char *whence = NULL;
  char *base = sc_git_baseline(root, &whence);
  char *starter = base ? committed(root, base, path) : NULL;
  if (share_of(kata, k, &right, &of) && starter != NULL &&
      sc_read_inside(kata->dir, kata->first_try_file, kata->max_file_bytes,
                     &current, NULL) == 0 &&
      strcmp(current, starter) != 0) {
    char when[40], how[96];
    now_text(when, sizeof(when));
    snprintf(how, sizeof(how), "the first grading of your changes, %s", when);
    json_t *obj = json_pack("{s:i, s:i, s:s}", "right", (json_int_t)right, "of",
                            (json_int_t)of, "how", how);
    char *folder = sc_xasprintf("%s/build/cache", root);
    if (sc_mkdir_p(folder) == 0)
      json_dump_file(obj, record, JSON_COMPACT);
    free(folder);
    json_decref(obj);
    sc_kata_result_set_first_try(k, kata->first_try_file, right, of, how);
  }
  free(current);
  free(starter);
  free(base);
  free(path);
  free(record);
}

/* Grades kata with the branch's current editable files but the first
 * try's version of the file, into *out. Returns 0 or -1. */
static int grade_try(const char *root, const struct sc_catalogue *cat,
                     const struct sc_kata *kata, const char *worktree,
                     const char *try_text, struct sc_results *out) {
  char scratch[] = "/tmp/senior-check-try.XXXXXX";
  if (mkdtemp(scratch) == NULL)
    return -1;
  char *own = sc_xasprintf("%s/katas/%s", worktree, kata->id);
  char *dir = sc_path_join(scratch, kata->id);
  int err = sc_mkdir_p(dir);
  for (size_t i = 0; err == 0 && i < kata->editable_count; i++) {
    const char *file = kata->editable[i];
    char *text = NULL;
    size_t len = 0;
    int is_try = strcmp(file, kata->first_try_file) == 0;
    if (is_try) {
      text = sc_xstrdup(try_text);
      len = strlen(text);
    } else if (sc_read_inside(own, file, kata->max_file_bytes, &text, &len) !=
               0) {
      continue; /* missing: missing in the try too */
    }
    char *dst = sc_path_join(dir, file);
    FILE *f = strchr(file, '/') == NULL ? fopen(dst, "wb") : NULL;
    if (f == NULL || fwrite(text, 1, len, f) != len)
      err = -1;
    if (f != NULL)
      fclose(f);
    free(dst);
    free(text);
  }
  const char *ids[] = {kata->id, NULL};
  struct sc_grade_request req = {
      .root = root,
      .catalogue = cat,
      .ids = ids,
      .editable_root = scratch,
      .source = "first-try",
  };
  char *why = NULL;
  if (err == 0)
    err = sc_grade_run(&req, out, &why);
  free(why);
  sc_remove_tree(scratch);
  free(dir);
  free(own);
  return err == 0 ? 0 : -1;
}

/* Under a trusted ref: the first commit of the branch that changed the
 * file is the first try. */
static void branch_try(const char *root, const struct sc_catalogue *cat,
                       const struct sc_kata *kata, const char *worktree,
                       const char *trusted, struct sc_kata_result *k) {
  char *path = sc_xasprintf("katas/%s/%s", kata->id, kata->first_try_file);
  char *range = sc_xasprintf("%s..HEAD", trusted);
  const char *argv[] = {"git",         "-C",  worktree, "log", "--reverse",
                        "--format=%H", range, "--",     path,  NULL};
  char *out = NULL, *why = NULL;
  if (sc_run_tool(argv, GIT_TIMEOUT_S, &out, NULL, &why) == 0 && *out) {
    out[strcspn(out, "\n")] = '\0';
    char *try_text = committed(worktree, out, path);
    char *current = NULL;
    char *own = sc_xasprintf("%s/katas/%s", worktree, kata->id);
    int same = try_text != NULL &&
               sc_read_inside(own, kata->first_try_file, kata->max_file_bytes,
                              &current, NULL) == 0 &&
               strcmp(current, try_text) == 0;
    unsigned right = 0, of = 0;
    int found = 0;
    if (same) {
      found = share_of(kata, k, &right, &of);
    } else if (try_text != NULL) {
      struct sc_results again;
      if (grade_try(root, cat, kata, worktree, try_text, &again) == 0) {
        found =
            again.count == 1 && share_of(kata, &again.katas[0], &right, &of);
        sc_results_free(&again);
      }
    }
    if (found) {
      char how[96];
      snprintf(how, sizeof(how),
               "the branch's first commit that changed it, %.12s", out);
      sc_kata_result_set_first_try(k, kata->first_try_file, right, of, how);
    }
    free(own);
    free(current);
    free(try_text);
  }
  free(out);
  free(why);
  free(range);
  free(path);
}

void sc_first_try_attach(const char *root, const struct sc_catalogue *cat,
                         struct sc_results *results, int learner_files) {
  const char *worktree = sc_trusted_worktree();
  const char *trusted = getenv(SC_TRUSTED_SHA_ENV);
  for (size_t i = 0; i < results->count; i++) {
    struct sc_kata_result *k = &results->katas[i];
    const struct sc_kata *kata = sc_catalogue_find(cat, k->id);
    if (kata == NULL || kata->first_try_file == NULL)
      continue;
    if (worktree != NULL && trusted != NULL)
      branch_try(root, cat, kata, worktree, trusted, k);
    else if (learner_files)
      local_try(root, kata, k);
  }
}

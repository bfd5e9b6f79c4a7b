/* A learner's repository read as data: grading a commit nobody checked out.
 *
 * A mentor grades from a trusted checkout of their own, and CI grades a
 * pull request from the base branch; either way the learner's commit is
 * fetched into a private bare repository and only the blobs of the
 * editable files and notes are read out of it. Nothing of the learner's
 * (no script, workflow, CMake file or grader source) is checked out, let
 * alone run; the editable files then go through the grader like any other
 * learner's files. */
#include "cli/repo.h"
#include "core/error.h"
#include "core/util.h"
#include "runner/tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { GIT_TIMEOUT_S = 300 };

void sc_repo_free(struct sc_repo *repo) {
  if (repo->scratch != NULL)
    sc_remove_tree(repo->scratch);
  free(repo->scratch);
  free(repo->git_dir);
  free(repo->editable);
  free(repo->commit);
  free(repo->spec);
  memset(repo, 0, sizeof(*repo));
}

/* Runs git with argv (after "git") in the private repository. */
static int git(const struct sc_repo *repo, const char *const *args, char **out,
               size_t *len, char **why) {
  struct sc_strv argv = {0};
  sc_strv_push(&argv, "git");
  sc_strv_push(&argv, "--git-dir");
  sc_strv_push(&argv, repo->git_dir);
  for (const char *const *a = args; *a != NULL; a++)
    sc_strv_push(&argv, *a);
  int err = sc_run_tool(sc_strv_view(&argv), GIT_TIMEOUT_S, out, len, why);
  sc_strv_free(&argv);
  return err;
}

/* Splits "REPO@REF" at its last '@' when what follows names a ref (no ':',
 * so "git@host:path" stays whole). */
static void split_spec(const char *spec, char **where, char **ref) {
  const char *at = strrchr(spec, '@');
  if (at != NULL && at != spec && at[1] != '\0' && strchr(at, ':') == NULL) {
    *where = sc_xasprintf("%.*s", (int)(at - spec), spec);
    *ref = sc_xstrdup(at + 1);
  } else {
    *where = sc_xstrdup(spec);
    *ref = sc_xstrdup("HEAD");
  }
}

/* Puts katas/<id>/<file> of the commit into dir/<file>: a regular file's
 * blob (at most max + 1 bytes, so that the grader still sees it is too
 * big), or, for a link or anything else, a dangling link the grader refuses
 * by name. A file the commit lacks stays missing. */
static int take_file(const struct sc_repo *repo, const char *id,
                     const char *file, unsigned long long max, const char *dir,
                     char **why) {
  char *path = sc_xasprintf("katas/%s/%s", id, file);
  const char *ls[] = {"ls-tree", "-z", repo->commit, "--", path, NULL};
  char *out = NULL;
  size_t len = 0;
  int err = git(repo, ls, &out, &len, why);
  char *dst = sc_path_join(dir, file);
  if (err == 0 && len > 0) {
    /* "<mode> <type> <object>\t<path>" */
    char mode[8] = "", type[8] = "", object[72] = "";
    if (sscanf(out, "%7s %7s %71s", mode, type, object) != 3) {
      err = -1;
      *why = sc_xasprintf("cannot read git's entry for '%s'", path);
    } else if (strchr(file, '/') != NULL) {
      err = 0; /* editable files sit in the kata's folder itself */
    } else if ((strcmp(mode, "100644") == 0 || strcmp(mode, "100755") == 0) &&
               strcmp(type, "blob") == 0) {
      const char *size_args[] = {"cat-file", "-s", object, NULL};
      char *size_text = NULL;
      err = git(repo, size_args, &size_text, NULL, why);
      unsigned long long size = err == 0 ? strtoull(size_text, NULL, 10) : 0;
      free(size_text);
      char *blob = NULL;
      size_t blob_len = 0;
      if (err == 0 && size > max) {
        blob = sc_xcalloc(max + 2, 1);
        memset(blob, ' ', max + 1);
        blob_len = max + 1;
      } else if (err == 0) {
        const char *cat[] = {"cat-file", "blob", object, NULL};
        err = git(repo, cat, &blob, &blob_len, why);
      }
      if (err == 0)
        err = sc_write_new_file(dst, blob, blob_len);
      free(blob);
    } else if (symlink("/the link git stored", dst) != 0) {
      err = -errno;
    }
  }
  if (err < -1 && *why == NULL)
    *why = sc_xasprintf("cannot write '%s': %s", dst, sc_strerror(err));
  free(dst);
  free(out);
  free(path);
  return err == 0 ? 0 : -1;
}

int sc_repo_fetch(const char *root, const char *spec,
                  const struct sc_catalogue *cat, struct sc_repo *repo,
                  char **why) {
  memset(repo, 0, sizeof(*repo));
  *why = NULL;
  char *where = NULL, *ref = NULL;
  split_spec(spec, &where, &ref);
  repo->spec = sc_xstrdup(spec);
  char scratch[] = "/tmp/senior-check-repo.XXXXXX";
  if (mkdtemp(scratch) == NULL) {
    *why =
        sc_xasprintf("cannot create a folder in /tmp: %s", sc_strerror(-errno));
    free(where);
    free(ref);
    return -1;
  }
  repo->scratch = sc_xstrdup(scratch);
  repo->git_dir = sc_path_join(scratch, "git");
  repo->editable = sc_path_join(scratch, "katas");
  /* A local path is read as git reads any remote: by its objects. */
  char *source = where[0] != '/' && strstr(where, "://") == NULL &&
                         strchr(where, ':') == NULL && access(where, F_OK) == 0
                     ? realpath(where, NULL)
                     : sc_xstrdup(where);
  const char *init[] = {"git", "init", "-q", "--bare", repo->git_dir, NULL};
  const char *fetch[] = {"fetch",
                         "-q",
                         "--no-tags",
                         "--no-recurse-submodules",
                         source ? source : where,
                         ref,
                         NULL};
  const char *resolve[] = {"rev-parse", "--verify", "-q", "FETCH_HEAD^{commit}",
                           NULL};
  char *commit = NULL;
  int err = sc_run_tool(init, GIT_TIMEOUT_S, NULL, NULL, why);
  if (err == 0 && (err = git(repo, fetch, NULL, NULL, why)) != 0) {
    /* One line: git's own first complaint. */
    char *detail = *why;
    const char *fatal = detail ? strstr(detail, "fatal: ") : NULL;
    const char *reason = fatal ? fatal + 7 : "git failed";
    *why = sc_xasprintf("cannot fetch '%s' from '%s': %.*s (give a "
                        "repository path or URL, and a branch, tag or commit "
                        "after '@')",
                        ref, where, (int)strcspn(reason, "\n"), reason);
    free(detail);
  }
  if (err == 0)
    err = git(repo, resolve, &commit, NULL, why);
  if (err == 0) {
    commit[strcspn(commit, "\n")] = '\0';
    repo->commit = commit;
    commit = NULL;
    /* The base's objects, so that the learner's commit can be compared
     * with this checkout's HEAD for findings. */
    const char *common[] = {"git",
                            "-C",
                            root,
                            "rev-parse",
                            "--path-format=absolute",
                            "--git-common-dir",
                            NULL};
    char *objects = NULL, *ignored = NULL;
    if (sc_run_tool(common, GIT_TIMEOUT_S, &objects, NULL, &ignored) == 0) {
      objects[strcspn(objects, "\n")] = '\0';
      char *alternates = sc_path_join(repo->git_dir, "objects/info/alternates");
      FILE *f = fopen(alternates, "w");
      if (f != NULL) {
        fprintf(f, "%s/objects\n", objects);
        fclose(f);
      }
      free(alternates);
    }
    free(ignored);
    free(objects);
  }
  for (size_t i = 0; err == 0 && i < cat->count; i++) {
    const struct sc_kata *kata = cat->katas[i];
    char *dir = sc_path_join(repo->editable, kata->id);
    err = sc_mkdir_p(dir);
    for (size_t f = 0; err == 0 && f < kata->editable_count; f++)
      err = take_file(repo, kata->id, kata->editable[f], kata->max_file_bytes,
                      dir, why);
    for (size_t w = 0; err == 0 && w < kata->writing_count; w++)
      err = take_file(repo, kata->id, kata->writing[w].file,
                      kata->max_file_bytes, dir, why);
    free(dir);
  }
  free(commit);
  free(source);
  free(where);
  free(ref);
  return err == 0 ? 0 : -1;
}

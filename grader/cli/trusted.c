#include "cli/trusted.h"
#include "core/error.h"
#include "core/util.h"
#include "runner/tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { GIT_TIMEOUT_S = 120, BUILD_TIMEOUT_S = 600 };

static char *resolve(const char *root, const char *ref, char **why) {
  char *spec = sc_xasprintf("%s^{commit}", ref);
  const char *argv[] = {"git",      "-C",      root, "rev-parse",
                        "--verify", "--quiet", spec, NULL};
  char *out = NULL;
  if (sc_run_tool(argv, GIT_TIMEOUT_S, &out, NULL, why) != 0) {
    free(*why);
    *why = sc_xasprintf("unknown trusted ref '%s': give a branch, tag or "
                        "commit of this repository (in CI, fetch the base "
                        "branch: actions/checkout with fetch-depth: 0)",
                        ref);
  }
  free(spec);
  if (out != NULL)
    out[strcspn(out, "\n")] = '\0';
  return out;
}

/* Where trusted trees live: never in the working tree, whose build/ a
 * learner's branch could carry, ready-made, with a grader of its own. Root's
 * is /var/cache/senior-check/trusted (readable, since the sandbox's uids
 * compile from it, but writable by root alone); another user's is under
 * their cache folder. Returns the folder or NULL with *why set. */
static char *trusted_cache(char **why) {
  char *dir;
  if (geteuid() == 0) {
    dir = sc_xstrdup("/var/cache/senior-check/trusted");
  } else {
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    dir = xdg && *xdg == '/' ? sc_xasprintf("%s/senior-check/trusted", xdg)
          : home && *home == '/'
              ? sc_xasprintf("%s/.cache/senior-check/trusted", home)
              : sc_xasprintf("/tmp/senior-check-%lu/trusted",
                             (unsigned long)geteuid());
  }
  int err = sc_mkdir_p(dir);
  struct stat st;
  if (err == 0 && lstat(dir, &st) != 0)
    err = -errno;
  if (err == 0 && (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
                   (st.st_mode & 022) != 0))
    err = -EPERM;
  if (err != 0) {
    *why = sc_xasprintf("cannot use '%s' for trusted trees: %s (it must be "
                        "a folder only you can write)",
                        dir, sc_strerror(err));
    free(dir);
    return NULL;
  }
  return dir;
}

/* Extracts the commit into dir/src once; a marker file, written last and
 * holding the commit, says it is whole: a half-made tree is made again. */
static int extract(const char *root, const char *sha, const char *dir,
                   char **why) {
  char *src = sc_path_join(dir, "src");
  char *marker = sc_path_join(dir, "extracted");
  int err = 0;
  char *have = NULL;
  int whole = sc_read_untrusted_file(marker, 128, &have, NULL) == 0 &&
              strcmp(have, sha) == 0;
  free(have);
  if (!whole) {
    char *built = sc_path_join(dir, "build"); /* from another tree */
    remove(marker);
    sc_remove_tree(built);
    free(built);
    sc_remove_tree(src);
    err = sc_mkdir_p(src);
    char *script = sc_xasprintf("git -C '%s' archive '%s' | tar -x -C '%s'",
                                root, sha, src);
    const char *argv[] = {"sh", "-c", script, NULL};
    if (err == 0)
      err = sc_run_tool(argv, GIT_TIMEOUT_S, NULL, NULL, why);
    else
      *why = sc_xasprintf("cannot create '%s': %s", src, sc_strerror(err));
    FILE *f = err == 0 ? fopen(marker, "w") : NULL;
    if (f != NULL) {
      fputs(sha, f);
      fclose(f);
    }
    free(script);
  }
  free(marker);
  free(src);
  return err;
}

static int build(const char *dir, char **why) {
  char *src = sc_path_join(dir, "src");
  char *out = sc_path_join(dir, "build");
  const char *configure[] = {
      "cmake", "-G", "Ninja", "-S",
      src,     "-B", out,     "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
      NULL};
  const char *compile[] = {"cmake",
                           "--build",
                           out,
                           "--target",
                           "senior-check-grader",
                           "senior-check-sandbox",
                           NULL};
  int err = sc_file_exists(out)
                ? 0
                : sc_run_tool(configure, BUILD_TIMEOUT_S, NULL, NULL, why);
  if (err == 0)
    err = sc_run_tool(compile, BUILD_TIMEOUT_S, NULL, NULL, why);
  free(out);
  free(src);
  return err;
}

int sc_trusted_reexec(const char *root, const char *ref, char **argv,
                      char **why) {
  *why = NULL;
  const char *trusted = getenv(SC_TRUSTED_SHA_ENV);
  if (trusted != NULL && *trusted != '\0')
    return 0;
  char *sha = resolve(root, ref, why);
  if (sha == NULL)
    return SC_EUSAGE;
  char *cache = trusted_cache(why);
  if (cache == NULL) {
    free(sha);
    return SC_EUSAGE;
  }
  char *dir = sc_path_join(cache, sha);
  free(cache);
  int err = extract(root, sha, dir, why);
  if (err == 0)
    err = build(dir, why);
  if (err == 0) {
    char *grader = sc_path_join(dir, "build/bin/senior-check-grader");
    char *src = sc_path_join(dir, "src");
    setenv(SC_TRUSTED_SHA_ENV, sha, 1);
    setenv(SC_WORKTREE_ENV, root, 1);
    setenv("SENIOR_CHECK_ROOT", src, 1);
    argv[0] = grader;
    execv(grader, argv);
    err = -errno;
    *why = sc_xasprintf("cannot run the trusted grader '%s': %s", grader,
                        sc_strerror(err));
    free(src);
    free(grader);
  }
  free(dir);
  free(sha);
  return err ? err : -1;
}

char *sc_git_baseline(const char *root, const char **how) {
  const char *merge_base[] = {"git",  "-C",          root, "merge-base",
                              "HEAD", "@{upstream}", NULL};
  const char *head[] = {"git", "-C", root, "rev-parse", "HEAD", NULL};
  char *out = NULL, *why = NULL;
  const char *which = "where your branch left its upstream";
  if (sc_run_tool(merge_base, GIT_TIMEOUT_S, &out, NULL, &why) != 0) {
    free(why);
    why = NULL;
    which = "HEAD: your branch has no upstream";
    if (sc_run_tool(head, GIT_TIMEOUT_S, &out, NULL, &why) != 0) {
      free(why);
      return NULL;
    }
  }
  if (how != NULL)
    *how = which;
  out[strcspn(out, "\n")] = '\0';
  return out;
}

const char *sc_trusted_worktree(void) {
  const char *sha = getenv(SC_TRUSTED_SHA_ENV);
  const char *worktree = getenv(SC_WORKTREE_ENV);
  return sha && *sha && worktree && *worktree ? worktree : NULL;
}

/* Is path (relative to the repository) a file a learner may change? */
static int learner_owned(const struct sc_catalogue *cat, const char *katas_rel,
                         const char *path) {
  size_t len = strlen(katas_rel);
  if (strncmp(path, katas_rel, len) != 0 || path[len] != '/')
    return 0;
  const char *rest = path + len + 1;
  for (size_t i = 0; i < cat->count; i++) {
    const struct sc_kata *kata = cat->katas[i];
    size_t id_len = strlen(kata->id);
    if (strncmp(rest, kata->id, id_len) != 0 || rest[id_len] != '/')
      continue;
    const char *file = rest + id_len + 1;
    if (sc_kata_is_editable(kata, file))
      return 1;
    for (size_t w = 0; w < kata->writing_count; w++)
      if (strcmp(kata->writing[w].file, file) == 0)
        return 1;
  }
  return 0;
}

static const char *change_name(char status) {
  switch (status) {
  case 'A':
    return "added";
  case 'D':
    return "deleted";
  case 'M':
    return "modified";
  case 'T':
    return "changed type";
  case '?':
    return "untracked";
  case '!':
    return "ignored";
  default:
    return "changed";
  }
}

/* Walks the "STATUS\0PATH\0" records of git diff's -z output (or the
 * "PATH\0" ones of ls-files) and adds the protected files as findings. */
static void add_findings(const char *out, size_t len,
                         const struct sc_catalogue *cat, const char *katas_rel,
                         struct sc_results *results, char untracked) {
  const char *p = out, *end = out + len;
  while (p < end && *p) {
    char status = untracked;
    if (!untracked) {
      status = *p;
      p += strlen(p) + 1;
      if (p >= end)
        break;
    }
    const char *path = p;
    p += strlen(p) + 1;
    if (!learner_owned(cat, katas_rel, path))
      sc_results_add_finding(results, path, change_name(status));
  }
}

int sc_trusted_findings(const char *worktree, const char *against,
                        const struct sc_catalogue *cat, const char *katas_rel,
                        struct sc_results *results, char **why) {
  const char *diff[] = {
      "git", "-C",           worktree, "diff", "--name-status",
      "-z",  "--no-renames", against,  "--",   NULL};
  const char *others[] = {"git",      "-C",       worktree,
                          "ls-files", "--others", "--exclude-standard",
                          "-z",       NULL};
  char *out = NULL;
  size_t len = 0;
  *why = NULL;
  if (sc_run_tool(diff, GIT_TIMEOUT_S, &out, &len, why) != 0)
    return SC_EUSAGE;
  add_findings(out, len, cat, katas_rel, results, '\0');
  free(out);
  out = NULL;
  if (sc_run_tool(others, GIT_TIMEOUT_S, &out, &len, why) != 0)
    return SC_EUSAGE;
  add_findings(out, len, cat, katas_rel, results, '?');
  free(out);
  /* A file git is told to ignore is still a file in the kata's folder: a
   * header there could shadow the suite's (it would not be compiled, but
   * the attempt is worth a mentor's eye). */
  const char *ignored[] = {"git",
                           "-C",
                           worktree,
                           "ls-files",
                           "--others",
                           "--ignored",
                           "--exclude-standard",
                           "-z",
                           "--",
                           katas_rel,
                           NULL};
  out = NULL;
  if (sc_run_tool(ignored, GIT_TIMEOUT_S, &out, &len, why) != 0)
    return SC_EUSAGE;
  add_findings(out, len, cat, katas_rel, results, '!');
  free(out);
  return 0;
}

int sc_commit_findings(const char *git_dir, const char *base,
                       const char *commit, const struct sc_catalogue *cat,
                       const char *katas_rel, struct sc_results *results,
                       char **why) {
  const char *diff[] = {"git", "--git-dir",    git_dir, "diff", "--name-status",
                        "-z",  "--no-renames", base,    commit, "--",
                        NULL};
  char *out = NULL;
  size_t len = 0;
  *why = NULL;
  if (sc_run_tool(diff, GIT_TIMEOUT_S, &out, &len, why) != 0)
    return SC_EUSAGE;
  add_findings(out, len, cat, katas_rel, results, '\0');
  free(out);
  return 0;
}

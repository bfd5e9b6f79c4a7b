#include "cli/grade.h"
#include "cli/cli.h"
#include "cli/outputs.h"
#include "cli/repo.h"
#include "cli/roster.h"
#include "cli/trusted.h"
#include "core/error.h"
#include "core/util.h"
#include "gates/grading.h"
#include "report/json.h"
#include "runner/tool.h"
#include "report/progress.h"
#include "report/results_read.h"
#include "report/terminal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

struct job {
  const struct sc_grade_request *req;
  const struct sc_kata **katas;
  struct sc_kata_result *results;
  size_t count;
  size_t next; /* guarded by lock */
  const char *scratch_root;
  uv_mutex_t lock;
};

struct worker {
  struct job *job;
  unsigned slot;
  uv_thread_t thread;
};

static void grade_one(struct job *job, size_t index, unsigned slot) {
  const struct sc_grade_request *req = job->req;
  const struct sc_kata *kata = job->katas[index];
  struct sc_grading g = {
      .kata = kata,
      .root = req->root,
      .slot = slot,
      .result = &job->results[index],
      .on_gate = req->on_gate,
      .on_gate_data = req->on_gate_data,
      .cancelled = req->cancelled,
  };
  char *editable = req->editable_root
                       ? sc_path_join(req->editable_root, kata->id)
                       : sc_xstrdup(kata->dir);
  g.editable_dir = editable;
  char *shown = req->shown_as ? sc_path_join(req->shown_as, kata->id) : NULL;
  g.shown_dir = shown;
  g.build_dir =
      sc_xasprintf("%s/build/katas/%s/%s", req->root, req->source, kata->id);
  g.learner_dir = sc_path_join(g.build_dir, "learner");
  g.scratch_dir = sc_xasprintf("%s/%s", job->scratch_root, kata->id);
  /* Searchable but not listable by the sandbox's uid, which owns only the
   * per-gate folders staged inside. */
  mkdir(g.scratch_dir, 0711);
  chmod(g.scratch_dir, 0711);
  /* Another grader (a second terminal, watch) grading the same kata from
   * the same files shares its build tree: one at a time. */
  sc_mkdir_p(g.build_dir);
  char *lock_path = sc_path_join(g.build_dir, "senior-check.lock");
  int lock = open(lock_path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock >= 0)
    flock(lock, LOCK_EX);
  sc_grade_kata(&g);
  if (lock >= 0)
    close(lock); /* releases the lock */
  free(lock_path);
  sc_remove_tree(g.scratch_dir);
  free(g.scratch_dir);
  free(g.learner_dir);
  free(shown);
  free(g.build_dir);
  free(editable);
}

static void work(void *arg) {
  struct worker *w = arg;
  struct job *job = w->job;
  /* The slot (the sandbox uid) is this machine's, not only this grader's:
   * another grader's learner code never shares it. */
  int lock = sc_run_claim_slot(&w->slot);
  if (lock < 0)
    w->slot = SC_RUN_SLOTS; /* grade_one() makes each kata an error */
  for (;;) {
    uv_mutex_lock(&job->lock);
    size_t index = job->next < job->count ? job->next++ : job->count;
    uv_mutex_unlock(&job->lock);
    if (index == job->count)
      break;
    if (lock < 0) {
      struct sc_kata_result *result = &job->results[index];
      const struct sc_kata *kata = job->katas[index];
      sc_kata_result_init(result, kata->id, kata->title, kata->week,
                          kata->weight);
      result->error = sc_xasprintf(
          "no sandbox slot is free on this machine (%s): wait for the other "
          "gradings to end",
          sc_strerror(lock));
      sc_kata_result_total(result);
      continue;
    }
    grade_one(job, index, w->slot);
  }
  if (lock >= 0)
    close(lock);
}

static int select_katas(const struct sc_grade_request *req,
                        const struct sc_kata ***out, size_t *count,
                        char **why) {
  const struct sc_catalogue *cat = req->catalogue;
  size_t n = 0;
  if (req->ids == NULL) {
    n = cat->count;
    *out = sc_xcalloc(n, sizeof(**out));
    for (size_t i = 0; i < n; i++)
      (*out)[i] = cat->katas[i];
  } else {
    size_t asked = 0;
    while (req->ids[asked] != NULL)
      asked++;
    *out = sc_xcalloc(asked, sizeof(**out));
    for (size_t i = 0; i < asked; i++) {
      const struct sc_kata *kata = sc_catalogue_find(cat, req->ids[i]);
      int repeated = 0;
      for (size_t j = 0; j < n && kata != NULL; j++)
        repeated |= (*out)[j] == kata;
      if (repeated) /* one grading per kata: they share a build tree */
        continue;
      (*out)[n++] = kata;
      if (kata == NULL) {
        char *names = sc_catalogue_names(cat);
        *why = sc_xasprintf("unknown kata '%s'; known katas: %s", req->ids[i],
                            names);
        free(names);
        free(*out);
        *out = NULL;
        return SC_EUNKNOWN_KATA;
      }
    }
  }
  *count = n;
  return 0;
}

static int check_editable_dirs(const struct sc_grade_request *req,
                               const struct sc_kata **katas, size_t count,
                               char **why) {
  if (req->editable_root == NULL)
    return 0;
  for (size_t i = 0; i < count; i++) {
    char *dir = sc_path_join(req->editable_root, katas[i]->id);
    int ok = sc_file_exists(dir);
    if (!ok)
      *why = sc_xasprintf("cannot grade '%s' from '%s': no such folder",
                          katas[i]->id, dir);
    free(dir);
    if (!ok)
      return -ENOENT;
  }
  return 0;
}

int sc_grade_run(const struct sc_grade_request *req, struct sc_results *out,
                 char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  out->source = req->source;
  struct job job = {.req = req};
  if (req->catalogue->count == 0) {
    *why = sc_xstrdup("no katas to grade: the folder holds no 'NN-name' "
                      "kata folders");
    return SC_EUNKNOWN_KATA;
  }
  int err = select_katas(req, &job.katas, &job.count, why);
  if (err == 0)
    err = check_editable_dirs(req, job.katas, job.count, why);
  if (err != 0) {
    free(job.katas);
    return err;
  }

  char scratch[] = "/tmp/senior-check.XXXXXX";
  if (mkdtemp(scratch) == NULL || chmod(scratch, 0711) != 0) {
    err = -errno;
    *why = sc_xasprintf("cannot create a scratch folder in '/tmp': %s",
                        sc_strerror(err));
    free(job.katas);
    return err;
  }
  job.scratch_root = scratch;
  job.results = sc_xcalloc(job.count, sizeof(*job.results));
  uv_mutex_init(&job.lock);

  unsigned jobs = req->jobs ? req->jobs : uv_available_parallelism();
  if (jobs > job.count)
    jobs = job.count ? (unsigned)job.count : 1;
  if (jobs > SC_RUN_SLOTS)
    jobs = SC_RUN_SLOTS;
  struct worker *workers = sc_xcalloc(jobs, sizeof(*workers));
  unsigned long long start = sc_now_ms();
  for (unsigned i = 0; i < jobs; i++) {
    workers[i].job = &job;
    uv_thread_create(&workers[i].thread, work, &workers[i]);
  }
  for (unsigned i = 0; i < jobs; i++)
    uv_thread_join(&workers[i].thread);
  uv_mutex_destroy(&job.lock);
  sc_remove_tree(scratch);

  out->katas = job.results;
  out->count = job.count;
  out->elapsed_ms = sc_now_ms() - start;
  sc_results_total(out);
  free(workers);
  free(job.katas);
  return 0;
}

static int on_path(const char *tool) {
  const char *path = getenv("PATH");
  if (path == NULL)
    return 0;
  char *copy = sc_xstrdup(path);
  int found = 0;
  for (char *dir = strtok(copy, ":"); dir && !found; dir = strtok(NULL, ":")) {
    char *full = sc_path_join(dir, tool);
    found = access(full, X_OK) == 0;
    free(full);
  }
  free(copy);
  return found;
}

int sc_grade_check_tools(char **why) {
  static const char *const tools[][2] = {{"cmake", "cmake"},
                                         {"gcc", "gcc"},
                                         {"valgrind", "valgrind"},
                                         {"gcovr", "gcovr"},
                                         {"pkg-config", "pkg-config"}};
  for (size_t i = 0; i < SC_ARRAY_SIZE(tools); i++) {
    if (!on_path(tools[i][0])) {
      *why = sc_xasprintf("required tool '%s' not found: install it with "
                          "'apt-get install %s' (or run ./senior-check, "
                          "which installs what is missing)",
                          tools[i][0], tools[i][1]);
      return SC_ETOOL_MISSING;
    }
  }
  return 0;
}

/* The verbs that grade. */

/* The absolute form of a folder given on the command line, or NULL with
 * the error printed. Kata builds run elsewhere, so relative paths won't do. */
static char *absolute_dir(const char *option, const char *dir) {
  char *path = realpath(dir, NULL);
  if (path == NULL)
    sc_error("cannot use %s '%s': %s", option, dir, strerror(errno));
  return path;
}

static int parse_jobs(const char *text, unsigned *jobs) {
  char *end = NULL;
  unsigned long n = text ? strtoul(text, &end, 10) : 0;
  if (text == NULL)
    return 0;
  if (*text == '\0' || *end != '\0' || n == 0 || n > SC_RUN_SLOTS) {
    sc_error("invalid --jobs '%s': give a number from 1 to %u", text,
             SC_RUN_SLOTS);
    return -1;
  }
  *jobs = (unsigned)n;
  return 0;
}

/* Where the katas and the learner's files come from, for one grade. */
struct sources {
  char *katas;      /* the kata folders graded (absolute) */
  char *katas_rel;  /* the same, relative to the repository root */
  char *editable;   /* folder of <id>/ editable files; NULL: the katas' */
  const char *name; /* "learner", "solutions", "other" */
};

static void sources_free(struct sources *s) {
  free(s->katas);
  free(s->katas_rel);
  free(s->editable);
}

/* Works out the sources from the options. Under a trusted ref the katas
 * come from the trusted tree (this grader's root) and the learner's files
 * from the same place in the working tree. */
static int choose_sources(const struct sc_context *ctx,
                          const struct sc_verb *verb,
                          const struct sc_args *args, struct sources *out) {
  const char *katas_arg = sc_args_get(verb, args, "--katas");
  const char *from_arg = sc_args_get(verb, args, "--from");
  int solutions = sc_args_get(verb, args, "--solutions") != NULL;
  const char *worktree = sc_trusted_worktree();
  const char *base = worktree ? worktree : ctx->root;
  memset(out, 0, sizeof(*out));
  out->name = solutions ? "solutions" : from_arg ? "other" : "learner";
  char *katas = katas_arg ? absolute_dir("--katas", katas_arg)
                          : sc_path_join(base, "katas");
  if (katas == NULL)
    return -1;
  size_t len = strlen(base);
  if (strncmp(katas, base, len) == 0 && katas[len] == '/')
    out->katas_rel = sc_xstrdup(katas + len + 1);
  else if (worktree) {
    sc_error("--katas '%s' is outside the repository: under a trusted ref, "
             "katas come from the ref",
             katas_arg);
    free(katas);
    return -1;
  } else
    out->katas_rel = sc_xstrdup(katas);
  if (worktree) {
    out->editable = katas;
    out->katas = sc_path_join(ctx->root, out->katas_rel);
  } else {
    out->katas = katas;
    if (solutions)
      out->editable = sc_path_join(ctx->root, "solutions");
    else if (from_arg &&
             (out->editable = absolute_dir("--from", from_arg)) == NULL)
      return -1;
  }
  return 0;
}

/* Integrity: which protected files differ. Official results need a trusted
 * ref; a learner's own run reports changes as a warning. */
static void
check_integrity(const struct sc_context *ctx, const struct sc_verb *verb,
                const struct sc_args *args, const struct sources *src,
                const struct sc_catalogue *cat, struct sc_results *results) {
  const char *worktree = sc_trusted_worktree();
  if (!worktree && strcmp(src->name, "learner") != 0)
    return; /* solutions and other folders: nothing of the learner's */
  char *against = worktree ? sc_xstrdup(getenv(SC_TRUSTED_SHA_ENV))
                           : sc_git_baseline(ctx->root, NULL);
  if (against == NULL)
    return; /* not a git clone: nothing to compare with */
  /* Every kata's files count as the learner's, not only the graded ones'. */
  struct sc_catalogue all;
  char *why = NULL;
  int whole = sc_catalogue_load(src->katas, &all, &why) == 0;
  free(why);
  why = NULL;
  if (sc_trusted_findings(worktree ? worktree : ctx->root, against,
                          whole ? &all : cat, src->katas_rel, results,
                          &why) == 0 &&
      worktree) {
    results->official = 1;
    const char *ref = sc_args_get(verb, args, "--trusted-ref");
    results->trusted_ref = strcmp(ref, against) == 0
                               ? sc_xstrdup(against)
                               : sc_xasprintf("%s (%s)", ref, against);
  } else if (why != NULL && worktree) {
    sc_error("cannot compare with the trusted ref: %s", why);
  }
  results->baseline = against;
  if (whole)
    sc_catalogue_free(&all);
  free(why);
}

/* The results on standard output. In GitHub Actions, learner text there
 * (a test's message, the compiler's words) must never become a workflow
 * command: the table is fenced with ::stop-commands:: and a fresh random
 * token the learner's code cannot know; the annotations, written after it,
 * are the grader's own. */
static void terminal_report(const struct sc_results *results) {
  const char *actions = getenv("GITHUB_ACTIONS");
  char token[33] = "";
  if (actions != NULL && strcmp(actions, "true") == 0) {
    unsigned char bytes[16];
    if (getrandom(bytes, sizeof(bytes), 0) == (ssize_t)sizeof(bytes)) {
      for (size_t i = 0; i < sizeof(bytes); i++)
        snprintf(token + 2 * i, 3, "%02x", bytes[i]);
      printf("::stop-commands::%s\n", token);
    }
  }
  sc_report_terminal(results, stdout, sc_report_use_colour(stdout));
  if (*token)
    printf("::%s::\n", token);
  fflush(stdout);
}

/* Integrity of a learner's commit graded with --repo: the katas, tests
 * and grader are this checkout's, so the results are official (against its
 * HEAD), and what the commit changed outside the editable files are
 * findings. */
static void repo_integrity(const struct sc_context *ctx,
                           const struct sources *src,
                           const struct sc_catalogue *cat,
                           const struct sc_repo *repo,
                           struct sc_results *results) {
  const char *head[] = {"git", "-C", ctx->root, "rev-parse", "HEAD", NULL};
  char *base = NULL, *why = NULL;
  if (sc_run_tool(head, 60, &base, NULL, &why) != 0) {
    sc_error("cannot name this checkout's commit: %s", why);
    free(why);
    return;
  }
  base[strcspn(base, "\n")] = '\0';
  struct sc_catalogue all;
  int whole = sc_catalogue_load(src->katas, &all, &why) == 0;
  free(why);
  why = NULL;
  if (sc_commit_findings(repo->git_dir, base, repo->commit, whole ? &all : cat,
                         src->katas_rel, results, &why) == 0) {
    results->official = 1;
    results->trusted_ref = sc_xasprintf("this checkout (%s), grading %s (%s)",
                                        base, repo->spec, repo->commit);
  } else {
    sc_error("cannot compare %s with this checkout: %s", repo->spec, why);
  }
  results->baseline = base;
  if (whole)
    sc_catalogue_free(&all);
  free(why);
}

int sc_verb_grade(const struct sc_context *ctx, const struct sc_verb *verb,
                  const struct sc_args *args) {
  const char *json_path = sc_args_get(verb, args, "--json");
  const char *ref = sc_args_get(verb, args, "--trusted-ref");
  struct sc_grade_request req = {
      .root = ctx->root,
      .ids = args->positional_count ? args->positionals : NULL,
  };
  if (parse_jobs(sc_args_get(verb, args, "--jobs"), &req.jobs) != 0)
    return SC_EXIT_USAGE;
  int solutions = sc_args_get(verb, args, "--solutions") != NULL;
  int from = sc_args_get(verb, args, "--from") != NULL;
  const char *repo_arg = sc_args_get(verb, args, "--repo");
  const char *roster = sc_args_get(verb, args, "--roster");
  const char *out_dir = sc_args_get(verb, args, "--out");
  if (solutions + from + (ref != NULL) + (repo_arg != NULL) + (roster != NULL) >
      1) {
    sc_error("--solutions, --from, --trusted-ref, --repo and --roster each "
             "say where the files come from: give one");
    return SC_EXIT_USAGE;
  }
  if (out_dir != NULL && roster == NULL) {
    sc_error("--out is where --roster writes: give --roster FILE too, or "
             "--json FILE for one grading");
    return SC_EXIT_USAGE;
  }
  if (roster != NULL) {
    if (json_path != NULL || sc_args_all(verb, args, "--format")[0] != NULL) {
      sc_error("--roster writes DIR/NAME.json per learner and "
               "DIR/class.html: choose DIR with --out, not --json or "
               "--format");
      return SC_EXIT_USAGE;
    }
    return sc_roster_grade(roster, out_dir ? out_dir : "results", req.ids);
  }
  const char *const *formats = sc_args_all(verb, args, "--format");
  if (sc_outputs_check(formats, json_path) != 0)
    return SC_EXIT_USAGE;
  char *why = NULL;
  if (sc_grade_check_tools(&why) != 0 ||
      (ref && sc_trusted_reexec(ctx->root, ref, ctx->argv, &why) != 0)) {
    sc_error("%s", why);
    free(why);
    return SC_EXIT_USAGE;
  }
  struct sources src;
  struct sc_catalogue cat;
  if (choose_sources(ctx, verb, args, &src) != 0) {
    sources_free(&src);
    return SC_EXIT_USAGE;
  }
  if (sc_catalogue_load_some(src.katas, req.ids, &cat, &why) != 0) {
    sc_error("%s", why);
    free(why);
    sources_free(&src);
    return SC_EXIT_USAGE;
  }
  req.catalogue = &cat;
  req.editable_root = src.editable;
  req.source = src.name;
  /* Under a trusted ref the learner's files are in the working tree, not
   * under this grader's root: messages name them as the repository does. */
  if (sc_trusted_worktree() != NULL)
    req.shown_as = src.katas_rel;
  /* A learner's commit read as data: its editable files, nothing else. */
  struct sc_repo repo = {0};
  if (repo_arg != NULL) {
    struct sc_catalogue all;
    int whole = sc_catalogue_load(src.katas, &all, &why) == 0;
    free(why);
    why = NULL;
    if (sc_repo_fetch(ctx->root, repo_arg, whole ? &all : &cat, &repo, &why) !=
        0) {
      sc_error("%s", why);
      free(why);
      sc_repo_free(&repo);
      if (whole)
        sc_catalogue_free(&all);
      sources_free(&src);
      sc_catalogue_free(&cat);
      return SC_EXIT_USAGE;
    }
    if (whole)
      sc_catalogue_free(&all);
    req.editable_root = repo.editable;
    req.shown_as = src.katas_rel;
    req.source = "learner"; /* a learner's files, read from git */
  }

  struct sc_results results;
  int status = SC_EXIT_USAGE;
  struct sc_progress *progress = sc_progress_start(stderr);
  req.on_gate = progress ? sc_progress_on_gate : NULL;
  req.on_gate_data = progress;
  /* Grading the learner's own files refreshes what list and next read. */
  int learner =
      strcmp(src.name, "learner") == 0 && ref == NULL && repo_arg == NULL;
  uint64_t *keys = sc_xcalloc(cat.count ? cat.count : 1, sizeof(*keys));
  for (size_t i = 0; learner && i < cat.count; i++)
    if (sc_learner_cache_key(ctx->root, cat.katas[i], &keys[i]) != 0)
      keys[i] = 0;
  int graded = sc_grade_run(&req, &results, &why);
  sc_progress_stop(progress);
  if (graded != 0) {
    sc_error("%s", why);
  } else {
    for (size_t i = 0; learner && i < results.count; i++) {
      const struct sc_kata *kata = sc_catalogue_find(&cat, results.katas[i].id);
      size_t at = 0;
      while (kata != NULL && at < cat.count && cat.katas[at] != kata)
        at++;
      if (kata != NULL && keys[at] != 0)
        sc_learner_cache_store(ctx->root, kata, keys[at], &results.katas[i]);
    }
    sc_first_try_attach(ctx->root, &cat, &results, learner);
    if (repo_arg != NULL)
      repo_integrity(ctx, &src, &cat, &repo, &results);
    else
      check_integrity(ctx, verb, args, &src, &cat, &results);
    terminal_report(&results);
    if (sc_outputs_write(&results, formats, json_path) == 0)
      status = results.score == results.max_score ? SC_EXIT_FULL_MARKS
                                                  : SC_EXIT_SHORT;
    sc_results_free(&results);
  }
  free(keys);
  free(why);
  sc_repo_free(&repo);
  sources_free(&src);
  sc_catalogue_free(&cat);
  return status;
}

/* Adds every kata of this checkout that no shard graded, as an error worth
 * 0 of its points: a shard that failed or timed out must not leave a score
 * out of a smaller maximum. Returns 0, or -1 with *why set. */
static int add_missing_katas(const struct sc_context *ctx,
                             struct sc_results *merged, char **why) {
  char *dir = sc_path_join(ctx->root, "katas");
  struct sc_catalogue cat;
  int err = sc_catalogue_load(dir, &cat, why);
  free(dir);
  if (err != 0)
    return -1;
  for (size_t i = 0; i < cat.count; i++) {
    const struct sc_kata *kata = cat.katas[i];
    int found = 0;
    for (size_t k = 0; k < merged->count && !found; k++)
      found = strcmp(merged->katas[k].id, kata->id) == 0;
    if (found)
      continue;
    merged->katas = sc_xrealloc(merged->katas,
                                (merged->count + 1) * sizeof(*merged->katas));
    struct sc_kata_result *r = &merged->katas[merged->count++];
    memset(r, 0, sizeof(*r));
    sc_kata_result_init(r, kata->id, kata->title, kata->week, kata->weight);
    r->error = sc_xstrdup("no results for this kata: its grading job failed "
                          "or timed out (see that job's log); it counts 0");
    sc_kata_result_total(r);
  }
  sc_results_total(merged);
  sc_catalogue_free(&cat);
  return 0;
}

int sc_verb_merge(const struct sc_context *ctx, const struct sc_verb *verb,
                  const struct sc_args *args) {
  const char *const *formats = sc_args_all(verb, args, "--format");
  if (sc_outputs_check(formats, sc_args_get(verb, args, "--json")) != 0)
    return SC_EXIT_USAGE;
  int all_katas = sc_args_get(verb, args, "--all-katas") != NULL;
  if (args->positional_count == 0 && !all_katas) {
    sc_error("merge needs the results files of the shards: senior-check "
             "merge RESULTS.json...");
    return SC_EXIT_USAGE;
  }
  size_t n = args->positional_count;
  struct sc_results *parts = sc_xcalloc(n, sizeof(*parts));
  struct sc_results merged;
  char *why = NULL;
  int status = SC_EXIT_USAGE;
  size_t read = 0;
  while (read < n &&
         sc_results_read(args->positionals[read], &parts[read], &why) == 0)
    read++;
  int merged_ok;
  if (n == 0) { /* --all-katas with no shard at all: every kata missing */
    memset(&merged, 0, sizeof(merged));
    merged.source = "learner";
    merged_ok = 1;
  } else {
    merged_ok = read == n && sc_results_merge(parts, n, &merged, &why) == 0;
  }
  if (merged_ok && all_katas && add_missing_katas(ctx, &merged, &why) != 0)
    merged_ok = 0;
  if (merged_ok) {
    terminal_report(&merged);
    if (sc_outputs_write(&merged, formats, sc_args_get(verb, args, "--json")) ==
        0)
      status =
          merged.score == merged.max_score ? SC_EXIT_FULL_MARKS : SC_EXIT_SHORT;
    sc_results_free(&merged);
  } else {
    sc_error("%s", why);
  }
  for (size_t i = 0; i < read; i++)
    sc_results_free(&parts[i]);
  free(parts);
  free(why);
  return status;
}

/* selftest: the project's own test suite. It runs the grader's unit tests
 * (ctest), checks that every kata is complete, that every starter fails and
 * every reference solution earns full marks, and that each known submission
 * in tests/submissions/ gets the verdict it must get, in bounded time and
 * without leaving a process behind. Its last line is "N passed, M failed". */
#include "cli/cli.h"
#include "cli/grade.h"
#include "core/error.h"
#include "core/util.h"
#include "gates/grading.h"
#include "report/github.h"
#include "report/gradescope.h"
#include "report/json.h"
#include "report/junit.h"
#include "runner/run.h"
#include "runner/tool.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

struct tally {
  unsigned passed;
  unsigned failed;
};

static void check(struct tally *t, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void check(struct tally *t, int ok, const char *fmt, ...) {
  va_list ap;
  printf("%s %u - ", ok ? "ok" : "not ok", t->passed + t->failed + 1);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
  if (ok)
    t->passed++;
  else
    t->failed++;
}

static void unit_tests(const struct sc_context *ctx, struct tally *t) {
  char *build = sc_path_join(ctx->root, "build");
  const char *argv[] = {
      "ctest", "--test-dir",       build, "--output-on-failure", "--parallel",
      "2",     "--no-tests=error", NULL};
  struct sc_run_spec spec = {
      .argv = argv,
      .limits = {.timeout_ms = 900000, .output_cap_bytes = 8u << 20},
      .isolation = SC_ISOLATION_TOOL,
  };
  struct sc_run_result res = {0};
  int err = sc_run(&spec, &res);
  fputs(res.output ? res.output : "", stdout);
  char how[160];
  check(t, err == 0 && res.end == SC_RUN_EXITED && res.exit_status == 0,
        "the grader's unit tests pass (ctest: %s)",
        err ? sc_strerror(err) : sc_run_describe(&res, how, sizeof(how)));
  sc_run_result_free(&res);
  free(build);
}

static int file_contains(const char *path, const char *needle) {
  char *text = NULL;
  int found = sc_read_file(path, 16u << 20, &text, NULL) == 0 &&
              strstr(text, needle) != NULL;
  free(text);
  return found;
}

static void kata_is_complete(const struct sc_context *ctx,
                             const struct sc_kata *kata, struct tally *t) {
  const char *docs[] = {"README.md", "HINTS.md"};
  for (size_t i = 0; i < SC_ARRAY_SIZE(docs); i++) {
    char *path = sc_path_join(kata->dir, docs[i]);
    check(t, sc_file_exists(path), "%s has %s", kata->id, docs[i]);
    free(path);
  }
  char *solution = sc_xasprintf("%s/solutions/%s", ctx->root, kata->id);
  for (size_t i = 0; i < kata->editable_count; i++) {
    char *path = sc_path_join(solution, kata->editable[i]);
    int exists = sc_file_exists(path);
    check(t, exists && !file_contains(path, "TODO"),
          "solutions/%s/%s exists and holds no TODO", kata->id,
          kata->editable[i]);
    free(path);
  }
  free(solution);
}

/* Writes what writer prints of results to the file path. */
static int write_with(const char *path, const struct sc_results *results,
                      int (*writer)(const struct sc_results *, FILE *)) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -errno;
  int err = writer(results, f);
  if (fclose(f) != 0 && err == 0)
    err = -errno;
  return err;
}

/* Writes every output format of results into build/selftest/outputs/NAME/,
 * where tests/scripts/outputs.sh checks them with their consumers: the
 * starters, the reference solutions and every known submission (compile
 * errors, leaks, hostile text...) as CI would have seen them. */
static void keep_outputs(const struct sc_context *ctx,
                         const struct sc_results *results, const char *name,
                         struct tally *t) {
  char *dir = sc_xasprintf("%s/build/selftest/outputs/%s", ctx->root, name);
  /* A submission's results say "submissions/NAME", which keeps its build
   * tree apart; in the files, it is graded from other files, as with
   * `grade --from`. */
  struct sc_results copy = *results;
  if (strncmp(copy.source, "submissions/", 12) == 0)
    copy.source = "other";
  results = &copy;
  char *path = NULL;
  int err = sc_mkdir_p(dir);
#define KEEP(file, call)                                                       \
  do {                                                                         \
    free(path);                                                                \
    path = sc_path_join(dir, file);                                            \
    if (err == 0)                                                              \
      err = (call);                                                            \
  } while (0)
  KEEP("results.json", sc_report_json_write(results, path));
  KEEP("junit.xml", sc_report_junit_write(results, path));
  KEEP("junit-locations.xml", sc_report_junit_locations_write(results, path));
  KEEP("gradescope.json", sc_report_gradescope_write(results, path));
  KEEP("summary.md", write_with(path, results, sc_report_github_summary));
  KEEP("annotations.txt",
       write_with(path, results, sc_report_github_annotations));
#undef KEEP
  if (err != 0)
    check(t, 0, "the outputs of %s are written to '%s': %s", name, path,
          sc_strerror(err));
  free(path);
  free(dir);
}

static const struct sc_kata_result *
grade_all(const struct sc_context *ctx, const struct sc_catalogue *cat,
          const char *editable_root, const char *source,
          struct sc_results *results, struct tally *t) {
  struct sc_grade_request req = {
      .root = ctx->root,
      .catalogue = cat,
      .editable_root = editable_root,
      .source = source,
  };
  char *why = NULL;
  int err = sc_grade_run(&req, results, &why);
  if (err != 0)
    check(t, 0, "grading %s: %s", source, why);
  free(why);
  return err ? NULL : results->katas;
}

static void kata_selfcheck(const struct sc_context *ctx,
                           const struct sc_kata *kata, struct tally *t);

static void starters_and_solutions(const struct sc_context *ctx,
                                   const struct sc_catalogue *cat,
                                   struct tally *t) {
  struct sc_results results;
  if (grade_all(ctx, cat, NULL, "learner", &results, t)) {
    keep_outputs(ctx, &results, "starters", t);
    for (size_t i = 0; i < results.count; i++) {
      const struct sc_kata_result *k = &results.katas[i];
      check(t,
            k->gates[SC_GATE_BUILD].status == SC_STATUS_PASS &&
                k->gates[SC_GATE_TESTS].status == SC_STATUS_FAIL,
            "the starter of %s builds and fails its tests (%u/%u)", k->id,
            k->score, k->max_score);
    }
    sc_results_free(&results);
  }
  char *solutions = sc_path_join(ctx->root, "solutions");
  if (grade_all(ctx, cat, solutions, "solutions", &results, t)) {
    keep_outputs(ctx, &results, "solutions", t);
    for (size_t i = 0; i < results.count; i++) {
      const struct sc_kata_result *k = &results.katas[i];
      const char *why = "";
      for (unsigned g = 0; g < SC_GATE_COUNT && !*why; g++)
        if (k->gates[g].status != SC_STATUS_PASS)
          why = k->gates[g].message ? k->gates[g].message : "?";
      check(t, k->status == SC_STATUS_PASS,
            "the reference solution of %s earns full marks (%u/%u)%s%s", k->id,
            k->score, k->max_score, *why ? ": " : "", why);
      if (cat->katas[i]->has_selfcheck &&
          k->gates[SC_GATE_BUILD].status == SC_STATUS_PASS)
        kata_selfcheck(ctx, cat->katas[i], t);
    }
    sc_results_free(&results);
  }
  free(solutions);
}

/* A kata's own check of itself (its "selfcheck" program, built from trusted
 * sources in the reference solution's build tree), e.g. that its reference
 * answers match what libuv really does. */
static void kata_selfcheck(const struct sc_context *ctx,
                           const struct sc_kata *kata, struct tally *t) {
  char *build =
      sc_xasprintf("%s/build/katas/solutions/%s", ctx->root, kata->id);
  char *solution = sc_xasprintf("%s/solutions/%s", ctx->root, kata->id);
  char *program = sc_path_join(build, "selfcheck");
  const char *compile[] = {"cmake",    "--build",   build,
                           "--target", "selfcheck", NULL};
  struct sc_strv argv = {0};
  sc_strv_push(&argv, program);
  for (size_t i = 0; i < kata->selfcheck_arg_count; i++) {
    const char *arg = kata->selfcheck_args[i];
    const char *at = strstr(arg, "{solution}");
    if (at != NULL)
      sc_strv_pushf(&argv, "%.*s%s%s", (int)(at - arg), arg, solution,
                    at + strlen("{solution}"));
    else
      sc_strv_push(&argv, arg);
  }
  char *why = NULL;
  int ok = sc_run_tool(compile, 300, NULL, NULL, &why) == 0 &&
           sc_run_tool(sc_strv_view(&argv), 600, NULL, NULL, &why) == 0;
  check(t, ok, "the kata check of %s passes%s%s", kata->id, why ? ": " : "",
        why ? why : "");
  free(why);
  sc_strv_free(&argv);
  free(program);
  free(solution);
  free(build);
}

/* Does the graded kata match one expected verdict of expect.json? */
static int verdict_holds(const struct sc_kata_result *k, json_t *verdict,
                         char **why) {
  const char *gate_name = json_string_value(json_object_get(verdict, "gate"));
  const char *status = json_string_value(json_object_get(verdict, "status"));
  const char *needle = json_string_value(json_object_get(verdict, "message"));
  enum sc_gate gate = gate_name ? sc_gate_from_name(gate_name) : SC_GATE_COUNT;
  if (gate == SC_GATE_COUNT || status == NULL) {
    *why = sc_xstrdup("expect.json: a verdict needs 'gate' and 'status'");
    return 0;
  }
  const struct sc_gate_result *r = &k->gates[gate];
  int found = needle == NULL || (r->message && strstr(r->message, needle));
  for (size_t i = 0; !found && i < r->test_count; i++)
    found = r->tests[i].message && strstr(r->tests[i].message, needle);
  /* "skip|fail": either status holds (a race the tests catch only some
   * of the time, and the sanitizers every time). */
  const char *name = sc_status_name(r->status);
  size_t name_len = strlen(name);
  int status_ok = 0;
  for (const char *p = status; !status_ok;) {
    size_t len = strcspn(p, "|");
    status_ok = len == name_len && strncmp(p, name, len) == 0;
    if (p[len] == '\0')
      break;
    p += len + 1;
  }
  if (status_ok && found)
    return 1;
  *why = sc_xasprintf("%s gate: expected %s%s%s%s, got %s: %s", gate_name,
                      status, needle ? " with '" : "", needle ? needle : "",
                      needle ? "'" : "", sc_status_name(r->status),
                      r->message ? r->message : "");
  return 0;
}

/* Does any text of the graded kata (messages, details, tests, locations)
 * hold needle? A submission's "absent" strings must appear nowhere: what a
 * link or an #include reached must never reach an output. */
static int kata_mentions(const struct sc_kata_result *k, const char *needle) {
  if (k->error && strstr(k->error, needle))
    return 1;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    const struct sc_gate_result *r = &k->gates[g];
    if ((r->message && strstr(r->message, needle)) ||
        (r->details && strstr(r->details, needle)))
      return 1;
    for (size_t i = 0; i < r->test_count; i++)
      if (r->tests[i].message && strstr(r->tests[i].message, needle))
        return 1;
    for (size_t i = 0; i < r->location_count; i++)
      if (r->locations[i].message && strstr(r->locations[i].message, needle))
        return 1;
  }
  return 0;
}

/* Makes the FIFOs a submission's expect.json lists ("fifos", paths inside
 * the submission: git keeps none), or removes them again. */
static void submission_fifos(const char *dir, json_t *expect, int make) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(expect, "fifos"), i, v) {
    const char *rel = json_string_value(v);
    if (rel == NULL || strstr(rel, "..") != NULL)
      continue;
    char *path = sc_path_join(dir, rel);
    remove(path);
    if (make)
      mkfifo(path, 0644);
    free(path);
  }
}

static void submission(const struct sc_context *ctx,
                       const struct sc_catalogue *fixtures,
                       const struct sc_catalogue *katas, const char *name,
                       struct tally *t) {
  char *dir = sc_xasprintf("%s/tests/submissions/%s", ctx->root, name);
  char *expect_path = sc_path_join(dir, "expect.json");
  json_error_t jerr;
  json_t *expect = json_load_file(expect_path, 0, &jerr);
  const char *kata = json_string_value(json_object_get(expect, "kata"));
  json_int_t max_seconds =
      json_integer_value(json_object_get(expect, "max_seconds"));
  json_t *score = json_object_get(expect, "score");
  if (expect == NULL || kata == NULL || max_seconds <= 0) {
    check(t, 0,
          "submission %s: invalid '%s': needs 'kata' and "
          "'max_seconds'",
          name, expect_path);
    goto out;
  }
  const char *ids[] = {kata, NULL};
  char *source = sc_xasprintf("submissions/%s", name);
  /* A submission is for a fixture kata, or for one of the real ones. */
  struct sc_grade_request req = {
      .root = ctx->root,
      .catalogue = sc_catalogue_find(fixtures, kata) ? fixtures : katas,
      .ids = ids,
      .editable_root = dir,
      .source = source,
  };
  struct sc_results results;
  char *why = NULL;
  submission_fifos(dir, expect, 1);
  int graded = sc_grade_run(&req, &results, &why);
  submission_fifos(dir, expect, 0);
  if (graded != 0) {
    check(t, 0, "submission %s: %s", name, why);
  } else {
    char *kept = sc_xasprintf("submissions/%s", name);
    keep_outputs(ctx, &results, kept, t);
    free(kept);
    const struct sc_kata_result *k = &results.katas[0];
    json_t *verdicts = json_object_get(expect, "verdicts");
    size_t i;
    json_t *v;
    int ok = 1;
    json_array_foreach(verdicts, i, v) {
      if (ok && !verdict_holds(k, v, &why))
        ok = 0;
    }
    if (ok && json_is_integer(score) &&
        json_integer_value(score) != (json_int_t)k->score) {
      why = sc_xasprintf("expected a score of %lld, got %u",
                         (long long)json_integer_value(score), k->score);
      ok = 0;
    }
    json_array_foreach(json_object_get(expect, "absent"), i, v) {
      const char *needle = json_string_value(v);
      if (ok && needle != NULL && kata_mentions(k, needle)) {
        why = sc_xasprintf("'%s' reached the results", needle);
        ok = 0;
      }
    }
    json_t *most = json_object_get(expect, "max_score");
    if (ok && json_is_integer(most) &&
        (json_int_t)k->score > json_integer_value(most)) {
      why = sc_xasprintf("expected at most %lld points, got %u",
                         (long long)json_integer_value(most), k->score);
      ok = 0;
    }
    double seconds = (double)results.elapsed_ms / 1000.0;
    check(t, ok && seconds <= (double)max_seconds,
          "submission %s gets its verdict in %.1f s (bound %lld s)%s%s", name,
          seconds, (long long)max_seconds, why ? ": " : "", why ? why : "");
    sc_results_free(&results);
  }
  free(why);
  free(source);
out:
  json_decref(expect);
  free(expect_path);
  free(dir);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void submissions(const struct sc_context *ctx,
                        const struct sc_catalogue *katas, struct tally *t) {
  char *fixtures_dir = sc_path_join(ctx->root, "tests/fixtures/katas");
  char *dir = sc_path_join(ctx->root, "tests/submissions");
  struct sc_catalogue fixtures;
  char *why = NULL;
  if (sc_catalogue_load(fixtures_dir, &fixtures, &why) != 0) {
    check(t, 0, "the fixture katas load: %s", why);
    free(why);
    free(dir);
    free(fixtures_dir);
    return;
  }
  struct sc_strv names = {0};
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      sc_strv_push(&names, e->d_name);
  if (d != NULL)
    closedir(d);
  if (names.count > 0)
    qsort(names.items, names.count, sizeof(*names.items), by_name);
  for (size_t i = 0; i < names.count; i++)
    submission(ctx, &fixtures, katas, names.items[i], t);
  sc_strv_free(&names);
  sc_catalogue_free(&fixtures);
  free(dir);
  free(fixtures_dir);
}

/* Runs a script of tests/scripts/ that drives the grader as a user would
 * (git branches, several runs) and counts its "ok"/"not ok" lines. */
static void script(const struct sc_context *ctx, const char *name,
                   struct tally *t) {
  char *path = sc_xasprintf("%s/tests/scripts/%s", ctx->root, name);
  const char *argv[] = {"bash", path, NULL};
  struct sc_run_spec spec = {
      .argv = argv,
      .limits = {.timeout_ms = 900000, .output_cap_bytes = 1u << 20},
      .isolation = SC_ISOLATION_TOOL,
  };
  struct sc_run_result res = {0};
  int err = sc_run(&spec, &res);
  unsigned counted = 0;
  for (const char *line = res.output ? res.output : ""; *line;) {
    size_t len = strcspn(line, "\n");
    int ok = strncmp(line, "ok ", 3) == 0;
    int not_ok = strncmp(line, "not ok ", 7) == 0;
    const char *text = line + (ok ? 3 : 7);
    text += strspn(text, "0123456789 -");
    if (ok || not_ok) {
      check(t, ok, "%s: %.*s", name, (int)(len - (size_t)(text - line)), text);
      counted++;
    } else if (len > 0 && line[0] == '#') {
      printf("%.*s\n", (int)len, line);
    }
    line += len + (line[len] == '\n');
  }
  char how[160];
  if (err != 0 || res.end != SC_RUN_EXITED || res.exit_status != 0 ||
      counted == 0)
    check(t, 0, "%s runs to its end (%s)", name,
          err ? sc_strerror(err) : sc_run_describe(&res, how, sizeof(how)));
  sc_run_result_free(&res);
  free(path);
}

static void scripts(const struct sc_context *ctx, struct tally *t) {
  char *dir = sc_path_join(ctx->root, "tests/scripts");
  struct sc_strv names = {0};
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len > 3 && strcmp(e->d_name + len - 3, ".sh") == 0)
      sc_strv_push(&names, e->d_name);
  }
  if (d != NULL)
    closedir(d);
  if (names.count > 0)
    qsort(names.items, names.count, sizeof(*names.items), by_name);
  for (size_t i = 0; i < names.count; i++)
    script(ctx, names.items[i], t);
  sc_strv_free(&names);
  free(dir);
}

/* Counts the processes running as the uid of a slot no run holds (a
 * grading elsewhere on the machine, another checkout's selftest, holds its
 * slots and owns their processes); prints the first few of them as "# "
 * lines when show is set. The free slots stay locked while /proc is read,
 * so that no grading starts in one meanwhile. */
static unsigned stray_processes(int show) {
  int locks[SC_RUN_SLOTS];
  unsigned left = 0;
  DIR *d;
  struct dirent *e;

  for (unsigned slot = 0; slot < SC_RUN_SLOTS; slot++)
    locks[slot] = sc_run_lock_slot(slot);
  d = opendir("/proc");
  while (d != NULL && (e = readdir(d)) != NULL) {
    char path[300];
    struct stat st;
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    snprintf(path, sizeof(path), "/proc/%s", e->d_name);
    if (stat(path, &st) != 0 || st.st_uid < sc_sandbox_uid(0) ||
        st.st_uid >= sc_sandbox_uid(SC_RUN_SLOTS) ||
        locks[st.st_uid - sc_sandbox_uid(0)] < 0)
      continue;
    if (show && left < 5) {
      char *stat_path = sc_xasprintf("%s/stat", path);
      char *text = NULL;
      if (sc_read_file(stat_path, 4096, &text, NULL) == 0)
        printf("# left: uid %u: %.*s\n", (unsigned)st.st_uid,
               (int)strcspn(text, "\n"), text);
      free(text);
      free(stat_path);
    }
    left++;
  }
  if (d != NULL)
    closedir(d);
  for (unsigned slot = 0; slot < SC_RUN_SLOTS; slot++)
    if (locks[slot] >= 0)
      close(locks[slot]);
  return left;
}

/* After every grading: no process may run as a sandbox uid whose slot is
 * free again. A box torn down a moment ago may still be exiting: its
 * processes get a few seconds to be gone before they count. */
static void nothing_left_behind(struct tally *t) {
  if (geteuid() != 0) {
    printf("# not root: learner code ran as this user, so stray processes "
           "cannot be told apart; that check is skipped\n");
    return;
  }
  unsigned left = stray_processes(0);
  for (int tries = 0; left > 0 && tries < 50; tries++) {
    uv_sleep(100);
    left = stray_processes(0);
  }
  if (left > 0)
    stray_processes(1);
  check(t, left == 0, "no learner process is left running (%u found)", left);
}

int sc_verb_selftest(const struct sc_context *ctx, const struct sc_verb *verb,
                     const struct sc_args *args) {
  (void)verb;
  (void)args;
  char *why = NULL;
  if (sc_grade_check_tools(&why) != 0) {
    sc_error("%s", why);
    free(why);
    return SC_EXIT_USAGE;
  }
  unsigned long long start = sc_now_ms();
  struct tally t = {0};
  /* What the outputs check reads is this run's, never an earlier one's. */
  char *outputs = sc_path_join(ctx->root, "build/selftest/outputs");
  sc_remove_tree(outputs);
  free(outputs);
  unit_tests(ctx, &t);

  char *katas = sc_path_join(ctx->root, "katas");
  struct sc_catalogue cat;
  if (sc_catalogue_load(katas, &cat, &why) != 0) {
    check(&t, 0, "the katas load: %s", why);
    free(why);
  } else {
    check(&t, cat.count > 0, "the catalogue is not empty (%zu katas)",
          cat.count);
    for (size_t i = 0; i < cat.count; i++)
      kata_is_complete(ctx, cat.katas[i], &t);
    starters_and_solutions(ctx, &cat, &t);
  }
  submissions(ctx, &cat, &t);
  sc_catalogue_free(&cat);
  free(katas);
  scripts(ctx, &t);
  nothing_left_behind(&t);
  printf("# selftest took %.1f s\n", (double)(sc_now_ms() - start) / 1000.0);
  printf("selftest: %u passed, %u failed\n", t.passed, t.failed);
  return t.failed ? SC_EXIT_SHORT : SC_EXIT_FULL_MARKS;
}

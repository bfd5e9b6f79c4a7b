/* The learner's verbs: next, run, watch, hint, list, reset and solution.
 *
 * Progress is never stored as such: a kata's score comes from grading, and
 * the cache (model/cache.h) only remembers a grading for as long as the
 * files it graded stay byte for byte the same. */
#include "cli/cli.h"
#include "cli/trusted.h"
#include "cli/grade.h"
#include "core/error.h"
#include "core/util.h"
#include "gates/grading.h"
#include "model/cache.h"
#include "report/progress.h"
#include "report/terminal.h"
#include "runner/run.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

enum { DIFF_CAP = 4 << 20, STARTER_CAP = 16 << 20, GIT_TIMEOUT_MS = 30000 };

/* ------------------------------------------------------------------ */
/* Katas, their keys and their known results                           */
/* ------------------------------------------------------------------ */

/* Loads the catalogue of root/katas, printing the error on failure. */
static int load_catalogue(const struct sc_context *ctx,
                          struct sc_catalogue *cat) {
  char *dir = sc_path_join(ctx->root, "katas");
  char *why = NULL;
  int err = sc_catalogue_load(dir, cat, &why);
  if (err != 0)
    sc_error("%s", why);
  free(why);
  free(dir);
  return err;
}

/* The kata named id, or NULL with the error printed. */
static const struct sc_kata *find_kata(const struct sc_catalogue *cat,
                                       const char *id) {
  const struct sc_kata *kata = sc_catalogue_find(cat, id);
  if (kata == NULL) {
    char *names = sc_catalogue_names(cat);
    sc_error("unknown kata '%s'; known katas: %s", id, names);
    free(names);
  }
  return kata;
}

/* kata's editable file names as a NULL-terminated list (caller frees
 * with sc_strv_free). */
static void editable_names(const struct sc_kata *kata, struct sc_strv *out) {
  for (size_t i = 0; i < kata->editable_count; i++)
    sc_strv_push(out, kata->editable[i]);
}

/* The key of kata's current files (see model/cache.h). Returns 0 or
 * -errno. */
int sc_learner_cache_key(const char *root, const struct sc_kata *kata,
                         uint64_t *key) {
  char *kit = sc_path_join(root, "cmake/SeniorKata.cmake");
  const char *grader_files[] = {kit, NULL};
  struct sc_strv names = {0};
  editable_names(kata, &names);
  struct sc_cache_inputs in = {
      .kata_dir = kata->dir,
      .editable = sc_strv_view(&names),
      .grader_files = grader_files,
      .version = SC_VERSION,
  };
  int err = sc_cache_key(&in, key);
  sc_strv_free(&names);
  free(kit);
  return err;
}

/* This clone's id (model/cache.h), read once per process: "" when it
 * cannot be had, which no entry matches, so nothing is taken from the
 * cache then. */
static const char *clone_id(const char *root) {
  static char id[33];
  static int known;
  if (!known && sc_cache_clone_id(root, id) != 0)
    id[0] = '\0';
  known = 1;
  return id;
}

static int git(const char *root, const char *const *args, size_t cap,
               char **out, size_t *out_len);

/* Newly allocated root/build/cache/<id>.starter: the score the kata's
 * starter files earn as shipped, "SCORE MAX", recorded whenever they are
 * graded untouched. */
static char *starter_path(const char *root, const char *id) {
  return sc_xasprintf("%s/build/cache/%s.starter", root, id);
}

/* Are kata's editable files the starter's, as git's baseline has them? */
static int untouched(const char *root, const struct sc_kata *kata) {
  const char *how = NULL;
  char *commit = sc_git_baseline(root, &how);
  if (commit == NULL)
    return 0;
  struct sc_strv args = {0};
  sc_strv_push(&args, "diff");
  sc_strv_push(&args, "--quiet");
  sc_strv_push(&args, commit);
  sc_strv_push(&args, "--");
  for (size_t i = 0; i < kata->editable_count; i++)
    sc_strv_pushf(&args, "katas/%s/%s", kata->id, kata->editable[i]);
  char *out = NULL;
  int same = git(root, sc_strv_view(&args), 4096, &out, NULL) == 0;
  free(out);
  sc_strv_free(&args);
  free(commit);
  return same;
}

/* The starter's score as recorded, or -1 when it was never graded. */
static int starter_score(const char *root, const char *id) {
  char *path = starter_path(root, id);
  FILE *f = fopen(path, "r");
  int score = -1;
  unsigned got = 0, max = 0;
  if (f != NULL && fscanf(f, "%u %u", &got, &max) == 2 && got <= max)
    score = (int)got;
  if (f != NULL)
    fclose(f);
  free(path);
  return score;
}

/* Newly allocated root/build/cache/<id>.json. */
static char *cache_path(const char *root, const char *id) {
  return sc_xasprintf("%s/build/cache/%s.json", root, id);
}

/* What is known of one kata without grading it. */
struct known {
  struct sc_results entry; /* the cached grading (one kata), or empty */
  int fresh;               /* entry was graded from the files as they are */
};

/* Fills *k from the cache. Never fails: an unreadable entry is no entry. */
static void known_load(const char *root, const struct sc_kata *kata,
                       struct known *k) {
  uint64_t key = 0;
  char *path = cache_path(root, kata->id);
  int err = sc_learner_cache_key(root, kata, &key);
  k->fresh = 0;
  memset(&k->entry, 0, sizeof(k->entry));
  if (err == 0) {
    err = sc_cache_load(path, key, clone_id(root), &k->entry, NULL);
    k->fresh = err == 0;
  }
  free(path);
}

/* Releases what *k holds and empties it. */
static void known_free(struct known *k) {
  sc_results_free(&k->entry);
  memset(k, 0, sizeof(*k));
}

/* Is r every gate passed, every point earned? */
static int at_full_marks(const struct sc_kata_result *r) {
  return r->status == SC_STATUS_PASS && r->score == r->max_score;
}

/* Stores one graded kata in the cache, unless its files changed while it
 * was graded (key_before is their key when grading started). */
void sc_learner_cache_store(const char *root, const struct sc_kata *kata,
                            uint64_t key_before,
                            const struct sc_kata_result *result) {
  uint64_t key_after = 0;
  if (result->status == SC_STATUS_ERROR ||
      sc_learner_cache_key(root, kata, &key_after) != 0 ||
      key_after != key_before)
    return;
  char *path = cache_path(root, kata->id);
  /* A cache that cannot be written only costs time. */
  sc_cache_store(path, key_before, clone_id(root), result);
  if (untouched(root, kata)) {
    char *starter = starter_path(root, kata->id);
    FILE *f = fopen(starter, "w");
    if (f != NULL) {
      fprintf(f, "%u %u\n", result->score, result->max_score);
      fclose(f);
    }
    free(starter);
  }
  free(path);
}

/* Grades the katas named in ids (NULL-terminated) of cat from the
 * learner's files into *out (caller frees with sc_results_free), showing
 * a progress line on stderr when it is a terminal, and caches each result.
 * Returns 0, or SC_EXIT_USAGE with the error printed. */
static int grade_learner(const struct sc_context *ctx,
                         const struct sc_catalogue *cat, const char *const *ids,
                         struct sc_results *out) {
  char *why = NULL;
  memset(out, 0, sizeof(*out));
  if (sc_grade_check_tools(&why) != 0) {
    sc_error("%s", why);
    free(why);
    return SC_EXIT_USAGE;
  }
  size_t n = 0;
  while (ids[n] != NULL)
    n++;
  uint64_t *keys = sc_xcalloc(n ? n : 1, sizeof(*keys));
  for (size_t i = 0; i < n; i++)
    sc_learner_cache_key(ctx->root, sc_catalogue_find(cat, ids[i]), &keys[i]);
  struct sc_progress *progress = sc_progress_start(stderr);
  struct sc_grade_request req = {
      .root = ctx->root,
      .catalogue = cat,
      .ids = ids,
      .source = "learner",
      .on_gate = progress ? sc_progress_on_gate : NULL,
      .on_gate_data = progress,
  };
  int err = sc_grade_run(&req, out, &why);
  sc_progress_stop(progress);
  if (err != 0) {
    sc_error("%s", why);
    free(why);
    free(keys);
    return SC_EXIT_USAGE;
  }
  sc_first_try_attach(ctx->root, cat, out, 1);
  for (size_t i = 0; i < out->count && i < n; i++)
    sc_learner_cache_store(ctx->root, sc_catalogue_find(cat, ids[i]), keys[i],
                           &out->katas[i]);
  free(keys);
  return 0;
}

/* Grades one kata unless the cache knows it; *out gets its one result.
 * Returns 0 or SC_EXIT_USAGE with the error printed. */
static int result_of(const struct sc_context *ctx,
                     const struct sc_catalogue *cat, const struct sc_kata *kata,
                     struct sc_results *out) {
  struct known k;
  known_load(ctx->root, kata, &k);
  if (k.fresh) {
    *out = k.entry;
    return 0;
  }
  known_free(&k);
  const char *ids[] = {kata->id, NULL};
  return grade_learner(ctx, cat, ids, out);
}

/* Finds the first kata not at full marks, in curriculum order, grading
 * the ones the cache does not know. *index is cat->count when every kata
 * is at full marks; *out then is empty, else it holds that kata's result.
 * Returns 0 or SC_EXIT_USAGE with the error printed. */
static int find_next(const struct sc_context *ctx,
                     const struct sc_catalogue *cat, size_t *index,
                     struct sc_results *out) {
  for (size_t i = 0; i < cat->count; i++) {
    int err = result_of(ctx, cat, cat->katas[i], out);
    if (err != 0)
      return err;
    if (out->count != 1 || !at_full_marks(&out->katas[0])) {
      *index = i;
      return 0;
    }
    sc_results_free(out);
  }
  memset(out, 0, sizeof(*out));
  *index = cat->count;
  return 0;
}

/* ------------------------------------------------------------------ */
/* What to do next: the focused view of one result                     */
/* ------------------------------------------------------------------ */

/* code when colour is on, else nothing. */
static const char *paint(int colour, const char *code) {
  return colour ? code : "";
}

/* The colour a status is shown in. */
static const char *status_colour(enum sc_status status) {
  return status == SC_STATUS_PASS   ? GREEN
         : status == SC_STATUS_SKIP ? DIM
                                    : RED;
}

/* Appends text with every line indented. */
static void indent(struct sc_buf *out, const char *text, const char *prefix) {
  for (const char *line = text; *line;) {
    size_t len = strcspn(line, "\n");
    sc_buf_printf(out, "%s%.*s\n", prefix, (int)len, line);
    line += len + (line[len] == '\n');
  }
}

/* The timing gate's thresholds: each measured ratio against its bound. */
static void focus_thresholds(struct sc_buf *out,
                             const struct sc_gate_result *gate, int colour) {
  for (size_t i = 0; i < gate->threshold_count; i++) {
    const struct sc_threshold_result *t = &gate->thresholds[i];
    char bound[64];
    if (t->min > 0 && t->max > 0)
      snprintf(bound, sizeof(bound), "between %.3g and %.3g", t->min, t->max);
    else if (t->min > 0)
      snprintf(bound, sizeof(bound), "at least %.3g", t->min);
    else
      snprintf(bound, sizeof(bound), "at most %.3g", t->max);
    sc_buf_printf(out, "  %s: measured %.3g, needs %s: %s%s%s\n", t->name,
                  t->ratio, bound, paint(colour, status_colour(t->status)),
                  sc_status_name(t->status), paint(colour, RESET));
    if (t->status != SC_STATUS_PASS && t->explain)
      sc_buf_printf(out, "    (%s)\n", t->explain);
  }
}

/* The first failing test, when the gate's message does not already show
 * it: its name and its message as the suite wrote it. */
static void focus_test(struct sc_buf *out, const struct sc_gate_result *gate) {
  for (size_t i = 0; i < gate->test_count; i++) {
    const struct sc_test_result *t = &gate->tests[i];
    if (t->status == SC_STATUS_PASS)
      continue;
    if (gate->message && strstr(gate->message, t->name) != NULL &&
        (t->message == NULL || strstr(gate->message, t->message) != NULL))
      return;
    sc_buf_printf(out, "  first failing test: %s\n", t->name);
    if (t->message) {
      char *marked = sc_text_mark_difference(t->message);
      indent(out, marked, "    ");
      free(marked);
    }
    return;
  }
}

/* Does text name file:line (and not file:line0, a longer number)? */
static int names_place(const char *text, const char *file, unsigned line) {
  char place[512];
  snprintf(place, sizeof(place), "%s:%u", file, line);
  size_t n = strlen(place);
  for (const char *p = text; (p = strstr(p, place)) != NULL; p += n)
    if (!isdigit((unsigned char)p[n]))
      return 1;
  return 0;
}

/* The gate's locations that its message does not already show (a
 * compiler's errors and valgrind's problems name their file and line in
 * it), each place once: the same error is never printed twice. */
static void focus_locations(struct sc_buf *out,
                            const struct sc_gate_result *gate) {
  const char *message = gate->message ? gate->message : "";
  unsigned shown = 0;
  for (size_t i = 0; i < gate->location_count && shown < 5; i++) {
    const struct sc_location *l = &gate->locations[i];
    int seen = names_place(message, l->file, l->line);
    for (size_t j = 0; j < i && !seen; j++)
      seen = strcmp(gate->locations[j].file, l->file) == 0 &&
             gate->locations[j].line == l->line;
    if (seen)
      continue;
    sc_buf_printf(out, "  at %s:%u: %s\n", l->file, l->line, l->message);
    shown++;
  }
}

/* One line with every gate's score or status. */
static void gate_line(struct sc_buf *out, const struct sc_kata_result *r,
                      int colour) {
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    const struct sc_gate_result *gate = &r->gates[g];
    char cell[32];
    if (gate->status == SC_STATUS_SKIP || gate->status == SC_STATUS_ERROR)
      snprintf(cell, sizeof(cell), "%s", sc_status_name(gate->status));
    else
      snprintf(cell, sizeof(cell), "%u/%u", gate->score, gate->max_score);
    sc_buf_printf(out, "%s%s %s%s%s", g ? "  " : "", sc_gate_name(gate->gate),
                  paint(colour, status_colour(gate->status)), cell,
                  paint(colour, RESET));
  }
  sc_buf_puts(out, "\n");
}

/* Appends what the learner should look at next in r: the first gate that
 * did not pass, with the evidence (the failing test's expected and actual,
 * the leak's line, the figure against its threshold). */
static void focus(struct sc_buf *out, const struct sc_kata_result *r,
                  int colour) {
  sc_buf_printf(out, "%s%s: %u/%u%s\n", paint(colour, BOLD), r->id, r->score,
                r->max_score, paint(colour, RESET));
  if (r->error) {
    sc_buf_printf(out, "could not be graded: %s\n", r->error);
    return;
  }
  gate_line(out, r, colour);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    const struct sc_gate_result *gate = &r->gates[g];
    if (gate->status == SC_STATUS_PASS || gate->status == SC_STATUS_SKIP)
      continue;
    sc_buf_printf(out, "\n%s%s gate:%s\n", paint(colour, BOLD),
                  sc_gate_name(gate->gate), paint(colour, RESET));
    char *once = sc_text_collapse_repeats(gate->message ? gate->message : "");
    char *marked = sc_text_mark_difference(once);
    indent(out, marked, "  ");
    free(marked);
    free(once);
    if (gate->gate == SC_GATE_TESTS)
      focus_test(out, gate);
    focus_locations(out, gate);
    if (gate->gate == SC_GATE_TIMING)
      focus_thresholds(out, gate, colour);
    return;
  }
  sc_buf_printf(out, "\n%sfull marks: every gate passed.%s\n",
                paint(colour, GREEN), paint(colour, RESET));
  for (size_t i = 0; i < r->writing_count; i++)
    if (!r->writing[i].present || r->writing[i].words < r->writing[i].min_words)
      sc_buf_printf(out,
                    "still to write (for your mentor, not scored): %s, "
                    "%u words or more: %s\n",
                    r->writing[i].file, r->writing[i].min_words,
                    r->writing[i].about ? r->writing[i].about : "");
}

/* Prints the kata a learner works on now: where it is, the files to edit,
 * the goal and how to check it. */
static void print_kata_card(const struct sc_context *ctx,
                            const struct sc_kata *kata,
                            const struct sc_kata_result *r, int colour) {
  (void)ctx;
  printf("%snext: %s%s (week %u): %s\n", paint(colour, BOLD), kata->id,
         paint(colour, RESET), kata->week, kata->title);
  printf("  goal:  %s\n", kata->goal);
  printf("  read:  katas/%s/README.md\n", kata->id);
  for (size_t i = 0; i < kata->editable_count; i++)
    printf("  %s katas/%s/%s\n", i ? "      " : "edit: ", kata->id,
           kata->editable[i]);
  if (r != NULL)
    printf("  score: %u/%u\n", r->score, r->max_score);
  printf("  check: ./senior-check run %s   (or ./senior-check watch: "
         "re-grades on every save)\n",
         kata->id);
  printf("  stuck: ./senior-check hint %s\n", kata->id);
}

/* ------------------------------------------------------------------ */
/* next, run, list                                                     */
/* ------------------------------------------------------------------ */

/* next (and no verb): the first kata not at full marks and what to do
 * about it. Exits 0 when every kata is at full marks, else 1. */
int sc_verb_next(const struct sc_context *ctx, const struct sc_verb *verb,
                 const struct sc_args *args) {
  (void)verb;
  (void)args;
  struct sc_catalogue cat;
  if (load_catalogue(ctx, &cat) != 0)
    return SC_EXIT_USAGE;
  struct sc_results r;
  size_t index = 0;
  int status = find_next(ctx, &cat, &index, &r);
  int colour = sc_report_use_colour(stdout);
  if (status == 0 && index == cat.count) {
    printf("%severy kata is at full marks: level senior%s\n",
           paint(colour, GREEN), paint(colour, RESET));
    status = SC_EXIT_FULL_MARKS;
  } else if (status == 0) {
    print_kata_card(ctx, cat.katas[index], &r.katas[0], colour);
    struct sc_buf text = {0};
    focus(&text, &r.katas[0], colour);
    printf("\n%s", text.data);
    sc_buf_free(&text);
    status = SC_EXIT_SHORT;
  }
  sc_results_free(&r);
  sc_catalogue_free(&cat);
  return status;
}

/* run [KATA]: grades one kata (the next one by default) afresh and shows
 * the first thing to fix. */
int sc_verb_run(const struct sc_context *ctx, const struct sc_verb *verb,
                const struct sc_args *args) {
  (void)verb;
  struct sc_catalogue cat;
  if (load_catalogue(ctx, &cat) != 0)
    return SC_EXIT_USAGE;
  const struct sc_kata *kata = NULL;
  int status = SC_EXIT_USAGE;
  if (args->positional_count > 1)
    sc_error("run grades one kata: senior-check run [KATA]");
  else if (args->positional_count == 1)
    kata = find_kata(&cat, args->positionals[0]);
  else {
    struct sc_results next;
    size_t index = 0;
    if (find_next(ctx, &cat, &index, &next) == 0)
      kata = index < cat.count ? cat.katas[index] : cat.katas[0];
    sc_results_free(&next);
  }
  struct sc_results r;
  const char *ids[] = {kata ? kata->id : NULL, NULL};
  if (kata != NULL && grade_learner(ctx, &cat, ids, &r) == 0) {
    struct sc_buf text = {0};
    focus(&text, &r.katas[0], sc_report_use_colour(stdout));
    fputs(text.data, stdout);
    if (at_full_marks(&r.katas[0]))
      printf("next: ./senior-check next\n");
    else
      printf("\nedit, then run this again (or ./senior-check watch %s)\n",
             kata->id);
    sc_buf_free(&text);
    status = at_full_marks(&r.katas[0]) ? SC_EXIT_FULL_MARKS : SC_EXIT_SHORT;
    sc_results_free(&r);
  }
  sc_catalogue_free(&cat);
  return status;
}

/* A bar of width cells, filled in proportion to part / whole. */
static void bar(struct sc_buf *out, unsigned part, unsigned whole, size_t width,
                int colour) {
  size_t filled = whole ? (size_t)part * width / whole : 0;
  sc_buf_printf(out, "[%s", paint(colour, GREEN));
  for (size_t i = 0; i < filled; i++)
    sc_buf_puts(out, "#");
  sc_buf_puts(out, paint(colour, RESET));
  for (size_t i = filled; i < width; i++)
    sc_buf_puts(out, ".");
  sc_buf_puts(out, "]");
}

/* The levels (README: "The score"), as a line: the one reached marked, the
 * next one with the points still missing. */
static void levels(struct sc_buf *out, unsigned score, unsigned max,
                   int colour) {
  static const struct {
    const char *name;
    unsigned percent;
  } table[] = {{"newcomer", 0},
               {"junior", 25},
               {"mid-level", 50},
               {"senior in training", 75},
               {"senior", 100}};
  const char *reached = sc_level_for(score, max);
  size_t at = 0;
  sc_buf_puts(out, "levels:");
  for (size_t i = 0; i < SC_ARRAY_SIZE(table); i++) {
    int here = strcmp(table[i].name, reached) == 0;
    at = here ? i : at;
    sc_buf_printf(out, "%s%s%s%s%s (%u%%)", i ? " > " : " ",
                  paint(colour && here, BOLD), here ? "[" : "", table[i].name,
                  here ? "]" : "", table[i].percent);
    sc_buf_puts(out, paint(colour && here, RESET));
  }
  sc_buf_puts(out, "\n");
  if (at + 1 < SC_ARRAY_SIZE(table) && max > 0) {
    unsigned need = (table[at + 1].percent * max + 99) / 100;
    sc_buf_printf(out, "level: %s; %u more points to reach %s\n", reached,
                  need > score ? need - score : 0, table[at + 1].name);
  } else {
    sc_buf_printf(out, "level: %s\n", reached);
  }
}

/* list [--grade]: every kata with its score as graded from its files as
 * they are (from the cache: instant), the curriculum's bar and the level.
 * Grades only with --grade, so a fresh clone lists at once. */
int sc_verb_list(const struct sc_context *ctx, const struct sc_verb *verb,
                 const struct sc_args *args) {
  struct sc_catalogue cat;
  if (load_catalogue(ctx, &cat) != 0)
    return SC_EXIT_USAGE;
  struct known *known = sc_xcalloc(cat.count ? cat.count : 1, sizeof(*known));
  struct sc_strv stale = {0};
  for (size_t i = 0; i < cat.count; i++) {
    known_load(ctx->root, cat.katas[i], &known[i]);
    if (!known[i].fresh)
      sc_strv_push(&stale, cat.katas[i]->id);
  }
  int status = SC_EXIT_FULL_MARKS;
  if (sc_args_get(verb, args, "--grade") != NULL && stale.count > 0) {
    struct sc_results graded;
    status = grade_learner(ctx, &cat, sc_strv_view(&stale), &graded);
    if (status == 0) {
      sc_results_free(&graded);
      for (size_t i = 0; i < cat.count; i++) {
        known_free(&known[i]);
        known_load(ctx->root, cat.katas[i], &known[i]);
      }
    }
  }
  int colour = sc_report_use_colour(stdout);
  struct sc_buf out = {0};
  unsigned score = 0, max = 0, full = 0, ungraded = 0;
  unsigned above = 0, above_max = 0, starters = 0, unknown_starters = 0;
  int next_marked = 0;
  sc_buf_printf(&out, "  %-26s %-5s %-9s %-7s %-23s %s\n", "kata", "week",
                "score", "starter", "bld tst mem tim cov str", "title");
  for (size_t i = 0; i < cat.count && status == 0; i++) {
    const struct sc_kata *kata = cat.katas[i];
    const struct sc_kata_result *r =
        known[i].entry.count == 1 ? &known[i].entry.katas[0] : NULL;
    char cell[32] = "-", first[16] = "-";
    const char *mark = " ", *shade = "";
    int starter = starter_score(ctx->root, kata->id);
    max += 100;
    if (starter >= 0)
      snprintf(first, sizeof(first), "%d", starter);
    /* The level counts what the learner added: points above the starter's
     * own score where it is known. */
    above_max += starter >= 0 ? 100u - (unsigned)starter : 100u;
    if (r != NULL && known[i].fresh) {
      snprintf(cell, sizeof(cell), "%u/%u", r->score, r->max_score);
      score += r->score;
      if (starter < 0)
        unknown_starters++, above += r->score;
      else
        above +=
            r->score > (unsigned)starter ? r->score - (unsigned)starter : 0u,
            starters += (unsigned)starter;
      full += at_full_marks(r) ? 1u : 0u;
      shade = at_full_marks(r) ? GREEN : YELLOW;
      mark = at_full_marks(r) ? "*" : mark;
    } else {
      ungraded++;
      shade = DIM;
    }
    if ((r == NULL || !known[i].fresh || !at_full_marks(r)) && !next_marked) {
      mark = ">";
      next_marked = 1;
    }
    sc_buf_printf(&out, "%s %-26s %-5u %s%-9s%s %-7s ", mark, kata->id,
                  kata->week, paint(colour, shade), cell, paint(colour, RESET),
                  first);
    for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
      const struct sc_gate_result *gate =
          r != NULL && known[i].fresh ? &r->gates[g] : NULL;
      char one[8] = "-";
      if (gate != NULL && gate->status == SC_STATUS_ERROR)
        snprintf(one, sizeof(one), "!");
      else if (gate != NULL && gate->status != SC_STATUS_SKIP)
        snprintf(one, sizeof(one), "%u", gate->score);
      sc_buf_printf(&out, "%-3s ", one);
    }
    sc_buf_puts(&out, kata->title);
    if (r != NULL && !known[i].fresh)
      sc_buf_printf(&out, " (changed since graded: was %u/%u)", r->score,
                    r->max_score);
    sc_buf_puts(&out, "\n");
  }
  if (status == 0) {
    sc_buf_puts(&out, "\ncurriculum ");
    bar(&out, score, max, 40, colour);
    sc_buf_printf(&out, " %u/%u, %u of %zu katas at full marks\n", score, max,
                  full, cat.count);
    if (starters > 0 || unknown_starters > 0)
      sc_buf_printf(&out,
                    "the starters as shipped earn %u of these points; the "
                    "level counts only the %u you added (of %u)%s\n",
                    starters, above, above_max,
                    unknown_starters > 0
                        ? " (a kata edited before its starter was graded "
                          "counts whole)"
                        : "");
    levels(&out, above, above_max, colour);
    if (ungraded > 0)
      sc_buf_printf(&out,
                    "%u kata%s without a score for %s files as they are (-): "
                    "'senior-check list --grade' grades %s\n",
                    ungraded, ungraded == 1 ? "" : "s",
                    ungraded == 1 ? "its" : "their",
                    ungraded == 1 ? "it" : "them");
    fputs(out.data, stdout);
  }
  sc_buf_free(&out);
  for (size_t i = 0; i < cat.count; i++)
    known_free(&known[i]);
  free(known);
  sc_strv_free(&stale);
  sc_catalogue_free(&cat);
  return status;
}

/* ------------------------------------------------------------------ */
/* hint                                                                */
/* ------------------------------------------------------------------ */

/* Reads kata's HINTS.md into hints: item N-1 is the text of "## Hint N"
 * (up to the next "## " heading), trimmed. Returns 0 or -errno. */
static int read_hints(const struct sc_kata *kata, struct sc_strv *hints) {
  char *path = sc_path_join(kata->dir, "HINTS.md");
  char *text = NULL;
  int err = sc_read_file(path, 1 << 20, &text, NULL);
  free(path);
  if (err != 0)
    return err;
  struct sc_buf cur = {0};
  int in_hint = 0;
  for (const char *line = text; *line;) {
    size_t len = strcspn(line, "\n");
    int heading = strncmp(line, "## ", 3) == 0;
    if (heading && in_hint) {
      char *done = sc_buf_detach(&cur);
      sc_strv_push(hints, done);
      free(done);
    }
    if (heading)
      in_hint = strncmp(line, "## Hint ", 8) == 0;
    else if (in_hint && (cur.len > 0 || len > 0)) {
      sc_buf_add(&cur, line, len);
      sc_buf_add(&cur, "\n", 1);
    }
    line += len + (line[len] == '\n');
  }
  if (in_hint) {
    char *done = sc_buf_detach(&cur);
    sc_strv_push(hints, done);
    free(done);
  }
  sc_buf_free(&cur);
  for (size_t i = 0; i < hints->count; i++) {
    size_t n = strlen(hints->items[i]);
    while (n > 0 && isspace((unsigned char)hints->items[i][n - 1]))
      hints->items[i][--n] = '\0';
  }
  free(text);
  return 0;
}

/* Newly allocated root/build/hints/<id>: the hints shown so far, one
 * number a line. A convenience only: deleting it shows hint 1 again. */
static char *hints_seen_path(const char *root, const char *id) {
  return sc_xasprintf("%s/build/hints/%s", root, id);
}

/* The highest hint number shown for id so far (0: none). */
static unsigned hints_seen(const char *root, const char *id) {
  char *path = hints_seen_path(root, id);
  char *text = NULL;
  unsigned highest = 0;
  if (sc_read_file(path, 1 << 16, &text, NULL) == 0)
    for (char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0))
      if (isdigit((unsigned char)*p) && (unsigned)atoi(p) > highest)
        highest = (unsigned)atoi(p);
  free(text);
  free(path);
  return highest;
}

/* Records that hint n of id was shown. Failing to is not an error. */
static void hint_mark_seen(const char *root, const char *id, unsigned n) {
  char *dir = sc_path_join(root, "build/hints");
  char *path = hints_seen_path(root, id);
  FILE *f = sc_mkdir_p(dir) == 0 ? fopen(path, "a") : NULL;
  if (f != NULL) {
    fprintf(f, "%u\n", n);
    fclose(f);
  }
  free(path);
  free(dir);
}

/* Appends hint n of kata (0: the next one not shown yet) to out and
 * records it as shown. Returns 0, or -1 with a message in *why (caller
 * frees). */
static int hint_text(const char *root, const struct sc_kata *kata, unsigned n,
                     struct sc_buf *out, char **why) {
  struct sc_strv hints = {0};
  int err = read_hints(kata, &hints);
  if (err != 0 || hints.count == 0) {
    *why = err ? sc_xasprintf("cannot read 'katas/%s/HINTS.md': %s", kata->id,
                              sc_strerror(err))
               : sc_xasprintf("'katas/%s/HINTS.md' holds no '## Hint 1'",
                              kata->id);
    sc_strv_free(&hints);
    return -1;
  }
  unsigned count = (unsigned)hints.count;
  int asked = n != 0;
  if (!asked)
    n = hints_seen(root, kata->id) + 1;
  if (asked && n > count) {
    *why = sc_xasprintf("'%s' has hints 1 to %u, not %u", kata->id, count, n);
    sc_strv_free(&hints);
    return -1;
  }
  int last_again = n > count;
  if (last_again)
    n = count;
  sc_buf_printf(out, "Hint %u of %u (%s)%s\n\n%s\n", n, count, kata->id,
                last_again ? ", the last one again" : "", hints.items[n - 1]);
  if (n < count)
    sc_buf_printf(out, "\nTry this first. Still stuck? The next hint comes one "
                       "step closer.\n");
  else
    sc_buf_printf(out, "\nThat was the last hint.\n");
  hint_mark_seen(root, kata->id, n);
  sc_strv_free(&hints);
  return 0;
}

/* hint KATA [N]: one hint, the next not shown yet unless N is given. */
int sc_verb_hint(const struct sc_context *ctx, const struct sc_verb *verb,
                 const struct sc_args *args) {
  (void)verb;
  if (args->positional_count < 1 || args->positional_count > 2) {
    sc_error("hint needs a kata: senior-check hint KATA [N]");
    return SC_EXIT_USAGE;
  }
  unsigned long n = 0;
  if (args->positional_count == 2) {
    char *end = NULL;
    n = strtoul(args->positionals[1], &end, 10);
    if (*args->positionals[1] == '\0' || *end != '\0' || n == 0 || n > 999) {
      sc_error("invalid hint number '%s': give 1, 2, ...",
               args->positionals[1]);
      return SC_EXIT_USAGE;
    }
  }
  struct sc_catalogue cat;
  if (load_catalogue(ctx, &cat) != 0)
    return SC_EXIT_USAGE;
  const struct sc_kata *kata = find_kata(&cat, args->positionals[0]);
  struct sc_buf out = {0};
  char *why = NULL;
  int status = SC_EXIT_USAGE;
  if (kata != NULL && hint_text(ctx->root, kata, (unsigned)n, &out, &why) != 0)
    sc_error("%s", why);
  else if (kata != NULL) {
    fputs(out.data, stdout);
    status = SC_EXIT_FULL_MARKS;
  }
  free(why);
  sc_buf_free(&out);
  sc_catalogue_free(&cat);
  return status;
}

/* ------------------------------------------------------------------ */
/* reset                                                               */
/* ------------------------------------------------------------------ */

/* Runs git with args in root, capturing at most cap bytes of its output
 * into *out (caller frees). Returns git's exit status, or -1 when it did
 * not run to an exit. */
static int git(const char *root, const char *const *args, size_t cap,
               char **out, size_t *len) {
  struct sc_strv argv = {0};
  sc_strv_push(&argv, "git");
  sc_strv_push(&argv, "--no-pager");
  sc_strv_push(&argv, "-C");
  sc_strv_push(&argv, root);
  for (const char *const *a = args; *a != NULL; a++)
    sc_strv_push(&argv, *a);
  struct sc_run_spec spec = {
      .argv = sc_strv_view(&argv),
      .limits = {.timeout_ms = GIT_TIMEOUT_MS, .output_cap_bytes = cap},
      .isolation = SC_ISOLATION_TOOL,
  };
  struct sc_run_result res = {0};
  int status = -1;
  if (sc_run(&spec, &res) == 0 && res.end == SC_RUN_EXITED)
    status = res.exit_status;
  *out = res.output ? res.output : sc_xstrdup("");
  if (len != NULL)
    *len = res.output ? res.output_len : 0;
  res.output = NULL;
  sc_run_result_free(&res);
  sc_strv_free(&argv);
  return status;
}

/* A new folder root/build/backups/<id>/<YYYYmmdd-HHMMSS>[-N] (newly
 * allocated), or NULL. */
static char *backup_dir(const char *root, const char *id) {
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  char *parent = sc_xasprintf("%s/build/backups/%s", root, id);
  char *dir = NULL;
  if (sc_mkdir_p(parent) == 0)
    for (unsigned n = 1; n < 100 && dir == NULL; n++) {
      dir = n == 1 ? sc_xasprintf("%s/%s", parent, stamp)
                   : sc_xasprintf("%s/%s-%u", parent, stamp, n);
      if (mkdir(dir, 0755) != 0) {
        free(dir);
        dir = NULL;
      }
    }
  free(parent);
  return dir;
}

/* The starter version of each editable file, read before anything is
 * touched: contents[i] (NULL for a file the starter does not have). */
struct starter {
  char *commit;
  const char *how;
  char **contents;
  size_t *lengths;
};

/* Frees what s holds (count: the kata's editable files). */
static void starter_free(struct starter *s, size_t count) {
  for (size_t i = 0; s->contents && i < count; i++)
    free(s->contents[i]);
  free(s->contents);
  free(s->lengths);
  free(s->commit);
}

/* Reads kata's starter files from git. Returns 0, or -1 with the error
 * printed. */
static int starter_read(const char *root, const struct sc_kata *kata,
                        struct starter *s) {
  memset(s, 0, sizeof(*s));
  s->commit = sc_git_baseline(root, &s->how);
  if (s->commit == NULL) {
    sc_error("cannot find the starter files: '%s' is not a git clone", root);
    return -1;
  }
  s->contents = sc_xcalloc(kata->editable_count, sizeof(*s->contents));
  s->lengths = sc_xcalloc(kata->editable_count, sizeof(*s->lengths));
  for (size_t i = 0; i < kata->editable_count; i++) {
    char *spec =
        sc_xasprintf("%s:katas/%s/%s", s->commit, kata->id, kata->editable[i]);
    const char *args[] = {"cat-file", "-e", spec, NULL};
    char *out = NULL;
    int exists = git(root, args, 4096, &out, NULL) == 0;
    free(out);
    const char *show[] = {"show", spec, NULL};
    if (exists &&
        git(root, show, STARTER_CAP, &s->contents[i], &s->lengths[i]) != 0) {
      sc_error("cannot read '%s' from git: %s", spec, s->contents[i]);
      free(spec);
      return -1;
    }
    if (!exists) {
      free(s->contents[i]);
      s->contents[i] = NULL;
    }
    free(spec);
  }
  return 0;
}

/* Asks question on the terminal; only "y" or "yes" confirm. */
static int confirm(const char *question) {
  printf("%s [y/N] ", question);
  fflush(stdout);
  char answer[16] = "";
  if (fgets(answer, sizeof(answer), stdin) == NULL)
    answer[0] = '\0';
  answer[strcspn(answer, "\r\n")] = '\0';
  if (!isatty(STDIN_FILENO))
    printf("%s\n", answer);
  return strcmp(answer, "y") == 0 || strcmp(answer, "Y") == 0 ||
         strcmp(answer, "yes") == 0;
}

/* Writes len bytes to path through a temporary file and a rename. */
static int write_file(const char *path, const char *data, size_t len) {
  char *tmp = sc_xasprintf("%s.reset.tmp", path);
  FILE *f = fopen(tmp, "wb");
  int err = f == NULL ? -errno : 0;
  if (f != NULL && fwrite(data, 1, len, f) != len)
    err = -EIO;
  if (f != NULL && fclose(f) != 0 && err == 0)
    err = -errno;
  if (err == 0 && rename(tmp, path) != 0)
    err = -errno;
  if (err != 0)
    unlink(tmp);
  free(tmp);
  return err;
}

/* Backs up every editable file of kata that exists into a new folder,
 * then writes the starter versions (removing a file the starter did not
 * have). Returns 0 or -1 with the error printed; nothing is overwritten
 * unless every backup was made. */
static int reset_files(const char *root, const struct sc_kata *kata,
                       const struct starter *s) {
  char *backup = backup_dir(root, kata->id);
  if (backup == NULL) {
    sc_error("cannot create a backup folder in '%s/build/backups': %s", root,
             strerror(errno));
    return -1;
  }
  int err = 0;
  for (size_t i = 0; i < kata->editable_count && err == 0; i++) {
    char *src = sc_path_join(kata->dir, kata->editable[i]);
    char *dst = sc_path_join(backup, kata->editable[i]);
    if (sc_file_exists(src) && (err = sc_copy_file(src, dst, 0644)) != 0)
      sc_error("cannot back up '%s' to '%s': %s", src, dst, sc_strerror(err));
    free(src);
    free(dst);
  }
  for (size_t i = 0; i < kata->editable_count && err == 0; i++) {
    char *path = sc_path_join(kata->dir, kata->editable[i]);
    if (s->contents[i] != NULL)
      err = write_file(path, s->contents[i], s->lengths[i]);
    else if (unlink(path) != 0 && errno != ENOENT)
      err = -errno;
    if (err != 0)
      sc_error("cannot restore '%s': %s (your version is in '%s')", path,
               sc_strerror(err), backup);
    free(path);
  }
  if (err == 0)
    printf("restored %zu file%s of %s; your versions are in %s\n",
           kata->editable_count, kata->editable_count == 1 ? "" : "s", kata->id,
           backup);
  free(backup);
  return err ? -1 : 0;
}

/* reset KATA [--yes]: the starter files back, after confirmation, with
 * the learner's versions kept in build/backups/. */
int sc_verb_reset(const struct sc_context *ctx, const struct sc_verb *verb,
                  const struct sc_args *args) {
  if (args->positional_count != 1) {
    sc_error("reset needs one kata: senior-check reset KATA [--yes]");
    return SC_EXIT_USAGE;
  }
  struct sc_catalogue cat;
  if (load_catalogue(ctx, &cat) != 0)
    return SC_EXIT_USAGE;
  const struct sc_kata *kata = find_kata(&cat, args->positionals[0]);
  struct starter s = {0};
  int status = SC_EXIT_USAGE;
  if (kata != NULL && starter_read(ctx->root, kata, &s) == 0) {
    struct sc_buf files = {0};
    for (size_t i = 0; i < kata->editable_count; i++)
      sc_buf_printf(&files, "%s%s", i ? ", " : "", kata->editable[i]);
    char *question = sc_xasprintf(
        "reset %s: replace %s with the starter versions of commit %.12s (%s)?"
        "\nyour versions will be kept in build/backups/%s/",
        kata->id, files.data, s.commit, s.how, kata->id);
    if (sc_args_get(verb, args, "--yes") == NULL && !confirm(question)) {
      printf("reset cancelled: nothing changed\n");
      status = SC_EXIT_SHORT;
    } else if (reset_files(ctx->root, kata, &s) == 0) {
      status = SC_EXIT_FULL_MARKS;
    }
    free(question);
    sc_buf_free(&files);
  }
  starter_free(&s, kata ? kata->editable_count : 0);
  sc_catalogue_free(&cat);
  return status;
}

/* ------------------------------------------------------------------ */
/* solution                                                            */
/* ------------------------------------------------------------------ */

/* Prints a unified diff, coloured on a terminal. */
static void print_diff(const char *diff, int colour) {
  for (const char *line = diff; *line;) {
    size_t len = strcspn(line, "\n");
    const char *c = !colour                        ? ""
                    : strncmp(line, "+++", 3) == 0 ? BOLD
                    : strncmp(line, "---", 3) == 0 ? BOLD
                    : line[0] == '+'               ? GREEN
                    : line[0] == '-'               ? RED
                    : strncmp(line, "@@", 2) == 0  ? CYAN
                                                   : "";
    printf("%s%.*s%s\n", c, (int)len, line, *c ? RESET : "");
    line += len + (line[len] == '\n');
  }
}

/* Shows the difference from the learner's version of each editable file
 * to the reference solution's, with diff -u run through sc_run. Returns 0
 * or -1 with the error printed. */
static int show_solution(const char *root, const struct sc_kata *kata) {
  char *dir = sc_xasprintf("%s/solutions/%s", root, kata->id);
  int colour = sc_report_use_colour(stdout), err = 0, shown = 0;
  for (size_t i = 0; i < kata->editable_count && err == 0; i++) {
    const char *name = kata->editable[i];
    char *theirs = sc_path_join(dir, name);
    char *mine = sc_path_join(kata->dir, name);
    char *label_mine = sc_xasprintf("katas/%s/%s (yours)", kata->id, name);
    char *label_theirs = sc_xasprintf("solutions/%s/%s", kata->id, name);
    const char *argv[] = {"diff",    "-u",         "-N", "--label", label_mine,
                          "--label", label_theirs, mine, theirs,    NULL};
    struct sc_run_spec spec = {
        .argv = argv,
        .limits = {.timeout_ms = GIT_TIMEOUT_MS, .output_cap_bytes = DIFF_CAP},
        .isolation = SC_ISOLATION_TOOL,
    };
    struct sc_run_result res = {0};
    if (sc_file_exists(theirs)) {
      shown++;
      if (sc_run(&spec, &res) != 0 || res.end != SC_RUN_EXITED ||
          res.exit_status > 1) {
        sc_error("cannot compare '%s' with '%s': %s", mine, theirs,
                 res.output ? res.output : "diff did not finish");
        err = -1;
      } else if (res.exit_status == 0) {
        printf("%s: the same as the reference solution\n", label_mine);
      } else {
        print_diff(res.output, colour);
      }
    }
    sc_run_result_free(&res);
    free(label_theirs);
    free(label_mine);
    free(mine);
    free(theirs);
  }
  if (err == 0 && shown == 0) {
    sc_error("no reference solution for '%s' in '%s'", kata->id, dir);
    err = -1;
  }
  free(dir);
  return err;
}

/* solution KATA [--force]: the reference solution against the learner's
 * files, once the kata is at full marks (graded, or cached). */
int sc_verb_solution(const struct sc_context *ctx, const struct sc_verb *verb,
                     const struct sc_args *args) {
  if (args->positional_count != 1) {
    sc_error("solution needs one kata: senior-check solution KATA [--force]");
    return SC_EXIT_USAGE;
  }
  int force = sc_args_get(verb, args, "--force") != NULL;
  struct sc_catalogue cat;
  if (load_catalogue(ctx, &cat) != 0)
    return SC_EXIT_USAGE;
  const struct sc_kata *kata = find_kata(&cat, args->positionals[0]);
  int status = kata ? 0 : SC_EXIT_USAGE;
  struct sc_results r = {0};
  if (kata != NULL && !force)
    status = result_of(ctx, &cat, kata, &r);
  if (status == 0 && !force && !at_full_marks(&r.katas[0])) {
    sc_error("'%s' is at %u/%u: its solution is shown once it is at full "
             "marks ('--force' shows it now, and spoils the kata)",
             kata->id, r.katas[0].score, r.katas[0].max_score);
    status = SC_EXIT_SHORT;
  } else if (status == 0) {
    if (force)
      fprintf(stderr,
              "warning: this spoils '%s': it shows the answer before you "
              "solved it\n",
              kata->id);
    status = show_solution(ctx->root, kata) == 0 ? SC_EXIT_FULL_MARKS
                                                 : SC_EXIT_USAGE;
  }
  sc_results_free(&r);
  sc_catalogue_free(&cat);
  return status;
}

/* ------------------------------------------------------------------ */
/* watch                                                               */
/* ------------------------------------------------------------------ */

enum {
  SETTLE_MS = 30,      /* editors write a file in several steps */
  TICK_MS = 250,       /* elapsed times move while a gate runs */
  POLL_MS = 1000,      /* stat polling beside file events: a safety net */
  POLL_ALONE_MS = 300, /* stat polling where file events cannot start */
};

enum view_state { VIEW_WAITING, VIEW_RUNNING, VIEW_DONE };

/* One gate as the screen shows it while grading runs, copied from the
 * grading thread under watch.lock. */
struct gate_view {
  enum view_state state;
  enum sc_status status;
  unsigned score;
  unsigned max_score;
  unsigned long long started_ms;
  unsigned long long ended_ms;
  char *message; /* a failed gate's message, or NULL */
};

struct watch {
  const struct sc_context *ctx;
  uv_loop_t loop;
  struct sc_catalogue cat;
  size_t current; /* the kata watched, an index into cat */
  int tty_out;    /* stdout is a terminal: redraw the screen */
  int colour;
  uv_tty_t keys; /* stdin in raw mode; closed in stop_keys() */
  int has_keys;
  uv_signal_t signals[3];   /* SIGINT, SIGTERM, SIGHUP; closed in stop_all() */
  uv_signal_t resized;      /* SIGWINCH: redraw; closed in stop_all() */
  uv_fs_event_t *dir_event; /* the kata's folder; closed (and freed) in
                               unwatch_files() */
  uv_fs_poll_t **polls;     /* one per editable file; closed (and freed)
                               in unwatch_files() */
  size_t poll_count;
  uv_timer_t settle;       /* a change settles before grading; closed in
                              stop_all() */
  uv_timer_t tick;         /* redraws elapsed times; closed in stop_all() */
  uv_async_t gate_changed; /* a grading thread -> the loop; closed in
                              stop_all(), never while a grading runs */
  uv_work_t work;
  uv_work_t prepare;   /* sc_grading_inspect_prepare() ahead of a save */
  int grading;         /* a grading is running */
  int queued;          /* grade once more when it ends */
  int forced;          /* the queued run was asked for with 'r' */
  int quitting;        /* quit once the running grading ends */
  int stopped;         /* every handle is closing */
  uint64_t graded_key; /* the files the shown result was graded from */
  int has_graded_key;
  uint64_t running_key;           /* the files the running grading reads */
  unsigned long long change_ms;   /* when the change being graded was seen;
                                     0: not a save ('r', a new kata) */
  unsigned long long pending_ms;  /* when a change not graded yet was seen */
  int pending_by_event;           /* a file event saw the pending change */
  int poll_caught;                /* the safety poll saw a save events
                                     missed: said once, on the footer */
  struct sc_results work_results; /* filled by the work thread */
  char *work_why;
  int work_err;
  struct sc_results shown; /* the last complete result (one kata) */
  uv_mutex_t lock;         /* guards views and tests_after_ms */
  struct gate_view views[SC_GATE_COUNT];
  long long tests_after_ms; /* from the change to the tests' result; -1 */
  char *note;               /* one line under the result, or NULL */
  char *hint;               /* the hint shown, or NULL */
};

static void start_grading(struct watch *w);
static void watch_files(struct watch *w);

/* The kata being watched. */
static const struct sc_kata *watched(const struct watch *w) {
  return w->cat.katas[w->current];
}

/* Replaces the line under the result (fmt NULL clears it). */
static void set_note(struct watch *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_note(struct watch *w, const char *fmt, ...) {
  free(w->note);
  w->note = NULL;
  if (fmt == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  struct sc_buf buf = {0};
  sc_buf_vprintf(&buf, fmt, ap);
  va_end(ap);
  w->note = sc_buf_detach(&buf);
}

/* The gate lines while a grading runs, from the views. */
static void draw_views(struct watch *w, struct sc_buf *out) {
  unsigned long long now = sc_now_ms();
  const char *failure = NULL;
  uv_mutex_lock(&w->lock);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    const struct gate_view *v = &w->views[g];
    const char *name = sc_gate_name((enum sc_gate)g);
    if (v->state == VIEW_WAITING)
      sc_buf_printf(out, "  %-9s %s-%s\n", name, paint(w->colour, DIM),
                    paint(w->colour, RESET));
    else if (v->state == VIEW_RUNNING)
      sc_buf_printf(out, "  %-9s %srunning%s %.1f s\n", name,
                    paint(w->colour, YELLOW), paint(w->colour, RESET),
                    (double)(now - v->started_ms) / 1000.0);
    else
      sc_buf_printf(out, "  %-9s %s%u/%u %s%s %.1f s\n", name,
                    paint(w->colour, status_colour(v->status)), v->score,
                    v->max_score, sc_status_name(v->status),
                    paint(w->colour, RESET),
                    (double)(v->ended_ms - v->started_ms) / 1000.0);
    if (v->state == VIEW_DONE && v->status != SC_STATUS_PASS &&
        failure == NULL && v->message != NULL)
      failure = v->message;
  }
  if (failure != NULL) {
    sc_buf_puts(out, "\n");
    indent(out, failure, "  ");
  }
  uv_mutex_unlock(&w->lock);
}

/* Prints one screen from the top: body cut to what the terminal holds
 * above foot (the keys), so that the header never scrolls away, and one
 * row left free (a newline on the last row would scroll). */
static void print_screen(struct watch *w, const char *body, const char *foot) {
  struct winsize size = {0};
  unsigned rows = 0, cols = 0;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0) {
    rows = size.ws_row;
    cols = size.ws_col;
  }
  size_t foot_rows = sc_screen_rows(foot, cols);
  char *fitted = rows > foot_rows + 3
                     ? sc_screen_fit(body, rows - 1 - (unsigned)foot_rows, cols)
                     : sc_xstrdup(body);
  if (w->tty_out)
    fputs("\033[H\033[2J", stdout);
  fputs(fitted, stdout);
  fputs(foot, stdout);
  fflush(stdout);
  free(fitted);
}

/* Redraws the whole screen (watch runs on a terminal only). */
static void draw(struct watch *w, int final) {
  (void) final;
  const struct sc_kata *kata = watched(w);
  struct sc_buf out = {0};
  sc_buf_printf(&out, "%ssenior-check watch: %s%s (week %u): %s\n",
                paint(w->colour, BOLD), kata->id, paint(w->colour, RESET),
                kata->week, kata->title);
  sc_buf_printf(&out, "goal: %s\nedit: katas/%s/{", kata->goal, kata->id);
  for (size_t i = 0; i < kata->editable_count; i++)
    sc_buf_printf(&out, "%s%s", i ? "," : "", kata->editable[i]);
  sc_buf_puts(&out, "}\n\n");
  if (w->grading) {
    sc_buf_printf(&out, "grading%s...\n",
                  w->queued ? " (saved again: the new files are graded as soon "
                              "as the running gate stops)"
                            : "");
    draw_views(w, &out);
  } else if (w->shown.count == 1) {
    focus(&out, &w->shown.katas[0], w->colour);
  }
  if (w->tests_after_ms >= 0)
    sc_buf_printf(&out, "\n(tests result %.2f s after the save)\n",
                  (double)w->tests_after_ms / 1000.0);
  if (w->hint)
    sc_buf_printf(&out, "\n%s", w->hint);
  if (w->note)
    sc_buf_printf(&out, "\n%s\n", w->note);
  struct sc_buf foot = {0};
  if (w->poll_caught)
    sc_buf_printf(&foot,
                  "\nfile events missed a save here: the 1 s poll is what "
                  "sees your saves (up to 1 s late)\n");
  if (w->has_keys)
    sc_buf_printf(&foot,
                  "\n%s[h] hint  [r] re-run  [n] next kata  [q] quit"
                  "%s   watching %zu files%s\n",
                  paint(w->colour, DIM), paint(w->colour, RESET),
                  kata->editable_count, w->dir_event ? "" : " (by polling)");
  print_screen(w, out.data ? out.data : "", foot.data ? foot.data : "");
  sc_buf_free(&out);
  sc_buf_free(&foot);
}

/* The on_gate hook, on the grading thread: records the gate in its view
 * and wakes the loop to redraw. */
static void on_gate(void *data, const struct sc_kata_result *result,
                    enum sc_gate gate, int done) {
  struct watch *w = data;
  const struct sc_gate_result *r = &result->gates[gate];
  uv_mutex_lock(&w->lock);
  struct gate_view *v = &w->views[gate];
  unsigned long long now = sc_now_ms();
  if (!done) {
    v->state = VIEW_RUNNING;
    v->started_ms = now;
  } else {
    v->state = VIEW_DONE;
    v->ended_ms = now;
    v->status = r->status;
    v->score = r->score;
    v->max_score = r->max_score;
    free(v->message);
    v->message = r->status != SC_STATUS_PASS && r->message
                     ? sc_xstrdup(r->message)
                     : NULL;
    if (gate == SC_GATE_TESTS && w->change_ms != 0)
      w->tests_after_ms = (long long)(now - w->change_ms);
  }
  uv_mutex_unlock(&w->lock);
  uv_async_send(&w->gate_changed);
}

/* On the loop: a gate started or ended; redraw. */
static void on_gate_changed(uv_async_t *handle) {
  draw(handle->data, 0);
}

/* On the loop while grading: the elapsed times move. */
static void on_tick(uv_timer_t *handle) {
  draw(handle->data, 0);
}

/* On the grading thread, before each gate and while learner code runs: a
 * newer save, or q, makes the rest of this grading pointless. */
static int grading_cancelled(void *data) {
  struct watch *w = data;
  uv_mutex_lock(&w->lock);
  int stop = w->queued || w->quitting;
  uv_mutex_unlock(&w->lock);
  return stop;
}

/* The work thread: grades the watched kata. */
static void grade_work(uv_work_t *req) {
  struct watch *w = req->data;
  const char *ids[] = {watched(w)->id, NULL};
  struct sc_grade_request r = {
      .root = w->ctx->root,
      .catalogue = &w->cat,
      .ids = ids,
      .source = "learner",
      .jobs = 1,
      .on_gate = on_gate,
      .on_gate_data = w,
      .cancelled = grading_cancelled,
  };
  w->work_err = sc_grade_run(&r, &w->work_results, &w->work_why);
}

/* Close callback of the handles allocated one by one. */
static void close_and_free(uv_handle_t *handle) {
  free(handle);
}

/* Stops watching the kata's files: closes the folder's file event and
 * every poll; their close callbacks free them. */
static void unwatch_files(struct watch *w) {
  if (w->dir_event != NULL)
    uv_close((uv_handle_t *)w->dir_event, close_and_free);
  w->dir_event = NULL;
  for (size_t i = 0; i < w->poll_count; i++)
    uv_close((uv_handle_t *)w->polls[i], close_and_free);
  free(w->polls);
  w->polls = NULL;
  w->poll_count = 0;
}

/* Restores the terminal and stops reading keys. */
static void stop_keys(struct watch *w) {
  if (!w->has_keys)
    return;
  uv_tty_reset_mode();
  uv_close((uv_handle_t *)&w->keys, NULL);
  w->has_keys = 0;
}

/* Closes every handle, so that uv_run returns. Only called when no
 * grading runs (its thread sends to gate_changed). */
static void stop_all(struct watch *w) {
  if (w->stopped)
    return;
  w->stopped = 1;
  stop_keys(w);
  unwatch_files(w);
  for (size_t i = 0; i < SC_ARRAY_SIZE(w->signals); i++)
    uv_close((uv_handle_t *)&w->signals[i], NULL);
  uv_close((uv_handle_t *)&w->resized, NULL);
  uv_close((uv_handle_t *)&w->settle, NULL);
  uv_close((uv_handle_t *)&w->tick, NULL);
  uv_close((uv_handle_t *)&w->gate_changed, NULL);
}

/* q, Ctrl-C or a signal: stop now, or once the running grading has
 * stopped (a run of learner code stops at once; a compiler's or a trusted
 * tool's run is not interrupted halfway). */
static void quit(struct watch *w) {
  if (!w->grading) {
    stop_all(w);
    return;
  }
  uv_mutex_lock(&w->lock);
  w->quitting = 1;
  uv_mutex_unlock(&w->lock);
  stop_keys(w);
  unwatch_files(w);
  set_note(w, "quitting as soon as the running gate stops...");
  draw(w, 1);
}

/* On the loop when a grading ends: shows and caches its result, then
 * quits, runs the queued grading or waits for the next save. */
static void after_grading(uv_work_t *req, int status) {
  struct watch *w = req->data;
  (void)status;
  w->grading = 0;
  uv_timer_stop(&w->tick);
  /* A grading stopped for a newer save (or q) says nothing about any
   * files: the screen keeps the last complete result. */
  int stopped = w->work_err == 0 && w->work_results.count == 1 &&
                w->work_results.katas[0].error != NULL &&
                (w->queued || w->quitting);
  if (w->work_err != 0) {
    set_note(w, "error: %s", w->work_why ? w->work_why : "cannot grade");
  } else if (stopped) {
    sc_results_free(&w->work_results);
  } else if (w->work_results.count == 1) {
    sc_learner_cache_store(w->ctx->root, watched(w), w->running_key,
                           &w->work_results.katas[0]);
    sc_results_free(&w->shown);
    w->shown = w->work_results;
    w->graded_key = w->running_key;
    w->has_graded_key = 1;
    if (at_full_marks(&w->shown.katas[0]))
      set_note(w, "%s is at full marks! press n for the next kata",
               watched(w)->id);
  }
  memset(&w->work_results, 0, sizeof(w->work_results));
  free(w->work_why);
  w->work_why = NULL;
  if (w->quitting) {
    stop_all(w);
    return;
  }
  int again = w->queued;
  w->queued = 0;
  uint64_t key = 0;
  if (again && !w->forced &&
      sc_learner_cache_key(w->ctx->root, watched(w), &key) == 0 &&
      key == w->graded_key)
    again = 0; /* saved, but back to what was just graded */
  w->forced = 0;
  if (again)
    start_grading(w);
  else
    draw(w, 1);
}

/* Starts grading the watched kata on the thread pool. */
static void start_grading(struct watch *w) {
  char *why = NULL;
  if (sc_grade_check_tools(&why) != 0) {
    set_note(w, "error: %s", why);
    free(why);
    draw(w, 1);
    return;
  }
  if (sc_learner_cache_key(w->ctx->root, watched(w), &w->running_key) != 0)
    w->running_key = 0;
  uv_mutex_lock(&w->lock);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    free(w->views[g].message);
    memset(&w->views[g], 0, sizeof(w->views[g]));
  }
  w->tests_after_ms = -1;
  w->change_ms = w->pending_ms;
  uv_mutex_unlock(&w->lock);
  w->pending_ms = 0;
  w->grading = 1;
  w->work.data = w;
  if (uv_queue_work(&w->loop, &w->work, grade_work, after_grading) != 0) {
    w->grading = 0;
    set_note(w, "error: cannot start grading");
  } else {
    uv_timer_start(&w->tick, on_tick, TICK_MS, TICK_MS);
  }
  draw(w, 0);
}

/* Asks for a grading: now, or once the running one ends (never more than
 * one waits). forced grades even files graded already. */
static void request_grading(struct watch *w, int forced) {
  if (w->grading) {
    uv_mutex_lock(&w->lock);
    w->queued = 1;
    uv_mutex_unlock(&w->lock);
    w->forced |= forced;
    draw(w, 0);
    return;
  }
  start_grading(w);
}

/* A change settled: grade when the files differ from the ones graded. */
static void on_settled(uv_timer_t *handle) {
  struct watch *w = handle->data;
  uint64_t key = 0;
  if (sc_learner_cache_key(w->ctx->root, watched(w), &key) != 0)
    return;
  if (w->grading ? key == w->running_key
                 : w->has_graded_key && key == w->graded_key) {
    w->pending_ms = 0;
    w->pending_by_event = 0;
    return; /* touched, not changed; or the poll seeing an event's change */
  }
  if (w->dir_event != NULL && !w->pending_by_event && !w->poll_caught)
    w->poll_caught = 1; /* shown from now on: this folder's events lie */
  w->pending_by_event = 0;
  set_note(w, NULL);
  free(w->hint);
  w->hint = NULL;
  request_grading(w, 0);
}

/* Something may have changed (by_event: a file event said so, else the
 * poll): let it settle, then compare contents. */
static void changed(struct watch *w, int by_event) {
  if (w->pending_ms == 0)
    w->pending_ms = sc_now_ms();
  w->pending_by_event |= by_event;
  uv_timer_start(&w->settle, on_settled, SETTLE_MS, 0);
}

/* A file event in the kata's folder: only editable files count. */
static void on_dir_event(uv_fs_event_t *handle, const char *filename,
                         int events, int status) {
  struct watch *w = handle->data;
  (void)events;
  if (status == 0 &&
      (filename == NULL || sc_kata_is_editable(watched(w), filename)))
    changed(w, 1);
}

/* The poll saw an editable file's stat change (or appear, or go). */
static void on_poll(uv_fs_poll_t *handle, int status, const uv_stat_t *prev,
                    const uv_stat_t *curr) {
  (void)status;
  (void)prev;
  (void)curr;
  changed(handle->data, 0);
}

/* Watches the kata's editable files: file events on its folder (rename-
 * on-save editors replace the file, so the folder is watched, not the
 * file), and stat polling for the file systems where events do not arrive
 * (some network and WSL mounts): a safety net beside events, the only
 * means when they cannot start. */
static void watch_files(struct watch *w) {
  const struct sc_kata *kata = watched(w);
  w->dir_event = sc_xcalloc(1, sizeof(*w->dir_event));
  uv_fs_event_init(&w->loop, w->dir_event);
  w->dir_event->data = w;
  if (uv_fs_event_start(w->dir_event, on_dir_event, kata->dir, 0) != 0) {
    uv_close((uv_handle_t *)w->dir_event, close_and_free);
    w->dir_event = NULL;
  }
  unsigned interval = w->dir_event ? POLL_MS : POLL_ALONE_MS;
  w->polls = sc_xcalloc(kata->editable_count, sizeof(*w->polls));
  for (size_t i = 0; i < kata->editable_count; i++) {
    char *path = sc_path_join(kata->dir, kata->editable[i]);
    uv_fs_poll_t *poll = sc_xcalloc(1, sizeof(*poll));
    uv_fs_poll_init(&w->loop, poll);
    poll->data = w;
    uv_fs_poll_start(poll, on_poll, path, interval);
    w->polls[w->poll_count++] = poll;
    free(path);
  }
}

/* Shows the watched kata: its cached result when its files did not
 * change since, else a fresh grading. */
static void show_kata(struct watch *w) {
  struct known k;
  known_load(w->ctx->root, watched(w), &k);
  sc_results_free(&w->shown);
  w->has_graded_key = 0;
  if (k.fresh) {
    w->shown = k.entry;
    w->has_graded_key =
        sc_learner_cache_key(w->ctx->root, watched(w), &w->graded_key) == 0;
    if (at_full_marks(&w->shown.katas[0]))
      set_note(w, "%s is at full marks! press n for the next kata",
               watched(w)->id);
    draw(w, 1);
  } else {
    known_free(&k);
    start_grading(w);
  }
}

/* 'n': moves to the next kata not at full marks, once this one is. */
static void next_kata(struct watch *w) {
  if (w->grading || w->shown.count != 1 || !at_full_marks(&w->shown.katas[0])) {
    set_note(w,
             "n: %s is not at full marks yet; finish it first (or quit "
             "and run 'senior-check watch KATA')",
             watched(w)->id);
    draw(w, 1);
    return;
  }
  /* After the last kata comes the first: a kata left short earlier is
   * the next one, whatever its place in the curriculum. */
  size_t next = w->cat.count;
  for (size_t step = 1; step < w->cat.count && next == w->cat.count; step++) {
    size_t i = (w->current + step) % w->cat.count;
    struct known k;
    known_load(w->ctx->root, w->cat.katas[i], &k);
    if (!(k.fresh && at_full_marks(&k.entry.katas[0])))
      next = i;
    known_free(&k);
  }
  if (next == w->cat.count) {
    set_note(w, "every kata is at full marks: the curriculum is done");
    draw(w, 1);
    return;
  }
  unwatch_files(w);
  w->current = next;
  set_note(w, NULL);
  free(w->hint);
  w->hint = NULL;
  w->tests_after_ms = -1;
  w->pending_ms = 0;
  w->pending_by_event = 0;
  watch_files(w);
  show_kata(w);
}

/* 'h': the next hint not shown yet, under the result. */
static void show_hint(struct watch *w) {
  struct sc_buf text = {0};
  char *why = NULL;
  free(w->hint);
  w->hint = NULL;
  if (hint_text(w->ctx->root, watched(w), 0, &text, &why) == 0)
    w->hint = sc_buf_detach(&text);
  else
    set_note(w, "h: %s", why);
  free(why);
  sc_buf_free(&text);
  draw(w, 1);
}

/* Key presses are read into one static buffer: one reader, on the loop. */
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  static char keys[64];
  (void)handle;
  (void)suggested;
  *buf = uv_buf_init(keys, sizeof(keys));
}

/* The keys: h hint, r re-run, n next kata, q (or Ctrl-C, Ctrl-D) quit. */
static void on_keys(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct watch *w = stream->data;
  if (nread < 0) {
    stop_keys(w); /* stdin closed: keep watching; a signal still quits */
    return;
  }
  for (ssize_t i = 0; i < nread && !w->stopped && !w->quitting; i++) {
    char key = (char)tolower((unsigned char)buf->base[i]);
    if (key == 'q' || key == 3 /* Ctrl-C */ || key == 4 /* Ctrl-D */)
      quit(w);
    else if (key == 'h')
      show_hint(w);
    else if (key == 'r')
      request_grading(w, 1);
    else if (key == 'n')
      next_kata(w);
  }
}

/* SIGWINCH: the terminal changed size; draw for the new one. */
static void on_resize(uv_signal_t *handle, int signum) {
  (void)signum;
  draw(handle->data, 0);
}

/* SIGINT, SIGTERM, SIGHUP: quit as q does. */
static void on_signal(uv_signal_t *handle, int signum) {
  (void)signum;
  quit(handle->data);
}

/* Puts stdin in raw mode to read single keys, when it is a terminal. */
static void start_keys(struct watch *w) {
  if (uv_guess_handle(STDIN_FILENO) != UV_TTY ||
      uv_tty_init(&w->loop, &w->keys, STDIN_FILENO, 1) != 0)
    return;
  w->keys.data = w;
  w->has_keys = 1;
  if (uv_tty_set_mode(&w->keys, UV_TTY_MODE_RAW) != 0 ||
      uv_read_start((uv_stream_t *)&w->keys, on_alloc, on_keys) != 0)
    stop_keys(w);
}

/* The handles that live as long as the watch. */
static void watch_init(struct watch *w) {
  static const int signums[] = {SIGINT, SIGTERM, SIGHUP};
  uv_loop_init(&w->loop);
  uv_mutex_init(&w->lock);
  w->tests_after_ms = -1;
  for (size_t i = 0; i < SC_ARRAY_SIZE(w->signals); i++) {
    uv_signal_init(&w->loop, &w->signals[i]);
    w->signals[i].data = w;
    uv_signal_start(&w->signals[i], on_signal, signums[i]);
  }
  uv_signal_init(&w->loop, &w->resized);
  w->resized.data = w;
  uv_signal_start(&w->resized, on_resize, SIGWINCH);
  uv_timer_init(&w->loop, &w->settle);
  w->settle.data = w;
  uv_timer_init(&w->loop, &w->tick);
  w->tick.data = w;
  uv_async_init(&w->loop, &w->gate_changed, on_gate_changed);
  w->gate_changed.data = w;
}

/* On the thread pool, once, while watch waits for a save: what every
 * grading needs and the first would otherwise find first. */
static void prepare_work(uv_work_t *req) {
  (void)req;
  sc_grading_inspect_prepare();
}

/* Restores the terminal on the exit paths that bypass the loop (an
 * allocation failure exits at once). */
static void reset_terminal(void) {
  uv_tty_reset_mode();
}

/* Picks the kata to watch: the one named, or the next not at full marks.
 * Returns 0 or SC_EXIT_USAGE with the error printed. */
static int choose_kata(struct watch *w, const struct sc_args *args) {
  if (args->positional_count > 1) {
    sc_error("watch follows one kata: senior-check watch [KATA]");
    return SC_EXIT_USAGE;
  }
  if (args->positional_count == 1) {
    const struct sc_kata *kata = find_kata(&w->cat, args->positionals[0]);
    for (size_t i = 0; kata != NULL && i < w->cat.count; i++)
      if (w->cat.katas[i] == kata)
        w->current = i;
    return kata ? 0 : SC_EXIT_USAGE;
  }
  struct sc_results r;
  size_t index = 0;
  int err = find_next(w->ctx, &w->cat, &index, &r);
  sc_results_free(&r);
  w->current = index < w->cat.count ? index : 0;
  return err;
}

/* watch [KATA]: re-grades the kata on every save until q. Exits 0 when
 * it is at full marks at the end, else 1. */
int sc_verb_watch(const struct sc_context *ctx, const struct sc_verb *verb,
                  const struct sc_args *args) {
  (void)verb;
  struct watch *w = sc_xcalloc(1, sizeof(*w));
  w->ctx = ctx;
  /* A screen redrawn in place means nothing in a pipe or a log: say so
   * rather than print results nobody asked for in that form. */
  if (!isatty(STDOUT_FILENO)) {
    sc_error("watch needs a terminal (its output is not one): run "
             "'senior-check run [KATA]' to grade once");
    free(w);
    return SC_EXIT_NOT_INTERACTIVE;
  }
  if (load_catalogue(ctx, &w->cat) != 0) {
    free(w);
    return SC_EXIT_USAGE;
  }
  char *why = NULL;
  int status = w->cat.count == 0 ? SC_EXIT_USAGE : 0;
  if (status != 0)
    sc_error("no katas to watch in '%s/katas'", ctx->root);
  else if (sc_grade_check_tools(&why) != 0) {
    sc_error("%s", why);
    status = SC_EXIT_USAGE;
  }
  if (status == 0)
    status = choose_kata(w, args);
  if (status == 0) {
    w->tty_out = 1;
    w->colour = sc_report_use_colour(stdout);
    setvbuf(stdout, NULL, _IOFBF, 1 << 16); /* one write per screen */
    watch_init(w);
    atexit(reset_terminal);
    start_keys(w);
    watch_files(w);
    uv_queue_work(&w->loop, &w->prepare, prepare_work, NULL);
    show_kata(w);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_tty_reset_mode();
    int closed = uv_loop_close(&w->loop);
    if (closed != 0)
      sc_error("watch left handles open: %s", uv_strerror(closed));
    printf("\n");
    fflush(stdout);
    status = w->shown.count == 1 && at_full_marks(&w->shown.katas[0])
                 ? SC_EXIT_FULL_MARKS
                 : SC_EXIT_SHORT;
    uv_mutex_destroy(&w->lock);
  }
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    free(w->views[g].message);
  sc_results_free(&w->shown);
  free(w->note);
  free(w->hint);
  free(why);
  sc_catalogue_free(&w->cat);
  free(w);
  return status;
}

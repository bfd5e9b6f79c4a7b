#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

typedef void (*gate_fn)(struct sc_grading *g, struct sc_gate_result *r);

static const gate_fn gate_functions[SC_GATE_COUNT] = {
    sc_gate_build,  sc_gate_tests,    sc_gate_memcheck,
    sc_gate_timing, sc_gate_coverage, sc_gate_strict};

enum { OUTPUT_CAP = 1 << 20 };

/* Words of a learner's own writing (NOTES.md, BENCHMARK.md): shown to
 * mentors, never scored, since the grader does not pretend to grade prose. */
static void check_writing(struct sc_grading *g) {
  const struct sc_kata *kata = g->kata;
  struct sc_kata_result *result = g->result;
  result->writing_count = kata->writing_count;
  result->writing = sc_xcalloc(kata->writing_count, sizeof(*result->writing));
  for (size_t i = 0; i < kata->writing_count; i++) {
    struct sc_writing_result *w = &result->writing[i];
    w->file = sc_xstrdup(kata->writing[i].file);
    w->about =
        kata->writing[i].about ? sc_xstrdup(kata->writing[i].about) : NULL;
    w->min_words = kata->writing[i].min_words;
    char *text = NULL;
    /* Read as the editable files are: never through a link, never a FIFO. */
    if (sc_read_inside(g->editable_dir, w->file, kata->max_file_bytes, &text,
                       NULL) == 0) {
      w->present = 1;
      int in_word = 0;
      for (const char *p = text; *p; p++) {
        int space = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
        if (!space && !in_word)
          w->words++;
        in_word = !space;
      }
    }
    free(text);
  }
}

/* Katas are graded in parallel, but a benchmark that measures time or
 * memory must not share the machine with the grader's own work: such a
 * timing gate takes this lock for writing, every other gate for reading. */
static uv_rwlock_t machine;
static uv_once_t machine_once = UV_ONCE_INIT;

static void machine_init(void) {
  if (uv_rwlock_init(&machine) != 0)
    abort();
}

static int measures_noise(const struct sc_kata *kata) {
  for (size_t i = 0; i < kata->figure_count; i++)
    if (kata->figures[i].kind != SC_FIGURE_INSTRUCTIONS)
      return 1;
  return 0;
}

static void run_locked(struct sc_grading *g, gate_fn fn, int alone,
                       struct sc_gate_result *r) {
  uv_once(&machine_once, machine_init);
  if (alone)
    uv_rwlock_wrlock(&machine);
  else
    uv_rwlock_rdlock(&machine);
  fn(g, r);
  if (alone)
    uv_rwlock_wrunlock(&machine);
  else
    uv_rwlock_rdunlock(&machine);
}

static void run_gate(struct sc_grading *g, enum sc_gate gate,
                     struct sc_gate_result *r) {
  int alone = gate == SC_GATE_TIMING && measures_noise(g->kata);
  run_locked(g, gate_functions[gate], alone, r);
}

/* The build gate builds only the suite, so that the tests' result comes
 * first (what watch shows a second after a save); the rest of the build
 * follows the tests gate, whatever its verdict. When the rest does not
 * build, the kata does not build: the tests' verdict is taken back, and
 * the result is the one a build of everything at once gave. Returns
 * nonzero then. */
static int finish_build(struct sc_grading *g) {
  struct sc_kata_result *result = g->result;
  struct sc_gate_result *build = &result->gates[SC_GATE_BUILD];
  if (g->kata->benchmark == NULL)
    return 0;
  if (g->on_gate != NULL)
    g->on_gate(g->on_gate_data, result, SC_GATE_BUILD, 0);
  run_locked(g, sc_gate_build_rest, 0, build);
  int built = build->status == SC_STATUS_PASS;
  if (!built) {
    struct sc_gate_result *tests = &result->gates[SC_GATE_TESTS];
    sc_gate_result_clear(tests);
    sc_gate_tests_skip(g, tests, "the build failed");
    g->suite_passed = 0;
  }
  if (g->on_gate != NULL)
    g->on_gate(g->on_gate_data, result, SC_GATE_BUILD, 1);
  return built ? 0 : -1;
}

/* The strict gate of a kata that asks for it ("strict": {"when_tests_fail":
 * true}) while its tests fail: the sanitizers often name what the tests
 * can only describe (a use after free behind a wrong report). They run,
 * their report is shown, and the gate stays skipped and worth 0: points
 * measure code that passes its tests first. */
static void sanitize_anyway(struct sc_grading *g, struct sc_gate_result *r,
                            const char *blocker) {
  if (g->on_gate != NULL)
    g->on_gate(g->on_gate_data, g->result, SC_GATE_STRICT, 0);
  run_gate(g, SC_GATE_STRICT, r);
  if (g->on_gate != NULL)
    g->on_gate(g->on_gate_data, g->result, SC_GATE_STRICT, 1);
  if (r->status == SC_STATUS_FAIL) {
    char *what = sc_xstrdup(r->message ? r->message : "");
    sc_gate_set(r, SC_STATUS_SKIP, 0,
                "skipped: %s; the sanitizers ran anyway, for what they "
                "tell about the failing tests:\n%s",
                blocker, what);
    free(what);
  } else if (r->status == SC_STATUS_PASS) {
    sc_gate_set(r, SC_STATUS_SKIP, 0,
                "skipped: %s (the sanitizers saw nothing wrong meanwhile)",
                blocker);
  }
}

/* After a gate: when a run of it was stopped for cancelled(), the gate
 * measured nothing, and the grading ends as one stopped before a gate
 * does (an error, never a score). Returns nonzero then. */
static int stopped_halfway(struct sc_grading *g, struct sc_gate_result *r) {
  if (!g->stopped)
    return 0;
  free(g->result->error);
  g->result->error = sc_xstrdup("grading stopped: a newer change is graded "
                                "instead");
  sc_gate_result_clear(r);
  sc_gate_set(r, SC_STATUS_SKIP, 0, "skipped: grading stopped");
  return 1;
}

void sc_grade_kata(struct sc_grading *g) {
  struct sc_kata_result *result = g->result;
  unsigned long long start = sc_now_ms();
  sc_kata_result_init(result, g->kata->id, g->kata->title, g->kata->week,
                      g->kata->weight);

  const char *blocker = NULL;
  int tests_blocked = 0;
  for (unsigned i = 0; i < SC_GATE_COUNT; i++) {
    struct sc_gate_result *r = &result->gates[i];
    if (blocker != NULL && i == SC_GATE_STRICT && tests_blocked &&
        g->kata->sanitize_failing) {
      sanitize_anyway(g, r, blocker);
      stopped_halfway(g, r);
      continue;
    }
    if (blocker != NULL) {
      if (i == SC_GATE_TESTS)
        sc_gate_tests_skip(g, r, blocker);
      else
        sc_gate_set(r, SC_STATUS_SKIP, 0, "skipped: %s", blocker);
      continue;
    }
    if (g->cancelled != NULL && g->cancelled(g->on_gate_data)) {
      result->error = sc_xstrdup("grading stopped: a newer change is graded "
                                 "instead");
      blocker = "grading stopped";
      sc_gate_set(r, SC_STATUS_SKIP, 0, "skipped: %s", blocker);
      continue;
    }
    if (g->on_gate != NULL)
      g->on_gate(g->on_gate_data, result, (enum sc_gate)i, 0);
    run_gate(g, (enum sc_gate)i, r);
    if (stopped_halfway(g, r)) {
      blocker = "grading stopped";
      continue;
    }
    if (g->on_gate != NULL)
      g->on_gate(g->on_gate_data, result, (enum sc_gate)i, 1);
    if (i == SC_GATE_BUILD && r->status != SC_STATUS_PASS)
      blocker = "the build failed";
    else if (i == SC_GATE_TESTS && finish_build(g) != 0)
      blocker = "the build failed";
    else if (i == SC_GATE_TESTS && !g->suite_passed) {
      blocker = "the other gates measure code that passes its tests first";
      tests_blocked = 1;
    }
  }
  check_writing(g);
  sc_kata_result_total(result);
  result->elapsed_ms = sc_now_ms() - start;
}

int sc_grading_tool(struct sc_grading *g, const char *const *argv,
                    unsigned timeout_s, struct sc_run_result *res) {
  (void)g;
  /* The grader's environment plus the C locale, so that tools speak plain
   * ASCII whatever the learner's terminal is set to. */
  extern char **environ;
  struct sc_strv env = {0};
  for (char **e = environ; *e != NULL; e++)
    if (strncmp(*e, "LC_", 3) != 0 && strncmp(*e, "LANG", 4) != 0 &&
        strncmp(*e, "MAKEFLAGS", 9) != 0 && strncmp(*e, "NINJA_", 6) != 0)
      sc_strv_push(&env, *e);
  sc_strv_push(&env, "LC_ALL=C");
  struct sc_run_spec spec = {
      .argv = argv,
      .env = sc_strv_view(&env),
      .limits = {.timeout_ms = (uint64_t)timeout_s * 1000u,
                 .output_cap_bytes = OUTPUT_CAP},
      .isolation = SC_ISOLATION_TOOL,
      .slot = g->slot,
  };
  int err = sc_run(&spec, res);
  sc_strv_free(&env);
  return err;
}

/* Lines of build output a learner needs: the compiler's words, not the
 * build tool's progress or the compiler's command line. */
static int is_build_noise(const char *line, size_t len) {
  static const char *const prefixes[] = {
      "[", "ninja: ", "FAILED: ", "-- ", "/usr/bin/gcc ", "/usr/bin/cc "};
  if (len == 0)
    return 1;
  for (size_t i = 0; i < SC_ARRAY_SIZE(prefixes); i++)
    if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0)
      return 1;
  return 0;
}

static int listed(const struct sc_strv *v, const char *s) {
  for (size_t i = 0; i < v->count; i++)
    if (strcmp(v->items[i], s) == 0)
      return 1;
  return 0;
}

/* Picks "file:line:col: error: message" lines that point into the
 * learner's files, so outputs can annotate the exact line. */
static void add_compiler_locations(struct sc_grading *g,
                                   struct sc_gate_result *r,
                                   const char *output) {
  struct sc_strv learner = {0};
  sc_grading_learner_sources(g, &learner);
  for (const char *line = output; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    for (size_t i = 0; i < learner.count; i++) {
      size_t plen = strlen(learner.items[i]);
      unsigned lineno = 0;
      if (len > plen && strncmp(line, learner.items[i], plen) == 0 &&
          line[plen] == ':' && sscanf(line + plen, ":%u:", &lineno) == 1 &&
          memmem(line, len, ": error: ", 9) != NULL && r->location_count < 20) {
        char *rel = sc_grading_relative(g, learner.items[i]);
        char *msg = sc_xasprintf("%s%.*s", rel, (int)(len - plen), line + plen);
        sc_gate_add_location(r, rel, lineno, msg);
        free(msg);
        free(rel);
      }
    }
    line = end ? end + 1 : line + len;
  }
  sc_strv_free(&learner);
}

int sc_grading_compile(struct sc_grading *g, const char *const *targets,
                       unsigned timeout_s, struct sc_run_result *res) {
  int err = sc_run_give_tree(g->build_dir, g->slot);
  if (err != 0) {
    memset(res, 0, sizeof(*res));
    return err;
  }
  struct sc_strv argv = {0};
  sc_strv_push(&argv, "cmake");
  sc_strv_push(&argv, "--build");
  sc_strv_push(&argv, g->build_dir);
  sc_strv_push(&argv, "--target");
  for (const char *const *t = targets; *t != NULL; t++)
    sc_strv_push(&argv, *t);
  /* Nothing of the caller's environment (CFLAGS, CPATH, LD_PRELOAD...)
   * reaches the compiler. */
  const char *env[] = {"PATH=/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp",
                       "LC_ALL=C", NULL};
  char *modules = sc_path_join(g->root, "cmake");
  struct sc_run_spec spec = {
      .argv = sc_strv_view(&argv),
      .env = env,
      .cwd = g->build_dir,
      .limits = {.timeout_ms = (uint64_t)timeout_s * 1000u,
                 .cpu_seconds = timeout_s * 4u,
                 .address_space_bytes = 2ull << 30,
                 .file_size_bytes = 256ull << 20,
                 .processes = 256,
                 .output_cap_bytes = OUTPUT_CAP},
      .isolation = SC_ISOLATION_SANDBOX,
      .box = {.readable = {g->kata->dir, modules, NULL},
              .tmp_bytes = 256ull << 20},
      .slot = g->slot,
  };
  err = sc_run(&spec, res);
  free(modules);
  sc_strv_free(&argv);
  return err;
}

int sc_grading_build_targets(struct sc_grading *g, struct sc_gate_result *r,
                             const char *const *targets) {
  struct sc_run_result res = {0};
  int err =
      sc_grading_compile(g, targets, g->kata->timeout_s[SC_GATE_BUILD], &res);
  if (err == 0 && res.end == SC_RUN_EXITED && res.exit_status == 0) {
    sc_run_result_free(&res);
    return sc_grading_inspect(g, r, targets);
  }

  /* Each failed command's words, once: the same learner file is compiled
   * for several programs (suite and bench), with the same errors. */
  struct sc_buf compiler = {0}, block = {0};
  struct sc_strv seen = {0};
  for (const char *line = res.output ? res.output : "";;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (*line == '\0' || strncmp(line, "FAILED: ", 8) == 0) {
      if (block.len > 0 && !listed(&seen, block.data)) {
        sc_buf_add(&compiler, block.data, block.len);
        sc_strv_push(&seen, block.data);
      }
      sc_buf_free(&block);
      if (*line == '\0')
        break;
    } else if (!is_build_noise(line, len)) {
      sc_buf_add(&block, line, len);
      sc_buf_add(&block, "\n", 1);
    }
    line = end ? end + 1 : line + len;
  }
  sc_strv_free(&seen);
  char how[160];
  char *shown = sc_grading_display(g, compiler.data ? compiler.data : "");
  char *excerpt = sc_text_tail(shown, 40);
  free(shown);
  if (err != 0)
    sc_gate_set(r, SC_STATUS_ERROR, 0, "cannot run cmake: %s",
                sc_strerror(err));
  else
    sc_gate_set(r, SC_STATUS_FAIL, 0,
                "the build failed (%s); fix the first "
                "error the compiler reports:\n%s",
                sc_run_describe(&res, how, sizeof(how)), excerpt);
  add_compiler_locations(g, r, compiler.data ? compiler.data : "");
  char *details = sc_grading_display(g, res.output ? res.output : "");
  sc_gate_set_details(r, details);
  free(details);
  free(excerpt);
  sc_buf_free(&compiler);
  sc_run_result_free(&res);
  return -1;
}

char *sc_grading_stage(struct sc_grading *g, struct sc_gate_result *r,
                       const char *gate_dir, const char *const *binaries) {
  /* The same folder for every gate (they run one after the other), so
   * that its path does not name the gate either. */
  (void)gate_dir;
  char *dir = sc_path_join(g->scratch_dir, "run");
  sc_remove_tree(dir);
  int err = sc_run_prepare_dir(dir, g->slot);
  for (const char *const *b = binaries; err == 0 && *b != NULL; b++) {
    char *src = sc_path_join(g->build_dir, *b);
    char *dst = sc_path_join(dir, *b);
    err = sc_copy_file(src, dst, 0755);
    free(src);
    free(dst);
  }
  if (err != 0) {
    sc_gate_set(r, SC_STATUS_ERROR, 0, "cannot prepare '%s': %s", dir,
                sc_strerror(err));
    free(dir);
    return NULL;
  }
  return dir;
}

int sc_grading_sandbox(struct sc_grading *g, const char *dir,
                       const char *const *argv, const char *const *env_extra,
                       const struct sc_limits *limits,
                       struct sc_run_result *res) {
  /* One environment for every gate, so that nothing in it tells the code
   * which gate measures it: each tool finds what it reads, and the rest is
   * the same for all. dir is the same path for every gate too. */
  struct sc_strv env = {0};
  sc_strv_push(&env, "PATH=/usr/bin:/bin");
  sc_strv_pushf(&env, "HOME=%s", dir);
  sc_strv_push(&env, "TMPDIR=/tmp");
  sc_strv_push(&env, "LC_ALL=C");
  sc_strv_push(&env, "CMOCKA_MESSAGE_OUTPUT=xml");
  sc_strv_pushf(&env, "CMOCKA_XML_FILE=%s/suite.xml", dir);
  sc_strv_pushf(&env, "GCOV_PREFIX=%s/gcov", dir);
  sc_strv_push(&env, "GCOV_PREFIX_STRIP=0");
  sc_strv_pushf(&env, "SENIOR_CHECK_FIGURES=%s/figures.txt", dir);
  /* LeakSanitizer is on: memcheck may run only part of a slow suite, and a
   * leak hidden from one tool must still meet the other. The sanitizers'
   * own RSS limit bounds their memory, since an address-space limit cannot
   * (their shadow memory reserves terabytes). AddressSanitizer keeps its
   * own handlers for the signals of a crash (cmocka's would catch them and
   * go on, and the report would name no line): every such run fails
   * anyway, and now says where. */
  sc_strv_pushf(&env,
                "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=%d:"
                "allocator_may_return_null=1:hard_rss_limit_mb=3072:"
                "allow_user_segv_handler=0:handle_abort=1:handle_sigill=1",
                SC_SANITIZER_EXIT);
  sc_strv_pushf(&env,
                "UBSAN_OPTIONS=halt_on_error=1:exitcode=%d:print_stacktrace=1",
                SC_SANITIZER_EXIT);
  sc_strv_pushf(&env,
                "TSAN_OPTIONS=halt_on_error=1:exitcode=%d:"
                "hard_rss_limit_mb=3072",
                SC_SANITIZER_EXIT);
  for (const char *const *e = env_extra; e != NULL && *e != NULL; e++)
    sc_strv_push(&env, *e);
  struct sc_run_spec spec = {
      .argv = argv,
      .env = sc_strv_view(&env),
      .cwd = dir,
      .limits = *limits,
      .isolation = SC_ISOLATION_SANDBOX,
      .slot = g->slot,
      .stop = g->cancelled,
      .stop_data = g->on_gate_data,
  };
  int err;
  if (g->cancelled != NULL && g->cancelled(g->on_gate_data)) {
    memset(res, 0, sizeof(*res));
    err = -ECANCELED;
  } else {
    err = sc_run(&spec, res);
  }
  if (err == -ECANCELED || (err == 0 && res->end == SC_RUN_STOPPED))
    g->stopped = 1;
  sc_strv_free(&env);
  return err;
}

struct sc_limits sc_grading_limits(const struct sc_grading *g,
                                   enum sc_gate gate) {
  uint64_t timeout_s = g->kata->timeout_s[gate];
  struct sc_limits limits = {
      .timeout_ms = timeout_s * 1000u,
      /* Threads can spend CPU faster than the clock runs. */
      .cpu_seconds = (uint32_t)(timeout_s * 2u),
      .address_space_bytes = 4ull << 30,
      .file_size_bytes = 256ull << 20,
      .processes = 256,
      .output_cap_bytes = OUTPUT_CAP,
  };
  /* AddressSanitizer reserves terabytes of shadow memory up front; its
   * runs are bounded by time, CPU and its own allocator instead. */
  if (gate == SC_GATE_STRICT)
    limits.address_space_bytes = 0;
  /* A benchmark of a program that streams large files writes its input
   * first (kata 05 writes a 512 MiB log); the other gates keep the
   * tighter bound. */
  if (gate == SC_GATE_TIMING)
    limits.file_size_bytes = 1ull << 30;
  return limits;
}

void sc_grading_learner_sources(const struct sc_grading *g,
                                struct sc_strv *out) {
  const struct sc_kata *kata = g->kata;
  for (size_t i = 0; i < kata->editable_count; i++) {
    const char *file = kata->editable[i];
    size_t len = strlen(file);
    if (len < 2 || strcmp(file + len - 2, ".c") != 0)
      continue;
    if (kata->learner_tests && strcmp(file, kata->learner_tests) == 0)
      continue;
    char *path = sc_path_join(g->learner_dir, file);
    sc_strv_push(out, path);
    free(path);
  }
}

char *sc_grading_relative(const struct sc_grading *g, const char *path) {
  size_t len = strlen(g->root);
  char *absolute =
      path[0] == '/' ? sc_xstrdup(path) : sc_path_join(g->root, path);
  size_t copy_len = g->learner_dir ? strlen(g->learner_dir) : 0;
  if (copy_len > 0 && strncmp(absolute, g->learner_dir, copy_len) == 0 &&
      absolute[copy_len] == '/') {
    char *own = sc_path_join(g->editable_dir, absolute + copy_len + 1);
    free(absolute);
    absolute = own;
  }
  size_t own_len = strlen(g->editable_dir);
  if (g->shown_dir != NULL &&
      strncmp(absolute, g->editable_dir, own_len) == 0 &&
      (absolute[own_len] == '/' || absolute[own_len] == '\0')) {
    char *shown = absolute[own_len] == '\0'
                      ? sc_xstrdup(g->shown_dir)
                      : sc_path_join(g->shown_dir, absolute + own_len + 1);
    free(absolute);
    return shown;
  }
  char *rel = strncmp(absolute, g->root, len) == 0 && absolute[len] == '/'
                  ? sc_xstrdup(absolute + len + 1)
                  : sc_xstrdup(path[0] == '/' ? absolute : path);
  free(absolute);
  return rel;
}

char *sc_grading_display(const struct sc_grading *g, const char *text) {
  if (g->learner_dir == NULL)
    return sc_xstrdup(text);
  char *own = sc_grading_relative(g, g->editable_dir);
  size_t copy_len = strlen(g->learner_dir);
  struct sc_buf buf = {0};
  const char *at;
  while ((at = strstr(text, g->learner_dir)) != NULL) {
    sc_buf_add(&buf, text, (size_t)(at - text));
    sc_buf_puts(&buf, own);
    text = at + copy_len;
  }
  sc_buf_puts(&buf, text);
  free(own);
  /* The kata's own files (the suite in a sanitizer's frames) as the
   * repository names them, wherever this checkout or trusted tree is. */
  char *shown = sc_buf_detach(&buf);
  char *prefix = sc_xasprintf("%s/", g->root);
  size_t prefix_len = strlen(prefix);
  text = shown;
  while ((at = strstr(text, prefix)) != NULL) {
    sc_buf_add(&buf, text, (size_t)(at - text));
    text = at + prefix_len;
  }
  sc_buf_puts(&buf, text);
  free(prefix);
  free(shown);
  return sc_buf_detach(&buf);
}

/* Writes bytes to path unless path already holds exactly them. */
static int write_if_changed(const char *path, const char *bytes, size_t len) {
  char *old = NULL;
  size_t old_len = 0;
  if (sc_read_untrusted_file(path, len + 1, &old, &old_len) == 0 &&
      old_len == len && memcmp(old, bytes, len) == 0) {
    free(old);
    return 0;
  }
  free(old);
  remove(path);
  return sc_write_new_file(path, bytes, len);
}

int sc_grading_take_learner_files(struct sc_grading *g,
                                  struct sc_gate_result *r) {
  const struct sc_kata *kata = g->kata;
  for (size_t i = 0; i < kata->editable_count; i++) {
    const char *file = kata->editable[i];
    char *copy = sc_path_join(g->learner_dir, file);
    char *own = sc_path_join(g->editable_dir, file);
    char *rel = sc_grading_relative(g, own);
    char *text = NULL;
    size_t len = 0;
    int err = sc_read_inside(g->editable_dir, file, kata->max_file_bytes, &text,
                             &len);
    if (err == -ENOENT) {
      remove(copy); /* missing stays missing: the build says what it lacks */
      err = 0;
    } else if (err == -EINVAL) {
      sc_gate_set(r, SC_STATUS_FAIL, 0,
                  "'%s' is not a regular file (a symbolic link, a FIFO or a "
                  "device, or a link in its folder): the grader takes only "
                  "regular files; put the file itself there",
                  rel);
    } else if (err == SC_ETOO_BIG) {
      sc_gate_set(r, SC_STATUS_FAIL, 0,
                  "'%s' is larger than %llu bytes, the most this kata takes "
                  "for one file; keep it smaller",
                  rel, kata->max_file_bytes);
    } else if (err != 0) {
      sc_gate_set(r, SC_STATUS_FAIL, 0, "cannot read '%s': %s", rel,
                  sc_strerror(err));
    } else {
      char *folder = sc_xstrdup(copy);
      *strrchr(folder, '/') = '\0';
      err = sc_mkdir_p(folder);
      if (err == 0)
        err = write_if_changed(copy, text, len);
      if (err != 0)
        sc_gate_set(r, SC_STATUS_ERROR, 0, "cannot copy '%s' to '%s': %s", rel,
                    copy, sc_strerror(err));
      free(folder);
    }
    free(text);
    free(rel);
    free(own);
    free(copy);
    if (err != 0)
      return -1;
  }
  return 0;
}

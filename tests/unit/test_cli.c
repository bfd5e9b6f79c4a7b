/* Tests of the command line, through the grader binary run as a child
 * process: what it prints and the exit status it chooses.
 *
 * No test here ever grades a kata: every "grade" is given a fixture folder
 * and stops at an error before any grading starts (a kata id that exists
 * nowhere is added where a bug could otherwise let grading begin). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

#define GRADER SC_BINARY_DIR "/bin/senior-check-grader"
#define MANIFESTS SC_SOURCE_DIR "/tests/fixtures/manifests/"
#define NO_KATA "99-nope" /* a kata no folder holds */
#define TIMEOUT_MS 30000

extern char **environ;

struct outcome {
  int status; /* exit status; 128 + signal when killed */
  char *out;
  char *err;
};

/* The parent's environment with SENIOR_CHECK_ROOT set to root. */
static char **child_env(const char *root, struct sc_strv *env) {
  for (char **e = environ; *e != NULL; e++)
    if (strncmp(*e, "SENIOR_CHECK_ROOT=", 18) != 0)
      sc_strv_push(env, *e);
  sc_strv_pushf(env, "SENIOR_CHECK_ROOT=%s", root);
  return env->items;
}

/* Reads both pipes until they close or the deadline passes. Returns 0, or
 * -1 on timeout. */
static int drain(int out_fd, int err_fd, struct sc_buf *out,
                 struct sc_buf *err) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  struct sc_buf *bufs[2] = {out, err};
  unsigned long long deadline = sc_now_ms() + TIMEOUT_MS;
  int open_fds = 2;

  while (open_fds > 0) {
    unsigned long long now = sc_now_ms();
    if (now >= deadline)
      return -1;
    if (poll(fds, 2, (int)(deadline - now)) < 0 && errno != EINTR)
      return -1;
    for (size_t i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char chunk[4096];
      ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
      if (n > 0) {
        sc_buf_add(bufs[i], chunk, (size_t)n);
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        open_fds--;
      }
    }
  }
  return 0;
}

/* Runs the grader with args (NULL-terminated) and the repository root
 * root; fills *res, whose strings the caller frees with outcome_free(). */
static void run_grader(const char *root, const char *const *args,
                       struct outcome *res) {
  struct sc_strv argv = {0}, env = {0};
  struct sc_buf out = {0}, err = {0};
  int out_pipe[2], err_pipe[2];
  posix_spawn_file_actions_t actions;
  pid_t pid;
  int wstatus;

  sc_strv_push(&argv, GRADER);
  for (size_t i = 0; args[i] != NULL; i++)
    sc_strv_push(&argv, args[i]);
  assert_int_equal(pipe(out_pipe), 0);
  assert_int_equal(pipe(err_pipe), 0);
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, out_pipe[1]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[1]);
  int rc = posix_spawn(&pid, GRADER, &actions, NULL, argv.items,
                       child_env(root, &env));
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0)
    fail_msg("cannot run '%s': %s", GRADER, strerror(rc));
  int timed_out = drain(out_pipe[0], err_pipe[0], &out, &err) != 0;
  if (timed_out)
    kill(pid, SIGKILL);
  close(out_pipe[0]);
  close(err_pipe[0]);
  assert_int_equal(waitpid(pid, &wstatus, 0), pid);
  sc_strv_free(&argv);
  sc_strv_free(&env);
  res->status =
      WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  res->out = sc_buf_detach(&out);
  res->err = sc_buf_detach(&err);
  if (timed_out)
    fail_msg("the grader did not finish within %d ms", TIMEOUT_MS);
}

static void outcome_free(struct outcome *res) {
  free(res->out);
  free(res->err);
}

/* Runs the grader and checks that it exits 2 with nothing on stdout and
 * exactly one line on stderr: "error: " and then text containing what. */
static void assert_usage_error(const char *root, const char *const *args,
                               const char *what) {
  struct outcome res;
  run_grader(root, args, &res);
  const char *newline = strchr(res.err, '\n');
  if (res.status != 2 || res.out[0] != '\0' ||
      strncmp(res.err, "error: ", 7) != 0 || newline == NULL ||
      newline[1] != '\0' || strstr(res.err, what) == NULL)
    fail_msg("expected exit 2 and one line \"error: ...%s...\"; got exit %d, "
             "stdout \"%s\", stderr \"%s\"",
             what, res.status, res.out, res.err);
  outcome_free(&res);
}

static void test_cli_version_prints_the_version_and_exits_0(void **state) {
  struct outcome res;
  unsigned major, minor, patch;
  char end;

  (void)state;
  run_grader(SC_SOURCE_DIR, (const char *const[]){"--version", NULL}, &res);
  assert_int_equal(res.status, 0);
  assert_string_equal(res.out, "senior-check " SC_VERSION "\n");
  assert_int_equal(
      sscanf(res.out, "senior-check %u.%u.%u%c", &major, &minor, &patch, &end),
      4);
  assert_int_equal(end, '\n');
  assert_string_equal(res.err, "");
  outcome_free(&res);
}

static void test_cli_help_lists_every_verb_and_exits_0(void **state) {
  struct outcome res;

  (void)state;
  run_grader(SC_SOURCE_DIR, (const char *const[]){"--help", NULL}, &res);
  assert_int_equal(res.status, 0);
  assert_non_null(strstr(res.out, "usage: senior-check <verb>"));
  assert_non_null(strstr(res.out, "  grade "));
  assert_non_null(strstr(res.out, "  list "));
  assert_non_null(strstr(res.out, "  selftest "));
  assert_non_null(strstr(res.out, "  help "));
  assert_string_equal(res.err, "");
  outcome_free(&res);
}

static void test_cli_help_grade_shows_the_options_of_grade(void **state) {
  struct outcome res;

  (void)state;
  run_grader(SC_SOURCE_DIR, (const char *const[]){"help", "grade", NULL}, &res);
  assert_int_equal(res.status, 0);
  assert_non_null(strstr(res.out, "usage: senior-check grade "));
  assert_non_null(strstr(res.out, "--json FILE"));
  assert_non_null(strstr(res.out, "--jobs N"));
  assert_non_null(strstr(res.out, "--solutions"));
  assert_string_equal(res.err, "");
  outcome_free(&res);
}

static void test_cli_grade_help_shows_the_same_help_and_exits_0(void **state) {
  struct outcome by_verb, by_option;

  (void)state;
  run_grader(SC_SOURCE_DIR, (const char *const[]){"help", "grade", NULL},
             &by_verb);
  run_grader(SC_SOURCE_DIR, (const char *const[]){"grade", "--help", NULL},
             &by_option);
  assert_int_equal(by_option.status, 0);
  assert_string_equal(by_option.out, by_verb.out);
  outcome_free(&by_verb);
  outcome_free(&by_option);
}

/* No verb means "next": here it stops at a broken manifest before grading
 * anything (tests/scripts/learner.sh drives the ordinary case). */
static void test_cli_without_arguments_goes_to_the_next_kata(void **state) {
  struct outcome res;

  (void)state;
  run_grader(MANIFESTS "mixed", (const char *const[]){NULL}, &res);
  assert_int_equal(res.status, 2);
  assert_non_null(strstr(res.err, "02-broken/kata.json"));
  outcome_free(&res);
}

static void test_cli_refuses_an_unknown_verb(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR, (const char *const[]){"frobnicate", NULL},
                     "unknown verb 'frobnicate'");
}

static void test_cli_refuses_help_for_an_unknown_verb(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"help", "frobnicate", NULL},
                     "unknown verb 'frobnicate'");
}

static void test_cli_refuses_an_unknown_option(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--bogus", "--katas",
                                           MANIFESTS "good/katas", NO_KATA,
                                           NULL},
                     "unknown option '--bogus' for 'grade'");
}

static void test_cli_refuses_an_option_missing_its_value(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--json", NULL},
                     "option '--json' needs a value");
}

static void test_cli_refuses_an_option_as_the_value_of_another(void **state) {
  (void)state;
  /* Else "--katas" would name the results file, the fixture folder would
   * become a kata id, and the real katas would be loaded instead. */
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--json", "--katas",
                                           MANIFESTS "good/katas", NO_KATA,
                                           NULL},
                     "option '--json' needs a value");
}

static void test_cli_refuses_a_value_for_a_flag(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--solutions=yes",
                                           "--katas", MANIFESTS "good/katas",
                                           NO_KATA, NULL},
                     "option '--solutions' takes no value");
}

static void test_cli_refuses_zero_jobs(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--jobs", "0", "--katas",
                                           MANIFESTS "good/katas", NO_KATA,
                                           NULL},
                     "invalid --jobs '0'");
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--jobs=many", "--katas",
                                           MANIFESTS "good/katas", NO_KATA,
                                           NULL},
                     "invalid --jobs 'many'");
}

static void test_cli_refuses_solutions_together_with_from(void **state) {
  (void)state;
  assert_usage_error(
      SC_SOURCE_DIR,
      (const char *const[]){"grade", "--solutions", "--from",
                            MANIFESTS "good/katas", "--katas",
                            MANIFESTS "good/katas", NO_KATA, NULL},
      "--solutions, --from, --trusted-ref, --repo and --roster each say where");
}

static void test_cli_refuses_out_without_a_roster(void **state) {
  (void)state;
  assert_usage_error(
      SC_SOURCE_DIR,
      (const char *const[]){"grade", "--out", "results", NO_KATA, NULL},
      "--out is where --roster writes");
}

static void test_cli_refuses_a_roster_with_json(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--roster", "roster.txt",
                                           "--json", "r.json", NO_KATA, NULL},
                     "--roster writes DIR/NAME.json per learner");
}

static void
test_cli_refuses_an_unknown_kata_and_lists_the_known_ones(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--katas",
                                           MANIFESTS "good/katas", NO_KATA,
                                           NULL},
                     "unknown kata '" NO_KATA "'; known katas: 01-complete, "
                     "02-defaults, 06-ratios, 10-no-timing");
}

static void
test_cli_grade_refuses_a_catalogue_with_a_broken_manifest(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--katas",
                                           MANIFESTS "mixed/katas", "02-broken",
                                           NULL},
                     "invalid manifest '" MANIFESTS
                     "mixed/katas/02-broken/kata.json': 'weights' names an "
                     "unknown gate 'speed'");
}

static void
test_cli_grade_refuses_a_katas_folder_that_does_not_exist(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--katas",
                                           MANIFESTS "no-such-folder", NO_KATA,
                                           NULL},
                     "cannot use --katas '" MANIFESTS "no-such-folder'");
}

/* An output that cannot be written is refused before any grading. */
static void test_cli_grade_refuses_an_output_it_cannot_write(void **state) {
  (void)state;
  assert_usage_error(SC_SOURCE_DIR,
                     (const char *const[]){"grade", "--format",
                                           "junit=/no-such-folder/junit.xml",
                                           NO_KATA, NULL},
                     "cannot write '/no-such-folder/junit.xml'");
}

static void
test_cli_list_refuses_a_repository_with_a_broken_manifest(void **state) {
  (void)state;
  assert_usage_error(MANIFESTS "mixed", (const char *const[]){"list", NULL},
                     "mixed/katas/02-broken/kata.json'");
}

static void test_cli_list_shows_the_katas_in_curriculum_order(void **state) {
  struct outcome res;

  (void)state;
  run_grader(MANIFESTS "good", (const char *const[]){"list", NULL}, &res);
  assert_int_equal(res.status, 0);
  assert_string_equal(res.err, "");
  const char *first = strstr(res.out, "01-complete ");
  const char *second = strstr(res.out, "02-defaults ");
  const char *third = strstr(res.out, "10-no-timing ");
  assert_non_null(first);
  assert_non_null(second);
  assert_non_null(third);
  assert_true(first < second && second < third);
  assert_null(strstr(res.out, "notes"));
  outcome_free(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cli_version_prints_the_version_and_exits_0),
      cmocka_unit_test(test_cli_help_lists_every_verb_and_exits_0),
      cmocka_unit_test(test_cli_help_grade_shows_the_options_of_grade),
      cmocka_unit_test(test_cli_grade_help_shows_the_same_help_and_exits_0),
      cmocka_unit_test(test_cli_without_arguments_goes_to_the_next_kata),
      cmocka_unit_test(test_cli_refuses_an_unknown_verb),
      cmocka_unit_test(test_cli_refuses_help_for_an_unknown_verb),
      cmocka_unit_test(test_cli_refuses_an_unknown_option),
      cmocka_unit_test(test_cli_refuses_an_option_missing_its_value),
      cmocka_unit_test(test_cli_refuses_an_option_as_the_value_of_another),
      cmocka_unit_test(test_cli_refuses_a_value_for_a_flag),
      cmocka_unit_test(test_cli_refuses_zero_jobs),
      cmocka_unit_test(test_cli_refuses_solutions_together_with_from),
      cmocka_unit_test(test_cli_refuses_out_without_a_roster),
      cmocka_unit_test(test_cli_refuses_a_roster_with_json),
      cmocka_unit_test(
          test_cli_refuses_an_unknown_kata_and_lists_the_known_ones),
      cmocka_unit_test(
          test_cli_grade_refuses_a_catalogue_with_a_broken_manifest),
      cmocka_unit_test(
          test_cli_grade_refuses_a_katas_folder_that_does_not_exist),
      cmocka_unit_test(test_cli_grade_refuses_an_output_it_cannot_write),
      cmocka_unit_test(
          test_cli_list_refuses_a_repository_with_a_broken_manifest),
      cmocka_unit_test(test_cli_list_shows_the_katas_in_curriculum_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the process runner and of the sandbox helper.
 *
 * The commands are /bin/sh scripts and standard tools. Processes a run must
 * have killed are recognised by a unique sleep duration (their "marker"),
 * looked up in /proc: pids written from inside a PID namespace would mean
 * nothing out here. Tests "without namespaces" point SENIOR_CHECK_SANDBOX at
 * a wrapper that passes --no-namespaces to the helper, the way it runs where
 * the kernel refuses to create namespaces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "runner/run.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024u * 1024u)

static const char *const test_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                       "LC_ALL=C", NULL};

static char tmp_dir[] = "/tmp/sc-test-run-XXXXXX";
static char helper_path[PATH_MAX];
static char wrapper_path[PATH_MAX];
static unsigned marker_count;

/* Milliseconds on a monotonic clock. */
static uint64_t now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void nap_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

/* Writes "dir/name" into path, which has PATH_MAX bytes. */
static void join_path(char *path, const char *dir, const char *name) {
  int n = snprintf(path, PATH_MAX, "%s/%s", dir, name);

  assert_true(n > 0 && n < PATH_MAX);
}

static int is_root(void) {
  return geteuid() == 0;
}

/* A spec for sh -c script with generous limits and the test environment. */
static struct sc_run_spec sh_spec(enum sc_isolation isolation,
                                  const char *argv[4], const char *script) {
  struct sc_run_spec spec;

  argv[0] = "/bin/sh";
  argv[1] = "-c";
  argv[2] = script;
  argv[3] = NULL;
  memset(&spec, 0, sizeof(spec));
  spec.argv = argv;
  spec.env = test_env;
  spec.cwd = tmp_dir;
  spec.limits.timeout_ms = 5000;
  spec.limits.output_cap_bytes = MIB;
  spec.isolation = isolation;
  return spec;
}

/* Runs sh -c script and asserts that it ran. */
static void run_sh(enum sc_isolation isolation, const char *script,
                   struct sc_run_result *result) {
  const char *argv[4];
  struct sc_run_spec spec = sh_spec(isolation, argv, script);

  assert_int_equal(sc_run(&spec, result), 0);
  assert_non_null(result->output);
}

/* Test set up: the sandbox runs through the helper with --no-namespaces. */
static int without_namespaces(void **state) {
  (void)state;
  return setenv("SENIOR_CHECK_SANDBOX", wrapper_path, 1);
}

/* Test tear down: back to the helper beside the test, with namespaces. */
static int with_namespaces(void **state) {
  (void)state;
  return unsetenv("SENIOR_CHECK_SANDBOX");
}

/* A fresh marker: a sleep duration no other process uses. */
static void new_marker(char *marker, size_t size) {
  unsigned count = ++marker_count;

  snprintf(marker, size, "%u.%ld%u", 300 + count, (long)getpid(), count);
}

/* Calls found(pid) for each process running "sleep <marker>". Returns how
 * many there are. */
static int scan_marker(const char *marker, void (*found)(pid_t)) {
  struct dirent *entry;
  DIR *proc = opendir("/proc");
  int count = 0;

  assert_non_null(proc);
  while ((entry = readdir(proc)) != NULL) {
    char path[PATH_MAX];
    char cmdline[256];
    const char *name;
    ssize_t n;
    size_t first;
    int fd;

    if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
      continue;
    join_path(path, "/proc", entry->d_name);
    strcat(path, "/cmdline");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue;
    n = read(fd, cmdline, sizeof(cmdline) - 1);
    close(fd);
    if (n <= 0) /* gone, or a zombie */
      continue;
    cmdline[n] = '\0';
    first = strlen(cmdline);
    if ((ssize_t)first + 1 >= n)
      continue;
    name = strrchr(cmdline, '/');
    name = name != NULL ? name + 1 : cmdline;
    if (strcmp(name, "sleep") != 0 || strcmp(cmdline + first + 1, marker) != 0)
      continue;
    count++;
    if (found != NULL)
      found((pid_t)strtol(entry->d_name, NULL, 10));
  }
  closedir(proc);
  return count;
}

/* Waits up to two seconds for a "sleep <marker>" to appear. */
static int wait_for_marker(const char *marker) {
  uint64_t deadline = now_ms() + 2000;

  while (now_ms() < deadline) {
    if (scan_marker(marker, NULL) > 0)
      return 1;
    nap_ms(10);
  }
  return 0;
}

static void kill_pid(pid_t pid) {
  kill(pid, SIGKILL);
}

static void create_file(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  assert_true(fd >= 0);
  close(fd);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int setup_group(void **state) {
  char exe[PATH_MAX];
  ssize_t n;
  char *slash;
  FILE *wrapper;

  (void)state;
  if (mkdtemp(tmp_dir) == NULL || chmod(tmp_dir, 0711) != 0)
    return -1;
  /* The helper lives beside this test, as sc_run() expects. */
  n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0)
    return -1;
  exe[n] = '\0';
  slash = strrchr(exe, '/');
  if (slash == NULL)
    return -1;
  *slash = '\0';
  join_path(helper_path, exe, "senior-check-sandbox");
  join_path(wrapper_path, tmp_dir, "no-namespaces.sh");
  wrapper = fopen(wrapper_path, "w");
  if (wrapper == NULL)
    return -1;
  fprintf(wrapper, "#!/bin/sh\nexec '%s' --no-namespaces \"$@\"\n",
          helper_path);
  if (fclose(wrapper) != 0 || chmod(wrapper_path, 0755) != 0)
    return -1;
  return 0;
}

static int teardown_group(void **state) {
  (void)state;
  unsetenv("SENIOR_CHECK_SANDBOX");
  return nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- outcomes ------------------------------------------------------------ */

static void check_exit_status(enum sc_isolation isolation) {
  struct sc_run_result result;
  char line[128];

  run_sh(isolation, "exit 3", &result);
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_int_equal(result.exit_status, 3);
  assert_string_equal(sc_run_describe(&result, line, sizeof(line)),
                      "exited with status 3");
  sc_run_result_free(&result);
}

static void test_run_reports_the_exit_status_of_a_tool(void **state) {
  (void)state;
  check_exit_status(SC_ISOLATION_TOOL);
}

static void test_run_reports_the_exit_status_of_sandboxed_code(void **state) {
  (void)state;
  check_exit_status(SC_ISOLATION_SANDBOX);
}

static void
test_run_reports_the_exit_status_of_sandboxed_code_without_namespaces(
    void **state) {
  (void)state;
  check_exit_status(SC_ISOLATION_SANDBOX);
}

static void check_left_processes(void) {
  struct sc_run_result result;

  run_sh(SC_ISOLATION_SANDBOX, "true", &result);
  assert_int_equal(result.left_processes, 0);
  sc_run_result_free(&result);
  /* A child that ended and was waited for is not left behind. */
  run_sh(SC_ISOLATION_SANDBOX, "sleep 0 & wait; exit 0", &result);
  assert_int_equal(result.left_processes, 0);
  sc_run_result_free(&result);
  run_sh(SC_ISOLATION_SANDBOX, "setsid sleep 301 & exit 0", &result);
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_int_equal(result.left_processes, 1);
  sc_run_result_free(&result);
}

static void test_run_reports_processes_left_running(void **state) {
  (void)state;
  check_left_processes();
}

static void
test_run_reports_processes_left_running_without_namespaces(void **state) {
  (void)state;
  check_left_processes();
}

static void check_signal(enum sc_isolation isolation) {
  struct sc_run_result result;
  char line[128];
  char core[PATH_MAX];

  run_sh(isolation, "kill -SEGV $$", &result);
  assert_int_equal(result.end, SC_RUN_SIGNALED);
  assert_int_equal(result.term_signal, SIGSEGV);
  assert_string_equal(sc_run_describe(&result, line, sizeof(line)),
                      "killed by signal 11 (Segmentation fault)");
  sc_run_result_free(&result);
  /* Neither the command nor the helper leaves a core file. */
  join_path(core, tmp_dir, "core");
  assert_int_equal(access(core, F_OK), -1);
}

static void test_run_reports_a_signal_that_killed_a_tool(void **state) {
  (void)state;
  check_signal(SC_ISOLATION_TOOL);
}

static void test_run_reports_a_signal_that_killed_sandboxed_code(void **state) {
  (void)state;
  check_signal(SC_ISOLATION_SANDBOX);
}

static void
test_run_reports_a_signal_that_killed_sandboxed_code_without_namespaces(
    void **state) {
  (void)state;
  check_signal(SC_ISOLATION_SANDBOX);
}

static void check_both_streams(enum sc_isolation isolation) {
  struct sc_run_result result;

  run_sh(isolation,
         "echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three", &result);
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_int_equal(result.exit_status, 0);
  assert_string_equal(result.output, "one\ntwo\nthree\n");
  assert_int_equal(result.output_len, strlen("one\ntwo\nthree\n"));
  sc_run_result_free(&result);
}

static void test_run_captures_stdout_and_stderr_in_arrival_order(void **state) {
  (void)state;
  check_both_streams(SC_ISOLATION_TOOL);
  check_both_streams(SC_ISOLATION_SANDBOX);
}

static void
test_run_keeps_the_output_after_a_nul_byte_and_shows_it(void **state) {
  struct sc_run_result result;

  (void)state;
  run_sh(SC_ISOLATION_SANDBOX, "printf 'before\\000after\\n'", &result);
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_string_equal(result.output, "before\xe2\x90\x80"
                                     "after\n");
  assert_int_equal(result.output_len, strlen(result.output));
  sc_run_result_free(&result);
}

static void check_hang(enum sc_isolation isolation) {
  const char *argv[4];
  struct sc_run_spec spec = sh_spec(isolation, argv, "echo waiting; sleep 30");
  struct sc_run_result result;
  char line[128];
  uint64_t start = now_ms();

  spec.limits.timeout_ms = 200;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_true(now_ms() - start < 2000);
  assert_int_equal(result.end, SC_RUN_TIMED_OUT);
  assert_true(result.elapsed_ms >= 200);
  assert_true(result.elapsed_ms < 2000);
  assert_string_equal(result.output, "waiting\n");
  assert_non_null(
      strstr(sc_run_describe(&result, line, sizeof(line)), "timed out after "));
  sc_run_result_free(&result);
}

static void test_run_kills_a_hang_at_the_timeout(void **state) {
  (void)state;
  check_hang(SC_ISOLATION_TOOL);
  check_hang(SC_ISOLATION_SANDBOX);
}

static void
test_run_kills_a_hang_at_the_timeout_without_namespaces(void **state) {
  (void)state;
  check_hang(SC_ISOLATION_SANDBOX);
}

/* A stop callback that says yes from its third call on. */
static int stop_at_third_call(void *data) {
  unsigned *calls = data;
  return ++*calls >= 3;
}

static void check_stop(enum sc_isolation isolation) {
  const char *argv[4];
  struct sc_run_spec spec = sh_spec(isolation, argv, "echo waiting; sleep 30");
  struct sc_run_result result;
  char line[128];
  unsigned calls = 0;
  uint64_t start = now_ms();

  spec.limits.timeout_ms = 30000;
  spec.stop = stop_at_third_call;
  spec.stop_data = &calls;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_true(now_ms() - start < 2000);
  assert_int_equal(result.end, SC_RUN_STOPPED);
  assert_int_equal(calls, 3);
  assert_string_equal(result.output, "waiting\n");
  assert_non_null(
      strstr(sc_run_describe(&result, line, sizeof(line)), "stopped after "));
  sc_run_result_free(&result);
}

static void test_run_stops_when_its_caller_no_longer_wants_it(void **state) {
  (void)state;
  check_stop(SC_ISOLATION_TOOL);
  check_stop(SC_ISOLATION_SANDBOX);
}

static void check_flood(enum sc_isolation isolation) {
  const char *argv[] = {"yes", NULL};
  struct sc_run_spec spec;
  struct sc_run_result result;
  char line[128];
  size_t i;

  memset(&spec, 0, sizeof(spec));
  spec.argv = argv;
  spec.env = test_env;
  spec.limits.timeout_ms = 5000;
  spec.limits.output_cap_bytes = 65536;
  spec.isolation = isolation;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_int_equal(result.end, SC_RUN_OUTPUT_FLOODED);
  assert_int_equal(result.output_len, 65536);
  assert_int_equal(result.output[65536], '\0');
  for (i = 0; i < 65536; i += 2)
    assert_memory_equal(result.output + i, "y\n", 2);
  assert_true(result.elapsed_ms < 2000);
  assert_string_equal(sc_run_describe(&result, line, sizeof(line)),
                      "output exceeded 65536 bytes");
  sc_run_result_free(&result);
}

static void test_run_cuts_an_output_flood_at_the_cap(void **state) {
  (void)state;
  check_flood(SC_ISOLATION_TOOL);
  check_flood(SC_ISOLATION_SANDBOX);
}

static void test_run_keeps_output_up_to_exactly_the_cap(void **state) {
  const char *argv[4];
  struct sc_run_spec spec =
      sh_spec(SC_ISOLATION_TOOL, argv, "printf 0123456789");
  struct sc_run_result result;

  (void)state;
  spec.limits.output_cap_bytes = 10;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_string_equal(result.output, "0123456789");
  sc_run_result_free(&result);

  /* One byte more floods, even if it is only read after the exit. */
  argv[2] = "printf 0123456789X";
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_int_equal(result.end, SC_RUN_OUTPUT_FLOODED);
  assert_string_equal(result.output, "0123456789");
  sc_run_result_free(&result);
}

static void test_run_fails_to_start_a_missing_tool(void **state) {
  const char *argv[] = {"no-such-program-for-sc-run", NULL};
  struct sc_run_spec spec;
  struct sc_run_result result;

  (void)state;
  memset(&spec, 0, sizeof(spec));
  spec.argv = argv;
  spec.env = test_env;
  spec.limits.timeout_ms = 5000;
  assert_int_equal(sc_run(&spec, &result), -ENOENT);
  assert_non_null(result.output);
  assert_non_null(strstr(result.output, "cannot run "
                                        "'no-such-program-for-sc-run'"));
  assert_null(strchr(result.output, '\n'));
  sc_run_result_free(&result);

  /* Sandboxed, the helper starts and reports exit status 127. */
  spec.isolation = SC_ISOLATION_SANDBOX;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_int_equal(result.exit_status, 127);
  assert_string_equal(result.output,
                      "senior-check-sandbox: cannot run "
                      "'no-such-program-for-sc-run': No such file or "
                      "directory\n");
  sc_run_result_free(&result);
}

static void test_run_fails_to_start_without_the_sandbox_helper(void **state) {
  struct sc_run_result result;
  const char *argv[4];
  struct sc_run_spec spec = sh_spec(SC_ISOLATION_SANDBOX, argv, "true");

  (void)state;
  assert_int_equal(
      setenv("SENIOR_CHECK_SANDBOX", "/nonexistent/senior-check-sandbox", 1),
      0);
  assert_int_equal(sc_run(&spec, &result), -ENOENT);
  assert_non_null(strstr(result.output, "sandbox helper"));
  sc_run_result_free(&result);
}

static void test_run_rejects_an_invalid_spec(void **state) {
  const char *argv[] = {"true", NULL};
  struct sc_run_spec spec;
  struct sc_run_result result;

  (void)state;
  memset(&spec, 0, sizeof(spec));
  assert_int_equal(sc_run(&spec, &result), -EINVAL);
  assert_non_null(result.output);
  sc_run_result_free(&result);
  spec.argv = argv;
  spec.slot = SC_RUN_SLOTS;
  assert_int_equal(sc_run(&spec, &result), -EINVAL);
  assert_non_null(strstr(result.output, "slot"));
  sc_run_result_free(&result);
  assert_int_equal(sc_run(NULL, &result), -EINVAL);
  sc_run_result_free(&result);
  assert_int_equal(sc_run(&spec, NULL), -EINVAL);
}

static void
test_run_gives_the_child_exactly_the_given_environment(void **state) {
  static const char *const env[] = {"A=1", "B=two words", NULL};
  static const char *const empty[] = {NULL};
  const char *argv[] = {"/usr/bin/env", NULL};
  struct sc_run_spec spec;
  struct sc_run_result result;
  int i;

  (void)state;
  assert_int_equal(setenv("SC_TEST_LEAK", "must not be seen", 1), 0);
  for (i = 0; i < 2; i++) {
    memset(&spec, 0, sizeof(spec));
    spec.argv = argv;
    spec.env = env;
    spec.limits.timeout_ms = 5000;
    spec.isolation = i == 0 ? SC_ISOLATION_TOOL : SC_ISOLATION_SANDBOX;
    assert_int_equal(sc_run(&spec, &result), 0);
    assert_int_equal(result.end, SC_RUN_EXITED);
    assert_string_equal(result.output, "A=1\nB=two words\n");
    sc_run_result_free(&result);

    spec.env = empty;
    assert_int_equal(sc_run(&spec, &result), 0);
    assert_string_equal(result.output, "");
    assert_int_equal(result.output_len, 0);
    sc_run_result_free(&result);
  }

  /* NULL inherits the grader's environment. */
  spec.env = NULL;
  spec.isolation = SC_ISOLATION_TOOL;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_non_null(strstr(result.output, "SC_TEST_LEAK=must not be seen\n"));
  sc_run_result_free(&result);
  unsetenv("SC_TEST_LEAK");
}

/* --- limits -------------------------------------------------------------- */

static void test_run_kills_a_cpu_loop_with_sigxcpu(void **state) {
  const char *argv[4];
  struct sc_run_spec spec =
      sh_spec(SC_ISOLATION_SANDBOX, argv, "while :; do :; done");
  struct sc_run_result result;

  (void)state;
  spec.limits.cpu_seconds = 1;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_int_equal(result.end, SC_RUN_SIGNALED);
  assert_int_equal(result.term_signal, SIGXCPU);
  assert_true(result.cpu_ms >= 900);
  sc_run_result_free(&result);
}

static void
test_run_stops_a_big_file_at_the_file_size_limit_with_sigxfsz(void **state) {
  char dir[PATH_MAX];
  char file[PATH_MAX];
  const char *argv[4];
  struct sc_run_spec spec =
      sh_spec(SC_ISOLATION_SANDBOX, argv, "exec head -c 10M /dev/zero > big");
  struct sc_run_result result;
  struct stat st;

  (void)state;
  join_path(dir, tmp_dir, "fsize");
  assert_int_equal(sc_run_prepare_dir(dir, 3), 0);
  spec.cwd = dir;
  spec.slot = 3;
  spec.limits.file_size_bytes = MIB;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_int_equal(result.end, SC_RUN_SIGNALED);
  assert_int_equal(result.term_signal, SIGXFSZ);
  sc_run_result_free(&result);
  join_path(file, dir, "big");
  assert_int_equal(stat(file, &st), 0);
  assert_int_equal(st.st_size, MIB);
}

static void
test_run_makes_allocations_fail_beyond_the_address_space_limit(void **state) {
  const char *script =
      "x=$(head -c 30000000 /dev/zero | tr '\\0' a); echo ${#x}";
  const char *argv[4];
  struct sc_run_spec spec = sh_spec(SC_ISOLATION_SANDBOX, argv, script);
  struct sc_run_result result;

  (void)state;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_string_equal(result.output, "30000000\n");
  sc_run_result_free(&result);

  spec.limits.address_space_bytes = 16 * MIB;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_null(strstr(result.output, "30000000"));
  assert_false(result.end == SC_RUN_EXITED && result.exit_status == 0);
  sc_run_result_free(&result);
}

static void
test_run_limits_a_fork_burst_to_the_process_limit_as_root(void **state) {
  const char *script = "i=0; while [ $i -lt 40 ]; do sleep 5 & "
                       "i=$((i+1)); done; echo all started";
  const char *argv[4];
  struct sc_run_spec spec = sh_spec(SC_ISOLATION_SANDBOX, argv, script);
  struct sc_run_result result;

  (void)state;
  if (!is_root()) {
    print_message("skipped: RLIMIT_NPROC needs a uid of its own (run as "
                  "root)\n");
    skip();
  }
  spec.slot = 9;
  /* Unlimited, the burst completes (and the sleeps die with the run). */
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_string_equal(result.output, "all started\n");
  assert_true(result.elapsed_ms < 2500);
  sc_run_result_free(&result);

  spec.limits.processes = 8;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_null(strstr(result.output, "all started"));
  /* "Cannot fork" from sh; when another test process uses the same slot
   * at the same moment, even the first exec may be refused. */
  assert_true(strstr(result.output, "fork") != NULL ||
              strstr(result.output, "temporarily unavailable") != NULL);
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_int_not_equal(result.exit_status, 0);
  sc_run_result_free(&result);
}

/* --- containment ------------------------------------------------------ */

struct background_run {
  struct sc_run_spec spec;
  const char *argv[4];
  struct sc_run_result result;
  int rc;
  pthread_t thread;
};

static void *background_main(void *arg) {
  struct background_run *run = arg;

  run->rc = sc_run(&run->spec, &run->result);
  return NULL;
}

static void start_background(struct background_run *run,
                             enum sc_isolation isolation, const char *script) {
  run->spec = sh_spec(isolation, run->argv, script);
  assert_int_equal(pthread_create(&run->thread, NULL, background_main, run), 0);
}

static void join_background(struct background_run *run) {
  assert_int_equal(pthread_join(run->thread, NULL), 0);
  assert_int_equal(run->rc, 0);
}

/* Runs script (a printf format taking the marker, then the "go" file) in the
 * background, checks that the "sleep <marker>" it starts is alive while the
 * run lasts, lets the run finish by creating the go file, and checks that
 * the sleep is dead when sc_run has returned. */
static void check_escapee_dies(enum sc_isolation isolation, const char *format,
                               uint64_t timeout_ms, enum sc_run_end expected) {
  struct background_run run;
  char marker[64];
  char name[80];
  char go[PATH_MAX];
  char script[1024];
  int alive;

  new_marker(marker, sizeof(marker));
  snprintf(name, sizeof(name), "go-%s", marker);
  join_path(go, tmp_dir, name);
  snprintf(script, sizeof(script), format, marker, go);
  start_background(&run, isolation, script);
  if (timeout_ms != 0)
    run.spec.limits.timeout_ms = timeout_ms;
  alive = wait_for_marker(marker);
  create_file(go);
  join_background(&run);
  if (!alive)
    scan_marker(marker, kill_pid);
  assert_true(alive);
  assert_int_equal(run.result.end, expected);
  if (expected == SC_RUN_EXITED)
    assert_int_equal(run.result.exit_status, 0);
  /* Dead on return: not a moment later. */
  alive = scan_marker(marker, kill_pid);
  sc_run_result_free(&run.result);
  unlink(go);
  assert_int_equal(alive, 0);
}

#define SETSID_SCRIPT                                                          \
  "setsid sleep %s & while [ ! -e %s ]; do sleep 0.02; done; echo done"
#define DAEMON_SCRIPT                                                          \
  "(setsid sh -c 'sleep %s & exit 0' &); "                                     \
  "while [ ! -e %s ]; do sleep 0.02; done; echo done"
#define SETSID_HANG_SCRIPT "setsid sleep %s & sleep 30 # %s"

static void test_run_kills_a_setsid_grandchild_when_the_run_ends(void **state) {
  (void)state;
  check_escapee_dies(SC_ISOLATION_SANDBOX, SETSID_SCRIPT, 0, SC_RUN_EXITED);
}

static void
test_run_kills_a_setsid_grandchild_without_namespaces(void **state) {
  (void)state;
  check_escapee_dies(SC_ISOLATION_SANDBOX, SETSID_SCRIPT, 0, SC_RUN_EXITED);
}

static void
test_run_kills_a_double_forked_daemon_when_the_run_ends(void **state) {
  (void)state;
  check_escapee_dies(SC_ISOLATION_SANDBOX, DAEMON_SCRIPT, 0, SC_RUN_EXITED);
}

static void
test_run_kills_a_double_forked_daemon_without_namespaces(void **state) {
  (void)state;
  check_escapee_dies(SC_ISOLATION_SANDBOX, DAEMON_SCRIPT, 0, SC_RUN_EXITED);
}

static void
test_run_kills_a_setsid_grandchild_when_the_run_times_out(void **state) {
  (void)state;
  check_escapee_dies(SC_ISOLATION_SANDBOX, SETSID_HANG_SCRIPT, 500,
                     SC_RUN_TIMED_OUT);
}

static void test_run_kills_a_setsid_grandchild_at_a_timeout_without_namespaces(
    void **state) {
  (void)state;
  check_escapee_dies(SC_ISOLATION_SANDBOX, SETSID_HANG_SCRIPT, 500,
                     SC_RUN_TIMED_OUT);
}

static void
test_run_kills_the_background_children_a_tool_leaves_behind(void **state) {
  char marker[64];
  char script[256];
  struct sc_run_result result;
  uint64_t deadline;
  int alive;

  (void)state;
  new_marker(marker, sizeof(marker));
  snprintf(script, sizeof(script),
           "sleep %s >/dev/null 2>&1 & sleep 0.1; echo started", marker);
  run_sh(SC_ISOLATION_TOOL, script, &result);
  assert_string_equal(result.output, "started\n");
  sc_run_result_free(&result);
  /* SIGKILL has been sent to the group; give the kernel a moment. */
  deadline = now_ms() + 1000;
  while ((alive = scan_marker(marker, NULL)) > 0 && now_ms() < deadline)
    nap_ms(5);
  scan_marker(marker, kill_pid);
  assert_int_equal(alive, 0);
}

static void test_run_returns_soon_when_a_tool_s_escaped_child_holds_its_output(
    void **state) {
  char marker[64];
  char script[256];
  struct sc_run_result result;
  uint64_t start = now_ms();
  uint64_t took;

  (void)state;
  new_marker(marker, sizeof(marker));
  snprintf(script, sizeof(script), "setsid sleep %s & echo started", marker);
  run_sh(SC_ISOLATION_TOOL, script, &result);
  took = now_ms() - start;
  /* A trusted tool's setsid() child is out of reach; make sure it dies. */
  scan_marker(marker, kill_pid);
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_string_equal(result.output, "started\n");
  assert_true(took < 2500);
  sc_run_result_free(&result);
}

static void test_run_gives_sandboxed_code_no_network(void **state) {
  struct sockaddr_in addr;
  socklen_t len = sizeof(addr);
  struct sc_run_result result;
  char script[256];
  char *line;
  int listener;

  (void)state;
  listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(listener >= 0);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
  assert_int_equal(listen(listener, 8), 0);
  assert_int_equal(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
  snprintf(script, sizeof(script),
           "exec bash -c 'exec 3<>/dev/tcp/127.0.0.1/%u && echo connected'",
           (unsigned)ntohs(addr.sin_port));

  /* The listener is reachable from out here... */
  run_sh(SC_ISOLATION_TOOL, script, &result);
  assert_string_equal(result.output, "connected\n");
  sc_run_result_free(&result);

  /* ...but not from the sandbox, with or without namespaces for the PIDs. */
  run_sh(SC_ISOLATION_SANDBOX, script, &result);
  assert_null(strstr(result.output, "connected\n"));
  assert_int_equal(result.end, SC_RUN_EXITED);
  assert_int_not_equal(result.exit_status, 0);
  sc_run_result_free(&result);
  close(listener);

  /* The only interface is the loopback. */
  run_sh(SC_ISOLATION_SANDBOX, "tail -n +3 /proc/net/dev", &result);
  assert_int_equal(result.exit_status, 0);
  line = result.output;
  assert_true(line[0] != '\0');
  while (line != NULL && *line != '\0') {
    line += strspn(line, " ");
    assert_int_equal(strncmp(line, "lo:", 3), 0);
    line = strchr(line, '\n');
    if (line != NULL)
      line++;
  }
  sc_run_result_free(&result);
}

static void test_run_runs_sandboxed_code_as_the_slot_uid(void **state) {
  const char *argv[4];
  struct sc_run_spec spec =
      sh_spec(SC_ISOLATION_SANDBOX, argv, "id -u; id -g; id -G");
  struct sc_run_result result;
  char expected[64];

  (void)state;
  if (!is_root()) {
    print_message("skipped: only root switches to the slot's uid\n");
    skip();
  }
  spec.slot = 5;
  assert_int_equal(sc_run(&spec, &result), 0);
  snprintf(expected, sizeof(expected), "%u\n%u\n%u\n", sc_sandbox_uid(5),
           sc_sandbox_uid(5), sc_sandbox_uid(5));
  assert_string_equal(result.output, expected);
  assert_int_equal(sc_sandbox_uid(5), 61005);
  sc_run_result_free(&result);

  /* A tool runs as the grader. */
  spec.isolation = SC_ISOLATION_TOOL;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_string_equal(result.output, "0\n0\n0\n");
  sc_run_result_free(&result);
}

static void
test_run_closes_inherited_descriptors_of_sandboxed_code(void **state) {
  const char *script =
      "for fd in 3 4 5 6 7 8 9; do "
      "if { true <&$fd; } 2>/dev/null; then echo \"open $fd\"; "
      "fi; done; echo checked";
  struct sc_run_result result;
  char expected[64];
  int leaked;
  int fd;

  (void)state;
  /* A descriptor the grader leaked without O_CLOEXEC, above fd 3. */
  fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  leaked = fcntl(fd, F_DUPFD, 6); /* F_DUPFD clears FD_CLOEXEC */
  close(fd);
  assert_true(leaked >= 6 && leaked <= 9);

  /* A tool inherits it (so the script can see one)... */
  run_sh(SC_ISOLATION_TOOL, script, &result);
  snprintf(expected, sizeof(expected), "open %d\n", leaked);
  assert_non_null(strstr(result.output, expected));
  sc_run_result_free(&result);

  /* ...sandboxed code gets neither it nor the helper's report pipe (fd 3). */
  run_sh(SC_ISOLATION_SANDBOX, script, &result);
  assert_string_equal(result.output, "checked\n");
  sc_run_result_free(&result);
  close(leaked);
}

static void check_peak_memory(void) {
  struct sc_run_result result;

  run_sh(SC_ISOLATION_SANDBOX,
         "x=$(head -c 8000000 /dev/zero | tr '\\0' a); echo ${#x}", &result);
  assert_string_equal(result.output, "8000000\n");
  assert_true(result.max_rss_kb >= 8000);
  assert_true(result.max_rss_kb < 1000000);
  sc_run_result_free(&result);
}

static void test_run_reports_the_peak_memory_of_sandboxed_code(void **state) {
  (void)state;
  check_peak_memory();
}

static void
test_run_reports_the_peak_memory_of_sandboxed_code_without_namespaces(
    void **state) {
  (void)state;
  check_peak_memory();
}

static void test_run_works_from_several_threads_at_once(void **state) {
  struct background_run runs[4];
  const char *const scripts[] = {"sleep 0.3; echo sandbox 1",
                                 "sleep 0.3; echo tool 1", "exec yes",
                                 "echo started; sleep 30"};
  uint64_t start = now_ms();
  int i;

  (void)state;
  for (i = 0; i < 4; i++) {
    start_background(&runs[i],
                     i == 1 ? SC_ISOLATION_TOOL : SC_ISOLATION_SANDBOX,
                     scripts[i]);
    runs[i].spec.slot = (unsigned)i + 1;
    runs[i].spec.limits.output_cap_bytes = 4096;
    runs[i].spec.limits.timeout_ms = 600;
  }
  for (i = 0; i < 4; i++)
    join_background(&runs[i]);
  assert_true(now_ms() - start < 2000);
  assert_int_equal(runs[0].result.end, SC_RUN_EXITED);
  assert_string_equal(runs[0].result.output, "sandbox 1\n");
  assert_int_equal(runs[1].result.end, SC_RUN_EXITED);
  assert_string_equal(runs[1].result.output, "tool 1\n");
  assert_int_equal(runs[2].result.end, SC_RUN_OUTPUT_FLOODED);
  assert_int_equal(runs[2].result.output_len, 4096);
  assert_int_equal(runs[3].result.end, SC_RUN_TIMED_OUT);
  assert_string_equal(runs[3].result.output, "started\n");
  for (i = 0; i < 4; i++)
    sc_run_result_free(&runs[i].result);
}

/* --- the helper on its own ------------------------------------------------ */

static void test_run_helper_rejects_invalid_arguments(void **state) {
  const char *bad_number[] = {helper_path, "--processes", "many",
                              "--",        "true",        NULL};
  const char *no_command[] = {helper_path, "--cpu-seconds", "1", NULL};
  const char *unknown[] = {helper_path, "--frobnicate", "--", "true", NULL};
  const char *const *cases[] = {bad_number, no_command, unknown};
  struct sc_run_spec spec;
  struct sc_run_result result;
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    memset(&spec, 0, sizeof(spec));
    spec.argv = cases[i];
    spec.env = test_env;
    spec.limits.timeout_ms = 5000;
    assert_int_equal(sc_run(&spec, &result), 0);
    assert_int_equal(result.end, SC_RUN_EXITED);
    assert_int_equal(result.exit_status, 125);
    assert_int_equal(strncmp(result.output, "senior-check-sandbox: ", 22), 0);
    assert_ptr_equal(strchr(result.output, '\n'),
                     result.output + result.output_len - 1);
    sc_run_result_free(&result);
  }
}

/* --- small functions ------------------------------------------------------ */

static void test_run_prepares_a_directory_the_slot_can_write(void **state) {
  char dir[PATH_MAX];
  char parent[PATH_MAX];
  char file[PATH_MAX];
  char link[PATH_MAX];
  struct stat st;

  (void)state;
  join_path(parent, tmp_dir, "prep/a");
  join_path(dir, parent, "b/");
  assert_int_equal(sc_run_prepare_dir(dir, 4), 0);
  assert_int_equal(stat(dir, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0700);
  if (is_root()) {
    assert_int_equal(st.st_uid, sc_sandbox_uid(4));
    assert_int_equal(st.st_gid, sc_sandbox_uid(4));
  }
  assert_int_equal(stat(parent, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0755);
  assert_int_equal(st.st_uid, geteuid());
  /* Again: fine. */
  assert_int_equal(sc_run_prepare_dir(dir, 4), 0);

  join_path(file, parent, "file");
  create_file(file);
  assert_int_equal(sc_run_prepare_dir(file, 4), -ENOTDIR);
  join_path(link, parent, "link");
  assert_int_equal(symlink(tmp_dir, link), 0);
  assert_int_equal(sc_run_prepare_dir(link, 4), -ENOTDIR);
  assert_int_equal(sc_run_prepare_dir(dir, SC_RUN_SLOTS), -EINVAL);
  assert_int_equal(sc_run_prepare_dir("", 0), -EINVAL);
}

static void test_run_describes_each_way_a_run_can_end(void **state) {
  struct sc_run_result result;
  char line[128];
  char tiny[8];

  (void)state;
  memset(&result, 0, sizeof(result));
  result.end = SC_RUN_EXITED;
  result.exit_status = 3;
  assert_string_equal(sc_run_describe(&result, line, sizeof(line)),
                      "exited with status 3");
  result.end = SC_RUN_SIGNALED;
  result.term_signal = SIGXCPU;
  assert_string_equal(sc_run_describe(&result, line, sizeof(line)),
                      "killed by signal 24 (CPU time limit exceeded)");
  result.end = SC_RUN_TIMED_OUT;
  result.elapsed_ms = 10000;
  assert_string_equal(sc_run_describe(&result, line, sizeof(line)),
                      "timed out after 10000 ms");
  result.end = SC_RUN_OUTPUT_FLOODED;
  result.output_len = 1048576;
  assert_string_equal(sc_run_describe(&result, line, sizeof(line)),
                      "output exceeded 1048576 bytes");
  assert_string_equal(sc_run_describe(&result, tiny, sizeof(tiny)), "output ");
}

static void test_run_result_free_accepts_null_and_zeroed_results(void **state) {
  struct sc_run_result result;

  (void)state;
  memset(&result, 0, sizeof(result));
  sc_run_result_free(NULL);
  sc_run_result_free(&result);
  sc_run_result_free(&result);
  assert_null(result.output);
}

/* Two claims never get the same slot, within a process or across two. */
static void test_run_claims_a_slot_no_other_grader_holds(void **state) {
  unsigned first = SC_RUN_SLOTS, second = SC_RUN_SLOTS;
  int a, b;

  (void)state;
  a = sc_run_claim_slot(&first);
  assert_true(a >= 0);
  b = sc_run_claim_slot(&second);
  assert_true(b >= 0);
  assert_true(first < SC_RUN_SLOTS && second < SC_RUN_SLOTS);
  assert_int_not_equal(first, second);
  close(b);
  close(a);
}

/* A held slot cannot be locked again until it is given back: how the
 * selftest tells another grading's processes from strays. */
static void test_run_locks_only_a_slot_no_run_holds(void **state) {
  unsigned slot = SC_RUN_SLOTS;
  int held, again;

  (void)state;
  held = sc_run_claim_slot(&slot);
  assert_true(held >= 0);
  assert_int_equal(sc_run_lock_slot(slot), -EBUSY);
  close(held);
  again = sc_run_lock_slot(slot);
  assert_true(again >= 0);
  close(again);
  assert_int_equal(sc_run_lock_slot(SC_RUN_SLOTS), -EINVAL);
}

/* The box shows the command its own run's folder, /usr and its own
 * processes: not the repository, not /root, not the host's processes. */
static void test_run_boxes_sandboxed_code_away_from_the_host(void **state) {
  static const char script[] =
      "test -e " SC_SOURCE_DIR "/README.md && echo repository;"
      "test -e /root && echo root;"
      "test -e /run/senior-check-slots && echo slots;"
      "ls /proc | grep -c '^[0-9]';"
      "ls /usr/bin/env >/dev/null && echo usr;"
      "echo x > /tmp/file && echo tmp";
  const char *argv[] = {"/bin/sh", "-c", script, NULL};
  struct sc_run_spec spec;
  struct sc_run_result result;

  (void)state;
  memset(&spec, 0, sizeof(spec));
  spec.argv = argv;
  spec.env = test_env;
  spec.limits.timeout_ms = 5000;
  spec.isolation = SC_ISOLATION_SANDBOX;
  assert_int_equal(sc_run(&spec, &result), 0);
  assert_int_equal(result.end, SC_RUN_EXITED);
  /* Only the box's few processes: its init, the helper, sh, ls, grep. */
  assert_null(strstr(result.output, "repository"));
  assert_null(strstr(result.output, "root"));
  assert_null(strstr(result.output, "slots"));
  assert_non_null(strstr(result.output, "usr\ntmp\n"));
  assert_true(atoi(result.output) <= 6);
  sc_run_result_free(&result);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run_reports_the_exit_status_of_a_tool),
      cmocka_unit_test(test_run_reports_the_exit_status_of_sandboxed_code),
      cmocka_unit_test_setup_teardown(
          test_run_reports_the_exit_status_of_sandboxed_code_without_namespaces,
          without_namespaces, with_namespaces),
      cmocka_unit_test(test_run_reports_processes_left_running),
      cmocka_unit_test_setup_teardown(
          test_run_reports_processes_left_running_without_namespaces,
          without_namespaces, with_namespaces),
      cmocka_unit_test(test_run_reports_a_signal_that_killed_a_tool),
      cmocka_unit_test(test_run_reports_a_signal_that_killed_sandboxed_code),
      cmocka_unit_test_setup_teardown(
          test_run_reports_a_signal_that_killed_sandboxed_code_without_namespaces,
          without_namespaces, with_namespaces),
      cmocka_unit_test(test_run_captures_stdout_and_stderr_in_arrival_order),
      cmocka_unit_test(test_run_keeps_the_output_after_a_nul_byte_and_shows_it),
      cmocka_unit_test(test_run_kills_a_hang_at_the_timeout),
      cmocka_unit_test_setup_teardown(
          test_run_kills_a_hang_at_the_timeout_without_namespaces,
          without_namespaces, with_namespaces),
      cmocka_unit_test(test_run_stops_when_its_caller_no_longer_wants_it),
      cmocka_unit_test(test_run_cuts_an_output_flood_at_the_cap),
      cmocka_unit_test(test_run_keeps_output_up_to_exactly_the_cap),
      cmocka_unit_test(test_run_fails_to_start_a_missing_tool),
      cmocka_unit_test_teardown(
          test_run_fails_to_start_without_the_sandbox_helper, with_namespaces),
      cmocka_unit_test(test_run_rejects_an_invalid_spec),
      cmocka_unit_test(test_run_gives_the_child_exactly_the_given_environment),
      cmocka_unit_test(test_run_kills_a_cpu_loop_with_sigxcpu),
      cmocka_unit_test(
          test_run_stops_a_big_file_at_the_file_size_limit_with_sigxfsz),
      cmocka_unit_test(
          test_run_makes_allocations_fail_beyond_the_address_space_limit),
      cmocka_unit_test(
          test_run_limits_a_fork_burst_to_the_process_limit_as_root),
      cmocka_unit_test(test_run_kills_a_setsid_grandchild_when_the_run_ends),
      cmocka_unit_test_setup_teardown(
          test_run_kills_a_setsid_grandchild_without_namespaces,
          without_namespaces, with_namespaces),
      cmocka_unit_test(test_run_kills_a_double_forked_daemon_when_the_run_ends),
      cmocka_unit_test_setup_teardown(
          test_run_kills_a_double_forked_daemon_without_namespaces,
          without_namespaces, with_namespaces),
      cmocka_unit_test(
          test_run_kills_a_setsid_grandchild_when_the_run_times_out),
      cmocka_unit_test_setup_teardown(
          test_run_kills_a_setsid_grandchild_at_a_timeout_without_namespaces,
          without_namespaces, with_namespaces),
      cmocka_unit_test(
          test_run_kills_the_background_children_a_tool_leaves_behind),
      cmocka_unit_test(
          test_run_returns_soon_when_a_tool_s_escaped_child_holds_its_output),
      cmocka_unit_test(test_run_gives_sandboxed_code_no_network),
      cmocka_unit_test(test_run_runs_sandboxed_code_as_the_slot_uid),
      cmocka_unit_test(test_run_closes_inherited_descriptors_of_sandboxed_code),
      cmocka_unit_test(test_run_reports_the_peak_memory_of_sandboxed_code),
      cmocka_unit_test_setup_teardown(
          test_run_reports_the_peak_memory_of_sandboxed_code_without_namespaces,
          without_namespaces, with_namespaces),
      cmocka_unit_test(test_run_works_from_several_threads_at_once),
      cmocka_unit_test(test_run_helper_rejects_invalid_arguments),
      cmocka_unit_test(test_run_prepares_a_directory_the_slot_can_write),
      cmocka_unit_test(test_run_claims_a_slot_no_other_grader_holds),
      cmocka_unit_test(test_run_locks_only_a_slot_no_run_holds),
      cmocka_unit_test(test_run_boxes_sandboxed_code_away_from_the_host),
      cmocka_unit_test(test_run_describes_each_way_a_run_can_end),
      cmocka_unit_test(test_run_result_free_accepts_null_and_zeroed_results),
  };

  return cmocka_run_group_tests(tests, setup_group, teardown_group);
}

/* The suite of kata 05, "The big-file CLI". Read README.md first.
 *
 * Every input is made here, in the current folder, by loggen.c from a
 * fixed seed, and loggen knows the exact report each must give. Most tests
 * run bigstat as a process of its own (this very program, started again
 * with CLI_CHILD_FLAG), so that its exit status, its standard output and
 * its standard error are the real ones; the tests named test_the_report_*
 * call bigstat_main() inside this process, where valgrind (the memcheck
 * gate runs those) sees every byte it allocates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "bigstat.h"
#include "cli_harness.h"
#include "loggen.h"

/* Exported by cmocka 1.1.5 but not declared in its header: text given to it
 * before fail() reaches the XML report, where fail_msg()'s does not. */
void cm_print_error(const char *format, ...);

#define MiB (1024u * 1024u)

/* How much more the peak resident memory of bigstat may be for a 32 MiB
 * log than for a 1 MiB one: a chunk, a line, the tables and their slack,
 * nothing that grows with the file. Reading the file whole adds 31 MiB. */
#define MEMORY_GROWTH_KB (3 * 1024)

#define SEE_CONTRACT "README: The contract"
#define SEE_CHUNKS "README: Reading in chunks"
#define SEE_BOUNDED "README: State that does not grow"
#define SEE_ERRORS "README: Errors and exit statuses"
#define SEE_PROGRESS "README: Progress, only on a terminal"

/* Fails the test with a message that says what was expected, what
 * happened, and what to reread. */
/* A place in this file. The checking helpers take their caller's and
 * fail there, so that a failure points at the test that called them,
 * where a learner looks, not at a helper many tests share. */
typedef struct place {
  const char *file;
  int line;
} place_t;

#define HERE ((place_t){__FILE__, __LINE__})

#define expect_at(at, condition, see, ...)                                     \
  do {                                                                         \
    if (!(condition)) {                                                        \
      cm_print_error(__VA_ARGS__);                                             \
      cm_print_error("\n  see %s\n", see);                                     \
      _fail((at).file, (at).line);                                             \
    }                                                                          \
  } while (0)
#define expect(condition, see, ...) expect_at(HERE, condition, see, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* At most the first 160 bytes of text, on one line, for a message. */
static const char *excerpt(const char *text, size_t len) {
  static char out[4][200];
  static int turn;
  char *o = out[turn++ % 4];
  size_t n = 0;
  for (size_t i = 0; i < len && n < 160; i++)
    o[n++] = text[i] == '\n'                ? '|'
             : (unsigned char)text[i] < ' ' ? '?'
                                            : text[i];
  if (len > 160) {
    memcpy(o + n, "...", 3);
    n += 3;
  }
  o[n] = '\0';
  return o;
}

static void make_log_at(place_t at, const char *name,
                        const struct loggen_spec *spec, char **report) {
  int err = loggen_write(name, spec, report);
  expect_at(at, err == 0, SEE_CONTRACT, "the suite cannot write '%s': %s", name,
            strerror(-err));
}
#define make_log(...) make_log_at(HERE, __VA_ARGS__)

static void make_text_at(place_t at, const char *name, const char *text,
                         size_t len) {
  int err = loggen_write_text(name, text, len);
  expect_at(at, err == 0, SEE_CONTRACT, "the suite cannot write '%s': %s", name,
            strerror(-err));
}
#define make_text(...) make_text_at(HERE, __VA_ARGS__)

static void run_process_at(place_t at, const char *file, int stderr_tty,
                           struct cli_result *r) {
  char *argv[] = {"bigstat", (char *)file, NULL};
  int argc = file != NULL ? 2 : 1;
  int err = cli_run_process(argc, argv, stderr_tty, r);
  expect_at(at, err == 0, SEE_CONTRACT,
            "the suite cannot run bigstat as a process: %s", uv_strerror(err));
  expect_at(at, r->term_signal == 0, SEE_CONTRACT,
            "bigstat was killed by signal %d; its standard error: %s",
            r->term_signal, excerpt(r->err, r->err_len));
}
#define run_process(...) run_process_at(HERE, __VA_ARGS__)

static void run_here_at(place_t at, const char *file, struct cli_result *r) {
  char *argv[] = {"bigstat", (char *)file, NULL};
  int err = cli_run_here(2, argv, r);
  expect_at(at, err == 0, SEE_CONTRACT,
            "the suite cannot redirect the standard streams: %s",
            strerror(-err));
}
#define run_here(...) run_here_at(HERE, __VA_ARGS__)

/* The report must be exactly the expected text: names the first line that
 * differs. */
static void expect_report_at(place_t at, const struct cli_result *r,
                             const char *expected, const char *what) {
  /* Every line loggen writes is a valid one. */
  expect_at(at, r->exit_status != BIGSTAT_EXIT_DATA, SEE_CHUNKS,
            "%s: expected exit status 0 and the report, got %d with this on "
            "standard error: %s; every line of this log is valid, so a line "
            "found malformed was most likely cut in two: where a read chunk "
            "ended, or where a line buffer of fixed size filled up",
            what, r->exit_status, excerpt(r->err, r->err_len));
  expect_at(at, r->exit_status == BIGSTAT_EXIT_OK, SEE_CONTRACT,
            "%s: expected exit status 0 and the report, got %d with this on "
            "standard error: %s",
            what, r->exit_status, excerpt(r->err, r->err_len));
  const char *a = expected, *b = r->out;
  for (unsigned line = 1;; line++) {
    const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
    size_t la = ea ? (size_t)(ea - a) : strlen(a);
    size_t lb = eb ? (size_t)(eb - b) : strlen(b);
    if (la != lb || memcmp(a, b, la) != 0 || (ea == NULL) != (eb == NULL)) {
      const char *see = strncmp(a, "top", 3) == 0 ||
                                strncmp(a, "untracked", 9) == 0 ||
                                strncmp(a, "duration", 8) == 0
                            ? SEE_BOUNDED
                            : SEE_CONTRACT;
      expect_at(
          at, 0, see,
          "%s: line %u of the report differs:\n  expected: %s\n  actual:   "
          "%s",
          what, line, excerpt(a, la), *b ? excerpt(b, lb) : "(nothing)");
    }
    if (ea == NULL)
      break;
    a = ea + 1;
    b = eb + 1;
  }
}
#define expect_report(...) expect_report_at(HERE, __VA_ARGS__)

/* Does haystack hold one of the '|'-separated words, in any case? */
static int has_word(const char *haystack, const char *words) {
  char word[64];
  while (*words) {
    size_t n = strcspn(words, "|");
    snprintf(word, sizeof(word), "%.*s", (int)n, words);
    size_t wl = strlen(word);
    for (const char *p = haystack; *p; p++)
      if (strncasecmp(p, word, wl) == 0)
        return 1;
    words += n + (words[n] == '|');
  }
  return 0;
}

/* The one shape of every error: the status, one line on standard error
 * naming the file (in quotes) and the problem, nothing on standard output,
 * and, as a process, every descriptor closed. */
static void expect_one_line_error_at(place_t at, const struct cli_result *r,
                                     const char *file, int status,
                                     const char *words, const char *what) {
  expect_at(at, r->exit_status == status, SEE_ERRORS,
            "%s: expected exit status %d, got %d (standard error: %s)", what,
            status, r->exit_status, excerpt(r->err, r->err_len));
  expect_at(at, r->out_len == 0, SEE_ERRORS,
            "%s: expected nothing on standard output, got %zu bytes: %s", what,
            r->out_len, excerpt(r->out, r->out_len));
  const char *newline = memchr(r->err, '\n', r->err_len);
  expect_at(at, newline != NULL && (size_t)(newline - r->err) + 1 == r->err_len,
            SEE_ERRORS,
            "%s: expected exactly one line, ending in a newline, on standard "
            "error; got %zu bytes: %s",
            what, r->err_len, excerpt(r->err, r->err_len));
  if (file != NULL) {
    char quoted[256];
    snprintf(quoted, sizeof(quoted), "'%s'", file);
    expect_at(at, strstr(r->err, quoted) != NULL, SEE_ERRORS,
              "%s: expected the message to name the file as %s; got: %s", what,
              quoted, excerpt(r->err, r->err_len));
  }
  expect_at(at, has_word(r->err, words), SEE_ERRORS,
            "%s: expected the message to say what is wrong (one of: %s); got: "
            "%s",
            what, words, excerpt(r->err, r->err_len));
}
#define expect_one_line_error(...) expect_one_line_error_at(HERE, __VA_ARGS__)

static void expect_closed_at(place_t at, const struct cli_result *r,
                             const char *what) {
  expect_at(at, r->has_figures, SEE_CONTRACT,
            "%s: bigstat_main() never returned; standard error: %s", what,
            excerpt(r->err, r->err_len));
  expect_at(at, r->fds_left == 0, SEE_ERRORS,
            "%s: %ld descriptor(s) opened by bigstat_main() were still open "
            "after it returned; close the file (and the loop) on every path",
            what, r->fds_left);
}
#define expect_closed(...) expect_closed_at(HERE, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * The report, inside this process (run under valgrind too)
 * ------------------------------------------------------------------------ */

static void
test_the_report_matches_the_generator_for_three_seeds(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    struct loggen_spec spec = {.seed = seed,
                               .bytes = 150000 + seed * 40000,
                               .popular = 40,
                               .unique_per_mille = 20};
    char *expected = NULL;
    char what[64];
    struct cli_result r;
    snprintf(what, sizeof(what), "a %llu-byte log of seed %llu",
             (unsigned long long)spec.bytes, (unsigned long long)seed);
    make_log("seeded.log", &spec, &expected);
    run_here("seeded.log", &r);
    expect_report(&r, expected, what);
    cli_result_free(&r);
    free(expected);
  }
  unlink("seeded.log");
}

static void
test_the_report_counts_a_sixty_thousand_byte_path_as_one_request(void **state) {
  (void)state;
  struct loggen_spec spec = {.seed = 5,
                             .bytes = 700000,
                             .popular = 4,
                             .unique_per_mille = 0,
                             .long_path = 60000,
                             .long_every = 4};
  char *expected = NULL;
  struct cli_result r;
  make_log("long-lines.log", &spec, &expected);
  run_here("long-lines.log", &r);
  expect_report(&r, expected,
                "a log whose every 4th line has a 60000-byte path (a line "
                "longer than a read chunk, split across two or three of "
                "them, is still one request; see README: Reading in chunks)");
  cli_result_free(&r);
  free(expected);
  unlink("long-lines.log");
}

static void
test_the_report_tracks_only_the_first_1024_distinct_paths(void **state) {
  (void)state;
  struct loggen_spec spec = {
      .seed = 9, .bytes = 300000, .popular = 30, .unique_per_mille = 500};
  char *expected = NULL;
  struct cli_result r;
  make_log("many-paths.log", &spec, &expected);
  run_here("many-paths.log", &r);
  expect_report(&r, expected,
                "a log of about 2500 distinct paths (the first 1024 are "
                "counted, every other request is 'untracked')");
  cli_result_free(&r);
  free(expected);
  unlink("many-paths.log");
}

static void test_the_report_refuses_a_line_longer_than_the_limit(void **state) {
  (void)state;
  size_t path_len = BIGSTAT_MAX_LINE + 100;
  const char *first = "2024-05-01T00:00:00Z GET /a 200 10 5\n";
  const char *head = "2024-05-01T00:00:01Z GET /";
  const char *tail = " 200 10 5\n";
  size_t len = strlen(first) + strlen(head) + path_len + strlen(tail);
  char *text = malloc(len);
  assert_non_null(text);
  size_t at = 0;
  memcpy(text + at, first, strlen(first));
  at += strlen(first);
  memcpy(text + at, head, strlen(head));
  at += strlen(head);
  memset(text + at, 'x', path_len);
  at += path_len;
  memcpy(text + at, tail, strlen(tail));
  make_text("too-long.log", text, len);
  free(text);

  struct cli_result r;
  run_here("too-long.log", &r);
  expect_one_line_error(&r, "too-long.log", BIGSTAT_EXIT_DATA, "line 2",
                        "a log whose line 2 is 65662 bytes long (the limit "
                        "is 65536)");
  cli_result_free(&r);
  unlink("too-long.log");
}

/* ------------------------------------------------------------------------
 * The program, as a process
 * ------------------------------------------------------------------------ */

static void
test_the_program_prints_the_report_and_nothing_on_standard_error(void **state) {
  (void)state;
  struct loggen_spec spec = {
      .seed = 7, .bytes = 2 * MiB, .popular = 200, .unique_per_mille = 0};
  char *expected = NULL;
  struct cli_result r;
  make_log("access.log", &spec, &expected);
  run_process("access.log", 0, &r);
  expect_report(&r, expected, "bigstat access.log (2 MiB), as a process");
  expect(r.err_len == 0, SEE_PROGRESS,
         "bigstat access.log, its standard error a pipe: expected nothing on "
         "standard error (progress is for terminals only), got %zu bytes: %s",
         r.err_len, excerpt(r.err, r.err_len));
  expect_closed(&r, "bigstat access.log");
  cli_result_free(&r);
  free(expected);
  unlink("access.log");
}

static void test_the_program_shows_progress_when_standard_error_is_a_terminal(
    void **state) {
  (void)state;
  struct loggen_spec spec = {
      .seed = 8, .bytes = 3 * MiB, .popular = 200, .unique_per_mille = 0};
  char *expected = NULL;
  struct cli_result r;
  make_log("watched.log", &spec, &expected);
  run_process("watched.log", 1, &r);
  expect_report(&r, expected,
                "bigstat watched.log, its standard error a terminal");
  expect(strchr(r.err, '%') != NULL, SEE_PROGRESS,
         "bigstat watched.log (3 MiB), its standard error a terminal: "
         "expected progress there (a percentage), got %zu bytes: %s",
         r.err_len, excerpt(r.err, r.err_len));
  expect_closed(&r, "bigstat watched.log");
  cli_result_free(&r);
  free(expected);
  unlink("watched.log");
}

static void
test_the_program_peak_memory_does_not_grow_with_the_file(void **state) {
  (void)state;
  static const uint64_t sizes[2] = {1 * MiB, 32 * MiB};
  struct cli_result r[2];
  char *expected[2] = {NULL, NULL};
  char what[2][64];
  for (int i = 0; i < 2; i++) {
    /* 30% of the requests go to a path never seen before, so that a path
     * table without a bound grows with the file too. */
    struct loggen_spec spec = {
        .seed = 11, .bytes = sizes[i], .popular = 200, .unique_per_mille = 300};
    snprintf(what[i], sizeof(what[i]), "bigstat on a %u MiB log",
             (unsigned)(sizes[i] / MiB));
    make_log("sized.log", &spec, &expected[i]);
    run_process("sized.log", 0, &r[i]);
    expect_closed(&r[i], what[i]);
  }
  unlink("sized.log");
  long peak[2] = {r[0].peak_kb, r[1].peak_kb};
  int right[2];
  for (int i = 0; i < 2; i++) {
    right[i] = r[i].exit_status == BIGSTAT_EXIT_OK &&
               strcmp(r[i].out, expected[i]) == 0;
    cli_result_free(&r[i]);
    free(expected[i]);
  }
  expect(peak[1] - peak[0] <= MEMORY_GROWTH_KB, SEE_CHUNKS,
         "peak resident memory of bigstat: %ld kB for a 1 MiB log, %ld kB for "
         "a 32 MiB one (+%ld kB); expected at most +%d kB: a chunk, a line and "
         "tables of fixed size, whatever the file's size. Reading the whole "
         "file, mapping it, or keeping a value per request or per distinct "
         "path grows with the file (see also README: State that does not "
         "grow)",
         peak[0], peak[1], peak[1] - peak[0], MEMORY_GROWTH_KB);
  /* The other tests say what is wrong in a report; this one only that. */
  expect(right[0] && right[1], SEE_CONTRACT,
         "bigstat on the %s MiB log did not print the expected report (the "
         "test_the_report_* tests show the difference)",
         right[0] ? "32" : "1");
}

static void test_a_missing_file_is_a_one_line_error(void **state) {
  (void)state;
  struct cli_result r;
  unlink("missing.log");
  run_process("missing.log", 0, &r);
  expect_one_line_error(&r, "missing.log", BIGSTAT_EXIT_NOINPUT, "no such file",
                        "bigstat missing.log (no such file)");
  expect_closed(&r, "bigstat missing.log");
  cli_result_free(&r);
}

static void test_a_directory_is_a_one_line_error(void **state) {
  (void)state;
  struct cli_result r;
  rmdir("a-folder");
  assert_int_equal(mkdir("a-folder", 0755), 0);
  run_process("a-folder", 0, &r);
  expect_one_line_error(&r, "a-folder", BIGSTAT_EXIT_NOINPUT, "directory",
                        "bigstat a-folder (a directory)");
  expect_closed(&r, "bigstat a-folder");
  cli_result_free(&r);
  rmdir("a-folder");
}

static void
test_a_file_without_read_permission_is_a_one_line_error(void **state) {
  (void)state;
  struct cli_result r;
  const char *line = "2024-05-01T00:00:00Z GET /a 200 10 5\n";
  unlink("locked.log"); /* a stale one, of mode 000, from a killed run */
  make_text("locked.log", line, strlen(line));
  assert_int_equal(chmod("locked.log", 0), 0);
  int fd = open("locked.log", O_RDONLY);
  if (fd >= 0)
    close(fd);
  expect(fd < 0, SEE_ERRORS,
         "the suite can still read a file of mode 000: it runs as root, "
         "which no permission stops; run it as an ordinary user (the grader "
         "does)");
  run_process("locked.log", 0, &r);
  expect_one_line_error(&r, "locked.log", BIGSTAT_EXIT_NOINPUT,
                        "permission denied",
                        "bigstat locked.log (mode 000: no permission)");
  expect_closed(&r, "bigstat locked.log");
  cli_result_free(&r);
  chmod("locked.log", 0600);
  unlink("locked.log");
}

static void test_an_empty_file_is_a_one_line_error(void **state) {
  (void)state;
  struct cli_result r;
  make_text("empty.log", "", 0);
  run_process("empty.log", 0, &r);
  expect_one_line_error(&r, "empty.log", BIGSTAT_EXIT_DATA, "empty",
                        "bigstat empty.log (0 bytes)");
  expect_closed(&r, "bigstat empty.log");
  cli_result_free(&r);
  unlink("empty.log");
}

static void test_a_binary_file_is_a_one_line_error(void **state) {
  (void)state;
  /* What a compressed log looks like: gzip's header, then noise. */
  char data[8192] = {0x1f, (char)0x8b, 0x08, 0x00, 0x00,
                     0x00, 0x00,       0x00, 0x00, 0x03};
  uint64_t x = 42;
  for (size_t i = 10; i < sizeof(data); i++) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    data[i] = (char)(x >> 56);
  }
  data[sizeof(data) - 1] = '\n';
  struct cli_result r;
  make_text("access.log.gz", data, sizeof(data));
  run_process("access.log.gz", 0, &r);
  expect_one_line_error(&r, "access.log.gz", BIGSTAT_EXIT_DATA, "binary",
                        "bigstat access.log.gz (a compressed file)");
  expect_closed(&r, "bigstat access.log.gz");
  cli_result_free(&r);
  unlink("access.log.gz");
}

static void test_a_truncated_last_line_is_a_one_line_error(void **state) {
  (void)state;
  const char *text = "2024-05-01T00:00:00Z GET /a 200 10 5\n"
                     "2024-05-01T00:00:01Z GET /b 200 10 5\n"
                     "2024-05-01T00:00:02Z GET /c 200 10 5";
  struct cli_result r;
  make_text("cut.log", text, strlen(text));
  run_process("cut.log", 0, &r);
  expect_one_line_error(&r, "cut.log", BIGSTAT_EXIT_DATA, "truncated|newline",
                        "bigstat cut.log (a log still being written: its "
                        "last line has no newline yet)");
  expect_closed(&r, "bigstat cut.log");
  cli_result_free(&r);
  unlink("cut.log");
}

static void test_a_malformed_line_is_a_one_line_error_naming_it(void **state) {
  (void)state;
  const char *text = "2024-05-01T00:00:00Z GET /a 200 10 5\n"
                     "2024-05-01T00:00:01Z GET /b 200 10 5\n"
                     "2024-05-01T00:00:02Z GET /c OK 10 5\n"
                     "2024-05-01T00:00:03Z GET /d 200 10 5\n";
  struct cli_result r;
  make_text("odd.log", text, strlen(text));
  run_process("odd.log", 0, &r);
  expect_one_line_error(&r, "odd.log", BIGSTAT_EXIT_DATA, "line 3",
                        "bigstat odd.log (line 3 has the status 'OK')");
  expect_closed(&r, "bigstat odd.log");
  cli_result_free(&r);
  unlink("odd.log");
}

static void test_no_file_argument_is_a_usage_error(void **state) {
  (void)state;
  struct cli_result r;
  run_process(NULL, 0, &r);
  expect_one_line_error(&r, NULL, BIGSTAT_EXIT_USAGE, "usage",
                        "bigstat with no argument");
  expect_closed(&r, "bigstat with no argument");
  cli_result_free(&r);
}

int main(int argc, char **argv) {
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_program_peak_memory_does_not_grow_with_the_file),
      cmocka_unit_test(test_the_report_matches_the_generator_for_three_seeds),
      cmocka_unit_test(test_the_report_counts_a_sixty_thousand_byte_path_as_one_request),
      cmocka_unit_test(test_the_report_tracks_only_the_first_1024_distinct_paths),
      cmocka_unit_test(test_the_report_refuses_a_line_longer_than_the_limit),
      cmocka_unit_test(test_the_program_prints_the_report_and_nothing_on_standard_error),
      cmocka_unit_test(test_the_program_shows_progress_when_standard_error_is_a_terminal),
      cmocka_unit_test(test_a_missing_file_is_a_one_line_error),
      cmocka_unit_test(test_a_directory_is_a_one_line_error),
      cmocka_unit_test(test_a_file_without_read_permission_is_a_one_line_error),
      cmocka_unit_test(test_an_empty_file_is_a_one_line_error),
      cmocka_unit_test(test_a_binary_file_is_a_one_line_error),
      cmocka_unit_test(test_a_truncated_last_line_is_a_one_line_error),
      cmocka_unit_test(test_a_malformed_line_is_a_one_line_error_naming_it),
      cmocka_unit_test(test_no_file_argument_is_a_usage_error),
  };
  /* clang-format on */

  /* This program is also bigstat itself, for the tests that run it as a
   * process (cli_harness.c). */
  if (argc > 1 && strcmp(argv[1], CLI_CHILD_FLAG) == 0)
    return cli_child_main(argc, argv);
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  int failed =
      cmocka_run_group_tests_name("05-big-file-cli", tests, NULL, NULL);
  uv_library_shutdown();
  return failed;
}

/* Tests of the GitHub Actions outputs. Both are checked as text and as
 * structure: the summary's Markdown tables are parsed back into cells, and
 * every annotation line is parsed as a workflow command (command,
 * properties, data) with its escaping undone, as the runner does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "model/result.h"
#include "report/github.h"

static void start_kata(struct sc_kata_result *k, const char *id) {
  static const unsigned weights[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};
  char *title = sc_xasprintf("kata %s", id);
  sc_kata_result_init(k, id, title, 1, weights);
  free(title);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_gate_set(&k->gates[g], SC_STATUS_PASS, weights[g], "fine");
}

/* A kata at full marks, one with failures whose messages carry what
 * Markdown and workflow commands must escape, and one not graded. */
static void build_results(struct sc_results *results) {
  struct sc_kata_result *katas = sc_xcalloc(3, sizeof(*katas));
  start_kata(&katas[0], "01-predict-order");
  sc_kata_result_total(&katas[0]);

  struct sc_kata_result *k = &katas[1];
  start_kata(k, "02-pipe|line");
  struct sc_gate_result *gates = k->gates;
  sc_gate_set(&gates[SC_GATE_TESTS], SC_STATUS_FAIL, 20,
              "1 of 2 tests pass; first failure: test_drains\n0x2 != 0x3");
  sc_gate_add_test(&gates[SC_GATE_TESTS], "test_pops", SC_STATUS_PASS, NULL);
  sc_gate_add_test(&gates[SC_GATE_TESTS], "test_drains", SC_STATUS_FAIL,
                   "100% wrong: a, b\r\nsecond\rline");
  sc_gate_add_location(&gates[SC_GATE_TESTS], "katas/02-pipe/odd:name,1.c", 42,
                       "test_drains: the failing call");
  sc_gate_set(&gates[SC_GATE_MEMCHECK], SC_STATUS_FAIL, 0,
              "2 leaks | 32 bytes\n- details");
  sc_gate_add_location(&gates[SC_GATE_MEMCHECK], "katas/02-pipe/pipe.c", 17,
                       "Leak_DefinitelyLost: 16 bytes");
  sc_gate_add_location(&gates[SC_GATE_MEMCHECK], "katas/02-pipe/pipe.c", 30,
                       "Leak_DefinitelyLost: 16 bytes");
  sc_gate_set(&gates[SC_GATE_TIMING], SC_STATUS_SKIP, 0,
              "skipped: the tests fail");
  sc_gate_set(&gates[SC_GATE_STRICT], SC_STATUS_FAIL, 5,
              "1 warning in your files");
  sc_gate_add_location(&gates[SC_GATE_STRICT], "katas/02-pipe/pipe.c", 9,
                       "unused variable 'n' [-Wunused-variable]");
  sc_kata_result_total(k);

  struct sc_kata_result *e = &katas[2];
  start_kata(e, "03-ungraded");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_gate_set(&e->gates[g], SC_STATUS_ERROR, 0, "not graded");
  e->error = sc_xstrdup("cannot create 'build/katas/03-ungraded'");
  sc_kata_result_total(e);

  *results =
      (struct sc_results){.source = "learner", .katas = katas, .count = 3};
  sc_results_total(results);
}

/* n katas, each with a failing test at a location, two leaks and three
 * warnings: more annotations than a step shows. */
static void build_many(struct sc_results *results, size_t n) {
  struct sc_kata_result *katas = sc_xcalloc(n, sizeof(*katas));
  for (size_t i = 0; i < n; i++) {
    char *id = sc_xasprintf("%02zu-kata", i + 1);
    start_kata(&katas[i], id);
    free(id);
    struct sc_gate_result *gates = katas[i].gates;
    sc_gate_set(&gates[SC_GATE_TESTS], SC_STATUS_FAIL, 0, "0 of 1 tests pass");
    sc_gate_add_test(&gates[SC_GATE_TESTS], "test_one", SC_STATUS_FAIL, "no");
    sc_gate_add_location(&gates[SC_GATE_TESTS], "k.c", 1, "test_one: here");
    sc_gate_set(&gates[SC_GATE_MEMCHECK], SC_STATUS_FAIL, 0, "2 leaks");
    sc_gate_add_location(&gates[SC_GATE_MEMCHECK], "k.c", 2, "leak");
    sc_gate_add_location(&gates[SC_GATE_MEMCHECK], "k.c", 3, "leak");
    sc_gate_set(&gates[SC_GATE_STRICT], SC_STATUS_FAIL, 0, "3 warnings");
    for (unsigned w = 0; w < 3; w++)
      sc_gate_add_location(&gates[SC_GATE_STRICT], "k.c", 10 + w, "warning");
    sc_kata_result_total(&katas[i]);
  }
  *results =
      (struct sc_results){.source = "learner", .katas = katas, .count = n};
  sc_results_total(results);
}

/* Runs a writer into memory; returns its output (caller frees). */
static char *summary_of(const struct sc_results *results) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  assert_int_equal(sc_report_github_summary(results, out), 0);
  fclose(out);
  return text;
}

/* The annotations as text (caller frees), and how many were left out. */
static char *annotations_of(const struct sc_results *results, size_t *hidden) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  assert_int_equal(sc_report_github_annotations(results, out), 0);
  fclose(out);
  *hidden = sc_report_github_annotations_left_out(results);
  return text;
}

/* --- A workflow command, parsed as the runner reads it. --- */

struct command {
  char name[16];
  char file[256];
  unsigned line;
  char title[256];
  char message[16384];
};

/* Undoes the escaping of a workflow command's data or property value;
 * fails on a stray "%" or on characters that must have been escaped. */
static void unescape(const char *s, size_t len, char *out, size_t cap,
                     int property) {
  static const struct {
    const char *code;
    char c;
  } codes[] = {
      {"%25", '%'}, {"%0D", '\r'}, {"%0A", '\n'}, {"%3A", ':'}, {"%2C", ','}};
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '\r' || c == '\n' || (property && (c == ':' || c == ',')))
      fail_msg("unescaped character 0x%02x in \"%.*s\"", c, (int)len, s);
    if (c == '%') {
      size_t k = 0;
      while (k < SC_ARRAY_SIZE(codes) &&
             (strncmp(s + i, codes[k].code, 3) != 0 || (!property && k > 2)))
        k++;
      if (k == SC_ARRAY_SIZE(codes))
        fail_msg("stray '%%' in \"%.*s\"", (int)len, s);
      c = codes[k].c;
      i += 2;
    }
    assert_true(n + 1 < cap);
    out[n++] = c;
  }
  out[n] = '\0';
}

/* Parses "::name key=value,key=value::data" (one line, no newline). */
static void parse_command(const char *line, size_t len, struct command *cmd) {
  memset(cmd, 0, sizeof(*cmd));
  assert_true(len > 2 && strncmp(line, "::", 2) == 0);
  const char *end = line + len;
  const char *name = line + 2;
  const char *data = NULL;
  for (const char *p = name; p + 1 < end; p++)
    if (p[0] == ':' && p[1] == ':') {
      data = p + 2;
      break;
    }
  assert_non_null(data);
  const char *props = memchr(name, ' ', (size_t)(data - 2 - name));
  const char *name_end = props ? props : data - 2;
  assert_true((size_t)(name_end - name) < sizeof(cmd->name));
  memcpy(cmd->name, name, (size_t)(name_end - name));
  for (const char *p = props ? props + 1 : data - 2; p < data - 2;) {
    const char *comma = memchr(p, ',', (size_t)(data - 2 - p));
    const char *stop = comma ? comma : data - 2;
    const char *eq = memchr(p, '=', (size_t)(stop - p));
    assert_non_null(eq);
    char value[256];
    unescape(eq + 1, (size_t)(stop - eq - 1), value, sizeof(value), 1);
    size_t key_len = (size_t)(eq - p);
    if (key_len == 4 && strncmp(p, "file", 4) == 0)
      snprintf(cmd->file, sizeof(cmd->file), "%s", value);
    else if (key_len == 4 && strncmp(p, "line", 4) == 0)
      cmd->line = (unsigned)strtoul(value, NULL, 10);
    else if (key_len == 5 && strncmp(p, "title", 5) == 0)
      snprintf(cmd->title, sizeof(cmd->title), "%s", value);
    else
      fail_msg("unknown property \"%.*s\"", (int)key_len, p);
    p = stop + 1;
  }
  unescape(data, (size_t)(end - data), cmd->message, sizeof(cmd->message), 0);
}

/* Parses every line of text into cmds; returns how many. */
static size_t parse_commands(const char *text, struct command *cmds,
                             size_t cap) {
  size_t n = 0;
  for (const char *line = text; *line;) {
    const char *nl = strchr(line, '\n');
    assert_non_null(nl);
    assert_true(n < cap);
    parse_command(line, (size_t)(nl - line), &cmds[n++]);
    line = nl + 1;
  }
  return n;
}

/* --- Markdown tables, parsed back into cells. --- */

/* Splits a table row into cells on the "|" no backslash escapes, undoing
 * the escapes; returns the number of cells. */
static size_t row_cells(const char *line, size_t len, char cells[][256],
                        size_t cap) {
  size_t n = 0, k = 0;
  assert_true(len >= 2 && line[0] == '|' && line[len - 1] == '|');
  for (size_t i = 1; i < len; i++) {
    if (line[i] == '|') {
      assert_true(n < cap);
      cells[n][k] = '\0';
      /* Trim the single spaces around a cell. */
      size_t s = cells[n][0] == ' ' ? 1 : 0;
      size_t e = strlen(cells[n]);
      if (e > s && cells[n][e - 1] == ' ')
        cells[n][e - 1] = '\0';
      memmove(cells[n], cells[n] + s, strlen(cells[n] + s) + 1);
      n++;
      k = 0;
      continue;
    }
    if (line[i] == '\\' && i + 1 < len)
      i++;
    assert_true(k + 1 < 256);
    cells[n][k++] = line[i];
  }
  return n;
}

struct table {
  size_t rows; /* without the header and delimiter rows */
  size_t columns;
  char cells[64][10][256];
};

/* Parses the table whose header row starts with header_start; every row
 * must have as many cells as the header. */
static void parse_table(const char *text, const char *header_start,
                        struct table *t) {
  const char *line = strstr(text, header_start);
  assert_non_null(line);
  memset(t, 0, sizeof(*t));
  size_t index = 0;
  while (*line == '|') {
    const char *nl = strchr(line, '\n');
    char cells[10][256];
    size_t n = row_cells(line, (size_t)(nl - line), cells, 10);
    if (index == 0)
      t->columns = n;
    else if (n != t->columns)
      fail_msg("row %zu has %zu cells, not %zu", index, n, t->columns);
    if (index == 1)
      for (size_t c = 0; c < n; c++)
        assert_string_equal(cells[c], "---");
    if (index != 1) {
      assert_true(t->rows < 64);
      memcpy(t->cells[index == 0 ? 0 : ++t->rows], cells, sizeof(cells));
    }
    index++;
    line = nl + 1;
  }
}

/* --- Annotations. --- */

static void
test_github_annotations_give_one_per_failing_gate_first(void **state) {
  struct sc_results results;
  struct command cmds[8];
  size_t hidden;

  (void)state;
  build_results(&results);
  char *text = annotations_of(&results, &hidden);
  size_t n = parse_commands(text, cmds, 8);
  assert_int_equal(hidden, 0);
  /* tests, memcheck's first, strict's (a warning), then memcheck's second;
   * the ungraded kata has no location, so no annotation. */
  assert_int_equal(n, 4);
  assert_string_equal(cmds[0].name, "error");
  assert_string_equal(cmds[0].title, "02-pipe|line: test_drains");
  assert_int_equal(cmds[0].line, 42);
  assert_string_equal(cmds[1].title, "02-pipe|line: memcheck gate");
  assert_int_equal(cmds[1].line, 17);
  assert_string_equal(cmds[2].name, "warning");
  assert_string_equal(cmds[2].title, "02-pipe|line: strict gate");
  assert_string_equal(cmds[2].message,
                      "unused variable 'n' [-Wunused-variable]");
  assert_string_equal(cmds[3].name, "error");
  assert_int_equal(cmds[3].line, 30);
  free(text);
  sc_results_free(&results);
}

static void test_github_annotations_escape_data_and_properties(void **state) {
  struct sc_results results;
  struct command cmd;
  size_t hidden;

  (void)state;
  build_results(&results);
  char *text = annotations_of(&results, &hidden);
  const char *nl = strchr(text, '\n');
  assert_non_null(nl);
  /* As text: the exact escapes. */
  assert_non_null(strstr(text, "file=katas/02-pipe/odd%3Aname%2C1.c,line=42,"
                               "title=02-pipe|line%3A test_drains::"
                               "100%25 wrong: a, b%0Asecond\xe2\x90\x8d"
                               "line\n"));
  /* As structure: the round trip gives back the original strings. */
  parse_command(text, (size_t)(nl - text), &cmd);
  assert_string_equal(cmd.file, "katas/02-pipe/odd:name,1.c");
  /* "\r\n" ends a line; a lone CR is shown, never obeyed. */
  assert_string_equal(cmd.message, "100% wrong: a, b\nsecond\xe2\x90\x8d"
                                   "line");
  free(text);
  sc_results_free(&results);
}

static void
test_github_annotations_show_10_errors_and_10_warnings_and_count_the_rest(
    void **state) {
  struct sc_results results;
  struct command cmds[32];
  size_t hidden;

  (void)state;
  build_many(&results, 8);
  char *text = annotations_of(&results, &hidden);
  size_t n = parse_commands(text, cmds, 32);
  size_t errors = 0, warnings = 0;
  for (size_t i = 0; i < n; i++)
    *(strcmp(cmds[i].name, "error") == 0 ? &errors : &warnings) += 1;
  assert_int_equal(errors, 10);
  assert_int_equal(warnings, 10);
  /* 8 katas x (3 errors + 3 warnings) = 48; 20 shown. */
  assert_int_equal(hidden, 28);
  /* One per failing gate first, in kata order: kata 1's test, kata 1's
   * first leak, kata 1's first warning, kata 2's test... */
  assert_string_equal(cmds[0].title, "01-kata: test_one");
  assert_int_equal(cmds[1].line, 2);
  assert_string_equal(cmds[2].name, "warning");
  assert_int_equal(cmds[2].line, 10);
  assert_string_equal(cmds[3].title, "02-kata: test_one");
  /* The errors are the first locations of 5 katas' two gates; no second
   * leak made it. */
  for (size_t i = 0; i < n; i++)
    assert_int_not_equal(cmds[i].line, 3);
  free(text);
  sc_results_free(&results);
}

static void
test_github_annotations_cut_messages_at_4096_characters(void **state) {
  struct sc_results results;
  struct command cmd;
  size_t hidden;
  /* 5000 two-byte characters. */
  char *long_message = sc_xcalloc(5000 * 2 + 1, 1);
  for (size_t i = 0; i < 5000; i++)
    memcpy(long_message + 2 * i, "\xc3\xa9", 2);

  (void)state;
  build_many(&results, 1);
  free(results.katas[0].gates[SC_GATE_TESTS].tests[0].message);
  results.katas[0].gates[SC_GATE_TESTS].tests[0].message = long_message;
  char *text = annotations_of(&results, &hidden);
  parse_command(text, strcspn(text, "\n"), &cmd);
  size_t chars = 0;
  for (const char *p = cmd.message; *p; p++)
    chars += ((unsigned char)*p & 0xC0) != 0x80;
  assert_int_equal(chars, SC_GITHUB_MESSAGE_MAX);
  assert_non_null(strstr(cmd.message, "\xc3\xa9\xe2\x80\xa6"));
  free(text);
  sc_results_free(&results);
}

static void
test_github_annotations_skip_failures_without_a_location_in_the_repo(
    void **state) {
  struct sc_results results;
  size_t hidden;

  (void)state;
  build_many(&results, 1);
  struct sc_gate_result *gates = results.katas[0].gates;
  /* Outside the repository: absolute, or climbing out. */
  free(gates[SC_GATE_TESTS].locations[0].file);
  gates[SC_GATE_TESTS].locations[0].file = sc_xstrdup("/usr/include/uv.h");
  free(gates[SC_GATE_MEMCHECK].locations[0].file);
  gates[SC_GATE_MEMCHECK].locations[0].file = sc_xstrdup("../k.c");
  gates[SC_GATE_MEMCHECK].location_count = 1;
  gates[SC_GATE_STRICT].status = SC_STATUS_PASS;
  char *text = annotations_of(&results, &hidden);
  assert_string_equal(text, "");
  assert_int_equal(hidden, 0);
  free(text);
  gates[SC_GATE_MEMCHECK].location_count = 2;
  sc_results_free(&results);
}

/* --- The summary. --- */

static void test_github_summary_gives_the_score_and_level(void **state) {
  struct sc_results results;

  (void)state;
  build_results(&results);
  char *text = summary_of(&results);
  const char *want = "## senior-check: 145/300, level junior\n\n";
  assert_true(strncmp(text, want, strlen(want)) == 0);
  free(text);
  sc_results_free(&results);
}

static void test_github_summary_table_has_a_row_per_kata_and_a_column_per_gate(
    void **state) {
  struct sc_results results;
  struct table *t = sc_xcalloc(1, sizeof(*t));
  static const char *const header[] = {"kata",     "build",  "tests",
                                       "memcheck", "timing", "coverage",
                                       "strict",   "score"};

  (void)state;
  build_results(&results);
  char *text = summary_of(&results);
  parse_table(text, "| kata |", t);
  assert_int_equal(t->columns, 8);
  assert_int_equal(t->rows, 3);
  for (size_t c = 0; c < 8; c++)
    assert_string_equal(t->cells[0][c], header[c]);
  assert_string_equal(t->cells[1][0], "01-predict-order");
  assert_string_equal(t->cells[1][7], "100/100");
  /* The "|" of the id is escaped, so the row keeps its 8 cells. */
  assert_string_equal(t->cells[2][0], "02-pipe|line");
  assert_string_equal(t->cells[2][2], "fail 20/40");
  assert_string_equal(t->cells[2][4], "skip 0/15");
  assert_string_equal(t->cells[2][6], "fail 5/10");
  assert_string_equal(t->cells[3][1], "error 0/10");
  assert_non_null(strstr(text, "| 02-pipe\\|line |"));
  free(text);
  free(t);
  sc_results_free(&results);
}

static void test_github_summary_explains_each_lost_point(void **state) {
  struct sc_results results;

  (void)state;
  build_results(&results);
  char *text = summary_of(&results);
  assert_non_null(strstr(text, "### Points lost\n"));
  assert_null(strstr(text, "**01-predict-order**"));
  assert_non_null(strstr(text, "- **02-pipe\\|line**: 55 points lost\n"
                               "  - tests, 20 points: 1 of 2 tests pass; "
                               "first failure: test\\_drains\n"
                               "    - 0x2 != 0x3\n"
                               "  - memcheck, 15 points: 2 leaks \\| 32 "
                               "bytes\n"
                               "    - details\n"
                               "  - timing, 15 points: skipped: the tests "
                               "fail\n"
                               "  - strict, 5 points: 1 warning in your "
                               "files\n"));
  assert_non_null(strstr(text, "- **03-ungraded**: 100 points lost; could not "
                               "be graded: cannot create "
                               "'build/katas/03-ungraded'\n"));
  free(text);
  sc_results_free(&results);
}

static void
test_github_summary_puts_findings_first_and_says_unofficial(void **state) {
  struct sc_results results;
  struct table *t = sc_xcalloc(1, sizeof(*t));

  (void)state;
  build_results(&results);
  sc_results_add_finding(&results, "katas/02-pipe/test_pipe.c", "modified");
  sc_results_add_finding(&results, "tests/a|b.c", "added");
  char *text = summary_of(&results);
  const char *want = "## Unofficial: 2 protected files changed\n";
  assert_true(strncmp(text, want, strlen(want)) == 0);
  assert_non_null(strstr(text, "## senior-check: 145/300, level junior "
                               "(unofficial)\n"));
  assert_true(strstr(text, "| file |") < strstr(text, "| kata |"));
  parse_table(text, "| file |", t);
  assert_int_equal(t->columns, 2);
  assert_int_equal(t->rows, 2);
  assert_string_equal(t->cells[1][0], "katas/02-pipe/test_pipe.c");
  assert_string_equal(t->cells[2][0], "tests/a|b.c");
  assert_string_equal(t->cells[2][1], "added");
  free(text);
  /* Official results with findings are not called unofficial. */
  results.official = 1;
  text = summary_of(&results);
  assert_null(strstr(text, "nofficial"));
  free(text);
  free(t);
  sc_results_free(&results);
}

static void test_github_summary_counts_the_annotations_not_shown(void **state) {
  struct sc_results results;

  (void)state;
  build_many(&results, 8);
  char *text = summary_of(&results);
  assert_non_null(strstr(text, "Annotations: 20 shown on the learner's lines, "
                               "28 not shown"));
  free(text);
  sc_results_free(&results);
}

static void test_github_summary_stays_under_1_mib(void **state) {
  struct sc_results results;
  char *long_line = sc_xcalloc(2001, 1);
  memset(long_line, 'x', 2000);

  (void)state;
  build_many(&results, 1500);
  for (size_t k = 0; k < results.count; k++)
    sc_gate_set(&results.katas[k].gates[SC_GATE_MEMCHECK], SC_STATUS_FAIL, 0,
                "%s", long_line);
  char *text = summary_of(&results);
  size_t len = strlen(text);
  assert_true(len <= SC_GITHUB_SUMMARY_MAX);
  assert_true(len > SC_GITHUB_SUMMARY_MAX - 1000);
  assert_non_null(strstr(text, "cut at GitHub's 1 MiB limit"));
  /* A quoted line is cut at 500 bytes. */
  assert_null(strstr(text, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxx"));
  /* The cut falls between lines: the text before the note is whole rows. */
  char *note = strstr(text, "\n*This summary was cut");
  assert_non_null(note);
  assert_int_equal(note[-1], '\n');
  free(text);
  free(long_line);
  sc_results_free(&results);
}

static void
test_github_writers_return_a_negative_code_when_writing_fails(void **state) {
  struct sc_results results;

  (void)state;
  build_results(&results);
  FILE *full = fopen("/dev/full", "w");
  assert_non_null(full);
  assert_true(sc_report_github_summary(&results, full) < 0);
  assert_true(sc_report_github_annotations(&results, full) < 0);
  fclose(full);
  sc_results_free(&results);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_github_annotations_give_one_per_failing_gate_first),
      cmocka_unit_test(test_github_annotations_escape_data_and_properties),
      cmocka_unit_test(
          test_github_annotations_show_10_errors_and_10_warnings_and_count_the_rest),
      cmocka_unit_test(test_github_annotations_cut_messages_at_4096_characters),
      cmocka_unit_test(
          test_github_annotations_skip_failures_without_a_location_in_the_repo),
      cmocka_unit_test(test_github_summary_gives_the_score_and_level),
      cmocka_unit_test(
          test_github_summary_table_has_a_row_per_kata_and_a_column_per_gate),
      cmocka_unit_test(test_github_summary_explains_each_lost_point),
      cmocka_unit_test(
          test_github_summary_puts_findings_first_and_says_unofficial),
      cmocka_unit_test(test_github_summary_counts_the_annotations_not_shown),
      cmocka_unit_test(test_github_summary_stays_under_1_mib),
      cmocka_unit_test(
          test_github_writers_return_a_negative_code_when_writing_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

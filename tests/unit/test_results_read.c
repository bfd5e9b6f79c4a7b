/* Tests of the results file reader and of merging shards. Results built by
 * hand are written with sc_report_json_write, read back, and written again:
 * the two files must be byte-identical. Broken files are made by changing
 * one thing in a good file with jansson; each must be refused with a line
 * that names the file and the problem. The round-trip file is kept as
 * SC_BINARY_DIR/report-samples/results.json for tests/schemas/validate.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "model/result.h"
#include "report/json.h"
#include "report/results_read.h"

#define SAMPLES SC_BINARY_DIR "/report-samples"
#define SAMPLE SAMPLES "/results.json"

static void start_kata(struct sc_kata_result *k, const char *id) {
  static const unsigned weights[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};
  char *title = sc_xasprintf("The kata %s", id);
  sc_kata_result_init(k, id, title, 2, weights);
  free(title);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_gate_set(&k->gates[g], SC_STATUS_PASS, weights[g], "fine");
  sc_gate_add_test(&k->gates[SC_GATE_TESTS], "test_one", SC_STATUS_PASS, NULL);
}

/* A kata using everything the file can hold. */
static void full_kata(struct sc_kata_result *k, const char *id) {
  start_kata(k, id);
  struct sc_gate_result *gates = k->gates;
  sc_gate_set(&gates[SC_GATE_TESTS], SC_STATUS_FAIL, 20,
              "1 of 2 tests pass; first failure: test_two\n\"é\" != \"e\"");
  sc_gate_add_test(&gates[SC_GATE_TESTS], "test_two", SC_STATUS_FAIL,
                   "0x2 != 0x3");
  sc_gate_add_location(&gates[SC_GATE_TESTS], "katas/x/a.c", 42,
                       "test_two: here");
  sc_gate_set(&gates[SC_GATE_TIMING], SC_STATUS_FAIL, 7, "1 of 2 met");
  sc_gate_add_figure(&gates[SC_GATE_TIMING], "shallow", "instructions",
                     123456.78949, 1);
  sc_gate_add_figure(&gates[SC_GATE_TIMING], "deep", "instructions", 0, 0);
  sc_gate_add_figure(&gates[SC_GATE_TIMING], "zero", "ms", 0, 1);
  sc_gate_add_threshold(&gates[SC_GATE_TIMING], "flat", "deep vs shallow",
                        1.01349, 0, 1.5, SC_STATUS_PASS);
  sc_gate_add_threshold(&gates[SC_GATE_TIMING], "faster", NULL, 0.1, 1.25, 3,
                        SC_STATUS_FAIL);
  free(gates[SC_GATE_COVERAGE].message);
  gates[SC_GATE_COVERAGE].message = NULL;
  gates[SC_GATE_COVERAGE].status = SC_STATUS_SKIP;
  gates[SC_GATE_COVERAGE].score = 0;
  sc_gate_add_figure(&gates[SC_GATE_COVERAGE], "line coverage", "%", 85.12351,
                     1);
  k->writing = sc_xcalloc(2, sizeof(*k->writing));
  k->writing_count = 2;
  k->writing[0] = (struct sc_writing_result){
      sc_xstrdup("NOTES.md"), sc_xstrdup("the loop in your words"), 1, 420,
      200};
  k->writing[1] =
      (struct sc_writing_result){sc_xstrdup("WHY.md"), NULL, 0, 0, 0};
  sc_kata_result_total(k);
}

static void error_kata(struct sc_kata_result *k, const char *id) {
  start_kata(k, id);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    sc_gate_set(&k->gates[g], SC_STATUS_ERROR, 0, "not graded");
  }
  k->error = sc_xstrdup("cannot create 'build/katas/x'");
  sc_kata_result_total(k);
}

/* Results of the katas named in ids ("!" first makes one that could not
 * be graded, "+" one at full marks; others use everything). */
static void build_shard(struct sc_results *results, const char *const *ids,
                        size_t n) {
  struct sc_kata_result *katas = sc_xcalloc(n + 1, sizeof(*katas));
  for (size_t i = 0; i < n; i++) {
    if (ids[i][0] == '!')
      error_kata(&katas[i], ids[i] + 1);
    else if (ids[i][0] == '+') {
      start_kata(&katas[i], ids[i] + 1);
      sc_kata_result_total(&katas[i]);
    } else
      full_kata(&katas[i], ids[i]);
  }
  *results = (struct sc_results){
      .source = "learner", .katas = katas, .count = n, .elapsed_ms = 10};
  sc_results_total(results);
}

static void build_results(struct sc_results *results) {
  static const char *const ids[] = {"01-predict-order", "!02-backpressure",
                                    "+03-worker-pool"};
  build_shard(results, ids, 3);
  results->official = 1;
  results->trusted_ref = sc_xstrdup("origin/main");
  sc_results_add_finding(results, "katas/01-predict-order/test.c", "modified");
}

static char *temp_path(void) {
  char *path = sc_xstrdup("/tmp/sc-results-read-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  return path;
}

static char *slurp(const char *path) {
  char *text = NULL;
  assert_int_equal(sc_read_file(path, 1u << 24, &text, NULL), 0);
  return text;
}

/* Reads path, which must be accepted. */
static void read_ok(const char *path, struct sc_results *out) {
  char *why = NULL;
  int rc = sc_results_read(path, out, &why);
  if (rc != 0)
    fail_msg("refused: %s", why);
  assert_null(why);
}

/* --- Reading back. --- */

static void
test_results_read_then_write_gives_a_byte_identical_file(void **state) {
  struct sc_results results, back;

  (void)state;
  build_results(&results);
  assert_int_equal(sc_mkdir_p(SAMPLES), 0);
  assert_int_equal(sc_report_json_write(&results, SAMPLE), 0);
  read_ok(SAMPLE, &back);
  char *again = temp_path();
  assert_int_equal(sc_report_json_write(&back, again), 0);
  char *first = slurp(SAMPLE), *second = slurp(again);
  assert_string_equal(first, second);
  unlink(again);
  free(again);
  free(first);
  free(second);
  sc_results_free(&back);
  sc_results_free(&results);
}

static void test_results_read_gives_back_every_field(void **state) {
  struct sc_results results, back;

  (void)state;
  build_results(&results);
  char *path = temp_path();
  assert_int_equal(sc_report_json_write(&results, path), 0);
  read_ok(path, &back);
  assert_string_equal(back.source, "learner");
  assert_int_equal(back.official, 1);
  assert_string_equal(back.trusted_ref, "origin/main");
  assert_int_equal(back.finding_count, 1);
  assert_string_equal(back.findings[0].change, "modified");
  assert_int_equal(back.score, results.score);
  assert_ptr_equal(back.level, sc_level_for(back.score, back.max_score));
  assert_int_equal(back.count, 3);
  const struct sc_kata_result *k = &back.katas[0];
  assert_string_equal(k->title, "The kata 01-predict-order");
  assert_int_equal(k->week, 2);
  assert_int_equal(k->status, SC_STATUS_FAIL);
  const struct sc_gate_result *timing = &k->gates[SC_GATE_TIMING];
  assert_int_equal(timing->figure_count, 3);
  assert_true(timing->figures[0].value == 123456.789);
  assert_int_equal(timing->figures[1].measured, 0);
  assert_int_equal(timing->figures[2].measured, 1);
  assert_true(timing->thresholds[0].min == 0);
  assert_true(timing->thresholds[0].max == 1.5);
  assert_null(timing->thresholds[1].explain);
  assert_int_equal(timing->thresholds[1].status, SC_STATUS_FAIL);
  assert_null(k->gates[SC_GATE_COVERAGE].message);
  assert_int_equal(k->gates[SC_GATE_TESTS].test_count, 2);
  assert_null(k->gates[SC_GATE_TESTS].tests[0].message);
  assert_int_equal(k->gates[SC_GATE_TESTS].locations[0].line, 42);
  assert_int_equal(k->writing_count, 2);
  assert_null(k->writing[1].about);
  assert_string_equal(back.katas[1].error, "cannot create 'build/katas/x'");
  assert_int_equal(back.katas[1].status, SC_STATUS_ERROR);
  unlink(path);
  free(path);
  sc_results_free(&back);
  sc_results_free(&results);
}

/* --- Refusing broken files. --- */

static json_t *at(json_t *root, const char *kata_or_null, size_t gate) {
  json_t *kata = json_array_get(json_object_get(root, "katas"), 0);
  if (kata_or_null == NULL)
    return kata;
  return json_array_get(json_object_get(kata, "gates"), gate);
}

/* Writes a good file, lets mutate change it, and checks that the reader
 * refuses it with a code and a line containing want. */
static void assert_refused(void (*mutate)(json_t *root), int code,
                           const char *want) {
  struct sc_results results, back;
  json_error_t jerr;
  char *why = NULL;

  build_results(&results);
  char *path = temp_path();
  assert_int_equal(sc_report_json_write(&results, path), 0);
  json_t *root = json_load_file(path, JSON_PRESERVE_ORDER, &jerr);
  assert_non_null(root);
  mutate(root);
  assert_int_equal(json_dump_file(root, path, JSON_PRESERVE_ORDER), 0);
  json_decref(root);
  memset(&back, 0xab, sizeof(back));
  assert_int_equal(sc_results_read(path, &back, &why), code);
  assert_non_null(why);
  char *prefix = sc_xasprintf("'%s': ", path);
  if (strncmp(why, prefix, strlen(prefix)) != 0 || strstr(why, want) == NULL ||
      strchr(why, '\n') != NULL)
    fail_msg("why is \"%s\", expected \"%s...%s\"", why, prefix, want);
  /* Nothing is left allocated: the output is empty. */
  assert_null(back.katas);
  assert_int_equal(back.count, 0);
  assert_null(back.findings);
  assert_null(back.trusted_ref);
  free(prefix);
  free(why);
  unlink(path);
  free(path);
  sc_results_free(&results);
}

static void format_2(json_t *root) {
  json_object_set_new(root, "format", json_integer(2));
}

static void no_gate_score(json_t *root) {
  json_object_del(at(root, "", 1), "score");
}

static void week_as_string(json_t *root) {
  json_object_set_new(at(root, NULL, 0), "week", json_string("2"));
}

static void negative_line(json_t *root) {
  json_t *loc =
      json_array_get(json_object_get(at(root, "", 1), "locations"), 0);
  json_object_set_new(loc, "line", json_integer(-1));
}

static void swapped_gates(json_t *root) {
  json_t *gates = json_object_get(at(root, NULL, 0), "gates");
  json_t *timing = json_incref(json_array_get(gates, 3));
  json_array_remove(gates, 3);
  json_array_insert_new(gates, 2, timing);
}

static void score_above_max(json_t *root) {
  json_object_set_new(at(root, "", 0), "score", json_integer(11));
}

static void kata_sum_off(json_t *root) {
  json_object_set_new(at(root, NULL, 0), "score", json_integer(60));
}

static void total_off(json_t *root) {
  json_object_set_new(root, "score", json_integer(1));
}

static void wrong_level(json_t *root) {
  json_object_set_new(root, "level", json_string("senior"));
}

static void unknown_source(json_t *root) {
  json_object_set_new(root, "source", json_string("teacher"));
}

static void wrong_status(json_t *root) {
  json_object_set_new(at(root, NULL, 0), "status", json_string("pass"));
}

static void five_gates(json_t *root) {
  json_array_remove(json_object_get(at(root, NULL, 0), "gates"), 5);
}

static void missing_findings(json_t *root) {
  json_object_del(root, "findings");
}

static void test_results_read_refuses_another_format_number(void **state) {
  (void)state;
  assert_refused(format_2, SC_EREPORT, "format 2, this grader reads format 1");
}

static void test_results_read_refuses_a_missing_member(void **state) {
  (void)state;
  assert_refused(no_gate_score, SC_EREPORT,
                 "katas[0].gates[1]: missing 'score'");
  assert_refused(missing_findings, SC_EREPORT, "missing 'findings'");
}

static void test_results_read_refuses_a_member_of_the_wrong_type(void **state) {
  (void)state;
  assert_refused(week_as_string, SC_EREPORT,
                 "katas[0]: 'week' is not an unsigned integer");
  assert_refused(negative_line, SC_EREPORT,
                 "katas[0].gates[1].locations[0]: 'line' is not an unsigned");
}

static void test_results_read_refuses_gates_out_of_order(void **state) {
  (void)state;
  assert_refused(swapped_gates, SC_EREPORT,
                 "katas[0].gates[2]: gate 'timing' out of order (expected "
                 "'memcheck')");
  assert_refused(five_gates, SC_EREPORT, "katas[0]: 5 gates instead of 6");
}

static void test_results_read_refuses_a_score_above_its_max(void **state) {
  (void)state;
  assert_refused(score_above_max, SC_EREPORT,
                 "katas[0].gates[0]: score 11 above max_score 10");
}

static void test_results_read_refuses_totals_that_do_not_add_up(void **state) {
  (void)state;
  assert_refused(kata_sum_off, SC_EREPORT,
                 "katas[0]: score 60/100 is not the sum of its gates' scores "
                 "(62/100)");
  assert_refused(total_off, SC_EREPORT,
                 "score 1/300 is not the sum of the katas' scores");
  assert_refused(wrong_level, SC_EREPORT,
                 "level 'senior' does not match the score (expected "
                 "'mid-level')");
  assert_refused(wrong_status, SC_EREPORT,
                 "katas[0]: status 'pass' does not match the kata (expected "
                 "'fail')");
}

static void test_results_read_refuses_an_unknown_source(void **state) {
  (void)state;
  assert_refused(unknown_source, SC_EREPORT, "unknown source 'teacher'");
}

static void test_results_read_refuses_a_file_that_is_not_json(void **state) {
  struct sc_results back;
  char *why = NULL;
  char *path = temp_path();
  FILE *f = fopen(path, "w");

  (void)state;
  assert_non_null(f);
  fputs("{\"format\": 1,\n \"source\": }", f);
  fclose(f);
  assert_int_equal(sc_results_read(path, &back, &why), SC_EREPORT);
  char *want = sc_xasprintf("'%s': line 2, column ", path);
  assert_true(strncmp(why, want, strlen(want)) == 0);
  free(want);
  free(why);
  unlink(path);
  free(path);
}

static void test_results_read_names_a_file_it_cannot_open(void **state) {
  struct sc_results back;
  char *why = NULL;

  (void)state;
  assert_int_equal(sc_results_read("/nonexistent-sc/results.json", &back, &why),
                   -ENOENT);
  assert_string_equal(why, "'/nonexistent-sc/results.json': No such file or "
                           "directory");
  free(why);
  /* why may be NULL. */
  assert_int_equal(sc_results_read("/nonexistent-sc/results.json", &back, NULL),
                   -ENOENT);
}

static void unknown_member(json_t *root) {
  json_object_set_new(root, "added_later", json_true());
  json_object_set_new(at(root, "", 0), "hint", json_string("x"));
}

static void test_results_read_ignores_members_it_does_not_know(void **state) {
  struct sc_results results, back;
  json_error_t jerr;

  (void)state;
  build_results(&results);
  char *path = temp_path();
  assert_int_equal(sc_report_json_write(&results, path), 0);
  json_t *root = json_load_file(path, JSON_PRESERVE_ORDER, &jerr);
  unknown_member(root);
  assert_int_equal(json_dump_file(root, path, JSON_PRESERVE_ORDER), 0);
  json_decref(root);
  read_ok(path, &back);
  assert_int_equal(back.count, 3);
  unlink(path);
  free(path);
  sc_results_free(&back);
  sc_results_free(&results);
}

/* --- Merging shards. --- */

static void
test_results_merge_sorts_the_katas_of_every_shard_by_id(void **state) {
  static const char *const a[] = {"03-c", "+01-a"};
  static const char *const b[] = {"!02-b"};
  struct sc_results parts[2], merged;
  char *why = NULL;

  (void)state;
  build_shard(&parts[0], a, 2);
  build_shard(&parts[1], b, 1);
  parts[1].elapsed_ms = 99;
  assert_int_equal(sc_results_merge(parts, 2, &merged, &why), 0);
  assert_null(why);
  assert_int_equal(merged.count, 3);
  assert_string_equal(merged.katas[0].id, "01-a");
  assert_string_equal(merged.katas[1].id, "02-b");
  assert_string_equal(merged.katas[2].id, "03-c");
  assert_string_equal(merged.katas[1].error, "cannot create 'build/katas/x'");
  assert_int_equal(merged.score, parts[0].score + parts[1].score);
  assert_int_equal(merged.max_score, 300);
  assert_string_equal(merged.level, "mid-level");
  assert_int_equal(merged.elapsed_ms, 99);
  /* The parts are untouched and separately owned. */
  sc_results_free(&parts[0]);
  sc_results_free(&parts[1]);
  assert_int_equal(merged.katas[2].gates[SC_GATE_TIMING].figure_count, 3);
  sc_results_free(&merged);
}

static void test_results_merge_refuses_a_kata_in_two_shards(void **state) {
  static const char *const a[] = {"01-a", "02-b"};
  static const char *const b[] = {"03-c"};
  static const char *const c[] = {"+02-b"};
  struct sc_results parts[3], merged;
  char *why = NULL;

  (void)state;
  build_shard(&parts[0], a, 2);
  build_shard(&parts[1], b, 1);
  build_shard(&parts[2], c, 1);
  assert_int_equal(sc_results_merge(parts, 3, &merged, &why), SC_EREPORT);
  assert_string_equal(why, "'02-b': graded by shards 1 and 3");
  assert_null(merged.katas);
  free(why);
  for (size_t i = 0; i < 3; i++)
    sc_results_free(&parts[i]);
}

static void
test_results_merge_unites_findings_without_duplicates(void **state) {
  static const char *const a[] = {"01-a"};
  static const char *const b[] = {"02-b"};
  struct sc_results parts[2], merged;

  (void)state;
  build_shard(&parts[0], a, 1);
  build_shard(&parts[1], b, 1);
  sc_results_add_finding(&parts[0], "tests/z.c", "modified");
  sc_results_add_finding(&parts[0], "katas/a/test.c", "deleted");
  sc_results_add_finding(&parts[1], "tests/z.c", "modified");
  sc_results_add_finding(&parts[1], "tests/z.c", "renamed");
  assert_int_equal(sc_results_merge(parts, 2, &merged, NULL), 0);
  assert_int_equal(merged.finding_count, 3);
  assert_string_equal(merged.findings[0].path, "katas/a/test.c");
  assert_string_equal(merged.findings[1].change, "modified");
  assert_string_equal(merged.findings[2].change, "renamed");
  sc_results_free(&merged);
  sc_results_free(&parts[0]);
  sc_results_free(&parts[1]);
}

static void
test_results_merge_is_official_only_when_every_shard_is_and_never_mixes(
    void **state) {
  static const char *const a[] = {"01-a"};
  static const char *const b[] = {"02-b"};
  struct sc_results parts[2], merged;

  (void)state;
  build_shard(&parts[0], a, 1);
  build_shard(&parts[1], b, 1);
  parts[0].official = parts[1].official = 1;
  parts[1].trusted_ref = sc_xstrdup("v1.0");
  assert_int_equal(sc_results_merge(parts, 2, &merged, NULL), 0);
  assert_int_equal(merged.official, 1);
  assert_string_equal(merged.trusted_ref, "v1.0");
  sc_results_free(&merged);
  /* One official shard and one not: neither kind of score. */
  parts[0].official = 0;
  char *why = NULL;
  assert_int_equal(sc_results_merge(parts, 2, &merged, &why), SC_EREPORT);
  assert_non_null(strstr(why, "graded the same way"));
  free(why);
  parts[1].official = 0;
  assert_int_equal(sc_results_merge(parts, 2, &merged, NULL), 0);
  assert_int_equal(merged.official, 0);
  sc_results_free(&merged);
  sc_results_free(&parts[0]);
  sc_results_free(&parts[1]);
}

static void test_results_merge_refuses_shards_that_disagree(void **state) {
  static const char *const a[] = {"01-a"};
  static const char *const b[] = {"02-b"};
  struct sc_results parts[2], merged;
  char *why = NULL;

  (void)state;
  build_shard(&parts[0], a, 1);
  build_shard(&parts[1], b, 1);
  parts[1].source = "solutions";
  assert_int_equal(sc_results_merge(parts, 2, &merged, &why), SC_EREPORT);
  assert_string_equal(why, "shard 2: graded 'solutions' files, shard 1 "
                           "'learner'");
  free(why);
  parts[1].source = "learner";
  parts[0].trusted_ref = sc_xstrdup("v1");
  parts[1].trusted_ref = sc_xstrdup("v2");
  assert_int_equal(sc_results_merge(parts, 2, &merged, &why), SC_EREPORT);
  assert_string_equal(why, "shard 2: trusted ref 'v2' differs from 'v1'");
  free(why);
  assert_int_equal(sc_results_merge(parts, 0, &merged, &why), SC_EREPORT);
  assert_string_equal(why, "no results to merge");
  free(why);
  sc_results_free(&parts[0]);
  sc_results_free(&parts[1]);
}

static void
test_results_merge_of_one_read_file_writes_the_same_file(void **state) {
  struct sc_results results, back, merged;

  (void)state;
  build_results(&results);
  char *first = temp_path(), *second = temp_path();
  assert_int_equal(sc_report_json_write(&results, first), 0);
  read_ok(first, &back);
  assert_int_equal(sc_results_merge(&back, 1, &merged, NULL), 0);
  assert_int_equal(sc_report_json_write(&merged, second), 0);
  char *a = slurp(first), *b = slurp(second);
  assert_string_equal(a, b);
  free(a);
  free(b);
  unlink(first);
  unlink(second);
  free(first);
  free(second);
  sc_results_free(&merged);
  sc_results_free(&back);
  sc_results_free(&results);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(
          test_results_read_then_write_gives_a_byte_identical_file),
      cmocka_unit_test(test_results_read_gives_back_every_field),
      cmocka_unit_test(test_results_read_refuses_another_format_number),
      cmocka_unit_test(test_results_read_refuses_a_missing_member),
      cmocka_unit_test(test_results_read_refuses_a_member_of_the_wrong_type),
      cmocka_unit_test(test_results_read_refuses_gates_out_of_order),
      cmocka_unit_test(test_results_read_refuses_a_score_above_its_max),
      cmocka_unit_test(test_results_read_refuses_totals_that_do_not_add_up),
      cmocka_unit_test(test_results_read_refuses_an_unknown_source),
      cmocka_unit_test(test_results_read_refuses_a_file_that_is_not_json),
      cmocka_unit_test(test_results_read_names_a_file_it_cannot_open),
      cmocka_unit_test(test_results_read_ignores_members_it_does_not_know),
      cmocka_unit_test(test_results_merge_sorts_the_katas_of_every_shard_by_id),
      cmocka_unit_test(test_results_merge_refuses_a_kata_in_two_shards),
      cmocka_unit_test(test_results_merge_unites_findings_without_duplicates),
      cmocka_unit_test(
          test_results_merge_is_official_only_when_every_shard_is_and_never_mixes),
      cmocka_unit_test(test_results_merge_refuses_shards_that_disagree),
      cmocka_unit_test(
          test_results_merge_of_one_read_file_writes_the_same_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the results file writer against the contract of README.md ("The
 * results file"): results built by hand are written to a temporary file and
 * read back with jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "model/result.h"
#include "report/json.h"

struct fixture {
  struct sc_results results;
  char path[64];
  json_t *root; /* the file read back */
  char *text;   /* the file as written */
};

/* One graded kata with all six gates, the timing gate skipped, and one kata
 * that could not be graded. */
static void build_results(struct sc_results *results) {
  struct sc_kata_result *katas = sc_xcalloc(2, sizeof(*katas));
  struct sc_kata_result *k = &katas[0];
  static const unsigned weights[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};

  k->id = sc_xstrdup("01-predict-order");
  k->title = sc_xstrdup("Predict the loop's order");
  k->week = 1;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    k->gates[g].gate = (enum sc_gate)g;
    k->gates[g].max_score = weights[g];
  }
  struct sc_gate_result *gates = k->gates;
  sc_gate_set(&gates[SC_GATE_BUILD], SC_STATUS_PASS, 10, "the kata builds");
  sc_gate_set(&gates[SC_GATE_TESTS], SC_STATUS_FAIL, 20, "1 of 2 tests pass");
  sc_gate_add_test(&gates[SC_GATE_TESTS], "test_queue_pops_in_order",
                   SC_STATUS_PASS, NULL);
  sc_gate_add_test(&gates[SC_GATE_TESTS], "test_queue_drains", SC_STATUS_FAIL,
                   "0x2 != 0x3");
  sc_gate_add_location(&gates[SC_GATE_TESTS], "katas/01-predict-order/drain.c",
                       42, "the failing assertion's caller");
  sc_gate_set(&gates[SC_GATE_MEMCHECK], SC_STATUS_FAIL, 0, "1 leak");
  sc_gate_add_location(&gates[SC_GATE_MEMCHECK],
                       "katas/01-predict-order/task_queue.c", 17,
                       "16 bytes definitely lost");
  /* The timing gate keeps its NULL message: "skip" with a null message. */
  gates[SC_GATE_TIMING].status = SC_STATUS_SKIP;
  sc_gate_add_figure(&gates[SC_GATE_TIMING], "shallow", "instructions",
                     123456.78949, 1);
  sc_gate_add_figure(&gates[SC_GATE_TIMING], "deep", "instructions", 0, 0);
  sc_gate_add_threshold(&gates[SC_GATE_TIMING], "queue cost is flat",
                        "deep against shallow", 1.01349, 0, 1.5,
                        SC_STATUS_PASS);
  sc_gate_add_threshold(&gates[SC_GATE_TIMING], "no explanation", NULL, 2.0006,
                        1.25, 0, SC_STATUS_FAIL);
  sc_gate_set(&gates[SC_GATE_COVERAGE], SC_STATUS_FAIL, 9,
              "line coverage 85.1%% of 90%%");
  sc_gate_add_figure(&gates[SC_GATE_COVERAGE], "line coverage", "%", 85.12351,
                     1);
  sc_gate_set(&gates[SC_GATE_STRICT], SC_STATUS_ERROR, 0,
              "the sanitizer build could not run");
  k->writing = sc_xcalloc(2, sizeof(*k->writing));
  k->writing_count = 2;
  k->writing[0] = (struct sc_writing_result){
      sc_xstrdup("NOTES.md"), sc_xstrdup("the loop in your words"), 1, 420,
      200};
  k->writing[1] =
      (struct sc_writing_result){sc_xstrdup("WHY.md"), NULL, 0, 0, 0};
  sc_kata_result_total(k);

  struct sc_kata_result *e = &katas[1];
  e->id = sc_xstrdup("02-backpressure");
  e->title = sc_xstrdup("Backpressure");
  e->week = 2;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    e->gates[g].gate = (enum sc_gate)g;
    e->gates[g].max_score = weights[g];
    e->gates[g].status = SC_STATUS_ERROR;
  }
  e->error = sc_xstrdup("cannot create 'build/katas/02-backpressure'");
  sc_kata_result_total(e);

  *results =
      (struct sc_results){.source = "learner", .katas = katas, .count = 2};
  sc_results_total(results);
}

static int setup_written(void **state) {
  struct fixture *f = sc_xcalloc(1, sizeof(*f));
  json_error_t jerr;

  build_results(&f->results);
  strcpy(f->path, "/tmp/sc-report-json-XXXXXX");
  int fd = mkstemp(f->path);
  if (fd < 0)
    return -1;
  close(fd);
  if (sc_report_json_write(&f->results, f->path) != 0 ||
      sc_read_file(f->path, 1u << 20, &f->text, NULL) != 0)
    return -1;
  f->root = json_load_file(f->path, JSON_REJECT_DUPLICATES, &jerr);
  if (f->root == NULL) {
    fprintf(stderr, "%s:%d: %s\n", f->path, jerr.line, jerr.text);
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown_written(void **state) {
  struct fixture *f = *state;
  unlink(f->path);
  json_decref(f->root);
  free(f->text);
  sc_results_free(&f->results);
  free(f);
  return 0;
}

static json_t *kata_at(void **state, size_t i) {
  struct fixture *f = *state;
  json_t *kata = json_array_get(json_object_get(f->root, "katas"), i);
  assert_non_null(kata);
  return kata;
}

static json_t *gate_at(void **state, enum sc_gate gate) {
  json_t *g =
      json_array_get(json_object_get(kata_at(state, 0), "gates"), (size_t)gate);
  assert_non_null(g);
  return g;
}

static void assert_int_member(json_t *obj, const char *key, json_int_t want) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_integer(v) || json_integer_value(v) != want)
    fail_msg("'%s' should be the integer %lld", key, (long long)want);
}

static void assert_string_member(json_t *obj, const char *key,
                                 const char *want) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
    fail_msg("'%s' should be \"%s\"", key, want);
}

static void assert_real_member(json_t *obj, const char *key, double want) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_number(v) || json_number_value(v) != want)
    fail_msg("'%s' should be %.3f", key, want);
}

static void test_json_write_gives_the_top_level_fields(void **state) {
  struct fixture *f = *state;

  assert_int_equal(json_object_size(f->root), 11);
  assert_non_null(json_object_get(f->root, "elapsed_ms"));
  assert_true(json_is_string(json_object_get(f->root, "graded_at")));
  assert_int_member(f->root, "format", 1);
  assert_string_member(f->root, "source", "learner");
  assert_true(json_is_false(json_object_get(f->root, "official")));
  assert_true(json_is_null(json_object_get(f->root, "trusted_ref")));
  assert_int_equal(json_array_size(json_object_get(f->root, "findings")), 0);
  assert_int_member(f->root, "score", 39);
  assert_int_member(f->root, "max_score", 200);
  assert_string_member(f->root, "level", "newcomer");
  assert_true(json_is_array(json_object_get(f->root, "katas")));
  assert_int_equal(json_array_size(json_object_get(f->root, "katas")), 2);
}

static void test_json_write_gives_each_kata_its_fields(void **state) {
  json_t *kata = kata_at(state, 0);

  assert_string_member(kata, "id", "01-predict-order");
  assert_string_member(kata, "title", "Predict the loop's order");
  assert_int_member(kata, "week", 1);
  assert_string_member(kata, "status", "fail");
  assert_int_member(kata, "score", 39);
  assert_int_member(kata, "max_score", 100);
  assert_null(json_object_get(kata, "message"));
}

static void
test_json_write_explains_a_kata_that_could_not_be_graded(void **state) {
  json_t *kata = kata_at(state, 1);

  assert_string_member(kata, "id", "02-backpressure");
  assert_string_member(kata, "status", "error");
  assert_int_member(kata, "score", 0);
  assert_string_member(kata, "message",
                       "cannot create 'build/katas/02-backpressure'");
  assert_int_equal(json_array_size(json_object_get(kata, "gates")), 6);
}

static void test_json_write_gives_the_six_gates_in_order(void **state) {
  static const char *const names[] = {"build",  "tests",    "memcheck",
                                      "timing", "coverage", "strict"};
  static const char *const statuses[] = {"pass", "fail", "fail",
                                         "skip", "fail", "error"};
  static const json_int_t scores[] = {10, 20, 0, 0, 9, 0};
  static const json_int_t maxima[] = {10, 40, 15, 15, 10, 10};
  json_t *gates = json_object_get(kata_at(state, 0), "gates");

  assert_int_equal(json_array_size(gates), SC_GATE_COUNT);
  for (size_t g = 0; g < SC_GATE_COUNT; g++) {
    json_t *gate = json_array_get(gates, g);
    assert_string_member(gate, "name", names[g]);
    assert_string_member(gate, "status", statuses[g]);
    assert_int_member(gate, "score", scores[g]);
    assert_int_member(gate, "max_score", maxima[g]);
    assert_non_null(json_object_get(gate, "message"));
  }
  assert_string_member(json_array_get(gates, 0), "message", "the kata builds");
}

static void test_json_write_gives_a_null_message_as_json_null(void **state) {
  json_t *timing = gate_at(state, SC_GATE_TIMING);
  json_t *tests = json_object_get(gate_at(state, SC_GATE_TESTS), "tests");

  assert_true(json_is_null(json_object_get(timing, "message")));
  assert_true(
      json_is_null(json_object_get(json_array_get(tests, 0), "message")));
}

static void test_json_write_lists_tests_only_on_the_tests_gate(void **state) {
  json_t *tests = json_object_get(gate_at(state, SC_GATE_TESTS), "tests");

  assert_int_equal(json_array_size(tests), 2);
  assert_string_member(json_array_get(tests, 0), "name",
                       "test_queue_pops_in_order");
  assert_string_member(json_array_get(tests, 0), "status", "pass");
  assert_string_member(json_array_get(tests, 1), "name", "test_queue_drains");
  assert_string_member(json_array_get(tests, 1), "status", "fail");
  assert_string_member(json_array_get(tests, 1), "message", "0x2 != 0x3");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    if (g != SC_GATE_TESTS)
      assert_null(json_object_get(gate_at(state, (enum sc_gate)g), "tests"));
  /* A tests gate without tests still says so. */
  json_t *errored = json_array_get(json_object_get(kata_at(state, 1), "gates"),
                                   SC_GATE_TESTS);
  assert_int_equal(json_array_size(json_object_get(errored, "tests")), 0);
}

static void test_json_write_gives_figures_and_thresholds_rounded(void **state) {
  json_t *timing = gate_at(state, SC_GATE_TIMING);
  json_t *figures = json_object_get(timing, "figures");
  json_t *thresholds = json_object_get(timing, "thresholds");

  assert_int_equal(json_array_size(figures), 2);
  assert_string_member(json_array_get(figures, 0), "name", "shallow");
  assert_string_member(json_array_get(figures, 0), "unit", "instructions");
  assert_real_member(json_array_get(figures, 0), "value", 123456.789);
  assert_true(
      json_is_null(json_object_get(json_array_get(figures, 1), "value")));
  assert_int_equal(json_array_size(thresholds), 2);
  json_t *t = json_array_get(thresholds, 0);
  assert_string_member(t, "name", "queue cost is flat");
  assert_string_member(t, "explain", "deep against shallow");
  assert_real_member(t, "ratio", 1.013);
  assert_true(json_is_null(json_object_get(t, "min")));
  assert_real_member(t, "max", 1.5);
  assert_string_member(t, "status", "pass");
  t = json_array_get(thresholds, 1);
  assert_true(json_is_null(json_object_get(t, "explain")));
  assert_real_member(t, "ratio", 2.001);
  assert_real_member(t, "min", 1.25);
  assert_true(json_is_null(json_object_get(t, "max")));
  assert_string_member(t, "status", "fail");
  json_t *coverage =
      json_object_get(gate_at(state, SC_GATE_COVERAGE), "figures");
  assert_real_member(json_array_get(coverage, 0), "value", 85.124);
  assert_null(json_object_get(gate_at(state, SC_GATE_BUILD), "figures"));
  assert_null(json_object_get(gate_at(state, SC_GATE_BUILD), "thresholds"));
}

static void
test_json_write_prints_numbers_with_at_most_3_decimals(void **state) {
  struct fixture *f = *state;

  if (strstr(f->text, "\"ratio\": 1.013,") == NULL ||
      strstr(f->text, "\"value\": 123456.789\n") == NULL ||
      strstr(f->text, "\"value\": 85.124\n") == NULL)
    fail_msg("numbers are not printed as rounded:\n%s", f->text);
}

static void test_json_write_gives_the_locations_of_a_gate(void **state) {
  json_t *locations =
      json_object_get(gate_at(state, SC_GATE_MEMCHECK), "locations");

  assert_int_equal(json_array_size(locations), 1);
  json_t *l = json_array_get(locations, 0);
  assert_string_member(l, "file", "katas/01-predict-order/task_queue.c");
  assert_int_member(l, "line", 17);
  assert_string_member(l, "message", "16 bytes definitely lost");
  assert_int_equal(json_array_size(json_object_get(
                       gate_at(state, SC_GATE_TESTS), "locations")),
                   1);
  assert_null(json_object_get(gate_at(state, SC_GATE_BUILD), "locations"));
}

static void test_json_write_gives_the_writing_of_a_kata(void **state) {
  json_t *writing = json_object_get(kata_at(state, 0), "writing");

  assert_int_equal(json_array_size(writing), 2);
  json_t *w = json_array_get(writing, 0);
  assert_string_member(w, "file", "NOTES.md");
  assert_string_member(w, "about", "the loop in your words");
  assert_true(json_is_true(json_object_get(w, "present")));
  assert_int_member(w, "words", 420);
  assert_int_member(w, "min_words", 200);
  w = json_array_get(writing, 1);
  assert_true(json_is_null(json_object_get(w, "about")));
  assert_true(json_is_false(json_object_get(w, "present")));
  assert_int_equal(
      json_array_size(json_object_get(kata_at(state, 1), "writing")), 0);
}

static void
test_json_write_returns_a_negative_code_for_an_unwritable_path(void **state) {
  struct sc_results results;

  (void)state;
  build_results(&results);
  assert_true(
      sc_report_json_write(&results, "/nonexistent-sc-dir/results.json") < 0);
  assert_true(sc_report_json_write(&results, "/tmp") < 0);
  sc_results_free(&results);
}

static void test_json_write_of_no_katas_is_a_valid_file(void **state) {
  struct sc_results results = {.source = "solutions"};
  char path[] = "/tmp/sc-report-json-XXXXXX";
  json_error_t jerr;

  (void)state;
  sc_results_total(&results);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(sc_report_json_write(&results, path), 0);
  json_t *root = json_load_file(path, 0, &jerr);
  unlink(path);
  assert_non_null(root);
  assert_string_member(root, "source", "solutions");
  assert_int_member(root, "score", 0);
  assert_int_member(root, "max_score", 0);
  assert_int_equal(json_array_size(json_object_get(root, "katas")), 0);
  json_decref(root);
}

int main(void) {
#define WRITTEN(test)                                                          \
  cmocka_unit_test_setup_teardown(test, setup_written, teardown_written)
  const struct CMUnitTest tests[] = {
      WRITTEN(test_json_write_gives_the_top_level_fields),
      WRITTEN(test_json_write_gives_each_kata_its_fields),
      WRITTEN(test_json_write_explains_a_kata_that_could_not_be_graded),
      WRITTEN(test_json_write_gives_the_six_gates_in_order),
      WRITTEN(test_json_write_gives_a_null_message_as_json_null),
      WRITTEN(test_json_write_lists_tests_only_on_the_tests_gate),
      WRITTEN(test_json_write_gives_figures_and_thresholds_rounded),
      WRITTEN(test_json_write_prints_numbers_with_at_most_3_decimals),
      WRITTEN(test_json_write_gives_the_locations_of_a_gate),
      WRITTEN(test_json_write_gives_the_writing_of_a_kata),
      cmocka_unit_test(
          test_json_write_returns_a_negative_code_for_an_unwritable_path),
      cmocka_unit_test(test_json_write_of_no_katas_is_a_valid_file),
  };
#undef WRITTEN
  return cmocka_run_group_tests(tests, NULL, NULL);
}

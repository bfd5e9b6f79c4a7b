/* Tests of the Gradescope results.json writer: results built by hand are
 * written, read back with jansson and checked field by field, and
 * structurally against what tests/schemas/gradescope-results.schema.json
 * says (ajv checks the same file against the schema itself: the file is
 * kept as SC_BINARY_DIR/report-samples/gradescope.json for
 * tests/schemas/validate.sh). */
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

#include "core/util.h"
#include "model/result.h"
#include "report/gradescope.h"

#define SAMPLES SC_BINARY_DIR "/report-samples"
#define SAMPLE SAMPLES "/gradescope.json"

struct fixture {
  struct sc_results results;
  json_t *root;
};

static void start_kata(struct sc_kata_result *k, const char *id) {
  static const unsigned weights[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};
  char *title = sc_xasprintf("kata %s", id);
  sc_kata_result_init(k, id, title, 1, weights);
  free(title);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_gate_set(&k->gates[g], SC_STATUS_PASS, weights[g], "fine");
}

/* A kata at full marks, one short of them (a gate with a null message
 * among them) and one that could not be graded. */
static void build_results(struct sc_results *results) {
  struct sc_kata_result *katas = sc_xcalloc(3, sizeof(*katas));
  start_kata(&katas[0], "01-predict-order");
  sc_kata_result_total(&katas[0]);

  struct sc_kata_result *k = &katas[1];
  start_kata(k, "02-backpressure");
  sc_gate_set(&k->gates[SC_GATE_TESTS], SC_STATUS_FAIL, 30,
              "3 of 4 tests pass; first failure: test_pause\n\"1\" != \"2\"");
  sc_gate_set(&k->gates[SC_GATE_STRICT], SC_STATUS_FAIL, 5,
              "1 warning\r\nfrom a\rprogress line");
  /* A flood: 20000 bytes of which the 8192nd starts inside "é". */
  struct sc_buf flood = {0};
  for (int i = 0; i < 8191; i++)
    sc_buf_add(&flood, "x", 1);
  while (flood.len < 20000)
    sc_buf_puts(&flood, "\xc3\xa9");
  sc_gate_set(&k->gates[SC_GATE_MEMCHECK], SC_STATUS_PASS, 15, flood.data);
  sc_buf_free(&flood);
  free(k->gates[SC_GATE_TIMING].message);
  k->gates[SC_GATE_TIMING].message = NULL;
  k->gates[SC_GATE_TIMING].status = SC_STATUS_SKIP;
  k->gates[SC_GATE_TIMING].score = 0;
  sc_kata_result_total(k);

  struct sc_kata_result *e = &katas[2];
  start_kata(e, "03-worker-pool");
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    free(e->gates[g].message);
    e->gates[g].message = NULL;
    e->gates[g].status = SC_STATUS_ERROR;
    e->gates[g].score = 0;
  }
  e->error = sc_xstrdup("cannot create 'build/katas/03-worker-pool'");
  sc_kata_result_total(e);

  *results = (struct sc_results){
      .source = "learner", .katas = katas, .count = 3, .elapsed_ms = 61234};
  sc_results_total(results);
}

static int setup_written(void **state) {
  struct fixture *f = sc_xcalloc(1, sizeof(*f));
  json_error_t jerr;

  build_results(&f->results);
  if (sc_mkdir_p(SAMPLES) != 0 ||
      sc_report_gradescope_write(&f->results, SAMPLE) != 0)
    return -1;
  f->root = json_load_file(SAMPLE, JSON_REJECT_DUPLICATES, &jerr);
  if (f->root == NULL) {
    fprintf(stderr, "%s:%d: %s\n", SAMPLE, jerr.line, jerr.text);
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown_written(void **state) {
  struct fixture *f = *state;
  json_decref(f->root);
  sc_results_free(&f->results);
  free(f);
  return 0;
}

/* --- The schema's rules, checked with jansson. --- */

static int one_of(const char *s, const char *const *allowed) {
  for (; *allowed; allowed++)
    if (strcmp(s, *allowed) == 0)
      return 1;
  return 0;
}

/* Checks that obj has only the allowed keys and all the required ones. */
static void assert_keys(json_t *obj, const char *const *required,
                        const char *const *optional) {
  const char *key;
  json_t *value;

  assert_true(json_is_object(obj));
  for (const char *const *r = required; *r; r++)
    if (json_object_get(obj, *r) == NULL)
      fail_msg("missing '%s'", *r);
  json_object_foreach(obj, key, value) {
    (void)value;
    if (!one_of(key, required) && !one_of(key, optional))
      fail_msg("unexpected '%s'", key);
  }
}

static void assert_points(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_number(v) || json_number_value(v) < 0)
    fail_msg("'%s' is not a number of points", key);
}

static void assert_enum(json_t *obj, const char *key,
                        const char *const *allowed) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v) || !one_of(json_string_value(v), allowed))
    fail_msg("'%s' is not one of its allowed values", key);
}

static const char *const formats[] = {"text", "html",          "md",
                                      "ansi", "simple_format", NULL};
static const char *const visibilities[] = {"hidden", "after_due_date",
                                           "after_published", "visible", NULL};

static void assert_schema_test(json_t *test) {
  static const char *const required[] = {
      "score",  "max_score",     "status", "name",       "number",
      "output", "output_format", "tags",   "visibility", NULL};
  static const char *const optional[] = {"extra_data", NULL};
  static const char *const statuses[] = {"passed", "failed", NULL};
  size_t i;
  json_t *tag;

  assert_keys(test, required, optional);
  assert_points(test, "score");
  assert_points(test, "max_score");
  assert_enum(test, "status", statuses);
  assert_true(json_string_length(json_object_get(test, "name")) > 0);
  assert_true(json_is_string(json_object_get(test, "number")));
  assert_true(json_is_string(json_object_get(test, "output")));
  assert_enum(test, "output_format", formats);
  assert_enum(test, "visibility", visibilities);
  assert_true(json_is_array(json_object_get(test, "tags")));
  json_array_foreach(json_object_get(test, "tags"), i, tag)
      assert_true(json_is_string(tag));
}

static void assert_schema(json_t *root) {
  static const char *const required[] = {"score",
                                         "max_score",
                                         "execution_time",
                                         "output",
                                         "output_format",
                                         "visibility",
                                         "stdout_visibility",
                                         "tests",
                                         NULL};
  static const char *const optional[] = {"extra_data", "leaderboard", NULL};
  size_t i;
  json_t *test;

  assert_keys(root, required, optional);
  assert_points(root, "score");
  assert_points(root, "max_score");
  assert_points(root, "execution_time");
  assert_true(json_is_string(json_object_get(root, "output")));
  assert_enum(root, "output_format", formats);
  assert_enum(root, "visibility", visibilities);
  assert_enum(root, "stdout_visibility", visibilities);
  assert_true(json_is_array(json_object_get(root, "tests")));
  json_array_foreach(json_object_get(root, "tests"), i, test)
      assert_schema_test(test);
}

static json_t *test_at(void **state, size_t i) {
  struct fixture *f = *state;
  json_t *test = json_array_get(json_object_get(f->root, "tests"), i);
  assert_non_null(test);
  return test;
}

static void assert_string_member(json_t *obj, const char *key,
                                 const char *want) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0)
    fail_msg("'%s' should be \"%s\"", key, want);
}

static void assert_int_member(json_t *obj, const char *key, json_int_t want) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_integer(v) || json_integer_value(v) != want)
    fail_msg("'%s' should be the integer %lld", key, (long long)want);
}

/* --- Tests. --- */

static void test_gradescope_write_follows_the_schema(void **state) {
  struct fixture *f = *state;
  assert_schema(f->root);
}

static void test_gradescope_write_gives_the_top_level_fields(void **state) {
  struct fixture *f = *state;

  assert_int_member(f->root, "score", 170);
  assert_int_member(f->root, "max_score", 300);
  assert_true(json_number_value(json_object_get(f->root, "execution_time")) ==
              61.234);
  assert_string_member(f->root, "output_format", "md");
  assert_string_member(f->root, "visibility", "visible");
  assert_string_member(f->root, "stdout_visibility", "hidden");
  assert_string_member(f->root, "output",
                       "**senior-check: 170/300, level mid-level**\n"
                       "\n- 01-predict-order: 100/100\n"
                       "- 02-backpressure: 70/100\n"
                       "- 03-worker-pool: 0/100 (could not be graded)\n");
}

static void
test_gradescope_write_gives_one_test_per_kata_per_gate(void **state) {
  struct fixture *f = *state;

  assert_int_equal(json_array_size(json_object_get(f->root, "tests")),
                   3 * SC_GATE_COUNT);
  json_t *t = test_at(state, 6 + SC_GATE_TESTS);
  assert_string_member(t, "name", "02-backpressure / tests");
  assert_string_member(t, "number", "2.2");
  assert_string_member(t, "output",
                       "3 of 4 tests pass; first failure: test_pause\n"
                       "\"1\" != \"2\"");
  assert_string_member(t, "output_format", "text");
  assert_string_member(t, "visibility", "visible");
  json_t *tags = json_object_get(t, "tags");
  assert_int_equal(json_array_size(tags), 2);
  assert_string_equal(json_string_value(json_array_get(tags, 0)),
                      "02-backpressure");
  assert_string_equal(json_string_value(json_array_get(tags, 1)), "tests");
  assert_string_member(test_at(state, 0), "number", "1.1");
  assert_string_member(test_at(state, 17), "name", "03-worker-pool / strict");
  assert_string_member(test_at(state, 17), "number", "3.6");
}

static void test_gradescope_write_says_passed_only_at_full_marks(void **state) {
  json_t *tests = test_at(state, 6 + SC_GATE_TESTS);
  json_t *build = test_at(state, 6 + SC_GATE_BUILD);

  assert_string_member(tests, "status", "failed");
  assert_int_member(tests, "score", 30);
  assert_int_member(tests, "max_score", 40);
  assert_string_member(build, "status", "passed");
  assert_string_member(test_at(state, 6 + SC_GATE_TIMING), "status", "failed");
}

static void
test_gradescope_write_gives_scores_that_add_up_to_the_total(void **state) {
  struct fixture *f = *state;
  double score = 0, max_score = 0;
  size_t i;
  json_t *test;

  json_array_foreach(json_object_get(f->root, "tests"), i, test) {
    score += json_number_value(json_object_get(test, "score"));
    max_score += json_number_value(json_object_get(test, "max_score"));
  }
  assert_true(score == 170);
  assert_true(max_score == 300);
}

static void
test_gradescope_write_gives_output_without_carriage_returns(void **state) {
  /* Kata 2's strict gate: "\r\n" ends a line, a lone "\r" is shown
   * (U+240D) rather than sent back over the line. */
  assert_string_member(test_at(state, 6 + 5), "output",
                       "1 warning\nfrom a\xe2\x90\x8dprogress line");
}

static void test_gradescope_write_cuts_a_flood_and_says_so(void **state) {
  json_t *memcheck = test_at(state, 6 + 2);
  const char *output = json_string_value(json_object_get(memcheck, "output"));
  assert_non_null(output);
  const char *cut = strstr(output, "\n[cut: 11810 more bytes;");
  if (cut == NULL)
    fail_msg("no cut note in the memcheck output's end: \"%s\"",
             output + strlen(output) - 80);
  /* Cut before the character that straddles the limit, never inside it. */
  assert_int_equal(cut - output, 8191);
  assert_non_null(strstr(cut, "./senior-check run 02-backpressure"));
}

static void
test_gradescope_write_explains_a_gate_without_a_message(void **state) {
  assert_string_member(test_at(state, 12 + SC_GATE_BUILD), "output",
                       "cannot create 'build/katas/03-worker-pool'");
  assert_string_member(test_at(state, 6 + SC_GATE_TIMING), "output", "skip");
}

static void test_gradescope_write_says_unofficial_when_protected_files_changed(
    void **state) {
  struct sc_results results;
  char path[] = "/tmp/sc-gradescope-XXXXXX";
  json_error_t jerr;

  (void)state;
  build_results(&results);
  sc_results_add_finding(&results, "katas/02-backpressure/test.c", "modified");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(sc_report_gradescope_write(&results, path), 0);
  json_t *root = json_load_file(path, 0, &jerr);
  unlink(path);
  assert_non_null(root);
  assert_schema(root);
  assert_non_null(strstr(json_string_value(json_object_get(root, "output")),
                         "\nUnofficial: 1 protected file changed"));
  json_decref(root);
  sc_results_free(&results);
}

static void test_gradescope_write_of_no_katas_follows_the_schema(void **state) {
  struct sc_results results = {.source = "learner"};
  char path[] = "/tmp/sc-gradescope-XXXXXX";
  json_error_t jerr;

  (void)state;
  sc_results_total(&results);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(sc_report_gradescope_write(&results, path), 0);
  json_t *root = json_load_file(path, 0, &jerr);
  unlink(path);
  assert_non_null(root);
  assert_schema(root);
  assert_int_equal(json_array_size(json_object_get(root, "tests")), 0);
  json_decref(root);
}

static void
test_gradescope_write_returns_a_negative_code_for_an_unwritable_path(
    void **state) {
  struct sc_results results;

  (void)state;
  build_results(&results);
  assert_int_equal(
      sc_report_gradescope_write(&results, "/nonexistent-sc-dir/r.json"),
      -ENOENT);
  sc_results_free(&results);
}

int main(void) {
#define WRITTEN(test)                                                          \
  cmocka_unit_test_setup_teardown(test, setup_written, teardown_written)
  const struct CMUnitTest tests[] = {
      WRITTEN(test_gradescope_write_follows_the_schema),
      WRITTEN(test_gradescope_write_gives_the_top_level_fields),
      WRITTEN(test_gradescope_write_gives_one_test_per_kata_per_gate),
      WRITTEN(test_gradescope_write_says_passed_only_at_full_marks),
      WRITTEN(test_gradescope_write_gives_scores_that_add_up_to_the_total),
      WRITTEN(test_gradescope_write_explains_a_gate_without_a_message),
      WRITTEN(test_gradescope_write_gives_output_without_carriage_returns),
      WRITTEN(test_gradescope_write_cuts_a_flood_and_says_so),
      cmocka_unit_test(
          test_gradescope_write_says_unofficial_when_protected_files_changed),
      cmocka_unit_test(test_gradescope_write_of_no_katas_follows_the_schema),
      cmocka_unit_test(
          test_gradescope_write_returns_a_negative_code_for_an_unwritable_path),
  };
#undef WRITTEN
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the manifest reader, sc_kata_load(), on the kata folders of
 * tests/fixtures/manifests/: valid manifests load with every field right,
 * and each broken one is refused with one line naming the file and the
 * mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/util.h"
#include "model/kata.h"

#define MANIFESTS SC_SOURCE_DIR "/tests/fixtures/manifests/"
#define GOOD(name) MANIFESTS "good/katas/" name
#define BROKEN(name) MANIFESTS "broken/" name

/* Loads a fixture that must be valid; the caller frees the kata. */
static struct sc_kata *load_good(const char *dir) {
  struct sc_kata *kata = NULL;
  char *why = NULL;
  int err = sc_kata_load(dir, &kata, &why);
  if (err != 0)
    fail_msg("'%s' did not load: %s", dir, why ? why : "(no message)");
  assert_non_null(kata);
  assert_null(why);
  return kata;
}

/* Loads broken/<name> and checks it is refused with one line of the form
 * "invalid manifest '<dir>/kata.json': ..." that contains problem. */
static void assert_refused(const char *name, const char *problem) {
  char *dir = sc_path_join(MANIFESTS "broken", name);
  char *prefix = sc_xasprintf("invalid manifest '%s/kata.json': ", dir);
  struct sc_kata *kata = (struct sc_kata *)&prefix; /* must become NULL */
  char *why = NULL;

  assert_int_equal(sc_kata_load(dir, &kata, &why), SC_EMANIFEST);
  assert_null(kata);
  assert_non_null(why);
  if (strncmp(why, prefix, strlen(prefix)) != 0 ||
      strstr(why, problem) == NULL || strchr(why, '\n') != NULL)
    fail_msg("message \"%s\" should start with \"%s\" and say \"%s\" on one "
             "line",
             why, prefix, problem);
  free(why);
  free(prefix);
  free(dir);
}

static void
test_kata_load_reads_every_field_of_a_complete_manifest(void **state) {
  struct sc_kata *kata = load_good(GOOD("01-complete"));

  (void)state;
  assert_string_equal(kata->id, "01-complete");
  assert_string_equal(kata->title, "Every field of a manifest");
  assert_string_equal(kata->goal,
                      "a kata that sets every field the grader reads");
  assert_int_equal(kata->week, 3);
  assert_string_equal(kata->dir, GOOD("01-complete"));
  assert_string_equal(kata->manifest_path, GOOD("01-complete") "/kata.json");
  assert_int_equal(kata->editable_count, 3);
  assert_string_equal(kata->editable[0], "queue.c");
  assert_string_equal(kata->editable[1], "src/drain.c");
  assert_string_equal(kata->editable[2], "my_tests.c");
  assert_null(kata->editable[3]);
  assert_string_equal(kata->suite, "test_complete.c");
  assert_string_equal(kata->learner_tests, "my_tests.c");
  assert_string_equal(kata->benchmark, "bench.c");
  assert_string_equal(kata->memcheck_filter, "test_queue_*");
  assert_int_equal(kata->coverage_line, 95);
  assert_int_equal(kata->coverage_branch, 0);
  sc_kata_free(kata);
}

static void
test_kata_load_reads_gate_timeouts_and_weights_by_gate_name(void **state) {
  struct sc_kata *kata = load_good(GOOD("01-complete"));
  static const unsigned timeouts[SC_GATE_COUNT] = {90, 7, 45, 200, 33, 3600};
  static const unsigned weights[SC_GATE_COUNT] = {5, 50, 10, 20, 5, 10};

  (void)state;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    assert_int_equal(kata->timeout_s[g], timeouts[g]);
    assert_int_equal(kata->weight[g], weights[g]);
  }
  sc_kata_free(kata);
}

static void
test_kata_load_reads_figures_with_their_kind_function_and_args(void **state) {
  struct sc_kata *kata = load_good(GOOD("01-complete"));
  const struct sc_figure_spec *f = kata->figures;

  (void)state;
  assert_int_equal(kata->figure_count, 4);
  assert_string_equal(f[0].name, "shallow");
  assert_int_equal(f[0].kind, SC_FIGURE_INSTRUCTIONS);
  assert_string_equal(f[0].function, "bench_ops");
  assert_int_equal(f[0].arg_count, 2);
  assert_string_equal(f[0].args[0], "1000");
  assert_string_equal(f[0].args[1], "10000");
  assert_null(f[0].args[2]);
  assert_string_equal(f[1].name, "rss");
  assert_int_equal(f[1].kind, SC_FIGURE_PEAK_RSS);
  assert_null(f[1].function);
  assert_int_equal(f[1].arg_count, 0);
  assert_non_null(f[1].args); /* "args": [] is an empty argv */
  assert_null(f[1].args[0]);
  assert_string_equal(f[2].name, "deep");
  assert_string_equal(f[2].args[0], "100000");
  assert_string_equal(f[3].name, "clock");
  assert_int_equal(f[3].kind, SC_FIGURE_WALL_MS);
  assert_null(f[3].args);
  assert_int_equal(f[3].arg_count, 0);
  sc_kata_free(kata);
}

static void
test_kata_load_resolves_threshold_figures_to_their_indexes(void **state) {
  struct sc_kata *kata = load_good(GOOD("01-complete"));
  const struct sc_threshold_spec *t = kata->thresholds;

  (void)state;
  assert_int_equal(kata->threshold_count, 2);
  assert_string_equal(t[0].name, "cost does not grow with length");
  assert_int_equal(t[0].numerator.count, 1);
  assert_int_equal(t[0].numerator.figures[0], 2); /* deep */
  assert_int_equal(t[0].denominator.count, 1);
  assert_int_equal(t[0].denominator.figures[0], 0); /* shallow */
  assert_true(t[0].has_max && t[0].max == 1.5);
  assert_false(t[0].has_min);
  assert_string_equal(t[0].explain,
                      "the same operations with 100 times the tasks");
  assert_string_equal(t[1].name, "memory against time");
  assert_int_equal(t[1].numerator.count, 1);
  assert_int_equal(t[1].numerator.figures[0], 1); /* rss */
  assert_int_equal(t[1].denominator.count, 1);
  assert_int_equal(t[1].denominator.figures[0], 3); /* clock */
  assert_true(t[1].max == 2.0); /* an integer max is a number too */
  assert_null(t[1].explain);
  sc_kata_free(kata);
}

static void test_kata_load_reads_the_writing_the_kata_asks_for(void **state) {
  struct sc_kata *kata = load_good(GOOD("01-complete"));

  (void)state;
  assert_int_equal(kata->writing_count, 2);
  assert_string_equal(kata->writing[0].file, "NOTES.md");
  assert_int_equal(kata->writing[0].min_words, 200);
  assert_string_equal(kata->writing[0].about, "the loop in your words");
  assert_string_equal(kata->writing[1].file, "notes/WHY.md");
  assert_int_equal(kata->writing[1].min_words, 0);
  assert_null(kata->writing[1].about);
  sc_kata_free(kata);
}

static void
test_kata_load_gives_every_optional_field_its_default(void **state) {
  struct sc_kata *kata = load_good(GOOD("02-defaults"));
  static const unsigned timeouts[SC_GATE_COUNT] = {300, 60, 300, 300, 120, 120};
  static const unsigned weights[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};

  (void)state;
  assert_int_equal(kata->week, 0);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    assert_int_equal(kata->timeout_s[g], timeouts[g]);
    assert_int_equal(kata->weight[g], weights[g]);
  }
  assert_int_equal(kata->coverage_line, 80);
  assert_int_equal(kata->coverage_branch, 60);
  assert_null(kata->learner_tests);
  assert_null(kata->memcheck_filter);
  assert_int_equal(kata->writing_count, 0);
  assert_int_equal(kata->figure_count, 2);
  assert_null(kata->figures[0].args);
  assert_int_equal(kata->figures[1].arg_count, 1);
  assert_int_equal(kata->threshold_count, 1);
  assert_int_equal(kata->thresholds[0].numerator.count, 1);
  assert_int_equal(kata->thresholds[0].numerator.figures[0], 1);
  assert_int_equal(kata->thresholds[0].denominator.count, 1);
  assert_int_equal(kata->thresholds[0].denominator.figures[0], 0);
  sc_kata_free(kata);
}

static void
test_kata_load_lets_a_kata_without_timing_move_its_points(void **state) {
  struct sc_kata *kata = load_good(GOOD("10-no-timing"));

  (void)state;
  assert_int_equal(kata->figure_count, 0);
  assert_int_equal(kata->threshold_count, 0);
  assert_null(kata->benchmark);
  assert_int_equal(kata->weight[SC_GATE_TIMING], 0);
  assert_int_equal(kata->weight[SC_GATE_TESTS], 55);
  assert_int_equal(kata->weight[SC_GATE_BUILD], 10);
  sc_kata_free(kata);
}

static void test_kata_load_loads_the_grader_fixture_kata(void **state) {
  struct sc_kata *kata =
      load_good(SC_SOURCE_DIR "/tests/fixtures/katas/00-sum");

  (void)state;
  assert_string_equal(kata->id, "00-sum");
  assert_int_equal(kata->timeout_s[SC_GATE_TESTS], 5);
  assert_int_equal(kata->coverage_line, 85);
  assert_int_equal(kata->threshold_count, 1);
  assert_int_equal(kata->thresholds[0].numerator.count, 1);
  assert_int_equal(kata->thresholds[0].numerator.figures[0], 1);
  sc_kata_free(kata);
}

static void test_kata_is_editable_matches_listed_paths_exactly(void **state) {
  struct sc_kata *kata = load_good(GOOD("01-complete"));

  (void)state;
  assert_true(sc_kata_is_editable(kata, "queue.c"));
  assert_true(sc_kata_is_editable(kata, "src/drain.c"));
  assert_false(sc_kata_is_editable(kata, "drain.c"));
  assert_false(sc_kata_is_editable(kata, "test_complete.c"));
  assert_false(sc_kata_is_editable(kata, "queue.c "));
  sc_kata_free(kata);
}

static void test_kata_load_refuses_a_folder_without_a_manifest(void **state) {
  (void)state;
  assert_refused("01-missing-file", "no such file");
}

static void
test_kata_load_refuses_invalid_json_with_its_line_and_column(void **state) {
  (void)state;
  assert_refused("02-invalid-json", "line 4, column ");
}

static void
test_kata_load_refuses_an_id_that_differs_from_the_folder(void **state) {
  (void)state;
  assert_refused("03-wrong-id",
                 "'id' is '03-other-id' but the folder is '03-wrong-id'");
}

static void test_kata_load_refuses_a_manifest_without_a_suite(void **state) {
  (void)state;
  assert_refused("04-no-suite", "'suite' must be a non-empty string");
}

static void test_kata_load_refuses_an_empty_editable_list(void **state) {
  (void)state;
  assert_refused("05-empty-editable", "'editable' must list the files");
}

static void
test_kata_load_refuses_a_path_that_climbs_out_of_the_kata(void **state) {
  (void)state;
  assert_refused("06-dot-dot",
                 "'src/../../escape.c' must be a path inside the kata");
}

static void test_kata_load_refuses_an_absolute_path(void **state) {
  (void)state;
  assert_refused("07-absolute", "'/tmp/a.c' must be a path inside the kata");
}

static void test_kata_load_refuses_a_suite_the_learner_may_edit(void **state) {
  (void)state;
  assert_refused("08-suite-editable",
                 "the suite 'test_a.c' cannot be learner-editable");
}

static void
test_kata_load_refuses_learner_tests_missing_from_editable(void **state) {
  (void)state;
  assert_refused("09-learner-tests",
                 "'learner_tests' must also be listed in 'editable'");
}

static void test_kata_load_refuses_a_timeout_for_an_unknown_gate(void **state) {
  (void)state;
  assert_refused("10-timeout-gate", "'timeouts' names an unknown gate 'lint'");
}

static void test_kata_load_refuses_a_weight_for_an_unknown_gate(void **state) {
  (void)state;
  assert_refused("11-weight-gate", "'weights' names an unknown gate 'style'");
}

static void
test_kata_load_refuses_weights_that_do_not_add_up_to_100(void **state) {
  (void)state;
  assert_refused("12-weights-sum", "the gate weights add up to 95, not 100");
}

static void test_kata_load_refuses_timing_without_a_benchmark(void **state) {
  (void)state;
  assert_refused("13-no-benchmark",
                 "'timing' needs a 'benchmark' source to run");
}

static void
test_kata_load_refuses_a_threshold_naming_an_unknown_figure(void **state) {
  (void)state;
  assert_refused("14-unknown-figure",
                 "threshold 'linear' names no figure 'huge'");
}

static void test_kata_load_refuses_an_unknown_figure_kind(void **state) {
  (void)state;
  assert_refused("15-figure-kind", "figure 'large' has unknown kind 'cycles'");
}

static void
test_kata_load_refuses_an_instruction_figure_without_function(void **state) {
  (void)state;
  assert_refused("16-no-function",
                 "figure 'large' counts instructions but names no "
                 "'function'");
}

static void
test_kata_load_refuses_timing_points_without_timing_figures(void **state) {
  (void)state;
  assert_refused("17-timing-weight",
                 "without 'timing' figures, 'weights' must give the timing "
                 "gate 0 points");
}

static void test_kata_load_refuses_a_duplicate_key(void **state) {
  (void)state;
  assert_refused("18-duplicate-key", "line 8, column ");
  assert_refused("18-duplicate-key", "duplicate object key");
}

static void
test_kata_load_refuses_a_benchmark_the_learner_may_edit(void **state) {
  (void)state;
  assert_refused("19-benchmark-editable",
                 "the benchmark 'bench.c' cannot be learner-editable");
}

static void
test_kata_load_reads_ratios_of_products_with_lower_bounds(void **state) {
  struct sc_kata *kata = load_good(GOOD("06-ratios"));
  const struct sc_threshold_spec *t = kata->thresholds;

  (void)state;
  assert_true(kata->thread_sanitizer);
  assert_true(kata->needs_reference);
  assert_int_equal(kata->figures[0].kind, SC_FIGURE_REPORTED);
  assert_int_equal(kata->figures[1].env_count, 1);
  assert_string_equal(kata->figures[1].env[0], "UV_THREADPOOL_SIZE=2");
  assert_false(kata->figures[0].of_reference);
  assert_true(kata->figures[4].of_reference);
  assert_int_equal(t[0].numerator.count, 2);
  assert_int_equal(t[0].numerator.figures[0], 0);
  assert_int_equal(t[0].numerator.figures[1], 3);
  assert_int_equal(t[0].denominator.figures[0], 1);
  assert_int_equal(t[0].denominator.figures[1], 2);
  assert_true(t[0].has_min && t[0].min == 0.6);
  assert_false(t[0].has_max);
  assert_true(t[1].has_min && t[1].has_max);
  sc_kata_free(kata);
}

static void test_kata_load_refuses_a_threshold_without_bounds(void **state) {
  (void)state;
  assert_refused("20-no-bound", "threshold 'speedup' needs a 'min' or a 'max'");
}

static void test_kata_load_refuses_a_min_above_the_max(void **state) {
  (void)state;
  assert_refused("21-min-above-max",
                 "threshold 'bounded both ways': 'min' is above 'max'");
}

static void test_kata_load_refuses_an_unknown_build_to_measure(void **state) {
  (void)state;
  assert_refused("22-bad-of",
                 "figure 'reference': 'of' must be 'learner' or 'reference'");
}

static void
test_kata_load_refuses_a_strict_option_that_is_not_a_boolean(void **state) {
  (void)state;
  assert_refused("23-bad-strict", "'thread_sanitizer' is true or false");
  assert_refused("33-bad-strict-failing", "'when_tests_fail' is true or false");
}

static void test_kata_load_refuses_a_missing_folder(void **state) {
  (void)state;
  assert_refused("99-no-such-folder", "no such file");
}

static void test_kata_free_accepts_null(void **state) {
  (void)state;
  sc_kata_free(NULL);
}

static void
test_kata_load_refuses_a_misspelt_key_naming_the_nearest(void **state) {
  (void)state;
  assert_refused("24-misspelt-key",
                 "unknown key 'coverge' (did you mean 'coverage'?)");
}

static void test_kata_load_refuses_a_timeout_of_zero(void **state) {
  (void)state;
  assert_refused("25-zero-timeout", "'timeouts': 'tests' must be at least 1");
}

static void test_kata_load_refuses_timing_without_thresholds(void **state) {
  (void)state;
  assert_refused("26-no-thresholds", "at least one figure and one threshold");
}

static void test_kata_load_refuses_a_source_outside_the_kata(void **state) {
  (void)state;
  assert_refused("27-source-outside", "must be a path inside the kata");
}

static void test_kata_load_refuses_a_suite_that_does_not_exist(void **state) {
  (void)state;
  assert_refused("28-missing-suite",
                 "'suite' names 'test_missing.c', which is not a regular file");
}

static void test_kata_load_refuses_an_unknown_library(void **state) {
  (void)state;
  assert_refused("29-unknown-library",
                 "'libraries' names 'libcurl', which the grader cannot link "
                 "(known: jansson, libuv)");
}

static void test_kata_load_refuses_a_lesson_that_is_not_a_regex(void **state) {
  (void)state;
  assert_refused("30-bad-lesson", "not a valid extended regular expression");
}

static void test_kata_load_refuses_writing_outside_the_kata(void **state) {
  (void)state;
  assert_refused("31-writing-outside", "must be a path inside the kata");
}

static void
test_kata_load_refuses_a_suite_reached_through_a_link(void **state) {
  (void)state;
  assert_refused("32-suite-through-link", "not a regular file of the kata");
}

/* A FIFO in place of kata.json is refused at once, never read forever. */
static void
test_kata_load_refuses_a_fifo_manifest_without_blocking(void **state) {
  (void)state;
  char dir[] = "/tmp/senior-check-fifo-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *kata_dir = sc_path_join(dir, "01-fifo");
  assert_int_equal(sc_mkdir_p(kata_dir), 0);
  char *manifest = sc_path_join(kata_dir, "kata.json");
  assert_int_equal(mkfifo(manifest, 0600), 0);
  struct sc_kata *kata = NULL;
  char *why = NULL;
  assert_int_equal(sc_kata_load(kata_dir, &kata, &why), SC_EMANIFEST);
  assert_non_null(why);
  assert_non_null(strstr(why, "cannot be read as a regular file"));
  free(why);
  assert_int_equal(sc_remove_tree(dir), 0);
  free(manifest);
  free(kata_dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kata_load_reads_every_field_of_a_complete_manifest),
      cmocka_unit_test(
          test_kata_load_reads_gate_timeouts_and_weights_by_gate_name),
      cmocka_unit_test(
          test_kata_load_reads_figures_with_their_kind_function_and_args),
      cmocka_unit_test(
          test_kata_load_resolves_threshold_figures_to_their_indexes),
      cmocka_unit_test(test_kata_load_reads_the_writing_the_kata_asks_for),
      cmocka_unit_test(test_kata_load_gives_every_optional_field_its_default),
      cmocka_unit_test(
          test_kata_load_lets_a_kata_without_timing_move_its_points),
      cmocka_unit_test(test_kata_load_loads_the_grader_fixture_kata),
      cmocka_unit_test(test_kata_is_editable_matches_listed_paths_exactly),
      cmocka_unit_test(test_kata_load_refuses_a_folder_without_a_manifest),
      cmocka_unit_test(
          test_kata_load_refuses_invalid_json_with_its_line_and_column),
      cmocka_unit_test(
          test_kata_load_refuses_an_id_that_differs_from_the_folder),
      cmocka_unit_test(test_kata_load_refuses_a_manifest_without_a_suite),
      cmocka_unit_test(test_kata_load_refuses_an_empty_editable_list),
      cmocka_unit_test(
          test_kata_load_refuses_a_path_that_climbs_out_of_the_kata),
      cmocka_unit_test(test_kata_load_refuses_an_absolute_path),
      cmocka_unit_test(test_kata_load_refuses_a_suite_the_learner_may_edit),
      cmocka_unit_test(
          test_kata_load_refuses_learner_tests_missing_from_editable),
      cmocka_unit_test(test_kata_load_refuses_a_timeout_for_an_unknown_gate),
      cmocka_unit_test(test_kata_load_refuses_a_weight_for_an_unknown_gate),
      cmocka_unit_test(
          test_kata_load_refuses_weights_that_do_not_add_up_to_100),
      cmocka_unit_test(test_kata_load_refuses_timing_without_a_benchmark),
      cmocka_unit_test(
          test_kata_load_refuses_a_threshold_naming_an_unknown_figure),
      cmocka_unit_test(test_kata_load_refuses_an_unknown_figure_kind),
      cmocka_unit_test(
          test_kata_load_refuses_an_instruction_figure_without_function),
      cmocka_unit_test(
          test_kata_load_refuses_timing_points_without_timing_figures),
      cmocka_unit_test(test_kata_load_refuses_a_duplicate_key),
      cmocka_unit_test(test_kata_load_refuses_a_benchmark_the_learner_may_edit),
      cmocka_unit_test(
          test_kata_load_reads_ratios_of_products_with_lower_bounds),
      cmocka_unit_test(test_kata_load_refuses_a_threshold_without_bounds),
      cmocka_unit_test(test_kata_load_refuses_a_min_above_the_max),
      cmocka_unit_test(test_kata_load_refuses_an_unknown_build_to_measure),
      cmocka_unit_test(
          test_kata_load_refuses_a_strict_option_that_is_not_a_boolean),
      cmocka_unit_test(test_kata_load_refuses_a_missing_folder),
      cmocka_unit_test(test_kata_free_accepts_null),
      cmocka_unit_test(
          test_kata_load_refuses_a_misspelt_key_naming_the_nearest),
      cmocka_unit_test(test_kata_load_refuses_a_timeout_of_zero),
      cmocka_unit_test(test_kata_load_refuses_timing_without_thresholds),
      cmocka_unit_test(test_kata_load_refuses_a_source_outside_the_kata),
      cmocka_unit_test(test_kata_load_refuses_a_suite_that_does_not_exist),
      cmocka_unit_test(test_kata_load_refuses_an_unknown_library),
      cmocka_unit_test(test_kata_load_refuses_a_lesson_that_is_not_a_regex),
      cmocka_unit_test(test_kata_load_refuses_writing_outside_the_kata),
      cmocka_unit_test(test_kata_load_refuses_a_suite_reached_through_a_link),
      cmocka_unit_test(test_kata_load_refuses_a_fifo_manifest_without_blocking),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the results model: the score of a kata and of a run, the level a
 * share of the maximum earns, and the setters that keep every string valid
 * UTF-8 whatever the learner's code printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "model/result.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Gives a kata result the default gate weights and the given scores. */
static void set_gates(struct sc_kata_result *kata,
                      const unsigned score[SC_GATE_COUNT]) {
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    kata->gates[g].gate = (enum sc_gate)g;
    kata->gates[g].max_score = sc_gate_default_weight((enum sc_gate)g);
    kata->gates[g].score = score[g];
  }
}

/* Is s well-formed UTF-8 (no overlong forms, surrogates or values above
 * U+10FFFF)? */
static int is_valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p, need, min;
    unsigned long cp;
    if (c < 0x80) {
      p++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF)
      need = 1, min = 0x80, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      need = 2, min = 0x800, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      need = 3, min = 0x10000, cp = c & 0x07;
    else
      return 0;
    for (unsigned i = 1; i <= need; i++) {
      if ((p[i] & 0xC0) != 0x80)
        return 0;
      cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    p += need + 1;
  }
  return 1;
}

static void test_kata_result_total_sums_the_gates_of_a_kata(void **state) {
  static const unsigned scores[SC_GATE_COUNT] = {10, 30, 0, 15, 7, 5};
  struct sc_kata_result kata = {0};

  (void)state;
  set_gates(&kata, scores);
  sc_kata_result_total(&kata);
  assert_int_equal(kata.score, 67);
  assert_int_equal(kata.max_score, 100);
  assert_int_equal(kata.status, SC_STATUS_FAIL);
}

static void test_kata_result_total_passes_a_kata_at_full_marks(void **state) {
  static const unsigned scores[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};
  struct sc_kata_result kata = {0};

  (void)state;
  set_gates(&kata, scores);
  sc_kata_result_total(&kata);
  assert_int_equal(kata.score, 100);
  assert_int_equal(kata.max_score, 100);
  assert_int_equal(kata.status, SC_STATUS_PASS);
}

static void
test_kata_result_total_keeps_a_kata_that_could_not_be_graded_in_error(
    void **state) {
  static const unsigned scores[SC_GATE_COUNT] = {0};
  struct sc_kata_result kata = {0};

  (void)state;
  set_gates(&kata, scores);
  kata.error = strdup("cannot create the build folder");
  sc_kata_result_total(&kata);
  assert_int_equal(kata.score, 0);
  assert_int_equal(kata.max_score, 100);
  assert_int_equal(kata.status, SC_STATUS_ERROR);
  sc_kata_result_free(&kata);
}

static void test_results_total_sums_the_katas_and_sets_the_level(void **state) {
  static const unsigned full[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};
  static const unsigned half[SC_GATE_COUNT] = {10, 40, 0, 0, 0, 0};
  struct sc_kata_result katas[3] = {{0}};
  struct sc_results results = {.source = "learner", .katas = katas, .count = 3};

  (void)state;
  set_gates(&katas[0], full);
  set_gates(&katas[1], half);
  set_gates(&katas[2], half);
  for (size_t i = 0; i < 3; i++)
    sc_kata_result_total(&katas[i]);
  sc_results_total(&results);
  assert_int_equal(results.score, 200);
  assert_int_equal(results.max_score, 300);
  assert_string_equal(results.level, "mid-level");
}

static void test_results_total_of_nothing_graded_is_zero_of_zero(void **state) {
  struct sc_results results = {.source = "learner"};

  (void)state;
  sc_results_total(&results);
  assert_int_equal(results.score, 0);
  assert_int_equal(results.max_score, 0);
  assert_string_equal(results.level, "newcomer");
}

static void test_level_for_changes_exactly_at_each_boundary(void **state) {
  static const struct {
    unsigned score;
    unsigned max;
    const char *level;
  } cases[] = {
      {0, 100, "newcomer"},
      {24, 100, "newcomer"},
      {25, 100, "junior"},
      {49, 100, "junior"},
      {50, 100, "mid-level"},
      {74, 100, "mid-level"},
      {75, 100, "senior in training"},
      {99, 100, "senior in training"},
      {100, 100, "senior"},
      /* shares, not points: 24.9% is still below 25% */
      {249, 1000, "newcomer"},
      {250, 1000, "junior"},
      {749, 1000, "mid-level"},
      {999, 1000, "senior in training"},
      {1000, 1000, "senior"},
      {0, 0, "newcomer"},
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *level = sc_level_for(cases[i].score, cases[i].max);
    if (strcmp(level, cases[i].level) != 0)
      fail_msg("%u of %u: \"%s\", expected \"%s\"", cases[i].score,
               cases[i].max, level, cases[i].level);
  }
}

static void test_level_for_does_not_overflow_on_large_scores(void **state) {
  (void)state;
  /* score * 100 overflows 32 bits: the share must still be 75%. */
  assert_string_equal(sc_level_for(3000000000u, 4000000000u),
                      "senior in training");
}

static void test_gate_set_caps_the_score_at_the_gate_maximum(void **state) {
  struct sc_gate_result gate = {.gate = SC_GATE_TESTS, .max_score = 40};

  (void)state;
  sc_gate_set(&gate, SC_STATUS_PASS, 41, "all %d tests pass", 20);
  assert_int_equal(gate.score, 40);
  assert_int_equal(gate.status, SC_STATUS_PASS);
  assert_string_equal(gate.message, "all 20 tests pass");
  sc_gate_set(&gate, SC_STATUS_FAIL, 12, "%s", "3 of 10 tests pass");
  assert_int_equal(gate.score, 12);
  assert_int_equal(gate.status, SC_STATUS_FAIL);
  assert_string_equal(gate.message, "3 of 10 tests pass");
  sc_gate_set(&gate, SC_STATUS_SKIP, 0, "the kata does not build");
  assert_int_equal(gate.score, 0);
  assert_int_equal(gate.status, SC_STATUS_SKIP);
  free(gate.message);
}

static void test_gate_setters_make_invalid_utf8_valid(void **state) {
  struct sc_kata_result kata = {0};
  struct sc_gate_result *gate = &kata.gates[SC_GATE_TESTS];

  (void)state;
  gate->max_score = 40;
  sc_gate_set(gate, SC_STATUS_FAIL, 0, "printed \xff\xfe here");
  sc_gate_set_details(gate, "overlong \xC0\xAF and cut \xE2\x82");
  sc_gate_add_test(gate, "test_caf\xE9", SC_STATUS_FAIL,
                   "surrogate \xED\xA0\x80 and caf\xC3\xA9");
  sc_gate_add_test(gate, "test_fine", SC_STATUS_PASS, NULL);
  sc_gate_add_location(gate, "katas/01-x/a\xff.c", 7, "bad \x80 byte");
  sc_gate_add_threshold(gate, "linear", "explain \xF5\x80", 1.0, 0, 2.0,
                        SC_STATUS_PASS);

  assert_true(is_valid_utf8(gate->message));
  assert_non_null(strstr(gate->message, "printed " REPLACEMENT));
  assert_true(is_valid_utf8(gate->details));
  assert_int_equal(gate->test_count, 2);
  assert_true(is_valid_utf8(gate->tests[0].name));
  assert_true(is_valid_utf8(gate->tests[0].message));
  assert_non_null(strstr(gate->tests[0].message, "caf\xC3\xA9"));
  assert_string_equal(gate->tests[1].name, "test_fine");
  assert_null(gate->tests[1].message);
  assert_int_equal(gate->location_count, 1);
  assert_true(is_valid_utf8(gate->locations[0].file));
  assert_int_equal(gate->locations[0].line, 7);
  assert_true(is_valid_utf8(gate->locations[0].message));
  assert_true(is_valid_utf8(gate->thresholds[0].explain));
  sc_kata_result_free(&kata);
}

static void test_gate_setters_keep_valid_text_as_it_is(void **state) {
  struct sc_kata_result kata = {0};
  struct sc_gate_result *gate = &kata.gates[SC_GATE_MEMCHECK];
  const char *text =
      "caf\xC3\xA9 \xE2\x80\x98quoted\xE2\x80\x99 \xF0\x9F\x98\x80";

  (void)state;
  gate->max_score = 15;
  sc_gate_set(gate, SC_STATUS_FAIL, 0, "%s", text);
  sc_gate_add_location(gate, "katas/01-x/a.c", 3, text);
  sc_gate_add_figure(gate, "deep", "instructions", 12345.0, 1);
  assert_string_equal(gate->message, text);
  assert_string_equal(gate->locations[0].message, text);
  assert_string_equal(gate->figures[0].name, "deep");
  assert_string_equal(gate->figures[0].unit, "instructions");
  assert_true(gate->figures[0].value == 12345.0);
  assert_int_equal(gate->figures[0].measured, 1);
  sc_kata_result_free(&kata);
}

static void
test_results_free_accepts_null_and_empties_the_results(void **state) {
  struct sc_results results = {.source = "learner"};

  (void)state;
  sc_results_free(NULL);
  sc_kata_result_free(NULL);
  results.katas = calloc(2, sizeof(*results.katas));
  results.count = 2;
  results.katas[0].id = strdup("01-a");
  sc_gate_add_test(&results.katas[1].gates[SC_GATE_TESTS], "t", SC_STATUS_PASS,
                   NULL);
  sc_results_free(&results);
  assert_null(results.katas);
  assert_int_equal(results.count, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kata_result_total_sums_the_gates_of_a_kata),
      cmocka_unit_test(test_kata_result_total_passes_a_kata_at_full_marks),
      cmocka_unit_test(
          test_kata_result_total_keeps_a_kata_that_could_not_be_graded_in_error),
      cmocka_unit_test(test_results_total_sums_the_katas_and_sets_the_level),
      cmocka_unit_test(test_results_total_of_nothing_graded_is_zero_of_zero),
      cmocka_unit_test(test_level_for_changes_exactly_at_each_boundary),
      cmocka_unit_test(test_level_for_does_not_overflow_on_large_scores),
      cmocka_unit_test(test_gate_set_caps_the_score_at_the_gate_maximum),
      cmocka_unit_test(test_gate_setters_make_invalid_utf8_valid),
      cmocka_unit_test(test_gate_setters_keep_valid_text_as_it_is),
      cmocka_unit_test(test_results_free_accepts_null_and_empties_the_results),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

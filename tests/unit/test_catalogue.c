/* Tests of the catalogue: the katas of a folder, in curriculum order, on the
 * folders of tests/fixtures/manifests/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/catalogue.h"

#define MANIFESTS SC_SOURCE_DIR "/tests/fixtures/manifests/"

static int setup_good_catalogue(void **state) {
  struct sc_catalogue *cat = malloc(sizeof(*cat));
  char *why = NULL;
  if (cat == NULL || sc_catalogue_load(MANIFESTS "good/katas", cat, &why)) {
    free(why);
    free(cat);
    return -1;
  }
  *state = cat;
  return 0;
}

static int teardown_catalogue(void **state) {
  sc_catalogue_free(*state);
  free(*state);
  return 0;
}

static void test_catalogue_load_sorts_the_kata_folders_by_name(void **state) {
  const struct sc_catalogue *cat = *state;

  assert_int_equal(cat->count, 4);
  assert_string_equal(cat->katas[0]->id, "01-complete");
  assert_string_equal(cat->katas[1]->id, "02-defaults");
  assert_string_equal(cat->katas[2]->id, "06-ratios");
  assert_string_equal(cat->katas[3]->id, "10-no-timing");
  assert_string_equal(cat->katas[3]->dir, MANIFESTS "good/katas/10-no-timing");
}

static void
test_catalogue_load_ignores_entries_not_named_like_katas(void **state) {
  const struct sc_catalogue *cat = *state;

  /* 03-a-file is a file; 4-short, 05-Upper and notes are folders whose names
   * are not "NN-slug"; none has a manifest, so loading one would fail. */
  for (size_t i = 0; i < cat->count; i++) {
    assert_string_not_equal(cat->katas[i]->id, "03-a-file");
    assert_string_not_equal(cat->katas[i]->id, "05-Upper");
  }
  assert_null(sc_catalogue_find(cat, "notes"));
  assert_null(sc_catalogue_find(cat, "4-short"));
}

static void test_catalogue_find_returns_the_kata_with_that_id(void **state) {
  const struct sc_catalogue *cat = *state;
  const struct sc_kata *kata = sc_catalogue_find(cat, "02-defaults");

  assert_non_null(kata);
  assert_ptr_equal(kata, cat->katas[1]);
  assert_string_equal(kata->title, "Only what is required, and timing");
  assert_ptr_equal(sc_catalogue_find(cat, "10-no-timing"), cat->katas[3]);
}

static void test_catalogue_find_returns_null_for_an_unknown_id(void **state) {
  const struct sc_catalogue *cat = *state;

  assert_null(sc_catalogue_find(cat, "99-nope"));
  assert_null(sc_catalogue_find(cat, "02"));
  assert_null(sc_catalogue_find(cat, "02-defaults-"));
  assert_null(sc_catalogue_find(cat, ""));
}

static void test_catalogue_names_lists_the_ids_in_order(void **state) {
  char *names = sc_catalogue_names(*state);

  assert_string_equal(names,
                      "01-complete, 02-defaults, 06-ratios, 10-no-timing");
  free(names);
}

static void test_catalogue_names_of_an_empty_catalogue_is_empty(void **state) {
  struct sc_catalogue cat = {0};
  char *names = sc_catalogue_names(&cat);

  (void)state;
  assert_string_equal(names, "");
  free(names);
}

static void
test_catalogue_load_fails_whole_on_one_broken_manifest(void **state) {
  struct sc_catalogue cat;
  char *why = NULL;

  (void)state;
  assert_int_equal(sc_catalogue_load(MANIFESTS "mixed/katas", &cat, &why),
                   SC_EMANIFEST);
  assert_non_null(why);
  assert_non_null(
      strstr(why, "'" MANIFESTS "mixed/katas/02-broken/kata.json'"));
  assert_non_null(strstr(why, "unknown gate 'speed'"));
  assert_null(strchr(why, '\n'));
  assert_int_equal(cat.count, 0);
  assert_null(cat.katas);
  free(why);
}

static void test_catalogue_load_names_a_folder_it_cannot_open(void **state) {
  struct sc_catalogue cat;
  char *why = NULL;

  (void)state;
  assert_int_equal(sc_catalogue_load(MANIFESTS "no-such-folder", &cat, &why),
                   -ENOENT);
  assert_non_null(why);
  assert_string_equal(why, "cannot open '" MANIFESTS
                           "no-such-folder': No such file or directory");
  assert_int_equal(cat.count, 0);
  free(why);
}

static void
test_catalogue_load_of_a_folder_without_katas_is_empty(void **state) {
  struct sc_catalogue cat;
  char *why = NULL;

  (void)state;
  /* broken/01-missing-file holds only a README.md. */
  assert_int_equal(
      sc_catalogue_load(MANIFESTS "broken/01-missing-file", &cat, &why), 0);
  assert_null(why);
  assert_int_equal(cat.count, 0);
  assert_null(sc_catalogue_find(&cat, "01-missing-file"));
  sc_catalogue_free(&cat);
}

static void test_catalogue_free_accepts_null(void **state) {
  (void)state;
  sc_catalogue_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          test_catalogue_load_sorts_the_kata_folders_by_name,
          setup_good_catalogue, teardown_catalogue),
      cmocka_unit_test_setup_teardown(
          test_catalogue_load_ignores_entries_not_named_like_katas,
          setup_good_catalogue, teardown_catalogue),
      cmocka_unit_test_setup_teardown(
          test_catalogue_find_returns_the_kata_with_that_id,
          setup_good_catalogue, teardown_catalogue),
      cmocka_unit_test_setup_teardown(
          test_catalogue_find_returns_null_for_an_unknown_id,
          setup_good_catalogue, teardown_catalogue),
      cmocka_unit_test_setup_teardown(
          test_catalogue_names_lists_the_ids_in_order, setup_good_catalogue,
          teardown_catalogue),
      cmocka_unit_test(test_catalogue_names_of_an_empty_catalogue_is_empty),
      cmocka_unit_test(test_catalogue_load_fails_whole_on_one_broken_manifest),
      cmocka_unit_test(test_catalogue_load_names_a_folder_it_cannot_open),
      cmocka_unit_test(test_catalogue_load_of_a_folder_without_katas_is_empty),
      cmocka_unit_test(test_catalogue_free_accepts_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

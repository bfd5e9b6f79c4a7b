/* Tests of the results cache: its key changes when any byte the grading
 * reads changes, and not otherwise; an entry reads back only under its
 * key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "core/error.h"
#include "core/util.h"
#include "model/cache.h"

/* A kata folder, a separate editable folder and a grader file, in a
 * temporary folder. */
struct fixture {
  char root[64];
  char *kata;
  char *editable;
  char *grader_file;
  const char *names[3];
  const char *grader_files[2];
  struct sc_cache_inputs in;
};

static void put(const char *dir, const char *name, const char *text) {
  char *path = sc_path_join(dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(path);
}

static int setup_fixture(void **state) {
  struct fixture *f = sc_xcalloc(1, sizeof(*f));
  snprintf(f->root, sizeof(f->root), "/tmp/test_cache.XXXXXX");
  assert_non_null(mkdtemp(f->root));
  f->kata = sc_path_join(f->root, "kata");
  f->editable = sc_path_join(f->root, "mine");
  f->grader_file = sc_path_join(f->root, "SeniorKata.cmake");
  assert_int_equal(sc_mkdir_p(f->kata), 0);
  assert_int_equal(sc_mkdir_p(f->editable), 0);
  put(f->kata, "kata.json", "{\"id\": \"01-x\"}\n");
  put(f->kata, "test_x.c", "int main(void) { return 0; }\n");
  put(f->editable, "x.c", "int x(void) { return 1; }\n");
  put(f->root, "SeniorKata.cmake", "function(senior_kata)\n");
  f->names[0] = "x.c";
  f->names[1] = "notes.txt"; /* editable, but not written yet */
  f->grader_files[0] = f->grader_file;
  f->in = (struct sc_cache_inputs){
      .kata_dir = f->kata,
      .editable_dir = f->editable,
      .editable = f->names,
      .grader_files = f->grader_files,
      .version = "1.0.0",
  };
  *state = f;
  return 0;
}

static int teardown_fixture(void **state) {
  struct fixture *f = *state;
  sc_remove_tree(f->root);
  free(f->kata);
  free(f->editable);
  free(f->grader_file);
  free(f);
  return 0;
}

static uint64_t key_of(const struct sc_cache_inputs *in) {
  uint64_t key = 0;
  assert_int_equal(sc_cache_key(in, &key), 0);
  return key;
}

static void test_cache_fnv1a_matches_the_published_test_vectors(void **state) {
  (void)state;
  assert_true(sc_fnv1a(SC_FNV1A_OFFSET, "", 0) == 0xcbf29ce484222325ull);
  assert_true(sc_fnv1a(SC_FNV1A_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cull);
  assert_true(sc_fnv1a(SC_FNV1A_OFFSET, "foobar", 6) == 0x85944171f73967e8ull);
}

static void test_cache_key_is_the_same_for_the_same_bytes(void **state) {
  struct fixture *f = *state;
  uint64_t before = key_of(&f->in);
  /* Rewriting a file with its own content and touching it changes no
   * byte: the key stays. */
  put(f->editable, "x.c", "int x(void) { return 1; }\n");
  struct utimbuf old = {1000000, 1000000};
  char *path = sc_path_join(f->kata, "test_x.c");
  assert_int_equal(utime(path, &old), 0);
  free(path);
  assert_true(key_of(&f->in) == before);
  /* Editor leftovers cannot change a grading. */
  put(f->kata, ".test_x.c.swp", "swap");
  put(f->kata, "test_x.c~", "backup");
  assert_true(key_of(&f->in) == before);
}

/* Changes one byte of dir/name, checks the key moved, restores it and
 * checks the key came back. */
static void flip_one_byte(struct fixture *f, const char *dir, const char *name,
                          uint64_t original) {
  char *path = sc_path_join(dir, name);
  char *text = NULL;
  size_t len = 0;
  assert_int_equal(sc_read_file(path, 1 << 20, &text, &len), 0);
  for (size_t i = 0; i < len; i++) {
    text[i] ^= 1;
    put(dir, name, text);
    assert_true(key_of(&f->in) != original);
    text[i] ^= 1;
  }
  put(dir, name, text);
  assert_true(key_of(&f->in) == original);
  free(text);
  free(path);
}

static void test_cache_key_changes_with_any_byte_of_any_input(void **state) {
  struct fixture *f = *state;
  uint64_t original = key_of(&f->in);
  flip_one_byte(f, f->kata, "kata.json", original);
  flip_one_byte(f, f->kata, "test_x.c", original);
  flip_one_byte(f, f->editable, "x.c", original);
  flip_one_byte(f, f->root, "SeniorKata.cmake", original);
}

static void
test_cache_key_changes_with_files_added_renamed_or_appended(void **state) {
  struct fixture *f = *state;
  uint64_t original = key_of(&f->in);
  put(f->editable, "notes.txt", ""); /* an empty file is not no file */
  assert_true(key_of(&f->in) != original);
  char *path = sc_path_join(f->editable, "notes.txt");
  unlink(path);
  free(path);
  assert_true(key_of(&f->in) == original);

  put(f->kata, "support.c", "");
  assert_true(key_of(&f->in) != original);
  char *from = sc_path_join(f->kata, "support.c");
  char *to = sc_path_join(f->kata, "support2.c");
  uint64_t added = key_of(&f->in);
  assert_int_equal(rename(from, to), 0);
  assert_true(key_of(&f->in) != added);
  unlink(to);
  free(from);
  free(to);
  assert_true(key_of(&f->in) == original);

  put(f->editable, "x.c", "int x(void) { return 1; }\n\n");
  assert_true(key_of(&f->in) != original);
}

static void test_cache_key_changes_with_the_grader_version(void **state) {
  struct fixture *f = *state;
  uint64_t original = key_of(&f->in);
  f->in.version = "1.0.1";
  assert_true(key_of(&f->in) != original);
}

static void test_cache_key_fails_on_a_missing_kata_folder(void **state) {
  struct fixture *f = *state;
  uint64_t key = 0;
  f->in.kata_dir = "/nonexistent/kata";
  assert_int_equal(sc_cache_key(&f->in, &key), -ENOENT);
}

/* A graded kata result as the grader makes it. */
static void make_result(struct sc_kata_result *r) {
  memset(r, 0, sizeof(*r));
  r->id = sc_xstrdup("01-x");
  r->title = sc_xstrdup("X");
  r->week = 1;
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    r->gates[g].gate = (enum sc_gate)g;
    r->gates[g].max_score = sc_gate_default_weight((enum sc_gate)g);
  }
  sc_gate_set(&r->gates[SC_GATE_BUILD], SC_STATUS_PASS, 10, "the kata builds");
  sc_gate_set(&r->gates[SC_GATE_TESTS], SC_STATUS_FAIL, 20, "1 of 2 pass");
  sc_gate_add_test(&r->gates[SC_GATE_TESTS], "test_a", SC_STATUS_PASS, NULL);
  sc_gate_add_test(&r->gates[SC_GATE_TESTS], "test_b", SC_STATUS_FAIL,
                   "expected 1, got 2");
  for (unsigned g = SC_GATE_MEMCHECK; g < SC_GATE_COUNT; g++)
    sc_gate_set(&r->gates[g], SC_STATUS_SKIP, 0, "skipped");
  sc_kata_result_total(r);
}

static void test_cache_entry_reads_back_only_under_its_key(void **state) {
  struct fixture *f = *state;
  char *path = sc_xasprintf("%s/build/cache/01-x.json", f->root);
  struct sc_results out;
  char *why = NULL;
  assert_int_equal(sc_cache_load(path, 42, "me", &out, &why), -ENOENT);
  assert_null(why);

  struct sc_kata_result r;
  make_result(&r);
  assert_int_equal(sc_cache_store(path, 42, "me", &r), 0);
  assert_int_equal(sc_cache_load(path, 42, "me", &out, &why), 0);
  assert_int_equal(out.count, 1);
  assert_int_equal(out.katas[0].score, 30);
  assert_int_equal(out.katas[0].gates[SC_GATE_TESTS].status, SC_STATUS_FAIL);
  assert_string_equal(out.katas[0].gates[SC_GATE_TESTS].tests[1].message,
                      "expected 1, got 2");
  sc_results_free(&out);

  assert_int_equal(sc_cache_load(path, 43, "me", &out, &why), -ESTALE);
  assert_int_equal(out.katas[0].score, 30); /* "was 30" */
  sc_results_free(&out);
  sc_kata_result_free(&r);

  put(f->root, "build/cache/01-x.json", "{\"cache_key\": \"oops\"");
  assert_int_equal(sc_cache_load(path, 42, "me", &out, &why), SC_EREPORT);
  assert_non_null(why);
  assert_int_equal(out.count, 0);
  free(why);
  free(path);
}

static void test_cache_entry_of_another_clone_is_never_read(void **state) {
  struct fixture *f = *state;
  char *path = sc_xasprintf("%s/build/cache/01-x.json", f->root);
  struct sc_results out;
  char *why = NULL;
  struct sc_kata_result r;
  make_result(&r);
  assert_int_equal(sc_cache_store(path, 42, "theirs", &r), 0);
  assert_int_equal(sc_cache_load(path, 42, "mine", &out, &why), -EXDEV);
  assert_int_equal(out.count, 0);
  assert_non_null(strstr(why, "another clone"));
  free(why);
  sc_kata_result_free(&r);
  free(path);
}

static void
test_cache_clone_id_is_kept_here_and_renewed_elsewhere(void **state) {
  struct fixture *f = *state;
  char first[33], again[33], copied[33];
  assert_int_equal(sc_cache_clone_id(f->root, first), 0);
  assert_int_equal(strlen(first), 32);
  assert_int_equal(sc_cache_clone_id(f->root, again), 0);
  assert_string_equal(first, again);
  /* build/ copied from another clone: its id names another folder. */
  char *line = sc_xasprintf("%s 1 /somewhere/else\n", first);
  put(f->root, "build/clone-id", line);
  free(line);
  assert_int_equal(sc_cache_clone_id(f->root, copied), 0);
  assert_string_not_equal(copied, first);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cache_fnv1a_matches_the_published_test_vectors),
      cmocka_unit_test_setup_teardown(
          test_cache_key_is_the_same_for_the_same_bytes, setup_fixture,
          teardown_fixture),
      cmocka_unit_test_setup_teardown(
          test_cache_entry_of_another_clone_is_never_read, setup_fixture,
          teardown_fixture),
      cmocka_unit_test_setup_teardown(
          test_cache_clone_id_is_kept_here_and_renewed_elsewhere, setup_fixture,
          teardown_fixture),
      cmocka_unit_test_setup_teardown(
          test_cache_key_changes_with_any_byte_of_any_input, setup_fixture,
          teardown_fixture),
      cmocka_unit_test_setup_teardown(
          test_cache_key_changes_with_files_added_renamed_or_appended,
          setup_fixture, teardown_fixture),
      cmocka_unit_test_setup_teardown(
          test_cache_key_changes_with_the_grader_version, setup_fixture,
          teardown_fixture),
      cmocka_unit_test_setup_teardown(
          test_cache_key_fails_on_a_missing_kata_folder, setup_fixture,
          teardown_fixture),
      cmocka_unit_test_setup_teardown(
          test_cache_entry_reads_back_only_under_its_key, setup_fixture,
          teardown_fixture),
  };
  return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}

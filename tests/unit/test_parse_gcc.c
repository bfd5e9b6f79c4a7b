/* Tests of the gcc JSON diagnostics reader, on the stderr of a real
 * "make -k" whose compiles used -fdiagnostics-format=json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "parse/gcc_diagnostics.h"

#define FIXTURE(name) SC_SOURCE_DIR "/tests/fixtures/parse/" name

/* The whole fixture file in a new buffer, its length in *len. */
static char *load_fixture(const char *path, size_t *len) {
  FILE *file = fopen(path, "rb");
  char *text;
  long size;

  assert_non_null(file);
  assert_int_equal(fseek(file, 0, SEEK_END), 0);
  size = ftell(file);
  assert_true(size > 0);
  assert_int_equal(fseek(file, 0, SEEK_SET), 0);
  text = malloc((size_t)size);
  assert_non_null(text);
  assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
  fclose(file);
  *len = (size_t)size;
  return text;
}

static void parse_string(const char *text, struct sc_diagnostics *diags) {
  assert_int_equal(sc_gcc_diagnostics_parse(text, strlen(text), diags), 0);
}

static void assert_diagnostic(const struct sc_diagnostic *diag,
                              enum sc_diag_kind kind, const char *file,
                              unsigned line, unsigned column,
                              const char *option, const char *message) {
  assert_int_equal(diag->kind, kind);
  assert_string_equal(diag->file, file);
  assert_int_equal(diag->line, line);
  assert_int_equal(diag->column, column);
  if (option == NULL)
    assert_null(diag->option);
  else
    assert_string_equal(diag->option, option);
  assert_string_equal(diag->message, message);
}

static void
test_gcc_diagnostics_reads_every_diagnostic_of_a_make_log(void **state) {
  struct sc_diagnostics diags;
  size_t len = 0;
  char *text = load_fixture(FIXTURE("gcc/make_stderr.log"), &len);

  (void)state;
  assert_int_equal(sc_gcc_diagnostics_parse(text, len, &diags), 0);
  free(text);
  /* warn.c: 8 warnings and 1 error; ok.c: "[]"; fatal.c: 1 fatal error.
   * The driver's plain-text error about -Wbogus-option is not JSON. */
  assert_int_equal(diags.count, 10);
  assert_diagnostic(&diags.items[0], SC_DIAG_WARNING, "warn.c", 7, 15,
                    "-Wconversion",
                    "conversion from \xE2\x80\x98long int\xE2\x80\x99 to "
                    "\xE2\x80\x98int\xE2\x80\x99 may change value");
  assert_diagnostic(&diags.items[4], SC_DIAG_WARNING, "warn.c", 16, 10,
                    "-Wsign-conversion",
                    "conversion to \xE2\x80\x98size_t\xE2\x80\x99 {aka "
                    "\xE2\x80\x98long unsigned int\xE2\x80\x99} from "
                    "\xE2\x80\x98int\xE2\x80\x99 may change the sign of the "
                    "result");
  assert_diagnostic(&diags.items[6], SC_DIAG_ERROR, "warn.c", 24, 10, NULL,
                    "\xE2\x80\x98missing_symbol\xE2\x80\x99 undeclared "
                    "(first use in this function)");
  assert_diagnostic(&diags.items[9], SC_DIAG_ERROR, "fatal.c", 1, 10, NULL,
                    "no_such_header.h: No such file or directory");
  sc_diagnostics_free(&diags);
  assert_null(diags.items);
  assert_int_equal(diags.count, 0);
}

static void test_gcc_diagnostics_does_not_count_nested_notes(void **state) {
  struct sc_diagnostics diags;
  size_t warnings = 0;
  size_t errors = 0;
  size_t notes = 0;
  size_t len = 0;
  size_t i;
  char *text = load_fixture(FIXTURE("gcc/make_stderr.log"), &len);

  (void)state;
  assert_int_equal(sc_gcc_diagnostics_parse(text, len, &diags), 0);
  free(text);
  /* -Wshadow carries a child note "shadowed declaration is here", the
   * undeclared identifier another: neither is an item of its own. */
  assert_diagnostic(&diags.items[1], SC_DIAG_WARNING, "warn.c", 8, 7,
                    "-Wshadow",
                    "declaration of \xE2\x80\x98"
                    "count\xE2\x80\x99 shadows a global declaration");
  for (i = 0; i < diags.count; i++) {
    warnings += diags.items[i].kind == SC_DIAG_WARNING;
    errors += diags.items[i].kind == SC_DIAG_ERROR;
    notes += diags.items[i].kind == SC_DIAG_NOTE;
  }
  assert_int_equal(warnings, 8);
  assert_int_equal(errors, 2);
  assert_int_equal(notes, 0);
  sc_diagnostics_free(&diags);
}

static void
test_gcc_diagnostics_skips_lines_that_are_not_gcc_arrays(void **state) {
  struct sc_diagnostics diags;

  (void)state;
  parse_string("[ 50%] Building C object CMakeFiles/kata.dir/kata.c.o\n"
               "[1, 2, 3]\n"
               "[{\"no\": \"kind\"}]\n"
               "[{\"kind\": \"warning\", \"message\": \"cut\n"
               "[]\n",
               &diags);
  assert_int_equal(diags.count, 0);
  assert_null(diags.items);
  sc_diagnostics_free(&diags);
}

static void
test_gcc_diagnostics_reads_a_top_level_note_and_no_location(void **state) {
  struct sc_diagnostics diags;

  (void)state;
  parse_string(
      "[{\"kind\": \"note\", \"message\": \"n\", \"locations\": []}, "
      "{\"kind\": \"sorry, unimplemented\", \"message\": \"s\"}]\r\n"
      "[{\"kind\": \"warning\", \"message\": \"last\", \"locations\": "
      "[{\"caret\": {\"file\": \"k.c\", \"line\": 3, \"column\": 9}}]}]",
      &diags);
  assert_int_equal(diags.count, 3);
  assert_int_equal(diags.items[0].kind, SC_DIAG_NOTE);
  assert_null(diags.items[0].file);
  assert_int_equal(diags.items[0].line, 0);
  assert_int_equal(diags.items[0].column, 0);
  assert_int_equal(diags.items[1].kind, SC_DIAG_ERROR);
  assert_diagnostic(&diags.items[2], SC_DIAG_WARNING, "k.c", 3, 9, NULL,
                    "last");
  sc_diagnostics_free(&diags);
}

static void
test_gcc_diagnostics_replaces_invalid_utf8_in_messages(void **state) {
  struct sc_diagnostics diags;

  (void)state;
  parse_string("[{\"kind\": \"warning\", \"message\": \"bad \xFF byte\"}]\n",
               &diags);
  assert_int_equal(diags.count, 1);
  assert_string_equal(diags.items[0].message, "bad \xEF\xBF\xBD byte");
  sc_diagnostics_free(&diags);
}

static void test_gcc_diagnostics_rejects_text_without_gcc_json(void **state) {
  static const char log[] = "make: *** No rule to make target 'all'.\n";
  struct sc_diagnostics diags;

  (void)state;
  assert_int_equal(sc_gcc_diagnostics_parse("", 0, &diags), SC_EREPORT);
  assert_int_equal(sc_gcc_diagnostics_parse(NULL, 0, &diags), SC_EREPORT);
  assert_int_equal(sc_gcc_diagnostics_parse(log, sizeof log - 1, &diags),
                   SC_EREPORT);
  assert_null(diags.items);
  assert_int_equal(diags.count, 0);
  assert_int_equal(sc_gcc_diagnostics_parse(NULL, 4, &diags), -EINVAL);
}

static void
test_gcc_diagnostics_free_accepts_null_and_a_zeroed_struct(void **state) {
  struct sc_diagnostics diags;

  (void)state;
  memset(&diags, 0, sizeof diags);
  sc_diagnostics_free(NULL);
  sc_diagnostics_free(&diags);
  assert_null(diags.items);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(
          test_gcc_diagnostics_reads_every_diagnostic_of_a_make_log),
      cmocka_unit_test(test_gcc_diagnostics_does_not_count_nested_notes),
      cmocka_unit_test(
          test_gcc_diagnostics_skips_lines_that_are_not_gcc_arrays),
      cmocka_unit_test(
          test_gcc_diagnostics_reads_a_top_level_note_and_no_location),
      cmocka_unit_test(test_gcc_diagnostics_replaces_invalid_utf8_in_messages),
      cmocka_unit_test(test_gcc_diagnostics_rejects_text_without_gcc_json),
      cmocka_unit_test(
          test_gcc_diagnostics_free_accepts_null_and_a_zeroed_struct),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}

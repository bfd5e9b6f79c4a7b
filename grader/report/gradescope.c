#include "report/gradescope.h"
#include "core/error.h"
#include "core/util.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

/* The gate's own words, or why the kata could not be graded. */
static const char *gate_output(const struct sc_kata_result *kata,
                               const struct sc_gate_result *gate) {
  if (gate->message != NULL)
    return gate->message;
  if (kata->error != NULL)
    return kata->error;
  return sc_status_name(gate->status);
}

/* The most bytes of a test's output shown. Gradescope shows a test's
 * output in full in a box on the page, so a flood (a suite that printed a
 * megabyte) would bury the other tests; the whole text stays in the
 * results file. */
#define OUTPUT_MAX 8192

/* text as a test's output (caller frees), cut at OUTPUT_MAX bytes on a
 * character's first byte, saying how much was left out and where it is.
 * The model's text has no control character but "\n" and "\t" already
 * (result.c shows them as pictures). */
static char *test_output(const char *text, const char *kata) {
  struct sc_buf buf = {0};
  size_t len = strlen(text);
  size_t kept = len;
  if (len > OUTPUT_MAX) {
    kept = OUTPUT_MAX;
    while (kept > 0 && ((unsigned char)text[kept] & 0xC0) == 0x80)
      kept--;
  }
  sc_buf_add(&buf, text, kept);
  if (kept < len)
    sc_buf_printf(&buf,
                  "\n[cut: %zu more bytes; the results file, or "
                  "`./senior-check run %s`, shows all of it]",
                  len - kept, kata);
  return sc_buf_detach(&buf);
}

/* The Gradescope test for gate g of kata, the k-th kata (from 0). Returns a
 * new reference, or NULL when the kata has no id. */
static json_t *gate_test(const struct sc_kata_result *kata, size_t k,
                         unsigned g) {
  const struct sc_gate_result *gate = &kata->gates[g];
  const char *name = sc_gate_name((enum sc_gate)g);
  char *title = sc_xasprintf("%s / %s", kata->id, name);
  char *number = sc_xasprintf("%zu.%u", k + 1, g + 1);
  char *output = test_output(gate_output(kata, gate), kata->id);
  json_t *test =
      json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:[s, s], s:s, s:s}", "name",
                title, "score", (json_int_t)gate->score, "max_score",
                (json_int_t)gate->max_score, "status",
                gate->score == gate->max_score ? "passed" : "failed", "output",
                output, "output_format", "text", "tags", kata->id, name,
                "visibility", "visible", "number", number);
  free(output);
  free(number);
  free(title);
  return test;
}

/* The short Markdown text shown above the tests. */
static char *summary(const struct sc_results *results) {
  struct sc_buf buf = {0};
  sc_buf_printf(&buf, "**senior-check: %u/%u, level %s**\n", results->score,
                results->max_score, results->level);
  if (results->finding_count > 0)
    sc_buf_printf(
        &buf,
        "\n%s%zu protected file%s changed: see the integrity "
        "findings in the results file.\n",
        results->official ? "" : "Unofficial: ", results->finding_count,
        results->finding_count == 1 ? "" : "s");
  for (size_t k = 0; k < results->count; k++) {
    const struct sc_kata_result *kata = &results->katas[k];
    sc_buf_printf(&buf, "%s- %s: %u/%u%s\n", k == 0 ? "\n" : "", kata->id,
                  kata->score, kata->max_score,
                  kata->error ? " (could not be graded)" : "");
  }
  return sc_buf_detach(&buf);
}

int sc_report_gradescope_write(const struct sc_results *results,
                               const char *path) {
  json_t *tests = json_array();
  for (size_t k = 0; k < results->count; k++)
    for (unsigned g = 0; g < SC_GATE_COUNT; g++)
      if (json_array_append_new(tests, gate_test(&results->katas[k], k, g))) {
        json_decref(tests);
        return SC_EREPORT;
      }
  char *output = summary(results);
  json_t *root = json_pack(
      "{s:i, s:i, s:f, s:s, s:s, s:s, s:s, s:o}", "score",
      (json_int_t)results->score, "max_score", (json_int_t)results->max_score,
      "execution_time", (double)results->elapsed_ms / 1000.0, "output", output,
      "output_format", "md", "visibility", "visible", "stdout_visibility",
      "hidden", "tests", tests);
  free(output);
  if (root == NULL)
    return SC_EREPORT;
  errno = 0;
  int rc = json_dump_file(root, path,
                          JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                              JSON_REAL_PRECISION(15));
  json_decref(root);
  if (rc != 0)
    return errno ? -errno : -EIO;
  return 0;
}

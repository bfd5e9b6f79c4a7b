/* Tests of the mentor's pages: escaping (markup in any string of the
 * results comes out inert), the learner's page (self-contained, the
 * evidence quoted from the learner's files, the notes rendered and their
 * phases counted, integrity first), the Markdown subset, and the class page
 * (merging many learners' files, refusing bad ones with one line naming
 * the file, links to the learners' pages). The browser checks are in
 * tests/scripts/mentor.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "model/result.h"
#include "report/class.h"
#include "report/html.h"
#include "report/json.h"
#include "report/results_read.h"

/* Markup a learner's code could print into a test message. */
#define HOSTILE "<script>alert(\"x\")</script><img src=x onerror='y'>&amp;"
#define HOSTILE_ESCAPED                                                        \
  "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x "            \
  "onerror=&#39;y&#39;&gt;&amp;amp;"

/* A folder of its own for a test (caller removes it and frees the path). */
static char *temp_dir(void) {
  char *dir = sc_xstrdup("/tmp/sc-report-html-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return dir;
}

/* Writes text to dir/rel, creating the folders on the way. */
static void put_file(const char *dir, const char *rel, const char *text) {
  char *path = sc_path_join(dir, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  assert_int_equal(sc_mkdir_p(path), 0);
  *slash = '/';
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(path);
}

static void start_kata(struct sc_kata_result *k, const char *id) {
  static const unsigned weights[SC_GATE_COUNT] = {10, 40, 15, 15, 10, 10};
  char *title = sc_xasprintf("The kata %s", id);
  sc_kata_result_init(k, id, title, 1, weights);
  free(title);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    sc_gate_set(&k->gates[g], SC_STATUS_PASS, weights[g], "fine");
}

/* A kata with evidence in every gate, every string of it text (hostile
 * when hostile is non-zero). */
static void failing_kata(struct sc_kata_result *k, const char *id,
                         int hostile) {
  const char *h = hostile ? HOSTILE : "plain";
  start_kata(k, id);
  struct sc_gate_result *g = k->gates;
  sc_gate_set(&g[SC_GATE_TESTS], SC_STATUS_FAIL, 20,
              "1 of 2 tests pass; first failure: test_two %s", h);
  sc_gate_add_test(&g[SC_GATE_TESTS], "test_one", SC_STATUS_PASS, NULL);
  sc_gate_add_test(&g[SC_GATE_TESTS], hostile ? HOSTILE : "test_two",
                   SC_STATUS_FAIL,
                   hostile ? HOSTILE
                           : "  expected: 3\n"
                             "    actual: 2");
  sc_gate_set(&g[SC_GATE_MEMCHECK], SC_STATUS_FAIL, 0, "1 problem\n- %s", h);
  sc_gate_add_location(&g[SC_GATE_MEMCHECK], "katas/01-x/a.c", 10,
                       hostile ? HOSTILE
                               : "Leak_DefinitelyLost: 64 bytes in 1 blocks "
                                 "are definitely lost");
  sc_gate_set(&g[SC_GATE_TIMING], SC_STATUS_FAIL, 7, "1 of 2 met");
  sc_gate_add_figure(&g[SC_GATE_TIMING], h, h, 1234567, 1);
  sc_gate_add_threshold(&g[SC_GATE_TIMING], h, h, 1.2, 0, 1.5, SC_STATUS_PASS);
  sc_gate_add_threshold(&g[SC_GATE_TIMING], "faster", NULL, 0.5, 0.7, 0,
                        SC_STATUS_FAIL);
  sc_gate_set(&g[SC_GATE_COVERAGE], SC_STATUS_FAIL, 8,
              "lines 80.0%% (needs 90%%), branches 75.0%% (needs 70%%); "
              "write tests in 'my_tests.c' for:\n"
              "- katas/01-x/a.c: newline(), lines 3, 5-6 not run; "
              "newline(), line 9: a branch never taken; never_called() "
              "never runs (lines 14-15)\n");
  sc_gate_add_figure(&g[SC_GATE_COVERAGE], "line coverage", "%", 80, 1);
  sc_gate_add_figure(&g[SC_GATE_COVERAGE], "branch coverage", "%", 75, 1);
  sc_gate_set(&g[SC_GATE_STRICT], SC_STATUS_FAIL, 5, "1 warning\n- %s", h);
  sc_gate_add_location(&g[SC_GATE_STRICT], "katas/01-x/a.c", 12, h);
  k->writing_count = 1;
  k->writing = sc_xcalloc(1, sizeof(*k->writing));
  k->writing[0].file = sc_xstrdup("NOTES.md");
  k->writing[0].about = sc_xstrdup(h);
  k->writing[0].present = 1;
  k->writing[0].words = 12;
  k->writing[0].min_words = 200;
  sc_kata_result_total(k);
}

/* Results of n katas, the first failing with evidence. */
static void build_results(struct sc_results *r, size_t n, int hostile) {
  memset(r, 0, sizeof(*r));
  r->source = "learner";
  r->katas = sc_xcalloc(n, sizeof(*r->katas));
  r->count = n;
  failing_kata(&r->katas[0], "01-x", hostile);
  for (size_t i = 1; i < n; i++) {
    char id[16];
    snprintf(id, sizeof(id), "%02zu-y", i + 1);
    start_kata(&r->katas[i], id);
    sc_kata_result_total(&r->katas[i]);
  }
  if (hostile) {
    sc_results_add_finding(r, HOSTILE, "modified");
    free(r->katas[0].title);
    r->katas[0].title = sc_xstrdup(HOSTILE);
  }
  sc_results_total(r);
}

/* The page of r with opts (caller frees). */
static char *page_of(const struct sc_results *r,
                     const struct sc_html_options *opts) {
  struct sc_buf page = {0};
  sc_report_html_render(r, opts, &page);
  return sc_buf_detach(&page);
}

/* How many times needle occurs in haystack. */
static size_t count(const char *haystack, const char *needle) {
  size_t n = 0;
  for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

static void test_html_escape_makes_markup_and_quotes_inert(void **state) {
  (void)state;
  struct sc_buf out = {0};
  sc_html_escape(&out, HOSTILE);
  assert_string_equal(out.data, HOSTILE_ESCAPED);
  sc_buf_free(&out);
}

static void test_html_escape_replaces_bad_utf8_and_controls(void **state) {
  (void)state;
  struct sc_buf out = {0};
  sc_html_escape(&out, "a\xff"
                       "b\x01"
                       "c\xc3\xa9\td");
  assert_string_equal(out.data, "a\xef\xbf\xbd"
                                "b\xef\xbf\xbd"
                                "c\xc3\xa9\td");
  sc_buf_free(&out);
  sc_html_escape(&out, NULL);
  assert_null(out.data);
}

static void test_html_page_keeps_every_results_string_inert(void **state) {
  (void)state;
  struct sc_results r;
  build_results(&r, 2, 1);
  struct sc_html_options opts = {.name = HOSTILE};
  char *page = page_of(&r, &opts);
  assert_null(strstr(page, "<script"));
  assert_null(strstr(page, "<img"));
  assert_null(strstr(page, "onerror='"));
  assert_null(strstr(page, "alert(\""));
  /* name, title, test name and message, gate messages, locations, figure,
   * thresholds, writing, finding: each shown, escaped */
  assert_true(count(page, HOSTILE_ESCAPED) >= 10);
  free(page);
  sc_results_free(&r);
}

static void test_html_page_has_no_url_and_fetches_nothing(void **state) {
  (void)state;
  struct sc_results r;
  build_results(&r, 3, 0);
  char *page = page_of(&r, NULL);
  assert_null(strstr(page, "http://"));
  assert_null(strstr(page, "https://"));
  assert_null(strstr(page, "src="));
  assert_null(strstr(page, "<link"));
  assert_null(strstr(page, "<script"));
  assert_null(strstr(page, "url("));
  for (const char *p = page; (p = strstr(p, "href=\"")) != NULL; p++)
    assert_int_equal(p[6], '#'); /* only the page's own anchors */
  /* the browser is told to refuse any fetch, too */
  assert_non_null(strstr(page, "default-src 'none'"));
  assert_non_null(strstr(page, "script-src 'none'"));
  free(page);
  sc_results_free(&r);
}

static void test_html_page_shows_score_level_chart_and_gates(void **state) {
  (void)state;
  struct sc_results r;
  build_results(&r, 3, 0);
  char *page = page_of(&r, NULL);
  char *score = sc_xasprintf("%u<small>/%u", r.score, r.max_score);
  assert_non_null(strstr(page, score));
  assert_non_null(strstr(page, r.level));
  assert_int_equal(count(page, "<table class=\"gates\">"), 3);
  assert_int_equal(count(page, "<section class=\"card\" id=\"kata-"), 3);
  assert_non_null(strstr(page, "Points by kata and gate</title>"));
  /* a bar per threshold and per coverage figure */
  assert_int_equal(count(page, "<svg class=\"bar\""), 4);
  /* expected and actual marked */
  assert_non_null(strstr(page, "<span class=\"exp\">  expected: 3</span>"));
  assert_non_null(strstr(page, "<span class=\"act\">    actual: 2</span>"));
  /* a status says itself in words, not only in colour */
  assert_non_null(strstr(page, "\xe2\x9c\x97 fail</span>"));
  free(score);
  free(page);
  sc_results_free(&r);
}

static void
test_html_page_gives_the_command_that_reproduces_each_finding(void **state) {
  (void)state;
  struct sc_results r;
  build_results(&r, 3, 0);
  char *page = page_of(&r, NULL);
  /* every gate short of full marks has its line, with the kata's command */
  for (size_t k = 0; k < r.count; k++) {
    for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
      const struct sc_gate_result *gate = &r.katas[k].gates[g];
      if (gate->status == SC_STATUS_PASS || gate->status == SC_STATUS_SKIP)
        continue;
      char *section = sc_xasprintf("id=\"kata-%s\"", r.katas[k].id);
      const char *at = strstr(page, section);
      assert_non_null(at);
      char *line = sc_xasprintf("<li data-gate=\"%s\">", sc_gate_name(g));
      const char *li = strstr(at, line);
      assert_non_null(li);
      char *cmd = sc_xasprintf("<code class=\"cmd\">./senior-check run %s"
                               "</code>",
                               r.katas[k].id);
      const char *end = strstr(li, "</li>");
      const char *found = strstr(li, cmd);
      assert_true(found != NULL && found < end);
      free(cmd);
      free(line);
      free(section);
    }
  }
  /* a failing test alone, and the suite under valgrind */
  assert_non_null(strstr(page, "build/katas/learner/01-x/suite test_two"));
  assert_non_null(strstr(page, "valgrind --leak-check=full"));
  free(page);
  /* a hostile kata id stays one inert shell word */
  free(r.katas[0].id);
  r.katas[0].id = sc_xstrdup("x'; rm -rf ~ #");
  page = page_of(&r, NULL);
  assert_non_null(strstr(page, "./senior-check run &#39;x&#39;\\&#39;&#39;; "
                               "rm -rf ~ #&#39;</code>"));
  free(page);
  r.source = "solutions";
  page = page_of(&r, NULL);
  assert_non_null(strstr(page, "./senior-check grade --solutions &#39;x"));
  assert_non_null(strstr(page, "build/katas/reference/"));
  r.source = "learner";
  free(page);
  sc_results_free(&r);
}

static void test_html_page_puts_integrity_first(void **state) {
  (void)state;
  struct sc_results r;
  build_results(&r, 1, 0);
  sc_results_add_finding(&r, "katas/01-x/test_x.c", "modified");
  char *page = page_of(&r, NULL);
  /* Unofficial: the learner's own copies graded, so the change counted. */
  const char *alert = strstr(page, "Unofficial, and 1 protected file "
                                   "changed: they count in this score.");
  assert_non_null(alert);
  assert_non_null(strstr(page, "katas/01-x/test_x.c"));
  assert_null(strstr(page, "do not count"));
  assert_true(alert < strstr(page, "id=\"kata-01-x\""));
  free(page);
  r.official = 1;
  r.trusted_ref = sc_xstrdup("origin/main (3f2a)");
  page = page_of(&r, NULL);
  assert_null(strstr(page, "Unofficial"));
  assert_non_null(strstr(page, "Integrity: 1 protected file changed."));
  assert_non_null(strstr(page, "trusted ref origin/main (3f2a), so these "
                               "changes do not count in the score"));
  free(page);
  r.official = 0;
  r.finding_count = 0; /* the finding stays allocated, freed below */
  page = page_of(&r, NULL);
  assert_non_null(strstr(page, "<strong>Unofficial.</strong>"));
  assert_non_null(strstr(page, "No protected file differed"));
  assert_null(strstr(page, "they count"));
  r.finding_count = 1;
  free(page);
  sc_results_free(&r);
}

static void
test_html_page_quotes_the_learners_lines_from_the_repo(void **state) {
  (void)state;
  char *repo = temp_dir();
  struct sc_buf src = {0};
  for (int i = 1; i <= 20; i++)
    sc_buf_printf(&src, "line_%d <b>\n", i);
  put_file(repo, "katas/01-x/a.c", src.data);
  struct sc_results r;
  build_results(&r, 1, 0);
  struct sc_html_options opts = {.repo = repo};
  char *page = page_of(&r, &opts);
  /* the leak at line 10, three lines either side, escaped */
  assert_non_null(strstr(page, "<span class=\"l hit\"><span class=\"n\">10"
                               "</span>line_10 &lt;b&gt;</span>"));
  assert_non_null(strstr(page, ">7</span>line_7 "));
  assert_non_null(strstr(page, ">13</span>line_13 "));
  assert_non_null(strstr(page, "definitely lost"));
  assert_non_null(strstr(page, "64 bytes"));
  /* coverage: the places named, the lines they name marked (3, 5-6, 9,
   * 14-15), and nothing from the function's name */
  assert_non_null(strstr(page, "newline(), lines 3, 5-6 not run; "));
  assert_non_null(strstr(page, "never_called() never runs (lines 14-15)"));
  static const unsigned marked[] = {3, 5, 6, 9, 14, 15};
  for (size_t i = 0; i < sizeof(marked) / sizeof(marked[0]); i++) {
    char hit[64];
    snprintf(hit, sizeof(hit), "class=\"l hit\"><span class=\"n\">%u</span>",
             marked[i]);
    assert_non_null(strstr(page, hit));
  }
  assert_null(strstr(page, "class=\"l hit\"><span class=\"n\">4</span>"));
  free(page);
  /* a results file from before the places were named by function */
  sc_gate_set(&r.katas[0].gates[SC_GATE_COVERAGE], SC_STATUS_FAIL, 8,
              "lines 80.0%% (needs 90%%), branches 75.0%% (needs 70%%); "
              "write tests in 'my_tests.c' for:\n"
              "- katas/01-x/a.c, lines not run: 3, 5-6\n");
  page = page_of(&r, &opts);
  assert_non_null(strstr(page, "3 lines not run"));
  assert_non_null(strstr(page, "class=\"l hit\"><span class=\"n\">6</span>"));
  assert_null(strstr(page, "class=\"l hit\"><span class=\"n\">9</span>"));
  free(page);
  sc_results_free(&r);
  sc_buf_free(&src);
  sc_remove_tree(repo);
  free(repo);
}

static void
test_html_page_never_fails_on_missing_or_outside_files(void **state) {
  (void)state;
  char *repo = temp_dir();
  put_file(repo, "secret.c", "do not show\n");
  struct sc_results r;
  build_results(&r, 1, 0);
  free(r.katas[0].gates[SC_GATE_STRICT].locations[0].file);
  r.katas[0].gates[SC_GATE_STRICT].locations[0].file =
      sc_xstrdup("katas/../secret.c");
  struct sc_html_options opts = {.repo = repo};
  char *page = page_of(&r, &opts);
  assert_null(strstr(page, "do not show"));
  assert_non_null(strstr(page, "is not in the repository"));
  assert_non_null(strstr(page, "</html>"));
  free(page);
  sc_results_free(&r);
  sc_remove_tree(repo);
  free(repo);
}

static void test_html_page_renders_the_notes_and_counts_phases(void **state) {
  (void)state;
  char *repo = temp_dir();
  put_file(repo, "katas/01-x/NOTES.md",
           "# My notes\n\nThe **timers** phase, then Timer again, then "
           "poll.\n\n- check runs `setImmediate`\n- <script>x</script>\n");
  struct sc_results r;
  build_results(&r, 1, 0);
  struct sc_html_options opts = {.repo = repo};
  char *page = page_of(&r, &opts);
  assert_non_null(strstr(page, "name <strong>3 of 7</strong> loop phases"));
  assert_non_null(strstr(page, "\xe2\x9c\x93 2</td>")); /* timers twice */
  assert_non_null(strstr(page, "<h4>My notes</h4>"));
  assert_non_null(strstr(page, "<li>check runs <code>setImmediate</code>"));
  assert_non_null(strstr(page, "<li>&lt;script&gt;x&lt;/script&gt;"));
  /* prose is never scored: the badge says what is wrong, not "fail" */
  assert_non_null(strstr(page, "<span class=\"badge note\">too short</span>"));
  assert_null(strstr(page, "NOTES.md</code> <span class=\"badge fail"));
  free(page);
  sc_results_free(&r);
  sc_remove_tree(repo);
  free(repo);
}

static void test_html_page_draws_the_score_over_time(void **state) {
  (void)state;
  struct sc_results r, earlier[2];
  build_results(&r, 2, 0);
  build_results(&earlier[0], 2, 0);
  build_results(&earlier[1], 2, 0);
  const char *labels[] = {"week1", "week2"};
  struct sc_html_options opts = {
      .history = earlier, .history_labels = labels, .history_count = 2};
  char *page = page_of(&r, &opts);
  const char *history = strstr(page, "id=\"history\"");
  assert_non_null(history);
  assert_int_equal(count(history, "<circle"), 3);
  assert_non_null(strstr(history, "<polyline"));
  assert_non_null(strstr(history, ">week1</text>"));
  assert_non_null(strstr(history, ">this run</text>"));
  assert_non_null(strstr(history, "data-axis=\"order\""));
  free(page);
  /* With graded_at: placed by time, sorted, labelled with the date. Week 2
   * was graded 1 day after week 1, this run 9 days after: the gaps are
   * 1 to 8, not evenly spaced, whatever the order given. */
  long long t1 = 0, t2 = 0, now = 0;
  assert_int_equal(sc_html_parse_time("2024-05-01T10:00:00Z", &t1), 0);
  assert_int_equal(sc_html_parse_time("2024-05-02T10:00:00Z", &t2), 0);
  assert_int_equal(sc_html_parse_time("2024-05-10T10:00:00Z", &now), 0);
  assert_int_equal(t2 - t1, 86400);
  long long times[] = {t2, t1}; /* given newest first */
  opts.history_times = times;
  opts.graded_at = now;
  page = page_of(&r, &opts);
  history = strstr(page, "id=\"history\"");
  assert_non_null(strstr(history, "data-axis=\"time\""));
  const char *a = strstr(history, ">2024-05-01 10:00</text>");
  const char *b = strstr(history, ">2024-05-02 10:00</text>");
  const char *c = strstr(history, ">2024-05-10 10:00</text>");
  assert_true(a != NULL && b != NULL && c != NULL && a < b && b < c);
  /* x of the points: 68, 68 + 472 / 9, 540 */
  assert_non_null(strstr(history, "<circle cx=\"68.0\""));
  assert_non_null(strstr(history, "<circle cx=\"120.4\""));
  assert_non_null(strstr(history, "<circle cx=\"540.0\""));
  free(page);
  /* one time missing: back to the order given, and the page says why */
  times[1] = 0;
  page = page_of(&r, &opts);
  assert_non_null(strstr(page, "data-axis=\"order\""));
  assert_non_null(strstr(page, "without graded_at"));
  free(page);
  long long t = 0;
  assert_int_equal(sc_html_parse_time("2024-05-01 10:00:00", &t), SC_EREPORT);
  assert_int_equal(sc_html_parse_time("2024-5-1T10:00:00Z", &t), SC_EREPORT);
  assert_int_equal(sc_html_parse_time("2024-05-01T10:00:00Zjunk", &t),
                   SC_EREPORT);
  assert_int_equal(sc_html_parse_time(NULL, &t), SC_EREPORT);
  sc_results_free(&r);
  sc_results_free(&earlier[0]);
  sc_results_free(&earlier[1]);
}

static void test_html_markdown_renders_a_safe_subset(void **state) {
  (void)state;
  struct sc_buf out = {0};
  sc_html_markdown(&out, "## Title *here*\n"
                         "A para with `a<b` and **bold** and _em_,\n"
                         "test_pop_gets stays as is.\n"
                         "\n"
                         "1. one\n"
                         "2. two\n"
                         "\n"
                         "```c\n"
                         "if (a < b) {}\n"
                         "```\n"
                         "| a | b |\n"
                         "| --- | --- |\n"
                         "| 1 | <i> |\n"
                         "> quoted\n"
                         "[link](javascript:alert(1)) <a href=x>\n");
  const char *expect[] = {
      "<h5>Title <em>here</em></h5>",
      "<p>A para with <code>a&lt;b</code> and <strong>bold</strong> and "
      "<em>em</em>,\ntest_pop_gets stays as is.</p>",
      "<ol>\n<li>one</li>\n<li>two</li>\n</ol>",
      "<pre><code>if (a &lt; b) {}\n</code></pre>",
      "<tr><th>a</th><th>b</th></tr>",
      "<tr><td>1</td><td>&lt;i&gt;</td></tr>",
      "<blockquote>",
      "[link](javascript:alert(1)) &lt;a href=x&gt;",
  };
  for (size_t i = 0; i < SC_ARRAY_SIZE(expect); i++)
    if (strstr(out.data, expect[i]) == NULL)
      fail_msg("missing %s in:\n%s", expect[i], out.data);
  assert_null(strstr(out.data, "<a "));
  assert_null(strstr(out.data, "<i>"));
  sc_buf_free(&out);
}

/* Class pages. */

/* Writes to dir/name a results file of the katas ids (NULL-terminated),
 * all at full marks but, when fail is non-zero, the first one's tests gate
 * (10 of 40). */
static void write_results(const char *dir, const char *name,
                          const char *const *ids, int fail) {
  size_t n = 0;
  while (ids[n] != NULL)
    n++;
  struct sc_results r = {.source = "learner"};
  r.katas = sc_xcalloc(n, sizeof(*r.katas));
  r.count = n;
  for (size_t i = 0; i < n; i++) {
    start_kata(&r.katas[i], ids[i]);
    if (fail && i == 0)
      sc_gate_set(&r.katas[i].gates[SC_GATE_TESTS], SC_STATUS_FAIL, 10,
                  "1 of 4 tests pass");
    sc_kata_result_total(&r.katas[i]);
  }
  sc_results_total(&r);
  char *path = sc_path_join(dir, name);
  assert_int_equal(sc_report_json_write(&r, path), 0);
  free(path);
  sc_results_free(&r);
}

/* Loads the class of the files dir/names[i]; returns the error. */
static int load(const char *dir, const char *const *names, const char *page,
                struct sc_class *c, char **why) {
  const char *paths[8] = {0};
  char *owned[8] = {0};
  size_t n = 0;
  for (; names[n] != NULL; n++)
    paths[n] = owned[n] = sc_path_join(dir, names[n]);
  int err = sc_class_load(paths, n, page, c, why);
  for (size_t i = 0; i < n; i++)
    free(owned[i]);
  return err;
}

static const char *const two_katas[] = {"01-x", "02-y", NULL};

static void test_class_keeps_the_page_when_a_file_is_not_results(void **state) {
  (void)state;
  char *dir = temp_dir();
  write_results(dir, "ada.json", two_katas, 0);
  put_file(dir, "bob.json", "{\"hello\": 1}\n");
  struct sc_class c;
  char *why = NULL;
  const char *names[] = {"ada.json", "bob.json", NULL};
  assert_int_equal(load(dir, names, NULL, &c, &why), 0);
  assert_null(why);
  assert_int_equal(c.count, 1);
  assert_int_equal(c.bad_count, 1);
  assert_string_equal(c.bad[0].name, "bob");
  assert_non_null(strstr(c.bad[0].why, "bob.json' is not a results file"));
  assert_null(strchr(c.bad[0].why, '\n'));
  struct sc_buf out = {0};
  sc_report_class_render(&c, &out);
  const char *row = strstr(out.data, "<tbody class=\"unsorted bad\">");
  assert_non_null(row);
  assert_non_null(strstr(row, "<strong>bob</strong>"));
  assert_non_null(strstr(row, "is not a results file"));
  sc_buf_free(&out);
  sc_class_free(&c);
  /* nothing usable: no page, the first file's reason */
  const char *only_bad[] = {"bob.json", NULL};
  assert_int_equal(load(dir, only_bad, NULL, &c, &why), SC_EREPORT);
  assert_int_equal(c.count, 0);
  assert_null(c.learners);
  assert_non_null(strstr(why, "bob.json' is not a results file"));
  free(why);
  sc_remove_tree(dir);
  free(dir);
}

static void
test_class_gives_a_second_file_for_one_learner_its_own_row(void **state) {
  (void)state;
  char *dir = temp_dir();
  write_results(dir, "ada.json", two_katas, 0);
  char *sub = sc_path_join(dir, "again");
  assert_int_equal(sc_mkdir_p(sub), 0);
  write_results(sub, "ada.json", two_katas, 1);
  struct sc_class c;
  char *why = NULL;
  const char *names[] = {"ada.json", "again/ada.json", NULL};
  assert_int_equal(load(dir, names, NULL, &c, &why), 0);
  assert_int_equal(c.count, 1);
  assert_int_equal(c.bad_count, 1);
  assert_non_null(strstr(c.bad[0].why, "again/ada.json': a second results "
                                       "file for learner 'ada'"));
  sc_class_free(&c);
  free(sub);
  sc_remove_tree(dir);
  free(dir);
}

static void
test_class_gives_results_of_other_katas_their_own_row(void **state) {
  (void)state;
  char *dir = temp_dir();
  const char *const other[] = {"01-x", "03-z", NULL};
  write_results(dir, "ada.json", two_katas, 0);
  write_results(dir, "bob.json", other, 0);
  put_file(dir, "notes.txt", "not json\n");
  struct sc_class c;
  char *why = NULL;
  const char *names[] = {"ada.json", "bob.json", "notes.txt", NULL};
  assert_int_equal(load(dir, names, NULL, &c, &why), 0);
  assert_int_equal(c.count, 1);
  assert_int_equal(c.bad_count, 2);
  assert_non_null(strstr(c.bad[0].why, "bob.json': grades 01-x, 03-z, but"));
  assert_non_null(strstr(c.bad[1].why, "notes.txt': a learner's results"));
  assert_string_equal(c.bad[1].name, "notes.txt");
  sc_class_free(&c);
  assert_int_equal(sc_class_load(NULL, 0, NULL, &c, &why), SC_EUSAGE);
  free(why);
  sc_remove_tree(dir);
  free(dir);
}

/* Sets the official flag and findings of the results file dir/name. */
static void mark_results(const char *dir, const char *name, int official,
                         int changed) {
  char *path = sc_path_join(dir, name);
  struct sc_results r;
  char *why = NULL;
  assert_int_equal(sc_results_read(path, &r, &why), 0);
  r.official = official;
  if (official)
    r.trusted_ref = sc_xstrdup("origin/main");
  if (changed)
    sc_results_add_finding(&r, "katas/01-x/test_x.c", "modified");
  assert_int_equal(sc_report_json_write(&r, path), 0);
  sc_results_free(&r);
  free(path);
}

static void test_class_ranks_unofficial_changed_results_apart(void **state) {
  (void)state;
  char *dir = temp_dir();
  /* the cheater has full marks, unofficial, a test changed; the honest
   * learner has less, official */
  write_results(dir, "cheat.json", two_katas, 0);
  mark_results(dir, "cheat.json", 0, 1);
  write_results(dir, "honest.json", two_katas, 1);
  mark_results(dir, "honest.json", 1, 0);
  write_results(dir, "local.json", two_katas, 1);
  struct sc_class c;
  char *why = NULL;
  const char *names[] = {"cheat.json", "honest.json", "local.json", NULL};
  assert_int_equal(load(dir, names, NULL, &c, &why), 0);
  struct sc_buf out = {0};
  sc_report_class_render(&c, &out);
  const char *official = strstr(out.data, "<tbody class=\"official\">");
  const char *unofficial = strstr(out.data, "<tbody class=\"unofficial\">");
  const char *changed = strstr(out.data, "<tbody class=\"changed\">");
  assert_true(official && unofficial && changed && official < unofficial &&
              unofficial < changed);
  assert_true(strstr(official, ">honest<") < unofficial);
  assert_true(strstr(unofficial, ">local<") < changed);
  assert_non_null(strstr(changed, ">cheat<"));
  assert_non_null(strstr(changed, "counted in the score (unofficial)"));
  assert_non_null(strstr(out.data, "the changes counted in these scores"));
  /* the script sorts each group apart */
  assert_non_null(strstr(out.data, "t.tBodies, function (body)"));
  sc_buf_free(&out);
  sc_class_free(&c);
  sc_remove_tree(dir);
  free(dir);
}

/* Splits one RFC 4180 record at *p into fields (at most max), advancing
 * *p past its CRLF. Returns the number of fields, or -1 when the record
 * is malformed. Fields are copied into buf (cap bytes). */
static int csv_record(const char **p, char **fields, int max, char *buf,
                      size_t cap) {
  int n = 0;
  size_t used = 0;
  for (;;) {
    if (n == max)
      return -1;
    fields[n++] = buf + used;
    if (**p == '"') {
      for ((*p)++;; (*p)++) {
        if (**p == '\0')
          return -1;
        if (**p == '"' && (*p)[1] != '"')
          break;
        if (**p == '"')
          (*p)++;
        buf[used++] = **p;
      }
      (*p)++;
    } else {
      while (**p != ',' && **p != '\r' && **p != '\n' && **p != '\0')
        buf[used++] = *(*p)++;
    }
    buf[used++] = '\0';
    assert_true(used < cap);
    if (**p == ',') {
      (*p)++;
      continue;
    }
    if ((*p)[0] != '\r' || (*p)[1] != '\n')
      return -1; /* every record ends in CRLF */
    *p += 2;
    return n;
  }
}

static void test_class_csv_has_a_row_per_learner_kata_and_gate(void **state) {
  (void)state;
  char *dir = temp_dir();
  write_results(dir, "ada.json", two_katas, 0);
  write_results(dir, "=cmd, \"x\".json", two_katas, 1);
  put_file(dir, "eve.json", "[]\n");
  struct sc_class c;
  char *why = NULL;
  const char *names[] = {"ada.json", "=cmd, \"x\".json", "eve.json", NULL};
  assert_int_equal(load(dir, names, NULL, &c, &why), 0);
  struct sc_buf out = {0};
  sc_report_class_csv(&c, &out);
  const char *p = out.data;
  char *f[16];
  char buf[4096];
  assert_int_equal(csv_record(&p, f, 16, buf, sizeof(buf)), 8);
  assert_string_equal(f[0], "learner");
  assert_string_equal(f[3], "points");
  int rows = 0;
  unsigned ada_points = 0;
  while (*p) {
    assert_int_equal(csv_record(&p, f, 16, buf, sizeof(buf)), 8);
    rows++;
    if (strcmp(f[0], "ada") == 0)
      ada_points += (unsigned)atoi(f[3]);
    if (rows == 13) { /* the second learner's first row */
      assert_string_equal(f[0], "'=cmd, \"x\"");
      assert_string_equal(f[1], "01-x");
      assert_string_equal(f[2], "build");
      assert_string_equal(f[5], "pass");
      assert_string_equal(f[6], "no");
    }
    if (rows == 14) {
      assert_string_equal(f[2], "tests");
      assert_string_equal(f[3], "10");
      assert_string_equal(f[4], "40");
      assert_string_equal(f[5], "fail");
    }
  }
  assert_int_equal(rows, 2 * 2 * SC_GATE_COUNT + 1);
  assert_int_equal(ada_points, c.learners[0].results.score);
  assert_string_equal(f[0], "eve");
  assert_string_equal(f[5], "unreadable");
  assert_non_null(strstr(f[7], "eve.json"));
  sc_buf_free(&out);
  sc_class_free(&c);
  sc_remove_tree(dir);
  free(dir);
}

static void test_class_page_links_pages_sorts_and_escapes(void **state) {
  (void)state;
  char *dir = temp_dir();
  write_results(dir, "ada.json", two_katas, 0);
  write_results(dir, "<b>o b.json", two_katas, 1);
  put_file(dir, "<b>o b.html", "<p>bob</p>\n");
  put_file(dir, "pages/.keep", "");
  struct sc_class c;
  char *why = NULL;
  const char *names[] = {"ada.json", "<b>o b.json", NULL};
  char *page_path = sc_path_join(dir, "pages/class.html");
  assert_int_equal(load(dir, names, page_path, &c, &why), 0);
  assert_int_equal(c.count, 2);
  assert_null(c.learners[0].page); /* no ada.html */
  assert_string_equal(c.learners[1].page, "../%3Cb%3Eo%20b.html");
  struct sc_buf out = {0};
  sc_report_class_render(&c, &out);
  assert_non_null(strstr(out.data, "<a href=\"../%3Cb%3Eo%20b.html\">"
                                   "&lt;b&gt;o b</a>"));
  assert_null(strstr(out.data, "<b>o"));
  assert_int_equal(count(out.data, "<script>"), 1); /* the sorting, inline */
  assert_null(strstr(out.data, "http:"));
  assert_null(strstr(out.data, "https:"));
  assert_non_null(strstr(out.data, "script-src 'unsafe-inline'"));
  assert_int_equal(count(out.data, "<th class=\"num kata\"><button"), 2);
  assert_non_null(strstr(out.data, "data-sort=\"70.000\""));
  assert_non_null(strstr(out.data, "id=\"distribution\""));
  assert_int_equal(sc_report_class_write(&c, page_path), 0);
  sc_buf_free(&out);
  sc_class_free(&c);
  free(page_path);
  sc_remove_tree(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_html_escape_makes_markup_and_quotes_inert),
      cmocka_unit_test(test_html_escape_replaces_bad_utf8_and_controls),
      cmocka_unit_test(test_html_page_keeps_every_results_string_inert),
      cmocka_unit_test(test_html_page_has_no_url_and_fetches_nothing),
      cmocka_unit_test(test_html_page_shows_score_level_chart_and_gates),
      cmocka_unit_test(test_html_page_puts_integrity_first),
      cmocka_unit_test(
          test_html_page_gives_the_command_that_reproduces_each_finding),
      cmocka_unit_test(test_html_page_quotes_the_learners_lines_from_the_repo),
      cmocka_unit_test(test_html_page_never_fails_on_missing_or_outside_files),
      cmocka_unit_test(test_html_page_renders_the_notes_and_counts_phases),
      cmocka_unit_test(test_html_page_draws_the_score_over_time),
      cmocka_unit_test(test_html_markdown_renders_a_safe_subset),
      cmocka_unit_test(test_class_keeps_the_page_when_a_file_is_not_results),
      cmocka_unit_test(
          test_class_gives_a_second_file_for_one_learner_its_own_row),
      cmocka_unit_test(test_class_gives_results_of_other_katas_their_own_row),
      cmocka_unit_test(test_class_ranks_unofficial_changed_results_apart),
      cmocka_unit_test(test_class_csv_has_a_row_per_learner_kata_and_gate),
      cmocka_unit_test(test_class_page_links_pages_sorts_and_escapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

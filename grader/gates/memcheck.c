/* The memcheck gate: the suite under valgrind's memcheck. Verdicts come
 * from valgrind's XML report; definite and indirect leaks and every memory
 * error fail the gate, each pointed at the first frame in the learner's
 * files. */
#include "gates/grading.h"
#include "core/error.h"
#include "core/util.h"
#include "parse/valgrind_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LISTED = 5 };

/* "katas/03-x/pipe.c:42 in pipe_on_read", or the innermost frame with a
 * source file when none is the learner's. */
static char *describe_frame(struct sc_grading *g, const struct sc_vg_error *e,
                            const struct sc_strv *learner,
                            struct sc_gate_result *r) {
  const struct sc_vg_frame *f =
      sc_vg_error_first_frame_in(e, sc_strv_view(learner), learner->count);
  int in_learner = f != NULL;
  for (size_t i = 0; f == NULL && i < e->frame_count; i++)
    if (e->frames[i].file != NULL)
      f = &e->frames[i];
  if (f == NULL)
    return sc_xstrdup("no frame with a source line");
  char *full = f->dir ? sc_path_join(f->dir, f->file) : sc_xstrdup(f->file);
  char *rel = sc_grading_relative(g, full);
  char *where =
      sc_xasprintf("%s:%u in %s()%s", rel, f->line, f->fn ? f->fn : "?",
                   in_learner ? "" : " (not in your files)");
  if (in_learner && r->location_count < 20) {
    char *msg = sc_xasprintf("%s: %s", e->kind, e->what);
    sc_gate_add_location(r, rel, f->line, msg);
    free(msg);
  }
  free(rel);
  free(full);
  return where;
}

static void judge(struct sc_grading *g, struct sc_gate_result *r,
                  const struct sc_vg_report *report,
                  const struct sc_run_result *res) {
  struct sc_strv learner = {0};
  sc_grading_learner_sources(g, &learner);
  struct sc_buf list = {0};
  for (size_t i = 0; i < report->count; i++) {
    if (i == MAX_LISTED) {
      sc_buf_printf(&list, "- and %zu more\n", report->count - MAX_LISTED);
      break;
    }
    const struct sc_vg_error *e = &report->errors[i];
    char *where = describe_frame(g, e, &learner, r);
    sc_buf_printf(&list, "- %s at %s: %s\n", e->kind, where, e->what);
    free(where);
  }
  sc_strv_free(&learner);

  char how[160];
  if (report->fatal_signal != 0)
    sc_gate_set(r, SC_STATUS_FAIL, 0, "the suite died of %s under valgrind\n%s",
                report->fatal_signal_name ? report->fatal_signal_name
                                          : "a signal",
                list.data ? list.data : "");
  else if (!report->complete)
    sc_gate_set(r, SC_STATUS_FAIL, 0,
                "valgrind's report is incomplete: the suite %s\n%s",
                sc_run_describe(res, how, sizeof(how)),
                list.data ? list.data : "");
  else if (report->count > 0)
    sc_gate_set(r, SC_STATUS_FAIL, 0,
                "%zu memory problem%s (leaks and errors; each names the "
                "first frame in your code):\n%s",
                report->count, report->count == 1 ? "" : "s", list.data);
  else
    sc_gate_set(r, SC_STATUS_PASS, r->max_score,
                "no leaks and no memory errors");
  sc_buf_free(&list);
}

void sc_gate_memcheck(struct sc_grading *g, struct sc_gate_result *r) {
  const char *binaries[] = {"suite", NULL};
  char *dir = sc_grading_stage(g, r, "memcheck", binaries);
  if (dir == NULL)
    return;
  char *xml = sc_path_join(dir, "memcheck.xml");
  char *xml_arg = sc_xasprintf("--xml-file=%s", xml);
  const char *argv[] = {"valgrind",
                        "--tool=memcheck",
                        "--xml=yes",
                        xml_arg,
                        "--leak-check=full",
                        "--show-leak-kinds=definite,indirect",
                        "--errors-for-leak-kinds=definite,indirect",
                        "--child-silent-after-fork=yes",
                        "--num-callers=30",
                        "./suite",
                        g->kata->memcheck_filter,
                        NULL};
  struct sc_limits limits = sc_grading_limits(g, SC_GATE_MEMCHECK);
  struct sc_run_result res = {0};
  int err = sc_grading_sandbox(g, dir, argv, NULL, &limits, &res);

  struct sc_vg_report report = {0};
  if (err != 0)
    sc_gate_set(r, SC_STATUS_ERROR, 0, "cannot run valgrind: %s",
                res.output ? res.output : sc_strerror(err));
  else if ((err = sc_valgrind_xml_read(xml, &report)) != 0) {
    char how[160];
    sc_gate_set(r, SC_STATUS_FAIL, 0, "valgrind wrote no report: the suite %s",
                sc_run_describe(&res, how, sizeof(how)));
    char *tail = sc_text_tail(res.output ? res.output : "", 20);
    sc_gate_set_details(r, tail);
    free(tail);
  } else
    judge(g, r, &report, &res);
  sc_vg_report_free(&report);
  sc_run_result_free(&res);
  free(xml_arg);
  free(xml);
  free(dir);
}

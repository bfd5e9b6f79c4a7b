#include "report/junit.h"
#include "core/error.h"
#include "core/util.h"
#include "parse/report_text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

/* What a <testsuite> counts. */
struct counts {
  unsigned long tests, failures, errors, skipped;
};

/* The two dialects: junit-10.xsd's, and the same plus testcase@file and
 * testcase@line for the reporters that annotate source lines. */
enum dialect { STRICT, WITH_LOCATIONS };

int sc_report_location_in_repo(const struct sc_location *location) {
  const char *f = location->file;
  if (f == NULL || *f == '\0' || *f == '/')
    return 0;
  for (const char *p = f; (p = strstr(p, "..")) != NULL; p += 2)
    if ((p == f || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
      return 0;
  return 1;
}

/* Whether text names word with nothing of an identifier around it, so that
 * "test_a" is not found in "test_ab". */
static int names(const char *text, const char *word) {
  size_t len = strlen(word);
  if (text == NULL || len == 0)
    return 0;
  for (const char *p = text; (p = strstr(p, word)) != NULL; p++) {
    int before = p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
    int after = isalnum((unsigned char)p[len]) || p[len] == '_';
    if (!before && !after)
      return 1;
  }
  return 0;
}

const struct sc_location *
sc_report_test_location(const struct sc_gate_result *gate, const char *test) {
  const struct sc_location *first = NULL;
  for (size_t i = 0; i < gate->location_count; i++) {
    const struct sc_location *l = &gate->locations[i];
    if (!sc_report_location_in_repo(l))
      continue;
    if (names(l->message, test))
      return l;
    if (first == NULL)
      first = l;
  }
  return first;
}

/* A copy of s that XML 1.0 accepts (caller frees); NULL stays NULL. */
static char *xml_text(const char *s) {
  if (s == NULL)
    return NULL;
  char *copy = sc__report_utf8(s, strlen(s), 0, 1, NULL);
  if (copy == NULL) {
    fputs("fatal: out of memory\n", stderr);
    exit(2);
  }
  return copy;
}

/* The first line of s as XML-safe text (caller frees). */
static char *first_line(const char *s) {
  size_t len = strcspn(s, "\r\n");
  char *line = sc__report_utf8(s, len, 0, 1, NULL);
  if (line == NULL) {
    fputs("fatal: out of memory\n", stderr);
    exit(2);
  }
  return line;
}

/* Writes a string attribute made XML-safe. Returns < 0 on failure. */
static int attribute(xmlTextWriterPtr w, const char *name, const char *value) {
  char *safe = xml_text(value);
  int rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST safe);
  free(safe);
  return rc;
}

/* The counts of a suite. */
static int count_attributes(xmlTextWriterPtr w, const struct counts *c) {
  int rc = 0;
  rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%lu",
                                          c->tests) < 0;
  rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%lu",
                                          c->failures) < 0;
  rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "errors", "%lu",
                                          c->errors) < 0;
  rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "skipped", "%lu",
                                          c->skipped) < 0;
  return rc ? -1 : 0;
}

/* Seconds with exactly 3 decimals, the most junit-10.xsd allows. */
static int time_attribute(xmlTextWriterPtr w, unsigned long long ms) {
  return xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%llu.%03llu",
                                           ms / 1000, ms % 1000);
}

/* Adds one test case of the given outcome to c. */
static void count(struct counts *c, enum sc_status status) {
  c->tests++;
  if (status == SC_STATUS_FAIL)
    c->failures++;
  else if (status == SC_STATUS_ERROR)
    c->errors++;
  else if (status == SC_STATUS_SKIP)
    c->skipped++;
}

/* The outcome element of a test case that did not pass: <failure>,
 * <error> or <skipped>, with the first line of message as its message
 * attribute and the whole message as its text, then the learner's line
 * when one is known ("at katas/03-x/pipe.c:42"): in every dialect, so a
 * reader of the strict one still finds it. */
static int outcome(xmlTextWriterPtr w, enum sc_status status,
                   const char *message, const struct sc_location *where) {
  static const char *const elements[] = {
      [SC_STATUS_FAIL] = "failure",
      [SC_STATUS_ERROR] = "error",
      [SC_STATUS_SKIP] = "skipped",
  };
  if (status == SC_STATUS_PASS)
    return 0;
  int rc = xmlTextWriterStartElement(w, BAD_CAST elements[status]) < 0;
  if (message != NULL) {
    char *line = first_line(message);
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST line) < 0;
    free(line);
    if (status != SC_STATUS_SKIP) {
      char *text = xml_text(message);
      rc |= xmlTextWriterWriteString(w, BAD_CAST text) < 0;
      free(text);
    }
  }
  if (status != SC_STATUS_SKIP && where != NULL) {
    char *at = where->line > 0
                   ? sc_xasprintf("%sat %s:%u", message ? "\n" : "",
                                  where->file, where->line)
                   : sc_xasprintf("%sat %s", message ? "\n" : "", where->file);
    char *text = xml_text(at);
    rc |= xmlTextWriterWriteString(w, BAD_CAST text) < 0;
    free(text);
    free(at);
  }
  rc |= xmlTextWriterEndElement(w) < 0;
  return rc ? -1 : 0;
}

/* One <testcase>; where may be NULL. */
static int testcase(xmlTextWriterPtr w, enum dialect dialect,
                    const char *classname, const char *name,
                    enum sc_status status, const char *message,
                    const struct sc_location *where) {
  int rc = xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0;
  rc |= attribute(w, "name", name) < 0;
  rc |= attribute(w, "classname", classname) < 0;
  rc |= time_attribute(w, 0) < 0;
  if (where != NULL && dialect == WITH_LOCATIONS) {
    rc |= attribute(w, "file", where->file) < 0;
    if (where->line > 0)
      rc |= xmlTextWriterWriteFormatAttribute(w, BAD_CAST "line", "%u",
                                              where->line) < 0;
  }
  rc |= outcome(w, status, message, where) < 0;
  rc |= xmlTextWriterEndElement(w) < 0;
  return rc ? -1 : 0;
}

/* The counts of a kata's suite: its tests and its six gates. */
static struct counts kata_counts(const struct sc_kata_result *kata) {
  struct counts c = {0};
  const struct sc_gate_result *tests = &kata->gates[SC_GATE_TESTS];
  for (size_t i = 0; i < tests->test_count; i++)
    count(&c, tests->tests[i].status);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++)
    count(&c, kata->gates[g].status);
  return c;
}

static const struct sc_location *
first_location(const struct sc_gate_result *gate) {
  for (size_t i = 0; i < gate->location_count; i++)
    if (sc_report_location_in_repo(&gate->locations[i]))
      return &gate->locations[i];
  return NULL;
}

/* The suite's tests, then the six gates, as test cases of one suite. */
static int kata_cases(xmlTextWriterPtr w, enum dialect dialect,
                      const struct sc_kata_result *kata) {
  const struct sc_gate_result *tests = &kata->gates[SC_GATE_TESTS];
  char *classname = sc_xasprintf("%s.tests", kata->id);
  int rc = 0;
  for (size_t i = 0; i < tests->test_count; i++) {
    const struct sc_test_result *t = &tests->tests[i];
    const struct sc_location *where =
        t->status == SC_STATUS_PASS ? NULL
                                    : sc_report_test_location(tests, t->name);
    rc |= testcase(w, dialect, classname, t->name, t->status, t->message,
                   where) < 0;
  }
  free(classname);
  classname = sc_xasprintf("%s.gates", kata->id);
  for (unsigned g = 0; g < SC_GATE_COUNT; g++) {
    const struct sc_gate_result *gate = &kata->gates[g];
    const char *message = gate->message;
    if (message == NULL && gate->status == SC_STATUS_ERROR)
      message = kata->error;
    rc |= testcase(w, dialect, classname, sc_gate_name((enum sc_gate)g),
                   gate->status, message, first_location(gate)) < 0;
  }
  free(classname);
  return rc ? -1 : 0;
}

/* One <testsuite> for a kata. Returns 0 or -1 when the writer fails. */
static int kata_suite(xmlTextWriterPtr w, enum dialect dialect,
                      const struct sc_kata_result *kata) {
  struct counts c = kata_counts(kata);
  int rc = xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0;
  rc |= attribute(w, "name", kata->id) < 0;
  rc |= count_attributes(w, &c) < 0;
  rc |= time_attribute(w, kata->elapsed_ms) < 0;
  rc |= kata_cases(w, dialect, kata) < 0;
  rc |= xmlTextWriterEndElement(w) < 0;
  return rc ? -1 : 0;
}

/* The whole document: <testsuites> with a suite per kata. Returns 0 or -1
 * when the writer fails.
 *
 * The root carries no totals. junit-10.xsd allows tests, failures and
 * errors there but not skipped, and a reader that trusts the root's
 * counts when they are present (test-results-parser's junit.js does, and
 * sums the suites only when they are missing) would count every skipped
 * case as passed. Each suite has all four counts; every reader read here
 * sums them or the cases. */
static int document(xmlTextWriterPtr w, enum dialect dialect,
                    const struct sc_results *results) {
  int rc = xmlTextWriterSetIndent(w, 1) < 0;
  rc |= xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0;
  rc |= xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
  rc |= xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0;
  rc |= attribute(w, "name", "senior-check") < 0;
  rc |= time_attribute(w, results->elapsed_ms) < 0;
  for (size_t i = 0; i < results->count; i++)
    rc |= kata_suite(w, dialect, &results->katas[i]) < 0;
  rc |= xmlTextWriterEndDocument(w) < 0;
  return rc ? -1 : 0;
}

/* Writes len bytes to path, replacing it. Returns 0 or -errno. */
static int write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -errno;
  errno = 0;
  size_t written = fwrite(data, 1, len, f);
  int err = written == len ? 0 : (errno ? -errno : -EIO);
  if (fclose(f) != 0 && err == 0)
    err = errno ? -errno : -EIO;
  return err;
}

static int write_dialect(const struct sc_results *results, const char *path,
                         enum dialect dialect) {
  /* Built in memory first, so that an unwritable path gives -errno rather
   * than libxml2's own message on stderr. */
  xmlBufferPtr buf = xmlBufferCreate();
  if (buf == NULL)
    return SC_EREPORT;
  xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
  if (w == NULL) {
    xmlBufferFree(buf);
    return SC_EREPORT;
  }
  int rc = document(w, dialect, results);
  xmlFreeTextWriter(w); /* flushes into buf */
  if (rc == 0)
    rc = write_file(path, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
  else
    rc = SC_EREPORT;
  xmlBufferFree(buf);
  return rc;
}

int sc_report_junit_write(const struct sc_results *results, const char *path) {
  return write_dialect(results, path, STRICT);
}

int sc_report_junit_locations_write(const struct sc_results *results,
                                    const char *path) {
  return write_dialect(results, path, WITH_LOCATIONS);
}

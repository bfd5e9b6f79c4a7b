#include "parse/cmocka_xml.h"

#include "core/error.h"
#include "parse/report_text.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define XML_OPTIONS                                                            \
  (XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |                   \
   XML_PARSE_NOWARNING)

static const char cdata_open[] = "<![CDATA[";
static const char wrap_open[] = "<sc-reports>";
static const char wrap_close[] = "</sc-reports>";
/* "]]>" inside a CDATA section, written as two adjacent sections. */
static const char cdata_end_escaped[] = "]]]]><![CDATA[>";

struct text_buf {
  char *data;
  size_t len;
  size_t cap;
};

/* Appends n bytes to buf. Returns 0 or -ENOMEM. */
static int buf_append(struct text_buf *buf, const char *s, size_t n) {
  if (buf->cap - buf->len <= n) {
    size_t cap = buf->cap == 0 ? 4096 : buf->cap;
    char *data;

    while (cap - buf->len <= n) {
      if (cap > SIZE_MAX / 2)
        return -ENOMEM;
      cap *= 2;
    }
    data = realloc(buf->data, cap);
    if (data == NULL)
      return -ENOMEM;
    buf->data = data;
    buf->cap = cap;
  }
  memcpy(buf->data + buf->len, s, n);
  buf->len += n;
  buf->data[buf->len] = '\0';
  return 0;
}

/* Whether the bytes from s to end start with prefix. */
static int starts_with(const char *s, const char *end, const char *prefix) {
  size_t n = strlen(prefix);

  return (size_t)(end - s) >= n && memcmp(s, prefix, n) == 0;
}

static const char *skip_blanks(const char *s, const char *end) {
  while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
    s++;
  return s;
}

/* The "]]>" that cmocka wrote to close the CDATA section whose content
 * starts at s: the first one followed by the closing tag of the failure and
 * of its testcase. NULL when there is none (file cut short). */
static const char *find_cdata_end(const char *s, const char *end) {
  const char *q = s;

  while ((q = memmem(q, (size_t)(end - q), "]]></", 5)) != NULL) {
    const char *after = q + 3;

    if (starts_with(after, end, "</failure>"))
      after += strlen("</failure>");
    else if (starts_with(after, end, "</error>"))
      after += strlen("</error>");
    else {
      q++;
      continue;
    }
    after = skip_blanks(after, end);
    if (starts_with(after, end, "</testcase>"))
      return q;
    q++;
  }
  return NULL;
}

/* Copies the len bytes of valid UTF-8 at in into out, ready for libxml2:
 * without its XML declaration, wrapped in one root element so that several
 * <testsuites> roots parse as one document, with every "]]>" inside a
 * failure's CDATA section escaped, and with a CDATA section cut by the end
 * of the file closed. Returns 0 or -ENOMEM. */
static int prepare(const char *in, size_t len, struct text_buf *out) {
  const char *end = in + len;
  const char *pos = in;
  int err;

  if (starts_with(pos, end, "\xEF\xBB\xBF"))
    pos += 3;
  pos = skip_blanks(pos, end);
  if (starts_with(pos, end, "<?xml")) {
    const char *decl_end = memmem(pos, (size_t)(end - pos), "?>", 2);

    if (decl_end != NULL)
      pos = decl_end + 2;
  }

  err = buf_append(out, wrap_open, sizeof wrap_open - 1);
  while (err == 0) {
    const char *open =
        memmem(pos, (size_t)(end - pos), cdata_open, sizeof cdata_open - 1);
    const char *content;
    const char *close;
    const char *mark;

    if (open == NULL) {
      err = buf_append(out, pos, (size_t)(end - pos));
      break;
    }
    content = open + sizeof cdata_open - 1;
    err = buf_append(out, pos, (size_t)(content - pos));
    pos = content;
    close = find_cdata_end(content, end);
    if (close == NULL && memmem(pos, (size_t)(end - pos), "]]>", 3) == NULL) {
      /* The file was cut inside this section: keep the text written. */
      err = buf_append(out, pos, (size_t)(end - pos));
      if (err == 0)
        err = buf_append(out, "]]>", 3);
      pos = end;
      continue;
    }
    if (close == NULL)
      continue;
    while (err == 0 &&
           (mark = memmem(pos, (size_t)(close - pos), "]]>", 3)) != NULL) {
      err = buf_append(out, pos, (size_t)(mark - pos));
      if (err == 0)
        err = buf_append(out, cdata_end_escaped, sizeof cdata_end_escaped - 1);
      pos = mark + 3;
    }
    if (err == 0)
      err = buf_append(out, pos, (size_t)(close - pos));
    pos = close;
  }
  if (err == 0)
    err = buf_append(out, wrap_close, sizeof wrap_close - 1);
  return err;
}

/* Whether node is an element named name. */
static int is_element(const xmlNode *node, const char *name) {
  return node->type == XML_ELEMENT_NODE &&
         strcmp((const char *)node->name, name) == 0;
}

/* The node after node in document order, not leaving top. */
static xmlNode *next_in_order(xmlNode *node, const xmlNode *top) {
  if (node->type == XML_ELEMENT_NODE && node->children != NULL)
    return node->children;
  while (node != NULL && node != top) {
    if (node->next != NULL)
      return node->next;
    node = node->parent;
  }
  return NULL;
}

/* Whether one of the lines of text is exactly line. */
static int has_line(const char *text, const char *line) {
  size_t n = strlen(line);
  const char *p = text;

  while ((p = strstr(p, line)) != NULL) {
    if ((p == text || p[-1] == '\n') && (p[n] == '\0' || p[n] == '\n'))
      return 1;
    p += n;
  }
  return 0;
}

/* Whether a failure's text says the test never reached an assertion
 * verdict (crash, failed fixture). */
static int is_error_text(const char *text) {
  return strncmp(text, "Test failed with exception:",
                 strlen("Test failed with exception:")) == 0 ||
         has_line(text, "Test setup failed") ||
         has_line(text, "Test teardown failed");
}

/* A new copy of the xmlChar string s as valid UTF-8, trailing blanks
 * removed, at most max bytes when max is not 0. NULL when out of memory. */
static char *copy_text(const xmlChar *s, size_t max) {
  const char *text = s == NULL ? "" : (const char *)s;
  size_t len = strlen(text);

  while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' ||
                     text[len - 1] == '\n' || text[len - 1] == '\r'))
    len--;
  return sc__report_utf8(text, len, max, 0, NULL);
}

/* The failure text of a <failure> or <error> element: its content or, when
 * empty, its message attribute. NULL when out of memory. */
static char *verdict_message(xmlNode *verdict) {
  xmlChar *content = xmlNodeGetContent(verdict);
  char *message;

  if (content != NULL && content[0] == '\0') {
    xmlFree(content);
    content = NULL;
  }
  if (content == NULL)
    content = xmlGetProp(verdict, (const xmlChar *)"message");
  message = copy_text(content, SC_CMOCKA_MESSAGE_MAX);
  xmlFree(content);
  return message;
}

/* Fills *out from a <testcase> element. Returns 0 or -ENOMEM (then *out
 * owns nothing). */
static int read_case(xmlNode *testcase, struct sc_test_case *out) {
  xmlNode *verdict = NULL;
  xmlNode *child;
  xmlChar *name;
  int skipped = 0;

  memset(out, 0, sizeof *out);
  for (child = testcase->children; child != NULL; child = child->next) {
    if (is_element(child, "failure") || is_element(child, "error")) {
      verdict = child;
      break;
    }
    if (is_element(child, "skipped"))
      skipped = 1;
  }

  name = xmlGetProp(testcase, (const xmlChar *)"name");
  out->name = copy_text(name, 0);
  xmlFree(name);
  if (out->name == NULL)
    return -ENOMEM;

  if (verdict == NULL) {
    out->status = skipped ? SC_CASE_SKIP : SC_CASE_PASS;
    return 0;
  }
  out->message = verdict_message(verdict);
  if (out->message == NULL) {
    free(out->name);
    out->name = NULL;
    return -ENOMEM;
  }
  if (is_element(verdict, "error") || is_error_text(out->message))
    out->status = SC_CASE_ERROR;
  else
    out->status = SC_CASE_FAIL;
  return 0;
}

/* Appends every <testcase> under root to report. Returns 0, SC_EREPORT when
 * root holds no testsuite at all, or -ENOMEM. */
static int collect_cases(xmlNode *root, struct sc_test_report *report) {
  size_t cap = 0;
  int suites = 0;
  xmlNode *node;

  for (node = root; node != NULL; node = next_in_order(node, root)) {
    if (is_element(node, "testsuites") || is_element(node, "testsuite"))
      suites = 1;
    if (!is_element(node, "testcase"))
      continue;
    if (report->count == cap) {
      size_t ncap = cap == 0 ? 16 : cap * 2;
      struct sc_test_case *cases;

      cases = realloc(report->cases, ncap * sizeof *cases);
      if (cases == NULL)
        return -ENOMEM;
      report->cases = cases;
      cap = ncap;
    }
    if (read_case(node, &report->cases[report->count]) != 0)
      return -ENOMEM;
    report->count++;
  }
  return suites || report->count > 0 ? 0 : SC_EREPORT;
}

/* Reads a cmocka XML report; the contract is in cmocka_xml.h. Every
 * intermediate buffer and the libxml2 document are freed before returning:
 * the report only holds copies made with malloc(). */
int sc_cmocka_xml_read(const char *path, struct sc_test_report *report) {
  struct text_buf prepared = {NULL, 0, 0};
  char *raw = NULL;
  char *clean;
  size_t raw_len = 0;
  size_t clean_len = 0;
  xmlDoc *doc;
  xmlNode *root;
  int err;

  memset(report, 0, sizeof *report);
  err = sc__report_slurp(path, SC__REPORT_MAX_BYTES, &raw, &raw_len);
  if (err != 0)
    return err;
  clean = sc__report_utf8(raw, raw_len, 0, 1, &clean_len);
  free(raw);
  if (clean == NULL)
    return -ENOMEM;
  err = prepare(clean, clean_len, &prepared);
  free(clean);
  if (err != 0) {
    free(prepared.data);
    return err;
  }
  if (prepared.len > INT_MAX) {
    free(prepared.data);
    return SC_ETOO_BIG;
  }

  doc = xmlReadMemory(prepared.data, (int)prepared.len, NULL, "UTF-8",
                      XML_OPTIONS);
  free(prepared.data);
  if (doc == NULL)
    return SC_EREPORT;
  root = xmlDocGetRootElement(doc);
  err = root == NULL ? SC_EREPORT : collect_cases(root, report);
  xmlFreeDoc(doc);
  if (err != 0)
    sc_test_report_free(report);
  return err;
}

/* Frees a report filled by sc_cmocka_xml_read(); see cmocka_xml.h. */
void sc_test_report_free(struct sc_test_report *report) {
  size_t i;

  if (report == NULL)
    return;
  for (i = 0; i < report->count; i++) {
    free(report->cases[i].name);
    free(report->cases[i].message);
  }
  free(report->cases);
  report->cases = NULL;
  report->count = 0;
}

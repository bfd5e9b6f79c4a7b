#include "parse/valgrind_xml.h"

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

static const char closing_tag[] = "</valgrindoutput>";

/* Whether node is not NULL and is an element named name. */
static int is_element(const xmlNode *node, const char *name) {
  return node != NULL && node->type == XML_ELEMENT_NODE &&
         strcmp((const char *)node->name, name) == 0;
}

/* The first child element of parent named name, or NULL. */
static xmlNode *child_element(const xmlNode *parent, const char *name) {
  xmlNode *child;

  if (parent == NULL)
    return NULL;
  for (child = parent->children; child != NULL; child = child->next)
    if (is_element(child, name))
      return child;
  return NULL;
}

/* Stores in *out a new copy of the text of parent's child element name, or
 * NULL when there is no such child. Returns 0 or -ENOMEM. */
static int child_text(const xmlNode *parent, const char *name, char **out) {
  xmlNode *child = child_element(parent, name);
  xmlChar *content;

  *out = NULL;
  if (child == NULL)
    return 0;
  content = xmlNodeGetContent(child);
  if (content == NULL)
    return -ENOMEM;
  *out = sc__report_utf8((const char *)content, strlen((const char *)content),
                         0, 0, NULL);
  xmlFree(content);
  return *out == NULL ? -ENOMEM : 0;
}

/* Parses the decimal text of parent's child element name into *value, left
 * unchanged when the child is absent or not a number no larger than limit.
 * Returns 0 or -ENOMEM. */
static int child_number(const xmlNode *parent, const char *name, uint64_t limit,
                        uint64_t *value) {
  char *text;
  int err = child_text(parent, name, &text);

  if (err == 0)
    (void)sc__report_u64(text, limit, value);
  free(text);
  return err;
}

/* Frees an array of count frames and the strings they own. Accepts NULL. */
static void frames_free(struct sc_vg_frame *frames, size_t count) {
  size_t i;

  for (i = 0; i < count; i++) {
    free(frames[i].fn);
    free(frames[i].dir);
    free(frames[i].file);
    free(frames[i].obj);
  }
  free(frames);
}

/* Reads the <frame>s of a <stack> element (which may be NULL) into a new
 * array. Returns 0 or -ENOMEM (then nothing is allocated). */
static int read_stack(const xmlNode *stack, struct sc_vg_frame **frames,
                      size_t *count) {
  struct sc_vg_frame *out = NULL;
  xmlNode *node;
  size_t n = 0;
  size_t i = 0;

  *frames = NULL;
  *count = 0;
  if (stack == NULL)
    return 0;
  for (node = stack->children; node != NULL; node = node->next)
    if (is_element(node, "frame"))
      n++;
  if (n == 0)
    return 0;
  out = calloc(n, sizeof *out);
  if (out == NULL)
    return -ENOMEM;

  for (node = stack->children; node != NULL; node = node->next) {
    struct sc_vg_frame *frame = &out[i];
    uint64_t line = 0;

    if (!is_element(node, "frame"))
      continue;
    if (child_text(node, "fn", &frame->fn) != 0 ||
        child_text(node, "dir", &frame->dir) != 0 ||
        child_text(node, "file", &frame->file) != 0 ||
        child_text(node, "obj", &frame->obj) != 0 ||
        child_number(node, "line", UINT_MAX, &line) != 0) {
      frames_free(out, i + 1);
      return -ENOMEM;
    }
    frame->line = (unsigned)line;
    if (frame->fn == NULL && frame->file == NULL && frame->obj == NULL) {
      free(frame->dir);
      memset(frame, 0, sizeof *frame);
      continue;
    }
    i++;
  }
  if (i == 0) {
    free(out);
    out = NULL;
  }
  *frames = out;
  *count = i;
  return 0;
}

/* Frees what one error owns and zeroes it. */
static void error_free(struct sc_vg_error *error) {
  free(error->kind);
  free(error->what);
  frames_free(error->frames, error->frame_count);
  memset(error, 0, sizeof *error);
}

/* Fills *out from an <error> element. Returns 0, 1 when the element has no
 * <kind> (*out then owns nothing), or -ENOMEM. */
static int read_error(const xmlNode *node, struct sc_vg_error *out) {
  xmlNode *xwhat = child_element(node, "xwhat");
  int err;

  memset(out, 0, sizeof *out);
  err = child_text(node, "kind", &out->kind);
  if (err != 0)
    return err;
  if (out->kind == NULL)
    return 1;

  if (xwhat != NULL) {
    err = child_text(xwhat, "text", &out->what);
    if (err == 0)
      err = child_number(xwhat, "leakedbytes", UINT64_MAX, &out->leaked_bytes);
    if (err == 0)
      err =
          child_number(xwhat, "leakedblocks", UINT64_MAX, &out->leaked_blocks);
  } else {
    err = child_text(node, "what", &out->what);
  }
  if (err == 0 && out->what == NULL) {
    out->what = strdup("");
    if (out->what == NULL)
      err = -ENOMEM;
  }
  if (err == 0)
    err = read_stack(child_element(node, "stack"), &out->frames,
                     &out->frame_count);
  if (err != 0)
    error_free(out);
  return err;
}

/* Fills the fatal signal fields of report from a <fatal_signal> element.
 * An element without a valid <signo> is ignored. Returns 0 or -ENOMEM. */
static int read_fatal_signal(const xmlNode *node, struct sc_vg_report *report) {
  uint64_t signo = 0;
  int err;

  err = child_number(node, "signo", INT_MAX, &signo);
  if (err != 0 || signo == 0)
    return err;
  err = child_text(node, "signame", &report->fatal_signal_name);
  if (err == 0)
    err = read_stack(child_element(node, "stack"), &report->fatal_frames,
                     &report->fatal_frame_count);
  if (err != 0)
    return err;
  report->fatal_signal = (int)signo;
  return 0;
}

/* Whether the text ends with the closing tag of the root, blanks aside. */
static int ends_with_closing_tag(const char *text, size_t len) {
  size_t n = sizeof closing_tag - 1;

  while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' ||
                     text[len - 1] == '\n' || text[len - 1] == '\r'))
    len--;
  return len >= n && memcmp(text + len - n, closing_tag, n) == 0;
}

/* Number of times the n bytes at needle occur in the len bytes at text. */
static size_t count_occurrences(const char *text, size_t len,
                                const char *needle, size_t n) {
  const char *end = text + len;
  const char *p = text;
  size_t count = 0;

  while ((p = memmem(p, (size_t)(end - p), needle, n)) != NULL) {
    count++;
    p += n;
  }
  return count;
}

/* Reads the <error> and <fatal_signal> children of root. Only the first
 * closed_errors <error>s and, unless fatal_closed is 0, the <fatal_signal>
 * are read: in a file cut short, the element being written at the cut was
 * closed by the recovering parser but its last field may be cut mid-word. */
static int read_root(const xmlNode *root, size_t closed_errors,
                     int fatal_closed, struct sc_vg_report *report) {
  size_t seen_errors = 0;
  size_t cap = 0;
  xmlNode *node;
  int err;

  for (node = root->children; node != NULL; node = node->next) {
    if (is_element(node, "fatal_signal") && report->fatal_signal == 0) {
      if (!fatal_closed)
        continue;
      err = read_fatal_signal(node, report);
      if (err != 0)
        return err;
      continue;
    }
    if (!is_element(node, "error") || seen_errors++ >= closed_errors)
      continue;
    if (report->count == cap) {
      size_t ncap = cap == 0 ? 8 : cap * 2;
      struct sc_vg_error *errors;

      errors = realloc(report->errors, ncap * sizeof *errors);
      if (errors == NULL)
        return -ENOMEM;
      report->errors = errors;
      cap = ncap;
    }
    err = read_error(node, &report->errors[report->count]);
    if (err < 0)
      return err;
    if (err == 0)
      report->count++;
  }
  return 0;
}

/* Reads a memcheck XML report; the contract is in valgrind_xml.h. Every
 * intermediate buffer and the libxml2 document are freed before returning:
 * the report only holds copies made with malloc(). */
int sc_valgrind_xml_read(const char *path, struct sc_vg_report *report) {
  char *raw = NULL;
  char *clean;
  size_t raw_len = 0;
  size_t clean_len = 0;
  size_t closed_errors;
  int fatal_closed;
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
  if (clean_len > INT_MAX) {
    free(clean);
    return SC_ETOO_BIG;
  }

  doc = xmlReadMemory(clean, (int)clean_len, NULL, "UTF-8", XML_OPTIONS);
  report->complete = ends_with_closing_tag(clean, clean_len);
  /* Valgrind escapes its text, so these tags only occur as markup. */
  closed_errors = count_occurrences(clean, clean_len, "</error>", 8);
  fatal_closed = memmem(clean, clean_len, "</fatal_signal>", 15) != NULL;
  free(clean);
  root = doc == NULL ? NULL : xmlDocGetRootElement(doc);
  if (!is_element(root, "valgrindoutput"))
    err = SC_EREPORT;
  else
    err = read_root(root, closed_errors, fatal_closed, report);
  xmlFreeDoc(doc);
  if (err != 0)
    sc_vg_report_free(report);
  return err;
}

/* Frees a report filled by sc_valgrind_xml_read(); see valgrind_xml.h. */
void sc_vg_report_free(struct sc_vg_report *report) {
  size_t i;

  if (report == NULL)
    return;
  for (i = 0; i < report->count; i++)
    error_free(&report->errors[i]);
  free(report->errors);
  free(report->fatal_signal_name);
  frames_free(report->fatal_frames, report->fatal_frame_count);
  memset(report, 0, sizeof *report);
}

/* Whether dir "/" file, or file alone when dir is NULL, is path. */
static int frame_path_is(const struct sc_vg_frame *frame, const char *path) {
  size_t dir_len;

  if (frame->file == NULL)
    return 0;
  if (frame->dir == NULL || frame->file[0] == '/')
    return strcmp(frame->file, path) == 0;
  dir_len = strlen(frame->dir);
  while (dir_len > 0 && frame->dir[dir_len - 1] == '/')
    dir_len--;
  return strncmp(path, frame->dir, dir_len) == 0 && path[dir_len] == '/' &&
         strcmp(path + dir_len + 1, frame->file) == 0;
}

/* Finds the first frame in the learner's files; see valgrind_xml.h. */
const struct sc_vg_frame *
sc_vg_error_first_frame_in(const struct sc_vg_error *error,
                           const char *const *files, size_t n) {
  size_t i;
  size_t j;

  if (error == NULL || files == NULL)
    return NULL;
  for (i = 0; i < error->frame_count; i++)
    for (j = 0; j < n; j++)
      if (files[j] != NULL && frame_path_is(&error->frames[i], files[j]))
        return &error->frames[i];
  return NULL;
}

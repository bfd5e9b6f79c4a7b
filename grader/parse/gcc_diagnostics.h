/* Reader of gcc 12 diagnostics in JSON (-fdiagnostics-format=json).
 *
 * gcc prints one JSON array per compiler invocation, on one line, to
 * stderr. A captured build log mixes those lines with others (make's
 * messages, the driver's own plain-text errors, CMake's progress lines that
 * also start with "["): every line that starts with "[" and parses as a
 * JSON array is read, every other line is ignored.
 */
#ifndef SENIOR_CHECK_PARSE_GCC_DIAGNOSTICS_H
#define SENIOR_CHECK_PARSE_GCC_DIAGNOSTICS_H

#include <stddef.h>

enum sc_diag_kind { SC_DIAG_WARNING, SC_DIAG_ERROR, SC_DIAG_NOTE };

struct sc_diagnostic {
  /* "note" and "debug" are notes; "warning", "pedwarn" and "anachronism"
   * are warnings; every other kind ("error", "fatal error", "sorry,
   * unimplemented", "internal compiler error", ...) is an error. */
  enum sc_diag_kind kind;
  char *file;      /* locations[0].caret.file, or NULL without a location */
  unsigned line;   /* 0 without a location */
  unsigned column; /* 1-based, 0 without a location */
  char *message;   /* never NULL */
  char *option;    /* "-Wconversion", or NULL when absent */
};

struct sc_diagnostics {
  struct sc_diagnostic *items; /* in the order gcc printed them */
  size_t count;
};

/* Parses the len bytes at text (need not be NUL-terminated) into *out.
 *
 * Only top-level diagnostics are returned: the notes gcc nests in a
 * diagnostic's "children" ("shadowed declaration is here") belong to it
 * and are not counted, so count is the number of diagnostics gcc reported.
 * Bytes that are not valid UTF-8 are replaced by U+FFFD before parsing.
 *
 * A line counts when it starts with "[" and parses as a JSON array whose
 * elements are all objects with a string "kind" and "message"; any other
 * line (make's messages, the driver's plain-text errors, CMake's progress,
 * a program printing "[1, 2]") is skipped.
 *
 * On success returns 0 and fills *out (any previous content is overwritten,
 * not freed; count is 0 for "[]", gcc's output for a clean compile); the
 * caller owns it and releases it with sc_diagnostics_free(). Fails with
 * SC_EREPORT when no line counts (empty text, a log without gcc's JSON:
 * the compiler did not run or ran without -fdiagnostics-format=json),
 * -EINVAL when text is NULL and len is not 0, -ENOMEM. On failure *out is
 * left zeroed. */
int sc_gcc_diagnostics_parse(const char *text, size_t len,
                             struct sc_diagnostics *out);

/* Frees everything *diags owns and zeroes it. Accepts NULL and a zeroed
 * struct. */
void sc_diagnostics_free(struct sc_diagnostics *diags);

#endif /* SENIOR_CHECK_PARSE_GCC_DIAGNOSTICS_H */

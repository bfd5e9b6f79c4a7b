/* predictions: reads the learner's predictions.txt.
 *
 * The format (see README: Part one):
 *
 *   # a comment, to the end of the line
 *   41: connect read read close
 *   42: nondeterministic
 *
 * One line per puzzle: its number, a colon, then the labels in the order
 * the callbacks run, separated by spaces. Blank lines, extra spaces, tabs and
 * upper case are all accepted; answers are stored lower case with single
 * spaces. Trusted kata code: the learner does not edit it.
 */
#ifndef KATA01_PREDICTIONS_H
#define KATA01_PREDICTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define PREDICTIONS_MAX_PUZZLE 99
#define PREDICTIONS_MAX_ANSWER 256

/* The answer that says "no single order: it changes from run to run". */
#define PREDICTIONS_NONDETERMINISTIC "nondeterministic"

typedef struct predictions {
  bool present[PREDICTIONS_MAX_PUZZLE + 1];
  char answer[PREDICTIONS_MAX_PUZZLE + 1][PREDICTIONS_MAX_ANSWER];
} predictions_t;

/* Parses the `len` bytes of `text`, named `name` in messages, into `out`.
 * Lines are "NN: label label ...", '#' starts a comment, blank lines and
 * '\r' are ignored. Returns 0, or -1 with a one-line message in `err`
 * ("'name' line 4: ...") for a malformed line, a puzzle number out of range,
 * a puzzle listed twice or an answer too long. Nothing is allocated. */
int predictions_parse(predictions_t *out, const char *text, size_t len,
                      const char *name, char *err, size_t err_size);

/* Reads the file at `path` into `out`. Returns 0, or -1 with a one-line
 * message in `err` (git's form: "cannot open 'path': reason",
 * "'path' line 4: ...") for a file that cannot be read, a malformed line,
 * a puzzle number out of range, a puzzle listed twice or an answer too
 * long. The caller owns `out`; nothing is allocated. */
int predictions_load(predictions_t *out, const char *path, char *err,
                     size_t err_size);

/* The normalised answer for puzzle `number` ("" when the line has no
 * labels), or NULL when the file has no line for it. Borrowed from `p`. */
const char *predictions_get(const predictions_t *p, unsigned number);

#endif /* KATA01_PREDICTIONS_H */

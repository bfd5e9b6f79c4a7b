/* order_log: the list of labels a program records as its callbacks run.
 *
 * Puzzles and the runtime's tests append one label per callback; the suite
 * compares the formatted log ("timer check close") with the expected order.
 * Trusted kata code: the learner does not edit it.
 */
#ifndef KATA01_ORDER_LOG_H
#define KATA01_ORDER_LOG_H

#include <stddef.h>

/* Enough for every puzzle and test; labels past it are counted, not kept. */
#define ORDER_LOG_CAPACITY 64

typedef struct order_log {
  const char *labels[ORDER_LOG_CAPACITY]; /* borrowed: string literals */
  size_t count;                           /* labels kept */
  size_t dropped;                         /* labels past the capacity */
} order_log_t;

/* Empties `log`. Cannot fail. */
void order_log_init(order_log_t *log);

/* Appends `label`, which must outlive the log (use a string literal). When
 * the log is full the label is counted in `dropped` instead. */
void order_log_add(order_log_t *log, const char *label);

/* Writes the labels into `buf` separated by single spaces, followed by
 * " ..." when labels were dropped, always NUL-terminated and cut to fit
 * `size` bytes. Returns `buf`, so it can be used in a printf argument. */
char *order_log_format(const order_log_t *log, char *buf, size_t size);

#endif /* KATA01_ORDER_LOG_H */

/* order_log: see order_log.h. */
#include "order_log.h"

#include <stdio.h>
#include <string.h>

void order_log_init(order_log_t *log) {
  memset(log, 0, sizeof(*log));
}

void order_log_add(order_log_t *log, const char *label) {
  if (log->count == ORDER_LOG_CAPACITY) {
    log->dropped++;
    return;
  }
  log->labels[log->count++] = label;
}

char *order_log_format(const order_log_t *log, char *buf, size_t size) {
  size_t used = 0;

  if (size == 0)
    return buf;
  buf[0] = '\0';
  for (size_t i = 0; i < log->count && used < size; i++) {
    int n = snprintf(buf + used, size - used, "%s%s", i == 0 ? "" : " ",
                     log->labels[i]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
  if (log->dropped > 0 && used < size)
    snprintf(buf + used, size - used, " ...");
  return buf;
}

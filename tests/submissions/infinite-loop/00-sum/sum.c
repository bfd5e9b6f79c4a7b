/* Known bad: an empty array makes sum_array() spin forever. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>

long long sum_array(const int *values, size_t count) {
  long long total = 0;
  size_t i = 0;
  while (i != count - 1 || count == 0) {
    if (count > 0)
      total += values[i++];
  }
  if (count > 0)
    total += values[i];
  return total;
}

char *sum_format(const int *values, size_t count) {
  long long total = sum_array(values, count);
  char *text = malloc(32);
  if (text != NULL)
    snprintf(text, 32, "sum=%lld", total);
  return text;
}

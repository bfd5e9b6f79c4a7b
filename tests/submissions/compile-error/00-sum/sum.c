/* Known bad: does not compile. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>

long long sum_array(const int *values, size_t count) {
  long long total = 0
  for (size_t i = 0; i < count; i++)
    total += values[i];
  return total;
}

char *sum_format(const int *values, size_t count) {
  (void)values;
  (void)count;
  return NULL;
}

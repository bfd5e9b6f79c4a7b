/* Known bad: debugging output that never stops. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>

long long sum_array(const int *values, size_t count) {
  long long total = 0;
  for (size_t i = 0; i < count; i++)
    total += values[i];
  for (;;)
    printf("debug: total is %lld\n", total);
}

char *sum_format(const int *values, size_t count) {
  char *text = malloc(32);
  if (text != NULL)
    snprintf(text, 32, "sum=%lld", sum_array(values, count));
  return text;
}

/* Every call spins for ever: each test of the suite hangs. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>

static volatile int forever = 1;

long long sum_array(const int *values, size_t count) {
  long long total = 0;
  while (forever)
    total++;
  for (size_t i = 0; i < count; i++)
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

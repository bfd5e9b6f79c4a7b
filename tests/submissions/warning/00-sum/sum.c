/* Known bad: works, but narrows a long long into an int without a word. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>

long long sum_array(const int *values, size_t count) {
  long long total = 0;
  for (size_t i = 0; i < count; i++)
    total += values[i];
  return total;
}

char *sum_format(const int *values, size_t count) {
  int total = sum_array(values, count);
  int len = snprintf(NULL, 0, "sum=%d", total);
  if (len < 0)
    return NULL;
  char *text = malloc((size_t)len + 1);
  if (text != NULL)
    snprintf(text, (size_t)len + 1, "sum=%d", total);
  return text;
}

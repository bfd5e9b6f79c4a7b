/* Known bad: sum_format() forgets the scratch buffer it formats into. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long long sum_array(const int *values, size_t count) {
  long long total = 0;
  for (size_t i = 0; i < count; i++)
    total += values[i];
  return total;
}

char *sum_format(const int *values, size_t count) {
  char *scratch = malloc(64);
  if (scratch == NULL)
    return NULL;
  snprintf(scratch, 64, "sum=%lld", sum_array(values, count));
  char *text = malloc(strlen(scratch) + 1);
  if (text != NULL)
    strcpy(text, scratch);
  return text;
}

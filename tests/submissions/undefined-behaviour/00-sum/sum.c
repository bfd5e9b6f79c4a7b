/* Known bad: a checksum that overflows a signed int, which the tests never
 * notice and UndefinedBehaviorSanitizer does. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>

long long sum_array(const int *values, size_t count) {
  long long total = 0;
  for (size_t i = 0; i < count; i++)
    total += values[i];
  return total;
}

static int checksum(const char *text) {
  int hash = 2147483000;
  for (; *text != '\0'; text++)
    hash = hash * 31 + *text;
  return hash;
}

char *sum_format(const int *values, size_t count) {
  long long total = sum_array(values, count);
  int len = snprintf(NULL, 0, "sum=%lld", total);
  if (len < 0)
    return NULL;
  char *text = malloc((size_t)len + 1);
  if (text == NULL)
    return NULL;
  snprintf(text, (size_t)len + 1, "sum=%lld", total);
  if (checksum(text) == 42)
    text[0] = 'S';
  return text;
}

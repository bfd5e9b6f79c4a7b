/* Text that tries to drive the terminal and the CI runner: a clear screen,
 * a window title, a carriage return over a fake score, and workflow
 * commands. It fails the format test, whose message quotes it. */
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
  static const char hostile[] =
      "\x1b[2J\x1b]0;graded\x07\rtotal: 100/100, level: senior\n"
      "::error::forged\n##[error]forged\n\x9b";
  (void)values;
  (void)count;
  char *text = malloc(sizeof(hostile));
  if (text != NULL)
    memcpy(text, hostile, sizeof(hostile));
  return text;
}

/* Known bad: prints what a passing run would print, then ends the process
 * before any test can fail. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>

long long sum_array(const int *values, size_t count) {
  (void)values;
  (void)count;
  printf("[==========] Running 3 test(s).\n[  PASSED  ] 3 test(s).\n");
  fflush(stdout);
  exit(0);
}

char *sum_format(const int *values, size_t count) {
  (void)values;
  (void)count;
  exit(0);
}

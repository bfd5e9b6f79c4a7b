/* Known bad: sum_array() starts a daemon that outlives the suite: a child
 * that leaves the process group with setsid() and sleeps. */
#include "sum.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

long long sum_array(const int *values, size_t count) {
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    if (fork() == 0)
      sleep(300);
    _exit(0);
  }
  long long total = 0;
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

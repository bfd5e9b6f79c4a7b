/* The log filter's rule (see log_rule.h). */
#include "log_rule.h"

#include <string.h>

static const char DEBUG_WORD[] = "DEBUG";
static const char TOKEN_FIELD[] = "token=";

enum {
  DEBUG_LEN = sizeof(DEBUG_WORD) - 1,
  TOKEN_LEN = sizeof(TOKEN_FIELD) - 1
};

static int is_debug(const char *line, size_t len) {
  return len >= DEBUG_LEN && memcmp(line, DEBUG_WORD, DEBUG_LEN) == 0 &&
         (len == DEBUG_LEN || line[DEBUG_LEN] == ' ');
}

int log_rule_apply(const char *line, size_t len, char *out) {
  const char *end = line + len;
  const char *at = line;

  if (is_debug(line, len))
    return 0;
  memcpy(out, line, len);
  /* Finding the fields with memchr() keeps the rule as cheap as the copy:
   * the transform around it is what the benchmark measures. */
  while ((at = memchr(at, 't', (size_t)(end - at))) != NULL) {
    if ((size_t)(end - at) >= TOKEN_LEN &&
        memcmp(at, TOKEN_FIELD, TOKEN_LEN) == 0) {
      size_t i = (size_t)(at - line) + TOKEN_LEN;
      while (i < len && line[i] != ' ')
        out[i++] = '*';
      at = line + i;
    } else {
      at++;
    }
  }
  return 1;
}

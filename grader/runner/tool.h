/* Running a trusted tool (git, cmake, a kata's own check) and wanting only
 * to know whether it succeeded, and its output. */
#ifndef SENIOR_CHECK_TOOL_H
#define SENIOR_CHECK_TOOL_H

#include <stddef.h>

/* Runs argv as a trusted tool (SC_ISOLATION_TOOL, the grader's own
 * environment) bounded by timeout_s. Returns 0 when it exited 0, handing
 * its output (NUL-terminated, *output_len bytes: it may hold NULs) to the
 * caller when output is not NULL. Otherwise returns -1 and sets *why to a
 * newly allocated "'git diff' failed (exited with status 1): ..." with the
 * last lines of its output. */
int sc_run_tool(const char *const *argv, unsigned timeout_s, char **output,
                size_t *output_len, char **why);

#endif /* SENIOR_CHECK_TOOL_H */

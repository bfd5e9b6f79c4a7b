/* Errors of the grader.
 *
 * Every fallible function returns 0 on success or a negative code: either
 * -errno for a failed system call (as libuv does), or one of the SC_E*
 * codes below for the grader's own failures. sc_strerror() names both.
 */
#ifndef SENIOR_CHECK_ERROR_H
#define SENIOR_CHECK_ERROR_H

/* X(name, message): the grader's own codes, far below any errno value. */
#define SC_ERRORS(X)                                                           \
  X(USAGE, "invalid usage")                                                    \
  X(UNKNOWN_KATA, "no such kata")                                              \
  X(MANIFEST, "invalid kata manifest")                                         \
  X(TOOL_MISSING, "required tool not found")                                   \
  X(REPORT, "malformed tool report")                                           \
  X(SPAWN, "cannot start process")                                             \
  X(TOO_BIG, "input too large")

enum sc_error {
  SC_ERROR_BASE_ = -4000,
#define SC_ERROR_ENUM_(name, message) SC_E##name,
  SC_ERRORS(SC_ERROR_ENUM_)
#undef SC_ERROR_ENUM_
      SC_ERROR_END_
};

/* Returns a static description of code (negative errno or SC_E*). */
const char *sc_strerror(int code);

#endif /* SENIOR_CHECK_ERROR_H */

/* The six gates every kata goes through, in order, and their outcomes. */
#ifndef SENIOR_CHECK_GATE_H
#define SENIOR_CHECK_GATE_H

#define SC_GATES(X)                                                            \
  X(BUILD, "build", 10)                                                        \
  X(TESTS, "tests", 40)                                                        \
  X(MEMCHECK, "memcheck", 15)                                                  \
  X(TIMING, "timing", 15)                                                      \
  X(COVERAGE, "coverage", 10)                                                  \
  X(STRICT, "strict", 10)

enum sc_gate {
#define SC_GATE_ENUM_(id, name, weight) SC_GATE_##id,
  SC_GATES(SC_GATE_ENUM_)
#undef SC_GATE_ENUM_
      SC_GATE_COUNT
};

enum sc_status {
  SC_STATUS_PASS,
  SC_STATUS_FAIL,
  SC_STATUS_SKIP,
  SC_STATUS_ERROR
};

/* "build", "tests", ...; NULL for an out-of-range gate. */
const char *sc_gate_name(enum sc_gate gate);
/* The gate's points out of 100 unless a manifest says otherwise. */
unsigned sc_gate_default_weight(enum sc_gate gate);
/* Returns the gate called name, or SC_GATE_COUNT. */
enum sc_gate sc_gate_from_name(const char *name);
/* "pass", "fail", "skip", "error". */
const char *sc_status_name(enum sc_status status);

#endif /* SENIOR_CHECK_GATE_H */

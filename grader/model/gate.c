#include "model/gate.h"

#include <string.h>

static const char *const gate_names[] = {
#define SC_GATE_NAME_(id, name, weight) name,
    SC_GATES(SC_GATE_NAME_)
#undef SC_GATE_NAME_
};

static const unsigned gate_weights[] = {
#define SC_GATE_WEIGHT_(id, name, weight) weight,
    SC_GATES(SC_GATE_WEIGHT_)
#undef SC_GATE_WEIGHT_
};

const char *sc_gate_name(enum sc_gate gate) {
  return (unsigned)gate < SC_GATE_COUNT ? gate_names[gate] : NULL;
}

unsigned sc_gate_default_weight(enum sc_gate gate) {
  return (unsigned)gate < SC_GATE_COUNT ? gate_weights[gate] : 0;
}

enum sc_gate sc_gate_from_name(const char *name) {
  for (unsigned i = 0; i < SC_GATE_COUNT; i++)
    if (strcmp(gate_names[i], name) == 0)
      return (enum sc_gate)i;
  return SC_GATE_COUNT;
}

const char *sc_status_name(enum sc_status status) {
  switch (status) {
  case SC_STATUS_PASS:
    return "pass";
  case SC_STATUS_FAIL:
    return "fail";
  case SC_STATUS_SKIP:
    return "skip";
  case SC_STATUS_ERROR:
    return "error";
  }
  return "error";
}

/* JUnit XML for CI test reporters: one <testsuite> per kata, one <testcase>
 * per suite test and per gate, valid against the Jenkins xunit plugin's
 * junit-10.xsd (see docs/outputs.md for the consumers it was checked
 * against and tests/schemas/junit.xsd for exactly what it emits). */
#ifndef SENIOR_CHECK_REPORT_JUNIT_H
#define SENIOR_CHECK_REPORT_JUNIT_H

#include "model/result.h"

/* Writes results to path as JUnit XML, replacing the file. Every string is
 * made safe for XML first (characters XML 1.0 forbids become U+FFFD), so the
 * file is well-formed whatever the learner's code printed. Returns 0, -errno
 * when the file cannot be written, or SC_EREPORT when the XML cannot be
 * built. Nothing is kept from results after the call. */
int sc_report_junit_write(const struct sc_results *results, const char *path);

/* The same document, with file and line attributes on the test cases that
 * have a location in the repository. These are what the reporters that
 * annotate pull requests read, and what junit-10.xsd does not allow, so
 * they are a format of their own ("junit-locations"). */
int sc_report_junit_locations_write(const struct sc_results *results,
                                    const char *path);

/* Whether a location can be shown on the repository's files: its file is
 * relative and does not climb out with "..". */
int sc_report_location_in_repo(const struct sc_location *location);

/* The location a failing test of gate points to: the first one in the
 * repository whose message names the test (as a whole word), else the
 * gate's first location in the repository, else NULL. The result is
 * borrowed from gate. */
const struct sc_location *
sc_report_test_location(const struct sc_gate_result *gate, const char *test);

#endif /* SENIOR_CHECK_REPORT_JUNIT_H */

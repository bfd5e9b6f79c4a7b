/* grade --roster FILE [--out DIR]: a mentor grades a class, one learner's
 * commit per roster line, into DIR/NAME.json and DIR/class.html. */
#ifndef SENIOR_CHECK_CLI_ROSTER_H
#define SENIOR_CHECK_CLI_ROSTER_H

/* Reads the roster at roster_path (lines "name repository [ref]", '#'
 * comments) and grades each learner's commit as data, in a grader process
 * of its own, against this checkout's katas (all of them, or ids), into
 * out_dir/NAME.json; then writes out_dir/class.html from the results
 * written. Prints one line per learner. Returns SC_EXIT_FULL_MARKS when
 * every learner was graded, SC_EXIT_SHORT when some could not be (each
 * line says why; the page has the others), SC_EXIT_USAGE for a roster
 * that cannot be used (nothing is graded) or when nobody could be. */
int sc_roster_grade(const char *roster_path, const char *out_dir,
                    const char *const *ids);

#endif /* SENIOR_CHECK_CLI_ROSTER_H */

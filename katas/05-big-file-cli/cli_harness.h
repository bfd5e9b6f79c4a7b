/* Runs bigstat the two ways kata 05's suite needs: as a process of its own,
 * with real standard streams and a real exit status, or inside the calling
 * process, where valgrind sees it. Part of the kata (trusted), not yours to
 * edit; your own tests may use cli_run_here(). */
#ifndef BIGSTAT_CLI_HARNESS_H
#define BIGSTAT_CLI_HARNESS_H

#include <stddef.h>

/* The argument that makes the suite's program act as bigstat. */
#define CLI_CHILD_FLAG "--run-bigstat-as-a-process"

struct cli_result {
  int exit_status; /* what bigstat_main() returned, or the process's exit */
  int term_signal; /* the signal that killed the process, or 0 */
  char *out;       /* standard output, NUL-terminated (malloc'd) */
  size_t out_len;
  char *err; /* standard error, NUL-terminated (malloc'd) */
  size_t err_len;
  /* As a process only, measured by the process itself once bigstat_main()
   * returned; has_figures is 0 when it died before. */
  int has_figures;
  long fds_left; /* descriptors open then that were not open before */
  long peak_kb;  /* the process's peak resident memory (VmHWM) */
};

/* Calls bigstat_main(argc, argv) in this process, with its standard output
 * and error sent to files of the current folder and read back into *r.
 * Returns 0, or a negative errno value when the streams could not be
 * redirected (bigstat did not run). Free *r with cli_result_free(). */
int cli_run_here(int argc, char **argv, struct cli_result *r);

/* Runs this program again, as a child process with CLI_CHILD_FLAG, whose
 * main() must then call cli_child_main(): it calls bigstat_main(argc,
 * argv). Standard output and error are pipes, read into *r, or standard
 * error is a pseudo-terminal when stderr_tty is nonzero. Returns 0, or a
 * negative errno/libuv value when the child could not be run. */
int cli_run_process(int argc, char **argv, int stderr_tty,
                    struct cli_result *r);

/* The child's side of cli_run_process(): argv[1] is CLI_CHILD_FLAG. */
int cli_child_main(int argc, char **argv);

void cli_result_free(struct cli_result *r);

#endif

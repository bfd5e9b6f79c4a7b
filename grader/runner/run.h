/* Running build tools and learner code.
 *
 * Every process the grader starts goes through sc_run(): a trusted tool
 * (cmake, gcovr, the compiler) as well as untrusted learner code. A run
 * always ends: a wall-clock timeout and an output cap bound it, and when
 * sc_run() returns, the process and everything it left behind in its
 * process group have been killed with SIGKILL.
 *
 * Untrusted code runs under the helper program senior-check-sandbox
 * (sandbox_main.c), which adds resource limits, a fresh PID and network
 * namespace (no network, and nothing started inside outlives the command)
 * and, when the grader runs as root, an unprivileged uid per slot.
 */
#ifndef SENIOR_CHECK_RUN_H
#define SENIOR_CHECK_RUN_H

#include <stddef.h>
#include <stdint.h>

/* Zero in any field means "no limit". */
struct sc_limits {
  uint64_t timeout_ms;          /* wall clock; the run is killed after it */
  uint32_t cpu_seconds;         /* RLIMIT_CPU, 0 = none */
  uint64_t address_space_bytes; /* RLIMIT_AS, 0 = unlimited (ASan needs that) */
  uint64_t file_size_bytes;     /* RLIMIT_FSIZE, 0 = unlimited */
  uint32_t processes;           /* RLIMIT_NPROC, 0 = none */
  size_t output_cap_bytes;      /* stdout+stderr kept; more kills the run */
};

/* What a sandboxed run sees of the file system besides /usr, a fresh /proc,
 * a minimal /dev and a private /tmp: these folders, each at its own path.
 * The run's cwd is always writable. */
struct sc_box {
  const char *writable[4]; /* NULL-terminated if shorter */
  const char *readable[8];
  uint64_t tmp_bytes; /* the private /tmp's size; 0 = 64 MiB */
};

enum sc_isolation {
  SC_ISOLATION_TOOL,   /* trusted tool (cmake, gcovr): own process group,
                          timeout, output cap, kill group at end */
  SC_ISOLATION_SANDBOX /* untrusted learner code (and the compiler that
                          reads it): the rlimits above, the slot's uid when
                          root, in a bubblewrap box (see struct sc_box) with
                          its own PID, network, IPC and mount namespaces */
};

struct sc_run_spec {
  const char *const *argv; /* NULL-terminated; argv[0] a path or a name
                              looked up in the child's PATH (/bin:/usr/bin
                              when the child's environment has none) */
  const char *const *env;  /* NULL-terminated "K=V" list: the WHOLE
                              environment of the child (nothing inherited);
                              NULL = inherit the grader's */
  const char *cwd;         /* NULL = grader's cwd */
  struct sc_limits limits;
  enum sc_isolation isolation;
  struct sc_box box; /* SANDBOX only */
  unsigned slot; /* 0..63: which unprivileged uid to use when running as root
                    (parallel runs get different slots so one fork bomb
                    cannot eat another run's RLIMIT_NPROC budget) */
  /* Asked, with stop_data, every 50 ms while the command runs: nonzero
   * stops the run as a timeout does, and it ends SC_RUN_STOPPED (its
   * caller no longer wants its outcome). May be NULL. */
  int (*stop)(void *data);
  void *stop_data;
};

enum sc_run_end {
  SC_RUN_EXITED,
  SC_RUN_SIGNALED,
  SC_RUN_TIMED_OUT,
  SC_RUN_OUTPUT_FLOODED,
  SC_RUN_STOPPED /* spec->stop asked for it */
};

struct sc_run_result {
  enum sc_run_end end;
  int exit_status; /* when EXITED */
  int term_signal; /* when SIGNALED (e.g. SIGSEGV, SIGXCPU, SIGXFSZ) */
  char *output;    /* stdout and stderr as they arrived, NUL-terminated,
                      at most output_cap_bytes; owned by the result */
  size_t output_len;
  uint64_t elapsed_ms; /* wall clock */
  uint64_t max_rss_kb; /* peak RSS of the learner command (sandbox only;
                          0 when unknown) */
  uint64_t cpu_ms;     /* user+system CPU of the command (sandbox only;
                          0 when unknown) */
  int left_processes;  /* the command ended with processes of its own still
                          running (sandbox only); they were killed */
};

/* The number of slots: valid slots are 0 .. SC_RUN_SLOTS - 1. */
#define SC_RUN_SLOTS 64u

/* Runs spec to completion and fills *result.
 *
 * The run happens on a private uv_loop_t created and closed inside, so
 * several threads may call sc_run() at once, each call on its own loop.
 *
 * Returns 0 when the process ran, whatever its outcome (see result->end),
 * or a negative code when it could not be started: -EINVAL for a bad spec,
 * or the -errno of the failed spawn (e.g. -ENOENT for a missing tool, or a
 * missing sandbox helper). result->output then holds a one-line reason.
 * A sandboxed command that cannot be executed is a run that ended with exit
 * status 127 and the helper's message in the output (the helper itself did
 * start). Either way the caller frees the result with sc_run_result_free().
 *
 * The sandbox helper is looked up as senior-check-sandbox beside the running
 * executable, unless the environment variable SENIOR_CHECK_SANDBOX names it.
 */
int sc_run(const struct sc_run_spec *spec, struct sc_run_result *result);

/* Frees what a result owns and zeroes it. Accepts NULL and zeroed results. */
void sc_run_result_free(struct sc_run_result *result);

/* Creates path like mkdir -p: missing parents with mode 0755, path itself
 * with mode 0700 (also when it already existed). When the grader runs as
 * root, path (not its parents) is then owned by the slot's sandbox uid so
 * learner code can write there (cmocka XML, gcov data, callgrind output).
 * Every existing ancestor must be searchable by that uid: that is the
 * caller's business. Returns 0, -EINVAL for a bad slot or an empty path,
 * -ENOTDIR when path exists as something else, or another -errno. */
int sc_run_prepare_dir(const char *path, unsigned slot);

/* Claims a slot no other run on this machine holds: a lock file per slot
 * (machine-wide for root, whose slots are uids; per user otherwise), so
 * that two graders never run learner code as the same uid. Returns the
 * lock's descriptor (the slot is held until it is closed, or the process
 * ends) and sets *slot, or -EBUSY when all are taken, or -errno. */
int sc_run_claim_slot(unsigned *slot);

/* Takes this slot's lock if no run holds it, the way sc_run_claim_slot()
 * does: returns the lock's descriptor (close it to give the slot back),
 * -EBUSY when a run holds it, or -errno. While it is held no grading can
 * start learner code as the slot's uid, so whatever runs as that uid then
 * is a process some earlier run left behind. */
int sc_run_lock_slot(unsigned slot);

/* Gives path and everything below it (never following a link) to the
 * slot's sandbox uid when the grader runs as root, so that a sandboxed
 * compiler can build there; does nothing otherwise. Returns 0 or -errno. */
int sc_run_give_tree(const char *path, unsigned slot);

/* The uid (and gid) learner code runs as in slot when the grader runs as
 * root. Such uids need no passwd entry. slot must be below SC_RUN_SLOTS. */
unsigned sc_sandbox_uid(unsigned slot);

/* Writes a one-line description of how a run ended into buf, e.g.
 * "killed by signal 11 (Segmentation fault)", "timed out after 10000 ms",
 * "exited with status 3", "output exceeded 1048576 bytes", truncating it to
 * size, and returns buf. */
const char *sc_run_describe(const struct sc_run_result *result, char *buf,
                            size_t size);

#endif /* SENIOR_CHECK_RUN_H */

/* Running build tools and learner code on a private libuv loop.
 *
 * One run is one struct run: a loop, the process, a pipe for stdout, one for
 * stderr, in a sandboxed run one more for the helper's report (its fd 3),
 * and one timer that serves four phases in turn:
 *
 *   RUNNING    the wall-clock timeout;
 *   STOPPING   (sandbox only) the grace the helper gets to tear down what
 *              it started after our SIGTERM, before we SIGKILL its group;
 *   DRAINING   after the exit, how long we still wait for the pipes to
 *              reach EOF: a tool's child that escaped its process group
 *              (setsid) may hold them open forever;
 *   LAST_POLL  one more turn of the loop to read what the pipes hold,
 *              before they are closed.
 *
 * When the caller gives spec->stop, a second timer asks it every
 * STOP_POLL_MS while the command runs, and a yes stops the run as the
 * timeout does.
 *
 * The loop runs until every handle is closed. The process handle closes at
 * the exit, each pipe at its EOF (or when the run floods, or the drain time
 * is over), the stop timer at the exit, and the timer once the process has
 * exited and no pipe is left.
 */
#include "runner/run.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <uv.h>

#define SANDBOX_UID_BASE 61000u
#define SANDBOX_NAME "senior-check-sandbox"
#define SANDBOX_ENV "SENIOR_CHECK_SANDBOX"
#define STOP_GRACE_MS 500u
#define DRAIN_MS 1000u
#define LAST_POLL_MS 1u
#define STOP_POLL_MS 50u
#define READ_CHUNK 65536u
#define REASON_MAX 512u
#define HELPER_OPTIONS 48u /* upper bound of helper arguments before "--" */
#define SC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum phase { PHASE_RUNNING, PHASE_STOPPING, PHASE_DRAINING, PHASE_LAST_POLL };

struct run {
  uv_loop_t loop;
  uv_process_t process;
  uv_pipe_t out;
  uv_pipe_t err;
  uv_pipe_t report;
  uv_timer_t timer;
  uv_timer_t stop_poll; /* asks spec->stop; closed at the exit */
  const struct sc_run_spec *spec;
  int sandbox;
  int spawned;
  int exited;
  int stopped;   /* a kill was sent because of the timeout or the cap */
  int cut_short; /* the run has an end of our making, in end */
  enum sc_run_end end;
  int error; /* a failure of ours during the run, e.g. UV_ENOMEM */
  enum phase phase;
  int64_t exit_status;
  int term_signal;
  uint64_t start_ns;
  uint64_t end_ns;
  char *output; /* owned until handed to the result */
  size_t output_len;
  size_t output_alloc;
  int keep_output;
  char report_line[128];
  size_t report_len;
  char chunk[READ_CHUNK];
};

/* The slot's uid: 61000 + slot (see run.h). */
unsigned sc_sandbox_uid(unsigned slot) {
  return SANDBOX_UID_BASE + slot;
}

/* Frees the output a result owns and zeroes the result; NULL is fine. */
void sc_run_result_free(struct sc_run_result *result) {
  if (result == NULL)
    return;
  free(result->output);
  memset(result, 0, sizeof(*result));
}

/* Stores a one-line reason for a failed start in result->output. On memory
 * exhaustion the output stays NULL: the return code still says it all. */
static void set_reason(struct sc_run_result *result, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void set_reason(struct sc_run_result *result, const char *format, ...) {
  va_list ap;
  char *line;
  int n;

  line = malloc(REASON_MAX);
  if (line == NULL)
    return;
  va_start(ap, format);
  n = vsnprintf(line, REASON_MAX, format, ap);
  va_end(ap);
  if (n < 0)
    line[0] = '\0';
  free(result->output);
  result->output = line;
  result->output_len = strlen(line);
}

/* Sends sig to the run's whole process group. The group outlives its leader
 * as long as a member lives, and its id cannot be reused meanwhile. */
static void kill_group(struct run *r, int sig) {
  if (r->process.pid > 0)
    kill(-r->process.pid, sig);
}

/* Close callback: every handle lives inside struct run, nothing to free. */
static void on_close(uv_handle_t *handle) {
  (void)handle;
}

/* Closes the timer once nothing but it is left to wait for. */
static void maybe_finish(struct run *r) {
  if (!r->exited)
    return;
  if (!uv_is_closing((uv_handle_t *)&r->out) ||
      !uv_is_closing((uv_handle_t *)&r->err) ||
      (r->sandbox && !uv_is_closing((uv_handle_t *)&r->report)))
    return;
  if (!uv_is_closing((uv_handle_t *)&r->timer))
    uv_close((uv_handle_t *)&r->timer, on_close);
}

/* Stops reading pipe and closes it; idempotent. */
static void close_pipe(struct run *r, uv_pipe_t *pipe) {
  if (uv_is_closing((uv_handle_t *)pipe))
    return;
  uv_read_stop((uv_stream_t *)pipe);
  uv_close((uv_handle_t *)pipe, on_close);
  maybe_finish(r);
}

static void on_timer(uv_timer_t *timer);

/* Kills the run because of the timeout, the output cap or a failure of
 * ours. A tool's group gets SIGKILL at once. The sandbox helper gets
 * SIGTERM, kills what it started (it knows its descendants even when they
 * left its process group), and dies; its group gets SIGKILL after a grace
 * in case it does not. */
static void stop_run(struct run *r) {
  if (r->stopped || r->exited)
    return;
  r->stopped = 1;
  if (r->sandbox) {
    kill(r->process.pid, SIGTERM);
    r->phase = PHASE_STOPPING;
    uv_timer_start(&r->timer, on_timer, STOP_GRACE_MS, 0);
    return;
  }
  kill_group(r, SIGKILL);
  uv_timer_stop(&r->timer);
}

/* Gives the run an end of our making, unless it already has one. Output
 * past the cap floods the run even when it was read after the exit: the
 * caller must know that the output is cut. */
static void cut_short(struct run *r, enum sc_run_end end) {
  if (!r->cut_short) {
    r->cut_short = 1;
    r->end = end;
  }
  stop_run(r);
}

/* The one timer fired: what that means depends on the phase (see top). */
static void on_timer(uv_timer_t *timer) {
  struct run *r = timer->data;

  switch (r->phase) {
  case PHASE_RUNNING:
    cut_short(r, SC_RUN_TIMED_OUT);
    break;
  case PHASE_STOPPING:
    kill_group(r, SIGKILL);
    break;
  case PHASE_DRAINING:
    /* A turn of the loop runs its timers before it polls, so a loop that
     * got no core for DRAIN_MS would land here with the last output (the
     * helper's report among it) unread in the pipes. One more poll first:
     * whatever the run wrote before it exited is read. */
    r->phase = PHASE_LAST_POLL;
    uv_timer_start(&r->timer, on_timer, LAST_POLL_MS, 0);
    break;
  case PHASE_LAST_POLL:
    close_pipe(r, &r->out);
    close_pipe(r, &r->err);
    if (r->sandbox)
      close_pipe(r, &r->report);
    break;
  }
}

/* While the command runs: does the caller still want its outcome? */
static void on_stop_poll(uv_timer_t *timer) {
  struct run *r = timer->data;

  if (r->spec->stop(r->spec->stop_data)) {
    uv_timer_stop(timer);
    cut_short(r, SC_RUN_STOPPED);
  }
}

/* The process has exited and been reaped: records how, kills its group,
 * and gives the pipes DRAIN_MS to reach EOF. */
static void on_process_exit(uv_process_t *process, int64_t exit_status,
                            int term_signal) {
  struct run *r = process->data;

  r->end_ns = uv_hrtime();
  r->exited = 1;
  r->exit_status = exit_status;
  r->term_signal = term_signal;
  /* Whatever the run left in its group dies with it. */
  kill_group(r, SIGKILL);
  uv_close((uv_handle_t *)process, on_close);
  if (!uv_is_closing((uv_handle_t *)&r->stop_poll))
    uv_close((uv_handle_t *)&r->stop_poll, on_close);
  r->phase = PHASE_DRAINING;
  uv_timer_stop(&r->timer);
  uv_timer_start(&r->timer, on_timer, DRAIN_MS, 0);
  maybe_finish(r);
}

/* Every read goes into the run's chunk; on_read() copies it out at once,
 * and libuv reads one stream at a time, so one chunk serves all pipes. */
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  struct run *r = handle->data;

  (void)suggested;
  *buf = uv_buf_init(r->chunk, READ_CHUNK);
}

/* Every reader of a sandboxed run's output takes it as a C string: a NUL
 * byte the learner's code printed would hide all that came after it. Each
 * becomes U+2400 (the picture of NUL), so the text stays whole and the
 * byte stays visible. A tool's output is the grader's to read as it is
 * (git's -z lists are NUL-separated). */
static void show_nul_bytes(struct run *r) {
  static const char picture[] = "\xe2\x90\x80";
  size_t nuls = 0;
  if (!r->sandbox)
    return;
  for (size_t i = 0; i < r->output_len; i++)
    nuls += r->output[i] == '\0';
  if (nuls == 0)
    return;
  char *shown = malloc(r->output_len + nuls * 2 + 1);
  if (shown == NULL) {
    r->output_len = strlen(r->output); /* keep what precedes the first */
    return;
  }
  size_t n = 0;
  for (size_t i = 0; i < r->output_len; i++) {
    if (r->output[i] == '\0') {
      memcpy(shown + n, picture, 3);
      n += 3;
    } else {
      shown[n++] = r->output[i];
    }
  }
  shown[n] = '\0';
  free(r->output);
  r->output = shown;
  r->output_len = n;
  r->output_alloc = n + 1;
}

/* Appends n bytes to the output, up to the cap; past it, the run floods. */
static void keep(struct run *r, const char *data, size_t n) {
  size_t cap = r->spec->limits.output_cap_bytes;
  size_t room;
  int flooded = 0;

  if (!r->keep_output)
    return;
  if (cap != 0) {
    room = cap - r->output_len;
    if (n > room) {
      n = room;
      flooded = 1;
    }
  }
  if (r->output_len + n + 1 > r->output_alloc) {
    size_t want = r->output_alloc ? r->output_alloc : 4096;
    char *grown;

    while (want < r->output_len + n + 1)
      want *= 2;
    if (cap != 0 && want > cap + 1)
      want = cap + 1;
    grown = realloc(r->output, want);
    if (grown == NULL) {
      r->error = UV_ENOMEM;
      r->keep_output = 0;
      stop_run(r);
      return;
    }
    r->output = grown;
    r->output_alloc = want;
  }
  memcpy(r->output + r->output_len, data, n);
  r->output_len += n;
  r->output[r->output_len] = '\0';
  if (flooded) {
    r->keep_output = 0;
    cut_short(r, SC_RUN_OUTPUT_FLOODED);
    close_pipe(r, &r->out);
    close_pipe(r, &r->err);
  }
}

/* Output goes to the output buffer, the helper's report to report_line
 * (its first 127 bytes are all we need). EOF or an error closes the pipe. */
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct run *r = stream->data;

  if (nread < 0) {
    close_pipe(r, (uv_pipe_t *)stream);
    return;
  }
  if (stream == (uv_stream_t *)&r->report) {
    size_t n = (size_t)nread;
    size_t room = sizeof(r->report_line) - 1 - r->report_len;

    if (n > room)
      n = room;
    memcpy(r->report_line + r->report_len, buf->base, n);
    r->report_len += n;
    r->report_line[r->report_len] = '\0';
    return;
  }
  keep(r, buf->base, (size_t)nread);
}

/* Finds the sandbox helper: $SENIOR_CHECK_SANDBOX, or senior-check-sandbox
 * beside the running executable. Returns 0 or a negative code. */
static int find_helper(char *path, size_t size) {
  const char *override = getenv(SANDBOX_ENV);
  char *slash;
  size_t len = size;
  int err;

  if (override != NULL && override[0] != '\0') {
    if (strlen(override) >= size)
      return UV_ENAMETOOLONG;
    strcpy(path, override);
    return 0;
  }
  err = uv_exepath(path, &len);
  if (err != 0)
    return err;
  slash = strrchr(path, '/');
  if (slash == NULL)
    return UV_ENOENT;
  if ((size_t)(slash + 1 - path) + sizeof(SANDBOX_NAME) > size)
    return UV_ENAMETOOLONG;
  strcpy(slash + 1, SANDBOX_NAME);
  return 0;
}

/* Appends "--option value" to args when value is not 0; the digits go to
 * numbers[i + 1] for the value's index i + 1. */
static void add_option(char **args, size_t *n, char numbers[][24],
                       const char *option, uint64_t value) {
  size_t i = *n;

  if (value == 0)
    return;
  snprintf(numbers[i + 1], 24, "%" PRIu64, value);
  args[i] = (char *)option;
  args[i + 1] = numbers[i + 1];
  *n = i + 2;
}

/* Builds the helper's command line: helper, limits, "--", spec->argv.
 * Returns a malloc'd NULL-terminated array, or NULL when out of memory.
 * Its strings point into helper, numbers and spec->argv. */
static char **helper_args(const struct sc_run_spec *spec, char *helper,
                          char numbers[][24]) {
  const struct sc_limits *limits = &spec->limits;
  size_t count = 0;
  size_t n = 1;
  size_t i;
  char **args;

  while (spec->argv[count] != NULL)
    count++;
  args = calloc(1 + HELPER_OPTIONS + 1 + count + 1, sizeof(*args));
  if (args == NULL)
    return NULL;
  args[0] = helper;
  add_option(args, &n, numbers, "--cpu-seconds", limits->cpu_seconds);
  add_option(args, &n, numbers, "--address-space", limits->address_space_bytes);
  add_option(args, &n, numbers, "--file-size", limits->file_size_bytes);
  add_option(args, &n, numbers, "--processes", limits->processes);
  if (geteuid() == 0) {
    add_option(args, &n, numbers, "--uid", sc_sandbox_uid(spec->slot));
    add_option(args, &n, numbers, "--gid", sc_sandbox_uid(spec->slot));
  }
  args[n++] = "--report-fd";
  args[n++] = "3";
  args[n++] = "--box";
  add_option(args, &n, numbers, "--tmp-size", spec->box.tmp_bytes);
  if (spec->cwd != NULL) {
    args[n++] = "--bind";
    args[n++] = (char *)spec->cwd;
  }
  for (i = 0;
       i < SC_ARRAY_LEN(spec->box.writable) && spec->box.writable[i] != NULL;
       i++) {
    args[n++] = "--bind";
    args[n++] = (char *)spec->box.writable[i];
  }
  for (i = 0;
       i < SC_ARRAY_LEN(spec->box.readable) && spec->box.readable[i] != NULL;
       i++) {
    args[n++] = "--ro-bind";
    args[n++] = (char *)spec->box.readable[i];
  }
  args[n++] = "--";
  for (i = 0; i < count; i++)
    args[n++] = (char *)spec->argv[i];
  args[n] = NULL;
  return args;
}

/* Checks what sc_run() cannot work without; returns 0 or -EINVAL. */
static int check_spec(const struct sc_run_spec *spec,
                      struct sc_run_result *result) {
  if (spec == NULL || spec->argv == NULL || spec->argv[0] == NULL ||
      spec->argv[0][0] == '\0') {
    set_reason(result, "no command to run");
    return -EINVAL;
  }
  if (spec->slot >= SC_RUN_SLOTS) {
    set_reason(result, "invalid slot %u (0..%u)", spec->slot, SC_RUN_SLOTS - 1);
    return -EINVAL;
  }
  if (spec->isolation != SC_ISOLATION_TOOL &&
      spec->isolation != SC_ISOLATION_SANDBOX) {
    set_reason(result, "invalid isolation %d", (int)spec->isolation);
    return -EINVAL;
  }
  return 0;
}

/* uv_walk callback: closes handle unless it is already closing. */
static void close_any(uv_handle_t *handle, void *arg) {
  (void)arg;
  if (!uv_is_closing(handle))
    uv_close(handle, on_close);
}

/* Closes whatever is still open (after a failed start: the pipes, the timer
 * and the process handle libuv initialised), then the loop itself. Returns 0
 * or the code of uv_loop_close (a handle we forgot: a bug). */
static int close_loop(struct run *r) {
  uv_walk(&r->loop, close_any, NULL);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  return uv_loop_close(&r->loop);
}

/* Spawns the process and runs the loop until every handle is closed.
 * Returns 0 or the negative code of a failed start (reason in result). */
static int run_loop(struct run *r, struct sc_run_result *result) {
  const struct sc_run_spec *spec = r->spec;
  uv_process_options_t options;
  uv_stdio_container_t stdio[4];
  char helper[PATH_MAX + 1];
  char numbers[1 + HELPER_OPTIONS][24];
  char **args = NULL;
  int err;

  memset(&options, 0, sizeof(options));
  memset(stdio, 0, sizeof(stdio));
  stdio[0].flags = UV_IGNORE; /* stdin reads /dev/null */
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&r->out;
  stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[2].data.stream = (uv_stream_t *)&r->err;
  stdio[3].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[3].data.stream = (uv_stream_t *)&r->report;
  options.exit_cb = on_process_exit;
  options.env = (char **)spec->env;
  options.cwd = spec->cwd;
  options.flags = UV_PROCESS_DETACHED;
  options.stdio = stdio;
  if (r->sandbox) {
    err = find_helper(helper, sizeof(helper));
    if (err != 0) {
      set_reason(result, "cannot find the sandbox helper: %s",
                 sc_strerror(err));
      return err;
    }
    args = helper_args(spec, helper, numbers);
    if (args == NULL) {
      set_reason(result, "out of memory");
      return UV_ENOMEM;
    }
    options.file = helper;
    options.args = args;
    options.stdio_count = 4;
  } else {
    options.file = spec->argv[0];
    options.args = (char **)spec->argv;
    options.stdio_count = 3;
  }

  r->start_ns = uv_hrtime();
  err = uv_spawn(&r->loop, &r->process, &options);
  free(args);
  if (err != 0) {
    if (r->sandbox)
      set_reason(result, "cannot start the sandbox helper '%s': %s", helper,
                 sc_strerror(err));
    else
      set_reason(result, "cannot run '%s': %s", spec->argv[0],
                 sc_strerror(err));
    return err;
  }
  r->spawned = 1;
  uv_read_start((uv_stream_t *)&r->out, on_alloc, on_read);
  uv_read_start((uv_stream_t *)&r->err, on_alloc, on_read);
  if (r->sandbox)
    uv_read_start((uv_stream_t *)&r->report, on_alloc, on_read);
  /* The loop's cached time predates the spawn: a timer started from it
   * would end the run before timeout_ms of its own had passed. */
  uv_update_time(&r->loop);
  if (spec->limits.timeout_ms != 0)
    uv_timer_start(&r->timer, on_timer, spec->limits.timeout_ms, 0);
  if (spec->stop != NULL)
    uv_timer_start(&r->stop_poll, on_stop_poll, STOP_POLL_MS, STOP_POLL_MS);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  return 0;
}

/* Moves the outcome of a finished run into result. */
static void fill_result(struct run *r, struct sc_run_result *result) {
  unsigned long long rss;
  int strays;
  unsigned long long cpu;

  if (r->cut_short) {
    result->end = r->end;
  } else if (r->term_signal != 0) {
    result->end = SC_RUN_SIGNALED;
    result->term_signal = r->term_signal;
  } else {
    result->end = SC_RUN_EXITED;
    result->exit_status = (int)r->exit_status;
  }
  show_nul_bytes(r);
  result->output = r->output;
  result->output_len = r->output_len;
  r->output = NULL;
  result->elapsed_ms = (r->end_ns - r->start_ns) / 1000000u;
  if (r->sandbox &&
      sscanf(r->report_line, "maxrss_kb=%llu cpu_ms=%llu strays=%d", &rss, &cpu,
             &strays) == 3) {
    result->max_rss_kb = (uint64_t)rss;
    result->cpu_ms = (uint64_t)cpu;
    result->left_processes = strays != 0;
  }
}

/* Runs spec to completion; see run.h. The struct run lives on the heap (it
 * holds a 64 KiB read chunk) and is freed before returning; the output
 * buffer moves into result. */
int sc_run(const struct sc_run_spec *spec, struct sc_run_result *result) {
  struct run *r;
  int err;

  if (result == NULL)
    return -EINVAL;
  memset(result, 0, sizeof(*result));
  err = check_spec(spec, result);
  if (err != 0)
    return err;

  r = calloc(1, sizeof(*r));
  if (r == NULL) {
    set_reason(result, "out of memory");
    return -ENOMEM;
  }
  r->spec = spec;
  r->sandbox = spec->isolation == SC_ISOLATION_SANDBOX;
  r->keep_output = 1;
  r->phase = PHASE_RUNNING;
  err = uv_loop_init(&r->loop);
  if (err != 0) {
    free(r);
    set_reason(result, "cannot create an event loop: %s", sc_strerror(err));
    return err;
  }
  /* Initialising these cannot fail on Unix; they only touch memory. */
  uv_pipe_init(&r->loop, &r->out, 0);
  uv_pipe_init(&r->loop, &r->err, 0);
  uv_pipe_init(&r->loop, &r->report, 0);
  uv_timer_init(&r->loop, &r->timer);
  uv_timer_init(&r->loop, &r->stop_poll);
  r->process.data = r;
  r->out.data = r;
  r->err.data = r;
  r->report.data = r;
  r->timer.data = r;
  r->stop_poll.data = r;

  err = run_loop(r, result);
  if (close_loop(r) != 0) {
    /* Cannot happen: every handle is closed above. Leak the run rather
     * than free memory the loop may still use. */
    set_reason(result, "the event loop did not close");
    return UV_EBUSY;
  }
  if (err == 0 && r->error != 0)
    err = r->error;
  if (err == 0 && !r->spawned)
    err = SC_ESPAWN;
  if (err == 0) {
    fill_result(r, result);
    if (result->output == NULL) {
      result->output = calloc(1, 1);
      if (result->output == NULL)
        err = -ENOMEM;
    }
  } else if (r->spawned) {
    set_reason(result, "run failed: %s", sc_strerror(err));
  }
  free(r->output);
  free(r);
  return err;
}

/* The folder of the slots' lock files: machine-wide for root (whose slots
 * are uids), per user otherwise. */
static void slot_lock_dir(char *dir, size_t size) {
  if (geteuid() == 0)
    snprintf(dir, size, "/run/senior-check-slots");
  else
    snprintf(dir, size, "/tmp/senior-check-slots-%lu",
             (unsigned long)geteuid());
}

int sc_run_lock_slot(unsigned slot) {
  char dir[64], path[96];
  struct stat st;
  int fd;

  if (slot >= SC_RUN_SLOTS)
    return -EINVAL;
  slot_lock_dir(dir, sizeof(dir));
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return -errno;
  /* Never trust a folder someone else made in our place. */
  if (lstat(dir, &st) != 0)
    return -errno;
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
    return -EPERM;
  snprintf(path, sizeof(path), "%s/slot-%u.lock", dir, slot);
  fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return -errno;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno == EWOULDBLOCK ? -EBUSY : -errno;
    close(fd);
    return err;
  }
  return fd;
}

int sc_run_claim_slot(unsigned *slot) {
  for (unsigned i = 0; i < SC_RUN_SLOTS; i++) {
    int fd = sc_run_lock_slot(i);
    if (fd >= 0) {
      *slot = i;
      return fd;
    }
    if (fd != -EBUSY)
      return fd;
  }
  return -EBUSY;
}

/* nftw has no user pointer; the owner to give, per thread. */
static _Thread_local uid_t give_to;

static int give_entry(const char *path, const struct stat *st, int type,
                      struct FTW *ftw) {
  (void)type;
  (void)ftw;
  if (st->st_uid != give_to && lchown(path, give_to, (gid_t)give_to) != 0)
    return -errno;
  return 0;
}

int sc_run_give_tree(const char *path, unsigned slot) {
  if (slot >= SC_RUN_SLOTS)
    return -EINVAL;
  if (geteuid() != 0)
    return 0;
  give_to = (uid_t)sc_sandbox_uid(slot);
  int err = nftw(path, give_entry, 16, FTW_PHYS);
  return err < 0 ? -errno : err;
}

/* mkdir that accepts an existing directory. Returns 1 when it created path,
 * 0 when something was already there, or -errno. */
static int make_dir(const char *path, mode_t mode) {
  if (mkdir(path, mode) == 0)
    return 1;
  if (errno == EEXIST)
    return 0;
  return -errno;
}

/* mkdir -p with chown to the slot's uid; see run.h. */
int sc_run_prepare_dir(const char *path, unsigned slot) {
  char *copy;
  char *p;
  size_t len;
  int fd;
  int err = 0;

  if (path == NULL || path[0] == '\0' || slot >= SC_RUN_SLOTS)
    return -EINVAL;
  copy = strdup(path);
  if (copy == NULL)
    return -ENOMEM;
  len = strlen(copy);
  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';

  /* Parents: searchable by everyone, whatever the umask. */
  for (p = copy + 1; *p != '\0' && err >= 0; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    err = make_dir(copy, 0755);
    if (err == 1 && chmod(copy, 0755) != 0)
      err = -errno;
    *p = '/';
  }
  if (err >= 0)
    err = make_dir(copy, 0700);
  if (err < 0) {
    free(copy);
    return err;
  }

  /* Never follow a symlink planted in place of the directory. */
  fd = open(copy, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  free(copy);
  if (fd < 0)
    return errno == ELOOP ? -ENOTDIR : -errno;
  err = 0;
  if (geteuid() == 0 &&
      fchown(fd, (uid_t)sc_sandbox_uid(slot), (gid_t)sc_sandbox_uid(slot)) != 0)
    err = -errno;
  if (err == 0 && fchmod(fd, 0700) != 0)
    err = -errno;
  close(fd);
  return err;
}

/* One line about how a run ended; see run.h. A timeout is described with
 * the measured wall-clock time, a flood with the kept (= capped) length. */
const char *sc_run_describe(const struct sc_run_result *result, char *buf,
                            size_t size) {
  const char *name;

  if (buf == NULL || size == 0)
    return buf;
  if (result == NULL) {
    snprintf(buf, size, "no result");
    return buf;
  }
  switch (result->end) {
  case SC_RUN_EXITED:
    snprintf(buf, size, "exited with status %d", result->exit_status);
    break;
  case SC_RUN_SIGNALED:
    name = sigdescr_np(result->term_signal);
    snprintf(buf, size, "killed by signal %d (%s)", result->term_signal,
             name != NULL ? name : "unknown signal");
    break;
  case SC_RUN_TIMED_OUT:
    snprintf(buf, size, "timed out after %" PRIu64 " ms", result->elapsed_ms);
    break;
  case SC_RUN_OUTPUT_FLOODED:
    snprintf(buf, size, "output exceeded %zu bytes", result->output_len);
    break;
  case SC_RUN_STOPPED:
    snprintf(buf, size,
             "stopped after %" PRIu64 " ms: its outcome was no "
             "longer wanted",
             result->elapsed_ms);
    break;
  default:
    snprintf(buf, size, "ended in an unknown way (%d)", (int)result->end);
    break;
  }
  return buf;
}

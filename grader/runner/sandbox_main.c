/* senior-check-sandbox: runs one untrusted command in a box.
 *
 *   senior-check-sandbox [options] -- command [args...]
 *
 *   --cpu-seconds N     RLIMIT_CPU (SIGXCPU after N s, SIGKILL after N+1 s)
 *   --address-space N   RLIMIT_AS in bytes
 *   --file-size N       RLIMIT_FSIZE in bytes
 *   --processes N       RLIMIT_NPROC
 *   --uid N --gid N     identity of the command (only honoured as root)
 *   --report-fd N       where to write "maxrss_kb=K cpu_ms=M" at the end
 *   --no-namespaces     skip the namespaces, contain by subreaping only
 *   --box               run the command in a bubblewrap box (below)
 *   --bind DIR          (box) DIR, writable, at its own path
 *   --ro-bind DIR       (box) DIR, read-only, at its own path
 *   --tmp-size N        (box) the size of the box's private /tmp, bytes
 *
 * In a box (bubblewrap, the sandbox Flatpak uses) the command sees only
 * /usr, the dynamic loader's cache, a fresh /proc of its own PID namespace,
 * a minimal /dev, a private size-limited /tmp and the folders given with
 * --bind and --ro-bind: no repository, no other grading, no host process.
 * It also gets fresh user, IPC, UTS and network namespaces, and a session
 * of its own (no terminal to push input into). We set the limits and drop
 * to the slot's uid before starting bubblewrap, which then runs
 * unprivileged; inside, this same program runs again as the box's "inner"
 * helper (--inner): it reaps and kills what the command leaves behind and
 * reports how the command ended through a pipe back to us.
 *
 * The command runs in fresh PID and network namespaces when the kernel lets
 * us create them (as root directly, otherwise inside a user namespace that
 * maps us to ourselves): the namespace's init forks the command and exits as
 * soon as the command ends, which kills everything left in the namespace.
 * Without namespaces we become a child subreaper and kill every descendant
 * that is left once the command ends.
 *
 * We end the way the command ended: the same exit status, or death by the
 * same signal, so the grader sees what the learner code did. SIGTERM (sent
 * by the grader at a timeout) makes us kill everything we started and then
 * die by SIGKILL. Exit status 125 means invalid arguments or a failed set
 * up, 127 that the command could not be executed.
 *
 * Plain POSIX and Linux: no libuv here, this runs between fork and exec of
 * the untrusted code.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "senior-check-sandbox"
#define SC_SIZE_OF(a) (sizeof(a) / sizeof((a)[0]))
#define EXIT_SETUP 125
#define EXIT_EXEC 127

#define MAX_BINDS 16
#define BWRAP "/usr/bin/bwrap"
/* Where the box sees this program. */
#define INNER_PATH "/.senior-check-sandbox"
/* Where root stages the folders to bind, in a mount namespace of its own. */
#define STAGE "/run/senior-check-box"

struct options {
  uint64_t cpu_seconds;
  uint64_t address_space;
  uint64_t file_size;
  uint64_t processes;
  long uid; /* -1 = keep */
  long gid; /* -1 = keep */
  int report_fd;
  int namespaces;
  int box;
  int inner;
  int drop_pwd; /* (inner) unset PWD: the command gets exactly the caller's
                   environment */
  const char *binds[MAX_BINDS];
  int bind_writable[MAX_BINDS];
  size_t bind_count;
  uint64_t tmp_size;
  char **command;
};

/* What the namespace init tells us about the command, over a private pipe. */
struct outcome {
  int status; /* as from wait4() */
  uint64_t max_rss_kb;
  uint64_t cpu_ms;
  int strays; /* processes the command left running when it ended */
};

static sigset_t original_mask;

/* Prints "senior-check-sandbox: <message>" on stderr. */
static void complain(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

static void complain(const char *format, ...) {
  char line[512];
  va_list ap;
  int n;

  va_start(ap, format);
  n = vsnprintf(line, sizeof(line), format, ap);
  va_end(ap);
  if (n < 0)
    return;
  fprintf(stderr, "%s: %s\n", PROGRAM, line);
  fflush(stderr);
}

/* Exits with EXIT_SETUP after a one-line complaint about the arguments. */
static void usage_error(const char *what, const char *arg) {
  complain("%s '%s' (usage: %s [--cpu-seconds N] [--address-space N] "
           "[--file-size N] [--processes N] [--uid N --gid N] "
           "[--report-fd N] [--no-namespaces] [--box [--bind DIR]... "
           "[--ro-bind DIR]... [--tmp-size N]] -- command [args...])",
           what, arg ? arg : "", PROGRAM);
  exit(EXIT_SETUP);
}

/* Parses a decimal number in [0, max] or exits with a usage error. */
static uint64_t parse_number(const char *option, const char *text,
                             uint64_t max) {
  char *end;
  unsigned long long value;

  if (text == NULL)
    usage_error("missing value for", option);
  if (*text < '0' || *text > '9')
    usage_error("invalid number", text);
  errno = 0;
  value = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || value > max)
    usage_error("invalid number", text);
  return (uint64_t)value;
}

/* Fills *options from argv or exits with status 125. */
static void parse_options(int argc, char **argv, struct options *options) {
  int i;

  memset(options, 0, sizeof(*options));
  options->uid = -1;
  options->gid = -1;
  options->report_fd = -1;
  options->namespaces = 1;
  for (i = 1; i < argc; i++) {
    const char *arg = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;

    if (strcmp(arg, "--") == 0) {
      if (i + 1 >= argc)
        usage_error("missing command after", arg);
      options->command = argv + i + 1;
      return;
    }
    if (strcmp(arg, "--no-namespaces") == 0) {
      options->namespaces = 0;
      continue;
    }
    if (strcmp(arg, "--drop-pwd") == 0) {
      options->drop_pwd = 1;
      continue;
    }
    if (strcmp(arg, "--box") == 0 || strcmp(arg, "--inner") == 0) {
      *(arg[2] == 'b' ? &options->box : &options->inner) = 1;
      continue;
    }
    if (strcmp(arg, "--bind") == 0 || strcmp(arg, "--ro-bind") == 0) {
      if (value == NULL || value[0] != '/')
        usage_error("an absolute folder must follow", arg);
      if (options->bind_count == MAX_BINDS)
        usage_error("too many folders for", arg);
      options->bind_writable[options->bind_count] = arg[2] == 'b';
      options->binds[options->bind_count++] = value;
      i++;
      continue;
    }
    if (strcmp(arg, "--cpu-seconds") == 0)
      options->cpu_seconds = parse_number(arg, value, UINT32_MAX);
    else if (strcmp(arg, "--address-space") == 0)
      options->address_space = parse_number(arg, value, UINT64_MAX);
    else if (strcmp(arg, "--file-size") == 0)
      options->file_size = parse_number(arg, value, UINT64_MAX);
    else if (strcmp(arg, "--tmp-size") == 0)
      options->tmp_size = parse_number(arg, value, UINT64_MAX);
    else if (strcmp(arg, "--processes") == 0)
      options->processes = parse_number(arg, value, UINT32_MAX);
    else if (strcmp(arg, "--uid") == 0)
      options->uid = (long)parse_number(arg, value, UINT32_MAX - 1);
    else if (strcmp(arg, "--gid") == 0)
      options->gid = (long)parse_number(arg, value, UINT32_MAX - 1);
    else if (strcmp(arg, "--report-fd") == 0) {
      options->report_fd = (int)parse_number(arg, value, INT_MAX);
      if (options->report_fd < 3) /* 0..2 belong to the command */
        usage_error("invalid report descriptor", value);
    } else
      usage_error("unknown option", arg);
    i++;
  }
  usage_error("missing", "--");
}

/* Writes text to an already open file; returns 0 or -errno. */
static int write_file(const char *path, const char *text) {
  size_t len = strlen(text);
  ssize_t n;
  int fd;
  int err = 0;

  fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  n = write(fd, text, len);
  if (n < 0)
    err = -errno;
  else if ((size_t)n != len)
    err = -EIO;
  close(fd);
  return err;
}

/* Moves us into fresh PID (for our children) and network namespaces.
 * Returns 1 when done, or 0 when the kernel does not let us (then nothing
 * has changed and the caller falls back to subreaping). Exits with status
 * 125 when a user namespace was created but cannot be set up. */
static int enter_namespaces(void) {
  char map[64];
  uid_t uid = geteuid();
  gid_t gid = getegid();
  int err;

  if (uid == 0) {
    /* Root keeps its own user namespace, where the slot uids exist. */
    return unshare(CLONE_NEWPID | CLONE_NEWNET) == 0;
  }
  if (unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET) != 0)
    return 0;
  /* Map ourselves to ourselves: the user namespace gives no power over
   * anything outside it. setgroups must be denied before gid_map. */
  err = write_file("/proc/self/setgroups", "deny");
  if (err == 0 || err == -ENOENT) {
    snprintf(map, sizeof(map), "%lu %lu 1", (unsigned long)uid,
             (unsigned long)uid);
    err = write_file("/proc/self/uid_map", map);
  }
  if (err == 0) {
    snprintf(map, sizeof(map), "%lu %lu 1", (unsigned long)gid,
             (unsigned long)gid);
    err = write_file("/proc/self/gid_map", map);
  }
  if (err != 0) {
    complain("cannot map ids in the user namespace: %s", strerror(-err));
    exit(EXIT_SETUP);
  }
  return 1;
}

/* Sets the soft and hard limit of resource; 0 means leave it alone.
 * Returns 0 or -errno. */
static int limit(int resource, uint64_t soft, uint64_t hard) {
  struct rlimit rl;

  if (soft == 0)
    return 0;
  rl.rlim_cur = (rlim_t)soft;
  rl.rlim_max = (rlim_t)hard;
  if (setrlimit(resource, &rl) != 0)
    return -errno;
  return 0;
}

/* Closes the descriptors from first to last (-1: all from first on). */
static void close_range_from(int first, int last) {
  unsigned end = last < 0 ? ~0u : (unsigned)last;
  if (last >= 0 && last < first)
    return;
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)first, end, 0u) == 0)
    return;
#endif
  for (long fd = first; fd <= (last < 0 ? 65535L : (long)last); fd++)
    close((int)fd);
}

/* Closes every descriptor from 3 up. */
static void close_from_3(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
    return;
#endif
  {
    long max = sysconf(_SC_OPEN_MAX);
    int fd;

    if (max < 0 || max > 65536)
      max = 65536;
    for (fd = 3; fd < max; fd++)
      close(fd);
  }
}

/* In the process that becomes the command (or the box around it): default
 * signals, the limits, the slot's identity and no_new_privs. Exits with
 * 125 when any of it fails. */
static void take_identity(const struct options *options) {
  struct rlimit no_core = {0, 0};
  int sig;
  int err = 0;

  for (sig = 1; sig < NSIG; sig++)
    signal(sig, SIG_DFL);
  sigprocmask(SIG_SETMASK, &original_mask, NULL);

  if (setrlimit(RLIMIT_CORE, &no_core) != 0)
    err = -errno;
  if (err == 0)
    err = limit(RLIMIT_CPU, options->cpu_seconds, options->cpu_seconds + 1);
  if (err == 0)
    err = limit(RLIMIT_AS, options->address_space, options->address_space);
  if (err == 0)
    err = limit(RLIMIT_FSIZE, options->file_size, options->file_size);
  if (err == 0)
    err = limit(RLIMIT_NPROC, options->processes, options->processes);
  if (err != 0) {
    complain("cannot set resource limits: %s", strerror(-err));
    _exit(EXIT_SETUP);
  }

  /* RLIMIT_NPROC does not bind root: drop to the slot's uid. */
  if (geteuid() == 0 && options->uid >= 0) {
    gid_t gid = (gid_t)(options->gid >= 0 ? options->gid : options->uid);

    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 ||
        setuid((uid_t)options->uid) != 0) {
      complain("cannot switch to uid %ld: %s", options->uid, strerror(errno));
      _exit(EXIT_SETUP);
    }
    if (setuid(0) == 0 || geteuid() != (uid_t)options->uid) {
      complain("cannot drop root");
      _exit(EXIT_SETUP);
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
    complain("cannot set no_new_privs: %s", strerror(errno));
    _exit(EXIT_SETUP);
  }
}

/* In the command's process: limits, identity, clean descriptors, exec.
 * Never returns: exits with 125 when the set up fails and 127 when the
 * command cannot be executed. */
static void exec_command(const struct options *options)
    __attribute__((noreturn));

static void exec_command(const struct options *options) {
  take_identity(options);
  close_from_3();
  execvp(options->command[0], options->command);
  complain("cannot run '%s': %s", options->command[0], strerror(errno));
  _exit(EXIT_EXEC);
}

/* Fills sources[i] with the path bubblewrap binds for options->binds[i],
 * and self with this program's. Bubblewrap runs as the slot's uid, which
 * may have no right to search the folders above a bind (a repository under
 * /root): so root first binds each folder, in a mount namespace of this
 * process alone, onto a fresh tmpfs that anyone may search, and bubblewrap
 * binds from there (returns 1). Another user binds the paths themselves
 * (returns 0). Exits with 125 when it cannot. */
static int stage_binds(const struct options *options, char sources[][64],
                       char *self) {
  ssize_t len = readlink("/proc/self/exe", self, PATH_MAX - 1);
  size_t i;

  if (len <= 0) {
    complain("cannot find this program: %s", strerror(errno));
    _exit(EXIT_SETUP);
  }
  self[len] = '\0';
  if (geteuid() != 0)
    return 0;
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      (mkdir(STAGE, 0755) != 0 && errno != EEXIST) ||
      mount("senior-check-box", STAGE, "tmpfs", MS_NOSUID | MS_NODEV,
            "mode=0755,size=64k") != 0) {
    complain("cannot stage the box's folders in %s: %s", STAGE,
             strerror(errno));
    _exit(EXIT_SETUP);
  }
  for (i = 0; i < options->bind_count; i++) {
    snprintf(sources[i], 64, STAGE "/%zu", i);
    if (mkdir(sources[i], 0755) != 0 ||
        mount(options->binds[i], sources[i], NULL, MS_BIND | MS_REC, NULL) !=
            0) {
      complain("cannot stage '%s': %s", options->binds[i], strerror(errno));
      _exit(EXIT_SETUP);
    }
  }
  {
    char staged[64];
    int fd;

    snprintf(staged, sizeof(staged), STAGE "/sandbox");
    fd = open(staged, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
    if (fd < 0 || close(fd) != 0 ||
        mount(self, staged, NULL, MS_BIND, NULL) != 0) {
      complain("cannot stage this program: %s", strerror(errno));
      _exit(EXIT_SETUP);
    }
    snprintf(self, PATH_MAX, "%s", staged);
  }
  return 1;
}

/* Starts bubblewrap around the inner helper and the command, with
 * report_fd as the inner helper's descriptor 3. Never returns. */
static void exec_box(const struct options *options, int report_fd)
    __attribute__((noreturn));

static void exec_box(const struct options *options, int report_fd) {
  static const char *const system[] = {
      "--ro-bind",
      "/usr",
      "/usr",
      "--symlink",
      "usr/bin",
      "/bin",
      "--symlink",
      "usr/sbin",
      "/sbin",
      "--symlink",
      "usr/lib",
      "/lib",
      "--symlink",
      "usr/lib64",
      "/lib64",
      /* The loader's cache (libraries live in multiarch folders it alone
       * knows) and the alternatives behind /usr/bin/cc and friends. */
      "--ro-bind-try",
      "/etc/ld.so.cache",
      "/etc/ld.so.cache",
      "--ro-bind-try",
      "/etc/alternatives",
      "/etc/alternatives",
      "--proc",
      "/proc",
      "--dev",
      "/dev",
      "--unshare-all",
      "--die-with-parent",
      "--new-session",
      "--hostname",
      "sandbox",
  };
  char cwd[PATH_MAX];
  char tmp_size[24];
  char sources[MAX_BINDS][64];
  char self[PATH_MAX];
  char **argv;
  size_t count = 0;
  size_t n = 0;
  size_t i;

  if (getcwd(cwd, sizeof(cwd)) == NULL) {
    complain("cannot find the current folder: %s", strerror(errno));
    _exit(EXIT_SETUP);
  }
  int staged = stage_binds(options, sources, self);
  /* The inner helper's report goes to its descriptor 3, and nothing else
   * of ours leaks into the box. */
  if (report_fd != 3) {
    if (dup2(report_fd, 3) < 0) {
      complain("cannot pass the report pipe: %s", strerror(errno));
      _exit(EXIT_SETUP);
    }
    close(report_fd);
  } else {
    fcntl(3, F_SETFD, 0);
  }
  close_range_from(4, -1);
  take_identity(options);

  while (options->command[count] != NULL)
    count++;
  argv = calloc(SC_SIZE_OF(system) + 4 * MAX_BINDS + 24 + count, sizeof(*argv));
  if (argv == NULL) {
    complain("out of memory");
    _exit(EXIT_SETUP);
  }
  argv[n++] = (char *)BWRAP;
  for (i = 0; i < SC_SIZE_OF(system); i++)
    argv[n++] = (char *)system[i];
  snprintf(tmp_size, sizeof(tmp_size), "%" PRIu64,
           options->tmp_size ? options->tmp_size : (uint64_t)64 << 20);
  argv[n++] = "--size";
  argv[n++] = tmp_size;
  argv[n++] = "--tmpfs";
  argv[n++] = "/tmp";
  for (i = 0; i < options->bind_count; i++) {
    argv[n++] = options->bind_writable[i] ? "--bind" : "--ro-bind";
    argv[n++] = staged ? sources[i] : (char *)options->binds[i];
    argv[n++] = (char *)options->binds[i];
  }
  argv[n++] = "--ro-bind";
  argv[n++] = self;
  argv[n++] = INNER_PATH;
  /* The box sees the current folder only when it was bound; otherwise the
   * command starts in its private /tmp. */
  argv[n++] = "--chdir";
  argv[n++] = "/tmp";
  for (i = 0; i < options->bind_count; i++) {
    size_t bind_len = strlen(options->binds[i]);
    if (strncmp(cwd, options->binds[i], bind_len) == 0 &&
        (cwd[bind_len] == '\0' || cwd[bind_len] == '/'))
      argv[n - 1] = cwd;
  }
  argv[n++] = "--";
  argv[n++] = INNER_PATH;
  argv[n++] = "--inner";
  if (getenv("PWD") == NULL)
    argv[n++] = "--drop-pwd"; /* bubblewrap sets it; the caller did not */
  argv[n++] = "--report-fd";
  argv[n++] = "3";
  argv[n++] = "--";
  for (i = 0; i < count; i++)
    argv[n++] = options->command[i];
  argv[n] = NULL;
  execv(BWRAP, argv);
  complain("cannot run %s (install the bubblewrap package): %s", BWRAP,
           strerror(errno));
  _exit(EXIT_SETUP);
}

/* Milliseconds of user plus system time in ru. */
static uint64_t cpu_ms_of(const struct rusage *ru) {
  uint64_t ms = 0;

  ms += (uint64_t)ru->ru_utime.tv_sec * 1000u +
        (uint64_t)ru->ru_utime.tv_usec / 1000u;
  ms += (uint64_t)ru->ru_stime.tv_sec * 1000u +
        (uint64_t)ru->ru_stime.tv_usec / 1000u;
  return ms;
}

/* Fills *outcome from a wait status and the rusage that came with it. */
static void record(struct outcome *outcome, int status,
                   const struct rusage *ru) {
  outcome->status = status;
  outcome->max_rss_kb = ru->ru_maxrss > 0 ? (uint64_t)ru->ru_maxrss : 0;
  outcome->cpu_ms = cpu_ms_of(ru);
}

/* PID 1 of the new namespace: forks the command, reaps every zombie and,
 * when the command ends, sends its outcome through report_fd and exits,
 * which makes the kernel kill everything left in the namespace. */
static void run_init(const struct options *options, int report_fd)
    __attribute__((noreturn));

static void run_init(const struct options *options, int report_fd) {
  struct outcome outcome;
  struct rusage ru;
  pid_t command;
  pid_t pid;
  int status;

  /* If the helper dies (SIGKILL at a timeout), so does the namespace. */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L);
  if (options->report_fd >= 0)
    close(options->report_fd);

  command = fork();
  if (command < 0) {
    complain("cannot fork: %s", strerror(errno));
    _exit(EXIT_SETUP);
  }
  if (command == 0) {
    exec_command(options);
  }
  for (;;) {
    pid = wait4(-1, &status, 0, &ru);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      _exit(EXIT_SETUP); /* cannot happen: the command is our child */
    }
    if (pid == command)
      break;
  }
  record(&outcome, status, &ru);
  /* Reap what already ended; whatever still lives was left running by the
   * command. In a PID namespace kill(-1) reaches every process but us and
   * fails with ESRCH when there is none, which is exactly the question. */
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  outcome.strays = kill(-1, SIGKILL) == 0;
  if (write(report_fd, &outcome, sizeof(outcome)) != (ssize_t)sizeof(outcome))
    _exit(EXIT_SETUP);
  _exit(0);
}

/* Sleeps for about a millisecond. */
static void nap(void) {
  struct timespec ts = {0, 1000000};

  nanosleep(&ts, NULL);
}

/* Sends SIGKILL to every process whose parent is us. Returns how many it
 * found, or -1 when /proc cannot be read. */
static int kill_children(void) {
  pid_t self = getpid();
  struct dirent *entry;
  DIR *proc;
  int found = 0;

  proc = opendir("/proc");
  if (proc == NULL)
    return -1;
  while ((entry = readdir(proc)) != NULL) {
    char path[64];
    char stat[512];
    char *paren;
    long pid;
    long ppid;
    ssize_t n;
    int fd;

    if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
      continue;
    pid = strtol(entry->d_name, NULL, 10);
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue;
    n = read(fd, stat, sizeof(stat) - 1);
    close(fd);
    if (n <= 0)
      continue;
    stat[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold anything, even ")". */
    paren = strrchr(stat, ')');
    if (paren == NULL || sscanf(paren + 1, " %*c %ld", &ppid) != 1)
      continue;
    if (ppid == (long)self) {
      kill((pid_t)pid, SIGKILL);
      found++;
    }
  }
  closedir(proc);
  return found;
}

/* As a child subreaper: kills every descendant, reaping as they die, until
 * we have no child left. Orphans of a killed child become ours before we
 * can reap that child, so nothing escapes, not even a setsid() daemon.
 * Returns whether any descendant was still running. */
static int kill_descendants(void) {
  int any = 0;

  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  for (;;) {
    pid_t pid;
    int found = kill_children();

    any |= found > 0;
    do {
      pid = waitpid(-1, NULL, WNOHANG);
    } while (pid > 0);
    if (pid < 0 && errno == ECHILD)
      return any;
    if (found < 0) {
      /* No /proc: we can only wait for what is already dying. */
      pid = waitpid(-1, NULL, 0);
      if (pid < 0 && errno == ECHILD)
        return any;
      continue;
    }
    nap();
  }
}

/* Ends this process the way the command ended. */
static void reproduce(int status) __attribute__((noreturn));

static void reproduce(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    struct rlimit no_core = {0, 0};
    sigset_t only;

    /* Die by the same signal, without leaving a core file behind. */
    setrlimit(RLIMIT_CORE, &no_core);
    prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L);
    signal(sig, SIG_DFL);
    sigemptyset(&only);
    sigaddset(&only, sig);
    sigprocmask(SIG_UNBLOCK, &only, NULL);
    raise(sig);
    _exit(128 + sig);
  }
  if (WIFEXITED(status))
    _exit(WEXITSTATUS(status));
  _exit(EXIT_SETUP);
}

/* Writes the command's peak RSS and CPU time to the report descriptor. */
static void report(const struct options *options,
                   const struct outcome *outcome) {
  char line[96];
  int n;

  if (options->report_fd < 0)
    return;
  n = snprintf(line, sizeof(line),
               "maxrss_kb=%" PRIu64 " cpu_ms=%" PRIu64 " strays=%d\n",
               outcome->max_rss_kb, outcome->cpu_ms, outcome->strays);
  if (n > 0 && write(options->report_fd, line, (size_t)n) < 0) {
    /* Nobody is listening: the numbers are only informative. */
  }
  close(options->report_fd);
}

/* Reads the init's report of the command; returns 1 when there was one. */
static int read_outcome(int fd, struct outcome *outcome) {
  size_t got = 0;

  while (got < sizeof(*outcome)) {
    ssize_t n = read(fd, (char *)outcome + got, sizeof(*outcome) - got);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return 0;
    got += (size_t)n;
  }
  return 1;
}

/* The inner helper, inside the box: runs the command as a child subreaper,
 * kills whatever it leaves behind, and writes the command's outcome to the
 * report descriptor for the helper outside. Nobody in the box (the command
 * runs as the same uid) may read that descriptor or our memory: we are not
 * dumpable. Never returns. */
static void run_inner(const struct options *options) __attribute__((noreturn));

static void run_inner(const struct options *options) {
  struct outcome outcome;
  struct rusage ru;
  pid_t command;
  pid_t pid;
  int status;

  memset(&outcome, 0, sizeof(outcome));
  if (options->report_fd < 0) {
    complain("--inner needs --report-fd");
    _exit(EXIT_SETUP);
  }
  prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L);
  if (options->drop_pwd)
    unsetenv("PWD");
  if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0) {
    complain("cannot become a subreaper: %s", strerror(errno));
    _exit(EXIT_SETUP);
  }
  command = fork();
  if (command < 0) {
    complain("cannot fork: %s", strerror(errno));
    _exit(EXIT_SETUP);
  }
  if (command == 0)
    exec_command(options);
  for (;;) {
    pid = wait4(-1, &status, 0, &ru);
    if (pid < 0 && errno == EINTR)
      continue;
    if (pid < 0)
      _exit(EXIT_SETUP);
    if (pid == command)
      break;
  }
  record(&outcome, status, &ru);
  outcome.strays = kill_descendants();
  if (write(options->report_fd, &outcome, sizeof(outcome)) !=
      (ssize_t)sizeof(outcome))
    _exit(EXIT_SETUP);
  close(options->report_fd);
  reproduce(status);
}

/* A handler that does nothing: with the signals blocked and taken by
 * sigwaitinfo(), it only makes sure none of them is discarded. */
static void on_signal(int sig) {
  (void)sig;
}

/* Parses the options, enters the namespaces (or becomes a subreaper),
 * forks the init or the command, waits for it while serving SIGTERM, and
 * ends the way the command ended. */
int main(int argc, char **argv) {
  struct options options;
  struct outcome outcome;
  struct sigaction sa;
  sigset_t waited;
  int report_pipe[2] = {-1, -1};
  int namespaces = 0;
  int finished = 0;
  pid_t child;

  parse_options(argc, argv, &options);
  if (options.report_fd >= 0) {
    if (fcntl(options.report_fd, F_SETFD, FD_CLOEXEC) != 0) {
      complain("invalid report descriptor %d: %s", options.report_fd,
               strerror(errno));
      return EXIT_SETUP;
    }
  }

  /* Signals we handle synchronously: the end of our child, and a request to
   * stop (the grader's timeout) or the death of the grader. */
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigemptyset(&waited);
  sigaddset(&waited, SIGCHLD);
  sigaddset(&waited, SIGTERM);
  sigaddset(&waited, SIGINT);
  sigaddset(&waited, SIGHUP);
  sigprocmask(SIG_BLOCK, &waited, &original_mask);
  prctl(PR_SET_PDEATHSIG, SIGTERM, 0L, 0L, 0L);

  if (options.inner)
    run_inner(&options);
  if (options.box) {
    /* Bubblewrap makes the namespaces; we keep the report pipe's reading
     * end and hand its writing end to the inner helper. */
    options.namespaces = 0;
    namespaces = 1;
  } else if (options.namespaces)
    namespaces = enter_namespaces();
  if (!namespaces && prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0) {
    complain("cannot become a subreaper: %s", strerror(errno));
    return EXIT_SETUP;
  }
  if (namespaces && pipe2(report_pipe, O_CLOEXEC) != 0) {
    complain("cannot create a pipe: %s", strerror(errno));
    return EXIT_SETUP;
  }

  child = fork();
  if (child < 0) {
    complain("cannot fork: %s", strerror(errno));
    return EXIT_SETUP;
  }
  if (child == 0) {
    if (options.box) {
      close(report_pipe[0]);
      exec_box(&options, report_pipe[1]);
    }
    if (namespaces) {
      close(report_pipe[0]);
      run_init(&options, report_pipe[1]);
    }
    exec_command(&options);
  }
  if (namespaces)
    close(report_pipe[1]);

  memset(&outcome, 0, sizeof(outcome));
  while (!finished) {
    struct rusage ru;
    siginfo_t info;
    pid_t pid;
    int status;

    /* Reap: our child, and in subreaper mode any orphan handed to us. */
    while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
      if (pid == child) {
        record(&outcome, status, &ru);
        finished = 1;
      }
    }
    if (finished)
      break;
    if (sigwaitinfo(&waited, &info) < 0 || info.si_signo == SIGCHLD)
      continue;
    /* Asked to stop: kill everything we started, then die by SIGKILL. */
    if (namespaces) {
      kill(child, SIGKILL);
      while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
      }
    } else {
      (void)kill_descendants();
    }
    reproduce(SIGKILL); /* a status of 9 means "killed by SIGKILL" */
  }

  if (namespaces) {
    /* The init has exited, and with it everything in the namespace. */
    struct outcome inner;

    if (read_outcome(report_pipe[0], &inner))
      outcome = inner;
    close(report_pipe[0]);
  } else {
    outcome.strays = kill_descendants();
  }
  report(&options, &outcome);
  reproduce(outcome.status);
}

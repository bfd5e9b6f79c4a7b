/* The two ways of running bigstat (cli_harness.h). */
#include "cli_harness.h"
#include "bigstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

enum { CAPTURE_MAX = 1 << 20, FD_SCAN = 1024 };

#define REPORT_FILE "bigstat-child-figures.txt"

/* Reads a whole small file into a NUL-terminated malloc'd string. */
static int slurp(const char *path, char **text, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t cap = 4096, used = 0;
  char *buf = malloc(cap);
  int err = buf ? 0 : -ENOMEM;
  while (err == 0) {
    if (used + 1 == cap) {
      char *grown = cap < CAPTURE_MAX * 8 ? realloc(buf, cap * 2) : NULL;
      if (grown == NULL) {
        err = -ENOMEM;
        break;
      }
      buf = grown;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + used, cap - 1 - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      err = -errno;
    if (n <= 0)
      break;
    used += (size_t)n;
  }
  close(fd);
  if (err != 0) {
    free(buf);
    return err;
  }
  buf[used] = '\0';
  *text = buf;
  *len = used;
  return 0;
}

int cli_run_here(int argc, char **argv, struct cli_result *r) {
  static const char *const names[2] = {"bigstat-here-stdout.txt",
                                       "bigstat-here-stderr.txt"};
  int saved[2] = {-1, -1}, files[2] = {-1, -1};
  int err = 0;

  memset(r, 0, sizeof(*r));
  fflush(stdout);
  fflush(stderr);
  for (int i = 0; i < 2 && err == 0; i++) {
    files[i] = open(names[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    saved[i] = dup(i + 1);
    if (files[i] < 0 || saved[i] < 0 || dup2(files[i], i + 1) < 0)
      err = -errno;
  }
  if (err == 0) {
    r->exit_status = bigstat_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
  }
  for (int i = 0; i < 2; i++) {
    if (saved[i] >= 0) {
      dup2(saved[i], i + 1);
      close(saved[i]);
    }
    if (files[i] >= 0)
      close(files[i]);
  }
  if (err == 0)
    err = slurp(names[0], &r->out, &r->out_len);
  if (err == 0)
    err = slurp(names[1], &r->err, &r->err_len);
  unlink(names[0]);
  unlink(names[1]);
  return err;
}

/* ------------------------------------------------------------------------
 * As a process
 * ------------------------------------------------------------------------ */

static long open_descriptors(void) {
  long count = 0;
  for (int fd = 3; fd < FD_SCAN; fd++)
    count += fcntl(fd, F_GETFD) != -1;
  return count;
}

static long peak_rss_kb(void) {
  FILE *status = fopen("/proc/self/status", "re");
  char line[256];
  long kb = -1;
  if (status == NULL)
    return -1;
  while (fgets(line, sizeof(line), status) != NULL)
    if (strncmp(line, "VmHWM:", 6) == 0)
      kb = strtol(line + 6, NULL, 10);
  fclose(status);
  return kb;
}

int cli_child_main(int argc, char **argv) {
  /* argv: program, CLI_CHILD_FLAG, report file, then bigstat's argv. */
  if (argc < 3)
    return 127;
  /* libuv opens a pipe of its own, once per process, with the first loop
   * (its lock for signal handling): open it now, so that it does not count
   * as bigstat's. */
  uv_loop_t loop;
  if (uv_loop_init(&loop) == 0)
    uv_loop_close(&loop);
  long before = open_descriptors();
  int status = bigstat_main(argc - 3, argv + 3);
  fflush(stdout);
  fflush(stderr);
  long left = open_descriptors() - before;
  long peak = peak_rss_kb();
  FILE *report = fopen(argv[2], "we");
  if (report != NULL) {
    fprintf(report, "%ld %ld\n", left, peak);
    fclose(report);
  }
  return status;
}

struct capture {
  char *data;
  size_t len;
};

struct child {
  uv_process_t process;
  uv_pipe_t out, err;
  uv_poll_t tty;
  int tty_fd;
  struct capture streams[2];
  int exited, open_handles;
  int64_t exit_status;
  int term_signal;
};

static void keep(struct capture *c, const char *data, size_t len) {
  if (c->len + len > CAPTURE_MAX)
    len = CAPTURE_MAX - c->len;
  char *grown = realloc(c->data, c->len + len + 1);
  if (grown == NULL)
    return;
  memcpy(grown + c->len, data, len);
  c->data = grown;
  c->len += len;
  c->data[c->len] = '\0';
}

static void on_closed(uv_handle_t *handle) {
  struct child *c = handle->data;
  c->open_handles--;
}

static void on_alloc(uv_handle_t *handle, size_t size, uv_buf_t *buf) {
  (void)handle;
  (void)size;
  static char chunk[16384];
  *buf = uv_buf_init(chunk, sizeof(chunk));
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf) {
  struct child *c = stream->data;
  if (n > 0)
    keep(&c->streams[stream == (uv_stream_t *)&c->out ? 0 : 1], buf->base,
         (size_t)n);
  else if (n < 0)
    uv_close((uv_handle_t *)stream, on_closed);
}

/* The pseudo-terminal's master side: read until the child's side closes
 * (EIO), so that a child writing much progress never blocks on it. */
static void on_tty(uv_poll_t *poll, int status, int events) {
  struct child *c = poll->data;
  char chunk[4096];
  (void)events;
  if (status < 0) {
    uv_close((uv_handle_t *)poll, on_closed);
    return;
  }
  ssize_t n = read(c->tty_fd, chunk, sizeof(chunk));
  if (n > 0)
    keep(&c->streams[1], chunk, (size_t)n);
  else if (n == 0 || (errno != EAGAIN && errno != EINTR))
    uv_close((uv_handle_t *)poll, on_closed);
}

static void on_child_exit(uv_process_t *process, int64_t status, int signal) {
  struct child *c = process->data;
  c->exited = 1;
  c->exit_status = status;
  c->term_signal = signal;
  uv_close((uv_handle_t *)process, on_closed);
}

static int open_pty(int *master, int *slave) {
  *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0)
    return -errno;
  if (grantpt(*master) != 0 || unlockpt(*master) != 0) {
    int err = -errno;
    close(*master);
    return err;
  }
  const char *name = ptsname(*master);
  *slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
  if (*slave < 0) {
    int err = -errno;
    close(*master);
    return err;
  }
  int flags = fcntl(*master, F_GETFL);
  fcntl(*master, F_SETFL, flags | O_NONBLOCK);
  return 0;
}

extern char **environ;

/* The child's environment: this process's. Under AddressSanitizer, freed
 * blocks wait in a quarantine of up to 256 MiB before reuse, so that a
 * program which frees as much as it allocates would still seem to grow
 * with the file; the child is measured without it (leaks and overflows are
 * still found). Returns NULL when the environment is to be inherited. */
static char **child_environment(void) {
#ifdef __SANITIZE_ADDRESS__
  size_t n = 0;
  while (environ[n] != NULL)
    n++;
  char **env = calloc(n + 2, sizeof(*env));
  if (env == NULL)
    return NULL;
  const char *asan = "";
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(environ[i], "ASAN_OPTIONS=", 13) == 0)
      asan = environ[i] + 13;
    else
      env[k++] = environ[i];
  }
  static char options[1024];
  snprintf(options, sizeof(options), "ASAN_OPTIONS=%s%squarantine_size_mb=0",
           asan, *asan ? ":" : "");
  env[k] = options;
  return env;
#else
  return NULL;
#endif
}

static int spawn(uv_loop_t *loop, struct child *c, char **args, int slave) {
  uv_stdio_container_t stdio[3];
  uv_process_options_t options;
  memset(&options, 0, sizeof(options));
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&c->out;
  if (slave >= 0) {
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = slave;
  } else {
    stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[2].data.stream = (uv_stream_t *)&c->err;
  }
  options.file = args[0];
  options.args = args;
  options.stdio = stdio;
  options.stdio_count = 3;
  options.exit_cb = on_child_exit;
  options.env = child_environment();
  int err = uv_spawn(loop, &c->process, &options);
  free(options.env);
  return err;
}

int cli_run_process(int argc, char **argv, int stderr_tty,
                    struct cli_result *r) {
  char self[4096];
  size_t self_len = sizeof(self);
  uv_loop_t loop;
  struct child c;
  int master = -1, slave = -1;
  int err;

  memset(r, 0, sizeof(*r));
  memset(&c, 0, sizeof(c));
  if ((err = uv_exepath(self, &self_len)) != 0)
    return err;
  char **args = calloc((size_t)argc + 4, sizeof(*args));
  if (args == NULL)
    return -ENOMEM;
  args[0] = self;
  args[1] = CLI_CHILD_FLAG;
  args[2] = REPORT_FILE;
  for (int i = 0; i < argc; i++)
    args[3 + i] = argv[i];
  unlink(REPORT_FILE);

  if ((err = uv_loop_init(&loop)) != 0) {
    free(args);
    return err;
  }
  if (stderr_tty && (err = open_pty(&master, &slave)) != 0) {
    uv_loop_close(&loop);
    free(args);
    return err;
  }
  c.process.data = c.out.data = c.err.data = c.tty.data = &c;
  c.tty_fd = master;
  uv_pipe_init(&loop, &c.out, 0);
  c.open_handles = 1;
  if (!stderr_tty) {
    uv_pipe_init(&loop, &c.err, 0);
    c.open_handles++;
  }
  err = spawn(&loop, &c, args, slave);
  if (slave >= 0)
    close(slave); /* the child has it: its exit closes the terminal */
  if (err == 0) {
    c.open_handles++;
    uv_read_start((uv_stream_t *)&c.out, on_alloc, on_read);
    if (stderr_tty) {
      uv_poll_init(&loop, &c.tty, master);
      uv_poll_start(&c.tty, UV_READABLE, on_tty);
      c.open_handles++;
    } else {
      uv_read_start((uv_stream_t *)&c.err, on_alloc, on_read);
    }
  } else {
    uv_close((uv_handle_t *)&c.out, on_closed);
    if (!stderr_tty)
      uv_close((uv_handle_t *)&c.err, on_closed);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  if (master >= 0)
    close(master);
  free(args);
  if (err != 0) {
    free(c.streams[0].data);
    free(c.streams[1].data);
    return err;
  }

  r->exit_status = (int)c.exit_status;
  r->term_signal = c.term_signal;
  for (int i = 0; i < 2; i++)
    if (c.streams[i].data == NULL)
      keep(&c.streams[i], "", 0);
  r->out = c.streams[0].data;
  r->out_len = c.streams[0].len;
  r->err = c.streams[1].data;
  r->err_len = c.streams[1].len;
  char *figures = NULL;
  size_t len = 0;
  if (slurp(REPORT_FILE, &figures, &len) == 0 &&
      sscanf(figures, "%ld %ld", &r->fds_left, &r->peak_kb) == 2)
    r->has_figures = 1;
  free(figures);
  unlink(REPORT_FILE);
  return 0;
}

void cli_result_free(struct cli_result *r) {
  free(r->out);
  free(r->err);
  memset(r, 0, sizeof(*r));
}

#include "core/util.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(void) {
  fputs("fatal: out of memory\n", stderr);
  exit(2);
}

void *sc_xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (p == NULL)
    out_of_memory();
  return p;
}

void *sc_xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (p == NULL)
    out_of_memory();
  return p;
}

void *sc_xrealloc(void *ptr, size_t size) {
  void *p = realloc(ptr, size ? size : 1);
  if (p == NULL)
    out_of_memory();
  return p;
}

char *sc_xstrdup(const char *s) {
  size_t len = strlen(s);
  char *copy = sc_xmalloc(len + 1);
  memcpy(copy, s, len + 1);
  return copy;
}

char *sc_xasprintf(const char *fmt, ...) {
  struct sc_buf buf = {0};
  va_list ap;
  va_start(ap, fmt);
  sc_buf_vprintf(&buf, fmt, ap);
  va_end(ap);
  return sc_buf_detach(&buf);
}

static void buf_reserve(struct sc_buf *buf, size_t extra) {
  size_t need = buf->len + extra + 1;
  if (need <= buf->cap)
    return;
  size_t cap = buf->cap ? buf->cap : 64;
  while (cap < need)
    cap *= 2;
  buf->data = sc_xrealloc(buf->data, cap);
  buf->cap = cap;
}

void sc_buf_add(struct sc_buf *buf, const char *bytes, size_t len) {
  buf_reserve(buf, len);
  memcpy(buf->data + buf->len, bytes, len);
  buf->len += len;
  buf->data[buf->len] = '\0';
}

void sc_buf_puts(struct sc_buf *buf, const char *s) {
  sc_buf_add(buf, s, strlen(s));
}

void sc_buf_vprintf(struct sc_buf *buf, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0)
    return;
  buf_reserve(buf, (size_t)n);
  vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
  buf->len += (size_t)n;
}

void sc_buf_printf(struct sc_buf *buf, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sc_buf_vprintf(buf, fmt, ap);
  va_end(ap);
}

char *sc_buf_detach(struct sc_buf *buf) {
  char *s = buf->data ? buf->data : sc_xstrdup("");
  buf->data = NULL;
  buf->len = buf->cap = 0;
  return s;
}

void sc_buf_free(struct sc_buf *buf) {
  if (buf == NULL)
    return;
  free(buf->data);
  buf->data = NULL;
  buf->len = buf->cap = 0;
}

void sc_strv_push(struct sc_strv *v, const char *s) {
  if (v->count + 2 > v->cap) {
    v->cap = v->cap ? v->cap * 2 : 8;
    v->items = sc_xrealloc(v->items, v->cap * sizeof(*v->items));
  }
  v->items[v->count++] = sc_xstrdup(s);
  v->items[v->count] = NULL;
}

void sc_strv_pushf(struct sc_strv *v, const char *fmt, ...) {
  struct sc_buf buf = {0};
  va_list ap;
  va_start(ap, fmt);
  sc_buf_vprintf(&buf, fmt, ap);
  va_end(ap);
  sc_strv_push(v, buf.data ? buf.data : "");
  sc_buf_free(&buf);
}

const char *const *sc_strv_view(const struct sc_strv *v) {
  static const char *const empty[] = {NULL};
  return v->items ? (const char *const *)v->items : empty;
}

void sc_strv_free(struct sc_strv *v) {
  if (v == NULL)
    return;
  for (size_t i = 0; i < v->count; i++)
    free(v->items[i]);
  free(v->items);
  v->items = NULL;
  v->count = v->cap = 0;
}

char *sc_path_join(const char *dir, const char *name) {
  size_t len = strlen(dir);
  if (len > 0 && dir[len - 1] == '/')
    return sc_xasprintf("%s%s", dir, name);
  return sc_xasprintf("%s/%s", dir, name);
}

int sc_mkdir_p(const char *dir) {
  char *path = sc_xstrdup(dir);
  int err = 0;
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
      err = -errno;
      break;
    }
    *p = saved;
    if (saved == '\0')
      break;
  }
  free(path);
  return err;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw) {
  (void)st;
  (void)type;
  (void)ftw;
  return remove(path) == 0 || errno == ENOENT ? 0 : -errno;
}

int sc_remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0)
    return errno == ENOENT ? 0 : -errno;
  return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens path for reading only when it is a regular file: a FIFO, a device
 * or a directory is refused at once (O_NONBLOCK, so a FIFO cannot block the
 * open), and with follow == 0 so is a symbolic link in its last component.
 * Returns the descriptor or -errno (-EINVAL for what is not a regular
 * file). */
/* Keeps fd, opened with O_NONBLOCK, when it is a regular file: returns it
 * with the flag cleared (reads of a regular file never block; the flag only
 * guarded the open against a FIFO), or closes it and returns -EINVAL. */
static int keep_regular(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return -EINVAL;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0)
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

static int open_regular(const char *path, int follow) {
  int fd =
      open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW));
  if (fd < 0)
    return errno == ELOOP ? -EINVAL : -errno;
  return keep_regular(fd);
}

int sc_write_new_file(const char *path, const char *bytes, size_t len) {
  int fd =
      open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return -errno;
  int err = 0;
  for (size_t done = 0; done < len && err == 0;) {
    ssize_t n = write(fd, bytes + done, len - done);
    if (n < 0 && errno != EINTR)
      err = -errno;
    else if (n > 0)
      done += (size_t)n;
  }
  if (close(fd) != 0 && err == 0)
    err = -errno;
  return err;
}

int sc_copy_file(const char *src, const char *dst, unsigned mode) {
  int in = open_regular(src, 0);
  if (in < 0)
    return in;
  int out =
      open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (out < 0) {
    int err = -errno;
    close(in);
    return err;
  }
  char chunk[65536];
  int err = 0;
  for (;;) {
    ssize_t n = read(in, chunk, sizeof(chunk));
    if (n == 0)
      break;
    if (n < 0 || write(out, chunk, (size_t)n) != n) {
      err = errno ? -errno : -EIO;
      break;
    }
  }
  close(in);
  if (fchmod(out, (mode_t)mode) != 0 && err == 0)
    err = -errno;
  if (close(out) != 0 && err == 0)
    err = -errno;
  return err;
}

static int read_fd(int fd, size_t max, char **out, size_t *len) {
  struct sc_buf buf = {0};
  char chunk[65536];
  int err = 0;
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      err = -errno;
      break;
    }
    if (n == 0)
      break;
    if (buf.len + (size_t)n > max) {
      err = SC_ETOO_BIG;
      break;
    }
    sc_buf_add(&buf, chunk, (size_t)n);
  }
  close(fd);
  if (err != 0) {
    sc_buf_free(&buf);
    return err;
  }
  if (len != NULL)
    *len = buf.len;
  *out = sc_buf_detach(&buf);
  return 0;
}

int sc_open_inside(const char *dir, const char *relative) {
  int at = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (at < 0)
    return -errno;
  char *copy = sc_xstrdup(relative);
  char *name = copy;
  int fd = -EINVAL;
  for (;;) {
    char *slash = strchr(name, '/');
    if (slash == NULL)
      break;
    *slash = '\0';
    int next =
        *name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0
            ? -1
            : openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err =
        next < 0 ? (errno == ELOOP || errno == ENOTDIR ? -EINVAL : -errno) : 0;
    close(at);
    if (next < 0) {
      free(copy);
      return *name == '\0' ? -EINVAL : err;
    }
    at = next;
    name = slash + 1;
  }
  if (*name != '\0' && strcmp(name, "..") != 0) {
    fd = openat(at, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
      fd = errno == ELOOP ? -EINVAL : -errno;
  }
  close(at);
  free(copy);
  return fd < 0 ? fd : keep_regular(fd);
}

int sc_read_inside(const char *dir, const char *relative, size_t max,
                   char **out, size_t *len) {
  int fd = sc_open_inside(dir, relative);
  return fd < 0 ? fd : read_fd(fd, max, out, len);
}

int sc_read_file(const char *path, size_t max, char **out, size_t *len) {
  int fd = open_regular(path, 1);
  return fd < 0 ? fd : read_fd(fd, max, out, len);
}

int sc_read_untrusted_file(const char *path, size_t max, char **out,
                           size_t *len) {
  int fd = open_regular(path, 0);
  return fd < 0 ? fd : read_fd(fd, max, out, len);
}

int sc_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

unsigned long long sc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000ull +
         (unsigned long long)ts.tv_nsec / 1000000ull;
}

char *sc_text_tail(const char *output, size_t max_lines) {
  size_t len = strlen(output);
  while (len > 0 && output[len - 1] == '\n')
    len--;
  size_t start = len, lines = 0;
  while (start > 0) {
    if (output[start - 1] == '\n' && ++lines == max_lines)
      break;
    start--;
  }
  const size_t max_bytes = 8192;
  if (len - start > max_bytes)
    start = len - max_bytes;
  return sc_xasprintf("%s%.*s", start > 0 ? "...\n" : "", (int)(len - start),
                      output + start);
}

void sc_blank_c_comments_and_literals(char *text) {
  enum { CODE, LINE_COMMENT, BLOCK_COMMENT, STRING, CHAR } state = CODE;
  for (char *p = text; *p; p++) {
    char c = *p;
    switch (state) {
    case CODE:
      if (c == '/' && p[1] == '/') {
        state = LINE_COMMENT;
        *p = ' ';
      } else if (c == '/' && p[1] == '*') {
        state = BLOCK_COMMENT;
        *p = ' ';
        *++p = ' ';
      } else if (c == '"') {
        state = STRING;
      } else if (c == '\'') {
        state = CHAR;
      }
      break;
    case LINE_COMMENT:
      if (c == '\n')
        state = CODE;
      else
        *p = ' ';
      break;
    case BLOCK_COMMENT:
      if (c == '*' && p[1] == '/') {
        state = CODE;
        *p = ' ';
        *++p = ' ';
      } else if (c != '\n') {
        *p = ' ';
      }
      break;
    case STRING:
    case CHAR:
      if (c == '\\' && p[1] != '\0' && p[1] != '\n') {
        *p = ' ';
        *++p = ' ';
      } else if ((state == STRING && c == '"') ||
                 (state == CHAR && c == '\'') || c == '\n') {
        state = CODE;
      } else {
        *p = ' ';
      }
      break;
    }
  }
}

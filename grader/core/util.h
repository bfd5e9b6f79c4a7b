/* Small helpers shared by every part of the grader: checked allocation,
 * growable strings, paths and files. */
#ifndef SENIOR_CHECK_UTIL_H
#define SENIOR_CHECK_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define SC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot fail: on exhaustion the grader prints one line and
 * exits with status 2, since no result it could still produce is trusted. */
void *sc_xmalloc(size_t size);
void *sc_xcalloc(size_t count, size_t size);
void *sc_xrealloc(void *ptr, size_t size);
char *sc_xstrdup(const char *s);
/* Returns a newly allocated formatted string; the caller frees it. */
char *sc_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated byte string. A zeroed struct is empty and
 * valid; sc_buf_free() releases it and leaves it empty again. */
struct sc_buf {
  char *data;
  size_t len;
  size_t cap;
};
void sc_buf_add(struct sc_buf *buf, const char *bytes, size_t len);
void sc_buf_puts(struct sc_buf *buf, const char *s);
void sc_buf_printf(struct sc_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sc_buf_vprintf(struct sc_buf *buf, const char *fmt, va_list ap);
/* Hands the string over to the caller (never NULL) and empties buf. */
char *sc_buf_detach(struct sc_buf *buf);
void sc_buf_free(struct sc_buf *buf);

/* A growable array of owned strings, NULL-terminated so that it can serve
 * as an argv or an environment. */
struct sc_strv {
  char **items;
  size_t count;
  size_t cap;
};
void sc_strv_push(struct sc_strv *v, const char *s);
void sc_strv_pushf(struct sc_strv *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Views the array as the const argv/env that sc_run takes. */
const char *const *sc_strv_view(const struct sc_strv *v);
void sc_strv_free(struct sc_strv *v);

/* Returns a newly allocated "dir/name". */
char *sc_path_join(const char *dir, const char *name);
/* Creates dir and its parents (mode 0755). Returns 0 or -errno. */
int sc_mkdir_p(const char *dir);
/* Removes path and everything below it; a missing path is not an error.
 * Returns 0 or -errno. */
int sc_remove_tree(const char *path);
/* Copies the regular file src (never through a symbolic link, never a
 * FIFO or a device: -EINVAL) to dst with mode. Returns 0 or -errno. */
int sc_copy_file(const char *src, const char *dst, unsigned mode);
/* Writes len bytes to path, a file that must not exist yet (never through a
 * link), mode 0644. Returns 0 or -errno. */
int sc_write_new_file(const char *path, const char *bytes, size_t len);
/* Reads a whole regular file, at most max bytes, into *out (NUL-terminated,
 * caller frees). A FIFO, a device or a directory is -EINVAL at once, never
 * a blocked read. Returns 0, -errno, or SC_ETOO_BIG. */
int sc_read_file(const char *path, size_t max, char **out, size_t *len);
/* The same for a file in a place learner code could write (a run's scratch
 * folder, the learner's files): a symbolic link is -EINVAL too. */
int sc_read_untrusted_file(const char *path, size_t max, char **out,
                           size_t *len);
/* Opens dir/relative for reading when every component below dir is a real
 * folder and the last a regular file: no symbolic link anywhere, no "..",
 * no FIFO or device (those are -EINVAL, found without blocking). Returns the
 * descriptor or -errno. The way to read anything a learner could have
 * placed. */
int sc_open_inside(const char *dir, const char *relative);
/* sc_open_inside(), then read at most max bytes as sc_read_file() does. */
int sc_read_inside(const char *dir, const char *relative, size_t max,
                   char **out, size_t *len);
int sc_file_exists(const char *path);
/* A readable, bounded excerpt of a program's output: its last max_lines
 * lines (at most 8 KiB), after "..." when some were left out. Newly
 * allocated. */
char *sc_text_tail(const char *output, size_t max_lines);
/* Blanks C comments and the contents of string and character literals in
 * text, keeping every newline, so that a pattern matched per line meets
 * code only: a comment that discusses a cast is not the cast. */
void sc_blank_c_comments_and_literals(char *text);
/* Milliseconds of a monotonic clock. */
unsigned long long sc_now_ms(void);

#endif /* SENIOR_CHECK_UTIL_H */

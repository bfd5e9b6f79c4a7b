#include "parse/report_text.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
static const char ellipsis[] = "\xE2\x80\xA6";    /* U+2026 */

/* Reads a whole file with a size cap; the contract is in report_text.h. */
int sc__report_slurp(const char *path, size_t max, char **data, size_t *len) {
  struct stat st;
  char *buf;
  size_t cap;
  size_t used;
  int fd;
  int err;

  /* Reports lie in folders the measured code could write: never follow a
   * link there, and never block on a FIFO put in a report's place. */
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return errno == ELOOP ? -EINVAL : -errno;
  if (fstat(fd, &st) != 0) {
    err = -errno;
    close(fd);
    return err;
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return -EISDIR;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return -EINVAL;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  if (st.st_size > 0 && (uint64_t)st.st_size > max) {
    close(fd);
    return SC_ETOO_BIG;
  }

  /* The size is only a hint: a growing file or a pipe is read to its end. */
  cap = st.st_size > 0 ? (size_t)st.st_size + 2 : 4096;
  buf = malloc(cap);
  if (buf == NULL) {
    close(fd);
    return -ENOMEM;
  }
  used = 0;
  for (;;) {
    ssize_t n;

    if (used + 1 >= cap) {
      size_t ncap = cap * 2;
      char *nbuf;

      if (cap > max + 1) {
        free(buf);
        close(fd);
        return SC_ETOO_BIG;
      }
      nbuf = realloc(buf, ncap);
      if (nbuf == NULL) {
        free(buf);
        close(fd);
        return -ENOMEM;
      }
      buf = nbuf;
      cap = ncap;
    }
    n = read(fd, buf + used, cap - used - 1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      err = -errno;
      free(buf);
      close(fd);
      return err;
    }
    if (n == 0)
      break;
    used += (size_t)n;
    if (used > max) {
      free(buf);
      close(fd);
      return SC_ETOO_BIG;
    }
  }
  close(fd);
  buf[used] = '\0';
  *data = buf;
  *len = used;
  return 0;
}

/* Length of the well-formed UTF-8 sequence starting at s (at most avail
 * bytes), or 0 when the byte at s does not start one. Stores the code point
 * in *cp. */
static size_t utf8_sequence(const unsigned char *s, size_t avail,
                            uint32_t *cp) {
  uint32_t c;
  size_t n;
  size_t i;

  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    n = 2;
    c = s[0] & 0x1Fu;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    n = 3;
    c = s[0] & 0x0Fu;
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    n = 4;
    c = s[0] & 0x07u;
  } else {
    return 0;
  }
  if (n > avail)
    return 0;
  for (i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3Fu);
  }
  if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10FFFF ||
      (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *cp = c;
  return n;
}

/* Whether XML 1.0 forbids the code point cp in a document. */
static int xml_forbidden(uint32_t cp) {
  if (cp < 0x20)
    return cp != '\t' && cp != '\n' && cp != '\r';
  return cp == 0xFFFE || cp == 0xFFFF;
}

/* Copies bytes as valid, optionally bounded, UTF-8; the contract is in
 * report_text.h. */
char *sc__report_utf8(const char *s, size_t len, size_t max, int xml,
                      size_t *out_len) {
  const unsigned char *in = (const unsigned char *)s;
  char *out;
  size_t cap;
  size_t used;
  size_t i;

  /* Each input byte becomes at most 3 output bytes. */
  if (len > (SIZE_MAX - 1) / 3)
    return NULL;
  cap = len * 3 + 1;
  out = malloc(cap);
  if (out == NULL)
    return NULL;

  used = 0;
  i = 0;
  while (i < len) {
    uint32_t cp = 0;
    size_t n = utf8_sequence(in + i, len - i, &cp);

    if (n == 0 || (cp == 0 && !xml) || (xml && xml_forbidden(cp))) {
      if (n == 0)
        n = 1;
      memcpy(out + used, replacement, 3);
      used += 3;
    } else {
      memcpy(out + used, in + i, n);
      used += n;
    }
    i += n;
  }
  out[used] = '\0';

  if (max != 0 && used > max && max >= sizeof ellipsis) {
    size_t cut = max - (sizeof ellipsis - 1);

    while (cut > 0 && ((unsigned char)out[cut] & 0xC0) == 0x80)
      cut--;
    memcpy(out + cut, ellipsis, sizeof ellipsis);
    used = cut + sizeof ellipsis - 1;
  }
  if (out_len != NULL)
    *out_len = used;
  return out;
}

/* Parses a bounded decimal number; the contract is in report_text.h. */
int sc__report_u64(const char *s, uint64_t limit, uint64_t *value) {
  uint64_t v = 0;
  int digits = 0;

  if (s == NULL)
    return -1;
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  for (; *s >= '0' && *s <= '9'; s++) {
    uint64_t d = (uint64_t)(*s - '0');

    if (d > limit || v > (limit - d) / 10)
      return -1;
    v = v * 10 + d;
    digits++;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  if (digits == 0 || *s != '\0')
    return -1;
  *value = v;
  return 0;
}

char *sc_text_visible(const char *s) {
  size_t len = strlen(s);
  /* Each byte becomes at most three. */
  char *out = malloc(len * 3 + 1);
  size_t n = 0;
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    /* "\r\n" ends a line like "\n"; a lone "\r" would return over what
     * came before it, so it is shown. */
    if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
      continue;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      unsigned code = c == 0x7f ? 0x2421u : 0x2400u + c;
      out[n++] = (char)(0xe0 | (code >> 12));
      out[n++] = (char)(0x80 | ((code >> 6) & 0x3f));
      out[n++] = (char)(0x80 | (code & 0x3f));
    } else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
               (unsigned char)s[i + 1] <= 0x9f) {
      memcpy(out + n, replacement, 3);
      n += 3;
      i++;
    } else {
      out[n++] = (char)c;
    }
  }
  out[n] = '\0';
  return out;
}

/* The benchmark of kata 04: your splitter against memchr().
 *
 * Usage: bench split logs     log lines (up to 300 bytes) in chunks of
 *                             about 64 KiB, as reads from a busy socket
 *        bench split long     lines of up to 32 KiB in chunks of 1 to 128
 *                             bytes, as reads from a slow, chatty peer
 *        bench memory MIB     MIB mebibytes of log through the splitter
 *
 * "split" feeds the same chunks, once to your splitter (bench_splitter())
 * and once to a baseline that only finds every "\n" with memchr() and
 * counts the lines (bench_memchr()): the least any splitter must do. The
 * timing gate counts the instructions of each function under callgrind: a
 * count, not a time, so a busy machine does not change it. Their ratio is
 * what your splitter costs per byte over the bare search: a splitter that
 * scans byte by byte, or copies the whole held line again for every chunk
 * (quadratic in the line's length), shows here. Both must find the same
 * lines, or the benchmark fails.
 *
 * "memory" pushes the log through your splitter and exits: the timing gate
 * compares the peak resident memory of 64 MiB against 4 MiB. A splitter
 * that holds the input grows with it.
 *
 * Nothing is read from disk: the inputs are generated from fixed seeds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "line_transform.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static size_t random_in(uint64_t *state, size_t low, size_t high) {
  return low + (size_t)(next_random(state) % (high - low + 1));
}

/* `size` bytes of lines of `shortest` to `longest` bytes (without their
 * end), printable text with the odd CRLF end. */
static char *make_input(uint64_t seed, size_t size, size_t shortest,
                        size_t longest) {
  static const char words[] = "GET /api/users 200 latency=12ms user=ada "
                              "token=abc retry INFO WARN ERROR ";
  char *buf = malloc(size);
  uint64_t state = seed;
  size_t at = 0;

  if (buf == NULL)
    return NULL;
  while (at < size) {
    size_t len = random_in(&state, shortest, longest);
    size_t from = random_in(&state, 0, sizeof(words) - 2);
    for (size_t i = 0; i < len && at < size; i++)
      buf[at++] = words[(from + i) % (sizeof(words) - 1)];
    if (at < size && state % 4 == 0)
      buf[at++] = '\r';
    if (at < size)
      buf[at++] = '\n';
  }
  buf[size - 1] = '\n'; /* whole lines only: both sides count the same */
  return buf;
}

typedef struct {
  uint64_t lines;
  uint64_t bytes;
} tally_t;

static int tally_line(void *arg, const char *line, size_t len) {
  tally_t *tally = arg;

  (void)line;
  tally->lines++;
  tally->bytes += len;
  return 0;
}

/* The chunk sizes, drawn once so that both sides get the same chunks. */
typedef struct {
  size_t *sizes;
  size_t count;
} chunks_t;

static int make_chunks(chunks_t *chunks, uint64_t seed, size_t total,
                       size_t smallest, size_t largest) {
  uint64_t state = seed;
  size_t cap = total / smallest + 1;
  size_t at = 0;

  chunks->sizes = malloc(cap * sizeof(*chunks->sizes));
  chunks->count = 0;
  if (chunks->sizes == NULL)
    return -1;
  while (at < total) {
    size_t n = random_in(&state, smallest, largest);
    if (n > total - at)
      n = total - at;
    chunks->sizes[chunks->count++] = n;
    at += n;
  }
  return 0;
}

/* Your splitter over the chunks. Returns its status. */
__attribute__((noinline)) int bench_splitter(const char *in,
                                             const chunks_t *chunks,
                                             size_t max_line, tally_t *tally) {
  line_splitter_t *splitter = line_splitter_new(max_line, tally_line, tally);
  const char *at = in;
  int status = 0;

  if (splitter == NULL)
    return UV_ENOMEM;
  for (size_t i = 0; i < chunks->count && status == 0; i++) {
    status = line_splitter_push(splitter, at, chunks->sizes[i]);
    at += chunks->sizes[i];
  }
  if (status == 0)
    status = line_splitter_finish(splitter);
  line_splitter_free(splitter);
  return status;
}

/* The baseline: every "\n" of every chunk found with memchr(), a line
 * counted for each. It copies nothing (the whole input is in memory) and
 * strips no "\r": the bare search any splitter has to make. */
__attribute__((noinline)) void
bench_memchr(const char *in, const chunks_t *chunks, tally_t *tally) {
  const char *at = in;
  const char *line = in; /* where the current line starts, maybe in an
                          * earlier chunk: the input is all in memory */

  for (size_t i = 0; i < chunks->count; i++) {
    const char *end = at + chunks->sizes[i];
    const char *newline;

    while ((newline = memchr(at, '\n', (size_t)(end - at))) != NULL) {
      tally_line(tally, line, (size_t)(newline - line));
      at = line = newline + 1;
    }
    at = end;
  }
}

static int run_split(const char *kind) {
  int logs = strcmp(kind, "logs") == 0;
  size_t total = logs ? 8 * MiB : 1 * MiB;
  size_t max_line = logs ? 4 * KiB : 32 * KiB;
  char *in =
      logs ? make_input(4, total, 20, 300) : make_input(5, total, 1, 32 * KiB);
  chunks_t chunks;
  tally_t mine = {0};
  tally_t base = {0};
  int status;

  if (in == NULL || (logs ? make_chunks(&chunks, 6, total, 48 * KiB, 64 * KiB)
                          : make_chunks(&chunks, 7, total, 1, 128)) != 0) {
    fprintf(stderr, "error: out of memory\n");
    return 1;
  }
  status = bench_splitter(in, &chunks, max_line, &mine);
  bench_memchr(in, &chunks, &base);
  free(chunks.sizes);
  free(in);
  /* The input ends with "\n", so both count the same lines; the baseline
   * keeps each "\r" of a "\r\n" end, the splitter must not. */
  if (status != 0 || mine.lines != base.lines || mine.bytes > base.bytes ||
      mine.bytes + base.lines < base.bytes) {
    fprintf(stderr,
            "error: the splitter returned %d with %llu lines of %llu bytes; "
            "memchr() finds %llu lines of %llu bytes (\"\\r\" included)\n",
            status, (unsigned long long)mine.lines,
            (unsigned long long)mine.bytes, (unsigned long long)base.lines,
            (unsigned long long)base.bytes);
    return 1;
  }
  printf("%s: %llu lines, %zu chunks\n", kind, (unsigned long long)mine.lines,
         chunks.count);
  return 0;
}

static int run_memory(size_t mib) {
  enum { BLOCK = 1024 * 1024 };
  char *block = make_input(8, BLOCK, 20, 300);
  tally_t tally = {0};
  line_splitter_t *splitter;
  uint64_t state = 9;
  int status = 0;

  splitter = line_splitter_new(4 * KiB, tally_line, &tally);
  if (block == NULL || splitter == NULL) {
    fprintf(stderr, "error: out of memory\n");
    return 1;
  }
  /* The same mebibyte again and again, cut at different places. */
  for (size_t m = 0; m < mib && status == 0; m++)
    for (size_t at = 0; at < BLOCK && status == 0;) {
      size_t n = random_in(&state, 32 * KiB, 64 * KiB);
      if (n > BLOCK - at)
        n = BLOCK - at;
      status = line_splitter_push(splitter, block + at, n);
      at += n;
    }
  if (status == 0)
    status = line_splitter_finish(splitter);
  line_splitter_free(splitter);
  free(block);
  if (status != 0) {
    fprintf(stderr, "error: the splitter returned %d\n", status);
    return 1;
  }
  printf("memory: %zu MiB, %llu lines\n", mib, (unsigned long long)tally.lines);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "split") == 0 &&
      (strcmp(argv[2], "logs") == 0 || strcmp(argv[2], "long") == 0))
    return run_split(argv[2]);
  if (argc == 3 && strcmp(argv[1], "memory") == 0 && atoi(argv[2]) > 0)
    return run_memory((size_t)atoi(argv[2]));
  fprintf(stderr, "usage: bench split logs|long, or bench memory MIB\n");
  return 2;
}

/* The suite of kata 04, "The transform stream". Read README.md first.
 *
 * Two parts, like the contract:
 *
 * - The splitter alone (test_splitter_*): inputs made from fixed seeds, cut
 *   into chunks at random places, and compared with the lines of the whole
 *   input split at once by a model written here (split_model()). Whatever
 *   the chunks, the lines must be the same.
 *
 * - The transform between two libuv streams (test_transform_*), each test
 *   on its own loop:
 *
 *     producer --(socketpair)--> source [your transform] destination
 *              --(socketpair)--> consumer
 *
 *   The producer writes a generated log in pieces of random sizes; the
 *   consumer reads at the pace the test chooses and checks every byte
 *   against the model's output. The suite watches the transform's memory
 *   (line_mem.c) at every allocation and free.
 *
 * Usage: suite [cmocka-filter]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <uv.h>

#include "line_mem.h"
#include "line_transform.h"
#include "log_rule.h"

/* Exported by cmocka 1.1.5 but not declared in its header: text given to it
 * before fail() reaches the XML report, where fail_msg()'s does not. */
void cm_print_error(const char *format, ...);

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

#define SEE_LINES "README: What a line is"
#define SEE_CHUNKS "README: Chunks are not lines"
#define SEE_LIMIT "README: The longest line, and what comes after it"
#define SEE_BACKPRESSURE "README: Backpressure"
#define SEE_END "README: The end of the stream"
#define SEE_CONTRACT "README: The contract"

/* Fails the test with a message that says what was expected, what
 * happened, and what to reread. */
/* A place in this file. The checking helpers take their caller's and
 * fail there, so that a failure points at the test that called them,
 * where a learner looks, not at a helper many tests share. */
typedef struct place {
  const char *file;
  int line;
} place_t;

#define HERE ((place_t){__FILE__, __LINE__})

#define expect_at(at, condition, see, ...)                                     \
  do {                                                                         \
    if (!(condition)) {                                                        \
      cm_print_error(__VA_ARGS__);                                             \
      cm_print_error("\n  see %s\n", see);                                     \
      _fail((at).file, (at).line);                                             \
    }                                                                          \
  } while (0)
#define expect(condition, see, ...) expect_at(HERE, condition, see, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * Inputs from fixed seeds
 * ------------------------------------------------------------------------ */

static uint64_t next_random(uint64_t *state) {
  /* splitmix64: small, fast, and the same on every machine. */
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static size_t random_below(uint64_t *state, size_t bound) {
  return (size_t)(next_random(state) % bound);
}

typedef struct {
  char *bytes;
  size_t len;
  size_t cap;
} text_t;

static void text_add(text_t *t, const void *bytes, size_t len) {
  if (len == 0)
    return;
  if (t->len + len > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + len)
      cap *= 2;
    t->bytes = realloc(t->bytes, cap);
    assert_non_null(t->bytes);
    t->cap = cap;
  }
  memcpy(t->bytes + t->len, bytes, len);
  t->len += len;
}

static void text_adds(text_t *t, const char *s) {
  text_add(t, s, strlen(s));
}

/* Words of a log, some of them UTF-8 of two, three and four bytes, so that
 * random cuts land inside characters. */
static const char *const WORDS[] = {"GET",
                                    "/api/users",
                                    "200",
                                    "token=s3cr3t",
                                    "latency=12ms",
                                    "caf\xc3\xa9",
                                    "na\xc3\xafve",
                                    "\xe2\x82\xac"
                                    "42",
                                    "\xf0\x9f\x9a\x80",
                                    "\xe6\x97\xa5\xe6\x9c\xac",
                                    "user=ada",
                                    "token=",
                                    "retry",
                                    "\r",
                                    "x"};
static const char *const LEVELS[] = {"INFO ",  "WARN ", "ERROR ",
                                     "DEBUG ", "DEBUG", ""};
static const char *const ENDS[] = {"\n", "\r\n", "\n", "\r\n", "\n\n"};

/* A log of about `size` bytes, lines at most `longest` bytes long: levels
 * (some lines dropped by the rule), words, tokens to mask, stray "\r",
 * LF and CRLF ends, empty lines; the last line has no end when the seed
 * says so. */
static void make_log(text_t *t, uint64_t seed, size_t size, size_t longest) {
  uint64_t state = seed;

  t->len = 0;
  while (t->len < size) {
    size_t start = t->len;
    size_t target = 1 + random_below(&state, longest);

    text_adds(t, LEVELS[random_below(&state, 6)]);
    while (t->len - start < target) {
      const char *word = WORDS[random_below(&state, 15)];
      if (t->len - start + strlen(word) + 1 > longest)
        break;
      text_adds(t, word);
      text_adds(t, " ");
    }
    text_adds(t, ENDS[random_below(&state, 5)]);
  }
  if (seed % 3 == 0) {
    /* No end on the last line. */
    while (t->len > 0 &&
           (t->bytes[t->len - 1] == '\n' || t->bytes[t->len - 1] == '\r'))
      t->len--;
    text_adds(t, "INFO last line token=abc");
  }
}

/* ------------------------------------------------------------------------
 * The model: the whole input split at once, byte by byte
 * ------------------------------------------------------------------------ */

typedef struct {
  text_t lines;    /* every line followed by "\n" (a line has no "\n") */
  size_t count;    /* lines before a line too long, or all of them */
  size_t too_long; /* the number of the line too long (from 1), or 0 */
  text_t output;   /* what the transform writes: kept lines, rewritten */
  size_t kept;
} model_t;

static void model_free(model_t *m) {
  free(m->lines.bytes);
  free(m->output.bytes);
  memset(m, 0, sizeof(*m));
}

static void split_model(const char *in, size_t len, size_t max_line,
                        model_t *m) {
  size_t start = 0;
  char *rewritten = malloc(len + 1);

  assert_non_null(rewritten);
  memset(m, 0, sizeof(*m));
  while (start < len) {
    size_t end = start;
    size_t line_len;
    size_t next;

    while (end < len && in[end] != '\n')
      end++;
    line_len = end - start;
    next = end < len ? end + 1 : end;
    if (end < len && line_len > 0 && in[end - 1] == '\r')
      line_len--;
    if (line_len > max_line) {
      m->too_long = m->count + 1;
      break;
    }
    text_add(&m->lines, in + start, line_len);
    text_add(&m->lines, "\n", 1);
    m->count++;
    if (log_rule_apply(in + start, line_len, rewritten)) {
      text_add(&m->output, rewritten, line_len);
      text_add(&m->output, "\n", 1);
      m->kept++;
    }
    start = next;
  }
  free(rewritten);
}

/* ------------------------------------------------------------------------
 * The splitter alone
 * ------------------------------------------------------------------------ */

/* What the splitter passed to on_line, each line followed by "\n". */
typedef struct {
  text_t lines;
  size_t count;
  size_t longest;
  int stop_at; /* on_line returns 7 at this line (from 1); 0: never */
} collected_t;

static int collect(void *arg, const char *line, size_t len) {
  collected_t *c = arg;

  text_add(&c->lines, line, len);
  text_add(&c->lines, "\n", 1);
  c->count++;
  if (len > c->longest)
    c->longest = len;
  return c->stop_at != 0 && c->count == (size_t)c->stop_at ? 7 : 0;
}

/* Splits `in` cut at the `cut_count` offsets `cuts` (increasing). Returns
 * the first non-zero status, or that of line_splitter_finish(). */
static int split_in_chunks(const char *in, size_t len, const size_t *cuts,
                           size_t cut_count, size_t max_line,
                           collected_t *out) {
  line_splitter_t *s = line_splitter_new(max_line, collect, out);
  size_t from = 0;
  int status = 0;

  assert_non_null(s);
  for (size_t i = 0; i <= cut_count && status == 0; i++) {
    size_t to = i < cut_count ? cuts[i] : len;
    status = line_splitter_push(s, in + from, to - from);
    from = to;
  }
  if (status == 0)
    status = line_splitter_finish(s);
  line_splitter_free(s);
  return status;
}

/* The line at `at` in a text of lines, at most 40 bytes of it, in ASCII
 * (other bytes as \xNN, "\r" as \r): the report must stay valid text even
 * when a line was cut inside a UTF-8 character. Returns a static buffer. */
static const char *shown(const text_t *t, size_t at, char *buf) {
  char *out = buf;

  for (size_t n = 0; at + n < t->len && t->bytes[at + n] != '\n' && n < 40;
       n++) {
    unsigned char c = (unsigned char)t->bytes[at + n];
    if (c == '\r')
      out += sprintf(out, "\\r");
    else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
      out += sprintf(out, "\\x%02x", c);
    else
      *out++ = (char)c;
  }
  *out = '\0';
  return buf;
}

/* Prints where two texts of lines first differ, as lines. */
static void describe_difference(const text_t *want, const text_t *got) {
  size_t i = 0;
  size_t line = 1;
  size_t line_start = 0;
  char buf[4 * 40 + 1];

  while (i < want->len && i < got->len && want->bytes[i] == got->bytes[i]) {
    if (want->bytes[i] == '\n') {
      line++;
      line_start = i + 1;
    }
    i++;
  }
  cm_print_error("line %zu differs from its byte %zu:\n", line, i - line_start);
  cm_print_error("  expected: \"%s\"\n", shown(want, line_start, buf));
  cm_print_error("  actual:   \"%s\"\n", shown(got, line_start, buf));
}

static int same_text(const text_t *a, const text_t *b) {
  return a->len == b->len &&
         (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0);
}

static void
test_splitter_gives_the_same_lines_however_the_input_is_chunked(void **state) {
  text_t in = {0};
  size_t cuts[64];

  (void)state;
  for (uint64_t seed = 1; seed <= 120; seed++) {
    uint64_t rng = seed * 7919;
    size_t cut_count = 1 + random_below(&rng, 63);
    model_t m;
    collected_t got = {0};
    int status;

    make_log(&in, seed, 600 + random_below(&rng, 1800), 120);
    for (size_t i = 0; i < cut_count; i++)
      cuts[i] = random_below(&rng, in.len + 1);
    /* Sorted cuts; equal ones make empty chunks, which must be harmless. */
    for (size_t i = 1; i < cut_count; i++)
      for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
        size_t tmp = cuts[j];
        cuts[j] = cuts[j - 1];
        cuts[j - 1] = tmp;
      }
    split_model(in.bytes, in.len, 256, &m);
    status = split_in_chunks(in.bytes, in.len, cuts, cut_count, 256, &got);
    if (status != 0 || !same_text(&m.lines, &got.lines)) {
      cm_print_error("seed %llu: %zu bytes cut into %zu chunks gave %zu "
                     "lines (status %d); the same bytes split at once give "
                     "%zu lines (status 0)\n",
                     (unsigned long long)seed, in.len, cut_count + 1, got.count,
                     status, m.count);
      describe_difference(&m.lines, &got.lines);
      cm_print_error("a chunk is not a line: keep the unfinished end of a "
                     "chunk and finish it with the next one\n  see %s\n",
                     SEE_CHUNKS);
      free(got.lines.bytes);
      model_free(&m);
      free(in.bytes);
      fail();
    }
    free(got.lines.bytes);
    model_free(&m);
  }
  free(in.bytes);
}

/* Splits `in` in two at every offset and compares with `want`. */
static void expect_same_at_every_cut_at(place_t at, const char *in,
                                        const char *want, size_t max_line,
                                        const char *what, const char *see) {
  size_t len = strlen(in);
  text_t expected = {0};

  text_adds(&expected, want);
  for (size_t cut = 0; cut <= len; cut++) {
    collected_t got = {0};
    int status = split_in_chunks(in, len, &cut, 1, max_line, &got);
    int same = same_text(&expected, &got.lines);

    if (status != 0 || !same) {
      cm_print_error("%s: cut after byte %zu, the splitter returned %d and "
                     "gave %zu lines\n",
                     what, cut, status, got.count);
      describe_difference(&expected, &got.lines);
      free(got.lines.bytes);
      free(expected.bytes);
      cm_print_error("\n  see %s\n", see);
      _fail(at.file, at.line);
    }
    free(got.lines.bytes);
  }
  free(expected.bytes);
}
#define expect_same_at_every_cut(...)                                          \
  expect_same_at_every_cut_at(HERE, __VA_ARGS__)

static void
test_splitter_ends_a_line_at_a_crlf_split_between_two_chunks(void **state) {
  (void)state;
  expect_same_at_every_cut(
      "INFO one\r\nWARN two\r\n\r\nlone \r inside\r\n",
      "INFO one\nWARN two\n\nlone \r inside\n", 64,
      "a \"\\r\\n\" ends a line even when \"\\r\" ends one chunk and \"\\n\" "
      "starts the next; a \"\\r\" elsewhere is a byte of the line",
      SEE_LINES);
}

static void
test_splitter_keeps_a_utf8_character_split_between_two_chunks(void **state) {
  (void)state;
  expect_same_at_every_cut(
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\n\xe6\x97\xa5\xe6\x9c\xac\n",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\n\xe6\x97\xa5\xe6\x9c\xac\n",
      64,
      "a UTF-8 character cut between two chunks must come out whole, in one "
      "line",
      SEE_CHUNKS);
}

static void
test_splitter_passes_on_a_final_line_without_a_newline(void **state) {
  (void)state;
  expect_same_at_every_cut("first\nsecond\nlast, no newline",
                           "first\nsecond\nlast, no newline\n", 64,
                           "the last line has no \"\\n\": "
                           "line_splitter_finish() must pass it on",
                           SEE_END);
  expect_same_at_every_cut("first\n", "first\n", 64,
                           "an input that ends with \"\\n\" has no line "
                           "after it",
                           SEE_END);
}

static void test_splitter_accepts_a_line_of_exactly_the_limit_with_a_split_crlf(
    void **state) {
  (void)state;
  /* 8 bytes: exactly max_line. Held whole with its "\r" when the cut falls
   * between "\r" and "\n": max_line + 1 bytes held is the most allowed. */
  expect_same_at_every_cut("12345678\r\nabcdefgh\nABCDEFGH\r\n",
                           "12345678\nabcdefgh\nABCDEFGH\n", 8,
                           "lines of exactly max_line bytes (8) are allowed, "
                           "whatever their end and wherever the cut",
                           SEE_LIMIT);
  expect_same_at_every_cut("ok\nABCDEFG\r", "ok\nABCDEFG\r\n", 8,
                           "a last line of 8 bytes ending in \"\\r\" (no "
                           "\"\\n\" follows, so \"\\r\" is a byte of it) fits "
                           "max_line 8",
                           SEE_LIMIT);
}

static void test_splitter_reports_a_line_over_the_limit_and_passes_none_of_it(
    void **state) {
  static const char *const inputs[] = {
      "short\nok\n123456789\nnever\n", /* 9 bytes, then "\n" */
      "short\nok\n12345678\r9\n",      /* a "\r" inside */
      "short\nok\n123456789",          /* the last line, no end */
      "short\nok\n12345678\r",         /* ...whose "\r" is a byte of it */
      "short\nok\n1234567890123456789012345678901234567890\n"};
  static const char *const about[] = {
      "a third line of 9 bytes", "a third line of 10 bytes with a \\r inside",
      "a last line of 9 bytes without \\n",
      "a last line of 8 bytes and a \\r, without \\n",
      "a third line of 40 bytes"};

  (void)state;
  for (size_t k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
    size_t len = strlen(inputs[k]);
    for (size_t step = 1; step <= len; step++) {
      size_t cuts[64];
      size_t n = 0;
      collected_t got = {0};
      int status;

      for (size_t at = step; at < len && n < 64; at += step)
        cuts[n++] = at;
      status = split_in_chunks(inputs[k], len, cuts, n, 8, &got);
      expect(status == UV_EMSGSIZE && got.count == 2 && got.longest <= 8,
             SEE_LIMIT,
             "\"short\", \"ok\", then %s, in chunks of %zu bytes, "
             "max_line 8: "
             "expected the 2 lines before the third, then UV_EMSGSIZE (%d) "
             "for the third line, which is too long; got %zu lines, the "
             "longest %zu bytes, and status %d. Too long is an error, not "
             "a line cut in two or cut short",
             about[k], step, UV_EMSGSIZE, got.count, got.longest, status);
      free(got.lines.bytes);
    }
  }
}

static void
test_splitter_holds_no_more_than_the_longest_line_whatever_the_input(
    void **state) {
  enum { MAX_LINE = 2000 };
  text_t in = {0};
  line_mem_stats_t before;
  line_mem_stats_t after;
  collected_t got = {0};
  line_splitter_t *s;
  uint64_t rng = 404;
  size_t at = 0;
  model_t m;
  int status = 0;

  (void)state;
  make_log(&in, 404, 2 * MiB, MAX_LINE);
  split_model(in.bytes, in.len, MAX_LINE, &m);
  line_mem_stats(&before);
  line_mem_reset_peak();
  s = line_splitter_new(MAX_LINE, collect, &got);
  assert_non_null(s);
  while (at < in.len && status == 0) {
    /* Small chunks and big ones: long lines span many chunks. */
    size_t n = 1 + random_below(&rng, random_below(&rng, 3) ? 300 : 9000);
    if (n > in.len - at)
      n = in.len - at;
    status = line_splitter_push(s, in.bytes + at, n);
    at += n;
  }
  if (status == 0)
    status = line_splitter_finish(s);
  line_mem_stats(&after);
  line_splitter_free(s);
  expect(status == 0 && same_text(&m.lines, &got.lines), SEE_CHUNKS,
         "2 MiB of log in chunks of 1 to 9000 bytes: expected %zu lines, "
         "got %zu (status %d)",
         m.count, got.count, status);
  expect(after.peak_bytes - before.live_bytes <= MAX_LINE + 256, SEE_LIMIT,
         "splitting 2 MiB with max_line %d, the splitter held at most %zu "
         "bytes at once; expected no more than max_line + 256 = %d: hold the "
         "unfinished end of a chunk only, never the input (and a line "
         "buffer needs no room beyond max_line + 1)",
         MAX_LINE, after.peak_bytes - before.live_bytes, MAX_LINE + 256);
  free(got.lines.bytes);
  model_free(&m);
  free(in.bytes);
}

static void test_splitter_stops_when_on_line_says_so(void **state) {
  const char *in = "a\nb\nc\nd\n";
  collected_t got = {.stop_at = 2};
  size_t cut = 3;
  int status;

  (void)state;
  status = split_in_chunks(in, strlen(in), &cut, 1, 8, &got);
  expect(status == 7 && got.count == 2, SEE_CONTRACT,
         "on_line returned 7 at the second line: expected the splitter to "
         "stop there and return 7; got %zu lines and status %d",
         got.count, status);
  free(got.lines.bytes);
}

/* ------------------------------------------------------------------------
 * The world around the transform
 * ------------------------------------------------------------------------ */

#define MAX_LINE (4 * KiB)
#define CHUNK (16 * KiB)
#define HIGH_WATER (64 * KiB)
#define LOW_WATER (16 * KiB)
/* The most the transform may hold: a line, a read buffer, what one read
 * can turn into (twice: being built, and being written), the bytes in
 * flight with the write that crossed the mark, and the requests of small
 * writes. A transform that reads on while the destination waits, or that
 * keeps the input, passes it within a few hundred KiB of a long stream. */
#define MEMORY_BOUND (4 * MAX_LINE + 4 * CHUNK + 2 * HIGH_WATER + 64 * KiB)

enum { PRODUCER_WRITES = 4 };

typedef struct {
  uv_write_t req;
  size_t len;
  int busy;
} piece_t;

typedef enum { CONSUMER_PAUSED, CONSUMER_FAST } pace_t;

typedef struct {
  uv_loop_t loop;
  uv_pipe_t producer_end;
  uv_pipe_t source;
  uv_pipe_t destination;
  uv_pipe_t consumer_end;
  uv_timer_t watchdog;

  /* The producer: writes `input` in pieces of random sizes. */
  text_t input;
  uint64_t rng;
  size_t written; /* bytes handed to uv_write() */
  size_t sent;    /* bytes whose write completed */
  unsigned producer_in_flight;
  piece_t pieces[PRODUCER_WRITES];
  int producer_failed; /* a write failed: the source was closed */
  int producer_closed;

  /* The consumer: checks what arrives against the model's output. */
  model_t model;
  pace_t pace;
  char read_buffer[64 * 1024];
  size_t received;
  size_t first_wrong; /* offset of the first wrong byte, or SIZE_MAX */
  int eof;

  /* What the transform did. */
  line_mem_stats_t mem_at_start;
  size_t max_memory;
  int started;
  unsigned done_calls;
  int done_status;
  line_transform_report_t report;
  int closed_at_done;

  /* The watchdog: when nothing changed for a few ticks, things are stuck. */
  uint64_t last_signature;
  unsigned still_ticks;
  int stalled;
} world_t;

static size_t memory_in_use(const world_t *w) {
  line_mem_stats_t now;

  line_mem_stats(&now);
  return now.live_bytes - w->mem_at_start.live_bytes;
}

static void on_memory_event(void *arg) {
  world_t *w = arg;
  size_t in_use = memory_in_use(w);

  if (in_use > w->max_memory)
    w->max_memory = in_use;
}

static void produce(world_t *w);

static void on_produced(uv_write_t *req, int status) {
  world_t *w = req->handle->data;
  piece_t *piece = req->data;

  piece->busy = 0;
  w->producer_in_flight--;
  if (status == 0)
    w->sent += piece->len;
  else
    w->producer_failed = 1;
  produce(w);
}

/* Keeps PRODUCER_WRITES writes in flight, pieces of 1 to 3000 bytes, and
 * closes its end after the last one (the source then reads UV_EOF), or
 * after a write failed (the transform closed the source early). */
static void produce(world_t *w) {
  for (size_t i = 0;
       i < PRODUCER_WRITES && !w->producer_failed && w->written < w->input.len;
       i++) {
    piece_t *piece = &w->pieces[i];
    uv_buf_t buf;

    if (piece->busy)
      continue;
    piece->len = 1 + random_below(&w->rng, 3000);
    if (piece->len > w->input.len - w->written)
      piece->len = w->input.len - w->written;
    piece->busy = 1;
    piece->req.data = piece;
    buf = uv_buf_init(w->input.bytes + w->written, (unsigned int)piece->len);
    if (uv_write(&piece->req, (uv_stream_t *)&w->producer_end, &buf, 1,
                 on_produced) != 0) {
      piece->busy = 0;
      w->producer_failed = 1;
      break;
    }
    w->written += piece->len;
    w->producer_in_flight++;
  }
  if ((w->written == w->input.len || w->producer_failed) &&
      w->producer_in_flight == 0 && !w->producer_closed) {
    w->producer_closed = 1;
    uv_close((uv_handle_t *)&w->producer_end, NULL);
  }
}

static void consumer_alloc(uv_handle_t *handle, size_t suggested,
                           uv_buf_t *buf) {
  world_t *w = handle->data;

  (void)suggested;
  *buf = uv_buf_init(w->read_buffer, sizeof(w->read_buffer));
}

static void consumer_read(uv_stream_t *stream, ssize_t nread,
                          const uv_buf_t *buf) {
  world_t *w = stream->data;

  if (nread < 0) {
    w->eof = nread == UV_EOF;
    uv_read_stop(stream);
    return;
  }
  for (ssize_t i = 0; i < nread && w->first_wrong == SIZE_MAX; i++) {
    size_t at = w->received + (size_t)i;
    if (at >= w->model.output.len || buf->base[i] != w->model.output.bytes[at])
      w->first_wrong = at;
  }
  w->received += (size_t)nread;
}

static void set_pace(world_t *w, pace_t pace) {
  w->pace = pace;
  if (pace == CONSUMER_FAST && !w->eof)
    uv_read_start((uv_stream_t *)&w->consumer_end, consumer_alloc,
                  consumer_read);
  else
    uv_read_stop((uv_stream_t *)&w->consumer_end);
}

static uint64_t signature(world_t *w) {
  line_mem_stats_t mem;

  line_mem_stats(&mem);
  return (uint64_t)w->sent * 31 + (uint64_t)w->received * 17 +
         (uint64_t)mem.allocations * 7 + (uint64_t)mem.live_blocks * 3 +
         w->done_calls;
}

static void on_tick(uv_timer_t *timer) {
  world_t *w = timer->data;
  uint64_t now = signature(w);

  if (now == w->last_signature) {
    if (++w->still_ticks >= 5)
      w->stalled = 1;
  } else {
    w->still_ticks = 0;
  }
  w->last_signature = now;
}

static void on_done(void *data, int status,
                    const line_transform_report_t *report) {
  world_t *w = data;

  w->done_calls++;
  if (w->done_calls == 1) {
    w->done_status = status;
    w->report = *report;
    w->closed_at_done = uv_is_closing((uv_handle_t *)&w->source) &&
                        uv_is_closing((uv_handle_t *)&w->destination);
  }
}

static int setup_world(void **state) {
  world_t *w = calloc(1, sizeof(*w));
  uv_os_sock_t a[2];
  uv_os_sock_t b[2];

  if (w == NULL || uv_loop_init(&w->loop) != 0)
    return -1;
  if (uv_socketpair(SOCK_STREAM, 0, a, 0, 0) != 0 ||
      uv_socketpair(SOCK_STREAM, 0, b, 0, 0) != 0)
    return -1;
  uv_pipe_init(&w->loop, &w->producer_end, 0);
  uv_pipe_init(&w->loop, &w->source, 0);
  uv_pipe_init(&w->loop, &w->destination, 0);
  uv_pipe_init(&w->loop, &w->consumer_end, 0);
  if (uv_pipe_open(&w->producer_end, a[0]) != 0 ||
      uv_pipe_open(&w->source, a[1]) != 0 ||
      uv_pipe_open(&w->destination, b[0]) != 0 ||
      uv_pipe_open(&w->consumer_end, b[1]) != 0)
    return -1;
  w->producer_end.data = w;
  w->consumer_end.data = w;
  w->first_wrong = SIZE_MAX;
  uv_timer_init(&w->loop, &w->watchdog);
  w->watchdog.data = w;
  uv_timer_start(&w->watchdog, on_tick, 10, 10);
  line_mem_fail_after(-1);
  line_mem_stats(&w->mem_at_start);
  line_mem_observe(on_memory_event, w);
  *state = w;
  return 0;
}

static void close_if_open(uv_handle_t *handle, void *arg) {
  (void)arg;
  if (!uv_is_closing(handle))
    uv_close(handle, NULL);
}

static int teardown_world(void **state) {
  world_t *w = *state;

  line_mem_observe(NULL, NULL);
  /* While a started transform has not called done, it owns its streams:
   * closing them under it could close them twice. Leave the world then. */
  if (w->started && w->done_calls == 0)
    return 0;
  uv_walk(&w->loop, close_if_open, NULL);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&w->loop) != 0)
    return -1;
  model_free(&w->model);
  free(w->input.bytes);
  free(w);
  return 0;
}

/* Runs the loop until `until` holds, the world is stuck or done ran. */
static void run_until(world_t *w, int (*until)(world_t *w)) {
  w->stalled = 0;
  w->still_ticks = 0;
  while (!until(w) && !w->stalled)
    uv_run(&w->loop, UV_RUN_ONCE);
}

static int finished(world_t *w) {
  return w->done_calls > 0 && w->eof;
}

static void start(world_t *w, uint64_t seed, size_t size, size_t longest,
                  const char *tail) {
  line_transform_options_t options = {MAX_LINE, CHUNK, HIGH_WATER, LOW_WATER};

  make_log(&w->input, seed, size, longest);
  if (tail != NULL)
    text_adds(&w->input, tail);
  split_model(w->input.bytes, w->input.len, MAX_LINE, &w->model);
  w->rng = seed;
  assert_int_equal(line_transform((uv_stream_t *)&w->source,
                                  (uv_stream_t *)&w->destination, &options,
                                  on_done, w),
                   0);
  w->started = 1;
  produce(w);
}

/* The checks every finished run shares: done once with `status`, both
 * streams closed, the model's output exactly, no memory left. */
static void expect_output_at(place_t at, world_t *w, int status,
                             const char *see) {
  line_mem_stats_t now;

  expect_at(
      at, w->done_calls == 1, SEE_CONTRACT,
      "done ran %u times (nothing moved for 50 ms); expected exactly once, "
      "after the last write, the shutdown and both close callbacks",
      w->done_calls);
  expect_at(at, w->done_status == status, see,
            "done reported status %d (%s); expected %d (%s)", w->done_status,
            w->done_status == 0 ? "success" : uv_err_name(w->done_status),
            status, status == 0 ? "success" : uv_err_name(status));
  expect_at(at, w->closed_at_done, SEE_CONTRACT,
            "when done ran, the source and the destination were not both "
            "closed; the transform owns them and closes each once before done");
  expect_at(
      at, w->eof, SEE_END,
      "the consumer never saw the end of the stream: shut the destination "
      "down after the last write");
  expect_at(at,
            w->received == w->model.output.len && w->first_wrong == SIZE_MAX,
            w->received < w->model.output.len ? SEE_END : SEE_CHUNKS,
            "the consumer received %zu bytes, the first wrong at offset %zd; "
            "expected the %zu bytes of the %zu kept lines%s",
            w->received,
            w->first_wrong == SIZE_MAX ? (ssize_t)-1 : (ssize_t)w->first_wrong,
            w->model.output.len, w->model.kept,
            w->received < w->model.output.len
                ? " (the end is missing: was the last line dropped?)"
                : " (a line split across chunks came out cut in two?)");
  expect_at(at,
            w->report.lines_in == w->model.count &&
                w->report.lines_out == w->model.kept &&
                w->report.too_long == w->model.too_long,
            SEE_CONTRACT,
            "the report says lines_in %llu, lines_out %llu, too_long %llu; "
            "expected %zu, %zu, %zu",
            (unsigned long long)w->report.lines_in,
            (unsigned long long)w->report.lines_out,
            (unsigned long long)w->report.too_long, w->model.count,
            w->model.kept, w->model.too_long);
  line_mem_stats(&now);
  expect_at(at, now.live_blocks == w->mem_at_start.live_blocks, SEE_CONTRACT,
            "%zu blocks from line_mem_alloc() were still live after done; "
            "expected none",
            now.live_blocks - w->mem_at_start.live_blocks);
}
#define expect_output(...) expect_output_at(HERE, __VA_ARGS__)

static void test_transform_filters_and_rewrites_a_log_end_to_end(void **state) {
  world_t *w = *state;

  start(w, 41, 200 * KiB, 300, NULL);
  set_pace(w, CONSUMER_FAST);
  run_until(w, finished);
  expect_output(w, 0, SEE_CHUNKS);
}

static void
test_transform_writes_the_last_line_without_a_newline(void **state) {
  world_t *w = *state;

  /* Seed 42 ends its log with a line without "\n" (42 % 3 == 0). */
  start(w, 42, 20 * KiB, 200, NULL);
  set_pace(w, CONSUMER_FAST);
  run_until(w, finished);
  expect(w->input.bytes[w->input.len - 1] != '\n', SEE_END,
         "the suite's own input must end without a newline");
  expect_output(w, 0, SEE_END);
}

static void
test_transform_stops_at_a_line_over_the_limit_after_every_line_before_it(
    void **state) {
  world_t *w = *state;
  text_t tail = {0};

  text_adds(&tail, "INFO the next line is too long\n");
  for (size_t i = 0; i < 3 * MAX_LINE; i++)
    text_add(&tail, "y", 1);
  text_adds(&tail, "\nINFO never read\n");
  text_add(&tail, "", 1);
  start(w, 43, 100 * KiB, 300, tail.bytes);
  free(tail.bytes);
  set_pace(w, CONSUMER_FAST);
  run_until(w, finished);
  expect(w->model.too_long > 0, SEE_LIMIT,
         "the suite's own input must hold "
         "a line too long");
  expect_output(w, UV_EMSGSIZE, SEE_LIMIT);
}

static void
test_transform_pauses_the_source_while_the_destination_waits(void **state) {
  world_t *w = *state;
  size_t held_while_paused;
  size_t sent_while_paused;

  start(w, 44, 8 * MiB, 400, NULL);
  set_pace(w, CONSUMER_PAUSED);
  run_until(w, finished);
  held_while_paused = w->max_memory;
  sent_while_paused = w->sent;
  expect(sent_while_paused < 4 * MiB, SEE_BACKPRESSURE,
         "with a consumer that reads nothing, the producer still got %zu of "
         "its %zu bytes into the source: the transform kept reading. "
         "Expected it to stop reading once %zu output bytes are in flight",
         sent_while_paused, w->input.len, (size_t)HIGH_WATER);
  expect(held_while_paused <= MEMORY_BOUND, SEE_BACKPRESSURE,
         "with a consumer that reads nothing, the transform held %zu bytes "
         "of line_mem memory; expected at most %zu (max_line %zu, chunk "
         "%zu, high-water mark %zu): uv_write() queues without limit, so "
         "stop reading while the bytes in flight are at the high-water mark",
         held_while_paused, (size_t)MEMORY_BOUND, (size_t)MAX_LINE,
         (size_t)CHUNK, (size_t)HIGH_WATER);
  set_pace(w, CONSUMER_FAST);
  run_until(w, finished);
  expect(w->sent == w->input.len, SEE_BACKPRESSURE,
         "once the consumer reads again, the producer got only %zu of %zu "
         "bytes through: reading never started again (start it once the "
         "bytes in flight fall to the low-water mark)",
         w->sent, w->input.len);
  expect(w->max_memory <= MEMORY_BOUND, SEE_BACKPRESSURE,
         "the transform held up to %zu bytes; expected at most %zu",
         w->max_memory, (size_t)MEMORY_BOUND);
  expect_output(w, 0, SEE_BACKPRESSURE);
}

static void test_transform_memory_stays_bounded_on_a_long_stream_of_long_lines(
    void **state) {
  world_t *w = *state;

  start(w, 45, 6 * MiB, MAX_LINE, NULL);
  set_pace(w, CONSUMER_FAST);
  run_until(w, finished);
  expect(w->max_memory <= MEMORY_BOUND, SEE_LIMIT,
         "piping %zu bytes of lines up to %zu bytes long, the transform held "
         "up to %zu bytes at once; expected at most %zu, however long the "
         "stream: hold one unfinished line, never the input",
         w->input.len, (size_t)MAX_LINE, w->max_memory, (size_t)MEMORY_BOUND);
  expect_output(w, 0, SEE_CHUNKS);
}

static void never_done(void *data, int status,
                       const line_transform_report_t *report) {
  (void)report;
  *(int *)data = status + 1000;
}

static void
test_transform_refuses_bad_options_and_starts_nothing(void **state) {
  world_t *w = *state;
  uv_stream_t *source = (uv_stream_t *)&w->source;
  uv_stream_t *destination = (uv_stream_t *)&w->destination;
  static const line_transform_options_t bad[] = {
      {0, CHUNK, HIGH_WATER, LOW_WATER},
      {MAX_LINE, 0, HIGH_WATER, LOW_WATER},
      {MAX_LINE, CHUNK, LOW_WATER, HIGH_WATER}};
  line_transform_options_t good = {MAX_LINE, CHUNK, HIGH_WATER, LOW_WATER};
  int called = 0;

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    expect(line_transform(source, destination, &bad[i], never_done, &called) ==
               UV_EINVAL,
           SEE_CONTRACT,
           "options %zu (max_line %zu, chunk_size %zu, high %zu, low %zu) "
           "break the rules of line_transform.h: expected UV_EINVAL",
           i, bad[i].max_line, bad[i].chunk_size, bad[i].high_water_mark,
           bad[i].low_water_mark);
  expect(line_transform(source, source, &good, never_done, &called) ==
                 UV_EINVAL &&
             line_transform(NULL, destination, &good, never_done, &called) ==
                 UV_EINVAL &&
             line_transform(source, destination, &good, NULL, &called) ==
                 UV_EINVAL,
         SEE_CONTRACT,
         "the same stream twice, a NULL stream or no done callback: "
         "expected UV_EINVAL");
  expect(!uv_is_active((uv_handle_t *)source) && !called &&
             memory_in_use(w) == 0,
         SEE_CONTRACT,
         "after a refusal the source must not be reading, done must not run "
         "and nothing may stay allocated (%zu bytes are)",
         memory_in_use(w));
}

int main(int argc, char **argv) {
  /* clang-format off */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_splitter_gives_the_same_lines_however_the_input_is_chunked),
      cmocka_unit_test(test_splitter_ends_a_line_at_a_crlf_split_between_two_chunks),
      cmocka_unit_test(test_splitter_keeps_a_utf8_character_split_between_two_chunks),
      cmocka_unit_test(test_splitter_passes_on_a_final_line_without_a_newline),
      cmocka_unit_test(test_splitter_accepts_a_line_of_exactly_the_limit_with_a_split_crlf),
      cmocka_unit_test(test_splitter_reports_a_line_over_the_limit_and_passes_none_of_it),
      cmocka_unit_test(test_splitter_holds_no_more_than_the_longest_line_whatever_the_input),
      cmocka_unit_test(test_splitter_stops_when_on_line_says_so),
      cmocka_unit_test_setup_teardown(test_transform_filters_and_rewrites_a_log_end_to_end, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_transform_writes_the_last_line_without_a_newline, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_transform_stops_at_a_line_over_the_limit_after_every_line_before_it, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_transform_pauses_the_source_while_the_destination_waits, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_transform_memory_stays_bounded_on_a_long_stream_of_long_lines, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_transform_refuses_bad_options_and_starts_nothing, setup_world, teardown_world),
  };
  /* clang-format on */
  int failed;

  /* Node ignores SIGPIPE, and so do we: a write to a closed reader fails
   * with EPIPE instead of killing the process. */
  signal(SIGPIPE, SIG_IGN);
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed =
      cmocka_run_group_tests_name("04-transform-stream", tests, NULL, NULL);
  uv_library_shutdown();
  return failed;
}

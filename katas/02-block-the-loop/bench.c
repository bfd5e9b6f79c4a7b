/* The benchmark of kata 02: a loop that hashes against your server.
 *
 * Usage: bench [ROUNDS]     (default 5)
 *
 * One HASH of JOB_ROUNDS rounds is computed two ways, interleaved, ROUNDS
 * times, each on a fresh loop with a 1 ms heartbeat timer that records how
 * late each beat comes (Node's monitorEventLoopDelay()):
 *
 *   sync    a callback of the loop computes the hash itself, the way the
 *           starter's read callback does: the loop broken on purpose
 *   async   your server answers the same HASH, sent by a client on the
 *           same loop
 *
 * and reports, best of ROUNDS (the lowest, but for the rounds per turn,
 * where it is the highest: a count, the same every round):
 *
 *   sync_job_ms            from the start to the hash
 *   sync_lag_p99_ms        the heartbeat's 99th percentile lag meanwhile
 *   async_job_ms           from the request to its reply
 *   async_lag_p99_ms       the heartbeat's 99th percentile lag meanwhile
 *   async_turn_max_rounds  the most rounds the loop's thread hashed in one
 *                          turn of the loop (hash_probe.h)
 *   job_rounds             JOB_ROUNDS
 *
 * The thresholds are ratios of figures of this one run: the lag against
 * the job's length, the lag against the blocked loop's lag, and the rounds
 * of the longest turn against the job's rounds. A busy machine stretches
 * both ways alike, and the count does not move at all.
 *
 * Each figure is written as "NAME VALUE" to the file named by the
 * environment variable SENIOR_CHECK_FIGURES, or to standard output without
 * it. A wrong reply reports no figures at all.
 */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "hash_probe.h"
#include "hash_work.h"
#include "protocol.h"
#include "server.h"

#define JOB_SEED UINT64_C(2024)
#define JOB_ROUNDS UINT64_C(60000000)
#define DEFAULT_ROUNDS 5u
#define MAX_BEATS 100000u
#define LIMIT_NS 60000000000ull /* ends a run that would never end */
#define NS_PER_MS 1e6

static int complain(const char *what) {
  fprintf(stderr, "error: %s\n", what);
  return -1;
}

/* ------------------------------------------------------------------------
 * The heartbeat, and the loop's turns
 * ------------------------------------------------------------------------ */

typedef struct heartbeat {
  uv_timer_t timer; /* closed by heartbeat_stop() */
  uint64_t last_ns;
  unsigned count;
  double lags_ms[MAX_BEATS];
} heartbeat_t;

static heartbeat_t hb;

static void beat(uv_timer_t *timer) {
  uint64_t now = uv_hrtime();
  double lag = (double)(now - hb.last_ns) / NS_PER_MS - 1.0;

  (void)timer;
  if (hb.count < MAX_BEATS)
    hb.lags_ms[hb.count++] = lag > 0 ? lag : 0;
  hb.last_ns = now;
}

static void heartbeat_start(uv_loop_t *loop) {
  hb.count = 0;
  (void)uv_timer_init(loop, &hb.timer);
  (void)uv_timer_start(&hb.timer, beat, 1, 1);
  hb.last_ns = uv_hrtime();
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Stops the heartbeat (the stretch since the last beat counts as one more
 * sample) and returns the 99th percentile lag, by nearest rank. */
static double heartbeat_stop(void) {
  beat(&hb.timer);
  uv_close((uv_handle_t *)&hb.timer, NULL);
  qsort(hb.lags_ms, hb.count, sizeof(hb.lags_ms[0]), compare_doubles);
  return hb.lags_ms[(size_t)ceil(0.99 * (double)hb.count) - 1];
}

/* The turns of the loop, counted by a prepare handle (once per turn, right
 * before the loop waits for I/O), and the rounds the loop's thread hashed
 * in each. Only the loop's thread touches it. */
typedef struct turns {
  uv_prepare_t prepare; /* closed after the run */
  uv_thread_t loop_thread;
  uint64_t turn, counted_turn, this_turn, max_turn;
} turns_t;

static turns_t turns;

static void next_turn(uv_prepare_t *prepare) {
  (void)prepare;
  turns.turn++;
}

static void observe_rounds(void *arg, uint64_t rounds) {
  uv_thread_t self = uv_thread_self();

  (void)arg;
  if (!uv_thread_equal(&self, &turns.loop_thread))
    return;
  if (turns.counted_turn != turns.turn) {
    turns.counted_turn = turns.turn;
    turns.this_turn = 0;
  }
  turns.this_turn += rounds;
  if (turns.this_turn > turns.max_turn)
    turns.max_turn = turns.this_turn;
}

static const hash_probe_t turn_probe = {.observe = observe_rounds};

/* ------------------------------------------------------------------------
 * The two ways
 * ------------------------------------------------------------------------ */

typedef struct outcome {
  double job_ms;
  double lag_p99_ms;
  uint64_t turn_max_rounds;
} outcome_t;

typedef struct sync_run {
  uv_timer_t start; /* closed by its own callback */
  uint64_t hash;
  uint64_t done_ns;
} sync_run_t;

static void hash_in_the_callback(uv_timer_t *timer) {
  sync_run_t *run = timer->data;

  run->hash = hash_compute(JOB_SEED, JOB_ROUNDS);
  run->done_ns = uv_hrtime();
  uv_close((uv_handle_t *)timer, NULL);
}

/* The loop broken on purpose: a 0 ms timer's callback hashes. */
static int time_sync(uint64_t expected, outcome_t *out) {
  sync_run_t run = {0};
  uv_loop_t loop;
  uint64_t start;

  if (uv_loop_init(&loop) != 0)
    return complain("cannot set up a loop");
  heartbeat_start(&loop);
  (void)uv_timer_init(&loop, &run.start);
  run.start.data = &run;
  start = uv_hrtime();
  (void)uv_timer_start(&run.start, hash_in_the_callback, 0, 0);
  while (run.done_ns == 0)
    (void)uv_run(&loop, UV_RUN_ONCE);
  out->job_ms = (double)(run.done_ns - start) / NS_PER_MS;
  out->lag_p99_ms = heartbeat_stop();
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0)
    return complain("the sync run left a handle on its loop");
  return run.hash == expected ? 0 : complain("the hash changed");
}

/* A client of the learner's server on the same loop. */
typedef struct client {
  uv_tcp_t tcp; /* closed when the reply is in, or at the limit */
  uv_connect_t connect;
  uv_write_t write;
  char request[64];
  char received[PROTOCOL_MAX_REPLY * 2];
  size_t received_len;
  bool replied, failed;
  uint64_t sent_ns, reply_ns;
} client_t;

static void client_alloc(uv_handle_t *handle, size_t size, uv_buf_t *buf) {
  client_t *c = handle->data;

  (void)size;
  *buf = uv_buf_init(c->received + c->received_len,
                     (unsigned)(sizeof(c->received) - c->received_len));
}

static void client_on_read(uv_stream_t *stream, ssize_t nread,
                           const uv_buf_t *buf) {
  client_t *c = stream->data;

  (void)buf;
  if (nread < 0 || c->received_len + (size_t)nread >= sizeof(c->received)) {
    c->failed = true;
    uv_close((uv_handle_t *)stream, NULL);
    return;
  }
  c->received_len += (size_t)nread;
  if (memchr(c->received, '\n', c->received_len) != NULL) {
    c->replied = true;
    c->reply_ns = uv_hrtime();
    uv_close((uv_handle_t *)stream, NULL);
  }
}

static void client_on_written(uv_write_t *req, int status) {
  if (status != 0)
    ((client_t *)req->handle->data)->failed = true;
}

static void client_on_connect(uv_connect_t *req, int status) {
  client_t *c = req->data;
  uv_buf_t buf = uv_buf_init(c->request, (unsigned)strlen(c->request));

  if (status != 0 ||
      uv_read_start((uv_stream_t *)&c->tcp, client_alloc, client_on_read) !=
          0 ||
      uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, client_on_written) !=
          0) {
    c->failed = true;
    return;
  }
  c->sent_ns = uv_hrtime();
}

static void on_server_closed(void *arg) {
  *(bool *)arg = true;
}

/* The learner's server answers the same HASH. */
static int time_async(const char *expected_reply, outcome_t *out) {
  uv_loop_t loop;
  server_t *server = NULL;
  client_t c = {0};
  struct sockaddr_in addr;
  bool closed = false;
  uint64_t start;
  int port, err;

  if (uv_loop_init(&loop) != 0)
    return complain("cannot set up a loop");
  err = server_start(&loop, 0, &server);
  port = err == 0 ? server_port(server) : err;
  if (port <= 0) {
    fprintf(stderr, "error: the server did not start: %s\n", uv_strerror(port));
    return -1;
  }
  snprintf(c.request, sizeof(c.request), "HASH %" PRIu64 " %" PRIu64 "\n",
           JOB_SEED, JOB_ROUNDS);
  (void)uv_ip4_addr("127.0.0.1", port, &addr);
  (void)uv_tcp_init(&loop, &c.tcp);
  c.tcp.data = &c;
  c.connect.data = &c;
  memset(&turns, 0, sizeof(turns));
  turns.loop_thread = uv_thread_self();
  (void)uv_prepare_init(&loop, &turns.prepare);
  (void)uv_prepare_start(&turns.prepare, next_turn);
  hash_probe_set(&turn_probe);
  heartbeat_start(&loop);
  (void)uv_tcp_connect(&c.connect, &c.tcp, (const struct sockaddr *)&addr,
                       client_on_connect);
  start = uv_hrtime();
  while (!c.replied && !c.failed && uv_hrtime() - start < LIMIT_NS)
    (void)uv_run(&loop, UV_RUN_ONCE);
  out->lag_p99_ms = heartbeat_stop();
  hash_probe_set(NULL);
  out->job_ms = (double)(c.reply_ns - c.sent_ns) / NS_PER_MS;
  out->turn_max_rounds = turns.max_turn;
  uv_close((uv_handle_t *)&turns.prepare, NULL);
  if (!uv_is_closing((uv_handle_t *)&c.tcp))
    uv_close((uv_handle_t *)&c.tcp, NULL);
  server_close(server, on_server_closed, &closed);
  (void)uv_run(&loop, UV_RUN_DEFAULT);
  if (!closed || uv_loop_close(&loop) != 0)
    return complain("the server did not close, or left a handle behind");
  if (!c.replied || c.received_len != strlen(expected_reply) ||
      memcmp(c.received, expected_reply, c.received_len) != 0) {
    fprintf(stderr, "error: the server replied \"%.*s\"; expected \"%s\"\n",
            (int)c.received_len, c.received, expected_reply);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------------
 * Interleaving, best of ROUNDS
 * ------------------------------------------------------------------------ */

static int write_figures(const outcome_t *sync, const outcome_t *async) {
  const char *path = getenv("SENIOR_CHECK_FIGURES");
  FILE *out = path != NULL ? fopen(path, "w") : stdout;

  if (out == NULL)
    return complain("cannot write the figures");
  fprintf(out, "sync_job_ms %.3f\n", sync->job_ms);
  fprintf(out, "sync_lag_p99_ms %.3f\n", sync->lag_p99_ms);
  fprintf(out, "async_job_ms %.3f\n", async->job_ms);
  fprintf(out, "async_lag_p99_ms %.3f\n", async->lag_p99_ms);
  fprintf(out, "async_turn_max_rounds %" PRIu64 "\n", async->turn_max_rounds);
  fprintf(out, "job_rounds %" PRIu64 "\n", JOB_ROUNDS);
  if (out != stdout && fclose(out) != 0)
    return complain("cannot write the figures");
  return 0;
}

static void keep_best(outcome_t *best, const outcome_t *now) {
  if (now->job_ms < best->job_ms)
    best->job_ms = now->job_ms;
  if (now->lag_p99_ms < best->lag_p99_ms)
    best->lag_p99_ms = now->lag_p99_ms;
  if (now->turn_max_rounds > best->turn_max_rounds)
    best->turn_max_rounds = now->turn_max_rounds;
}

int main(int argc, char **argv) {
  unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : DEFAULT_ROUNDS;
  outcome_t best_sync = {1e300, 1e300, 0}, best_async = {1e300, 1e300, 0};
  request_t request = {REQUEST_HASH, JOB_SEED, JOB_ROUNDS};
  char expected[PROTOCOL_MAX_REPLY];
  uint64_t hash;

  signal(SIGPIPE, SIG_IGN); /* as Node does: see the suite */
  if (rounds == 0 || rounds > 100) {
    fprintf(stderr, "usage: bench [ROUNDS] (1 to 100)\n");
    return 2;
  }
  hash = hash_compute(JOB_SEED, JOB_ROUNDS);
  (void)protocol_reply(&request, hash, expected);
  /* Interleaved, and in the opposite order every other round, so that a
   * burst of load or a change of clock speed hits both ways alike. */
  for (unsigned r = 0; r < rounds; r++) {
    outcome_t sync, async;
    int err;
    if (r % 2 == 0)
      err = time_sync(hash, &sync) || time_async(expected, &async);
    else
      err = time_async(expected, &async) || time_sync(hash, &sync);
    if (err != 0)
      return 1;
    keep_best(&best_sync, &sync);
    keep_best(&best_async, &async);
  }
  printf("one HASH of %" PRIu64 " rounds, best of %u:\n", JOB_ROUNDS, rounds);
  printf("  hashed in a loop callback  %8.1f ms, heartbeat p99 lag %8.1f ms "
         "(%3.0f%% of the job)\n",
         best_sync.job_ms, best_sync.lag_p99_ms,
         100.0 * best_sync.lag_p99_ms / best_sync.job_ms);
  printf("  your server                %8.1f ms, heartbeat p99 lag %8.1f ms "
         "(%3.0f%% of the job)\n",
         best_async.job_ms, best_async.lag_p99_ms,
         100.0 * best_async.lag_p99_ms / best_async.job_ms);
  printf("  the loop's thread hashed at most %" PRIu64
         " rounds in one turn of the loop (%.2f%% of the job)\n",
         best_async.turn_max_rounds,
         100.0 * (double)best_async.turn_max_rounds / (double)JOB_ROUNDS);
  return write_figures(&best_sync, &best_async) == 0 ? 0 : 1;
}

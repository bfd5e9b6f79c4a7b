/* The suite of kata 08, "Worker overhead". Read README.md first.
 *
 * It checks the learner's batch.c: how many thread-pool requests a batch
 * of tiny tasks makes (first, since it is what the kata is about), the
 * chunk plan, the checksums against the serial answer of records.c for
 * several sizes (0 and 1 tasks included), where the tasks run (a small
 * batch on the loop's thread with no request at all, a large one on at
 * least two of the pool's threads and never on the loop's), two batches
 * in flight at once, and the loop's heartbeat while a large batch runs.
 *
 * Requests are counted, not timed: the suite defines uv_queue_work()
 * itself and hands every call over to libuv's. The only timing check is a
 * ratio of two durations measured side by side, on a batch sized by
 * timing the serial check once, in the same run, so that it means the
 * same on a fast machine, a slow or busy one, and under a sanitizer.
 *
 * Usage: suite [cmocka-filter]
 */
#include <dlfcn.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <uv.h>

#include "batch.h"
#include "records.h"
#include "records_probe.h"

/* cmocka 1.1.5 writes fail_msg()'s text to stderr, outside its XML report,
 * which is all the grader reads; cm_print_error(), which cmocka exports,
 * writes into the report. So every explanation goes through it. */
void cm_print_error(const char *const format, ...)
    __attribute__((format(printf, 1, 2)));
/* A place in this file. The checking helpers take their caller's and
 * fail there, so that a failure points at the test that called them,
 * where a learner looks, not at a helper many tests share. */
typedef struct place {
  const char *file;
  int line;
} place_t;

#define HERE ((place_t){__FILE__, __LINE__})

#define fail_explained_at(at, ...)                                             \
  do {                                                                         \
    cm_print_error(__VA_ARGS__);                                               \
    cm_print_error("\n");                                                      \
    _fail((at).file, (at).line);                                               \
  } while (0)
#define fail_explained(...) fail_explained_at(HERE, __VA_ARGS__)

#define SEE_CONTRACT "see README: The contract"
#define SEE_OVERHEAD "see README: What a request costs"
#define SEE_FIX "see README: The fix"
#define SEE_SIZING "see README: Sizing the chunks from the work"
#define SEE_INLINE "see README: Small batches stay on the loop"
#define SEE_ORDER "see README: Results in record order"

/* The longest gap between two heartbeats, against the batch's duration,
 * and how many runs may try to stay under it. */
#define MAX_HEARTBEAT_GAP_SHARE 0.25
#define MAX_HEARTBEAT_RUNS 3u
/* How long the heartbeat's batch takes to check serially, in ms of CPU
 * time: long enough that a blocked loop is plain to see against a 1 ms
 * heartbeat, short enough that the suite answers well within half a
 * second of a save. */
#define HEARTBEAT_BATCH_MS 80.0
#define HEARTBEAT_ROUNDS 256u
/* The calibration: the runs of a small batch that measure the check's
 * speed, each at least this long. */
#define CALIBRATION_RUNS 3u
#define CALIBRATION_MIN_MS 2.0

#define NS_PER_MS 1e6

/* ------------------------------------------------------------------------
 * Counting uv_queue_work()
 * ------------------------------------------------------------------------ */

/* The suite defines uv_queue_work() itself, so that the learner's calls
 * reach this one (the program's own definition comes before the
 * library's), counts them and hands over to libuv's. A count is the same
 * on every machine and under every tool, where the time the requests cost
 * is not. */
typedef int (*uv_queue_work_fn)(uv_loop_t *, uv_work_t *, uv_work_cb,
                                uv_after_work_cb);

static uv_queue_work_fn libuv_queue_work;
static atomic_uint requests_queued;

int uv_queue_work(uv_loop_t *loop, uv_work_t *req, uv_work_cb work_cb,
                  uv_after_work_cb after_work_cb) {
  atomic_fetch_add(&requests_queued, 1);
  return libuv_queue_work(loop, req, work_cb, after_work_cb);
}

/* ------------------------------------------------------------------------
 * Running a batch on a loop of its own
 * ------------------------------------------------------------------------ */

/* Past the last checksum, a few words the batch must leave alone. */
#define GUARD_WORDS 4u
#define GUARD UINT64_C(0x6a09e667f3bcc908)

/* What a test knows about one batch: filled in by on_done() and run(). */
typedef struct outcome {
  batch_spec_t spec;
  uint64_t *checks; /* spec.tasks checksums, then GUARD_WORDS guards */
  unsigned reports;
  bool reported_inside_start;
  unsigned requests; /* uv_queue_work() calls while it ran */
} outcome_t;

static void on_done(void *arg) {
  outcome_t *out = arg;

  out->reports++;
}

static void describe(const batch_spec_t *spec, char *text, size_t size) {
  snprintf(text, size, "a batch of %zu tasks of %u rounds (seed 0x%llx)",
           spec->tasks, (unsigned)spec->rounds, (unsigned long long)spec->seed);
}

/* Sets up `out` for `spec`: its checksums zeroed, its guards set. */
static void outcome_init(outcome_t *out, const batch_spec_t *spec) {
  memset(out, 0, sizeof(*out));
  out->spec = *spec;
  out->checks = calloc(spec->tasks + GUARD_WORDS, sizeof(uint64_t));
  assert_non_null(out->checks);
  for (unsigned g = 0; g < GUARD_WORDS; g++)
    out->checks[spec->tasks + g] = GUARD;
}

static void outcome_free(outcome_t *out) {
  free(out->checks);
  out->checks = NULL;
}

/* Starts `out`'s batch on `loop`, and checks that the start worked. A
 * report from inside batch_start() is noted, and failed by
 * expect_serial_result() once the loop has run: failing here would leave
 * the batch's requests in flight on a loop the test abandons. */
static void start_or_fail_at(place_t at, uv_loop_t *loop, outcome_t *out) {
  char what[128];
  int err;

  describe(&out->spec, what, sizeof(what));
  err = batch_start(loop, &out->spec, out->checks, on_done, out);
  if (err != 0)
    fail_explained_at(at, "%s: batch_start() failed: %s (%s)\n" SEE_CONTRACT,
                      what, uv_strerror(err), uv_err_name(err));
  out->reported_inside_start = out->reports != 0;
}
#define start_or_fail(...) start_or_fail_at(HERE, __VA_ARGS__)

/* Closes a loop that every batch has left, or fails naming what is
 * still open. */
static void close_loop_or_fail_at(place_t at, uv_loop_t *loop,
                                  const char *what) {
  int err = uv_loop_close(loop);

  if (err != 0)
    fail_explained_at(at,
                      "%s: after the batch reported, the loop still holds a "
                      "handle or a request (uv_loop_close(): %s)\n"
                      "  expected: a batch leaves nothing behind once it has "
                      "reported\n" SEE_CONTRACT,
                      what, uv_err_name(err));
}
#define close_loop_or_fail(...) close_loop_or_fail_at(HERE, __VA_ARGS__)

/* Runs `out`'s batch to the end on a fresh loop, counting its requests. */
static void run_at(place_t at, outcome_t *out) {
  char what[128];
  uv_loop_t loop;

  describe(&out->spec, what, sizeof(what));
  assert_int_equal(uv_loop_init(&loop), 0);
  atomic_store(&requests_queued, 0);
  start_or_fail_at(at, &loop, out);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  out->requests = atomic_load(&requests_queued);
  close_loop_or_fail_at(at, &loop, what);
}
#define run(...) run_at(HERE, __VA_ARGS__)

/* Checks that a batch reported once, with the serial checksums in place
 * and nothing written past them. */
static void expect_serial_result_at(place_t at, const outcome_t *out,
                                    const char *see) {
  const batch_spec_t *spec = &out->spec;
  char what[128];

  describe(spec, what, sizeof(what));
  if (out->reported_inside_start)
    fail_explained_at(at,
                      "%s: the done callback ran inside batch_start()\n"
                      "  expected: the report comes later, from the loop\n"
                      "    actual: it came before batch_start() returned, "
                      "so the caller sees its result before its own start "
                      "returns (Node's rule: never call back "
                      "synchronously)\n" SEE_INLINE,
                      what);
  if (out->reports != 1)
    fail_explained_at(
        at, "%s reported %u times\n  expected: exactly once\n" SEE_CONTRACT,
        what, out->reports);
  for (unsigned g = 0; g < GUARD_WORDS; g++)
    if (out->checks[spec->tasks + g] != GUARD)
      fail_explained_at(at,
                        "%s wrote past its last checksum, at checks[%zu]\n"
                        "  expected: only checks[0] to checks[%zu] "
                        "written\n" SEE_CONTRACT,
                        what, spec->tasks + g,
                        spec->tasks > 0 ? spec->tasks - 1 : 0);
  for (size_t i = 0; i < spec->tasks; i++) {
    uint64_t expected = record_check(spec->seed, i, spec->rounds);
    if (out->checks[i] != expected)
      fail_explained_at(at,
                        "%s: checks[%zu]\n"
                        "  expected: 0x%016llx, record %zu's checksum "
                        "(record_check(), the serial answer)\n"
                        "    actual: 0x%016llx\n"
                        "each chunk writes the checksums of its own "
                        "records, each in its record's place, whatever "
                        "order the chunks finish in\n%s",
                        what, i, (unsigned long long)expected, i,
                        (unsigned long long)out->checks[i], see);
  }
}
#define expect_serial_result(...) expect_serial_result_at(HERE, __VA_ARGS__)

/* The most requests batch_plan_chunks() allows for `spec` (batch.h). */
static uint64_t most_requests(const batch_spec_t *spec, unsigned threads) {
  uint64_t most = (uint64_t)BATCH_MAX_CHUNKS_PER_THREAD * threads;
  uint64_t paid = batch_rounds(spec) / BATCH_MIN_CHUNK_ROUNDS;

  if (batch_rounds(spec) < BATCH_INLINE_ROUNDS)
    return 0;
  if (paid < most)
    most = paid;
  return spec->tasks < most ? spec->tasks : most;
}

/* The fewest requests batch_plan_chunks() allows for `spec` (batch.h). */
static uint64_t least_requests(const batch_spec_t *spec, unsigned threads) {
  uint64_t least = threads;
  uint64_t paid = batch_rounds(spec) / BATCH_MIN_CHUNK_ROUNDS;

  if (batch_rounds(spec) < BATCH_INLINE_ROUNDS)
    return 0;
  if (paid < least)
    least = paid;
  return spec->tasks < least ? spec->tasks : least;
}

/* The tasks of HEARTBEAT_ROUNDS rounds one millisecond of this thread's
 * CPU time checks, measured once per process: a small batch timed a few
 * times, and the fastest run counts, since a run the scheduler interrupts
 * only looks slower. CPU time, so that a busy machine does not change it. */
static double tasks_per_cpu_ms(void) {
  static double per_ms;
  static uint64_t checks[1u << 16];
  size_t tasks = 16;
  unsigned runs = 0;

  if (per_ms > 0)
    return per_ms;
  while (runs < CALIBRATION_RUNS) {
    struct timespec a, b;
    double ms;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    records_check_range(0xca1, 0, tasks, HEARTBEAT_ROUNDS, checks);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
         (double)(b.tv_nsec - a.tv_nsec) / NS_PER_MS;
    if (ms < CALIBRATION_MIN_MS && tasks < sizeof(checks) / sizeof(checks[0])) {
      tasks *= 2;
      continue;
    }
    if ((double)tasks / ms > per_ms)
      per_ms = (double)tasks / ms;
    runs++;
  }
  return per_ms;
}

/* A batch that takes `ms` of CPU time to check serially here and now:
 * the same test on a machine twice as fast, or under a sanitizer, gets a
 * batch of the same duration instead of a meaningless one. */
static batch_spec_t timed_batch(uint64_t seed, double ms) {
  batch_spec_t spec = {seed, 0, HEARTBEAT_ROUNDS};

  spec.tasks = (size_t)ceil(ms * tasks_per_cpu_ms());
  return spec;
}

/* ------------------------------------------------------------------------
 * The lesson: a request per chunk of work, not per task
 * ------------------------------------------------------------------------ */

static void test_batch_of_tiny_tasks_makes_few_requests(void **state) {
  const batch_spec_t spec = {0x7e1, 8192, 32};
  const unsigned threads = records_pool_threads();
  const uint64_t most = most_requests(&spec, threads);
  char what[128];
  outcome_t out;

  (void)state;
  describe(&spec, what, sizeof(what));
  outcome_init(&out, &spec);
  run(&out);
  if (out.requests > most)
    fail_explained("%s (about 100 ns each) on a pool of %u threads: %u "
                   "uv_queue_work() requests\n"
                   "  expected: at most %llu: a few per pool thread, each "
                   "carrying %llu rounds or more\n"
                   "    actual: %.1f tasks per request: each request costs "
                   "a queue under a mutex, a thread to wake, a handoff "
                   "back and an after-work callback on the loop, more "
                   "than the task it carries, so the batch spends its "
                   "time being shipped; cut it into chunks of many "
                   "tasks\n" SEE_OVERHEAD "; " SEE_SIZING,
                   what, threads, out.requests, (unsigned long long)most,
                   (unsigned long long)BATCH_MIN_CHUNK_ROUNDS,
                   out.requests > 0 ? (double)spec.tasks / out.requests : 0.0);
  expect_serial_result(&out, SEE_ORDER);
  outcome_free(&out);
}

/* ------------------------------------------------------------------------
 * The plan
 * ------------------------------------------------------------------------ */

static void test_plan_keeps_a_small_batch_on_the_loop(void **state) {
  const batch_spec_t small[] = {{1, 0, 1000},  {1, 1, 1000},  {1, 3, 32},
                                {1, 100, 64},  {1, 1000, 32}, {1, 2, 16383},
                                {1, 16, 2047}, {1, 1, 32767}};
  const batch_spec_t large[] = {{1, 1, 32768}, {1, 2, 16384}, {1, 1024, 32}};

  (void)state;
  for (size_t s = 0; s < sizeof(small) / sizeof(small[0]); s++) {
    size_t chunks = batch_plan_chunks(&small[s], 4);
    if (chunks != 0)
      fail_explained("batch_plan_chunks(%zu tasks of %u rounds, 4 pool "
                     "threads)\n"
                     "  expected: 0, the batch checked on the loop: %llu "
                     "rounds in all, under BATCH_INLINE_ROUNDS (%llu), "
                     "cost less than a trip to the pool and back\n"
                     "    actual: %zu\n" SEE_INLINE,
                     small[s].tasks, (unsigned)small[s].rounds,
                     (unsigned long long)batch_rounds(&small[s]),
                     (unsigned long long)BATCH_INLINE_ROUNDS, chunks);
  }
  for (size_t s = 0; s < sizeof(large) / sizeof(large[0]); s++) {
    size_t chunks = batch_plan_chunks(&large[s], 4);
    if (chunks == 0)
      fail_explained("batch_plan_chunks(%zu tasks of %u rounds, 4 pool "
                     "threads)\n"
                     "  expected: at least 1 chunk: %llu rounds in all, "
                     "BATCH_INLINE_ROUNDS or more, are worth the pool\n"
                     "    actual: 0, the whole batch on the loop's "
                     "thread\n" SEE_INLINE,
                     large[s].tasks, (unsigned)large[s].rounds,
                     (unsigned long long)batch_rounds(&large[s]));
  }
}

/* Batches above the inline floor, from just above it to very large. */
static const batch_spec_t planned[] = {
    {1, 1, 40000},      {1, 3, 20000},       {1, 1024, 32},
    {1, 2048, 64},      {1, 8192, 32},       {1, 100000, 100},
    {1, 1000000, 1000}, {1, 10000000, 4000}, {1, 64, 1000000}};
static const unsigned pools[] = {1, 2, 3, 4, 8, 64};

static void
test_plan_gives_every_pool_thread_a_chunk_it_pays_for(void **state) {
  (void)state;
  for (size_t p = 0; p < sizeof(pools) / sizeof(pools[0]); p++)
    for (size_t s = 0; s < sizeof(planned) / sizeof(planned[0]); s++) {
      const batch_spec_t *spec = &planned[s];
      size_t chunks = batch_plan_chunks(spec, pools[p]);
      uint64_t least = least_requests(spec, pools[p]);
      if (chunks < least)
        fail_explained(
            "batch_plan_chunks(%zu tasks of %u rounds, %u pool "
            "threads)\n"
            "  expected: at least %llu chunks, one for each pool "
            "thread the batch's %llu rounds can pay a request "
            "for\n"
            "    actual: %zu, so pool threads sit idle while "
            "the batch runs on fewer cores than it could\n" SEE_SIZING,
            spec->tasks, (unsigned)spec->rounds, pools[p],
            (unsigned long long)least, (unsigned long long)batch_rounds(spec),
            chunks);
    }
}

static void test_plan_keeps_every_chunk_worth_a_request(void **state) {
  (void)state;
  for (size_t p = 0; p < sizeof(pools) / sizeof(pools[0]); p++)
    for (size_t s = 0; s < sizeof(planned) / sizeof(planned[0]); s++) {
      const batch_spec_t *spec = &planned[s];
      size_t chunks = batch_plan_chunks(spec, pools[p]);
      uint64_t most = most_requests(spec, pools[p]);
      if (chunks > most)
        fail_explained(
            "batch_plan_chunks(%zu tasks of %u rounds, %u pool threads)\n"
            "  expected: at most %llu chunks: no more than %u per pool "
            "thread, none empty, and %llu rounds or more each on average "
            "(the batch has %llu)\n"
            "    actual: %zu: a chunk carrying less work than a request "
            "costs makes the batch slower than checking it on one thread, "
            "and more chunks per thread than a few buy no more "
            "balance\n" SEE_OVERHEAD "; " SEE_SIZING,
            spec->tasks, (unsigned)spec->rounds, pools[p],
            (unsigned long long)most, BATCH_MAX_CHUNKS_PER_THREAD,
            (unsigned long long)BATCH_MIN_CHUNK_ROUNDS,
            (unsigned long long)batch_rounds(spec), chunks);
    }
}

/* ------------------------------------------------------------------------
 * Results
 * ------------------------------------------------------------------------ */

static void test_batch_start_rejects_missing_arguments(void **state) {
  batch_spec_t spec = {1, 10, 10};
  uint64_t checks[10];
  outcome_t out = {0};
  uv_loop_t loop;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  if (batch_start(NULL, &spec, checks, on_done, &out) != UV_EINVAL ||
      batch_start(&loop, NULL, checks, on_done, &out) != UV_EINVAL ||
      batch_start(&loop, &spec, NULL, on_done, &out) != UV_EINVAL ||
      batch_start(&loop, &spec, checks, NULL, &out) != UV_EINVAL)
    fail_explained("batch_start() with a NULL loop, spec, checks or "
                   "callback\n"
                   "  expected: UV_EINVAL, and nothing started\n" SEE_CONTRACT);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(out.reports, 0);
  close_loop_or_fail(&loop, "after batch_start() refused to start");
}

static void
test_batch_equals_the_serial_answer_for_several_sizes(void **state) {
  const batch_spec_t specs[] = {{0x5e0, 0, 1000},   {0x5e1, 1, 1000},
                                {0x5e2, 2, 64},     {0x5e3, 1, 40000},
                                {0x5e4, 3, 20000},  {0x5e5, 5, 16384},
                                {0x5e6, 17, 3000},  {0x5e7, 1000, 64},
                                {0x5e8, 4099, 100}, {0x5e9, 65, 1001}};

  (void)state;
  for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
    outcome_t out;
    outcome_init(&out, &specs[i]);
    run(&out);
    expect_serial_result(&out, SEE_ORDER);
    outcome_free(&out);
  }
}

static void test_batch_two_in_flight_keep_their_own_results(void **state) {
  const batch_spec_t specs[] = {
      {0xa, 3001, 300}, {0xb, 2003, 500}, {0xc, 10, 30}};
  outcome_t out[3];
  uv_loop_t loop;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  for (size_t i = 0; i < 3; i++) {
    outcome_init(&out[i], &specs[i]);
    start_or_fail(&loop, &out[i]);
  }
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  close_loop_or_fail(&loop, "three batches in flight on one loop");
  for (size_t i = 0; i < 3; i++) {
    expect_serial_result(&out[i], "three batches were in flight at once: "
                                  "nothing of a batch may be shared with "
                                  "another (no static state)\n" SEE_ORDER);
    outcome_free(&out[i]);
  }
}

/* ------------------------------------------------------------------------
 * Where the tasks run
 * ------------------------------------------------------------------------ */

/* libuv 1.44's limit on UV_THREADPOOL_SIZE. */
#define MAX_POOL_THREADS 1024u
/* How long the pool's threads may take to meet, and how long the first
 * task begun on a pool thread waits for another thread to begin one:
 * bounds that only end a wait that would otherwise never end, never
 * verdicts. */
#define MEET_LIMIT_NS 10000000000ull
#define HOLD_LIMIT_NS 1000000000ull

/* libuv's pool threads, told apart by meeting them: the suite queues one
 * request of its own per pool thread, and each waits in meet() until all
 * have arrived, so each is on a different thread. The threads live until
 * uv_library_shutdown(), so they are met once for the whole suite. */
typedef struct pool {
  uv_mutex_t lock;
  uv_cond_t all_met;
  unsigned size; /* records_pool_threads() */
  unsigned met;  /* the threads that reached meet(), under lock */
  uv_thread_t threads[MAX_POOL_THREADS];
  uv_work_t reqs[MAX_POOL_THREADS];
} pool_t;

static pool_t pool;

static void meet(uv_work_t *req) {
  (void)req;
  uv_mutex_lock(&pool.lock);
  pool.threads[pool.met++] = uv_thread_self();
  uv_cond_broadcast(&pool.all_met);
  while (pool.met < pool.size)
    if (uv_cond_timedwait(&pool.all_met, &pool.lock, MEET_LIMIT_NS) != 0)
      break;
  uv_mutex_unlock(&pool.lock);
}

static void met(uv_work_t *req, int status) {
  (void)req;
  (void)status;
}

/* Meets the pool's threads once; fails the test if they cannot all be met
 * (a pool of one thread cannot show two threads at work). */
static const pool_t *pool_or_fail(void) {
  static int found;
  uv_loop_t loop;

  if (!found) {
    pool.size = records_pool_threads();
    assert_int_equal(uv_mutex_init(&pool.lock), 0);
    assert_int_equal(uv_cond_init(&pool.all_met), 0);
    assert_int_equal(uv_loop_init(&loop), 0);
    for (unsigned t = 0; t < pool.size; t++)
      assert_int_equal(uv_queue_work(&loop, &pool.reqs[t], meet, met), 0);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(uv_loop_close(&loop), 0);
    found = 1;
  }
  if (pool.met != pool.size || pool.size < 2)
    fail_explained("the suite met %u of the thread pool's %u thread(s)\n"
                   "  expected: at least 2 threads, all met, so that the "
                   "suite can tell which threads run a batch "
                   "(UV_THREADPOOL_SIZE=%s in this run; unset it)",
                   pool.met, pool.size,
                   getenv("UV_THREADPOOL_SIZE") ? getenv("UV_THREADPOOL_SIZE")
                                                : "(unset)");
  return &pool;
}

/* What the probe saw of one batch: which threads began its tasks. The
 * first pool thread to begin one waits (up to HOLD_LIMIT_NS) for another
 * thread to begin one too, so that a batch cut into several requests
 * shows two threads at work however the threads are scheduled (valgrind
 * runs one at a time), and a batch in one request shows one, every run.
 * Counters are atomic: several threads report at once. */
typedef struct watch {
  uint64_t seed; /* the batch's tasks are those of this seed */
  uv_thread_t loop_thread;
  const pool_t *pool;
  atomic_uint_fast64_t on_loop, on_pool, elsewhere;
  atomic_bool used[MAX_POOL_THREADS]; /* pool threads that began a task */
  int holding;
  uv_mutex_t lock; /* guards the fields below */
  uv_cond_t changed;
  int first_began;
  uv_thread_t first_thread;
  atomic_bool other_began; /* a thread other than the first began a task */
  int expired;             /* the hold ended at its limit */
} watch_t;

/* Static: a thread of the learner's own could still report after the
 * test returns. */
static watch_t watch;

/* The hold, for a task that pool thread `self` begins. */
static void hold_back(watch_t *w, uv_thread_t self) {
  uint64_t start = uv_hrtime(), waited;

  if (atomic_load(&w->other_began))
    return; /* the common case, without the lock */
  uv_mutex_lock(&w->lock);
  if (!w->first_began) {
    w->first_began = 1;
    w->first_thread = self;
  } else if (!uv_thread_equal(&self, &w->first_thread)) {
    atomic_store(&w->other_began, true);
    uv_cond_broadcast(&w->changed);
  }
  while (!w->expired && !atomic_load(&w->other_began)) {
    waited = uv_hrtime() - start;
    if (waited >= HOLD_LIMIT_NS ||
        uv_cond_timedwait(&w->changed, &w->lock, HOLD_LIMIT_NS - waited) ==
            UV_ETIMEDOUT)
      w->expired = 1;
  }
  uv_mutex_unlock(&w->lock);
}

static void observe(void *arg, uint64_t seed, uint64_t index,
                    record_event_t event) {
  watch_t *w = arg;
  uv_thread_t self = uv_thread_self();
  unsigned t = 0;

  (void)index;
  if (seed != w->seed || event != RECORD_CHECK_BEGINS)
    return;
  if (uv_thread_equal(&self, &w->loop_thread)) {
    /* Holding the loop's thread would hold everything. */
    atomic_fetch_add(&w->on_loop, 1);
    return;
  }
  while (t < w->pool->size && !uv_thread_equal(&self, &w->pool->threads[t]))
    t++;
  if (t == w->pool->size) {
    atomic_fetch_add(&w->elsewhere, 1);
    return;
  }
  atomic_fetch_add(&w->on_pool, 1);
  atomic_store(&w->used[t], true);
  if (w->holding)
    hold_back(w, self);
}

static const records_probe_t probe = {observe, &watch};

/* Starts watching the tasks of `spec`, holding the first pool thread back
 * if asked. */
static void watch_start(const batch_spec_t *spec, int holding) {
  const pool_t *p = pool_or_fail();

  watch.seed = spec->seed;
  watch.loop_thread = uv_thread_self();
  watch.pool = p;
  atomic_init(&watch.on_loop, 0);
  atomic_init(&watch.on_pool, 0);
  atomic_init(&watch.elsewhere, 0);
  for (unsigned t = 0; t < MAX_POOL_THREADS; t++)
    atomic_init(&watch.used[t], false);
  watch.holding = holding;
  assert_int_equal(uv_mutex_init(&watch.lock), 0);
  assert_int_equal(uv_cond_init(&watch.changed), 0);
  watch.first_began = watch.expired = 0;
  atomic_init(&watch.other_began, false);
  records_probe_set(&probe);
}

static void watch_stop(void) {
  records_probe_set(NULL);
  uv_cond_destroy(&watch.changed);
  uv_mutex_destroy(&watch.lock);
}

static unsigned pool_threads_used(void) {
  unsigned used = 0;

  for (unsigned t = 0; t < watch.pool->size; t++)
    used += atomic_load(&watch.used[t]) ? 1u : 0u;
  return used;
}

static void test_batch_too_small_for_the_pool_stays_on_the_loop(void **state) {
  const batch_spec_t spec = {0x5a11, 16, 32};
  char what[128];
  outcome_t out;

  (void)state;
  describe(&spec, what, sizeof(what));
  outcome_init(&out, &spec);
  watch_start(&spec, 0);
  run(&out);
  watch_stop();
  if (out.requests > 0)
    fail_explained(
        "%s, %llu rounds in all (under BATCH_INLINE_ROUNDS, "
        "%llu): %u uv_queue_work() request(s)\n"
        "  expected: none: the whole batch costs less than one "
        "trip to the pool and back, so it is checked on the "
        "loop's thread, in a callback of the loop's own\n" SEE_INLINE,
        what, (unsigned long long)batch_rounds(&spec),
        (unsigned long long)BATCH_INLINE_ROUNDS, out.requests);
  if (atomic_load(&watch.on_loop) != spec.tasks)
    fail_explained("%s: %llu of its tasks were checked on the loop's "
                   "thread (%llu on the pool's, %llu elsewhere)\n"
                   "  expected: all %zu, on the loop's thread\n" SEE_INLINE,
                   what, (unsigned long long)atomic_load(&watch.on_loop),
                   (unsigned long long)atomic_load(&watch.on_pool),
                   (unsigned long long)atomic_load(&watch.elsewhere),
                   spec.tasks);
  expect_serial_result(&out, SEE_INLINE);
  outcome_free(&out);
}

static void test_batch_large_runs_on_two_pool_threads_or_more(void **state) {
  const batch_spec_t spec = {0x9001, 4099, 200};
  const unsigned threads = records_pool_threads();
  char what[128];
  outcome_t out;
  uint64_t on_loop, elsewhere;

  (void)state;
  describe(&spec, what, sizeof(what));
  outcome_init(&out, &spec);
  watch_start(&spec, 1);
  run(&out);
  watch_stop();
  on_loop = atomic_load(&watch.on_loop);
  elsewhere = atomic_load(&watch.elsewhere);
  if (on_loop > 0)
    fail_explained("%s, %llu rounds in all: %llu of its tasks were checked "
                   "on the loop's thread\n"
                   "  expected: a batch this large on libuv's pool, in "
                   "work callbacks (uv_queue_work()): checked on the loop, "
                   "it stops every timer and every read for as long as it "
                   "takes\n" SEE_FIX,
                   what, (unsigned long long)batch_rounds(&spec),
                   (unsigned long long)on_loop);
  if (elsewhere > 0)
    fail_explained("%s: %llu of its tasks were checked on threads that are "
                   "not libuv's pool\n"
                   "  expected: every task in a work callback of "
                   "uv_queue_work(), on a pool thread\n" SEE_FIX,
                   what, (unsigned long long)elsewhere);
  if (pool_threads_used() < 2)
    fail_explained("%s on a pool of %u threads: its tasks ran on %u pool "
                   "thread(s) (%u request(s))\n"
                   "  expected: at least 2, side by side: a batch this "
                   "large pays for a request per pool thread\n"
                   "    actual: one request for the whole batch runs on "
                   "one core however many the pool has\n" SEE_SIZING,
                   what, threads, pool_threads_used(), out.requests);
  expect_serial_result(&out, SEE_ORDER);
  outcome_free(&out);
}

/* ------------------------------------------------------------------------
 * The loop's heartbeat
 * ------------------------------------------------------------------------ */

/* A 1 ms repeating timer that records the longest gap between two beats,
 * the way Node's monitorEventLoopDelay() samples the loop's delay. */
typedef struct heartbeat {
  uv_timer_t timer; /* closed by on_done_stop_heartbeat(), or by the test
                       if the batch never reports */
  uint64_t last_ns;
  uint64_t max_gap_ns;
  uint64_t done_ns;
  unsigned beats;
  outcome_t out;
} heartbeat_t;

static void beat(uv_timer_t *timer) {
  heartbeat_t *hb = timer->data;
  uint64_t now = uv_hrtime();

  if (now - hb->last_ns > hb->max_gap_ns)
    hb->max_gap_ns = now - hb->last_ns;
  hb->last_ns = now;
  hb->beats++;
}

static void on_done_stop_heartbeat(void *arg) {
  heartbeat_t *hb = arg;

  on_done(&hb->out);
  if (uv_is_closing((uv_handle_t *)&hb->timer))
    return; /* a second report: the test fails on the count */
  hb->done_ns = uv_hrtime();
  /* The stretch from the last beat to the end counts as a gap too. */
  beat(&hb->timer);
  uv_close((uv_handle_t *)&hb->timer, NULL);
}

/* Runs `spec` once on a fresh loop with a heartbeat, checks its result,
 * and returns the longest gap between beats and the batch's duration. */
static void measure_heartbeat(const batch_spec_t *spec, uint64_t *gap_ns,
                              uint64_t *batch_ns, unsigned *beats) {
  const char *what = "the loop's heartbeat while a batch ran";
  heartbeat_t hb = {0};
  uint64_t start_ns;
  uv_loop_t loop;
  int err;

  outcome_init(&hb.out, spec);
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(uv_timer_init(&loop, &hb.timer), 0);
  hb.timer.data = &hb;
  assert_int_equal(uv_timer_start(&hb.timer, beat, 1, 1), 0);
  /* Only the batch keeps the loop alive, so one that never reports ends
   * the run (and fails below) instead of hanging the suite. */
  uv_unref((uv_handle_t *)&hb.timer);
  start_ns = hb.last_ns = uv_hrtime();
  err = batch_start(&loop, spec, hb.out.checks, on_done_stop_heartbeat, &hb);
  if (err != 0)
    fail_explained("batch_start() failed: %s\n" SEE_CONTRACT, uv_strerror(err));
  hb.out.reported_inside_start = hb.out.reports != 0;
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  if (!uv_is_closing((uv_handle_t *)&hb.timer)) {
    uv_close((uv_handle_t *)&hb.timer, NULL);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  }
  close_loop_or_fail(&loop, what);
  expect_serial_result(&hb.out, SEE_ORDER);
  outcome_free(&hb.out);
  *gap_ns = hb.max_gap_ns;
  *batch_ns = hb.done_ns - start_ns;
  *beats = hb.beats;
}

static void
test_loop_keeps_its_heartbeat_while_a_large_batch_runs(void **state) {
  uint64_t gap_ns = 0, batch_ns = 1;
  batch_spec_t spec;
  double share = 2;
  unsigned beats = 0, attempt;

  (void)state;
  /* libuv starts its pool's threads on the first request of the process,
   * and waits for them: a one-time cost that is not the batch's. Meeting
   * them first pays it before the measurement. */
  (void)pool_or_fail();
  spec = timed_batch(0xe, HEARTBEAT_BATCH_MS);
  /* On a shared machine a thread can wait tens of milliseconds for a core
   * once in a while: up to three runs, and the best one counts. A batch
   * that blocks the loop gets the same verdict every time. */
  for (attempt = 1; attempt <= MAX_HEARTBEAT_RUNS; attempt++) {
    measure_heartbeat(&spec, &gap_ns, &batch_ns, &beats);
    share = (double)gap_ns / (double)batch_ns;
    if (share <= MAX_HEARTBEAT_GAP_SHARE)
      return;
  }
  fail_explained(
      "the loop's heartbeat while a batch of %zu tasks ran: a 1 ms timer "
      "beat %u time(s) in %.1f ms\n"
      "  expected: no gap between beats longer than %.0f%% of the batch\n"
      "    actual: the longest gap was %.1f ms, %.0f%% of the batch (the "
      "best of %u runs): for that long the loop could run no timer, no "
      "I/O, nothing; only a batch under BATCH_INLINE_ROUNDS may run on "
      "the loop\n" SEE_INLINE "; " SEE_FIX,
      spec.tasks, beats, (double)batch_ns / NS_PER_MS,
      100.0 * MAX_HEARTBEAT_GAP_SHARE, (double)gap_ns / NS_PER_MS,
      100.0 * share, MAX_HEARTBEAT_RUNS);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_of_tiny_tasks_makes_few_requests),
      cmocka_unit_test(test_plan_keeps_a_small_batch_on_the_loop),
      cmocka_unit_test(test_plan_gives_every_pool_thread_a_chunk_it_pays_for),
      cmocka_unit_test(test_plan_keeps_every_chunk_worth_a_request),
      cmocka_unit_test(test_batch_start_rejects_missing_arguments),
      cmocka_unit_test(test_batch_equals_the_serial_answer_for_several_sizes),
      cmocka_unit_test(test_batch_two_in_flight_keep_their_own_results),
      cmocka_unit_test(test_batch_too_small_for_the_pool_stays_on_the_loop),
      cmocka_unit_test(test_batch_large_runs_on_two_pool_threads_or_more),
      cmocka_unit_test(test_loop_keeps_its_heartbeat_while_a_large_batch_runs),
  };
  int failed;

  libuv_queue_work = (uv_queue_work_fn)dlsym(RTLD_NEXT, "uv_queue_work");
  if (libuv_queue_work == NULL) {
    fprintf(stderr, "error: cannot find libuv's uv_queue_work\n");
    return 1;
  }
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("08-worker-overhead", tests, NULL, NULL);
  uv_library_shutdown();
  return failed;
}

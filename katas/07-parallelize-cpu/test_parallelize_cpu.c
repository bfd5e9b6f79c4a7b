/* The suite of kata 07, "Parallelize CPU work". Read README.md first.
 *
 * It checks the learner's job.c: the loop's heartbeat while a job runs
 * (first, since it is what the kata is about), the chunk plan, the digest
 * against the serial answer of workload.c for several sizes (0 and 1 items
 * included), the same digest run after run and with two jobs in flight,
 * where the items are digested (on libuv's pool, in requests queued with
 * uv_queue_work(), on two threads at once), and cancellation before and
 * during a run.
 *
 * Nothing here compares a duration with a fixed number of milliseconds:
 * batches are sized by timing the serial digest first, once, in the same
 * run, and each timing check is a ratio of two durations measured side by
 * side, so that it means the same on a fast machine, a slow or busy one,
 * and under a sanitizer.
 *
 * Usage: suite [cmocka-filter]
 */
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

#include "job.h"
#include "workload.h"
#include "workload_probe.h"

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
#define SEE_HEARTBEAT "see README: Why the heartbeat stops"
#define SEE_FIX "see README: The fix"
#define SEE_SIZING "see README: Sizing the chunks"
#define SEE_COMBINE "see README: Combining in order"
#define SEE_CANCEL "see README: Cancelling"

/* The longest gap between two heartbeats, against the job's duration, and
 * how many runs may try to stay under it. */
#define MAX_HEARTBEAT_GAP_SHARE 0.25
#define MAX_HEARTBEAT_RUNS 3u
/* The time from job_cancel() to the report, against the serial time. */
#define MAX_CANCEL_DELAY_SHARE 0.5
/* How long the timed batches take to digest serially, in ms of CPU time:
 * long enough that a blocked loop is plain to see against a 1 ms
 * heartbeat, short enough that the suite answers within a second of a
 * save. The cancelled batch costs only the time to its cancellation. */
#define HEARTBEAT_BATCH_MS 200.0
#define CANCELLED_BATCH_MS 400.0
/* The calibration: the runs of a small batch that measure the digest's
 * speed, each at least this long, and the rounds of every timed batch. */
#define CALIBRATION_RUNS 3u
#define CALIBRATION_MIN_MS 2.0
#define TIMED_ROUNDS 2000u

#define NS_PER_MS 1e6

/* ------------------------------------------------------------------------
 * Running a job on a loop of its own
 * ------------------------------------------------------------------------ */

/* What a test knows about one job: filled in by on_done(). */
typedef struct outcome {
  unsigned reports;
  int status;
  job_result_t result;
  uint64_t done_ns; /* uv_hrtime() when the first report came */
} outcome_t;

static void on_done(int status, job_result_t result, void *arg) {
  outcome_t *out = arg;

  if (out->reports++ == 0) {
    out->status = status;
    out->result = result;
    out->done_ns = uv_hrtime();
  }
}

static void describe(const job_spec_t *spec, char *text, size_t size) {
  snprintf(text, size, "a job of %zu items (seed 0x%llx, %u rounds)",
           spec->items, (unsigned long long)spec->seed, (unsigned)spec->rounds);
}

/* Starts `spec` on `loop` reporting into `out`, and checks that the start
 * worked and did not report from inside job_start(). Returns the job. */
static job_t *start_or_fail_at(place_t at, uv_loop_t *loop,
                               const job_spec_t *spec, outcome_t *out) {
  char what[128];
  job_t *job = NULL;
  int err;

  describe(spec, what, sizeof(what));
  memset(out, 0, sizeof(*out));
  err = job_start(loop, spec, on_done, out, &job);
  if (err != 0)
    fail_explained_at(at, "%s: job_start() failed: %s (%s)\n" SEE_CONTRACT,
                      what, uv_strerror(err), uv_err_name(err));
  if (out->reports != 0)
    fail_explained_at(at,
                      "%s: the done callback ran inside job_start()\n"
                      "  expected: the report comes later, from the loop\n"
                      "    actual: it came before job_start() returned, so "
                      "the caller sees its result before its own start "
                      "returns\n" SEE_CONTRACT,
                      what);
  if (job == NULL)
    fail_explained_at(
        at, "%s: job_start() returned 0 but did not set *job\n" SEE_CONTRACT,
        what);
  return job;
}
#define start_or_fail(...) start_or_fail_at(HERE, __VA_ARGS__)

/* Closes a loop that every job has left, or fails the test naming what
 * is still open. */
static void close_loop_or_fail_at(place_t at, uv_loop_t *loop,
                                  const char *what) {
  int err = uv_loop_close(loop);

  if (err != 0)
    fail_explained_at(at,
                      "%s: after the job reported, the loop still holds a "
                      "handle or a request (uv_loop_close(): %s)\n"
                      "  expected: a job leaves nothing behind once it has "
                      "reported\n" SEE_CONTRACT,
                      what, uv_err_name(err));
}
#define close_loop_or_fail(...) close_loop_or_fail_at(HERE, __VA_ARGS__)

/* The serial digest of `spec`, computed once: the runs that retry a
 * timing, and the test that runs one job twenty times, check the same
 * batch again, and the suite should not spend its time recomputing it. */
static uint64_t serial_digest(const job_spec_t *spec) {
  enum { KNOWN = 8 };
  static struct {
    job_spec_t spec;
    uint64_t digest;
  } known[KNOWN];
  static unsigned next;
  unsigned slot;

  for (slot = 0; slot < KNOWN; slot++)
    if (known[slot].spec.items == spec->items && spec->items > 0 &&
        known[slot].spec.seed == spec->seed &&
        known[slot].spec.rounds == spec->rounds)
      return known[slot].digest;
  slot = next++ % KNOWN;
  known[slot].spec = *spec;
  known[slot].digest =
      workload_digest_range(spec->seed, 0, spec->items, spec->rounds);
  return known[slot].digest;
}

/* Checks that a job reported once, with status 0 and the serial digest. */
static void expect_serial_result_at(place_t at, const job_spec_t *spec,
                                    const outcome_t *out, const char *see) {
  char what[128];
  uint64_t expected = serial_digest(spec);

  describe(spec, what, sizeof(what));
  if (out->reports != 1)
    fail_explained_at(
        at, "%s reported %u times\n  expected: exactly once\n" SEE_CONTRACT,
        what, out->reports);
  if (out->status != 0)
    fail_explained_at(at,
                      "%s reported status %s\n  expected: 0, the job was not "
                      "cancelled\n" SEE_CONTRACT,
                      what, uv_err_name(out->status));
  if (out->result.digest != expected || out->result.items != spec->items)
    fail_explained_at(at,
                      "%s\n  expected: digest 0x%016llx over %zu items (the "
                      "serial answer, workload_digest_range())\n"
                      "    actual: digest 0x%016llx over %zu items\n"
                      "each chunk's digest starts from WORKLOAD_DIGEST_EMPTY, "
                      "and the chunks are put together in item order, "
                      "whatever order they finish in\n%s",
                      what, (unsigned long long)expected, spec->items,
                      (unsigned long long)out->result.digest, out->result.items,
                      see);
}
#define expect_serial_result(...) expect_serial_result_at(HERE, __VA_ARGS__)

/* Runs one job to the end on a fresh loop and returns what it reported. */
static outcome_t run_job(const job_spec_t *spec) {
  char what[128];
  uv_loop_t loop;
  outcome_t out;

  describe(spec, what, sizeof(what));
  assert_int_equal(uv_loop_init(&loop), 0);
  (void)start_or_fail(&loop, spec, &out);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  close_loop_or_fail(&loop, what);
  return out;
}

/* The items of TIMED_ROUNDS rounds one millisecond of this thread's CPU
 * time digests, measured once per process: a small batch timed a few
 * times, and the fastest run counts, since a run the scheduler interrupts
 * only looks slower. CPU time, so that a busy machine does not change it. */
static double items_per_cpu_ms(void) {
  static double per_ms;
  size_t items = 16;
  unsigned runs = 0;

  if (per_ms > 0)
    return per_ms;
  while (runs < CALIBRATION_RUNS) {
    struct timespec a, b;
    double ms;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    (void)workload_digest_range(0xca1, 0, items, TIMED_ROUNDS);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
         (double)(b.tv_nsec - a.tv_nsec) / NS_PER_MS;
    if (ms < CALIBRATION_MIN_MS && items < (1u << 24)) {
      items *= 2;
      continue;
    }
    if ((double)items / ms > per_ms)
      per_ms = (double)items / ms;
    runs++;
  }
  return per_ms;
}

/* A batch that takes `ms` of CPU time to digest serially here and now:
 * the same test on a machine twice as fast, or under a sanitizer, gets a
 * batch of the same duration instead of a meaningless one. */
static job_spec_t timed_batch(uint64_t seed, double ms) {
  job_spec_t spec = {seed, 0, TIMED_ROUNDS};

  spec.items = (size_t)ceil(ms * items_per_cpu_ms());
  return spec;
}

/* ------------------------------------------------------------------------
 * The plan
 * ------------------------------------------------------------------------ */

static void test_plan_gives_every_pool_thread_a_chunk(void **state) {
  const unsigned pools[] = {1, 2, 3, 4, 8, 64};
  const size_t sizes[] = {64, 1000, 1000000};

  (void)state;
  for (size_t p = 0; p < sizeof(pools) / sizeof(pools[0]); p++)
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
      size_t chunks = job_plan_chunks(sizes[s], pools[p]);
      if (chunks < pools[p])
        fail_explained(
            "job_plan_chunks(%zu items, %u pool threads)\n"
            "  expected: at least %u chunks, one for each pool thread\n"
            "    actual: %zu, so %u pool thread(s) sit idle while the "
            "job runs\n" SEE_SIZING,
            sizes[s], pools[p], pools[p], chunks, pools[p] - (unsigned)chunks);
    }
}

static void test_plan_never_makes_an_empty_chunk(void **state) {
  (void)state;
  for (size_t items = 1; items <= 8; items++)
    for (unsigned pool = 1; pool <= 16; pool *= 2) {
      size_t chunks = job_plan_chunks(items, pool);
      size_t want = items < pool ? items : pool;
      if (chunks > items || chunks < want)
        fail_explained("job_plan_chunks(%zu items, %u pool threads)\n"
                       "  expected: from %zu to %zu chunks: each pool "
                       "thread that can get an item does, and no chunk is "
                       "empty\n    actual: %zu\n" SEE_SIZING,
                       items, pool, want, items, chunks);
    }
}

static void test_plan_keeps_each_chunk_worth_a_work_request(void **state) {
  const unsigned pools[] = {1, 2, 4, 128};

  (void)state;
  for (size_t p = 0; p < sizeof(pools) / sizeof(pools[0]); p++) {
    size_t items = 10000000;
    size_t chunks = job_plan_chunks(items, pools[p]);
    size_t most = (size_t)JOB_MAX_CHUNKS_PER_THREAD * pools[p];
    if (chunks > most)
      fail_explained("job_plan_chunks(%zu items, %u pool threads)\n"
                     "  expected: at most %zu chunks (%u per thread)\n"
                     "    actual: %zu: every chunk is a work request to "
                     "queue, wake a thread for, and combine, and past a "
                     "few per thread they buy no more balance\n" SEE_SIZING,
                     items, pools[p], most, JOB_MAX_CHUNKS_PER_THREAD, chunks);
  }
}

/* ------------------------------------------------------------------------
 * Results
 * ------------------------------------------------------------------------ */

static void
test_job_start_rejects_a_missing_loop_spec_or_callback(void **state) {
  job_spec_t spec = {1, 10, 10};
  uv_loop_t loop;
  outcome_t out = {0};
  job_t *job = NULL;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  if (job_start(NULL, &spec, on_done, &out, &job) != UV_EINVAL ||
      job_start(&loop, NULL, on_done, &out, &job) != UV_EINVAL ||
      job_start(&loop, &spec, NULL, &out, &job) != UV_EINVAL)
    fail_explained("job_start() with a NULL loop, spec or callback\n"
                   "  expected: UV_EINVAL, and nothing started\n" SEE_CONTRACT);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  assert_int_equal(out.reports, 0);
  close_loop_or_fail(&loop, "after job_start() refused to start");
}

static void test_job_of_zero_items_reports_the_empty_digest(void **state) {
  job_spec_t spec = {42, 0, 1000};
  outcome_t out;

  (void)state;
  out = run_job(&spec);
  expect_serial_result(&spec, &out, SEE_CONTRACT);
}

static void test_job_of_one_item_equals_the_serial_digest(void **state) {
  job_spec_t spec = {7, 1, 1000};
  outcome_t out;

  (void)state;
  out = run_job(&spec);
  expect_serial_result(&spec, &out, SEE_COMBINE);
}

static void test_job_equals_the_serial_digest_for_several_sizes(void **state) {
  const size_t sizes[] = {2, 3, 4, 5, 7, 8, 9, 16, 17, 63, 64, 65, 1000, 4099};

  (void)state;
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    job_spec_t spec = {0x5eed0000u + i, sizes[i], 64};
    outcome_t out = run_job(&spec);
    expect_serial_result(&spec, &out, SEE_COMBINE);
  }
}

static void test_job_gives_the_same_digest_run_after_run(void **state) {
  job_spec_t spec = {0xfeed, 4099, 300};
  const unsigned runs = 20;
  uint64_t first = 0;

  (void)state;
  for (unsigned run = 0; run < runs; run++) {
    outcome_t out = run_job(&spec);
    if (run == 0)
      first = out.result.digest;
    else if (out.result.digest != first)
      fail_explained("the same job gave digest 0x%016llx in run 1 and "
                     "0x%016llx in run %u\n  expected: one digest, every "
                     "run\nchunks finish in a different order each run: a "
                     "digest that follows that order, or shared state that "
                     "several threads change at once, changes with "
                     "it\n" SEE_COMBINE,
                     (unsigned long long)first,
                     (unsigned long long)out.result.digest, run + 1);
    expect_serial_result(&spec, &out, SEE_COMBINE);
  }
}

static void test_job_two_jobs_in_flight_keep_their_own_results(void **state) {
  job_spec_t a = {0xa, 3001, 300};
  job_spec_t b = {0xb, 2003, 500};
  uv_loop_t loop;
  outcome_t out_a, out_b;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  (void)start_or_fail(&loop, &a, &out_a);
  (void)start_or_fail(&loop, &b, &out_b);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  close_loop_or_fail(&loop, "two jobs in flight on one loop");
  expect_serial_result(&a, &out_a,
                       "two jobs were in flight at once: "
                       "nothing of a job may be shared with "
                       "another (no static state)\n" SEE_COMBINE);
  expect_serial_result(&b, &out_b,
                       "two jobs were in flight at once: "
                       "nothing of a job may be shared with "
                       "another (no static state)\n" SEE_COMBINE);
}

/* ------------------------------------------------------------------------
 * Where the items are digested
 * ------------------------------------------------------------------------ */

/* libuv 1.44's limit on UV_THREADPOOL_SIZE. */
#define MAX_POOL_THREADS 1024u
/* How long the pool's threads may take to meet, and how long the first
 * item is held back at most: bounds that only end a wait that would
 * otherwise never end, never verdicts. */
#define MEET_LIMIT_NS 10000000000ull
#define HOLD_LIMIT_BASE_NS 1000000000ull
#define HOLD_LIMIT_SERIAL_TIMES 50u

/* libuv's pool threads, told apart by meeting them: the suite queues one
 * request of its own per pool thread, and each waits in meet() until all
 * have arrived, so each is on a different thread. The threads live until
 * uv_library_shutdown(), so they are met once for the whole suite. */
typedef struct pool {
  uv_mutex_t lock;
  uv_cond_t all_met;
  unsigned size; /* workload_pool_threads() */
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
    pool.size = workload_pool_threads();
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
                   "suite can tell which threads digest a job "
                   "(UV_THREADPOOL_SIZE=%s in this run; unset it)",
                   pool.met, pool.size,
                   getenv("UV_THREADPOOL_SIZE") ? getenv("UV_THREADPOOL_SIZE")
                                                : "(unset)");
  return &pool;
}

/* What the probe saw of one job: which threads began its items, and
 * whether one began while another thread was inside an item. Counters are
 * atomic: several threads report at once. */
typedef struct watch {
  uint64_t seed; /* the job's items are those of this seed */
  uint64_t last; /* the job's last item */
  uv_thread_t loop_thread;
  const pool_t *pool;
  atomic_uint inside; /* threads inside one of the job's items now */
  atomic_uint_fast64_t on_loop, on_pool, elsewhere;
  atomic_uint_fast64_t side_by_side;  /* items begun while another thread
                                         was inside one */
  atomic_bool used[MAX_POOL_THREADS]; /* pool threads that began an item */
  /* Holding items back, the way a busy core holds a chunk back (the
   * fields below are under lock): the first item any pool thread begins
   * waits until another thread begins one, so that two are inside items
   * at once however the threads are scheduled (valgrind runs one at a
   * time); and item 0 waits until the last item has ended, so that its
   * chunk comes back after the last one. */
  int holding;
  uint64_t hold_limit_ns;
  uv_mutex_t lock;
  uv_cond_t changed;
  atomic_bool other_began; /* a thread other than the first began an item */
  int first_began;
  uv_thread_t first_thread;
  int last_done;
  int expired;      /* a hold ended at its limit, the rest of the job waiting */
  uint64_t held_ns; /* the longest hold */
} watch_t;

/* Static: a thread of the learner's own could still report after the
 * test returns. */
static watch_t watch;

/* Holds the calling thread, under w->lock, until another thread than the
 * first has begun an item and, for item 0, until the last item has ended;
 * or until the hold's limit. */
static void hold(watch_t *w, uint64_t index) {
  uint64_t start = uv_hrtime(), waited = 0;

  while (!(atomic_load(&w->other_began) && (index != 0 || w->last_done))) {
    waited = uv_hrtime() - start;
    if (waited >= w->hold_limit_ns ||
        uv_cond_timedwait(&w->changed, &w->lock, w->hold_limit_ns - waited) ==
            UV_ETIMEDOUT) {
      w->expired = 1;
      break;
    }
  }
  waited = uv_hrtime() - start;
  if (waited > w->held_ns)
    w->held_ns = waited;
}

/* The holds, for an item that `self` begins. */
static void hold_back(watch_t *w, uv_thread_t self, uint64_t index) {
  if (atomic_load(&w->other_began) && index != 0)
    return; /* the common case, without the lock */
  uv_mutex_lock(&w->lock);
  if (!w->first_began) {
    w->first_began = 1;
    w->first_thread = self;
  } else if (!uv_thread_equal(&self, &w->first_thread) &&
             !atomic_load(&w->other_began)) {
    atomic_store(&w->other_began, true);
    uv_cond_broadcast(&w->changed);
  }
  if (!w->expired && (uv_thread_equal(&self, &w->first_thread) || index == 0))
    hold(w, index);
  uv_mutex_unlock(&w->lock);
}

static void observe(void *arg, uint64_t seed, uint64_t index,
                    workload_item_event_t event) {
  watch_t *w = arg;
  uv_thread_t self = uv_thread_self();
  int on_loop;

  if (seed != w->seed)
    return;
  if (event == WORKLOAD_ITEM_ENDS) {
    atomic_fetch_sub(&w->inside, 1);
    if (index == w->last) {
      uv_mutex_lock(&w->lock);
      w->last_done = 1;
      uv_cond_broadcast(&w->changed);
      uv_mutex_unlock(&w->lock);
    }
    return;
  }
  if (atomic_fetch_add(&w->inside, 1) > 0)
    atomic_fetch_add(&w->side_by_side, 1);
  on_loop = uv_thread_equal(&self, &w->loop_thread);
  if (on_loop) {
    atomic_fetch_add(&w->on_loop, 1);
  } else {
    unsigned t = 0;
    while (t < w->pool->size && !uv_thread_equal(&self, &w->pool->threads[t]))
      t++;
    if (t < w->pool->size) {
      atomic_fetch_add(&w->on_pool, 1);
      atomic_store(&w->used[t], true);
    } else {
      atomic_fetch_add(&w->elsewhere, 1);
    }
  }
  /* Holding the loop's thread would hold everything: only a thread that
   * is not the loop's is held. */
  if (w->holding && !on_loop)
    hold_back(w, self, index);
}

static const workload_probe_t probe = {observe, &watch};

/* Starts watching the items of `spec` (holding items back if asked, each
 * for at most hold_limit_ns). */
static void watch_start(const job_spec_t *spec, int holding,
                        uint64_t hold_limit_ns) {
  const pool_t *p = pool_or_fail();

  watch.seed = spec->seed;
  watch.last = spec->items - 1;
  watch.loop_thread = uv_thread_self();
  watch.pool = p;
  atomic_init(&watch.inside, 0);
  atomic_init(&watch.on_loop, 0);
  atomic_init(&watch.on_pool, 0);
  atomic_init(&watch.elsewhere, 0);
  atomic_init(&watch.side_by_side, 0);
  for (unsigned t = 0; t < MAX_POOL_THREADS; t++)
    atomic_init(&watch.used[t], false);
  watch.holding = holding;
  watch.hold_limit_ns = hold_limit_ns;
  assert_int_equal(uv_mutex_init(&watch.lock), 0);
  assert_int_equal(uv_cond_init(&watch.changed), 0);
  atomic_init(&watch.other_began, false);
  watch.first_began = watch.last_done = watch.expired = 0;
  watch.held_ns = 0;
  workload_probe_set(&probe);
}

static void watch_stop(void) {
  workload_probe_set(NULL);
  uv_cond_destroy(&watch.changed);
  uv_mutex_destroy(&watch.lock);
}

static unsigned pool_threads_used(void) {
  unsigned used = 0;

  for (unsigned t = 0; t < watch.pool->size; t++)
    used += atomic_load(&watch.used[t]) ? 1u : 0u;
  return used;
}

static void test_job_digests_every_item_on_a_pool_thread(void **state) {
  const job_spec_t spec = {0x9001, 4099, 200};
  char what[128];
  outcome_t out;
  uint64_t on_loop, on_pool, elsewhere;

  (void)state;
  describe(&spec, what, sizeof(what));
  watch_start(&spec, 0, 0);
  out = run_job(&spec);
  watch_stop();
  on_loop = atomic_load(&watch.on_loop);
  on_pool = atomic_load(&watch.on_pool);
  elsewhere = atomic_load(&watch.elsewhere);
  if (on_loop > 0)
    fail_explained("%s: %llu of its items were digested on the loop's "
                   "thread\n"
                   "  expected: every item on a thread of libuv's pool, in "
                   "a work callback (uv_queue_work())\n"
                   "    actual: while the loop's thread digests, however "
                   "small the slice, its share of the work is taken from "
                   "every other callback, and the job gets no other "
                   "core\n" SEE_FIX,
                   what, (unsigned long long)on_loop);
  if (elsewhere > 0)
    fail_explained(
        "%s: %llu of its items were digested on threads that are not "
        "libuv's pool (the suite met the pool's %u threads first, with "
        "uv_queue_work() requests of its own)\n"
        "  expected: every item in a work callback of uv_queue_work(), on "
        "a pool thread\n"
        "    actual: threads of the job's own (uv_thread_create(), "
        "pthread_create()), handing back with uv_async_send(): the pool "
        "is sized once for the whole process (UV_THREADPOOL_SIZE), shared "
        "with every other request, and its queued work can be cancelled "
        "with uv_cancel(); threads of each job's own are none of "
        "that\n" SEE_FIX,
        what, (unsigned long long)elsewhere, watch.pool->size);
  if (on_pool != spec.items)
    fail_explained("%s: %llu items were digested\n"
                   "  expected: each item once, %zu in all\n" SEE_FIX,
                   what, (unsigned long long)on_pool, spec.items);
  expect_serial_result(&spec, &out, SEE_COMBINE);
}

static void test_job_goes_on_while_its_first_chunk_is_held_back(void **state) {
  const job_spec_t spec = {0x9002, 4099, 64};
  char what[128];
  uint64_t expected, serial_ns, start;
  outcome_t out;

  (void)state;
  describe(&spec, what, sizeof(what));
  start = uv_hrtime();
  expected = workload_digest_range(spec.seed, 0, spec.items, spec.rounds);
  serial_ns = uv_hrtime() - start;
  /* The first item begun waits for another thread to begin one, and
   * item 0 for the last one to end: chunk 0 comes back after the last
   * chunk, and the rest of the job must go on without it. */
  watch_start(&spec, 1,
              HOLD_LIMIT_BASE_NS + HOLD_LIMIT_SERIAL_TIMES * serial_ns);
  out = run_job(&spec);
  watch_stop();
  if (watch.expired)
    fail_explained("%s: the suite held its first chunk back for %.0f ms on "
                   "the thread that began it, and no other thread went on "
                   "with the rest of the job meanwhile\n"
                   "  expected: while one chunk is slow (a busy core, a "
                   "thread that started late), the pool's other threads "
                   "digest the other chunks\n"
                   "    actual: the rest of the job waited for the first "
                   "chunk: chunks queued one at a time, or run behind one "
                   "lock, use one core however many the pool has\n" SEE_FIX,
                   what, (double)watch.held_ns / NS_PER_MS);
  if (pool_threads_used() < 2)
    fail_explained("%s: %u of the pool's %u threads digested its items "
                   "(%llu items on the loop's thread, %llu on threads that "
                   "are not the pool's)\n"
                   "  expected: chunks digested side by side on at least two "
                   "of the pool's threads\n" SEE_FIX,
                   what, pool_threads_used(), watch.pool->size,
                   (unsigned long long)atomic_load(&watch.on_loop),
                   (unsigned long long)atomic_load(&watch.elsewhere));
  if (atomic_load(&watch.side_by_side) == 0)
    fail_explained("%s: no item began while another thread was inside one\n"
                   "  expected: chunks digested side by side on at least two "
                   "of the pool's threads\n"
                   "    actual: they ran one after another\n" SEE_FIX,
                   what);
  if (out.reports == 1 && out.status == 0 && out.result.digest != expected)
    fail_explained(
        "%s, its first chunk held back until the last item was "
        "done, so that it came back last\n"
        "  expected: digest 0x%016llx (the serial answer)\n"
        "    actual: digest 0x%016llx: the chunks were put "
        "together in the order they came back, which a busy "
        "core changes; put them together in item order\n" SEE_COMBINE,
        what, (unsigned long long)expected,
        (unsigned long long)out.result.digest);
  expect_serial_result(&spec, &out, SEE_COMBINE);
}

/* libuv 1.44 counts the requests in flight on a loop in the public field
 * uv_loop_t.active_reqs.count: uv_queue_work() adds one, its after-work
 * callback takes it away. */
static void test_job_queues_its_chunks_on_the_thread_pool(void **state) {
  const job_spec_t spec = {0x9003, 4099, 100};
  const unsigned threads = workload_pool_threads();
  const size_t least = spec.items < threads ? spec.items : threads;
  const size_t most = (size_t)JOB_MAX_CHUNKS_PER_THREAD * threads;
  char what[128];
  uv_loop_t loop;
  outcome_t out;
  unsigned queued;

  (void)state;
  describe(&spec, what, sizeof(what));
  assert_int_equal(uv_loop_init(&loop), 0);
  (void)start_or_fail(&loop, &spec, &out);
  queued = loop.active_reqs.count;
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  close_loop_or_fail(&loop, what);
  if (queued == 0)
    fail_explained("%s: no request was in flight on the loop once "
                   "job_start() returned\n"
                   "  expected: the job's chunks queued on libuv's thread "
                   "pool with uv_queue_work(), from %zu to %zu of them\n"
                   "    actual: none: the work runs somewhere else than "
                   "the pool (the loop's own callbacks, or threads of its "
                   "own)\n" SEE_FIX,
                   what, least, most);
  if (queued < least)
    fail_explained("%s on a pool of %u threads: %u request(s) in flight "
                   "once job_start() returned\n"
                   "  expected: at least %zu, one for each pool thread\n"
                   "    actual: a pool thread with no request has nothing "
                   "to do: the chunks queued one after another, each when "
                   "the last came back, run on one core however many the "
                   "pool has\n" SEE_FIX,
                   what, threads, queued, least);
  if (queued > most)
    fail_explained("%s on a pool of %u threads: %u requests in flight once "
                   "job_start() returned\n"
                   "  expected: at most %zu (%u per thread): each "
                   "uv_queue_work() is a request to queue, a thread to wake "
                   "and a result to combine, so a request carries a chunk "
                   "of many items, not one\n" SEE_SIZING,
                   what, threads, queued, most, JOB_MAX_CHUNKS_PER_THREAD);
  expect_serial_result(&spec, &out, SEE_COMBINE);
}

/* ------------------------------------------------------------------------
 * Cancellation
 * ------------------------------------------------------------------------ */

static void expect_cancelled_once_at(place_t at, const outcome_t *out,
                                     const char *what) {
  if (out->reports != 1)
    fail_explained_at(at,
                      "%s reported %u times\n  expected: exactly once, "
                      "however many of its chunks were cancelled\n" SEE_CANCEL,
                      what, out->reports);
  if (out->status != UV_ECANCELED)
    fail_explained_at(at,
                      "%s reported status %s\n  expected: UV_ECANCELED, since "
                      "job_cancel() came before the job finished\n" SEE_CANCEL,
                      what, out->status == 0 ? "0" : uv_err_name(out->status));
  if (out->result.digest != 0 || out->result.items != 0)
    fail_explained_at(
        at,
        "%s reported a result with its cancellation\n"
        "  expected: digest 0 over 0 items\n"
        "    actual: digest 0x%016llx over %zu items\n" SEE_CANCEL,
        what, (unsigned long long)out->result.digest, out->result.items);
}
#define expect_cancelled_once(...) expect_cancelled_once_at(HERE, __VA_ARGS__)

static void
test_job_cancelled_before_the_loop_runs_reports_it_once(void **state) {
  job_spec_t spec = {0xc, 4096, 2000};
  uv_loop_t loop;
  outcome_t out;
  job_t *job;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  job = start_or_fail(&loop, &spec, &out);
  job_cancel(job);
  job_cancel(job);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  close_loop_or_fail(&loop, "a job cancelled twice before the loop ran");
  expect_cancelled_once(&out, "a job cancelled twice before the loop ran");
}

/* The mid-run cancellation: a timer that cancels the job if it is still
 * running when the loop gets to it. */
typedef struct canceller {
  uv_timer_t timer; /* closed by its own callback */
  job_t *job;
  outcome_t *out;
  uint64_t cancel_ns; /* 0 if the job had reported first */
} canceller_t;

static void cancel_now(uv_timer_t *timer) {
  canceller_t *c = timer->data;

  if (c->out->reports == 0) {
    c->cancel_ns = uv_hrtime();
    job_cancel(c->job);
    job_cancel(c->job);
  }
  uv_close((uv_handle_t *)timer, NULL);
}

static void test_job_cancelled_while_running_reports_it_once(void **state) {
  const double serial_ms = CANCELLED_BATCH_MS;
  job_spec_t spec = timed_batch(0xd, serial_ms);
  const char *what = "a job cancelled 1 ms after it started";
  canceller_t c = {0};
  uv_loop_t loop;
  outcome_t out;

  (void)state;
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(uv_timer_init(&loop, &c.timer), 0);
  c.timer.data = &c;
  c.out = &out;
  c.job = start_or_fail(&loop, &spec, &out);
  assert_int_equal(uv_timer_start(&c.timer, cancel_now, 1, 0), 0);
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  close_loop_or_fail(&loop, what);
  if (c.cancel_ns == 0)
    fail_explained("%s, a batch that takes %.0f ms serially\n"
                   "  expected: the timer cancels it while it runs\n"
                   "    actual: the job reported (status %s) before the "
                   "loop could run the timer: while the job ran, the loop "
                   "ran nothing else\n" SEE_HEARTBEAT "; " SEE_CANCEL,
                   what, serial_ms,
                   out.status == 0 ? "0" : uv_err_name(out.status));
  expect_cancelled_once(&out, what);
  if ((double)(out.done_ns - c.cancel_ns) >
      MAX_CANCEL_DELAY_SHARE * serial_ms * NS_PER_MS)
    fail_explained("%s took %.1f ms from job_cancel() to its report, %.0f%% "
                   "of the %.1f ms the whole batch takes serially\n"
                   "  expected: under %.0f%%: chunks not started are "
                   "taken off the queue, running ones stop early\n" SEE_CANCEL,
                   what, (double)(out.done_ns - c.cancel_ns) / NS_PER_MS,
                   100.0 * (double)(out.done_ns - c.cancel_ns) /
                       (serial_ms * NS_PER_MS),
                   serial_ms, 100.0 * MAX_CANCEL_DELAY_SHARE);
}

/* ------------------------------------------------------------------------
 * The loop's heartbeat
 * ------------------------------------------------------------------------ */

/* A 1 ms repeating timer that records the longest gap between two beats,
 * the way Node's monitorEventLoopDelay() samples the loop's delay. */
typedef struct heartbeat {
  uv_timer_t timer; /* closed by on_done_stop_heartbeat(), or by the test
                       if the job never reports */
  uint64_t last_ns;
  uint64_t max_gap_ns;
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

static void on_done_stop_heartbeat(int status, job_result_t result, void *arg) {
  heartbeat_t *hb = arg;

  on_done(status, result, &hb->out);
  if (uv_is_closing((uv_handle_t *)&hb->timer))
    return; /* a second report: the test fails on the count */
  /* The stretch from the last beat to the end counts as a gap too. */
  beat(&hb->timer);
  uv_close((uv_handle_t *)&hb->timer, NULL);
}

/* Runs `spec` once on a fresh loop with a heartbeat, checks its result,
 * and returns the longest gap between beats and the job's duration. */
static void measure_heartbeat(const job_spec_t *spec, uint64_t *gap_ns,
                              uint64_t *job_ns, unsigned *beats) {
  const char *what = "the loop's heartbeat while a job ran";
  heartbeat_t hb = {0};
  uint64_t start_ns;
  uv_loop_t loop;
  job_t *job = NULL;
  int err;

  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(uv_timer_init(&loop, &hb.timer), 0);
  hb.timer.data = &hb;
  assert_int_equal(uv_timer_start(&hb.timer, beat, 1, 1), 0);
  /* Only the job keeps the loop alive, so one that never reports ends
   * the run (and fails below) instead of hanging the suite. */
  uv_unref((uv_handle_t *)&hb.timer);
  start_ns = hb.last_ns = uv_hrtime();
  err = job_start(&loop, spec, on_done_stop_heartbeat, &hb, &job);
  if (err != 0)
    fail_explained("job_start() failed: %s\n" SEE_CONTRACT, uv_strerror(err));
  assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  if (!uv_is_closing((uv_handle_t *)&hb.timer)) {
    uv_close((uv_handle_t *)&hb.timer, NULL);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
  }
  close_loop_or_fail(&loop, what);
  expect_serial_result(spec, &hb.out, SEE_COMBINE);
  *gap_ns = hb.max_gap_ns;
  *job_ns = hb.out.done_ns - start_ns;
  *beats = hb.beats;
}

static void test_loop_keeps_its_heartbeat_while_a_job_runs(void **state) {
  uint64_t gap_ns, job_ns;
  job_spec_t spec;
  const job_spec_t warm_up = {1, 4, 10};
  double share = 2;
  unsigned beats, attempt;

  (void)state;
  /* libuv starts its pool's threads on the first request of the process,
   * and waits for them: a one-time cost that is not the job's. A small job
   * first, so that it is paid before the measurement. */
  (void)run_job(&warm_up);
  spec = timed_batch(0xe, HEARTBEAT_BATCH_MS);
  /* On a shared machine a thread can wait tens of milliseconds for a core
   * once in a while: up to three runs, and the best one counts. A job that
   * blocks the loop gets the same verdict every time. */
  for (attempt = 1; attempt <= MAX_HEARTBEAT_RUNS; attempt++) {
    measure_heartbeat(&spec, &gap_ns, &job_ns, &beats);
    share = (double)gap_ns / (double)job_ns;
    if (share <= MAX_HEARTBEAT_GAP_SHARE)
      return;
  }
  fail_explained(
      "the loop's heartbeat while a job ran: a 1 ms timer beat %u time(s) "
      "in %.1f ms\n"
      "  expected: no gap between beats longer than %.0f%% of the job\n"
      "    actual: the longest gap was %.1f ms, %.0f%% of the job (the best "
      "of %u runs): for that long the loop could run no timer, no I/O, "
      "nothing\n" SEE_HEARTBEAT "; " SEE_FIX,
      beats, (double)job_ns / NS_PER_MS, 100.0 * MAX_HEARTBEAT_GAP_SHARE,
      (double)gap_ns / NS_PER_MS, 100.0 * share, MAX_HEARTBEAT_RUNS);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loop_keeps_its_heartbeat_while_a_job_runs),
      cmocka_unit_test(test_plan_gives_every_pool_thread_a_chunk),
      cmocka_unit_test(test_plan_never_makes_an_empty_chunk),
      cmocka_unit_test(test_plan_keeps_each_chunk_worth_a_work_request),
      cmocka_unit_test(test_job_start_rejects_a_missing_loop_spec_or_callback),
      cmocka_unit_test(test_job_of_zero_items_reports_the_empty_digest),
      cmocka_unit_test(test_job_of_one_item_equals_the_serial_digest),
      cmocka_unit_test(test_job_equals_the_serial_digest_for_several_sizes),
      cmocka_unit_test(test_job_gives_the_same_digest_run_after_run),
      cmocka_unit_test(test_job_two_jobs_in_flight_keep_their_own_results),
      cmocka_unit_test(test_job_queues_its_chunks_on_the_thread_pool),
      cmocka_unit_test(test_job_digests_every_item_on_a_pool_thread),
      cmocka_unit_test(test_job_goes_on_while_its_first_chunk_is_held_back),
      cmocka_unit_test(test_job_cancelled_before_the_loop_runs_reports_it_once),
      cmocka_unit_test(test_job_cancelled_while_running_reports_it_once),
  };
  int failed;

  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  failed = cmocka_run_group_tests_name("07-parallelize-cpu", tests, NULL, NULL);
  uv_library_shutdown();
  return failed;
}

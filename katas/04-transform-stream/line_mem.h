/* The kata's allocation hooks: every allocation of the transform goes
 * through here, so that the suite can see how much memory it holds while
 * lines stream through it, and find what it forgets. This header and
 * line_mem.c are the kata's (trusted).
 *
 * Single-threaded, like a libuv loop: call these from one thread only.
 */
#ifndef LINE_MEM_H
#define LINE_MEM_H

#include <stddef.h>

/* Returns a new block of `size` bytes (suitably aligned for any type), or
 * NULL when out of memory or when a failure was asked for with
 * line_mem_fail_after(). The caller owns the block and gives it back with
 * line_mem_free(). */
void *line_mem_alloc(size_t size);

/* Gives back a block from line_mem_alloc(). Accepts NULL. */
void line_mem_free(void *block);

typedef struct {
  size_t live_blocks; /* blocks allocated and not yet freed */
  size_t live_bytes;  /* their total size, as asked for */
  size_t peak_bytes;  /* the largest live_bytes since the last reset */
  size_t allocations; /* successful allocations since the start */
} line_mem_stats_t;

/* Copies the current counts into *stats. */
void line_mem_stats(line_mem_stats_t *stats);

/* Starts peak_bytes again from the current live_bytes. */
void line_mem_reset_peak(void);

/* Makes the allocation after the next `count` successful ones fail once
 * (returns NULL); then allocations succeed again. A negative count cancels
 * a pending failure. For tests of the out-of-memory paths. */
void line_mem_fail_after(long count);

/* Calls observer(arg) after every allocation and every free; NULL stops.
 * The suite uses it to look at the transform at each step. */
typedef void (*line_mem_observer_fn)(void *arg);
void line_mem_observe(line_mem_observer_fn observer, void *arg);

#endif /* LINE_MEM_H */

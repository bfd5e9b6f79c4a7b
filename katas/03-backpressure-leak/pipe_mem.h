/* The kata's allocation hooks: every allocation of the pipe goes through
 * here, so that the suite can count the pipe's buffers and requests in
 * flight, and find the ones it forgets. This header and pipe_mem.c are the
 * kata's (trusted).
 *
 * Single-threaded, like a libuv loop: call these from one thread only.
 */
#ifndef PIPE_MEM_H
#define PIPE_MEM_H

#include <stddef.h>

/* Returns a new block of `size` bytes (suitably aligned for any type), or
 * NULL when out of memory or when a failure was asked for with
 * pipe_mem_fail_after(). The caller owns the block and gives it back with
 * pipe_mem_free(). */
void *pipe_mem_alloc(size_t size);

/* Gives back a block from pipe_mem_alloc(). Accepts NULL. */
void pipe_mem_free(void *block);

typedef struct {
  size_t live_blocks; /* blocks allocated and not yet freed */
  size_t live_bytes;  /* their total size, as asked for */
  size_t peak_bytes;  /* the largest live_bytes since the last reset */
  size_t allocations; /* successful allocations since the start */
} pipe_mem_stats_t;

/* Copies the current counts into *stats. */
void pipe_mem_stats(pipe_mem_stats_t *stats);

/* Starts peak_bytes again from the current live_bytes. */
void pipe_mem_reset_peak(void);

/* Makes the allocation after the next `count` successful ones fail once
 * (returns NULL); then allocations succeed again. A negative count cancels
 * a pending failure. For tests of the out-of-memory paths. */
void pipe_mem_fail_after(long count);

/* Calls observer(arg) after every allocation and every free; NULL stops.
 * The suite uses it to look at the pipe at each step. */
typedef void (*pipe_mem_observer_fn)(void *arg);
void pipe_mem_observe(pipe_mem_observer_fn observer, void *arg);

#endif /* PIPE_MEM_H */

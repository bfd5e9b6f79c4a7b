/* The kata's counting allocator (see line_mem.h). Each block carries its
 * size in a header in front of it, so that a free can be counted without a
 * table. */
#include "line_mem.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The header in front of every block; the union keeps the block that
 * follows it aligned as malloc's own blocks are. */
typedef union {
  size_t size;
  max_align_t align;
} block_header_t;

static line_mem_stats_t stats;
static long fail_countdown = -1;
static line_mem_observer_fn observer;
static void *observer_arg;

static void notify(void) {
  if (observer != NULL)
    observer(observer_arg);
}

void *line_mem_alloc(size_t size) {
  block_header_t *header;

  if (fail_countdown == 0) {
    fail_countdown = -1;
    return NULL;
  }
  if (size > SIZE_MAX - sizeof(*header))
    return NULL;
  header = malloc(sizeof(*header) + size);
  if (header == NULL)
    return NULL;
  if (fail_countdown > 0)
    fail_countdown--;
  header->size = size;
  stats.live_blocks++;
  stats.live_bytes += size;
  stats.allocations++;
  if (stats.live_bytes > stats.peak_bytes)
    stats.peak_bytes = stats.live_bytes;
  notify();
  return header + 1;
}

void line_mem_free(void *block) {
  block_header_t *header;

  if (block == NULL)
    return;
  header = (block_header_t *)block - 1;
  stats.live_blocks--;
  stats.live_bytes -= header->size;
  free(header);
  notify();
}

void line_mem_stats(line_mem_stats_t *out) {
  *out = stats;
}

void line_mem_reset_peak(void) {
  stats.peak_bytes = stats.live_bytes;
}

void line_mem_fail_after(long count) {
  fail_countdown = count < 0 ? -1 : count;
}

void line_mem_observe(line_mem_observer_fn fn, void *arg) {
  observer = fn;
  observer_arg = arg;
}

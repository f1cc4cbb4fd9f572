/* What the parallel loops share: the work threshold of the one thread policy
 * (corr2d_plan_threads in control.c), the thread number, the tile rows. */
#ifndef CORR2D_THREADS_H
#define CORR2D_THREADS_H

#include <stddef.h>
#include "corr2d_core.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* Below this many multiply-adds (about 0.1 ms on one core) a call runs on
 * one thread: waking a team costs more than it saves, and on a loaded
 * machine a worker may wait a whole scheduler slice before it runs. */
#define CORR2D_PARALLEL_MIN_WORK 2000000.0

static inline int corr2d_thread_num(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Rows per tile: several tiles per thread, handed out dynamically, so a
 * thread the OS runs late leaves its share to the others; each tile stays a
 * contiguous band of rows (input rows reused from cache). Tiles are a
 * multiple of 4 rows, so the four-row and paired loops always group rows
 * from a multiple of 4 and every row is summed in the same order whatever
 * the number of threads: results are bit-identical across thread counts.
 * (A fixed 64 tiles, independent of the threads, measured 0.81-0.86x on
 * large memory-bound images with 2 threads: kept per-thread.) */
static inline ptrdiff_t corr2d_tile_rows(ptrdiff_t out_height, int nthreads)
{
    ptrdiff_t tiles = (ptrdiff_t)nthreads * 8;
    ptrdiff_t rows = (out_height + tiles - 1) / tiles;
    rows = (rows + 3) / 4 * 4;
    return rows > 0 ? rows : 4;
}

#endif

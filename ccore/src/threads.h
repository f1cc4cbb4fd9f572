/* Thread-count policy shared by every parallel loop of the core. */
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

static inline int corr2d_choose_threads(int requested, double work)
{
    return corr2d_plan_threads(requested, work);
}

static inline int corr2d_thread_num(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Rows per tile: a fixed number of tiles (CORR2D_TILES), handed out
 * dynamically so a thread the OS runs late leaves its share to the others;
 * each tile a contiguous band of rows (input rows reused from cache), a
 * multiple of 4 rows. The tiles depend on the output only, never on the
 * thread count, and the loops choose their row grouping within a tile, so
 * results are bit-identical whatever the number of threads. */
#define CORR2D_TILES 64
static inline ptrdiff_t corr2d_tile_rows(ptrdiff_t out_height)
{
    ptrdiff_t rows = (out_height + CORR2D_TILES - 1) / CORR2D_TILES;
    rows = (rows + 3) / 4 * 4;
    return rows > 0 ? rows : 4;
}

#endif

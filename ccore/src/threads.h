/* Thread-count policy shared by every parallel loop of the core. */
#ifndef CORR2D_THREADS_H
#define CORR2D_THREADS_H

#include <stddef.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Below this many multiply-adds (about 0.1 ms on one core) a call runs on
 * one thread: waking a team costs more than it saves, and on a loaded
 * machine a worker may wait a whole scheduler slice before it runs. */
#define CORR2D_PARALLEL_MIN_WORK 2000000.0

/* Set once a call has started an OpenMP team, and in a child forked after
 * that: GNU OpenMP's thread pool does not survive fork, and a child that
 * starts a team hangs, so such a child runs serially. Defined in dispatch.c. */
extern volatile int corr2d_team_started;
extern volatile int corr2d_forked_child_serial;

static inline int corr2d_choose_threads(int requested, double work)
{
#ifdef _OPENMP
    int n = requested > 0 ? requested : omp_get_max_threads();
    /* An explicit request beyond the processors (or OpenMP's own setting,
     * if larger) adds no speed, only per-thread buffers: cap it there. */
    int cap = omp_get_num_procs() > omp_get_max_threads() ? omp_get_num_procs() : omp_get_max_threads();
    if (n > cap)
        n = cap;
    if (work < CORR2D_PARALLEL_MIN_WORK || n < 1 || corr2d_forked_child_serial)
        return 1;
    corr2d_team_started = 1;
    return n;
#else
    (void)requested;
    (void)work;
    return 1;
#endif
}

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
 * contiguous band of rows (input rows reused from cache). */
static inline ptrdiff_t corr2d_tile_rows(ptrdiff_t out_height, int nthreads)
{
    ptrdiff_t tiles = (ptrdiff_t)nthreads * 8;
    ptrdiff_t rows = (out_height + tiles - 1) / tiles;
    return rows > 0 ? rows : 1;
}

#endif

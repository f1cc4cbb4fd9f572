/* How a call shares the process: the one thread-count policy, the fork
 * guard and the interrupt check, for every parallel loop of the core and
 * of the binding (its prange loops ask here too). One copy per process:
 * the whole core is linked into a single extension module. */
#include "corr2d_core.h"
#include "threads.h"
#include <time.h>

/* Set once a call has started an OpenMP team, and in a child forked after
 * that: GNU OpenMP's thread pool does not survive fork, and a child that
 * starts a team hangs, so such a child runs serially. */
static volatile int team_started = 0;
static volatile int forked_child_serial = 0;

int corr2d_plan_threads(int requested, double work)
{
#ifdef _OPENMP
    int n = requested > 0 ? requested : omp_get_max_threads();
    /* An explicit request beyond the processors (or OpenMP's own setting,
     * if larger) adds no speed, only per-thread buffers: cap it there. */
    int cap = omp_get_num_procs() > omp_get_max_threads() ? omp_get_num_procs() : omp_get_max_threads();
    if (n > cap)
        n = cap;
    if (work < CORR2D_PARALLEL_MIN_WORK || n <= 1 || forked_child_serial)
        return 1;
    team_started = 1;
    return n;
#else
    (void)requested;
    (void)work;
    return 1;
#endif
}

void corr2d_after_fork_in_child(void)
{
    if (team_started)
        forked_child_serial = 1;
}

int corr2d_is_serial_after_fork(void) { return forked_child_serial; }

static corr2d_interrupt_fn interrupt_check = NULL;

void corr2d_set_interrupt_check(corr2d_interrupt_fn check) { interrupt_check = check; }

static double wall_seconds(void)
{
#ifdef _OPENMP
    return omp_get_wtime();
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

/* Whether this thread is the one that called into the core: thread 0 of
 * every enclosing team (a serial region nested in a worker is not). */
static int is_calling_thread(void)
{
#ifdef _OPENMP
    int level, l;
    level = omp_get_level();
    for (l = 1; l <= level; l++)
        if (omp_get_ancestor_thread_num(l) != 0)
            return 0;
#endif
    return 1;
}

void corr2d_watch_start(corr2d_watch *w, double work)
{
    w->stop = 0;
    w->active = interrupt_check != NULL && work >= CORR2D_POLL_MIN_WORK;
    w->next_poll = w->active ? wall_seconds() + CORR2D_POLL_SECONDS : 0.0;
}

int corr2d_poll_interrupt(corr2d_watch *w)
{
    double now;
    if (!is_calling_thread())
        return 0;
    now = wall_seconds();
    if (now < w->next_poll)
        return 0;
    w->next_poll = now + CORR2D_POLL_SECONDS;
    if (interrupt_check())
        w->stop = 1;
    return w->stop;
}

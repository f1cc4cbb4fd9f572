/* The window normalization of template matching (window_stats.template.c)
 * for float32 and float64, and its public entry points. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "correlate_common.h"
#include "corr2d_window.h"

/* The bands that count infinities and NaNs leave them out of the sums by
 * a select of x - shift or 0; GCC keeps that a branch unless FP operations
 * may not trap (it moves the subtraction under the test), and those loops
 * then do not vectorise (template matching at 4096^2 with a 5x5 template,
 * every band counting: 1.2-1.3x the time with finite samples vectorised,
 * 1.5x not). Nothing here reads the FP exception flags. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

/* Tiles of output columns, at least 256 and 8 windows wide (the w - 1
 * columns that neighbouring tiles both read cost at most 1/8 more), then
 * evened out. Each band of each tile has its own shift: a value of its own
 * samples, so that the sums of a dim part of the image do not carry a
 * bright part's mean (their variances would cancel against it). */
static ptrdiff_t corr2d_window_tile_columns(ptrdiff_t out_width, ptrdiff_t window_width)
{
    ptrdiff_t columns = 8 * window_width > 256 ? 8 * window_width : 256;
    ptrdiff_t tiles = (out_width + columns - 1) / columns;
    if (tiles < 1)
        return out_width > 0 ? out_width : 1;
    return (out_width + tiles - 1) / tiles;
}

/* A window whose variance is below 1 / CORR2D_WINDOW_CANCEL of its sum of
 * squares about the shift has lost that many bits to cancellation: it is
 * done again in a pass with a shift of its own, up to CORR2D_WINDOW_PASSES
 * passes over a band and tile. */
#define CORR2D_WINDOW_CANCEL 1048576.0 /* 2^20 */
#define CORR2D_WINDOW_PASSES 4

/* One pass over a band and tile: which windows are left (a byte per output
 * of the band's rows from band0; none read in the first pass, `all`),
 * whether this is the last pass, and, for
 * the next, how many rows left windows, the first and end of those rows,
 * and a shift (a sample of the first left window). */
typedef struct {
    unsigned char *marks;
    ptrdiff_t band0, left, first, end;
    double next;
    int all, last;
} corr2d_window_pass;

#define NAME(x) CORR2D_CAT(x, f32)
#define T float
#include "window_stats.template.c"
#undef NAME
#undef T

#define NAME(x) CORR2D_CAT(x, f64)
#define T double
#include "window_stats.template.c"
#undef NAME
#undef T

/* Bands of about twice the window's rows, at least 64: restarting a band
 * sums window_height rows again, which costs about as much as sliding over
 * window_height / 2 output rows. The bands are then evened out. */
ptrdiff_t corr2d_window_band_rows(ptrdiff_t out_height, ptrdiff_t window_height)
{
    ptrdiff_t rows = 2 * window_height > 64 ? 2 * window_height : 64;
    ptrdiff_t bands = (out_height + rows - 1) / rows;
    if (bands < 1)
        return out_height > 0 ? out_height : 1;
    return (out_height + bands - 1) / bands;
}

int corr2d_window_normalize(corr2d_dtype dtype, const void *image, void *out,
                            const corr2d_window_geometry *g, double floor)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return window_normalize_f32((const float *)image, (float *)out, g, floor);
    case CORR2D_FLOAT64:
        return window_normalize_f64((const double *)image, (double *)out, g, floor);
    default:
        return CORR2D_EINVAL;
    }
}

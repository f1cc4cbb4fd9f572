/*
 * corr2d C core, template matching: the normalization step of normalized
 * cross-correlation. Each output (a correlation with a unit-norm, centred
 * template, computed beforehand) is divided by its window's standard
 * deviation, from float64 running sums.
 *
 * As in corr2d_core.h, the caller has validated everything and the core
 * trusts it. Only float32 and float64 have instances (other dtypes return
 * CORR2D_EINVAL).
 */
#ifndef CORR2D_WINDOW_H
#define CORR2D_WINDOW_H

#include <stddef.h>
#include "corr2d_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An image of `channels` planes of height x width, element (c, r, j) at
 * c * channel_stride + r * row_stride + j * column_stride (strides in
 * elements, of any sign); windows of window_height x window_width
 * (1 <= window_height <= height, 1 <= window_width <= width); out of
 * (height - window_height + 1) x (width - window_width + 1), element (i, j)
 * at i * out_row_stride + j * out_column_stride.
 * threads <= 0 means "OpenMP's default".
 */
typedef struct {
    ptrdiff_t channels, height, width;
    ptrdiff_t channel_stride, row_stride, column_stride;
    ptrdiff_t window_height, window_width;
    ptrdiff_t out_row_stride, out_column_stride;
    int threads;
} corr2d_window_geometry;

/*
 * In place on out, for the window at (i, j) (all channels) of n samples:
 *   s = sum(x - c), q = sum((x - c)^2), var = (n q - s * s) / n,
 *   out[i, j] = var > max(floor, rounding) ? out[i, j] / sqrt(var) : 0
 * (in float64, rounded to the dtype once; a NaN out[i, j] stays NaN), for a
 * floor >= 0.
 * s and q are float64 running sums (down the columns, then along the rows),
 * restarted for every band of output rows and tile of output columns (both
 * depend only on the shapes, so the result is the same bits on any number
 * of threads). c is the band and tile's own shift, the median of a few of
 * its finite samples (exact differences for integer images, whose variances
 * are then exact, whatever c); a window whose var is below 2^-20 of its q
 * (it cancels against c) is done again in a pass with a sample of its own
 * as c, up to 4 passes. A running sum of squares that falls below
 * 2^-10 of the largest value it carried since it was last computed is
 * computed afresh over its rows (or columns), so `rounding`, the window's
 * error level, comes from the magnitudes that this window's sums met:
 *   (4 sqrt(b + window_height - 1 + tile width) + 16) * eps(float64) * met,
 * for a band of b output rows, `met` the largest value that the window's
 * running sum of its columns' largest sums of squares carried since it was
 * last computed afresh (at most 2^20 times the window's own q, and a
 * bright sample elsewhere in the band does not raise it), finite samples
 * only. A window that holds an infinity or a
 * NaN gives NaN (they are counted apart, so no other window is touched);
 * where the sum of squares overflows (|x| beyond about 1e154), the outputs
 * are NaN from that row to the band's end.
 */
int corr2d_window_normalize(corr2d_dtype dtype, const void *image, void *out,
                            const corr2d_window_geometry *g, double floor);

/* The output rows of a band (the last band may be shorter): a function of
 * the shapes only. */
ptrdiff_t corr2d_window_band_rows(ptrdiff_t out_height, ptrdiff_t window_height);

#ifdef __cplusplus
}
#endif
#endif

/*
 * scipy.ndimage's sums, operation for operation: for integer outputs,
 * which truncate them, so that a sum within a rounding of an integer
 * truncates as ndimage's does (corr2d._ndimage_exact says why).
 *
 * ndimage sums each output in double from 0.0 as tmp += value * weight,
 * over its weights in row-major order, each product rounded on its own.
 * Here every output row takes the same operations one weight at a time
 * over the whole row: the same sequence for every output, vectorised
 * across the row. A fused multiply-add would round once where ndimage
 * rounds twice, so contraction is off in this file (GCC contracts across
 * statements by default where the target has FMA, as aarch64's baseline
 * does; x86-64's baseline has none).
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "corr2d_core.h"

void corr2d_ordered_sums(const double *block, ptrdiff_t block_stride, ptrdiff_t rows,
                         ptrdiff_t cols, const ptrdiff_t *offsets, const double *weights,
                         ptrdiff_t ntaps, double *out, ptrdiff_t out_stride)
{
    ptrdiff_t i, j, t;
    for (i = 0; i < rows; i++) {
        double *o = out + i * out_stride;
        const double *x0 = block + i * block_stride;
        for (j = 0; j < cols; j++)
            o[j] = 0.0;
        for (t = 0; t < ntaps; t++) {
            const double *x = x0 + offsets[t];
            const double w = weights[t];
            for (j = 0; j < cols; j++) {
                const double product = x[j] * w;
                o[j] = o[j] + product;
            }
        }
    }
}

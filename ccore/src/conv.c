/* The deep-learning loops (im2col.template.c, depthwise.template.c,
 * winograd.template.c) for float32 and float64, and their public entry
 * points. */
#include <string.h>
#include "correlate_common.h"
#include "corr2d_conv.h"

/* Output columns j in [*jlo, *jhi) read input column j * stride + offset
 * inside [0, width); the interval is clipped to [0, out_width). */
static inline void corr2d_conv_column_range(ptrdiff_t offset, ptrdiff_t stride,
                                            ptrdiff_t width, ptrdiff_t out_width,
                                            ptrdiff_t *jlo, ptrdiff_t *jhi)
{
    ptrdiff_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    ptrdiff_t hi = width - offset <= 0 ? 0 : (width - offset + stride - 1) / stride;
    if (lo > out_width)
        lo = out_width;
    if (hi > out_width)
        hi = out_width;
    if (hi < lo)
        hi = lo;
    *jlo = lo;
    *jhi = hi;
}

#define NAME(x) CORR2D_CAT(x, f32)
#define T float
#define DTYPE_CODE CORR2D_FLOAT32
#include "im2col.template.c"
#include "depthwise.template.c"
#include "winograd.template.c"
#undef NAME
#undef T
#undef DTYPE_CODE

#define NAME(x) CORR2D_CAT(x, f64)
#define T double
#define DTYPE_CODE CORR2D_FLOAT64
#include "im2col.template.c"
#include "depthwise.template.c"
#include "winograd.template.c"
#undef NAME
#undef T
#undef DTYPE_CODE

int corr2d_im2col(corr2d_dtype dtype, const void *image, void *columns,
                  const corr2d_conv_geometry *g, ptrdiff_t row_begin, ptrdiff_t row_end)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return im2col_f32((const float *)image, (float *)columns, g, row_begin, row_end);
    case CORR2D_FLOAT64:
        return im2col_f64((const double *)image, (double *)columns, g, row_begin, row_end);
    default:
        return CORR2D_EINVAL;
    }
}

int corr2d_col2im(corr2d_dtype dtype, const void *columns, void *image,
                  const corr2d_conv_geometry *g, ptrdiff_t row_begin, ptrdiff_t row_end)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return col2im_f32((const float *)columns, (float *)image, g, row_begin, row_end);
    case CORR2D_FLOAT64:
        return col2im_f64((const double *)columns, (double *)image, g, row_begin, row_end);
    default:
        return CORR2D_EINVAL;
    }
}

int corr2d_depthwise(corr2d_dtype dtype, const void *images, const void *weight,
                     void *out, ptrdiff_t batch, ptrdiff_t multiplier,
                     const corr2d_conv_geometry *g)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return depthwise_f32((const float *)images, (const float *)weight, (float *)out,
                             batch, multiplier, g);
    case CORR2D_FLOAT64:
        return depthwise_f64((const double *)images, (const double *)weight,
                             (double *)out, batch, multiplier, g);
    default:
        return CORR2D_EINVAL;
    }
}

ptrdiff_t corr2d_depthwise_scratch(const corr2d_conv_geometry *g)
{
    return corr2d_dw_scratch_of(g);
}

int corr2d_depthwise_grad_input(corr2d_dtype dtype, const void *grad_out,
                                const void *weight, void *grad_in, ptrdiff_t batch,
                                ptrdiff_t multiplier, const corr2d_conv_geometry *g)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return depthwise_grad_input_f32((const float *)grad_out, (const float *)weight,
                                        (float *)grad_in, batch, multiplier, g);
    case CORR2D_FLOAT64:
        return depthwise_grad_input_f64((const double *)grad_out, (const double *)weight,
                                        (double *)grad_in, batch, multiplier, g);
    default:
        return CORR2D_EINVAL;
    }
}

int corr2d_depthwise_grad_weight(corr2d_dtype dtype, const void *images,
                                 const void *grad_out, void *grad_w, ptrdiff_t batch,
                                 ptrdiff_t multiplier, const corr2d_conv_geometry *g)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return depthwise_grad_weight_f32((const float *)images, (const float *)grad_out,
                                         (float *)grad_w, batch, multiplier, g);
    case CORR2D_FLOAT64:
        return depthwise_grad_weight_f64((const double *)images, (const double *)grad_out,
                                         (double *)grad_w, batch, multiplier, g);
    default:
        return CORR2D_EINVAL;
    }
}

int corr2d_winograd_weight(corr2d_dtype dtype, const void *w, void *u, ptrdiff_t count)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return winograd_weight_f32((const float *)w, (float *)u, count);
    case CORR2D_FLOAT64:
        return winograd_weight_f64((const double *)w, (double *)u, count);
    default:
        return CORR2D_EINVAL;
    }
}

int corr2d_winograd_input(corr2d_dtype dtype, const void *images, void *v, void *rows,
                          const corr2d_winograd_geometry *g, ptrdiff_t row_begin,
                          ptrdiff_t row_end, ptrdiff_t channel_begin, ptrdiff_t channel_end)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return winograd_input_f32((const float *)images, (float *)v, (float *)rows, g,
                                  row_begin, row_end, channel_begin, channel_end);
    case CORR2D_FLOAT64:
        return winograd_input_f64((const double *)images, (double *)v, (double *)rows, g,
                                  row_begin, row_end, channel_begin, channel_end);
    default:
        return CORR2D_EINVAL;
    }
}

int corr2d_winograd_output(corr2d_dtype dtype, const void *m, void *out, void *rows,
                           const corr2d_winograd_geometry *g, ptrdiff_t row_begin,
                           ptrdiff_t row_end, ptrdiff_t channel_begin, ptrdiff_t channel_end)
{
    switch (dtype) {
    case CORR2D_FLOAT32:
        return winograd_output_f32((const float *)m, (float *)out, (float *)rows, g,
                                   row_begin, row_end, channel_begin, channel_end);
    case CORR2D_FLOAT64:
        return winograd_output_f64((const double *)m, (double *)out, (double *)rows, g,
                                   row_begin, row_end, channel_begin, channel_end);
    default:
        return CORR2D_EINVAL;
    }
}

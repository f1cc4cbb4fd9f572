/*
 * corr2d C core, deep-learning part: the loops that lower a batched,
 * multi-channel convolution to matrix products (im2col / col2im, Winograd's
 * transforms), and direct depthwise loops with their gradients. The matrix
 * products themselves are BLAS calls made by the Cython layer.
 *
 * As in corr2d_core.h, the caller has validated everything and the core
 * trusts it. Every array is C-contiguous; only float32 and float64 have
 * instances (other dtypes return CORR2D_EINVAL).
 */
#ifndef CORR2D_CONV_H
#define CORR2D_CONV_H

#include <stddef.h>
#include "corr2d_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One image of one group: `channels` planes of height x width. The output
 * pixel (i, j) of kernel tap (p, q) reads input pixel
 *   (i * stride_h + p * dilation_h - pad_top, j * stride_w + q * dilation_w - pad_left),
 * which is zero outside the image (zero padding on every side; bottom/right
 * padding is implied by out_height/out_width).
 * threads <= 0 means "OpenMP's default".
 */
typedef struct {
    ptrdiff_t channels, height, width;
    ptrdiff_t kernel_height, kernel_width;
    ptrdiff_t out_height, out_width;
    ptrdiff_t stride_h, stride_w;
    ptrdiff_t pad_top, pad_left;
    ptrdiff_t dilation_h, dilation_w;
    int threads;
} corr2d_conv_geometry;

/*
 * columns[(c, p, q), (i - row_begin, j)] = image[c, ih, iw] (0 outside), for
 * the output rows row_begin <= i < row_end: a row-major matrix of
 * channels * kernel_height * kernel_width rows and
 * (row_end - row_begin) * out_width columns.
 */
int corr2d_im2col(corr2d_dtype dtype, const void *image, void *columns,
                  const corr2d_conv_geometry *g, ptrdiff_t row_begin,
                  ptrdiff_t row_end);

/* The adjoint of corr2d_im2col: image[c, ih, iw] += columns[(c, p, q), (i, j)]
 * for every tap that reads a pixel inside the image. `image` is accumulated
 * into, not overwritten. */
int corr2d_col2im(corr2d_dtype dtype, const void *columns, void *image,
                  const corr2d_conv_geometry *g, ptrdiff_t row_begin,
                  ptrdiff_t row_end);

/*
 * Depthwise convolution (zero padding, any stride and dilation): images
 * (batch, channels, height, width), weight
 * (channels * multiplier, kernel_height, kernel_width), out
 * (batch, channels * multiplier, out_height, out_width);
 * out[n, m] = the convolution of images[n, m / multiplier] with weight[m].
 * Planes run in parallel, each copied into a zero-padded scratch plane of
 * its thread (corr2d_depthwise_scratch elements); at stride 1 and dilation
 * 1, planes whose scratch would pass CORR2D_DW_SCRATCH_MAX go through
 * corr2d_correlate instead, with no scratch.
 */
int corr2d_depthwise(corr2d_dtype dtype, const void *images, const void *weight,
                     void *out, ptrdiff_t batch, ptrdiff_t multiplier,
                     const corr2d_conv_geometry *g);

/* Elements of the per-thread scratch of the three depthwise loops for this
 * geometry; the gradients always use it, so callers bound it. */
ptrdiff_t corr2d_depthwise_scratch(const corr2d_conv_geometry *g);
#define CORR2D_DW_SCRATCH_MAX ((ptrdiff_t)1 << 21)

/* The adjoint of corr2d_depthwise: grad_in (batch, channels, height, width)
 * += the gradient of the loss wrt the images, given grad_out (its
 * out-shaped gradient). Accumulates; input planes run in parallel. */
int corr2d_depthwise_grad_input(corr2d_dtype dtype, const void *grad_out,
                                const void *weight, void *grad_in, ptrdiff_t batch,
                                ptrdiff_t multiplier, const corr2d_conv_geometry *g);

/* grad_w (channels * multiplier, kernel_height, kernel_width) = the
 * gradient wrt the weight (overwritten, not accumulated): each tap a sum,
 * in double, of 16 partial sums per image (per batch on small planes).
 * Output channels run in parallel; the result does not depend on the
 * thread count. */
int corr2d_depthwise_grad_weight(corr2d_dtype dtype, const void *images,
                                 const void *grad_out, void *grad_w, ptrdiff_t batch,
                                 ptrdiff_t multiplier, const corr2d_conv_geometry *g);

/*
 * Winograd F(2x2, 3x3) for a 3x3, stride-1, dilation-1 convolution of one
 * group (zero padding): the weight, input and output transforms; the
 * caller does the 16 matrix products M[e] (out_channels, tiles) =
 * U[e] (out_channels, channels) @ V[e] (channels, tiles) between them.
 * Output tiles are 2x2, numbered row-major over (image, tile row, tile
 * column): tiles_h = (out_height + 1) / 2 tile rows per image, tiles_w =
 * (out_width + 1) / 2 tiles per row; a call handles the global tile rows
 * row_begin <= r < row_end (r = image * tiles_h + tile row), that is
 * (row_end - row_begin) * tiles_w tiles. Single-threaded.
 */
typedef struct {
    ptrdiff_t channels, height, width;    /* input channels of the group, plane size */
    ptrdiff_t out_channels;               /* output channels of the group */
    ptrdiff_t out_height, out_width;
    ptrdiff_t pad_top, pad_left;
    ptrdiff_t image_stride;               /* elements between images of the input */
    ptrdiff_t out_image_stride;           /* elements between images of the output */
} corr2d_winograd_geometry;

/* Elements of the scratch rows of corr2d_winograd_input/_output. */
#define CORR2D_WINOGRAD_SCRATCH(tiles_w) (12 * (tiles_w) + 8)

/* u (16, count) = the transforms of `count` 3x3 kernels w (count, 3, 3). */
int corr2d_winograd_weight(corr2d_dtype dtype, const void *w, void *u, ptrdiff_t count);

/* v (16, channels, tiles) = the transformed 4x4 input patches, for the
 * channels channel_begin <= c < channel_end (the rest of v untouched, so
 * threads may split the channels). `rows` is scratch of
 * CORR2D_WINOGRAD_SCRATCH(tiles_w) elements. */
int corr2d_winograd_input(corr2d_dtype dtype, const void *images, void *v, void *rows,
                          const corr2d_winograd_geometry *g, ptrdiff_t row_begin,
                          ptrdiff_t row_end, ptrdiff_t channel_begin, ptrdiff_t channel_end);

/* Writes the output pixels of the tiles from m (16, out_channels, tiles)
 * (pixels past out_height/out_width dropped), for the output channels
 * channel_begin <= o < channel_end. `rows` is scratch of
 * CORR2D_WINOGRAD_SCRATCH(tiles_w) elements. */
int corr2d_winograd_output(corr2d_dtype dtype, const void *m, void *out, void *rows,
                           const corr2d_winograd_geometry *g, ptrdiff_t row_begin,
                           ptrdiff_t row_end, ptrdiff_t channel_begin, ptrdiff_t channel_end);

#ifdef __cplusplus
}
#endif
#endif

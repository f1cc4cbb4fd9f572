/* The C core's test of the deep-learning loops: im2col, col2im, the
 * depthwise loops (forward and both gradients) and Winograd's transforms
 * against naive references on random geometries (padding wider than the
 * kernel, strides and dilations larger than the image, row chunks). Built
 * plain and under ASan/UBSan by the Makefile. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "corr2d_conv.h"

#define TEST_SEED 987654321ULL
#include "test_util.h"

static void random_geometry(corr2d_conv_geometry *g, int unit_steps)
{
    g->channels = rand_int(1, 4);
    g->height = rand_int(1, 12);
    g->width = rand_int(1, 40);
    g->kernel_height = rand_int(1, 4);
    g->kernel_width = rand_int(1, 4);
    g->stride_h = unit_steps ? 1 : rand_int(1, 3);
    g->stride_w = unit_steps ? 1 : rand_int(1, 3);
    g->dilation_h = unit_steps ? 1 : rand_int(1, 3);
    g->dilation_w = unit_steps ? 1 : rand_int(1, 3);
    g->pad_top = rand_int(0, 5);
    g->pad_left = rand_int(0, 5);
    /* Any output size the padded image allows, at least 1 (extra bottom/right padding). */
    g->out_height = rand_int(1, 8);
    g->out_width = rand_int(1, 24);
    g->threads = rand_int(0, 3);
}

/* The input pixel that output (i, j) of tap (p, q) reads, or -1. */
static ptrdiff_t source(const corr2d_conv_geometry *g, ptrdiff_t i, ptrdiff_t j,
                        ptrdiff_t p, ptrdiff_t q)
{
    ptrdiff_t ih = i * g->stride_h + p * g->dilation_h - g->pad_top;
    ptrdiff_t iw = j * g->stride_w + q * g->dilation_w - g->pad_left;
    if (ih < 0 || ih >= g->height || iw < 0 || iw >= g->width)
        return -1;
    return ih * g->width + iw;
}

static void test_im2col_col2im(corr2d_dtype dtype, int trials)
{
    int t;
    for (t = 0; t < trials; t++) {
        corr2d_conv_geometry g;
        ptrdiff_t nin, nk, r0, r1, ncols, c, p, q, i, j, k;
        double *x, *cols, *back, *ref;
        float *xf, *colsf, *backf;
        random_geometry(&g, 0);
        nin = g.channels * g.height * g.width;
        nk = g.channels * g.kernel_height * g.kernel_width;
        r0 = rand_int(0, (int)g.out_height - 1);
        r1 = rand_int((int)r0 + 1, (int)g.out_height);
        ncols = (r1 - r0) * g.out_width;
        x = malloc(sizeof(double) * (size_t)nin);
        cols = malloc(sizeof(double) * (size_t)(nk * ncols));
        back = malloc(sizeof(double) * (size_t)nin);
        ref = malloc(sizeof(double) * (size_t)nin);
        xf = malloc(sizeof(float) * (size_t)nin);
        colsf = malloc(sizeof(float) * (size_t)(nk * ncols));
        backf = malloc(sizeof(float) * (size_t)nin);
        for (k = 0; k < nin; k++) {
            x[k] = rand_int(-50, 50);
            xf[k] = (float)x[k];
            back[k] = ref[k] = k % 3; /* col2im accumulates into this */
            backf[k] = (float)back[k];
        }
        if (dtype == CORR2D_FLOAT64) {
            CHECK(corr2d_im2col(dtype, x, cols, &g, r0, r1) == CORR2D_OK, "im2col status");
        } else {
            CHECK(corr2d_im2col(dtype, xf, colsf, &g, r0, r1) == CORR2D_OK, "im2col status");
            for (k = 0; k < nk * ncols; k++)
                cols[k] = colsf[k];
        }
        for (c = 0; c < g.channels; c++)
            for (p = 0; p < g.kernel_height; p++)
                for (q = 0; q < g.kernel_width; q++)
                    for (i = r0; i < r1; i++)
                        for (j = 0; j < g.out_width; j++) {
                            ptrdiff_t row = (c * g.kernel_height + p) * g.kernel_width + q;
                            ptrdiff_t s = source(&g, i, j, p, q);
                            double want = s < 0 ? 0.0 : x[c * g.height * g.width + s];
                            double got = cols[row * ncols + (i - r0) * g.out_width + j];
                            CHECK(got == want, "im2col dtype %d trial %d: c%td p%td q%td i%td j%td got %g want %g",
                                  (int)dtype, t, c, p, q, i, j, got, want);
                            if (s >= 0)
                                ref[c * g.height * g.width + s] += got;
                        }
        /* col2im of the columns just built: each pixel gains itself once per tap reading it. */
        if (dtype == CORR2D_FLOAT64) {
            CHECK(corr2d_col2im(dtype, cols, back, &g, r0, r1) == CORR2D_OK, "col2im status");
        } else {
            CHECK(corr2d_col2im(dtype, colsf, backf, &g, r0, r1) == CORR2D_OK, "col2im status");
            for (k = 0; k < nin; k++)
                back[k] = backf[k];
        }
        for (k = 0; k < nin; k++)
            CHECK(back[k] == ref[k], "col2im dtype %d trial %d: pixel %td got %g want %g",
                  (int)dtype, t, k, back[k], ref[k]);
        free(x);
        free(cols);
        free(back);
        free(ref);
        free(xf);
        free(colsf);
        free(backf);
    }
}

/* The depthwise loop and its two gradients against naive references, on
 * random geometries with any stride and dilation (`unit_steps` 1: stride
 * and dilation 1, the corr2d_correlate path) and float64 integer data, so
 * every sum is exact: the forward pass elementwise; the input gradient as
 * the adjoint (grad_in starts non-zero: it is accumulated into); the
 * weight gradient (overwritten) elementwise. */
static void test_depthwise(int trials, int unit_steps)
{
    int t;
    for (t = 0; t < trials; t++) {
        corr2d_conv_geometry g;
        ptrdiff_t batch = rand_int(1, 3), mult = rand_int(1, 3);
        ptrdiff_t nin, nw, nout, n, m, i, j, p, q, k;
        double *x, *w, *out, *gy, *gx, *gx_ref, *gw, *gw_ref;
        random_geometry(&g, unit_steps);
        nin = batch * g.channels * g.height * g.width;
        nw = g.channels * mult * g.kernel_height * g.kernel_width;
        nout = batch * g.channels * mult * g.out_height * g.out_width;
        x = malloc(sizeof(double) * (size_t)nin);
        w = malloc(sizeof(double) * (size_t)nw);
        out = malloc(sizeof(double) * (size_t)nout);
        gy = malloc(sizeof(double) * (size_t)nout);
        gx = malloc(sizeof(double) * (size_t)nin);
        gx_ref = malloc(sizeof(double) * (size_t)nin);
        gw = malloc(sizeof(double) * (size_t)nw);
        gw_ref = calloc((size_t)nw, sizeof(double));
        for (k = 0; k < nin; k++) {
            x[k] = rand_int(-9, 9);
            gx[k] = gx_ref[k] = rand_int(-9, 9);
        }
        for (k = 0; k < nw; k++) {
            w[k] = rand_int(-9, 9);
            gw[k] = 12345; /* must be overwritten */
        }
        for (k = 0; k < nout; k++)
            gy[k] = rand_int(-9, 9);
        CHECK(corr2d_depthwise(CORR2D_FLOAT64, x, w, out, batch, mult, &g) == CORR2D_OK,
              "depthwise status");
        CHECK(corr2d_depthwise_grad_input(CORR2D_FLOAT64, gy, w, gx, batch, mult, &g)
              == CORR2D_OK, "depthwise grad_input status");
        CHECK(corr2d_depthwise_grad_weight(CORR2D_FLOAT64, x, gy, gw, batch, mult, &g)
              == CORR2D_OK, "depthwise grad_weight status");
        for (n = 0; n < batch; n++)
            for (m = 0; m < g.channels * mult; m++)
                for (i = 0; i < g.out_height; i++)
                    for (j = 0; j < g.out_width; j++) {
                        const ptrdiff_t plane_at = (n * g.channels + m / mult) * g.height * g.width;
                        const ptrdiff_t o = ((n * g.channels * mult + m) * g.out_height + i)
                                            * g.out_width + j;
                        double want = 0;
                        for (p = 0; p < g.kernel_height; p++)
                            for (q = 0; q < g.kernel_width; q++) {
                                const ptrdiff_t s = source(&g, i, j, p, q);
                                const ptrdiff_t wk = (m * g.kernel_height + p) * g.kernel_width + q;
                                if (s < 0)
                                    continue;
                                want += x[plane_at + s] * w[wk];
                                gx_ref[plane_at + s] += gy[o] * w[wk];
                                gw_ref[wk] += gy[o] * x[plane_at + s];
                            }
                        CHECK(out[o] == want, "depthwise trial %d: n%td m%td i%td j%td got %g want %g",
                              t, n, m, i, j, out[o], want);
                    }
        for (k = 0; k < nin; k++)
            CHECK(gx[k] == gx_ref[k], "depthwise grad_input trial %d: pixel %td got %g want %g",
                  t, k, gx[k], gx_ref[k]);
        for (k = 0; k < nw; k++)
            CHECK(gw[k] == gw_ref[k], "depthwise grad_weight trial %d: tap %td got %g want %g",
                  t, k, gw[k], gw_ref[k]);
        free(x);
        free(w);
        free(out);
        free(gy);
        free(gx);
        free(gx_ref);
        free(gw);
        free(gw_ref);
    }
    {
        corr2d_conv_geometry g;
        random_geometry(&g, 0);
        CHECK(corr2d_depthwise(CORR2D_UINT8, NULL, NULL, NULL, 1, 1, &g) == CORR2D_EINVAL,
              "depthwise must refuse uint8");
        CHECK(corr2d_depthwise_grad_input(CORR2D_UINT8, NULL, NULL, NULL, 1, 1, &g)
              == CORR2D_EINVAL, "depthwise grad_input must refuse uint8");
        CHECK(corr2d_depthwise_grad_weight(CORR2D_UINT8, NULL, NULL, NULL, 1, 1, &g)
              == CORR2D_EINVAL, "depthwise grad_weight must refuse uint8");
        CHECK(corr2d_im2col(CORR2D_UINT8, NULL, NULL, &g, 0, 1) == CORR2D_EINVAL,
              "im2col must refuse uint8");
    }
}

/* A plane too large for the scratch copy, at stride 1: the forward pass
 * reads it in place (corr2d_correlate); sampled pixels against the naive
 * sum. */
static void test_depthwise_large_plane(void)
{
    corr2d_conv_geometry g;
    ptrdiff_t k, s;
    double *x, *w, *out;
    g.channels = 2;
    g.height = 1100;
    g.width = 1000;
    g.kernel_height = g.kernel_width = 3;
    g.out_height = 1100;
    g.out_width = 1000;
    g.stride_h = g.stride_w = g.dilation_h = g.dilation_w = 1;
    g.pad_top = g.pad_left = 1;
    g.threads = 2;
    CHECK(corr2d_depthwise_scratch(&g) > CORR2D_DW_SCRATCH_MAX, "the plane must pass the bound");
    x = malloc(sizeof(double) * (size_t)(2 * 1100 * 1000));
    w = malloc(sizeof(double) * 18);
    out = malloc(sizeof(double) * (size_t)(2 * 1100 * 1000));
    for (k = 0; k < 2 * 1100 * 1000; k++)
        x[k] = rand_int(-9, 9);
    for (k = 0; k < 18; k++)
        w[k] = rand_int(-9, 9);
    CHECK(corr2d_depthwise(CORR2D_FLOAT64, x, w, out, 1, 1, &g) == CORR2D_OK, "status");
    for (s = 0; s < 2000; s++) {
        const ptrdiff_t c = rand_int(0, 1), i = rand_int(0, 1099), j = rand_int(0, 999);
        double want = 0;
        ptrdiff_t p, q;
        for (p = 0; p < 3; p++)
            for (q = 0; q < 3; q++) {
                const ptrdiff_t src = source(&g, i, j, p, q);
                if (src >= 0)
                    want += x[c * 1100 * 1000 + src] * w[c * 9 + p * 3 + q];
            }
        CHECK(out[(c * 1100 + i) * 1000 + j] == want, "large plane c%td i%td j%td", c, i, j);
    }
    free(x);
    free(w);
    free(out);
}

/* Winograd F(2x2, 3x3): the weight, input and output transforms with naive
 * products between them, against a direct 3x3 convolution (float64), on
 * random geometries (odd output sizes, padding wider than the kernel, tile
 * rows of several images, chunks of tile rows). */
static void test_winograd(int trials)
{
    int t;
    for (t = 0; t < trials; t++) {
        corr2d_winograd_geometry g;
        const ptrdiff_t batch = rand_int(1, 3);
        ptrdiff_t th, tw, rows, chunk, r0, e, i, j, o, c, n, p, q, k;
        double *x, *w, *u, *v, *m, *scratch, *out, *ref;
        g.channels = rand_int(1, 4);
        g.out_channels = rand_int(1, 4);
        g.height = rand_int(1, 10);
        g.width = rand_int(1, 10);
        g.pad_top = rand_int(0, 4);
        g.pad_left = rand_int(0, 4);
        g.out_height = rand_int(1, 9);
        g.out_width = rand_int(1, 9);
        g.image_stride = g.channels * g.height * g.width;
        g.out_image_stride = g.out_channels * g.out_height * g.out_width;
        th = (g.out_height + 1) / 2;
        tw = (g.out_width + 1) / 2;
        rows = batch * th;
        chunk = rand_int(1, (int)rows);
        x = malloc(sizeof(double) * (size_t)(batch * g.image_stride));
        w = malloc(sizeof(double) * (size_t)(g.out_channels * g.channels * 9));
        u = malloc(sizeof(double) * (size_t)(16 * g.out_channels * g.channels));
        v = malloc(sizeof(double) * (size_t)(16 * g.channels * chunk * tw));
        m = malloc(sizeof(double) * (size_t)(16 * g.out_channels * chunk * tw));
        scratch = malloc(sizeof(double) * (size_t)CORR2D_WINOGRAD_SCRATCH(tw));
        out = malloc(sizeof(double) * (size_t)(batch * g.out_image_stride));
        ref = malloc(sizeof(double) * (size_t)(batch * g.out_image_stride));
        for (i = 0; i < batch * g.image_stride; i++)
            x[i] = rand_int(-50, 50) / 8.0;
        for (i = 0; i < g.out_channels * g.channels * 9; i++)
            w[i] = rand_int(-50, 50) / 8.0;
        for (i = 0; i < batch * g.out_image_stride; i++)
            out[i] = -1e300; /* every pixel must be written */
        CHECK(corr2d_winograd_weight(CORR2D_FLOAT64, w, u, g.out_channels * g.channels)
                  == CORR2D_OK, "weight");
        for (r0 = 0; r0 < rows; r0 += chunk) {
            const ptrdiff_t r1 = r0 + chunk < rows ? r0 + chunk : rows;
            const ptrdiff_t nt = (r1 - r0) * tw;
            /* The channels in two calls, as threads split them. */
            const ptrdiff_t cs = rand_int(0, (int)g.channels);
            const ptrdiff_t os = rand_int(0, (int)g.out_channels);
            CHECK(corr2d_winograd_input(CORR2D_FLOAT64, x, v, scratch, &g, r0, r1, 0, cs)
                      == CORR2D_OK, "input");
            CHECK(corr2d_winograd_input(CORR2D_FLOAT64, x, v, scratch, &g, r0, r1, cs,
                                        g.channels) == CORR2D_OK, "input");
            for (e = 0; e < 16; e++)
                for (o = 0; o < g.out_channels; o++)
                    for (j = 0; j < nt; j++) {
                        double s = 0;
                        for (c = 0; c < g.channels; c++)
                            s += u[(e * g.out_channels + o) * g.channels + c]
                                 * v[(e * g.channels + c) * nt + j];
                        m[(e * g.out_channels + o) * nt + j] = s;
                    }
            CHECK(corr2d_winograd_output(CORR2D_FLOAT64, m, out, scratch, &g, r0, r1, os,
                                         g.out_channels) == CORR2D_OK, "output");
            CHECK(corr2d_winograd_output(CORR2D_FLOAT64, m, out, scratch, &g, r0, r1, 0, os)
                      == CORR2D_OK, "output");
        }
        for (n = 0; n < batch; n++)
            for (o = 0; o < g.out_channels; o++)
                for (i = 0; i < g.out_height; i++)
                    for (j = 0; j < g.out_width; j++) {
                        double s = 0;
                        for (c = 0; c < g.channels; c++)
                            for (p = 0; p < 3; p++)
                                for (q = 0; q < 3; q++) {
                                    const ptrdiff_t ih = i + p - g.pad_top;
                                    const ptrdiff_t iw = j + q - g.pad_left;
                                    if (ih < 0 || ih >= g.height || iw < 0 || iw >= g.width)
                                        continue;
                                    s += w[((o * g.channels + c) * 3 + p) * 3 + q]
                                         * x[n * g.image_stride + (c * g.height + ih) * g.width
                                             + iw];
                                }
                        k = n * g.out_image_stride + (o * g.out_height + i) * g.out_width + j;
                        ref[k] = s;
                    }
        for (k = 0; k < batch * g.out_image_stride; k++)
            CHECK(fabs(out[k] - ref[k]) <= 1e-9 * (1 + fabs(ref[k])),
                  "winograd trial %d pixel %ld: %g vs %g", t, (long)k, out[k], ref[k]);
        free(x); free(w); free(u); free(v); free(m); free(scratch); free(out); free(ref);
    }
}

/* A stride whose layout arithmetic would wrap around 64 bits (2^62 on a
 * 4x4 plane corrupted the heap): the scratch is reported too large and
 * the loops refuse it, every pass. */
static void test_depthwise_huge_stride(void)
{
    corr2d_conv_geometry g;
    double x[16] = {0}, w[2] = {1, 1}, out[4] = {0};
    g.channels = 1;
    g.height = g.width = 4;
    g.kernel_height = 1;
    g.kernel_width = 2;
    g.out_height = 4;
    g.out_width = 1;
    g.stride_h = 1;
    g.stride_w = (ptrdiff_t)1 << 62;
    g.pad_top = g.pad_left = 0;
    g.dilation_h = g.dilation_w = 1;
    g.threads = 1;
    CHECK(corr2d_depthwise_scratch(&g) == PTRDIFF_MAX, "a wrapping layout is too large");
    CHECK(corr2d_depthwise(CORR2D_FLOAT64, x, w, out, 1, 1, &g) == CORR2D_ENOMEM,
          "forward refused");
    CHECK(corr2d_depthwise_grad_input(CORR2D_FLOAT64, out, w, x, 1, 1, &g) == CORR2D_ENOMEM,
          "input gradient refused");
    CHECK(corr2d_depthwise_grad_weight(CORR2D_FLOAT64, x, out, w, 1, 1, &g) == CORR2D_ENOMEM,
          "weight gradient refused");
}

int main(void)
{
    test_im2col_col2im(CORR2D_FLOAT64, 300);
    test_im2col_col2im(CORR2D_FLOAT32, 300);
    test_depthwise(200, 1);
    test_depthwise(300, 0);
    test_depthwise_large_plane();
    test_depthwise_huge_stride();
    test_winograd(300);
    if (failures) {
        fprintf(stderr, "test_conv: %d failures\n", failures);
        return 1;
    }
    printf("test_conv: all checks passed\n");
    return 0;
}

/* The C core's test of template matching's window normalization
 * (corr2d_window_normalize) against a naive double reference: random shapes
 * (windows as large as the image, one row or one column), channels, strides
 * of any sign, constant windows, several bands on 1, 2 and 3 threads (the
 * same bits), NaN, the interrupt check. Built plain and under ASan/UBSan by
 * the Makefile. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "corr2d_window.h"

#define TEST_SEED 24681357ULL
#include "test_util.h"

/* A random image in a random memory layout, its values also in a plain
 * (channel, row, column) array of doubles. */
typedef struct {
    corr2d_window_geometry g;
    double *values;       /* channels x height x width */
    void *buffer;         /* what the layout points into */
    ptrdiff_t origin;     /* element (0, 0, 0) in buffer */
    size_t buffer_elems;
} layout;

static void make_layout(layout *a, corr2d_dtype dtype, ptrdiff_t channels, ptrdiff_t height,
                        ptrdiff_t width)
{
    corr2d_window_geometry *g = &a->g;
    const size_t item = dtype == CORR2D_FLOAT32 ? sizeof(float) : sizeof(double);
    ptrdiff_t pad = rand_int(0, 3);
    g->channels = channels;
    g->height = height;
    g->width = width;
    switch (rand_int(0, 2)) {
    case 0: /* planar, padded rows */
        g->column_stride = 1;
        g->row_stride = width + pad;
        g->channel_stride = height * g->row_stride;
        a->origin = 0;
        break;
    case 1: /* channels last (an (H, W, C) image) */
        g->channel_stride = 1;
        g->column_stride = channels;
        g->row_stride = width * channels + pad;
        a->origin = 0;
        break;
    default: /* planar, rows upside down (a negative row stride) */
        g->column_stride = 1;
        g->row_stride = -(width + pad);
        g->channel_stride = height * (width + pad);
        a->origin = (height - 1) * (width + pad);
    }
    a->buffer_elems = (size_t)(channels * height * (width * channels + pad + 1));
    a->buffer = calloc(a->buffer_elems, item);
    a->values = malloc(sizeof(double) * (size_t)(channels * height * width));
}

static ptrdiff_t at(const corr2d_window_geometry *g, ptrdiff_t c, ptrdiff_t r, ptrdiff_t j)
{
    return c * g->channel_stride + r * g->row_stride + j * g->column_stride;
}

/* Sets value (c, r, j) in both copies (rounded to the dtype first). */
static void set_value(layout *a, corr2d_dtype dtype, ptrdiff_t c, ptrdiff_t r, ptrdiff_t j,
                      double v)
{
    ptrdiff_t k = a->origin + at(&a->g, c, r, j);
    if (dtype == CORR2D_FLOAT32) {
        ((float *)a->buffer)[k] = (float)v;
        v = (float)v;
    } else {
        ((double *)a->buffer)[k] = v;
    }
    a->values[(c * a->g.height + r) * a->g.width + j] = v;
}

static const void *image_of(const layout *a, corr2d_dtype dtype)
{
    return dtype == CORR2D_FLOAT32 ? (const void *)((const float *)a->buffer + a->origin)
                                   : (const void *)((const double *)a->buffer + a->origin);
}

/* out: oh x ow correlations at a random row and column stride, the values
 * also in `corr`; the elements between them hold a marker. */
static void *make_out(corr2d_window_geometry *g, corr2d_dtype dtype, double *corr,
                      size_t *elems, int integers)
{
    const ptrdiff_t oh = g->height - g->window_height + 1, ow = g->width - g->window_width + 1;
    ptrdiff_t i, j;
    void *out;
    g->out_column_stride = rand_int(1, 2);
    g->out_row_stride = ow * g->out_column_stride + rand_int(0, 2);
    *elems = (size_t)(oh * g->out_row_stride);
    out = malloc(*elems * (dtype == CORR2D_FLOAT32 ? sizeof(float) : sizeof(double)));
    for (i = 0; i < (ptrdiff_t)*elems; i++) {
        if (dtype == CORR2D_FLOAT32)
            ((float *)out)[i] = -777.0f;
        else
            ((double *)out)[i] = -777.0;
    }
    for (i = 0; i < oh; i++)
        for (j = 0; j < ow; j++) {
            double v = integers ? rand_int(-100, 100) / 8.0 : rand_int(-1000000, 1000000) / 1e6;
            ptrdiff_t k = i * g->out_row_stride + j * g->out_column_stride;
            if (dtype == CORR2D_FLOAT32) {
                ((float *)out)[k] = (float)v;
                v = (float)v;
            } else {
                ((double *)out)[k] = v;
            }
            corr[i * ow + j] = v;
        }
    return out;
}

static double out_value(const void *out, corr2d_dtype dtype, ptrdiff_t k)
{
    return dtype == CORR2D_FLOAT32 ? (double)((const float *)out)[k] : ((const double *)out)[k];
}

/* The window's sum and sum of squares of (x - shift) in long double, and
 * n * q - s^2 (0 exactly for a constant window of integers). */
static void window_sums(const layout *a, ptrdiff_t i, ptrdiff_t j, double shift,
                        long double *s, long double *q)
{
    const corr2d_window_geometry *g = &a->g;
    ptrdiff_t c, r, k;
    *s = *q = 0;
    for (c = 0; c < g->channels; c++)
        for (r = i; r < i + g->window_height; r++)
            for (k = j; k < j + g->window_width; k++) {
                long double x = (long double)a->values[(c * g->height + r) * g->width + k] - shift;
                *s += x;
                *q += x * x;
            }
}

/* Every marker between the outputs is still there. */
static int markers_intact(const void *out, corr2d_dtype dtype, const corr2d_window_geometry *g,
                          size_t elems)
{
    const ptrdiff_t ow = g->width - g->window_width + 1;
    size_t k;
    for (k = 0; k < elems; k++) {
        ptrdiff_t col = (ptrdiff_t)k % g->out_row_stride;
        int is_output = col % g->out_column_stride == 0 && col / g->out_column_stride < ow;
        if (!is_output && out_value(out, dtype, (ptrdiff_t)k) != -777.0)
            return 0;
    }
    return 1;
}

/* Small integers: every running sum is exact, so the result must be the
 * reference's bits: out / sqrt((n q - s * s) * (1 / n)), or 0 where that
 * variance is not above the floor or the window is constant. */
static void test_exact(corr2d_dtype dtype, int trials)
{
    int t;
    for (t = 0; t < trials; t++) {
        layout a;
        corr2d_window_geometry *g = &a.g;
        ptrdiff_t c, r, j, i, oh, ow;
        double *corr, shift, floor, inv_n;
        size_t elems;
        void *out;
        int constant = rand_int(0, 3) == 0;
        make_layout(&a, dtype, rand_int(0, 3) == 0 ? rand_int(2, 3) : 1,
                    rand_int(0, 3) == 0 ? rand_int(60, 300) : rand_int(1, 12),
                    rand_int(0, 3) == 0 ? rand_int(60, 200) : rand_int(1, 30));
        switch (rand_int(0, 3)) {
        case 0: /* the whole image */
            g->window_height = g->height;
            g->window_width = g->width;
            break;
        case 1: /* one row or one column */
            g->window_height = rand_int(0, 1) ? 1 : rand_int(1, (int)g->height);
            g->window_width = g->window_height == 1 ? rand_int(1, (int)g->width) : 1;
            break;
        default:
            g->window_height = rand_int(1, (int)(g->height < 40 ? g->height : 40));
            g->window_width = rand_int(1, (int)(g->width < 40 ? g->width : 40));
        }
        g->threads = rand_int(0, 3);
        for (c = 0; c < g->channels; c++)
            for (r = 0; r < g->height; r++)
                for (j = 0; j < g->width; j++)
                    set_value(&a, dtype, c, r, j, constant ? 3.0 : (double)rand_int(-8, 8));
        oh = g->height - g->window_height + 1;
        ow = g->width - g->window_width + 1;
        corr = malloc(sizeof(double) * (size_t)(oh * ow));
        out = make_out(g, dtype, corr, &elems, 1);
        shift = rand_int(-3, 3);
        floor = rand_int(0, 2) == 0 ? rand_int(1, 8) / 4.0 : 0.0;
        inv_n = 1.0 / ((double)g->channels * (double)g->window_height * (double)g->window_width);
        CHECK(corr2d_window_normalize(dtype, image_of(&a, dtype), out, g, floor) ==
                  CORR2D_OK, "status");
        for (i = 0; i < oh; i++)
            for (j = 0; j < ow; j++) {
                long double ls, lq;
                double s, q, var, expected, got;
                window_sums(&a, i, j, shift, &ls, &lq);
                s = (double)ls;
                q = (double)lq;
                /* (n q - s^2) / n: exact sums give the same bits whatever
                 * the shift (the core picks its own). */
                var = (q * (double)(g->channels * g->window_height * g->window_width) - s * s) *
                      inv_n;
                if ((long double)(g->channels * g->window_height * g->window_width) * lq ==
                        ls * ls || !(var > floor))
                    expected = 0.0;
                else
                    expected = corr[i * ow + j] / sqrt(var);
                if (dtype == CORR2D_FLOAT32)
                    expected = (float)expected;
                got = out_value(out, dtype, i * g->out_row_stride + j * g->out_column_stride);
                CHECK(got == expected, "exact %s: (%d, %d) got %.17g expected %.17g "
                      "(C=%d H=%d W=%d h=%d w=%d)", dtype == CORR2D_FLOAT32 ? "f32" : "f64",
                      (int)i, (int)j, got, expected, (int)g->channels, (int)g->height,
                      (int)g->width, (int)g->window_height, (int)g->window_width);
            }
        CHECK(markers_intact(out, dtype, g, elems), "out written only at the outputs");
        free(corr);
        free(out);
        free(a.buffer);
        free(a.values);
    }
}

/* Real values far from 0 (a shift that is not the mean), a block of a
 * constant that no float holds exactly: constant windows are exactly 0,
 * the others within the documented rounding of the float64 sums. */
static void test_rounding(corr2d_dtype dtype, int trials)
{
    int t;
    for (t = 0; t < trials; t++) {
        layout a;
        corr2d_window_geometry *g = &a.g;
        ptrdiff_t c, r, j, i, oh, ow, n;
        ptrdiff_t r0, r1, j0, j1;
        double *corr, *row_squares, level, largest = 0;
        double shift = rand_int(0, 1) ? 1000.0 : 0.0, offset = rand_int(0, 2000);
        size_t elems;
        void *out;
        make_layout(&a, dtype, rand_int(1, 2), rand_int(20, 200), rand_int(20, 120));
        g->window_height = rand_int(1, 16);
        g->window_width = rand_int(1, 16);
        g->threads = rand_int(0, 3);
        n = g->channels * g->window_height * g->window_width;
        /* The constant block: at least one window inside it. */
        r0 = rand_int(0, (int)(g->height - g->window_height));
        r1 = r0 + g->window_height + rand_int(0, 10);
        j0 = rand_int(0, (int)(g->width - g->window_width));
        j1 = j0 + g->window_width + rand_int(0, 10);
        row_squares = calloc((size_t)g->height, sizeof(double));
        for (c = 0; c < g->channels; c++)
            for (r = 0; r < g->height; r++)
                for (j = 0; j < g->width; j++) {
                    int inside = r >= r0 && r < r1 && j >= j0 && j < j1;
                    double x;
                    set_value(&a, dtype, c, r, j,
                              inside ? offset + 1.0 / 3.0
                                     : offset + rand_int(0, 1000000) * (1e3 / 1e6));
                    x = a.values[(c * g->height + r) * g->width + j] - shift;
                    row_squares[r] += x * x;
                }
        oh = g->height - g->window_height + 1;
        ow = g->width - g->window_width + 1;
        /* The documented rounding level, with the largest sum of squares
         * over window_height full rows anywhere (a bound on the band's). */
        for (i = 0; i < oh; i++) {
            double total = 0;
            for (r = i; r < i + g->window_height; r++)
                total += row_squares[r];
            largest = total > largest ? total : largest;
        }
        level = (4.0 * sqrt((double)(oh + g->window_height - 1 + g->width)) + 16.0) *
                DBL_EPSILON * largest;
        corr = malloc(sizeof(double) * (size_t)(oh * ow));
        out = make_out(g, dtype, corr, &elems, 0);
        CHECK(corr2d_window_normalize(dtype, image_of(&a, dtype), out, g, 0.0) ==
                  CORR2D_OK, "status");
        for (i = 0; i < oh; i++)
            for (j = 0; j < ow; j++) {
                const int inside = i >= r0 && i + g->window_height <= r1 && j >= j0 &&
                                   j + g->window_width <= j1;
                const double got =
                    out_value(out, dtype, i * g->out_row_stride + j * g->out_column_stride);
                long double s, q, mean, spread = 0;
                ptrdiff_t k, m;
                if (inside) {
                    CHECK(got == 0.0, "a constant window gives 0, got %g", got);
                    continue;
                }
                window_sums(&a, i, j, 0.0, &s, &q);
                mean = s / n;
                for (c = 0; c < g->channels; c++)
                    for (k = i; k < i + g->window_height; k++)
                        for (m = j; m < j + g->window_width; m++) {
                            long double d =
                                a.values[(c * g->height + k) * g->width + m] - mean;
                            spread += d * d;
                        }
                /* Near the rounding level the core may return 0: skip. */
                if (spread <= 4 * level)
                    continue;
                {
                    /* The variance's error is at most the rounding level:
                     * the coefficient's, half that relative to the spread. */
                    const double expected = (double)(corr[i * ow + j] / sqrtl(spread));
                    const double relative = (dtype == CORR2D_FLOAT32 ? 2.4e-7 : 1e-14) +
                                            0.5 * level / (double)spread;
                    CHECK(fabs(got - expected) <= relative * fabs(expected),
                          "rounding %s: (%d, %d) got %.17g expected %.17g (bound %.3g)",
                          dtype == CORR2D_FLOAT32 ? "f32" : "f64", (int)i, (int)j, got, expected,
                          relative);
                }
            }
        CHECK(markers_intact(out, dtype, g, elems), "out written only at the outputs");
        free(row_squares);
        free(corr);
        free(out);
        free(a.buffer);
        free(a.values);
    }
}

/* Many bands (tall images), and tiles of columns (wide ones): the same
 * bits on 1, 2 and 3 threads. Every other image has a bright right part
 * and a hot pixel, so that running sums are computed afresh and windows
 * that cancel against their tile's shift take further passes (the paths
 * the sanitizer builds must cover too). */
static void test_threads_agree(void)
{
    int t;
    for (t = 0; t < 8; t++) {
        corr2d_window_geometry g;
        /* Work enough for corr2d_plan_threads to start threads. */
        const ptrdiff_t height = rand_int(600, 900), width = rand_int(250, 700);
        const ptrdiff_t h = rand_int(1, 70), w = rand_int(1, 40);
        const ptrdiff_t oh = height - h + 1, ow = width - w + 1;
        double *image = malloc(sizeof(double) * (size_t)(height * width));
        double *corr = malloc(sizeof(double) * (size_t)(oh * ow));
        double *o1 = malloc(sizeof(double) * (size_t)(oh * ow));
        double *o2 = malloc(sizeof(double) * (size_t)(oh * ow));
        ptrdiff_t k;
        int threads;
        for (k = 0; k < height * width; k++)
            image[k] = 50.0 + sin((double)k * 0.37) * 40.0 + (double)(k % 7) * 0.01;
        if (t % 2) {
            for (k = 0; k < height * width; k++)
                if (k % width > width * 2 / 3)
                    image[k] = image[k] * 1e6 + 3e8;
            image[rand_int(0, (int)(height * width) - 1)] = 1e12;
        }
        for (k = 0; k < oh * ow; k++)
            corr[k] = cos((double)k * 0.11);
        g.channels = 1;
        g.height = height;
        g.width = width;
        g.channel_stride = height * width;
        g.row_stride = width;
        g.column_stride = 1;
        g.window_height = h;
        g.window_width = w;
        g.out_row_stride = ow;
        g.out_column_stride = 1;
        CHECK(corr2d_window_band_rows(oh, h) < oh, "several bands (%d rows)", (int)oh);
        g.threads = 1;
        memcpy(o1, corr, sizeof(double) * (size_t)(oh * ow));
        CHECK(corr2d_window_normalize(CORR2D_FLOAT64, image, o1, &g, 0.0) == CORR2D_OK,
              "status");
        for (threads = 2; threads <= 3; threads++) {
            g.threads = threads;
            memcpy(o2, corr, sizeof(double) * (size_t)(oh * ow));
            CHECK(corr2d_window_normalize(CORR2D_FLOAT64, image, o2, &g, 0.0) ==
                      CORR2D_OK, "status");
            CHECK(memcmp(o1, o2, sizeof(double) * (size_t)(oh * ow)) == 0,
                  "%d threads give the bits of 1", threads);
        }
        free(image);
        free(corr);
        free(o1);
        free(o2);
    }
}

/* Band sizes: a function of the shapes that covers every output row. */
static void test_band_rows(void)
{
    ptrdiff_t oh, h;
    for (oh = 1; oh < 2000; oh += 37)
        for (h = 1; h < 300; h += 29) {
            ptrdiff_t rows = corr2d_window_band_rows(oh, h);
            CHECK(rows >= 1 && rows <= oh, "band rows %d for %d output rows", (int)rows, (int)oh);
        }
}

/* NaN and infinities in the image: exactly the windows holding one are
 * NaN (the running sums count them rather than sum them, so the windows
 * after them are finite again), on one thread and on two. */
static void test_nan(void)
{
    const ptrdiff_t height = 200, width = 90, h = 7, w = 5;
    const ptrdiff_t bad_r[3] = {120, 3, 121}, bad_c[3] = {40, 88, 0};
    const float bad_v[3] = {NAN, INFINITY, -INFINITY};
    const ptrdiff_t oh = height - h + 1, ow = width - w + 1;
    float *image = malloc(sizeof(float) * (size_t)(height * width));
    float *out = malloc(sizeof(float) * (size_t)(oh * ow));
    corr2d_window_geometry g = {1, height, width, height * width, width, 1, h, w, ow, 1, 2};
    ptrdiff_t i, j, k;
    int threads;
    for (i = 0; i < height * width; i++)
        image[i] = (float)((i * 7919) % 1000) / 997.0f;
    for (k = 0; k < 3; k++)
        image[bad_r[k] * width + bad_c[k]] = bad_v[k];
    for (threads = 1; threads <= 2; threads++) {
        g.threads = threads;
        for (i = 0; i < oh * ow; i++)
            out[i] = 0.5f;
        CHECK(corr2d_window_normalize(CORR2D_FLOAT32, image, out, &g, 0.0) == CORR2D_OK,
              "status");
        for (i = 0; i < oh; i++)
            for (j = 0; j < ow; j++) {
                int holds = 0;
                for (k = 0; k < 3; k++)
                    holds |= i <= bad_r[k] && bad_r[k] < i + h && j <= bad_c[k] &&
                             bad_c[k] < j + w;
                CHECK(holds ? isnan(out[i * ow + j]) : isfinite(out[i * ow + j]),
                      "window (%d, %d): NaN exactly where it holds a non-finite sample",
                      (int)i, (int)j);
            }
    }
    free(image);
    free(out);
}

static int interrupt_calls;
static int interrupt_now(void)
{
    interrupt_calls++;
    return 1;
}

/* A registered check that reports an interrupt stops a long call with
 * CORR2D_EINTR; other dtypes are refused. */
static void test_interrupt_and_dtypes(void)
{
    /* Eight channels on one plane (a zero channel stride): a long call
     * from a modest buffer. */
    const ptrdiff_t n = 3000;
    float *image = malloc(sizeof(float) * (size_t)(n * n));
    float *out = malloc(sizeof(float) * (size_t)(n * n));
    corr2d_window_geometry g = {8, n, n, 0, n, 1, 3, 3, n - 2, 1, 1};
    ptrdiff_t k;
    for (k = 0; k < n * n; k++)
        image[k] = (float)(k % 1013);
    memset(out, 0, sizeof(float) * (size_t)(n * n));
    corr2d_set_interrupt_check(interrupt_now);
    CHECK(corr2d_window_normalize(CORR2D_FLOAT32, image, out, &g, 0.0) == CORR2D_EINTR,
          "interrupted call returns CORR2D_EINTR");
    CHECK(interrupt_calls >= 1, "the check was polled");
    corr2d_set_interrupt_check(NULL);
    CHECK(corr2d_window_normalize(CORR2D_UINT8, image, out, &g, 0.0) == CORR2D_EINVAL,
          "uint8 is refused");
    free(image);
    free(out);
}

int main(void)
{
    test_band_rows();
    test_exact(CORR2D_FLOAT64, 300);
    test_exact(CORR2D_FLOAT32, 300);
    test_rounding(CORR2D_FLOAT64, 60);
    test_rounding(CORR2D_FLOAT32, 60);
    test_threads_agree();
    test_nan();
    test_interrupt_and_dtypes();
    if (failures) {
        fprintf(stderr, "test_window: %d failures\n", failures);
        return 1;
    }
    printf("test_window: all checks passed\n");
    return 0;
}

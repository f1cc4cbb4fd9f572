/* The C core's own test: every dtype family, boundary and SIMD level against
 * a naive reference, on random shapes including kernels larger than the
 * image. Built plain and under ASan/UBSan by the Makefile. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "corr2d_core.h"
#include "../src/boundary.h"

#define TEST_SEED 12345ULL
#include "test_util.h"

/* Naive reference in double (complex: interleaved, nc = 2). */
static void reference(const double *img, const double *ker, const double *fill,
                      double *out, const corr2d_geometry *g, int nc)
{
    ptrdiff_t i, j, p, q;
    for (i = 0; i < g->out_height; i++)
        for (j = 0; j < g->out_width; j++) {
            double re = 0, im = 0;
            for (p = 0; p < g->kernel_height; p++)
                for (q = 0; q < g->kernel_width; q++) {
                    ptrdiff_t r = corr2d_ext_index(i + p - g->top, g->height, g->boundary);
                    ptrdiff_t c = corr2d_ext_index(j + q - g->left, g->width, g->boundary);
                    const double *x = (r < 0 || c < 0) ? fill : img + (r * g->row_stride + c) * nc;
                    const double *k = ker + (p * g->kernel_width + q) * nc;
                    if (nc == 1) {
                        re += x[0] * k[0];
                    } else {
                        re += x[0] * k[0] - x[1] * k[1];
                        im += x[0] * k[1] + x[1] * k[0];
                    }
                }
            out[(i * g->out_width + j) * nc] = re;
            if (nc == 2)
                out[(i * g->out_width + j) * nc + 1] = im;
        }
}

/* Kernel rows up to this wide (the separable row pass takes its taps in
 * groups of up to four vectors: 64 float32 taps with AVX-512). */
static int max_kernel_width = 12;

static void random_geometry(corr2d_geometry *g)
{
    g->height = rand_int(0, 3) == 0 ? rand_int(40, 300) : rand_int(1, 9);
    /* Wide images too, so that the interior loops run whole vector blocks
     * (64 float32 columns with AVX-512) on four rows at a time. */
    g->width = rand_int(0, 3) == 0 ? rand_int(60, 200) : rand_int(1, 70);
    g->row_stride = g->width + rand_int(0, 3);
    g->kernel_height = rand_int(1, 12);
    g->kernel_width = rand_int(1, max_kernel_width);
    g->boundary = rand_int(CORR2D_FILL, CORR2D_MIRROR);
    g->threads = rand_int(0, 3);
    switch (rand_int(0, 2)) {
    case 0: /* full */
        g->out_height = g->height + g->kernel_height - 1;
        g->out_width = g->width + g->kernel_width - 1;
        g->top = g->kernel_height - 1;
        g->left = g->kernel_width - 1;
        break;
    case 1: /* same */
        g->out_height = g->height;
        g->out_width = g->width;
        g->top = rand_int(0, (int)g->kernel_height - 1);
        g->left = rand_int(0, (int)g->kernel_width - 1);
        break;
    default: /* valid (possibly empty) */
        g->out_height = g->height - g->kernel_height + 1;
        g->out_width = g->width - g->kernel_width + 1;
        if (g->out_height < 0) g->out_height = 0;
        if (g->out_width < 0) g->out_width = 0;
        g->top = g->left = 0;
    }
    g->out_row_stride = g->out_width + rand_int(0, 2);
}

/* Runs one random case for a floating dtype; values are small integers so
 * every sum is exact and the comparison can be exact too. */
#define FLOAT_CASE(fname, T, dtype, nc)                                                \
    static void fname(void)                                                           \
    {                                                                                 \
        corr2d_geometry g;                                                            \
        size_t n_img, n_ker, n_out, k;                                                \
        T *img, *ker, *out, fill[2];                                                  \
        double *dimg, *dker, *dout, dfill[2];                                         \
        random_geometry(&g);                                                          \
        n_img = (size_t)(g.height * g.row_stride) * nc;                               \
        n_ker = (size_t)(g.kernel_height * g.kernel_width) * nc;                      \
        n_out = (size_t)(g.out_height * (g.out_row_stride > 0 ? g.out_row_stride : 1)) * nc + 1; \
        img = malloc(n_img * sizeof(T)); ker = malloc(n_ker * sizeof(T));             \
        out = malloc(n_out * sizeof(T));                                              \
        dimg = malloc(n_img * sizeof(double)); dker = malloc(n_ker * sizeof(double)); \
        dout = malloc(n_out * sizeof(double));                                        \
        for (k = 0; k < n_img; k++) dimg[k] = img[k] = (T)rand_int(-4, 4);            \
        for (k = 0; k < n_ker; k++) dker[k] = ker[k] = (T)rand_int(-3, 3);            \
        dfill[0] = fill[0] = (T)rand_int(-2, 2); dfill[1] = fill[1] = (T)rand_int(-2, 2); \
        CHECK(corr2d_correlate(dtype, img, ker, fill, out, &g) == CORR2D_OK, "status"); \
        reference(dimg, dker, dfill, dout, &g, nc);                                   \
        for (k = 0; k < (size_t)(g.out_height * g.out_width) * nc; k++) {           \
            size_t row = k / ((size_t)g.out_width * nc), col = k % ((size_t)g.out_width * nc); \
            double got = (double)out[row * (size_t)g.out_row_stride * nc + col];      \
            CHECK(got == dout[k], "%s: %g != %g (h=%d w=%d kh=%d kw=%d b=%d)", #fname, \
                  got, dout[k], (int)g.height, (int)g.width, (int)g.kernel_height,    \
                  (int)g.kernel_width, g.boundary);                                   \
        }                                                                             \
        free(img); free(ker); free(out); free(dimg); free(dker); free(dout);          \
    }

FLOAT_CASE(case_f32, float, CORR2D_FLOAT32, 1)
FLOAT_CASE(case_f64, double, CORR2D_FLOAT64, 1)
FLOAT_CASE(case_ld, long double, CORR2D_LONGDOUBLE, 1)
FLOAT_CASE(case_c64, float, CORR2D_COMPLEX64, 2)
FLOAT_CASE(case_c128, double, CORR2D_COMPLEX128, 2)
FLOAT_CASE(case_cld, long double, CORR2D_CLONGDOUBLE, 2)

/* corr2d_correlate_separable against the reference with kernel
 * outer(column, row), exactly (small integers): random geometries, and one
 * in four with arbitrary offsets, so that extension columns map outside
 * the output's own columns (a wrap reaching across a narrow window). */
/* What the separable and FFT cases plant in images (and fills). */
static const double non_finite[3] = {NAN, INFINITY, -INFINITY};

#define SEPARABLE_CASE(fname, T, dtype)                                               \
    static void fname(void)                                                           \
    {                                                                                 \
        corr2d_geometry g;                                                            \
        size_t n_img, n_out, k;                                                       \
        ptrdiff_t p, q;                                                               \
        T *img, *col, *row, *out, fill;                                               \
        double *dimg, *dker, *dout, dfill;                                            \
        max_kernel_width = rand_int(0, 1) ? 70 : 12;                                  \
        random_geometry(&g);                                                          \
        max_kernel_width = 12;                                                        \
        if (rand_int(0, 3) == 0) {                                                    \
            g.top = rand_int(-30, 30);                                                \
            g.left = rand_int(-30, 30);                                               \
            g.out_height = rand_int(1, 40);                                           \
            g.out_width = rand_int(1, 40);                                            \
            g.out_row_stride = g.out_width + rand_int(0, 2);                          \
        }                                                                             \
        n_img = (size_t)(g.height * g.row_stride);                                    \
        n_out = (size_t)(g.out_height * (g.out_row_stride > 0 ? g.out_row_stride : 1)) + 1; \
        img = malloc(n_img * sizeof(T)); out = malloc(n_out * sizeof(T));             \
        col = malloc((size_t)g.kernel_height * sizeof(T));                            \
        row = malloc((size_t)g.kernel_width * sizeof(T));                             \
        dimg = malloc(n_img * sizeof(double)); dout = malloc(n_out * sizeof(double)); \
        dker = malloc((size_t)(g.kernel_height * g.kernel_width) * sizeof(double));   \
        for (k = 0; k < n_img; k++) dimg[k] = img[k] = (T)rand_int(-4, 4);            \
        if (rand_int(0, 2) == 0) /* a few infinities and NaNs: zero taps included */  \
            for (k = 0; k < (size_t)rand_int(1, 3); k++) {                            \
                const size_t at = (size_t)rand_int(0, (int)n_img - 1);                \
                dimg[at] = img[at] = (T)non_finite[rand_int(0, 2)];                   \
            }                                                                         \
        for (p = 0; p < g.kernel_height; p++) col[p] = (T)rand_int(-3, 3);            \
        switch (rand_int(0, 2)) { /* a symmetric or antisymmetric column: folded */   \
        case 1: for (p = 0; p < g.kernel_height / 2; p++)                             \
                    col[g.kernel_height - 1 - p] = col[p];                            \
                break;                                                                \
        case 2: for (p = 0; p < g.kernel_height / 2; p++)                             \
                    col[g.kernel_height - 1 - p] = -col[p];                           \
                break;                                                                \
        }                                                                             \
        for (q = 0; q < g.kernel_width; q++) row[q] = (T)rand_int(-3, 3);             \
        for (p = 0; p < g.kernel_height; p++)                                         \
            for (q = 0; q < g.kernel_width; q++)                                      \
                dker[p * g.kernel_width + q] = (double)col[p] * (double)row[q];       \
        dfill = fill = (T)rand_int(-2, 2);                                            \
        CHECK(corr2d_correlate_separable(dtype, img, col, row, &fill, out, &g) == CORR2D_OK, \
              "separable status");                                                    \
        reference(dimg, dker, &dfill, dout, &g, 1);                                   \
        for (k = 0; k < (size_t)(g.out_height * g.out_width); k++) {                 \
            size_t r = k / (size_t)g.out_width, c = k % (size_t)g.out_width;         \
            double got = (double)out[r * (size_t)g.out_row_stride + c];               \
            CHECK(isnan(dout[k]) ? isnan(got) : got == dout[k],                      \
                  "%s: %g != %g (h=%d w=%d kh=%d kw=%d top=%d left=%d b=%d)",          \
                  #fname, got, dout[k], (int)g.height, (int)g.width,                  \
                  (int)g.kernel_height, (int)g.kernel_width, (int)g.top, (int)g.left, \
                  g.boundary);                                                        \
        }                                                                             \
        free(img); free(col); free(row); free(out); free(dimg); free(dker); free(dout); \
    }

SEPARABLE_CASE(separable_f32, float, CORR2D_FLOAT32)
SEPARABLE_CASE(separable_f64, double, CORR2D_FLOAT64)

/* corr2d_fft_correlate against the naive reference: random geometries
 * (every boundary, mode and thread count, kernels larger than the image
 * included) with random 2^a 3^b 5^c transform shapes that hold the kernel,
 * so that jobs of one tile (the unpaired path) and of two, partial tiles
 * and tiles past the image all occur; one in four with arbitrary offsets.
 * The output's gaps hold a sentinel (they must not be written). The
 * spectrum is made at the current SIMD level and, one call in two, used at
 * another (its layout does not depend on the level). The bound is the one
 * corr2d documents: 2 eps log2(FH FW) max|ext(x)| sum|k| (over the finite
 * samples); one call in three plants infinities and NaNs in the image, one
 * in ten takes one as the fill, and those outputs must be the reference's. */
static const int smooth_sizes[] = {1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 25, 27,
                                   30, 32, 36, 40, 45, 48, 50, 54, 60, 64, 72, 75, 80, 81, 90,
                                   96, 100, 120, 125, 128, 144, 160, 180, 192, 216, 240,
                                   256, 270};

static ptrdiff_t smooth_at_least(ptrdiff_t n)
{
    const int nsizes = (int)(sizeof smooth_sizes / sizeof smooth_sizes[0]);
    int first = 0;
    while (first < nsizes - 1 && smooth_sizes[first] < n)
        first++;
    return smooth_sizes[rand_int(first, nsizes - 1)];
}

#define FFT_CASE(fname, T, dtype, eps)                                                      \
    static void fname(void)                                                                 \
    {                                                                                       \
        corr2d_geometry g;                                                                  \
        ptrdiff_t fh, fw, nspec, i, j, p, q;                                                \
        size_t n_img, n_out, n_ker, k;                                                      \
        const char *level = corr2d_simd_level();                                            \
        static const char *other[] = {"baseline", "avx2", "avx512"};                        \
        T *img, *ker, *flipped, *spec, *out, fill;                                          \
        double *dimg, *dker, *dout, dfill, max_x, sum_k = 0, bound;                         \
        random_geometry(&g);                                                                \
        if (rand_int(0, 3) == 0) {                                                          \
            g.top = rand_int(-30, 30);                                                      \
            g.left = rand_int(-30, 30);                                                     \
            g.out_height = rand_int(1, 90);                                                 \
            g.out_width = rand_int(1, 90);                                                  \
            g.out_row_stride = g.out_width + rand_int(0, 2);                                \
        }                                                                                   \
        fh = smooth_at_least(g.kernel_height);                                              \
        fw = smooth_at_least(g.kernel_width);                                               \
        nspec = 2 * corr2d_fft_spectrum_length(dtype, fh, fw);                              \
        n_img = (size_t)(g.height * g.row_stride);                                          \
        n_ker = (size_t)(g.kernel_height * g.kernel_width);                                 \
        n_out = (size_t)(g.out_height * (g.out_row_stride > 0 ? g.out_row_stride : 1)) + 1; \
        img = malloc(n_img * sizeof(T)); ker = malloc(n_ker * sizeof(T));                   \
        flipped = malloc(n_ker * sizeof(T)); spec = malloc((size_t)nspec * sizeof(T));      \
        out = malloc(n_out * sizeof(T));                                                    \
        dimg = malloc(n_img * sizeof(double)); dker = malloc(n_ker * sizeof(double));       \
        dout = malloc(n_out * sizeof(double));                                              \
        for (k = 0; k < n_img; k++) dimg[k] = img[k] = (T)(rand_int(-100, 100) / 37.0);    \
        for (k = 0; k < n_ker; k++) dker[k] = ker[k] = (T)(rand_int(-100, 100) / 41.0);    \
        dfill = fill = (T)(rand_int(-100, 100) / 43.0);                                     \
        if (rand_int(0, 2) == 0) /* a few infinities and NaNs */                             \
            for (k = 0; k < (size_t)rand_int(1, 3); k++) {                                  \
                const size_t at = (size_t)rand_int(0, (int)n_img - 1);                      \
                dimg[at] = img[at] = (T)non_finite[rand_int(0, 2)];                         \
            }                                                                               \
        if (rand_int(0, 9) == 0)                                                            \
            dfill = fill = (T)non_finite[rand_int(0, 2)];                                   \
        max_x = isfinite(dfill) ? fabs(dfill) : 0;                                          \
        for (k = 0; k < n_img; k++)                                                         \
            if (isfinite(dimg[k])) max_x = fmax(max_x, fabs(dimg[k]));                      \
        for (k = 0; k < n_ker; k++) sum_k += fabs(dker[k]);                                 \
        bound = 2 * (eps) * log2(fh * fw > 2 ? (double)(fh * fw) : 2.0) * max_x * sum_k;   \
        for (p = 0; p < g.kernel_height; p++)                                               \
            for (q = 0; q < g.kernel_width; q++)                                            \
                flipped[p * g.kernel_width + q] =                                           \
                    ker[(g.kernel_height - 1 - p) * g.kernel_width + g.kernel_width - 1 - q]; \
        for (k = 0; k < n_out; k++) out[k] = (T)-7777;                                      \
        CHECK(corr2d_fft_supported(dtype, fh, fw), "fft supported %d x %d", (int)fh, (int)fw); \
        CHECK(corr2d_fft_spectrum(dtype, flipped, g.kernel_height, g.kernel_width, fh, fw, spec) \
                  == CORR2D_OK, "spectrum");                                                \
        if (rand_int(0, 1)) corr2d_force_simd_level(other[rand_int(0, 2)]);                 \
        CHECK(corr2d_fft_correlate(dtype, img, ker, &fill, spec, fh, fw, out, &g) == CORR2D_OK,  \
              "%s status", #fname);                                                         \
        corr2d_force_simd_level(level);                                                     \
        reference(dimg, dker, &dfill, dout, &g, 1);                                         \
        for (i = 0; i < g.out_height; i++)                                                  \
            for (j = 0; j < g.out_row_stride; j++) {                                        \
                const double got = (double)out[i * g.out_row_stride + j];                   \
                if (j >= g.out_width) {                                                     \
                    CHECK(got == -7777, "%s: gap written", #fname);                          \
                    continue;                                                               \
                }                                                                           \
                if (!isfinite(dout[i * g.out_width + j])) { /* the same NaN or infinity */    \
                    CHECK(isnan(dout[i * g.out_width + j]) ? isnan(got)                       \
                                                           : got == dout[i * g.out_width + j],  \
                          "%s: %g != %g (non-finite)", #fname, got, dout[i * g.out_width + j]); \
                    continue;                                                               \
                }                                                                           \
                CHECK(fabs(got - dout[i * g.out_width + j]) <= bound,                       \
                      "%s: %g != %g (h=%d w=%d kh=%d kw=%d fh=%d fw=%d top=%d left=%d b=%d)", \
                      #fname, got, dout[i * g.out_width + j], (int)g.height, (int)g.width,  \
                      (int)g.kernel_height, (int)g.kernel_width, (int)fh, (int)fw,          \
                      (int)g.top, (int)g.left, g.boundary);                                 \
            }                                                                               \
        CHECK(out[n_out - 1] == -7777, "%s: written past the output", #fname);              \
        free(img); free(ker); free(flipped); free(spec); free(out);                         \
        free(dimg); free(dker); free(dout);                                                 \
    }

FFT_CASE(fft_f32, float, CORR2D_FLOAT32, 1.1920929e-07)
FFT_CASE(fft_f64, double, CORR2D_FLOAT64, 2.220446049250313e-16)

/* The FFT's arguments outside its domain are refused, not trusted. */
static void test_fft_refusals(void)
{
    double k[4] = {1, 2, 3, 4}, spec[4096], strip[64 * 64] = {0}, out[64];
    CHECK(!corr2d_fft_supported(CORR2D_FLOAT64, 7, 8), "length 7 refused");
    CHECK(!corr2d_fft_supported(CORR2D_UINT8, 8, 8), "uint8 refused");
    CHECK(corr2d_fft_spectrum(CORR2D_FLOAT64, k, 2, 2, 14, 8, spec) == CORR2D_EINVAL, "14 refused");
    CHECK(corr2d_fft_spectrum(CORR2D_FLOAT64, k, 4, 1, 3, 8, spec) == CORR2D_EINVAL,
          "kernel taller than the tile refused");
    corr2d_geometry g = {8, 8, 8, 2, 2, 7, 7, 7, 0, 0, CORR2D_FILL, 1};
    CHECK(corr2d_fft_spectrum(CORR2D_FLOAT64, k, 2, 2, 8, 8, spec) == CORR2D_OK, "8 x 8 spectrum");
    CHECK(corr2d_fft_correlate(CORR2D_FLOAT64, strip, k, k, spec, 8, 8, out, &g) == CORR2D_OK,
          "a valid call runs");
    g.kernel_width = 9;
    CHECK(corr2d_fft_correlate(CORR2D_FLOAT64, strip, k, k, spec, 8, 8, out, &g) == CORR2D_EINVAL,
          "a kernel wider than the tile refused");
    g.kernel_width = 2;
    g.height = 0;
    CHECK(corr2d_fft_correlate(CORR2D_FLOAT64, strip, k, k, spec, 8, 8, out, &g) == CORR2D_EINVAL,
          "an empty image refused");
    { /* Rows that overlap (one row broadcast: stride 0) are read, not refused. */
        double row[8] = {1, -2, 3, 4, -5, 6, 7, 8}, flipped[4] = {4, 3, 2, 1}, direct[49];
        corr2d_geometry b = {8, 8, 0, 2, 2, 7, 7, 7, 0, 0, CORR2D_FILL, 1};
        int t;
        CHECK(corr2d_fft_spectrum(CORR2D_FLOAT64, flipped, 2, 2, 8, 8, spec) == CORR2D_OK, "spectrum");
        CHECK(corr2d_fft_correlate(CORR2D_FLOAT64, row, k, k, spec, 8, 8, out, &b) == CORR2D_OK,
              "row stride 0 runs");
        CHECK(corr2d_correlate(CORR2D_FLOAT64, row, k, k, direct, &b) == CORR2D_OK, "direct");
        for (t = 0; t < 49; t++)
            CHECK(fabs(out[t] - direct[t]) <= 1e-12, "row stride 0: %g != %g", out[t], direct[t]);
    }
}

/* Finite samples whose transform sums overflow (1e307 over an 8 x 8
 * tile; a checkerboard, whose bin (0, 0) stays finite, too): the pairs go
 * to the direct method, whose sums stay finite. With a NaN or an infinity
 * among them too (patterns 2 and 3), the pair zeroed of it overflows
 * again: it too goes direct (every output of the pair came out NaN). */
static void test_fft_overflow_runs_direct(void)
{
    double img[12 * 12], k[4] = {0.25, 0.125, 0.0625, 0.5}, flipped[4] = {0.5, 0.0625, 0.125, 0.25};
    double spec[4096], out[12 * 12], direct[12 * 12];
    corr2d_geometry g = {12, 12, 12, 2, 2, 11, 11, 11, 0, 0, CORR2D_FILL, 1};
    int t, pattern;
    CHECK(corr2d_fft_spectrum(CORR2D_FLOAT64, flipped, 2, 2, 8, 8, spec) == CORR2D_OK, "spectrum");
    for (pattern = 0; pattern < 4; pattern++) {
        for (t = 0; t < 144; t++)
            img[t] = (pattern == 1 && (t / 12 + t % 12) % 2 ? -1e307 : 1e307) * (1 + (t % 7) / 10.0);
        if (pattern >= 2)
            img[5 * 12 + 6] = pattern == 2 ? NAN : INFINITY;
        CHECK(corr2d_fft_correlate(CORR2D_FLOAT64, img, k, k, spec, 8, 8, out, &g) == CORR2D_OK,
              "overflowing pair runs");
        CHECK(corr2d_correlate(CORR2D_FLOAT64, img, k, k, direct, &g) == CORR2D_OK, "direct");
        /* Every pair overflows, so every output is the direct method's. */
        for (t = 0; t < 121; t++)
            CHECK(isnan(direct[t]) ? isnan(out[t]) : out[t] == direct[t],
                  "overflow %d at %d: %g != %g", pattern, t, out[t], direct[t]);
    }
}

/* Integers wrap: compare modulo 2^8 against the (exact) double reference. */
static void case_u8(void)
{
    corr2d_geometry g;
    size_t k, n_img, n_ker;
    uint8_t *img, *ker, *out, fill;
    double *dimg, *dker, *dout, dfill;
    random_geometry(&g);
    g.out_row_stride = g.out_width;
    n_img = (size_t)(g.height * g.row_stride);
    n_ker = (size_t)(g.kernel_height * g.kernel_width);
    img = malloc(n_img); ker = malloc(n_ker); out = malloc((size_t)(g.out_height * g.out_width) + 1);
    dimg = malloc(n_img * sizeof(double)); dker = malloc(n_ker * sizeof(double));
    dout = malloc(((size_t)(g.out_height * g.out_width) + 1) * sizeof(double));
    for (k = 0; k < n_img; k++) dimg[k] = img[k] = (uint8_t)rand_int(0, 255);
    for (k = 0; k < n_ker; k++) dker[k] = ker[k] = (uint8_t)rand_int(0, 255);
    dfill = fill = (uint8_t)rand_int(0, 255);
    CHECK(corr2d_correlate(CORR2D_UINT8, img, ker, &fill, out, &g) == CORR2D_OK, "status");
    reference(dimg, dker, &dfill, dout, &g, 1);
    for (k = 0; k < (size_t)(g.out_height * g.out_width); k++)
        CHECK(out[k] == (uint8_t)fmod(dout[k], 256.0), "u8 %d != %g", out[k], dout[k]);
    free(img); free(ker); free(out); free(dimg); free(dker); free(dout);
}

static void test_invalid_geometry(void)
{
    corr2d_geometry g;
    float x = 1, k = 1, out = 0, fill = 0;
    memset(&g, 0, sizeof g);
    g.height = g.width = g.row_stride = 1;
    g.kernel_height = 0; /* empty kernel */
    g.kernel_width = 1;
    g.out_height = g.out_width = g.out_row_stride = 1;
    CHECK(corr2d_correlate(CORR2D_FLOAT32, &x, &k, &fill, &out, &g) == CORR2D_EINVAL, "empty kernel");
    g.kernel_height = 1;
    g.boundary = 7;
    CHECK(corr2d_correlate(CORR2D_FLOAT32, &x, &k, &fill, &out, &g) == CORR2D_EINVAL, "boundary");
    g.boundary = CORR2D_FILL;
    CHECK(corr2d_correlate((corr2d_dtype)99, &x, &k, &fill, &out, &g) == CORR2D_EINVAL, "dtype");
    CHECK(corr2d_correlate(CORR2D_FLOAT32, &x, &k, &fill, &out, &g) == CORR2D_OK, "1x1");
    CHECK(out == 1.0f, "1x1 value");
    /* Statuses OR-ed by parallel loops come back as the most telling one. */
    CHECK(corr2d_status_of(CORR2D_OK) == CORR2D_OK, "status_of ok");
    CHECK(corr2d_status_of(CORR2D_ENOMEM) == CORR2D_ENOMEM, "status_of enomem");
    CHECK(corr2d_status_of(CORR2D_ENOMEM | CORR2D_EINVAL) == CORR2D_EINVAL, "status_of both");
}

/* Each boundary rule against its definition, walked sample by sample away
 * from the image (independent of corr2d_ext_index's modular arithmetic):
 * nearest stays on the edge; mirror bounces off the edge samples; symm
 * bounces half a sample beyond them; wrap steps round. */
static ptrdiff_t walked_index(ptrdiff_t i, ptrdiff_t n, int boundary)
{
    ptrdiff_t pos = i < 0 ? 0 : n - 1, dir = i < 0 ? -1 : 1, steps = i < 0 ? -i : i - (n - 1);
    if (i >= 0 && i < n)
        return i;
    if (boundary == CORR2D_NEAREST)
        return pos;
    while (steps-- > 0) {
        if (boundary == CORR2D_WRAP) {
            pos = ((pos + dir) % n + n) % n;
        } else if (boundary == CORR2D_MIRROR) {
            if (n == 1)
                continue;
            if (pos + dir < 0 || pos + dir >= n)
                dir = -dir;
            pos += dir;
        } else { /* symm: the edge sample repeats once at each bounce */
            if (pos + dir < 0 || pos + dir >= n)
                dir = -dir;
            else
                pos += dir;
        }
    }
    return pos;
}

static void test_boundary_rules(void)
{
    static const int rules[] = {CORR2D_WRAP, CORR2D_SYMM, CORR2D_NEAREST, CORR2D_MIRROR};
    ptrdiff_t n, i;
    int r;
    for (r = 0; r < 4; r++)
        for (n = 1; n <= 6; n++)
            for (i = -25; i < n + 25; i++)
                CHECK(corr2d_ext_index(i, n, rules[r]) == walked_index(i, n, rules[r]),
                      "rule %d, n=%d, i=%d: %d, walked %d", rules[r], (int)n, (int)i,
                      (int)corr2d_ext_index(i, n, rules[r]), (int)walked_index(i, n, rules[r]));
    CHECK(corr2d_ext_index(-1, 4, CORR2D_FILL) == -1 && corr2d_ext_index(4, 4, CORR2D_FILL) == -1,
          "fill");
}

/* corr2d_ordered_sums gives scipy.ndimage's sums: a 3x3 mean of samples
 * summing to 1305 is ndimage's 145.0 (a fused or regrouped sum gives
 * 144.99999999999997, which an integer output truncates to 144), and random
 * blocks match a sum whose every product and addition is rounded apart
 * (volatile: no contraction in the reference either). */
static void test_ordered_sums(void)
{
    static const double mean[9] = {181, 148, 190, 49, 200, 134, 192, 133, 78};
    double block[7 * 40], weights[12], out[5 * 33], ninth[9];
    ptrdiff_t offsets[12], i, j, t;
    int trial;
    for (t = 0; t < 9; t++) {
        offsets[t] = t / 3 * 3 + t % 3;
        ninth[t] = 1.0 / 9;
    }
    corr2d_ordered_sums(mean, 3, 1, 1, offsets, ninth, 9, out, 1);
    CHECK(out[0] == 145.0, "ordered sums: the 3x3 mean is %.17g, not ndimage's 145", out[0]);
    for (trial = 0; trial < 200; trial++) {
        const ptrdiff_t rows = rand_int(1, 5), cols = rand_int(1, 33), ntaps = rand_int(0, 12);
        for (i = 0; i < 7 * 40; i++)
            block[i] = rand_int(-1000, 1000) / 7.0;
        for (t = 0; t < ntaps; t++) {
            offsets[t] = rand_int(0, 2) * 40 + rand_int(0, 40 - 33);
            weights[t] = rand_int(-1000, 1000) / 3.0;
        }
        corr2d_ordered_sums(block, 40, rows, cols, offsets, weights, ntaps, out, 33);
        for (i = 0; i < rows; i++)
            for (j = 0; j < cols; j++) {
                volatile double sum = 0.0, product;
                for (t = 0; t < ntaps; t++) {
                    product = block[i * 40 + j + offsets[t]] * weights[t];
                    sum = sum + product;
                }
                CHECK(out[i * 33 + j] == sum, "ordered sums: %.17g != %.17g", out[i * 33 + j],
                      (double)sum);
            }
    }
}

static void test_d2l_example(void)
{
    float x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8}, k[4] = {0, 1, 2, 3}, out[4], fill = 0;
    corr2d_geometry g = {3, 3, 3, 2, 2, 2, 2, 2, 0, 0, CORR2D_FILL, 1};
    CHECK(corr2d_correlate(CORR2D_FLOAT32, x, k, &fill, out, &g) == CORR2D_OK, "status");
    CHECK(out[0] == 19 && out[1] == 25 && out[2] == 37 && out[3] == 43, "D2L example");
}

/* An antisymmetric column (not a power of two) takes the difference of
 * its mirrored samples first, so an image constant down its columns gives
 * exactly 0 in every column, the narrow images' scalar columns included
 * (they summed each product: rounding residue). */
static void test_separable_antisymmetric_columns_cancel(void)
{
    static const double column[3] = {-0.3, 0.0, 0.3}, row[3] = {0.7, 1.3, 0.7};
    double img[12 * 40], out[12 * 40], fill = 0;
    ptrdiff_t w, i, j;
    int b;
    for (b = CORR2D_FILL; b <= CORR2D_MIRROR; b++)
        for (w = 1; w <= 40; w++) {
            corr2d_geometry g = {12, w, w, 3, 3, 12, w, w, 1, 1, b, 1};
            for (i = 0; i < 12; i++)
                for (j = 0; j < w; j++)
                    img[i * w + j] = (j % 7 + 1) / 9.0;
            CHECK(corr2d_correlate_separable(CORR2D_FLOAT64, img, column, row, &fill, out, &g) ==
                      CORR2D_OK, "separable status");
            /* With fill the first and last rows meet the zeros outside. */
            for (i = b == CORR2D_FILL; i < 12 - (b == CORR2D_FILL); i++)
                for (j = 0; j < w; j++)
                    CHECK(out[i * w + j] == 0.0, "antisymmetric column: %g at (%d, %d), w=%d b=%d",
                          out[i * w + j], (int)i, (int)j, (int)w, b);
        }
}

static int interrupt_calls;
static int interrupt_now(void)
{
    interrupt_calls++;
    return 1;
}
static int interrupt_after_first(void)
{
    return interrupt_calls++ > 0;
}

/* A registered check that reports an interrupt stops a long call with
 * CORR2D_EINTR; without a check the same call runs to the end. Results are
 * the same for 1 and 2 threads, bit for bit (tiles do not depend on the
 * thread count). */
static void test_interrupt_and_threads(void)
{
    const ptrdiff_t n = 3072, k = 15;
    double *x = malloc(sizeof(double) * n * n), *o1 = malloc(sizeof(double) * n * n);
    double *o2 = malloc(sizeof(double) * n * n), kern[15 * 15], fill = 0;
    corr2d_geometry g = {n, n, n, k, k, n, n, n, k / 2, k / 2, CORR2D_SYMM, 2};
    ptrdiff_t i;
    for (i = 0; i < n * n; i++)
        x[i] = (double)((i * 7919) % 1000) / 997.0 - 0.5;
    for (i = 0; i < k * k; i++)
        kern[i] = (double)((i * 31) % 17) / 13.0 - 0.6;
    corr2d_set_interrupt_check(interrupt_now);
    CHECK(corr2d_correlate(CORR2D_FLOAT64, x, kern, &fill, o1, &g) == CORR2D_EINTR,
          "interrupted call returns CORR2D_EINTR");
    CHECK(interrupt_calls >= 1, "the check was polled");
    corr2d_set_interrupt_check(NULL);
    CHECK(corr2d_correlate(CORR2D_FLOAT64, x, kern, &fill, o1, &g) == CORR2D_OK, "status");
    g.threads = 1;
    CHECK(corr2d_correlate(CORR2D_FLOAT64, x, kern, &fill, o2, &g) == CORR2D_OK, "status");
    CHECK(memcmp(o1, o2, sizeof(double) * n * n) == 0, "1 and 2 threads agree bit for bit");
    free(x);
    free(o1);
    free(o2);
}

/* The FFT method asks the watch inside a job too, not only between jobs:
 * a call of one pair of large tiles (2048 x 2048 here, tens of ms) is
 * stopped within it. A host so fast that the whole call ends before the
 * first poll (20 ms) cannot show it, and says so instead. */
static void test_fft_interrupts_within_a_pair(void)
{
    const ptrdiff_t f = 2048, k = 5, oh = f - k + 1, ow = 2 * (f - k + 1);
    const ptrdiff_t h = oh + k - 1, w = ow + k - 1;
    double *x = malloc(sizeof(double) * (size_t)(h * w));
    double *out = malloc(sizeof(double) * (size_t)(oh * ow));
    double *spec = malloc(sizeof(double) * 2 * (size_t)corr2d_fft_spectrum_length(CORR2D_FLOAT64, f, f));
    double kern[25], fill = 0;
    corr2d_geometry g = {h, w, w, k, k, oh, ow, ow, 0, 0, CORR2D_FILL, 1};
    struct timespec t0, t1;
    double seconds;
    ptrdiff_t i;
    int status;
    CHECK(x && out && spec, "allocations");
    for (i = 0; i < h * w; i++)
        x[i] = (double)((i * 7919) % 1000) / 997.0 - 0.5;
    for (i = 0; i < k * k; i++)
        kern[i] = (double)((i * 31) % 17) / 13.0 - 0.6;
    CHECK(corr2d_fft_spectrum(CORR2D_FLOAT64, kern, k, k, f, f, spec) == CORR2D_OK, "spectrum");
    /* Timed warm (a cold first call would overstate it on a fast host). */
    CHECK(corr2d_fft_correlate(CORR2D_FLOAT64, x, kern, &fill, spec, f, f, out, &g) == CORR2D_OK,
          "one pair runs");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(corr2d_fft_correlate(CORR2D_FLOAT64, x, kern, &fill, spec, f, f, out, &g) == CORR2D_OK,
          "one pair runs");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    /* No interrupt at the first poll, which may be the one before the
     * job: only a poll inside the pair can stop it. */
    interrupt_calls = 0;
    corr2d_set_interrupt_check(interrupt_after_first);
    status = corr2d_fft_correlate(CORR2D_FLOAT64, x, kern, &fill, spec, f, f, out, &g);
    corr2d_set_interrupt_check(NULL);
    if (seconds < 3 * CORR2D_POLL_SECONDS)
        printf("  (one FFT pair took %.3f s: too fast to show a poll within it)\n", seconds);
    else
        CHECK(status == CORR2D_EINTR, "a pair of large tiles is interrupted within the job");
    free(x);
    free(out);
    free(spec);
}

int main(void)
{
    static const char *levels[] = {"baseline", "avx2", "avx512"};
    int level, t;
    printf("corr2d core: simd=%s openmp=%d threads=%d compiler=%s\n", corr2d_simd_level(),
           corr2d_openmp_enabled(), corr2d_max_threads(), corr2d_compiler());
    test_invalid_geometry();
    test_boundary_rules();
    test_d2l_example();
    test_ordered_sums();
    test_interrupt_and_threads();
    test_fft_interrupts_within_a_pair();
    test_fft_refusals();
    test_fft_overflow_runs_direct();
    for (level = 0; level < 3; level++) {
        if (!corr2d_force_simd_level(levels[level])) {
            printf("  %s: not supported by this CPU, skipped\n", levels[level]);
            continue;
        }
        test_separable_antisymmetric_columns_cancel();
        for (t = 0; t < 400; t++) {
            case_f32();
            case_f64();
            separable_f32();
            separable_f64();
            fft_f32();
            fft_f64();
        }
        printf("  %s: float32/float64 checked\n", levels[level]);
    }
    corr2d_force_simd_level(NULL);
    for (t = 0; t < 300; t++) {
        case_ld();
        case_c64();
        case_c128();
        case_cld();
        case_u8();
    }
    if (failures) {
        printf("%d failures\n", failures);
        return 1;
    }
    printf("all passed\n");
    return 0;
}

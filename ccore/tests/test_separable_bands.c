/* The separable method's bands with the core's own workspace sizes (no
 * test-size macros, unlike test_core's sanitizer build): each thread's
 * workspace is laid out for the longest band, and the column pass's copy
 * block of a shorter band (the last one) must fit it too. Between about
 * 125 and 1365 input rows that block is not monotonic in the rows
 * (1000 rows: 262000 bytes, 1001: 261261), and a last band asked for more
 * than was laid out (a heap overflow under AddressSanitizer). The images
 * hold small integers, so separable and direct agree exactly. */
#define TEST_SEED 20261205ULL
#include <stdlib.h>
#include <string.h>
#include "corr2d_core.h"
#include "test_util.h"

static void check_geometry(corr2d_dtype dtype, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kh,
                           ptrdiff_t kw, int threads)
{
    const size_t es = dtype == CORR2D_FLOAT64 ? sizeof(double) : sizeof(float);
    char *image = malloc((size_t)(h * w) * es), *sep = malloc((size_t)(h * w) * es);
    char *direct = malloc((size_t)(h * w) * es), *kernel = malloc((size_t)(kh * kw) * es);
    double column[64], row[64], fill = 0;
    float column32[64], row32[64], fill32 = 0;
    corr2d_geometry g = {h, w, w, kh, kw, h, w, w, (kh - 1) / 2, (kw - 1) / 2, CORR2D_FILL,
                         threads};
    ptrdiff_t i, p, q;
    for (i = 0; i < h * w; i++) {
        const double v = (double)rand_int(-6, 6);
        if (dtype == CORR2D_FLOAT64)
            ((double *)image)[i] = v;
        else
            ((float *)image)[i] = (float)v;
    }
    for (p = 0; p < kh; p++)
        column32[p] = (float)(column[p] = (double)rand_int(1, 3));
    for (q = 0; q < kw; q++)
        row32[q] = (float)(row[q] = (double)rand_int(-2, 2));
    for (p = 0; p < kh; p++)
        for (q = 0; q < kw; q++) {
            if (dtype == CORR2D_FLOAT64)
                ((double *)kernel)[p * kw + q] = column[p] * row[q];
            else
                ((float *)kernel)[p * kw + q] = column32[p] * row32[q];
        }
    if (dtype == CORR2D_FLOAT64) {
        CHECK(corr2d_correlate_separable(dtype, image, column, row, &fill, sep, &g) == CORR2D_OK,
              "separable %td x %td", h, w);
        CHECK(corr2d_correlate(dtype, image, kernel, &fill, direct, &g) == CORR2D_OK, "direct");
    } else {
        CHECK(corr2d_correlate_separable(dtype, image, column32, row32, &fill32, sep, &g) ==
                  CORR2D_OK,
              "separable %td x %td", h, w);
        CHECK(corr2d_correlate(dtype, image, kernel, &fill32, direct, &g) == CORR2D_OK, "direct");
    }
    CHECK(memcmp(sep, direct, (size_t)(h * w) * es) == 0,
          "separable equals direct exactly: %td x %td, %td x %td kernel, %d threads", h, w, kh,
          kw, threads);
    free(image);
    free(sep);
    free(direct);
    free(kernel);
}

int main(void)
{
    ptrdiff_t h;
    int threads;
    /* The two geometries the overflow was found with, then heights across
     * the range where the copy block is not monotonic. */
    check_geometry(CORR2D_FLOAT32, 1509, 212, 7, 7, 1);
    check_geometry(CORR2D_FLOAT64, 1715, 95, 6, 3, 1);
    for (threads = 1; threads <= 2; threads++)
        for (h = 130; h <= 2000; h += 137) {
            check_geometry(CORR2D_FLOAT32, h, 40 + rand_int(0, 300), 2 + rand_int(0, 9),
                           2 + rand_int(0, 9), threads);
            check_geometry(CORR2D_FLOAT64, h, 40 + rand_int(0, 300), 2 + rand_int(0, 9),
                           2 + rand_int(0, 9), threads);
        }
    if (failures) {
        printf("test_separable_bands: %d failures\n", failures);
        return 1;
    }
    printf("test_separable_bands: all checks passed\n");
    return 0;
}

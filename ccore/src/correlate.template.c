/*
 * Direct 2-D cross-correlation, written once and compiled per dtype and SIMD
 * level (included by correlate_*.c, like PyWavelets' convolution.template.c).
 *
 * The includer defines:
 *   NAME(x)  the name x with this instance's suffix (x_f32_avx2, ...)
 *   T        storage type of one pixel component
 *   A        arithmetic type (wider unsigned type for 8/16-bit integers)
 *   NC       components per pixel: 1 (real) or 2 (complex, interleaved)
 * and, for a vectorised real instance, VEC/VLEN/VSET1/VLOAD/VFMA/VSTORE.
 * Without them the interior loop is plain C over a fixed-size block, which
 * the compiler vectorises for the baseline ISA.
 *
 * Algorithm: each output row is the sum over kernel rows p of a 1-D
 * correlation of one (boundary-mapped) image row. Rows outside a filled
 * image contribute a constant, so the top/bottom boundary costs nothing per
 * pixel. Columns whose window lies inside the image (the interior) run a
 * branch-free register-blocked loop; only the few edge columns look up the
 * boundary rule per tap. No padded copy of the image is made.
 */

#ifndef VLEN
#define VEC A
#define VLEN 1
#define VSET1(x) ((A)(x))
#define VLOAD(p) ((A)*(p))
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VSTORE(p, v) (*(p) = (T)(v))
#define NAME_SCALAR_VEC_DEFINED
#endif

/* acc += x * k for one pixel. */
#if NC == 1
#define PIXEL_MAC(acc, x, k) ((acc)[0] += (A)(x)[0] * (A)(k)[0])
#else
#define PIXEL_MAC(acc, x, k)                                   \
    do {                                                       \
        A xr_ = (x)[0], xi_ = (x)[1], kr_ = (k)[0], ki_ = (k)[1]; \
        (acc)[0] += xr_ * kr_ - xi_ * ki_;                     \
        (acc)[1] += xr_ * ki_ + xi_ * kr_;                     \
    } while (0)
#endif

/*
 * out[j] = base + sum_r sum_q rows[r][j + q] * kernel_rows[r][q] for j in
 * [0, n), where every row pointer already points at the first tap and all
 * reads are inside the image.
 */
static void NAME(interior_row)(T *out, const T *const *rows,
                               const T *const *kernel_rows, ptrdiff_t nrows,
                               ptrdiff_t kw, ptrdiff_t n, const A *base)
{
    ptrdiff_t j = 0, r, q;
#if NC == 1
    const VEC vbase = VSET1(base[0]);
    /* Four vectors of outputs stay in registers across all kernel taps. */
    for (; j + 4 * VLEN <= n; j += 4 * VLEN) {
        VEC a0 = vbase, a1 = vbase, a2 = vbase, a3 = vbase;
        for (r = 0; r < nrows; r++) {
            const T *src = rows[r] + j;
            const T *k = kernel_rows[r];
            for (q = 0; q < kw; q++) {
                const VEC kv = VSET1(k[q]);
                a0 = VFMA(kv, VLOAD(src + q), a0);
                a1 = VFMA(kv, VLOAD(src + q + VLEN), a1);
                a2 = VFMA(kv, VLOAD(src + q + 2 * VLEN), a2);
                a3 = VFMA(kv, VLOAD(src + q + 3 * VLEN), a3);
            }
        }
        VSTORE(out + j, a0);
        VSTORE(out + j + VLEN, a1);
        VSTORE(out + j + 2 * VLEN, a2);
        VSTORE(out + j + 3 * VLEN, a3);
    }
    for (; j + VLEN <= n; j += VLEN) {
        VEC a0 = vbase;
        for (r = 0; r < nrows; r++) {
            const T *src = rows[r] + j;
            const T *k = kernel_rows[r];
            for (q = 0; q < kw; q++)
                a0 = VFMA(VSET1(k[q]), VLOAD(src + q), a0);
        }
        VSTORE(out + j, a0);
    }
#endif
    for (; j < n; j++) {
        A acc[NC];
        int c;
        for (c = 0; c < NC; c++)
            acc[c] = base[c];
        for (r = 0; r < nrows; r++) {
            const T *src = rows[r] + j * NC;
            const T *k = kernel_rows[r];
            for (q = 0; q < kw; q++)
                PIXEL_MAC(acc, src + q * NC, k + q * NC);
        }
        for (c = 0; c < NC; c++)
            out[j * NC + c] = (T)acc[c];
    }
}

/* One output pixel near the left/right edge: each tap's column goes through
 * the boundary rule. `rows` point at column 0 of their image row. */
static void NAME(edge_pixel)(T *out, const T *const *rows,
                             const T *const *kernel_rows, ptrdiff_t nrows,
                             ptrdiff_t kw, ptrdiff_t first_col, ptrdiff_t width,
                             int boundary, const T *fill, const A *base)
{
    A acc[NC];
    ptrdiff_t r, q;
    int c;
    for (c = 0; c < NC; c++)
        acc[c] = base[c];
    for (r = 0; r < nrows; r++) {
        const T *k = kernel_rows[r];
        for (q = 0; q < kw; q++) {
            ptrdiff_t col = corr2d_ext_index(first_col + q, width, boundary);
            const T *x = col < 0 ? fill : rows[r] + col * NC;
            PIXEL_MAC(acc, x, k + q * NC);
        }
    }
    for (c = 0; c < NC; c++)
        out[c] = (T)acc[c];
}

int NAME(correlate)(const T *image, const T *kernel, const T *fill, T *out,
                    const corr2d_geometry *g)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    /* Output columns [lo, hi) read only columns inside the image. */
    ptrdiff_t lo = g->left, hi = g->width - kw + 1 + g->left;
    const T **row_buffers;
    A *fill_row_sums;
    int nthreads, ntiles, tile;
    ptrdiff_t tile_rows, p, q;

    if (lo > ow) lo = ow;
    if (lo < 0) lo = 0;
    if (hi > ow) hi = ow;
    if (hi < lo) hi = lo;

    nthreads = corr2d_choose_threads(g->threads, (double)oh * ow * kh * kw * NC);
    tile_rows = corr2d_tile_rows(oh, nthreads);
    ntiles = (int)((oh + tile_rows - 1) / tile_rows);
    if (nthreads > ntiles)
        nthreads = ntiles > 0 ? ntiles : 1;

    /* Per thread: row pointers and kernel-row pointers for one output row. */
    row_buffers = (const T **)malloc(sizeof(*row_buffers) * 2 * (size_t)kh * (size_t)nthreads);
    /* What a kernel row adds when its image row lies wholly in the fill. */
    fill_row_sums = (A *)calloc((size_t)kh * NC, sizeof(*fill_row_sums));
    if (row_buffers == NULL || fill_row_sums == NULL) {
        free((void *)row_buffers);
        free(fill_row_sums);
        return CORR2D_ENOMEM;
    }
    if (g->boundary == CORR2D_FILL)
        for (p = 0; p < kh; p++)
            for (q = 0; q < kw; q++)
                PIXEL_MAC(fill_row_sums + p * NC, fill, kernel + (p * kw + q) * NC);

#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1)
#endif
    for (tile = 0; tile < ntiles; tile++) {
        const T **rows = row_buffers + 2 * kh * corr2d_thread_num();
        const T **kernel_rows = rows + kh;
        const T **interior_rows = rows; /* reused: see below */
        ptrdiff_t i, i_end = ((ptrdiff_t)tile + 1) * tile_rows;
        if (i_end > oh)
            i_end = oh;
        for (i = (ptrdiff_t)tile * tile_rows; i < i_end; i++) {
            T *out_row = out + i * g->out_row_stride * NC;
            ptrdiff_t r, nrows = 0, j;
            A base[NC];
            int c;
            for (c = 0; c < NC; c++)
                base[c] = 0;
            for (r = 0; r < kh; r++) {
                ptrdiff_t src = corr2d_ext_index(i + r - g->top, g->height, g->boundary);
                if (src < 0) {
                    for (c = 0; c < NC; c++)
                        base[c] += fill_row_sums[r * NC + c];
                    continue;
                }
                rows[nrows] = image + src * g->row_stride * NC;
                kernel_rows[nrows] = kernel + r * kw * NC;
                nrows++;
            }
            for (j = 0; j < lo; j++)
                NAME(edge_pixel)(out_row + j * NC, rows, kernel_rows, nrows, kw,
                                 j - g->left, g->width, g->boundary, fill, base);
            for (j = hi; j < ow; j++)
                NAME(edge_pixel)(out_row + j * NC, rows, kernel_rows, nrows, kw,
                                 j - g->left, g->width, g->boundary, fill, base);
            if (hi > lo) {
                /* Shift each row pointer to the first tap of column lo. */
                for (r = 0; r < nrows; r++)
                    interior_rows[r] = rows[r] + (lo - g->left) * NC;
                NAME(interior_row)(out_row + lo * NC, interior_rows, kernel_rows,
                                   nrows, kw, hi - lo, base);
            }
        }
    }
    free((void *)row_buffers);
    free(fill_row_sums);
    return CORR2D_OK;
}

#undef PIXEL_MAC
#ifdef NAME_SCALAR_VEC_DEFINED
#undef VEC
#undef VLEN
#undef VSET1
#undef VLOAD
#undef VFMA
#undef VSTORE
#undef NAME_SCALAR_VEC_DEFINED
#endif

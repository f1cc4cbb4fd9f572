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
 * branch-free register-blocked loop, two output rows at a time; the few
 * edge columns run the same loop on short strips of boundary-extended
 * image rows. No padded copy of the image is made.
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

#if NC == 1
/*
 * Two adjacent output rows (a above b) over columns [0, 4*VLEN*blocks): an
 * image row loaded once feeds kernel row p of a and row p-1 of b, halving
 * the loads per multiply-add. rows[r] (r < nboth) feed both outputs;
 * only_a feeds a alone (the image row above b's window), only_b feeds b
 * alone (below a's window); either may be NULL (filled). Returns the
 * number of columns done; the caller finishes the rest row by row.
 */
static ptrdiff_t NAME(interior_row_pair)(T *out_a, T *out_b, const T *const *rows,
                                         const T *const *kernel_a, const T *const *kernel_b,
                                         ptrdiff_t nboth, const T *only_a, const T *only_a_kernel,
                                         const T *only_b, const T *only_b_kernel, ptrdiff_t kw,
                                         ptrdiff_t n, A base_a, A base_b)
{
    ptrdiff_t j, r, q;
    const VEC vbase_a = VSET1(base_a), vbase_b = VSET1(base_b);
    for (j = 0; j + 4 * VLEN <= n; j += 4 * VLEN) {
        VEC a0 = vbase_a, a1 = vbase_a, a2 = vbase_a, a3 = vbase_a;
        VEC b0 = vbase_b, b1 = vbase_b, b2 = vbase_b, b3 = vbase_b;
        for (r = 0; r < nboth; r++) {
            const T *src = rows[r] + j;
            const T *ka = kernel_a[r], *kb = kernel_b[r];
            for (q = 0; q < kw; q++) {
                const VEC x0 = VLOAD(src + q), x1 = VLOAD(src + q + VLEN);
                const VEC x2 = VLOAD(src + q + 2 * VLEN), x3 = VLOAD(src + q + 3 * VLEN);
                const VEC va = VSET1(ka[q]), vb = VSET1(kb[q]);
                a0 = VFMA(va, x0, a0);
                b0 = VFMA(vb, x0, b0);
                a1 = VFMA(va, x1, a1);
                b1 = VFMA(vb, x1, b1);
                a2 = VFMA(va, x2, a2);
                b2 = VFMA(vb, x2, b2);
                a3 = VFMA(va, x3, a3);
                b3 = VFMA(vb, x3, b3);
            }
        }
        if (only_a != NULL)
            for (q = 0; q < kw; q++) {
                const VEC va = VSET1(only_a_kernel[q]);
                const T *src = only_a + j + q;
                a0 = VFMA(va, VLOAD(src), a0);
                a1 = VFMA(va, VLOAD(src + VLEN), a1);
                a2 = VFMA(va, VLOAD(src + 2 * VLEN), a2);
                a3 = VFMA(va, VLOAD(src + 3 * VLEN), a3);
            }
        if (only_b != NULL)
            for (q = 0; q < kw; q++) {
                const VEC vb = VSET1(only_b_kernel[q]);
                const T *src = only_b + j + q;
                b0 = VFMA(vb, VLOAD(src), b0);
                b1 = VFMA(vb, VLOAD(src + VLEN), b1);
                b2 = VFMA(vb, VLOAD(src + 2 * VLEN), b2);
                b3 = VFMA(vb, VLOAD(src + 3 * VLEN), b3);
            }
        VSTORE(out_a + j, a0);
        VSTORE(out_a + j + VLEN, a1);
        VSTORE(out_a + j + 2 * VLEN, a2);
        VSTORE(out_a + j + 3 * VLEN, a3);
        VSTORE(out_b + j, b0);
        VSTORE(out_b + j + VLEN, b1);
        VSTORE(out_b + j + 2 * VLEN, b2);
        VSTORE(out_b + j + 3 * VLEN, b3);
    }
    return j;
}
#endif

#if NC == 1 && defined(VQUAD)
/* VQUAD: vectors of columns per output row in the four-row loop, set by the
 * includer to fit its register file (4 rows x VQUAD accumulators, VQUAD
 * image vectors and a broadcast tap). */
#define QCOLS (VQUAD * VLEN)

/* acc[t] += x * kernel row (y - t) for the output rows t in [lo, hi] that
 * image row y (at s) feeds, over VQUAD vectors of columns and every tap.
 * Inlined with constant lo/hi, so acc stays in registers. */
CORR2D_FORCE_INLINE void NAME(rows4_taps)(
    VEC (*acc)[VQUAD], const T *s, const T *kernel, ptrdiff_t y, ptrdiff_t kw, int lo, int hi)
{
    ptrdiff_t q;
    int t, v;
    for (q = 0; q < kw; q++) {
        VEC x[VQUAD];
        for (v = 0; v < VQUAD; v++)
            x[v] = VLOAD(s + q + v * VLEN);
        for (t = lo; t <= hi; t++) {
            const VEC kv = VSET1(kernel[(y - t) * kw + q]);
            for (v = 0; v < VQUAD; v++)
                acc[t][v] = VFMA(kv, x[v], acc[t][v]);
        }
    }
}

/*
 * Four adjacent output rows over columns [0, QCOLS*blocks), for kernels of
 * kh >= 4 rows (the driver uses it from QUAD_MIN_KERNEL_ROWS): image row y,
 * counted from the top of the first row's window (y < kh + 3), feeds output
 * row t through kernel row y - t wherever 0 <= y - t < kh, so one load
 * serves up to four multiply-adds (the paired loop: two). src[y] points at
 * the row's first tap, or is NULL for a row wholly in the fill (folded into
 * base[t]). Returns the number of columns done; the caller finishes the rest.
 */
static ptrdiff_t NAME(interior_rows4)(T *const *out, const T *const *src, const T *kernel,
                                      ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t n, const A *base)
{
    ptrdiff_t j, y;
    int t, v;
    for (j = 0; j + QCOLS <= n; j += QCOLS) {
        VEC acc[4][VQUAD];
        for (t = 0; t < 4; t++)
            for (v = 0; v < VQUAD; v++)
                acc[t][v] = VSET1(base[t]);
        for (y = 0; y < kh + 3; y++) {
            const int lo = y - kh + 1 > 0 ? (int)(y - kh + 1) : 0, hi = y < 3 ? (int)y : 3;
            const T *s = src[y];
            if (s == NULL)
                continue;
            s += j;
            /* One case per range of rows, so that each inlined copy has
             * constant bounds. With kh >= 4 (the caller's rule) a range
             * starts at row 0 or ends at row 3. */
            switch (lo * 4 + hi) {
            case 0: NAME(rows4_taps)(acc, s, kernel, y, kw, 0, 0); break;
            case 1: NAME(rows4_taps)(acc, s, kernel, y, kw, 0, 1); break;
            case 2: NAME(rows4_taps)(acc, s, kernel, y, kw, 0, 2); break;
            case 3: NAME(rows4_taps)(acc, s, kernel, y, kw, 0, 3); break;
            case 7: NAME(rows4_taps)(acc, s, kernel, y, kw, 1, 3); break;
            case 11: NAME(rows4_taps)(acc, s, kernel, y, kw, 2, 3); break;
            default: NAME(rows4_taps)(acc, s, kernel, y, kw, 3, 3); break;
            }
        }
        for (t = 0; t < 4; t++)
            for (v = 0; v < VQUAD; v++)
                VSTORE(out[t] + j + v * VLEN, acc[t][v]);
    }
    return j;
}
#endif

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

/* The image rows one output row reads, with their kernel rows; rows that
 * lie wholly in the fill are folded into `base` instead. */
struct NAME(row_taps) {
    const T **rows;
    const T **kernel_rows;
    ptrdiff_t nrows;
    A base[NC];
};

static void NAME(gather_taps)(struct NAME(row_taps) *taps, ptrdiff_t i, const T *image,
                              const T *kernel, const A *fill_row_sums, const corr2d_geometry *g)
{
    ptrdiff_t r;
    int c;
    taps->nrows = 0;
    for (c = 0; c < NC; c++)
        taps->base[c] = 0;
    for (r = 0; r < g->kernel_height; r++) {
        ptrdiff_t src = corr2d_ext_index(i + r - g->top, g->height, g->boundary);
        if (src < 0) {
            for (c = 0; c < NC; c++)
                taps->base[c] += fill_row_sums[r * NC + c];
            continue;
        }
        taps->rows[taps->nrows] = image + src * g->row_stride * NC;
        taps->kernel_rows[taps->nrows] = kernel + r * g->kernel_width * NC;
        taps->nrows++;
    }
}

/* Output columns [j0, j1) of one row, tap by tap through the boundary
 * rule: the fallback when strips would need too much memory. */
static void NAME(edge_columns_by_tap)(T *out_row, const struct NAME(row_taps) *taps,
                                      ptrdiff_t j0, ptrdiff_t j1, const T *fill,
                                      const corr2d_geometry *g)
{
    ptrdiff_t j;
    for (j = j0; j < j1; j++)
        NAME(edge_pixel)(out_row + j * NC, taps->rows, taps->kernel_rows, taps->nrows,
                         g->kernel_width, j - g->left, g->width, g->boundary, fill, taps->base);
}

/* Output columns [j0, j1) of one row: each tap row's extended columns are
 * copied into a short strip (EDGE_CHUNK outputs at a time), then the
 * vectorised interior loop runs on the strips. */
static void NAME(edge_columns_by_strip)(T *out_row, const struct NAME(row_taps) *taps,
                                        ptrdiff_t j0, ptrdiff_t j1, const T *fill,
                                        const corr2d_geometry *g, T *strips, const T **strip_rows)
{
    const ptrdiff_t kw = g->kernel_width, stride = (EDGE_CHUNK + kw - 1) * NC;
    ptrdiff_t c0, r;
    for (c0 = j0; c0 < j1; c0 += EDGE_CHUNK) {
        ptrdiff_t c1 = c0 + EDGE_CHUNK < j1 ? c0 + EDGE_CHUNK : j1;
        /* Columns [first, first + len) of the extended row. */
        const ptrdiff_t first = c0 - g->left, len = c1 - c0 + kw - 1;
        for (r = 0; r < taps->nrows; r++) {
            T *strip = strips + r * stride;
            corr2d_copy_extended_row((char *)strip, (const char *)taps->rows[r], first, len,
                                     g->width, g->boundary, fill, sizeof(T) * NC);
            strip_rows[r] = strip;
        }
        NAME(interior_row)(out_row + c0 * NC, strip_rows, taps->kernel_rows, taps->nrows, kw,
                           c1 - c0, taps->base);
    }
}

/* Output columns outside [lo, hi) of one row. */
static void NAME(edge_columns)(T *out_row, const struct NAME(row_taps) *taps, ptrdiff_t lo,
                               ptrdiff_t hi, const T *fill, const corr2d_geometry *g,
                               T *strips, const T **strip_rows)
{
    if (strips != NULL) {
        NAME(edge_columns_by_strip)(out_row, taps, 0, lo, fill, g, strips, strip_rows);
        NAME(edge_columns_by_strip)(out_row, taps, hi, g->out_width, fill, g, strips, strip_rows);
    } else {
        NAME(edge_columns_by_tap)(out_row, taps, 0, lo, fill, g);
        NAME(edge_columns_by_tap)(out_row, taps, hi, g->out_width, fill, g);
    }
}

int NAME(correlate)(const T *image, const T *kernel, const T *fill, T *out,
                    const corr2d_geometry *g)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    /* Output columns [lo, hi) read only columns inside the image. */
    ptrdiff_t lo = g->left, hi = g->width - kw + 1 + g->left;
    /* (Columns [lo, hi) are then narrowed to whole vectors: see below.) */
    const T **row_buffers;
    T *strip_buffers = NULL;
    size_t strip_elems = ((size_t)kh * (size_t)(EDGE_CHUNK + kw - 1)) * NC;
    A *fill_row_sums;
    int nthreads;
    ptrdiff_t ntiles, tile, tile_rows, p, q;
    corr2d_watch watch;

    if (lo > ow) lo = ow;
    if (lo < 0) lo = 0;
    if (hi > ow) hi = ow;
    if (hi < lo) hi = lo;
    /* Widen the edge regions to whole vectors, so the strips they are
     * computed from run the vector loop rather than its scalar tail. */
    if (lo > 0)
        lo = (lo + VLEN - 1) / VLEN * VLEN < hi ? (lo + VLEN - 1) / VLEN * VLEN : hi;
    if (hi < ow)
        hi = ow - (ow - hi + VLEN - 1) / VLEN * VLEN > lo ? ow - (ow - hi + VLEN - 1) / VLEN * VLEN : lo;

    nthreads = corr2d_plan_threads(g->threads, (double)oh * ow * kh * kw * NC);
    tile_rows = corr2d_tile_rows(oh, nthreads);
    ntiles = (oh + tile_rows - 1) / tile_rows;
    if (nthreads > ntiles)
        nthreads = ntiles > 0 ? (int)ntiles : 1;
    corr2d_watch_start(&watch, (double)oh * ow * kh * kw * NC);

    /* Per thread: row and kernel-row pointers of two output rows, and the
     * three lists of the paired loop. */
    row_buffers = (const T **)malloc(sizeof(*row_buffers) * ROW_BUFFERS_PER_THREAD *
                                     ((size_t)kh + 3) * (size_t)nthreads);
    /* What a kernel row adds when its image row lies wholly in the fill. */
    fill_row_sums = (A *)calloc((size_t)kh * NC, sizeof(*fill_row_sums));
    /* Edge strips: small for image-sized kernels; huge kernels fall back
     * to the tap-by-tap edge loop rather than allocate. */
    if ((lo > 0 || hi < ow) && strip_elems <= EDGE_STRIP_MAX_ELEMS)
        strip_buffers = (T *)malloc(sizeof(T) * strip_elems * (size_t)nthreads);
    if (row_buffers == NULL || fill_row_sums == NULL) {
        free((void *)row_buffers);
        free(fill_row_sums);
        free(strip_buffers);
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
        /* This thread's pointer lists, kh + 3 entries each: [0, 8) rows and
         * kernel rows of up to four output rows, [8, 11) the paired loop's
         * lists, [11] the edge strips' rows, [12] the four-row loop's rows. */
        const int thread = corr2d_thread_num();
        const ptrdiff_t list = kh + 3;
        const T **buffers = row_buffers + ROW_BUFFERS_PER_THREAD * list * thread;
        const T **strip_rows = buffers + 11 * list;
        T *strips = strip_buffers != NULL ? strip_buffers + strip_elems * (size_t)thread : NULL;
        ptrdiff_t i, i_end = (tile + 1) * tile_rows;
        if (i_end > oh)
            i_end = oh;
        for (i = tile * tile_rows; i < i_end;) {
            if (corr2d_should_stop(&watch))
                break;
            /* Four rows at a time where the four-row loop applies, else two
             * where the paired loop does, else one. */
#if NC == 1 && defined(VQUAD)
            int quad = kh >= QUAD_MIN_KERNEL_ROWS && i + 3 < i_end && hi - lo >= QCOLS;
#else
            int quad = 0;
#endif
            int pair = !quad && NC == 1 && i + 1 < i_end && hi - lo >= 4 * VLEN;
            int k, nout = quad ? 4 : pair ? 2 : 1;
            struct NAME(row_taps) taps[4];
            ptrdiff_t done = 0, r;
            for (k = 0; k < nout; k++) {
                taps[k].rows = buffers + 2 * k * list;
                taps[k].kernel_rows = taps[k].rows + list;
                NAME(gather_taps)(&taps[k], i + k, image, kernel, fill_row_sums, g);
                NAME(edge_columns)(out + (i + k) * g->out_row_stride * NC, &taps[k], lo, hi, fill, g,
                                   strips, strip_rows);
            }
#if NC == 1 && defined(VQUAD)
            if (quad) {
                const T **src = buffers + 12 * list;
                T *outs[4];
                A bases[4];
                for (r = 0; r < kh + 3; r++) {
                    ptrdiff_t row = corr2d_ext_index(i + r - g->top, g->height, g->boundary);
                    src[r] = row < 0 ? NULL : image + row * g->row_stride + (lo - g->left);
                }
                for (k = 0; k < 4; k++) {
                    outs[k] = out + (i + k) * g->out_row_stride + lo;
                    bases[k] = taps[k].base[0];
                }
                done = NAME(interior_rows4)(outs, src, kernel, kh, kw, hi - lo, bases);
            }
#endif
#if NC == 1
            if (pair) {
                /* Image rows i-top .. i-top+kh: the first feeds only row i,
                 * the last only row i+1, the rest both. */
                const T **both = buffers + 8 * list;
                const T **kernel_a = both + list, **kernel_b = both + 2 * list;
                const T *only_a = NULL, *only_b = NULL;
                ptrdiff_t nboth = 0, shift = lo - g->left;
                for (r = 0; r <= kh; r++) {
                    ptrdiff_t src = corr2d_ext_index(i + r - g->top, g->height, g->boundary);
                    const T *row;
                    if (src < 0)
                        continue;
                    row = image + src * g->row_stride + shift;
                    if (r == 0) {
                        only_a = row;
                    } else if (r == kh) {
                        only_b = row;
                    } else {
                        both[nboth] = row;
                        kernel_a[nboth] = kernel + r * kw;
                        kernel_b[nboth] = kernel + (r - 1) * kw;
                        nboth++;
                    }
                }
                done = NAME(interior_row_pair)(
                    out + i * g->out_row_stride + lo, out + (i + 1) * g->out_row_stride + lo, both,
                    kernel_a, kernel_b, nboth, only_a, kernel, only_b, kernel + (kh - 1) * kw, kw,
                    hi - lo, taps[0].base[0], taps[1].base[0]);
            }
#endif
            for (k = 0; k < nout; k++) {
                if (hi - lo <= done)
                    continue;
                /* Shift each row pointer to the first tap of column lo + done. */
                for (r = 0; r < taps[k].nrows; r++)
                    taps[k].rows[r] += (lo - g->left + done) * NC;
                NAME(interior_row)(out + ((i + k) * g->out_row_stride + lo + done) * NC,
                                   taps[k].rows, taps[k].kernel_rows, taps[k].nrows, kw,
                                   hi - lo - done, taps[k].base);
            }
            i += nout;
        }
    }
    free((void *)row_buffers);
    free(fill_row_sums);
    free(strip_buffers);
    return watch.stop ? CORR2D_EINTR : CORR2D_OK;
}

#undef PIXEL_MAC
#ifdef QCOLS
#undef QCOLS
#endif
#ifdef NAME_SCALAR_VEC_DEFINED
#undef VEC
#undef VLEN
#undef VSET1
#undef VLOAD
#undef VFMA
#undef VSTORE
#undef NAME_SCALAR_VEC_DEFINED
#endif

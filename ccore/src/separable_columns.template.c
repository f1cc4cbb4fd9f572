/*
 * The separable method's two passes for a real dtype, written once and
 * compiled per dtype and vector width (included by vector_widths.h with
 * NAME, T, VEC_BYTES and VEC_TARGET defined).
 *
 * out[i][j] = sum_p col[p] * rows[i + p][j]: a 1-D correlation down the
 * columns, where rows[] already points at each (boundary-mapped) image row.
 * The general direct loops take a column kernel as one tap per image row
 * and sweep whole rows four output rows at a time, so a tall kernel's
 * rows (kh + 3 of them) come from L2 for every tap. Here a block of two
 * vectors of columns is finished for every row of the band before the
 * next, from a copy of the band's rows made a super block at a time (see
 * column_pass: image rows a power of two apart would map to the same few
 * cache sets), and each loaded vector feeds four output rows held in
 * registers: eight accumulators, as many as the FMA units' latency needs
 * and few enough for AVX2's sixteen registers. A mirrored column is
 * folded (fold_group).
 *
 * The vectors are GCC/Clang vector types of an explicit width, so the
 * AVX-512 instance runs 512-bit FMAs whatever the compiler's tuning
 * prefers (GCC's for AVX-512 CPUs is 256-bit: 2.4x slower here).
 */

#define SEP_V ((ptrdiff_t)(VEC_BYTES / sizeof(T)))
#define SEP_L (2 * SEP_V)

typedef T NAME(vec) __attribute__((vector_size(VEC_BYTES)));

/* 1 when col[p] equals col[kh - 1 - p] bit for bit for every p < kh / 2,
 * -1 when it equals -col[kh - 1 - p] (the middle tap of an odd kernel
 * is free: it is never paired), else 0. */
static int NAME(column_symmetry)(const T *col, ptrdiff_t kh)
{
    int even = 1, odd = 1;
    ptrdiff_t p;
    for (p = 0; p < kh / 2; p++) {
        const T mirror = col[kh - 1 - p], negated = -mirror;
        even &= memcmp(&col[p], &mirror, sizeof(T)) == 0;
        odd &= memcmp(&col[p], &negated, sizeof(T)) == 0;
    }
    return even ? 1 : odd ? -1 : 0;
}

/* One pair of taps p of fold_group, at phase d = p % 4 (a constant once
 * inlined): top input row p + r sits in ring slot (p + r) % 4 and bottom
 * row kh - 1 - p + r in slot (p - r) % 4, so the rows slide through the
 * slots with no register moves (moving them cost as much as the halved
 * multiply-adds saved: 16 zmm moves a pair on Zen 4's FP pipes). Each
 * pair loads the one new top row and the one new bottom row. */
VEC_TARGET static inline __attribute__((always_inline)) void
NAME(fold_step)(const T *x, ptrdiff_t xs, ptrdiff_t kh, ptrdiff_t p, const int d, T c,
                const int neg, const int W, NAME(vec) (*top)[2], NAME(vec) (*bot)[2],
                NAME(vec) (*acc)[2])
{
    int r, w;
    for (w = 0; w < W; w++) {
        memcpy(&top[(d + 3) % 4][w], x + (p + 3) * xs + w * SEP_V, sizeof top[0][w]);
        memcpy(&bot[d][w], x + (kh - 1 - p) * xs + w * SEP_V, sizeof bot[0][w]);
    }
    for (r = 0; r < 4; r++)
        for (w = 0; w < W; w++) {
            const NAME(vec) t = top[(d + r) % 4][w], b = bot[(d - r + 4) % 4][w];
            acc[r][w] += (neg ? t - b : t + b) * c;
        }
}

/* The column pass of a symmetric (neg = 0) or antisymmetric (neg = 1)
 * column, for output rows 0..3 of `x` (the block's rows from the group's
 * first input row): row r is the sum over p < kh / 2 of
 * col[p] (x[r + p] +- x[r + kh - 1 - p]), plus col[kh / 2] x[r + kh / 2]
 * when kh is odd. Half the multiply-adds of the plain pass become adds,
 * which Zen's add pipes run beside the FMA pipes (on Intel's shared ports
 * the count of operations is the same). W vectors per row: 4 x 3 x W
 * accumulators and inputs (24 of AVX-512's 32 registers for W = 2; 12 of
 * 16 for W = 1). Each output row reads only the rows of its own window:
 * no zero taps. */
VEC_TARGET static inline __attribute__((always_inline)) void
NAME(fold_group)(const T *x, ptrdiff_t xs, const T *col, ptrdiff_t kh, const int neg, const int W,
                 T *out, ptrdiff_t out_stride)
{
    const ptrdiff_t h = kh / 2;
    NAME(vec) acc[4][2], top[4][2], bot[4][2];
    ptrdiff_t p;
    int r, w;
    for (r = 0; r < 4; r++)
        for (w = 0; w < W; w++)
            acc[r][w] = (NAME(vec)){0};
    for (w = 0; w < W; w++) /* loaded by pair 0; set for GCC's flow analysis */
        top[3][w] = bot[0][w] = (NAME(vec)){0};
    /* Before pair 0: top rows 0..2 (slots 0..2), bottom rows kh .. kh + 2
     * (slots 3, 2, 1). */
    for (r = 0; r < 3; r++)
        for (w = 0; w < W; w++) {
            memcpy(&top[r][w], x + r * xs + w * SEP_V, sizeof top[r][w]);
            memcpy(&bot[3 - r][w], x + (kh + r) * xs + w * SEP_V, sizeof bot[r][w]);
        }
    for (p = 0; p + 4 <= h; p += 4) {
        NAME(fold_step)(x, xs, kh, p, 0, col[p], neg, W, top, bot, acc);
        NAME(fold_step)(x, xs, kh, p + 1, 1, col[p + 1], neg, W, top, bot, acc);
        NAME(fold_step)(x, xs, kh, p + 2, 2, col[p + 2], neg, W, top, bot, acc);
        NAME(fold_step)(x, xs, kh, p + 3, 3, col[p + 3], neg, W, top, bot, acc);
    }
    if (p < h)
        NAME(fold_step)(x, xs, kh, p, 0, col[p], neg, W, top, bot, acc);
    if (p + 1 < h)
        NAME(fold_step)(x, xs, kh, p + 1, 1, col[p + 1], neg, W, top, bot, acc);
    if (p + 2 < h)
        NAME(fold_step)(x, xs, kh, p + 2, 2, col[p + 2], neg, W, top, bot, acc);
    if (kh % 2) { /* the middle tap: rows h .. h + 3, from L1 */
        const T c = col[h];
        for (r = 0; r < 4; r++)
            for (w = 0; w < W; w++) {
                NAME(vec) m;
                memcpy(&m, x + (h + r) * xs + w * SEP_V, sizeof m);
                acc[r][w] += m * c;
            }
    }
    for (r = 0; r < 4; r++)
        for (w = 0; w < W; w++)
            memcpy(out + r * out_stride + w * SEP_V, &acc[r][w], sizeof acc[r][w]);
}

/* One output row of the folded pass (the rows past the last group of
 * four), in the same order of operations as fold_group. */
VEC_TARGET static void NAME(fold_row)(const T *x, ptrdiff_t xs, const T *col, ptrdiff_t kh, int neg,
                                     T *out)
{
    const ptrdiff_t h = kh / 2;
    ptrdiff_t p;
    int w;
    for (w = 0; w < 2; w++) {
        NAME(vec) acc = {0}, t, b;
        for (p = 0; p < h; p++) {
            memcpy(&t, x + p * xs + w * SEP_V, sizeof t);
            memcpy(&b, x + (kh - 1 - p) * xs + w * SEP_V, sizeof b);
            acc += (neg ? t - b : t + b) * col[p];
        }
        if (kh % 2) {
            memcpy(&t, x + h * xs + w * SEP_V, sizeof t);
            acc += t * col[h];
        }
        memcpy(out + w * SEP_V, &acc, sizeof acc);
    }
}

/* The folded pass over a copied block: groups of four output rows, then
 * single rows. */
VEC_TARGET static void NAME(fold_block)(const T *block, ptrdiff_t xs, const T *col,
                                        ptrdiff_t kh, int neg, ptrdiff_t nrows, T *out,
                                        ptrdiff_t out_stride)
{
    ptrdiff_t i;
    for (i = 0; i + 4 <= nrows; i += 4) {
        const T *x = block + i * xs;
        T *o = out + i * out_stride;
#if VEC_BYTES == 64
        if (neg)
            NAME(fold_group)(x, xs, col, kh, 1, 2, o, out_stride);
        else
            NAME(fold_group)(x, xs, col, kh, 0, 2, o, out_stride);
#else
        if (neg) {
            NAME(fold_group)(x, xs, col, kh, 1, 1, o, out_stride);
            NAME(fold_group)(x + SEP_V, xs, col, kh, 1, 1, o + SEP_V, out_stride);
        } else {
            NAME(fold_group)(x, xs, col, kh, 0, 1, o, out_stride);
            NAME(fold_group)(x + SEP_V, xs, col, kh, 0, 1, o + SEP_V, out_stride);
        }
#endif
    }
    for (; i < nrows; i++)
        NAME(fold_row)(block + i * xs, xs, col, kh, neg, out + i * out_stride);
}

VEC_TARGET static void NAME(column_pass)(const T *const *rows, const T *col, ptrdiff_t kh,
                                         ptrdiff_t nrows, ptrdiff_t n, T *out,
                                         ptrdiff_t out_stride, T *block, ptrdiff_t block_elements)
{
    /* Input rows 3 .. kh - 1 of a group of four output rows weigh in all
     * four; the first and last three only in the rows whose window holds
     * them. (Zero taps would be simpler, but a zero tap times an infinity
     * is NaN: an output beside an infinity, not over it, came out NaN.)
     *
     * The image comes in super blocks: each input row's piece of `sb`
     * columns is copied whole into `block` (64-byte aligned,
     * `block_elements` long), at a row stride `xs` of an odd number of
     * cache lines. Copying row by row lets the hardware prefetchers follow
     * each row; copying each block's 128-byte pieces straight from the
     * image, rows a power of two apart (a 4096-wide image) shared a few L1
     * and L2 sets and missed the prefetchers: 1.37x slower per pixel than
     * a 4000-wide image (float64, 31 taps). */
    const ptrdiff_t nin = nrows + kh - 1, pad = 64 / (ptrdiff_t)sizeof(T);
    /* Super blocks are whole blocks and whole pairs of lines wide. */
    const ptrdiff_t unit = SEP_L > 2 * pad ? SEP_L : 2 * pad;
    const int symmetry = kh >= 2 ? NAME(column_symmetry)(col, kh) : 0;
    ptrdiff_t sb = (block_elements / nin - pad) / unit * unit, xs, J0, j0, i, p, l;
    if (sb < SEP_L) /* the caller allows at least one block */
        sb = SEP_L;
    xs = sb + pad;
    /* The last columns, fewer than a block, go as one more block ending at
     * column n: the columns it shares with the block before come out the
     * same (each column's sum is the same sequence of operations). */
    for (J0 = 0; J0 + SEP_L <= n;) {
        const ptrdiff_t w = n - J0 < sb ? (n - J0) / SEP_L * SEP_L : sb;
        for (p = 0; p < nin; p++)
            memcpy(block + p * xs, rows[p] + J0, sizeof(T) * (size_t)w);
        for (j0 = J0; j0 < J0 + w; j0 += SEP_L) {
            const T *x0s = block + (j0 - J0);
            if (symmetry != 0) {
                NAME(fold_block)(x0s, xs, col, kh, symmetry < 0, nrows, out + j0, out_stride);
                continue;
            }
            for (i = 0; i + 4 <= nrows; i += 4) {
                NAME(vec) a0 = {0}, b0 = {0}, a1 = {0}, b1 = {0};
                NAME(vec) a2 = {0}, b2 = {0}, a3 = {0}, b3 = {0};
                /* Input row i + p feeds output row i + r with tap p - r. */
#define SEP_EDGE_ROW(r, a, b)                    \
    if (p - (r) >= 0 && p - (r) < kh) {           \
        a += x0 * col[p - (r)];                   \
        b += x1 * col[p - (r)];                   \
    }
#define SEP_EDGE(p_start, p_end)                             \
    for (p = (p_start); p < (p_end); p++) {                  \
        const T *x = x0s + (i + p) * xs;                    \
        NAME(vec) x0, x1;                                    \
        memcpy(&x0, x, sizeof x0);                           \
        memcpy(&x1, x + SEP_V, sizeof x1);                   \
        SEP_EDGE_ROW(0, a0, b0)                              \
        SEP_EDGE_ROW(1, a1, b1)                              \
        SEP_EDGE_ROW(2, a2, b2)                              \
        SEP_EDGE_ROW(3, a3, b3)                              \
    }
                SEP_EDGE(0, 3)
                for (p = 3; p < kh; p++) {
                    const T *x = x0s + (i + p) * xs;
                    NAME(vec) x0, x1;
                    const T c0 = col[p], c1 = col[p - 1], c2 = col[p - 2], c3 = col[p - 3];
                    memcpy(&x0, x, sizeof x0); /* unaligned vector loads */
                    memcpy(&x1, x + SEP_V, sizeof x1);
                    a0 += x0 * c0;
                    b0 += x1 * c0;
                    a1 += x0 * c1;
                    b1 += x1 * c1;
                    a2 += x0 * c2;
                    b2 += x1 * c2;
                    a3 += x0 * c3;
                    b3 += x1 * c3;
                }
                SEP_EDGE(kh > 3 ? kh : 3, kh + 3)
#undef SEP_EDGE
#undef SEP_EDGE_ROW
                memcpy(out + i * out_stride + j0, &a0, sizeof a0);
                memcpy(out + i * out_stride + j0 + SEP_V, &b0, sizeof b0);
                memcpy(out + (i + 1) * out_stride + j0, &a1, sizeof a1);
                memcpy(out + (i + 1) * out_stride + j0 + SEP_V, &b1, sizeof b1);
                memcpy(out + (i + 2) * out_stride + j0, &a2, sizeof a2);
                memcpy(out + (i + 2) * out_stride + j0 + SEP_V, &b2, sizeof b2);
                memcpy(out + (i + 3) * out_stride + j0, &a3, sizeof a3);
                memcpy(out + (i + 3) * out_stride + j0 + SEP_V, &b3, sizeof b3);
            }
            for (; i < nrows; i++) {
                NAME(vec) a = {0}, b = {0};
                for (p = 0; p < kh; p++) {
                    const T *x = x0s + (i + p) * xs;
                    NAME(vec) x0, x1;
                    memcpy(&x0, x, sizeof x0);
                    memcpy(&x1, x + SEP_V, sizeof x1);
                    a += x0 * col[p];
                    b += x1 * col[p];
                }
                memcpy(out + i * out_stride + j0, &a, sizeof a);
                memcpy(out + i * out_stride + j0 + SEP_V, &b, sizeof b);
            }
        }
        J0 += w;
        if (J0 < n && J0 + SEP_L > n)
            J0 = n - SEP_L;
    }
    /* Fewer columns than a block: folded as fold_row folds, so that an
     * antisymmetric column gives exactly 0 where its mirrored samples are
     * equal whatever the image's width (filters.sobel along axis 0). */
    j0 = n < SEP_L ? 0 : n;
    for (i = 0; i < nrows && j0 < n; i++)
        for (l = j0; l < n; l++) {
            T acc = 0;
            if (symmetry != 0) {
                for (p = 0; p < kh / 2; p++) {
                    const T t = rows[i + p][l], b = rows[i + kh - 1 - p][l];
                    acc += (symmetry < 0 ? t - b : t + b) * col[p];
                }
                if (kh % 2)
                    acc += rows[i + kh / 2][l] * col[kh / 2];
            } else {
                for (p = 0; p < kh; p++)
                    acc += col[p] * rows[i + p][l];
            }
            out[i * out_stride + l] = acc;
        }
}

/*
 * The row pass over one row: out[j] = sum_q row[q] * in[j + q] for j < n,
 * `in` holding n + kw - 1 elements.
 *
 * Blocks of SEP_RB vectors of outputs take the taps in groups of SEP_V:
 * the vectors at in[j + s + SEP_V m] (one shift s, m = 0, 1, ...) serve
 * output vector v with tap s + SEP_V (m - v), so with four groups at a
 * time each loaded vector feeds up to four outputs, as in the column
 * pass. Tap by tap, each output vector loads its own line-splitting
 * vector per tap: 0.6 multiply-adds per cycle on Zen 4 (AVX-512 float64,
 * 31 taps), against 0.9 in groups. The last kw % SEP_V taps are a group
 * cut short, so nothing is read past the row and no zero tap meets an
 * infinity. The row's last outputs go a vector, then an element, at a time.
 */
#if VEC_BYTES == 64
#define SEP_RB 8 /* 8 sums + 11 loaded vectors + a tap: 20 of 32 registers */
#else
#define SEP_RB 4 /* 4 + 7 + 1 of 16 */
#endif

/* acc[v] += c[s + SEP_V u] * x[v SEP_V + s + SEP_V u] for s0 <= s < s1,
 * u < U (a constant once inlined, so X and acc stay in registers). */
VEC_TARGET static inline __attribute__((always_inline)) void
NAME(row_taps)(const T *x, const T *c, const int U, ptrdiff_t s0, ptrdiff_t s1, NAME(vec) *acc)
{
    ptrdiff_t s;
    int m, u, v;
    for (s = s0; s < s1; s++) {
        NAME(vec) X[SEP_RB + 3];
        for (m = 0; m < SEP_RB + U - 1; m++)
            memcpy(&X[m], x + s + SEP_V * m, sizeof X[m]);
        for (u = 0; u < U; u++) {
            const T cu = c[s + SEP_V * u];
            for (v = 0; v < SEP_RB; v++)
                acc[v] += X[v + u] * cu;
        }
    }
}

/* row_taps with U = 1 .. 4 known at run time. */
VEC_TARGET static inline __attribute__((always_inline)) void
NAME(row_chunk)(const T *x, const T *c, int U, ptrdiff_t s0, ptrdiff_t s1, NAME(vec) *acc)
{
    switch (U) {
    case 4: NAME(row_taps)(x, c, 4, s0, s1, acc); break;
    case 3: NAME(row_taps)(x, c, 3, s0, s1, acc); break;
    case 2: NAME(row_taps)(x, c, 2, s0, s1, acc); break;
    default: NAME(row_taps)(x, c, 1, s0, s1, acc); break;
    }
}

VEC_TARGET static void NAME(row_pass)(const T *x, const T *row, ptrdiff_t kw, ptrdiff_t n, T *y)
{
    /* Groups of SEP_V taps, the last one `last` taps long. */
    const ptrdiff_t groups = (kw + SEP_V - 1) / SEP_V, last = kw - (groups - 1) * SEP_V;
    ptrdiff_t j, q, g;
    int v, U;
    for (j = 0; j + SEP_RB * SEP_V <= n; j += SEP_RB * SEP_V) {
        NAME(vec) acc[SEP_RB];
        for (v = 0; v < SEP_RB; v++)
            acc[v] = (NAME(vec)){0};
        for (g = 0; g < groups; g += U) {
            const T *xg = x + j + g * SEP_V, *cg = row + g * SEP_V;
            U = groups - g < 4 ? (int)(groups - g) : 4;
            if (g + U < groups) {
                NAME(row_chunk)(xg, cg, U, 0, SEP_V, acc);
            } else {
                /* The short group takes only its shifts. */
                NAME(row_chunk)(xg, cg, U, 0, last, acc);
                if (U > 1)
                    NAME(row_chunk)(xg, cg, U - 1, last, SEP_V, acc);
            }
        }
        memcpy(y + j, acc, sizeof acc);
    }
    for (; j + SEP_V <= n; j += SEP_V) {
        NAME(vec) acc = {0};
        for (q = 0; q < kw; q++) {
            NAME(vec) xv;
            memcpy(&xv, x + j + q, sizeof xv);
            acc += xv * row[q];
        }
        memcpy(y + j, &acc, sizeof acc);
    }
    for (; j < n; j++) {
        T acc = 0;
        for (q = 0; q < kw; q++)
            acc += row[q] * x[j + q];
        y[j] = acc;
    }
}

#undef SEP_V
#undef SEP_RB
#undef SEP_L

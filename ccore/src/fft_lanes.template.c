/*
 * The FFT method's transforms for a real dtype T, written once and compiled
 * per vector width (included by vector_widths.h from fft.c, with NAME, T,
 * VEC_BYTES and VEC_TARGET defined).
 *
 * Complex data is split (real and imaginary parts apart) and each vector
 * lane holds a different transform: the columns of a row-major tile are FV
 * transforms side by side, so a 1-D step over a column group is plain
 * vector code with no shuffles, at the full width of the ISA. The
 * transforms run in place, radix 8, 4, 2, 3 and 5: the forward one by
 * decimation in frequency, leaving its bins in digit-reversed order, the
 * inverse by decimation in time, which takes them back to natural order;
 * the kernel's spectrum is made by the same forward transforms, so no
 * reordering pass and no buffer is needed (see fft_inplace). The tile's
 * real and imaginary parts are two arrays, a slab's a lane block apart
 * (one address serves both); the inverse runs on them with re and im
 * exchanged; it is unnormalised (the kernel spectrum carries the
 * 1 / (FH FW)).
 */

#define FV ((ptrdiff_t)(VEC_BYTES / sizeof(T)))
/* The gap between consecutive buffers (see FFT_SKEW_BYTES in fft.c). */
#define FFT_SKEW ((ptrdiff_t)(FFT_SKEW_BYTES / sizeof(T)))

typedef T NAME(fvec) __attribute__((vector_size(VEC_BYTES)));

/* Unaligned vector loads and stores (macros: 512-bit vectors must not
 * cross a function boundary compiled for another ISA). */
#define VLOAD(v, p) memcpy(&(v), (p), sizeof(v))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(v))

/* A radix-p step of the in-place transforms: butterfly q (q < m) of each
 * of `blocks` sub-problems (of p m elements, bs = p m xs apart) reads and
 * writes the elements x + b bs + (q + m j) xs, j < p, real parts there and
 * imaginary parts io further on, in lane blocks of `width`. The forward
 * step (dit 0, decimation in frequency) is the p-point DFT of the inputs,
 * output k then times the twiddle w(q, k) = exp(-2 pi sqrt(-1) q k / (p m));
 * the inverse's (dit 1, decimation in time, on data with re and im
 * exchanged) multiplies input k by w(q, k) and then takes the DFT: the
 * transpose of the forward step (a DFT matrix is symmetric), so the inverse
 * undoes the forward's digit-reversed order. tw holds w(q, k) for every q
 * and k = 1..p-1 (p - 1 a butterfly). */
#define LOAD_PAIR(r, i, at)     \
    NAME(fvec) r, i;            \
    VLOAD(r, x + (at));         \
    VLOAD(i, x + (at) + io)

/* (r, i) *= (wr + i wi). */
#define TWIDDLE(r, i, wr, wi)                                  \
    do {                                                       \
        const NAME(fvec) t_ = (r) * (wr) - (i) * (wi);         \
        (i) = (r) * (wi) + (i) * (wr);                         \
        (r) = t_;                                              \
    } while (0)

/* Input k of a DIT step, twiddled. */
#define TWIDDLE_IN(r, i, k)                          \
    do {                                             \
        if (dit)                                     \
            TWIDDLE(r, i, wr[(k) - 1], wi[(k) - 1]); \
    } while (0)

/* Input k (>= 1) of a butterfly, as a##k##r and a##k##i. */
#define LOAD_IN(k)                              \
    LOAD_PAIR(a##k##r, a##k##i, at + (k) * js); \
    TWIDDLE_IN(a##k##r, a##k##i, k)

/* Output k of a butterfly, twiddled in a DIF step (output 0's twiddle is
 * 1: k is a constant, so that test costs nothing). */
#define STORE_OUT(k, br, bi)                                 \
    do {                                                     \
        NAME(fvec) sr_ = (br), si_ = (bi);                   \
        if (!dit && (k) > 0)                                 \
            TWIDDLE(sr_, si_, wr[(k) - 1], wi[(k) - 1]);     \
        VSTORE(x + at + (k) * js, sr_);                      \
        VSTORE(x + at + (k) * js + io, si_);                 \
    } while (0)

/* The 4-point DFT of p0 .. p3 (p##0r, p##0i, ...) stored as outputs k0,
 * k0 + s, k0 + 2 s and k0 + 3 s: b0 = t0 + t2, b1 = t1 - i t3,
 * b2 = t0 - t2, b3 = t1 + i t3. */
#define DFT4_OUT(p, k0, s)                                                                 \
    do {                                                                                   \
        const NAME(fvec) t0r = p##0r + p##2r, t0i = p##0i + p##2i;                         \
        const NAME(fvec) t1r = p##0r - p##2r, t1i = p##0i - p##2i;                         \
        const NAME(fvec) t2r = p##1r + p##3r, t2i = p##1i + p##3i;                         \
        const NAME(fvec) t3r = p##1r - p##3r, t3i = p##1i - p##3i;                         \
        STORE_OUT(k0, t0r + t2r, t0i + t2i);                                               \
        STORE_OUT((k0) + (s), t1r + t3i, t1i - t3r);                                       \
        STORE_OUT((k0) + 2 * (s), t0r - t2r, t0i - t2i);                                   \
        STORE_OUT((k0) + 3 * (s), t1r - t3i, t1i + t3r);                                   \
    } while (0)

/* The loops every radix shares: butterfly q's twiddles, then each
 * sub-problem and lane block (the body: one butterfly at `at`). */
#define BUTTERFLIES(P, ...)                                                \
    do {                                                                   \
        const ptrdiff_t js = m * xs, bs = (P) * js;                        \
        ptrdiff_t i_, b_, v_;                                              \
        for (i_ = 0; i_ < m; i_++) {                                       \
            const T *wr = twr + ((P) - 1) * i_, *wi = twi + ((P) - 1) * i_; \
            for (b_ = 0; b_ < blocks; b_++)                                \
                for (v_ = 0; v_ < width; v_ += FV) {                       \
                    const ptrdiff_t at = b_ * bs + i_ * xs + v_;           \
                    __VA_ARGS__                                            \
                }                                                          \
        }                                                                  \
    } while (0)

#define STEP_ARGS                                                                       \
    ptrdiff_t m, ptrdiff_t blocks, const T *twr, const T *twi, T *x, ptrdiff_t io,     \
        ptrdiff_t xs, ptrdiff_t width, int dit

VEC_TARGET static inline __attribute__((always_inline)) void NAME(radix4)(STEP_ARGS)
{
    BUTTERFLIES(4, {
        LOAD_PAIR(a0r, a0i, at);
        LOAD_IN(1);
        LOAD_IN(2);
        LOAD_IN(3);
        DFT4_OUT(a, 0, 1);
    });
}

/* Radix 8: two 4-point DFTs after a radix-2 step (b_2r from the sums
 * a_k + a_k+4, b_2r+1 from the differences times w8^k). */
VEC_TARGET static inline __attribute__((always_inline)) void NAME(radix8)(STEP_ARGS)
{
    const T h = (T)0.70710678118654752440; /* 1 / sqrt(2) */
    BUTTERFLIES(8, {
        LOAD_PAIR(a0r, a0i, at);
        LOAD_IN(1);
        LOAD_IN(2);
        LOAD_IN(3);
        LOAD_IN(4);
        LOAD_IN(5);
        LOAD_IN(6);
        LOAD_IN(7);
        const NAME(fvec) u0r = a0r + a4r, u0i = a0i + a4i, u1r = a1r + a5r, u1i = a1i + a5i;
        const NAME(fvec) u2r = a2r + a6r, u2i = a2i + a6i, u3r = a3r + a7r, u3i = a3i + a7i;
        const NAME(fvec) v0r = a0r - a4r, v0i = a0i - a4i, d1r = a1r - a5r, d1i = a1i - a5i;
        const NAME(fvec) d2r = a2r - a6r, d2i = a2i - a6i, d3r = a3r - a7r, d3i = a3i - a7i;
        /* v_k = (a_k - a_k+4) w8^k: w8 = (1 - i) / sqrt 2, w8^2 = -i. */
        const NAME(fvec) v1r = (d1r + d1i) * h, v1i = (d1i - d1r) * h;
        const NAME(fvec) v2r = d2i, v2i = -d2r;
        const NAME(fvec) v3r = (d3i - d3r) * h, v3i = -(d3r + d3i) * h;
        DFT4_OUT(u, 0, 2); /* the even outputs */
        DFT4_OUT(v, 1, 2); /* the odd ones */
    });
}

VEC_TARGET static inline __attribute__((always_inline)) void NAME(radix2)(STEP_ARGS)
{
    BUTTERFLIES(2, {
        LOAD_PAIR(a0r, a0i, at);
        LOAD_IN(1);
        STORE_OUT(0, a0r + a1r, a0i + a1i);
        STORE_OUT(1, a0r - a1r, a0i - a1i);
    });
}

VEC_TARGET static inline __attribute__((always_inline)) void NAME(radix3)(STEP_ARGS)
{
    const T c = (T)0.86602540378443864676; /* sin(2 pi / 3) */
    BUTTERFLIES(3, {
        LOAD_PAIR(a0r, a0i, at);
        LOAD_IN(1);
        LOAD_IN(2);
        const NAME(fvec) tr = a1r + a2r, ti = a1i + a2i, dr = a1r - a2r, di = a1i - a2i;
        const NAME(fvec) hr = a0r - tr * (T)0.5, hi = a0i - ti * (T)0.5;
        /* b1 = h - i c d, b2 = h + i c d */
        STORE_OUT(0, a0r + tr, a0i + ti);
        STORE_OUT(1, hr + di * c, hi - dr * c);
        STORE_OUT(2, hr - di * c, hi + dr * c);
    });
}

VEC_TARGET static inline __attribute__((always_inline)) void NAME(radix5)(STEP_ARGS)
{
    const T c1 = (T)0.30901699437494742410, c2 = (T)-0.80901699437494742410; /* cos 2pi/5, 4pi/5 */
    const T s1 = (T)0.95105651629515357212, s2 = (T)0.58778525229247312917; /* sin 2pi/5, 4pi/5 */
    BUTTERFLIES(5, {
        LOAD_PAIR(a0r, a0i, at);
        LOAD_IN(1);
        LOAD_IN(2);
        LOAD_IN(3);
        LOAD_IN(4);
        const NAME(fvec) t1r = a1r + a4r, t1i = a1i + a4i, d1r = a1r - a4r, d1i = a1i - a4i;
        const NAME(fvec) t2r = a2r + a3r, t2i = a2i + a3i, d2r = a2r - a3r, d2i = a2i - a3i;
        /* b1,4 = A -+ i S with A = a0 + c1 t1 + c2 t2, S = s1 d1 + s2 d2;
         * b2,3 = B -+ i U with B = a0 + c2 t1 + c1 t2, U = s2 d1 - s1 d2. */
        const NAME(fvec) Ar = a0r + t1r * c1 + t2r * c2, Ai = a0i + t1i * c1 + t2i * c2;
        const NAME(fvec) Br = a0r + t1r * c2 + t2r * c1, Bi = a0i + t1i * c2 + t2i * c1;
        const NAME(fvec) Sr = d1r * s1 + d2r * s2, Si = d1i * s1 + d2i * s2;
        const NAME(fvec) Ur = d1r * s2 - d2r * s1, Ui = d1i * s2 - d2i * s1;
        STORE_OUT(0, a0r + t1r + t2r, a0i + t1i + t2i);
        STORE_OUT(1, Ar + Si, Ai - Sr);
        STORE_OUT(2, Br + Ui, Bi - Ur);
        STORE_OUT(3, Br - Ui, Bi + Ur);
        STORE_OUT(4, Ar - Si, Ai + Sr);
    });
}

#undef STEP_ARGS
#undef BUTTERFLIES
#undef DFT4_OUT
#undef STORE_OUT
#undef TWIDDLE_IN
#undef LOAD_IN
#undef TWIDDLE
#undef LOAD_PAIR

/* Step k of the plan (`blocks` sub-problems of its length, one after the
 * other) in the direction `dit`, at one width (a constant width of one
 * vector, every block with AVX-512, is compiled apart: see step). */
VEC_TARGET static inline __attribute__((always_inline)) void NAME(step_at)(
    const fft_plan *plan, int k, ptrdiff_t blocks, T *x, ptrdiff_t io, ptrdiff_t xs,
    ptrdiff_t width, int dit)
{
    const T *twr = (const T *)plan->twr + plan->tw_offset[k];
    const T *twi = (const T *)plan->twi + plan->tw_offset[k];
    const ptrdiff_t m = plan->length[k + 1];
    switch (plan->radix[k]) {
    case 8: NAME(radix8)(m, blocks, twr, twi, x, io, xs, width, dit); break;
    case 4: NAME(radix4)(m, blocks, twr, twi, x, io, xs, width, dit); break;
    case 2: NAME(radix2)(m, blocks, twr, twi, x, io, xs, width, dit); break;
    case 3: NAME(radix3)(m, blocks, twr, twi, x, io, xs, width, dit); break;
    default: NAME(radix5)(m, blocks, twr, twi, x, io, xs, width, dit); break;
    }
}

/* Step k (see step_at), compiled apart for each direction and for a
 * width of one vector. */
VEC_TARGET static void NAME(step)(const fft_plan *plan, int k, ptrdiff_t blocks, T *x,
                                  ptrdiff_t io, ptrdiff_t xs, ptrdiff_t width, int dit)
{
    if (width == FV && !dit)
        NAME(step_at)(plan, k, blocks, x, io, xs, FV, 0);
    else if (width == FV)
        NAME(step_at)(plan, k, blocks, x, io, xs, FV, 1);
    else if (!dit)
        NAME(step_at)(plan, k, blocks, x, io, xs, width, 0);
    else
        NAME(step_at)(plan, k, blocks, x, io, xs, width, 1);
}

/* Transforms of length plan->n in place, one per lane of a block of
 * `width` columns (a multiple of FV): element e of lane l has its real
 * part at x[e * xs + l] and its imaginary part io further on. The forward
 * transform (dit 0) leaves the spectrum in digit-reversed order (the
 * mixed-radix reversal of the plan's radices), which the inverse (dit 1,
 * called with re and im exchanged: the unnormalised inverse DFT) takes
 * back to natural order; the kernel's spectrum is made by the same forward
 * transforms, so the products pair the right bins. No buffer and no
 * reordering pass: the steps whose sub-problems are larger than
 * FFT_L1_BYTES sweep the whole transform, and the rest run sub-problem by
 * sub-problem while it is in L1. */
VEC_TARGET static void NAME(fft_inplace)(const fft_plan *plan, T *x, ptrdiff_t io, ptrdiff_t xs,
                                         ptrdiff_t width, int dit)
{
    const ptrdiff_t n = plan->n, fit = (ptrdiff_t)(FFT_L1_BYTES / (2 * sizeof(T))) / width;
    const ptrdiff_t *length = plan->length;
    const int steps = plan->npass;
    ptrdiff_t s;
    int k, d;
    /* Steps 0 .. d - 1 sweep the whole transform; from step d on, each of
     * its sub-problems (length[d] long) fits L1. */
    for (d = 0; d < steps && length[d] > fit; d++)
        ;
    if (!dit)
        for (k = 0; k < d; k++)
            NAME(step)(plan, k, n / length[k], x, io, xs, width, 0);
    if (d < steps)
        for (s = 0; s < n / length[d]; s++) {
            T *y = x + s * length[d] * xs;
            if (!dit)
                for (k = d; k < steps; k++)
                    NAME(step)(plan, k, length[d] / length[k], y, io, xs, width, 0);
            else
                for (k = steps - 1; k >= d; k--)
                    NAME(step)(plan, k, length[d] / length[k], y, io, xs, width, 1);
        }
    if (dit)
        for (k = d - 1; k >= 0; k--)
            NAME(step)(plan, k, n / length[k], x, io, xs, width, 1);
}

/* The column transforms of columns [from, to) (to - from a multiple of
 * FV) of a tile (real parts at re, imaginary parts io further on, rows
 * `stride` apart), in place, in blocks of FFT_BLOCK_BYTES: each step
 * reads whole cache lines of a row. With a `watch`, it is asked between
 * blocks (a tile's columns take tens of ms): 1 when it said stop, the
 * columns then left part done, else 0. */
VEC_TARGET static int NAME(fft_columns)(const fft_plan *plan, T *re, ptrdiff_t io,
                                        ptrdiff_t stride, ptrdiff_t from, ptrdiff_t to, int dit,
                                        corr2d_watch *watch)
{
    const ptrdiff_t block = (ptrdiff_t)(FFT_BLOCK_BYTES / sizeof(T));
    ptrdiff_t g;
    for (g = from; g < to; g += block) {
        if (watch && corr2d_should_stop(watch))
            return 1;
        NAME(fft_inplace)(plan, re + g, io, stride, to - g < block ? to - g : block, dit);
    }
    return 0;
}

#if defined(__GNUC__) && !defined(__clang__) && VEC_BYTES == 64
/* GCC's two-vector shuffles, at the AVX-512 width (one vpermt2 each).
 * With AVX2 GCC emulates them (vpermd and blends), which measured
 * 0.87-1.03x the scalar loops; clang spells them differently. Those keep
 * the scalar transposes below. */
#define FFT_VECTOR_TRANSPOSE 1
#endif

#ifdef FFT_VECTOR_TRANSPOSE
typedef __typeof__(__builtin_choose_expr(sizeof(T) == 4, (int)0, (long long)0)) NAME(lane_int);
typedef NAME(lane_int) NAME(ivec) __attribute__((vector_size(VEC_BYTES)));

/* The FV x FV block of rows v[0 .. FV) transposed in place: log2(FV)
 * stages, each exchanging the off-diagonal h x h blocks of every 2h x 2h
 * block with two shuffles per pair of rows (the masks are constants once
 * the loops are unrolled). */
VEC_TARGET static inline void NAME(transpose)(NAME(fvec) *v)
{
    ptrdiff_t h, i, j;
#pragma GCC unroll 4
    for (h = FV / 2; h > 0; h >>= 1) {
        NAME(ivec) lo, hi;
#pragma GCC unroll 16
        for (j = 0; j < FV; j++) {
            lo[j] = (NAME(lane_int))((j & h) ? FV + j - h : j);
            hi[j] = (NAME(lane_int))((j & h) ? FV + j : j + h);
        }
#pragma GCC unroll 16
        for (i = 0; i < FV; i++)
            if (!(i & h)) {
                const NAME(fvec) a = v[i], c = v[i | h];
                v[i] = __builtin_shuffle(a, c, lo);
                v[i | h] = __builtin_shuffle(a, c, hi);
            }
    }
}

/* The FV x FV block of rows src + l * src_stride transposed into the rows
 * dst + l * dst_stride. */
VEC_TARGET static inline void NAME(transpose_block)(const T *src, ptrdiff_t src_stride, T *dst,
                                                    ptrdiff_t dst_stride)
{
    NAME(fvec) v[FV];
    ptrdiff_t l;
#pragma GCC unroll 16
    for (l = 0; l < FV; l++)
        VLOAD(v[l], src + l * src_stride);
    NAME(transpose)(v);
#pragma GCC unroll 16
    for (l = 0; l < FV; l++)
        VSTORE(dst + l * dst_stride, v[l]);
}
#endif

/* A slab's element stride: its real parts' lane vector, then its
 * imaginary parts' (one address serves both in the transforms). */
#define SLAB (2 * FV)

/* Rows r0 .. r0 + rows - 1 (rows <= FV) of a tile, columns [0, n), into
 * one part (real or imaginary) of a slab of n lane vectors (element e of
 * row l at slab[e * SLAB + l]; lanes past `rows` zero), and back (columns
 * [from, n) only; `from` a multiple of FV). With AVX-512, whole FV x FV blocks go through vector
 * transposes: a tile 1.01-1.11x faster than with the scalar loops. */
VEC_TARGET static void NAME(slab_in)(const T *tile, ptrdiff_t stride, ptrdiff_t rows,
                                     ptrdiff_t n, T *slab)
{
    ptrdiff_t e = 0, l;
#ifdef FFT_VECTOR_TRANSPOSE
    if (rows == FV)
        for (; e + FV <= n; e += FV)
            NAME(transpose_block)(tile + e, stride, slab + e * SLAB, SLAB);
#endif
    for (; e < n; e++) {
        for (l = 0; l < rows; l++)
            slab[e * SLAB + l] = tile[l * stride + e];
        for (; l < FV; l++)
            slab[e * SLAB + l] = 0;
    }
}

VEC_TARGET static void NAME(slab_out)(const T *slab, ptrdiff_t rows, ptrdiff_t from,
                                      ptrdiff_t n, T *tile, ptrdiff_t stride)
{
    ptrdiff_t e = from, l;
#ifdef FFT_VECTOR_TRANSPOSE
    if (rows == FV)
        for (; e + FV <= n; e += FV)
            NAME(transpose_block)(slab + e * SLAB, SLAB, tile + e, stride);
#endif
    for (l = 0; l < rows; l++) {
        ptrdiff_t c;
        for (c = e; c < n; c++)
            tile[l * stride + c] = slab[c * SLAB + l];
    }
}

/* The spectrum's lane blocks: SL rows each (see corr2d_fft_spectrum). */
#define SL ((ptrdiff_t)(FFT_LANE_BYTES / sizeof(T)))

/* The kernel's spectrum (see corr2d_fft_spectrum) into (kr, ki), `length`
 * elements each: the column transforms of the zero-padded kernel, then
 * each slab of FV rows transformed along the rows and stored in its block
 * of SL rows (kr[row / SL * fw * SL + e * SL + row % SL]; the padding rows
 * of the last block are zero). */
VEC_TARGET static void NAME(fft_spectrum)(const fft_plan *ph, const fft_plan *pw,
                                          const T *kernel, ptrdiff_t kh, ptrdiff_t kw,
                                          T *kr, T *ki, ptrdiff_t length, ptrdiff_t fwp, T *ws)
{
    const ptrdiff_t fh = ph->n, fw = pw->n;
    T *R = ws, *I = R + fh * fwp + FFT_SKEW, *S = I + fh * fwp + FFT_SKEW;
    const T scale = (T)(1.0 / ((double)fh * (double)fw));
    const ptrdiff_t fwl = (fw + FV - 1) / FV * FV;
    ptrdiff_t i, r0, e, l;
    memset(R, 0, sizeof(T) * (size_t)(fh * fwp));
    memset(I, 0, sizeof(T) * (size_t)(fh * fwp));
    memset(kr, 0, sizeof(T) * (size_t)length);
    memset(ki, 0, sizeof(T) * (size_t)length);
    for (i = 0; i < kh; i++)
        memcpy(R + i * fwp, kernel + i * kw, sizeof(T) * (size_t)kw);
    (void)NAME(fft_columns)(ph, R, I - R, fwp, 0, fwl, 0, NULL);
    for (r0 = 0; r0 < fh; r0 += FV) {
        const ptrdiff_t rows = fh - r0 < FV ? fh - r0 : FV;
        NAME(slab_in)(R + r0 * fwp, fwp, rows, fw, S);
        NAME(slab_in)(I + r0 * fwp, fwp, rows, fw, S + FV);
        NAME(fft_inplace)(pw, S, FV, SLAB, FV, 0);
        for (e = 0; e < fw; e++)
            for (l = 0; l < rows; l++) {
                kr[r0 / SL * fw * SL + e * SL + r0 % SL + l] = S[e * SLAB + l] * scale;
                ki[r0 / SL * fw * SL + e * SL + r0 % SL + l] = S[e * SLAB + FV + l] * scale;
            }
    }
}

#include "stream_store.h"

/* n elements from src to dst, one row of the output; returns the sum of
 * x - x over them: 0 when every one is finite, NaN when one is not (an
 * overflow in the transforms: see fft_tiles), at one subtraction and one
 * addition a vector. When `stream` is set (a large output: see
 * stream_output.h) the whole vectors from the first vector boundary of dst
 * on go out as non-temporal stores: they skip the read of each output line
 * that a plain store costs first (about a third of the memory traffic of a
 * 4096^2 float64 call) and leave the caches to the image and the
 * workspaces. */
VEC_TARGET static T NAME(row_out)(T *dst, const T *src, ptrdiff_t n, int stream)
{
    NAME(fvec) probe = {0};
    T tail = 0;
    ptrdiff_t e = 0, l;
#ifdef STREAM_STORES
    if (stream && (uintptr_t)dst % sizeof(T) == 0) {
        for (; e < n && (uintptr_t)(dst + e) % VEC_BYTES != 0; e++) {
            dst[e] = src[e];
            tail += src[e] - src[e];
        }
        for (; e + FV <= n; e += FV) {
            NAME(fvec) v;
            VLOAD(v, src + e);
            probe += v - v;
            VEC_STREAM(dst + e, v);
        }
    }
#else
    (void)stream;
#endif
    for (; e + FV <= n; e += FV) {
        NAME(fvec) v;
        VLOAD(v, src + e);
        probe += v - v;
        VSTORE(dst + e, v);
    }
    for (; e < n; e++) {
        dst[e] = src[e];
        tail += src[e] - src[e];
    }
    for (l = 0; l < FV; l++)
        tail += probe[l];
    return tail;
}

/* Orders the streamed stores before whatever the thread does next. */
VEC_TARGET static inline void NAME(stream_fence)(int stream)
{
#ifdef STREAM_STORES
    if (stream)
        STREAM_FENCE();
#else
    (void)stream;
#endif
}

/* One job of corr2d_fft_correlate: tile a in R and, when `pair` is set,
 * tile b in I (else I is zero), each FH rows of fwp (loaded by the caller:
 * the workspace's layout, see tile_im in fft.c). The column transforms
 * run in place; then each slab of FV rows is transformed along the rows,
 * multiplied by the spectrum and transformed back while it is in cache;
 * then the inverse column transforms, on the output's columns only, and
 * the output block (rows_out x cols_out at out): tile a's result is the
 * real part, tile b's the imaginary. With `check_samples` set, a pair
 * whose samples are not all finite is left there: it returns 1 and writes
 * nothing; one whose outputs are not all finite returns 1 too, having
 * written them (else 0): also a pair whose infinities and NaNs the caller
 * zeroed, whose sums can still overflow. It asks `watch` between its steps (a pair of
 * large tiles takes a tenth of a second) and returns FFT_STOPPED when it
 * said stop, the output then part written. */
VEC_TARGET static int NAME(fft_tiles)(const fft_plan *ph, const fft_plan *pw, int pair,
                                      const T *kr, const T *ki, ptrdiff_t kh, ptrdiff_t kw,
                                      T *out, ptrdiff_t out_stride, ptrdiff_t rows_out,
                                      ptrdiff_t cols_out, ptrdiff_t fwp, T *ws, int stream,
                                      int check_samples, corr2d_watch *watch)
{
    const ptrdiff_t fh = ph->n, fw = pw->n, tw = fw - kw + 1;
    /* Only the columns from kw - 1 on are output: the inverse steps skip
     * the lane groups wholly left of them. */
    const ptrdiff_t c0 = (kw - 1) / FV * FV, fwl = (fw + FV - 1) / FV * FV;
    T *R = ws, *I = R + fh * fwp + FFT_SKEW, *S = I + fh * fwp + FFT_SKEW;
    const ptrdiff_t ca = cols_out < tw ? cols_out : tw, cb = cols_out - ca;
    ptrdiff_t i, r0, e;
    T probe = 0;
    if (NAME(fft_columns)(ph, R, I - R, fwp, 0, fwl, 0, watch))
        return FFT_STOPPED;
    for (r0 = 0; r0 < fh; r0 += FV) {
        const ptrdiff_t rows = fh - r0 < FV ? fh - r0 : FV;
        const T *slab_kr = kr + r0 / SL * fw * SL + r0 % SL, *slab_ki = ki + (slab_kr - kr);
        if (r0 % (8 * FV) == 0 && corr2d_should_stop(watch))
            return FFT_STOPPED;
        NAME(slab_in)(R + r0 * fwp, fwp, rows, fw, S);
        NAME(slab_in)(I + r0 * fwp, fwp, rows, fw, S + FV);
        NAME(fft_inplace)(pw, S, FV, SLAB, FV, 0);
        /* Bin (0, 0), first in digit-reversed order too, is the sum of
         * every sample of tile a (re) and of tile b (im): an infinity or a
         * NaN among them makes it one (as does an overflow), which costs
         * two tests here where a scan of the tiles cost 1.15x (4096^2
         * float64, 51x51). */
        if (check_samples && r0 == 0 && !(isfinite(S[0]) && isfinite(S[FV])))
            return 1;
        for (e = 0; e < fw; e++) {
            NAME(fvec) xr, xi, yr, yi, zr, zi;
            VLOAD(xr, S + e * SLAB);
            VLOAD(xi, S + e * SLAB + FV);
            VLOAD(yr, slab_kr + e * SL);
            VLOAD(yi, slab_ki + e * SL);
            zr = xr * yr - xi * yi;
            zi = xr * yi + xi * yr;
            VSTORE(S + e * SLAB, zr);
            VSTORE(S + e * SLAB + FV, zi);
        }
        /* The inverse: the DIT steps with re and im exchanged. */
        NAME(fft_inplace)(pw, S + FV, -FV, SLAB, FV, 1);
        NAME(slab_out)(S, rows, c0, fw, R + r0 * fwp, fwp);
        NAME(slab_out)(S + FV, rows, c0, fw, I + r0 * fwp, fwp);
    }
    if (NAME(fft_columns)(ph, I, R - I, fwp, c0, fwl, 1, watch))
        return FFT_STOPPED;
    for (i = 0; i < rows_out; i++) {
        probe += NAME(row_out)(out + i * out_stride, R + (kh - 1 + i) * fwp + kw - 1, ca, stream);
        if (pair)
            probe += NAME(row_out)(out + i * out_stride + tw, I + (kh - 1 + i) * fwp + kw - 1,
                                   cb, stream);
    }
    NAME(stream_fence)(stream);
    /* Finite samples whose sums overflowed somewhere in the transforms (a
     * bin other than (0, 0): samples near the dtype's largest over the
     * transform's length) leave a non-finite output: the caller retries
     * the pair (its outputs are all written again). */
    return probe != 0;
}

#undef FFT_VECTOR_TRANSPOSE
#undef SL
#undef SLAB
#undef VLOAD
#undef VSTORE
#undef FV
#undef FFT_SKEW

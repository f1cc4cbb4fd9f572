/*
 * The FFT method's transforms for a real dtype T, written once and compiled
 * per vector width (included by vector_widths.h from fft.c, with NAME, T,
 * VEC_BYTES and VEC_TARGET defined).
 *
 * Complex data is split (re[] and im[] apart) and each vector lane holds a
 * different transform: the columns of a row-major tile are FV transforms
 * side by side, so a 1-D pass over a column group is plain vector code
 * with no shuffles, at the full width of the ISA. The passes are Stockham's
 * autosort decimation in frequency, radix 8, 4, 2, 3 and 5, ping-ponging
 * through a small per-block buffer that stays in L2 (its real and
 * imaginary parts interleaved a lane block apart: one address serves both);
 * the first pass reads the source and the last writes the destination. A
 * tile's and a slab's real and imaginary parts stay apart (re[], im[]), so
 * the inverse transform is the forward one with re and im exchanged; it is
 * unnormalised (the kernel spectrum carries the 1 / (FH FW)).
 */

#define FV ((ptrdiff_t)(VEC_BYTES / sizeof(T)))
/* The gap between consecutive buffers (see FFT_SKEW_BYTES in fft.c). */
#define FFT_SKEW ((ptrdiff_t)(FFT_SKEW_BYTES / sizeof(T)))

typedef T NAME(fvec) __attribute__((vector_size(VEC_BYTES)));

/* Unaligned vector loads and stores (macros: 512-bit vectors must not
 * cross a function boundary compiled for another ISA). */
#define VLOAD(v, p) memcpy(&(v), (p), sizeof(v))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(v))

/* Complex element e of a pass's source has its real part at xr + e * xs
 * and its imaginary part xio further on (yr, ys, yio: the destination's).
 * The passes' own buffers interleave the two a lane block apart, so that
 * xio is the constant FV there (the passes are inlined into fft_lanes per
 * case), and each butterfly addresses its imaginary parts from the same
 * registers as its real parts. */

/* y = b * (wr + i wi), stored at yr[at], yr[at + yio]. */
#define STORE_TWIDDLED(at, br, bi, wr, wi)                 \
    do {                                                   \
        NAME(fvec) out_r_ = (br) * (wr) - (bi) * (wi);     \
        NAME(fvec) out_i_ = (br) * (wi) + (bi) * (wr);     \
        VSTORE(yr + (at), out_r_);                         \
        VSTORE(yr + (at) + yio, out_i_);                   \
    } while (0)

#define LOAD_PAIR(r, i, at)     \
    NAME(fvec) r, i;            \
    VLOAD(r, xr + (at));        \
    VLOAD(i, xr + (at) + xio)

/* One pass of radix 4 over a sub-length n at stride s: element e of the
 * source is at x + e * xs, of the destination at y + e * ys (in T units,
 * multiples of FV). tw holds exp(-2 pi i q r / n), q < n / 4, r = 1..3. */
VEC_TARGET static inline __attribute__((always_inline)) void NAME(pass4)(
    ptrdiff_t n, ptrdiff_t s, const T *twr, const T *twi, const T *xr, ptrdiff_t xio, ptrdiff_t xs,
    T *yr, ptrdiff_t yio, ptrdiff_t ys, ptrdiff_t width)
{
    const ptrdiff_t m = n / 4, in_step = s * m * xs, out_step = s * ys;
    ptrdiff_t i, q, v;
    for (i = 0; i < m; i++) {
        const T w1r = twr[3 * i], w2r = twr[3 * i + 1], w3r = twr[3 * i + 2];
        const T w1i = twi[3 * i], w2i = twi[3 * i + 1], w3i = twi[3 * i + 2];
        for (q = 0; q < s; q++)
        for (v = 0; v < width; v += FV) {
            const ptrdiff_t in = (q + s * i) * xs + v, out = (q + s * 4 * i) * ys + v;
            LOAD_PAIR(a0r, a0i, in);
            LOAD_PAIR(a1r, a1i, in + in_step);
            LOAD_PAIR(a2r, a2i, in + 2 * in_step);
            LOAD_PAIR(a3r, a3i, in + 3 * in_step);
            const NAME(fvec) t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
            const NAME(fvec) t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
            const NAME(fvec) b0r = t0r + t2r, b0i = t0i + t2i;
            VSTORE(yr + out, b0r);
            VSTORE(yr + out + yio, b0i);
            /* b1 = t1 - i t3, b2 = t0 - t2, b3 = t1 + i t3 */
            STORE_TWIDDLED(out + out_step, t1r + t3i, t1i - t3r, w1r, w1i);
            STORE_TWIDDLED(out + 2 * out_step, t0r - t2r, t0i - t2i, w2r, w2i);
            STORE_TWIDDLED(out + 3 * out_step, t1r - t3i, t1i + t3r, w3r, w3i);
        }
    }
}

/* Radix 8: two radix-4 butterflies after a radix-2 step (b_2r from the
 * sums a_k + a_k+4, b_2r+1 from the differences times w8^k). */
VEC_TARGET static inline __attribute__((always_inline)) void NAME(pass8)(
    ptrdiff_t n, ptrdiff_t s, const T *twr, const T *twi, const T *xr, ptrdiff_t xio, ptrdiff_t xs,
    T *yr, ptrdiff_t yio, ptrdiff_t ys, ptrdiff_t width)
{
    const ptrdiff_t m = n / 8, in_step = s * m * xs, out_step = s * ys;
    const T h = (T)0.70710678118654752440; /* 1 / sqrt(2) */
    ptrdiff_t i, q, v;
    for (i = 0; i < m; i++) {
        const T *wr = twr + 7 * i, *wi = twi + 7 * i;
        for (q = 0; q < s; q++)
        for (v = 0; v < width; v += FV) {
            const ptrdiff_t in = (q + s * i) * xs + v, out = (q + s * 8 * i) * ys + v;
            LOAD_PAIR(a0r, a0i, in);
            LOAD_PAIR(a1r, a1i, in + in_step);
            LOAD_PAIR(a2r, a2i, in + 2 * in_step);
            LOAD_PAIR(a3r, a3i, in + 3 * in_step);
            LOAD_PAIR(a4r, a4i, in + 4 * in_step);
            LOAD_PAIR(a5r, a5i, in + 5 * in_step);
            LOAD_PAIR(a6r, a6i, in + 6 * in_step);
            LOAD_PAIR(a7r, a7i, in + 7 * in_step);
            const NAME(fvec) u0r = a0r + a4r, u0i = a0i + a4i, u1r = a1r + a5r, u1i = a1i + a5i;
            const NAME(fvec) u2r = a2r + a6r, u2i = a2i + a6i, u3r = a3r + a7r, u3i = a3i + a7i;
            const NAME(fvec) v0r = a0r - a4r, v0i = a0i - a4i, d1r = a1r - a5r, d1i = a1i - a5i;
            const NAME(fvec) d2r = a2r - a6r, d2i = a2i - a6i, d3r = a3r - a7r, d3i = a3i - a7i;
            /* v_k = (a_k - a_k+4) w8^k: w8 = (1 - i) / sqrt 2, w8^2 = -i. */
            const NAME(fvec) v1r = (d1r + d1i) * h, v1i = (d1i - d1r) * h;
            const NAME(fvec) v2r = d2i, v2i = -d2r;
            const NAME(fvec) v3r = (d3i - d3r) * h, v3i = -(d3r + d3i) * h;
            {   /* even outputs: the 4-point transform of u */
                const NAME(fvec) t0r = u0r + u2r, t0i = u0i + u2i, t1r = u0r - u2r, t1i = u0i - u2i;
                const NAME(fvec) t2r = u1r + u3r, t2i = u1i + u3i, t3r = u1r - u3r, t3i = u1i - u3i;
                const NAME(fvec) b0r = t0r + t2r, b0i = t0i + t2i;
                VSTORE(yr + out, b0r);
                VSTORE(yr + out + yio, b0i);
                STORE_TWIDDLED(out + 2 * out_step, t1r + t3i, t1i - t3r, wr[1], wi[1]);
                STORE_TWIDDLED(out + 4 * out_step, t0r - t2r, t0i - t2i, wr[3], wi[3]);
                STORE_TWIDDLED(out + 6 * out_step, t1r - t3i, t1i + t3r, wr[5], wi[5]);
            }
            {   /* odd outputs: the 4-point transform of v */
                const NAME(fvec) t0r = v0r + v2r, t0i = v0i + v2i, t1r = v0r - v2r, t1i = v0i - v2i;
                const NAME(fvec) t2r = v1r + v3r, t2i = v1i + v3i, t3r = v1r - v3r, t3i = v1i - v3i;
                STORE_TWIDDLED(out + out_step, t0r + t2r, t0i + t2i, wr[0], wi[0]);
                STORE_TWIDDLED(out + 3 * out_step, t1r + t3i, t1i - t3r, wr[2], wi[2]);
                STORE_TWIDDLED(out + 5 * out_step, t0r - t2r, t0i - t2i, wr[4], wi[4]);
                STORE_TWIDDLED(out + 7 * out_step, t1r - t3i, t1i + t3r, wr[6], wi[6]);
            }
        }
    }
}

VEC_TARGET static inline __attribute__((always_inline)) void NAME(pass2)(
    ptrdiff_t n, ptrdiff_t s, const T *twr, const T *twi, const T *xr, ptrdiff_t xio, ptrdiff_t xs,
    T *yr, ptrdiff_t yio, ptrdiff_t ys, ptrdiff_t width)
{
    const ptrdiff_t m = n / 2, in_step = s * m * xs, out_step = s * ys;
    ptrdiff_t i, q, v;
    for (i = 0; i < m; i++) {
        const T w1r = twr[i], w1i = twi[i];
        for (q = 0; q < s; q++)
        for (v = 0; v < width; v += FV) {
            const ptrdiff_t in = (q + s * i) * xs + v, out = (q + s * 2 * i) * ys + v;
            LOAD_PAIR(a0r, a0i, in);
            LOAD_PAIR(a1r, a1i, in + in_step);
            const NAME(fvec) b0r = a0r + a1r, b0i = a0i + a1i;
            VSTORE(yr + out, b0r);
            VSTORE(yr + out + yio, b0i);
            STORE_TWIDDLED(out + out_step, a0r - a1r, a0i - a1i, w1r, w1i);
        }
    }
}

VEC_TARGET static inline __attribute__((always_inline)) void NAME(pass3)(
    ptrdiff_t n, ptrdiff_t s, const T *twr, const T *twi, const T *xr, ptrdiff_t xio, ptrdiff_t xs,
    T *yr, ptrdiff_t yio, ptrdiff_t ys, ptrdiff_t width)
{
    const ptrdiff_t m = n / 3, in_step = s * m * xs, out_step = s * ys;
    const T c = (T)0.86602540378443864676; /* sin(2 pi / 3) */
    ptrdiff_t i, q, v;
    for (i = 0; i < m; i++) {
        const T w1r = twr[2 * i], w2r = twr[2 * i + 1], w1i = twi[2 * i], w2i = twi[2 * i + 1];
        for (q = 0; q < s; q++)
        for (v = 0; v < width; v += FV) {
            const ptrdiff_t in = (q + s * i) * xs + v, out = (q + s * 3 * i) * ys + v;
            LOAD_PAIR(a0r, a0i, in);
            LOAD_PAIR(a1r, a1i, in + in_step);
            LOAD_PAIR(a2r, a2i, in + 2 * in_step);
            const NAME(fvec) tr = a1r + a2r, ti = a1i + a2i, dr = a1r - a2r, di = a1i - a2i;
            const NAME(fvec) b0r = a0r + tr, b0i = a0i + ti;
            const NAME(fvec) hr = a0r - tr * (T)0.5, hi = a0i - ti * (T)0.5;
            VSTORE(yr + out, b0r);
            VSTORE(yr + out + yio, b0i);
            /* b1 = h - i c d, b2 = h + i c d */
            STORE_TWIDDLED(out + out_step, hr + di * c, hi - dr * c, w1r, w1i);
            STORE_TWIDDLED(out + 2 * out_step, hr - di * c, hi + dr * c, w2r, w2i);
        }
    }
}

VEC_TARGET static inline __attribute__((always_inline)) void NAME(pass5)(
    ptrdiff_t n, ptrdiff_t s, const T *twr, const T *twi, const T *xr, ptrdiff_t xio, ptrdiff_t xs,
    T *yr, ptrdiff_t yio, ptrdiff_t ys, ptrdiff_t width)
{
    const ptrdiff_t m = n / 5, in_step = s * m * xs, out_step = s * ys;
    const T c1 = (T)0.30901699437494742410, c2 = (T)-0.80901699437494742410; /* cos 2pi/5, 4pi/5 */
    const T s1 = (T)0.95105651629515357212, s2 = (T)0.58778525229247312917; /* sin 2pi/5, 4pi/5 */
    ptrdiff_t i, q, v;
    for (i = 0; i < m; i++) {
        const T *wr = twr + 4 * i, *wi = twi + 4 * i;
        for (q = 0; q < s; q++)
        for (v = 0; v < width; v += FV) {
            const ptrdiff_t in = (q + s * i) * xs + v, out = (q + s * 5 * i) * ys + v;
            LOAD_PAIR(a0r, a0i, in);
            LOAD_PAIR(a1r, a1i, in + in_step);
            LOAD_PAIR(a2r, a2i, in + 2 * in_step);
            LOAD_PAIR(a3r, a3i, in + 3 * in_step);
            LOAD_PAIR(a4r, a4i, in + 4 * in_step);
            const NAME(fvec) t1r = a1r + a4r, t1i = a1i + a4i, d1r = a1r - a4r, d1i = a1i - a4i;
            const NAME(fvec) t2r = a2r + a3r, t2i = a2i + a3i, d2r = a2r - a3r, d2i = a2i - a3i;
            const NAME(fvec) b0r = a0r + t1r + t2r, b0i = a0i + t1i + t2i;
            /* b1,4 = A -+ i S with A = a0 + c1 t1 + c2 t2, S = s1 d1 + s2 d2;
             * b2,3 = B -+ i U with B = a0 + c2 t1 + c1 t2, U = s2 d1 - s1 d2. */
            const NAME(fvec) Ar = a0r + t1r * c1 + t2r * c2, Ai = a0i + t1i * c1 + t2i * c2;
            const NAME(fvec) Br = a0r + t1r * c2 + t2r * c1, Bi = a0i + t1i * c2 + t2i * c1;
            const NAME(fvec) Sr = d1r * s1 + d2r * s2, Si = d1i * s1 + d2i * s2;
            const NAME(fvec) Ur = d1r * s2 - d2r * s1, Ui = d1i * s2 - d2i * s1;
            VSTORE(yr + out, b0r);
            VSTORE(yr + out + yio, b0i);
            STORE_TWIDDLED(out + out_step, Ar + Si, Ai - Sr, wr[0], wi[0]);
            STORE_TWIDDLED(out + 2 * out_step, Br + Ui, Bi - Ur, wr[1], wi[1]);
            STORE_TWIDDLED(out + 3 * out_step, Br - Ui, Bi + Ur, wr[2], wi[2]);
            STORE_TWIDDLED(out + 4 * out_step, Ar - Si, Ai + Sr, wr[3], wi[3]);
        }
    }
}

#undef LOAD_PAIR
#undef STORE_TWIDDLED

/* Pass k of the plan (inlined, so that a constant xio or yio becomes an
 * address offset). */
#define RUN_PASS(xr, xio, xs, yr, yio, ys, w)                                                  \
    do {                                                                                     \
        const T *tr_ = twr + plan->tw_offset[k], *ti_ = twi + plan->tw_offset[k];           \
        switch (plan->radix[k]) {                                                            \
        case 8: NAME(pass8)(n, s, tr_, ti_, xr, xio, xs, yr, yio, ys, w); break;             \
        case 4: NAME(pass4)(n, s, tr_, ti_, xr, xio, xs, yr, yio, ys, w); break;             \
        case 2: NAME(pass2)(n, s, tr_, ti_, xr, xio, xs, yr, yio, ys, w); break;             \
        case 3: NAME(pass3)(n, s, tr_, ti_, xr, xio, xs, yr, yio, ys, w); break;             \
        default: NAME(pass5)(n, s, tr_, ti_, xr, xio, xs, yr, yio, ys, w); break;            \
        }                                                                                    \
        n /= plan->radix[k];                                                                 \
        s *= plan->radix[k];                                                                 \
    } while (0)

/* fft_lanes' passes: the first reads the source (imaginary parts src_io
 * past the real ones), the last writes the destination, and those between
 * ping-pong through two buffers of `work` whose elements are a lane block
 * of real parts, then one of imaginary parts (2 * width apart). */
VEC_TARGET static inline __attribute__((always_inline)) void NAME(lanes_passes)(
    const fft_plan *plan, const T *src_re, ptrdiff_t src_io, ptrdiff_t src_stride, T *dst_re,
    ptrdiff_t dst_io, ptrdiff_t dst_stride, ptrdiff_t width, T *work)
{
    const ptrdiff_t es = 2 * width;
    T *buf[2] = {work, work + 2 * plan->n * width + FFT_SKEW};
    const T *twr = (const T *)plan->twr, *twi = (const T *)plan->twi;
    ptrdiff_t n = plan->n, s = 1;
    int k = 0;
    if (plan->npass == 1) {
        RUN_PASS(src_re, src_io, src_stride, dst_re, dst_io, dst_stride, width);
        return;
    }
    RUN_PASS(src_re, src_io, src_stride, buf[0], width, es, width);
    for (k = 1; k < plan->npass - 1; k++)
        RUN_PASS(buf[(k - 1) & 1], width, es, buf[k & 1], width, es, width);
    RUN_PASS(buf[(k - 1) & 1], width, es, dst_re, dst_io, dst_stride, width);
}
#undef RUN_PASS

/* Forward transforms of length plan->n, one per lane of a block of
 * `width` columns (a multiple of FV): element e of lane l is read at
 * src_re/src_im[e * src_stride + l] and written at dst_re/dst_im[e *
 * dst_stride + l] (which may be the source; the real and imaginary parts
 * are in one array each). The first pass reads the source and the last
 * writes the destination; the passes between ping-pong through `work`
 * (4 * n * width elements and a gap). One vector wide (every block with
 * AVX-512) is compiled apart, its buffers' offsets constants. */
VEC_TARGET static void NAME(fft_lanes)(const fft_plan *plan, const T *src_re, const T *src_im,
                                       ptrdiff_t src_stride, T *dst_re, T *dst_im,
                                       ptrdiff_t dst_stride, ptrdiff_t width, T *work)
{
    const ptrdiff_t src_io = src_im - src_re, dst_io = dst_im - dst_re;
    ptrdiff_t e;
    if (plan->npass == 0) { /* length 1 */
        for (e = 0; e < width; e++) {
            dst_re[e] = src_re[e];
            dst_im[e] = src_im[e];
        }
        return;
    }
    if (width == FV)
        NAME(lanes_passes)(plan, src_re, src_io, src_stride, dst_re, dst_io, dst_stride, FV, work);
    else
        NAME(lanes_passes)(plan, src_re, src_io, src_stride, dst_re, dst_io, dst_stride, width,
                           work);
}

/* The column transforms of columns [from, to) (to - from a multiple of
 * FV), in blocks of FFT_BLOCK_BYTES: each pass reads whole cache lines of
 * a row, and a block's buffers stay in L2. With a `watch`, it is asked
 * between blocks (a tile's columns take tens of ms): 1 when it said stop,
 * the columns then left part done, else 0. */
VEC_TARGET static int NAME(fft_columns)(const fft_plan *plan, const T *src_re,
                                        const T *src_im, ptrdiff_t src_stride, T *dst_re,
                                        T *dst_im, ptrdiff_t dst_stride, ptrdiff_t from,
                                        ptrdiff_t to, T *work, corr2d_watch *watch)
{
    const ptrdiff_t block = (ptrdiff_t)(FFT_BLOCK_BYTES / sizeof(T));
    ptrdiff_t g;
    for (g = from; g < to; g += block) {
        if (watch && corr2d_should_stop(watch))
            return 1;
        NAME(fft_lanes)(plan, src_re + g, src_im + g, src_stride, dst_re + g, dst_im + g,
                        dst_stride, to - g < block ? to - g : block, work);
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

/* Rows r0 .. r0 + rows - 1 (rows <= FV) of a tile, columns [0, n), into a
 * slab of n lane vectors (element e of row l at slab[e * FV + l]; lanes
 * past `rows` zero), and back (columns [from, n) only; `from` a multiple
 * of FV). With AVX-512, whole FV x FV blocks go through vector
 * transposes: a tile 1.01-1.11x faster than with the scalar loops. */
VEC_TARGET static void NAME(slab_in)(const T *tile, ptrdiff_t stride, ptrdiff_t rows,
                                     ptrdiff_t n, T *slab)
{
    ptrdiff_t e = 0, l;
#ifdef FFT_VECTOR_TRANSPOSE
    if (rows == FV)
        for (; e + FV <= n; e += FV)
            NAME(transpose_block)(tile + e, stride, slab + e * FV, FV);
#endif
    for (; e < n; e++) {
        for (l = 0; l < rows; l++)
            slab[e * FV + l] = tile[l * stride + e];
        for (; l < FV; l++)
            slab[e * FV + l] = 0;
    }
}

VEC_TARGET static void NAME(slab_out)(const T *slab, ptrdiff_t rows, ptrdiff_t from,
                                      ptrdiff_t n, T *tile, ptrdiff_t stride)
{
    ptrdiff_t e = from, l;
#ifdef FFT_VECTOR_TRANSPOSE
    if (rows == FV)
        for (; e + FV <= n; e += FV)
            NAME(transpose_block)(slab + e * FV, FV, tile + e, stride);
#endif
    for (l = 0; l < rows; l++) {
        ptrdiff_t c;
        for (c = e; c < n; c++)
            tile[l * stride + c] = slab[c * FV + l];
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
    T *R = ws, *I = R + fh * fwp + FFT_SKEW, *Sr = I + fh * fwp + FFT_SKEW;
    T *Si = Sr + fw * FV + FFT_SKEW, *work = Si + fw * FV + FFT_SKEW;
    const T scale = (T)(1.0 / ((double)fh * (double)fw));
    const ptrdiff_t fwl = (fw + FV - 1) / FV * FV;
    ptrdiff_t i, r0, e, l;
    memset(R, 0, sizeof(T) * (size_t)(fh * fwp));
    memset(I, 0, sizeof(T) * (size_t)(fh * fwp));
    memset(kr, 0, sizeof(T) * (size_t)length);
    memset(ki, 0, sizeof(T) * (size_t)length);
    for (i = 0; i < kh; i++)
        memcpy(R + i * fwp, kernel + i * kw, sizeof(T) * (size_t)kw);
    (void)NAME(fft_columns)(ph, R, I, fwp, R, I, fwp, 0, fwl, work, NULL);
    for (r0 = 0; r0 < fh; r0 += FV) {
        const ptrdiff_t rows = fh - r0 < FV ? fh - r0 : FV;
        NAME(slab_in)(R + r0 * fwp, fwp, rows, fw, Sr);
        NAME(slab_in)(I + r0 * fwp, fwp, rows, fw, Si);
        NAME(fft_lanes)(pw, Sr, Si, FV, Sr, Si, FV, FV, work);
        for (e = 0; e < fw; e++)
            for (l = 0; l < rows; l++) {
                kr[r0 / SL * fw * SL + e * SL + r0 % SL + l] = Sr[e * FV + l] * scale;
                ki[r0 / SL * fw * SL + e * SL + r0 % SL + l] = Si[e * FV + l] * scale;
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
    /* Only the columns from kw - 1 on are output: the inverse passes skip
     * the lane groups wholly left of them. */
    const ptrdiff_t c0 = (kw - 1) / FV * FV, fwl = (fw + FV - 1) / FV * FV;
    T *R = ws, *I = R + fh * fwp + FFT_SKEW, *Sr = I + fh * fwp + FFT_SKEW;
    T *Si = Sr + fw * FV + FFT_SKEW, *work = Si + fw * FV + FFT_SKEW;
    const ptrdiff_t ca = cols_out < tw ? cols_out : tw, cb = cols_out - ca;
    ptrdiff_t i, r0, e;
    T probe = 0;
    if (NAME(fft_columns)(ph, R, I, fwp, R, I, fwp, 0, fwl, work, watch))
        return FFT_STOPPED;
    for (r0 = 0; r0 < fh; r0 += FV) {
        const ptrdiff_t rows = fh - r0 < FV ? fh - r0 : FV;
        const T *slab_kr = kr + r0 / SL * fw * SL + r0 % SL, *slab_ki = ki + (slab_kr - kr);
        if (r0 % (8 * FV) == 0 && corr2d_should_stop(watch))
            return FFT_STOPPED;
        NAME(slab_in)(R + r0 * fwp, fwp, rows, fw, Sr);
        NAME(slab_in)(I + r0 * fwp, fwp, rows, fw, Si);
        NAME(fft_lanes)(pw, Sr, Si, FV, Sr, Si, FV, FV, work);
        /* Bin (0, 0), in natural order (Stockham's passes), is the sum of
         * every sample of tile a (re) and of tile b (im): an infinity or a
         * NaN among them makes it one (as does an overflow), which costs
         * two tests here where a scan of the tiles cost 1.15x (4096^2
         * float64, 51x51). */
        if (check_samples && r0 == 0 && !(isfinite(Sr[0]) && isfinite(Si[0])))
            return 1;
        for (e = 0; e < fw; e++) {
            NAME(fvec) xr, xi, yr, yi, zr, zi;
            VLOAD(xr, Sr + e * FV);
            VLOAD(xi, Si + e * FV);
            VLOAD(yr, slab_kr + e * SL);
            VLOAD(yi, slab_ki + e * SL);
            zr = xr * yr - xi * yi;
            zi = xr * yi + xi * yr;
            VSTORE(Sr + e * FV, zr);
            VSTORE(Si + e * FV, zi);
        }
        /* The inverse: the forward transform with re and im exchanged. */
        NAME(fft_lanes)(pw, Si, Sr, FV, Si, Sr, FV, FV, work);
        NAME(slab_out)(Sr, rows, c0, fw, R + r0 * fwp, fwp);
        NAME(slab_out)(Si, rows, c0, fw, I + r0 * fwp, fwp);
    }
    if (NAME(fft_columns)(ph, I, R, fwp, I, R, fwp, c0, fwl, work, watch))
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
#undef VLOAD
#undef VSTORE
#undef FV
#undef FFT_SKEW

/*
 * The depthwise convolution (groups == channels) and its two gradients as
 * direct loops, written once and compiled per dtype (included by conv.c,
 * like im2col.template.c). Lowered to im2col + GEMM, a depthwise layer is
 * one tiny matrix product per (image, channel); MobileNet's planes are as
 * small as 7x7, where per-row loops never fill a vector register.
 *
 * The includer defines NAME(x), T and DTYPE_CODE, the corr2d_dtype of T
 * (for corr2d_correlate).
 *
 * Each plane is first copied into a zero-padded scratch plane P with
 * image pixel (ih, iw) at P[(ih + pad_top) * pitch + iw + pad_left], and
 * the outputs are numbered flat, k = i * out_pitch + j with out_pitch =
 * stride_h * pitch / stride_w (pitch is a multiple of stride_w). Output k
 * reads, for tap (p, q),
 *     P[stride_w * k + p * dilation_h * pitch + q * dilation_w],
 * one offset per tap and no bounds test. P is stored in stride_w phases
 * (element i at (i % stride_w) * part + i / stride_w), so that output k's
 * read of tap t is element k + phase_offset[t]: every loop below is a long
 * contiguous run over whole planes, whatever the stride, in blocks of
 * DW_LANES outputs held in registers. The columns j >= out_width of each
 * flat row are junk: the forward pass drops them; the gradients see them
 * as zeros of grad_output, which add nothing unless multiplied by an
 * infinity (the weight gradient then recomputes with the junk masked,
 * dw_scatter_flat takes a masked loop).
 *
 * Each thread's scratch (P and a flat plane) is corr2d_depthwise_scratch(g)
 * elements. Planes whose scratch would pass CORR2D_DW_SCRATCH_MAX are the
 * caller's to avoid, except at stride 1 and dilation 1, where the forward
 * pass reads the image in place instead (depthwise_in_place).
 */

#ifndef DW_LANES
#define DW_LANES 16
#include "clones.h"
/* The flat layout of one call's planes (the same for every plane). */
typedef struct {
    ptrdiff_t pitch, out_pitch; /* elements per row of P, flat outputs per output row */
    ptrdiff_t flat;             /* flat outputs computed: oh * out_pitch, rounded up to DW_LANES */
    ptrdiff_t sw, part;         /* phases (stride_w) and elements per phase */
    ptrdiff_t size;             /* elements of P, sw * part: every read, and the image */
    ptrdiff_t taps;
} corr2d_dw_layout;

/* Where element i of the padded plane is stored. */
static inline ptrdiff_t corr2d_dw_at(const corr2d_dw_layout *L, ptrdiff_t i)
{
    return L->sw == 1 ? i : (i % L->sw) * L->part + i / L->sw;
}

static void corr2d_dw_layout_of(const corr2d_conv_geometry *g, corr2d_dw_layout *L)
{
    const ptrdiff_t sw = g->stride_w, sh = g->stride_h;
    const ptrdiff_t reach_w = (g->out_width - 1) * sw + (g->kernel_width - 1) * g->dilation_w + 1;
    ptrdiff_t pitch = g->pad_left + g->width > reach_w ? g->pad_left + g->width : reach_w;
    ptrdiff_t reads, image;
    /* Geometries whose sizes would pass PTRDIFF_MAX / 8 (a stride of 2^62,
     * say) get size -1: nothing below may wrap around. */
    const double sizes = ((double)pitch + (double)sw) * (double)sh / (double)sw *
                             ((double)g->out_height + 1.0) +
                         ((double)g->kernel_height * (double)g->dilation_h + (double)g->pad_top +
                          (double)g->height) * ((double)pitch + (double)sw) +
                         (double)sw * 2.0 * DW_LANES;
    if (sizes > (double)(PTRDIFF_MAX / 8)) {
        memset(L, 0, sizeof *L);
        L->size = -1;
        return;
    }
    pitch = (pitch + sw - 1) / sw * sw;
    L->pitch = pitch;
    L->out_pitch = sh * pitch / sw;
    L->flat = (g->out_height * L->out_pitch + DW_LANES - 1) / DW_LANES * DW_LANES;
    reads = sw * (L->flat - 1) + (g->kernel_height - 1) * g->dilation_h * pitch
            + (g->kernel_width - 1) * g->dilation_w + 1;
    image = (g->pad_top + g->height) * pitch;
    L->sw = sw;
    L->part = ((reads > image ? reads : image) + sw - 1) / sw;
    L->size = sw * L->part;
    L->taps = g->kernel_height * g->kernel_width;
}

/* Elements of one thread's scratch (the padded plane and a flat plane). */
static ptrdiff_t corr2d_dw_scratch_of(const corr2d_conv_geometry *g)
{
    corr2d_dw_layout L;
    corr2d_dw_layout_of(g, &L);
    return L.size < 0 ? PTRDIFF_MAX : L.size + L.flat;
}

/* Planes per scheduling chunk: enough work (about 2**15 multiply-adds)
 * that taking a chunk from OpenMP's shared counter costs little beside it
 * (one 7x7 plane is 576). */
static int corr2d_dw_grain(const corr2d_dw_layout *L)
{
    const double per_plane = (double)L->flat * (double)L->taps;
    return per_plane >= 32768.0 ? 1 : (int)(32768.0 / per_plane);
}

/* The per-tap offsets into P's phases (output k reads element k +
 * offsets[t]), and the mask of real (not junk) flat outputs. */
static int corr2d_dw_tables(const corr2d_conv_geometry *g, const corr2d_dw_layout *L,
                            ptrdiff_t **offsets, unsigned char **real)
{
    ptrdiff_t p, q, k;
    *offsets = (ptrdiff_t *)malloc(sizeof(ptrdiff_t) * (size_t)L->taps);
    *real = (unsigned char *)malloc((size_t)L->flat);
    if (!*offsets || !*real) {
        free(*offsets);
        free(*real);
        return CORR2D_ENOMEM;
    }
    for (p = 0; p < g->kernel_height; p++)
        for (q = 0; q < g->kernel_width; q++)
            (*offsets)[p * g->kernel_width + q] =
                corr2d_dw_at(L, p * g->dilation_h * L->pitch + q * g->dilation_w);
    for (k = 0; k < L->flat; k++)
        (*real)[k] = k < g->out_height * L->out_pitch && k % L->out_pitch < g->out_width;
    return CORR2D_OK;
}

/* What each of the three loops sets up for `planes` planes of work: the
 * layout, the thread count, the scheduling grain, the tables and the
 * interrupt watch. */
static int corr2d_dw_begin(const corr2d_conv_geometry *g, double planes, corr2d_dw_layout *L,
                           int *nthreads, int *grain, ptrdiff_t **offsets,
                           unsigned char **real, corr2d_watch *watch)
{
    double work;
    corr2d_dw_layout_of(g, L);
    if (L->size < 0)
        return CORR2D_ENOMEM;
    work = planes * (double)L->flat * (double)L->taps;
    *nthreads = corr2d_plan_threads(g->threads, work);
    *grain = corr2d_dw_grain(L);
    corr2d_watch_start(watch, work);
    return corr2d_dw_tables(g, L, offsets, real);
}

/* Frees the tables; the call's status. */
static int corr2d_dw_end(ptrdiff_t *offsets, unsigned char *real, const corr2d_watch *watch,
                         int status)
{
    free(offsets);
    free(real);
    if (watch->stop)
        status |= CORR2D_EINTR;
    return corr2d_status_of(status);
}
#endif

/* dst[:n] = src[:n], rows as short as 7: a loop the compiler inlines,
 * where a memcpy call costs more than the copy. */
CORR2D_FORCE_INLINE void NAME(dw_copy)(T *dst, const T *src, ptrdiff_t n)
{
    ptrdiff_t j;
    for (j = 0; j < n; j++)
        dst[j] = src[j];
}

/* P = the zero-padded copy of one image plane, in phases; P zeroed once
 * per thread: the padding is never written, so only the image rows are
 * copied (each phase of a row a contiguous run of P). */
static void NAME(dw_pad)(const T *src, T *P, const corr2d_conv_geometry *g,
                         const corr2d_dw_layout *L)
{
    const ptrdiff_t w = g->width, sw = L->sw;
    ptrdiff_t r, ph, j, d;
    for (r = 0; r < g->height; r++) {
        const ptrdiff_t base = (r + g->pad_top) * L->pitch + g->pad_left;
        const T *row = src + r * w;
        if (sw == 1) {
            NAME(dw_copy)(P + base, row, w);
            continue;
        }
        for (ph = 0; ph < sw && ph < w; ph++) {
            T *dst = P + corr2d_dw_at(L, base + ph);
            for (j = ph, d = 0; j < w; j += sw, d++)
                dst[d] = row[j];
        }
    }
}

/* F[k] = sum over taps of w[t] * P[k + offsets[t]], for k < L->flat: one
 * plane's forward pass from its padded copy P. */
CORR2D_CLONES static void NAME(dw_forward_plane)(const T *P, const T *w,
                                                 const ptrdiff_t *offsets, T *F,
                                                 const corr2d_dw_layout *L)
{
    const ptrdiff_t taps = L->taps;
    ptrdiff_t k0, t;
    int l;
    for (k0 = 0; k0 < L->flat; k0 += DW_LANES) {
        T acc[DW_LANES] = {0};
        for (t = 0; t < taps; t++) {
            const T wv = w[t];
            const T *src = P + k0 + offsets[t];
            for (l = 0; l < DW_LANES; l++)
                acc[l] += wv * src[l];
        }
        for (l = 0; l < DW_LANES; l++)
            F[k0 + l] = acc[l];
    }
}

/* sum over the real k < flat of G[k] * P[k + off], in DW_LANES partial
 * sums: the weight gradient's fallback when the unmasked sums of
 * dw_grad_weight_lanes came out infinite or NaN. */
CORR2D_FORCE_INLINE T NAME(dw_dot_real)(const T *G, const T *P, ptrdiff_t off,
                                       const unsigned char *real, ptrdiff_t flat)
{
    T lanes[DW_LANES] = {0};
    T sum = 0;
    ptrdiff_t k0;
    int l;
    for (k0 = 0; k0 < flat; k0 += DW_LANES)
        for (l = 0; l < DW_LANES; l++) {
            const T product = G[k0 + l] * P[k0 + l + off];
            lanes[l] += real[k0 + l] ? product : (T)0;
        }
    for (l = 0; l < DW_LANES; l++)
        sum += lanes[l];
    return sum;
}

/* Q[k + off] += wv * G[k] for every k < flat. G is zero at junk outputs,
 * so a finite wv adds exact zeros there; an infinite or NaN wv (0 * inf is
 * NaN) goes through `real`. */
CORR2D_FORCE_INLINE void NAME(dw_scatter_flat)(T *Q, ptrdiff_t off, const T *G, T wv,
                                              const unsigned char *real, ptrdiff_t flat)
{
    ptrdiff_t k;
    if (wv - wv == 0) {
        for (k = 0; k < flat; k++)
            Q[k + off] += wv * G[k];
        return;
    }
    for (k = 0; k < flat; k++)
        if (real[k])
            Q[k + off] += wv * G[k];
}

/* G = the flat copy of one output-shaped plane, G zeroed once per thread:
 * the junk columns are never written, so they stay zero. */
static void NAME(dw_flatten)(const T *src, T *G, const corr2d_conv_geometry *g,
                             const corr2d_dw_layout *L)
{
    ptrdiff_t i;
    for (i = 0; i < g->out_height; i++)
        NAME(dw_copy)(G + i * L->out_pitch, src + i * g->out_width, g->out_width);
}

/* Q (padded, in phases) += one output plane's input gradient, G its flat
 * gradient. */
CORR2D_CLONES static void NAME(dw_grad_input_plane)(T *Q, const T *G, const T *w,
                                                    const ptrdiff_t *offsets,
                                                    const unsigned char *real,
                                                    const corr2d_dw_layout *L)
{
    ptrdiff_t t;
    for (t = 0; t < L->taps; t++)
        NAME(dw_scatter_flat)(Q, offsets[t], G, w[t], real, L->flat);
}

/* lanes[t * DW_LANES + l] += G[k] * P[k + offsets[t]] over k = l mod
 * DW_LANES: one plane's weight gradient, junk outputs included (G is zero
 * there), before the lanes are summed. */
CORR2D_CLONES static void NAME(dw_grad_weight_lanes)(const T *G, const T *P,
                                                     const ptrdiff_t *offsets,
                                                     const corr2d_dw_layout *L, T *lanes)
{
    ptrdiff_t t, k0;
    int l;
    for (t = 0; t < L->taps; t++) {
        const T *src = P + offsets[t];
        T sum[DW_LANES]; /* a local copy: it cannot alias G or P, so it stays in registers */
        for (l = 0; l < DW_LANES; l++)
            sum[l] = lanes[t * DW_LANES + l];
        for (k0 = 0; k0 < L->flat; k0 += DW_LANES)
            for (l = 0; l < DW_LANES; l++)
                sum[l] += G[k0 + l] * src[k0 + l];
        for (l = 0; l < DW_LANES; l++)
            lanes[t * DW_LANES + l] = sum[l];
    }
}

/* acc[t] += the lanes of tap t (in double), lanes zeroed; returns 0 if a
 * sum is infinite or NaN. */
static int NAME(dw_flush_lanes)(T *lanes, double *acc, ptrdiff_t taps)
{
    ptrdiff_t t;
    int l, finite = 1;
    for (t = 0; t < taps; t++) {
        double s = 0;
        for (l = 0; l < DW_LANES; l++) {
            s += (double)lanes[t * DW_LANES + l];
            lanes[t * DW_LANES + l] = 0;
        }
        acc[t] += s;
        finite &= acc[t] - acc[t] == 0;
    }
    return finite;
}

/* acc[t] += one plane's weight gradient of tap t over the real outputs
 * only (the fallback of the lanes above). */
CORR2D_CLONES static void NAME(dw_grad_weight_masked)(const T *G, const T *P,
                                                      const ptrdiff_t *offsets,
                                                      const unsigned char *real,
                                                      const corr2d_dw_layout *L,
                                                      double *acc)
{
    ptrdiff_t t;
    for (t = 0; t < L->taps; t++)
        acc[t] += (double)NAME(dw_dot_real)(G, P, offsets[t], real, L->flat);
}

/* Stride 1 and dilation 1 on planes too large for a scratch copy: each
 * plane through corr2d_correlate's SIMD loops, which read the image in
 * place (no scratch at all). */
static int NAME(depthwise_in_place)(const T *images, const T *weight, T *out,
                                    ptrdiff_t batch, ptrdiff_t multiplier,
                                    const corr2d_conv_geometry *g)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    const ptrdiff_t nplanes = batch * g->channels * multiplier;
    const double work = (double)nplanes * (double)(oh * ow) * (double)(kh * kw);
    const int nthreads = corr2d_plan_threads(g->threads, work);
    const T zero = 0;
    ptrdiff_t plane;
    int status = CORR2D_OK;
    corr2d_geometry pg;
    corr2d_watch watch;

    pg.height = h;
    pg.width = w;
    pg.row_stride = w;
    pg.kernel_height = kh;
    pg.kernel_width = kw;
    pg.out_height = oh;
    pg.out_width = ow;
    pg.out_row_stride = ow;
    pg.top = g->pad_top;
    pg.left = g->pad_left;
    pg.boundary = CORR2D_FILL;
    pg.threads = 1;
    corr2d_watch_start(&watch, work);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1) \
    reduction(| : status)
#endif
    for (plane = 0; plane < nplanes; plane++) {
        const ptrdiff_t m = plane % (g->channels * multiplier);
        int s;
        if (corr2d_should_stop(&watch))
            continue;
        s = corr2d_correlate(DTYPE_CODE, images + plane / multiplier * h * w,
                             weight + m * kh * kw, &zero, out + plane * oh * ow, &pg);
        if (s == CORR2D_EINTR)
            watch.stop = 1; /* the plane's own watch saw the interrupt */
        status |= s;
    }
    if (watch.stop)
        status |= CORR2D_EINTR;
    return corr2d_status_of(status);
}

int NAME(depthwise)(const T *images, const T *weight, T *out, ptrdiff_t batch,
                    ptrdiff_t multiplier, const corr2d_conv_geometry *g)
{
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    const ptrdiff_t out_channels = g->channels * multiplier;
    /* Sizes and indices stay ptrdiff_t: batch * out_channels may pass 2**31. */
    const ptrdiff_t nplanes = batch * out_channels;
    corr2d_dw_layout L;
    ptrdiff_t *offsets;
    unsigned char *real;
    int nthreads, status, grain;
    corr2d_watch watch;

    if (g->stride_h == 1 && g->stride_w == 1 && g->dilation_h == 1 && g->dilation_w == 1
        && corr2d_dw_scratch_of(g) > CORR2D_DW_SCRATCH_MAX)
        return NAME(depthwise_in_place)(images, weight, out, batch, multiplier, g);
    status = corr2d_dw_begin(g, (double)nplanes, &L, &nthreads, &grain, &offsets, &real,
                             &watch);
    if (status != CORR2D_OK)
        return status;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) if (nthreads > 1) reduction(| : status)
#endif
    {
        T *P = (T *)calloc((size_t)(L.size + L.flat), sizeof(T));
        T *F = P + L.size;
        ptrdiff_t chunk;
        if (!P)
            status |= CORR2D_ENOMEM;
        /* Chunks of `grain` planes, the channel counted along: a 64-bit
         * division per 7x7 plane costs as much as a tap. Output plane
         * n * out_channels + m reads input plane (that) / multiplier. */
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (chunk = 0; chunk < (nplanes + grain - 1) / grain; chunk++) {
            const ptrdiff_t first = chunk * grain;
            const ptrdiff_t last = first + grain < nplanes ? first + grain : nplanes;
            ptrdiff_t plane, m = first % out_channels, i;
            if (!P || corr2d_should_stop(&watch))
                continue;
            for (plane = first; plane < last; plane++) {
                const ptrdiff_t source = multiplier == 1 ? plane : plane / multiplier;
                T *dst = out + plane * oh * ow;
                NAME(dw_pad)(images + source * g->height * g->width, P, g, &L);
                NAME(dw_forward_plane)(P, weight + m * L.taps, offsets, F, &L);
                for (i = 0; i < oh; i++)
                    NAME(dw_copy)(dst + i * ow, F + i * L.out_pitch, ow);
                if (++m == out_channels)
                    m = 0;
            }
        }
        free(P);
    }
    return corr2d_dw_end(offsets, real, &watch, status);
}

int NAME(depthwise_grad_input)(const T *grad_out, const T *weight, T *grad_in,
                               ptrdiff_t batch, ptrdiff_t multiplier,
                               const corr2d_conv_geometry *g)
{
    const ptrdiff_t h = g->height, w = g->width;
    const ptrdiff_t channels = g->channels, out_channels = channels * multiplier;
    const ptrdiff_t nplanes = batch * channels;
    corr2d_dw_layout L;
    ptrdiff_t *offsets;
    unsigned char *real;
    int nthreads, status, grain;
    corr2d_watch watch;

    status = corr2d_dw_begin(g, (double)batch * (double)out_channels, &L, &nthreads, &grain,
                             &offsets, &real, &watch);
    if (status != CORR2D_OK)
        return status;
    /* One thread owns an input plane and every output channel reading it:
     * no two threads add into the same pixel. */
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) if (nthreads > 1) reduction(| : status)
#endif
    {
        T *Q = (T *)calloc((size_t)(L.size + L.flat), sizeof(T));
        T *G = Q + L.size;
        ptrdiff_t chunk;
        if (!Q)
            status |= CORR2D_ENOMEM;
        /* Chunks of `grain` input planes, the channel counted along (see
         * the forward pass); input plane n * channels + c is read by the
         * output planes (that) * multiplier + mm. */
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (chunk = 0; chunk < (nplanes + grain - 1) / grain; chunk++) {
            const ptrdiff_t first = chunk * grain;
            const ptrdiff_t last = first + grain < nplanes ? first + grain : nplanes;
            ptrdiff_t plane, c = first % channels;
            if (!Q || corr2d_should_stop(&watch))
                continue;
            for (plane = first; plane < last; plane++, c = c + 1 == channels ? 0 : c + 1) {
                T *gx = grad_in + plane * h * w;
                ptrdiff_t mm, r, j;
                for (mm = 0; mm < multiplier; mm++) {
                    NAME(dw_flatten)(grad_out + (plane * multiplier + mm) * g->out_height
                                                    * g->out_width,
                                     G, g, &L);
                    NAME(dw_grad_input_plane)(Q, G, weight + (c * multiplier + mm) * L.taps,
                                              offsets, real, &L);
                }
                /* Read the image back and zero it for the next plane. Only junk
                 * outputs write Q's padding, which is never read: it may hold
                 * anything. */
                for (r = 0; r < h; r++) {
                    const ptrdiff_t base = (r + g->pad_top) * L.pitch + g->pad_left;
                    T *row = gx + r * w;
                    ptrdiff_t ph, d;
                    for (ph = 0; ph < L.sw && ph < w; ph++) {
                        T *src = Q + corr2d_dw_at(&L, base + ph);
                        for (j = ph, d = 0; j < w; j += L.sw, d++) {
                            row[j] += src[d];
                            src[d] = 0;
                        }
                    }
                }
            }
        }
        free(Q);
    }
    return corr2d_dw_end(offsets, real, &watch, status);
}

int NAME(depthwise_grad_weight)(const T *images, const T *grad_out, T *grad_w,
                                ptrdiff_t batch, ptrdiff_t multiplier,
                                const corr2d_conv_geometry *g)
{
    const ptrdiff_t channels = g->channels, out_channels = channels * multiplier;
    corr2d_dw_layout L;
    ptrdiff_t *offsets;
    unsigned char *real;
    int nthreads, status, grain;
    corr2d_watch watch;

    status = corr2d_dw_begin(g, (double)batch * (double)out_channels, &L, &nthreads, &grain,
                             &offsets, &real, &watch);
    if (status != CORR2D_OK)
        return status;
    /* One thread owns an output channel's taps: each tap a sum, in double,
     * of DW_LANES partial sums per image (per batch for planes of fewer
     * than 256 flat outputs, where per-image sums would cost more than the
     * products). A non-finite sum is recomputed with the junk outputs
     * masked (dw_grad_weight_masked). */
    if (batch > 1) /* grain counts planes; a channel is `batch` of them */
        grain = grain / batch > 1 ? (int)(grain / batch) : 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) if (nthreads > 1) reduction(| : status)
#endif
    {
        T *P = (T *)calloc((size_t)(L.size + L.flat), sizeof(T));
        T *G = P ? P + L.size : NULL;
        double *acc = (double *)malloc(sizeof(double) * (size_t)L.taps);
        T *lanes = (T *)calloc((size_t)(L.taps * DW_LANES), sizeof(T));
        const int per_image = L.flat >= 256;
        ptrdiff_t m;
        if (!P || !acc || !lanes)
            status |= CORR2D_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, grain)
#endif
        for (m = 0; m < out_channels; m++) {
            const ptrdiff_t source = m / multiplier;
            ptrdiff_t n, t;
            int masked, finite = 1;
            if (!P || !acc || !lanes || corr2d_should_stop(&watch))
                continue;
            /* Unmasked lanes first; again with the junk outputs masked if a
             * sum came out infinite or NaN. */
            for (masked = 0; masked <= !finite; masked++) {
                for (t = 0; t < L.taps; t++)
                    acc[t] = 0;
                for (n = 0; n < batch; n++) {
                    NAME(dw_pad)(images + (n * channels + source) * g->height * g->width, P,
                                 g, &L);
                    NAME(dw_flatten)(grad_out + (n * out_channels + m) * g->out_height
                                                    * g->out_width,
                                     G, g, &L);
                    if (masked) {
                        NAME(dw_grad_weight_masked)(G, P, offsets, real, &L, acc);
                        continue;
                    }
                    NAME(dw_grad_weight_lanes)(G, P, offsets, &L, lanes);
                    if (per_image || n == batch - 1)
                        finite &= NAME(dw_flush_lanes)(lanes, acc, L.taps);
                }
            }
            for (t = 0; t < L.taps; t++)
                grad_w[m * L.taps + t] = (T)acc[t];
        }
        free(P);
        free(acc);
        free(lanes);
    }
    return corr2d_dw_end(offsets, real, &watch, status);
}

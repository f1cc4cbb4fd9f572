/*
 * The depthwise convolution (groups == channels) and its two gradients as
 * direct loops, written once and compiled per dtype (included by conv.c,
 * like im2col.template.c). A depthwise layer has one input channel per
 * group: lowered to im2col + GEMM it becomes one tiny matrix product per
 * (image, channel), slower than these loops over whole planes.
 *
 * The includer defines:
 *   NAME(x)      the name x with this instance's suffix (x_f32, x_f64)
 *   T            the element type
 *   DTYPE_CODE   the corr2d_dtype of T (for corr2d_correlate)
 *
 * Output channel m reads input channel m / multiplier. For each kernel tap
 * (p, q), the output columns j whose input column j * stride_w + q *
 * dilation_w - pad_left lies inside the image form one interval [jlo, jhi)
 * (corr2d_conv_column_range), so the inner loops have no bounds test; they
 * are written with the stride as an argument of an always-inlined helper
 * called with the constants 1 and 2, so the compiler vectorises those.
 */

/* dst[j] += wv * row[off + j * sw] for j in [lo, hi). */
CORR2D_FORCE_INLINE void NAME(dw_gather_add)(T *dst, const T *row, ptrdiff_t off, T wv,
                                            ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t sw)
{
    ptrdiff_t j;
    for (j = lo; j < hi; j++)
        dst[j] += wv * row[off + j * sw];
}

/* row[off + j * sw] += wv * src[j] for j in [lo, hi). */
CORR2D_FORCE_INLINE void NAME(dw_scatter_add)(T *row, ptrdiff_t off, const T *src, T wv,
                                             ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t sw)
{
    ptrdiff_t j;
    for (j = lo; j < hi; j++)
        row[off + j * sw] += wv * src[j];
}

/* sum of a[j] * row[off + j * sw] for j in [lo, hi), in DW_LANES partial
 * sums (an elementwise loop the compiler vectorises without reassociating
 * a reduction itself). */
#ifndef DW_LANES
#define DW_LANES 16
#endif
CORR2D_FORCE_INLINE T NAME(dw_dot)(const T *a, const T *row, ptrdiff_t off, ptrdiff_t lo,
                                  ptrdiff_t hi, ptrdiff_t sw)
{
    T lanes[DW_LANES] = {0};
    T sum = 0;
    ptrdiff_t j = lo;
    int l;
    for (; j + DW_LANES <= hi; j += DW_LANES)
        for (l = 0; l < DW_LANES; l++)
            lanes[l] += a[j + l] * row[off + (j + l) * sw];
    for (; j < hi; j++)
        sum += a[j] * row[off + j * sw];
    for (l = 0; l < DW_LANES; l++)
        sum += lanes[l];
    return sum;
}

/* One output plane of a strided or dilated depthwise convolution. */
static void NAME(dw_forward_plane)(const T *src, const T *wt, T *out,
                                   const corr2d_conv_geometry *g)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width, oh = g->out_height, ow = g->out_width;
    const ptrdiff_t sw = g->stride_w;
    ptrdiff_t i, p, q, j;
    for (i = 0; i < oh; i++) {
        T *dst = out + i * ow;
        for (j = 0; j < ow; j++)
            dst[j] = 0;
        for (p = 0; p < kh; p++) {
            const ptrdiff_t ih = i * g->stride_h + p * g->dilation_h - g->pad_top;
            const T *row;
            if (ih < 0 || ih >= h)
                continue;
            row = src + ih * w;
            for (q = 0; q < kw; q++) {
                const ptrdiff_t off = q * g->dilation_w - g->pad_left;
                const T wv = wt[p * kw + q];
                ptrdiff_t jlo, jhi;
                corr2d_conv_column_range(off, sw, w, ow, &jlo, &jhi);
                if (sw == 1)
                    NAME(dw_gather_add)(dst, row, off, wv, jlo, jhi, 1);
                else if (sw == 2)
                    NAME(dw_gather_add)(dst, row, off, wv, jlo, jhi, 2);
                else
                    NAME(dw_gather_add)(dst, row, off, wv, jlo, jhi, sw);
            }
        }
    }
}

int NAME(depthwise)(const T *images, const T *weight, T *out, ptrdiff_t batch,
                    ptrdiff_t multiplier, const corr2d_conv_geometry *g)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    const ptrdiff_t out_channels = g->channels * multiplier;
    /* Sizes and indices stay ptrdiff_t: batch * out_channels may pass 2**31. */
    const ptrdiff_t nplanes = batch * out_channels;
    const double work = (double)nplanes * (double)(oh * ow) * (double)(kh * kw);
    const int nthreads = corr2d_plan_threads(g->threads, work);
    /* Stride 1 and dilation 1 take corr2d_correlate's SIMD loops. */
    const int unit = g->stride_h == 1 && g->stride_w == 1 && g->dilation_h == 1
                     && g->dilation_w == 1;
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
        const ptrdiff_t n = plane / out_channels, m = plane % out_channels;
        const T *src = images + (n * g->channels + m / multiplier) * h * w;
        int s = CORR2D_OK;
        if (corr2d_should_stop(&watch))
            continue;
        if (unit)
            s = corr2d_correlate(DTYPE_CODE, src, weight + m * kh * kw, &zero,
                                 out + plane * oh * ow, &pg);
        else
            NAME(dw_forward_plane)(src, weight + m * kh * kw, out + plane * oh * ow, g);
        if (s == CORR2D_EINTR)
            watch.stop = 1; /* the plane's own watch saw the interrupt */
        status |= s;
    }
    if (watch.stop)
        status |= CORR2D_EINTR;
    return corr2d_status_of(status);
}

int NAME(depthwise_grad_input)(const T *grad_out, const T *weight, T *grad_in,
                               ptrdiff_t batch, ptrdiff_t multiplier,
                               const corr2d_conv_geometry *g)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    const ptrdiff_t channels = g->channels, out_channels = channels * multiplier;
    const ptrdiff_t sw = g->stride_w;
    const ptrdiff_t nplanes = batch * channels;
    const double work = (double)batch * (double)out_channels * (double)(oh * ow)
                        * (double)(kh * kw);
    const int nthreads = corr2d_plan_threads(g->threads, work);
    ptrdiff_t plane;
    corr2d_watch watch;

    corr2d_watch_start(&watch, work);
    /* One thread owns an input plane and every output channel reading it:
     * no two threads add into the same pixel. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1)
#endif
    for (plane = 0; plane < nplanes; plane++) {
        const ptrdiff_t n = plane / channels, c = plane % channels;
        T *gx = grad_in + plane * h * w;
        ptrdiff_t mm, i, p, q;
        if (corr2d_should_stop(&watch))
            continue;
        for (mm = 0; mm < multiplier; mm++) {
            const ptrdiff_t m = c * multiplier + mm;
            const T *gy = grad_out + (n * out_channels + m) * oh * ow;
            const T *wt = weight + m * kh * kw;
            for (i = 0; i < oh; i++) {
                const T *src = gy + i * ow;
                for (p = 0; p < kh; p++) {
                    const ptrdiff_t ih = i * g->stride_h + p * g->dilation_h - g->pad_top;
                    T *row;
                    if (ih < 0 || ih >= h)
                        continue;
                    row = gx + ih * w;
                    for (q = 0; q < kw; q++) {
                        const ptrdiff_t off = q * g->dilation_w - g->pad_left;
                        const T wv = wt[p * kw + q];
                        ptrdiff_t jlo, jhi;
                        corr2d_conv_column_range(off, sw, w, ow, &jlo, &jhi);
                        if (sw == 1)
                            NAME(dw_scatter_add)(row, off, src, wv, jlo, jhi, 1);
                        else if (sw == 2)
                            NAME(dw_scatter_add)(row, off, src, wv, jlo, jhi, 2);
                        else
                            NAME(dw_scatter_add)(row, off, src, wv, jlo, jhi, sw);
                    }
                }
            }
        }
    }
    return watch.stop ? CORR2D_EINTR : CORR2D_OK;
}

int NAME(depthwise_grad_weight)(const T *images, const T *grad_out, T *grad_w,
                                ptrdiff_t batch, ptrdiff_t multiplier,
                                const corr2d_conv_geometry *g)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    const ptrdiff_t channels = g->channels, out_channels = channels * multiplier;
    const ptrdiff_t sw = g->stride_w;
    const double work = (double)batch * (double)out_channels * (double)(oh * ow)
                        * (double)(kh * kw);
    const int nthreads = corr2d_plan_threads(g->threads, work);
    ptrdiff_t m;
    int status = CORR2D_OK;
    corr2d_watch watch;

    corr2d_watch_start(&watch, work);
    /* One thread owns an output channel's taps; each tap sums, in double,
     * one partial sum per output row. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1) \
    reduction(| : status)
#endif
    for (m = 0; m < out_channels; m++) {
        double *acc;
        ptrdiff_t n, i, p, q, k;
        if (corr2d_should_stop(&watch))
            continue;
        acc = (double *)calloc((size_t)(kh * kw), sizeof(double));
        if (!acc) {
            status |= CORR2D_ENOMEM;
            continue;
        }
        for (n = 0; n < batch; n++) {
            const T *x = images + (n * channels + m / multiplier) * h * w;
            const T *gy = grad_out + (n * out_channels + m) * oh * ow;
            for (i = 0; i < oh; i++) {
                const T *a = gy + i * ow;
                for (p = 0; p < kh; p++) {
                    const ptrdiff_t ih = i * g->stride_h + p * g->dilation_h - g->pad_top;
                    const T *row;
                    if (ih < 0 || ih >= h)
                        continue;
                    row = x + ih * w;
                    for (q = 0; q < kw; q++) {
                        const ptrdiff_t off = q * g->dilation_w - g->pad_left;
                        ptrdiff_t jlo, jhi;
                        T s;
                        corr2d_conv_column_range(off, sw, w, ow, &jlo, &jhi);
                        if (sw == 1)
                            s = NAME(dw_dot)(a, row, off, jlo, jhi, 1);
                        else if (sw == 2)
                            s = NAME(dw_dot)(a, row, off, jlo, jhi, 2);
                        else
                            s = NAME(dw_dot)(a, row, off, jlo, jhi, sw);
                        acc[p * kw + q] += (double)s;
                    }
                }
            }
        }
        for (k = 0; k < kh * kw; k++)
            grad_w[m * kh * kw + k] = (T)acc[k];
        free(acc);
    }
    if (watch.stop)
        status |= CORR2D_EINTR;
    return corr2d_status_of(status);
}

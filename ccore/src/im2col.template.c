/*
 * im2col / col2im and the depthwise loop, written once and compiled per
 * dtype (included by conv.c, like correlate.template.c).
 *
 * The includer defines:
 *   NAME(x)      the name x with this instance's suffix (x_f32, x_f64)
 *   T            the element type
 *   DTYPE_CODE   the corr2d_dtype of T (for corr2d_correlate)
 *
 * Each (channel, tap) row of the column matrix is a strided copy of one
 * input plane. The output columns j whose input column lies inside the
 * image form one interval [jlo, jhi), computed once per tap, so the copy
 * loop has no bounds test; stride 1 is a memcpy.
 */

int NAME(im2col)(const T *image, T *columns, const corr2d_conv_geometry *g,
                 ptrdiff_t row_begin, ptrdiff_t row_end)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width, ow = g->out_width;
    const ptrdiff_t sw = g->stride_w;
    const ptrdiff_t ncols = (row_end - row_begin) * ow;
    const int nrows = (int)(g->channels * kh * kw);
    const int nthreads = corr2d_choose_threads(g->threads, (double)nrows * (double)ncols);
    int k;

#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
#endif
    for (k = 0; k < nrows; k++) {
        const ptrdiff_t c = k / (kh * kw), p = (k / kw) % kh, q = k % kw;
        const T *plane = image + c * h * w;
        const ptrdiff_t off_w = q * g->dilation_w - g->pad_left;
        ptrdiff_t jlo, jhi, i, j;
        T *dst = columns + (ptrdiff_t)k * ncols;
        corr2d_conv_column_range(off_w, sw, w, ow, &jlo, &jhi);
        for (i = row_begin; i < row_end; i++, dst += ow) {
            const ptrdiff_t ih = i * g->stride_h + p * g->dilation_h - g->pad_top;
            const T *src;
            if (ih < 0 || ih >= h) {
                memset(dst, 0, sizeof(T) * (size_t)ow);
                continue;
            }
            src = plane + ih * w + off_w; /* j-th output column reads src[j * sw] */
            for (j = 0; j < jlo; j++)
                dst[j] = 0;
            if (sw == 1) {
                if (jhi > jlo)
                    memcpy(dst + jlo, src + jlo, sizeof(T) * (size_t)(jhi - jlo));
            } else {
                for (j = jlo; j < jhi; j++)
                    dst[j] = src[j * sw];
            }
            for (j = jhi; j < ow; j++)
                dst[j] = 0;
        }
    }
    return CORR2D_OK;
}

int NAME(col2im)(const T *columns, T *image, const corr2d_conv_geometry *g,
                 ptrdiff_t row_begin, ptrdiff_t row_end)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width, ow = g->out_width;
    const ptrdiff_t sw = g->stride_w;
    const ptrdiff_t ncols = (row_end - row_begin) * ow;
    const int nchannels = (int)g->channels;
    const int nthreads = corr2d_choose_threads(
        g->threads, (double)nchannels * (double)(kh * kw) * (double)ncols);
    int c;

    /* One thread owns whole channel planes: no two threads add into the
     * same pixel. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
#endif
    for (c = 0; c < nchannels; c++) {
        T *plane = image + (ptrdiff_t)c * h * w;
        ptrdiff_t p, q, i, j;
        for (p = 0; p < kh; p++)
            for (q = 0; q < kw; q++) {
                const ptrdiff_t off_w = q * g->dilation_w - g->pad_left;
                const T *src = columns + (((ptrdiff_t)c * kh + p) * kw + q) * ncols;
                ptrdiff_t jlo, jhi;
                corr2d_conv_column_range(off_w, sw, w, ow, &jlo, &jhi);
                for (i = row_begin; i < row_end; i++, src += ow) {
                    const ptrdiff_t ih = i * g->stride_h + p * g->dilation_h - g->pad_top;
                    T *dst;
                    if (ih < 0 || ih >= h)
                        continue;
                    dst = plane + ih * w + off_w;
                    if (sw == 1) {
                        for (j = jlo; j < jhi; j++)
                            dst[j] += src[j];
                    } else {
                        for (j = jlo; j < jhi; j++)
                            dst[j * sw] += src[j];
                    }
                }
            }
    }
    return CORR2D_OK;
}

int NAME(depthwise)(const T *images, const T *weight, T *out, ptrdiff_t batch,
                    ptrdiff_t multiplier, const corr2d_conv_geometry *g)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    const ptrdiff_t out_channels = g->channels * multiplier;
    const int nplanes = (int)(batch * out_channels);
    const int nthreads = corr2d_choose_threads(
        g->threads, (double)nplanes * (double)(oh * ow) * (double)(kh * kw));
    const T zero = 0;
    int plane, status = CORR2D_OK;
    corr2d_geometry pg;

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

#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1) \
    reduction(| : status)
#endif
    for (plane = 0; plane < nplanes; plane++) {
        const ptrdiff_t n = plane / out_channels, m = plane % out_channels;
        const T *src = images + (n * g->channels + m / multiplier) * h * w;
        status |= corr2d_correlate(DTYPE_CODE, src, weight + m * kh * kw, &zero,
                                   out + (ptrdiff_t)plane * oh * ow, &pg);
    }
    return corr2d_status_of(status);
}

/*
 * im2col / col2im, written once and compiled per dtype (included by
 * conv.c, like correlate.template.c).
 *
 * The includer defines:
 *   NAME(x)      the name x with this instance's suffix (x_f32, x_f64)
 *   T            the element type
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
    const ptrdiff_t nrows = g->channels * kh * kw;
    const int nthreads = corr2d_plan_threads(g->threads, (double)nrows * (double)ncols);
    ptrdiff_t k;
    corr2d_watch watch;

    corr2d_watch_start(&watch, (double)nrows * (double)ncols);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
#endif
    for (k = 0; k < nrows; k++) {
        const ptrdiff_t c = k / (kh * kw), p = (k / kw) % kh, q = k % kw;
        const T *plane = image + c * h * w;
        const ptrdiff_t off_w = q * g->dilation_w - g->pad_left;
        ptrdiff_t jlo, jhi, i, j;
        T *dst = columns + k * ncols;
        if (corr2d_should_stop(&watch))
            continue;
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
            } else if (sw == 2) {
                /* A constant stride the compiler vectorises (stems and
                 * downsampling layers); the general loop is scalar. */
                for (j = jlo; j < jhi; j++)
                    dst[j] = src[2 * j];
            } else {
                for (j = jlo; j < jhi; j++)
                    dst[j] = src[j * sw];
            }
            for (j = jhi; j < ow; j++)
                dst[j] = 0;
        }
    }
    return watch.stop ? CORR2D_EINTR : CORR2D_OK;
}

int NAME(col2im)(const T *columns, T *image, const corr2d_conv_geometry *g,
                 ptrdiff_t row_begin, ptrdiff_t row_end)
{
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->height, w = g->width, ow = g->out_width;
    const ptrdiff_t sw = g->stride_w;
    const ptrdiff_t ncols = (row_end - row_begin) * ow;
    const ptrdiff_t nchannels = g->channels;
    const int nthreads = corr2d_plan_threads(
        g->threads, (double)nchannels * (double)(kh * kw) * (double)ncols);
    ptrdiff_t c;
    corr2d_watch watch;

    corr2d_watch_start(&watch, (double)nchannels * (double)(kh * kw) * (double)ncols);
    /* One thread owns whole channel planes: no two threads add into the
     * same pixel. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
#endif
    for (c = 0; c < nchannels; c++) {
        T *plane = image + c * h * w;
        ptrdiff_t p, q, i, j;
        for (p = 0; p < kh; p++)
            for (q = 0; q < kw; q++) {
                if (corr2d_should_stop(&watch))
                    break;
                const ptrdiff_t off_w = q * g->dilation_w - g->pad_left;
                const T *src = columns + ((c * kh + p) * kw + q) * ncols;
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
                    } else if (sw == 2) {
                        for (j = jlo; j < jhi; j++)
                            dst[2 * j] += src[j];
                    } else {
                        for (j = jlo; j < jhi; j++)
                            dst[j * sw] += src[j];
                    }
                }
            }
    }
    return watch.stop ? CORR2D_EINTR : CORR2D_OK;
}

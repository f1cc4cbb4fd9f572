/*
 * The window normalization of template matching (corr2d_window.h), written
 * once and compiled per dtype (included by window_stats.c).
 *
 * The includer defines:
 *   NAME(x)   the name x with this instance's suffix (x_f32, x_f64)
 *   T         the element type of the image and of out
 *
 * A band of output rows keeps, per image column, the float64 sum and sum of
 * squares of the window's rows (all channels): summed over the first
 * window_height rows, then slid down one row per output row (the row that
 * enters added, the row that leaves subtracted). Along each output row the
 * window sums slide the same way over the column sums; one vector-friendly
 * loop then turns them into variances and divides. Every band starts
 * afresh: rounding does not build up over the image, and no band depends on
 * another (nor, then, on the threads).
 */

/* The column sums of rows [r, r + count) of every channel, from zero. */
CORR2D_FORCE_INLINE void NAME(window_columns_start)(double *sum, double *sumsq, const T *image,
                                                    const corr2d_window_geometry *g,
                                                    ptrdiff_t r, ptrdiff_t count, double shift,
                                                    ptrdiff_t cs)
{
    const ptrdiff_t width = g->width;
    ptrdiff_t c, k, j;
    for (j = 0; j < width; j++)
        sum[j] = sumsq[j] = 0.0;
    for (k = r; k < r + count; k++)
        for (c = 0; c < g->channels; c++) {
            const T *row = image + c * g->channel_stride + k * g->row_stride;
            for (j = 0; j < width; j++) {
                const double x = (double)row[j * cs] - shift;
                sum[j] += x;
                sumsq[j] += x * x;
            }
        }
}

/* The column sums one row further down: row `enter` in, row `leave` out. */
CORR2D_FORCE_INLINE void NAME(window_columns_slide)(double *sum, double *sumsq, const T *image,
                                                    const corr2d_window_geometry *g,
                                                    ptrdiff_t enter, ptrdiff_t leave,
                                                    double shift, ptrdiff_t cs)
{
    const ptrdiff_t width = g->width;
    ptrdiff_t c, j;
    for (c = 0; c < g->channels; c++) {
        const T *in = image + c * g->channel_stride + enter * g->row_stride;
        const T *out = image + c * g->channel_stride + leave * g->row_stride;
        for (j = 0; j < width; j++) {
            const double x = (double)in[j * cs] - shift, y = (double)out[j * cs] - shift;
            sum[j] += x - y;
            sumsq[j] += x * x - y * y;
        }
    }
}

/* One output row [out, out + count) divided by its windows' deviations;
 * sumsqs is overwritten. Two loops without branches, which the compiler
 * vectorises (the build turns off errno for sqrt): the variances, infinity
 * for those at or below the floor, then the division (by infinity: 0). */
CORR2D_FORCE_INLINE void NAME(window_divide)(T *out, const double *sums, double *sumsqs,
                                             ptrdiff_t count, double inv_n, double floor,
                                             ptrdiff_t ocs)
{
    ptrdiff_t j;
    for (j = 0; j < count; j++) {
        const double s = sums[j], var = sumsqs[j] - s * s * inv_n;
        sumsqs[j] = var > floor ? var : INFINITY;
    }
    for (j = 0; j < count; j++)
        out[j * ocs] = (T)((double)out[j * ocs] / sqrt(sumsqs[j]));
}

/* Output rows [i0, i1) of one band. */
CORR2D_FORCE_INLINE void NAME(window_band)(const T *image, T *out, const corr2d_window_geometry *g,
                                           ptrdiff_t i0, ptrdiff_t i1, double shift,
                                           double floor, double *scratch, corr2d_watch *watch,
                                           ptrdiff_t cs, ptrdiff_t ocs)
{
    const ptrdiff_t h = g->window_height, w = g->window_width, width = g->width;
    const ptrdiff_t ow = width - w + 1;
    const double inv_n = 1.0 / ((double)g->channels * (double)h * (double)w);
    /* The rounding level per unit of the largest h-row sum of squares. */
    const double level = (4.0 * sqrt((double)(i1 - i0 + h - 1 + width)) + 16.0) * DBL_EPSILON;
    double *sum = scratch, *sumsq = scratch + width;
    double *sums = scratch + 2 * width, *sumsqs = sums + ow;
    double largest = 0.0;
    ptrdiff_t i, j;

    NAME(window_columns_start)(sum, sumsq, image, g, i0, h, shift, cs);
    for (i = i0; i < i1; i++) {
        T *row = out + i * g->out_row_stride;
        double s = 0.0, q = 0.0, total;
        if (corr2d_should_stop(watch))
            return;
        if (i > i0)
            NAME(window_columns_slide)(sum, sumsq, image, g, i + h - 1, i - 1, shift, cs);
        for (j = 0; j < w; j++) {
            s += sum[j];
            q += sumsq[j];
        }
        sums[0] = s;
        sumsqs[0] = q;
        total = q;
        for (j = 1; j < ow; j++) {
            s += sum[j + w - 1] - sum[j - 1];
            q += sumsq[j + w - 1] - sumsq[j - 1];
            total += sumsq[j + w - 1];
            sums[j] = s;
            sumsqs[j] = q;
        }
        if (!(total <= largest)) /* a larger sum, or NaN */
            largest = total;
        if (!(largest <= DBL_MAX)) {
            /* NaN or infinity reached the sums: nothing below is reliable. */
            for (; i < i1; i++)
                for (j = 0; j < ow; j++)
                    out[i * g->out_row_stride + j * ocs] = (T)NAN;
            return;
        }
        NAME(window_divide)(row, sums, sumsqs, ow, inv_n,
                            floor > level * largest ? floor : level * largest, ocs);
    }
}

int NAME(window_normalize)(const T *image, T *out, const corr2d_window_geometry *g,
                           double shift, double floor)
{
    const ptrdiff_t h = g->window_height, w = g->window_width, width = g->width;
    const ptrdiff_t oh = g->height - h + 1, ow = width - w + 1;
    const ptrdiff_t band_rows = corr2d_window_band_rows(oh, h);
    const ptrdiff_t nbands = (oh + band_rows - 1) / band_rows;
    const size_t per_thread = 2 * (size_t)width + 2 * (size_t)ow;
    /* About 4 operations per sample and channel, 16 per output. */
    const double work = (double)oh * (double)width * (4.0 * (double)g->channels + 16.0);
    double *scratch;
    int nthreads = corr2d_plan_threads(g->threads, work);
    ptrdiff_t band;
    corr2d_watch watch;

    if (nthreads > nbands)
        nthreads = (int)nbands;
    scratch = (double *)malloc(sizeof(double) * per_thread * (size_t)nthreads);
    if (scratch == NULL)
        return CORR2D_ENOMEM;
    corr2d_watch_start(&watch, work);
    /* Consecutive bands on one thread share window_height - 1 rows in cache. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
#endif
    for (band = 0; band < nbands; band++) {
        double *mine = scratch + per_thread * (size_t)corr2d_thread_num();
        const ptrdiff_t i0 = band * band_rows;
        const ptrdiff_t i1 = i0 + band_rows < oh ? i0 + band_rows : oh;
        if (corr2d_should_stop(&watch))
            continue;
        /* Contiguous columns get a loop the compiler vectorises. */
        if (g->column_stride == 1 && g->out_column_stride == 1)
            NAME(window_band)(image, out, g, i0, i1, shift, floor, mine, &watch, 1, 1);
        else
            NAME(window_band)(image, out, g, i0, i1, shift, floor, mine, &watch,
                              g->column_stride, g->out_column_stride);
    }
    free(scratch);
    return watch.stop ? CORR2D_EINTR : CORR2D_OK;
}

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
 *
 * Infinities and NaNs are counted, not summed (a running sum that met one
 * would stay NaN after it left the window): the sums take 0 for them, a
 * third running sum counts them (exactly: small integers in float64), and
 * a window that holds one gives NaN, as a direct computation does.
 */

/* v - shift where v is finite, else 0 (and *missing 1.0, else 0.0): a
 * select that the compiler vectorises (window_stats.c says why not
 * trapping). */
CORR2D_FORCE_INLINE double NAME(centred)(double v, double shift, double *missing)
{
    const int finite = v - v == 0.0;
    *missing = finite ? 0.0 : 1.0;
    return finite ? v - shift : 0.0;
}

/* The column sums of rows [r, r + count) of every channel, from zero
 * (`counting`: and the counts of non-finite samples, left out of the sums). */
CORR2D_FORCE_INLINE void NAME(window_columns_start)(double *sum, double *sumsq, double *bad,
                                                    const T *image,
                                                    const corr2d_window_geometry *g,
                                                    ptrdiff_t r, ptrdiff_t count, double shift,
                                                    ptrdiff_t cs, const int counting)
{
    const ptrdiff_t width = g->width;
    ptrdiff_t c, k, j;
    for (j = 0; j < width; j++) {
        sum[j] = sumsq[j] = 0.0;
        if (counting)
            bad[j] = 0.0;
    }
    for (k = r; k < r + count; k++)
        for (c = 0; c < g->channels; c++) {
            const T *row = image + c * g->channel_stride + k * g->row_stride;
            for (j = 0; j < width; j++) {
                double missing = 0.0;
                const double x = counting ? NAME(centred)((double)row[j * cs], shift, &missing)
                                          : (double)row[j * cs] - shift;
                sum[j] += x;
                sumsq[j] += x * x;
                if (counting)
                    bad[j] += missing;
            }
        }
}

/* The column sums one row further down: row `enter` in, row `leave` out. */
CORR2D_FORCE_INLINE void NAME(window_columns_slide)(double *sum, double *sumsq, double *bad,
                                                    const T *image,
                                                    const corr2d_window_geometry *g,
                                                    ptrdiff_t enter, ptrdiff_t leave,
                                                    double shift, ptrdiff_t cs,
                                                    const int counting)
{
    const ptrdiff_t width = g->width;
    ptrdiff_t c, j;
    for (c = 0; c < g->channels; c++) {
        const T *in = image + c * g->channel_stride + enter * g->row_stride;
        const T *out = image + c * g->channel_stride + leave * g->row_stride;
        for (j = 0; j < width; j++) {
            double x_missing = 0.0, y_missing = 0.0;
            const double x = counting ? NAME(centred)((double)in[j * cs], shift, &x_missing)
                                      : (double)in[j * cs] - shift;
            const double y = counting ? NAME(centred)((double)out[j * cs], shift, &y_missing)
                                      : (double)out[j * cs] - shift;
            sum[j] += x - y;
            sumsq[j] += x * x - y * y;
            if (counting)
                bad[j] += x_missing - y_missing;
        }
    }
}

/* One output row [out, out + count) divided by its windows' deviations;
 * sumsqs is overwritten. Two loops without branches, which the compiler
 * vectorises (the build turns off errno for sqrt): the variances, infinity
 * for those at or below the floor, NaN for windows that hold a non-finite
 * sample, then the division (by infinity: 0; by NaN: NaN). */
CORR2D_FORCE_INLINE void NAME(window_divide)(T *out, const double *sums, double *sumsqs,
                                             const double *bads, ptrdiff_t count, double inv_n,
                                             double floor, ptrdiff_t ocs, const int counting)
{
    ptrdiff_t j;
    for (j = 0; j < count; j++) {
        const double s = sums[j], var = sumsqs[j] - s * s * inv_n;
        const double kept = var > floor ? var : INFINITY;
        sumsqs[j] = counting && bads[j] > 0.0 ? NAN : kept;
    }
    for (j = 0; j < count; j++)
        out[j * ocs] = (T)((double)out[j * ocs] / sqrt(sumsqs[j]));
}

/* Output rows [i0, i1) of one band. Without `counting`, a row whose
 * windows meet an infinity or a NaN stops the band before it is written:
 * the row is returned, for the rest to be done counting them (a sum that
 * met one is no use after it; counting costs 1.2-1.3x, so only such bands
 * pay it). Else returns i1. */
CORR2D_FORCE_INLINE ptrdiff_t NAME(window_band)(const T *image, T *out,
                                                const corr2d_window_geometry *g, ptrdiff_t i0,
                                                ptrdiff_t i1, double shift, double floor,
                                                double *scratch, corr2d_watch *watch,
                                                ptrdiff_t cs, ptrdiff_t ocs, const int counting)
{
    const ptrdiff_t h = g->window_height, w = g->window_width, width = g->width;
    const ptrdiff_t ow = width - w + 1;
    const double inv_n = 1.0 / ((double)g->channels * (double)h * (double)w);
    /* The rounding level per unit of the largest h-row sum of squares. */
    const double level = (4.0 * sqrt((double)(i1 - i0 + h - 1 + width)) + 16.0) * DBL_EPSILON;
    double *sum = scratch, *sumsq = scratch + width, *bad = scratch + 2 * width;
    double *sums = scratch + 3 * width, *sumsqs = sums + ow, *bads = sumsqs + ow;
    double largest = 0.0;
    ptrdiff_t i, j;

    NAME(window_columns_start)(sum, sumsq, bad, image, g, i0, h, shift, cs, counting);
    for (i = i0; i < i1; i++) {
        T *row = out + i * g->out_row_stride;
        double s = 0.0, q = 0.0, b = 0.0, total;
        if (corr2d_should_stop(watch))
            return i1;
        if (i > i0)
            NAME(window_columns_slide)(sum, sumsq, bad, image, g, i + h - 1, i - 1, shift, cs,
                                       counting);
        for (j = 0; j < w; j++) {
            s += sum[j];
            q += sumsq[j];
            if (counting)
                b += bad[j];
        }
        sums[0] = s;
        sumsqs[0] = q;
        bads[0] = b;
        total = q;
        for (j = 1; j < ow; j++) {
            s += sum[j + w - 1] - sum[j - 1];
            q += sumsq[j + w - 1] - sumsq[j - 1];
            total += sumsq[j + w - 1];
            sums[j] = s;
            sumsqs[j] = q;
            if (counting) {
                b += bad[j + w - 1] - bad[j - 1];
                bads[j] = b;
            }
        }
        if (!(total <= largest)) /* a larger sum, or NaN */
            largest = total;
        if (!(largest <= DBL_MAX)) {
            if (!counting)
                return i; /* an infinity or a NaN (or an overflow) */
            /* Counting, a square overflowed (|x| beyond about 1e154):
             * nothing below is reliable. */
            for (; i < i1; i++)
                for (j = 0; j < ow; j++)
                    out[i * g->out_row_stride + j * ocs] = (T)NAN;
            return i1;
        }
        NAME(window_divide)(row, sums, sumsqs, bads, ow, inv_n,
                            floor > level * largest ? floor : level * largest, ocs, counting);
    }
    return i1;
}

int NAME(window_normalize)(const T *image, T *out, const corr2d_window_geometry *g,
                           double shift, double floor)
{
    const ptrdiff_t h = g->window_height, w = g->window_width, width = g->width;
    const ptrdiff_t oh = g->height - h + 1, ow = width - w + 1;
    const ptrdiff_t band_rows = corr2d_window_band_rows(oh, h);
    const ptrdiff_t nbands = (oh + band_rows - 1) / band_rows;
    const size_t per_thread = 3 * (size_t)width + 3 * (size_t)ow;
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
        /* Contiguous columns get a loop the compiler vectorises; from a
         * row whose windows meet an infinity or a NaN, the band counts them. */
        if (g->column_stride == 1 && g->out_column_stride == 1) {
            const ptrdiff_t i = NAME(window_band)(image, out, g, i0, i1, shift, floor, mine,
                                                  &watch, 1, 1, 0);
            if (i < i1)
                NAME(window_band)(image, out, g, i, i1, shift, floor, mine, &watch, 1, 1, 1);
        } else {
            const ptrdiff_t cs = g->column_stride, ocs = g->out_column_stride;
            const ptrdiff_t i = NAME(window_band)(image, out, g, i0, i1, shift, floor, mine,
                                                  &watch, cs, ocs, 0);
            if (i < i1)
                NAME(window_band)(image, out, g, i, i1, shift, floor, mine, &watch, cs, ocs, 1);
        }
    }
    free(scratch);
    return watch.stop ? CORR2D_EINTR : CORR2D_OK;
}

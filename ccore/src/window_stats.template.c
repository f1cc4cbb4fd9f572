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
 * afresh, and every tile of columns in it (window_normalize): rounding does
 * not build up over the image, and no band depends on another (nor, then,
 * on the threads). Each band and tile subtracts its own shift, the median
 * of a few of its samples (tile_shift): a dim part of the image does not
 * carry a bright part's mean into its variances. A running sum that falls
 * far below the largest value it carried is computed afresh
 * (window_columns_check, window_row), and each window's flat floor comes
 * from the magnitudes that its own sums carried: a bright sample zeroes no
 * window that never held it.
 *
 * Infinities and NaNs are counted, not summed (a running sum that met one
 * would stay NaN after it left the window): the sums take 0 for them, a
 * third running sum counts them (exactly: small integers in float64), and
 * a window that holds one gives NaN, as a direct computation does.
 */

/* v - shift; `counting`, where v is finite, else 0 (and *missing 1.0,
 * else 0.0): a select that the compiler vectorises (window_stats.c says
 * why not trapping). Without `counting`, *missing is left alone. */
CORR2D_FORCE_INLINE double NAME(centred)(double v, double shift, double *missing,
                                         const int counting)
{
    int finite;
    if (!counting)
        return v - shift;
    finite = v - v == 0.0;
    *missing = finite ? 0.0 : 1.0;
    return finite ? v - shift : 0.0;
}

/* The column sums of rows [r, r + count) of every channel, from zero
 * (`counting`: and the counts of non-finite samples, left out of the sums);
 * each column's sum of squares is also the largest it has carried. */
CORR2D_FORCE_INLINE void NAME(window_columns_start)(double *sum, double *sumsq, double *bad,
                                                    double *met, const T *image,
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
                const double x = NAME(centred)((double)row[j * cs], shift, &missing, counting);
                sum[j] += x;
                sumsq[j] += x * x;
                if (counting)
                    bad[j] += missing;
            }
        }
    for (j = 0; j < width; j++)
        met[j] = sumsq[j];
}

/* Column j's sums over rows [r, r + count) afresh (as window_columns_start). */
static void NAME(window_column_fresh)(double *sum, double *sumsq, double *bad, double *met,
                                      const T *image, const corr2d_window_geometry *g,
                                      ptrdiff_t j, ptrdiff_t r, ptrdiff_t count, double shift,
                                      ptrdiff_t cs, const int counting)
{
    double s = 0.0, q = 0.0, b = 0.0;
    ptrdiff_t c, k;
    for (k = r; k < r + count; k++)
        for (c = 0; c < g->channels; c++) {
            double missing = 0.0;
            const T v = image[c * g->channel_stride + k * g->row_stride + j * cs];
            const double x = NAME(centred)((double)v, shift, &missing, counting);
            s += x;
            q += x * x;
            b += missing;
        }
    sum[j] = s;
    sumsq[j] = met[j] = q;
    if (counting)
        bad[j] = b;
}

/* A running sum of squares that has fallen below CORR2D_WINDOW_DROP of the
 * largest value it carried since it was last computed afresh has lost that
 * many bits to cancellation: it is computed afresh. The rounding it carries
 * is then at most about eps * (its count of updates) * its largest value,
 * which is at most 1 / CORR2D_WINDOW_DROP times its present value. */
#ifndef CORR2D_WINDOW_DROP
#define CORR2D_WINDOW_DROP (1.0 / 1024.0)
#endif

/* The column sums one row further down: row `enter` in, row `leave` out,
 * and each column's largest sum of squares since it was last computed
 * afresh (a NaN kept: it marks the row). Returns nonzero if one fell below
 * CORR2D_WINDOW_DROP of that (window_columns_refresh). */
CORR2D_FORCE_INLINE int NAME(window_columns_slide)(double *sum, double *sumsq, double *bad,
                                                   double *met, const T *image,
                                                    const corr2d_window_geometry *g,
                                                    ptrdiff_t enter, ptrdiff_t leave,
                                                    double shift, ptrdiff_t cs,
                                                    const int counting)
{
    const ptrdiff_t width = g->width;
    double stale = 0.0; /* a select, which GCC vectorises (an int |= is not) */
    ptrdiff_t c, j;
    for (c = 0; c < g->channels; c++) {
        const T *in = image + c * g->channel_stride + enter * g->row_stride;
        const T *out = image + c * g->channel_stride + leave * g->row_stride;
        if (c < g->channels - 1) {
            for (j = 0; j < width; j++) {
                double x_missing = 0.0, y_missing = 0.0;
                const double x = NAME(centred)((double)in[j * cs], shift, &x_missing, counting);
                const double y = NAME(centred)((double)out[j * cs], shift, &y_missing, counting);
                sum[j] += x - y;
                sumsq[j] += x * x - y * y;
                if (counting)
                    bad[j] += x_missing - y_missing;
            }
            continue;
        }
        /* The last channel: also each column's largest sum of squares. */
        for (j = 0; j < width; j++) {
            double x_missing = 0.0, y_missing = 0.0;
            const double x = NAME(centred)((double)in[j * cs], shift, &x_missing, counting);
            const double y = NAME(centred)((double)out[j * cs], shift, &y_missing, counting);
            const double q = sumsq[j] + (x * x - y * y), m = met[j];
            sum[j] += x - y;
            sumsq[j] = q;
            met[j] = q <= m ? m : q;
            stale = q < m * CORR2D_WINDOW_DROP ? 1.0 : stale;
            if (counting)
                bad[j] += x_missing - y_missing;
        }
    }
    return stale != 0.0;
}


/* The columns that fell below CORR2D_WINDOW_DROP of their largest sum of
 * squares, computed afresh over rows [r, r + count). */
static void NAME(window_columns_refresh)(double *sum, double *sumsq, double *bad, double *met,
                                         const T *image, const corr2d_window_geometry *g,
                                         ptrdiff_t r, ptrdiff_t count, double shift,
                                         ptrdiff_t cs, const int counting)
{
    ptrdiff_t j;
    for (j = 0; j < g->width; j++)
        if (sumsq[j] < met[j] * CORR2D_WINDOW_DROP)
            NAME(window_column_fresh)(sum, sumsq, bad, met, image, g, j, r, count, shift, cs,
                                      counting);
}

/* One output row [out, out + count) divided by its windows' deviations;
 * sumsqs is overwritten. Two loops without branches, which the compiler
 * vectorises (the build turns off errno for sqrt): the variances, infinity
 * for those at or below their floor (the larger of `floor` and level times
 * the largest magnitude the window's sums carried), NaN for windows that
 * hold a non-finite sample, then the division (by infinity: 0; by NaN:
 * NaN). The variance is (n q - s^2) / n: exact where the sums are (integer
 * samples), whatever the shift.
 * Only the windows marked in `marks` are done (`all`: every window); one
 * whose variance is below 1 / CORR2D_WINDOW_CANCEL of its q (the shift is
 * far from its mean, and the two cancel) is left for a pass with a shift of
 * its own (divided by 1: unchanged) and marked, unless `last`. Returns
 * nonzero if any was left. */
CORR2D_FORCE_INLINE int NAME(window_divide)(T *out, const double *sums, double *sumsqs,
                                            const double *bads, const double *mags,
                                            double *later, unsigned char *marks,
                                            ptrdiff_t count, double n, double inv_n,
                                            double floor, double level, const int all,
                                            const int last, ptrdiff_t ocs, const int counting)
{
    double left = 0.0; /* a select, which GCC vectorises (an int |= is not) */
    ptrdiff_t j;
    if (all) { /* the first pass: every window, no byte read (the loop vectorises) */
        for (j = 0; j < count; j++) {
            const double s = sums[j], q = sumsqs[j], var = (q * n - s * s) * inv_n;
            const double own = level * mags[j];
            const double kept = var > (floor > own ? floor : own) ? var : INFINITY;
            const int bad = counting && bads[j] > 0.0;
            const int again = !last && !bad && var * CORR2D_WINDOW_CANCEL < q;
            sumsqs[j] = again ? 1.0 : (bad ? NAN : kept);
            later[j] = again ? 1.0 : 0.0;
            left = again ? 1.0 : left;
        }
        if (left != 0.0)
            for (j = 0; j < count; j++)
                marks[j] = (unsigned char)(later[j] != 0.0);
    } else { /* a later pass: the marked windows only */
        for (j = 0; j < count; j++) {
            const double s = sums[j], q = sumsqs[j], var = (q * n - s * s) * inv_n;
            const double own = level * mags[j];
            const double kept = var > (floor > own ? floor : own) ? var : INFINITY;
            const int bad = counting && bads[j] > 0.0;
            const int again = marks[j] && !last && !bad && var * CORR2D_WINDOW_CANCEL < q;
            sumsqs[j] = marks[j] && !again ? (bad ? NAN : kept) : 1.0;
            marks[j] = (unsigned char)again;
            left = again ? 1.0 : left;
        }
    }
    for (j = 0; j < count; j++)
        out[j * ocs] = (T)((double)out[j * ocs] / sqrt(sumsqs[j]));
    return left != 0.0;
}

/* The window sums of one row of outputs, sliding along the column sums
 * (see window_band); mags[j] is the largest sum of the columns' `met` that
 * window j's running sums carried since they were last computed afresh.
 * A first loop without branches slides them all; only a row where that
 * running sum may have fallen below CORR2D_WINDOW_DROP of its largest value
 * is done again, computing the sums afresh where it falls (the same bits
 * where it did not). */
CORR2D_FORCE_INLINE void NAME(window_row)(double *sums, double *sumsqs, double *bads,
                                          double *mags, const double *sum,
                                          const double *sumsq, const double *bad,
                                          const double *met, ptrdiff_t ow, ptrdiff_t w,
                                          const int counting)
{
    double s = 0.0, q = 0.0, b = 0.0, p = 0.0, most, least;
    ptrdiff_t j, k;
    for (j = 0; j < w; j++) {
        s += sum[j];
        q += sumsq[j];
        p += met[j];
        if (counting)
            b += bad[j];
    }
    most = least = p;
    sums[0] = s;
    sumsqs[0] = q;
    bads[0] = b;
    mags[0] = most;
    for (j = 1; j < ow; j++) {
        s += sum[j + w - 1] - sum[j - 1];
        q += sumsq[j + w - 1] - sumsq[j - 1];
        p += met[j + w - 1] - met[j - 1];
        most = most > p ? most : p; /* maxsd; a NaN in p stays in p, so in most */
        least = least < p ? least : p;
        sums[j] = s;
        sumsqs[j] = q;
        mags[j] = most;
        if (counting) {
            b += bad[j + w - 1] - bad[j - 1];
            bads[j] = b;
        }
    }
    /* No value below DROP times the row's largest: none below DROP times
     * the largest before it (the test costs a minsd, not a compare per
     * window; a row that only grows that much is done again unchanged). */
    if (!(least < most * CORR2D_WINDOW_DROP))
        return;
    s = sums[0];
    q = sumsqs[0];
    p = most = mags[0];
    for (j = 1; j < ow; j++) {
        s += sum[j + w - 1] - sum[j - 1];
        q += sumsq[j + w - 1] - sumsq[j - 1];
        p += met[j + w - 1] - met[j - 1];
        if (p < most * CORR2D_WINDOW_DROP) { /* computed afresh */
            s = q = p = 0.0;
            for (k = j; k < j + w; k++) {
                s += sum[k];
                q += sumsq[k];
                p += met[k];
            }
            most = p;
        } else if (!(p <= most)) { /* a larger magnitude, or NaN */
            most = p;
        }
        sums[j] = s;
        sumsqs[j] = q;
        mags[j] = most;
    }
}

/* Output rows [i0, i1) of one band (of one tile of columns: g->width is
 * the tile's). Without `counting`, a row whose windows meet an infinity or
 * a NaN stops the band before it is written: the row is returned, for the
 * rest to be done counting them (a sum that met one is no use after it;
 * counting costs 1.2-1.3x, so only such bands pay it). Else returns i1.
 *
 * The window sums slide along the row as the column sums slide down, with
 * a third running sum, of the columns' largest sums of squares (`met`):
 * its largest value since the window sums were last computed afresh bounds
 * every magnitude that the window's sums carried, and sets the window's
 * flat floor. When it falls below CORR2D_WINDOW_DROP of that, the window
 * sums are computed afresh over their w columns. */
CORR2D_FORCE_INLINE ptrdiff_t NAME(window_band)(const T *image, T *out,
                                                const corr2d_window_geometry *g, ptrdiff_t i0,
                                                ptrdiff_t i1, double shift, double floor,
                                                double *scratch, corr2d_window_pass *pass,
                                                corr2d_watch *watch, ptrdiff_t cs,
                                                ptrdiff_t ocs, const int counting)
{
    const ptrdiff_t h = g->window_height, w = g->window_width, width = g->width;
    const ptrdiff_t ow = width - w + 1;
    const double n = (double)g->channels * (double)h * (double)w, inv_n = 1.0 / n;
    /* The rounding level per unit of the largest magnitude a window's
     * sums carried (about sqrt(updates) roundings of that size each). */
    const double level = (4.0 * sqrt((double)(i1 - i0 + h - 1 + width)) + 16.0) * DBL_EPSILON;
    double *sum = scratch, *sumsq = scratch + width, *bad = scratch + 2 * width;
    double *met = scratch + 3 * width;
    double *sums = scratch + 4 * width, *sumsqs = sums + ow, *bads = sumsqs + ow;
    double *mags = bads + ow, *later = mags + ow;
    ptrdiff_t i, j;

    NAME(window_columns_start)(sum, sumsq, bad, met, image, g, i0, h, shift, cs, counting);
    for (i = i0; i < i1; i++) {
        T *row = out + i * g->out_row_stride;
        if (corr2d_should_stop(watch))
            return i1;
        if (i > i0) {
            if (NAME(window_columns_slide)(sum, sumsq, bad, met, image, g, i + h - 1, i - 1,
                                           shift, cs, counting))
                NAME(window_columns_refresh)(sum, sumsq, bad, met, image, g, i, h, shift, cs,
                                             counting);
        }
        NAME(window_row)(sums, sumsqs, bads, mags, sum, sumsq, bad, met, ow, w, counting);
        /* A NaN or an infinity stays in the running sum of met to the
         * row's end (NaN - NaN, inf - inf), and in its largest value. */
        if (!(mags[ow - 1] <= DBL_MAX)) {
            if (!counting)
                return i; /* an infinity or a NaN (or an overflow) */
            /* Counting, a square overflowed (|x| beyond about 1e154):
             * nothing below is reliable. */
            for (; i < i1; i++)
                for (j = 0; j < ow; j++)
                    out[i * g->out_row_stride + j * ocs] = (T)NAN;
            return i1;
        }
        if (NAME(window_divide)(row, sums, sumsqs, bads, mags, later,
                                pass->marks + (i - pass->band0) * ow, ow, n, inv_n, floor,
                                level, pass->all, pass->last, ocs, counting)) {
            if (pass->left == 0) { /* the next pass's shift: a sample of the first */
                const unsigned char *marks = pass->marks + (i - pass->band0) * ow;
                for (j = 0; !marks[j]; j++)
                    ;
                pass->next = (double)image[i * g->row_stride + j * cs];
                pass->first = i;
            }
            pass->left++;
            pass->end = i + 1;
        }
    }
    return i1;
}

/* The shift of one band and tile: the median of up to 15 of its finite
 * samples (3 rows by 5 columns, the channels in turn), or 0. A sample, so
 * that x - shift is exact for integer images (and their sums, below 2^53);
 * a median, so that a few outliers do not move it. */
static double NAME(tile_shift)(const T *image, const corr2d_window_geometry *g, ptrdiff_t r0,
                               ptrdiff_t r1, ptrdiff_t cs)
{
    double found[15];
    int count = 0, a, b;
    for (a = 0; a < 3; a++) {
        const ptrdiff_t r = r0 + (r1 - 1 - r0) * a / 2;
        for (b = 0; b < 5; b++) {
            const ptrdiff_t j = (g->width - 1) * b / 4;
            const ptrdiff_t c = (a * 5 + b) % g->channels;
            const double v = (double)image[c * g->channel_stride + r * g->row_stride + j * cs];
            int k = count;
            if (!(v - v == 0.0))
                continue;
            while (k > 0 && found[k - 1] > v) { /* insertion sort */
                found[k] = found[k - 1];
                k--;
            }
            found[k] = v;
            count++;
        }
    }
    return count ? found[count / 2] : 0.0;
}

/* One band and tile (g->width the tile's): a pass with the tile's shift,
 * then up to CORR2D_WINDOW_PASSES - 1 more over the rows whose windows
 * cancelled against it, each with a sample of the first such window as its
 * shift (a dim part of the tile gets its own). In each pass, from a row
 * whose windows meet an infinity or a NaN the band counts them; contiguous
 * columns get a loop the compiler vectorises. */
static void NAME(window_tile)(const T *image, T *out, const corr2d_window_geometry *g,
                              ptrdiff_t i0, ptrdiff_t i1, double floor, double *scratch,
                              unsigned char *marks, corr2d_watch *watch)
{
    const ptrdiff_t ow = g->width - g->window_width + 1;
    const ptrdiff_t cs = g->column_stride, ocs = g->out_column_stride;
    const int contiguous = cs == 1 && ocs == 1;
    double shift = NAME(tile_shift)(image, g, i0, i1 + g->window_height - 1, cs);
    ptrdiff_t r0 = i0, r1 = i1;
    corr2d_window_pass pass;
    int round;
    memset(marks, 0, (size_t)((i1 - i0) * ow));
    pass.marks = marks;
    pass.band0 = i0;
    for (round = 0; round < CORR2D_WINDOW_PASSES && !watch->stop; round++) {
        ptrdiff_t i;
        pass.all = round == 0;
        pass.last = round == CORR2D_WINDOW_PASSES - 1;
        pass.left = 0;
        if (contiguous) {
            i = NAME(window_band)(image, out, g, r0, r1, shift, floor, scratch, &pass, watch,
                                  1, 1, 0);
            if (i < r1)
                NAME(window_band)(image, out, g, i, r1, shift, floor, scratch, &pass, watch,
                                  1, 1, 1);
        } else {
            i = NAME(window_band)(image, out, g, r0, r1, shift, floor, scratch, &pass, watch,
                                  cs, ocs, 0);
            if (i < r1)
                NAME(window_band)(image, out, g, i, r1, shift, floor, scratch, &pass, watch,
                                  cs, ocs, 1);
        }
        if (pass.left == 0)
            break;
        shift = pass.next;
        r0 = pass.first;
        r1 = pass.end;
    }
}

int NAME(window_normalize)(const T *image, T *out, const corr2d_window_geometry *g,
                           double floor)
{
    const ptrdiff_t h = g->window_height, w = g->window_width, width = g->width;
    const ptrdiff_t oh = g->height - h + 1, ow = width - w + 1;
    const ptrdiff_t band_rows = corr2d_window_band_rows(oh, h);
    const ptrdiff_t nbands = (oh + band_rows - 1) / band_rows;
    const ptrdiff_t tile_columns = corr2d_window_tile_columns(ow, w);
    const ptrdiff_t ntiles = (ow + tile_columns - 1) / tile_columns;
    const ptrdiff_t tile_width = tile_columns + w - 1;
    /* The running sums, then a byte per output of a band and tile. */
    const size_t per_thread = 4 * (size_t)tile_width + 5 * (size_t)tile_columns +
                              ((size_t)band_rows * (size_t)tile_columns + 7) / 8;
    /* About 4 operations per sample and channel, 20 per output. */
    const double work = (double)oh * (double)(ntiles * tile_width) *
                        (4.0 * (double)g->channels + 20.0);
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
        ptrdiff_t tile;
        for (tile = 0; tile < ntiles; tile++) {
            const ptrdiff_t j0 = tile * tile_columns;
            const ptrdiff_t j1 = j0 + tile_columns < ow ? j0 + tile_columns : ow;
            corr2d_window_geometry part = *g;
            if (corr2d_should_stop(&watch))
                break;
            part.width = j1 - j0 + w - 1;
            NAME(window_tile)(image + j0 * g->column_stride, out + j0 * g->out_column_stride,
                              &part, i0, i1, floor, mine,
                              (unsigned char *)(mine + 4 * tile_width + 5 * tile_columns),
                              &watch);
        }
    }
    free(scratch);
    return watch.stop ? CORR2D_EINTR : CORR2D_OK;
}

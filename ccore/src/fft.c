/*
 * The FFT method's transforms: overlap-save tiles of a real image
 * correlated with a real kernel through 2-D FFTs of 2^a 3^b 5^c lengths.
 *
 * The tiles go two at a time into one complex transform (tile a as the
 * real part, tile b as the imaginary: the kernel is real, so the result's
 * real and imaginary parts are the two tiles' results). The transforms
 * are fft_lanes.template.c's, compiled per SIMD level: each job copies its
 * pair of tiles from the image through the boundary rule into its thread's
 * workspace, the column transforms run there in place, then each slab of
 * rows is transformed, multiplied by the kernel's spectrum and transformed
 * back while it is in cache, so no whole tile is ever transposed; the
 * spectrum is kept in the slabs' layout. corr2d_fft_correlate spreads the
 * jobs over its OpenMP threads. Compilers without GCC's vector types get
 * no FFT here (corr2d_fft_supported says 0) and the caller uses scipy.fft.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "corr2d_core.h"
#include "boundary.h"
#include "stream_output.h"
#include "threads.h"

/* A 1-D transform of length n: its passes' radices (8s first, then 4,
 * 2, 3 and 5), each pass's sub-length n_k (length[k]: n, then n over the
 * radices before it; length[npass] = 1) and its twiddles
 * exp(-2 pi i q r / n_k), q < n_k / p and r = 1..p-1, at tw_offset[k]. */
#define FFT_MAX_PASSES 64
typedef struct {
    ptrdiff_t n;
    int npass;
    int radix[FFT_MAX_PASSES];
    ptrdiff_t length[FFT_MAX_PASSES + 1];
    ptrdiff_t tw_offset[FFT_MAX_PASSES];
    void *twr, *twi; /* arrays of the dtype */
} fft_plan;

/* Spectra and tiles are padded to lanes (corr2d_core.h says why). */
#define FFT_LANE_BYTES CORR2D_FFT_LANE_BYTES

/* The columns one 1-D transform takes at a time: one cache line of each
 * row. (With the earlier Stockham passes through a buffer, a whole tile
 * measured 1.09-1.17x faster than with blocks of 4 lines; with the
 * in-place steps 2 lines measured the same as 1.) */
#ifndef FFT_BLOCK_BYTES
#define FFT_BLOCK_BYTES 64
#endif

/* The workspace's buffers (the tile's re and im, the slab) start this far
 * past a multiple of 4 KiB apart: at power-of-two lengths they would
 * otherwise be whole multiples of 4 KiB apart, and each butterfly's loads
 * from one buffer would falsely depend on its stores to another (4K
 * aliasing) and share L1 sets. 5 lines made
 * 256^2 to 512^2 float64 tiles 1.3-1.7x faster (AMD Zen 4, AVX-512), and
 * 200^2 unchanged. */
#ifndef FFT_SKEW_BYTES
#define FFT_SKEW_BYTES 320
#endif

/* The in-place transforms run their steps sub-problem by sub-problem
 * once a sub-problem's lane block is at most this large, so that it stays
 * in L1 (32 KiB or 48 KiB on the x86 processors of today) through the
 * remaining steps. 8 KiB and 32 KiB measured the same as 16 KiB (float64
 * 4096^2, 101x101, Intel Xeon with AVX-512). */
#ifndef FFT_L1_BYTES
#define FFT_L1_BYTES 16384
#endif

/* fft_tiles' answer when the call's watch said stop mid-pair. */
#define FFT_STOPPED 2

#if defined(__GNUC__)
#define FFT_VECTORS 1
#if defined(__x86_64__)
#define VEC_X86 1
#endif
#define VEC_TEMPLATE "fft_lanes.template.c"
#include "vector_instances.h"
#undef VEC_TEMPLATE
#endif

static int fft_smooth(ptrdiff_t n)
{
    static const int primes[] = {2, 3, 5};
    int k;
    if (n < 1)
        return 0;
    for (k = 0; k < 3; k++)
        while (n % primes[k] == 0)
            n /= primes[k];
    return n == 1;
}

static void plan_free(fft_plan *plan)
{
    free(plan->twr);
    free(plan->twi);
    plan->twr = plan->twi = NULL;
}

/* The plan of a length-n transform in `dtype` (float32 or float64). */
static int plan_make(fft_plan *plan, ptrdiff_t n, corr2d_dtype dtype)
{
    const size_t es = dtype == CORR2D_FLOAT32 ? sizeof(float) : sizeof(double);
    ptrdiff_t rest = n, total = 0, q;
    int k, r;
    memset(plan, 0, sizeof *plan);
    plan->n = n;
    while (rest > 1 && plan->npass < FFT_MAX_PASSES) {
        const int p = rest % 8 == 0 ? 8 : rest % 4 == 0 ? 4 : rest % 2 == 0 ? 2 : rest % 3 == 0 ? 3 : 5;
        plan->radix[plan->npass] = p;
        plan->length[plan->npass] = rest;
        plan->tw_offset[plan->npass++] = total;
        total += rest / p * (p - 1);
        rest /= p;
    }
    plan->length[plan->npass] = rest;
    plan->twr = malloc((size_t)(total > 0 ? total : 1) * es);
    plan->twi = malloc((size_t)(total > 0 ? total : 1) * es);
    if (!plan->twr || !plan->twi) {
        plan_free(plan);
        return CORR2D_ENOMEM;
    }
    for (k = 0; k < plan->npass; k++) {
        const int p = plan->radix[k];
        const ptrdiff_t sub = plan->length[k];
        const double step = -2.0 * 3.14159265358979323846 / (double)sub;
        for (q = 0; q < sub / p; q++)
            for (r = 1; r < p; r++) {
                const ptrdiff_t at = plan->tw_offset[k] + q * (p - 1) + (r - 1);
                const double c = cos(step * (double)(q * r)), s = sin(step * (double)(q * r));
                if (dtype == CORR2D_FLOAT32) {
                    ((float *)plan->twr)[at] = (float)c;
                    ((float *)plan->twi)[at] = (float)s;
                } else {
                    ((double *)plan->twr)[at] = c;
                    ((double *)plan->twi)[at] = s;
                }
            }
    }
    return CORR2D_OK;
}

static ptrdiff_t padded(ptrdiff_t n, size_t es)
{
    const ptrdiff_t lanes = (ptrdiff_t)(FFT_LANE_BYTES / es);
    return (n + lanes - 1) / lanes * lanes;
}

/* A tile's row stride: whole lanes, and never a multiple of 1 KiB, whose
 * rows (every element of a column transform) would share a few L1 sets
 * (512 float64 columns: 2.4x slower). */
static ptrdiff_t row_stride(ptrdiff_t n, size_t es)
{
    const ptrdiff_t p = padded(n, es);
    return ((size_t)p * es) % 1024 == 0 ? p + (ptrdiff_t)(FFT_LANE_BYTES / es) : p;
}

int corr2d_fft_supported(corr2d_dtype dtype, ptrdiff_t fh, ptrdiff_t fw)
{
#ifdef FFT_VECTORS
    return (dtype == CORR2D_FLOAT32 || dtype == CORR2D_FLOAT64) && fft_smooth(fh) &&
           fft_smooth(fw);
#else
    (void)dtype, (void)fh, (void)fw;
    return 0;
#endif
}

ptrdiff_t corr2d_fft_spectrum_length(corr2d_dtype dtype, ptrdiff_t fh, ptrdiff_t fw)
{
    const size_t es = dtype == CORR2D_FLOAT32 ? sizeof(float) : sizeof(double);
    return fw * padded(fh, es);
}

#ifdef FFT_VECTORS
/* AT_LEVEL(fn, sfx, args): fn's instance for the suffix at `level`. */
#include "vector_dispatch.h"

/* Plans for both lengths (read-only once made: every thread shares them)
 * and the padded row stride of a tile (fwp). */
typedef struct {
    fft_plan ph, pw;
    ptrdiff_t fwp;
} fft_setup;

static void setup_free(fft_setup *st)
{
    plan_free(&st->ph);
    plan_free(&st->pw);
}

static int setup_make(fft_setup *st, corr2d_dtype dtype, ptrdiff_t fh, ptrdiff_t fw)
{
    const size_t es = dtype == CORR2D_FLOAT32 ? sizeof(float) : sizeof(double);
    memset(st, 0, sizeof *st);
    st->fwp = row_stride(fw, es);
    if (plan_make(&st->ph, fh, dtype) != CORR2D_OK || plan_make(&st->pw, fw, dtype) != CORR2D_OK) {
        setup_free(st);
        return CORR2D_ENOMEM;
    }
    return CORR2D_OK;
}

/* Elements of one thread's transform workspace: the tile (2 FH x fwp), a
 * slab (2 FW lane vectors), and the gaps between those three buffers
 * (fft_lanes.template.c lays them out). */
static size_t workspace_elements(const fft_setup *st, size_t es)
{
    const ptrdiff_t fh = st->ph.n, fw = st->pw.n;
    return 2 * (size_t)(fh * st->fwp) + 2 * (size_t)fw * (FFT_LANE_BYTES / es) +
           3 * (FFT_SKEW_BYTES / es);
}

/* `bytes` rounded up to whole lanes. */
static size_t lane_round(size_t bytes)
{
    return (bytes + FFT_LANE_BYTES - 1) / FFT_LANE_BYTES * FFT_LANE_BYTES;
}

/* A workspace starts with the tile pair's real part (tile a, FH rows of
 * fwp) and, one skew further on, its imaginary part (tile b): the layout
 * of fft_lanes.template.c's fft_tiles. */
static char *tile_im(char *ws, const fft_setup *st, size_t es)
{
    return ws + (size_t)(st->ph.n * st->fwp) * es + FFT_SKEW_BYTES;
}

/* malloc's block (*block, for free) and its first 64-byte boundary: the
 * workspaces' rows are whole lanes, so their vectors then never straddle a
 * cache line (malloc aligns to 16 bytes only). */
static char *lane_aligned(size_t bytes, void **block)
{
    uintptr_t at;
    *block = malloc(bytes + FFT_LANE_BYTES);
    if (*block == NULL)
        return NULL;
    at = ((uintptr_t)*block + FFT_LANE_BYTES - 1) / FFT_LANE_BYTES * FFT_LANE_BYTES;
    return (char *)*block + (at - (uintptr_t)*block);
}
#endif

int corr2d_fft_spectrum(corr2d_dtype dtype, const void *kernel, ptrdiff_t kh, ptrdiff_t kw,
                        ptrdiff_t fh, ptrdiff_t fw, void *spectrum)
{
#ifdef FFT_VECTORS
    const int level = corr2d_vector_level();
    const ptrdiff_t length = corr2d_fft_spectrum_length(dtype, fh, fw);
    const size_t es = dtype == CORR2D_FLOAT32 ? sizeof(float) : sizeof(double);
    fft_setup st;
    void *block;
    char *ws;
    if (!corr2d_fft_supported(dtype, fh, fw) || kh < 1 || kw < 1 || kh > fh || kw > fw)
        return CORR2D_EINVAL;
    if (setup_make(&st, dtype, fh, fw) != CORR2D_OK)
        return CORR2D_ENOMEM;
    ws = lane_aligned(workspace_elements(&st, es) * es, &block);
    if (!ws) {
        setup_free(&st);
        return CORR2D_ENOMEM;
    }
#define ARGS(T)                                                                        \
    (&st.ph, &st.pw, (const T *)kernel, kh, kw, (T *)spectrum, (T *)spectrum + length, \
     length, st.fwp, (T *)ws)
    if (dtype == CORR2D_FLOAT32)
        AT_LEVEL(fft_spectrum, f32, ARGS(float));
    else
        AT_LEVEL(fft_spectrum, f64, ARGS(double));
#undef ARGS
    free(block);
    setup_free(&st);
    return CORR2D_OK;
#else
    (void)dtype, (void)kernel, (void)kh, (void)kw, (void)fh, (void)fw, (void)spectrum;
    return CORR2D_EINVAL;
#endif
}

#ifdef FFT_VECTORS
/* The infinities and NaNs of a job's input (its blocks' rows and columns
 * from the job's first): the box around the infinities (rows r0..r1,
 * columns c0..c1; empty while r0 > r1) and, in `nan` (rows x `cols`
 * bytes, or NULL: then the box takes the NaNs too), where the NaNs are;
 * `sat` is room for their summed-area table, (rows + 1) x (cols + 1). */
typedef struct {
    ptrdiff_t r0, r1, c0, c1;
    unsigned char *nan;
    int32_t *sat;
    ptrdiff_t cols;
    int any_nan;
} nonfinite;

/* A job's nonfinite, with room for `rows` x `cols` NaN places and their
 * table in one allocation (none, if it fails: the box takes the NaNs). */
static nonfinite nonfinite_for(ptrdiff_t rows, ptrdiff_t cols)
{
    nonfinite nf = {PTRDIFF_MAX, -1, PTRDIFF_MAX, -1, NULL, NULL, 0, 0};
    const size_t table = sizeof(int32_t) * (size_t)((rows + 1) * (cols + 1));
    nf.sat = (int32_t *)calloc(table + (size_t)(rows * cols), 1);
    nf.nan = nf.sat != NULL ? (unsigned char *)nf.sat + table : NULL;
    nf.cols = cols;
    return nf;
}

/* The whole job to the direct method: its box every row and column (it
 * puts the NaNs and infinities where they belong: none is marked apart). */
static void nonfinite_whole(nonfinite *nf, ptrdiff_t rows, ptrdiff_t cols)
{
    nf->r0 = nf->c0 = 0;
    nf->r1 = rows - 1;
    nf->c1 = cols - 1;
    nf->any_nan = 0;
}

/* Zero the infinities and NaNs of row[0, n), input row r of the job whose
 * column 0 is the row's column -c_shift, and note them in `nf`. */
static void scrub_row(char *row, ptrdiff_t n, size_t es, ptrdiff_t r, ptrdiff_t c_shift,
                      nonfinite *nf)
{
    ptrdiff_t c;
    for (c = 0; c < n; c++) {
        const double x = es == sizeof(float) ? (double)((float *)row)[c] : ((double *)row)[c];
        if (isfinite(x))
            continue;
        memset(row + (size_t)c * es, 0, es);
        if (isnan(x) && nf->nan != NULL) {
            nf->nan[r * nf->cols + c + c_shift] = 1;
            nf->any_nan = 1;
            continue;
        }
        if (r < nf->r0) nf->r0 = r;
        if (r > nf->r1) nf->r1 = r;
        if (c + c_shift < nf->c0) nf->c0 = c + c_shift;
        if (c + c_shift > nf->c1) nf->c1 = c + c_shift;
    }
}

/* NaN into the job's outputs (rows_out x cols_out at `out`) whose windows
 * (kh x kw of the job's input from the output's own row and column) hold a
 * NaN of nf->nan: what the direct method gives them whatever the kernel.
 * Counts from the summed-area table of the NaNs (row 0 and column 0 stay
 * zero from the allocation). */
static void mark_nan_windows(size_t es, char *out, ptrdiff_t out_stride, const nonfinite *nf,
                             ptrdiff_t rows_in, ptrdiff_t rows_out, ptrdiff_t cols_out,
                             ptrdiff_t kh, ptrdiff_t kw)
{
    const ptrdiff_t cols_in = nf->cols, w = cols_in + 1;
    const float nan_f = NAN;
    const double nan_d = NAN;
    const void *nan_value = es == sizeof(float) ? (const void *)&nan_f : (const void *)&nan_d;
    int32_t *sat = nf->sat;
    ptrdiff_t i, j;
    for (i = 0; i < rows_in; i++) {
        int32_t run = 0;
        for (j = 0; j < cols_in; j++) {
            run += nf->nan[i * cols_in + j];
            sat[(i + 1) * w + j + 1] = sat[i * w + j + 1] + run;
        }
    }
    for (i = 0; i < rows_out; i++)
        for (j = 0; j < cols_out; j++)
            if (sat[(i + kh) * w + j + kw] - sat[i * w + j + kw] - sat[(i + kh) * w + j] +
                sat[i * w + j])
                memcpy(out + (size_t)(i * out_stride + j) * es, nan_value, es);
}

/* A tile's input: rows [0, used_rows) and columns [0, used_cols) are
 * ext(r0 + r, c0 + c), the image through the boundary rule (the fill value
 * where it says so); the rest (which only discarded outputs read, and the
 * padding up to the row stride `width`) is zero. With `nf` (a second try
 * of a pair that held infinities or NaNs: a transform would spread them
 * over both tiles), they are zeroed and their places, with the tile's
 * column c_shift in its job, noted in `nf`: the outputs that read them are
 * then set to NaN or recomputed directly. */
static void fill_tile(size_t es, const char *image, const void *fill, const corr2d_geometry *g,
                      ptrdiff_t r0, ptrdiff_t c0, ptrdiff_t used_rows, ptrdiff_t used_cols,
                      char *tile, ptrdiff_t rows, ptrdiff_t width, ptrdiff_t c_shift,
                      nonfinite *nf)
{
    ptrdiff_t r, c;
    for (r = 0; r < rows; r++) {
        char *dst = tile + (size_t)(r * width) * es;
        const ptrdiff_t src = r < used_rows ? corr2d_ext_index(r0 + r, g->height, g->boundary) : -2;
        if (src == -2) {
            memset(dst, 0, (size_t)width * es);
            continue;
        }
        if (src == -1) {
            for (c = 0; c < used_cols; c++)
                memcpy(dst + (size_t)c * es, fill, es);
        } else {
            corr2d_copy_extended_row(dst, image + (size_t)(src * g->row_stride) * es, c0,
                                     used_cols, g->width, g->boundary, fill, es);
        }
        if (nf != NULL)
            scrub_row(dst, used_cols, es, r, c_shift, nf);
        memset(dst + (size_t)used_cols * es, 0, (size_t)(width - used_cols) * es);
    }
}

/* The job's outputs (rows_out x cols_out from output (i0, j0)) whose
 * windows hold a sample in the box of `box`, by the direct method on this
 * thread (an infinity gives +inf, -inf or NaN by the signs of the taps that
 * meet it and what else the window holds). */
static int recompute_direct(corr2d_dtype dtype, size_t es, const void *image, const void *kernel,
                            const void *fill, void *out, const corr2d_geometry *g,
                            const nonfinite *box, ptrdiff_t i0, ptrdiff_t j0,
                            ptrdiff_t rows_out, ptrdiff_t cols_out)
{
    /* Output row i of the job reads its input rows i .. i + kh - 1. */
    const ptrdiff_t a = box->r0 - g->kernel_height + 1 > 0 ? box->r0 - g->kernel_height + 1 : 0;
    const ptrdiff_t b = box->r1 < rows_out - 1 ? box->r1 : rows_out - 1;
    const ptrdiff_t l = box->c0 - g->kernel_width + 1 > 0 ? box->c0 - g->kernel_width + 1 : 0;
    const ptrdiff_t r = box->c1 < cols_out - 1 ? box->c1 : cols_out - 1;
    corr2d_geometry sub = *g;
    if (a > b || l > r)
        return CORR2D_OK;
    sub.out_height = b - a + 1;
    sub.out_width = r - l + 1;
    sub.top = g->top - (i0 + a);
    sub.left = g->left - (j0 + l);
    sub.threads = 1;
    return corr2d_correlate(dtype, image, kernel, fill,
                            (char *)out + (size_t)((i0 + a) * g->out_row_stride + j0 + l) * es,
                            &sub);
}
#endif

int corr2d_fft_correlate(corr2d_dtype dtype, const void *image, const void *kernel,
                         const void *fill, const void *spectrum, ptrdiff_t fh, ptrdiff_t fw,
                         void *out, const corr2d_geometry *g)
{
#ifdef FFT_VECTORS
    const int level = corr2d_vector_level();
    const size_t es = dtype == CORR2D_FLOAT32 ? sizeof(float) : sizeof(double);
    const ptrdiff_t length = corr2d_fft_spectrum_length(dtype, fh, fw);
    const ptrdiff_t kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    ptrdiff_t th, tw, tile_rows, pair_cols, njobs, job;
    size_t per_thread;
    fft_setup st;
    corr2d_watch watch;
    void *block;
    char *buffers;
    int nthreads, stream, status = CORR2D_OK;
    if (!corr2d_fft_supported(dtype, fh, fw) || kh < 1 || kw < 1 || kh > fh || kw > fw ||
        g->height < 1 || g->width < 1 || g->row_stride < 0 || oh < 0 || ow < 0 ||
        (oh > 0 && g->out_row_stride < ow))
        return CORR2D_EINVAL;
    if (oh == 0 || ow == 0)
        return CORR2D_OK;
    stream = corr2d_stream_output(oh, ow, es);
    th = fh - kh + 1;
    tw = fw - kw + 1;
    tile_rows = (oh + th - 1) / th;
    pair_cols = (ow + 2 * tw - 1) / (2 * tw);
    njobs = tile_rows * pair_cols;
    if (setup_make(&st, dtype, fh, fw) != CORR2D_OK)
        return CORR2D_ENOMEM;
    /* The same work measure as the direct method's: one thread policy. */
    nthreads = corr2d_plan_threads(g->threads, (double)oh * (double)ow * (double)kh * (double)kw);
    if (nthreads > njobs)
        nthreads = (int)njobs;
    per_thread = lane_round(workspace_elements(&st, es) * es);
    buffers = lane_aligned((size_t)nthreads * per_thread, &block);
    if (!buffers) {
        setup_free(&st);
        return CORR2D_ENOMEM;
    }
    corr2d_watch_start(&watch, (double)njobs * 2.0 * (double)(fh * fw) * 16.0);

    /* A job is a pair of neighbouring tiles (one complex transform), handed
     * out dynamically: each is the same computation whatever the thread
     * that runs it, so results do not depend on the thread count. The jobs
     * go down each column of pairs: a pair's input shares kh - 1 rows with
     * the pair above it, just read, so those come from the caches, not from
     * memory (4096^2 float64: 1.02-1.04x over row by row). */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1)
#endif
    for (job = 0; job < njobs; job++) {
        const ptrdiff_t i0 = job % tile_rows * th, j0 = job / tile_rows * 2 * tw;
        const ptrdiff_t rows_out = oh - i0 < th ? oh - i0 : th;
        const ptrdiff_t cols_out = ow - j0 < 2 * tw ? ow - j0 : 2 * tw;
        const ptrdiff_t rows_in = rows_out + kh - 1, cols_in = cols_out + kw - 1;
        char *ws = buffers + (size_t)corr2d_thread_num() * per_thread;
        nonfinite nf = {PTRDIFF_MAX, -1, PTRDIFF_MAX, -1, NULL, NULL, 0, 0};
        int attempt;
        if (corr2d_should_stop(&watch))
            continue;
        /* The first try leaves a pair that holds infinities or NaNs; the
         * second zeroes them and transforms, then sets the outputs whose
         * windows hold a NaN to NaN and recomputes those near an infinity
         * by the direct method. (Masked images hold many NaNs: recomputing
         * all their windows would cost the direct method's time.) */
        for (attempt = 0; attempt < 2; attempt++) {
            nonfinite *scrub = attempt ? &nf : NULL;
            int left;
            if (attempt)
                nf = nonfinite_for(rows_in, cols_in);
            /* Tile a (the real part) from column j0, tile b (the imaginary
             * part) tw further on, zero when only tile a is output. */
            fill_tile(es, (const char *)image, fill, g, i0 - g->top, j0 - g->left, rows_in,
                      cols_in < fw ? cols_in : fw, ws, fh, st.fwp, 0, scrub);
            fill_tile(es, (const char *)image, fill, g, i0 - g->top, j0 - g->left + tw, rows_in,
                      cols_out > tw ? cols_in - tw : 0, tile_im(ws, &st, es), fh, st.fwp, tw,
                      scrub);
            /* Every sample finite: the first try's sums overflowed, and
             * would again; the direct method below computes the whole job. */
            if (attempt && nf.r0 > nf.r1 && !nf.any_nan) {
                nonfinite_whole(&nf, rows_in, cols_in);
                break;
            }
#define ARGS(T)                                                                                \
    (&st.ph, &st.pw, cols_out > tw, (const T *)spectrum, (const T *)spectrum + length, kh, kw, \
     (T *)out + i0 * g->out_row_stride + j0, g->out_row_stride, rows_out, cols_out, st.fwp,    \
     (T *)ws, stream, !attempt, &watch)
            if (dtype == CORR2D_FLOAT32)
                left = AT_LEVEL(fft_tiles, f32, ARGS(float));
            else
                left = AT_LEVEL(fft_tiles, f64, ARGS(double));
#undef ARGS
            if (left != 1)
                break;
            if (attempt) /* zeroed of its infinities and NaNs, the pair's sums
                          * still overflowed (unmarked, every output of it came
                          * out NaN) */
                nonfinite_whole(&nf, rows_in, cols_in);
        }
        if (watch.stop) {  /* this pair left part done: the call ends */
            free(nf.sat);
            continue;
        }
        if (nf.any_nan)
            mark_nan_windows(es, (char *)out + (size_t)(i0 * g->out_row_stride + j0) * es,
                             g->out_row_stride, &nf, rows_in, rows_out, cols_out, kh, kw);
        free(nf.sat);
        if (nf.r0 <= nf.r1) {
            const int s = recompute_direct(dtype, es, image, kernel, fill, out, g, &nf, i0, j0,
                                           rows_out, cols_out);
            if (s & CORR2D_EINTR)
                watch.stop = 1;
#ifdef _OPENMP
#pragma omp atomic update
#endif
            status |= s & ~CORR2D_EINTR;
        }
    }
    free(block);
    setup_free(&st);
    if (watch.stop)
        status |= CORR2D_EINTR;
    return corr2d_status_of(status);
#else
    (void)dtype, (void)image, (void)kernel, (void)fill, (void)spectrum, (void)fh, (void)fw;
    (void)out, (void)g;
    return CORR2D_EINVAL;
#endif
}

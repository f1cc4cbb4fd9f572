/*
 * Separable correlation: a kernel outer(column, row) as two 1-D passes,
 * kh + kw multiply-adds per output instead of kh * kw.
 *
 * The output is cut into bands of rows, handed out to the threads. For a
 * band, the column pass runs over the image (its rows through the boundary
 * rule, as corr2d_correlate does) into a per-thread buffer small enough to
 * stay in cache, and the row pass runs from that buffer into the output:
 * the intermediate never goes to memory, and nothing is computed twice (a
 * column pass first needs no halo rows, only the kw - 1 extension columns).
 *
 * The buffer holds the column pass at every extended column the row pass
 * reads. Columns inside the image are computed; columns outside are the
 * column pass at the column the boundary rule maps them to (wrap, symm,
 * nearest and mirror extend rows and columns independently), copied, or,
 * with a fill, the column pass of a column of fill values, computed once.
 * float32 and float64 run both passes in the vector loops of
 * separable_columns.template.c; other dtypes (and compilers without GCC's
 * vector types) run them as corr2d_correlate on one thread, the direct
 * method's own loops.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "corr2d_core.h"
#include "boundary.h"
#include "threads.h"

/* The passes' own loops (separable_columns.template.c) for float32 and
 * float64: GCC/Clang vector types, per SIMD level on x86-64 (chosen with
 * the correlation core's level, so a forced level applies here too).
 * Other compilers, and other dtypes, take the direct loops for both. */
#if defined(__GNUC__)
#define SEPARABLE_COLUMNS 1
#if defined(__x86_64__)
#define VEC_X86 1
#endif

#define VEC_TEMPLATE "separable_columns.template.c"
#include "vector_instances.h"
#undef VEC_TEMPLATE

/* The column pass's copy of the image (see column_pass in
 * separable_columns.template.c): up to SEP_SUPER_BYTES of each input row
 * and a line of padding, within SEP_COPY_BYTES (a quarter of a 1 MiB L2),
 * but never less than one block (two 512-bit vectors) and a line per row.
 * 512 bytes and 4 KiB a row measured no better than 2 KiB (4096^2
 * float64, 31x31 Gaussian). */
#ifndef SEP_SUPER_BYTES
#define SEP_SUPER_BYTES 2048
#endif
#define SEP_COPY_BYTES (256 * 1024)
#define SEP_LEAST_ROW_BYTES (128 + 64)

static size_t copy_bytes(ptrdiff_t nin)
{
    size_t per_row = SEP_COPY_BYTES / (size_t)nin;
    if (per_row > SEP_SUPER_BYTES + 64)
        per_row = SEP_SUPER_BYTES + 64;
    if (per_row < SEP_LEAST_ROW_BYTES)
        per_row = SEP_LEAST_ROW_BYTES;
    return per_row * (size_t)nin;
}

/* AT_LEVEL(fn, sfx, args): fn's instance for the suffix at `level`. */
#include "vector_dispatch.h"

static void column_pass(corr2d_dtype dtype, int level, const void *const *rows,
                        const void *col, ptrdiff_t kh, ptrdiff_t nrows, ptrdiff_t n, void *out,
                        ptrdiff_t out_stride, void *block, size_t block_bytes)
{
#define ARGS(T)                                                                         \
    ((const T *const *)rows, (const T *)col, kh, nrows, n, (T *)out, out_stride, (T *)block, \
     (ptrdiff_t)(block_bytes / sizeof(T)))
    if (dtype == CORR2D_FLOAT32)
        AT_LEVEL(column_pass, f32, ARGS(float));
    else
        AT_LEVEL(column_pass, f64, ARGS(double));
#undef ARGS
}

static void row_pass(corr2d_dtype dtype, int level, const void *in, ptrdiff_t in_stride,
                     const void *row, ptrdiff_t kw, ptrdiff_t nrows, ptrdiff_t n, void *out,
                     ptrdiff_t out_stride)
{
    const size_t es = dtype == CORR2D_FLOAT32 ? sizeof(float) : sizeof(double);
    ptrdiff_t i;
#define ARGS(T) ((const T *)x, (const T *)row, kw, n, (T *)y)
    for (i = 0; i < nrows; i++) {
        const char *x = (const char *)in + (size_t)(i * in_stride) * es;
        char *y = (char *)out + (size_t)(i * out_stride) * es;
        if (dtype == CORR2D_FLOAT32)
            AT_LEVEL(row_pass, f32, ARGS(float));
        else
            AT_LEVEL(row_pass, f64, ARGS(double));
    }
#undef ARGS
}
#undef AT_LEVEL
#endif

/* A band's rows: as many as fill SEPARABLE_BAND_BYTES of buffer (about
 * half a core's L2), and at least SEPARABLE_MIN_BAND_ROWS, so the kh - 1
 * extra image rows each column block copies stay a small part of the
 * band (bands of 4 rows of a wide float64 image were 1.5x slower). */
#ifndef SEPARABLE_BAND_BYTES
#define SEPARABLE_BAND_BYTES (1024 * 1024)
#endif
#ifndef SEPARABLE_MIN_BAND_ROWS
#define SEPARABLE_MIN_BAND_ROWS 32
#endif

static size_t element_size(corr2d_dtype dtype)
{
    switch (dtype) {
    case CORR2D_FLOAT32: return sizeof(float);
    case CORR2D_FLOAT64: return sizeof(double);
    case CORR2D_LONGDOUBLE: return sizeof(long double);
    case CORR2D_COMPLEX64: return 2 * sizeof(float);
    case CORR2D_COMPLEX128: return 2 * sizeof(double);
    case CORR2D_CLONGDOUBLE: return 2 * sizeof(long double);
    case CORR2D_UINT8: return 1;
    case CORR2D_UINT16: return 2;
    case CORR2D_UINT32: return 4;
    case CORR2D_UINT64: return 8;
    default: return 0;
    }
}

/* Where the buffer's columns come from. Buffer column u holds extended
 * column u0 + u. Image columns [a, b) are computed; each extension column
 * `dst[e]` is a copy of buffer column `src[e]`, or of the fill column
 * when `src[e]` < 0. */
typedef struct {
    ptrdiff_t u0, width, a, b, next;
    ptrdiff_t *dst, *src;
} column_plan;

static int plan_columns(column_plan *cp, const corr2d_geometry *g)
{
    const ptrdiff_t c0 = -g->left, mw = g->out_width + g->kernel_width - 1;
    ptrdiff_t c, lo = g->width, hi = -1, u1;
    cp->a = c0 > 0 ? c0 : 0;
    cp->b = c0 + mw < g->width ? c0 + mw : g->width;
    /* A mapped column outside [a, b) (a wrap reaching past a narrow
     * output) widens the computed range. */
    for (c = c0; c < c0 + mw; c++) {
        ptrdiff_t s = corr2d_ext_index(c, g->width, g->boundary);
        if (s >= 0 && (c < 0 || c >= g->width)) {
            lo = s < lo ? s : lo;
            hi = s > hi ? s : hi;
        }
    }
    if (hi >= 0) {
        if (cp->b <= cp->a) {
            cp->a = lo;
            cp->b = hi + 1;
        } else {
            cp->a = lo < cp->a ? lo : cp->a;
            cp->b = hi + 1 > cp->b ? hi + 1 : cp->b;
        }
    }
    if (cp->b < cp->a)
        cp->b = cp->a;
    if (cp->b > cp->a) {
        cp->u0 = c0 < cp->a ? c0 : cp->a;
        u1 = c0 + mw > cp->b ? c0 + mw : cp->b;
    } else {
        cp->u0 = c0;
        u1 = c0 + mw;
    }
    cp->width = u1 - cp->u0;
    cp->dst = (ptrdiff_t *)malloc(sizeof(ptrdiff_t) * 2 * (size_t)mw);
    if (cp->dst == NULL)
        return CORR2D_ENOMEM;
    cp->src = cp->dst + mw;
    cp->next = 0;
    for (c = c0; c < c0 + mw; c++) {
        ptrdiff_t s;
        if (c >= 0 && c < g->width)
            continue;
        s = corr2d_ext_index(c, g->width, g->boundary);
        cp->dst[cp->next] = c - cp->u0;
        cp->src[cp->next] = s < 0 ? -1 : s - cp->u0;
        cp->next++;
    }
    return CORR2D_OK;
}

/* A thread's workspace, allocated once per call (a malloc per band was an
 * mmap and a page fault per 4 KiB per band where glibc's mmap threshold is
 * fixed, as under dask.distributed's MALLOC_TRIM_THRESHOLD_): `buf` (a
 * band's rows x cp->width elements), then the column pass's row pointers
 * and its copied block, each from a 64-byte boundary so each row of the
 * copy starts a line. */
typedef struct {
    char *buf;
    const void **in;
    void *block;
} band_workspace;

/* Where a workspace's parts start, in bytes, and its whole size (a
 * multiple of 64), for bands of up to `band_rows` rows. */
typedef struct {
    size_t in, block, bytes;
} workspace_layout;

static size_t lines(size_t bytes)
{
    return (bytes + 63) / 64 * 64;
}

static workspace_layout layout_of(ptrdiff_t band_rows, ptrdiff_t width, size_t es, ptrdiff_t kh)
{
    workspace_layout l;
    const ptrdiff_t nin = band_rows + kh - 1;
    l.in = lines((size_t)band_rows * (size_t)width * es);
    l.block = l.in + lines(sizeof(void *) * (size_t)nin);
#ifdef SEPARABLE_COLUMNS
    /* A shorter band (the last) may ask for a larger block: copy_bytes is
     * not monotonic between its clamps (1000 rows: 262000 bytes, 1001:
     * 261261). Every band of up to nin rows asks for at most SEP_COPY_BYTES
     * or, past the lower clamp, nin rows of it, so that much fits all. */
    const size_t asked = copy_bytes(nin);
    l.bytes = l.block + lines(asked > SEP_COPY_BYTES ? asked : SEP_COPY_BYTES);
#else
    l.bytes = l.block;
#endif
    return l;
}

static band_workspace workspace_at(char *base, const workspace_layout *l)
{
    band_workspace w;
    w.buf = base;
    w.in = (const void **)(void *)(base + l->in);
    w.block = base + l->block;
    return w;
}

/* Output rows [i0, i0 + rows) of the separable correlation, through the
 * thread's workspace `ws`. */
static int band(corr2d_dtype dtype, int level, size_t es, const void *image, const void *column,
                const void *row, const void *fill,
                const void *fill_row, const void *fill_column, const void *zero, char *out,
                const corr2d_geometry *g, const column_plan *cp, ptrdiff_t i0,
                ptrdiff_t rows, const band_workspace *ws)
{
    int status = CORR2D_OK;
    char *buf = ws->buf;
    ptrdiff_t i, e;
#ifdef SEPARABLE_COLUMNS
    if (cp->b > cp->a && (dtype == CORR2D_FLOAT32 || dtype == CORR2D_FLOAT64)) {
        /* The image rows the band reads, through the boundary rule (a row
         * wholly in the fill reads `fill_row`), and the copied block. */
        const ptrdiff_t nin = rows + g->kernel_height - 1;
        const size_t block_bytes = copy_bytes(nin);
        const void **in = ws->in;
        for (i = 0; i < nin; i++) {
            ptrdiff_t src = corr2d_ext_index(i0 + i - g->top, g->height, g->boundary);
            in[i] = src < 0 ? fill_row
                            : (const char *)image + (size_t)(src * g->row_stride + cp->a) * es;
        }
        column_pass(dtype, level, in, column,
                    g->kernel_height, rows, cp->b - cp->a, buf + (size_t)(cp->a - cp->u0) * es,
                    cp->width, ws->block, block_bytes);
    } else
#endif
    if (cp->b > cp->a) {
        corr2d_geometry g1 = {g->height, g->width, g->row_stride, g->kernel_height, 1,
                              rows, cp->b - cp->a, cp->width, g->top - i0, -cp->a,
                              g->boundary, 1};
        status |= corr2d_correlate(dtype, image, column, fill,
                                   buf + (size_t)(cp->a - cp->u0) * es, &g1);
    }
    for (i = 0; i < rows; i++) {
        char *line = buf + (size_t)(i * cp->width) * es;
        for (e = 0; e < cp->next; e++)
            memcpy(line + (size_t)cp->dst[e] * es,
                   cp->src[e] < 0 ? fill_column : line + (size_t)cp->src[e] * es, es);
    }
#ifdef SEPARABLE_COLUMNS
    if (dtype == CORR2D_FLOAT32 || dtype == CORR2D_FLOAT64) {
        row_pass(dtype, level, buf + (size_t)(-g->left - cp->u0) * es, cp->width, row,
                 g->kernel_width, rows, g->out_width, out + (size_t)(i0 * g->out_row_stride) * es,
                 g->out_row_stride);
        return status;
    }
#endif
    {
        corr2d_geometry g2 = {rows, cp->width, cp->width, 1, g->kernel_width,
                              rows, g->out_width, g->out_row_stride, 0, cp->u0 + g->left,
                              CORR2D_FILL, 1};
        status |= corr2d_correlate(dtype, buf, row, zero,
                                   out + (size_t)(i0 * g->out_row_stride) * es, &g2);
    }
    return status;
}

int corr2d_correlate_separable(corr2d_dtype dtype, const void *image, const void *column,
                               const void *row, const void *fill, void *out,
                               const corr2d_geometry *g)
{
    const size_t es = element_size(dtype);
    const double work = (double)g->out_height * (double)g->out_width *
                        (double)(g->kernel_height + g->kernel_width);
    unsigned char zero[32] = {0}, fill_column[32] = {0};
    column_plan cp;
    ptrdiff_t band_rows, nbands, b;
    char *workspaces, *fill_row;
    workspace_layout layout;
    int nthreads, status = CORR2D_OK;
    const int level = corr2d_vector_level();
    corr2d_watch watch;

    if (es == 0 || g->height <= 0 || g->width <= 0 || g->kernel_height <= 0 ||
        g->kernel_width <= 0 || g->out_height < 0 || g->out_width < 0 ||
        g->boundary < CORR2D_FILL || g->boundary > CORR2D_MIRROR)
        return CORR2D_EINVAL;
    if (g->out_height == 0 || g->out_width == 0)
        return CORR2D_OK;
    if (plan_columns(&cp, g) != CORR2D_OK)
        return CORR2D_ENOMEM;
    if (g->boundary == CORR2D_FILL) {
        /* The column pass at a column wholly in the fill. */
        corr2d_geometry gf = {g->height, g->width, g->row_stride, g->kernel_height, 1,
                              1, 1, 1, 0, -g->width, CORR2D_FILL, 1};
        status |= corr2d_correlate(dtype, image, column, fill, fill_column, &gf);
    }

    /* Bands of a multiple of 4 rows (the direct loops' row groups). */
    band_rows = (ptrdiff_t)(SEPARABLE_BAND_BYTES / ((size_t)cp.width * es)) / 4 * 4;
    if (band_rows < SEPARABLE_MIN_BAND_ROWS)
        band_rows = SEPARABLE_MIN_BAND_ROWS;
    if (band_rows > g->out_height)
        band_rows = g->out_height;
    nbands = (g->out_height + band_rows - 1) / band_rows;
    nthreads = corr2d_plan_threads(g->threads, work);
    if (nthreads > nbands)
        nthreads = (int)nbands;
    layout = layout_of(band_rows, cp.width, es, g->kernel_height);
    workspaces = (char *)malloc((size_t)nthreads * layout.bytes + 64);
    /* A row of fill values, as wide as the computed columns. */
    fill_row = (char *)malloc((size_t)(cp.b - cp.a + 1) * es);
    if (workspaces == NULL || fill_row == NULL) {
        free(workspaces);
        free(fill_row);
        free(cp.dst);
        return CORR2D_ENOMEM;
    }
    for (b = 0; b < cp.b - cp.a; b++)
        memcpy(fill_row + (size_t)b * es, fill, es);
    corr2d_watch_start(&watch, work);

#ifdef _OPENMP
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) reduction(| : status) \
    if (nthreads > 1)
#endif
    for (b = 0; b < nbands; b++) {
        const ptrdiff_t i0 = b * band_rows;
        const ptrdiff_t rows = i0 + band_rows <= g->out_height ? band_rows : g->out_height - i0;
        /* The thread's workspace, from the first 64-byte boundary. */
        char *base = workspaces + (64 - (uintptr_t)workspaces % 64) % 64 +
                     (size_t)corr2d_thread_num() * layout.bytes;
        const band_workspace ws = workspace_at(base, &layout);
        int s;
        if (corr2d_should_stop(&watch))
            continue;
        s = band(dtype, level, es, image, column, row, fill, fill_row, fill_column,
                 zero, (char *)out, g, &cp, i0, rows, &ws);
        if (s & CORR2D_EINTR)
            watch.stop = 1;
        status |= s;
    }
    free(workspaces);
    free(fill_row);
    free(cp.dst);
    if (watch.stop)
        status |= CORR2D_EINTR;
    return corr2d_status_of(status);
}

/*
 * corr2d C core: the hot loops of 2-D cross-correlation, with no Python in sight.
 *
 * The caller (the Cython layer) has already validated everything: the core
 * trusts its arguments. Images and outputs may have any positive row stride
 * but their columns are contiguous; kernels are contiguous. Signed integer
 * dtypes are passed as the unsigned type of the same width: wrapping
 * arithmetic gives the same bits either way, and unsigned overflow is defined.
 */
#ifndef CORR2D_CORE_H
#define CORR2D_CORE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CORR2D_FLOAT32 = 0,
    CORR2D_FLOAT64 = 1,
    CORR2D_LONGDOUBLE = 2,
    CORR2D_COMPLEX64 = 3,   /* interleaved (re, im) float pairs */
    CORR2D_COMPLEX128 = 4,
    CORR2D_CLONGDOUBLE = 5,
    CORR2D_UINT8 = 6,
    CORR2D_UINT16 = 7,
    CORR2D_UINT32 = 8,
    CORR2D_UINT64 = 9,
    CORR2D_NUM_DTYPES = 10
} corr2d_dtype;

/* How the image is extended beyond its edges (scipy.signal's names, then
 * scipy.ndimage's for the two rules scipy.signal lacks). */
typedef enum {
    CORR2D_FILL = 0,    /* k k | a b c d | k k   (a constant fill value)   */
    CORR2D_WRAP = 1,    /* c d | a b c d | a b   (periodic)               */
    CORR2D_SYMM = 2,    /* b a | a b c d | d c   (half-sample symmetric)  */
    CORR2D_NEAREST = 3, /* a a | a b c d | d d   (edge value repeated)    */
    CORR2D_MIRROR = 4   /* c b | a b c d | c b   (whole-sample symmetric) */
} corr2d_boundary;

/* Status codes are bits, so parallel loops can OR them together;
 * corr2d_status_of() turns such a combination back into one code. */
enum { CORR2D_OK = 0, CORR2D_ENOMEM = 1, CORR2D_EINVAL = 2, CORR2D_EINTR = 4 };

/* The most telling code in an OR of statuses: EINVAL, ENOMEM, then EINTR. */
static inline int corr2d_status_of(int bits)
{
    return (bits & CORR2D_EINVAL)   ? CORR2D_EINVAL
           : (bits & CORR2D_ENOMEM) ? CORR2D_ENOMEM
           : (bits & CORR2D_EINTR)  ? CORR2D_EINTR
                                    : CORR2D_OK;
}

/*
 * out[i, j] = sum_{p, q} ext(i + p - top, j + q - left) * kernel[p, q]
 * for 0 <= i < out_height, 0 <= j < out_width, where ext is the image
 * extended by `boundary`. Strides are in elements, not bytes.
 * threads <= 0 means "OpenMP's default" (OMP_NUM_THREADS, threadpoolctl).
 */
typedef struct {
    ptrdiff_t height, width, row_stride;
    ptrdiff_t kernel_height, kernel_width;
    ptrdiff_t out_height, out_width, out_row_stride;
    ptrdiff_t top, left;
    int boundary;
    int threads;
} corr2d_geometry;

/* `fill` points at one element of `dtype` (used only with CORR2D_FILL).
 * Returns CORR2D_OK, or an error code; `out` is then unspecified
 * (CORR2D_EINTR: interrupted, `out` partly written). */
int corr2d_correlate(corr2d_dtype dtype, const void *image, const void *kernel,
                     const void *fill, void *out, const corr2d_geometry *g);

/* The same correlation with the kernel outer(column, row): `column` holds
 * kernel_height elements, `row` kernel_width, and the result equals
 * corr2d_correlate's with that kernel up to rounding (each output is a sum
 * of column sums). Two 1-D passes through a per-thread buffer of about
 * 1 MiB (at least 32 rows of out_width + kernel_width - 1 elements). */
int corr2d_correlate_separable(corr2d_dtype dtype, const void *image, const void *column,
                               const void *row, const void *fill, void *out,
                               const corr2d_geometry *g);

/* The FFT method's transforms (overlap-save tiles), float32 and float64,
 * for transform shapes FH x FW whose sides are 2^a 3^b 5^c:
 * corr2d_fft_supported says whether this build and dtype run them. */
int corr2d_fft_supported(corr2d_dtype dtype, ptrdiff_t fh, ptrdiff_t fw);
/* The FFT's lane: spectra and tiles are padded to lanes of this many bytes
 * whatever the SIMD level (so a spectrum made at one level serves every
 * other), and its buffers start on such a boundary (a caller allocating a
 * spectrum does the same: no vector load straddles a cache line). */
#define CORR2D_FFT_LANE_BYTES 64
/* The spectrum's real part, then its imaginary part, each this many
 * elements of `dtype`. */
ptrdiff_t corr2d_fft_spectrum_length(corr2d_dtype dtype, ptrdiff_t fh, ptrdiff_t fw);
/* The spectrum of `kernel` (kh x kw, contiguous, kh <= FH, kw <= FW)
 * zero-padded to FH x FW, divided by FH * FW, in the layout
 * corr2d_fft_correlate reads: blocks of L = 64 / itemsize transform rows
 * (FH padded to whole blocks), each block FW columns of L rows (the bin
 * at place (i, j) at (i / L) FW L + j L + i % L, where the places are the
 * transforms' digit-reversed order of the bins, the same at every SIMD
 * level), so that each slab of rows the correlation transforms reads its
 * part of the spectrum in order.
 * Temporary memory: about 2 FH x FW elements. */
int corr2d_fft_spectrum(corr2d_dtype dtype, const void *kernel, ptrdiff_t kh, ptrdiff_t kw,
                        ptrdiff_t fh, ptrdiff_t fw, void *spectrum);
/* The FFT method (overlap-save) over the whole output: `out` and the
 * geometry as corr2d_correlate's (image rows may overlap, as a broadcast
 * row at stride 0: they are only read), with the kernel given by `spectrum`
 * (corr2d_fft_spectrum of the kernel flipped both ways, at FH x FW, the
 * transform shape: FH >= kernel_height, FW >= kernel_width). `kernel` is
 * the same kernel as corr2d_correlate takes it (finite). Infinities and
 * NaNs (of the image or the fill) come out as the direct method's, and
 * only where it puts them (a transform would spread one over its whole
 * pair of tiles): the outputs whose windows hold a NaN are NaN, and those
 * near an infinity are computed from `kernel` by the direct method (its
 * time over the box around the infinities). The output is
 * cut into tiles of (FH - kh + 1) x (FW - kw + 1); each pair of
 * neighbouring tiles is one job on the threads (g->threads, the one thread
 * policy), whose two input blocks are copied with the boundary rule (no
 * copy of the whole image is made). Results do not depend on the thread
 * count. Temporary memory per thread: about 2 FH x FW elements (the pair's
 * transform). Outputs of 32 MiB or more are written with non-temporal
 * stores on x86-64 (they bypass the caches). */
int corr2d_fft_correlate(corr2d_dtype dtype, const void *image, const void *kernel,
                         const void *fill, const void *spectrum, ptrdiff_t fh, ptrdiff_t fw,
                         void *out, const corr2d_geometry *g);

/* Build and run-time facts, for show_config(). */
int corr2d_openmp_enabled(void);
int corr2d_max_threads(void);
const char *corr2d_simd_level(void); /* "avx512", "avx2" or "baseline" */
const char *corr2d_compiler(void);
size_t corr2d_sizeof_longdouble(void);
/* Call in a child process right after fork (Python: os.register_at_fork).
 * If the parent had started OpenMP threads, the child's calls run serially
 * from then on: GNU OpenMP's pool does not survive fork and would hang. */
void corr2d_after_fork_in_child(void);
int corr2d_is_serial_after_fork(void);

/* The one thread-count policy: `requested` threads (<= 0: OpenMP's
 * default), capped at the processors; 1 for work (multiply-adds) below
 * CORR2D_PARALLEL_MIN_WORK and in a child forked after a threaded call.
 * Every parallel loop, the binding's included, asks here. */
int corr2d_plan_threads(int requested, double work);

/* Interruption. The binding registers a check (Python: one that runs the
 * signal handlers and returns nonzero when one raised, KeyboardInterrupt).
 * A long loop keeps a corr2d_watch, started with the call's work
 * (multiply-adds): corr2d_should_stop() calls the check at most every
 * CORR2D_POLL_SECONDS, from the calling thread only, and from then on
 * returns nonzero on every thread of the call, which stops and returns
 * CORR2D_EINTR. A call of less than CORR2D_POLL_MIN_WORK never polls (a
 * small call nested in a larger loop leaves it to that loop), and without
 * a check nothing is ever interrupted. */
typedef int (*corr2d_interrupt_fn)(void);
void corr2d_set_interrupt_check(corr2d_interrupt_fn check);
#define CORR2D_POLL_SECONDS 0.02
#define CORR2D_POLL_MIN_WORK 1e6
typedef struct {
    volatile int stop;
    int active; /* polls at all: a check is registered and the call is long */
    double next_poll;
} corr2d_watch;
void corr2d_watch_start(corr2d_watch *w, double work);
int corr2d_poll_interrupt(corr2d_watch *w); /* the slow path of corr2d_should_stop */
static inline int corr2d_should_stop(corr2d_watch *w)
{
    return w->stop || (w->active && corr2d_poll_interrupt(w));
}

/* scipy.ndimage's sums (ordered_sums.c): out[i * out_stride + j] = the
 * sum over t < ntaps, in that order from 0.0, of block[i * block_stride +
 * j + offsets[t]] * weights[t], each product rounded, then each addition
 * (no fused multiply-add), for i < rows and j < cols. One thread. */
void corr2d_ordered_sums(const double *block, ptrdiff_t block_stride, ptrdiff_t rows,
                         ptrdiff_t cols, const ptrdiff_t *offsets, const double *weights,
                         ptrdiff_t ntaps, double *out, ptrdiff_t out_stride);

/* Force a SIMD level ("avx512", "avx2", "baseline") for tests; returns 0 if
 * the CPU cannot run it. NULL restores the detected level. */
int corr2d_force_simd_level(const char *level);

#ifdef __cplusplus
}
#endif
#endif

/* Which outputs the FFT method writes with streaming (non-temporal)
 * stores: those of at least CORR2D_STREAM_OUTPUT_BYTES, the L3 cache of
 * the machines we measure, which such an output would mostly leave anyway.
 * Streaming skips the read of each output line that a plain store costs
 * first: 4096^2 float32 (64 MiB) 1.05x faster streamed, 2048^2 float64
 * (32 MiB) 0.97-1.30x, 4096^2 float64 1.03-1.08x; 2048^2 float32 (16 MiB)
 * 1.02-1.05x, within the noise. (The separable method's row pass measured
 * 0.95-1.04x streamed: not used there.) stream_store.h has the stores. */
#ifndef CORR2D_STREAM_OUTPUT_H
#define CORR2D_STREAM_OUTPUT_H

#include <stddef.h>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#ifndef CORR2D_STREAM_OUTPUT_BYTES
#define CORR2D_STREAM_OUTPUT_BYTES (32.0 * 1024 * 1024)
#endif

static inline int corr2d_stream_output(ptrdiff_t rows, ptrdiff_t cols, size_t itemsize)
{
    return (double)rows * (double)cols * (double)itemsize >= CORR2D_STREAM_OUTPUT_BYTES;
}

#endif

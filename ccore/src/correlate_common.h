/* What every instance of correlate.template.c needs, included once per file
 * before any SIMD target pragma. */
#ifndef CORR2D_CORRELATE_COMMON_H
#define CORR2D_CORRELATE_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "corr2d_core.h"
#include "boundary.h"
#include "threads.h"

/* Pointer lists per thread in correlate.template.c (see its driver). */
#define ROW_BUFFERS_PER_THREAD 13
/* Edge outputs per strip, and the largest strip buffer (elements) a thread
 * may use before edges fall back to the tap-by-tap loop. */
#define EDGE_CHUNK 64
#define EDGE_STRIP_MAX_ELEMS (1 << 18)

/* Kernels of at least this many rows take the four-row interior loop
 * (AVX-512 and AVX2 instances). Measured on Zen 4, one thread, against the
 * paired loop: 5x5 gains 1.1-1.2x, 11x3 1.3-1.4x and 11x11 1.2-1.4x with
 * either ISA, while 3- and 4-row kernels gain nothing (3x3 float32 at
 * 1024^2 lost 0.82x with AVX-512), so they keep the paired loop. The SSE2
 * baseline (no FMA, 16 registers) lost 0.74-1.0x with it and never uses it. */
#define QUAD_MIN_KERNEL_ROWS 5

/* A helper that must be inlined (its constant arguments unroll its loops). */
#if defined(_MSC_VER)
#define CORR2D_FORCE_INLINE static __forceinline
#else
#define CORR2D_FORCE_INLINE static inline __attribute__((always_inline))
#endif

#define CORR2D_CAT2(a, b) a##_##b
#define CORR2D_CAT(a, b) CORR2D_CAT2(a, b)

#endif

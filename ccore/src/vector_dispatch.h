/* Choosing a vector_widths.h instance at run time: the core's SIMD level
 * (corr2d_simd_level, which a forced level overrides) as an index, and a
 * call of fn's instance for a dtype suffix at that index. */
#ifndef CORR2D_VECTOR_DISPATCH_H
#define CORR2D_VECTOR_DISPATCH_H

#include <string.h>
#include "corr2d_core.h"

/* 2 AVX-512, 1 AVX2, 0 baseline. */
static inline int corr2d_vector_level(void)
{
    const char *simd = corr2d_simd_level();
    return strcmp(simd, "avx512") == 0 ? 2 : strcmp(simd, "avx2") == 0 ? 1 : 0;
}

#ifdef VEC_X86
#define AT_LEVEL(fn, sfx, args)            \
    (level == 2   ? fn##_##sfx##_avx512 args \
     : level == 1 ? fn##_##sfx##_avx2 args   \
                  : fn##_##sfx args)
#else
#define AT_LEVEL(fn, sfx, args) ((void)level, fn##_##sfx args)
#endif

#endif

/* float32/float64 correlation with AVX-512F; dispatch.c calls it only where
 * the CPU and the OS support it. */
#include "correlate_common.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif

#define X86_SUFFIX(t) t##_avx512
#define X86_PS(op) _mm512_##op##_ps
#define X86_PD(op) _mm512_##op##_pd
#define X86_F32 __m512
#define X86_F64 __m512d
#define X86_BYTES 64
/* 32 vector registers: the four-row interior loop runs 4 vectors a row. */
#define VQUAD 4
#include "correlate_x86.h"
#undef VQUAD

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
#endif

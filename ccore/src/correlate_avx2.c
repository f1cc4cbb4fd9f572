/* float32/float64 correlation with AVX2 + FMA; dispatch.c calls it only
 * where the CPU has both. */
#include "correlate_common.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#define X86_SUFFIX(t) t##_avx2
#define X86_PS(op) _mm256_##op##_ps
#define X86_PD(op) _mm256_##op##_pd
#define X86_F32 __m256
#define X86_F64 __m256d
#define X86_BYTES 32
/* 16 vector registers: the four-row interior loop runs 2 vectors a row. */
#define VQUAD 2
#include "correlate_x86.h"
#undef VQUAD

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
#endif

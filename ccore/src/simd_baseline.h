/* Vector types every CPU of the target architecture has. */
#ifndef CORR2D_SIMD_BASELINE_H
#define CORR2D_SIMD_BASELINE_H

#if defined(__x86_64__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2) || defined(__SSE2__)
#include <emmintrin.h>
/* SSE2 has no fused multiply-add. */
#define CORR2D_HAVE_F32X
#define CORR2D_F32X __m128
#define CORR2D_F32X_LEN 4
#define CORR2D_F32X_SET1(x) _mm_set1_ps(x)
#define CORR2D_F32X_LOAD(p) _mm_loadu_ps(p)
#define CORR2D_F32X_FMA(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
#define CORR2D_F32X_STORE(p, v) _mm_storeu_ps(p, v)
#define CORR2D_HAVE_F64X
#define CORR2D_F64X __m128d
#define CORR2D_F64X_LEN 2
#define CORR2D_F64X_SET1(x) _mm_set1_pd(x)
#define CORR2D_F64X_LOAD(p) _mm_loadu_pd(p)
#define CORR2D_F64X_FMA(a, b, c) _mm_add_pd(_mm_mul_pd(a, b), c)
#define CORR2D_F64X_STORE(p, v) _mm_storeu_pd(p, v)
#elif defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>
#define CORR2D_HAVE_F32X
#define CORR2D_F32X float32x4_t
#define CORR2D_F32X_LEN 4
#define CORR2D_F32X_SET1(x) vdupq_n_f32(x)
#define CORR2D_F32X_LOAD(p) vld1q_f32(p)
#define CORR2D_F32X_FMA(a, b, c) vfmaq_f32(c, a, b)
#define CORR2D_F32X_STORE(p, v) vst1q_f32(p, v)
#define CORR2D_HAVE_F64X
#define CORR2D_F64X float64x2_t
#define CORR2D_F64X_LEN 2
#define CORR2D_F64X_SET1(x) vdupq_n_f64(x)
#define CORR2D_F64X_LOAD(p) vld1q_f64(p)
#define CORR2D_F64X_FMA(a, b, c) vfmaq_f64(c, a, b)
#define CORR2D_F64X_STORE(p, v) vst1q_f64(p, v)
#endif

#endif

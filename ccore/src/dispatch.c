/* Public entry points: pick the instance for a dtype and for the best SIMD
 * level this CPU runs, and report build facts. */
#include <string.h>
#include "correlate_common.h"

#if (defined(__x86_64__) || defined(_M_X64))
#define CORR2D_X86_DISPATCH 1
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#include <immintrin.h>
#endif
#endif

#define DECLARE(suffix, T)                                                  \
    int CORR2D_CAT(correlate, suffix)(const T *image, const T *kernel,      \
                                      const T *fill, T *out,                \
                                      const corr2d_geometry *g);
DECLARE(f32_baseline, float)
DECLARE(f64_baseline, double)
DECLARE(ld, long double)
DECLARE(c64, float)
DECLARE(c128, double)
DECLARE(cld, long double)
DECLARE(u8, uint8_t)
DECLARE(u16, uint16_t)
DECLARE(u32, uint32_t)
DECLARE(u64, uint64_t)
#ifdef CORR2D_X86_DISPATCH
DECLARE(f32_avx2, float)
DECLARE(f64_avx2, double)
DECLARE(f32_avx512, float)
DECLARE(f64_avx512, double)
#endif
#undef DECLARE

enum { LEVEL_BASELINE = 0, LEVEL_AVX2 = 1, LEVEL_AVX512 = 2, LEVEL_UNKNOWN = -1 };
static const char *const level_names[] = {"baseline", "avx2", "avx512"};

static int detect_level(void)
{
#ifdef CORR2D_X86_DISPATCH
#if defined(_MSC_VER) && !defined(__clang__)
    int info[4];
    unsigned long long xcr0;
    int has_avx2, has_fma, has_avx512f, os_avx, os_avx512;
    __cpuid(info, 1);
    has_fma = (info[2] >> 12) & 1;
    if (!((info[2] >> 27) & 1)) /* OSXSAVE */
        return LEVEL_BASELINE;
    xcr0 = _xgetbv(0);
    os_avx = (xcr0 & 0x6) == 0x6;
    os_avx512 = (xcr0 & 0xe6) == 0xe6;
    __cpuidex(info, 7, 0);
    has_avx2 = (info[1] >> 5) & 1;
    has_avx512f = (info[1] >> 16) & 1;
    if (has_avx512f && has_avx2 && has_fma && os_avx512)
        return LEVEL_AVX512;
    if (has_avx2 && has_fma && os_avx)
        return LEVEL_AVX2;
    return LEVEL_BASELINE;
#else
    /* libgcc / compiler-rt also check that the OS saves the wide registers. */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma"))
        return LEVEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return LEVEL_AVX2;
    return LEVEL_BASELINE;
#endif
#else
    return LEVEL_BASELINE;
#endif
}

/* Racy first use is harmless: every thread computes the same value. */
static int detected_level = LEVEL_UNKNOWN;
static int forced_level = LEVEL_UNKNOWN;

static int simd_level(void)
{
    if (forced_level != LEVEL_UNKNOWN)
        return forced_level;
    if (detected_level == LEVEL_UNKNOWN)
        detected_level = detect_level();
    return detected_level;
}

const char *corr2d_simd_level(void) { return level_names[simd_level()]; }

int corr2d_force_simd_level(const char *level)
{
    int i;
    if (level == NULL) {
        forced_level = LEVEL_UNKNOWN;
        return 1;
    }
    if (detected_level == LEVEL_UNKNOWN)
        detected_level = detect_level();
    for (i = LEVEL_BASELINE; i <= LEVEL_AVX512; i++)
        if (strcmp(level, level_names[i]) == 0 && i <= detected_level) {
            forced_level = i;
            return 1;
        }
    return 0;
}

int corr2d_correlate(corr2d_dtype dtype, const void *image, const void *kernel,
                     const void *fill, void *out, const corr2d_geometry *g)
{
    if (g->height <= 0 || g->width <= 0 || g->kernel_height <= 0 ||
        g->kernel_width <= 0 || g->out_height < 0 || g->out_width < 0 ||
        g->boundary < CORR2D_FILL || g->boundary > CORR2D_MIRROR)
        return CORR2D_EINVAL;
    if (g->out_height == 0 || g->out_width == 0)
        return CORR2D_OK;

#define CALL(suffix, T)                                                      \
    CORR2D_CAT(correlate, suffix)((const T *)image, (const T *)kernel,      \
                                  (const T *)fill, (T *)out, g)
    switch (dtype) {
    case CORR2D_FLOAT32:
#ifdef CORR2D_X86_DISPATCH
        if (simd_level() == LEVEL_AVX512) return CALL(f32_avx512, float);
        if (simd_level() == LEVEL_AVX2) return CALL(f32_avx2, float);
#endif
        return CALL(f32_baseline, float);
    case CORR2D_FLOAT64:
#ifdef CORR2D_X86_DISPATCH
        if (simd_level() == LEVEL_AVX512) return CALL(f64_avx512, double);
        if (simd_level() == LEVEL_AVX2) return CALL(f64_avx2, double);
#endif
        return CALL(f64_baseline, double);
    case CORR2D_LONGDOUBLE: return CALL(ld, long double);
    case CORR2D_COMPLEX64: return CALL(c64, float);
    case CORR2D_COMPLEX128: return CALL(c128, double);
    case CORR2D_CLONGDOUBLE: return CALL(cld, long double);
    case CORR2D_UINT8: return CALL(u8, uint8_t);
    case CORR2D_UINT16: return CALL(u16, uint16_t);
    case CORR2D_UINT32: return CALL(u32, uint32_t);
    case CORR2D_UINT64: return CALL(u64, uint64_t);
    default: return CORR2D_EINVAL;
    }
#undef CALL
}

int corr2d_openmp_enabled(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int corr2d_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

size_t corr2d_sizeof_longdouble(void) { return sizeof(long double); }

const char *corr2d_compiler(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#elif defined(_MSC_VER)
#define CORR2D_STR2(x) #x
#define CORR2D_STR(x) CORR2D_STR2(x)
    return "msvc " CORR2D_STR(_MSC_VER);
#else
    return "unknown";
#endif
}

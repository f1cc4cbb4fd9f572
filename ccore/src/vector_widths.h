/* Instances of a vector-loop template (VEC_TEMPLATE, a quoted file name)
 * for one dtype (T, and VEC_SFX its suffix, defined by the includer):
 * 16-byte vectors for the baseline ISA and, on x86-64 (VEC_X86 defined),
 * 32-byte for AVX2 and 64-byte for AVX-512, each compiled for its ISA.
 * The template sees NAME(x) (x with the dtype's and the width's suffix),
 * VEC_BYTES and VEC_TARGET. Included once per template and dtype; no
 * include guard. */
#define VEC_PASTE2(a, b) a##_##b
#define VEC_PASTE(a, b) VEC_PASTE2(a, b)

#define NAME(x) VEC_PASTE(x, VEC_SFX)
#define VEC_BYTES 16
#define VEC_TARGET
#include VEC_TEMPLATE
#undef NAME
#undef VEC_BYTES
#undef VEC_TARGET

#ifdef VEC_X86
#define NAME(x) VEC_PASTE(VEC_PASTE(x, VEC_SFX), avx2)
#define VEC_BYTES 32
#define VEC_TARGET __attribute__((target("avx2,fma")))
#include VEC_TEMPLATE
#undef NAME
#undef VEC_BYTES
#undef VEC_TARGET

#define NAME(x) VEC_PASTE(VEC_PASTE(x, VEC_SFX), avx512)
#define VEC_BYTES 64
#define VEC_TARGET __attribute__((target("avx512f,avx2,fma")))
#include VEC_TEMPLATE
#undef NAME
#undef VEC_BYTES
#undef VEC_TARGET
#endif

#undef VEC_PASTE
#undef VEC_PASTE2

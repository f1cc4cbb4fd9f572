/* Instances of separable_columns.template.c for one dtype (T, and SEP_SFX
 * its suffix, defined by separable.c): 16-byte vectors for the baseline
 * ISA and, on x86-64, 32-byte for AVX2 and 64-byte for AVX-512, each
 * compiled for its ISA. Included once per dtype; no include guard. */
#define SEP_PASTE2(a, b) a##_##b
#define SEP_PASTE(a, b) SEP_PASTE2(a, b)

#define NAME(x) SEP_PASTE(x, SEP_SFX)
#define SEP_VEC_BYTES 16
#define SEP_TARGET
#include "separable_columns.template.c"
#undef NAME
#undef SEP_VEC_BYTES
#undef SEP_TARGET

#ifdef SEPARABLE_COLUMNS_X86
#define NAME(x) SEP_PASTE(SEP_PASTE(x, SEP_SFX), avx2)
#define SEP_VEC_BYTES 32
#define SEP_TARGET __attribute__((target("avx2,fma")))
#include "separable_columns.template.c"
#undef NAME
#undef SEP_VEC_BYTES
#undef SEP_TARGET

#define NAME(x) SEP_PASTE(SEP_PASTE(x, SEP_SFX), avx512)
#define SEP_VEC_BYTES 64
#define SEP_TARGET __attribute__((target("avx512f,avx2,fma")))
#include "separable_columns.template.c"
#undef NAME
#undef SEP_VEC_BYTES
#undef SEP_TARGET
#endif

#undef SEP_PASTE
#undef SEP_PASTE2

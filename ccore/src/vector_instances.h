/* The float32 and float64 instances, at every vector width, of the
 * vector-loop template VEC_TEMPLATE (defined by the includer, which also
 * defines VEC_X86 on x86-64): see vector_widths.h. No include guard. */
#define T float
#define VEC_SFX f32
#include "vector_widths.h"
#undef T
#undef VEC_SFX
#define T double
#define VEC_SFX f64
#include "vector_widths.h"
#undef T
#undef VEC_SFX

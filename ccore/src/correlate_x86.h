/* float32/float64 instances for one x86 vector width. The includer has set
 * the target pragma and defines X86_SUFFIX(x), X86_PS(op), X86_PD(op),
 * X86_F32, X86_F64 and X86_BYTES (vector width in bytes). */
#define NC 1
#define SUFFIX X86_SUFFIX(f32)
#define T float
#define A float
#define VEC X86_F32
#define VLEN (X86_BYTES / 4)
#define VSET1(x) X86_PS(set1)(x)
#define VLOAD(p) X86_PS(loadu)(p)
#define VFMA(a, b, c) X86_PS(fmadd)(a, b, c)
#define VSTORE(p, v) X86_PS(storeu)(p, v)
#include "instance.h"

#define SUFFIX X86_SUFFIX(f64)
#define T double
#define A double
#define VEC X86_F64
#define VLEN (X86_BYTES / 8)
#define VSET1(x) X86_PD(set1)(x)
#define VLOAD(p) X86_PD(loadu)(p)
#define VFMA(a, b, c) X86_PD(fmadd)(a, b, c)
#define VSTORE(p, v) X86_PD(storeu)(p, v)
#include "instance.h"
#undef NC

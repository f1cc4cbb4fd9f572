/* Every dtype at the baseline ISA of the build (SSE2 on x86-64, NEON on
 * arm64, plain C elsewhere). */
#include "correlate_common.h"
#include "simd_baseline.h"

#define NC 1
#define SUFFIX f32_baseline
#define T float
#define A float
#ifdef CORR2D_HAVE_F32X
#define VEC CORR2D_F32X
#define VLEN CORR2D_F32X_LEN
#define VSET1 CORR2D_F32X_SET1
#define VLOAD CORR2D_F32X_LOAD
#define VFMA CORR2D_F32X_FMA
#define VSTORE CORR2D_F32X_STORE
#endif
#include "instance.h"

#define SUFFIX f64_baseline
#define T double
#define A double
#ifdef CORR2D_HAVE_F64X
#define VEC CORR2D_F64X
#define VLEN CORR2D_F64X_LEN
#define VSET1 CORR2D_F64X_SET1
#define VLOAD CORR2D_F64X_LOAD
#define VFMA CORR2D_F64X_FMA
#define VSTORE CORR2D_F64X_STORE
#endif
#include "instance.h"

#define SUFFIX ld
#define T long double
#define A long double
#include "instance.h"

#define SUFFIX u8
#define T uint8_t
#define A uint32_t
#include "instance.h"

#define SUFFIX u16
#define T uint16_t
#define A uint32_t
#include "instance.h"

#define SUFFIX u32
#define T uint32_t
#define A uint32_t
#include "instance.h"

#define SUFFIX u64
#define T uint64_t
#define A uint64_t
#include "instance.h"
#undef NC

#define NC 2
#define SUFFIX c64
#define T float
#define A float
#include "instance.h"

#define SUFFIX c128
#define T double
#define A double
#include "instance.h"

#define SUFFIX cld
#define T long double
#define A long double
#include "instance.h"
#undef NC

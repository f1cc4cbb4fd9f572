/* What every instance of correlate.template.c needs, included once per file
 * before any SIMD target pragma. */
#ifndef CORR2D_CORRELATE_COMMON_H
#define CORR2D_CORRELATE_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "corr2d_core.h"
#include "boundary.h"
#include "threads.h"

/* Pointer lists per thread in correlate.template.c (see its driver). */
#define ROW_BUFFERS_PER_THREAD 8
/* Edge outputs per strip, and the largest strip buffer (elements) a thread
 * may use before edges fall back to the tap-by-tap loop. */
#define EDGE_CHUNK 64
#define EDGE_STRIP_MAX_ELEMS (1 << 18)

#define CORR2D_CAT2(a, b) a##_##b
#define CORR2D_CAT(a, b) CORR2D_CAT2(a, b)

#endif

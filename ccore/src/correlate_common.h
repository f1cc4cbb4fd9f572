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

#define CORR2D_CAT2(a, b) a##_##b
#define CORR2D_CAT(a, b) CORR2D_CAT2(a, b)

#endif

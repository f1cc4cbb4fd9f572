/* Where an index outside [0, n) lands under each boundary rule. */
#ifndef CORR2D_BOUNDARY_H
#define CORR2D_BOUNDARY_H

#include <stddef.h>
#include "corr2d_core.h"

/* Returns the source index in [0, n), or -1 for "use the fill value".
 * Works for any distance outside the image: kernels larger than the image
 * make the extension repeat (period n for wrap, 2n for symm, 2n - 2 for
 * mirror; a one-sample axis mirrors onto itself). */
static inline ptrdiff_t corr2d_ext_index(ptrdiff_t i, ptrdiff_t n, int boundary)
{
    ptrdiff_t m;
    if (i >= 0 && i < n)
        return i;
    switch (boundary) {
    case CORR2D_FILL:
        return -1;
    case CORR2D_WRAP:
        m = i % n;
        return m < 0 ? m + n : m;
    case CORR2D_NEAREST:
        return i < 0 ? 0 : n - 1;
    case CORR2D_MIRROR:
        if (n == 1)
            return 0;
        m = i % (2 * n - 2);
        if (m < 0)
            m += 2 * n - 2;
        return m < n ? m : 2 * n - 2 - m;
    default: /* CORR2D_SYMM */
        m = i % (2 * n);
        if (m < 0)
            m += 2 * n;
        return m < n ? m : 2 * n - 1 - m;
    }
}

#endif

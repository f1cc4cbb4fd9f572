/* Where an index outside [0, n) lands under each boundary rule. */
#ifndef CORR2D_BOUNDARY_H
#define CORR2D_BOUNDARY_H

#include <stddef.h>
#include <string.h>
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

/* dst[c] = ext(first + c) for 0 <= c < len along one image row (`row`
 * points at its column 0; `n` columns), elements of `es` bytes: the part
 * inside the image is one memcpy, only the rest goes through the rule
 * (`fill` where it says so). */
static inline void corr2d_copy_extended_row(char *dst, const char *row, ptrdiff_t first,
                                            ptrdiff_t len, ptrdiff_t n, int boundary,
                                            const void *fill, size_t es)
{
    const ptrdiff_t lo = first < 0 ? (-first < len ? -first : len) : 0;
    const ptrdiff_t hi = n - first < len ? (n - first > lo ? n - first : lo) : len;
    ptrdiff_t c;
    if (hi > lo)
        memcpy(dst + (size_t)lo * es, row + (size_t)(first + lo) * es, (size_t)(hi - lo) * es);
    for (c = 0; c < len; c++) {
        ptrdiff_t s;
        if (c == lo)
            c = hi; /* past the inside part */
        if (c >= len)
            break;
        s = corr2d_ext_index(first + c, n, boundary);
        memcpy(dst + (size_t)c * es, s < 0 ? fill : row + (size_t)s * es, es);
    }
}

#endif

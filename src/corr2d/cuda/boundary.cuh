// Where an index outside [0, n) lands under each boundary rule: the GPU twin
// of ccore/src/boundary.h, with the same codes and the same answers.
#ifndef CORR2D_CUDA_BOUNDARY_CUH
#define CORR2D_CUDA_BOUNDARY_CUH

#define CORR2D_FILL 0    /* k k | a b c d | k k   (a constant fill value)   */
#define CORR2D_WRAP 1    /* c d | a b c d | a b   (periodic)               */
#define CORR2D_SYMM 2    /* b a | a b c d | d c   (half-sample symmetric)  */
#define CORR2D_NEAREST 3 /* a a | a b c d | d d   (edge value repeated)    */
#define CORR2D_MIRROR 4  /* c b | a b c d | c b   (whole-sample symmetric) */

// The source index in [0, n), or -1 for "use the fill value". Works for any
// distance outside the image: kernels larger than the image make the
// extension repeat (period n for wrap, 2n for symm, 2n - 2 for mirror; a
// one-sample axis mirrors onto itself).
__device__ __forceinline__ long long corr2d_ext_index(long long i, long long n, int boundary)
{
    if (i >= 0 && i < n)
        return i;
    long long m;
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
    default: // CORR2D_SYMM
        m = i % (2 * n);
        if (m < 0)
            m += 2 * n;
        return m < n ? m : 2 * n - 1 - m;
    }
}

#endif

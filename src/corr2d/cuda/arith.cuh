// The arithmetic of one pixel, per dtype: acc += x * k and the final store.
//
// Real floats accumulate in their own type (float32 stays float32, as on the
// CPU). Integers travel as the unsigned type of the same width (the Python
// layer views signed arrays as unsigned): wrapping arithmetic gives the same
// bits, and unsigned overflow is defined. 8- and 16-bit integers accumulate
// in unsigned int and are truncated on store, which is the same modulo 2^n.
// Complex numbers are interleaved (re, im) pairs, laid out as NumPy's and
// CuPy's complex64/complex128, with no dependency on thrust or cuComplex.
#ifndef CORR2D_CUDA_ARITH_CUH
#define CORR2D_CUDA_ARITH_CUH

struct __align__(8) corr2d_complex64 {
    float re, im;
};
struct __align__(16) corr2d_complex128 {
    double re, im;
};

template <typename A, typename T>
__device__ __forceinline__ void corr2d_mac(A &acc, T x, T k)
{
    acc += (A)x * (A)k;
}

__device__ __forceinline__ void corr2d_mac(corr2d_complex64 &acc, corr2d_complex64 x,
                                           corr2d_complex64 k)
{
    acc.re = fmaf(x.re, k.re, fmaf(-x.im, k.im, acc.re));
    acc.im = fmaf(x.re, k.im, fmaf(x.im, k.re, acc.im));
}

__device__ __forceinline__ void corr2d_mac(corr2d_complex128 &acc, corr2d_complex128 x,
                                           corr2d_complex128 k)
{
    acc.re = fma(x.re, k.re, fma(-x.im, k.im, acc.re));
    acc.im = fma(x.re, k.im, fma(x.im, k.re, acc.im));
}

template <typename T, typename A>
__device__ __forceinline__ T corr2d_store(A acc)
{
    return (T)acc;
}

#endif

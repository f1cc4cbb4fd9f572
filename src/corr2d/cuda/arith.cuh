// The arithmetic of one pixel, per dtype: acc += x * k and the final store.
//
// Real floats accumulate in their own type (float32 stays float32, as on the
// CPU). Integers travel as the unsigned type of the same width (the Python
// layer views signed arrays as unsigned): wrapping arithmetic gives the same
// bits, and unsigned overflow is defined. 8- and 16-bit integers accumulate
// in unsigned int and are truncated on store, which is the same modulo 2^n.
// Complex numbers are interleaved (re, im) pairs, laid out as NumPy's and
// CuPy's complex64/complex128, with no dependency on thrust or cuComplex.
//
// CuPy compiles every RawModule with -ftz=true, which would flush float32
// subnormal numbers to zero in the multiply-adds; the CPU path keeps them.
// So float32 multiply-adds and negations are the PTX instructions without
// .ftz, which keep them whatever the flag says (at the same speed).
#ifndef CORR2D_CUDA_ARITH_CUH
#define CORR2D_CUDA_ARITH_CUH

struct __align__(8) corr2d_complex64 {
    float re, im;
};
struct __align__(16) corr2d_complex128 {
    double re, im;
};

// x * k + c rounded once, subnormals kept under -ftz=true.
__device__ __forceinline__ float corr2d_fmaf(float x, float k, float c)
{
#ifdef __CUDA_ARCH__
    float d;
    asm("fma.rn.f32 %0, %1, %2, %3;" : "=f"(d) : "f"(x), "f"(k), "f"(c));
    return d;
#else // the host compiler of the tests' emulator
    return fmaf(x, k, c);
#endif
}

// -x, subnormals kept under -ftz=true.
__device__ __forceinline__ float corr2d_negf(float x)
{
#ifdef __CUDA_ARCH__
    float d;
    asm("neg.f32 %0, %1;" : "=f"(d) : "f"(x));
    return d;
#else
    return -x;
#endif
}

template <typename A, typename T>
__device__ __forceinline__ void corr2d_mac(A &acc, T x, T k)
{
    acc += (A)x * (A)k;
}

__device__ __forceinline__ void corr2d_mac(float &acc, float x, float k)
{
    acc = corr2d_fmaf(x, k, acc);
}

__device__ __forceinline__ void corr2d_mac(corr2d_complex64 &acc, corr2d_complex64 x,
                                           corr2d_complex64 k)
{
    acc.re = corr2d_fmaf(x.re, k.re, corr2d_fmaf(corr2d_negf(x.im), k.im, acc.re));
    acc.im = corr2d_fmaf(x.re, k.im, corr2d_fmaf(x.im, k.re, acc.im));
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

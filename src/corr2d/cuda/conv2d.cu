// conv2d (NCHW, PyTorch semantics) and its two gradients on the GPU as one
// tiled implicit GEMM, templated over the element type T (float or double,
// accumulating in T as the CPU path's BLAS does) and the operation OP:
//
//   OP  C[m, col] = sum_k A[m, k] * B[k, col]     M        columns        K
//   0   y  = conv2d(x, w)      A = w, B = im2col(x)   C_out/g  N*H_out*W_out  C_in/g*kH*kW
//   1   dx = conv2d_input      A = w^T, B = col(dy)   C_in/g   N*H*W          C_out/g*kH*kW
//   2   dw = conv2d_weight     A = dy,  B = im2col(x) C_out/g  C_in/g*kH*kW   N*H_out*W_out
//
// one GEMM per group g. The column matrices are never stored: each tile of B
// is gathered from the NCHW tensor while it is loaded into shared memory,
// zero where the window falls into the padding (OP 0, 2) or where no output
// position reaches the input pixel (OP 1: (ih + pad - r*dil) not a multiple
// of the stride, or out of range). So every stride, padding (top/left given,
// bottom/right implied by the output size), dilation and group count the
// CPU path accepts is one code path, with no atomics: results do not depend
// on scheduling. conv_transpose2d is OP 1 with the roles of the tensors
// swapped (corr2d/cuda/conv.py).
//
// OP 2 splits K (the N*H_out*W_out reduction, often large against a small
// weight) into `splits` chunks of `k_chunk`; chunk s writes its partial sum
// to out[s], and the caller sums them (deterministically).
//
// Tiling: a block of 16 x 16 threads computes a 64 x 64 tile of C, each
// thread a 4 x 4 sub-tile at rows ty + 16 i and columns tx + 16 j (so the
// stores of a warp are contiguous along the output's columns); K advances
// 16 at a time through two shared-memory tiles, As[16][64] and Bs[16][64].
// Blocks loop over tiles when the grid is capped, in all three dimensions.
// __launch_bounds__(256, 2) holds ptxas to 128 registers a thread, so that
// two blocks share an SM (without it the 64-bit index arithmetic of the
// gathers takes up to ~156 and one block runs per SM).
//
// Compiled at run time by NVRTC through cupy.RawModule with name expressions
// (corr2d/cuda/conv.py); -DCORR2D_INSTANTIATE emits explicit instantiations
// so that nvcc can compile this file alone.
#include "arith.cuh"

#define CORR2D_CONV_TILE_M 64
#define CORR2D_CONV_TILE_N 64
#define CORR2D_CONV_TILE_K 16
#define CORR2D_CONV_THREADS_X 16
#define CORR2D_CONV_THREADS_Y 16

#define CORR2D_CONV_FORWARD 0
#define CORR2D_CONV_GRAD_INPUT 1
#define CORR2D_CONV_GRAD_WEIGHT 2

// The convolution's sizes: x (n, c_in, h, w), weight (c_out, c_in/groups,
// kh, kw), y (n, c_out, oh, ow), for the group being computed.
struct corr2d_conv_shape {
    long long n, c_in, h, w, c_out, oh, ow;
    int kh, kw, sh, sw, ph, pw, dh, dw;
    long long cg, mg; // channels per group: input, output
};

// The pixel of x under kernel tap (c, r, s) of output position (nn, i, j) of
// group g, or 0 in the padding.
template <typename T>
__device__ __forceinline__ T corr2d_conv_x(const T *__restrict__ x, const corr2d_conv_shape &d,
                                           long long g, long long nn, long long i, long long j,
                                           long long c, int r, int s)
{
    const long long ih = i * d.sh - d.ph + (long long)r * d.dh;
    const long long iw = j * d.sw - d.pw + (long long)s * d.dw;
    if (ih < 0 || ih >= d.h || iw < 0 || iw >= d.w)
        return T(0);
    return x[((nn * d.c_in + g * d.cg + c) * d.h + ih) * d.w + iw];
}

// A[m, k] of group g.
template <typename T, int OP>
__device__ __forceinline__ T corr2d_conv_a(const T *__restrict__ a, const corr2d_conv_shape &d,
                                           long long g, long long m, long long k)
{
    const long long taps = (long long)d.kh * d.kw;
    if (OP == CORR2D_CONV_FORWARD) { // weight[g*mg + m, k] with k = (c, r, s)
        return a[(g * d.mg + m) * (d.cg * taps) + k];
    } else if (OP == CORR2D_CONV_GRAD_INPUT) { // weight[g*mg + o, m, r, s], k = (o, r, s)
        const long long o = k / taps, rs = k - o * taps;
        return a[((g * d.mg + o) * d.cg + m) * taps + rs];
    } else { // dy[nn, g*mg + m, p], k = (nn, p)
        const long long plane = d.oh * d.ow;
        const long long nn = k / plane, p = k - nn * plane;
        return a[(nn * d.c_out + g * d.mg + m) * plane + p];
    }
}

// B[k, col] of group g.
template <typename T, int OP>
__device__ __forceinline__ T corr2d_conv_b(const T *__restrict__ b, const corr2d_conv_shape &d,
                                           long long g, long long k, long long col)
{
    const long long taps = (long long)d.kh * d.kw;
    if (OP == CORR2D_CONV_FORWARD) { // k = (c, r, s), col = (nn, i, j)
        const long long c = k / taps, rs = k - c * taps;
        const int r = (int)(rs / d.kw), s = (int)(rs - (long long)r * d.kw);
        const long long plane = d.oh * d.ow;
        const long long nn = col / plane, p = col - nn * plane;
        const long long i = p / d.ow, j = p - i * d.ow;
        return corr2d_conv_x(b, d, g, nn, i, j, c, r, s);
    } else if (OP == CORR2D_CONV_GRAD_INPUT) { // k = (o, r, s), col = (nn, ih, iw)
        const long long o = k / taps, rs = k - o * taps;
        const int r = (int)(rs / d.kw), s = (int)(rs - (long long)r * d.kw);
        const long long plane = d.h * d.w;
        const long long nn = col / plane, p = col - nn * plane;
        const long long ih = p / d.w, iw = p - ih * d.w;
        const long long ti = ih + d.ph - (long long)r * d.dh;
        const long long tj = iw + d.pw - (long long)s * d.dw;
        if (ti < 0 || tj < 0 || ti % d.sh || tj % d.sw)
            return T(0);
        const long long i = ti / d.sh, j = tj / d.sw;
        if (i >= d.oh || j >= d.ow)
            return T(0);
        return b[((nn * d.c_out + g * d.mg + o) * d.oh + i) * d.ow + j];
    } else { // k = (nn, i, j), col = (c, r, s)
        const long long plane = d.oh * d.ow;
        const long long nn = k / plane, p = k - nn * plane;
        const long long i = p / d.ow, j = p - i * d.ow;
        const long long c = col / taps, rs = col - c * taps;
        const int r = (int)(rs / d.kw), s = (int)(rs - (long long)r * d.kw);
        return corr2d_conv_x(b, d, g, nn, i, j, c, r, s);
    }
}

// Where C[m, col] of group g (and K chunk `split`) is stored.
template <int OP>
__device__ __forceinline__ long long corr2d_conv_out_index(const corr2d_conv_shape &d, long long g,
                                                           long long split, long long m,
                                                           long long col, long long columns)
{
    if (OP == CORR2D_CONV_FORWARD) {
        const long long plane = d.oh * d.ow;
        const long long nn = col / plane, p = col - nn * plane;
        return (nn * d.c_out + g * d.mg + m) * plane + p;
    } else if (OP == CORR2D_CONV_GRAD_INPUT) {
        const long long plane = d.h * d.w;
        const long long nn = col / plane, p = col - nn * plane;
        return (nn * d.c_in + g * d.cg + m) * plane + p;
    } else {
        return (split * d.c_out + g * d.mg + m) * columns + col;
    }
}

template <typename T, int OP>
__global__ void __launch_bounds__(CORR2D_CONV_THREADS_X *CORR2D_CONV_THREADS_Y, 2)
    conv2d_gemm(const T *__restrict__ a, const T *__restrict__ b, T *__restrict__ out,
                            long long n, long long c_in, long long h, long long w,
                            long long c_out, long long oh, long long ow, int kh, int kw, int sh,
                            int sw, int ph, int pw, int dh, int dw, int groups,
                            long long k_chunk, int splits)
{
    const int BM = CORR2D_CONV_TILE_M, BN = CORR2D_CONV_TILE_N, BK = CORR2D_CONV_TILE_K;
    const int TX = CORR2D_CONV_THREADS_X, TY = CORR2D_CONV_THREADS_Y;
    const int RM = BM / TY, RN = BN / TX; // outputs per thread: RM rows x RN columns
    extern __shared__ __align__(16) unsigned char corr2d_smem[];
    T *As = reinterpret_cast<T *>(corr2d_smem); // [BK][BM]
    T *Bs = As + BK * BM;                       // [BK][BN]

    corr2d_conv_shape d;
    d.n = n, d.c_in = c_in, d.h = h, d.w = w, d.c_out = c_out, d.oh = oh, d.ow = ow;
    d.kh = kh, d.kw = kw, d.sh = sh, d.sw = sw, d.ph = ph, d.pw = pw, d.dh = dh, d.dw = dw;
    d.cg = c_in / groups, d.mg = c_out / groups;
    const long long taps = (long long)kh * kw;
    long long M, columns, K;
    if (OP == CORR2D_CONV_FORWARD) {
        M = d.mg, columns = n * oh * ow, K = d.cg * taps;
    } else if (OP == CORR2D_CONV_GRAD_INPUT) {
        M = d.cg, columns = n * h * w, K = d.mg * taps;
    } else {
        M = d.mg, columns = d.cg * taps, K = n * oh * ow;
    }
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * TX + tx;
    const int nthreads = TX * TY;
    const long long row_tiles = (M + BM - 1) / BM, col_tiles = (columns + BN - 1) / BN;
    const long long items = (long long)groups * splits;

    for (long long z = blockIdx.z; z < items; z += gridDim.z) {
        const long long g = z / splits, split = z - g * splits;
        const long long k_begin = split * k_chunk;
        const long long k_end = k_begin + k_chunk < K ? k_begin + k_chunk : K;
        for (long long rt = blockIdx.y; rt < row_tiles; rt += gridDim.y) {
            const long long m0 = rt * BM;
            for (long long ct = blockIdx.x; ct < col_tiles; ct += gridDim.x) {
                const long long n0 = ct * BN;
                T acc[RM][RN];
#pragma unroll
                for (int i = 0; i < RM; i++)
#pragma unroll
                    for (int j = 0; j < RN; j++)
                        acc[i][j] = T(0);
                for (long long k0 = k_begin; k0 < k_end; k0 += BK) {
                    __syncthreads(); // every thread is done with the previous tiles
                    // k fastest: consecutive threads read consecutive weights.
                    for (int e = tid; e < BK * BM; e += nthreads) {
                        const int mm = e / BK, kk = e - mm * BK;
                        const long long m = m0 + mm, k = k0 + kk;
                        As[kk * BM + mm] =
                            (m < M && k < k_end) ? corr2d_conv_a<T, OP>(a, d, g, m, k) : T(0);
                    }
                    // column fastest: consecutive threads read along image rows.
                    for (int e = tid; e < BK * BN; e += nthreads) {
                        const int kk = e / BN, nn = e - kk * BN;
                        const long long k = k0 + kk, col = n0 + nn;
                        Bs[kk * BN + nn] = (k < k_end && col < columns)
                                               ? corr2d_conv_b<T, OP>(b, d, g, k, col)
                                               : T(0);
                    }
                    __syncthreads();
#pragma unroll
                    for (int kk = 0; kk < BK; kk++) {
                        T av[RM], bv[RN];
#pragma unroll
                        for (int i = 0; i < RM; i++)
                            av[i] = As[kk * BM + ty + TY * i];
#pragma unroll
                        for (int j = 0; j < RN; j++)
                            bv[j] = Bs[kk * BN + tx + TX * j];
#pragma unroll
                        for (int i = 0; i < RM; i++)
#pragma unroll
                            for (int j = 0; j < RN; j++)
                                corr2d_mac(acc[i][j], av[i], bv[j]);
                    }
                }
#pragma unroll
                for (int i = 0; i < RM; i++) {
                    const long long m = m0 + ty + TY * i;
                    if (m >= M)
                        continue;
#pragma unroll
                    for (int j = 0; j < RN; j++) {
                        const long long col = n0 + tx + TX * j;
                        if (col < columns)
                            out[corr2d_conv_out_index<OP>(d, g, split, m, col, columns)] =
                                acc[i][j];
                    }
                }
            }
        }
    }
}

#ifdef CORR2D_INSTANTIATE
#define CORR2D_CONV_ARGS(T)                                                                  \
    (const T *, const T *, T *, long long, long long, long long, long long, long long,       \
     long long, long long, int, int, int, int, int, int, int, int, int, long long, int)
#define CORR2D_CONV_INSTANCE(T)                                                              \
    template __global__ void conv2d_gemm<T, CORR2D_CONV_FORWARD> CORR2D_CONV_ARGS(T);        \
    template __global__ void conv2d_gemm<T, CORR2D_CONV_GRAD_INPUT> CORR2D_CONV_ARGS(T);     \
    template __global__ void conv2d_gemm<T, CORR2D_CONV_GRAD_WEIGHT> CORR2D_CONV_ARGS(T);
CORR2D_CONV_INSTANCE(float)
CORR2D_CONV_INSTANCE(double)
#endif

// Direct single-channel 2-D cross-correlation on the GPU, templated over the
// pixel type T and the accumulator type A (see arith.cuh):
//
//   out[i, j] = sum_{p, q} ext(i + p - top, j + q - left) * kernel[p, q]
//
// for 0 <= i < out_height, 0 <= j < out_width, where ext is the image
// extended by `boundary` (boundary.cuh). This is the contract of the C core
// (ccore/include/corr2d_core.h): the Python layer has already flipped or
// conjugated the kernel, chosen top/left for the mode, swapped the inputs
// for SciPy's 'valid' rule and converted the fill value. Strides are in
// elements; columns are contiguous; the kernel is C-contiguous.
//
// Two kernels, the same arithmetic:
// - correlate2d_tiled: one block computes a tile of blockDim.x columns by
//   blockDim.y * RPT rows. The correlation kernel and the boundary-extended
//   input tile with its halo are loaded into shared memory once (a strided
//   loop, so a halo larger than the tile is fine), the boundary rule being
//   applied while loading. Each thread then computes RPT vertically adjacent
//   outputs, so one shared-memory read feeds up to RPT multiply-adds. Blocks
//   loop over row tiles when the grid's y dimension is capped.
// - correlate2d_global: one output per thread straight from global memory,
//   for kernels whose tile does not fit in shared memory.
//
// Compiled at run time by NVRTC through cupy.RawModule with name expressions
// (corr2d/cuda/correlate.py); -DCORR2D_INSTANTIATE emits explicit
// instantiations for every dtype so that nvcc can compile this file alone.
#include "arith.cuh"
#include "boundary.cuh"

template <typename T, typename A, int RPT>
__global__ void correlate2d_tiled(const T *__restrict__ image, long long height, long long width,
                                  long long row_stride, const T *__restrict__ kernel, int kh,
                                  int kw, T fill, T *__restrict__ out, long long out_height,
                                  long long out_width, long long out_row_stride, long long top,
                                  long long left, int boundary)
{
    extern __shared__ __align__(16) unsigned char corr2d_smem[];
    T *s_kernel = reinterpret_cast<T *>(corr2d_smem);
    const int nk = kh * kw;
    // The tile starts at the next 16-byte boundary after the kernel.
    T *s_tile = reinterpret_cast<T *>(corr2d_smem + (nk * sizeof(T) + 15) / 16 * 16);
    const int tile_w = blockDim.x, tile_h = blockDim.y * RPT;
    const int sw = tile_w + kw - 1, sh = tile_h + kh - 1;
    const int nthreads = blockDim.x * blockDim.y;
    const int tid = threadIdx.y * blockDim.x + threadIdx.x;
    const int tx = threadIdx.x, ty = threadIdx.y * RPT;

    for (int idx = tid; idx < nk; idx += nthreads)
        s_kernel[idx] = kernel[idx];

    const long long j0 = (long long)blockIdx.x * tile_w;
    const long long j = j0 + tx;
    const long long row_tiles = (out_height + tile_h - 1) / tile_h;
    for (long long tile = blockIdx.y; tile < row_tiles; tile += gridDim.y) {
        const long long i0 = tile * tile_h;
        __syncthreads(); // the previous tile has been read by every thread
        for (int idx = tid; idx < sh * sw; idx += nthreads) {
            const int r = idx / sw, c = idx - r * sw;
            const long long si = corr2d_ext_index(i0 + r - top, height, boundary);
            const long long sj = corr2d_ext_index(j0 + c - left, width, boundary);
            s_tile[idx] = (si < 0 || sj < 0) ? fill : image[si * row_stride + sj];
        }
        __syncthreads();

        A acc[RPT];
#pragma unroll
        for (int r = 0; r < RPT; r++)
            acc[r] = A();
        for (int q = 0; q < kw; q++) {
            const T *column = s_tile + ty * sw + tx + q;
            // Tile row ty + y feeds output row ty + r through kernel row y - r.
            for (int y = 0; y < kh + RPT - 1; y++) {
                const T v = column[y * sw];
#pragma unroll
                for (int r = 0; r < RPT; r++) {
                    const int p = y - r;
                    if (p >= 0 && p < kh)
                        corr2d_mac(acc[r], v, s_kernel[p * kw + q]);
                }
            }
        }
        if (j < out_width) {
#pragma unroll
            for (int r = 0; r < RPT; r++) {
                const long long i = i0 + ty + r;
                if (i < out_height)
                    out[i * out_row_stride + j] = corr2d_store<T, A>(acc[r]);
            }
        }
    }
}

template <typename T, typename A>
__global__ void correlate2d_global(const T *__restrict__ image, long long height, long long width,
                                   long long row_stride, const T *__restrict__ kernel, int kh,
                                   int kw, T fill, T *__restrict__ out, long long out_height,
                                   long long out_width, long long out_row_stride, long long top,
                                   long long left, int boundary)
{
    const long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= out_width)
        return;
    const long long c = j - left;
    const bool columns_inside = c >= 0 && c + kw <= width;
    for (long long i = (long long)blockIdx.y * blockDim.y + threadIdx.y; i < out_height;
         i += (long long)gridDim.y * blockDim.y) {
        A acc = A();
        for (int p = 0; p < kh; p++) {
            const T *krow = kernel + (long long)p * kw;
            const long long si = corr2d_ext_index(i + p - top, height, boundary);
            if (si < 0) {
                for (int q = 0; q < kw; q++)
                    corr2d_mac(acc, fill, krow[q]);
                continue;
            }
            const T *row = image + si * row_stride;
            if (columns_inside) {
                for (int q = 0; q < kw; q++)
                    corr2d_mac(acc, row[c + q], krow[q]);
            } else {
                for (int q = 0; q < kw; q++) {
                    const long long sj = corr2d_ext_index(c + q, width, boundary);
                    corr2d_mac(acc, sj < 0 ? fill : row[sj], krow[q]);
                }
            }
        }
        out[i * out_row_stride + j] = corr2d_store<T, A>(acc);
    }
}

#ifdef CORR2D_INSTANTIATE
// Rows per thread of the tiled kernel: keep in step with ROWS_PER_THREAD in
// corr2d/cuda/correlate.py.
#define CORR2D_ARGS(T)                                                                       \
    (const T *, long long, long long, long long, const T *, int, int, T, T *, long long,     \
     long long, long long, long long, long long, int)
#define CORR2D_INSTANCE(T, A)                                                                \
    template __global__ void correlate2d_tiled<T, A, 4> CORR2D_ARGS(T);                      \
    template __global__ void correlate2d_global<T, A> CORR2D_ARGS(T);
CORR2D_INSTANCE(float, float)
CORR2D_INSTANCE(double, double)
CORR2D_INSTANCE(corr2d_complex64, corr2d_complex64)
CORR2D_INSTANCE(corr2d_complex128, corr2d_complex128)
CORR2D_INSTANCE(unsigned char, unsigned int)
CORR2D_INSTANCE(unsigned short, unsigned int)
CORR2D_INSTANCE(unsigned int, unsigned int)
CORR2D_INSTANCE(unsigned long long, unsigned long long)
#endif

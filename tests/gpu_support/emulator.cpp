// A CPU emulator for the kernels of src/corr2d/cuda/correlate2d.cu and
// conv2d.cu, so that the CUDA source itself (indexing, tiling, halo loading,
// boundary rule, implicit-GEMM gathers, register blocking, grid-stride
// loops) is tested on machines without a GPU.
//
// Each CUDA thread of a block is a std::thread; __syncthreads() is a
// std::barrier over the block; blocks run one after another, sharing one
// buffer as their shared memory. Before each block that buffer is filled
// with 0xFF bytes (NaN in every float type), so a read of shared memory the
// block has not written shows in the results; after it, the bytes beyond
// the launch's dynamic shared memory size must still be 0xFF, else the
// launch fails with -3 (the block wrote past what it asked for). Built by
// tests/gpu_support/fake_cupy.py with g++ -std=c++20 and called through
// ctypes. Correct results here say the
// algorithm is right; they say nothing of speed, and a real GPU run
// (tests/test_cuda_device.py) is still the final word.
#include <barrier>
#include <string>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x, y, z;
};
static thread_local dim3 threadIdx;
static dim3 blockIdx, blockDim, gridDim;
static std::barrier<> *block_barrier;

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__
#define __align__(n) __attribute__((aligned(n)))
#define __syncthreads() block_barrier->arrive_and_wait()

alignas(16) unsigned char corr2d_smem[64 * 1024];

#include "correlate2d.cu"
#include "conv2d.cu"

static constexpr unsigned char POISON = 0xFF;

// Whether the block wrote shared memory beyond the first `smem` bytes.
static bool wrote_past(size_t smem)
{
    for (size_t i = smem; i < sizeof(corr2d_smem); i++)
        if (corr2d_smem[i] != POISON)
            return true;
    return false;
}

// 0, or -3 when a block wrote past its `smem` bytes of shared memory.
template <class Body>
static int launch(dim3 grid, dim3 block, size_t smem, Body body)
{
    blockDim = block;
    gridDim = grid;
    const unsigned n = block.x * block.y;
    for (unsigned bz = 0; bz < grid.z; bz++)
    for (unsigned by = 0; by < grid.y; by++)
        for (unsigned bx = 0; bx < grid.x; bx++) {
            blockIdx = dim3{bx, by, bz};
            std::memset(corr2d_smem, POISON, sizeof(corr2d_smem));
            std::barrier<> barrier(n);
            block_barrier = &barrier;
            std::vector<std::thread> threads;
            threads.reserve(n);
            for (unsigned ty = 0; ty < block.y; ty++)
                for (unsigned tx = 0; tx < block.x; tx++)
                    threads.emplace_back([=] {
                        threadIdx = dim3{tx, ty, 0};
                        body();
                    });
            for (auto &t : threads)
                t.join();
            if (wrote_past(smem))
                return -3;
        }
    return 0;
}

template <typename T, typename A>
static int run(int variant, unsigned bx, unsigned by, unsigned gx, unsigned gy, size_t smem,
               const void *image,
               long long h, long long w, long long rs, const void *kernel, int kh, int kw,
               const void *fill, void *out, long long oh, long long ow, long long ors,
               long long top, long long left, int boundary)
{
    const T *img = static_cast<const T *>(image), *ker = static_cast<const T *>(kernel);
    const T f = *static_cast<const T *>(fill);
    T *o = static_cast<T *>(out);
    if (variant == 0)
        return launch(dim3{gx, gy, 1}, dim3{bx, by, 1}, smem, [=] {
            correlate2d_tiled<T, A, 4>(img, h, w, rs, ker, kh, kw, f, o, oh, ow, ors, top, left,
                                       boundary);
        });
    return launch(dim3{gx, gy, 1}, dim3{bx, by, 1}, smem, [=] {
        correlate2d_global<T, A>(img, h, w, rs, ker, kh, kw, f, o, oh, ow, ors, top, left,
                                 boundary);
    });
}

// type: the T of correlate2d.cu, spelled as in corr2d.cuda.correlate.CUDA_TYPES.
extern "C" int corr2d_emulate(const char *type, int variant, unsigned bx, unsigned by,
                              unsigned gx, unsigned gy, size_t smem, const void *image,
                              long long h, long long w, long long rs, const void *kernel, int kh,
                              int kw, const void *fill, void *out, long long oh, long long ow,
                              long long ors, long long top, long long left, int boundary)
{
    if (smem > sizeof(corr2d_smem))
        return -1;
    const std::string t(type);
#define CORR2D_CASE(NAME, T, A)                                                              \
    if (t == NAME)                                                                           \
        return run<T, A>(variant, bx, by, gx, gy, smem, image, h, w, rs, kernel, kh, kw, fill, \
                         out, oh, ow, ors, top, left, boundary);
    CORR2D_CASE("float", float, float)
    CORR2D_CASE("double", double, double)
    CORR2D_CASE("corr2d_complex64", corr2d_complex64, corr2d_complex64)
    CORR2D_CASE("corr2d_complex128", corr2d_complex128, corr2d_complex128)
    CORR2D_CASE("unsigned char", unsigned char, unsigned int)
    CORR2D_CASE("unsigned short", unsigned short, unsigned int)
    CORR2D_CASE("unsigned int", unsigned int, unsigned int)
    CORR2D_CASE("unsigned long long", unsigned long long, unsigned long long)
    return -2;
}

template <typename T, int OP>
static int run_conv(unsigned bx, unsigned by, unsigned gx, unsigned gy, unsigned gz,
                    size_t smem, const void *a, const void *b, void *out, const long long *sizes,
                    const int *params, long long k_chunk, int splits)
{
    const T *pa = static_cast<const T *>(a), *pb = static_cast<const T *>(b);
    T *po = static_cast<T *>(out);
    const long long *z = sizes; // n, c_in, h, w, c_out, oh, ow
    const int *p = params;      // kh, kw, sh, sw, ph, pw, dh, dw, groups
    return launch(dim3{gx, gy, gz}, dim3{bx, by, 1}, smem, [=] {
        conv2d_gemm<T, OP>(pa, pb, po, z[0], z[1], z[2], z[3], z[4], z[5], z[6], p[0], p[1], p[2],
                           p[3], p[4], p[5], p[6], p[7], p[8], k_chunk, splits);
    });
}

// type: "float" or "double"; op: the OP of conv2d.cu; sizes: the seven long
// long sizes of conv2d_gemm, params its nine int parameters, in order.
extern "C" int corr2d_conv_emulate(const char *type, int op, unsigned bx, unsigned by,
                                   unsigned gx, unsigned gy, unsigned gz, size_t smem,
                                   const void *a, const void *b, void *out,
                                   const long long *sizes, const int *params, long long k_chunk,
                                   int splits)
{
    if (smem > sizeof(corr2d_smem))
        return -1;
    const std::string t(type);
#define CORR2D_CONV_CASE(NAME, T)                                                            \
    if (t == NAME && op == 0)                                                                \
        return run_conv<T, 0>(bx, by, gx, gy, gz, smem, a, b, out, sizes, params, k_chunk,   \
                              splits);                                                       \
    if (t == NAME && op == 1)                                                                \
        return run_conv<T, 1>(bx, by, gx, gy, gz, smem, a, b, out, sizes, params, k_chunk,   \
                              splits);                                                       \
    if (t == NAME && op == 2)                                                                \
        return run_conv<T, 2>(bx, by, gx, gy, gz, smem, a, b, out, sizes, params, k_chunk,   \
                              splits);
    CORR2D_CONV_CASE("float", float)
    CORR2D_CONV_CASE("double", double)
    return -2;
}

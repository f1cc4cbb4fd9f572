// A CPU emulator for the kernels of src/corr2d/cuda/correlate2d.cu, so that
// the CUDA source itself (indexing, tiling, halo loading, boundary rule,
// register blocking, grid-stride loops) is tested on machines without a GPU.
//
// Each CUDA thread of a block is a std::thread; __syncthreads() is a
// std::barrier over the block; blocks run one after another, sharing one
// buffer as their shared memory. Built by tests/cuda/fake_cupy.py with
// g++ -std=c++20 and called through ctypes. Correct results here say the
// algorithm is right; they say nothing of speed, and a real GPU run
// (tests/test_cuda_device.py) is still the final word.
#include <barrier>
#include <string>
#include <cmath>
#include <cstddef>
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
#define __shared__
#define __align__(n) __attribute__((aligned(n)))
#define __syncthreads() block_barrier->arrive_and_wait()

alignas(16) unsigned char corr2d_smem[64 * 1024];

#include "correlate2d.cu"

template <class Body>
static void launch(dim3 grid, dim3 block, Body body)
{
    blockDim = block;
    gridDim = grid;
    const unsigned n = block.x * block.y;
    for (unsigned by = 0; by < grid.y; by++)
        for (unsigned bx = 0; bx < grid.x; bx++) {
            blockIdx = dim3{bx, by, 0};
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
        }
}

template <typename T, typename A>
static int run(int variant, unsigned bx, unsigned by, unsigned gx, unsigned gy, const void *image,
               long long h, long long w, long long rs, const void *kernel, int kh, int kw,
               const void *fill, void *out, long long oh, long long ow, long long ors,
               long long top, long long left, int boundary)
{
    const T *img = static_cast<const T *>(image), *ker = static_cast<const T *>(kernel);
    const T f = *static_cast<const T *>(fill);
    T *o = static_cast<T *>(out);
    if (variant == 0)
        launch(dim3{gx, gy, 1}, dim3{bx, by, 1}, [=] {
            correlate2d_tiled<T, A, 4>(img, h, w, rs, ker, kh, kw, f, o, oh, ow, ors, top, left,
                                       boundary);
        });
    else
        launch(dim3{gx, gy, 1}, dim3{bx, by, 1}, [=] {
            correlate2d_global<T, A>(img, h, w, rs, ker, kh, kw, f, o, oh, ow, ors, top, left,
                                     boundary);
        });
    return 0;
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
        return run<T, A>(variant, bx, by, gx, gy, image, h, w, rs, kernel, kh, kw, fill, out, \
                         oh, ow, ors, top, left, boundary);
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

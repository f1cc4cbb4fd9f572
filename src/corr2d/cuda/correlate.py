"""correlate2d/convolve2d on the GPU: CuPy arrays through CUDA kernels.

The Python side of ``correlate2d.cu``: it runs the backend-neutral plan of
:mod:`corr2d._signal_plan` (the same checks, dtype policy, 'valid' swap,
fill value rules, kernel flip or conjugation and output window as the CPU
path, made once for both), with one kernel launch where the CPU path makes
one call of the C core.

Notes
-----
Compilation: ``correlate2d.cu`` with the headers it includes, once per
process, device and dtype (:mod:`corr2d.cuda.compile`).

Launch: the tiled kernel computes a tile of 32 columns by 32 rows per block
of 32 x 8 threads (4 rows per thread), with the correlation kernel and the
boundary-extended input tile (halo included) in shared memory. When that
does not fit in 48 KiB of shared memory, a tile of 32 x 8 outputs is tried,
and failing that (very large kernels, complex128) the global-memory kernel
computes one output per thread.

Integers: signed arrays are viewed as the unsigned type of the same width,
whose wrapping arithmetic gives the same bits, as in the C core.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._signal_plan import CorrelatePlan
from .compile import cupy_module, load_kernels

#: Rows per thread of the tiled kernel (the template argument RPT).
ROWS_PER_THREAD = 4
#: Shared memory a block may use without opting in, on every CUDA GPU.
SHARED_MEMORY_BYTES = 48 * 1024
#: Thread-block shapes of the tiled kernel, tried in order.
TILED_BLOCKS = ((32, 8), (32, 2))
GLOBAL_BLOCK = (32, 8)
MAX_GRID_Y = 65535

# (kind, itemsize) of the result dtype -> (pixel type, accumulator type) in
# correlate2d.cu. Signed integers run as their unsigned twins.
CUDA_TYPES = {
    ("f", 4): ("float", "float"),
    ("f", 8): ("double", "double"),
    ("c", 8): ("corr2d_complex64", "corr2d_complex64"),
    ("c", 16): ("corr2d_complex128", "corr2d_complex128"),
    ("u", 1): ("unsigned char", "unsigned int"),
    ("u", 2): ("unsigned short", "unsigned int"),
    ("u", 4): ("unsigned int", "unsigned int"),
    ("u", 8): ("unsigned long long", "unsigned long long"),
}
#: Compiled kernels, by (kind, itemsize, device id).
_modules: dict[tuple, Any] = {}


def kernel_names(cuda_type: str, accumulator: str) -> tuple[str, str]:
    """Name expressions of the tiled and the global kernel for one dtype."""
    return (
        f"correlate2d_tiled<{cuda_type}, {accumulator}, {ROWS_PER_THREAD}>",
        f"correlate2d_global<{cuda_type}, {accumulator}>",
    )


def compiled_kernels(dtype: np.dtype):
    """(tiled, global) RawKernels for `dtype`, compiled once per process and
    device."""
    key = (dtype.kind if dtype.kind != "i" else "u", dtype.itemsize)
    return load_kernels(_modules, key, "correlate2d.cu", kernel_names(*CUDA_TYPES[key]))


def launch_config(kh: int, kw: int, itemsize: int):
    """(tiled?, block, rows per block, dynamic shared memory bytes)."""
    kernel_bytes = (kh * kw * itemsize + 15) // 16 * 16
    for bx, by in TILED_BLOCKS:
        tile_h = by * ROWS_PER_THREAD
        smem = kernel_bytes + (tile_h + kh - 1) * (bx + kw - 1) * itemsize
        if smem <= SHARED_MEMORY_BYTES:
            return True, (bx, by), tile_h, smem
    return False, GLOBAL_BLOCK, GLOBAL_BLOCK[1], 0


def _row_stride(a) -> int | None:
    """Row stride in elements if the kernels can address `a` in place
    (contiguous columns, non-negative whole-element row stride), else None."""
    item = a.itemsize
    if a.shape[1] > 1 and a.strides[1] != item:
        return None
    if a.shape[0] <= 1:
        return a.shape[1]
    if a.strides[0] < 0 or a.strides[0] % item:
        return None
    return a.strides[0] // item


def correlate_gpu(image, kernel, fill: np.ndarray, out, top: int, left: int, boundary: int) -> None:
    """out[i, j] = sum_pq ext(image)[i + p - top, j + q - left] * kernel[p, q].

    The GPU twin of ``corr2d._ccore.correlate``: CuPy arrays of one dtype,
    `image` and `out` with contiguous columns, `kernel` C-contiguous, `fill`
    a one-element NumPy array of that dtype.
    """
    dtype = image.dtype
    if dtype.kind == "i":
        unsigned = np.dtype(f"u{dtype.itemsize}")
        image, kernel, out, fill = (a.view(unsigned) for a in (image, kernel, out, fill))
    tiled, global_kernel = compiled_kernels(dtype)
    (h, w), (kh, kw), (oh, ow) = image.shape, kernel.shape, out.shape
    if max(kh, kw) > np.iinfo(np.int32).max:  # the kernels index taps in 32 bits
        raise ValueError(f"correlate2d: a kernel of shape {(kh, kw)} is past the GPU kernels' "
                         "32-bit range (each axis at most 2**31 - 1); NumPy arrays take it")
    use_tiled, block, rows_per_block, smem = launch_config(kh, kw, dtype.itemsize)
    grid = (-(-ow // block[0]), min(-(-oh // rows_per_block), MAX_GRID_Y))
    i64, i32 = np.int64, np.int32
    args = (
        image, i64(h), i64(w), i64(_row_stride(image)), kernel, i32(kh), i32(kw), fill[0],
        out, i64(oh), i64(ow), i64(_row_stride(out)), i64(top), i64(left),
        i32(boundary),
    )
    if use_tiled:
        tiled(grid, block, args, shared_mem=smem)
    else:
        global_kernel(grid, block, args)


def correlate(plan: CorrelatePlan):
    """Run `plan` (see :mod:`corr2d._signal_plan`) on the GPU of its arrays.

    Runs on the current CUDA stream of the image's device and returns
    without synchronising; ``plan.threads`` has no meaning here.
    """
    cupy = cupy_module()
    with plan.image.device:
        image = plan.image
        if _row_stride(image) is None:
            image = cupy.ascontiguousarray(image)
        kernel = cupy.ascontiguousarray(plan.kernel)
        out = plan.out
        if out is not None and not plan.flip_output:
            stride = _row_stride(out)
            rows_apart = plan.shape[0] <= 1 or (stride is not None and stride >= plan.shape[1])
            if (stride is not None and rows_apart
                    and not any(cupy.may_share_memory(out, a) for a in plan.inputs)):
                correlate_gpu(image, kernel, plan.fill, out, plan.top, plan.left, plan.boundary)
                return out
        result = cupy.empty(plan.shape, plan.image.dtype)
        correlate_gpu(image, kernel, plan.fill, result, plan.top, plan.left, plan.boundary)
        if plan.flip_output:
            result = result[::-1, ::-1]
        if out is not None:
            out[...] = result
            return out
        return result

"""correlate2d/convolve2d on the GPU: CuPy arrays through CUDA kernels.

The Python side of ``correlate2d.cu``: the same argument checks and dtype
policy as the CPU path (the helpers of :mod:`corr2d._driver` and
:mod:`corr2d._dtypes` are reused, not copied), the same 'valid' swap, fill
value rules and output window, then one kernel launch where the CPU path
makes one call of the C core.

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

from .. import _driver
from . import check_one_device, check_same_device_kind, is_cupy_array
from .compile import cupy_module, load_kernels

#: Rows per thread of the tiled kernel (the template argument RPT).
ROWS_PER_THREAD = 4
#: Shared memory a block may use without opting in, on every CUDA GPU.
SHARED_MEMORY_BYTES = 48 * 1024
#: Thread-block shapes of the tiled kernel, tried in order.
TILED_BLOCKS = ((32, 8), (32, 2))
GLOBAL_BLOCK = (32, 8)
MAX_GRID_Y = 65535
#: The codes of boundary.cuh, equal to the C core's (corr2d._ccore.BOUNDARY_CODES).
BOUNDARY_CODES = {"fill": 0, "wrap": 1, "symm": 2}

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


def correlate_gpu(image, kernel, fill: np.ndarray, out, top: int, left: int, boundary: str) -> None:
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
    use_tiled, block, rows_per_block, smem = launch_config(kh, kw, dtype.itemsize)
    grid = (-(-ow // block[0]), min(-(-oh // rows_per_block), MAX_GRID_Y))
    i64, i32 = np.int64, np.int32
    args = (
        image, i64(h), i64(w), i64(_row_stride(image)), kernel, i32(kh), i32(kw), fill[0],
        out, i64(oh), i64(ow), i64(_row_stride(out)), i64(top), i64(left),
        i32(BOUNDARY_CODES[boundary]),
    )
    if use_tiled:
        tiled(grid, block, args, shared_mem=smem)
    else:
        global_kernel(grid, block, args)


def _check_out(out: Any, shape: tuple, dtype: np.dtype, func: str) -> None:
    if not is_cupy_array(out):
        raise TypeError(f"{func}: out must be a cupy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"{func}: out has shape {out.shape}, expected {shape}")
    if out.dtype != dtype:
        raise ValueError(f"{func}: out has dtype {out.dtype}, expected {dtype}")


def correlate_scipy_style(
    in1: Any,
    in2: Any,
    mode: str,
    boundary: str,
    fillvalue: Any,
    threads: int | None,
    out: Any,
    *,
    convolve: bool,
    func: str,
):
    """The GPU body of correlate2d/convolve2d, for CuPy arrays.

    Same checks, in the same order, and the same results as
    :func:`corr2d._driver.correlate_scipy_style`; `threads` is checked and
    ignored. Runs on the current CUDA stream of `in1`'s device and returns
    without synchronising.
    """
    check_same_device_kind(func, in1=in1, in2=in2, out=out)
    cupy = cupy_module()
    dtype, boundary = _driver.check_arguments(in1, in2, mode, boundary, func)
    _driver.check_threads(threads, func)  # no meaning on the GPU, but the same errors
    check_one_device(func, in1=in1, in2=in2, out=out)

    swapped = _driver.valid_swap_needed(mode, in1.shape, in2.shape, func)
    if swapped:
        in1, in2 = in2, in1
    if boundary == "fill":
        fill = _driver.fill_array(fillvalue, dtype, func)
    else:
        fill = np.zeros(1, dtype)  # SciPy ignores fillvalue here

    with in1.device:
        image = in1.astype(dtype, copy=False)
        if _row_stride(image) is None:
            image = cupy.ascontiguousarray(image)
        kernel = in2.astype(dtype, copy=False)
        # Convolution is correlation with the kernel flipped in both axes;
        # correlation conjugates the kernel, as SciPy's does.
        kernel = kernel[::-1, ::-1] if convolve else cupy.conj(kernel)
        kernel = cupy.ascontiguousarray(kernel)

        shape, top, left = _driver.output_window(image.shape, kernel.shape, mode, flipped=convolve)
        # SciPy flips the output of a swapped correlation (and does not conjugate it).
        flip_output = swapped and not convolve
        if out is not None:
            _check_out(out, shape, dtype, func)
            stride = _row_stride(out)
            rows_apart = shape[0] <= 1 or (stride is not None and stride >= shape[1])
            if (
                not flip_output
                and stride is not None
                and rows_apart
                and not any(cupy.may_share_memory(out, a) for a in (in1, in2))
            ):
                correlate_gpu(image, kernel, fill, out, top, left, boundary)
                return out
        result = cupy.empty(shape, dtype)
        correlate_gpu(image, kernel, fill, result, top, left, boundary)
        if flip_output:
            result = result[::-1, ::-1]
        if out is not None:
            out[...] = result
            return out
        return result

"""conv2d, its gradients and conv_transpose2d on the GPU: CuPy arrays through
the implicit-GEMM kernel of ``conv2d.cu``.

The Python side of ``conv2d.cu``. The argument checks, the dtype policy and
the non-'zeros' padding are made once for every backend by
:mod:`corr2d._conv_plan` (on CuPy arrays it pads with ``cupy.pad``); this
module only runs the plans: it allocates the outputs and launches the
kernels:

- ``conv2d``: one launch of ``conv2d_gemm<T, 0>`` (weight x im2col(input)),
  then the bias added by CuPy;
- ``conv2d_input``: ``conv2d_gemm<T, 1>`` (weight^T x col(grad_output));
- ``conv2d_weight``: ``conv2d_gemm<T, 2>`` (grad_output x im2col(input)^T),
  the N*H_out*W_out reduction split into chunks when the weight alone would
  give too few blocks, the partial sums added by CuPy (deterministic);
- ``conv_transpose2d``: ``conv2d_gemm<T, 1>`` with `input` as the gradient
  of a conv2d output and `weight` as that conv2d's weight, then the bias.

Compilation: ``conv2d.cu`` with the headers it includes, once per process,
device and dtype (:mod:`corr2d.cuda.compile`).
Calls run on the current CUDA stream and return without synchronising.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._conv_plan import ConvPlan, GradInputPlan, GradWeightPlan
from .compile import cupy_module, load_kernels

#: The operations of conv2d.cu (its OP template argument).
FORWARD, GRAD_INPUT, GRAD_WEIGHT = 0, 1, 2
#: Tile sizes and thread block of conv2d.cu (keep in step with its #defines).
TILE_M, TILE_N, TILE_K = 64, 64, 16
BLOCK = (16, 16)
#: Grid limits (the kernel loops over tiles beyond them).
MAX_GRID = (2**31 - 1, 65535, 65535)
#: conv2d_weight splits its reduction until about this many blocks run...
TARGET_BLOCKS = 1024
#: ...but gives each chunk at least this many terms of the reduction.
MIN_K_CHUNK = 256
CUDA_TYPES = {4: "float", 8: "double"}

#: Compiled kernels, by (itemsize, device id).
_modules: dict[tuple, Any] = {}


def kernel_names(cuda_type: str) -> tuple[str, str, str]:
    """Name expressions of the forward, grad-input and grad-weight kernels."""
    return tuple(f"conv2d_gemm<{cuda_type}, {op}>" for op in (FORWARD, GRAD_INPUT, GRAD_WEIGHT))


def compiled_kernels(dtype: np.dtype):
    """(forward, grad_input, grad_weight) RawKernels for float32 or float64,
    compiled once per process and device."""
    return load_kernels(_modules, (dtype.itemsize,), "conv2d.cu",
                        kernel_names(CUDA_TYPES[dtype.itemsize]))


def gemm_sizes(op: int, x_shape: tuple, w_shape: tuple, y_shape: tuple, groups: int):
    """(M, columns, K) of one group's GEMM (see conv2d.cu)."""
    n, c_in, h, w = x_shape
    c_out, cg, kh, kw = w_shape
    mg = c_out // groups
    if op == FORWARD:
        return mg, n * y_shape[2] * y_shape[3], cg * kh * kw
    if op == GRAD_INPUT:
        return cg, n * h * w, mg * kh * kw
    return mg, cg * kh * kw, n * y_shape[2] * y_shape[3]


def k_splits(tiles: int, k: int) -> tuple[int, int]:
    """(splits, chunk) of a reduction of length `k` over `tiles` tiles: enough
    chunks for about TARGET_BLOCKS blocks, each at least MIN_K_CHUNK long and
    a multiple of TILE_K."""
    splits = max(1, min(-(-TARGET_BLOCKS // max(tiles, 1)), k // MIN_K_CHUNK))
    chunk = -(-(-(-k // splits)) // TILE_K) * TILE_K
    return -(-k // chunk), chunk


_OP_NAMES = {FORWARD: "conv2d", GRAD_INPUT: "conv2d_input (or conv_transpose2d)",
             GRAD_WEIGHT: "conv2d_weight"}


def _check_int32(op: int, **values: tuple) -> None:
    """The kernels take these as 32-bit ints (the CPU core, 64-bit):
    ``ValueError`` naming the one past 2**31 - 1."""
    for name, pair in values.items():
        if max(pair) > np.iinfo(np.int32).max:
            raise ValueError(f"{_OP_NAMES[op]}: {name} {pair} is past the GPU kernels' 32-bit "
                             "range (at most 2**31 - 1); NumPy arrays take it")


def conv_gemm(op: int, a, b, x_shape: tuple, w_shape: tuple, y_shape: tuple, geometry: tuple):
    """The result of `op` (y, dx or dw, of shape y_shape, x_shape or w_shape)
    from the C-contiguous CuPy arrays `a` and `b` (see conv2d.cu)."""
    cupy = cupy_module()
    dtype = a.dtype
    stride, (top, left), dilation, groups = geometry
    out_shape = {FORWARD: y_shape, GRAD_INPUT: x_shape, GRAD_WEIGHT: w_shape}[op]
    m, columns, k = gemm_sizes(op, x_shape, w_shape, y_shape, groups)
    if int(np.prod(out_shape)) == 0 or k == 0:
        return cupy.zeros(out_shape, dtype)
    tiles = -(-m // TILE_M) * -(-columns // TILE_N)
    splits, chunk = k_splits(tiles * groups, k) if op == GRAD_WEIGHT else (1, k)
    if op == GRAD_WEIGHT:
        out = cupy.empty((splits,) + tuple(w_shape), dtype)
    else:
        out = cupy.empty(out_shape, dtype)
    grid = (
        min(-(-columns // TILE_N), MAX_GRID[0]),
        min(-(-m // TILE_M), MAX_GRID[1]),
        min(groups * splits, MAX_GRID[2]),
    )
    i64, i32 = np.int64, np.int32
    n, c_in, h, w = x_shape
    c_out, _, kh, kw = w_shape
    _check_int32(op, stride=stride, padding=(top, left), dilation=dilation,
                 kernel_size=(kh, kw), groups=(groups,))
    args = (
        a, b, out, i64(n), i64(c_in), i64(h), i64(w), i64(c_out), i64(y_shape[2]),
        i64(y_shape[3]), i32(kh), i32(kw), i32(stride[0]), i32(stride[1]), i32(top),
        i32(left), i32(dilation[0]), i32(dilation[1]), i32(groups), i64(chunk), i32(splits),
    )
    smem = TILE_K * (TILE_M + TILE_N) * dtype.itemsize
    compiled_kernels(dtype)[op](grid, BLOCK, args, shared_mem=smem)
    if op == GRAD_WEIGHT:
        return out[0] if splits == 1 else out.sum(axis=0)
    return out


def context(array):
    """Plans are built on the device of the call's first array."""
    return array.device


def conv2d(plan: ConvPlan):
    """The GPU body of :func:`corr2d.conv2d`."""
    x, w, b, batched, geometry, y_shape = plan
    out = conv_gemm(FORWARD, w, x, x.shape, w.shape, y_shape, geometry)
    if b is not None:
        out += b[:, None, None]
    return out if batched else out[0]


def conv2d_input(plan: GradInputPlan):
    """The GPU body of :func:`corr2d.conv2d_input`."""
    w, gy, batched, x_shape, geometry = plan
    gx = conv_gemm(GRAD_INPUT, w, gy, x_shape, w.shape, gy.shape, geometry)
    return gx if batched else gx[0]


def conv2d_weight(plan: GradWeightPlan):
    """The GPU body of :func:`corr2d.conv2d_weight`."""
    x, gy, w_shape, geometry = plan
    return conv_gemm(GRAD_WEIGHT, gy, x, x.shape, w_shape, gy.shape, geometry)


def conv_transpose2d(plan: ConvPlan):
    """The GPU body of :func:`corr2d.conv_transpose2d`: the input gradient of
    the conv2d whose output has the input's shape."""
    x, w, b, batched, geometry, out_shape = plan
    out = conv_gemm(GRAD_INPUT, w, x, out_shape, w.shape, x.shape, geometry)
    if b is not None:
        out += b[:, None, None]
    return out if batched else out[0]

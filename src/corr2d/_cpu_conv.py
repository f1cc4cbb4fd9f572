"""The CPU backend of the deep-learning API: plans (corr2d._conv_plan) run
on the C core and SciPy's BLAS.

Each (image, group) is lowered to matrix products, im2col/col2im in the
OpenMP C core and GEMM in SciPy's BLAS, without the GIL. Large calls run
whole (image, group) items on OpenMP threads with BLAS limited to one thread
(threadpoolctl sets the limit; the count comes from the core's one thread
policy). The im2col workspace is chunked by output rows to at most
:data:`WORKSPACE_BYTES` (32 MiB), or one output row of the column matrix,
``C_in/groups * kH * kW * W_out`` elements, if that is larger. A 1x1,
stride-1, unpadded convolution is a plain matrix product (no workspace), a
depthwise convolution (``groups == C_in``, single-channel ``C_in = C_out =
1`` included; with several outputs per input channel only at stride 1 and
dilation 1) runs direct loops, forward and both gradients (workspace: one
padded input plane and one output plane per thread, at most 2**21
elements; larger planes take im2col, or at stride 1 the forward loop in
place), or, at stride 1 and dilation 1 for large kernels where the cost
model says so, the FFT method of correlate2d plane by plane (its workspace: one kernel
spectrum and a pair of tiles per thread), and a 3x3, stride-1, dilation-1
convolution whose groups have at least :data:`WINOGRAD_MIN_CHANNELS` input
and output channels runs Winograd F(2x2, 3x3).
"""
from __future__ import annotations

import math
from contextlib import nullcontext
from typing import Any, ContextManager

import numpy as np

from . import _ccore
from ._blas import ONE_THREAD_BLAS
from ._conv_plan import ConvPlan, GradInputPlan, GradWeightPlan
from ._cpu_fft import correlate_fft
from ._methods import direct_seconds, fft_seconds
from ._signal_plan import CorrelatePlan, zero_fill
from ._tables import BOUNDARY_CODES


#: Upper bound of the im2col workspace of one call, in bytes (see the module
#: docstring for the one exception: a single output row that is larger).
WORKSPACE_BYTES = 32 * 2**20


def _workspace(dtype: np.dtype, kdim: int, out_h: int, out_w: int,
               threads: int = 1) -> np.ndarray:
    """`threads` equal slices, together at most WORKSPACE_BYTES (or one
    output row of the column matrix per thread, if larger)."""
    per_thread = WORKSPACE_BYTES // dtype.itemsize // threads
    size = _ccore.workspace_size(kdim, out_h, out_w, per_thread)
    return np.empty(size * threads, dtype)




def _item_threads(items: int, work: float) -> tuple[int, ContextManager]:
    """OpenMP threads over (image, group) items, and the BLAS limit to hold.

    BLAS's own thread pool and OpenMP's, taking turns on the same cores,
    each spin while the other works (measured up to 5x slower on a loaded
    2-core machine). So a large call runs whole images on OpenMP threads
    with one-thread BLAS (threadpoolctl sets that limit). The count comes
    from the core's one thread policy (:func:`corr2d._ccore.plan_threads`:
    the work threshold, the processor cap, the fork guard).
    """
    threads = min(_ccore.plan_threads(0, work), items)
    if threads <= 1:
        return 1, nullcontext()
    return threads, ONE_THREAD_BLAS


#: Winograd F(2x2, 3x3) runs a 3x3, stride-1, dilation-1 convolution whose
#: groups have at least this many input and output channels (below it, the
#: transforms cost more than the 2.25x fewer multiplications save).
WINOGRAD_MIN_CHANNELS = 16

# Winograd items are chunks of about this many 2x2 output tiles (the GEMMs'
# N dimension): large enough for BLAS, small enough that a chunk's
# transformed input and output stay near the cache.
_WINOGRAD_CHUNK_TILES = 256

# Below this many tiles per item, a threaded Winograd call runs phased (see
# _winograd_into). Measured interleaved, 15 rounds: 512 channels @7 (32
# tiles per item) 1.35x faster phased; 256 @14 (98 tiles) 0.95x.
_WINOGRAD_PHASED_BELOW_TILES = 64


def _use_winograd(kernel: tuple[int, int], stride: tuple[int, int],
                  dilation: tuple[int, int], c_in_group: int, c_out_group: int,
                  data: np.ndarray, weight: np.ndarray) -> bool:
    return (kernel == (3, 3) and stride == (1, 1) and dilation == (1, 1)
            and min(c_in_group, c_out_group) >= WINOGRAD_MIN_CHANNELS
            and _winograd_stays_finite(data, weight, c_in_group))


def _winograd_stays_finite(data: np.ndarray, weight: np.ndarray, c_in_group: int) -> bool:
    """Whether every sum of Winograd's transforms and products stays finite
    (and so exact to rounding): finite samples, and 81 x C x max|data| x
    max|weight| within the dtype (the input transform adds up to 4 samples,
    the weight's weighs 9 taps by up to 2.25, the output's adds 9 sums of C
    products). Else im2col runs: an infinity made inf - inf = NaN where the
    direct sum is +-inf, a NaN spread over its whole 2x2 tile, and 3e38
    float32 samples overflowed. Knowing it takes a max and a min of each
    array (0.25 ms beside 12.6 ms for a 64-channel 56x56 float32 layer)."""
    largest = []
    for a in (data, weight):
        if a.size == 0:
            return True
        hi, lo = float(a.max()), float(a.min())
        if not (math.isfinite(hi) and math.isfinite(lo)):
            return False
        largest.append(max(hi, -lo))
    return 81.0 * c_in_group * largest[0] * largest[1] <= float(np.finfo(data.dtype).max)


def _winograd_into(out: np.ndarray, x: np.ndarray, w: np.ndarray, pad: tuple[int, int],
                   groups: int) -> None:
    """out = conv2d(x, w) (3x3, stride 1, dilation 1, zero padding pad =
    (top, left); the bottom/right padding follows from out's shape) by
    Winograd F(2x2, 3x3). Workspace: per thread, the transformed input and
    output of one chunk of 2x2 tiles (16 * (C_in + C_out) / groups elements
    per tile), at most WORKSPACE_BYTES in all or one tile row if larger."""
    n, c_in = x.shape[:2]
    c_out, cig = w.shape[:2]
    cog = c_out // groups
    oh, ow = out.shape[2:]
    tiles_w = (ow + 1) // 2
    tile_rows = n * ((oh + 1) // 2)
    macs = float(out.size) * cig * 9
    threads, blas_limit = _item_threads(tile_rows * groups, macs)
    per_row = 16 * (cig + cog) * tiles_w
    budget = WORKSPACE_BYTES // out.dtype.itemsize // threads
    chunk_rows = max(1, min(-(-_WINOGRAD_CHUNK_TILES // tiles_w), budget // per_row))
    # Enough items to keep every thread busy.
    chunk_rows = max(1, min(chunk_rows, -(-tile_rows * groups // (4 * threads))))
    # Small planes with many channels (ResNet's 7x7 and 14x14 stages) leave
    # too few tiles per item for a thread each: every item would stream
    # the whole transformed weight for a thin product. Those run item by
    # item instead, the transforms split by channels, the GEMMs on BLAS's
    # threads.
    phased = threads > 1 and chunk_rows * tiles_w < _WINOGRAD_PHASED_BELOW_TILES
    u = np.empty((16, c_out * cig), out.dtype)
    _ccore.winograd_weight(w, u)
    if phased:
        chunk_rows = max(1, min(tile_rows, WORKSPACE_BYTES // out.dtype.itemsize // per_row))
        ws = np.empty(_ccore.winograd_workspace_size(cig, cog, tiles_w, chunk_rows)
                      + (threads - 1) * _ccore.winograd_scratch_size(tiles_w), out.dtype)
        _ccore.winograd_forward(x, u, out, ws, pad, groups, chunk_rows, threads, True)
        return
    ws = np.empty(threads * _ccore.winograd_workspace_size(cig, cog, tiles_w, chunk_rows),
                  out.dtype)
    with blas_limit:
        _ccore.winograd_forward(x, u, out, ws, pad, groups, chunk_rows, threads)


def _is_depthwise(c_in: int, c_out: int, groups: int, stride: tuple[int, int],
                  dilation: tuple[int, int]) -> bool:
    """Whether the direct depthwise loops run this convolution: one input
    channel per group, and one output channel per group too unless the
    stride and dilation are 1 (a strided single-input-channel layer with
    many outputs, a grey-image stem, is one good matrix product)."""
    unit = stride == (1, 1) and dilation == (1, 1)
    return groups == c_in and (c_out == c_in or unit)


def _runs_depthwise(x_shape: tuple, w_shape: tuple, y_shape: tuple, groups: int,
                    stride: tuple[int, int], pad: tuple[int, int],
                    dilation: tuple[int, int], in_place: bool = False) -> bool:
    """Whether the direct depthwise loops run this pass (`x_shape` the
    input's, `y_shape` the output's): a depthwise layer (:func:`_is_depthwise`)
    whose per-thread scratch (a zero-padded copy of one input plane and one
    output plane) stays within the core's bound, 2**21 elements. With
    `in_place` (a forward pass), stride 1 and dilation 1 run at any size:
    the core then reads large planes in place. The rest take im2col, whose
    workspace is chunked."""
    if not _is_depthwise(x_shape[1], w_shape[0], groups, stride, dilation):
        return False
    if in_place and stride == (1, 1) and dilation == (1, 1):
        return True
    return (_ccore.depthwise_scratch(tuple(x_shape), tuple(w_shape), tuple(y_shape),
                                     stride, pad, dilation)
            <= _ccore.DEPTHWISE_SCRATCH_MAX)


def _depthwise_fft_pays(out: np.ndarray, w: np.ndarray, stride: tuple[int, int],
                        dilation: tuple[int, int]) -> bool:
    """At stride 1 and dilation 1, whether the cost model (corr2d._methods)
    says correlate2d's FFT method beats a direct loop (large kernels)."""
    if stride != (1, 1) or dilation != (1, 1):
        return False
    plane, kernel_shape = out.shape[2:], w.shape[2:]
    return fft_seconds(plane, kernel_shape, out.dtype) < direct_seconds(plane, kernel_shape,
                                                                       out.dtype)


def _depthwise_into(x: np.ndarray, w: np.ndarray, out: np.ndarray, stride: tuple[int, int],
                    pad: tuple[int, int], dilation: tuple[int, int]) -> None:
    """out[n, o] = the zero-padded convolution of x[n, o // m] with w[o, 0]
    (m output channels per input channel): the C core's direct loops, or per
    plane the FFT method of correlate2d where :func:`_depthwise_fft_pays`."""
    if not _depthwise_fft_pays(out, w, stride, dilation):
        _ccore.depthwise(x, w, out, stride, pad, dilation, 0)
        return
    top, left = pad
    plane = out.shape[2:]
    per_input = w.shape[0] // x.shape[1]
    zero, fill = zero_fill(x.dtype), BOUNDARY_CODES["fill"]
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            image = x[n, o // per_input]
            plan = CorrelatePlan(image, w[o, 0], zero, plane, top, left, fill, False, 0, None,
                                 (image,), "fft")
            correlate_fft(plan, image, out[n, o])


def _grad_input_into(gx: np.ndarray, w: np.ndarray, gy: np.ndarray, stride: tuple,
                     pad: tuple, dilation: tuple, groups: int) -> None:
    """gx (zeroed) += d conv2d / d input, contracted with gy."""
    c_in = gx.shape[1]
    c_out, w_in, kh, kw = w.shape
    if gx.size == 0 or gy.size == 0 or w.size == 0:
        return
    pad_t, pad_l = kh - 1 - pad[0], kw - 1 - pad[1]
    if (stride == (1, 1) and dilation == (1, 1) and c_out == c_in and min(pad_t, pad_l) >= 0
            and _is_depthwise(c_in, c_out, groups, stride, dilation)):
        # A full correlation of grad_output with the flipped kernel: the
        # forward loop gathers into registers, faster than scattering (2x on
        # 7x7 planes), and reads large planes in place; gx is zero, so
        # writing it is adding.
        flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1])
        _depthwise_into(gy, flipped, gx, (1, 1), (pad_t, pad_l), (1, 1))
        return
    if _runs_depthwise(gx.shape, w.shape, gy.shape, groups, stride, pad, dilation):
        _ccore.depthwise_grad_input(gy, w, gx, stride, pad, dilation, 0)
        return
    if (pad_t >= 0 and pad_l >= 0
            and _use_winograd((kh, kw), stride, dilation, c_out // groups, w_in, gy, w)):
        # The convolution of grad_output with the flipped, transposed kernel
        # (C_in, C_out/groups, 3, 3), padded kernel-1-pad; gx is zero, so
        # writing it equals adding into it.
        wt = w.reshape(groups, c_out // groups, w_in, kh, kw).transpose(0, 2, 1, 3, 4)
        wt = np.ascontiguousarray(wt[..., ::-1, ::-1]).reshape(c_in, c_out // groups, kh, kw)
        _winograd_into(gx, gy, wt, (pad_t, pad_l), groups)
        return
    kdim = w_in * kh * kw
    threads, blas_limit = _item_threads(gx.shape[0] * groups, float(gy.size) * kdim)
    ws = _workspace(gx.dtype, kdim, gy.shape[2], gy.shape[3], threads)
    with blas_limit:
        _ccore.grad_input(gy, w, gx, ws, stride, pad, dilation, groups, threads)


def context(array: Any) -> ContextManager:
    """Where the plan is built: nothing to enter on the host."""
    return nullcontext()


def conv2d(plan: ConvPlan) -> np.ndarray:
    x, w, b, batched, geometry, out_shape = plan
    stride, (top, left), dilation, groups = geometry
    w_in, kh, kw = w.shape[1:]
    oh, ow = out_shape[2:]
    out = np.empty(out_shape, x.dtype)
    if out.size and w.size:
        if _runs_depthwise(x.shape, w.shape, out.shape, groups, stride, (top, left), dilation,
                           in_place=True):
            _depthwise_into(x, w, out, stride, (top, left), dilation)
        elif _use_winograd((kh, kw), stride, dilation, w_in, w.shape[0] // groups, x, w):
            _winograd_into(out, x, w, (top, left), groups)
        else:
            kdim = w_in * kh * kw
            threads, blas_limit = _item_threads(x.shape[0] * groups, float(out.size) * kdim)
            ws = _workspace(x.dtype, kdim, oh, ow, threads)
            with blas_limit:
                _ccore.forward(x, w, out, ws, stride, (top, left), dilation, groups, threads)
    elif out.size:
        out.fill(0)
    if b is not None:
        out += b[:, None, None]
    return out if batched else out[0]


def conv2d_input(plan: GradInputPlan) -> np.ndarray:
    w, gy, batched, x_shape, (stride, pad, dilation, groups) = plan
    gx = np.zeros(x_shape, w.dtype)
    _grad_input_into(gx, w, gy, stride, pad, dilation, groups)
    return gx if batched else gx[0]


def conv2d_weight(plan: GradWeightPlan) -> np.ndarray:
    x, gy, w_shape, (stride, pad, dilation, groups) = plan
    dtype = x.dtype
    if not (np.prod(w_shape) and gy.size):
        return np.zeros(w_shape, dtype)
    if _runs_depthwise(x.shape, w_shape, gy.shape, groups, stride, pad, dilation):
        return _ccore.depthwise_grad_weight(x, gy, np.empty(w_shape, dtype), stride, pad,
                                            dilation, 0)
    kdim = w_shape[1] * w_shape[2] * w_shape[3]
    threads, blas_limit = _item_threads(x.shape[0] * groups, float(gy.size) * kdim)
    ws = _workspace(dtype, kdim, gy.shape[2], gy.shape[3], threads)
    if threads == 1:
        gw = np.zeros(w_shape, dtype)
        _ccore.grad_weight(x, gy, gw, ws, stride, pad, dilation, groups, 1)
        return gw
    # One partial sum per thread (each over the same images in every call),
    # added up here: the result may differ from a one-thread call by the
    # rounding of that final sum, never from an equal call.
    partial = np.zeros((threads,) + w_shape, dtype)
    with blas_limit:
        _ccore.grad_weight(x, gy, partial, ws, stride, pad, dilation, groups, threads)
    return partial.sum(axis=0)


def conv_transpose2d(plan: ConvPlan) -> np.ndarray:
    x, w, b, batched, (stride, pad, dilation, groups), out_shape = plan
    out = np.zeros(out_shape, x.dtype)
    _grad_input_into(out, w, x, stride, pad, dilation, groups)
    if b is not None:
        out += b[:, None, None]
    return out if batched else out[0]

"""Deep-learning convolution for NumPy: ``torch.nn.functional``-style
``conv2d`` and ``conv_transpose2d``, and the gradients of ``conv2d`` with
``torch.nn.grad``'s names.

Like every deep-learning framework, "convolution" here is a
cross-correlation: the kernel is not flipped.

How it runs: this module checks arguments, applies the dtype policy, pads
for the non-zero padding modes and allocates outputs; :mod:`corr2d._conv`
then lowers each (image, group) to matrix products, im2col/col2im in the
OpenMP C core and GEMM in SciPy's BLAS, without the GIL. Large calls run
whole (image, group) items on OpenMP threads with BLAS limited to one thread
(through threadpoolctl, when it is installed; otherwise BLAS threads). The im2col
workspace is chunked by output rows to at most :data:`WORKSPACE_BYTES`
(32 MiB), or one output row of the column matrix,
``C_in/groups * kH * kW * W_out`` elements, if that is larger. A 1x1,
stride-1, unpadded convolution is a plain matrix product (no workspace), and
a depthwise convolution (``groups == C_in``, one input channel per group)
with stride 1 and dilation 1 runs a direct loop (no workspace). A 3x3,
stride-1, dilation-1 convolution whose groups have at least
:data:`WINOGRAD_MIN_CHANNELS` (16) input and output channels runs Winograd
F(2x2, 3x3) (forward, and the input gradient when padding <= 2): input and
output transforms in C, 16 GEMMs per chunk of 2x2 output tiles in BLAS,
2.25x fewer multiplications; its workspace (the transformed input and output
of a chunk) has the same bound. Its rounding error is a small multiple of the
direct path's (tested against gamma_k times the transforms' absolute-value
bound, k = C_in/groups + 11).

GPU: when the arrays are CuPy arrays, each public function runs on the GPU
(:mod:`corr2d.cuda.conv`, an implicit-GEMM CUDA kernel) and returns CuPy
arrays, after the same checks (the ``*_arguments`` helpers below serve both
paths) and with the same dtypes and errors; a mix of CuPy and NumPy arrays
is a ``TypeError`` naming the arguments.

Dtype policy (:func:`conv_dtype`): float32 stays float32, float64 stays
float64; a non-native byte order is converted to native (a copy). Any other
dtype is a ``TypeError`` naming the argument, and so is a mix of float32 and
float64.
"""
from __future__ import annotations

import numbers
import threading
from contextlib import nullcontext
from typing import Any, ContextManager, Sequence, Union

import numpy as np

from . import _ccore, cuda

__all__ = ["conv2d", "conv2d_input", "conv2d_weight", "conv_transpose2d"]

#: Upper bound of the im2col workspace of one call, in bytes (see the module
#: docstring for the one exception: a single output row that is larger).
WORKSPACE_BYTES = 32 * 2**20

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}

IntPair = Union[int, Sequence[int]]


# --------------------------------------------------------------------------
# Argument checks and the dtype policy
# --------------------------------------------------------------------------
def conv_dtype(func: str, **arrays: Any) -> tuple[np.dtype, dict[str, np.ndarray]]:
    """The one dtype policy of the deep-learning API.

    Every array given (``None`` skipped) must be float32, or every one
    float64; the result is that dtype in native byte order and the arrays as
    C-contiguous native arrays of it (CuPy arrays stay CuPy arrays: the GPU
    path applies the same policy).
    """
    xp = cuda.array_module(*arrays.values())
    out: dict[str, np.ndarray] = {}
    dtype = None
    first = None
    for name, value in arrays.items():
        if value is None:
            continue
        a = np.asarray(value) if xp is np else value
        if a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8):
            raise TypeError(
                f"{func}: {name} has dtype {a.dtype}; only float32 and float64 are "
                "supported (cast it with .astype(np.float32) or .astype(np.float64))"
            )
        native = a.dtype.newbyteorder("=")
        if dtype is None:
            dtype, first = native, name
        elif native != dtype:
            raise TypeError(
                f"{func}: {name} is {native} but {first} is {dtype}; "
                "mixed dtypes are not supported, cast one of them"
            )
        a = xp.ascontiguousarray(a, dtype=native)
        if xp is np and not a.flags.aligned:  # e.g. a view into a byte buffer at an odd offset
            a = a.copy()
        out[name] = a
    assert dtype is not None
    return dtype, out


def _int(value: Any, name: str, func: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an int, got {value!r}")
    return int(value)


def _pair(value: Any, name: str, func: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each at least `minimum`, as a pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{func}: {name} must be an int or a pair, got {value!r}")
        pair = (_int(value[0], name, func), _int(value[1], name, func))
    else:
        v = _int(value, name, func)
        pair = (v, v)
    if min(pair) < minimum:
        why = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{func}: {name} must be {why}, got {value!r}")
    return pair


def _groups(groups: Any, c_in: int, c_out: int, w_in: int, func: str,
            in_name: str = "input", out_name: str = "weight.shape[0]") -> int:
    groups = _int(groups, "groups", func)
    if groups < 1:
        raise ValueError(f"{func}: groups must be positive, got {groups}")
    if c_in % groups:
        raise ValueError(
            f"{func}: {in_name} channels ({c_in}) are not divisible by groups ({groups})"
        )
    if c_out % groups:
        raise ValueError(
            f"{func}: {out_name} ({c_out}) is not divisible by groups ({groups})"
        )
    if w_in * groups != c_in:
        raise ValueError(
            f"{func}: weight expects {w_in} * groups = {w_in * groups} input channels, "
            f"but {in_name} has {c_in}"
        )
    return groups


def _padding(padding: Any, stride: tuple[int, int], dilation: tuple[int, int],
             kernel: tuple[int, int], func: str) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for an int, a pair, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{func}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            pads = []
            for d, k in zip(dilation, kernel):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
            return (pads[0], pads[1], pads[2], pads[3])
        raise ValueError(f"{func}: padding must be an int, a pair, 'valid' or 'same', "
                         f"got {padding!r}")
    ph, pw = _pair(padding, "padding", func, 0)
    return (ph, ph, pw, pw)


def _out_size(size: int, pad: int, dilation: int, k: int, stride: int,
              what: str, func: str) -> int:
    extent = dilation * (k - 1) + 1
    if extent > size + pad:
        raise ValueError(
            f"{func}: the kernel's {what} extent dilation*(k-1)+1 = {extent} is larger "
            f"than the padded input's {what} ({size + pad})"
        )
    return (size + pad - extent) // stride + 1


def _batched(a: np.ndarray, name: str, func: str) -> tuple[np.ndarray, bool]:
    if a.ndim == 4:
        return a, True
    if a.ndim == 3:
        return a[None], False
    raise ValueError(f"{func}: {name} must be 4-D (N, C, H, W) or 3-D (C, H, W), "
                     f"got shape {a.shape}")


def _check_weight(w: np.ndarray, func: str, name: str = "weight") -> None:
    if w.ndim != 4:
        raise ValueError(f"{func}: {name} must be 4-D, got shape {w.shape}")
    if 0 in w.shape[2:]:
        raise ValueError(f"{func}: {name} has a zero-size kernel dimension (shape "
                         f"{tuple(w.shape)}); kH and kW must be at least 1")


def _check_bias(b: np.ndarray | None, channels: int, func: str) -> None:
    if b is not None and b.shape != (channels,):
        raise ValueError(f"{func}: bias must have shape ({channels},), got {b.shape}")


def _workspace(dtype: np.dtype, kdim: int, out_h: int, out_w: int,
               threads: int = 1) -> np.ndarray:
    """`threads` equal slices, together at most WORKSPACE_BYTES (or one
    output row of the column matrix per thread, if larger)."""
    per_thread = WORKSPACE_BYTES // dtype.itemsize // threads
    size = _ccore.workspace_size(kdim, out_h, out_w, per_thread)
    return np.empty(size * threads, dtype)


class _OneThreadBlas:
    """Limits BLAS to one thread while any call runs images on OpenMP
    threads; restores it when the last such call ends (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._controller = None
        self._limiter = None

    def __enter__(self) -> None:
        with self._lock:
            if self._count == 0:
                if self._controller is None:
                    # A run-time dependency, imported on first use: building
                    # the controller inspects every loaded library.
                    from threadpoolctl import ThreadpoolController

                    self._controller = ThreadpoolController()
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._count += 1

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self._count -= 1
            if self._count == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


_ONE_THREAD_BLAS = _OneThreadBlas()


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
    return threads, _ONE_THREAD_BLAS


#: Winograd F(2x2, 3x3) runs a 3x3, stride-1, dilation-1 convolution whose
#: groups have at least this many input and output channels (below it, the
#: transforms cost more than the 2.25x fewer multiplications save).
WINOGRAD_MIN_CHANNELS = 16

# Winograd items are chunks of about this many 2x2 output tiles (the GEMMs'
# N dimension): large enough for BLAS, small enough that a chunk's
# transformed input and output stay near the cache.
_WINOGRAD_CHUNK_TILES = 256


def _use_winograd(kernel: tuple[int, int], stride: tuple[int, int],
                  dilation: tuple[int, int], c_in_group: int, c_out_group: int) -> bool:
    return (kernel == (3, 3) and stride == (1, 1) and dilation == (1, 1)
            and min(c_in_group, c_out_group) >= WINOGRAD_MIN_CHANNELS)


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
    u = np.empty((16, c_out * cig), out.dtype)
    _ccore.winograd_weight(w, u)
    ws = np.empty(threads * _ccore.winograd_workspace_size(cig, cog, tiles_w, chunk_rows),
                  out.dtype)
    with blas_limit:
        _ccore.winograd_forward(x, u, out, ws, pad, groups, chunk_rows, threads)


def _is_depthwise(c_in: int, groups: int, stride: tuple[int, int],
                  dilation: tuple[int, int]) -> bool:
    return groups == c_in and stride == (1, 1) and dilation == (1, 1)


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------
def conv2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """2-D convolution of a batch of multi-channel images, as
    ``torch.nn.functional.conv2d`` (plus ``nn.Conv2d``'s ``padding_mode``).

    Like every deep-learning framework, this is a **cross-correlation**: the
    kernel is not flipped,
    ``out[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] *
    xpad[n, g*C_in/groups + c, i*sh + p*dh, j*sw + q*dw]`` where ``g`` is the
    group of output channel ``o``.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        float32 or float64. An unbatched input gives an unbatched output.
    weight : ndarray, shape (C_out, C_in / groups, kH, kW)
        Same dtype as `input`.
    bias : ndarray, shape (C_out,), optional
        Same dtype as `input`.
    stride, dilation : int or pair of ints, positive
    padding : int, pair of non-negative ints, 'valid' or 'same'
        'same' (stride 1 only) pads ``dilation*(k-1)`` in total, ``total//2``
        on the top/left and the rest on the bottom/right, as PyTorch does.
    groups : int
        Both C_in and C_out must be divisible by it.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}
        PyTorch's names (NumPy's ``constant``, ``reflect``, ``edge``,
        ``wrap``). 'reflect' needs padding < the input size, 'circular'
        padding <= the input size, as in PyTorch.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H + top + bottom - dH*(kH-1) - 1) // sH + 1`` (W alike),
        in the dtype of `input`.

    Raises
    ------
    TypeError
        A dtype other than float32/float64, or mixed dtypes (names the argument).
    ValueError
        Bad shapes or parameters: channels not divisible by `groups`, a kernel
        larger than the padded input, non-positive stride/dilation, negative
        padding, 'same' with a stride, an unknown `padding_mode`.

    Notes
    -----
    Gradients: :func:`conv2d_input` and :func:`conv2d_weight` give the
    gradients with respect to `input` and `weight`; the gradient with respect
    to `bias` is ``grad_output.sum(axis=(0, 2, 3))``.

    Extra memory: the output; the im2col workspace, at most
    ``WORKSPACE_BYTES`` (32 MiB) or one output row of the column matrix
    (``C_in/groups * kH * kW * W_out`` elements per thread) if larger; none for 1x1
    stride-1 unpadded or stride-1 depthwise convolutions. A Winograd layer
    (3x3, stride 1, at least ``WINOGRAD_MIN_CHANNELS`` channels per group)
    uses a workspace of the same bound plus its transformed weight
    (``16/9`` of `weight`). A padded copy of
    the input for a non-'zeros' `padding_mode`, and a native contiguous copy
    of any argument that is not already one.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.functional import conv2d
    >>> X = np.array([[[0., 1, 2], [3, 4, 5], [6, 7, 8]],
    ...               [[1., 2, 3], [4, 5, 6], [7, 8, 9]]])
    >>> K = np.array([[[0., 1], [2, 3]], [[1., 2], [3, 4]]])
    >>> conv2d(X, K[None])
    array([[[ 56.,  72.],
            [104., 120.]]])
    >>> conv2d(np.zeros((1, 1, 8, 8)), np.zeros((1, 1, 5, 3)), padding=(2, 1), stride=2).shape
    (1, 1, 4, 4)
    """
    if cuda.any_cupy_array(input, weight, bias):  # CuPy arrays in: the GPU path (corr2d.cuda)
        return cuda.conv2d(input, weight, bias, stride, padding, dilation, groups, padding_mode)
    x, w, b, batched, geometry, out_shape = conv2d_arguments(
        "conv2d", input, weight, bias, stride, padding, dilation, groups, padding_mode)
    stride, (top, left), dilation, groups = geometry
    c_in = x.shape[1]
    w_in, kh, kw = w.shape[1:]
    oh, ow = out_shape[2:]
    out = np.empty(out_shape, x.dtype)
    if out.size and w.size:
        if _is_depthwise(c_in, groups, stride, dilation):
            _ccore.depthwise(x, w, out, top, left, 0)
        elif _use_winograd((kh, kw), stride, dilation, w_in, w.shape[0] // groups):
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


def conv2d_arguments(func: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                     dilation: Any, groups: Any, padding_mode: Any):
    """conv2d's checks and dtype policy, and its padding for a non-'zeros'
    `padding_mode` (``np.pad``, or ``cupy.pad`` for CuPy arrays).

    Returns ``(x, w, b, batched, geometry, out_shape)``: `x` 4-D (padded),
    `w`, `b` (or None) contiguous native arrays of one dtype, whether the
    input was batched, ``geometry = (stride, (top, left), dilation, groups)``
    and the batched output shape. Shared by the CPU and GPU paths.
    """
    dtype, a = conv_dtype(func, input=input, weight=weight, bias=bias)
    x, batched = _batched(a["input"], "input", func)
    w, b = a["weight"], a.get("bias")
    _check_weight(w, func)
    n, c_in, h, wd = x.shape
    c_out, w_in, kh, kw = w.shape
    groups = _groups(groups, c_in, c_out, w_in, func)
    _check_bias(b, c_out, func)
    stride = _pair(stride, "stride", func, 1)
    dilation = _pair(dilation, "dilation", func, 1)
    top, bottom, left, right = _padding(padding, stride, dilation, (kh, kw), func)
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{func}: padding_mode must be one of {PADDING_MODES}, "
                         f"got {padding_mode!r}")
    if padding_mode != "zeros" and max(top, bottom, left, right) > 0:
        if padding_mode == "reflect" and (max(top, bottom) >= h or max(left, right) >= wd):
            raise ValueError(f"{func}: padding_mode='reflect' needs padding smaller than "
                             f"the input ({h}x{wd}), got {(top, bottom, left, right)}")
        if padding_mode == "circular" and (max(top, bottom) > h or max(left, right) > wd):
            raise ValueError(f"{func}: padding_mode='circular' needs padding at most the "
                             f"input size ({h}x{wd}), got {(top, bottom, left, right)}")
        xp = cuda.array_module(x)
        x = xp.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)),
                   mode=_NUMPY_PAD_MODES[padding_mode])
        h, wd = x.shape[2], x.shape[3]
        top = bottom = left = right = 0
    oh = _out_size(h, top + bottom, dilation[0], kh, stride[0], "height", func)
    ow = _out_size(wd, left + right, dilation[1], kw, stride[1], "width", func)
    return x, w, b, batched, (stride, (top, left), dilation, groups), (n, c_out, oh, ow)


def _grad_geometry(func: str, x_shape: tuple, w_shape: tuple, gy: np.ndarray,
                   stride: Any, padding: Any, dilation: Any, groups: Any):
    """Checks shared by the two gradients; returns the conv parameters."""
    n, c_in, h, wd = x_shape
    c_out, w_in, kh, kw = w_shape
    groups = _groups(groups, c_in, c_out, w_in, func)
    stride = _pair(stride, "stride", func, 1)
    dilation = _pair(dilation, "dilation", func, 1)
    top, bottom, left, right = _padding(padding, stride, dilation, (kh, kw), func)
    oh = _out_size(h, top + bottom, dilation[0], kh, stride[0], "height", func)
    ow = _out_size(wd, left + right, dilation[1], kw, stride[1], "width", func)
    if gy.shape != (n, c_out, oh, ow):
        raise ValueError(f"{func}: grad_output has shape {gy.shape}, but the convolution "
                         f"of these sizes gives {(n, c_out, oh, ow)}")
    return groups, stride, (top, left), dilation


def _size(value: Any, name: str, ndim: int, func: str) -> tuple[int, ...]:
    try:
        size = tuple(_int(v, name, func) for v in value)
    except TypeError:
        raise TypeError(f"{func}: {name} must be a sequence of ints, got {value!r}") from None
    if len(size) != ndim or min(size) < 0:
        raise ValueError(f"{func}: {name} must be {ndim} non-negative ints, got {value!r}")
    return size


def conv2d_input(
    input_size: Sequence[int],
    weight: np.ndarray,
    grad_output: np.ndarray,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of :func:`conv2d` with respect to its input, as
    ``torch.nn.grad.conv2d_input`` (zero padding).

    Parameters
    ----------
    input_size : sequence of 4 ints (N, C_in, H, W), or 3 (C_in, H, W)
        The shape of the convolution's input; 3 ints for an unbatched
        (C_out, H_out, W_out) `grad_output`.
    weight : ndarray, shape (C_out, C_in / groups, kH, kW)
    grad_output : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        Same dtype as `weight`; its shape must be the convolution's output shape.
    stride, padding, dilation, groups
        As in :func:`conv2d`.

    Returns
    -------
    ndarray of shape `input_size`, in the dtype of `weight`.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`; also when `grad_output` does not have the output shape.

    Notes
    -----
    Extra memory: the result; the col2im workspace, bounded as in
    :func:`conv2d` (32 MiB or one output row of the column matrix); none
    for 1x1 stride-1 unpadded convolutions.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.functional import conv2d_input
    >>> conv2d_input((1, 1, 3, 3), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    array([[[[1., 2., 1.],
             [2., 4., 2.],
             [1., 2., 1.]]]])
    """
    if cuda.any_cupy_array(weight, grad_output):  # CuPy arrays in: the GPU path
        return cuda.conv2d_input(input_size, weight, grad_output, stride, padding, dilation, groups)
    w, gy, batched, x_shape, geometry = conv2d_input_arguments(
        "conv2d_input", input_size, weight, grad_output, stride, padding, dilation, groups)
    stride, pad, dilation, groups = geometry
    gx = np.zeros(x_shape, w.dtype)
    _grad_input_into(gx, w, gy, stride, pad, dilation, groups)
    return gx if batched else gx[0]


def conv2d_input_arguments(func: str, input_size: Any, weight: Any, grad_output: Any,
                           stride: Any, padding: Any, dilation: Any, groups: Any):
    """conv2d_input's checks and dtype policy: ``(w, gy, batched, x_shape,
    geometry)`` with `gy` 4-D, `x_shape` batched and `geometry` as in
    :func:`conv2d_arguments`. Shared by the CPU and GPU paths."""
    dtype, a = conv_dtype(func, weight=weight, grad_output=grad_output)
    w = a["weight"]
    _check_weight(w, func)
    gy, batched = _batched(a["grad_output"], "grad_output", func)
    size = _size(input_size, "input_size", 4 if batched else 3, func)
    x_shape = size if batched else (1,) + size
    groups, stride, pad, dilation = _grad_geometry(
        func, x_shape, w.shape, gy, stride, padding, dilation, groups)
    return w, gy, batched, x_shape, (stride, pad, dilation, groups)


def _grad_input_into(gx: np.ndarray, w: np.ndarray, gy: np.ndarray, stride: tuple,
                     pad: tuple, dilation: tuple, groups: int) -> None:
    """gx (zeroed) += d conv2d / d input, contracted with gy."""
    c_in = gx.shape[1]
    c_out, w_in, kh, kw = w.shape
    if gx.size == 0 or gy.size == 0 or w.size == 0:
        return
    if _is_depthwise(c_in, groups, stride, dilation) and c_out == c_in:
        # A full correlation of grad_output with the flipped kernel.
        flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1])
        _ccore.depthwise(gy, flipped, gx, kh - 1 - pad[0], kw - 1 - pad[1], 0)
        return
    pad_t, pad_l = kh - 1 - pad[0], kw - 1 - pad[1]
    if (_use_winograd((kh, kw), stride, dilation, w_in, c_out // groups)
            and pad_t >= 0 and pad_l >= 0):
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


def conv2d_weight(
    input: np.ndarray,
    weight_size: Sequence[int],
    grad_output: np.ndarray,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of :func:`conv2d` with respect to its weight, as
    ``torch.nn.grad.conv2d_weight`` (zero padding).

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    weight_size : sequence of 4 ints (C_out, C_in / groups, kH, kW)
    grad_output : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        Same dtype and batching as `input`.
    stride, padding, dilation, groups
        As in :func:`conv2d`.

    Returns
    -------
    ndarray of shape `weight_size`, in the dtype of `input`.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`; also when `grad_output` does not have the output shape.

    Notes
    -----
    Extra memory: the result, plus one partial result per OpenMP thread
    when images run in parallel; the im2col workspace, bounded as in
    :func:`conv2d` (32 MiB or one output row of the column matrix per
    thread); none for 1x1 stride-1 unpadded convolutions.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.functional import conv2d_weight
    >>> X = np.arange(9.).reshape(1, 1, 3, 3)
    >>> conv2d_weight(X, (1, 1, 2, 2), np.ones((1, 1, 2, 2)))
    array([[[[ 8., 12.],
             [20., 24.]]]])
    """
    if cuda.any_cupy_array(input, grad_output):  # CuPy arrays in: the GPU path
        return cuda.conv2d_weight(input, weight_size, grad_output, stride, padding, dilation, groups)
    x, gy, w_shape, geometry = conv2d_weight_arguments(
        "conv2d_weight", input, weight_size, grad_output, stride, padding, dilation, groups)
    stride, pad, dilation, groups = geometry
    dtype = x.dtype
    if not (np.prod(w_shape) and gy.size):
        return np.zeros(w_shape, dtype)
    kdim = w_shape[1] * w_shape[2] * w_shape[3]
    threads, blas_limit = _item_threads(x.shape[0] * groups, float(gy.size) * kdim)
    ws = _workspace(dtype, kdim, gy.shape[2], gy.shape[3], threads)
    if threads == 1:
        gw = np.zeros(w_shape, dtype)
        _ccore.grad_weight(x, gy, gw, ws, stride, pad, dilation, groups, 1)
        return gw
    partial = np.zeros((threads,) + w_shape, dtype)
    with blas_limit:
        _ccore.grad_weight(x, gy, partial, ws, stride, pad, dilation, groups, threads)
    return partial.sum(axis=0)


def conv2d_weight_arguments(func: str, input: Any, weight_size: Any, grad_output: Any,
                            stride: Any, padding: Any, dilation: Any, groups: Any):
    """conv2d_weight's checks and dtype policy: ``(x, gy, w_shape, geometry)``
    with `x` and `gy` 4-D and `geometry` as in :func:`conv2d_arguments`.
    Shared by the CPU and GPU paths."""
    dtype, a = conv_dtype(func, input=input, grad_output=grad_output)
    x, batched = _batched(a["input"], "input", func)
    gy, gy_batched = _batched(a["grad_output"], "grad_output", func)
    if batched != gy_batched:
        raise ValueError(f"{func}: input and grad_output must both be batched (4-D) or "
                         "both unbatched (3-D)")
    w_shape = _size(weight_size, "weight_size", 4, func)
    if 0 in w_shape[2:]:
        raise ValueError(f"{func}: weight_size {w_shape} has a zero-size kernel dimension; "
                         "kH and kW must be at least 1")
    groups, stride, pad, dilation = _grad_geometry(
        func, x.shape, w_shape, gy, stride, padding, dilation, groups)
    return x, gy, w_shape, (stride, pad, dilation, groups)


def conv_transpose2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> np.ndarray:
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``:
    the gradient of :func:`conv2d` with respect to its input, applied to
    `input` (then `bias` added).

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        float32 or float64.
    weight : ndarray, shape (C_in, C_out / groups, kH, kW)
        Same dtype as `input`.
    bias : ndarray, shape (C_out,), optional
    stride, dilation : int or pair of ints, positive
    padding : int or pair of non-negative ints
        Removed from each side of the output (``dilation*(k-1) - padding``
        zero padding of the input).
    output_padding : int or pair of non-negative ints
        Added to the bottom/right of the output size; must be smaller than
        the stride or the dilation, as in PyTorch.
    groups : int

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H-1)*sH - 2*pH + dH*(kH-1) + output_padding + 1`` (W alike).

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`; also for a bad `output_padding` or an empty output.

    Notes
    -----
    Extra memory: the output; the col2im workspace, bounded as in
    :func:`conv2d` (32 MiB or ``C_out/groups * kH * kW * W`` elements if
    larger).

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.functional import conv_transpose2d
    >>> conv_transpose2d(np.array([[[[0., 1], [2, 3]]]]), np.array([[[[0., 1], [2, 3]]]]))
    array([[[[ 0.,  0.,  1.],
             [ 0.,  4.,  6.],
             [ 4., 12.,  9.]]]])
    """
    if cuda.any_cupy_array(input, weight, bias):  # CuPy arrays in: the GPU path
        return cuda.conv_transpose2d(input, weight, bias, stride, padding, output_padding,
                                     groups, dilation)
    x, w, b, batched, geometry, out_shape = conv_transpose2d_arguments(
        "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
        dilation)
    stride, pad, dilation, groups = geometry
    out = np.zeros(out_shape, x.dtype)
    _grad_input_into(out, w, x, stride, pad, dilation, groups)
    if b is not None:
        out += b[:, None, None]
    return out if batched else out[0]


def conv_transpose2d_arguments(func: str, input: Any, weight: Any, bias: Any, stride: Any,
                               padding: Any, output_padding: Any, groups: Any, dilation: Any):
    """conv_transpose2d's checks and dtype policy: ``(x, w, b, batched,
    geometry, out_shape)`` as in :func:`conv2d_arguments` (`geometry` that of
    the conv2d whose input gradient this is). Shared by the CPU and GPU paths."""
    dtype, a = conv_dtype(func, input=input, weight=weight, bias=bias)
    x, batched = _batched(a["input"], "input", func)
    w, b = a["weight"], a.get("bias")
    _check_weight(w, func)
    n, c_in, h, wd = x.shape
    w_out, c_out_g, kh, kw = w.shape
    groups = _int(groups, "groups", func)
    if groups < 1:
        raise ValueError(f"{func}: groups must be positive, got {groups}")
    if c_in % groups:
        raise ValueError(f"{func}: input channels ({c_in}) are not divisible by groups "
                         f"({groups})")
    if w_out != c_in:
        raise ValueError(f"{func}: weight.shape[0] ({w_out}) must equal the input "
                         f"channels ({c_in})")
    c_out = c_out_g * groups
    _check_bias(b, c_out, func)
    stride = _pair(stride, "stride", func, 1)
    dilation = _pair(dilation, "dilation", func, 1)
    pad = _pair(padding, "padding", func, 0)
    out_pad = _pair(output_padding, "output_padding", func, 0)
    for op, s, d in zip(out_pad, stride, dilation):
        if op >= s and op >= d:
            raise ValueError(f"{func}: output_padding {out_pad} must be smaller than "
                             f"either stride {stride} or dilation {dilation}")
    oh, ow = ((i - 1) * s - 2 * p + d * (k - 1) + op + 1
              for i, s, p, d, k, op in zip((h, wd), stride, pad, dilation, (kh, kw), out_pad))
    if oh <= 0 or ow <= 0:
        raise ValueError(f"{func}: the output size ({oh}, {ow}) is not positive: padding "
                         f"{pad} is too large for this input and kernel")
    return x, w, b, batched, (stride, pad, dilation, groups), (n, c_out, oh, ow)

"""From a torch.nn.functional-style call to a backend-neutral plan: the
argument checks, the dtype policy and the non-'zeros' padding of
conv2d, conv2d_input, conv2d_weight and conv_transpose2d, made once for
every backend (the C core, CuPy). Each ``*_plan`` function returns a named
tuple that the backend's function of the same name runs.

Dtype policy (:func:`conv_dtype`): float32 stays float32, float64 stays
float64; a non-native byte order, a non-contiguous or an unaligned array is
converted to a native, aligned, C-contiguous one (a copy). Any other dtype
is a ``TypeError`` naming the argument, and so is a mix of float32 and
float64.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._arrays import array_module
from ._checks import PAIR_MAX, check_int, check_pair
from ._tables import TORCH_NUMPY_PAD, TORCH_PADDING_MODES


class ConvPlan(NamedTuple):
    """conv2d and conv_transpose2d: `x` 4-D (padded), `w`, `b` (or None),
    whether the input was batched, ``geometry = (stride, (top, left),
    dilation, groups)`` (for conv_transpose2d, that of the conv2d whose input
    gradient it is) and the batched output shape."""

    x: Any
    w: Any
    b: Any
    batched: bool
    geometry: tuple
    out_shape: tuple


class GradInputPlan(NamedTuple):
    """conv2d_input: `gy` 4-D, `x_shape` batched."""

    w: Any
    gy: Any
    batched: bool
    x_shape: tuple
    geometry: tuple


class GradWeightPlan(NamedTuple):
    """conv2d_weight: `x` and `gy` 4-D."""

    x: Any
    gy: Any
    w_shape: tuple
    geometry: tuple


def conv_dtype(func: str, **arrays: Any) -> tuple[np.dtype, dict[str, np.ndarray]]:
    """The one dtype policy of the deep-learning API.

    Every array given (``None`` skipped) must be float32, or every one
    float64; the result is that dtype in native byte order and the arrays as
    C-contiguous native arrays of it (CuPy arrays stay CuPy arrays: the GPU
    path applies the same policy).
    """
    xp = array_module(*arrays.values())
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


def _groups(groups: Any, c_in: int, c_out: int, w_in: int, func: str,
            in_name: str = "input", out_name: str = "weight.shape[0]") -> int:
    groups = check_int(groups, "groups", func)
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
    ph, pw = check_pair(padding, "padding", func, 0)
    return (ph, ph, pw, pw)


def _out_size(size: int, pad: int, dilation: int, k: int, stride: int,
              what: str, func: str) -> int:
    extent = dilation * (k - 1) + 1
    _check_padded(size + pad, what, func)
    if extent > size + pad:
        raise ValueError(
            f"{func}: the kernel's {what} extent dilation*(k-1)+1 = {extent} is larger "
            f"than the padded input's {what} ({size + pad})"
        )
    return (size + pad - extent) // stride + 1


def _check_padded(padded: int, what: str, func: str) -> None:
    """Every index of the core's loops lies in the padded input: past
    2**62, a sum of two (a position plus a stride) would wrap in 64 bits
    (stride and padding 2**62 gave zeros where a sample belongs)."""
    if padded > PAIR_MAX:
        raise ValueError(f"{func}: the padded input's {what} ({padded}) is past 2**62, "
                         "the most the core's 64-bit index arithmetic holds")


def _input_weight_bias(func: str, input: Any, weight: Any, bias: Any):
    """conv2d's and conv_transpose2d's arrays by the dtype policy: `x` 4-D,
    `w` checked 4-D with a non-empty kernel, `b` or None, and whether the
    input was batched."""
    _, a = conv_dtype(func, input=input, weight=weight, bias=bias)
    x, batched = _batched(a["input"], "input", func)
    w = a["weight"]
    _check_weight(w, func)
    return x, w, a.get("bias"), batched


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


def conv2d_plan(func: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                dilation: Any, groups: Any, padding_mode: Any):
    """conv2d's checks and dtype policy, and its padding for a non-'zeros'
    `padding_mode` (``np.pad``, or ``cupy.pad`` for CuPy arrays).

    Returns ``(x, w, b, batched, geometry, out_shape)``: `x` 4-D (padded),
    `w`, `b` (or None) contiguous native arrays of one dtype, whether the
    input was batched, ``geometry = (stride, (top, left), dilation, groups)``
    and the batched output shape. Shared by the CPU and GPU paths.
    """
    x, w, b, batched = _input_weight_bias(func, input, weight, bias)
    n, c_in, h, wd = x.shape
    c_out, w_in, kh, kw = w.shape
    groups = _groups(groups, c_in, c_out, w_in, func)
    _check_bias(b, c_out, func)
    stride = check_pair(stride, "stride", func, 1)
    dilation = check_pair(dilation, "dilation", func, 1)
    top, bottom, left, right = _padding(padding, stride, dilation, (kh, kw), func)
    if padding_mode not in TORCH_PADDING_MODES:
        raise ValueError(f"{func}: padding_mode must be one of {TORCH_PADDING_MODES}, "
                         f"got {padding_mode!r}")
    if padding_mode != "zeros" and max(top, bottom, left, right) > 0:
        if padding_mode == "reflect" and (max(top, bottom) >= h or max(left, right) >= wd):
            raise ValueError(f"{func}: padding_mode='reflect' needs padding smaller than "
                             f"the input ({h}x{wd}), got {(top, bottom, left, right)}")
        if padding_mode == "circular" and (max(top, bottom) > h or max(left, right) > wd):
            raise ValueError(f"{func}: padding_mode='circular' needs padding at most the "
                             f"input size ({h}x{wd}), got {(top, bottom, left, right)}")
        xp = array_module(x)
        x = xp.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)),
                   mode=TORCH_NUMPY_PAD[padding_mode])
        h, wd = x.shape[2], x.shape[3]
        top = bottom = left = right = 0
    oh = _out_size(h, top + bottom, dilation[0], kh, stride[0], "height", func)
    ow = _out_size(wd, left + right, dilation[1], kw, stride[1], "width", func)
    stride, dilation = _unused_as_one(stride, (oh, ow), dilation, (kh, kw))
    return ConvPlan(x, w, b, batched, (stride, (top, left), dilation, groups), (n, c_out, oh, ow))


def _unused_as_one(stride: tuple[int, int], positions: tuple[int, int],
                   dilation: tuple[int, int], kernel: tuple[int, int]):
    """The stride along an axis of one output position (of the conv2d) and
    the dilation along an axis of one tap change nothing: both become 1, so
    that a huge one (2**62) never reaches the core's size arithmetic."""
    return (tuple(1 if p == 1 else s for p, s in zip(positions, stride)),
            tuple(1 if k == 1 else d for k, d in zip(kernel, dilation)))


def _grad_geometry(func: str, x_shape: tuple, w_shape: tuple, gy: np.ndarray,
                   stride: Any, padding: Any, dilation: Any, groups: Any):
    """Checks shared by the two gradients; returns the conv parameters."""
    n, c_in, h, wd = x_shape
    c_out, w_in, kh, kw = w_shape
    groups = _groups(groups, c_in, c_out, w_in, func)
    stride = check_pair(stride, "stride", func, 1)
    dilation = check_pair(dilation, "dilation", func, 1)
    top, bottom, left, right = _padding(padding, stride, dilation, (kh, kw), func)
    oh = _out_size(h, top + bottom, dilation[0], kh, stride[0], "height", func)
    ow = _out_size(wd, left + right, dilation[1], kw, stride[1], "width", func)
    if gy.shape != (n, c_out, oh, ow):
        raise ValueError(f"{func}: grad_output has shape {gy.shape}, but the convolution "
                         f"of these sizes gives {(n, c_out, oh, ow)}")
    stride, dilation = _unused_as_one(stride, (oh, ow), dilation, (kh, kw))
    return groups, stride, (top, left), dilation


def check_size(value: Any, name: str, ndim: int, func: str) -> tuple[int, ...]:
    """`value` (input_size, weight_size) as `ndim` non-negative ints;
    ``TypeError`` or ``ValueError`` naming it otherwise."""
    try:
        size = tuple(check_int(v, name, func) for v in value)
    except TypeError:
        raise TypeError(f"{func}: {name} must be a sequence of ints, got {value!r}") from None
    if len(size) != ndim or min(size) < 0:
        raise ValueError(f"{func}: {name} must be {ndim} non-negative ints, got {value!r}")
    return size


def conv2d_input_plan(func: str, input_size: Any, weight: Any, grad_output: Any,
                      stride: Any, padding: Any, dilation: Any, groups: Any):
    """conv2d_input's checks and dtype policy: ``(w, gy, batched, x_shape,
    geometry)`` with `gy` 4-D, `x_shape` batched and `geometry` as in
    :func:`conv2d_plan`. Shared by the CPU and GPU paths."""
    dtype, a = conv_dtype(func, weight=weight, grad_output=grad_output)
    w = a["weight"]
    _check_weight(w, func)
    gy, batched = _batched(a["grad_output"], "grad_output", func)
    size = check_size(input_size, "input_size", 4 if batched else 3, func)
    x_shape = size if batched else (1,) + size
    groups, stride, pad, dilation = _grad_geometry(
        func, x_shape, w.shape, gy, stride, padding, dilation, groups)
    return GradInputPlan(w, gy, batched, x_shape, (stride, pad, dilation, groups))


def conv2d_weight_plan(func: str, input: Any, weight_size: Any, grad_output: Any,
                       stride: Any, padding: Any, dilation: Any, groups: Any):
    """conv2d_weight's checks and dtype policy: ``(x, gy, w_shape, geometry)``
    with `x` and `gy` 4-D and `geometry` as in :func:`conv2d_plan`.
    Shared by the CPU and GPU paths."""
    dtype, a = conv_dtype(func, input=input, grad_output=grad_output)
    x, batched = _batched(a["input"], "input", func)
    gy, gy_batched = _batched(a["grad_output"], "grad_output", func)
    if batched != gy_batched:
        raise ValueError(f"{func}: input and grad_output must both be batched (4-D) or "
                         "both unbatched (3-D)")
    w_shape = check_size(weight_size, "weight_size", 4, func)
    if 0 in w_shape[2:]:
        raise ValueError(f"{func}: weight_size {w_shape} has a zero-size kernel dimension; "
                         "kH and kW must be at least 1")
    groups, stride, pad, dilation = _grad_geometry(
        func, x.shape, w_shape, gy, stride, padding, dilation, groups)
    return GradWeightPlan(x, gy, w_shape, (stride, pad, dilation, groups))


def conv_transpose2d_plan(func: str, input: Any, weight: Any, bias: Any, stride: Any,
                          padding: Any, output_padding: Any, groups: Any, dilation: Any):
    """conv_transpose2d's checks and dtype policy: ``(x, w, b, batched,
    geometry, out_shape)`` as in :func:`conv2d_plan` (`geometry` that of
    the conv2d whose input gradient this is). Shared by the CPU and GPU paths."""
    x, w, b, batched = _input_weight_bias(func, input, weight, bias)
    n, c_in, h, wd = x.shape
    w_out, c_out_g, kh, kw = w.shape
    groups = check_int(groups, "groups", func)
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
    stride = check_pair(stride, "stride", func, 1)
    dilation = check_pair(dilation, "dilation", func, 1)
    pad = check_pair(padding, "padding", func, 0)
    out_pad = check_pair(output_padding, "output_padding", func, 0)
    for op, s, d in zip(out_pad, stride, dilation):
        if op >= s and op >= d:
            raise ValueError(f"{func}: output_padding {out_pad} must be smaller than "
                             f"either stride {stride} or dilation {dilation}")
    oh, ow = ((i - 1) * s - 2 * p + d * (k - 1) + op + 1
              for i, s, p, d, k, op in zip((h, wd), stride, pad, dilation, (kh, kw), out_pad))
    if oh <= 0 or ow <= 0:
        raise ValueError(f"{func}: the output size ({oh}, {ow}) is not positive: padding "
                         f"{pad} is too large for this input and kernel")
    # The output is the input of a conv2d with this padding.
    _check_padded(oh + 2 * pad[0], "height", func)
    _check_padded(ow + 2 * pad[1], "width", func)
    # The conv2d whose input gradient this is has this input's positions.
    stride, dilation = _unused_as_one(stride, (h, wd), dilation, (kh, kw))
    return ConvPlan(x, w, b, batched, (stride, pad, dilation, groups), (n, c_out, oh, ow))

"""From a SciPy-style call to one call of the C core.

Everything boring lives here: argument checks, the dtype policy, SciPy's
'valid'-mode swap, the fill value rules, where the output window starts and
where the result is written. The C core only runs loops.
"""
from __future__ import annotations

import numbers
import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from . import _ccore, cuda
from ._dtypes import result_dtype

MODES = ("full", "same", "valid")
# SciPy's accepted spellings and the core's name for each.
BOUNDARIES = {
    "fill": "fill",
    "pad": "fill",
    "wrap": "wrap",
    "circular": "wrap",
    "symm": "symm",
    "symmetric": "symm",
}


def check_threads(threads: Any, func: str) -> int:
    """None -> 0 (OpenMP's default); otherwise a positive int."""
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise TypeError(f"{func}: threads must be a positive int or None, got {threads!r}")
    if threads < 1:
        raise ValueError(f"{func}: threads must be at least 1, got {threads}")
    return int(min(threads, 4096))


def valid_swap_needed(mode: str, shape1: tuple, shape2: tuple, func: str) -> bool:
    """SciPy's rule: in 'valid' mode the larger input becomes the image."""
    if mode != "valid":
        return False
    ok1 = all(a >= b for a, b in zip(shape1, shape2))
    ok2 = all(b >= a for a, b in zip(shape1, shape2))
    if not (ok1 or ok2):
        raise ValueError(
            f"{func}: for 'valid' mode, one of in1 {shape1} and in2 {shape2} must be at "
            "least as large as the other in every dimension"
        )
    return not ok1


def fill_array(fillvalue: Any, dtype: np.dtype, func: str) -> np.ndarray:
    """`fillvalue` as one element of `dtype`, with SciPy's rules and errors.

    SciPy converts it straight to the output type: NumPy scalars by any cast
    (so np.int8(-1) fills uint8 images with 255), arrays only by a safe cast,
    Python numbers only when they fit. If that fails it retries through
    complex, and if that works it still refuses the value.
    """
    try:
        if isinstance(fillvalue, np.generic):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ComplexWarning, invalid casts: as SciPy
                fill = np.asarray(fillvalue).astype(dtype)
        elif isinstance(fillvalue, np.ndarray) and not np.can_cast(fillvalue.dtype, dtype, "safe"):
            raise TypeError("unsafe cast")
        else:
            fill = np.array(fillvalue, dtype=dtype)
    except Exception:
        np.array(fillvalue, dtype=np.complex128)  # its own error, if any, is SciPy's too
        raise ValueError(
            f"{func}: could not cast `fillvalue` directly to the output type {dtype} "
            "(it was first converted to complex)."
        ) from None
    if fill.size == 0:
        raise ValueError(f"{func}: `fillvalue` cannot be an empty array.")
    if fill.size != 1:
        raise ValueError(f"{func}: `fillvalue` must be scalar or an array with one element.")
    return fill.reshape(1)


@lru_cache(maxsize=64)
def zero_fill(dtype: np.dtype) -> np.ndarray:
    """A read-only one-element zero of `dtype` (cached: small calls in loops)."""
    zero = np.zeros(1, dtype)
    zero.flags.writeable = False
    return zero


def has_core_layout(a: np.ndarray) -> bool:
    """Whether the C core can read or write `a` in place: native, aligned,
    contiguous columns, a non-negative whole-element row stride."""
    item = a.itemsize
    return (
        a.dtype.isnative
        and a.flags.aligned
        and (a.shape[1] <= 1 or a.strides[1] == item)
        and (a.shape[0] <= 1 or (a.strides[0] >= 0 and a.strides[0] % item == 0))
    )


def as_core_image(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    a = a.astype(dtype, copy=False)
    return a if has_core_layout(a) else a.copy()  # C order, aligned, native


def output_window(image_shape: tuple, kernel_shape: tuple, mode: str, flipped: bool):
    """Output shape and the (top, left) offset of the window into the
    boundary-extended image.

    In 'same' mode SciPy centres correlate2d's window at k//2 of the full
    output and convolve2d's at (k-1)//2; with the kernel already flipped for
    convolution both read as the offsets below.
    """
    (h, w), (kh, kw) = image_shape, kernel_shape
    if mode == "full":
        return (h + kh - 1, w + kw - 1), kh - 1, kw - 1
    if mode == "same":
        if flipped:
            return (h, w), kh // 2, kw // 2
        return (h, w), (kh - 1) // 2, (kw - 1) // 2
    return (h - kh + 1, w - kw + 1), 0, 0


def check_out(out: Any, shape: tuple, dtype: np.dtype, func: str) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{func}: out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"{func}: out has shape {out.shape}, expected {shape}")
    if out.dtype != dtype and out.dtype.newbyteorder("=") != dtype:
        raise ValueError(f"{func}: out has dtype {out.dtype}, expected {dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{func}: out is read-only")


def writes_in_place(out: np.ndarray, *inputs: np.ndarray) -> bool:
    """Whether the core may write straight into `out`: usable layout, rows
    that do not overlap each other, and no memory shared with an input."""
    rows_apart = out.shape[0] <= 1 or out.strides[0] >= out.shape[1] * out.itemsize
    return (
        has_core_layout(out)
        and rows_apart
        and not any(_ccore.may_share_memory(out, a) for a in inputs)
    )


def check_arguments(in1: Any, in2: Any, mode: Any, boundary: Any, func: str) -> tuple[np.dtype, str]:
    """SciPy's checks, in SciPy's order, on two arrays (NumPy or CuPy):
    returns the result dtype and the core's name of the boundary."""
    for name, a in (("in1", in1), ("in2", in2)):
        if a.ndim != 2:
            raise ValueError(f"{func}: {name} must be a 2-D array, got shape {a.shape}")
    dtype = result_dtype(in1, in2, func)
    for name, a in (("in1", in1), ("in2", in2)):
        if a.size == 0:
            raise ValueError(f"{func}: {name} is empty (shape {a.shape})")
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"{func}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    if not isinstance(boundary, str) or boundary not in BOUNDARIES:
        raise ValueError(
            f"{func}: boundary must be 'fill', 'wrap' (or 'circular') or 'symm' "
            f"(or 'symmetric'), got {boundary!r}"
        )
    return dtype, BOUNDARIES[boundary]


def correlate_scipy_style(
    in1: Any,
    in2: Any,
    mode: str,
    boundary: str,
    fillvalue: Any,
    threads: int | None,
    out: np.ndarray | None,
    *,
    convolve: bool,
    func: str,
) -> np.ndarray:
    """The body of correlate2d/convolve2d (see their docstrings)."""
    if cuda.any_cupy_array(in1, in2, out):  # CuPy arrays in: the GPU path (corr2d.cuda)
        return cuda.correlate_scipy_style(
            in1, in2, mode, boundary, fillvalue, threads, out, convolve=convolve, func=func
        )
    in1 = np.asarray(in1)
    in2 = np.asarray(in2)
    dtype, boundary = check_arguments(in1, in2, mode, boundary, func)
    nthreads = check_threads(threads, func)

    swapped = valid_swap_needed(mode, in1.shape, in2.shape, func)
    if swapped:
        in1, in2 = in2, in1
    if boundary == "fill" and not (type(fillvalue) is int and fillvalue == 0):
        fill = fill_array(fillvalue, dtype, func)
    else:
        fill = zero_fill(dtype)  # the default; SciPy ignores fillvalue for wrap/symm

    image = as_core_image(in1, dtype)
    kernel = in2.astype(dtype, copy=False)
    # Convolution is correlation with the kernel flipped in both axes;
    # correlation conjugates the kernel, as SciPy's does.
    if convolve:
        kernel = kernel[::-1, ::-1]
    elif dtype.kind == "c":
        kernel = np.conjugate(kernel)
    if not (kernel.flags.c_contiguous and kernel.flags.aligned):
        kernel = kernel.copy()  # C order, aligned

    shape, top, left = output_window(image.shape, kernel.shape, mode, flipped=convolve)
    # SciPy flips the output of a swapped correlation (and does not conjugate it).
    flip_output = swapped and not convolve
    if out is not None:
        check_out(out, shape, dtype, func)
        if not flip_output and writes_in_place(out, in1, in2):
            return _ccore.correlate(
                image, kernel, fill, out, top, left, _ccore.BOUNDARY_CODES[boundary], nthreads
            )
    result = np.empty(shape, dtype)
    _ccore.correlate(image, kernel, fill, result, top, left, _ccore.BOUNDARY_CODES[boundary], nthreads)
    if flip_output:
        result = result[::-1, ::-1]
    if out is not None:
        np.copyto(out, result)
        return out
    return result

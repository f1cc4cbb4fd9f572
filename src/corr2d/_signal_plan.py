"""From a SciPy-style correlate2d/convolve2d call to a backend-neutral plan.

Everything the backends share lives here, once: SciPy's argument checks in
SciPy's order, the dtype policy, the 'valid'-mode swap, the fill value
rules, the kernel's flip (convolution) or conjugation (complex
correlation), the output window, and the checks of `out`. A backend (the C
core, CuPy) only fixes memory layouts and runs the loops.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from ._arrays import is_cupy_array, is_dask_array
from ._checks import check_threads
from ._dtypes import result_dtype
from ._methods import check_method
from ._tables import BOUNDARY_CODES, SCIPY_BOUNDARIES, SCIPY_MODES


class CorrelatePlan(NamedTuple):
    """out[i, j] = sum_pq ext(image)[i + p - top, j + q - left] * kernel[p, q],
    then flipped in both axes when `flip_output`.

    `image` and `kernel` are arrays of the result dtype (NumPy or CuPy,
    layout not yet fixed); the kernel is already flipped or conjugated.
    `fill` is one NumPy element of that dtype. `out` is the caller's
    checked output array or None. `threads` is 0 for OpenMP's default.
    `method` is the caller's checked request: 'auto', 'direct', 'fft' or
    'separable' (corr2d._methods).
    """

    image: Any
    kernel: Any
    fill: np.ndarray
    shape: tuple
    top: int
    left: int
    boundary: int
    flip_output: bool
    threads: int
    out: Any
    inputs: tuple  # the caller's arrays, which `out` must not overlap
    method: str = "direct"


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
    if not isinstance(mode, str) or mode not in SCIPY_MODES:
        raise ValueError(f"{func}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    if not isinstance(boundary, str) or boundary not in SCIPY_BOUNDARIES:
        raise ValueError(
            f"{func}: boundary must be 'fill', 'wrap' (or 'circular') or 'symm' "
            f"(or 'symmetric'), got {boundary!r}"
        )
    return dtype, SCIPY_BOUNDARIES[boundary]


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
        if isinstance(fillvalue, np.ndarray) and not np.can_cast(fillvalue.dtype, np.complex128,
                                                                 "safe"):
            # SciPy retries an array by a safe cast (a str or object array: TypeError)
            raise TypeError(f"{func}: cannot cast `fillvalue` from dtype {fillvalue.dtype} to "
                            "complex128 according to the rule 'safe'") from None
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


def check_out(out: Any, shape: tuple, dtype: np.dtype, on_gpu: bool, func: str) -> None:
    """`out` must be an array of the inputs' kind, shape and dtype, writable."""
    if on_gpu and not is_cupy_array(out):
        raise TypeError(f"{func}: out must be a cupy.ndarray, got {type(out).__name__}")
    if not on_gpu and not isinstance(out, np.ndarray):
        raise TypeError(f"{func}: out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"{func}: out has shape {out.shape}, expected {shape}")
    if out.dtype != dtype and out.dtype.newbyteorder("=") != dtype:
        raise ValueError(f"{func}: out has dtype {out.dtype}, expected {dtype}")
    if not on_gpu and not out.flags.writeable:
        raise ValueError(f"{func}: out is read-only")


def plan_correlate(in1: Any, in2: Any, mode: Any, boundary: Any, fillvalue: Any, threads: Any,
                   out: Any, *, convolve: bool, func: str, on_gpu: bool = False,
                   method: Any = "direct") -> CorrelatePlan:
    """The plan of one correlate2d (or, with `convolve`, convolve2d) call on
    NumPy arrays (anything array-like) or, with `on_gpu`, CuPy arrays (the
    dispatcher has checked that they are all of one kind)."""
    if on_gpu:
        from .cuda.compile import cupy_module

        xp = cupy_module()
    else:
        xp = np
        # A Dask image stays lazy (corr2d._dask maps the plan over its
        # blocks); a Dask kernel is small, and computed here.
        in1 = in1 if is_dask_array(in1) else np.asarray(in1)
        in2 = np.asarray(in2)
    dtype, boundary = check_arguments(in1, in2, mode, boundary, func)
    nthreads = check_threads(threads, func)
    method = check_method(method, dtype, func)
    if on_gpu and method in ("fft", "separable"):
        raise ValueError(f"{func}: method={method!r} is not available for CuPy arrays; "
                         "the GPU path is direct ('auto' and 'direct' run it)")
    inputs = (in1, in2)

    if valid_swap_needed(mode, in1.shape, in2.shape, func):
        in1, in2 = in2, in1
        # SciPy flips the output of a swapped correlation (and does not conjugate it).
        flip_output = not convolve
    else:
        flip_output = False
    # SciPy ignores fillvalue for wrap/symm; 0 is the default, taken as is.
    if boundary == "fill" and not (type(fillvalue) is int and fillvalue == 0):
        fill = fill_array(fillvalue, dtype, func)
    else:
        fill = zero_fill(dtype)

    image = in1.astype(dtype, copy=False)
    kernel = in2.astype(dtype, copy=False)
    # Convolution is correlation with the kernel flipped in both axes;
    # correlation conjugates the kernel, as SciPy's does.
    if convolve:
        kernel = kernel[::-1, ::-1]
    elif dtype.kind == "c":
        kernel = xp.conj(kernel)
    shape, top, left = output_window(image.shape, kernel.shape, mode, flipped=convolve)
    if out is not None:
        check_out(out, shape, dtype, on_gpu, func)
    return CorrelatePlan(image, kernel, fill, shape, top, left, BOUNDARY_CODES[boundary],
                         flip_output, nthreads, out, inputs, method)

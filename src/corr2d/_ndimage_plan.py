"""From a ``scipy.ndimage``-style correlate/convolve call to a backend-neutral plan.

SciPy's rules, checked once: the two image axes (`axes`, the rest a
stack), the mode names (grid-* aliases as ndimage takes them for filters),
`origin` (convolution negates it and shifts even sizes by one), `cval`,
the output (an array or a dtype, complex promotion) and the dtype in which
the sums are computed. Where corr2d differs from ndimage, on purpose, the
public docstrings (corr2d.ndimage) list it.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, NamedTuple

import numpy as np

from ._arrays import array_module, is_cupy_array
from ._checks import check_threads
from ._methods import check_method, is_longdouble
from ._stacks import axes_pair
from ._tables import BOUNDARY_CODES, NDIMAGE_BOUNDARIES


class NdimagePlan(NamedTuple):
    """``output[..., i, j] = sum_pq ext(image[..., :, :])[i + p - top, j + q - left] * kernel[p, q]``
    for every plane of the stack, cast to the output's dtype.

    `image` and `output` are views with the two image axes last (the
    caller's arrays, not copied). `kernel` is 2-D in `compute_dtype`,
    already flipped (convolution) or conjugated (complex correlation);
    `fill` is one element of `compute_dtype`. `result` is what the call
    returns: the caller's output array, or a new one, in its own layout.
    """

    image: Any
    kernel: Any
    compute_dtype: np.dtype
    fill: np.ndarray
    boundary: int
    top: int
    left: int
    threads: int
    method: str
    output: Any
    result: Any
    axes: tuple  # the caller's image axes, in increasing order (moved last above)


def as_input(value: Any, name: str, func: str, xp) -> Any:
    """`value` as a numeric array (bool, integers, floats, complex)."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{func}: {name} must be an array, got {type(value).__name__}")
    a = value if is_cupy_array(value) else np.asarray(value)
    if a.dtype.kind not in "biufc":
        raise TypeError(f"{func}: {name} must be a numeric array, got dtype {a.dtype}")
    return a if xp is np else xp.asarray(a)


def image_axes(axes: Any, ndim: int, func: str) -> tuple[int, int]:
    """The two axes the weights run along, as non-negative ints."""
    if axes is None:
        if ndim != 2:
            raise ValueError(
                f"{func}: input has {ndim} dimension(s) and weights are 2-D; pass axes=(-2, -1) "
                "to filter each 2-D plane of a stack (or the two image axes of your layout, "
                "e.g. axes=(0, 1) for an (H, W, C) colour image)")
        return (0, 1)
    return axes_pair(axes, ndim, func)


def origins(origin: Any, kernel_shape: tuple[int, int], func: str) -> tuple[int, int]:
    """`origin` (an int or one per image axis), checked against ndimage's range."""
    if isinstance(origin, np.ndarray) and origin.ndim == 0:
        origin = origin[()]  # a 0-d array is one int, as in ndimage
    # Any iterable but a string is one per axis, as in ndimage.
    values = tuple(origin) if np.iterable(origin) and not isinstance(origin, (str, bytes)) \
        else (origin, origin)
    if len(values) != 2:
        raise ValueError(f"{func}: origin must be an int or two ints (one per axis), got {origin!r}")
    pair = []
    for value, k in zip(values, kernel_shape):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{func}: origin must be an int or two ints, got {origin!r}")
        if not -(k // 2) <= value <= (k - 1) // 2:
            raise ValueError(
                f"{func}: origin {int(value)} is out of range for a weights axis of size {k}: "
                f"it must satisfy -({k} // 2) <= origin <= ({k} - 1) // 2")
        pair.append(int(value))
    return pair[0], pair[1]


def output_dtype(output: Any, image_dtype: np.dtype, complex_result: bool, func: str) -> np.dtype:
    """The dtype of the result: the `output` array's or dtype's, else the
    input's (made complex when the result is: ndimage's promotion)."""
    if output is None:
        dtype = image_dtype.newbyteorder("=")  # a new array is native, as ndimage's
        return np.promote_types(dtype, np.complex64) if complex_result else dtype
    if isinstance(output, np.ndarray) or is_cupy_array(output):
        dtype = output.dtype
    elif isinstance(output, np.generic):  # np.dtype() would read a scalar as its dtype
        raise TypeError(f"{func}: output must be an array or a dtype, got the NumPy scalar "
                        f"{output!r}")
    else:
        try:
            dtype = np.dtype(output)
        except TypeError:
            raise TypeError(
                f"{func}: output must be an array or a dtype, got {type(output).__name__}") from None
    if dtype.kind not in "biufc":
        raise TypeError(f"{func}: output must have a numeric dtype, got {dtype}")
    if complex_result and dtype.kind != "c":
        if isinstance(output, (type, np.dtype)):  # ndimage promotes these, with a warning
            warnings.warn(f"{func}: promoting the output dtype {dtype} to complex", stacklevel=4)
            return np.promote_types(dtype, np.complex64)
        raise ValueError(
            f"{func}: output must have a complex dtype for complex input or weights, got {dtype}")
    return dtype


def sums_precision(image: np.dtype) -> np.dtype:
    """The input's own float precision: float32 for float16, float32 and
    complex64, longdouble for long doubles, float64 for the rest. It
    decides what rounding is (nan_policy='interpolate's zero-sum kernels),
    whatever output the sums are widened to."""
    image = image.newbyteorder("=")  # '>f4' is float32 too
    if image in (np.longdouble, np.clongdouble):
        return np.dtype(np.longdouble)
    return np.dtype({np.dtype(np.float16): np.float32, np.dtype(np.float32): np.float32,
                     np.dtype(np.complex64): np.float32}.get(image, np.float64))


def compute_dtype(image: np.dtype, weights: np.dtype, out: np.dtype) -> np.dtype:
    """The dtype the sums run in: the input's float precision (float32 stays
    float32; integers, bool and float64 are float64; longdouble is kept),
    widened to a wider floating output, complex when anything is; float64
    for an integer or bool output (ndimage's sums, corr2d._ndimage_exact)."""
    real = sums_precision(image)
    if out in (np.longdouble, np.clongdouble):
        real = np.longdouble
    if out.kind in "biu" and real != np.longdouble:
        real = np.float64  # an integer output takes ndimage's float64 sums (corr2d._ndimage_exact)
    real = np.dtype(real)
    if out.kind in "fc":
        real = np.promote_types(real, np.finfo(out).dtype)
    if "c" in (image.kind, weights.kind):
        return np.promote_types(real, np.complex64)
    return real


def fill_value(cval: Any, dtype: np.dtype, image_kind: str, func: str) -> np.ndarray:
    """`cval` as one element of the compute dtype."""
    if isinstance(cval, (bool, np.bool_)) or not isinstance(cval, (numbers.Number, np.generic)):
        if not (isinstance(cval, np.ndarray) and cval.ndim == 0):
            raise TypeError(f"{func}: cval must be a number, got {cval!r}")
    if np.iscomplexobj(cval) and image_kind != "c" and np.imag(cval) != 0:
        raise ValueError(f"{func}: cval is complex but the input is real (as scipy.ndimage, "
                         "a complex cval needs a complex input)")
    if dtype.kind != "c":
        cval = np.real(cval)
    return np.array([cval], dtype=dtype)


def writable_target(plan: NdimagePlan, *others: Any) -> Any:
    """Where the plan's planes are written: its output, or a new array of
    the output's shape when the output shares memory with the image, the
    weights or one of `others` (a mask read while the output is written)
    (the caller may hand any as `output`, as ndimage allows); the caller
    then copies it into the output."""
    output = plan.output
    xp = array_module(output)
    read = (plan.image, plan.kernel) + tuple(a for a in others if a is not None)
    if any(xp.may_share_memory(output, a) for a in read):
        return xp.empty(output.shape, output.dtype)
    return output


def cast_into(dst: Any, result: Any) -> None:
    """Store `result` (in the compute dtype) into `dst` as ndimage's C cast
    does in range: integers truncated toward zero, silently for values out
    of range; bool True where the truncated value is non-zero (ndimage's
    cast goes through an unsigned char, undefined past 255: 256 gives False
    there)."""
    xp = array_module(dst)
    if dst.dtype.kind == "b":
        result = xp.trunc(result)  # 0.5 -> False, as a C cast to int
    if xp is np:
        with np.errstate(invalid="ignore", over="ignore"):
            np.copyto(dst, result, casting="unsafe")
        return
    if dst.dtype.kind in "iu" and result.dtype.kind == "f":
        # The device converts a float to an integer with saturation at 32
        # bits (a Laplacian's -40.0 into uint8 gave 0, NumPy's cast 216):
        # through int64 (a temporary of the output's size) it wraps as
        # NumPy's does, for magnitudes below 2^63.
        wide = result.astype(np.int64)
        if dst.dtype.itemsize == 8 and dst.dtype.kind == "u":
            wide = xp.where(result < 0, wide.view(np.uint64), result.astype(np.uint64))
        result = wide
    xp.copyto(dst, result, casting="unsafe")


def plan_ndimage(input: Any, weights: Any, output: Any, mode: Any, cval: Any, origin: Any,
                 axes: Any, threads: Any, method: Any, *, convolve: bool, func: str,
                 on_gpu: bool = False) -> NdimagePlan:
    """The plan of one corr2d.ndimage.correlate (or, with `convolve`,
    convolve) call on NumPy arrays or, with `on_gpu`, CuPy arrays."""
    if on_gpu:
        from .cuda.compile import cupy_module

        xp = cupy_module()
    else:
        xp = np
    image = as_input(input, "input", func, xp)
    kernel = as_input(weights, "weights", func, xp)
    if kernel.ndim != 2:
        raise ValueError(f"{func}: weights must be 2-D, got shape {kernel.shape}; for 1-D "
                         "weights pass them as one row or column, e.g. weights[None, :]")
    if 0 in kernel.shape:
        raise ValueError(f"{func}: weights are empty (shape {kernel.shape})")
    if image.ndim < 2:
        raise ValueError(f"{func}: input must have at least 2 dimensions, got shape {image.shape}")
    axes = image_axes(axes, image.ndim, func)
    if not isinstance(mode, str) or mode not in NDIMAGE_BOUNDARIES:
        names = ", ".join(repr(m) for m in NDIMAGE_BOUNDARIES)
        raise ValueError(f"{func}: mode must be one of {names} (one mode for both axes); "
                         f"got {mode!r}")
    nthreads = check_threads(threads, func)
    complex_result = "c" in (image.dtype.kind, kernel.dtype.kind)
    out_dtype = output_dtype(output, image.dtype, complex_result, func)
    if on_gpu and is_longdouble(out_dtype):
        raise TypeError(f"{func}: output {out_dtype} is not available for CuPy arrays (CUDA has "
                        "no long double); ask for float64 or complex128")
    dtype = compute_dtype(image.dtype, kernel.dtype, out_dtype)
    # Integer and bool images with integer weights sum in float64 exactly
    # (as ndimage's), and an integer output truncates the sums: the rounding
    # of 'fft' and 'separable' would move a sum of 4031 to 4030.99999 and its
    # output to 4030. Such calls are direct, as correlate2d's integer calls.
    # (Other weights' sums round anyway: a uint8 image's Gaussian into a
    # float output takes the cost model's method.)
    # (On the GPU, which has no 'fft' or 'separable', only the dtype counts.)
    integral_weights = kernel.dtype.kind in "biu" or (
        not on_gpu and kernel.dtype.kind == "f" and bool(np.all(np.trunc(kernel) == kernel)))
    exact = out_dtype.kind in "biu" or (image.dtype.kind in "biu" and integral_weights)
    method = check_method(method, dtype, func, exact=exact)
    if on_gpu and method in ("fft", "separable"):
        raise ValueError(f"{func}: method={method!r} is not available for CuPy arrays; "
                         "the GPU path is direct ('auto' and 'direct' run it)")
    # As ndimage, the weights run along the axes in increasing order, and
    # origin[i] belongs to axes[i].
    (rows_axis, cols_axis), swapped = sorted(axes), axes[0] > axes[1]
    top, left = origins(origin, kernel.shape if not swapped else kernel.shape[::-1], func)
    if swapped:
        top, left = left, top
    fill = fill_value(cval, dtype, image.dtype.kind, func)

    kernel = kernel.astype(dtype, copy=False)
    if convolve:
        # ndimage: convolution flips the weights, negates the origin and
        # shifts it by one on even axes.
        kernel = kernel[::-1, ::-1]
        top = -top - (1 - kernel.shape[0] % 2)
        left = -left - (1 - kernel.shape[1] % 2)
    elif dtype.kind == "c":
        kernel = xp.conj(kernel)  # as np.correlate, the weights are conjugated
    top += kernel.shape[0] // 2
    left += kernel.shape[1] // 2

    if output is None or not (isinstance(output, np.ndarray) or is_cupy_array(output)):
        result = xp.empty(image.shape, out_dtype)
    else:
        result = output
        if on_gpu != is_cupy_array(result):
            raise TypeError(f"{func}: output must be a {'cupy' if on_gpu else 'numpy'}.ndarray "
                            f"like the input, got {type(result).__name__}")
        if result.shape != image.shape:
            raise ValueError(f"{func}: output has shape {result.shape}, expected the input's "
                             f"{image.shape}")
        if not on_gpu and not result.flags.writeable:
            raise ValueError(f"{func}: output is read-only")
    moved = (rows_axis, cols_axis), (-2, -1)
    return NdimagePlan(xp.moveaxis(image, *moved), kernel, dtype, fill,
                       BOUNDARY_CODES[NDIMAGE_BOUNDARIES[mode]], top, left, nthreads,
                       method, xp.moveaxis(result, *moved), result, (rows_axis, cols_axis))

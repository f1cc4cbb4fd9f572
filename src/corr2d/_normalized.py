"""NaN-aware correlation by normalized convolution (``nan_policy='interpolate'``).

Missing samples (NaN, or True in a mask) weigh nothing, and each output is
rescaled by the share of the kernel's weight that fell on valid samples::

    out = corr(data with missing -> 0, w) * sum(w) / corr(valid, w)

where ``valid`` is 1 on valid samples and 0 on missing ones (astropy's
``nan_treatment='interpolate'``). With no missing sample ``corr(valid, w) ==
sum(w)`` and the result is the plain correlation (up to rounding). An
output whose window holds no valid sample of non-zero weight, or so little
weight that its sum is lost in rounding (below ``max(n, 64) * eps *
sum(|w|)``, n the number of weights, eps the dtype's), is NaN.

For a kernel whose weights sum to zero (derivative kernels: Sobel, Laplace,
differences; zero up to that same threshold) the rescaling is 0/0. There
each missing sample stands for the ``|w|``-weighted mean of the valid
samples in its window::

    out = corr(data, w) - corr(valid, w) * corr(data, |w|) / corr(valid, |w|)

For a kernel with ``w >= 0`` this is exactly the rescaling above; for a
derivative kernel it keeps the derivative of a flat image zero next to a
hole (rescaling by ``|w|`` would draw edges around it).

Outside the image, a 'constant' extension by `cval` counts as valid samples
of value `cval` unless `cval` is NaN (an infinite one propagates as
infinite samples do), and as missing ones when it is NaN;
other extensions (reflect, nearest, wrap, ...) copy the samples and their
validity alike. Only NaN is missing: +-inf propagate as in any correlation.

The algorithm is generic: the caller supplies its own correlation (boundary
mode, origin, output window, separable passes) as a closure, so
``corr2d.filters`` and ``corr2d.ndimage`` share it. It calls that closure
twice (four times for a zero-sum kernel), with arrays of the image's dtype
(float32 stays float32); the element-wise steps run in cache-sized chunks
over the threads (corr2d._chunked). Memory beyond the output, at the peak:
three arrays of the image's size and dtype (the zeroed copy, the validity
weights and the first result; four for a zero-sum kernel), plus what the
closure's correlations use. When nothing is missing (and the outside is
valid), the closure runs once on the image itself, after the two arrays
that found no missing sample.
"""
from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np

from . import _arrays
from ._chunked import map_chunks

__all__ = ["NAN_POLICIES", "check_nan_policy", "check_mask", "normalized_correlate", "weighing",
           "split_into", "finish"]

NAN_POLICIES = ("propagate", "interpolate")


def check_nan_policy(nan_policy: Any, func: str) -> str:
    """`nan_policy`, one of :data:`NAN_POLICIES`; else ``ValueError``.

    >>> check_nan_policy("omit", "sobel")
    Traceback (most recent call last):
    ...
    ValueError: sobel: nan_policy must be 'propagate' or 'interpolate', got 'omit'
    """
    if not isinstance(nan_policy, str) or nan_policy not in NAN_POLICIES:
        raise ValueError(f"{func}: nan_policy must be 'propagate' or 'interpolate', got {nan_policy!r}")
    return nan_policy


def check_mask(mask: Any, image: Any, func: str) -> Any:
    """`mask` as a boolean array of `image`'s shape on its device, or None.

    >>> import numpy as np
    >>> check_mask([[True, False]], np.zeros((1, 2)), "sobel")
    array([[ True, False]])
    >>> check_mask(np.zeros((2, 2)), np.zeros((2, 2)), "sobel")
    Traceback (most recent call last):
    ...
    TypeError: sobel: mask must be a boolean array (True marks an invalid sample), got dtype float64; pass mask.astype(bool) or mask != 0
    """
    if mask is None:
        return None
    _arrays.check_same_device_kind(func, image=image, mask=mask)
    m = mask if _arrays.is_cupy_array(mask) else np.asarray(mask)
    if m.dtype != bool:
        raise TypeError(
            f"{func}: mask must be a boolean array (True marks an invalid sample), got dtype "
            f"{m.dtype}; pass mask.astype(bool) or mask != 0"
        )
    if m.shape != image.shape:
        raise ValueError(f"{func}: mask must have the image's shape {image.shape}, got {m.shape}")
    return m


def _host_weights(weights: Any) -> np.ndarray:
    """The weights as a float64 NumPy array, for their sums."""
    host = weights.get() if _arrays.is_cupy_array(weights) else np.asarray(weights)
    return host.astype(np.float64)


def normalized_correlate(
    correlate: Callable[[Any, Any, float], Any],
    image: Any,
    weights: Any,
    invalid: Any,
    *,
    cval: float = 0.0,
    cval_is_valid: bool = True,
    threads: int = 0,
    precision: Any = None,
    func: str,
) -> Any:
    """Correlation that ignores missing samples (normalized convolution).

    Parameters
    ----------
    correlate : callable
        ``correlate(data, weights, fill) -> array``: the caller's
        correlation (its boundary mode, origin, output window) of a floating
        array shaped like `image`, returning a new array. `fill` is the
        value outside the image in 'constant' mode (ignore it for other
        modes). Called with the zeroed data and `weights` itself (the
        same object), then with the validity weights (1 valid, 0 missing)
        and another view of `weights` (``weights[...]``: not the same
        object, the same values, no copy); a zero-sum kernel adds both arrays with
        ``abs(weights)``. The fill is `cval` for the data and 1 for the
        validity weights (0 for both when the outside is missing). It may
        compute the correlation any way that equals it, e.g. as 1-D passes
        of a separable kernel, and may compute the one call with `weights`
        itself exactly as its 'propagate' path does (that is what the
        result equals when nothing is missing).
    image : ndarray (NumPy or CuPy)
        Floating image; NaN marks a missing sample.
    weights : ndarray
        The kernel (any number of dimensions), NumPy or CuPy.
    invalid : ndarray of bool or None
        More missing samples (True), `image`'s shape; or None.
    cval : float, optional, keyword-only
        The value outside the image in 'constant' mode.
    cval_is_valid : bool, optional, keyword-only
        Whether the samples outside the image count as valid (default);
        they are missing anyway when `cval` is NaN.
    threads : int, optional, keyword-only
        Threads for the element-wise steps (0: OpenMP's default).
    precision : dtype, optional, keyword-only
        The float dtype whose eps sets the zero-sum and empty-window
        thresholds: the input's own precision when `image` was widened for
        the output (a float32 input into a float64 or integer output);
        default `image`'s dtype.
    func : str, keyword-only
        The function the user called, for error messages.

    Returns
    -------
    ndarray
        ``corr(data, w) * sum(w) / corr(valid, w)`` (zero-sum kernels: see
        the module notes), in `image`'s dtype; NaN where the valid weight
        (``|corr(valid, w)|``, or ``corr(valid, |w|)``) is at most
        ``max(n, 64) * eps * sum(|w|)`` (no valid sample in the window).
        An all-zero kernel gives zeros (as 'propagate' does without NaN).

    Raises
    ------
    TypeError
        A non-floating `image`, or an `invalid` that is not boolean.
    ValueError
        An `invalid` of another shape than `image`.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import ndimage
    >>> def correlate(data, weights, fill):
    ...     return ndimage.correlate(data, weights, mode="constant", cval=fill)
    >>> row = np.array([[1.0, np.nan, 3.0, 4.0]])
    >>> normalized_correlate(correlate, row, np.ones((1, 3)) / 3, None, func="example")
    array([[0.5       , 2.        , 3.5       , 2.33333333]])

    The NaN weighs nothing and the other two samples of each window are
    rescaled to the kernel's sum: the first output averages 0 (outside the
    image, a valid sample in 'constant' mode) and 1.
    """
    if image.dtype.kind != "f":
        raise TypeError(f"{func}: normalized_correlate needs a floating image, got dtype {image.dtype}")
    if invalid is not None:
        if invalid.dtype != bool:
            raise TypeError(f"{func}: the invalid-sample mask must be boolean, got dtype {invalid.dtype}")
        if invalid.shape != image.shape:
            raise ValueError(
                f"{func}: the invalid-sample mask has shape {invalid.shape}, the image {image.shape}"
            )
    outside_valid = bool(cval_is_valid) and not math.isnan(cval)  # +-inf: valid, and propagate
    data, valid, any_missing = _split(image, invalid, threads)
    if outside_valid and not any_missing:
        return correlate(image, weights, cval)  # nothing to leave out: the plain correlation
    facts = weighing(_host_weights(weights), image.dtype if precision is None else precision)
    if facts is None:  # an all-zero kernel weighs nothing: zeros, as 'propagate' gives
        return correlate(data, weights, 0.0)
    data_fill, valid_fill = (cval, 1.0) if outside_valid else (0.0, 0.0)
    num = correlate(data, weights, data_fill)
    if facts.zero_sum:
        magnitudes = abs(weights)
        mean_num = correlate(data, magnitudes, data_fill)
        del data
        mean_den = correlate(valid, magnitudes, valid_fill)
        weight_sum = correlate(valid, weights[...], valid_fill)  # another object: see `correlate`
        del valid
        map_chunks(lambda *a: finish(facts, *a), (num, weight_sum, mean_num, mean_den), threads)
        return num
    del data  # before the weight sums: three image-sized temporaries at most
    weight_sum = correlate(valid, weights[...], valid_fill)  # another object: see `correlate`
    del valid
    map_chunks(lambda *a: finish(facts, *a), (num, weight_sum), threads)
    return num


class Weighing(NamedTuple):
    """What the rescaling needs to know of a kernel (see the module notes)."""

    lost: float  # window weights at most this are rounding noise: no valid sample
    zero_sum: bool  # the kernel's own sum is lost in rounding: fill with window means
    signed: bool  # some weights are negative: weight sums of either sign
    total: float  # the kernel's sum


def weighing(weights: np.ndarray, dtype: np.dtype) -> Weighing | None:
    """The rescaling's facts of `weights` (NumPy) for data of `dtype`; None
    for an all-zero kernel."""
    weights = np.asarray(weights, np.float64)
    if _one_value(weights):
        value = float(weights.flat[0])
        abs_sum, total, negative = abs(value) * weights.size, value * weights.size, value < 0
    else:
        abs_sum, total = float(np.abs(weights).sum()), float(weights.sum())
        negative = bool((weights < 0).any())
    if abs_sum == 0:
        return None
    lost = max(weights.size, 64) * float(np.finfo(dtype).eps) * abs_sum
    # A kernel whose own sum is lost in rounding is zero-sum: rescaling by
    # it would be 0/0, so missing samples take the |w|-weighted mean of the
    # window's valid samples instead (for w >= 0 that *is* the rescaling).
    return Weighing(lost, abs(total) <= lost, negative, total)


def _one_value(weights: Any) -> bool:
    """Whether `weights` is one value broadcast (every stride 0): the
    stand-in of a kernel too large to hold (see corr2d.filters' Gaussian),
    whose sums must not take its size in memory."""
    return weights.size > 0 and not any(weights.strides)


def split_into(src: Any, data: Any, valid: Any, invalid: Any = None) -> bool:
    """``data = src`` with missing samples (NaN, or `invalid`) zeroed,
    ``valid`` = 1 where not missing, else 0; whether any is missing."""
    missing = src != src  # NaN is the one value unequal to itself (any array type)
    if invalid is not None:
        missing |= invalid
    if data is not src:
        data[...] = src
    data[missing] = 0
    valid[...] = ~missing
    return bool(missing.any())


def finish(facts: Weighing, num: Any, weight_sum: Any, mean_num: Any = None,
           mean_den: Any = None) -> None:
    """Turn the correlations of the data (`num`) and of the validity weights
    (`weight_sum`; with |w|, `mean_num` and `mean_den`, for a zero-sum
    kernel) into the result, in `num`; the others are overwritten."""
    with np.errstate(divide="ignore", invalid="ignore"):  # empty windows: NaN below
        if facts.zero_sum:
            empty = mean_den <= facts.lost
            mean_num /= mean_den
            # A window whose valid weights sum to zero (to rounding: all of
            # it valid, say) needs no stand-ins; 0 x an infinite mean would
            # make the plain correlation's infinity NaN.
            mean_num[abs(weight_sum) <= facts.lost] = 0
            mean_num *= weight_sum
            num -= mean_num
        else:
            # Non-negative weights sum to >= 0 up to rounding: no |.| pass needed.
            empty = (abs(weight_sum) if facts.signed else weight_sum) <= facts.lost
            num /= weight_sum
            num *= facts.total  # a Python float: the dtype stays the image's
    num[empty] = np.nan


def _split(image: Any, invalid: Any, threads: int) -> tuple[Any, Any, bool]:
    """The image with its missing samples (NaN, or `invalid`) zeroed, the
    validity weights (1 valid, 0 missing) in its dtype, and whether any
    sample is missing; in cache-sized chunks over the threads."""
    xp = _arrays.array_module(image)
    data = xp.empty(image.shape, image.dtype)
    valid = xp.empty(image.shape, image.dtype)
    source = image
    if not image.flags.c_contiguous:  # chunks need one layout: copy it in first
        data[...] = image
        source = data
    masks = (invalid if invalid.flags.c_contiguous else xp.ascontiguousarray(invalid),
             ) if invalid is not None else ()
    return data, valid, any(map_chunks(split_into, (source, data, valid, *masks), threads))

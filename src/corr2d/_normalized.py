"""NaN-aware correlation by normalized convolution (``nan_policy='interpolate'``).

Missing samples (NaN, or True in a mask) weigh nothing, and each output is
rescaled by the share of the kernel's weight that fell on valid samples::

    out = corr(data with missing -> 0, w) * sum(u) / corr(valid, u)

where ``valid`` is 1 on valid samples and 0 on missing ones, and ``u = w``,
except for a kernel whose weights sum to zero (derivative kernels: Sobel,
Laplace, differences; zero up to the threshold below), where ``u = |w|``:
``sum(w) / corr(valid, w)`` would be 0/0 for them. With no missing sample ``corr(valid, u) == sum(u)`` and the
result is the plain correlation, either way (up to rounding). An output
whose window holds no valid sample of non-zero weight, or so little weight
that the weight sum is lost in rounding (below ``max(n, 64) * eps *
sum(|w|)``, n the number of weights, eps the dtype's), is NaN.

Outside the image, a 'constant' extension by `cval` counts as valid samples
of value `cval` when `cval` is finite, and as missing ones when it is NaN;
other extensions (reflect, nearest, wrap, ...) copy the samples and their
validity alike. Only NaN is missing: +-inf propagate as in any correlation.

The algorithm is generic: the caller supplies its own correlation (boundary
mode, origin, output window, separable passes) as a closure, so
``corr2d.filters`` and ``corr2d.ndimage`` share it. It calls that closure
twice, with arrays of the image's dtype (float32 stays float32). Memory
beyond the output, at the peak: two arrays of the image's size and dtype (a
zeroed copy of the image, then the validity weights and the weight sums;
the copy is dropped before the validity weights are made) and a boolean
mask of the missing samples, plus what the closure's correlations use.
When nothing is missing (and the outside is valid), the closure runs once
on the image itself and only the boolean mask is added.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from . import _arrays

__all__ = ["NAN_POLICIES", "check_nan_policy", "check_mask", "normalized_correlate"]

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
        modes). Called twice: with the zeroed data, `weights` itself (the
        same object) and `cval` (0 when the outside is missing); then with
        the validity weights (1 valid, 0 missing), the normalizing weights
        (`weights` itself, or ``abs(weights)`` for a zero-sum kernel) and 1
        (0 when the outside is missing). It may compute the correlation any
        way that equals it, e.g. as 1-D passes of a separable kernel, and
        may compute the call with `weights` itself exactly as its
        'propagate' path does (that is what the result equals when nothing
        is missing).
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
    func : str, keyword-only
        The function the user called, for error messages.

    Returns
    -------
    ndarray
        ``corr(data, w) * sum(u) / corr(valid, u)``, in `image`'s dtype;
        NaN where the valid weight ``|corr(valid, u)|`` is at most
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
    # NaN is the one value unequal to itself (an operator: any array type has it).
    missing = image != image
    if invalid is not None:
        if invalid.dtype != bool:
            raise TypeError(f"{func}: the invalid-sample mask must be boolean, got dtype {invalid.dtype}")
        if invalid.shape != image.shape:
            raise ValueError(
                f"{func}: the invalid-sample mask has shape {invalid.shape}, the image {image.shape}"
            )
        missing |= invalid
    outside_valid = bool(cval_is_valid) and math.isfinite(cval)
    if outside_valid and not bool(missing.any()):
        return correlate(image, weights, cval)  # nothing to leave out: the plain correlation

    host = _host_weights(weights)
    abs_sum = float(np.abs(host).sum())
    eps = float(np.finfo(image.dtype).eps)
    lost = max(host.size, 64) * eps * abs_sum  # weight sums below this are rounding noise
    # A kernel whose own sum is lost in rounding is zero-sum: rescale by |w|
    # (by w, every window's weight sum would be noise: all NaN).
    zero_sum = abs(float(host.sum())) <= lost
    norm = abs(weights) if zero_sum else weights
    norm_sum = abs_sum if zero_sum else float(host.sum())
    signed = not zero_sum and bool((host < 0).any())  # weight sums of either sign

    data = image.copy()
    data[missing] = 0
    if abs_sum == 0:  # an all-zero kernel weighs nothing: zeros, as 'propagate' gives
        return correlate(data, weights, 0.0)
    num = correlate(data, weights, cval if outside_valid else 0.0)
    del data  # before the validity weights: two image-sized temporaries at most
    valid = (~missing).astype(image.dtype)
    del missing
    weight_sum = correlate(valid, norm, 1.0 if outside_valid else 0.0)
    del valid
    # Non-negative weights sum to >= 0 up to rounding: no |.| pass needed.
    empty = (abs(weight_sum) if signed else weight_sum) <= lost
    with np.errstate(divide="ignore", invalid="ignore"):  # empty windows: NaN below
        num /= weight_sum
    num *= norm_sum  # a Python float: the dtype stays the image's
    num[empty] = np.nan
    return num

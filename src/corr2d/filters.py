"""Edge and smoothing filters for 2-D images, built on :func:`corr2d.ndimage.correlate`.

Every filter here returns an image of the input's shape (or a smaller one in
``mode='valid'``) and agrees with the ``scipy.ndimage`` filter of the same
name under the same boundary mode.

Boundary modes use ``scipy.ndimage``'s names, and the C core has each rule
(no padded copy of the image is made):

============  ===================  =========================================
mode          extension of abcd    scipy.signal / PyTorch / numpy.pad name
============  ===================  =========================================
'reflect'     ``ba|abcd|dc``       'symm' / (none) / 'symmetric'
'constant'    ``kk|abcd|kk``       'fill' / 'zeros' (k = 0) / 'constant'
'wrap'        ``cd|abcd|ab``       'wrap' / 'circular' / 'wrap'
'nearest'     ``aa|abcd|dd``       (none) / 'replicate' / 'edge'
'mirror'      ``cb|abcd|cb``       (none) / 'reflect' / 'reflect'
'valid'       (none)               ``correlate2d(mode='valid')``: the output
                                   shrinks by the kernel size minus one
============  ===================  =========================================

``'grid-mirror'``, ``'grid-constant'`` and ``'grid-wrap'`` are accepted as
the aliases ``scipy.ndimage`` makes of them for filters. Kernels wider than
the image are fine in every mode (the extension repeats). The names of
every library in one table, with OpenCV's: :ref:`boundary-modes`.

Dtypes: float32 images are filtered in float32, float64 in float64 (and
longdouble in longdouble); float16 is computed in float32; integer and bool
images are computed in float64 (``scipy.ndimage`` would return the input's
integer type and wrap around: ``sobel`` of a uint8 image is rarely what
anyone wants). Complex images are refused.

Separable kernels: the Gaussian runs as two 1-D passes (a 1xN then an Nx1
``correlate2d`` call), ``2N`` instead of ``N**2`` multiply-adds per pixel.
The 3x3 gradient operators (Sobel, Prewitt, Scharr) give exactly 0 where
the derivative vanishes (a flat region), as ``scipy.ndimage``'s two 3-tap
passes, the difference first, do. Sobel and Prewitt along axis 1 run as
one 3x3 pass, whose rows then cancel exactly; along axis 0 (float32 and
float64 on the CPU) as the separable method, whose column pass takes the
difference first, band by band in cache (about 1.3x the one pass's time
on a 4096^2 image, still faster than cv2.Sobel); Scharr, other dtypes and
the GPU as the two passes (about 1.9x; the first pass's result is a
temporary of the plane's size), as does ``mode='constant'`` with a
non-zero `cval`, where ``scipy.ndimage``'s result is defined by the two
passes (the second extends the first's output by `cval`, not by the
filtered `cval`).

Stacks and colour images: every filter takes ``axes=`` (the two image axes
of an n-D array; each other axis is a stack, filtered plane by plane) and
``channel_axis=`` (scikit-image's name for the colour axis), and returns
the input's layout: ``sobel(rgb, channel_axis=-1)`` filters an (H, W, 3)
image per channel, ``gaussian(stack, 2.0, axes=(-2, -1))`` an (N, H, W)
stack per image. The result equals filtering each plane by itself
(:mod:`corr2d._stacks`).

Missing samples: ``nan_policy='interpolate'`` (and ``mask=``) computes a
normalized convolution (:mod:`corr2d._normalized`): NaN and masked samples
weigh nothing and each output is rescaled by the share of the weight that
fell on valid samples; ``'propagate'`` (default) spreads NaN as SciPy does.

GPU: a CuPy image is filtered on the GPU (through the GPU path of
:func:`corr2d.ndimage.correlate`, every mode in its kernels) and the result
is a CuPy array, with the same dtypes and errors.
"""
from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _arrays, _ccore
from ._dispatch import backend_for
from ._methods import choose
from ._normalized import check_mask, check_nan_policy, normalized_correlate
from ._stacks import apply_over_planes, image_axes
from . import ndimage
from ._tables import NDIMAGE_BOUNDARIES
from .signal import correlate2d

__all__ = ["difference", "edges", "gaussian", "gaussian_kernel1d", "laplace", "prewitt", "scharr",
           "sobel"]

#: ndimage mode name -> correlate2d boundary (None: pad with numpy first).
_MODES: dict[str, str | None] = {**NDIMAGE_BOUNDARIES, "valid": None}

#: Derivative and smoothing weights of the separable gradient operators.
_DERIVATIVE = np.array([-1.0, 0.0, 1.0])
_SMOOTHING = {
    "sobel": np.array([1.0, 2.0, 1.0]),
    "prewitt": np.array([1.0, 1.0, 1.0]),
    "scharr": np.array([3.0, 10.0, 3.0]),
}
_LAPLACE = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
EDGE_METHODS = ("sobel", "prewitt", "scharr", "laplace", "difference")


#: A 2-D filter of this module: ``(plane, mask plane or None, nan_policy) -> result``.
PlaneFilter = Callable[[Any, Any, str], Any]


def _as_image(image: ArrayLike, func: str) -> np.ndarray:
    """`image` as a floating array, by the module's dtype policy (its axes
    are checked by :func:`corr2d._stacks.image_axes`)."""
    if isinstance(image, (str, bytes)) or image is None:
        raise TypeError(f"{func}: image must be a 2-D array, got {type(image).__name__}")
    a = image if _arrays.is_cupy_array(image) else np.asarray(image)
    if a.dtype.kind in "biu":
        a = a.astype(np.float64)
    elif a.dtype.kind == "f" and a.dtype.itemsize == 2:  # float16 in either byte order
        a = a.astype(np.float32)
    elif a.dtype.kind != "f":
        raise TypeError(
            f"{func}: image must be a real numeric array (int, bool or float), got dtype {a.dtype}"
        )
    return a


def _check_mode(mode: object, func: str) -> str:
    if not isinstance(mode, str) or mode not in _MODES:
        names = ", ".join(repr(m) for m in _MODES)
        raise ValueError(f"{func}: mode must be one of {names}; got {mode!r}")
    return mode


def _check_cval(cval: object, func: str) -> float:
    if isinstance(cval, bool) or not isinstance(cval, numbers.Real):
        raise TypeError(f"{func}: cval must be a real number, got {cval!r}")
    return float(cval)


def _check_axis(axis: object, func: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{func}: axis must be an int (0, 1, -1 or -2), got {axis!r}")
    if not -2 <= axis <= 1:
        raise ValueError(
            f"{func}: axis must be 0, 1, -1 or -2 (one of the two image axes; with axes= it "
            f"picks axes[axis]), got {axis}"
        )
    return int(axis) % 2


def _correlate(
    image: np.ndarray, kernel: np.ndarray, mode: str, cval: float, func: str,
    planes: tuple[int, int] | None = None, method: str = "auto",
) -> np.ndarray:
    """Correlate `image` (2-D, or its planes along `planes`, rows first, for
    the modes other than 'valid') with a small `kernel`, extended by ndimage
    `mode`, by correlate2d's `method`.

    The output keeps the image's shape, and is centred as correlate2d's
    'same' mode: ``(k - 1) // 2`` rows/columns of extension before the
    image, the rest after it (the centre of odd kernels, as in ndimage).
    """
    xp = _arrays.array_module(image)
    kernel = xp.asarray(kernel, dtype=image.dtype)  # on the image's device
    if mode == "valid":
        if any(k > n for k, n in zip(kernel.shape, image.shape)):
            raise ValueError(
                f"{func}: mode='valid' needs an image at least as large as the kernel {kernel.shape}, "
                f"got {image.shape}"
            )
        return correlate2d(image, kernel, mode="valid", method=method)
    if planes is not None and planes[0] > planes[1]:
        # ndimage pairs the weights' axes with the image axes in increasing
        # order; `planes` names the image's rows first.
        kernel, planes = kernel.T, planes[::-1]
    # scipy.ndimage centres a kernel at k // 2; origin -1 on an even axis
    # moves it to correlate2d's (k - 1) // 2. Every mode is the core's.
    origin = tuple(-(1 - k % 2) for k in kernel.shape)
    return ndimage.correlate(image, kernel, mode=mode, cval=cval, origin=origin, axes=planes,
                             method=method)


def _correlate1d(
    image: np.ndarray, weights: np.ndarray, axis: int, mode: str, cval: float, func: str
) -> np.ndarray:
    """One 1-D pass of `weights` along `axis` (0: down the columns, 1: along rows)."""
    kernel = weights.reshape((1, -1) if axis == 1 else (-1, 1))
    return _correlate(image, kernel, mode, cval, func)




def _plane_filter(correlate: Callable, kernel: np.ndarray, cval: float, func: str,
                  mode: str, plain: bool = True,
                  method: Callable[[tuple, np.dtype], str] = lambda shape, dtype: "auto",
                  ) -> PlaneFilter:
    """The 2-D filter computing ``correlate(plane, kernel, cval)`` under a nan_policy.

    `correlate(data, weights, fill)` is the filter's correlation with its
    boundary `mode` (see :func:`corr2d._normalized.normalized_correlate`).
    `plain`: ``correlate(plane, kernel, cval)`` on the CPU is the one 2-D
    correlation ``_correlate(plane, kernel, mode, cval, method=method(plane's
    shape, dtype))``, which a Dask image then runs as corr2d.ndimage's
    blocks with the method chosen for its whole planes (see
    `_filter_lazily`).
    """

    def filter2d(plane, mask_plane, nan_policy: str):
        if nan_policy == "interpolate":
            return normalized_correlate(correlate, plane, kernel, mask_plane, cval=cval, func=func)
        return correlate(plane, kernel, cval)

    filter2d.plain_kernel, filter2d.cval = (kernel if plain else None), cval
    filter2d.plain_method = method
    return _with_reach(filter2d, (kernel.shape[0] // 2, kernel.shape[1] // 2), mode)


def _with_reach(filter2d: Callable, reach: tuple[int, int], mode: str) -> PlaneFilter:
    """`filter2d`, marked with how far from an output it reads (rows,
    columns) and its mode: what a Dask image's blocks need as halo."""
    filter2d.reach, filter2d.mode = reach, mode
    return filter2d


def _filter_image(
    image: ArrayLike, filter2d: PlaneFilter, func: str, axes, channel_axis, nan_policy, mask
) -> NDArray[np.floating]:
    """`filter2d` applied to every image plane of `image`, in the input's layout."""
    if _arrays.any_dask_array(image, mask):
        return _filter_lazily(image, filter2d, func, axes, channel_axis, nan_policy, mask)
    with backend_for(func, image=image, mask=mask).context(image):  # a CuPy image's device
        return _filter_in_memory(image, filter2d, func, axes, channel_axis, nan_policy, mask)


def _filter_in_memory(
    image: ArrayLike, filter2d: PlaneFilter, func: str, axes, channel_axis, nan_policy, mask
) -> NDArray[np.floating]:
    """`_filter_image` for a NumPy or CuPy image, on its device."""
    a = _as_image(image, func)
    planes = image_axes(a.shape, axes, channel_axis, func)
    if a.size == 0:
        raise ValueError(f"{func}: image is empty (shape {a.shape})")
    if check_nan_policy(nan_policy, func) == "propagate" and mask is not None:
        # as corr2d.ndimage: a mask means "leave these out", which propagate cannot
        raise ValueError(f"{func}: mask marks samples to leave out, which needs nan_policy='interpolate'")
    mask = check_mask(mask, a, func)
    return apply_over_planes(
        lambda plane, mask_plane: filter2d(plane, mask_plane, nan_policy), a, planes, mask
    )


def _filter_block(filter2d: PlaneFilter, func: str, axes, channel_axis, nan_policy,
                  image: np.ndarray, mask: Any) -> NDArray[np.floating]:
    """One Dask block: the filter on its ghosted region."""
    return _filter_image(image, filter2d, func, axes, channel_axis, nan_policy, mask)


def _filter_lazily(image: Any, filter2d: PlaneFilter, func: str, axes, channel_axis, nan_policy,
                   mask: Any) -> Any:
    """A Dask image (or mask): a lazy result, each block filtered on its
    region with a halo of the filter's reach (corr2d._dask); a plain
    correlation (of a 2-D image or a stack) is corr2d.ndimage's lazy
    correlation."""
    backend = backend_for(func, image=image, mask=mask)
    if not _arrays.is_dask_array(image):
        # Only the mask is Dask: computed now (the image is in memory, so it
        # fits), the filter runs in memory and its result is wrapped.
        import dask.array as da

        return da.from_array(_filter_image(image, filter2d, func, axes, channel_axis, nan_policy,
                                           np.asarray(mask)))
    if filter2d.mode == "valid":
        raise ValueError(f"{func}: mode='valid' is not available for Dask arrays; use "
                         "corr2d.correlate2d(..., mode='valid') or another mode")
    planes = image_axes(tuple(image.shape), axes, channel_axis, func)
    kernel = getattr(filter2d, "plain_kernel", None)
    if (kernel is not None and mask is None and check_nan_policy(nan_policy, func) == "propagate"
            and image.size):
        # One plain correlation: corr2d.ndimage's lazy correlation, whose
        # blocks compute only their own outputs. The small call checks the
        # arguments and gives the result's dtype (integers: float64).
        small = _filter_image(_arrays.stand_in(image), filter2d, func, axes, channel_axis,
                              nan_policy, None)
        plane_shape = tuple(image.shape[axis] for axis in planes)
        return _correlate(image.astype(small.dtype), kernel, filter2d.mode, filter2d.cval, func,
                          planes, method=filter2d.plain_method(plane_shape, small.dtype))
    block = functools.partial(_filter_block, filter2d, func, axes, channel_axis, nan_policy)
    return backend.map_planes(block, image, mask, planes, filter2d.reach, filter2d.mode, func)


#: Whether the C core runs the separable passes in its own loops, which
#: fold an antisymmetric column (else they are the direct loops). Asked of
#: the FFT: both exist under the same guard, GCC's vector types
#: (SEPARABLE_COLUMNS in separable.c, FFT_VECTORS in fft.c).
_CORE_PASSES = bool(_ccore.fft_supported(np.dtype(np.float64), 8, 8))


def _gradient_filter(axis: object, mode: object, cval: object, smoothing: str, func: str) -> PlaneFilter:
    """Sobel, Prewitt or Scharr along one image axis, as a 2-D filter."""
    axis = _check_axis(axis, func)
    mode = _check_mode(mode, func)
    cval = _check_cval(cval, func)
    derivative, smoothing_weights = _DERIVATIVE, _SMOOTHING[smoothing]
    kernel = np.outer(derivative, smoothing_weights) if axis == 0 else np.outer(
        smoothing_weights, derivative
    )

    # A stretch where the derivative vanishes (a flat region) must give
    # exactly 0, as ndimage's two passes, the difference first, give it
    # (an edge map thresholded at 0, or scaled by its largest value, must
    # not see rounding). One 3x3 pass of the direct loops, which sum the
    # kernel row by row, does so only along axis 1 with weights whose
    # products are exact (Sobel's and Prewitt's 1 and 2): each row's taps
    # then cancel exactly. Along axis 0 the row above rounds and the row
    # below does not cancel it (5.6e-17 on a flat 77/255); there the
    # separable method's column pass, which folds an antisymmetric factor
    # (the mirrored samples' difference first), does, where the core runs
    # its own passes for the dtype: 1.3x the one pass's time on a 4096^2
    # image, against 1.9x for two passes. Scharr (3 and 10 round, and its
    # factors are not exact), the GPU's loops (not ours to order) and the
    # rest take the two passes.
    exact_weights = smoothing in ("sobel", "prewitt")  # Scharr's cross factors hold 0.3s

    def route(data: Any, fill: float) -> str:
        """'one' 3x3 pass, 'separable', or 'two' 1-D passes for `data`."""
        if _arrays.is_cupy_array(data) or (_MODES[mode] == "fill" and fill != 0.0):
            # 'constant' with a non-zero cval: ndimage extends the first
            # pass's output by cval, so two passes.
            return "two"
        if exact_weights and axis == 1:
            return "one"
        if (exact_weights and _CORE_PASSES
                and getattr(data, "dtype", None) in (np.float32, np.float64)):
            return "separable"
        return "two"

    def correlate(data, weights, fill):
        if weights is not kernel:
            # The |kernel| weighing the valid samples in
            # nan_policy='interpolate': one 2-D pass, exact for any fill.
            return _correlate(data, weights, mode, fill, func)
        how = route(data, fill)
        if how == "two":
            out = _correlate1d(data, derivative, axis, mode, fill, func)
            return _correlate1d(out, smoothing_weights, 1 - axis, mode, fill, func)
        # One call reads the image once instead of twice: 1.9x (one 3x3
        # pass) and 1.4x (separable) faster than two on large images.
        return _correlate(data, weights, mode, fill, func,
                          method="separable" if how == "separable" else "auto")

    # Never one plain correlation of a Dask image's blocks: their kernel is
    # transposed for decreasing axes (its rows then no longer cancel), and
    # blocks of CuPy arrays would take the one pass.
    return _plane_filter(correlate, kernel, cval, func, mode, plain=False)


def _kernel_filter(kernel: np.ndarray, mode: object, cval: object, func: str) -> PlaneFilter:
    """One correlation with a small 2-D `kernel`, as a 2-D filter."""
    mode = _check_mode(mode, func)
    cval = _check_cval(cval, func)
    return _plane_filter(
        lambda data, weights, fill: _correlate(data, weights, mode, fill, func), kernel, cval, func,
        mode)


def _difference_filter(axis: object, mode: object, cval: object, func: str) -> PlaneFilter:
    """The forward difference ``[1, -1]`` along one image axis, as a 2-D filter."""
    axis = _check_axis(axis, func)
    kernel = np.array([1.0, -1.0]).reshape((-1, 1) if axis == 0 else (1, -1))
    return _kernel_filter(kernel, mode, cval, func)


_PLANES_AND_NAN = """\
    axes : (int, int), optional, keyword-only
        The (rows, columns) axes of an n-D `image`, in that order; every
        other axis is a stack, filtered plane by plane (``axes=(-2, -1)``
        for an (N, H, W) stack). Default: the last two axes other than
        `channel_axis`, or, without it, a 2-D image. `axis` and a pair of
        values (`sigma`, `radius`) refer to these two: ``axis=0`` is
        ``axes[0]``.
    channel_axis : int, optional, keyword-only
        The colour axis (scikit-image's name), filtered channel by channel:
        -1 for an (H, W, 3) image, 0 for (3, H, W). Not one of `axes`.
    nan_policy : {'propagate', 'interpolate'}, optional, keyword-only
        'propagate' (default): a NaN spreads to every output whose window
        holds it, as in SciPy. 'interpolate': normalized convolution; NaN
        and masked samples weigh nothing, and each output is rescaled by
        ``sum(w) / sum(w over the valid samples)``, so without missing
        samples it equals 'propagate' (up to rounding); an output with no
        valid sample in its window is NaN. For a zero-sum (derivative)
        kernel each missing sample stands for the ``|w|``-weighted mean of
        its window's valid samples instead (so a flat image keeps a zero
        derivative next to a hole). With ``mode='constant'`` a finite
        `cval` counts as valid samples, a NaN `cval` as missing ones.
        Memory beyond the output, per plane: three arrays of the plane's
        size and dtype (the zeroed data, the valid weights, a correlation;
        four for a zero-sum kernel); when nothing is missing, two (the
        pass that looked) before one plain correlation. See
        :doc:`/nan-policy`.
    mask : array_like of bool, optional, keyword-only
        True marks an invalid sample, as a NaN would; `image`'s shape.
        Needs ``nan_policy='interpolate'``."""

_PLANES_AND_NAN_ERRORS = """\
    ValueError
        An image that is not 2-D (without `axes` or `channel_axis`), `axes`
        that are not two distinct axes in range, a `channel_axis` out of
        range or among `axes`, an unknown `nan_policy`, a `mask` of another
        shape than the image or with ``nan_policy='propagate'``.
    TypeError
        Non-integer `axes` or `channel_axis`, a `mask` that is not boolean."""


def _with_planes_and_nan(function):
    """Put the shared parameter and error text into `function`'s docstring."""
    function.__doc__ = function.__doc__.format(
        planes_and_nan=_PLANES_AND_NAN, planes_and_nan_errors=_PLANES_AND_NAN_ERRORS
    )
    return function


@_with_planes_and_nan
def sobel(
    image: ArrayLike,
    axis: int = -1,
    mode: str = "reflect",
    cval: float = 0.0,
    *,
    axes: Sequence[int] | None = None,
    channel_axis: int | None = None,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> NDArray[np.floating]:
    """Sobel derivative of an image along one axis; as ``scipy.ndimage.sobel``.

    Correlates with the central difference ``[-1, 0, 1]`` along `axis` and
    smooths with ``[1, 2, 1]`` along the other axis, the difference first,
    so a flat region gives exactly 0, as in SciPy (how it runs: the module
    notes). The kernels are not normalised (as in SciPy): on a unit step
    the response is 4.

    Parameters
    ----------
    image : array_like
        2-D image, or a stack or colour image with `axes` or
        `channel_axis`. Integer and bool images are computed in float64.
    axis : {{-1, 0, 1, -2}}, optional
        Image axis to differentiate along: -1/1 (default) across columns,
        which finds vertical edges; 0/-2 down the rows, which finds
        horizontal ones.
    mode : {{'reflect', 'constant', 'nearest', 'mirror', 'wrap', 'valid'}}, optional
        How the image is extended past its edges (``scipy.ndimage``'s names;
        see the module notes). 'valid' computes only the outputs that need
        no extension, shape ``(H - 2, W - 2)``. 'reflect' is scipy.signal's
        'symm'; PyTorch's ``padding_mode='reflect'`` is 'mirror' here (all
        the names: :ref:`boundary-modes`).
    cval : float, optional
        Value outside the image with ``mode='constant'``.
{planes_and_nan}

    Returns
    -------
    ndarray
        The derivative, in the image's float dtype (float32 for float16, float64 for integers)
        and layout.

    Raises
    ------
    ValueError
        An empty image, an unknown `mode`, an `axis` out of range, or
        'valid' on an image smaller than 3x3.
    TypeError
        A complex or non-numeric image, a non-integer `axis`, a non-real `cval`.
{planes_and_nan_errors}

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.filters import sobel
    >>> step = np.array([[0, 0, 1, 1]] * 3)
    >>> sobel(step, axis=1)
    array([[0., 4., 4., 0.],
           [0., 4., 4., 0.],
           [0., 4., 4., 0.]])

    A colour image, channel by channel (the third channel is 3 steps):

    >>> rgb = np.stack([step, 2 * step, 3 * step], axis=-1)
    >>> sobel(rgb, axis=1, channel_axis=-1)[0, :, 2]
    array([ 0., 12., 12.,  0.])
    """
    filter2d = _gradient_filter(axis, mode, cval, "sobel", "sobel")
    return _filter_image(image, filter2d, "sobel", axes, channel_axis, nan_policy, mask)


@_with_planes_and_nan
def prewitt(
    image: ArrayLike,
    axis: int = -1,
    mode: str = "reflect",
    cval: float = 0.0,
    *,
    axes: Sequence[int] | None = None,
    channel_axis: int | None = None,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> NDArray[np.floating]:
    """Prewitt derivative of an image along one axis; as ``scipy.ndimage.prewitt``.

    As :func:`sobel`, with the smoothing weights ``[1, 1, 1]``.

    Parameters
    ----------
    image, axis, mode, cval
        As in :func:`sobel` (mode names in other libraries:
        :ref:`boundary-modes`).
{planes_and_nan}

    Returns
    -------
    ndarray
        The derivative, in the image's float dtype (float32 for float16, float64 for integers)
        and layout.

    Raises
    ------
    ValueError, TypeError
        As :func:`sobel`.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.filters import prewitt
    >>> prewitt(np.array([[0, 0, 1, 1]] * 3), axis=1)
    array([[0., 3., 3., 0.],
           [0., 3., 3., 0.],
           [0., 3., 3., 0.]])
    """
    filter2d = _gradient_filter(axis, mode, cval, "prewitt", "prewitt")
    return _filter_image(image, filter2d, "prewitt", axes, channel_axis, nan_policy, mask)


@_with_planes_and_nan
def scharr(
    image: ArrayLike,
    axis: int = -1,
    mode: str = "reflect",
    cval: float = 0.0,
    *,
    axes: Sequence[int] | None = None,
    channel_axis: int | None = None,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> NDArray[np.floating]:
    """Scharr derivative of an image along one axis.

    As :func:`sobel`, with the smoothing weights ``[3, 10, 3]``, not
    normalised (the response to a unit step is 16; divide by 32 for the
    normalised operator of OpenCV/scikit-image's ``1/32`` convention).
    ``scipy.ndimage`` has no ``scharr``; this equals
    ``ndimage.correlate1d`` with ``[-1, 0, 1]`` along `axis` followed by
    ``[3, 10, 3]`` along the other axis.

    Parameters
    ----------
    image, axis, mode, cval
        As in :func:`sobel` (mode names in other libraries:
        :ref:`boundary-modes`).
{planes_and_nan}

    Returns
    -------
    ndarray
        The derivative, in the image's float dtype (float32 for float16, float64 for integers)
        and layout.

    Raises
    ------
    ValueError, TypeError
        As :func:`sobel`.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.filters import scharr
    >>> scharr(np.array([[0, 0, 1, 1]] * 3), axis=1)
    array([[ 0., 16., 16.,  0.],
           [ 0., 16., 16.,  0.],
           [ 0., 16., 16.,  0.]])
    """
    filter2d = _gradient_filter(axis, mode, cval, "scharr", "scharr")
    return _filter_image(image, filter2d, "scharr", axes, channel_axis, nan_policy, mask)


@_with_planes_and_nan
def laplace(
    image: ArrayLike,
    mode: str = "reflect",
    cval: float = 0.0,
    *,
    axes: Sequence[int] | None = None,
    channel_axis: int | None = None,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> NDArray[np.floating]:
    """Discrete Laplacian of an image; as ``scipy.ndimage.laplace``.

    One pass of the 5-point stencil ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]``
    (the sum of the second differences ``[1, -2, 1]`` along both axes).
    An image whose Laplacian is not all finite takes ndimage's two 1-D
    passes instead, so an infinity or NaN reaches only its four
    neighbours, as in SciPy (the stencil's zero corners would make its
    diagonal neighbours NaN); so does ``mode='constant'`` with a non-zero
    `cval`, so that a flat image in its own `cval` gives exactly 0, as in
    SciPy.

    Parameters
    ----------
    image : array_like
        2-D image, or a stack or colour image with `axes` or
        `channel_axis`. Integer and bool images are computed in float64.
    mode : {{'reflect', 'constant', 'nearest', 'mirror', 'wrap', 'valid'}}, optional
        Boundary mode, as in :func:`sobel` (names in other libraries:
        :ref:`boundary-modes`).
    cval : float, optional
        Value outside the image with ``mode='constant'``.
{planes_and_nan}

    Returns
    -------
    ndarray
        The Laplacian, in the image's float dtype (float32 for float16, float64 for integers)
        and layout.

    Raises
    ------
    ValueError, TypeError
        As :func:`sobel` (no `axis`).

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.filters import laplace
    >>> dot = np.zeros((3, 3)); dot[1, 1] = 1
    >>> laplace(dot, mode="constant")
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    """
    filter2d = _laplace_filter(mode, cval, "laplace")
    return _filter_image(image, filter2d, "laplace", axes, channel_axis, nan_policy, mask)


def _laplace_filter(mode: object, cval: object, func: str) -> PlaneFilter:
    """The Laplacian as a 2-D filter: one pass of the 5-point stencil, or,
    with a non-zero constant fill or where an output is not finite,
    ndimage's sum of the second differences
    along each axis: the stencil's zero corners would make an infinity or
    NaN NaN on its diagonal neighbours (0 x inf), which ndimage's 1-D passes
    never read. Knowing it costs a sum of the output (a quarter of the
    stencil's time on 4096^2 float32)."""
    mode = _check_mode(mode, func)
    cval = _check_cval(cval, func)
    second_difference = np.array([1.0, -2.0, 1.0])

    def two_passes(data, fill):
        down = _correlate1d(data, second_difference, 0, mode, fill, func)
        across = _correlate1d(data, second_difference, 1, mode, fill, func)
        if mode == "valid":  # each pass kept its own axis's interior only
            down, across = down[:, 1:-1], across[1:-1, :]
        return down + across

    def correlate(data, weights, fill):
        # `weights` is the stencil itself but for nan_policy='interpolate's
        # validity weights and magnitudes, which meet no NaN.
        if weights is _LAPLACE and _MODES[mode] == "fill" and fill != 0.0:
            # The stencil's taps outside the image are summed in another
            # order than ndimage's passes sum them: a flat image in its own
            # cval came out 8.9e-16 on the edge rows, not 0.
            return two_passes(data, fill)
        out = _correlate(data, weights, mode, fill, func)
        if weights is _LAPLACE and not _arrays.sum_is_finite(out):
            out = two_passes(data, fill)
        return out

    return _plane_filter(correlate, _LAPLACE, cval, func, mode, plain=False)


def gaussian_kernel1d(sigma: float, radius: int) -> np.ndarray:
    """The normalised 1-D Gaussian weights ``scipy.ndimage`` uses, length ``2 * radius + 1``.

    The weights :func:`gaussian` runs along each axis (``radius`` is
    ``int(truncate * sigma + 0.5)`` there), for building a 2-D kernel of
    your own (see :doc:`/nan-policy`).

    Parameters
    ----------
    sigma : float
        Standard deviation, in pixels; positive.
    radius : int
        Taps on each side of the centre; non-negative.

    Returns
    -------
    ndarray
        float64 weights ``exp(-x**2 / (2 sigma**2))`` for ``x = -radius ..
        radius``, divided by their sum.

    Raises
    ------
    TypeError
        `sigma` not a real number, `radius` not an int.
    ValueError
        `sigma` not positive and finite, `radius` negative or beyond
        ``2**30``.

    Examples
    --------
    >>> from corr2d.filters import gaussian_kernel1d
    >>> gaussian_kernel1d(1.0, 1).round(4)
    array([0.2741, 0.4519, 0.2741])
    """
    sigma = _check_sigma(sigma, "gaussian_kernel1d", positive=True)
    radius = _check_radius(radius, "gaussian_kernel1d")
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sigma * sigma) * x.astype(np.float64) ** 2)
    return phi / phi.sum()


#: The largest kernel radius taken: 2^31 taps of float64 weights (16 GiB).
_LARGEST_RADIUS = 1 << 30


def _check_sigma(sigma: object, func: str, positive: bool = False, shown: object = None) -> float:
    """`sigma` as a float, checked: finite and non-negative (or positive)."""
    shown = sigma if shown is None else shown
    wanted = "positive" if positive else "non-negative"
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"{func}: sigma must be a {wanted} number, got {shown!r}")
    value = float(sigma)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{func}: sigma must be {wanted} and finite, got {shown!r}")
    return value


def _check_radius(radius: object, func: str, shown: object = None) -> int:
    """`radius` as an int, checked: 0 to _LARGEST_RADIUS."""
    shown = radius if shown is None else shown
    if isinstance(radius, bool) or not isinstance(radius, numbers.Integral):
        raise TypeError(f"{func}: radius must be a non-negative int, got {shown!r}")
    if not 0 <= radius <= _LARGEST_RADIUS:
        raise ValueError(f"{func}: radius must be non-negative and at most {_LARGEST_RADIUS} "
                         f"(a kernel of 2^31 taps), got {shown!r}")
    return int(radius)


def _per_axis(value: object, name: str, func: str) -> tuple:
    """One value for both axes, or a (rows, columns) pair; the values
    themselves are checked by the caller (sigma, radius)."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{func}: {name} must be a number or a pair of numbers, got {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]  # a 0-d array is one number, as in ndimage
    if np.iterable(value):  # any iterable, as ndimage's sequences
        values = tuple(value)
        if len(values) != 2:
            raise ValueError(f"{func}: {name} must be one number or two (rows, columns), got {value!r}")
        return values
    return (value, value)


def _gaussian_radii(sigma: object, truncate: object, radius: object, func: str) -> tuple:
    """The checked (rows, columns) sigmas and kernel radii."""
    if isinstance(truncate, bool) or not isinstance(truncate, numbers.Real):
        raise TypeError(f"{func}: truncate must be a positive number, got {truncate!r}")
    if not (float(truncate) > 0 and math.isfinite(truncate)):
        raise ValueError(f"{func}: truncate must be positive and finite, got {truncate!r}")
    sigmas = tuple(_check_sigma(s, func, shown=sigma) for s in _per_axis(sigma, "sigma", func))
    if radius is None:
        # ndimage's radius; a sigma too large for any kernel is named here
        # (else NumPy's "Maximum allowed size exceeded").
        radii = tuple(int(float(truncate) * s + 0.5) for s in sigmas)
        if max(radii) > _LARGEST_RADIUS:
            raise ValueError(f"{func}: sigma={sigma!r} with truncate={truncate!r} gives a kernel "
                             f"radius beyond {_LARGEST_RADIUS} (a kernel of 2^31 taps)")
        return sigmas, radii
    return sigmas, tuple(_check_radius(r, func, shown=radius)
                         for r in _per_axis(radius, "radius", func))


#: Gaussians of more taps than this (a 1025 x 1025 kernel, sigma about 128)
#: never build their 2-D kernel.
_WHOLE_GAUSSIAN_TAPS = 1 << 20


def _gaussian_filter(sigma, mode, cval, truncate, radius, func: str) -> PlaneFilter:
    """The Gaussian blur as a 2-D filter: two 1-D passes of its separable kernel."""
    mode = _check_mode(mode, func)
    cval = _check_cval(cval, func)
    sigmas, radii = _gaussian_radii(sigma, truncate, radius, func)
    passes = [  # ndimage's rule: a zero sigma skips the axis
        (axis, gaussian_kernel1d(sigmas[axis], radii[axis])) for axis in (0, 1) if sigmas[axis] > 1e-15
    ]
    factors = {axis: weights for axis, weights in passes}
    rows, cols = factors.get(0, np.ones(1)), factors.get(1, np.ones(1))
    # A kernel wider than the image (sigma in the hundreds) would cost its
    # taps in memory and an SVD cubic in its side: it runs as its 1-D
    # passes, and its sums (all nan_policy='interpolate' reads) come from a
    # stand-in of its shape and mean that takes no memory.
    whole = rows.size * cols.size <= _WHOLE_GAUSSIAN_TAPS
    kernel = (np.outer(rows, cols) if whole else
              np.broadcast_to(rows.sum() * cols.sum() / (rows.size * cols.size), (rows.size, cols.size)))

    chosen: dict = {}  # once per plane shape and dtype, not per plane of a stack

    def method(shape: tuple, dtype: np.dtype) -> str:
        # The separable method or the direct loops, by the cost model; never
        # the FFT, whose error is relative to the image's largest sample,
        # not to each output's own window as ndimage's: it put 1e-11 (float64)
        # or 2e-2 (float32) where ndimage gives 0, beside a bright sample.
        key = (tuple(shape), np.dtype(dtype))
        if key not in chosen:
            chosen[key] = choose(key[0], kernel, key[1], fft=False)[0]
        return chosen[key]

    def correlate(data, weights, fill):
        # `weights` is `kernel` (its sums weigh the valid samples): run its
        # 1-D factors. Each 1-D kernel sums to 1, so extending the first
        # pass's output by `fill` (as ndimage does) is the 2-D extension.
        if whole and len(passes) == 2 and not _arrays.is_cupy_array(data):
            # On the CPU, one 2-D call: the separable method (both passes
            # band by band through a buffer in cache, no intermediate
            # image) or, for a small kernel, the direct one.
            return _correlate(data, kernel, mode, fill, func, method=method(data.shape, data.dtype))
        out = data
        for axis, weights1d in passes:
            out = _correlate1d(out, weights1d, axis, mode, fill, func)
        return out if out is not data else data.copy()

    return _plane_filter(correlate, kernel, cval, func, mode, plain=whole, method=method)


@_with_planes_and_nan
def gaussian(
    image: ArrayLike,
    sigma: float | Sequence[float],
    mode: str = "reflect",
    cval: float = 0.0,
    truncate: float = 4.0,
    *,
    radius: int | Sequence[int] | None = None,
    axes: Sequence[int] | None = None,
    channel_axis: int | None = None,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> NDArray[np.floating]:
    """Gaussian blur of an image; as ``scipy.ndimage.gaussian_filter``.

    Two 1-D passes (down the columns, then along the rows) of the weights
    ``exp(-x**2 / (2 sigma**2))`` for ``x`` in ``-r..r``, normalised to sum
    to 1, with ``r = int(truncate * sigma + 0.5)`` unless `radius` is given.
    On the CPU both passes are one call of the separable method (see
    :func:`corr2d.correlate2d`), band by band through a per-thread buffer of
    about 1 MiB (at least 32 rows), so no intermediate image is made, or,
    for a small kernel, one call of the direct loops, as the cost model of
    ``method='auto'`` chooses; never the FFT, whose error is relative to the
    image's largest sample rather than to each output's own window. An
    axis whose sigma is 0 is left unfiltered. A flat image comes out
    within a few eps of its value, not always exactly (ndimage's order of
    sums, in float64, often gives it exactly; float32 is summed in float32
    here). With ``nan_policy='interpolate'``
    the valid samples' weights are summed the same way (equal to the 2-D
    sums: the kernel is separable).

    Parameters
    ----------
    image : array_like
        2-D image, or a stack or colour image with `axes` or
        `channel_axis`. Integer and bool images are computed in float64.
    sigma : float or (float, float)
        Standard deviation in pixels, one for both axes or (rows, columns).
        Non-negative.
    mode : {{'reflect', 'constant', 'nearest', 'mirror', 'wrap', 'valid'}}, optional
        Boundary mode, as in :func:`sobel` (names in other libraries:
        :ref:`boundary-modes`). 'valid' shrinks each filtered
        axis (sigma above 0) by ``2 r``.
    cval : float, optional
        Value outside the image with ``mode='constant'``.
    truncate : float, optional
        Radius of the kernel in standard deviations (default 4.0). Positive.
    radius : int or (int, int), optional, keyword-only
        Radius of the kernel in pixels; overrides `truncate`.
{planes_and_nan}

    Returns
    -------
    ndarray
        The blurred image, in the image's float dtype (float32 for float16,
        float64 for integers) and layout.

    Raises
    ------
    ValueError
        A negative `sigma` or `radius`, a non-positive `truncate`, a `sigma`
        or `radius` that is not one or two values, and the errors of
        :func:`sobel`.
    TypeError
        A non-numeric `sigma`, `truncate` or `radius`, and the errors of
        :func:`sobel`.
{planes_and_nan_errors}

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.filters import gaussian
    >>> dot = np.zeros((5, 5)); dot[2, 2] = 1
    >>> blurred = gaussian(dot, sigma=1.0)
    >>> round(float(blurred.sum()), 12), round(float(blurred[2, 2]), 4)
    (1.0, 0.1592)

    A hole in a flat image is filled from its neighbours:

    >>> flat = np.full((5, 5), 7.0); flat[2, 2] = np.nan
    >>> round(float(gaussian(flat, 1.0, nan_policy="interpolate")[2, 2]), 12)
    7.0
    """
    func = "gaussian"
    filter2d = _gaussian_filter(sigma, mode, cval, truncate, radius, func)
    return _filter_image(image, filter2d, func, axes, channel_axis, nan_policy, mask)


@_with_planes_and_nan
def difference(
    image: ArrayLike,
    axis: int = -1,
    mode: str = "reflect",
    cval: float = 0.0,
    *,
    axes: Sequence[int] | None = None,
    channel_axis: int | None = None,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> NDArray[np.floating]:
    """Forward difference with the chapter's kernel ``[[1, -1]]``.

    ``out[i, j] = image[i, j] - image[i, j + 1]`` for ``axis=-1`` (the
    kernel ``[[1], [-1]]`` down the rows for ``axis=0``), with the image
    extended past its last column (row) by `mode`. ``mode='valid'`` gives
    the edge map of *Dive into Deep Learning*, one column narrower than the
    image. Equals ``scipy.ndimage.correlate1d(image, [1, -1], axis,
    origin=-1)``.

    Parameters
    ----------
    image, axis, mode, cval
        As in :func:`sobel` (mode names in other libraries:
        :ref:`boundary-modes`).
{planes_and_nan}

    Returns
    -------
    ndarray
        The difference, in the image's float dtype (float32 for float16, float64 for integers)
        and layout.

    Raises
    ------
    ValueError, TypeError
        As :func:`sobel`.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.filters import difference
    >>> X = np.ones((2, 8)); X[:, 2:6] = 0
    >>> difference(X, mode="valid")
    array([[ 0.,  1.,  0.,  0.,  0., -1.,  0.],
           [ 0.,  1.,  0.,  0.,  0., -1.,  0.]])
    """
    filter2d = _difference_filter(axis, mode, cval, "difference")
    return _filter_image(image, filter2d, "difference", axes, channel_axis, nan_policy, mask)


def _edges_filter(method: object, mode: object, cval: object) -> PlaneFilter:
    """The gradient magnitude (or |Laplacian|) as a 2-D filter; errors name edges."""
    func = "edges"
    if not isinstance(method, str) or method not in EDGE_METHODS:
        names = ", ".join(repr(m) for m in EDGE_METHODS)
        raise ValueError(f"{func}: method must be one of {names}; got {method!r}")
    if method == "laplace":
        laplacian = _laplace_filter(mode, cval, func)
        return _with_reach(
            lambda plane, mask_plane, nan_policy: abs(laplacian(plane, mask_plane, nan_policy)),
            laplacian.reach, laplacian.mode)
    if method == "difference":
        along_rows, along_cols = (_difference_filter(axis, mode, cval, func) for axis in (0, 1))
    else:
        along_rows, along_cols = (_gradient_filter(axis, mode, cval, method, func) for axis in (0, 1))

    def magnitude(plane, mask_plane, nan_policy: str):
        rows = along_rows(plane, mask_plane, nan_policy)
        cols = along_cols(plane, mask_plane, nan_policy)
        if rows.shape != cols.shape:  # 'difference' in 'valid' mode
            h, w = min(rows.shape[0], cols.shape[0]), min(rows.shape[1], cols.shape[1])
            rows, cols = rows[:h, :w], cols[:h, :w]
        return _arrays.array_module(rows).hypot(rows, cols)

    reach = tuple(max(a, b) for a, b in zip(along_rows.reach, along_cols.reach))
    return _with_reach(magnitude, reach, along_rows.mode)


@_with_planes_and_nan
def edges(
    image: ArrayLike,
    method: str = "sobel",
    mode: str = "reflect",
    cval: float = 0.0,
    *,
    axes: Sequence[int] | None = None,
    channel_axis: int | None = None,
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> NDArray[np.floating]:
    """Edge strength of an image: the gradient magnitude.

    ``hypot(f(image, axis=0), f(image, axis=1))`` for the gradient filters
    ``f`` = :func:`sobel`, :func:`prewitt`, :func:`scharr` and
    :func:`difference`; ``abs(laplace(image))`` for 'laplace'. With
    ``method='difference'`` and ``mode='valid'`` the two differences have
    different shapes, so both are cropped to ``(H - 1, W - 1)``. With
    ``nan_policy='interpolate'`` each derivative is interpolated, then
    combined.

    Parameters
    ----------
    image : array_like
        2-D image, or a stack or colour image with `axes` or
        `channel_axis`. Integer and bool images are computed in float64.
    method : {{'sobel', 'prewitt', 'scharr', 'laplace', 'difference'}}, optional
        The filter (default 'sobel').
    mode, cval
        As in :func:`sobel` (mode names in other libraries:
        :ref:`boundary-modes`).
{planes_and_nan}

    Returns
    -------
    ndarray
        Non-negative edge strength, in the image's float dtype (float32 for
        float16, float64 for integers) and layout.

    Raises
    ------
    ValueError
        An unknown `method`, and the errors of :func:`sobel`.
    TypeError
        As :func:`sobel`.
{planes_and_nan_errors}

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.filters import edges
    >>> X = np.ones((6, 8)); X[:, 2:6] = 0
    >>> edges(X)[0]
    array([0., 4., 4., 0., 0., 4., 4., 0.])
    >>> edges(X.T)[:, 0]
    array([0., 4., 4., 0., 0., 4., 4., 0.])

    A stack of images, one per row of the first axis:

    >>> edges(np.stack([X, 2 * X]), axes=(-2, -1))[:, 0]
    array([[0., 4., 4., 0., 0., 4., 4., 0.],
           [0., 8., 8., 0., 0., 8., 8., 0.]])
    """
    filter2d = _edges_filter(method, mode, cval)
    return _filter_image(image, filter2d, "edges", axes, channel_axis, nan_policy, mask)

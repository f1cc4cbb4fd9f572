"""Template matching by normalized cross-correlation: ``corr2d.match_template``.

scikit-image's ``skimage.feature.match_template`` for 2-D templates: the
correlation term by :func:`corr2d.correlate2d` (its FFT method for large
templates), with the template centred and scaled to unit norm first; then
one pass of the C core (``corr2d_window_normalize``) takes the windows' sums
and sums of squares by float64 running sums, band by band of output rows
over the threads, and divides by the windows' deviations in place. Stacks
and colour images through `axes` and `channel_axis`.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _ccore
from ._checks import check_threads
from ._stacks import image_axes
from .signal import correlate2d

__all__ = ["match_template"]

_FUNC = "match_template"

#: numpy.pad's modes, which scikit-image passes `mode` to.
_PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
              "reflect", "symmetric", "wrap", "empty")

def match_template(
    image: ArrayLike,
    template: ArrayLike,
    pad_input: bool = False,
    mode: Any = "constant",
    constant_values: Any = 0,
    *,
    axes: tuple[int, int] | None = None,
    channel_axis: int | None = None,
    threads: int | None = None,
) -> NDArray[np.floating]:
    """Normalized cross-correlation of a template with an image (or a stack).

    A drop-in for ``skimage.feature.match_template`` with 2-D templates: the
    same arguments, output shape, output dtype and values. Each output is
    the correlation coefficient of the template with one window of the
    image: ``sum((x - mean(x)) * (t - mean(t))) / sqrt(sum((x - mean(x))**2)
    * sum((t - mean(t))**2))`` over the window ``x``, between -1 and 1 (up
    to rounding); 0 where the denominator is not above the result dtype's
    machine epsilon (a constant window or template), as scikit-image does.

    Parameters
    ----------
    image : array_like
        The image, real (bool, integer or float). 2-D, or more axes for a
        stack of images (every axis other than `axes` and `channel_axis`
        indexes one image).
    template : array_like
        The template, 2-D (rows along ``axes[0]``, columns along
        ``axes[1]``), no larger than the image in either (scikit-image's
        rule, with or without `pad_input`). With `channel_axis`, 3-D: the
        channels at the same place relative to the two image axes as in the
        image, ``(h, w, C)`` for ``channel_axis=-1``, ``(C, h, w)`` for a
        ``(C, H, W)`` image with ``channel_axis=0``.
    pad_input : bool, optional
        False (default): one output per window inside the image, shape
        ``(H - h + 1, W - w + 1)``, each at the window's top-left corner.
        True: the image is padded by `mode` (``numpy.pad`` with widths of
        the template's size, as scikit-image pads) and the output has the
        image's shape, each at the template's centre (row ``h // 2``, column
        ``w // 2`` of the template).
    mode : str or callable, optional
        ``numpy.pad``'s padding mode for ``pad_input=True`` ('constant'
        (default), 'edge', 'reflect', 'symmetric', 'wrap', 'linear_ramp',
        'maximum', 'mean', 'median', 'minimum', or a padding function);
        checked but unused with ``pad_input=False``. 'empty' is refused with
        ``pad_input=True``: its values would be uninitialised memory.
        'symmetric' is ndimage's 'reflect', 'reflect' is ndimage's 'mirror'
        (all the names: :ref:`boundary-modes`).
    constant_values : scalar or sequence, optional
        Values outside the image with ``mode='constant'``, as
        ``numpy.pad`` takes them for the two image axes (a scalar or
        ``((before_rows, after_rows), (before_cols, after_cols))``), cast
        to the result dtype. Ignored by the other modes.
    axes : (int, int), optional, keyword-only
        The image's row and column axes of a stack; default the last two
        (the last two other than `channel_axis`). The result keeps every
        other axis where it is.
    channel_axis : int, optional, keyword-only
        An axis of channels (colour): the template has the same channels,
        and each output matches all of them jointly (the sums run over the
        channels too), one output per window: shape ``(H', W')`` for an
        ``(H, W, C)`` image. scikit-image, given an ``(H, W, C)`` image and
        an ``(h, w, C)`` template, returns the same values with shape
        ``(H', W', 1)`` for ``pad_input=False`` (for ``pad_input=True`` its
        channel ``C // 2`` holds them).
    threads : int, optional, keyword-only
        Threads for the correlation (as :func:`corr2d.correlate2d`) and for
        the bands of output rows of the normalization; by default OpenMP's
        count. Small images run on one thread.

    Returns
    -------
    ndarray
        The coefficients: float32 for float16 and float32 images, float64
        for every other (scikit-image's rule), C-contiguous, the image's
        shape with the image axes resized (``pad_input=False``) and the
        channel axis removed.

    Raises
    ------
    ValueError
        A template larger than the image, a template of the wrong number of
        axes or channels, an empty or complex input, a non-finite template,
        an unknown `mode`, `constant_values` that are not real numbers of
        ``numpy.pad``'s shapes, or bad `axes` / `channel_axis` / `threads`.
    TypeError
        A non-numeric input, a `pad_input` that is not a bool, or `axes`,
        `channel_axis` or `threads` that are not ints.

    Notes
    -----
    Memory beyond the output: with ``pad_input=True``, a padded copy of the
    image in the result dtype (``(H + 2h) x (W + 2w)`` per image: an O(image)
    copy, as scikit-image's); without it, no copy of a float32 or float64 image
    is made unless its mean dwarfs its spread (more than 16 times the largest
    deviation in a sample of its rows: a DC level, such as ``1e8 +
    noise``), then one shifted plane at a time in its dtype (integer, bool and
    float16 images: always one converted, shifted plane at a time, in the
    result dtype). Per thread, the running sums: about nine float64 rows of a
    tile's width (at most ``max(256, 8w) + w - 1`` columns) and a byte per
    output of a band of rows of a tile. With channels, one more output-sized
    plane. The correlation itself takes what
    :func:`corr2d.correlate2d` takes (it converts integer and float16 images
    one plane at a time; longdouble images are converted to float64 first).

    Accuracy: the sums and sums of squares of the windows run in float64
    whatever the image's dtype (scikit-image runs them in the image's
    precision: in float32 its cumulative sums over a whole large image lose
    most digits), restarted for every band of output rows (at most ``max(64,
    2h)``) and tile of output columns (at most ``max(256, 8w)``; both depend on
    the shapes only, so the result is the same on any number of threads), each
    shifted by one of its own samples: a dim part of the image does not carry
    a bright part's mean, and a window whose variance would still cancel
    against its tile's shift (by more than 2^20) is done again with a sample
    of its own as the shift. A running sum that falls below 2^-10 of the
    largest value it carried is computed afresh, so a window's error comes
    from the magnitudes its own sums met, not from bright samples elsewhere.
    A window whose variance is at that rounding level (``(4 sqrt(b + h - 1 +
    T) + 16) * eps`` of float64, for bands of b rows and tiles T columns of
    the image wide: about
    ``1e-14``, times the largest sum of squares about the shift that the
    window's running sums carried) counts as constant: 0. Integer images
    get exact sums (below 2^53), so exact variances. The correlation term is computed in
    the result dtype (float32 stays float32) with the error bound of
    :func:`corr2d.correlate2d` (for the FFT method about ``2 * eps *
    log2(FH * FW) * max|x - m| * sum|t - mean(t)|``, m the image's mean for
    integer images and where it dwarfs a float image's spread, else 0); a
    coefficient's error is
    about that bound over the window's ``sqrt(sum((x - mean(x))**2))`` times
    ``sqrt(sum((t - mean(t))**2))``, so windows far flatter than the image's
    largest deviations are the least accurate (as in
    scikit-image and OpenCV). A window that holds a NaN or an infinity gives
    NaN, and only such windows (the running sums count those samples apart;
    scikit-image's cumulative sums carry one NaN on to every later window,
    and shift its finite coefficients); values beyond about 1e150, whose
    squares overflow, make the outputs NaN from the first output row whose
    windows reach them to the end of that band of rows.

    The best match is the largest coefficient (scikit-image's
    ``peak_local_max`` finds separated peaks; corr2d has no such function):
    ``np.unravel_index(np.argmax(result), result.shape)`` is its position,
    and ``np.argpartition(result, -k, axis=None)[-k:]`` gives the flat
    indices of the ``k`` largest (neighbours of one peak included).

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d import match_template
    >>> image = np.zeros((6, 6))
    >>> image[1, 1], image[4, 4] = 1.0, -1.0
    >>> template = np.zeros((3, 3))
    >>> template[1, 1] = 1.0
    >>> result = match_template(image, template)
    >>> np.round(result, 3)
    array([[ 1.   , -0.125,  0.   ,  0.   ],
           [-0.125, -0.125,  0.   ,  0.   ],
           [ 0.   ,  0.   ,  0.125,  0.125],
           [ 0.   ,  0.   ,  0.125, -1.   ]])
    >>> [int(i) for i in np.unravel_index(np.argmax(result), result.shape)]
    [0, 0]

    The ``k`` best matches (a brighter copy of the template matches as well:
    the coefficient ignores gain and offset):

    >>> rng = np.random.default_rng(0)
    >>> image = rng.random((20, 20))
    >>> template = image[2:6, 3:8].copy()
    >>> image[12:16, 10:15] = 2 * template + 1
    >>> result = match_template(image, template)
    >>> top = np.argpartition(result, -2, axis=None)[-2:]
    >>> sorted((int(r), int(c)) for r, c in zip(*np.unravel_index(top, result.shape)))
    [(2, 3), (12, 10)]
    """
    image = _as_real_array(image, "image")
    template = _as_real_array(template, "template")
    if not isinstance(pad_input, (bool, np.bool_)):
        raise TypeError(f"{_FUNC}: pad_input must be True or False, got {pad_input!r}")
    mode = _check_mode(mode, bool(pad_input))
    pairs = _constant_pairs(constant_values) if mode == "constant" else None
    rows, cols, channel, template = _image_layout(image.shape, template, axes, channel_axis)
    (h, w), sizes = template.shape[1:], (image.shape[rows], image.shape[cols])
    if sizes[0] < h or sizes[1] < w:
        raise ValueError(_too_large_message(image.shape, (rows, cols), channel, (h, w)))
    threads_asked = check_threads(threads, _FUNC)
    dtype = np.dtype(np.float32 if image.dtype.char in "ef" else np.float64)
    if image.dtype.kind == "f" and image.dtype.itemsize > 8:
        image = image.astype(np.float64)  # correlate2d would compute in longdouble
    out_sizes = sizes if pad_input else (sizes[0] - h + 1, sizes[1] - w + 1)
    result, out_planes = _output(image.shape, (rows, cols), channel, out_sizes, dtype)
    unit, ssd = _unit_template(template, dtype)
    if unit is None:  # a constant template: every denominator is 0
        result[...] = 0
        return result
    if pad_input:
        image = _padded_window(image, (rows, cols), (h, w), mode, pairs, dtype)
    planes = _planes(image, (rows, cols), channel)
    # scikit-image's clamp, denominator > eps, on the variance: the unit
    # template has taken sqrt(ssd) out of the denominator already.
    clamp = float(np.finfo(dtype).eps) ** 2 / ssd if ssd > 0 else math.inf
    for index in np.ndindex(planes.shape[:-3]):
        _match_plane(planes[index], unit, out_planes[index], clamp, threads, threads_asked)
    return result


def _as_real_array(value: ArrayLike, name: str) -> np.ndarray:
    """`value` as a non-empty real ndarray (bool, integer or float)."""
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise ValueError(
            f"{_FUNC}: {name} must be real, got dtype {array.dtype} (scikit-image refuses "
            "complex input too); match np.abs() of it, or its parts one at a time")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{_FUNC}: {name} must be a numeric array, got dtype {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{_FUNC}: {name} is empty (shape {array.shape})")
    return array


def _check_mode(mode: Any, pad_input: bool) -> Any:
    """One of numpy.pad's modes, or a padding function."""
    if callable(mode):
        return mode
    if not isinstance(mode, str) or mode not in _PAD_MODES:
        raise ValueError(f"{_FUNC}: mode must be one of numpy.pad's modes "
                         f"{', '.join(map(repr, _PAD_MODES))} or a padding function, got {mode!r}")
    if mode == "empty" and pad_input:
        raise ValueError(f"{_FUNC}: mode='empty' pads with uninitialised memory; "
                         "choose another mode for pad_input=True")
    return mode


def _constant_pairs(constant_values: Any) -> np.ndarray:
    """`constant_values` as numpy.pad reads them for the two image axes:
    a (2, 2) float64 array of (before, after) per axis."""
    message = (f"{_FUNC}: constant_values must be a real number or numpy.pad's "
               f"((before, after), ...) pairs for the two image axes, got {constant_values!r}")
    try:
        values = np.asarray(constant_values)
        if values.dtype.kind not in "biuf":
            raise TypeError
        return np.broadcast_to(values.astype(np.float64), (2, 2))
    except (TypeError, ValueError):
        raise ValueError(message) from None


def _image_layout(shape: tuple, template: np.ndarray, axes: Any,
                  channel_axis: Any) -> tuple[int, int, int | None, np.ndarray]:
    """The image's row, column and channel axes, and the template as
    ``(C, h, w)`` (C = 1 without channels)."""
    if channel_axis is None:
        if len(shape) < 2:
            raise ValueError(f"{_FUNC}: image must have at least 2 axes, got shape {shape}")
        if template.ndim != 2:
            raise ValueError(
                f"{_FUNC}: template must be 2-D, got shape {template.shape}"
                + ("; for a colour template pass channel_axis" if template.ndim == 3 else ""))
        rows, cols = image_axes(shape, (-2, -1) if axes is None else axes, None, _FUNC)
        return rows, cols, None, template[np.newaxis]
    if len(shape) < 3:
        raise ValueError(f"{_FUNC}: channel_axis needs an image with at least 3 axes "
                         f"(rows, columns, channels), got shape {shape}")
    rows, cols = image_axes(shape, axes, channel_axis, _FUNC)
    channel = int(channel_axis) % len(shape)
    if template.ndim != 3:
        raise ValueError(f"{_FUNC}: with channel_axis, template must be 3-D (the image's "
                         f"channels too), got shape {template.shape}")
    # The template's channel axis sits among its two image axes as the
    # image's does among the image's two.
    template = np.moveaxis(template, sum(axis < channel for axis in (rows, cols)), 0)
    if template.shape[0] != shape[channel]:
        raise ValueError(f"{_FUNC}: the template has {template.shape[0]} channels, the image "
                         f"{shape[channel]} (axis {channel} of shape {shape})")
    return rows, cols, channel, template


def _too_large_message(shape: tuple, axes: tuple[int, int], channel: int | None,
                       size: tuple[int, int]) -> str:
    image_size = (shape[axes[0]], shape[axes[1]])
    message = (f"{_FUNC}: the template ({size[0]}, {size[1]}) is larger than the image "
               f"{image_size} along axes {axes}; the template must fit in the image "
               "(scikit-image's rule, also with pad_input=True)")
    if channel is None and len(shape) >= 3 and shape[-1] <= 4:
        message += "; for a colour image pass channel_axis=-1 and an (h, w, C) template"
    return message


def _output(shape: tuple, axes: tuple[int, int], channel: int | None,
            sizes: tuple[int, int], dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """The result (the image's axes, the image axes resized, no channel
    axis) and a view of it with the stack axes first, the image axes last."""
    kept = [axis for axis in range(len(shape)) if axis != channel]
    out_shape = [sizes[axes.index(axis)] if axis in axes else shape[axis] for axis in kept]
    result = np.empty(out_shape, dtype)
    position = {axis: i for i, axis in enumerate(kept)}
    order = [position[a] for a in kept if a not in axes] + [position[a] for a in axes]
    return result, result.transpose(order)


def _planes(image: np.ndarray, axes: tuple[int, int], channel: int | None) -> np.ndarray:
    """A view of `image` as ``(stack..., C, rows, columns)``."""
    stack = [axis for axis in range(image.ndim) if axis not in axes and axis != channel]
    if channel is None:
        return image.transpose(stack + list(axes))[..., np.newaxis, :, :]
    return image.transpose(stack + [channel] + list(axes))


def _unit_template(template: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray | None, float]:
    """The template centred and scaled to unit norm, in `dtype`, and its
    sum of squared deviations (inf or 0 where it overflows or underflows);
    (None, 0.0) for a constant template."""
    values = template.astype(np.float64)
    if not np.isfinite(values).all():
        raise ValueError(f"{_FUNC}: template holds NaN or infinity")
    low, high = values.min(), values.max()
    if low == high:
        return None, 0.0
    # Scaled to [-1, 1] first: the squares neither overflow nor underflow.
    scale = float(max(-low, high))
    values /= scale
    # Centring the template takes the windows' means out of the numerator:
    # no sum * mean(t) term to cancel, and no image copy.
    centred = values - values.mean()
    # Not np.vdot: OpenBLAS threads a dot product this long, and its pool
    # then spins on against the correlation's threads (measured: +50 ms on
    # a 2048x2048 image with a 128x128 template, 2 cores).
    ssd = float(np.square(centred).sum())
    return (centred / math.sqrt(ssd)).astype(dtype), ssd * scale * scale


def _padded_window(image: np.ndarray, axes: tuple[int, int], size: tuple[int, int],
                   mode: Any, pairs: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    """The image padded as scikit-image pads it (cast first, then each image
    axis by the template's size on both sides; numpy.pad's values near the
    edge can depend on the width, 'linear_ramp' for one), cut to the rows
    and columns whose valid windows are the outputs of ``pad_input=True``."""
    image = image.astype(dtype, copy=False)
    widths = [(0, 0)] * image.ndim
    region = [slice(None)] * image.ndim
    for axis, k in zip(axes, size):
        widths[axis] = (k, k)
        # Output i is centred on input i: its window starts at i - k // 2,
        # which is padded index i + k - k // 2.
        start = k - k // 2
        region[axis] = slice(start, start + image.shape[axis] + k - 1)
    if mode == "constant":
        values = np.zeros((image.ndim, 2))
        values[list(axes)] = pairs
        padded = np.pad(image, widths, mode="constant", constant_values=values)
    else:
        padded = np.pad(image, widths, mode=mode)
    return padded[tuple(region)]


def _match_plane(plane: np.ndarray, unit: np.ndarray, out: np.ndarray, clamp: float,
                 threads: int | None, threads_asked: int) -> None:
    """Write the coefficients of one ``(C, rows, columns)`` plane into `out`."""
    channels, (h, w) = plane.shape[0], unit.shape[1:]
    # The correlation's rounding grows with the samples' magnitude, max|x|;
    # the unit template sums to 0, so correlating x - shift gives the same
    # coefficients with an error of max|x - shift| instead. One plane is
    # converted anyway for other dtypes (integer, bool, float16, unaligned):
    # it is shifted as it is made. A float32 or float64 plane is copied
    # only where its offset dwarfs its spread (a DC level: 1e8 + N(0, 1)).
    sample = plane[:, ::max(1, plane.shape[1] // 16)]  # about 16 whole rows
    mean = float(np.mean(sample, dtype=np.float64))
    low, high = float(sample.min()), float(sample.max())
    if not (math.isfinite(mean) and math.isfinite(low) and math.isfinite(high)):
        finite = sample[np.isfinite(sample)]  # the core leaves them out too
        mean, low, high = ((float(np.mean(finite, dtype=np.float64)), float(finite.min()),
                            float(finite.max())) if finite.size else (0.0, 0.0, 0.0))
    # Integers: 8 significant bits, so that x - shift is exact; floats: the
    # mean in the result dtype (1e8 + N(0, 1) in float32 needs all 24 bits).
    shift = float(out.dtype.type(mean)) if plane.dtype.kind == "f" else _short(mean)
    convert = (plane.dtype != out.dtype or not plane.flags.aligned
               or any(stride % plane.itemsize for stride in plane.strides))
    if shift != 0.0 and (convert or abs(shift) > 16 * max(high - shift, shift - low)):
        # Exact for integers (shift has 8 significant bits) and for floats
        # within a factor 2 of shift (Sterbenz); else rounded by half an
        # ulp of x - shift, below the correlation's own error.
        plane = np.subtract(plane, out.dtype.type(shift), dtype=out.dtype)
    elif convert:
        # The core reads the result dtype, aligned, at any strides of whole
        # elements: other planes (integer, bool, float16, byte-swapped, a
        # field of a structured array) are converted first.
        plane = np.require(plane, out.dtype, ("C_CONTIGUOUS", "ALIGNED"))
    # The numerator over the template's norm: sum_c corr(x_c, unit_c).
    correlate2d(plane[0], unit[0], "valid", threads=threads, out=out)
    if channels > 1:
        part = np.empty(out.shape, out.dtype)
        for c in range(1, channels):
            correlate2d(plane[c], unit[c], "valid", threads=threads, out=part)
            out += part
    # The core shifts each band and tile of the plane by a sample of its own
    # (the variances do not depend on the shift).
    _ccore.window_normalize(plane, out, h, w, clamp, threads_asked)


def _short(value: float, bits: int = 8) -> float:
    """`value` rounded to `bits` significant bits: subtracting it from
    integers (or from floats of similar size) is exact."""
    if not math.isfinite(value) or value == 0.0:
        return 0.0
    mantissa, exponent = math.frexp(value)
    return math.ldexp(round(mantissa * (1 << bits)), exponent - bits)

"""Stacks and colour images for 2-D operations: which two axes of an
n-D array are the image (`axes`, `channel_axis`, as scipy.ndimage and
scikit-image name them), and running a 2-D function plane by plane over
the other axes into one output array. Generic: it knows nothing about
what the 2-D function computes. A leaf, apart from the array-kind leaf
(CuPy arrays stay on their GPU).

The result keeps the input's layout: the image axes stay where they were,
the output is C-contiguous in the input's axis order (as ``scipy.ndimage``
returns it), and only the image axes may change length (a 'valid' mode).
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, Sequence

import numpy as np

from . import _arrays

__all__ = ["axes_pair", "image_axes", "apply_over_planes", "not_2d_message"]


def not_2d_message(func: str, shape: tuple) -> str:
    """The error for an image that is not 2-D, with the ways to fix it.

    >>> print(not_2d_message("edges", (600, 512, 3)))
    edges: image must be 2-D, got shape (600, 512, 3); for a colour image pass channel_axis=-1 (or convert it to grey); for a stack of images pass axes=(-2, -1); for a channels-first image (C, H, W) pass channel_axis=0
    """
    message = f"{func}: image must be 2-D, got shape {tuple(shape)}"
    if len(shape) < 2:
        return message + "; a single row of samples is image[np.newaxis, :]"
    return (
        message
        + "; for a colour image pass channel_axis=-1 (or convert it to grey); for a stack of"
        " images pass axes=(-2, -1); for a channels-first image (C, H, W) pass channel_axis=0"
    )


def _axis_index(value: Any, ndim: int, name: str, func: str) -> int:
    """`value` as an axis index in ``0..ndim-1`` (negative counts from the end)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an int, got {value!r}")
    if not -ndim <= value < ndim:
        raise ValueError(f"{func}: {name}={value} is out of range for an image with {ndim} axes")
    return int(value) % ndim


def axes_pair(axes: Any, ndim: int, func: str) -> tuple[int, int]:
    """`axes` as two distinct axis indices, in the order given."""
    if isinstance(axes, (str, bytes)) or not isinstance(axes, (Sequence, np.ndarray)):
        raise TypeError(f"{func}: axes must be two ints (the image's row and column axes), got {axes!r}")
    if len(axes) != 2:
        raise ValueError(f"{func}: axes must be two ints (the image's row and column axes), got {axes!r}")
    rows, cols = (_axis_index(a, ndim, "axes", func) for a in axes)
    if rows == cols:
        raise ValueError(f"{func}: axes={tuple(axes)!r} names axis {rows} twice; give two different axes")
    return rows, cols


def image_axes(shape: tuple, axes: Any, channel_axis: Any, func: str) -> tuple[int, int]:
    """The (rows, columns) axes of an array of `shape`, checked.

    `axes` given: those two axes, in that order (the first is the image's
    rows). Else, with `channel_axis` given: the last two axes other than the
    channel axis. Else the array must be 2-D. Every axis other than the two
    is a stack axis (the channel axis too). Errors name `func`, the function
    the user called, and say how to fix the call.

    >>> image_axes((600, 512, 3), None, -1, "sobel")
    (0, 1)
    >>> image_axes((8, 600, 512), (-2, -1), None, "sobel")
    (1, 2)
    >>> image_axes((600, 512, 3), (0, 2), 2, "sobel")
    Traceback (most recent call last):
    ...
    ValueError: sobel: channel_axis=2 is one of the image axes (0, 2); the channels must be another axis
    """
    ndim = len(shape)
    channel = None if channel_axis is None else _axis_index(channel_axis, ndim, "channel_axis", func)
    if axes is not None:
        pair = axes_pair(axes, ndim, func)
        if channel in pair:
            raise ValueError(
                f"{func}: channel_axis={channel_axis} is one of the image axes {tuple(axes)!r}; "
                "the channels must be another axis"
            )
        return pair
    if channel is None:
        if ndim != 2:
            raise ValueError(not_2d_message(func, shape))
        return 0, 1
    others = [axis for axis in range(ndim) if axis != channel]
    if len(others) < 2:
        raise ValueError(
            f"{func}: channel_axis={channel_axis} needs an image with two axes besides the "
            f"channels, got shape {tuple(shape)}"
        )
    return others[-2], others[-1]


def apply_over_planes(
    func2d: Callable[..., Any], image: Any, axes: tuple[int, int], *companions: Any
) -> Any:
    """``func2d`` applied to every 2-D plane of `image` spanned by `axes`.

    Parameters
    ----------
    func2d : callable
        ``func2d(plane, *companion_planes) -> 2-D array``; called once per
        plane, with views (not copies) whose rows run along ``axes[0]`` and
        columns along ``axes[1]``. Every call must return the same shape and
        dtype for planes of one shape.
    image : ndarray (NumPy or CuPy)
        The array; every axis other than `axes` indexes a plane.
    axes : (int, int)
        The image axes, non-negative and distinct (see :func:`image_axes`).
    *companions : ndarray or None
        Arrays of `image`'s shape (a mask, say) whose matching planes are
        passed to `func2d` after the image's; ``None`` is passed on as is.

    Returns
    -------
    ndarray
        The planes' results in one array of the input's layout: the stack
        axes as in `image`, the image axes where they were, sized as
        `func2d`'s result; C-contiguous, of the results' dtype, on the
        input's device. A 2-D `image` with ``axes == (0, 1)`` returns
        `func2d`'s result itself (no copy).

    Examples
    --------
    >>> import numpy as np
    >>> stack = np.arange(12.0).reshape(2, 3, 2)   # (rows, planes, columns)
    >>> apply_over_planes(lambda plane: plane[1:] - plane[:-1], stack, (0, 2)).shape
    (1, 3, 2)
    """
    if image.ndim == 2 and tuple(axes) == (0, 1):
        return func2d(image, *companions)
    xp = _arrays.array_module(image)
    rows, cols = axes

    # The stack axes first, the image axes last: a view (``transpose`` is
    # ``moveaxis`` spelled as a method, so any array type has it).
    order = [axis for axis in range(image.ndim) if axis not in (rows, cols)] + [rows, cols]

    def planes_of(a):
        return None if a is None else a.transpose(order)

    planes = planes_of(image)
    companion_planes = [planes_of(c) for c in companions]
    out_planes = None
    for index in np.ndindex(planes.shape[:-2]):
        result = func2d(planes[index], *(None if c is None else c[index] for c in companion_planes))
        if out_planes is None:
            shape = list(image.shape)
            shape[rows], shape[cols] = result.shape
            out = xp.empty(shape, dtype=result.dtype)
            out_planes = planes_of(out)
        out_planes[index] = result
    if out_planes is None:  # a stack of no planes: nothing tells the output's size
        raise ValueError(f"apply_over_planes: the stack of shape {image.shape} holds no plane")
    return out

"""Drop-ins for ``scipy.ndimage.correlate`` and ``convolve`` with 2-D weights.

The same signature, modes, `origin` rules, `output` handling and result as
SciPy's for 2-D weights, computed by corr2d's multi-threaded C core (or, for
CuPy arrays, its GPU kernels) without padding a copy of the image; with
``axes=`` every other axis is a stack of images, computed in one call over
the threads. Each call is checked once into a plan
(:mod:`corr2d._ndimage_plan`) and run plane by plane (:mod:`corr2d._ndimage_run`).
"""
from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ._arrays import array_module, is_cupy_array, is_dask_array, stand_in
from ._checks import check_threads
from ._dispatch import backend_for
from ._ndimage_exact import takes_ndimage_sums
from ._ndimage_plan import cast_into, image_axes, plan_ndimage, sums_precision
from ._normalized import check_mask, check_nan_policy, normalized_correlate
from ._ndimage_run import correlate_stack

__all__ = ["correlate", "convolve"]

_NOTES = """
    Differences from ``scipy.ndimage`` (each on purpose):

    - float32 (and complex64) inputs are computed in float32 (complex64),
      as the input holds them; ndimage computes every sum in float64.
      The direct method's error is then at most about ``kh * kw * eps *
      sum |input| |weights|`` over the window (``eps`` of float32), the FFT
      method's is the bound in :func:`corr2d.correlate2d`. Pass
      ``output=np.float64`` to compute in float64.
    - Weights smaller than ``DBL_EPSILON`` in magnitude are kept (into a
      float output); ndimage drops them from the footprint. So a NaN or inf under a zero weight
      spreads into the output here (0 * NaN is NaN), not in ndimage; use
      ``nan_policy='interpolate'`` to ignore NaN samples.
    - Bad arguments raise ``ValueError`` or ``TypeError`` naming the
      argument where ndimage raises ``RuntimeError`` (an unknown mode,
      weights that are not 2-D, an output of the wrong shape or kind).
    - float16 inputs (computed in float32) and longdouble inputs (computed
      in longdouble) are accepted; ndimage refuses them.
    - Out-of-range values cast to an integer `output` follow NumPy's cast;
      ndimage's is a C cast whose result is undefined there. In range,
      both truncate toward zero. A bool `output` is True where the
      truncated sum is non-zero; ndimage's cast to a byte makes 256 False.
    - Weights larger than the input along an axis, with a non-zero
      `origin`: ndimage's extension is inconsistent there (a (2, 2) input
      of two equal rows can get two different rows); corr2d extends by the
      mode's definition, as ``numpy.pad`` does, in every case.
    - Large kernels may use the FFT or separable method (`method`), into
      float outputs; integer and bool inputs with integer weights (whose
      sums are exact) and integer outputs run direct.
    - An integer or bool `output` (an integer input's default) truncates
      ndimage's own float64 sums: on the CPU (and Dask) they are summed in
      ndimage's order of operations, each product rounded on its own, so
      the integers are ndimage's exactly even where a sum lies within a
      rounding of an integer (a uint8 3x3 mean). Weights within
      ``DBL_EPSILON`` of 0 are then left out, as ndimage leaves them. This
      costs about 1.2x the direct loops' time on a 3x3 kernel and 4x on a
      15x15 one (still 4x and 9x faster than ndimage on two threads); the
      GPU's sums may differ there by one.

    Modes (one for both axes; extension of ``a b c d``):

    ===========================  =====================  =================
    mode                         extension              scipy.signal name
    ===========================  =====================  =================
    'reflect', 'grid-mirror'     ``b a|a b c d|d c``    'symm'
    'mirror'                     ``c b|a b c d|c b``    (none)
    'nearest'                    ``a a|a b c d|d d``    (none)
    'wrap', 'grid-wrap'          ``c d|a b c d|a b``    'wrap'
    'constant', 'grid-constant'  ``k k|a b c d|k k``    'fill', k = `cval`
    ===========================  =====================  =================

    PyTorch calls 'mirror' ``padding_mode='reflect'``; numpy.pad calls
    'reflect' ``'symmetric'`` and 'mirror' ``'reflect'``. Every library's
    names in one table: :ref:`boundary-modes`.

    Memory beyond the output: no padded copy of the image is made; per
    running plane, the plane cast to the compute dtype when it is not
    already in it, and a plane of the compute dtype when `output` has
    another dtype; an `output` that shares memory with `input` costs a
    temporary of its size (as in ndimage). The FFT and separable methods
    add what :func:`corr2d.correlate2d` says. An integer or bool `output`
    on the CPU instead takes, per running band of rows, the band's
    extended input block (about 2^15 elements, or ``kh`` rows of the
    extended image for a taller kernel) and the band's float64 sums.
"""


def _is_array(output: Any) -> bool:
    """Whether `output` is an array to fill (else None or a dtype)."""
    return output is not None and not isinstance(output, (type, np.dtype, str, np.generic))


def _run(input: Any, weights: Any, output: Any, mode: Any, cval: Any, origin: Any, axes: Any,
         threads: Any, method: Any, nan_policy: Any, mask: Any, *, convolve: bool, func: str):
    arrays = {"input": input, "weights": weights}
    if _is_array(output):
        arrays["output"] = output
    if is_dask_array(mask) or is_cupy_array(mask):
        arrays["mask"] = mask
    backend = backend_for(func, **arrays)
    if backend.LAZY and not is_dask_array(input):
        # Only the weights or the mask are Dask: computed now (the input is
        # in memory, so they fit), the call runs in memory and its result
        # is wrapped, as correlate2d's with a Dask kernel.
        import dask.array as da

        return da.from_array(_run(
            input, np.asarray(weights), output, mode, cval, origin, axes, threads, method,
            nan_policy, None if mask is None else np.asarray(mask), convolve=convolve, func=func))
    if backend.LAZY:
        return _lazy(input, weights, output, mode, cval, origin, axes, threads, method, nan_policy,
                     mask, backend, convolve=convolve, func=func)
    with backend.context(input):  # a CuPy call plans on its input's device
        plan = plan_ndimage(input, weights, output, mode, cval, origin, axes, threads, method,
                            convolve=convolve, func=func, on_gpu=backend.ON_GPU)
        if check_nan_policy(nan_policy, func) == "propagate":
            if mask is not None:
                raise ValueError(f"{func}: mask marks samples to leave out, which needs "
                                 "nan_policy='interpolate'")
            return correlate_stack(plan, backend)
        return _interpolate(plan, backend, input, weights, output, mode, cval, origin, axes,
                            threads, method, mask, convolve=convolve, func=func)


def _block(public: Any, options: dict, image: np.ndarray, mask: Any) -> Any:
    """One Dask block: the NumPy call on its ghosted region."""
    return public(image, mask=mask, **options)


def _lazy(input, weights, output, mode, cval, origin, axes, threads, method, nan_policy, mask,
          backend, *, convolve: bool, func: str):
    """A Dask `input` (corr2d._dask): each block is this function's NumPy
    call on its region, whose halo is the weights' reach along each image
    axis (``k // 2``, or ``k - 1`` with a non-zero origin); a plain
    correlation (of a 2-D input or a stack) into a float output runs as
    correlate2d's blocks."""
    # Small: a Dask array is computed here. A private copy: the graph must
    # not see a caller who reuses the weights' buffer.
    weights = np.array(weights)
    weights.flags.writeable = False
    if (mask is None and not _is_array(output) and len(input.shape) >= 2 and input.size
            and check_nan_policy(nan_policy, func) == "propagate"):
        # One plain correlation: correlate2d's blocks, each a 'valid'
        # correlation of its region, so a framed block's thin regions give
        # only its frame (else each is computed whole and a third kept).
        # Planned on a small stand-in, which raises the call's errors now.
        plan = plan_ndimage(stand_in(input), weights, output, mode, cval, origin, axes, threads,
                            method, convolve=convolve, func=func)
        if not takes_ndimage_sums(plan):  # an integer output: the NumPy call's own sums
            return backend.correlate_planned(input, plan)
    ndim = len(input.shape)
    try:
        shifted = bool(np.any(np.asarray(origin) != 0))
    except Exception:  # map_planes' first NumPy call raises the error
        shifted = True
    reach = tuple(k - 1 if shifted else k // 2 for k in weights.shape)
    planes = image_axes(axes, ndim, func)
    if planes[0] > planes[1]:
        # ndimage pairs the weights' axes with the image axes in increasing
        # order; `planes` names the rows first.
        reach = reach[::-1]
    if threads is not None:
        check_threads(threads, func)  # now, not when a block runs
    options = dict(weights=weights, output=output, mode=mode, cval=cval, origin=origin, axes=axes,
                   threads=threads,
                   method=method, nan_policy=nan_policy)
    public = _PUBLIC[convolve]
    return backend.map_planes(functools.partial(_block, public, options), input, mask, planes,
                              reach, mode, func)


def _interpolate(plan, backend, input, weights, output, mode, cval, origin, axes, threads, method,
                 mask, *, convolve: bool, func: str):
    """nan_policy='interpolate': normalized convolution (corr2d._normalized)
    over the plain correlation of the same call, in the plan's dtype."""
    if plan.compute_dtype.kind == "c":
        raise ValueError(f"{func}: nan_policy='interpolate' needs real input and weights")
    xp = array_module(plan.image)
    invalid = check_mask(mask, xp.asarray(input), func)
    result = backend.interpolate_stack(plan, invalid)  # the CPU's: band by band, in cache
    if result is not None:
        return result
    image = xp.asarray(input).astype(plan.compute_dtype, copy=False)

    def plain(data, w, fill):
        sub = plan_ndimage(data, w, None, mode, fill, origin, axes, threads, method,
                           convolve=convolve, func=func, on_gpu=backend.ON_GPU)
        return correlate_stack(sub, backend)

    result = normalized_correlate(plain, image, xp.asarray(weights), invalid,
                                  cval=float(np.real(cval)), threads=plan.threads,
                                  precision=sums_precision(plan.image.dtype), func=func)
    target = plan.result
    if not _is_array(output) and target.dtype == result.dtype:
        return result  # no caller's array to fill: the result is the answer
    cast_into(target, result)
    return target


def correlate(
    input: ArrayLike,
    weights: ArrayLike,
    output: np.ndarray | DTypeLike | None = None,
    mode: str = "reflect",
    cval: Any = 0.0,
    origin: int | Sequence[int] = 0,
    *,
    axes: Sequence[int] | None = None,
    threads: int | None = None,
    method: str = "auto",
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> np.ndarray:
    """Correlate an image (or a stack of images) with 2-D weights; a drop-in
    for ``scipy.ndimage.correlate``.

    ``output[i, j] = sum_{p,q} weights[p, q] * ext(input)[i + p - kh // 2 - o0, j + q - kw // 2 - o1]``
    with ``(o0, o1) = origin`` and ``ext`` the input extended by `mode`.

    Parameters
    ----------
    input : array_like
        The image: 2-D, or any number of dimensions with `axes` naming the
        two image axes (the other axes are a stack: each 2-D plane is
        filtered on its own). bool, integer, float or complex.
    weights : array_like
        2-D weights, real or complex (complex weights are conjugated, as
        ``np.correlate`` and ndimage do).
    output : ndarray or dtype, optional
        Array to write the result into (the input's shape; it may be the
        input itself), or the dtype of the result. Default: the input's
        dtype (made complex for complex weights). Integer outputs get the
        float result truncated toward zero, as ndimage's (and bool outputs
        are True where that is non-zero).
    mode : str, optional
        How the input is extended past its edges (see Notes):
        'reflect' (default), 'constant', 'nearest', 'mirror', 'wrap', or
        the aliases 'grid-mirror', 'grid-constant', 'grid-wrap'.
        'reflect' is scipy.signal's 'symm'; PyTorch's 'reflect' is
        'mirror' here (all the names: :ref:`boundary-modes`).
    cval : scalar, optional
        Value outside the input with ``mode='constant'`` (complex only for
        complex input).
    origin : int or (int, int), optional
        Shift of the weights' centre (``kh // 2, kw // 2``), one per image
        axis: ``-(k // 2) <= origin <= (k - 1) // 2``. Positive values
        move the window down/right.
    axes : (int, int), optional, keyword-only
        The two image axes of `input`; required when it is not 2-D. As in
        ndimage, the weights' first axis runs along the lower-numbered of
        the two, and ``origin[i]`` belongs to ``axes[i]`` (ndimage ignores
        that order for a 2-D input; corr2d does not).
    threads : int, optional, keyword-only
        Number of threads (default: OpenMP's, so ``OMP_NUM_THREADS`` and
        ``threadpoolctl`` apply); as in :func:`corr2d.correlate2d`.
    method : {'auto', 'direct', 'fft', 'separable'}, optional, keyword-only
        As in :func:`corr2d.correlate2d`; 'auto' picks the fastest once
        for the whole stack. Integer and bool inputs with integer weights,
        and integer outputs, are direct: their sums are exact, or
        ndimage's (an integer output truncates them, where the rounding of
        'fft' and 'separable', which they refuse, would move 4031 to
        4030).
    nan_policy : {'propagate', 'interpolate'}, optional, keyword-only
        'propagate' (default): NaN spreads over every window that holds
        it, as in any correlation. 'interpolate': normalized convolution
        (see :doc:`/nan-policy`): NaN (and masked) samples weigh 0 and each
        output is rescaled by ``sum(weights) / sum(weights over valid
        samples)`` (for weights that sum to zero, such as derivatives,
        each missing sample stands for the ``|weights|``-weighted mean of
        the window's valid samples), so with no NaN it equals
        'propagate'; an output whose window holds no valid
        sample is NaN. In 'constant' mode the outside counts as valid
        samples of value `cval` (missing ones when `cval` is NaN). Real
        input and weights only. Memory beyond the output: on the CPU it
        runs band by band, a few band-sized arrays (about 1 MiB each) per
        thread; with the FFT method, and on the GPU, three arrays of the
        input's shape in the compute dtype (the input with its NaN
        zeroed, the validity weights, a correlation; four for weights that
        sum to zero) and a copy of the input in that dtype.
    mask : array_like of bool, optional, keyword-only
        The input's shape; True marks more samples to leave out (with
        ``nan_policy='interpolate'`` only).

    Returns
    -------
    ndarray
        The correlation, the input's shape, in the dtype of `output`
        (`output` itself when it is an array).

    Raises
    ------
    ValueError
        Weights that are not 2-D or are empty, an input of fewer than 2
        dimensions, more than 2 dimensions without `axes`, bad `axes`, an
        unknown `mode`, an `origin` out of range, an `output` of the wrong
        shape, read-only or not complex for a complex result, a complex
        `cval` with a real input, ``threads < 1``, a `method` that
        cannot run this call, an unknown `nan_policy`, 'interpolate' on
        complex data, or a `mask` of the wrong shape or without
        'interpolate'.
    TypeError
        A non-numeric input, weights, `cval` or `output` dtype; `axes` or
        `origin` that are not ints; `threads` not an int; a `mask` that is
        not boolean; arrays of mixed kinds (NumPy and CuPy).

    Notes
    -----
%s
    Examples
    --------
    >>> import numpy as np
    >>> from corr2d import ndimage
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> ndimage.correlate(image, [[0, 1, 0], [1, 1, 1], [0, 1, 0]], mode="constant")
    array([[ 5.,  8., 12., 12.],
           [17., 25., 30., 27.],
           [33., 45., 50., 43.],
           [33., 48., 52., 40.]])

    NaN left out of a 3x3 mean instead of spread over it:

    >>> x = np.arange(9.0).reshape(3, 3); x[1, 1] = np.nan
    >>> ndimage.correlate(x, np.full((3, 3), 1 / 9), nan_policy="interpolate")[1]
    array([3.25, 4.  , 4.75])

    A stack of three colour images, ``(N, H, W, C)``, filtered per plane:

    >>> stack = np.ones((3, 32, 32, 3), np.float32)
    >>> ndimage.correlate(stack, np.ones((3, 3)), axes=(1, 2)).shape
    (3, 32, 32, 3)
    """
    return _run(input, weights, output, mode, cval, origin, axes, threads, method, nan_policy,
                mask, convolve=False, func="correlate")


def convolve(
    input: ArrayLike,
    weights: ArrayLike,
    output: np.ndarray | DTypeLike | None = None,
    mode: str = "reflect",
    cval: Any = 0.0,
    origin: int | Sequence[int] = 0,
    *,
    axes: Sequence[int] | None = None,
    threads: int | None = None,
    method: str = "auto",
    nan_policy: str = "propagate",
    mask: ArrayLike | None = None,
) -> np.ndarray:
    """Convolve an image (or a stack of images) with 2-D weights; a drop-in
    for ``scipy.ndimage.convolve``.

    Correlation with the weights flipped in both axes (not conjugated), with
    ndimage's origin rule: the origin is negated, and on an axis of even
    size shifted by one more, so that ``convolve(x, w, origin=o) ==
    correlate(x, w[::-1, ::-1], origin=-o - (1 - k %% 2))``.

    Parameters
    ----------
    input, weights, output, mode, cval, origin, axes, threads, method, nan_policy, mask
        As in :func:`correlate` (mode names in other libraries:
        :ref:`boundary-modes`).

    Returns
    -------
    ndarray
        The convolution, the input's shape, in the dtype of `output`.

    Raises
    ------
    ValueError, TypeError
        As :func:`correlate`.

    Notes
    -----
%s
    Examples
    --------
    >>> import numpy as np
    >>> from corr2d import ndimage
    >>> impulse = np.zeros((3, 3)); impulse[1, 1] = 1
    >>> ndimage.convolve(impulse, [[1, 2], [3, 4]], mode="constant")
    array([[1., 2., 0.],
           [3., 4., 0.],
           [0., 0., 0.]])
    """
    return _run(input, weights, output, mode, cval, origin, axes, threads, method, nan_policy,
                mask, convolve=True, func="convolve")


correlate.__doc__ = correlate.__doc__ % _NOTES
convolve.__doc__ = convolve.__doc__ % _NOTES

#: The NumPy call a Dask block runs, by `convolve`.
_PUBLIC = {False: correlate, True: convolve}

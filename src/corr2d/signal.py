"""Drop-in replacements for ``scipy.signal.correlate2d`` and ``convolve2d``.

Each call is checked once into a backend-neutral plan
(:mod:`corr2d._signal_plan`) and run by the backend that
:mod:`corr2d._dispatch` picks for its arrays (the C core for NumPy, CUDA
kernels for CuPy)."""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._dispatch import backend_for
from ._signal_plan import plan_correlate

__all__ = ["correlate2d", "convolve2d", "choose_method"]

_MEMORY_NOTE = """
    Memory beyond the output: no padded copy of the image is ever made (the
    boundary is applied while reading). `in1` is copied once only when it is
    not already in the result dtype, native byte order, aligned and with
    contiguous columns; `in2` is copied once (cast, flipped or conjugated).
    A temporary of the output's size is used only when `out` cannot be
    written directly (non-native byte order, strided columns, memory shared
    with an input) or, in 'valid' mode, when correlate2d swaps its inputs.
    The FFT method adds the kernel's spectrum (``FH x FW`` complex) and, per
    thread, one pair of tiles' transform (float32/float64: about
    ``2 * FH * FW`` elements, a few MiB; complex inputs, through
    ``scipy.fft``: one job of tiles, about 8 MiB; a job whose input holds
    NaNs adds masks and a table of counts over its input, 5 bytes a sample
    in the core, about 30 through ``scipy.fft``); the separable method
    adds, per thread, one band of its first pass's output (about 1 MiB,
    at least 32 rows) and a copy of that band's input rows (256 KiB, or
    192 bytes a row when they are more than 1365). Neither pads a copy of
    the image.

    Methods: 'direct' sums the products in the C core (exact for integers;
    for floats the rounding of a sum of ``kh * kw`` products). 'fft' is
    overlap-save over tiles of ``FH x FW`` samples with transforms in the
    input's precision (float32 stays float32: the C core's own FFT for
    float32 and float64, ``scipy.fft`` for complex); each
    output differs from the exact correlation by at most
    ``2 * eps * log2(FH * FW) * max|x| * sum|k|``, where ``eps`` is the
    dtype's machine epsilon, ``max|x|`` the largest magnitude in the image
    (and the fill value) and ``sum|k|`` the kernel's total magnitude: the
    FFT spreads rounding over a tile and over the whole kernel, so a small
    output next to large samples gets their absolute error, even where its
    own window holds only fill. Infinities and NaNs (in the image or the
    fill) come out where the direct method puts them, and only there: a
    tile that holds one is transformed again with them zeroed, the outputs
    whose windows hold a NaN are set to NaN, and those whose windows meet
    an infinity are recomputed directly (their sign, or NaN, depends on the
    taps: the direct method's cost over the box around the infinities). A
    masked image (1% NaN, 4096x4096 float64, 51x51) took 2.2x the time of a
    finite one. A non-finite kernel runs directly. Finite samples so
    large that a transform's sums overflow (within about ``FH * FW`` of
    the dtype's largest value) leave that pair of tiles to the direct
    method too. (``scipy.signal.fftconvolve`` turns a whole image NaN for
    one NaN sample.) A complex product with an infinite part follows the
    plain formula ``(ac - bd) + (ad + bc)j``, as NumPy's and Python's do,
    in every method: ``(inf+infj) * (1+0j)`` is ``nan+nanj`` here, where
    SciPy's C99 complex arithmetic recovers ``inf+infj``. 'separable' runs a
    numerically rank-1 kernel (second singular value at most ``4 *
    max(kh, kw) * eps`` times the first) as two 1-D passes; a column
    symmetric or antisymmetric bit for bit (Gaussians, boxes) adds each
    mirrored pair of samples before multiplying, so samples over half the
    dtype's largest value can overflow there. The factors are the kernel's
    middle row and column where their outer product is the kernel bit for
    bit (Sobel's, boxes); else an SVD's, refined by one least-squares step
    each way, so each tap of their outer product is within a few eps of
    the kernel's own (a Gaussian's tail included): an output's error is
    about ``(kh + kw) * eps`` times ``sum |k| |x|`` over its window, as for
    the direct method, plus the distance of a numerically rank-1 kernel
    from its factors. 'auto' takes the cheapest by a cost model fitted on
    this machine kind (:func:`choose_method` tells which); integers are
    always direct. The result of any method is the same on any number of
    threads.
"""


def correlate2d(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: str = "full",
    boundary: str = "fill",
    fillvalue: Any = 0,
    *,
    threads: int | None = None,
    out: np.ndarray | None = None,
    method: str = "auto",
) -> np.ndarray:
    """Cross-correlate two 2-D arrays; a drop-in for ``scipy.signal.correlate2d``.

    ``out[i, j] = sum_{p,q} in1[i + p - t, j + q - l] * conj(in2[p, q])``,
    with ``in1`` extended beyond its edges by `boundary` and the offsets
    ``t, l`` set by `mode`. Same signature, defaults, output shape, output
    dtype and exceptions as SciPy's, computed by a multi-threaded C core that
    releases the GIL.

    Parameters
    ----------
    in1 : array_like
        First input, 2-D (the image).
    in2 : array_like
        Second input, 2-D (the kernel), conjugated when complex.
    mode : {'full', 'valid', 'same'}, optional
        'full' (default): the whole correlation, shape ``in1 + in2 - 1``.
        'valid': only outputs that need no extension. As in SciPy, when
        `in2` is at least as large as `in1` in every dimension and larger
        in one, the inputs are swapped and the output is flipped in both
        axes (not conjugated); inputs of equal shapes are not swapped. When
        neither is at least as large as the other, a
        ``ValueError`` is raised. The boundary plays no part here.
        'same': the shape of `in1`, the window of the full output starting
        at ``in2.shape // 2``: the image is padded by ``(k - 1) // 2``
        before and ``k // 2`` after, so even kernels read one more
        row/column after the centre than before it, as PyTorch's
        ``padding='same'``.
    boundary : {'fill', 'wrap', 'symm'}, optional
        How `in1` is extended: 'fill' with `fillvalue` (default, also
        'pad'), 'wrap' periodically (also 'circular'), 'symm' by half-sample
        mirroring (also 'symmetric'). Kernels larger than `in1` are fine:
        the extension repeats. `in1` is always the array extended, whatever
        the sizes (outside 'valid' mode SciPy never swaps the inputs).
        Other libraries' names for these rules: :ref:`boundary-modes`
        ('symm' is ndimage's 'reflect', not PyTorch's 'reflect').
    fillvalue : scalar, optional
        Value outside `in1` with ``boundary='fill'``; converted to the
        output dtype by SciPy's rules. Ignored for other boundaries.
    threads : int, optional, keyword-only
        Number of OpenMP threads; by default OpenMP's own, so
        ``OMP_NUM_THREADS`` and ``threadpoolctl`` apply. Requests beyond
        the number of processors (or OpenMP's setting, if larger) are
        capped there. Small problems run
        on one thread regardless, and so does every call in a process
        forked after a threaded call (GNU OpenMP's threads do not survive
        ``fork``; this keeps the child from hanging).
    out : ndarray, optional, keyword-only
        Array of the output's shape and dtype to write the result into. A
        call stopped by Ctrl-C (``KeyboardInterrupt``) may leave it partly
        written.
    method : {'auto', 'direct', 'fft', 'separable'}, optional, keyword-only
        How to compute it (see Notes); 'auto' (default) picks the fastest
        by :func:`choose_method`. 'fft' and 'separable' raise ``ValueError``
        for integer dtypes (they would round) and on CuPy arrays (the GPU
        path is direct); 'separable' raises it for a kernel that is not
        separable, and for longdouble kernels (LAPACK's SVD is float64:
        'auto' never factorises them).

    Returns
    -------
    ndarray
        The correlation, in the common dtype of the inputs (integers wrap on
        overflow, float32 stays float32). `out` when it was given.

    Raises
    ------
    ValueError
        Inputs that are not 2-D or are empty, an unsupported dtype (bool,
        float16, object, ...), an unknown `mode` or `boundary`, a bad
        `fillvalue`, a 'valid' correlation where neither input contains the
        other, an `out` of the wrong shape or dtype, ``threads < 1``, or a
        `method` that is unknown or cannot compute this call.
    TypeError
        `out` that is not an ndarray, or `threads` that is not an int.

    Notes
    -----
%s
    Examples
    --------
    The example of *Dive into Deep Learning*, section 6.2:

    >>> import numpy as np
    >>> from corr2d import correlate2d
    >>> X = np.arange(9.0).reshape(3, 3)
    >>> K = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> correlate2d(X, K, mode="valid")
    array([[19., 25.],
           [37., 43.]])
    """
    backend = backend_for("correlate2d", in1=in1, in2=in2, out=out)
    with backend.context(in1):  # a CuPy call plans on its inputs' device
        return backend.correlate(plan_correlate(
            in1, in2, mode, boundary, fillvalue, threads, out, convolve=False, func="correlate2d",
            on_gpu=backend.ON_GPU, method=method))


def convolve2d(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: str = "full",
    boundary: str = "fill",
    fillvalue: Any = 0,
    *,
    threads: int | None = None,
    out: np.ndarray | None = None,
    method: str = "auto",
) -> np.ndarray:
    """Convolve two 2-D arrays; a drop-in for ``scipy.signal.convolve2d``.

    True convolution is cross-correlation with the kernel flipped in both
    axes, and that is how it is computed:
    ``convolve2d(a, k, m) == correlate2d(a, k[::-1, ::-1].conj(), m)`` for
    'full' and 'valid' modes and for odd kernels in 'same' mode. The one
    exception is SciPy's: for an even kernel in 'same' mode the window of
    the full convolution starts at ``(k - 1) // 2`` where correlate2d's
    starts at ``k // 2``, and this function follows SciPy. In 'valid' mode
    SciPy swaps the inputs when `in2` is the larger; convolution commutes,
    so nothing is flipped.

    Parameters
    ----------
    in1, in2 : array_like
        2-D inputs: the image and the kernel.
    mode, boundary, fillvalue, threads, out, method
        As in :func:`correlate2d` (boundary names in other libraries:
        :ref:`boundary-modes`).

    Returns
    -------
    ndarray
        The convolution, in the common dtype of the inputs.

    Raises
    ------
    ValueError, TypeError
        As :func:`correlate2d`.

    Notes
    -----
%s
    Examples
    --------
    >>> import numpy as np
    >>> from corr2d import convolve2d
    >>> convolve2d(np.array([[1, 2], [3, 4]]), np.array([[0, 1]]))
    array([[0, 1, 2],
           [0, 3, 4]])
    """
    backend = backend_for("convolve2d", in1=in1, in2=in2, out=out)
    with backend.context(in1):
        return backend.correlate(plan_correlate(
            in1, in2, mode, boundary, fillvalue, threads, out, convolve=True, func="convolve2d",
            on_gpu=backend.ON_GPU, method=method))


def choose_method(in1: ArrayLike, in2: ArrayLike, mode: str = "full",
                  boundary: str = "fill") -> str:
    """The method ``method='auto'`` uses for this call; like
    ``scipy.signal.choose_conv_method``.

    Parameters
    ----------
    in1, in2, mode, boundary
        As in :func:`correlate2d` (boundary names: :ref:`boundary-modes`;
        the choice is the same for
        :func:`convolve2d`). Only shapes and dtypes matter, so
        ``np.broadcast_to`` arrays that hold no memory do as well.

    Returns
    -------
    str
        'direct', 'fft' or 'separable': the cheapest by corr2d's cost model
        (constants fitted on this machine kind by
        ``benchmarks/fit_method_costs.py``). Integer dtypes and small
        kernels are always 'direct', and so are CuPy arrays (the GPU path
        has only that method).

    Raises
    ------
    ValueError, TypeError
        As :func:`correlate2d`, for the same arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d import choose_method
    >>> image = np.broadcast_to(np.float32(0), (4096, 4096))
    >>> choose_method(image, np.ones((3, 3), np.float32), "same")
    'direct'
    >>> choose_method(image, np.random.rand(101, 101).astype(np.float32), "same")
    'fft'
    >>> g = np.exp(-np.linspace(-3, 3, 31) ** 2).astype(np.float32)
    >>> choose_method(image, np.outer(g, g), "same")
    'separable'
    """
    backend = backend_for("choose_method", in1=in1, in2=in2)
    plan = plan_correlate(in1, in2, mode, boundary, 0, None, None, convolve=False,
                          func="choose_method", on_gpu=backend.ON_GPU, method="auto")
    return backend.auto_method(plan)


correlate2d.__doc__ = correlate2d.__doc__ % _MEMORY_NOTE
convolve2d.__doc__ = convolve2d.__doc__ % _MEMORY_NOTE

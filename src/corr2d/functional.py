"""Deep-learning convolution for NumPy: ``torch.nn.functional``-style
``conv2d`` and ``conv_transpose2d``, and the gradients of ``conv2d`` with
``torch.nn.grad``'s names.

Like every deep-learning framework, "convolution" here is a
cross-correlation: the kernel is not flipped.

How it runs: each function builds a backend-neutral plan
(:mod:`corr2d._conv_plan`: argument checks, the dtype policy, the padding
for non-'zeros' padding modes) and hands it to the backend that
:mod:`corr2d._dispatch` picks for the arrays:

- NumPy arrays: :mod:`corr2d._cpu_conv` lowers each (image, group) to
  matrix products, im2col/col2im in the OpenMP C core and GEMM in SciPy's
  BLAS, without the GIL. Large calls run whole (image, group) items on
  OpenMP threads with BLAS limited to one thread (threadpoolctl). The
  im2col workspace is chunked by output rows to at most
  :data:`WORKSPACE_BYTES` (32 MiB), or one output row of the column
  matrix, ``C_in/groups * kH * kW * W_out`` elements, if that is larger. A
  1x1, stride-1, unpadded convolution is a plain matrix product (no
  workspace), and a depthwise convolution (``groups == C_in``, one input
  channel per group, and one output channel per group unless stride and
  dilation are 1) runs direct loops, forward and both gradients (their
  workspace: one zero-padded input plane and one output plane per
  thread, at most 2**21 elements; larger planes take im2col, or at stride 1
  the forward loop reading the image in place). A 3x3, stride-1,
  dilation-1 convolution whose groups have at least
  :data:`WINOGRAD_MIN_CHANNELS` (16) input and output channels runs
  Winograd F(2x2, 3x3) (forward, and the input gradient when padding <= 2):
  input and output transforms in C, 16 GEMMs per chunk of 2x2 output tiles
  in BLAS, 2.25x fewer multiplications; its workspace (the transformed
  input and output of a chunk) has the same bound. Its rounding error is a
  small multiple of the direct path's (tested against gamma_k times the
  transforms' absolute-value bound, k = C_in/groups + 11).
- CuPy arrays: :mod:`corr2d.cuda.conv`, an implicit-GEMM CUDA kernel,
  returning CuPy arrays with the same dtypes and errors; a mix of CuPy and
  NumPy arrays is a ``TypeError`` naming the arguments.

Dtype policy (:func:`corr2d._conv_plan.conv_dtype`): float32 stays
float32, float64 stays float64; a non-native, non-contiguous or unaligned
array is copied to a native, aligned, C-contiguous one. Any other dtype is
a ``TypeError`` naming the argument, and so is a mix of float32 and
float64.

Threads and reproducibility: the direct and depthwise loops of conv2d,
conv2d_input and conv_transpose2d give the same bits whatever the number
of threads; the paths through BLAS (1x1, im2col + GEMM, Winograd) may
differ between thread counts by rounding (BLAS's sums follow its thread
count and the matrix shapes), within the sum's bound; conv2d_weight adds one
partial sum per thread at the end, so its float32 results may differ
between thread counts by the rounding of that sum (a few units in the last
place of the largest entry; tested: within ``threads * eps`` times the sum
of the absolute terms). Equal calls on the same number of threads give
the same bits, conv2d_weight's included (each partial sums the same
images every time).
"""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from ._conv_plan import conv2d_input_plan, conv2d_plan, conv2d_weight_plan, conv_transpose2d_plan
from ._cpu_conv import WINOGRAD_MIN_CHANNELS, WORKSPACE_BYTES  # noqa: F401  (documented here)
from ._dispatch import backend_for
from ._tables import TORCH_PADDING_MODES as PADDING_MODES  # noqa: F401

__all__ = ["conv2d", "conv2d_input", "conv2d_weight", "conv_transpose2d"]

IntPair = Union[int, Sequence[int]]


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------
def conv2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """2-D convolution of a batch of multi-channel images, as
    ``torch.nn.functional.conv2d`` (plus ``nn.Conv2d``'s ``padding_mode``).

    Like every deep-learning framework, this is a **cross-correlation**: the
    kernel is not flipped,
    ``out[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] *
    xpad[n, g*C_in/groups + c, i*sh + p*dh, j*sw + q*dw]`` where ``g`` is the
    group of output channel ``o``.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        float32 or float64. An unbatched input gives an unbatched output.
    weight : ndarray, shape (C_out, C_in / groups, kH, kW)
        Same dtype as `input`.
    bias : ndarray, shape (C_out,), optional
        Same dtype as `input`.
    stride, dilation : int or pair of ints, positive
    padding : int, pair of non-negative ints, 'valid' or 'same'
        'same' (stride 1 only) pads ``dilation*(k-1)`` in total, ``total//2``
        on the top/left and the rest on the bottom/right, as PyTorch does.
    groups : int
        Both C_in and C_out must be divisible by it.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}
        PyTorch's names (NumPy's ``constant``, ``reflect``, ``edge``,
        ``wrap``). 'reflect' needs padding < the input size, 'circular'
        padding <= the input size, as in PyTorch. 'reflect' is ndimage's
        (and :mod:`corr2d.filters`') 'mirror', not their 'reflect': see
        :ref:`boundary-modes`.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H + top + bottom - dH*(kH-1) - 1) // sH + 1`` (W alike),
        in the dtype of `input`.

    Raises
    ------
    TypeError
        A dtype other than float32/float64, or mixed dtypes (names the argument).
    ValueError
        Bad shapes or parameters: channels not divisible by `groups`, a kernel
        larger than the padded input, non-positive stride/dilation, negative
        padding, 'same' with a stride, an unknown `padding_mode`.

    Notes
    -----
    Gradients: :func:`conv2d_input` and :func:`conv2d_weight` give the
    gradients with respect to `input` and `weight`; the gradient with respect
    to `bias` is ``grad_output.sum(axis=(0, 2, 3))``.

    Extra memory: the output; the im2col workspace, at most
    ``WORKSPACE_BYTES`` (32 MiB) or one output row of the column matrix
    (``C_in/groups * kH * kW * W_out`` elements per thread) if larger; none for 1x1
    stride-1 unpadded convolutions, one padded input plane and one output
    plane per thread for depthwise ones (at most 2**21 elements, else the
    im2col bound). A Winograd layer
    (3x3, stride 1, at least ``WINOGRAD_MIN_CHANNELS`` channels per group)
    uses a workspace of the same bound plus its transformed weight
    (``16/9`` of `weight`). A padded copy of
    the input for a non-'zeros' `padding_mode`, and a native contiguous copy
    of any argument that is not already one.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.functional import conv2d
    >>> X = np.array([[[0., 1, 2], [3, 4, 5], [6, 7, 8]],
    ...               [[1., 2, 3], [4, 5, 6], [7, 8, 9]]])
    >>> K = np.array([[[0., 1], [2, 3]], [[1., 2], [3, 4]]])
    >>> conv2d(X, K[None])
    array([[[ 56.,  72.],
            [104., 120.]]])
    >>> conv2d(np.zeros((1, 1, 8, 8)), np.zeros((1, 1, 5, 3)), padding=(2, 1), stride=2).shape
    (1, 1, 4, 4)
    """
    backend = backend_for("conv2d", input=input, weight=weight, bias=bias)
    if backend.LAZY:
        return backend.map_conv2d(conv2d, input, weight, bias, stride, padding, dilation, groups,
                                  padding_mode)
    with backend.context(input):
        return backend.conv2d(conv2d_plan(
            "conv2d", input, weight, bias, stride, padding, dilation, groups, padding_mode))


def conv2d_input(
    input_size: Sequence[int],
    weight: np.ndarray,
    grad_output: np.ndarray,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of :func:`conv2d` with respect to its input, as
    ``torch.nn.grad.conv2d_input`` (zero padding).

    Parameters
    ----------
    input_size : sequence of 4 ints (N, C_in, H, W), or 3 (C_in, H, W)
        The shape of the convolution's input; 3 ints for an unbatched
        (C_out, H_out, W_out) `grad_output`.
    weight : ndarray, shape (C_out, C_in / groups, kH, kW)
    grad_output : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        Same dtype as `weight`; its shape must be the convolution's output shape.
    stride, padding, dilation, groups
        As in :func:`conv2d`.

    Returns
    -------
    ndarray of shape `input_size`, in the dtype of `weight`.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`; also when `grad_output` does not have the output shape.

    Notes
    -----
    Extra memory: the result; the col2im workspace, bounded as in
    :func:`conv2d` (32 MiB or one output row of the column matrix); none
    for 1x1 stride-1 unpadded convolutions, one padded plane and one
    output plane per thread for depthwise ones (at most 2**21 elements,
    else the col2im bound).

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.functional import conv2d_input
    >>> conv2d_input((1, 1, 3, 3), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    array([[[[1., 2., 1.],
             [2., 4., 2.],
             [1., 2., 1.]]]])
    """
    backend = backend_for("conv2d_input", weight=weight, grad_output=grad_output)
    if backend.LAZY:
        return backend.map_conv2d_input(conv2d_input, input_size, weight, grad_output, stride,
                                        padding, dilation, groups)
    with backend.context(weight):
        return backend.conv2d_input(conv2d_input_plan(
            "conv2d_input", input_size, weight, grad_output, stride, padding, dilation, groups))


def conv2d_weight(
    input: np.ndarray,
    weight_size: Sequence[int],
    grad_output: np.ndarray,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of :func:`conv2d` with respect to its weight, as
    ``torch.nn.grad.conv2d_weight`` (zero padding).

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    weight_size : sequence of 4 ints (C_out, C_in / groups, kH, kW)
    grad_output : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        Same dtype and batching as `input`.
    stride, padding, dilation, groups
        As in :func:`conv2d`.

    Returns
    -------
    ndarray of shape `weight_size`, in the dtype of `input`.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`; also when `grad_output` does not have the output shape.

    Notes
    -----
    Extra memory: the result, plus one partial result per OpenMP thread
    when images run in parallel; the im2col workspace, bounded as in
    :func:`conv2d` (32 MiB or one output row of the column matrix per
    thread); none for 1x1 stride-1 unpadded convolutions; for depthwise
    ones, no partial results and one padded input plane and one output
    plane per thread (at most 2**21 elements, else the im2col bound).

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.functional import conv2d_weight
    >>> X = np.arange(9.).reshape(1, 1, 3, 3)
    >>> conv2d_weight(X, (1, 1, 2, 2), np.ones((1, 1, 2, 2)))
    array([[[[ 8., 12.],
             [20., 24.]]]])
    """
    backend = backend_for("conv2d_weight", input=input, grad_output=grad_output)
    if backend.LAZY:
        return backend.map_conv2d_weight(conv2d_weight, input, weight_size, grad_output, stride,
                                         padding, dilation, groups)
    with backend.context(input):
        return backend.conv2d_weight(conv2d_weight_plan(
            "conv2d_weight", input, weight_size, grad_output, stride, padding, dilation, groups))


def conv_transpose2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> np.ndarray:
    """2-D transposed convolution, as ``torch.nn.functional.conv_transpose2d``:
    the gradient of :func:`conv2d` with respect to its input, applied to
    `input` (then `bias` added).

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        float32 or float64.
    weight : ndarray, shape (C_in, C_out / groups, kH, kW)
        Same dtype as `input`.
    bias : ndarray, shape (C_out,), optional
    stride, dilation : int or pair of ints, positive
    padding : int or pair of non-negative ints
        Removed from each side of the output (``dilation*(k-1) - padding``
        zero padding of the input).
    output_padding : int or pair of non-negative ints
        Added to the bottom/right of the output size; must be smaller than
        the stride or the dilation, as in PyTorch.
    groups : int

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H-1)*sH - 2*pH + dH*(kH-1) + output_padding + 1`` (W alike).

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`; also for a bad `output_padding` or an empty output.

    Notes
    -----
    Extra memory: the output; the col2im workspace, bounded as in
    :func:`conv2d` (32 MiB or ``C_out/groups * kH * kW * W`` elements if
    larger).

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.functional import conv_transpose2d
    >>> conv_transpose2d(np.array([[[[0., 1], [2, 3]]]]), np.array([[[[0., 1], [2, 3]]]]))
    array([[[[ 0.,  0.,  1.],
             [ 0.,  4.,  6.],
             [ 4., 12.,  9.]]]])
    """
    backend = backend_for("conv_transpose2d", input=input, weight=weight, bias=bias)
    if backend.LAZY:
        return backend.map_conv_transpose2d(conv_transpose2d, input, weight, bias, stride, padding,
                                            output_padding, groups, dilation)
    with backend.context(input):
        return backend.conv_transpose2d(conv_transpose2d_plan(
            "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
            dilation))

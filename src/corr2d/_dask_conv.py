"""The deep-learning functions on Dask arrays: lazy, over chunks of the batch axis.

Each chunk of samples (the other axes merged into one chunk) runs the NumPy
function the public layer hands in (corr2d.functional's own: a backend never
imports a public module); `weight` and `bias` are small and computed first
when they are Dask arrays. ``conv2d_weight`` sums the chunks' partial
gradients in a tree. Each chunk runs on its task's threads
(corr2d._dask_threads): the conv functions take no ``threads=``. Each call
first runs the function on one zero sample, so bad arguments raise now with
the NumPy path's errors, and the output's shape and dtype are known; that
costs one sample's computation. An unbatched (C, H, W) input is one chunk.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._arrays import is_dask_array
from ._conv_plan import check_size
from ._dask_threads import thread_limit


def _computed(a: Any) -> Any:
    """A small array argument (weight, bias) as a private NumPy array: the
    graph must not see a caller who reuses its buffer. Anything else (None,
    a list, the function's own errors) is left as it is."""
    if isinstance(a, np.ndarray) or is_dask_array(a):
        a = np.array(a)
        a.flags.writeable = False
    return a


def _batch_chunks(a: Any) -> tuple[Any, bool]:
    """`a` as a 4-D Dask array chunked along the batch axis only, and
    whether it was batched (3-D input: one sample, one chunk)."""
    import dask.array as da

    a = a if is_dask_array(a) else da.from_array(np.asarray(a))
    if a.ndim == 3:
        return a[None].rechunk(-1), False
    if a.ndim != 4:  # the NumPy function's own error, on a stand-in
        return a, True
    return a.rechunk({1: -1, 2: -1, 3: -1}), True


def _sample(a: Any) -> np.ndarray:
    """A zero sample of `a`'s shape (batch 1) and dtype, for the probe run."""
    shape = (1,) + tuple(a.shape[1:]) if a.ndim == 4 else tuple(a.shape)
    return np.zeros(shape, a.dtype)


def _per_batch(func: Callable, x: Any, batched: bool, probe: np.ndarray) -> Any:
    """`func` over `x`'s batch chunks, unbatched again if the input was."""
    y = x.map_blocks(func, chunks=(x.chunks[0],) + probe.shape[1:], dtype=probe.dtype,
                     meta=np.empty((0,) * 4, probe.dtype))
    return y if batched else y[0]


class _Call:
    """``func(block, *args, **kwargs)`` with the block first (picklable)."""

    def __init__(self, func: Callable, *args: Any, **kwargs: Any) -> None:
        self.func, self.args, self.kwargs = func, args, kwargs

    def __call__(self, block: np.ndarray) -> np.ndarray:
        with thread_limit():
            return self.func(block, *self.args, **self.kwargs)


def map_conv2d(func: Callable, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
               dilation: Any, groups: Any, padding_mode: Any) -> Any:
    """``func(input, weight, bias, ...)`` (conv2d) over `input`'s batch chunks."""
    weight, bias = _computed(weight), _computed(bias)
    x, batched = _batch_chunks(input)
    call = _Call(func, weight, bias, stride, padding, dilation, groups, padding_mode)
    return _per_batch(call, x, batched, call(_sample(x)))


def map_conv_transpose2d(func: Callable, input: Any, weight: Any, bias: Any, stride: Any,
                         padding: Any, output_padding: Any, groups: Any, dilation: Any) -> Any:
    """conv_transpose2d over `input`'s batch chunks."""
    weight, bias = _computed(weight), _computed(bias)
    x, batched = _batch_chunks(input)
    call = _Call(func, weight, bias, stride, padding, output_padding, groups, dilation)
    return _per_batch(call, x, batched, call(_sample(x)))


class _GradInput:
    """conv2d_input of one chunk of grad_output: its input size has the chunk's batch."""

    def __init__(self, func: Callable, sample_size: tuple, weight: np.ndarray, *args: Any):
        self.func, self.sample_size, self.weight, self.args = func, sample_size, weight, args

    def __call__(self, grad_output: np.ndarray) -> np.ndarray:
        size = (grad_output.shape[0],) + self.sample_size
        with thread_limit():
            return self.func(size, self.weight, grad_output, *self.args)


def map_conv2d_input(func: Callable, input_size: Any, weight: Any, grad_output: Any, stride: Any,
                     padding: Any, dilation: Any, groups: Any) -> Any:
    """conv2d_input over `grad_output`'s batch chunks."""
    weight = _computed(weight)
    gy, batched = _batch_chunks(grad_output)
    # Checked whole here: each chunk's call sees its own batch size.
    size = check_size(input_size, "input_size", 4 if batched else 3, "conv2d_input")
    if batched and gy.ndim == 4 and len(size) == 4 and size[0] != gy.shape[0]:
        raise ValueError(f"conv2d_input: grad_output has {gy.shape[0]} samples but input_size "
                         f"{size} has {size[0]}")
    sample_size = size[1:] if batched else size
    call = _GradInput(func, tuple(sample_size), weight, stride, padding, dilation, groups)
    return _per_batch(call, gy, batched, call(_sample(gy)))


def _partial_weight(func: Callable, weight_size: tuple, args: tuple, x: np.ndarray,
                    gy: np.ndarray) -> np.ndarray:
    with thread_limit():
        return func(x, weight_size, gy, *args)


def map_conv2d_weight(func: Callable, input: Any, weight_size: Any, grad_output: Any, stride: Any,
                      padding: Any, dilation: Any, groups: Any) -> Any:
    """conv2d_weight: one partial gradient per batch chunk, summed in a tree
    (float32 partial sums round like the NumPy path's per-thread ones)."""
    import dask
    import dask.array as da

    args = (stride, padding, dilation, groups)
    if np.ndim(input) != np.ndim(grad_output):  # the NumPy function's own error
        func(_sample(input), weight_size, _sample(grad_output), *args)
    x, _ = _batch_chunks(input)
    gy, _ = _batch_chunks(grad_output)
    if x.ndim == 4 and gy.ndim == 4 and x.shape[0] != gy.shape[0]:
        raise ValueError(f"conv2d_weight: input has {x.shape[0]} samples but grad_output has "
                         f"{gy.shape[0]}")
    probe = func(_sample(x), weight_size, _sample(gy), *args)
    gy = gy.rechunk({0: x.chunks[0]})
    partial = dask.delayed(_partial_weight, pure=True)
    parts = [da.from_delayed(partial(func, tuple(weight_size), args, xb, gb), probe.shape,
                             dtype=probe.dtype)
             for xb, gb in zip(x.to_delayed().ravel(), gy.to_delayed().ravel())]
    return parts[0] if len(parts) == 1 else da.stack(parts).sum(axis=0, dtype=probe.dtype)

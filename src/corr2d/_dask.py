"""The Dask backend: what corr2d._dispatch hands Dask arrays to.

Results are lazy Dask arrays with exactly the in-memory semantics. Each
output block is computed by the NumPy path on its ghosted region
(corr2d._dask_ghost: the halo is the kernel's reach, the global edges are
built with the real boundary rule). correlate2d/convolve2d run a 'valid'
correlation of each region in the C core; corr2d.ndimage and the filters
run the NumPy function the public layer hands in (a backend never imports
a public module) and keep the block's part of it; the deep-learning
functions map over chunks of the batch axis (corr2d._dask_conv).

Threads: each task decides its own where it runs (corr2d._dask_threads:
one under dask's threaded scheduler, the nanny's ``OMP_NUM_THREADS`` on a
dask.distributed worker); the call's ``threads=`` overrides that. Dask is
imported only here, and this module only when a Dask array comes in.
"""
from __future__ import annotations

import functools
from contextlib import nullcontext
from typing import Any, Callable, ContextManager

import numpy as np

from . import _cpu
from ._arrays import is_dask_array
from ._cpu_correlate import correlate as _correlate_in_memory, separable_method
from ._dask_conv import (map_conv2d, map_conv2d_input, map_conv2d_weight,  # noqa: F401
                         map_conv_transpose2d)
from ._dask_ghost import map_ghosted
from ._dask_threads import task_threads, with_threads
from ._methods import choose
from ._ndimage_plan import cast_into
from ._signal_plan import CorrelatePlan
from ._tables import BOUNDARY_CODES, NDIMAGE_BOUNDARIES

#: Whether this backend takes CuPy arrays (it does not: Dask of NumPy chunks).
ON_GPU = False
#: Results are lazy Dask arrays; the public layer maps its NumPy path here.
LAZY = True

__all__ = ["ON_GPU", "LAZY", "auto_method", "context", "correlate", "map_planes", "map_conv2d",
           "map_conv2d_input", "map_conv2d_weight", "map_conv_transpose2d", "as_dask"]


def context(array: Any) -> ContextManager:
    """Where a call is planned: on the host (the blocks run there)."""
    return nullcontext()


def as_dask(a: Any, like: Any = None) -> Any:
    """`a` as a Dask array (a NumPy array is wrapped, in `like`'s chunks
    when given) with no chunk of length 0 (a valid chunking, which the
    blocks' halos cannot take: merged away)."""
    import dask.array as da

    if is_dask_array(a):
        if any(0 in chunks and len(chunks) > 1 for chunks in a.chunks):
            a = a.rechunk(tuple(tuple(c for c in chunks if c) or (0,) for chunks in a.chunks))
        return a
    return da.from_array(np.asarray(a), chunks=like.chunks if like is not None else "auto")


def _block_chunks(length: int, chunks: tuple[int, ...], same: bool) -> tuple[int, ...]:
    """An output axis's chunks: the input's where the lengths agree, else
    chunks of the input's largest chunk size."""
    from dask.array.core import normalize_chunks

    if same:
        return chunks
    return normalize_chunks((max(chunks),), (length,))[0]


def _correlate_region(kernel: np.ndarray, fill: np.ndarray, boundary: int, method: str,
                      threads: int, region: np.ndarray,
                      out: np.ndarray | None = None) -> np.ndarray:
    """The 'valid' correlation of a region (a block's chunk, or a region that
    already holds the boundary's extension) in the C core, into `out` when
    given (a view of the block: the core writes strided rows in place)."""
    kh, kw = kernel.shape
    shape = (region.shape[0] - kh + 1, region.shape[1] - kw + 1)
    plan = CorrelatePlan(region, kernel, fill, shape, 0, 0, boundary, False, threads, out,
                         (region,), method)
    return _correlate_in_memory(plan)


def _correlate_planes(axes: tuple[int, int], kernel: np.ndarray, fill: np.ndarray,
                      boundary: int, method: str, threads: int | None, region: np.ndarray,
                      out: np.ndarray | None = None) -> np.ndarray:
    """`_correlate_region` of every 2-D plane along `axes` of a region (a
    2-D region is its one plane), into `out` when given; on `threads`, or
    `task_threads` when that is 0 or None."""
    threads = threads or task_threads()
    if out is None:
        shape = list(region.shape)
        for axis, k in zip(axes, kernel.shape):
            shape[axis] -= k - 1
        out = np.empty(shape, region.dtype)
    planes, targets = np.moveaxis(region, axes, (-2, -1)), np.moveaxis(out, axes, (-2, -1))
    for index in np.ndindex(planes.shape[:-2]):
        _correlate_region(kernel, fill, boundary, method, threads, planes[index],
                          out=targets[index])
    return out


def auto_method(plan: CorrelatePlan) -> str:
    """What method='auto' runs for `plan`: chosen once for the whole image,
    for its blocks (each on its task's threads)."""
    return choose(plan.shape, plan.kernel, plan.image.dtype)[0]


def correlate(plan: CorrelatePlan) -> Any:
    """correlate2d/convolve2d of a plan whose image is a Dask array: lazy,
    one 'valid' correlation per output block. A plan whose image is a NumPy
    array (the 'valid' swap made the Dask input the kernel, or only the
    kernel was Dask) is computed now, its kernel being small, and wrapped."""
    import dask.array as da

    image, kernel = plan.image, plan.kernel
    if not is_dask_array(image):
        return da.from_array(_cpu.correlate(plan._replace(kernel=np.asarray(kernel))))
    image = as_dask(image)
    out_chunks = tuple(_block_chunks(n, c, plan.shape == image.shape)
                       for n, c in zip(plan.shape, image.chunks))
    return _ghosted_correlation(image, plan, (0, 1), out_chunks)


def _ghosted_correlation(image: Any, plan: Any, axes: tuple[int, int], out_chunks: tuple) -> Any:
    """`plan`'s correlation (its kernel, fill, boundary, offsets, method and
    threads) of the planes along `axes` of a Dask `image`, chunked as
    `out_chunks` along them: one 'valid' correlation of each block's region.
    'auto' is chosen once for the call, for the whole output plane, as the
    in-memory call would choose it."""
    # The graph's keys hash the kernel now: its tasks hold a private copy,
    # so a caller who reuses the kernel's buffer changes neither.
    kernel = np.array(plan.kernel, order="C")
    kernel.flags.writeable = False
    method = plan.method
    if method == "auto":
        plane = tuple(sum(chunks) for chunks in out_chunks)
        method = choose(plane, kernel, image.dtype)[0]
    elif method == "separable":
        separable_method(kernel)  # a kernel that is not separable is refused now
    kh, kw = kernel.shape
    reach = ((plan.top, kh - 1 - plan.top), (plan.left, kw - 1 - plan.left))
    block = functools.partial(_correlate_planes, axes, kernel, plan.fill,
                              plan.boundary, method, plan.threads)
    return map_ghosted(block, [image], axes, out_chunks, reach, plan.boundary, plan.fill[0],
                       image.dtype, crop=False)


def correlate_planned(image: Any, plan: Any) -> Any:
    """corr2d.ndimage's plain correlation (no mask, nan_policy='propagate')
    of a Dask `image` (2-D, or a stack of planes along ``plan.axes``),
    planned on a small stand-in (`plan`, an NdimagePlan: kernel, dtypes,
    fill, boundary, offsets, axes, method, threads).

    Unlike `map_planes`, every block is correlate2d's, a 'valid'
    correlation of its region (plane by plane), so a framed block's thin
    regions give only the frame's outputs, and 'constant' is the core's
    fill (no clipped regions). The result is then cast to the call's dtype
    as in memory. Memory per task: correlate2d's blocks', and a block of
    the result's dtype where it differs from the compute dtype.
    """
    dtype, out_dtype = plan.compute_dtype, plan.result.dtype
    image = as_dask(image).astype(dtype)
    axes = tuple(plan.axes)
    result = _ghosted_correlation(image, plan, axes, tuple(image.chunks[axis] for axis in axes))
    if out_dtype != dtype:
        result = result.map_blocks(_cast, out_dtype, dtype=out_dtype)
    return result


def _cast(block: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`block` in `dtype`, cast as the in-memory call casts its result."""
    out = np.empty(block.shape, dtype)
    cast_into(out, block)
    return out


def map_planes(func: Callable, image: Any, mask: Any, axes: tuple[int, int],
               reach: tuple[int, int], mode: str, func_name: str) -> Any:
    """A shape-keeping function of 2-D planes (``func(image, mask)`` with an
    ndimage `mode`: corr2d.ndimage, the filters) applied lazily.

    Every block gets a halo of `reach` (rows, columns) on each side: for
    'constant' the region is clipped at the image's edges and `func`
    extends it there, as it would the whole image; for the other modes the
    halo outside the image is built by the same rule. `func` is first run
    on a small stand-in, so bad arguments raise now, with `func_name`'s
    errors, and the result's dtype is known.
    """
    image = as_dask(image)
    if mask is not None:
        if tuple(np.shape(mask)) != tuple(image.shape):
            raise ValueError(f"{func_name}: mask has shape {tuple(np.shape(mask))}, "
                             f"expected the input's {tuple(image.shape)}")
        mask = as_dask(mask, like=image).rechunk(image.chunks)  # block by block with the image
    small = tuple(min(n, 3) if axis in axes else 1 for axis, n in enumerate(image.shape))
    if image.size == 0:  # the function's own error, naming the real shape
        small = image.shape
    probe = func(np.zeros(small, image.dtype),
                 None if mask is None else np.zeros(small, mask.dtype))
    if image.size == 0:  # the stand-in was the image's shape: the result, as in memory
        return as_dask(probe)
    code = NDIMAGE_BOUNDARIES[mode]
    boundary = None if code == "fill" else BOUNDARY_CODES[code]
    ry, rx = reach
    arrays = [image] if mask is None else [image, mask]
    block = functools.partial(with_threads, _ImageAndMask(func, mask is not None))
    return map_ghosted(block, arrays, axes, (image.chunks[axes[0]], image.chunks[axes[1]]),
                       ((ry, ry), (rx, rx)), boundary, 0, probe.dtype, crop=True)


class _ImageAndMask:
    """``func(image, mask or None)`` called with the blocks map_ghosted hands it."""

    def __init__(self, func: Callable, has_mask: bool) -> None:
        self.func, self.has_mask = func, has_mask

    def __call__(self, image: np.ndarray, *mask: np.ndarray) -> np.ndarray:
        return self.func(image, mask[0] if self.has_mask else None)

"""Ghosted blocks of a Dask array, with the real boundary rule: how the Dask
backend gives each output block exactly the input it reads.

An output block covering ``a..b-1`` along an image axis reads ``a + lo ..
b + hi - 1`` of the image extended past its edges (``lo``, ``hi``: the
kernel's reach). That region is built lazily from slices of the input, as
the runs of corr2d._extend.axis_runs (rising or falling source indices, one
repeated index, or fill), so the global edges are exact for every rule
(fill, wrap, symm, mirror, nearest) whatever the chunking: chunks smaller
than the halo, kernels larger than a chunk or than the image included. The
region is merged into one chunk along the two image axes (other axes keep
their chunks) and the block's function runs on it. The region is the only
copy: nothing is padded twice, and no task holds more than its region, its
result and the input chunks it slices.

With ``boundary=None`` the region is clipped at the image's edges instead,
for functions that extend their block themselves (ndimage's 'constant':
a block's edge on the image's edge is extended by the function, exactly as
the whole image would be; the function's result is then cropped).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._extend import _source_slice, axis_runs


def _index(ndim: int, axis: int, sl: slice) -> tuple:
    index = [slice(None)] * ndim
    index[axis] = sl
    return tuple(index)


def _axis_runs(start: int, stop: int, n: int, boundary: int | None) -> list[tuple[int, int, int]]:
    """``(length, source, step)`` runs of positions ``start..stop-1`` (see
    corr2d._extend.axis_runs; ``source < 0`` is fill); with no boundary,
    the one run of those positions inside the axis."""
    if boundary is None:
        low, high = max(start, 0), min(stop, n)
        return [(high - low, low, 1)]
    return [(length, source, step) for _, length, source, step in axis_runs(start, stop, n, boundary)]


def _concatenate_runs(a: Any, axis: int, runs: list, low: int, fill: Any) -> Any:
    """The runs along `axis` of `a`, a slice of the axis beginning at source `low`."""
    import dask.array as da

    pieces = []
    for length, source, step in runs:
        if source < 0:  # fill
            shape, chunks = list(a.shape), list(a.chunks)
            shape[axis], chunks[axis] = length, (length,)
            pieces.append(da.full(shape, fill, dtype=a.dtype, chunks=tuple(chunks)))
        elif step == 0:  # one index repeated ('nearest', or 'mirror' of a 1-long axis)
            s = source - low
            pieces.append(da.repeat(a[_index(a.ndim, axis, slice(s, s + 1))], length, axis=axis))
        else:
            pieces.append(a[_index(a.ndim, axis, _source_slice(source - low, length, step))])
    return pieces[0] if len(pieces) == 1 else da.concatenate(pieces, axis=axis)


def region(a: Any, axes: Sequence[int], ranges: Sequence[tuple[int, int]],
           boundary: int | None, fill: Any) -> Any:
    """`a` extended by `boundary` (a core code, or None to clip at the
    edges), positions ``ranges[k]`` along ``axes[k]``, merged into one chunk
    along `axes` (lazy)."""
    # Narrow each image axis to the sources its runs read first, so that a
    # block's region refers only to the chunks it needs.
    narrowed, plans = a, []
    for axis, (start, stop) in zip(axes, ranges):
        runs = _axis_runs(start, stop, a.shape[axis], boundary)
        sources = [s for length, s0, step in runs if s0 >= 0 for s in (s0, s0 + (length - 1) * step)]
        low, high = (min(sources), max(sources) + 1) if sources else (0, 1)
        narrowed = narrowed[_index(a.ndim, axis, slice(low, high))]
        plans.append((axis, runs, low))
    out = narrowed
    for axis, runs, low in plans:
        out = _concatenate_runs(out, axis, runs, low, fill)
    return out.rechunk({axes[0]: -1, axes[1]: -1})


def _crop(func: Callable, axes: tuple, window: tuple, *blocks: Any) -> Any:
    """`func`'s result on the region, cut to the output block's window."""
    result = func(*blocks)
    index = [slice(None)] * result.ndim
    for axis, sl in zip(axes, window):
        index[axis] = sl
    return result[tuple(index)]


def block_edges(chunks: Sequence[int]) -> list[tuple[int, int]]:
    """``[(a, b), ...]``: where each chunk of an axis begins and ends."""
    edges = np.concatenate([[0], np.cumsum(chunks)]).astype(int)
    return list(zip(edges[:-1].tolist(), edges[1:].tolist()))


def map_ghosted(func: Callable, arrays: Sequence[Any], axes: tuple[int, int],
                out_chunks: tuple[tuple[int, ...], tuple[int, ...]],
                reach: tuple[tuple[int, int], tuple[int, int]], boundary: int | None, fill: Any,
                dtype: np.dtype, crop: bool) -> Any:
    """A lazy array whose block along `axes` covering ``a..b-1`` (rows) and
    ``c..d-1`` (columns), chunked as `out_chunks`, is `func` applied to the
    regions ``a - reach[0][0] .. b + reach[0][1] - 1`` (and the columns
    alike) of each of `arrays` (arrays of one shape: an image and, say, its
    mask). With `crop`, `func` returns a result of its region's shape and
    the block is cut out of it; else `func` returns the block itself (a
    'valid' correlation of the region). Other axes keep their chunks.
    """
    import dask.array as da

    rows_axis, cols_axis = axes
    (before_r, after_r), (before_c, after_c) = reach
    meta = np.empty((0,) * arrays[0].ndim, dtype)
    band_list = []
    for a, b in block_edges(out_chunks[0]):
        row_blocks = []
        for c, d in block_edges(out_chunks[1]):
            ranges = ((a - before_r, b + after_r), (c - before_c, d + after_c))
            regions = [region(x, axes, ranges, boundary, fill) for x in arrays]
            chunks = list(regions[0].chunks)
            chunks[rows_axis], chunks[cols_axis] = (b - a,), (d - c,)
            if crop:  # the region starts where it was clipped
                r0 = max(ranges[0][0], 0) if boundary is None else ranges[0][0]
                c0 = max(ranges[1][0], 0) if boundary is None else ranges[1][0]
                window = (slice(a - r0, b - r0), slice(c - c0, d - c0))
                block = da.map_blocks(_crop, func, axes, window, *regions, dtype=dtype,
                                      chunks=tuple(chunks), meta=meta)
            else:
                block = da.map_blocks(func, *regions, dtype=dtype, chunks=tuple(chunks),
                                      meta=meta)
            row_blocks.append(block)
        band_list.append(row_blocks[0] if len(row_blocks) == 1
                         else da.concatenate(row_blocks, axis=cols_axis))
    return band_list[0] if len(band_list) == 1 else da.concatenate(band_list, axis=rows_axis)

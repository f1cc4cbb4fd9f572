"""Ghosted blocks of a Dask array, with the real boundary rule: how the Dask
backend gives each output block exactly the input it reads.

An output block covering ``a..b-1`` along an image axis reads ``a + lo ..
b + hi - 1`` of the image extended past its edges (``lo``, ``hi``: the
kernel's reach). Along each image axis that range is cut into pieces
(corr2d._extend.axis_runs, split at the input's chunk edges): a slice of
one input chunk read forward or backward, one index repeated, or fill. So
the global edges are exact for every rule (fill, wrap, symm, mirror,
nearest) whatever the chunking: chunks smaller than the halo, kernels
larger than a chunk or than the image included.

The graph is built directly, one task per output block: it allocates the
region, copies the pieces in and runs the block's function on it. A piece
that is only part of a chunk is cut by a small task of its own, which the
scheduler runs where the chunk lives, so only halo strips travel between
workers, never whole neighbouring chunks. The region is the only copy:
nothing is padded twice, and no task holds more than its region, its
result and the pieces it reads.

With ``boundary=None`` the region is clipped at the image's edges instead,
for functions that extend their block themselves (ndimage's 'constant':
a block's edge on the image's edge is extended by the function, exactly as
the whole image would be; the function's result is then cropped).
"""
from __future__ import annotations

import itertools
import operator
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ._extend import axis_runs


class _Piece(NamedTuple):
    """Region positions ``start .. start + length - 1`` along one axis read
    ``source`` (a slice, or a one-long slice repeated) of input chunk
    ``chunk``; ``chunk == -1`` is fill."""
    start: int
    length: int
    chunk: int
    source: slice | None


def block_edges(chunks: Sequence[int]) -> list[tuple[int, int]]:
    """``[(a, b), ...]``: where each chunk of an axis begins and ends."""
    edges = np.concatenate([[0], np.cumsum(chunks)]).astype(int)
    return list(zip(edges[:-1].tolist(), edges[1:].tolist()))


def _runs(start: int, stop: int, n: int, boundary: int | None) -> list[tuple[int, int, int]]:
    """``(length, source, step)`` runs of positions ``start..stop-1`` (see
    corr2d._extend.axis_runs; ``source < 0`` is fill); with no boundary,
    the one run of those positions inside the axis."""
    if boundary is None:
        low, high = max(start, 0), min(stop, n)
        return [(high - low, low, 1)]
    return [(length, source, step)
            for _, length, source, step in axis_runs(start, stop, n, boundary)]


def axis_pieces(start: int, stop: int, chunks: Sequence[int], boundary: int | None) -> list[_Piece]:
    """The pieces of extended positions ``start..stop-1`` of an axis chunked
    as `chunks` (clipped to the axis when `boundary` is None)."""
    edges = block_edges(chunks)
    n = edges[-1][1]

    def chunk_of(i: int) -> int:
        return int(np.searchsorted([b for _, b in edges], i, side="right"))

    pieces, at = [], 0
    for length, source, step in _runs(start, stop, n, boundary):
        if source < 0:
            pieces.append(_Piece(at, length, -1, None))
        elif step == 0:
            c = chunk_of(source)
            local = source - edges[c][0]
            pieces.append(_Piece(at, length, c, slice(local, local + 1)))
        else:  # source, source + step, ...: the chunks that hold them, in order
            low, high = (source, source + length) if step > 0 else (source - length + 1, source + 1)
            for c in range(chunk_of(low), chunk_of(high - 1) + 1):
                c0, c1 = edges[c]
                lo, hi = max(low, c0), min(high, c1)
                if step > 0:
                    pieces.append(_Piece(at + lo - source, hi - lo, c, slice(lo - c0, hi - c0)))
                else:
                    stop_ = lo - c0 - 1
                    pieces.append(_Piece(at + source - (hi - 1), hi - lo, c,
                                         slice(hi - 1 - c0, stop_ if stop_ >= 0 else None, -1)))
        at += length
    return sorted(pieces, key=lambda p: p.start)


def _fill_region(shape: tuple, dtype: np.dtype, fill: Any, places: list, parts: Sequence[Any]):
    """A region of `shape`: each part (None: the fill value) copied to its place."""
    region = np.empty(shape, dtype)
    for index, part in zip(places, parts):
        region[index] = fill if part is None else part  # a repeated piece broadcasts
    return region


class _Block:
    """One output block's task: build each array's region from its parts
    (``regions``: per array, its shape, dtype, fill and where each part
    goes), run `func` on the regions, cut the block out when `crop` says
    where. An object, so that Dask does not look into its arguments."""

    def __init__(self, func: Callable, crop: tuple | None, regions: list) -> None:
        self.func, self.crop, self.regions = func, crop, regions

    def __call__(self, *parts: Any) -> Any:
        built, at = [], 0
        for shape, dtype, fill, places in self.regions:
            built.append(_fill_region(shape, dtype, fill, places, parts[at:at + len(places)]))
            at += len(places)
        result = self.func(*built)
        return result if self.crop is None else result[self.crop]


def map_ghosted(func: Callable, arrays: Sequence[Any], axes: tuple[int, int],
                out_chunks: tuple[tuple[int, ...], tuple[int, ...]],
                reach: tuple[tuple[int, int], tuple[int, int]], boundary: int | None, fill: Any,
                dtype: np.dtype, crop: bool) -> Any:
    """A lazy array whose block along `axes` covering ``a..b-1`` (rows) and
    ``c..d-1`` (columns), chunked as `out_chunks`, is `func` applied to the
    regions ``a - reach[0][0] .. b + reach[0][1] - 1`` (and the columns
    alike) of each of `arrays` (arrays of one shape and chunking: an image
    and, say, its mask). With `crop`, `func` returns a result of its
    region's shape and the block is cut out of it; else `func` returns the
    block itself (a 'valid' correlation of the region). Other axes keep
    their chunks.
    """
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    first = arrays[0]
    token = tokenize(func, [x.name for x in arrays], axes, out_chunks, reach, boundary, fill,
                     dtype, crop)
    name, cut = f"corr2d-ghost-{token}", f"corr2d-ghost-piece-{token}"
    image_chunks = [first.chunks[axis] for axis in axes]
    per_axis = []  # per image axis: per output block, (window start, pieces)
    for k, (before, after) in enumerate(reach):
        blocks = []
        for a, b in block_edges(out_chunks[k]):
            start = a - before
            begin = max(start, 0) if boundary is None else start
            blocks.append((a - begin, b - begin,
                           axis_pieces(start, b + after, image_chunks[k], boundary)))
        per_axis.append(blocks)
    other = [axis for axis in range(first.ndim) if axis not in axes]
    chunks = list(first.chunks)
    chunks[axes[0]], chunks[axes[1]] = tuple(out_chunks[0]), tuple(out_chunks[1])
    dsk, n_cut = {}, itertools.count()
    for (i, rows), (j, cols) in itertools.product(*map(enumerate, per_axis)):
        for rest in itertools.product(*(range(len(first.chunks[axis])) for axis in other)):
            block_index = [0] * first.ndim
            for axis, index in zip(other, rest):
                block_index[axis] = index
            regions, parts = [], []
            for x in arrays:
                shape = [x.chunks[axis][b] for axis, b in enumerate(block_index)]
                places = []
                for rp, cp in itertools.product(rows[2], cols[2]):
                    place = [slice(None)] * x.ndim
                    place[axes[0]] = slice(rp.start, rp.start + rp.length)
                    place[axes[1]] = slice(cp.start, cp.start + cp.length)
                    places.append(tuple(place))
                    if rp.chunk < 0 or cp.chunk < 0:
                        parts.append(None)
                        continue
                    source = list(block_index)
                    source[axes[0]], source[axes[1]] = rp.chunk, cp.chunk
                    key = (x.name, *source)
                    whole = all(s.step is None and s.start == 0 and s.stop == x.chunks[axis][c]
                                for axis, s, c in ((axes[0], rp.source, rp.chunk),
                                                   (axes[1], cp.source, cp.chunk)))
                    if not whole:  # cut where the chunk lives: only the piece travels
                        index = [slice(None)] * x.ndim
                        index[axes[0]], index[axes[1]] = rp.source, cp.source
                        piece_key = (cut, next(n_cut))
                        dsk[piece_key] = (operator.getitem, key, tuple(index))
                        key = piece_key
                    parts.append(key)
                shape[axes[0]] = rows[2][-1].start + rows[2][-1].length
                shape[axes[1]] = cols[2][-1].start + cols[2][-1].length
                regions.append((tuple(shape), x.dtype, fill, places))
            window = None
            if crop:
                window = [slice(None)] * first.ndim
                window[axes[0]], window[axes[1]] = slice(*rows[:2]), slice(*cols[:2])
                window = tuple(window)
            block_index[axes[0]], block_index[axes[1]] = i, j
            dsk[(name, *block_index)] = (_Block(func, window, regions), *parts)
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=list(arrays))
    return da.Array(graph, name, chunks=tuple(chunks), dtype=dtype,
                    meta=np.empty((0,) * first.ndim, dtype))

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

The graph is built directly, one task per output block. The pieces that
are only part of a chunk are cut by one small task per chunk (a task per
piece where they exceed `BUNDLE_BYTES`), which the
scheduler runs where the chunk lives, so only halo strips travel between
workers, never whole neighbouring chunks; each block takes its pieces from
the tuple of its neighbours' cut tasks (one task per piece made 8 tasks per
chunk, whose scheduling cost more than the larger transfers: 32768^2
float32 made in memory on 2 workers, 1.17-1.24x slower on 3x3 and 31x31,
1.04x on a Gaussian of sigma 8). The pieces are copies, so the chunk is
freed once its own block and its cut have run (a view kept every chunk
until its neighbours' blocks ran: 1.13-1.19x slower, 0.2-0.3 GiB more per
worker). Where the output block is its
input chunk and the chunk is wider than the halos (the usual case: 'same'
mode, the filters), the block is framed (`_FramedBlock`): the function runs
on the chunk itself for the interior, whose windows lie in the chunk, and
on thin regions built from the pieces for the frame along the chunk's
edges, so the chunk is never copied and no task holds more than its chunk,
its result and the halo strips (on 2 workers, 16384^2 float32 zarr to
zarr: 1.3-1.5x faster than building each region, half the system time).
Otherwise the task allocates the whole region, copies the pieces in and
runs the function on it. Nothing is padded twice.

With ``boundary=None`` the region is clipped at the image's edges instead,
for functions that extend their block themselves (ndimage's 'constant':
a block's edge on the image's edge is extended by the function, exactly as
the whole image would be; the function's result is then cropped).
"""
from __future__ import annotations

import itertools
import math
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


def _index(ndim: int, axes: tuple[int, int], rows: slice, cols: slice) -> tuple:
    """An index of an `ndim`-D array taking `rows` and `cols` along `axes`."""
    index = [slice(None)] * ndim
    index[axes[0]], index[axes[1]] = rows, cols
    return tuple(index)


def _fill_region(shape: tuple, dtype: np.dtype, fill: Any, places: list, parts: Sequence[Any],
                 axes: tuple[int, int], rows: tuple[int, int] | None = None,
                 cols: tuple[int, int] | None = None) -> np.ndarray:
    """Rows ``rows[0]..rows[1]-1`` and columns ``cols[0]..cols[1]-1`` (all of
    them when None) of the region of `shape` whose parts go to `places`:
    each part (None: the fill value) copied where it meets them."""
    rows = rows or (0, shape[axes[0]])
    cols = cols or (0, shape[axes[1]])
    sub_shape = list(shape)
    sub_shape[axes[0]], sub_shape[axes[1]] = rows[1] - rows[0], cols[1] - cols[0]
    sub = np.empty(sub_shape, dtype)
    for place, part in zip(places, parts):
        (r0, r1), (c0, c1) = ((max(place[axis].start, low), min(place[axis].stop, high))
                              for axis, (low, high) in zip(axes, (rows, cols)))
        if r0 >= r1 or c0 >= c1:
            continue
        to = _index(sub.ndim, axes, slice(r0 - rows[0], r1 - rows[0]),
                    slice(c0 - cols[0], c1 - cols[0]))
        if part is None:
            sub[to] = fill
            continue
        # A repeated piece is one sample long along its axis: it broadcasts
        # (and a piece one sample long is that sample, wherever it is cut).
        (pr, pc) = (slice(0, 1) if part.shape[axis] == 1
                    else slice(low - place[axis].start, high - place[axis].start)
                    for axis, low, high in ((axes[0], r0, r1), (axes[1], c0, c1)))
        sub[to] = part[_index(part.ndim, axes, pr, pc)]
    return sub


def _per_array(regions: list, parts: Sequence[Any]) -> list:
    """A block task's parts split per array: each array's region takes as
    many parts as it has places."""
    split, at = [], 0
    for _, _, _, places in regions:
        split.append(parts[at:at + len(places)])
        at += len(places)
    return split


class _Block:
    """One output block's task: build each array's region from its parts
    (``regions``: per array, its shape, dtype, fill and where each part
    goes), run `func` on the regions, cut the block out when `crop` says
    where. An object, so that Dask does not look into its arguments."""

    def __init__(self, func: Callable, crop: tuple | None, regions: list,
                 axes: tuple[int, int]) -> None:
        self.func, self.crop, self.regions, self.axes = func, crop, regions, axes

    def __call__(self, *parts: Any) -> Any:
        built = [_fill_region(shape, dtype, fill, places, own, self.axes)
                 for (shape, dtype, fill, places), own in zip(self.regions,
                                                              _per_array(self.regions, parts))]
        result = self.func(*built)
        return result if self.crop is None else result[self.crop]


class _Frame(NamedTuple):
    """One image axis of a framed block, in its region's positions: the
    function's reach before and after a sample, the halo the region has
    before the block, the block's length, and the halo after it."""
    reach_before: int
    reach_after: int
    halo_before: int
    length: int
    halo_after: int

    def interior(self) -> tuple[int, int]:
        """The block positions whose result the block's own chunk gives: a
        window inside the chunk, or running off an edge where the region has
        no halo (the image's own edge, which the function extends itself)."""
        return (self.reach_before if self.halo_before else 0,
                self.length - (self.reach_after if self.halo_after else 0))

    def region_of(self, start: int, stop: int) -> tuple[int, int]:
        """The region positions that block positions ``start..stop-1`` read."""
        return (max(start + self.halo_before - self.reach_before, 0),
                min(stop + self.halo_before + self.reach_after,
                    self.halo_before + self.length + self.halo_after))


class _FramedBlock:
    """One output block's task, computed without building its region. The
    function on the block's own input chunk gives the interior (every output
    whose window lies in the chunk); the frame, the outputs within the
    reach of the chunk's edges, comes from thin regions built from the halo
    pieces. So no task copies its chunk, and with `crop` the result is the
    block itself, not a region-sized array to cut.

    ``centre``: which of each array's parts is its whole chunk (the arrays
    share one chunking, so one index serves them all). Without
    `crop`, `func` computes a 'valid' correlation and takes ``out=``.
    """

    def __init__(self, func: Callable, crop: bool, regions: list, centre: int,
                 axes: tuple[int, int], frames: tuple[_Frame, _Frame], dtype: np.dtype) -> None:
        self.func, self.crop, self.regions, self.centre = func, crop, regions, centre
        self.axes, self.frames, self.dtype = axes, frames, dtype

    def __call__(self, *parts: Any) -> Any:
        per_array = _per_array(self.regions, parts)
        chunks = [own[self.centre] for own in per_array]
        (top, bottom), (left, right) = (frame.interior() for frame in self.frames)
        rows, cols = self.frames[0].length, self.frames[1].length
        ndim, axes = chunks[0].ndim, self.axes
        if self.crop:
            result = self.func(*chunks)
            if not result.flags.writeable or any(np.may_share_memory(result, c) for c in chunks):
                result = result.copy()  # the frame is written into it
        else:
            shape = list(chunks[0].shape)
            shape[axes[0]], shape[axes[1]] = rows, cols
            result = np.empty(shape, self.dtype)
            self.func(*chunks, out=result[_index(ndim, axes, slice(top, bottom),
                                                 slice(left, right))])
        for (r0, r1), (c0, c1) in (((0, top), (0, cols)), ((bottom, rows), (0, cols)),
                                   ((top, bottom), (0, left)), ((top, bottom), (right, cols))):
            if r0 >= r1 or c0 >= c1:
                continue
            region_rows = self.frames[0].region_of(r0, r1)
            region_cols = self.frames[1].region_of(c0, c1)
            subs = [_fill_region(shape_, dtype, fill, places, own, axes, region_rows, region_cols)
                    for (shape_, dtype, fill, places), own in zip(self.regions, per_array)]
            to = _index(ndim, axes, slice(r0, r1), slice(c0, c1))
            if self.crop:
                shift = [self.frames[k].halo_before - region[0]
                         for k, region in enumerate((region_rows, region_cols))]
                cut = _index(ndim, axes, slice(r0 + shift[0], r1 + shift[0]),
                             slice(c0 + shift[1], c1 + shift[1]))
                result[to] = self.func(*subs)[cut]
            else:
                self.func(*subs, out=result[to])
        return result


def _whole(piece: _Piece, chunks: Sequence[int]) -> bool:
    """Whether `piece` is its whole chunk, read forward."""
    return piece.source == slice(0, chunks[piece.chunk])


#: A chunk's halo pieces are cut by one task when together they take at
#: most this many bytes; each block then receives its neighbours' whole
#: tuples of pieces. Larger halos (near a chunk's size: kernels as large
#: as the chunks) get a task per piece, so a block receives only its own.
BUNDLE_BYTES = 4 << 20


class _PieceRef(NamedTuple):
    """A block task's part while the graph is built: piece `at` of those
    cut from the chunk `key`."""
    key: tuple
    at: int


def _cut_tasks(cuts: dict, cut: str) -> tuple[dict, dict]:
    """The tasks that cut the pieces (``cuts``: per chunk key, each piece's
    place, index and bytes), and per `_PieceRef` what a block task takes
    instead: one task per chunk whose pieces fit in `BUNDLE_BYTES`, else one
    per piece."""
    dsk, refs = {}, {}
    for key, pieces in cuts.items():
        indices = tuple(index for _, index, _ in pieces.values())
        if sum(nbytes for _, _, nbytes in pieces.values()) <= BUNDLE_BYTES:
            dsk[(cut, *key)] = (_cut_pieces, key, indices)
            refs.update({_PieceRef(key, at): (operator.getitem, (cut, *key), at)
                         for at in range(len(indices))})
        else:
            for at, index in enumerate(indices):
                dsk[(cut, *key, at)] = (_cut_pieces, key, (index,))
                refs[_PieceRef(key, at)] = (operator.getitem, (cut, *key, at), 0)
    return dsk, refs


def _length(piece: _Piece, chunks: Sequence[int]) -> int:
    """How many samples of its chunk `piece` reads along its axis."""
    return len(range(*piece.source.indices(chunks[piece.chunk])))


def _cut_pieces(chunk: np.ndarray, indices: tuple) -> tuple:
    """Copies of the pieces of a chunk that other blocks read: a view would
    keep the whole chunk in the worker's memory until every block reading a
    piece has run."""
    return tuple(np.array(chunk[index]) for index in indices)


def _frame_of(block: tuple, index: int, reach: tuple[int, int], crop: bool,
              chunks: Sequence[int]) -> tuple[_Frame, int] | None:
    """A block's `_Frame` along one axis and which of its pieces is its own
    chunk, whole; None when the block cannot be framed: it is not its input
    chunk (other output chunks), the frame leaves no interior, or (a 'valid'
    function, which cannot extend its input) the region is clipped."""
    start, stop, pieces = block
    length = stop - start
    halo_after = pieces[-1].start + pieces[-1].length - stop
    frame = _Frame(reach[0], reach[1], start, length, halo_after)
    if index >= len(chunks) or chunks[index] != length:
        return None
    if not crop and (start, halo_after) != tuple(reach):
        return None
    low, high = frame.interior()
    if low >= high:
        return None
    for k, piece in enumerate(pieces):
        if (piece.start, piece.chunk) == (start, index) and _whole(piece, chunks):
            return frame, k
    return None


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
    block itself (a 'valid' correlation of the region) and takes ``out=``,
    a view of the block a framed block's interior and strips are written
    to. Other axes keep their chunks.
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
    # Per source chunk, the pieces other blocks cut from it (see _cut_tasks).
    dsk, cuts = {}, {}
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
                    places.append(_index(x.ndim, axes, slice(rp.start, rp.start + rp.length),
                                         slice(cp.start, cp.start + cp.length)))
                    if rp.chunk < 0 or cp.chunk < 0:
                        parts.append(None)
                        continue
                    source = list(block_index)
                    source[axes[0]], source[axes[1]] = rp.chunk, cp.chunk
                    key = (x.name, *source)
                    # Cut where the chunk lives: only the pieces travel.
                    if not (_whole(rp, image_chunks[0]) and _whole(cp, image_chunks[1])):
                        pieces = cuts.setdefault(key, {})
                        index = _index(x.ndim, axes, rp.source, cp.source)
                        nbytes = (_length(rp, image_chunks[0]) * _length(cp, image_chunks[1])
                                  * x.dtype.itemsize * math.prod(x.chunks[axis][source[axis]]
                                                                 for axis in other))
                        # (Slices are not hashable before Python 3.12.)
                        same = tuple((s.start, s.stop, s.step) for s in (rp.source, cp.source))
                        at = pieces.setdefault(same, (len(pieces), index, nbytes))[0]
                        key = _PieceRef(key, at)
                    parts.append(key)
                shape[axes[0]] = rows[2][-1].start + rows[2][-1].length
                shape[axes[1]] = cols[2][-1].start + cols[2][-1].length
                regions.append((tuple(shape), x.dtype, fill, places))
            frames = [_frame_of(rows, i, reach[0], crop, image_chunks[0]),
                      _frame_of(cols, j, reach[1], crop, image_chunks[1])]
            if all(frame is not None for frame in frames):
                # Where the block's own chunk is whole in its region: its
                # index among each array's parts (rows x columns pieces).
                centre = frames[0][1] * len(cols[2]) + frames[1][1]
                task = _FramedBlock(func, crop, regions, centre, axes,
                                    (frames[0][0], frames[1][0]), dtype)
            else:
                window = (_index(first.ndim, axes, slice(*rows[:2]), slice(*cols[:2]))
                          if crop else None)
                task = _Block(func, window, regions, axes)
            block_index[axes[0]], block_index[axes[1]] = i, j
            dsk[(name, *block_index)] = (task, *parts)
    cut_dsk, refs = _cut_tasks(cuts, cut)
    for key, (task, *parts) in dsk.items():
        dsk[key] = (task, *(refs[part] if isinstance(part, _PieceRef) else part
                            for part in parts))
    dsk.update(cut_dsk)
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=list(arrays))
    return da.Array(graph, name, chunks=tuple(chunks), dtype=dtype,
                    meta=np.empty((0,) * first.ndim, dtype))

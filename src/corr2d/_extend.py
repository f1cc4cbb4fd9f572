"""A block of the boundary-extended image, copied by slices.

``ext(r, c)`` is the image extended past its edges by the core's rule (fill
with a value, wrap periodically, mirror half-sample ('symm') or whole-sample
('mirror') symmetrically, repeat the edge ('nearest')). Each axis of a
block is a few runs of consecutive source indices (rising or, for the
mirrors, falling), of one repeated source index, or of fill; the block is copied one rectangle of runs at a
time, so nothing but the block itself is ever allocated, and kernels wider
than the image (many runs) work as well. A leaf module.
"""
from __future__ import annotations

import numpy as np

from ._tables import BOUNDARY_CODES

_FILL, _WRAP, _NEAREST, _MIRROR = (BOUNDARY_CODES[name] for name in ("fill", "wrap", "nearest",
                                                                   "mirror"))


def axis_runs(start: int, stop: int, n: int, boundary: int) -> list[tuple[int, int, int, int]]:
    """Extended indices ``start..stop-1`` of an axis of length `n` as runs
    ``(offset, length, source, step)``: block positions ``offset ..
    offset + length - 1`` read the source ``source, source + step, ...``;
    ``step == 0`` repeats `source`, or marks a run of fill when `source` is
    -1."""
    runs = []
    p = start
    if boundary == _FILL:
        inside_start, inside_stop = max(start, 0), min(stop, n)
        if inside_start >= inside_stop:
            return [(0, stop - start, -1, 0)]
        if start < inside_start:
            runs.append((0, inside_start - start, -1, 0))
        runs.append((inside_start - start, inside_stop - inside_start, inside_start, 1))
        if inside_stop < stop:
            runs.append((inside_stop - start, stop - inside_stop, -1, 0))
        return runs
    while p < stop:
        if boundary == _NEAREST and not 0 <= p < n:
            source, step = (0, 0) if p < 0 else (n - 1, 0)
            length = min(stop, 0) - p if p < 0 else stop - p
        elif boundary == _NEAREST:
            source, length, step = p, min(stop, n) - p, 1
        elif boundary == _MIRROR and n == 1:
            source, length, step = 0, stop - p, 0
        elif boundary == _MIRROR:  # whole-sample symmetric: period 2n - 2
            m = p % (2 * n - 2)
            if m < n:
                source, length, step = m, min(stop - p, n - m), 1
            else:  # falls from n - 2 to 1; the next period rises from 0
                source = 2 * n - 2 - m
                length, step = min(stop - p, source), -1
        elif boundary == _WRAP:
            source = p % n
            length, step = min(stop - p, n - source), 1
        else:  # half-sample symmetric: period 2n, the second half falling
            m = p % (2 * n)
            if m < n:
                source, length, step = m, min(stop - p, n - m), 1
            else:
                source = 2 * n - 1 - m
                length, step = min(stop - p, source + 1), -1
        runs.append((p - start, length, source, step))
        p += length
    return runs


def _source_slice(source: int, length: int, step: int) -> slice:
    if step > 0:
        return slice(source, source + length)
    end = source - length
    return slice(source, end if end >= 0 else None, -1)


def copy_extended(dst: np.ndarray, image: np.ndarray, row0: int, col0: int,
                  boundary: int, fill: np.ndarray) -> None:
    """``dst[a, b] = ext(row0 + a, col0 + b)`` for the whole of `dst`."""
    (h, w), (bh, bw) = image.shape, dst.shape
    col_runs = axis_runs(col0, col0 + bw, w, boundary)
    for r_off, r_len, r_src, r_step in axis_runs(row0, row0 + bh, h, boundary):
        rows = slice(r_off, r_off + r_len)
        if r_src < 0:
            dst[rows] = fill[0]
            continue
        # A repeated row is read once and broadcast down the run.
        source_rows = image[_source_slice(r_src, 1 if r_step == 0 else r_len, r_step or 1)]
        for c_off, c_len, c_src, c_step in col_runs:
            cols = slice(c_off, c_off + c_len)
            if c_src < 0:
                dst[rows, cols] = fill[0]
            elif c_step == 0:
                dst[rows, cols] = source_rows[:, c_src:c_src + 1]
            else:
                dst[rows, cols] = source_rows[:, _source_slice(c_src, c_len, c_step)]

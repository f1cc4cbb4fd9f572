"""The separable method of correlate2d/convolve2d on the CPU: two 1-D passes.

For a numerically rank-1 kernel ``outer(u, v)`` (corr2d._methods finds the
factors) the correlation is a pass of the column ``u`` over the
boundary-extended image, then a pass of the row ``v`` over that result, both
in the C core: ``kh + kw`` multiply-adds per pixel instead of ``kh * kw``.
The boundary rule applies in the first pass only (it reads the extension
directly, so every boundary and fill value is exact); the second pass reads
the first's output, which already covers the extension it needs. The order
of the passes is the one with fewer multiply-adds.

Both passes run tile by tile: a tile of output rows and columns at a time,
its rows at least ``ROWS_PER_HALO`` times the kernel's reach, so that the
kh - 1 rows a tile reads (or computes) beyond its own stay a small part of
it however wide the image is (bands of whole rows of a 32768-wide image
were 64 rows thin for a 65-tap Gaussian: every input row read twice).

Memory beyond the output: the first pass's result for one tile, at most
about ``BAND_BYTES``.
"""
from __future__ import annotations

import numpy as np

from . import _ccore
from ._signal_plan import CorrelatePlan, zero_fill
from ._tables import BOUNDARY_CODES

BAND_BYTES = 8 << 20
#: A tile has at least this many rows per row of the kernel's reach.
ROWS_PER_HALO = 8
_FILL = BOUNDARY_CODES["fill"]


def correlate_separable(plan: CorrelatePlan, image: np.ndarray, target: np.ndarray,
                        factors: tuple[np.ndarray, np.ndarray]) -> None:
    """Write the plan's correlation with ``outer(*factors)`` (before any
    output flip) into `target`; `image` has the core's layout."""
    (oh, ow), (kh, kw) = plan.shape, plan.kernel.shape
    dtype = image.dtype
    column = np.ascontiguousarray(factors[0].reshape(kh, 1))
    row = np.ascontiguousarray(factors[1].reshape(1, kw))
    zero = zero_fill(dtype)
    vertical_first = (oh * (ow + kw - 1) * kh + oh * ow * kw
                      <= (oh + kh - 1) * ow * kw + oh * ow * kh)
    if vertical_first:
        first, second, grow = column, row, (0, kw - 1)
    else:
        first, second, grow = row, column, (kh - 1, 0)
    rows, cols = tile_shape(oh, ow, kh - 1, grow, dtype.itemsize)
    for i0 in range(0, oh, rows):
        r = min(rows, oh - i0)
        for j0 in range(0, ow, cols):
            c = min(cols, ow - j0)
            middle = np.empty((r + grow[0], c + grow[1]), dtype)
            # Output (i0, j0) reads the extended image from (i0 - top, j0 - left) on.
            _ccore.correlate(image, first, plan.fill, middle, plan.top - i0, plan.left - j0,
                             plan.boundary, plan.threads)
            _ccore.correlate(middle, second, zero, target[i0:i0 + r, j0:j0 + c], 0, 0, _FILL,
                             plan.threads)


def tile_shape(oh: int, ow: int, halo: int, grow: tuple[int, int],
               itemsize: int) -> tuple[int, int]:
    """(rows, columns) of a tile: whole rows, as many as fit in BAND_BYTES,
    when ``ROWS_PER_HALO * halo`` of them fit (with some slack); else that
    many rows, and the columns split into equal tiles that fit."""
    rows = min(oh, max(1, ROWS_PER_HALO * halo))
    row_bytes = (ow + grow[1]) * itemsize
    if (rows + grow[0]) * row_bytes <= 2 * BAND_BYTES:
        return min(oh, max(rows, BAND_BYTES // row_bytes - grow[0])), ow
    most = max(64, BAND_BYTES // ((rows + grow[0]) * itemsize) - grow[1])
    ntiles = -(-ow // most)
    return rows, -(-ow // ntiles)

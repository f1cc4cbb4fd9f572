"""The separable method of correlate2d/convolve2d on the CPU: two 1-D passes.

For a numerically rank-1 kernel ``outer(u, v)`` (corr2d._methods finds the
factors) the correlation is a pass of the column ``u`` over the
boundary-extended image, then a pass of the row ``v`` over that result, both
in the C core: ``kh + kw`` multiply-adds per pixel instead of ``kh * kw``.
The boundary rule applies in the first pass only (it reads the extension
directly, so every boundary and fill value is exact); the second pass reads
the first's output, which already covers the extension it needs. The order
of the passes is the one with fewer multiply-adds.

Memory beyond the output: the first pass's result for one band of output
rows, at most ``BAND_BYTES`` (or one row of it, when a row is larger).
"""
from __future__ import annotations

import numpy as np

from . import _ccore
from ._signal_plan import CorrelatePlan, zero_fill
from ._tables import BOUNDARY_CODES

BAND_BYTES = 8 << 20
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
    width = ow + grow[1]
    band = max(1, min(oh, BAND_BYTES // (width * dtype.itemsize) - grow[0]))
    for i0 in range(0, oh, band):
        rows = min(band, oh - i0)
        middle = np.empty((rows + grow[0], width), dtype)
        # Rows i0.. of the output read extended rows from i0 - top on.
        _ccore.correlate(image, first, plan.fill, middle, plan.top - i0, plan.left,
                         plan.boundary, plan.threads)
        _ccore.correlate(middle, second, zero, target[i0:i0 + rows], 0, 0, _FILL, plan.threads)

"""The separable method of correlate2d/convolve2d on the CPU: two 1-D passes.

For a numerically rank-1 kernel ``outer(u, v)`` (corr2d._methods finds the
factors) the correlation is a pass of the column ``u`` over the
boundary-extended image, then a pass of the row ``v`` over that result:
``kh + kw`` multiply-adds per pixel instead of ``kh * kw``. Both passes run
in the C core (``corr2d_correlate_separable``), band by band of output rows:
the column pass goes into a per-thread buffer that stays in cache and the
row pass reads it from there, so the intermediate image never exists. The
boundary rule applies in the column pass; extension columns are the column
pass at the column the rule maps them to (or at a column of fill values),
so every boundary and fill value is exact.

The float32 and float64 passes are the core's own vector loops (each
vector loaded from a copy of the band's input rows feeds four output rows;
an exactly symmetric or antisymmetric column is folded, its mirrored rows
added or subtracted before one multiply-add); other dtypes run both passes
through the direct loops. A folded pair of samples over half the dtype's
largest value (8.9e307 for float64, 1.7e38 for float32) can overflow to
infinity where the sum of their two products would not.

Memory beyond the output, per thread: about 1 MiB of band (at least 32
rows of ``ow + kw - 1`` elements), and a copy of the band's input rows,
up to 2 KiB of each at a time, within 256 KiB (at least 192 bytes a
row).
"""
from __future__ import annotations

import numpy as np

from . import _ccore
from ._signal_plan import CorrelatePlan


def correlate_separable(plan: CorrelatePlan, image: np.ndarray, target: np.ndarray,
                        factors: tuple[np.ndarray, np.ndarray]) -> None:
    """Write the plan's correlation with ``outer(*factors)`` (before any
    output flip) into `target`; `image` has the core's layout."""
    column = np.ascontiguousarray(factors[0].reshape(-1), dtype=image.dtype)
    row = np.ascontiguousarray(factors[1].reshape(-1), dtype=image.dtype)
    _ccore.correlate_separable(image, column, row, plan.fill, target, plan.top, plan.left,
                               plan.boundary, plan.threads)

"""Integer outputs of corr2d.ndimage with scipy.ndimage's sums, bit for bit.

An integer output truncates each sum, so a sum within a rounding of an
integer comes out one apart unless it is rounded as ndimage rounds it: a
3x3 mean of samples summing to 1305 is 144.99999999999997 in one order of
operations and 145.0 in another, 144 or 145 in a uint8 output. ndimage
sums each output in float64 from ``tmp = 0.0`` as ``tmp += value *
weight`` over its weights in row-major order, leaving out those whose
magnitude is not above DBL_EPSILON (NaN ones too), each product rounded on
its own (its C is built without fused multiply-adds). The direct loops fuse
and regroup those operations: a 3x3 mean filter of a uint8 image came out
one below ndimage on 3.5% of its pixels.

Here each band of output rows takes ndimage's operations one weight at a
time over the whole band (NumPy's multiply, then its add: never fused), so
every output sees ndimage's sequence exactly. The bands' input blocks are
extended by the boundary rule (corr2d._extend), so every mode and origin is
the plan's. Bands are spread over the threads (NumPy releases the GIL);
their size does not depend on the thread count, nor does the result.

Memory beyond the output, per running band: its extended input block and
two bands of sums, all float64, about ``BAND_ELEMENTS`` elements each.
Time: two passes over a band per weight, about 3x the direct loops on a
3x3 kernel (still faster than ndimage on two threads), and more on large
kernels.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _ccore
from ._extend import copy_extended
from ._jobs import run_jobs
from ._ndimage_plan import NdimagePlan, cast_into

#: ndimage leaves out the weights whose magnitude is not above this.
DBL_EPSILON = float(np.finfo(np.float64).eps)

#: Elements of a band's input block: a few of them stay in L2.
BAND_ELEMENTS = 1 << 15


def takes_ndimage_sums(plan: NdimagePlan) -> bool:
    """Whether `plan` writes an integer (or bool) output from float64 sums:
    the outputs whose truncation shows the sums' rounding."""
    return plan.output.dtype.kind in "biu" and plan.compute_dtype == np.float64


def ndimage_taps(kernel: np.ndarray) -> list[tuple[int, int, float]]:
    """``(row, column, weight)`` of the weights ndimage sums, in its order."""
    return [(p, q, float(kernel[p, q])) for p, q in np.ndindex(kernel.shape)
            if abs(kernel[p, q]) > DBL_EPSILON]


def correlate_with_ndimage_sums(plan: NdimagePlan, target: Any) -> None:
    """Write every plane of `plan` into `target` (the plan's output, or a
    new array of its shape) with ndimage's sums, cast as ndimage casts."""
    image, kernel = plan.image, plan.kernel
    (h, w), (kh, kw) = image.shape[-2:], kernel.shape
    taps = ndimage_taps(kernel)
    rows = max(1, min(h, BAND_ELEMENTS // (w + kw - 1)))
    jobs = [(index, r0) for index in np.ndindex(image.shape[:-2]) for r0 in range(0, h, rows)]

    def band(job: tuple) -> None:
        index, r0 = job
        r1 = min(h, r0 + rows)
        block = np.empty((r1 - r0 + kh - 1, w + kw - 1), np.float64)
        copy_extended(block, image[index], r0 - plan.top, -plan.left, plan.boundary, plan.fill)
        sums = np.zeros((r1 - r0, w), np.float64)
        product = np.empty_like(sums)
        for p, q, weight in taps:
            np.multiply(block[p:p + r1 - r0, q:q + w], weight, out=product)
            np.add(sums, product, out=sums)
        cast_into(target[index][r0:r1], sums)

    work = float(image.size) * max(1, len(taps))
    run_jobs(band, jobs, _ccore.plan_threads(plan.threads, work))

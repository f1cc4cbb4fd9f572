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
time along each row (the C core's corr2d_ordered_sums, built without fused
multiply-adds), so every output sees ndimage's sequence exactly. The bands'
input blocks are extended by the boundary rule (corr2d._extend), so every
mode and origin is the plan's. Bands are spread over the threads (the core
runs without the GIL); their size does not depend on the thread count, nor
does the result.

Memory beyond the output, per running band of ``rows`` output rows: its
extended input block, ``(rows + kh - 1) x (w + kw - 1)``, and its sums,
``rows x w``, float64; ``rows`` makes the block about ``BAND_ELEMENTS``
elements, but is at least 1 (a kernel taller than that takes ``kh`` rows
of the extended image).

Time (uint8 means, 2 threads, AVX-512 host): a 4096^2 image with a 3x3
kernel 23 ms, against 19 ms for the direct loops into float64 and 92 ms
for scipy.ndimage; 2048^2 with 15x15, 65 ms against 16 ms and 574 ms.
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

#: Multiply-adds of a band at most, unless one row takes more: about
#: 10 ms, so that Ctrl-C, heard between bands, is heard soon (a row of a
#: 101x101 kernel on a 4096-wide image is 42M multiply-adds, ~20 ms).
BAND_WORK = 1 << 24


def takes_ndimage_sums(plan: NdimagePlan) -> bool:
    """Whether `plan` writes an integer (or bool) output from float64 sums:
    the outputs whose truncation shows the sums' rounding."""
    return plan.output.dtype.kind in "biu" and plan.compute_dtype == np.float64


def ndimage_taps(kernel: np.ndarray, row_stride: int) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (``p * row_stride + q`` in a block of that row stride)
    and values of the weights ndimage sums, in its order."""
    p, q = np.nonzero(np.abs(kernel) > DBL_EPSILON)  # row-major; NaN left out, as ndimage
    offsets = (p * row_stride + q).astype(np.intp)
    return offsets, np.ascontiguousarray(kernel[p, q], dtype=np.float64)


def correlate_with_ndimage_sums(plan: NdimagePlan, target: Any) -> None:
    """Write every plane of `plan` into `target` (the plan's output, or a
    new array of its shape) with ndimage's sums, cast as ndimage casts."""
    image, kernel = plan.image, plan.kernel
    (h, w), (kh, kw) = image.shape[-2:], kernel.shape
    offsets, weights = ndimage_taps(kernel, w + kw - 1)  # the blocks' row stride
    rows = max(1, min(h, BAND_ELEMENTS // (w + kw - 1), BAND_WORK // max(1, w * len(weights))))
    jobs = [(index, r0) for index in np.ndindex(image.shape[:-2]) for r0 in range(0, h, rows)]

    def band(job: tuple) -> None:
        index, r0 = job
        r1 = min(h, r0 + rows)
        block = np.empty((r1 - r0 + kh - 1, w + kw - 1), np.float64)
        copy_extended(block, image[index], r0 - plan.top, -plan.left, plan.boundary, plan.fill)
        sums = np.empty((r1 - r0, w), np.float64)
        _ccore.ordered_sums(block, offsets, weights, sums)
        cast_into(target[index][r0:r1], sums)

    work = float(image.size) * max(1, len(weights))
    run_jobs(band, jobs, _ccore.plan_threads(plan.threads, work))

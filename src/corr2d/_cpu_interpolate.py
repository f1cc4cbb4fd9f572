"""``nan_policy='interpolate'`` of corr2d.ndimage on the CPU, band by band.

The normalized convolution of corr2d._normalized needs the data with its
missing samples zeroed, the validity weights, and two (four, for a zero-sum
kernel) correlations of them: on whole images that is three or four
image-sized temporaries, each costing a pass through memory and its page
faults. Here each band of output rows is done start to finish in cache: its
input block (the rows and columns the band reads, halo included) is copied
out of the plane with the real boundary rule (corr2d._extend, as the FFT
method does: with 'constant', a NaN `cval` makes the outside missing and a
finite one valid, by the same test as the samples), split into data and
validity weights, correlated in 'valid' mode by the C core (direct or
separable, one thread a band) and rescaled. A band with nothing missing
runs the plain correlation alone. Bands are spread over the threads; their
size does not depend on the thread count, so neither does the result.

Memory beyond the output, per thread: one band's block and its results
(about ``BAND_ELEMENTS`` elements each, a few of them), or the whole
output's size first when the output shares memory with the input. The FFT
method is left to the whole-image path (its kernel spectrum is made once
per call, not once per band).
"""
from __future__ import annotations

import numpy as np

from . import _ccore
from ._core_layout import c_order_aligned
from ._cpu_correlate import method_of
from ._cpu_separable import correlate_separable
from ._extend import copy_extended
from ._jobs import run_jobs
from ._ndimage_exact import ndimage_taps, takes_ndimage_sums
from ._ndimage_plan import NdimagePlan, cast_into, sums_precision, writable_target
from ._normalized import finish, split_into, weighing
from ._signal_plan import CorrelatePlan, zero_fill
from ._tables import BOUNDARY_CODES

#: A band's input block holds about this many elements (1 MiB of float64).
BAND_ELEMENTS = 1 << 17
_FILL = BOUNDARY_CODES["fill"]
_NOT_MISSING = np.zeros(1, bool)


def interpolate_stack(plan: NdimagePlan, invalid: np.ndarray | None):
    """Write the normalized correlation of every plane of `plan` into its
    output and return the caller's result; None when the whole-image path
    must run it instead (the FFT method, an all-zero kernel)."""
    image, output, kernel, dtype = plan.image, plan.output, plan.kernel, plan.compute_dtype
    (h, w), (kh, kw) = image.shape[-2:], kernel.shape
    facts = weighing(kernel.real, sums_precision(image.dtype))  # the input's rounding, not the output's
    if facts is None or image.size == 0:
        return None
    whole = CorrelatePlan(np.broadcast_to(np.zeros((), dtype), (h, w)), kernel, plan.fill, (h, w),
                          plan.top, plan.left, plan.boundary, False, plan.threads, None, (),
                          plan.method)
    method, factors = method_of(whole)
    if method == "fft":
        return None
    kernel = c_order_aligned(kernel)
    magnitudes = np.abs(kernel)
    magnitude_factors = None if factors is None else tuple(np.abs(f) for f in factors)
    if invalid is not None:
        invalid = np.moveaxis(invalid, plan.axes, (-2, -1))
    target = writable_target(plan, invalid)
    # Bands at least as tall as their halo, and two to a plane at least (so
    # that one plane keeps two threads busy).
    rows = max(BAND_ELEMENTS // (w + kw - 1) - kh + 1, kh, 8)
    rows = max(1, min(rows, -(-h // 2)))
    jobs = [(index, r0) for index in np.ndindex(image.shape[:-2]) for r0 in range(0, h, rows)]

    def correlate(block, weights, separable, out):
        if separable is None:
            _ccore.correlate(block, weights, zero_fill(dtype), out, 0, 0, _FILL, 1)
        else:
            band = CorrelatePlan(block, weights, zero_fill(dtype), out.shape, 0, 0, _FILL, False,
                                 1, None, (), "separable")
            correlate_separable(band, block, out, separable)

    # An integer output of a band with nothing missing is 'propagate''s:
    # ndimage's own sums (corr2d._ndimage_exact).
    ndimage_sums = ndimage_taps(kernel, w + kw - 1) if takes_ndimage_sums(plan) else None

    def run(job):
        index, r0 = job
        r1 = min(h, r0 + rows)
        block = np.empty((r1 - r0 + kh - 1, w + kw - 1), dtype)
        copy_extended(block, image[index], r0 - plan.top, -plan.left, plan.boundary, plan.fill)
        mask = None
        if invalid is not None:
            mask = np.empty(block.shape, bool)
            copy_extended(mask, invalid[index], r0 - plan.top, -plan.left, plan.boundary,
                          _NOT_MISSING)
        valid = np.empty_like(block)
        num = np.empty((r1 - r0, w), dtype)
        missing = split_into(block, block, valid, mask)
        if not missing and ndimage_sums is not None:
            _ccore.ordered_sums(block, *ndimage_sums, num)  # as 'propagate': ndimage's sums
        else:
            correlate(block, kernel, factors, num)  # the zeroed data's correlation
        if missing:
            weight_sum = np.empty_like(num)
            correlate(valid, kernel, factors, weight_sum)
            if facts.zero_sum:
                mean_num, mean_den = np.empty_like(num), np.empty_like(num)
                correlate(block, magnitudes, magnitude_factors, mean_num)
                correlate(valid, magnitudes, magnitude_factors, mean_den)
                finish(facts, num, weight_sum, mean_num, mean_den)
            else:
                finish(facts, num, weight_sum)
        cast_into(target[index][r0:r1], num)

    work = float(image.size) * kh * kw * (4 if facts.zero_sum else 2)
    run_jobs(run, jobs, _ccore.plan_threads(plan.threads, work))
    if target is not output:
        output[...] = target
    return plan.result


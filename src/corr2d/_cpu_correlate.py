"""The CPU backend of correlate2d/convolve2d: a plan through the C core.

Only memory layout is decided here: which arrays the core can read or
write in place (native, aligned, contiguous columns), and where a copy or
a temporary output is needed.
"""
from __future__ import annotations

import numpy as np

from . import _ccore
from ._signal_plan import CorrelatePlan


def has_core_layout(a: np.ndarray) -> bool:
    """Whether the C core can read or write `a` in place: native, aligned,
    contiguous columns, a non-negative whole-element row stride."""
    item = a.itemsize
    return (
        a.dtype.isnative
        and a.flags.aligned
        and (a.shape[1] <= 1 or a.strides[1] == item)
        and (a.shape[0] <= 1 or (a.strides[0] >= 0 and a.strides[0] % item == 0))
    )


def writes_in_place(out: np.ndarray, *inputs: np.ndarray) -> bool:
    """Whether the core may write straight into `out`: usable layout, rows
    that do not overlap each other, and no memory shared with an input."""
    rows_apart = out.shape[0] <= 1 or out.strides[0] >= out.shape[1] * out.itemsize
    return (
        has_core_layout(out)
        and rows_apart
        and not any(_ccore.may_share_memory(out, a) for a in inputs)
    )


def correlate(plan: CorrelatePlan) -> np.ndarray:
    """Run `plan` (see corr2d._signal_plan) on the C core."""
    image = plan.image if has_core_layout(plan.image) else plan.image.copy()
    kernel = plan.kernel
    if not (kernel.flags.c_contiguous and kernel.flags.aligned):
        kernel = kernel.copy()  # C order, aligned
    out = plan.out
    if out is not None and not plan.flip_output and writes_in_place(out, *plan.inputs):
        return _ccore.correlate(image, kernel, plan.fill, out, plan.top, plan.left,
                                plan.boundary, plan.threads)
    result = np.empty(plan.shape, plan.image.dtype)
    _ccore.correlate(image, kernel, plan.fill, result, plan.top, plan.left, plan.boundary,
                     plan.threads)
    if plan.flip_output:
        result = result[::-1, ::-1]
    if out is not None:
        np.copyto(out, result)
        return out
    return result

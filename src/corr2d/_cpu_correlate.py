"""The CPU backend of correlate2d/convolve2d: a plan through the C core.

Decided here: the method (corr2d._methods picks it for 'auto'; the direct
loops and the separable passes run in the C core, the FFT method in
corr2d._cpu_fft) and memory layout: where a copy of the image or a
temporary output is needed (corr2d._core_layout says what the core can
read or write in place).
"""
from __future__ import annotations

import numpy as np

from . import _ccore
from ._arrays import sum_is_finite
from ._core_layout import c_order_aligned, has_core_layout, writes_in_place
from ._cpu_fft import correlate_fft
from ._cpu_separable import correlate_separable
from ._methods import choose, is_longdouble, separable_factors
from ._signal_plan import CorrelatePlan


def method_of(plan: CorrelatePlan) -> tuple[str, object]:
    """The method that runs `plan`, and the separable factors when it is
    that one (``ValueError`` when 'separable' was asked of a kernel that
    is not)."""
    if plan.method == "auto":
        # For the machine's threads, not the call's: the choice (and so the
        # bits) must not depend on the thread count (MODEL_THREADS).
        return choose(plan.shape, plan.kernel, plan.image.dtype)
    if plan.method == "separable":
        return separable_method(plan.kernel)
    return plan.method, None


def separable_method(kernel: np.ndarray) -> tuple[str, object]:
    """method='separable' for `kernel`: ``('separable', factors)``, or
    ``('direct', None)`` for one row or column (already a single 1-D pass);
    ``ValueError`` for a kernel that is not separable."""
    if min(kernel.shape) == 1:
        return "direct", None
    if is_longdouble(kernel.dtype):
        raise ValueError(
            "method='separable': longdouble kernels are not factorised (LAPACK's SVD is "
            "float64, short of longdouble's precision); use 'auto', 'direct' or 'fft'")
    factors = separable_factors(kernel)
    if factors is None:
        raise ValueError(
            "method='separable': the kernel is not separable (numerically of rank 1); "
            "use 'auto', 'direct' or 'fft'")
    return "separable", factors


def correlate(plan: CorrelatePlan) -> np.ndarray:
    """Run `plan` (see corr2d._signal_plan) on the CPU."""
    kernel, fill = c_order_aligned(plan.kernel), c_order_aligned(plan.fill)
    if kernel is not plan.kernel or fill is not plan.fill:
        plan = plan._replace(kernel=kernel, fill=fill)
    method, factors = method_of(plan)
    image = plan.image
    if method == "separable" and image.dtype.kind == "c" and not (
            sum_is_finite(image) and sum_is_finite(plan.fill)):
        # A complex pass makes inf * (a + 0j) inf + nan j, and the next pass
        # spreads that NaN into the real part; the direct loops keep each
        # product's own infinities (one pass over the image to know,
        # complex inputs only).
        method = "direct"
    if not has_core_layout(image):
        image = image.copy()
    out = plan.out
    if out is not None and not plan.flip_output and writes_in_place(out, *plan.inputs):
        target = out
    else:
        target = np.empty(plan.shape, plan.image.dtype)
    if method == "fft":
        correlate_fft(plan, image, target)
    elif method == "separable":
        correlate_separable(plan, image, target, factors)
    else:
        _ccore.correlate(image, plan.kernel, plan.fill, target, plan.top, plan.left, plan.boundary,
                         plan.threads)
    if target is out:
        return out
    result = target[::-1, ::-1] if plan.flip_output else target
    if out is not None:
        np.copyto(out, result)
        return out
    return result

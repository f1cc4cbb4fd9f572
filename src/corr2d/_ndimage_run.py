"""Run an ndimage-style plan (corr2d._ndimage_plan) plane by plane on a backend.

Each 2-D plane of the stack is one correlate2d-style plan for the backend
(the C core or the GPU), computed in the plan's dtype and cast into the
output (integers truncated toward zero, as ndimage's C cast). The method is
chosen once for the whole stack. Threads: a plane large enough to be
threaded runs threaded, one plane after another; smaller planes run one
per thread (each plane's result does not depend on the thread count, so
neither does the stack's).

Memory beyond the output: per running plane, the plane cast to the compute
dtype when it is not already in it (or has strided columns), and a plane
of the compute dtype when the output's dtype differs; an output that
shares memory with the input is computed into a new array of its size
first and copied (as ndimage does), and so is one that shares memory with
the weights.
"""
from __future__ import annotations

from types import ModuleType

import numpy as np

from . import _ccore
from ._jobs import run_jobs
from ._methods import choose
from ._ndimage_exact import correlate_with_ndimage_sums, takes_ndimage_sums
from ._ndimage_plan import NdimagePlan, cast_into, writable_target
from ._signal_plan import CorrelatePlan


def correlate_stack(plan: NdimagePlan, backend: ModuleType):
    """Compute `plan` with `backend` (corr2d._cpu or corr2d.cuda.backend)
    and return the caller's result array."""
    if plan.image.size == 0:
        return plan.result
    target = writable_target(plan)
    if not backend.ON_GPU and takes_ndimage_sums(plan):
        correlate_with_ndimage_sums(plan, target)  # an integer output: ndimage's sums
    else:
        _correlate_planes(plan, backend, target)
    if target is not plan.output:
        plan.output[...] = target
    return plan.result


def _correlate_planes(plan: NdimagePlan, backend: ModuleType, target) -> None:
    """Every plane of `plan` by the backend's correlation, into `target`."""
    image, kernel, dtype = plan.image, plan.kernel, plan.compute_dtype
    (h, w), (kh, kw) = image.shape[-2:], kernel.shape
    method = plan.method
    if method == "auto" and not backend.ON_GPU:
        method = choose((h, w), kernel, dtype)[0]
    planes = list(np.ndindex(image.shape[:-2]))
    # A plane too small to thread runs whole on one thread of a pool.
    threads_per_plane, pool = plan.threads, 1
    if not backend.ON_GPU and len(planes) > 1:
        plane_work = float(h) * w * kh * kw
        all_threads = _ccore.plan_threads(plan.threads, plane_work * len(planes))
        if _ccore.plan_threads(plan.threads, plane_work) < all_threads:
            threads_per_plane, pool = 1, all_threads

    def one(index: tuple) -> None:
        source = image[index].astype(dtype, copy=False)
        dst = target[index]
        in_place = dst.dtype == dtype
        result = backend.correlate(CorrelatePlan(
            source, kernel, plan.fill, (h, w), plan.top, plan.left, plan.boundary, False,
            threads_per_plane, dst if in_place else None, (source,), method))
        if not in_place:
            cast_into(dst, result)

    run_jobs(one, planes, pool)

"""Which backend runs a call: the one place that chooses it from the kind
of the arrays (corr2d._arrays). A backend is a module with the functions ``context(array)`` (where
plans are built), ``correlate(plan)``, ``conv2d(plan)``,
``conv2d_input(plan)``, ``conv2d_weight(plan)`` and
``conv_transpose2d(plan)``; a new backend (Dask, say) is one such module
and one branch here. Backends are imported on first use, so CuPy is
imported only when CuPy arrays come in."""
from __future__ import annotations

from types import ModuleType
from typing import Any

from . import _cpu
from ._arrays import any_cupy_array, check_one_device, check_same_device_kind


def backend_for(func: str, **arrays: Any) -> ModuleType:
    """The backend for these arrays (``None`` entries skipped): the GPU for
    CuPy arrays (all of them, on one device, else ``TypeError`` /
    ``ValueError`` naming the arguments), else the C core. Each backend's
    ``ON_GPU`` says which it is."""
    if any_cupy_array(*arrays.values()):
        check_same_device_kind(func, **arrays)
        check_one_device(func, **arrays)
        from .cuda import backend

        return backend
    return _cpu

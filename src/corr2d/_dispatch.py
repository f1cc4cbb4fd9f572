"""Which backend runs a call: the one place that chooses it from the kind
of the arrays (corr2d._arrays). A backend is a module with the functions ``context(array)`` (where
plans are built), ``correlate(plan)``, ``conv2d(plan)``,
``conv2d_input(plan)``, ``conv2d_weight(plan)``,
``conv_transpose2d(plan)`` and ``auto_method(plan)``; the Dask backend (corr2d._dask), whose results
are lazy, has ``LAZY = True`` and maps the NumPy path over blocks instead.
Backends are imported on first use, so CuPy is imported only when CuPy
arrays come in, Dask only when Dask arrays do."""
from __future__ import annotations

from types import ModuleType
from typing import Any

from . import _cpu
from ._arrays import (any_cupy_array, any_dask_array, check_one_device, check_same_device_kind,
                      is_cupy_array, is_dask_array, type_name)


def _check_dask_call(func: str, arrays: dict) -> None:
    """Dask arrays go with NumPy arrays only, and return a new lazy array:
    ``TypeError`` naming the argument otherwise; their chunk sizes must be
    known (``ValueError``)."""
    for name, a in arrays.items():
        if a is None:
            continue
        if is_cupy_array(a) or (is_dask_array(a) and is_cupy_array(getattr(a, "_meta", None))):
            kind = "a Dask array of CuPy chunks" if is_dask_array(a) else f"a {type_name(a)}"
            raise TypeError(
                f"{func}: {name} is {kind}, and Dask arrays are computed on the CPU; pass "
                "Dask arrays of NumPy chunks with NumPy arrays, or CuPy arrays alone")
        if name in ("out", "output"):
            raise TypeError(
                f"{func}: {name}= cannot be used with Dask arrays: the result is a new lazy "
                "Dask array (write it with dask.array.store or to_zarr)")
        if is_dask_array(a) and any(c != c for chunks in a.chunks for c in chunks):
            raise ValueError(
                f"{func}: {name} has unknown chunk sizes (NaN, as after boolean indexing): "
                f"call {name}.compute_chunk_sizes() first")


def backend_for(func: str, **arrays: Any) -> ModuleType:
    """The backend for these arrays (``None`` entries skipped): Dask for Dask
    arrays (with NumPy arrays; ``TypeError`` for CuPy ones or an output
    array), the GPU for CuPy arrays (all of them, on one device, else
    ``TypeError`` / ``ValueError`` naming the arguments), else the C core.
    Each backend's ``ON_GPU`` says whether it takes CuPy arrays."""
    if any_dask_array(*arrays.values()):
        _check_dask_call(func, arrays)
        from . import _dask

        return _dask
    if any_cupy_array(*arrays.values()):
        check_same_device_kind(func, **arrays)
        check_one_device(func, **arrays)
        from .cuda import backend

        return backend
    return _cpu

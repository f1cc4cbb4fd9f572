"""What kind of array came in, and where it lives: NumPy on the host, CuPy
on a GPU, or a lazy Dask array. A leaf module: it imports nothing of
corr2d's at import time, and CuPy or Dask only when such an array comes in
(recognised by the module of its type), so every layer may use it."""
from __future__ import annotations

import math
from typing import Any

from numpy import ndarray as _ndarray  # the common case, recognised first

__all__ = [
    "is_cupy_array", "any_cupy_array", "is_dask_array", "any_dask_array", "array_module",
    "check_same_device_kind",
    "check_one_device", "device_of", "move_to", "type_name", "stand_in", "sum_is_finite",
]


def is_cupy_array(x: Any) -> bool:
    """Whether `x` is a ``cupy.ndarray`` (or a subclass), without importing CuPy."""
    module = type(x).__module__
    return module == "cupy" or module.startswith("cupy.")


def any_cupy_array(*arrays: Any) -> bool:
    """Whether any of `arrays` is a CuPy array (``None`` entries are skipped)."""
    for a in arrays:
        if a is not None and type(a) is not _ndarray and is_cupy_array(a):
            return True
    return False


def is_dask_array(x: Any) -> bool:
    """Whether `x` is a ``dask.array.Array``, without importing Dask."""
    module = type(x).__module__
    return module.startswith("dask.array") and hasattr(x, "chunks")


def any_dask_array(*arrays: Any) -> bool:
    """Whether any of `arrays` is a Dask array (``None`` entries are skipped)."""
    return any(a is not None and type(a) is not _ndarray and is_dask_array(a) for a in arrays)


def array_module(*arrays: Any):
    """``cupy`` if any of `arrays` is a CuPy array, else ``numpy`` (CuPy is
    imported only in the first case)."""
    if any_cupy_array(*arrays):
        from .cuda.compile import cupy_module

        return cupy_module()
    import numpy

    return numpy


def type_name(x: Any) -> str:
    """The type of `x` as an error message names it: ``list``, ``numpy.ndarray``."""
    kind = type(x)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def check_same_device_kind(func: str, **arrays: Any) -> None:
    """Raise ``TypeError`` unless every array given (``None`` skipped) is a
    CuPy array, or none is.

    >>> import numpy as np
    >>> class ndarray:  # a stand-in whose type lives in module 'cupy'
    ...     pass
    >>> ndarray.__module__ = "cupy"
    >>> check_same_device_kind("correlate2d", in1=ndarray(), in2=np.ones((2, 2)))
    Traceback (most recent call last):
    ...
    TypeError: correlate2d: in1 is a CuPy array but in2 is a numpy.ndarray; pass every array on the GPU (cupy.asarray) or every array on the host (.get())
    """
    given = {name: a for name, a in arrays.items() if a is not None}
    on_gpu = [name for name, a in given.items() if is_cupy_array(a)]
    on_host = [name for name in given if name not in on_gpu]
    if on_gpu and on_host:
        kinds = ", ".join(f"{name} is a {type_name(given[name])}" for name in on_host)
        raise TypeError(
            f"{func}: {' and '.join(on_gpu)} {'is a CuPy array' if len(on_gpu) == 1 else 'are CuPy arrays'}"
            f" but {kinds}; pass every array on the GPU (cupy.asarray) or every array on "
            "the host (.get())"
        )


def check_one_device(func: str, **arrays: Any) -> None:
    """Raise ``ValueError`` unless the CuPy arrays given (``None`` skipped)
    are all on one GPU."""
    devices = {name: a.device.id for name, a in arrays.items() if a is not None}
    if len(set(devices.values())) > 1:
        raise ValueError(f"{func}: the arrays are on different GPUs: {devices}")


def _device_index(device: Any, func: str) -> int | None:
    """None for 'cpu', N for 'cuda:N' ('cuda' is the current device)."""
    if isinstance(device, str):
        if device == "cpu":
            return None
        if device == "cuda":
            from .cuda.compile import cupy_module

            return cupy_module().cuda.Device().id
        name, _, index = device.partition(":")
        if name == "cuda" and index.isdigit():
            return int(index)
    raise ValueError(f"{func}: device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}")


def device_of(a: Any) -> str:
    """'cpu' for a NumPy array, 'cuda:N' for a CuPy array on device N."""
    return f"cuda:{a.device.id}" if is_cupy_array(a) else "cpu"


def move_to(a: Any, device: Any, func: str):
    """`a` on `device` ('cpu', 'cuda' or 'cuda:N'): itself when it is there
    already, else a copy (``.get()`` to the host, ``cupy.asarray`` to a GPU).

    >>> import numpy as np
    >>> a = np.ones(3)
    >>> move_to(a, "cpu", "example") is a
    True
    >>> move_to(a, "gpu", "example")
    Traceback (most recent call last):
    ...
    ValueError: example: device must be 'cpu', 'cuda' or 'cuda:N', got 'gpu'
    """
    index = _device_index(device, func)
    if index is None:
        return a.get() if is_cupy_array(a) else a
    from .cuda.compile import cupy_module

    cupy = cupy_module()
    if is_cupy_array(a) and a.device.id == index:
        return a
    with cupy.cuda.Device(index):  # copies to that device (a peer copy from another GPU)
        return cupy.array(a) if is_cupy_array(a) else cupy.asarray(a)


def stand_in(like: Any):
    """A NumPy array of zeros with `like`'s dtype and number of axes, at most
    3 samples along each: a lazy call first runs its NumPy path on it, so
    that bad arguments raise at once and the result's dtype is known."""
    import numpy as np

    return np.zeros(tuple(min(n, 3) for n in like.shape), like.dtype)


def sum_is_finite(a: Any) -> bool:
    """Whether the sum of `a` (NumPy or CuPy, real or complex) is finite: so
    every element is, known from one pass with no temporary of `a`'s size
    (``isfinite(a).all()`` makes one). False also when finite elements
    overflow the sum: callers take their exact path for both."""
    import numpy as np

    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, an overflow: so be it
        total = complex(a.sum())
    return math.isfinite(total.real) and math.isfinite(total.imag)

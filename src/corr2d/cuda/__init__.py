"""GPU path of corr2d: CuPy arrays in, CuPy arrays out.

When the arrays given to :func:`corr2d.correlate2d` or
:func:`corr2d.convolve2d` are CuPy arrays, the call runs on the GPU with the
same semantics, dtypes and errors as the CPU path (which is the reference).
The kernels are CUDA sources beside this module (``correlate2d.cu``,
``boundary.cuh``, ``arith.cuh``), compiled at run time by CuPy's NVRTC
through ``cupy.RawModule``, once per process and dtype.

CuPy is an optional dependency (``pip install corr2d[cuda12]`` or
``corr2d[cuda13]``). This package never imports CuPy itself: it recognises
CuPy arrays by the module of their type, and imports CuPy only when such an
array comes in.

Notes
-----
Supported on the GPU: every mode ('full', 'same', 'valid' with SciPy's
swap), every boundary ('fill', 'wrap', 'symm', kernels larger than the
image included), `fillvalue`, ``out=`` (a CuPy array), and the dtypes
float32, float64, complex64, complex128 and all integer widths (integers
wrap on overflow exactly as on the CPU). ``threads`` is checked as on the
CPU and otherwise ignored. Mixing CuPy and NumPy arrays (or lists) among
`in1`, `in2` and `out` raises ``TypeError`` naming the arguments: nothing is
copied between host and device behind the caller's back.

The deep-learning API (:func:`corr2d.conv2d`, :func:`corr2d.conv2d_input`,
:func:`corr2d.conv2d_weight`, :func:`corr2d.conv_transpose2d`) takes the
GPU path the same way, through the implicit-GEMM kernels of ``conv2d.cu``
(see :mod:`corr2d.cuda.conv`): float32 and float64, every stride, padding,
dilation, group count and ``padding_mode`` of the CPU path, the same errors.
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "is_cupy_array", "any_cupy_array", "array_module", "check_same_device_kind",
    "check_one_device", "device_of", "move_to", "type_name",
    "correlate_scipy_style", "conv2d", "conv2d_input", "conv2d_weight", "conv_transpose2d",
]


def is_cupy_array(x: Any) -> bool:
    """Whether `x` is a ``cupy.ndarray`` (or a subclass), without importing CuPy."""
    module = type(x).__module__
    return module == "cupy" or module.startswith("cupy.")


def any_cupy_array(*arrays: Any) -> bool:
    """Whether any of `arrays` is a CuPy array (``None`` entries are skipped)."""
    for a in arrays:
        if a is not None and is_cupy_array(a):
            return True
    return False


def array_module(*arrays: Any):
    """``cupy`` if any of `arrays` is a CuPy array, else ``numpy`` (CuPy is
    imported only in the first case)."""
    if any_cupy_array(*arrays):
        from .compile import cupy_module

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
            from .compile import cupy_module

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
    from .compile import cupy_module

    cupy = cupy_module()
    if is_cupy_array(a) and a.device.id == index:
        return a
    with cupy.cuda.Device(index):  # copies to that device (a peer copy from another GPU)
        return cupy.array(a) if is_cupy_array(a) else cupy.asarray(a)


def correlate_scipy_style(*args: Any, **kwargs: Any):
    """The GPU body of correlate2d/convolve2d; see :mod:`corr2d.cuda.correlate`."""
    from .correlate import correlate_scipy_style as gpu_body

    return gpu_body(*args, **kwargs)


def conv2d(*args: Any):
    """The GPU body of :func:`corr2d.conv2d`; see :mod:`corr2d.cuda.conv`."""
    from .conv import conv2d as gpu_body

    return gpu_body(*args)


def conv2d_input(*args: Any):
    """The GPU body of :func:`corr2d.conv2d_input`; see :mod:`corr2d.cuda.conv`."""
    from .conv import conv2d_input as gpu_body

    return gpu_body(*args)


def conv2d_weight(*args: Any):
    """The GPU body of :func:`corr2d.conv2d_weight`; see :mod:`corr2d.cuda.conv`."""
    from .conv import conv2d_weight as gpu_body

    return gpu_body(*args)


def conv_transpose2d(*args: Any):
    """The GPU body of :func:`corr2d.conv_transpose2d`; see :mod:`corr2d.cuda.conv`."""
    from .conv import conv_transpose2d as gpu_body

    return gpu_body(*args)

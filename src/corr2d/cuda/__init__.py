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

# The array helpers live in the leaf module corr2d._arrays; re-exported here
# under their old names. The GPU backend itself is corr2d.cuda.backend,
# imported by corr2d._dispatch only when CuPy arrays come in.
from .._arrays import (  # noqa: F401
    any_cupy_array,
    array_module,
    check_one_device,
    check_same_device_kind,
    device_of,
    is_cupy_array,
    move_to,
    type_name,
)

__all__ = [
    "is_cupy_array", "any_cupy_array", "array_module", "check_same_device_kind",
    "check_one_device", "device_of", "move_to", "type_name",
]

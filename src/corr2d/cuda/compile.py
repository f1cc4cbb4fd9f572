"""Loading the CUDA sources of this package: read, inline, compile once.

Both GPU modules (:mod:`corr2d.cuda.correlate`, :mod:`corr2d.cuda.conv`)
compile their ``.cu`` file the same way: the text is read with
:mod:`importlib.resources` (so a zipped install works), its local
``#include "..."`` lines are inlined (so NVRTC needs no include path), and
``cupy.RawModule`` compiles it with :data:`NVRTC_OPTIONS` and the name
expressions of the template instances wanted, once per process, device and
dtype (CuPy also caches the binary on disk).

CuPy appends ``-ftz=true`` to the options of every RawModule. The float32
arithmetic of the kernels is written in PTX without ``.ftz``
(``arith.cuh``), so subnormal numbers are kept, as on the CPU.
"""
from __future__ import annotations

import re
import threading
from importlib import resources
from typing import Any

#: The options corr2d gives NVRTC (CuPy adds its own, -ftz=true and -arch).
NVRTC_OPTIONS = ("-std=c++17",)

_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$', re.MULTILINE)
_lock = threading.Lock()


def cupy_module():
    """``cupy``, or an ImportError that says how to install it."""
    try:
        import cupy
    except ImportError as exc:  # a CuPy array came in, so this is unlikely
        raise ImportError(
            "corr2d's GPU path needs CuPy: pip install 'cupy-cuda12x[ctk]' (CUDA 12) or "
            "'cupy-cuda13x[ctk]' (CUDA 13), corr2d's [cuda12] and [cuda13] extras"
        ) from exc
    return cupy


def cuda_source(name: str, _seen: frozenset = frozenset()) -> str:
    """The text of a .cu file of this package with its local includes inlined."""
    if name in _seen:
        return ""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: cuda_source(m.group(1), _seen | {name}), text)


def load_kernels(cache: dict, key: tuple, source_name: str, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The RawKernels `names` of `source_name`, compiled for the current
    device on the first call with this `key` and kept in `cache`."""
    cupy = cupy_module()
    cache_key = key + (cupy.cuda.Device().id,)
    with _lock:
        kernels = cache.get(cache_key)
        if kernels is None:
            module = cupy.RawModule(
                code=cuda_source(source_name), options=NVRTC_OPTIONS, name_expressions=names
            )
            kernels = tuple(module.get_function(name) for name in names)
            cache[cache_key] = kernels
    return kernels

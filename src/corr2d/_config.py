"""Build and run-time facts: ``corr2d.show_config()``."""
from __future__ import annotations

import importlib.util
import sys

from . import _ccore
from ._version import __version__


def gpu_status() -> str:
    """What the GPU path would run on: CuPy's version and the current device,
    or why there is none. Imports CuPy only where it is installed."""
    if importlib.util.find_spec("cupy") is None:
        return "no (CuPy is not installed: pip install 'cupy-cuda12x[ctk]', corr2d's [cuda] extra)"
    try:
        import cupy

        device = cupy.cuda.Device()
        name = cupy.cuda.runtime.getDeviceProperties(device.id)["name"]
        name = name.decode() if isinstance(name, bytes) else name
        return f"CuPy {cupy.__version__}, device {device.id}: {name} (sm_{device.compute_capability})"
    except Exception as exc:  # CuPy without a driver or a device
        return f"no CUDA device (CuPy is installed: {type(exc).__name__})"


def config() -> dict:
    """The facts :func:`show_config` prints, as a dict."""
    return {
        "version": __version__,
        "openmp": _ccore.openmp_enabled(),
        "threads": _ccore.max_threads(),
        "simd": _ccore.simd_level(),
        "compiler": _ccore.compiler(),
        "python": sys.version.split()[0],
        "gpu": gpu_status(),
    }


def show_config() -> None:
    """Print corr2d's version, OpenMP status, default thread count, the SIMD
    level its loops use on this CPU, the compiler that built it and the GPU
    the GPU path would use (CuPy is imported only where it is installed).

    Examples
    --------
    >>> import corr2d
    >>> corr2d.show_config()  # doctest: +ELLIPSIS
    corr2d ...
      openmp:   ...
    """
    info = config()
    print(f"corr2d {info['version']}")
    print(f"  openmp:   {'enabled' if info['openmp'] else 'disabled (serial build)'}")
    print(f"  threads:  {info['threads']}")
    print(f"  simd:     {info['simd']}")
    print(f"  compiler: {info['compiler']}")
    print(f"  python:   {info['python']}")
    print(f"  gpu:      {info['gpu']}")

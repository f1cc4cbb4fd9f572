"""Build and run-time facts: ``corr2d.show_config()``."""
from __future__ import annotations

import sys

from . import _ccore
from ._version import __version__


def config() -> dict:
    """The facts :func:`show_config` prints, as a dict."""
    return {
        "version": __version__,
        "openmp": _ccore.openmp_enabled(),
        "threads": _ccore.max_threads(),
        "simd": _ccore.simd_level(),
        "compiler": _ccore.compiler(),
        "python": sys.version.split()[0],
    }


def show_config() -> None:
    """Print corr2d's version, OpenMP status, default thread count, the SIMD
    level its loops use on this CPU and the compiler that built it.

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

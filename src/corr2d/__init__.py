"""corr2d: fast 2-D cross-correlation and convolution for NumPy.

A multi-threaded C core behind drop-ins for ``scipy.signal.correlate2d`` and
``scipy.signal.convolve2d``.
"""
from ._config import show_config
from ._version import __version__
from .signal import convolve2d, correlate2d

__all__ = ["__version__", "convolve2d", "correlate2d", "show_config"]

"""corr2d: fast 2-D cross-correlation and convolution for NumPy.

A multi-threaded C core behind drop-ins for ``scipy.signal.correlate2d`` and
``scipy.signal.convolve2d``, and deep-learning convolution
(``corr2d.functional``: batched multi-channel ``conv2d``, its gradients and
``conv_transpose2d``).
"""
from ._config import show_config
from ._version import __version__
from . import functional
from .functional import conv2d, conv2d_input, conv2d_weight, conv_transpose2d
from .signal import choose_method, convolve2d, correlate2d
from ._match_template import match_template
from . import data, filters, ndimage, nn

__all__ = [
    "__version__",
    "choose_method",
    "conv2d",
    "conv2d_input",
    "conv2d_weight",
    "conv_transpose2d",
    "convolve2d",
    "correlate2d",
    "data",
    "filters",
    "functional",
    "match_template",
    "ndimage",
    "nn",
    "show_config",
]

"""The GPU backend: what corr2d._dispatch hands CuPy arrays to. Runs the
backend-neutral plans of corr2d._signal_plan and corr2d._conv_plan; imports
no public module of corr2d."""
from .conv import context, conv2d, conv2d_input, conv2d_weight, conv_transpose2d  # noqa: F401
from .correlate import correlate  # noqa: F401

#: Whether this backend takes CuPy arrays (plans are built for it).
ON_GPU = True
#: Results are computed now (the Dask backend's are lazy).
LAZY = False


def auto_method(plan):
    """What method='auto' runs for `plan`: the GPU has only the direct loops."""
    return "direct"


def interpolate_stack(plan, invalid):
    """None: the GPU runs nan_policy='interpolate' on whole arrays
    (corr2d._normalized), which keep the device busy without banding."""
    return None

__all__ = ["ON_GPU", "LAZY", "context", "correlate", "interpolate_stack", "conv2d", "conv2d_input", "conv2d_weight", "conv_transpose2d"]

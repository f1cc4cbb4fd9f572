"""The CPU backend: what corr2d._dispatch hands NumPy arrays to. Runs the
backend-neutral plans of corr2d._signal_plan and corr2d._conv_plan on the C
core; imports no public module of corr2d."""
from ._cpu_conv import context, conv2d, conv2d_input, conv2d_weight, conv_transpose2d  # noqa: F401
from ._cpu_correlate import correlate, method_of


def auto_method(plan) -> str:
    """What method='auto' runs for `plan` (on the threads it would use)."""
    return method_of(plan._replace(method="auto"))[0]
from ._cpu_interpolate import interpolate_stack  # noqa: F401

#: Whether this backend takes CuPy arrays (plans are built for it).
ON_GPU = False
#: Results are computed now (the Dask backend's are lazy).
LAZY = False

__all__ = ["ON_GPU", "LAZY", "auto_method", "context", "correlate", "interpolate_stack", "conv2d", "conv2d_input", "conv2d_weight", "conv_transpose2d"]

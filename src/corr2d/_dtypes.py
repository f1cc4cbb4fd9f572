"""The one dtype policy of corr2d's SciPy drop-ins.

SciPy's ``correlate2d`` computes in the common type of its inputs (the same
as ``np.result_type``): float32 stays float32, integers keep their width and
wrap on overflow, complex stays complex, a bool array mixed with an integer
array takes the integer type. A common type of bool, float16 or object is
refused with ``ValueError``, as SciPy refuses it.
"""
from __future__ import annotations

import numpy as np

from . import _ccore


def result_dtype(in1: np.ndarray, in2: np.ndarray, func: str) -> np.dtype:
    """The dtype `func` computes and returns in, in native byte order."""
    try:
        dtype = np.result_type(in1.dtype, in2.dtype)
    except TypeError as exc:  # includes numpy's DTypePromotionError
        raise ValueError(
            f"{func}: in1 ({in1.dtype}) and in2 ({in2.dtype}) have no common numeric dtype"
        ) from exc
    if dtype.kind not in "iufc" or dtype == np.float16:
        raise ValueError(
            f"{func}: the common dtype of in1 ({in1.dtype}) and in2 ({in2.dtype}) is "
            f"{dtype}, which is not supported: use integer, float32, float64, "
            "longdouble or complex arrays"
        )
    dtype = dtype.newbyteorder("=")
    if not _ccore.supports(dtype):
        raise ValueError(f"{func}: dtype {dtype} is not supported on this platform")
    return dtype

"""The one dtype policy of corr2d's SciPy drop-ins.

SciPy's ``correlate2d`` computes in the common type of its inputs (the same
as ``np.result_type``): float32 stays float32, integers keep their width and
wrap on overflow, complex stays complex, a bool array mixed with an integer
array takes the integer type. A common type of bool, float16 or object is
refused with ``ValueError``, as SciPy refuses it.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import _ccore


def result_dtype(in1: np.ndarray, in2: np.ndarray, func: str) -> np.dtype:
    """The dtype `func` computes and returns in, in native byte order."""
    return _result_dtype(in1.dtype, in2.dtype, func)


@lru_cache(maxsize=256)  # small calls in loops: promotion costs as much as a 3x3 pass
def _result_dtype(dtype1: np.dtype, dtype2: np.dtype, func: str) -> np.dtype:
    try:
        dtype = np.result_type(dtype1, dtype2)
    except TypeError as exc:  # includes numpy's DTypePromotionError
        raise ValueError(
            f"{func}: in1 ({dtype1}) and in2 ({dtype2}) have no common numeric dtype"
        ) from exc
    if dtype.kind not in "iufc" or dtype == np.float16:
        raise ValueError(
            f"{func}: the common dtype of in1 ({dtype1}) and in2 ({dtype2}) is "
            f"{dtype}, which is not supported: use integer, float32, float64, "
            "longdouble or complex arrays"
        )
    dtype = dtype.newbyteorder("=")
    if not _ccore.supports(dtype):
        raise ValueError(f"{func}: dtype {dtype} is not supported on this platform")
    return dtype

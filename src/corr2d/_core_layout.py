"""Which arrays the C core can read or write in place. A leaf module.

The core takes rows of contiguous columns at a non-negative row stride of
whole elements, native and aligned; anything else is copied first (an
input) or written through a temporary (an output).
"""
from __future__ import annotations

import numpy as np

from . import _ccore


def has_core_layout(a: np.ndarray) -> bool:
    """Whether the C core can read or write `a` in place: native, aligned,
    contiguous columns, a non-negative whole-element row stride."""
    item = a.itemsize
    return (
        a.dtype.isnative
        and a.flags.aligned
        and (a.shape[1] <= 1 or a.strides[1] == item)
        and (a.shape[0] <= 1 or (a.strides[0] >= 0 and a.strides[0] % item == 0))
    )


def c_order_aligned(a: np.ndarray) -> np.ndarray:
    """`a` (a kernel, a fill value) as the C core reads it: C order and
    aligned, copied where it is not (a flipped view; a view into a byte
    buffer at an odd offset, as arrays unpickled from a buffer, on a Dask
    worker say, can be)."""
    if a.flags.c_contiguous and a.flags.aligned:
        return a
    return np.array(a, order="C")


def writes_in_place(out: np.ndarray, *inputs: np.ndarray) -> bool:
    """Whether the core may write straight into `out`: usable layout, rows
    that do not overlap each other, and no memory shared with an input."""
    rows_apart = out.shape[0] <= 1 or out.strides[0] >= out.shape[1] * out.itemsize
    return (
        has_core_layout(out)
        and rows_apart
        and not any(_ccore.may_share_memory(out, a) for a in inputs)
    )

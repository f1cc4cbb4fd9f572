"""What ``corr2d edges`` records in the PNG files it writes, and how ``corr2d learn``
reads it back to say which kernel it should learn.

One PNG text chunk, key ``corr2d-edges``, holds a JSON object:

- ``method``, ``axis`` (``null`` for the Laplacian and the magnitude),
  ``mode``, ``signed``, ``shape`` (rows, columns): how the map was made;
- ``scale``: the response written as full swing (white, or black and white
  for a signed map), ``scale_rule``: the ``--scale`` that chose it, and
  ``clipped``: the share of pixels beyond it;
- ``gain`` and ``offset``: the file read as ``level / 255`` (as ``learn``
  and ``read_grey`` read it) is ``offset + gain * response`` where nothing
  is clipped: ``128/255 + 127/255 * response / scale`` for a signed map,
  ``255/255 * response / scale`` for a magnitude;
- ``kernel`` and ``centre`` (signed maps only): the filter as a correlation
  kernel, and the index in it of the pixel the output is written at.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np

from .. import filters

KEY = "corr2d-edges"

#: Levels of a signed map: zero is grey 128, +-scale is 255 and 1.
SIGNED_ZERO, SIGNED_SWING = 128, 127


@dataclass
class EdgeRecord:
    method: str
    axis: Optional[int]
    mode: str
    signed: bool
    shape: list
    scale: float
    scale_rule: str
    clipped: float
    gain: float
    offset: float
    kernel: Optional[list] = None
    centre: Optional[list] = field(default=None)

    def to_text(self) -> dict[str, str]:
        """The PNG text chunk that holds this record."""
        return {KEY: json.dumps(asdict(self))}

    @classmethod
    def from_text(cls, text: dict[str, str]) -> "EdgeRecord | None":
        """The record in a PNG's text chunks, or None (none there, or not one of ours)."""
        try:
            return cls(**json.loads(text[KEY]))
        except (KeyError, TypeError, ValueError):
            return None


def filter_kernel(method: str, axis: int | None) -> tuple[np.ndarray, tuple[int, int]]:
    """The correlation kernel of a signed ``corr2d edges`` filter, and the index in it of
    the output pixel: ``out[i, j] = sum(kernel[a, b] * image[i + a - c0, j + b - c1])``.

    Read off the filter's response to a unit impulse, so it is the filter itself,
    whatever its weights and alignment.
    """
    impulse = np.zeros((7, 7))
    impulse[3, 3] = 1.0
    if method == "laplace":
        response = filters.laplace(impulse, mode="constant")
    else:
        response = getattr(filters, method)(impulse, axis=axis, mode="constant")
    by_offset = response[::-1, ::-1]  # by_offset[3 + d] weighs image[i + d]
    rows, cols = np.nonzero(by_offset)
    r0, c0 = rows.min(), cols.min()
    kernel = by_offset[r0 : rows.max() + 1, c0 : cols.max() + 1]
    return kernel, (3 - int(r0), 3 - int(c0))


def expected_kernel(record: EdgeRecord, window: tuple[int, int]) -> np.ndarray | str:
    """The kernel `learn` should find in a `window` (KH, KW) for a target of the same size
    as its input (padded ``(K - 1) // 2`` before): ``gain`` times the filter, or why
    there is none."""
    if not record.signed or record.kernel is None or record.centre is None:
        return "it is an edge magnitude, not a linear filter of the image"
    kernel = np.asarray(record.kernel, dtype=np.float64)
    out = np.zeros(window)
    for (a, b), weight in np.ndenumerate(kernel):
        i = a - record.centre[0] + (window[0] - 1) // 2
        j = b - record.centre[1] + (window[1] - 1) // 2
        if weight and not (0 <= i < window[0] and 0 <= j < window[1]):
            h, w = kernel.shape
            name = method_name(record.method, record.axis)
            return f"the {name} kernel ({h}x{w}) does not fit a {window[0]}x{window[1]} kernel"
        if weight:
            out[i, j] = record.gain * weight
    return out


def method_name(method: str, axis: int | None) -> str:
    """``sobel d/dx``, ``difference d/dy``, ``laplace``: a filter in words (`axis` None: no axis)."""
    return method if axis is None else f"{method} {'d/dx' if axis == 1 else 'd/dy'}"

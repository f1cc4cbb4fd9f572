"""Slow, obviously-correct NumPy reference for correlate2d/convolve2d.

Pads the image with np.pad (whose 'wrap' and 'symmetric' repeat for pads
larger than the image, as SciPy's extension does), then sums sliding windows.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

NP_PAD_MODES = {"fill": "constant", "wrap": "wrap", "symm": "symmetric"}


def correlate2d_reference(x, k, mode="full", boundary="fill", fillvalue=0, convolve=False):
    """SciPy's correlate2d (convolve=False) or convolve2d (convolve=True),
    computed in complex128/float64/object-free NumPy arithmetic, without the
    'valid' swap (callers pass the larger array first)."""
    x = np.asarray(x)
    k = np.asarray(k)
    kh, kw = k.shape
    h, w = x.shape
    k = k[::-1, ::-1] if convolve else np.conj(k)
    if mode == "full":
        top, left, oh, ow = kh - 1, kw - 1, h + kh - 1, w + kw - 1
    elif mode == "same":
        top = kh // 2 if convolve else (kh - 1) // 2
        left = kw // 2 if convolve else (kw - 1) // 2
        oh, ow = h, w
    else:
        top, left, oh, ow = 0, 0, h - kh + 1, w - kw + 1
    pads = ((top, oh + kh - 1 - h - top), (left, ow + kw - 1 - w - left))
    np_mode = NP_PAD_MODES[boundary]
    extra = {"constant_values": fillvalue} if np_mode == "constant" else {}
    padded = np.pad(x, pads, mode=np_mode, **extra)
    return np.einsum("ijkl,kl->ij", sliding_window_view(padded, k.shape), k)

"""Mean squared error, with its gradient."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import _arrays

REDUCTIONS = ("mean", "sum")


def mse_loss(pred: ArrayLike, target: ArrayLike, reduction: str = "mean") -> tuple[float, np.ndarray]:
    """Squared error between `pred` and `target`, and its gradient with respect to `pred`.

    ``loss = mean((pred - target) ** 2)`` for ``reduction='mean'`` (PyTorch's
    default), ``sum(...)`` for ``'sum'`` (the chapter's loss ``l.sum()``).

    Parameters
    ----------
    pred, target : array_like
        Same shape. The gradient takes `pred`'s float dtype (float64 for
        integer `pred`). Both on the host, or both CuPy arrays (the
        gradient is then a CuPy array on their GPU).
    reduction : {'mean', 'sum'}, optional
        How the squared errors are reduced.

    Returns
    -------
    loss : float
        The loss (accumulated in float64).
    grad : ndarray
        ``d loss / d pred``: ``2 (pred - target) / pred.size`` for 'mean',
        ``2 (pred - target)`` for 'sum'.

    Raises
    ------
    ValueError
        Shapes that differ (PyTorch would broadcast, with a warning), empty
        inputs, or an unknown `reduction`.
    TypeError
        Non-numeric or complex inputs, or one CuPy array and one host array.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.nn import mse_loss
    >>> loss, grad = mse_loss(np.array([1.0, 2.0]), np.array([0.0, 4.0]))
    >>> loss, grad
    (2.5, array([ 1., -2.]))
    >>> mse_loss(np.array([1.0, 2.0]), np.array([0.0, 4.0]), reduction="sum")[0]
    5.0
    """
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be 'mean' or 'sum', got {reduction!r}")
    _arrays.check_same_device_kind("mse_loss", pred=pred, target=target)
    xp = _arrays.array_module(pred)
    p, t = (a if _arrays.is_cupy_array(a) else np.asarray(a) for a in (pred, target))
    for name, a in (("pred", p), ("target", t)):
        if a.dtype.kind not in "biuf":
            raise TypeError(f"mse_loss: {name} must be a real numeric array, got dtype {a.dtype}")
    if p.shape != t.shape:
        raise ValueError(f"mse_loss: pred has shape {p.shape} but target has shape {t.shape}")
    if p.size == 0:
        raise ValueError("mse_loss: pred and target are empty")
    dtype = p.dtype if p.dtype.kind == "f" else np.dtype(np.float64)
    diff = p.astype(dtype, copy=False) - t.astype(dtype, copy=False)
    total = float(xp.sum(xp.square(diff, dtype=np.float64)))
    if reduction == "mean":
        return total / p.size, (2.0 / p.size) * diff
    return total, 2.0 * diff

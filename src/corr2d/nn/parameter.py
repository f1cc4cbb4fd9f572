"""A learnable array and its gradient."""
from __future__ import annotations

import numpy as np


class Parameter:
    """An array a layer learns, with the gradient that training accumulates into it.

    The optimiser (:class:`corr2d.nn.SGD`) reads :attr:`grad` and updates
    :attr:`data` in place, so a layer always sees its current values.

    Parameters
    ----------
    data : ndarray
        The values (float32 or float64). Kept as given, not copied.

    Attributes
    ----------
    data : ndarray
        The values.
    grad : ndarray
        The accumulated gradient of the loss with respect to :attr:`data`,
        same shape and dtype. It starts at zero (not ``None`` as in
        PyTorch); ``backward`` calls add to it; :meth:`zero_grad` resets it.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.nn import Parameter
    >>> p = Parameter(np.array([1.0, -1.0]))
    >>> p.grad
    array([0., 0.])
    >>> p.grad += 0.5; p.zero_grad(); p.grad
    array([0., 0.])
    """

    __slots__ = ("data", "grad")

    def __init__(self, data: np.ndarray) -> None:
        if not isinstance(data, np.ndarray) or data.dtype not in (np.float32, np.float64):
            raise TypeError(f"Parameter: data must be a float32 or float64 ndarray, got {data!r}")
        self.data = data
        self.grad = np.zeros_like(data)

    @property
    def shape(self) -> tuple:
        """Shape of :attr:`data`."""
        return self.data.shape

    def zero_grad(self) -> None:
        """Set :attr:`grad` to zero, in place."""
        self.grad.fill(0)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"

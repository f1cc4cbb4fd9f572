"""A learnable array and its gradient."""
from __future__ import annotations

import numpy as np

from .. import _arrays


class Parameter:
    """An array a layer learns, with the gradient that training accumulates into it.

    The optimiser (:class:`corr2d.nn.SGD`) reads :attr:`grad` and updates
    :attr:`data` in place, so a layer always sees its current values.

    Parameters
    ----------
    data : ndarray
        The values (float32 or float64), a NumPy array or a CuPy array
        (then :attr:`grad` is on the same GPU). Kept as given, not copied.

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
        on_gpu = _arrays.is_cupy_array(data)
        if not (on_gpu or isinstance(data, np.ndarray)) or data.dtype not in (np.float32, np.float64):
            raise TypeError(f"Parameter: data must be a float32 or float64 ndarray, got {data!r}")
        self.data = data
        self.grad = _arrays.array_module(data).zeros_like(data)

    @property
    def shape(self) -> tuple:
        """Shape of :attr:`data`."""
        return self.data.shape

    @property
    def device(self) -> str:
        """Where :attr:`data` lives: 'cpu', or 'cuda:N' for a CuPy array."""
        return _arrays.device_of(self.data)

    def to(self, device: str) -> "Parameter":
        """Move :attr:`data` and :attr:`grad` to `device` ('cpu', 'cuda' or
        'cuda:N'), in place (copies only when they are elsewhere); returns self."""
        self.data = _arrays.move_to(self.data, device, "Parameter.to")
        self.grad = _arrays.move_to(self.grad, device, "Parameter.to")
        return self

    def zero_grad(self) -> None:
        """Set :attr:`grad` to zero, in place."""
        self.grad.fill(0)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"

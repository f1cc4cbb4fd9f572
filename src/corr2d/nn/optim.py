"""Stochastic gradient descent, with PyTorch's update rule."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .. import _arrays
from .._checks import check_real
from .parameter import Parameter


class SGD:
    """Gradient descent on :class:`Parameter` objects, as ``torch.optim.SGD``.

    Each :meth:`step` does, for every parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        if momentum:
            buf = g (first step)  or  momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p -= lr * g

    Parameters
    ----------
    parameters : iterable of Parameter
        What to optimise, e.g. ``layer.parameters()``. Not empty.
    lr : float
        Learning rate, non-negative.
    momentum : float, optional
        Momentum factor (default 0: plain gradient descent).
    weight_decay : float, optional
        L2 penalty added to the gradient (default 0).
    dampening : float, optional
        Dampening for momentum (default 0).
    nesterov : bool, optional
        Nesterov momentum (default False); needs ``momentum > 0`` and
        ``dampening == 0``.

    Attributes
    ----------
    momentum_buffers : list of ndarray or None
        One per parameter: None until the first step with momentum.

    Notes
    -----
    The parameters are updated in place (``p.data`` keeps its identity and
    dtype), so the layers that own them see the new values. Gradients start
    at zero rather than PyTorch's None, so a parameter with no gradient is
    still moved by weight decay and momentum.

    Examples
    --------
    >>> import numpy as np
    >>> from corr2d.nn import Parameter, SGD
    >>> p = Parameter(np.array([1.0, 2.0]))
    >>> opt = SGD([p], lr=0.1, momentum=0.9)
    >>> p.grad[:] = [1.0, -1.0]
    >>> opt.step(); p.data
    array([0.9, 2.1])
    >>> opt.step(); p.data  # the buffer is now 0.9 * g + g
    array([0.71, 2.29])
    """

    def __init__(
        self,
        parameters: Iterable[Parameter],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        func = "SGD"
        if isinstance(parameters, Parameter) or not hasattr(parameters, "__iter__"):
            raise TypeError(
                f"{func}: parameters must be an iterable of Parameter (e.g. layer.parameters()), "
                f"got {type(parameters).__name__}"
            )
        self.parameters = list(parameters)
        if not self.parameters:
            raise ValueError(f"{func}: parameters is empty: there is nothing to optimise")
        for p in self.parameters:
            if not isinstance(p, Parameter):
                raise TypeError(f"{func}: parameters must hold Parameter objects, got {type(p).__name__}")
        self.lr = check_real(lr, "lr", func)
        self.momentum = check_real(momentum, "momentum", func)
        self.weight_decay = check_real(weight_decay, "weight_decay", func)
        self.dampening = check_real(dampening, "dampening", func)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"{func}: nesterov must be True or False, got {nesterov!r}")
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(f"{func}: nesterov needs momentum > 0 and dampening == 0")
        self.nesterov = bool(nesterov)
        self.momentum_buffers: list[np.ndarray | None] = [None] * len(self.parameters)

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        for i, p in enumerate(self.parameters):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                buf = self.momentum_buffers[i]
                if buf is None:
                    buf = self.momentum_buffers[i] = g.astype(p.data.dtype, copy=True)
                elif _arrays.is_cupy_array(buf) != _arrays.is_cupy_array(p.data):
                    raise TypeError(
                        f"SGD: parameter {i} moved between the host and a GPU after its momentum "
                        "buffer was made; move the layer (layer.to(...)) before making the optimiser"
                    )
                else:
                    buf *= self.momentum
                    buf += (1 - self.dampening) * g
                g = g + self.momentum * buf if self.nesterov else buf
            p.data -= (self.lr * g).astype(p.data.dtype, copy=False)

    def zero_grad(self) -> None:
        """Set the gradients of all parameters to zero."""
        for p in self.parameters:
            p.zero_grad()

    def __repr__(self) -> str:
        return (
            f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay}, "
            f"{len(self.parameters)} parameters)"
        )

"""corr2d.nn: a learnable Conv2D layer, SGD and the MSE loss, in NumPy.

Enough to train convolution kernels as in *Dive into Deep Learning*
(chapter 6), with PyTorch's semantics: NCHW arrays, parameters with
accumulating gradients, ``torch.optim.SGD``'s update rule.

>>> import numpy as np
>>> from corr2d.nn import Conv2D, SGD, mse_loss
>>> from corr2d.data import band_image
>>> X = band_image().reshape(1, 1, 6, 8)
>>> Y = X[..., :-1] - X[..., 1:]                  # its edges: [[1, -1]]
>>> conv = Conv2D(1, 1, (1, 2), bias=False, dtype=np.float64, rng=0)
>>> opt = SGD(conv.parameters(), lr=3e-2)
>>> for step in range(20):
...     loss, grad = mse_loss(conv(X), Y, reduction="sum")
...     opt.zero_grad()
...     _ = conv.backward(grad)
...     opt.step()
>>> conv.weight.data.reshape(2).round(2)
array([ 1., -1.])
"""
from .conv import Conv2D
from .loss import mse_loss
from .optim import SGD
from .parameter import Parameter

__all__ = ["Conv2D", "Parameter", "SGD", "mse_loss"]

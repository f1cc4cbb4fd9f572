"""A learnable 2-D convolution layer (PyTorch's ``nn.Conv2d``) on corr2d's conv2d."""
from __future__ import annotations

import math

import numpy as np

from .. import _arrays
from ..functional import conv2d, conv2d_input, conv2d_weight
from .._checks import check_int, check_pair
from .._tables import TORCH_NUMPY_PAD as _PADDING_MODES
from .parameter import Parameter

#: PyTorch padding_mode -> numpy.pad mode (None: zeros, done inside conv2d).


def as_generator(rng: object, func: str) -> np.random.Generator:
    """None (fresh entropy), an int seed or a Generator, as a Generator."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
        raise TypeError(f"{func}: rng must be None, an int seed or a numpy.random.Generator, got {rng!r}")
    if rng < 0:
        raise ValueError(f"{func}: rng seed must be non-negative, got {rng}")
    return np.random.default_rng(int(rng))


def _fold_padding(grad, axis: int, size: int, pad: int, mode: str):
    """The gradient with respect to an array of `size` along `axis`, given
    `grad`, the gradient with respect to ``np.pad(array, pad, mode)``: the
    adjoint of padding. The interior is a slice; each of the 2 * pad border
    slices is added onto the element it was padded from (more than once when
    a wide 'reflect' or 'wrap' padding repeats), one slice at a time, so the
    work is O(grad.size) on NumPy and CuPy arrays alike."""
    source = np.pad(np.arange(size), (pad, pad), mode=mode)  # padded index -> array index
    at = [slice(None)] * grad.ndim

    def where(index):
        at[axis] = index
        return tuple(at)

    out = grad[where(slice(pad, pad + size))].copy()
    for padded in [*range(pad), *range(pad + size, 2 * pad + size)]:
        out[where(int(source[padded]))] += grad[where(padded)]
    return out


class Conv2D:
    """2-D convolution layer with a learnable weight and bias, as ``torch.nn.Conv2d``.

    ``y[n, o] = bias[o] + sum_c correlate(x[n, c], weight[o, c])`` over the
    input channels ``c`` of the group of output channel ``o``, with
    stride, zero (or `padding_mode`) padding and dilation, computed by
    :func:`corr2d.conv2d`. The layer records its input on :meth:`forward`
    so that :meth:`backward` can return the input gradient and accumulate
    the parameter gradients.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output; both divisible by `groups`.
    kernel_size : int or (int, int)
        Height and width of the kernel.
    stride : int or (int, int), optional
        Step between output pixels (default 1).
    padding : int or (int, int), optional
        Rows/columns added on each side of the input (default 0).
    dilation : int or (int, int), optional
        Spacing between kernel taps (default 1).
    groups : int, optional
        Number of blocked connections from input to output channels
        (default 1; ``in_channels`` for a depthwise convolution).
    bias : bool, optional
        Whether to learn a bias per output channel (default True).
    dtype : {numpy.float32, numpy.float64}, optional
        Dtype of the parameters, and of the inputs the layer accepts.
    rng : None, int or numpy.random.Generator, optional
        Source of the initial values; an int makes them reproducible.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, optional
        PyTorch's names for how the input is padded (default 'zeros'). Other
        than 'zeros', the input is padded with ``numpy.pad`` and folded back
        in :meth:`backward`; 'reflect' and 'circular' repeat when the padding
        is wider than the input (PyTorch refuses that). 'reflect' is
        ndimage's (and :mod:`corr2d.filters`') 'mirror', not their
        'reflect': see :ref:`boundary-modes`.

    Attributes
    ----------
    weight : Parameter
        Shape ``(out_channels, in_channels // groups, kH, kW)``; ``weight.data``
        holds the values and ``weight.grad`` the accumulated gradient.
    bias : Parameter or None
        Shape ``(out_channels,)``, or None with ``bias=False``.

    Notes
    -----
    Initialisation is PyTorch's: ``kaiming_uniform_(a=sqrt(5))`` for the
    weight, which is uniform on ``[-b, b]`` with ``b = 1 / sqrt(fan_in)``,
    ``fan_in = in_channels // groups * kH * kW``, and the same bound for
    the bias. The numbers differ from PyTorch's (another generator).

    Inputs are ``(N, C, H, W)`` or unbatched ``(C, H, W)``. Floating inputs
    must have the layer's dtype (``TypeError`` otherwise: precision is never
    changed silently); integer and bool inputs are converted to it.

    GPU: ``layer.to('cuda')`` moves the parameters to the GPU as CuPy arrays;
    the layer then takes and returns CuPy arrays and runs on corr2d's GPU
    path (``layer.to('cpu')`` moves it back). An input on the other side
    from the parameters raises ``TypeError``.

    Examples
    --------
    The layer of *Dive into Deep Learning* 6.2.4, set to the edge kernel:

    >>> import numpy as np
    >>> from corr2d.nn import Conv2D
    >>> from corr2d.data import band_image
    >>> conv = Conv2D(1, 1, kernel_size=(1, 2), bias=False, dtype=np.float64, rng=0)
    >>> conv
    Conv2D(1, 1, kernel_size=(1, 2), stride=(1, 1), bias=False, dtype=float64)
    >>> conv.weight.data[...] = [[[[1.0, -1.0]]]]
    >>> X = band_image().reshape(1, 1, 6, 8)
    >>> conv(X)[0, 0, 0]
    array([ 0.,  1.,  0.,  0.,  0., -1.,  0.])
    >>> grad_x = conv.backward(np.ones((1, 1, 6, 7)))
    >>> conv.weight.grad.ravel()
    array([18., 18.])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        dtype: type | np.dtype = np.float32,
        rng: int | np.random.Generator | None = None,
        padding_mode: str = "zeros",
    ) -> None:
        func = "Conv2D"
        self.in_channels = check_int(in_channels, "in_channels", func, 1)
        self.out_channels = check_int(out_channels, "out_channels", func, 1)
        self.kernel_size = check_pair(kernel_size, "kernel_size", func, 1)
        self.stride = check_pair(stride, "stride", func, 1)
        self.padding = check_pair(padding, "padding", func, 0)
        self.dilation = check_pair(dilation, "dilation", func, 1)
        self.groups = check_int(groups, "groups", func, 1)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"{func}: in_channels ({self.in_channels}) and out_channels "
                f"({self.out_channels}) must both be divisible by groups ({self.groups})"
            )
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"{func}: bias must be True or False, got {bias!r}")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{func}: dtype must be numpy.float32 or numpy.float64, got {dtype!r}") from None
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"{func}: dtype must be numpy.float32 or numpy.float64, got {self.dtype}")
        if not isinstance(padding_mode, str) or padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{func}: padding_mode must be one of {', '.join(map(repr, _PADDING_MODES))}; "
                f"got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        generator = as_generator(rng, func)

        kh, kw = self.kernel_size
        fan_in = self.in_channels // self.groups * kh * kw
        bound = 1.0 / math.sqrt(fan_in)
        shape = (self.out_channels, self.in_channels // self.groups, kh, kw)
        self.weight = Parameter(generator.uniform(-bound, bound, shape).astype(self.dtype))
        self.bias = (
            Parameter(generator.uniform(-bound, bound, self.out_channels).astype(self.dtype))
            if bias
            else None
        )
        self._saved: tuple | None = None  # what backward needs from the last forward

    # -- device --------------------------------------------------------------------------

    @property
    def device(self) -> str:
        """Where the parameters live: 'cpu', or 'cuda:N' (CuPy arrays on GPU N)."""
        return self.weight.device

    def to(self, device: str) -> "Conv2D":
        """Move the parameters and their gradients to `device` ('cpu',
        'cuda' or 'cuda:N'), in place, and return the layer (as PyTorch's
        ``Module.to``). On a GPU the layer takes and returns CuPy arrays and
        runs on corr2d's GPU path. Move the layer before making its
        optimiser, whose momentum buffers stay where they were made.
        """
        for p in self.parameters():
            p.to(device)
        self._saved = None
        return self

    # -- forward -------------------------------------------------------------------------

    def _as_input(self, x: object, name: str):
        on_gpu = _arrays.is_cupy_array(x)
        if on_gpu != _arrays.is_cupy_array(self.weight.data):
            where = "a CuPy array" if on_gpu else f"a {_arrays.type_name(x)}"
            raise TypeError(
                f"Conv2D: {name} is {where} but the layer is on {self.device}: move one of "
                "them (layer.to('cuda') or layer.to('cpu'); cupy.asarray(x) or x.get())"
            )
        a = x if on_gpu else np.asarray(x)
        if a.dtype.kind in "biu":
            a = a.astype(self.dtype)
        elif a.dtype.kind != "f":
            raise TypeError(f"Conv2D: {name} must be a real array, got dtype {a.dtype}")
        else:
            native = a.dtype.newbyteorder("=")  # the byte order is no dtype of its own
            if native != self.dtype:
                raise TypeError(
                    f"Conv2D: {name} has dtype {native} but the layer's is {self.dtype}: convert "
                    f"it (x.astype(np.{self.dtype})) or create the layer with dtype=np.{native}"
                )
            if not a.dtype.isnative:
                a = a.astype(native)
        return a

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the layer to `x`, shape ``(N, C, H, W)`` or ``(C, H, W)``.

        Records `x` for :meth:`backward`. Returns the output, shape
        ``(N, out_channels, H_out, W_out)`` (no N for an unbatched input),
        ``H_out = (H + 2 pH - dH (kH - 1) - 1) // sH + 1``, likewise W_out.
        """
        x = self._as_input(x, "input")
        if x.ndim not in (3, 4):
            raise ValueError(f"Conv2D: input must be (N, C, H, W) or (C, H, W), got shape {x.shape}")
        batched = x.ndim == 4
        if not batched:
            x = x[None]
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2D: input has {x.shape[1]} channels, the layer expects "
                f"in_channels={self.in_channels} (input shape {x.shape})"
            )
        (ph, pw), (kh, kw), (dh, dw) = self.padding, self.kernel_size, self.dilation
        if x.shape[2] + 2 * ph < dh * (kh - 1) + 1 or x.shape[3] + 2 * pw < dw * (kw - 1) + 1:
            raise ValueError(
                f"Conv2D: input of size {x.shape[2:]} (padded by {self.padding}) is smaller "
                f"than the dilated kernel ({dh * (kh - 1) + 1}, {dw * (kw - 1) + 1})"
            )
        pad_mode = _PADDING_MODES[self.padding_mode]
        if pad_mode is not None and (ph or pw):
            xp = _arrays.array_module(x)
            padded = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode=pad_mode)
            conv_padding: tuple[int, int] = (0, 0)
        else:
            padded, conv_padding = x, self.padding
        y = conv2d(
            padded,
            self.weight.data,
            None if self.bias is None else self.bias.data,
            stride=self.stride,
            padding=conv_padding,
            dilation=self.dilation,
            groups=self.groups,
        )
        self._saved = (padded, conv_padding, x.shape, batched, y.shape)
        return y if batched else y[0]

    __call__ = forward

    # -- backward ------------------------------------------------------------------------

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Back-propagate `grad_output` through the last :meth:`forward`.

        Adds the gradients of the loss with respect to the weight and bias
        to ``weight.grad`` and ``bias.grad`` (they accumulate, as in
        PyTorch: call :meth:`zero_grad` between steps) and returns the
        gradient with respect to that forward's input, in its shape.

        Parameters
        ----------
        grad_output : ndarray
            Gradient of the loss with respect to the output of the last
            forward, in its shape.

        Returns
        -------
        ndarray
            Gradient with respect to the input.

        Raises
        ------
        RuntimeError
            If :meth:`forward` has not been called.
        ValueError
            A `grad_output` whose shape is not the last output's.
        """
        if self._saved is None:
            raise RuntimeError("Conv2D: backward() called before forward()")
        padded, conv_padding, x_shape, batched, y_shape = self._saved
        g = self._as_input(grad_output, "grad_output")
        expected = y_shape if batched else y_shape[1:]
        if g.shape != expected:
            raise ValueError(
                f"Conv2D: grad_output has shape {g.shape}, the last output had shape {expected}"
            )
        if not batched:
            g = g[None]
        xp = _arrays.array_module(g)
        g = xp.ascontiguousarray(g)
        args = dict(stride=self.stride, padding=conv_padding, dilation=self.dilation, groups=self.groups)
        self.weight.grad += conv2d_weight(padded, self.weight.data.shape, g, **args)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=(0, 2, 3), dtype=np.float64).astype(self.dtype)
        grad_padded = conv2d_input(padded.shape, self.weight.data, g, **args)
        if padded.shape != x_shape:  # padded here: fold the padding's gradient back
            (ph, pw), mode = self.padding, _PADDING_MODES[self.padding_mode]
            grad_padded = _fold_padding(grad_padded, 2, x_shape[2], ph, mode)
            grad_padded = _fold_padding(grad_padded, 3, x_shape[3], pw, mode)
        return grad_padded if batched else grad_padded[0]

    # -- parameters ----------------------------------------------------------------------

    def parameters(self) -> list[Parameter]:
        """The learnable parameters: ``[weight, bias]`` (``[weight]`` without bias)."""
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def zero_grad(self) -> None:
        """Set the gradients of all parameters to zero."""
        for p in self.parameters():
            p.zero_grad()

    def __repr__(self) -> str:
        extra = ""
        if self.padding != (0, 0):
            extra += f", padding={self.padding}"
        if self.dilation != (1, 1):
            extra += f", dilation={self.dilation}"
        if self.groups != 1:
            extra += f", groups={self.groups}"
        if self.bias is None:
            extra += ", bias=False"
        if self.padding_mode != "zeros":
            extra += f", padding_mode={self.padding_mode!r}"
        if self.device != "cpu":
            extra += f", device={self.device!r}"
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}{extra}, dtype={self.dtype})"
        )

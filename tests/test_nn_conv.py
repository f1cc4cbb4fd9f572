"""corr2d.nn.Conv2D: initialisation, forward against the NumPy oracle, gradients
against finite differences, accumulation, errors."""
import math

import numpy as np
import pytest
from nn_reference import conv2d_ref, numerical_gradient

from corr2d.nn import Conv2D, Parameter

CONFIGS = [
    dict(in_channels=1, out_channels=1, kernel_size=(1, 2)),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding=1),
    dict(in_channels=2, out_channels=2, kernel_size=(3, 2), stride=2, padding=(1, 2)),
    dict(in_channels=3, out_channels=2, kernel_size=(2, 3), stride=(2, 1), dilation=(1, 2)),
    dict(in_channels=4, out_channels=2, kernel_size=3, groups=2, padding=(0, 1)),
    dict(in_channels=2, out_channels=4, kernel_size=1, bias=False),
]
PADDED = [
    dict(in_channels=2, out_channels=2, kernel_size=3, padding=padding, padding_mode=mode)
    for mode in ("reflect", "replicate", "circular")
    # (4, 9): wider than the 6x7 test input, so reflect and circular repeat.
    for padding in [(1, 2), (4, 9)]
]


def make(config, dtype=np.float64, seed=0):
    return Conv2D(**config, dtype=dtype, rng=seed)


def test_initialisation_is_pytorchs_kaiming_uniform():
    conv = Conv2D(16, 32, 3, rng=1)
    bound = 1 / math.sqrt(16 * 9)
    assert conv.weight.data.shape == (32, 16, 3, 3) and conv.bias.data.shape == (32,)
    assert conv.weight.data.dtype == np.float32 and conv.bias.data.dtype == np.float32
    w = conv.weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.mean()) < 0.05 * bound  # symmetric about zero
    assert np.abs(conv.bias.data).max() <= bound
    np.testing.assert_allclose(w.var(), bound**2 / 3, rtol=0.05)  # uniform's variance
    assert np.all(conv.weight.grad == 0) and np.all(conv.bias.grad == 0)


def test_grouped_fan_in():
    conv = Conv2D(8, 4, 2, groups=4, rng=2)
    assert conv.weight.data.shape == (4, 2, 2, 2)
    assert np.abs(conv.weight.data).max() <= 1 / math.sqrt(2 * 4)


def test_rng_makes_it_reproducible():
    a, b, c = Conv2D(2, 3, 3, rng=5), Conv2D(2, 3, 3, rng=5), Conv2D(2, 3, 3, rng=6)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    np.testing.assert_array_equal(Conv2D(1, 1, 2, rng=g1).weight.data, Conv2D(1, 1, 2, rng=g2).weight.data)


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_reference(config, dtype):
    conv = make(config, dtype)
    x = np.random.default_rng(3).standard_normal((2, config["in_channels"], 7, 8)).astype(dtype)
    y = conv(x)
    b = None if conv.bias is None else conv.bias.data
    ref = conv2d_ref(x, conv.weight.data, b, conv.stride, conv.padding, conv.dilation, conv.groups)
    assert y.dtype == dtype and y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=0, atol=(1e-5 if dtype == np.float32 else 1e-12) * 8)


@pytest.mark.parametrize("config", PADDED, ids=str)
def test_forward_with_padding_modes(config):
    conv = make(config)
    x = np.random.default_rng(4).standard_normal((1, 2, 5, 6))
    mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[config["padding_mode"]]
    ph, pw = config["padding"]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode=mode)
    ref = conv2d_ref(xp, conv.weight.data, conv.bias.data)
    np.testing.assert_allclose(conv(x), ref, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS + PADDED, ids=str)
def test_gradients_match_finite_differences(config):
    conv = make(config, seed=11)
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, config["in_channels"], 6, 7))
    r = rng.standard_normal(conv(x).shape)

    def loss():
        return float((conv(x) * r).sum())

    grad_x = conv.backward(r)
    np.testing.assert_allclose(grad_x, numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(conv.weight.grad, numerical_gradient(loss, conv.weight.data), rtol=1e-6, atol=1e-8)
    if conv.bias is not None:
        np.testing.assert_allclose(conv.bias.grad, numerical_gradient(loss, conv.bias.data), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(conv.bias.grad, r.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_unbatched_input():
    conv = make(CONFIGS[1])
    x = np.random.default_rng(13).standard_normal((2, 5, 5))
    batched = conv(x[None])[0]
    y = conv(x)
    assert y.shape == (3, 5, 5)
    np.testing.assert_allclose(y, batched, atol=1e-15)
    gx = conv.backward(np.ones_like(y))
    assert gx.shape == x.shape


def test_gradients_accumulate_until_zero_grad():
    conv = make(CONFIGS[1])
    x = np.random.default_rng(14).standard_normal((1, 2, 4, 4))
    g = np.ones_like(conv(x))
    conv.backward(g)
    once_w, once_b = conv.weight.grad.copy(), conv.bias.grad.copy()
    conv.backward(g)
    np.testing.assert_allclose(conv.weight.grad, 2 * once_w)
    np.testing.assert_allclose(conv.bias.grad, 2 * once_b)
    conv.zero_grad()
    assert not conv.weight.grad.any() and not conv.bias.grad.any()


def test_parameters_and_repr():
    conv = Conv2D(1, 1, (1, 2), bias=False, rng=0)
    assert len(conv.parameters()) == 1 and isinstance(conv.parameters()[0], Parameter)
    assert conv.parameters()[0] is conv.weight
    assert len(Conv2D(1, 2, 3).parameters()) == 2
    assert repr(conv) == "Conv2D(1, 1, kernel_size=(1, 2), stride=(1, 1), bias=False, dtype=float32)"


def test_integer_input_is_converted_float_of_other_dtype_is_refused():
    conv = Conv2D(1, 1, 2, dtype=np.float32, rng=0)
    assert conv(np.ones((1, 1, 3, 3), np.int64)).dtype == np.float32
    with pytest.raises(TypeError, match="input has dtype float64"):
        conv(np.ones((1, 1, 3, 3)))
    with pytest.raises(TypeError, match=r"input has dtype float64 .* dtype=np.float64"):
        conv(np.ones((1, 1, 3, 3), ">f8"))
    # The layer's own dtype in the other byte order is the same numbers (was refused).
    x = np.arange(9.0, dtype=np.float32).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(conv(x.astype(">f4")), conv(x))


@pytest.mark.parametrize(
    "kwargs,exc,words",
    [
        (dict(in_channels=0), ValueError, "in_channels"),
        (dict(in_channels=1.0), TypeError, "in_channels"),
        (dict(out_channels=-1), ValueError, "out_channels"),
        (dict(kernel_size=(1, 2, 3)), ValueError, "kernel_size"),
        (dict(kernel_size=0), ValueError, "kernel_size"),
        (dict(kernel_size="3"), TypeError, "kernel_size"),
        (dict(stride=0), ValueError, "stride"),
        (dict(padding=-1), ValueError, "padding"),
        (dict(dilation=(1, 0)), ValueError, "dilation"),
        (dict(groups=3), ValueError, "groups"),
        (dict(bias=None), TypeError, "bias"),
        (dict(dtype=np.int32), TypeError, "dtype"),
        (dict(dtype="nonsense"), TypeError, "dtype"),
        (dict(rng="seed"), TypeError, "rng"),
        (dict(rng=-1), ValueError, "rng"),
        (dict(padding_mode="symm"), ValueError, "padding_mode"),
    ],
)
def test_constructor_errors_name_the_argument(kwargs, exc, words):
    args = dict(in_channels=2, out_channels=4, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(exc, match=words):
        Conv2D(**args)


def test_call_errors():
    conv = Conv2D(2, 2, 3, dtype=np.float64)
    with pytest.raises(RuntimeError, match="before forward"):
        conv.backward(np.ones((1, 2, 1, 1)))
    with pytest.raises(ValueError, match="channels"):
        conv(np.ones((1, 3, 5, 5)))
    with pytest.raises(ValueError, match="shape"):
        conv(np.ones((5, 5)))
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        conv(np.ones((1, 2, 2, 5)))
    with pytest.raises(TypeError, match="input"):
        conv(np.ones((1, 2, 5, 5), complex))
    y = conv(np.ones((1, 2, 5, 5)))
    with pytest.raises(ValueError, match="grad_output has shape"):
        conv.backward(np.ones((1, 2, 4, 3)))
    assert conv.backward(np.ones_like(y)).shape == (1, 2, 5, 5)


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_against_pytorch_conv2d(padding_mode):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(31)
    ours = Conv2D(2, 4, (3, 2), stride=(1, 2), padding=(1, 1), dilation=(2, 1), groups=2,
                  padding_mode=padding_mode, dtype=np.float64, rng=3)
    theirs = torch.nn.Conv2d(2, 4, (3, 2), stride=(1, 2), padding=(1, 1), dilation=(2, 1), groups=2,
                             padding_mode=padding_mode, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    x = rng.standard_normal((2, 2, 7, 6))
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = theirs(tx)
    y = ours(x)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(y.shape)
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ours.backward(g), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["reflect", "edge", "wrap"])
@pytest.mark.parametrize("size,pad", [(5, 0), (5, 1), (5, 4), (5, 11), (1, 3)])
def test_fold_padding_is_the_adjoint_of_padding(mode, size, pad):
    """<pad(x), g> == <x, fold(g)> for every x and g, along either axis."""
    from corr2d.nn.conv import _fold_padding

    if mode == "reflect" and size == 1 and pad:
        pytest.skip("numpy cannot reflect a single element")
    rng = np.random.default_rng(size * 31 + pad)
    for axis in (2, 3):
        shape = [2, 3, 4, 4]
        shape[axis] = size
        x = rng.standard_normal(shape)
        widths = [(0, 0)] * 4
        widths[axis] = (pad, pad)
        padded = np.pad(x, widths, mode=mode)
        g = rng.standard_normal(padded.shape)
        folded = _fold_padding(g, axis, size, pad, mode)
        assert folded.shape == x.shape
        np.testing.assert_allclose((padded * g).sum(), (x * folded).sum(), rtol=1e-12)

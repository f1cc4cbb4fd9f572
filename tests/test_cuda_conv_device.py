"""The GPU conv2d, its gradients and conv_transpose2d on a real CUDA device,
with the CPU path as the reference (exact on small integers, within rounding
on random floats, over strides, paddings, dilations, groups and padding
modes), on ResNet-sized layers, and against PyTorch's cuDNN when torch with
CUDA is installed. Skipped with "no CUDA device" elsewhere."""
import itertools

import numpy as np
import pytest

import corr2d
from corr2d.cuda import conv as gpu_conv
from gpu_support import checks

pytestmark = pytest.mark.gpu


@pytest.fixture
def cp(cupy_on_device):
    return cupy_on_device


@pytest.fixture(scope="module")
def torch_cuda():
    try:
        import torch
    except ImportError:
        pytest.skip("PyTorch is not installed (optional oracle)")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch has no CUDA device")
    torch.backends.cudnn.allow_tf32 = False  # compare against full float32 arithmetic
    torch.backends.cuda.matmul.allow_tf32 = False
    return torch


# (N, C_in, H, W, C_out, kernel, stride, padding, dilation, groups, padding_mode)
CONFIGS = [
    (2, 3, 17, 19, 8, (3, 3), 1, 1, 1, 1, "zeros"),
    (2, 4, 16, 15, 6, (3, 2), 2, (1, 0), 1, 2, "zeros"),
    (1, 6, 20, 20, 6, (3, 3), 1, "same", 1, 6, "reflect"),
    (3, 8, 13, 11, 16, (5, 5), (2, 1), 2, (1, 2), 4, "circular"),
    (2, 5, 9, 12, 70, (1, 1), 1, 0, 1, 1, "zeros"),
    (1, 64, 30, 30, 130, (3, 3), 1, 1, 1, 1, "replicate"),
    (2, 3, 41, 37, 5, (7, 7), 2, 3, 1, 1, "zeros"),
    (4, 16, 12, 12, 32, (3, 3), 3, "valid", 2, 2, "zeros"),
]


def _tensors(rng, config, dtype, integers):
    n, c_in, h, w, c_out, kernel, _, _, _, groups, _ = config
    draw = (lambda s: rng.integers(-3, 4, s).astype(dtype)) if integers else \
        (lambda s: rng.standard_normal(s).astype(dtype))
    return draw((n, c_in, h, w)), draw((c_out, c_in // groups) + kernel), draw((c_out,))


def _geometry(config):
    _, _, _, _, _, _, stride, padding, dilation, groups, _ = config
    return dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def _close(got, expected, dtype, terms):
    host = got.get()
    assert host.dtype == expected.dtype and host.shape == expected.shape
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(host, expected, rtol=0,
                               atol=4 * np.sqrt(terms) * eps * max(np.abs(expected).max(), 1))


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_exact_agreement_with_cpu(cp, config, dtype):
    rng = np.random.default_rng(0)
    x, w, b = _tensors(rng, config, dtype, integers=True)
    geometry = _geometry(config)
    y = corr2d.conv2d(x, w, b, padding_mode=config[-1], **geometry)
    got = corr2d.conv2d(cp.asarray(x), cp.asarray(w), cp.asarray(b), padding_mode=config[-1],
                        **geometry)
    np.testing.assert_array_equal(got.get(), y)
    gy = rng.integers(-3, 4, y.shape).astype(dtype)
    if config[-1] == "zeros":
        np.testing.assert_array_equal(
            corr2d.conv2d_input(x.shape, cp.asarray(w), cp.asarray(gy), **geometry).get(),
            corr2d.conv2d_input(x.shape, w, gy, **geometry))
        np.testing.assert_array_equal(
            corr2d.conv2d_weight(cp.asarray(x), w.shape, cp.asarray(gy), **geometry).get(),
            corr2d.conv2d_weight(x, w.shape, gy, **geometry))


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_random_floats_within_rounding(cp, config, dtype):
    rng = np.random.default_rng(1)
    x, w, b = _tensors(rng, config, dtype, integers=False)
    geometry = _geometry(config)
    y = corr2d.conv2d(x, w, b, padding_mode=config[-1], **geometry)
    _close(corr2d.conv2d(cp.asarray(x), cp.asarray(w), cp.asarray(b), padding_mode=config[-1],
                         **geometry), y, dtype, w[0].size)
    if config[-1] != "zeros":
        return
    gy = rng.standard_normal(y.shape).astype(dtype)
    _close(corr2d.conv2d_input(x.shape, cp.asarray(w), cp.asarray(gy), **geometry),
           corr2d.conv2d_input(x.shape, w, gy, **geometry), dtype, w.size)
    _close(corr2d.conv2d_weight(cp.asarray(x), w.shape, cp.asarray(gy), **geometry),
           corr2d.conv2d_weight(x, w.shape, gy, **geometry), dtype, gy[:, 0].size)
    # conv_transpose2d is conv2d_input with the roles swapped.
    ct = corr2d.conv_transpose2d(cp.asarray(gy), cp.asarray(w), stride=geometry["stride"],
                                 groups=geometry["groups"], dilation=geometry["dilation"])
    _close(ct, corr2d.conv_transpose2d(gy, w, stride=geometry["stride"], groups=geometry["groups"],
                                       dilation=geometry["dilation"]), dtype, w.size)


RESNET = [(8, 3, 224, 224, 64, 7, 2, 3), (32, 64, 56, 56, 64, 3, 1, 1),
          (32, 128, 28, 28, 128, 3, 1, 1), (32, 256, 14, 14, 256, 3, 1, 1),
          (32, 64, 56, 56, 256, 1, 1, 0)]


@pytest.mark.parametrize("layer", RESNET, ids=str)
def test_resnet_layers_against_cudnn(cp, torch_cuda, layer):
    torch = torch_cuda
    n, c_in, h, w, c_out, k, stride, pad = layer
    rng = np.random.default_rng(2)
    x = cp.asarray(rng.standard_normal((n, c_in, h, w), dtype=np.float32))
    wt = cp.asarray(rng.standard_normal((c_out, c_in, k, k), dtype=np.float32))
    tx, tw = torch.as_tensor(x, device="cuda"), torch.as_tensor(wt, device="cuda")
    y = corr2d.conv2d(x, wt, stride=stride, padding=pad)
    ty = torch.nn.functional.conv2d(tx, tw, stride=stride, padding=pad)
    scale = float(ty.abs().max())
    tol = 1e-5 * np.sqrt(c_in * k * k) * scale
    assert float(cp.abs(y - cp.asarray(ty)).max()) <= tol
    gy = cp.asarray(rng.standard_normal(y.shape, dtype=np.float32))
    tgy = torch.as_tensor(gy, device="cuda")
    gx = corr2d.conv2d_input(x.shape, wt, gy, stride=stride, padding=pad)
    tgx = torch.nn.grad.conv2d_input(tuple(x.shape), tw, tgy, stride=stride, padding=pad)
    assert float(cp.abs(gx - cp.asarray(tgx)).max()) <= 1e-5 * np.sqrt(c_out * k * k) * float(
        tgx.abs().max())
    gw = corr2d.conv2d_weight(x, wt.shape, gy, stride=stride, padding=pad)
    tgw = torch.nn.grad.conv2d_weight(tx, tuple(wt.shape), tgy, stride=stride, padding=pad)
    terms = n * y.shape[2] * y.shape[3]
    assert float(cp.abs(gw - cp.asarray(tgw)).max()) <= 1e-5 * np.sqrt(terms) * float(
        tgw.abs().max())


@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation",
                         list(itertools.product([1, 2], [0, 1], [0, 1], [1, 2], [1, 2])))
def test_conv_transpose2d_against_cudnn(cp, torch_cuda, stride, padding, output_padding, groups,
                                        dilation):
    torch = torch_cuda
    if output_padding >= max(stride, dilation):
        return
    rng = np.random.default_rng(3)
    x = cp.asarray(rng.standard_normal((2, 4, 9, 8)))
    w = cp.asarray(rng.standard_normal((4, 3, 3, 3)))
    b = cp.asarray(rng.standard_normal(3 * groups))
    kwargs = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                  dilation=dilation)
    got = corr2d.conv_transpose2d(x, w, b, **kwargs)
    expected = torch.nn.functional.conv_transpose2d(
        *(torch.as_tensor(a, device="cuda") for a in (x, w, b)), **kwargs)
    cp.testing.assert_allclose(got, cp.asarray(expected), rtol=1e-10, atol=1e-10)


def test_split_reduction_and_grid_stride_on_the_device(cp, monkeypatch):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((16, 8, 40, 40))
    w_shape = (16, 4, 3, 3)
    geometry = dict(stride=2, padding=1, groups=2)
    gy = rng.standard_normal(corr2d.conv2d(x, np.zeros(w_shape), **geometry).shape)
    expected = corr2d.conv2d_weight(x, w_shape, gy, **geometry)
    for grid in [gpu_conv.MAX_GRID, (1, 1, 1), (3, 1, 2)]:
        monkeypatch.setattr(gpu_conv, "MAX_GRID", grid)
        got = corr2d.conv2d_weight(cp.asarray(x), w_shape, cp.asarray(gy), **geometry)
        _close(got, expected, np.float64, gy[:, 0].size)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_subnormals_kept_like_cpu(cp, dtype):
    """CuPy compiles with -ftz=true; the conv kernels must keep subnormals."""
    rng = np.random.default_rng(12)
    x = checks.subnormal_values(rng, (2, 3, 11, 13), dtype)
    w = checks.small_values(rng, (4, 3, 3, 3), dtype)
    gy = checks.subnormal_values(rng, (2, 4, 11, 13), dtype)
    for got, expected in [
        (corr2d.conv2d(cp.asarray(x), cp.asarray(w), padding=1), corr2d.conv2d(x, w, padding=1)),
        (corr2d.conv2d_input(x.shape, cp.asarray(w), cp.asarray(gy), padding=1),
         corr2d.conv2d_input(x.shape, w, gy, padding=1)),
    ]:
        np.testing.assert_array_equal(got.get(), expected)
        assert np.count_nonzero(expected) > expected.size // 2


def test_result_stays_on_the_device_and_the_stream(cp):
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        y = corr2d.conv2d(cp.ones((1, 2, 5, 5), np.float32), cp.ones((1, 2, 3, 3), np.float32),
                          padding=1)
    stream.synchronize()
    assert isinstance(y, cp.ndarray) and y.dtype == np.float32
    assert float(y[0, 0, 2, 2]) == 18.0

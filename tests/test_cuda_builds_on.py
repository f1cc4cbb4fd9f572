"""What builds on the GPU path runs on it too: corr2d.filters, the Conv2D
layer (``layer.to('cuda')``), SGD and mse_loss with CuPy arrays, with the
CPU path as the reference. Each test runs twice: with the stand-in CuPy whose
kernels run in the CPU emulator (always), and with the real CuPy on a CUDA
device (marked gpu; skipped with a reason where there is none)."""
import numpy as np
import pytest

import corr2d
from corr2d import filters
from corr2d.data import band_image
from corr2d.nn import SGD, Conv2D, mse_loss
from gpu_support import checks

MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "valid"]


@pytest.fixture
def cp(cupy_both):
    return cupy_both


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["sobel", "prewitt", "scharr", "difference"])
def test_gradient_filters_match_cpu(cp, name, mode):
    """Small integers through integer kernels: exact on both paths."""
    image = np.random.default_rng(1).integers(0, 9, (13, 17)).astype(np.float32)
    func = getattr(filters, name)
    for axis in (0, 1):
        expected = func(image, axis=axis, mode=mode, cval=2.0)
        got = checks.to_host(cp, func(cp.asarray(image), axis=axis, mode=mode, cval=2.0))
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected, err_msg=f"{name} axis={axis} {mode}")


@pytest.mark.parametrize("mode", MODES)
def test_laplace_edges_and_gaussian_match_cpu(cp, mode):
    rng = np.random.default_rng(2)
    ints = rng.integers(0, 9, (12, 15)).astype(np.float64)
    np.testing.assert_array_equal(checks.to_host(cp, filters.laplace(cp.asarray(ints), mode=mode)),
                                  filters.laplace(ints, mode=mode))
    for method in filters.EDGE_METHODS:
        np.testing.assert_array_equal(
            checks.to_host(cp, filters.edges(cp.asarray(ints), method=method, mode=mode)),
            filters.edges(ints, method=method, mode=mode), err_msg=method)
    image = rng.standard_normal((12, 15))
    got = checks.to_host(cp, filters.gaussian(cp.asarray(image), sigma=(1.0, 0.7), mode=mode, cval=0.5))
    np.testing.assert_allclose(got, filters.gaussian(image, sigma=(1.0, 0.7), mode=mode, cval=0.5),
                               rtol=1e-12, atol=1e-14)


def test_filters_keep_the_dtype_policy_and_errors(cp):
    image = np.arange(30, dtype=np.uint8).reshape(5, 6)
    got = filters.sobel(cp.asarray(image))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(checks.to_host(cp, got), filters.sobel(image))
    with pytest.raises(ValueError, match="sobel: image must be 2-D"):
        filters.sobel(cp.asarray(np.ones(5)))
    with pytest.raises(TypeError, match="image must be a real numeric array"):
        filters.sobel(cp.asarray(np.ones((3, 3), np.complex64)))


def _layers(cp, dtype=np.float64, **kwargs):
    cpu = Conv2D(3, 4, 3, dtype=dtype, rng=7, **kwargs)
    gpu = Conv2D(3, 4, 3, dtype=dtype, rng=7, **kwargs).to("cuda")
    return cpu, gpu


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv2d_layer_forward_and_backward_match_cpu(cp, padding_mode):
    cpu, gpu = _layers(cp, padding=1, stride=(1, 2), padding_mode=padding_mode)
    assert gpu.device == "cuda:0" and cpu.device == "cpu"
    assert "device='cuda:0'" in repr(gpu)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 9, 11))
    y = cpu(x)
    gy = rng.standard_normal(y.shape)
    gx = cpu.backward(gy)
    y_gpu = gpu(cp.asarray(x))
    gx_gpu = gpu.backward(cp.asarray(gy))
    for got, expected in [(y_gpu, y), (gx_gpu, gx), (gpu.weight.grad, cpu.weight.grad),
                          (gpu.bias.grad, cpu.bias.grad)]:
        np.testing.assert_allclose(checks.to_host(cp, got), expected, rtol=1e-12, atol=1e-12)


def test_layer_to_and_back(cp):
    cpu, gpu = _layers(cp)
    for p_cpu, p_gpu in zip(cpu.parameters(), gpu.parameters()):
        np.testing.assert_array_equal(checks.to_host(cp, p_gpu.data), p_cpu.data)
        assert p_gpu.device == "cuda:0"
    gpu.to("cpu")
    assert gpu.device == "cpu" and type(gpu.weight.data) is np.ndarray
    assert type(gpu.weight.grad) is np.ndarray
    np.testing.assert_array_equal(gpu.weight.data, cpu.weight.data)
    assert gpu.to("cuda:0") is gpu and gpu.to("cuda:0").device == "cuda:0"


def test_layer_refuses_arrays_on_the_other_side(cp):
    cpu, gpu = _layers(cp)
    x = np.ones((1, 3, 5, 5))
    with pytest.raises(TypeError, match=r"Conv2D: input is a CuPy array but the layer is on cpu"):
        cpu(cp.asarray(x))
    with pytest.raises(TypeError, match=r"Conv2D: input is a numpy.ndarray but the layer is on cuda:0"):
        gpu(x)
    gpu(cp.asarray(x))
    with pytest.raises(TypeError, match=r"Conv2D: grad_output is a numpy.ndarray but the layer is on cuda:0"):
        gpu.backward(np.ones((1, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"device must be 'cpu', 'cuda' or 'cuda:N', got 'gpu'"):
        gpu.to("gpu")


def test_sgd_and_mse_loss_match_cpu(cp):
    cpu, gpu = _layers(cp, dtype=np.float32)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    target = rng.standard_normal((2, 4, 4, 4)).astype(np.float32)
    opts = [SGD(layer.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-3, nesterov=True)
            for layer in (cpu, gpu)]
    for _ in range(3):
        losses = []
        for layer, opt, xs, ts in [(cpu, opts[0], x, target),
                                   (gpu, opts[1], cp.asarray(x), cp.asarray(target))]:
            loss, grad = mse_loss(layer(xs), ts)
            assert isinstance(loss, float) and type(grad).__module__ == xs.__class__.__module__
            opt.zero_grad()
            layer.backward(grad)
            opt.step()
            losses.append(loss)
        assert losses[1] == pytest.approx(losses[0], rel=1e-5)
    np.testing.assert_allclose(checks.to_host(cp, gpu.weight.data), cpu.weight.data, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="mse_loss: pred is a CuPy array but target is a numpy.ndarray"):
        mse_loss(cp.asarray(x), x)
    gpu.to("cpu")
    with pytest.raises(TypeError, match="SGD: parameter 0 moved between the host and a GPU"):
        opts[1].step()


def test_the_chapter_learns_the_edge_kernel_on_the_gpu(cp):
    """D2L's experiment: learn [[1, -1]] back from the band image's edges."""
    X = band_image().reshape(1, 1, 6, 8)
    Y = X[..., :-1] - X[..., 1:]
    conv = Conv2D(1, 1, kernel_size=(1, 2), bias=False, dtype=np.float64, rng=0).to("cuda")
    opt = SGD(conv.parameters(), lr=3e-2)
    gX, gY = cp.asarray(X), cp.asarray(Y)
    for _ in range(20):
        loss, grad = mse_loss(conv(gX), gY, reduction="sum")
        opt.zero_grad()
        conv.backward(grad)
        opt.step()
    np.testing.assert_allclose(checks.to_host(cp, conv.weight.data).ravel(), [1.0, -1.0], atol=0.05)
    assert loss < 0.1


def test_correlate2d_result_feeds_the_filters(cp):
    """The GPU results of one public function go straight into another."""
    image = np.random.default_rng(5).integers(0, 5, (10, 10)).astype(np.float64)
    smoothed = corr2d.correlate2d(cp.asarray(image), cp.asarray(np.ones((3, 3))), "same", "symm")
    np.testing.assert_array_equal(checks.to_host(cp, filters.laplace(smoothed)),
                                  filters.laplace(corr2d.correlate2d(image, np.ones((3, 3)), "same", "symm")))

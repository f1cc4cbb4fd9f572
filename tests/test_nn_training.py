"""SGD and mse_loss against hand-computed values (and PyTorch when installed),
and the chapter's experiment: learning [[1, -1]] back from the band image."""
import doctest

import numpy as np
import pytest

import corr2d.nn
import corr2d.nn.conv
import corr2d.nn.loss
import corr2d.nn.optim
import corr2d.nn.parameter
from corr2d.data import band_image
from corr2d.nn import SGD, Conv2D, Parameter, mse_loss


def chapter_data(dtype=np.float32):
    X = band_image(dtype=dtype).reshape(1, 1, 6, 8)
    Y = np.zeros((1, 1, 6, 7), dtype)
    Y[..., 1], Y[..., 5] = 1, -1
    return X, Y


def learn_edge_kernel(seed, dtype=np.float32, steps=20):
    X, Y = chapter_data(dtype)
    conv = Conv2D(1, 1, kernel_size=(1, 2), bias=False, dtype=dtype, rng=seed)
    opt = SGD(conv.parameters(), lr=3e-2)
    losses = []
    for _ in range(steps):
        loss, grad = mse_loss(conv(X), Y, reduction="sum")
        opt.zero_grad()
        conv.backward(grad)
        opt.step()
        losses.append(loss)
    return conv.weight.data.reshape(2), losses


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chapter_learns_the_edge_kernel(seed, dtype):
    w, losses = learn_edge_kernel(seed, dtype)
    assert np.abs(w - [1.0, -1.0]).max() < 0.05
    assert losses[-1] < 1e-2 * losses[0] + 1e-6
    assert w.dtype == dtype


def test_chapter_one_step_by_hand():
    # w = [0.5, 0.5]: prediction row [1, .5, 0, 0, 0, .5, 1], error vs Y = [1, -.5, 0, 0, 0, 1.5, 1]
    X, Y = chapter_data(np.float64)
    conv = Conv2D(1, 1, (1, 2), bias=False, dtype=np.float64)
    conv.weight.data[...] = 0.5
    loss, grad = mse_loss(conv(X), Y, reduction="sum")
    assert loss == pytest.approx(6 * (1 + 0.25 + 2.25 + 1))
    conv.backward(grad)
    # dL/dw0 = sum 2 e x_j = 6 * 2 * (1*1 + -.5*1 + 1*1) ; dL/dw1 = 6 * 2 * (1*1 + 1.5*1 + 1*1)
    np.testing.assert_allclose(conv.weight.grad.ravel(), [6 * 2 * 1.5, 6 * 2 * 3.5])
    SGD(conv.parameters(), lr=3e-2).step()
    np.testing.assert_allclose(conv.weight.data.ravel(), [0.5 - 0.03 * 18, 0.5 - 0.03 * 42])


def test_mse_loss_by_hand():
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    target = np.array([[0.0, 2.0], [5.0, 4.5]])
    loss, grad = mse_loss(pred, target)
    assert loss == pytest.approx((1 + 0 + 4 + 0.25) / 4)
    np.testing.assert_allclose(grad, [[0.5, 0.0], [-1.0, -0.25]])
    loss, grad = mse_loss(pred, target, reduction="sum")
    assert loss == pytest.approx(5.25)
    np.testing.assert_allclose(grad, [[2.0, 0.0], [-4.0, -1.0]])
    loss, grad = mse_loss(pred.astype(np.float32), target)
    assert grad.dtype == np.float32
    assert mse_loss([1, 2], [1, 3])[1].dtype == np.float64


@pytest.mark.parametrize(
    "call,exc,words",
    [
        (lambda: mse_loss(np.ones(3), np.ones(4)), ValueError, "shape"),
        (lambda: mse_loss(np.ones(3), np.ones(3), reduction="none"), ValueError, "reduction"),
        (lambda: mse_loss(np.ones(0), np.ones(0)), ValueError, "empty"),
        (lambda: mse_loss(np.ones(2, complex), np.ones(2)), TypeError, "pred"),
        (lambda: mse_loss(np.ones(2), np.array(["a", "b"])), TypeError, "target"),
    ],
)
def test_mse_loss_errors(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def run_sgd(grads, **kwargs):
    p = Parameter(np.array([1.0, -2.0]))
    opt = SGD([p], **kwargs)
    history = []
    for g in grads:
        opt.zero_grad()
        p.grad += g
        opt.step()
        history.append(p.data.copy())
    return history


GRADS = [np.array([0.5, 1.0]), np.array([-1.0, 2.0]), np.array([0.25, 0.0])]


def test_sgd_plain_by_hand():
    h = run_sgd(GRADS, lr=0.1)
    np.testing.assert_allclose(h[0], [0.95, -2.1])
    np.testing.assert_allclose(h[2], [1.0 - 0.1 * (0.5 - 1.0 + 0.25), -2.0 - 0.1 * 3.0])


def test_sgd_momentum_by_hand():
    h = run_sgd(GRADS, lr=0.1, momentum=0.9)
    b1 = GRADS[0]  # first buffer is the gradient itself (no dampening)
    b2 = 0.9 * b1 + GRADS[1]
    b3 = 0.9 * b2 + GRADS[2]
    p0 = np.array([1.0, -2.0])
    np.testing.assert_allclose(h[0], p0 - 0.1 * b1)
    np.testing.assert_allclose(h[1], p0 - 0.1 * (b1 + b2))
    np.testing.assert_allclose(h[2], p0 - 0.1 * (b1 + b2 + b3))


def test_sgd_weight_decay_dampening_nesterov_by_hand():
    p0 = np.array([1.0, -2.0])
    h = run_sgd(GRADS[:2], lr=0.1, weight_decay=0.01)
    p1 = p0 - 0.1 * (GRADS[0] + 0.01 * p0)
    np.testing.assert_allclose(h[1], p1 - 0.1 * (GRADS[1] + 0.01 * p1))
    h = run_sgd(GRADS[:2], lr=0.1, momentum=0.5, dampening=0.5)
    b1 = GRADS[0]
    b2 = 0.5 * b1 + 0.5 * GRADS[1]
    np.testing.assert_allclose(h[1], p0 - 0.1 * (b1 + b2))
    h = run_sgd(GRADS[:2], lr=0.1, momentum=0.5, nesterov=True)
    b2 = 0.5 * GRADS[0] + GRADS[1]
    np.testing.assert_allclose(
        h[1], p0 - 0.1 * (GRADS[0] + 0.5 * GRADS[0]) - 0.1 * (GRADS[1] + 0.5 * b2)
    )


def test_sgd_updates_in_place_and_keeps_dtype():
    p = Parameter(np.ones(3, np.float32))
    data = p.data
    p.grad[:] = 1
    SGD([p], lr=0.5, momentum=0.9, weight_decay=0.1).step()
    assert p.data is data and p.data.dtype == np.float32


@pytest.mark.parametrize(
    "call,exc,words",
    [
        (lambda p: SGD([], lr=0.1), ValueError, "empty"),
        (lambda p: SGD(p, lr=0.1), TypeError, "parameters"),
        (lambda p: SGD([np.ones(2)], lr=0.1), TypeError, "Parameter"),
        (lambda p: SGD([p], lr=-1), ValueError, "lr"),
        (lambda p: SGD([p], lr="0.1"), TypeError, "lr"),
        (lambda p: SGD([p], lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda p: SGD([p], lr=0.1, weight_decay=float("nan")), ValueError, "weight_decay"),
        (lambda p: SGD([p], lr=0.1, nesterov=True), ValueError, "nesterov"),
    ],
)
def test_sgd_errors(call, exc, words):
    with pytest.raises(exc, match=words):
        call(Parameter(np.ones(2)))


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(21)
    x = rng.standard_normal((2, 4, 7, 6))
    target = rng.standard_normal((2, 6, 4, 3))
    ours = Conv2D(4, 6, 3, stride=2, padding=1, groups=2, dtype=np.float64, rng=1)
    theirs = torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    opt = SGD(ours.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3, dampening=0.1)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3, dampening=0.1)
    tx = torch.from_numpy(x).requires_grad_(True)
    for _ in range(3):
        loss, grad = mse_loss(ours(x), target)
        opt.zero_grad()
        gx = ours.backward(grad)
        opt.step()
        topt.zero_grad()
        tx.grad = None
        tloss = torch.nn.functional.mse_loss(theirs(tx), torch.from_numpy(target))
        tloss.backward()
        topt.step()
        assert loss == pytest.approx(tloss.item(), rel=1e-12)
        np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.bias.data, theirs.bias.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "module", [corr2d.nn, corr2d.nn.conv, corr2d.nn.loss, corr2d.nn.optim, corr2d.nn.parameter]
)
def test_docstring_examples_run(module):
    failures, tests = doctest.testmod(module)
    assert tests > 0 and failures == 0

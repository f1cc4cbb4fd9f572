"""corr2d.functional (conv2d, its gradients, conv_transpose2d) against slow,
obviously-correct NumPy references written here, finite differences, the
chapter's numbers, and PyTorch when it is installed."""
from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import corr2d
from corr2d import _ccore, _cpu_conv, functional
from corr2d.functional import conv2d, conv2d_input, conv2d_weight, conv_transpose2d

NP_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# ---------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------
def ref_pads(padding, kernel, dilation):
    """(top, bottom, left, right), computed independently of the library."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        th, tw = (d * (k - 1) for d, k in zip(dilation, kernel))
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    return (ph, ph, pw, pw)


def ref_conv2d(x, w, b=None, stride=(1, 1), padding=0, dilation=(1, 1), groups=1,
               mode="zeros"):
    """Sliding windows of the explicitly padded input, contracted by einsum."""
    top, bottom, left, right = ref_pads(padding, w.shape[2:], dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode=NP_MODES[mode])
    o, cg, kh, kw = w.shape
    eh, ew = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    win = sliding_window_view(xp, (eh, ew), axis=(2, 3))
    win = win[:, :, :: stride[0], :: stride[1], :: dilation[0], :: dilation[1]]
    og = o // groups
    parts = [
        np.einsum("nchwpq,ocpq->nohw", win[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og])
        for g in range(groups)
    ]
    out = np.concatenate(parts, axis=1)
    if b is not None:
        out = out + b[:, None, None]
    return out


def ref_conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                         groups=1, dilation=(1, 1)):
    """Scatter every input pixel times the kernel into the (uncropped) output."""
    n, c_in, h, wd = x.shape
    _, og, kh, kw = w.shape
    full_h = (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + output_padding[0]
    full_w = (wd - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + output_padding[1]
    full = np.zeros((n, og * groups, full_h, full_w))
    cg = c_in // groups
    for g in range(groups):
        xs = x[:, g * cg:(g + 1) * cg]
        for p in range(kh):
            for q in range(kw):
                r0, c0 = p * dilation[0], q * dilation[1]
                full[:, g * og:(g + 1) * og,
                     r0:r0 + (h - 1) * stride[0] + 1:stride[0],
                     c0:c0 + (wd - 1) * stride[1] + 1:stride[1]] += np.einsum(
                    "nchw,co->nohw", xs, w[g * cg:(g + 1) * cg, :, p, q])
    out = full[:, :, padding[0]:full_h - padding[0], padding[1]:full_w - padding[1]]
    if b is not None:
        out = out + b[:, None, None]
    return out


@contextlib.contextmanager
def workspace_bytes(n):
    """Shrink the im2col workspace bound to force many row chunks."""
    old = _cpu_conv.WORKSPACE_BYTES
    _cpu_conv.WORKSPACE_BYTES = n
    try:
        yield
    finally:
        _cpu_conv.WORKSPACE_BYTES = old


def tol(dtype):
    return dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------------------
# Hypothesis configurations
# ---------------------------------------------------------------------------
@st.composite
def configs(draw, modes=tuple(NP_MODES)):
    groups = draw(st.integers(1, 3))
    cg = draw(st.integers(1, 3))
    og = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.one_of(
        st.integers(0, 3),
        st.tuples(st.integers(0, 3), st.integers(0, 3)),
        st.sampled_from(["valid", "same"]),
    ))
    if padding == "same":
        stride = (1, 1)
    mode = draw(st.sampled_from(modes))
    h, w = draw(st.integers(1, 11)), draw(st.integers(1, 11))
    top, bottom, left, right = ref_pads(padding, (kh, kw), dilation)
    assume(dilation[0] * (kh - 1) + 1 <= h + top + bottom)
    assume(dilation[1] * (kw - 1) + 1 <= w + left + right)
    if mode == "reflect":
        assume(max(top, bottom) < h and max(left, right) < w)
    if mode == "circular":
        assume(max(top, bottom) <= h and max(left, right) <= w)
    batched = draw(st.booleans())
    return dict(
        n=draw(st.integers(1, 3)) if batched else 1, c_in=groups * cg, c_out=groups * og, h=h, w=w,
        kernel=(kh, kw), stride=stride, padding=padding, dilation=dilation,
        groups=groups, mode=mode, batched=batched,
        dtype=draw(st.sampled_from([np.float32, np.float64])),
        bias=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)),
        workspace=draw(st.sampled_from([_cpu_conv.WORKSPACE_BYTES, 1])),
    )


def make(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["c_in"], cfg["h"], cfg["w"])).astype(cfg["dtype"])
    w = rng.standard_normal((cfg["c_out"], cfg["c_in"] // cfg["groups"]) + cfg["kernel"])
    b = rng.standard_normal(cfg["c_out"]).astype(cfg["dtype"]) if cfg["bias"] else None
    return rng, x, w.astype(cfg["dtype"]), b


def args(cfg):
    return dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                groups=cfg["groups"])


@SETTINGS
@given(configs())
def test_conv2d_matches_reference(cfg):
    _, x, w, b = make(cfg)
    expected = ref_conv2d(x.astype(float), w.astype(float),
                          None if b is None else b.astype(float),
                          cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"],
                          cfg["mode"])
    xin = x if cfg["batched"] else x[0]
    with workspace_bytes(cfg["workspace"]):
        got = conv2d(xin, w, b, padding_mode=cfg["mode"], **args(cfg))
    assert got.dtype == cfg["dtype"]
    if not cfg["batched"]:
        assert got.ndim == 3
        got = got[None]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **tol(cfg["dtype"]))


@SETTINGS
@given(configs(modes=("zeros",)))
def test_gradients_are_adjoints_of_conv2d(cfg):
    """<conv2d(x, w), gy> = <x, conv2d_input(gy)> = <w, conv2d_weight(x, gy)>,
    with conv2d itself checked against the reference above."""
    rng, x, w, _ = make(cfg)
    x, w = x.astype(np.float64), w.astype(np.float64)
    y = ref_conv2d(x, w, None, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    gy = rng.standard_normal(y.shape)
    with workspace_bytes(cfg["workspace"]):
        if cfg["batched"]:
            gx = conv2d_input(x.shape, w, gy, **args(cfg))
            gw = conv2d_weight(x, w.shape, gy, **args(cfg))
        else:
            gx = conv2d_input(x.shape[1:], w, gy[0], **args(cfg))[None]
            gw = conv2d_weight(x[0], w.shape, gy[0], **args(cfg))
    assert gx.shape == x.shape and gw.shape == w.shape
    inner = np.vdot(y, gy)
    np.testing.assert_allclose(np.vdot(x, gx), inner, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.vdot(w, gw), inner, rtol=1e-9, atol=1e-9)
    # Element-wise: the adjoint identity pins down each entry of the gradient.
    for _ in range(3):
        i = tuple(int(rng.integers(s)) for s in x.shape)
        e = np.zeros_like(x)
        e[i] = 1
        np.testing.assert_allclose(
            gx[i], np.vdot(ref_conv2d(e, w, None, cfg["stride"], cfg["padding"],
                                      cfg["dilation"], cfg["groups"]), gy), atol=1e-9)


@SETTINGS
@given(configs(modes=("zeros",)), st.data())
def test_conv_transpose2d_matches_reference(cfg, data):
    rng = np.random.default_rng(cfg["seed"])
    stride, dilation = cfg["stride"], cfg["dilation"]
    pad = cfg["padding"] if isinstance(cfg["padding"], tuple) else (
        (cfg["padding"],) * 2 if isinstance(cfg["padding"], int) else (0, 0))
    out_pad = tuple(data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    g = cfg["groups"]
    x = rng.standard_normal((cfg["n"], cfg["c_in"], cfg["h"], cfg["w"])).astype(cfg["dtype"])
    w = rng.standard_normal((cfg["c_in"], cfg["c_out"] // g) + cfg["kernel"]).astype(cfg["dtype"])
    b = rng.standard_normal(cfg["c_out"]).astype(cfg["dtype"]) if cfg["bias"] else None
    expected = ref_conv_transpose2d(x.astype(float), w.astype(float),
                                    None if b is None else b.astype(float),
                                    stride, pad, out_pad, g, dilation)
    assume(min(expected.shape[2:]) > 0)
    with workspace_bytes(cfg["workspace"]):
        got = conv_transpose2d(x if cfg["batched"] else x[0], w, b, stride, pad, out_pad, g,
                               dilation)
    assert got.dtype == cfg["dtype"]
    got = got if cfg["batched"] else got[None]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **tol(cfg["dtype"]))


@pytest.mark.parametrize("cfg", [
    dict(stride=(1, 1), padding=1, dilation=(1, 1), groups=1),
    dict(stride=(2, 1), padding=(0, 2), dilation=(1, 2), groups=2),
    dict(stride=(1, 1), padding="same", dilation=(2, 1), groups=4),  # depthwise path
    dict(stride=(1, 1), padding=0, dilation=(1, 1), groups=1, kernel=(1, 1)),  # 1x1 GEMM
])
def test_gradients_match_central_finite_differences(cfg):
    rng = np.random.default_rng(7)
    kernel = cfg.pop("kernel", (3, 2))
    x = rng.standard_normal((2, 4, 6, 5))
    w = rng.standard_normal((4, 4 // cfg["groups"]) + kernel)
    y = conv2d(x, w, **cfg)
    gy = rng.standard_normal(y.shape)
    gx = conv2d_input(x.shape, w, gy, **cfg)
    gw = conv2d_weight(x, w.shape, gy, **cfg)
    gb = gy.sum((0, 2, 3))
    b = rng.standard_normal(4)
    h = 1e-6

    def loss(x_, w_, b_):
        return np.vdot(conv2d(x_, w_, b_, **cfg), gy)

    for arr, grad, which in ((x, gx, 0), (w, gw, 1), (b, gb, 2)):
        for _ in range(6):
            i = tuple(int(rng.integers(s)) for s in arr.shape)
            plus, minus = [x.copy(), w.copy(), b.copy()], [x.copy(), w.copy(), b.copy()]
            plus[which][i] += h
            minus[which][i] -= h
            fd = (loss(*plus) - loss(*minus)) / (2 * h)
            np.testing.assert_allclose(grad[i], fd, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------
# PyTorch (optional: CI has no torch)
# ---------------------------------------------------------------------------
try:
    import torch
except ImportError:
    torch = None


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed (optional oracle)")
@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(configs())
def test_against_pytorch(cfg):
    _, x, w, b = make(cfg)
    x, w = x.astype(np.float64), w.astype(np.float64)
    b = None if b is None else b.astype(np.float64)
    kh, kw = cfg["kernel"]
    conv = torch.nn.Conv2d(cfg["c_in"], cfg["c_out"], (kh, kw), cfg["stride"], cfg["padding"],
                           cfg["dilation"], cfg["groups"], b is not None,
                           cfg["mode"]).double()
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(w))
        if b is not None:
            conv.bias.copy_(torch.from_numpy(b))
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = conv(tx)
    np.testing.assert_allclose(conv2d(x, w, b, padding_mode=cfg["mode"], **args(cfg)),
                               ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    if cfg["mode"] == "zeros" and cfg["padding"] != "same":
        gy = np.random.default_rng(1).standard_normal(tuple(ty.shape))
        ty.backward(torch.from_numpy(gy))
        np.testing.assert_allclose(conv2d_input(x.shape, w, gy, **args(cfg)),
                                   tx.grad.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(conv2d_weight(x, w.shape, gy, **args(cfg)),
                                   conv.weight.grad.numpy(), rtol=1e-10, atol=1e-10)
        if b is not None:
            np.testing.assert_allclose(gy.sum((0, 2, 3)), conv.bias.grad.numpy(), rtol=1e-10)
        out_pad = tuple(max(s, d) - 1 for s, d in zip(cfg["stride"], cfg["dilation"]))
        wt = np.random.default_rng(2).standard_normal(
            (cfg["c_out"], cfg["c_in"] // cfg["groups"]) + cfg["kernel"])
        pad = cfg["padding"] if cfg["padding"] != "valid" else 0
        try:
            expected = torch.nn.functional.conv_transpose2d(
                torch.from_numpy(gy), torch.from_numpy(wt), None, cfg["stride"], pad, out_pad,
                cfg["groups"], cfg["dilation"]).numpy()
        except RuntimeError:
            return
        got = conv_transpose2d(gy, wt, None, cfg["stride"], pad, out_pad, cfg["groups"],
                               cfg["dilation"])
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------------------
# The chapter's numbers (Dive into Deep Learning, multiple channels; padding/stride)
# ---------------------------------------------------------------------------
X_CHAPTER = np.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]],
                     dtype=np.float64)
K_CHAPTER = np.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], dtype=np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chapter_multi_input_channels(dtype):
    got = conv2d(X_CHAPTER.astype(dtype), K_CHAPTER[None].astype(dtype))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, [[[56, 72], [104, 120]]])
    got = conv2d(X_CHAPTER[None].astype(dtype), K_CHAPTER[None].astype(dtype))
    np.testing.assert_array_equal(got, [[[[56, 72], [104, 120]]]])


def test_chapter_multi_output_channels():
    K = np.stack([K_CHAPTER, K_CHAPTER + 1, K_CHAPTER + 2])
    assert K.shape == (3, 2, 2, 2)
    np.testing.assert_array_equal(conv2d(X_CHAPTER, K), [
        [[56, 72], [104, 120]], [[76, 100], [148, 172]], [[96, 128], [192, 224]]])


def test_chapter_1x1_is_a_matrix_product_over_channels():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (3, 3, 3))
    K = rng.normal(0, 1, (2, 3, 1, 1))
    expected = (K.reshape(2, 3) @ X.reshape(3, 9)).reshape(2, 3, 3)
    np.testing.assert_allclose(conv2d(X, K), expected, rtol=1e-12, atol=1e-12)
    gy = rng.normal(0, 1, (2, 3, 3))
    np.testing.assert_allclose(conv2d_input(X.shape, K, gy),
                               (K.reshape(2, 3).T @ gy.reshape(2, 9)).reshape(3, 3, 3),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv2d_weight(X, K.shape, gy),
                               (gy.reshape(2, 9) @ X.reshape(3, 9).T).reshape(2, 3, 1, 1),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel, padding, stride, shape", [
    ((3, 3), 1, 1, (8, 8)),
    ((5, 3), (2, 1), 1, (8, 8)),
    ((3, 3), 1, 2, (4, 4)),
    ((5, 3), (2, 1), 2, (4, 4)),
    ((3, 5), (0, 1), (3, 4), (2, 2)),
])
def test_chapter_output_shapes(kernel, padding, stride, shape):
    X = np.random.default_rng(0).random((1, 1, 8, 8))
    got = conv2d(X, np.ones((1, 1) + kernel), padding=padding, stride=stride)
    assert got.shape == (1, 1) + shape
    np.testing.assert_allclose(got, ref_conv2d(X, np.ones((1, 1) + kernel),
                                               stride=(stride,) * 2 if isinstance(stride, int)
                                               else stride, padding=padding), rtol=1e-12)


def test_chapter_edge_detection_kernel():
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    Y = conv2d(X[None, None], np.array([[[[1.0, -1.0]]]]))[0, 0]
    expected = np.zeros((6, 7))
    expected[:, 1], expected[:, 5] = 1, -1
    np.testing.assert_array_equal(Y, expected)


# ---------------------------------------------------------------------------
# Layouts, dtypes, concurrency
# ---------------------------------------------------------------------------
def test_big_endian_and_non_contiguous_inputs():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 9, 10))
    w = rng.standard_normal((4, 3, 3, 3))
    expected = ref_conv2d(x[:, :, ::2], w, padding=1)
    got = conv2d(x[:, :, ::2].astype(">f8"), w.astype(">f8"), padding=1)
    assert got.dtype == np.float64 and got.dtype.isnative
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    got = conv2d(np.asfortranarray(x)[:, :, ::2], w[:, :, ::-1, ::-1].copy()[:, :, ::-1, ::-1],
                 padding=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_concurrent_calls_agree():
    rng = np.random.default_rng(4)
    xs = [rng.standard_normal((2, 8, 20, 20)).astype(np.float32) for _ in range(8)]
    w = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    serial = [conv2d(x, w, padding=1) for x in xs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda x: conv2d(x, w, padding=1), xs))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


def test_exported_from_package():
    assert corr2d.conv2d is conv2d and corr2d.conv_transpose2d is conv_transpose2d
    assert corr2d.functional.conv2d_input is conv2d_input


def test_empty_batch_and_zero_channels():
    assert conv2d(np.zeros((0, 2, 5, 5)), np.zeros((3, 2, 3, 3))).shape == (0, 3, 3, 3)
    np.testing.assert_array_equal(
        conv2d(np.zeros((1, 0, 5, 5)), np.zeros((3, 0, 3, 3)), np.ones(3)), np.ones((1, 3, 3, 3)))


# ---------------------------------------------------------------------------
# Error paths: every TypeError / ValueError
# ---------------------------------------------------------------------------
X4 = np.zeros((1, 4, 6, 6))
W4 = np.zeros((2, 4, 3, 3))


@pytest.mark.parametrize("call, match", [
    (lambda: conv2d(X4.astype(np.int64), W4), "input has dtype int64"),
    (lambda: conv2d(X4.astype(np.float16), W4), "input has dtype float16"),
    (lambda: conv2d(X4, W4.astype(np.complex128)), "weight has dtype complex128"),
    (lambda: conv2d(X4, W4, np.zeros(2, np.int32)), "bias has dtype int32"),
    (lambda: conv2d(X4.astype(np.float32), W4), "mixed dtypes"),
    (lambda: conv2d(X4, W4, np.zeros(2, np.float32)), "mixed dtypes"),
    (lambda: conv2d(X4, W4, stride=1.5), "stride must be an int"),
    (lambda: conv2d(X4, W4, groups=True), "groups must be an int"),
    (lambda: conv2d_input([1, 4, 6, "6"], W4, np.zeros((1, 2, 4, 4))), "input_size"),
    (lambda: conv2d_input((1, 4, 6, 6), W4.astype(np.float32), np.zeros((1, 2, 4, 4))),
     "mixed dtypes"),
    (lambda: conv2d_weight(X4, (2, 4, 3, 3), np.zeros((1, 2, 4, 4), np.float32)),
     "mixed dtypes"),
    (lambda: conv2d_weight(X4.astype(np.int8), (2, 4, 3, 3), np.zeros((1, 2, 4, 4))),
     "input has dtype int8"),
    (lambda: conv_transpose2d(X4, W4.astype(np.float32)), "mixed dtypes"),
    (lambda: conv_transpose2d(X4.astype(bool), W4), "input has dtype bool"),
])
def test_type_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: conv2d(X4, np.zeros((2, 3, 3, 3))), "weight expects 3"),
    (lambda: conv2d(X4, np.zeros((2, 2, 3, 3)), groups=3), "not divisible by groups"),
    (lambda: conv2d(X4, np.zeros((3, 2, 3, 3)), groups=2), r"weight.shape\[0\] \(3\) is not"),
    (lambda: conv2d(X4, W4, groups=0), "groups must be positive"),
    (lambda: conv2d(X4, np.zeros((2, 4, 7, 3))), "larger than the padded input"),
    (lambda: conv2d(X4, np.zeros((2, 4, 3, 3)), dilation=(1, 4)), "larger than the padded"),
    (lambda: conv2d(X4, W4, stride=0), "stride must be positive"),
    (lambda: conv2d(X4, W4, stride=(1, -2)), "stride must be positive"),
    (lambda: conv2d(X4, W4, dilation=0), "dilation must be positive"),
    (lambda: conv2d(X4, W4, padding=-1), "padding must be non-negative"),
    (lambda: conv2d(X4, W4, padding=(1, 2, 3)), "padding must be an int or a pair"),
    (lambda: conv2d(X4, W4, padding="full"), "padding must be an int, a pair"),
    (lambda: conv2d(X4, W4, padding="same", stride=2), "'same' is not supported for strided"),
    (lambda: conv2d(X4, W4, padding_mode="symmetric"), "padding_mode must be one of"),
    (lambda: conv2d(X4, W4, padding=6, padding_mode="reflect"), "smaller than the input"),
    (lambda: conv2d(X4, W4, padding=7, padding_mode="circular"), "at most the input size"),
    (lambda: conv2d(X4, W4, np.zeros(3)), r"bias must have shape \(2,\)"),
    (lambda: conv2d(X4[0, 0], W4), "input must be 4-D"),
    (lambda: conv2d(X4, W4[0]), "weight must be 4-D"),
    (lambda: conv2d_input((1, 4, 6, 6), W4, np.zeros((1, 2, 5, 4))), "grad_output has shape"),
    (lambda: conv2d_input((1, 4, 6), W4, np.zeros((1, 2, 4, 4))), "input_size must be 4"),
    (lambda: conv2d_input((1, 3, 6, 6), W4, np.zeros((1, 2, 4, 4))), "weight expects 4"),
    (lambda: conv2d_input((1, 4, 6, 6), W4, np.zeros((1, 2, 4, 4)), stride=0), "stride"),
    (lambda: conv2d_weight(X4, (2, 4, 3, 3), np.zeros((2, 4, 4))), "both be batched"),
    (lambda: conv2d_weight(X4, (2, 4, 3), np.zeros((1, 2, 4, 4))), "weight_size must be 4"),
    (lambda: conv2d_weight(X4, (2, 4, 3, 3), np.zeros((1, 2, 4, 3))), "grad_output has shape"),
    (lambda: conv2d_weight(X4, (2, 4, 3, 3), np.zeros((1, 2, 4, 4)), padding=-2), "padding"),
    (lambda: conv_transpose2d(X4, np.zeros((3, 2, 3, 3))), r"weight.shape\[0\] \(3\) must"),
    (lambda: conv_transpose2d(X4, np.zeros((4, 2, 3, 3)), groups=3), "not divisible by groups"),
    (lambda: conv_transpose2d(X4, W4.transpose(1, 0, 2, 3), output_padding=1),
     "output_padding .* must be smaller than either stride"),
    (lambda: conv_transpose2d(X4, W4.transpose(1, 0, 2, 3), stride=2, output_padding=2),
     "output_padding"),
    (lambda: conv_transpose2d(X4, W4.transpose(1, 0, 2, 3), padding=5), "not positive"),
    (lambda: conv_transpose2d(X4, W4.transpose(1, 0, 2, 3), np.zeros(3)), "bias must"),
    (lambda: conv_transpose2d(X4, W4.transpose(1, 0, 2, 3), output_padding=-1),
     "output_padding must be non-negative"),
    (lambda: conv2d(X4, W4, stride=2**63), "stride must be at most 2"),
    (lambda: conv2d_input((1, 4, 6, 6), W4, np.zeros((1, 2, 1, 1)), stride=(2**63, 1)),
     "stride must be at most"),
    (lambda: conv2d_weight(X4, (2, 4, 3, 3), np.zeros((1, 2, 4, 4)), padding=2**63), "padding"),
    (lambda: conv_transpose2d(X4, W4.transpose(1, 0, 2, 3), dilation=2**63), "dilation"),
])
def test_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("c, groups", [(1, 1), (3, 3), (3, 1)])
def test_huge_strides_and_dilations_that_change_nothing(c, groups):
    # One output position along an axis makes its stride moot, one tap its
    # dilation: 2**62 there wrapped the depthwise layout's 64-bit sizes
    # (garbage values, then a corrupted heap).
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, c, 4, 5))
    w = rng.standard_normal((3, c // groups, 2, 1))
    big, moot = dict(stride=(2**62, 1), dilation=(1, 2**62)), dict(stride=(7, 1), dilation=(1, 9))
    y = conv2d(x, w, groups=groups, **big)
    np.testing.assert_array_equal(y, conv2d(x, w, groups=groups, **moot))
    gy = rng.standard_normal(y.shape)
    np.testing.assert_array_equal(conv2d_input(x.shape, w, gy, groups=groups, **big),
                                  conv2d_input(x.shape, w, gy, groups=groups, **moot))
    np.testing.assert_array_equal(conv2d_weight(x, w.shape, gy, groups=groups, **big),
                                  conv2d_weight(x, w.shape, gy, groups=groups, **moot))
    xt = rng.standard_normal((2, 3, 1, 5))
    wt = rng.standard_normal((3, c // groups, 2, 1))
    np.testing.assert_array_equal(
        conv_transpose2d(xt, wt, groups=groups, stride=(2**62, 1), dilation=(1, 2**62)),
        conv_transpose2d(xt, wt, groups=groups, stride=(7, 1), dilation=(1, 9)))


def test_padded_sizes_past_2_62_are_refused_and_those_below_run():
    # stride and padding 2**62 made the core's positions wrap in 64 bits:
    # zeros where the sample belongs, in all four functions.
    x, w = np.full((1, 1, 1, 1), 5.0), np.ones((1, 1, 1, 1))
    gy = np.ones((1, 1, 3, 3))
    calls = {
        "conv2d": lambda **g: conv2d(x, w, **g),
        "conv2d_input": lambda **g: conv2d_input(x.shape, w, gy, **g),
        "conv2d_weight": lambda **g: conv2d_weight(x, w.shape, gy, **g),
        "conv_transpose2d": lambda **g: conv_transpose2d(gy, w, **g),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"{name}: the padded input's height .* past 2\*\*62"):
            call(stride=2**62, padding=2**62)
    s = 2**61 - 1  # padded 2**62 - 1: every position fits
    centre = np.zeros((1, 1, 3, 3))
    centre[0, 0, 1, 1] = 5.0
    np.testing.assert_array_equal(calls["conv2d"](stride=s, padding=s), centre)
    np.testing.assert_array_equal(calls["conv2d_input"](stride=s, padding=s), [[[[1.0]]]])
    np.testing.assert_array_equal(calls["conv2d_weight"](stride=s, padding=s), [[[[5.0]]]])
    np.testing.assert_array_equal(conv_transpose2d(np.arange(9.0).reshape(1, 1, 3, 3), w,
                                                   stride=s, padding=s), [[[[4.0]]]])


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, "huge"])
def test_winograd_layers_give_the_sums_infinities_nans_and_large_values(bad, monkeypatch):
    # Winograd's transforms made inf - inf = NaN where the sum is +-inf, spread
    # a NaN over its 2x2 tile, and overflowed on 3e38 float32 samples: such
    # calls take im2col, whose sums are the definition's.
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 16, 8, 9)).astype(np.float32)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    assert _cpu_conv._use_winograd((3, 3), (1, 1), (1, 1), 16, 16, x, w)
    if bad == "huge":
        x[...] = 3e38
        w[...] = 0
        w[:, 0, 1, 1] = 1  # every output is 3e38 exactly
    else:
        x[1, 3, 4, 5] = bad
    calls = {
        "conv2d": lambda: conv2d(x, w, padding=1),
        "conv2d_input": lambda: conv2d_input((2, 16, 8, 9), w, x, padding=1),
        "conv_transpose2d": lambda: conv_transpose2d(x, w, padding=1),
    }
    got = {name: call() for name, call in calls.items()}
    monkeypatch.setattr(_cpu_conv, "WINOGRAD_MIN_CHANNELS", 10**9)
    for name, call in calls.items():
        want = call()
        np.testing.assert_array_equal(np.isnan(got[name]), np.isnan(want), err_msg=name)
        finite = np.isfinite(want)
        np.testing.assert_array_equal(got[name][~finite], want[~finite], err_msg=name)
        np.testing.assert_allclose(got[name][finite], want[finite], rtol=1e-5, atol=1e-4,
                                   err_msg=name)
    if bad == "huge":
        assert np.all(got["conv2d"] == np.float32(3e38))


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(functional, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0


@pytest.mark.parametrize("groups", [1, 2])
def test_large_calls_run_images_in_parallel_correctly(groups):
    """Above the work threshold, images run on OpenMP threads (one-thread
    BLAS, per-thread workspaces and weight-gradient partial sums)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 16, 40, 40))
    w = rng.standard_normal((32, 16 // groups, 3, 3))
    kw = dict(stride=(1, 2), padding=1, groups=groups)
    y = conv2d(x, w, **kw)
    ref = ref_conv2d(x, w, None, (1, 2), 1, (1, 1), groups)
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-10)
    gy = rng.standard_normal(y.shape)
    gx = conv2d_input(x.shape, w, gy, **kw)
    gw = conv2d_weight(x, w.shape, gy, **kw)
    np.testing.assert_allclose(np.vdot(x, gx), np.vdot(ref, gy), rtol=1e-10)
    np.testing.assert_allclose(np.vdot(w, gw), np.vdot(ref, gy), rtol=1e-10)
    with workspace_bytes(1):
        np.testing.assert_allclose(conv2d_weight(x, w.shape, gy, **kw), gw, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(conv2d_input(x.shape, w, gy, **kw), gx, rtol=1e-10, atol=1e-9)
    with ThreadPoolExecutor(3) as pool:
        for got in pool.map(lambda _: conv2d(x, w, **kw), range(3)):
            np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)


def test_equal_weight_gradient_calls_give_equal_bits():
    """conv2d_weight on threads: each thread's partial sum holds the same
    images in every call (they were handed to whichever thread was free,
    so the partials' sums, and the result's last bits, varied)."""
    if _ccore.max_threads() < 2:
        pytest.skip("needs two OpenMP threads")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 8, 24, 24)).astype(np.float32)
    gy = rng.standard_normal((16, 8, 20, 20)).astype(np.float32)
    first = conv2d_weight(x, (8, 8, 5, 5), gy)
    for _ in range(30):
        np.testing.assert_array_equal(conv2d_weight(x, (8, 8, 5, 5), gy), first)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stride, dilation, multiplier", [
    ((2, 2), (1, 1), 1),   # MobileNet's downsampling depthwise layer
    ((1, 3), (2, 1), 1),
    ((1, 1), (1, 1), 2),   # stride 1: several outputs per input channel
    ((1, 1), (2, 2), 1),
])
def test_depthwise_direct_loops_in_parallel(stride, dilation, multiplier, dtype):
    """groups == C_in runs the direct depthwise loops, forward and both
    gradients, with channels on OpenMP threads (large enough to pass the
    work threshold): every element against float64 references built tap by
    tap from the same (rounded) inputs, within gamma_n * sum |terms|, n the
    longest chain of roundings (9 taps; a plane's products, for a lane of
    the weight gradient)."""
    rng = np.random.default_rng(11)
    kw = dict(stride=stride, padding=(1, 2), dilation=dilation, groups=24)
    x = rng.standard_normal((3, 24, 41, 38)).astype(dtype)
    w = rng.standard_normal((24 * multiplier, 1, 3, 3)).astype(dtype)
    y = conv2d(x, w, **kw)
    assert _cpu_conv._runs_depthwise(x.shape, w.shape, y.shape, 24, stride, (1, 2), dilation)
    gy = rng.standard_normal(y.shape).astype(dtype)
    gx = conv2d_input(x.shape, w, gy, **kw)
    gw = conv2d_weight(x, w.shape, gy, **kw)
    assert y.dtype == gx.dtype == gw.dtype == dtype
    x, w, gy = (a.astype(np.float64) for a in (x, w, gy))
    (oh, ow), (sh, sw), (dh, dw) = y.shape[2:], stride, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1 + 4 * dh), (2, 2 + 4 * dw)))
    y_ref, y_abs = np.zeros(y.shape), np.zeros(y.shape)
    gxp, gxp_abs = np.zeros_like(xp), np.zeros_like(xp)
    gw_ref, gw_abs = np.zeros_like(w), np.zeros_like(w)
    for m in range(w.shape[0]):
        c = m // multiplier
        for p in range(3):
            for q in range(3):
                at = (slice(None), c, slice(p * dh, p * dh + sh * (oh - 1) + 1, sh),
                      slice(q * dw, q * dw + sw * (ow - 1) + 1, sw))
                tap = w[m, 0, p, q]
                y_ref[:, m] += tap * xp[at]
                y_abs[:, m] += np.abs(tap * xp[at])
                gxp[at] += tap * gy[:, m]
                gxp_abs[at] += np.abs(tap * gy[:, m])
                gw_ref[m, 0, p, q] = np.vdot(gy[:, m], xp[at])
                gw_abs[m, 0, p, q] = np.vdot(np.abs(gy[:, m]), np.abs(xp[at]))
    crop = (slice(None), slice(None), slice(1, 1 + 41), slice(2, 2 + 38))
    eps = np.finfo(dtype).eps
    gamma = lambda n: n * eps / (1 - n * eps)  # noqa: E731
    assert np.all(np.abs(y - y_ref) <= gamma(9) * y_abs)
    assert np.all(np.abs(gx - gxp[crop]) <= gamma(9 * multiplier) * gxp_abs[crop])
    assert np.all(np.abs(gw - gw_ref) <= gamma(oh * ow + 1) * gw_abs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_depthwise_gradients_ignore_pixels_no_output_reads(dtype):
    """The direct depthwise loops compute junk outputs past each row's end
    (see ccore/src/depthwise.template.c); an infinite pixel that only junk
    reads, or an infinite tap, must not leak NaN into the gradients."""
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 3, 9, 10)).astype(dtype)
    w = rng.standard_normal((3, 1, 3, 3)).astype(dtype)
    kw = dict(stride=2, padding=0, groups=3)
    gy = rng.standard_normal(conv2d(x, w, **kw).shape).astype(dtype)
    # Output columns 0..3 read input columns 0..8: column 9 is read by none.
    x_inf = x.copy()
    x_inf[:, :, :, 9] = np.inf
    # (The masked recomputation may sum in another order: equal to rounding.)
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    got = conv2d_weight(x_inf, w.shape, gy, **kw)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, conv2d_weight(x, w.shape, gy, **kw), rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(conv2d(x_inf, w, **kw), conv2d(x, w, **kw))
    # An infinite tap: the input gradient is infinite or NaN only where it reads.
    w_inf = w.copy()
    w_inf[1, 0, 0, 0] = np.inf
    gx = conv2d_input(x.shape, w_inf, gy, **kw)
    ref = conv2d_input(x.shape, w, gy, **kw)
    np.testing.assert_array_equal(gx[:, [0, 2]], ref[:, [0, 2]])
    np.testing.assert_array_equal(gx[:, 1, :, 9], ref[:, 1, :, 9])
    assert not np.isfinite(gx[:, 1, 0:8:2, 0:8:2]).any()  # what tap (0, 0) reads


@pytest.mark.parametrize("stride, dilation",
                         [((2, 2), (1, 1)), ((1, 1), (1, 1)), ((1, 1), (2, 1))])
def test_depthwise_planes_too_large_for_the_scratch(stride, dilation):
    """A plane whose padded copy would pass the core's scratch bound: the
    gradients (and a strided forward pass) take im2col, the stride-1
    forward pass reads it in place; all against SciPy-built references."""
    from scipy.signal import correlate2d
    rng = np.random.default_rng(15)
    x = rng.standard_normal((1, 2, 1500, 1400))
    w = rng.standard_normal((2, 1, 3, 3))
    kw = dict(stride=stride, padding=1, dilation=dilation, groups=2)
    y = conv2d(x, w, **kw)
    assert not _cpu_conv._runs_depthwise(x.shape, w.shape, y.shape, 2, stride, (1, 1),
                                         dilation)
    wd = np.zeros((2, 1, 2 * dilation[0] + 1, 2 * dilation[1] + 1))
    wd[:, :, ::dilation[0], ::dilation[1]] = w  # the dilated kernel
    for c in range(2):
        xp = np.pad(x[0, c], ((1, 1), (1, 1)))
        full = correlate2d(xp, wd[c, 0], mode="valid")
        want = full[::stride[0], ::stride[1]][:y.shape[2], :y.shape[3]]
        np.testing.assert_allclose(y[0, c], want, rtol=1e-12, atol=1e-12)
    gy = rng.standard_normal(y.shape)
    gx = conv2d_input(x.shape, w, gy, **kw)
    np.testing.assert_allclose(np.vdot(x, gx), np.vdot(y, gy), rtol=1e-11)
    gw = conv2d_weight(x, w.shape, gy, **kw)
    oh, ow = y.shape[2:]
    for c in range(2):  # each tap: grad_output against the input it read
        xp = np.pad(x[0, c], ((1, 1), (1, 1)))
        for p in range(3):
            for q in range(3):
                r, s = p * dilation[0], q * dilation[1]
                seen = xp[r:r + stride[0] * (oh - 1) + 1:stride[0],
                          s:s + stride[1] * (ow - 1) + 1:stride[1]]
                np.testing.assert_allclose(gw[c, 0, p, q], np.vdot(gy[0, c], seen), rtol=1e-10)


def test_strided_single_channel_with_many_outputs_stays_a_matrix_product():
    """A grey-image stem (C_in = groups = 1, 16 outputs, stride 2) is not a
    depthwise layer for the direct loops; it still agrees with the reference."""
    assert not _cpu_conv._is_depthwise(1, 16, 1, (2, 2), (1, 1))
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 1, 30, 30))
    w = rng.standard_normal((16, 1, 5, 5))
    np.testing.assert_allclose(conv2d(x, w, stride=2, padding=2),
                               ref_conv2d(x, w, None, (2, 2), 2, (1, 1), 1), rtol=1e-12,
                               atol=1e-12)


# ---------------------------------------------------------------------------
# Winograd F(2x2, 3x3): 3x3, stride-1, dilation-1 layers with many channels
# ---------------------------------------------------------------------------
@contextlib.contextmanager
def winograd_min_channels(n):
    """Lower the channel threshold so that small shapes take the Winograd path."""
    old = functional.WINOGRAD_MIN_CHANNELS
    functional.WINOGRAD_MIN_CHANNELS = n
    try:
        yield
    finally:
        functional.WINOGRAD_MIN_CHANNELS = old


WINO_BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float)
WINO_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
WINO_AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float)


def winograd_error_bound(x, w, top, left, out_h, out_w, groups, dtype):
    """A rounding-error bound of F(2x2, 3x3) in `dtype` for each output pixel:
    gamma_k * |A^T| [sum_c (|G||g_c||G^T|) .* (|B^T||d_c||B|)] |A| (Higham's
    analysis of a sum of products; k = C_in/groups + 11 counts the channel
    sum, 4 additions of the weight transform, 2 of the input transform, 1
    product and 4 additions of the output transform), plus float64 slack for
    the reference itself."""
    n, c = x.shape[:2]
    th, tw = (out_h + 1) // 2, (out_w + 1) // 2
    xp = np.zeros((n, c, 2 * th + 2 + top, 2 * tw + 2 + left))
    xp[:, :, top:top + x.shape[2], left:left + x.shape[3]] = np.abs(x)
    d = sliding_window_view(xp[:, :, :2 * th + 2, :2 * tw + 2], (4, 4), axis=(2, 3))
    d = d[:, :, ::2, ::2]                                   # (n, c, th, tw, 4, 4)
    bt, g, at = np.abs(WINO_BT), np.abs(WINO_G), np.abs(WINO_AT)
    v = np.einsum("ij,nctsjk,lk->nctsil", bt, d, bt)
    u = np.einsum("ij,ocjk,lk->ocil", g, np.abs(w), g)
    o, cg = w.shape[:2]
    og = o // groups
    m = np.concatenate([np.einsum("nctsil,ocil->notsil", v[:, k * cg:(k + 1) * cg],
                                  u[k * og:(k + 1) * og]) for k in range(groups)], axis=1)
    y = np.einsum("ij,notsjk,lk->notsil", at, m, at)       # (n, o, th, tw, 2, 2)
    y = y.transpose(0, 1, 2, 4, 3, 5).reshape(n, o, 2 * th, 2 * tw)[:, :, :out_h, :out_w]
    k = cg + 11
    unit = np.finfo(dtype).eps / 2
    return k * unit / (1 - k * unit) * y + 1e-12 * (1 + y)


def ref_conv2d_input_stride1(gy, w, x_shape, pads, groups):
    """Scatter every grad_output pixel times the kernel into the padded input."""
    top, bottom, left, right = pads
    n, c_in, h, wd = x_shape
    o, cg, kh, kw = w.shape
    og = o // groups
    oh, ow = gy.shape[2:]
    gxp = np.zeros((n, c_in, h + top + bottom, wd + left + right))
    for g in range(groups):
        for p in range(kh):
            for q in range(kw):
                gxp[:, g * cg:(g + 1) * cg, p:p + oh, q:q + ow] += np.einsum(
                    "nohw,oc->nchw", gy[:, g * og:(g + 1) * og], w[g * og:(g + 1) * og, :, p, q])
    return gxp[:, :, top:top + h, left:left + wd]


@st.composite
def winograd_configs(draw):
    groups = draw(st.integers(1, 3))
    padding = draw(st.one_of(st.integers(0, 3), st.tuples(st.integers(0, 3), st.integers(0, 3)),
                             st.just("same")))
    top, bottom, left, right = ref_pads(padding, (3, 3), (1, 1))
    h = draw(st.integers(max(1, 3 - top - bottom), 12))
    w = draw(st.integers(max(1, 3 - left - right), 12))
    return dict(
        n=draw(st.integers(1, 3)), c_in=groups * draw(st.integers(1, 4)),
        c_out=groups * draw(st.integers(1, 4)), h=h, w=w, kernel=(3, 3), stride=(1, 1),
        dilation=(1, 1), padding=padding, groups=groups, mode="zeros", batched=True,
        dtype=draw(st.sampled_from([np.float32, np.float64])), bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
        workspace=draw(st.sampled_from([_cpu_conv.WORKSPACE_BYTES, 1])),
    )


@SETTINGS
@given(winograd_configs())
def test_winograd_forward_within_its_error_bound(cfg):
    _, x, w, b = make(cfg)
    top, bottom, left, right = ref_pads(cfg["padding"], (3, 3), (1, 1))
    expected = ref_conv2d(x.astype(float), w.astype(float), None, (1, 1), cfg["padding"],
                          (1, 1), cfg["groups"])
    with winograd_min_channels(1), workspace_bytes(cfg["workspace"]):
        got = conv2d(x, w, b, **args(cfg))
    assert got.dtype == cfg["dtype"] and got.shape == expected.shape
    if b is not None:
        got = got - b[:, None, None]  # bias is added after the Winograd output
        bound_b = np.finfo(cfg["dtype"]).eps * (np.abs(b)[:, None, None] + np.abs(expected))
    else:
        bound_b = 0
    bound = winograd_error_bound(x, w, top, left, *expected.shape[2:], cfg["groups"],
                                 cfg["dtype"])
    assert np.all(np.abs(got - expected) <= bound + bound_b)


@SETTINGS
@given(winograd_configs())
def test_winograd_grad_input_within_its_error_bound(cfg):
    rng, x, w, _ = make(cfg)
    pads = ref_pads(cfg["padding"], (3, 3), (1, 1))
    oh = cfg["h"] + pads[0] + pads[1] - 2
    ow = cfg["w"] + pads[2] + pads[3] - 2
    gy = rng.standard_normal((cfg["n"], cfg["c_out"], oh, ow)).astype(cfg["dtype"])
    expected = ref_conv2d_input_stride1(gy.astype(float), w.astype(float), x.shape, pads,
                                        cfg["groups"])
    with winograd_min_channels(1), workspace_bytes(cfg["workspace"]):
        got = conv2d_input(x.shape, w, gy, **args(cfg))
    assert got.dtype == cfg["dtype"] and got.shape == expected.shape
    g, o = cfg["groups"], cfg["c_out"]
    # The path convolves grad_output with the flipped, transposed kernel.
    wt = w.reshape(g, o // g, -1, 3, 3).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
    wt = wt.reshape(cfg["c_in"], o // g, 3, 3)
    if pads[0] <= 2 and pads[2] <= 2:
        bound = winograd_error_bound(gy, wt, 2 - pads[0], 2 - pads[2], cfg["h"], cfg["w"], g,
                                     cfg["dtype"])
    else:  # padding wider than the kernel: the im2col path
        bound = 4 * tol(cfg["dtype"])["atol"] * (1 + np.abs(expected))
    assert np.all(np.abs(got - expected) <= bound)


def test_winograd_resnet_layer_float32_accuracy():
    """A 3x3 64-channel layer: float32 Winograd error stays within the bound
    above and within the direct path's tolerance (rtol 2e-4 of the output's scale)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 64, 20, 18)).astype(np.float32)
    w = (rng.standard_normal((64, 64, 3, 3)) / np.sqrt(576)).astype(np.float32)
    assert _cpu_conv._use_winograd((3, 3), (1, 1), (1, 1), 64, 64, x, w)
    got = conv2d(x, w, padding=1)
    expected = ref_conv2d(x.astype(float), w.astype(float), None, (1, 1), 1, (1, 1), 1)
    bound = winograd_error_bound(x, w, 1, 1, 20, 18, 1, np.float32)
    assert np.all(np.abs(got - expected) <= bound)
    assert np.abs(got - expected).max() <= 2e-4 * np.abs(expected).max()


@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("workspace", [_cpu_conv.WORKSPACE_BYTES, 200_000])
def test_winograd_small_planes_run_phased_correctly(groups, workspace, monkeypatch):
    """Small planes with many channels run Winograd phased (transforms split
    by channels on OpenMP threads, GEMMs on BLAS threads), in several
    chunks when the workspace is small; the path is checked to be taken."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((6, 64, 7, 5))
    w = rng.standard_normal((96, 64 // groups, 3, 3))
    calls = []
    forward = _ccore.winograd_forward

    def spy(*args):
        calls.append(args[8:])
        return forward(*args)

    monkeypatch.setattr(_cpu_conv._ccore, "winograd_forward", spy)
    with workspace_bytes(workspace):
        y = conv2d(x, w, padding=1, groups=groups)
    assert calls and all(c == (True,) for c in calls), calls
    np.testing.assert_allclose(y, ref_conv2d(x, w, None, (1, 1), 1, (1, 1), groups),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("groups", [1, 2])
def test_winograd_large_calls_run_chunks_in_parallel_correctly(groups):
    """Above the work threshold, Winograd chunks run on OpenMP threads."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((4, 32, 41, 40))
    w = rng.standard_normal((64, 32 // groups, 3, 3))
    kw = dict(padding=1, groups=groups)
    with winograd_min_channels(16):
        y = conv2d(x, w, **kw)
        ref = ref_conv2d(x, w, None, (1, 1), 1, (1, 1), groups)
        np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-10)
        gy = rng.standard_normal(y.shape)
        gx = conv2d_input(x.shape, w, gy, **kw)
        np.testing.assert_allclose(np.vdot(x, gx), np.vdot(ref, gy), rtol=1e-10)
        np.testing.assert_allclose(gx, ref_conv2d_input_stride1(gy, w, x.shape, (1,) * 4, groups),
                                   rtol=1e-10, atol=1e-10)
        with ThreadPoolExecutor(3) as pool:
            for got in pool.map(lambda _: conv2d(x, w, **kw), range(3)):
                np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)

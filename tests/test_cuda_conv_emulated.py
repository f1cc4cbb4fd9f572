"""The GPU path of the deep-learning API, run on the CPU: corr2d.conv2d,
conv2d_input, conv2d_weight and conv_transpose2d with CuPy arrays, through a
stand-in CuPy whose RawModule executes src/corr2d/cuda/conv2d.cu in the
thread-per-CUDA-thread emulator (tests/gpu_support). Checks the implicit-GEMM
gathers for every stride/padding/dilation/groups/padding_mode combination,
the split reduction of conv2d_weight, the grid-stride loops and the Python
glue against the CPU path. Needs a C++20 compiler, not a GPU."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import corr2d
from corr2d.cuda import conv as gpu_conv

FLOATS = [np.float32, np.float64]
# Emulated blocks are 256 host threads each: keep the shapes small.
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture
def cp(cupy_emulated):
    return cupy_emulated


def small_ints(rng, shape, dtype):
    """Small integers: every sum is exact in float32 and float64, whatever the
    order of summation, so GPU and CPU must agree bit for bit."""
    return rng.integers(-3, 4, shape).astype(dtype)


def assert_same(got, expected, what):
    assert type(got).__module__ == "cupy", f"{what}: expected a CuPy array, got {type(got)}"
    host = got.get()
    assert host.dtype == expected.dtype, (what, host.dtype, expected.dtype)
    assert host.shape == expected.shape, (what, host.shape, expected.shape)
    np.testing.assert_array_equal(host, expected, err_msg=what)


@st.composite
def conv_configs(draw):
    groups = draw(st.integers(1, 3))
    cg, mg = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
                             st.sampled_from(["valid", "same"])))
    if padding == "same":
        stride = (1, 1)
    padding_mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    h = draw(st.integers(1, 9))
    w = draw(st.integers(1, 9))
    return dict(
        n=draw(st.integers(1, 2)), groups=groups, c_in=cg * groups, c_out=mg * groups,
        kernel=(kh, kw), stride=stride, dilation=dilation, padding=padding,
        padding_mode=padding_mode, size=(h, w), dtype=draw(st.sampled_from(FLOATS)),
        batched=draw(st.booleans()), bias=draw(st.booleans()), seed=draw(st.integers(0, 2**16)),
    )


def cpu_or_error(func, *args, **kwargs):
    try:
        return func(*args, **kwargs), None
    except (TypeError, ValueError) as exc:
        return None, exc


@SETTINGS
@given(config=conv_configs())
def test_conv2d_and_gradients_match_cpu(cp, config):
    c = config
    rng = np.random.default_rng(c["seed"])
    dtype = c["dtype"]
    x = small_ints(rng, (c["n"], c["c_in"]) + c["size"], dtype)
    w = small_ints(rng, (c["c_out"], c["c_in"] // c["groups"]) + c["kernel"], dtype)
    b = small_ints(rng, (c["c_out"],), dtype) if c["bias"] else None
    if not c["batched"]:
        x = x[0]
    geometry = dict(stride=c["stride"], padding=c["padding"], dilation=c["dilation"],
                    groups=c["groups"])
    y, error = cpu_or_error(corr2d.conv2d, x, w, b, padding_mode=c["padding_mode"], **geometry)
    gx, gw, gb = (cp.asarray(a) if a is not None else None for a in (x, w, b))
    if error is not None:  # the same error, word for word, on the GPU path
        with pytest.raises(type(error)) as gpu_error:
            corr2d.conv2d(gx, gw, gb, padding_mode=c["padding_mode"], **geometry)
        assert str(gpu_error.value) == str(error)
        assume(False)
    assert_same(corr2d.conv2d(gx, gw, gb, padding_mode=c["padding_mode"], **geometry), y, "conv2d")

    # The gradients (zero padding, as torch.nn.grad), with grad_output of y's shape.
    _, error = cpu_or_error(corr2d.conv2d, x, w, **geometry)
    assume(error is None)
    gy = small_ints(rng, corr2d.conv2d(x, w, **geometry).shape, dtype)
    expected = corr2d.conv2d_input(x.shape, w, gy, **geometry)
    assert_same(corr2d.conv2d_input(x.shape, gw, cp.asarray(gy), **geometry), expected,
                "conv2d_input")
    expected = corr2d.conv2d_weight(x, w.shape, gy, **geometry)
    assert_same(corr2d.conv2d_weight(gx, w.shape, cp.asarray(gy), **geometry), expected,
                "conv2d_weight")


@st.composite
def transpose_configs(draw):
    groups = draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    return dict(
        n=draw(st.integers(1, 2)), groups=groups, c_in=draw(st.integers(1, 3)) * groups,
        c_out_g=draw(st.integers(1, 3)), kernel=(draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        stride=stride, dilation=dilation, output_padding=output_padding,
        padding=(draw(st.integers(0, 2)), draw(st.integers(0, 2))),
        size=(draw(st.integers(1, 6)), draw(st.integers(1, 6))),
        dtype=draw(st.sampled_from(FLOATS)), batched=draw(st.booleans()),
        bias=draw(st.booleans()), seed=draw(st.integers(0, 2**16)),
    )


@SETTINGS
@given(config=transpose_configs())
def test_conv_transpose2d_matches_cpu(cp, config):
    c = config
    rng = np.random.default_rng(c["seed"])
    dtype = c["dtype"]
    x = small_ints(rng, (c["n"], c["c_in"]) + c["size"], dtype)
    w = small_ints(rng, (c["c_in"], c["c_out_g"]) + c["kernel"], dtype)
    b = small_ints(rng, (c["c_out_g"] * c["groups"],), dtype) if c["bias"] else None
    if not c["batched"]:
        x = x[0]
    kwargs = dict(stride=c["stride"], padding=c["padding"], output_padding=c["output_padding"],
                  groups=c["groups"], dilation=c["dilation"])
    expected, error = cpu_or_error(corr2d.conv_transpose2d, x, w, b, **kwargs)
    gb = cp.asarray(b) if b is not None else None
    if error is not None:
        with pytest.raises(type(error)) as gpu_error:
            corr2d.conv_transpose2d(cp.asarray(x), cp.asarray(w), gb, **kwargs)
        assert str(gpu_error.value) == str(error)
        assume(False)
    got = corr2d.conv_transpose2d(cp.asarray(x), cp.asarray(w), gb, **kwargs)
    assert_same(got, expected, "conv_transpose2d")


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_random_floats_within_rounding(cp, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 11, 9)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    geometry = dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    eps = np.finfo(dtype).eps
    y = corr2d.conv2d(x, w, b, **geometry)
    got = corr2d.conv2d(cp.asarray(x), cp.asarray(w), cp.asarray(b), **geometry).get()
    assert got.dtype == dtype
    np.testing.assert_allclose(got, y, rtol=0, atol=64 * eps * np.abs(y).max())
    gy = rng.standard_normal(y.shape).astype(dtype)
    gx = corr2d.conv2d_input(x.shape, cp.asarray(w), cp.asarray(gy), **geometry).get()
    expected = corr2d.conv2d_input(x.shape, w, gy, **geometry)
    np.testing.assert_allclose(gx, expected, rtol=0, atol=64 * eps * np.abs(expected).max())
    gw = corr2d.conv2d_weight(cp.asarray(x), w.shape, cp.asarray(gy), **geometry).get()
    expected = corr2d.conv2d_weight(x, w.shape, gy, **geometry)
    np.testing.assert_allclose(gw, expected, rtol=0, atol=256 * eps * np.abs(expected).max())


def test_several_tiles_in_every_gemm_dimension(cp):
    """M, the columns and K all larger than one 64 x 64 x 16 tile."""
    rng = np.random.default_rng(2)
    x = small_ints(rng, (1, 20, 9, 10), np.float32)
    w = small_ints(rng, (70, 20, 1, 1), np.float32)  # M = 70, K = 20, columns = 90
    y = corr2d.conv2d(x, w)
    assert_same(corr2d.conv2d(cp.asarray(x), cp.asarray(w)), y, "conv2d")
    gy = small_ints(rng, y.shape, np.float32)
    assert_same(corr2d.conv2d_input(x.shape, cp.asarray(w), cp.asarray(gy)),
                corr2d.conv2d_input(x.shape, w, gy), "conv2d_input")  # K = 70
    assert_same(corr2d.conv2d_weight(cp.asarray(x), w.shape, cp.asarray(gy)),
                corr2d.conv2d_weight(x, w.shape, gy), "conv2d_weight")  # K = 90


def test_grad_weight_split_reduction(cp, monkeypatch):
    """conv2d_weight's reduction split into chunks, the partial sums added."""
    monkeypatch.setattr(gpu_conv, "MIN_K_CHUNK", 16)
    rng = np.random.default_rng(3)
    x = small_ints(rng, (3, 4, 10, 9), np.float64)
    w_shape = (6, 2, 3, 2)
    geometry = dict(stride=(1, 2), padding=1, dilation=(2, 1), groups=2)
    gy = small_ints(rng, corr2d.conv2d(x, np.zeros(w_shape), **geometry).shape, np.float64)
    got = corr2d.conv2d_weight(cp.asarray(x), w_shape, cp.asarray(gy), **geometry)
    assert_same(got, corr2d.conv2d_weight(x, w_shape, gy, **geometry), "conv2d_weight")
    (grid, _, _), = gpu_conv.compiled_kernels(np.dtype(np.float64))[2].launches
    assert grid[2] > 2, "the reduction was not split"
    splits, chunk = gpu_conv.k_splits(1, 1000)
    assert chunk % gpu_conv.TILE_K == 0 and (splits - 1) * chunk < 1000 <= splits * chunk


def test_grid_stride_loops(cp, monkeypatch):
    """A grid of one block: it loops over every tile, group and chunk."""
    monkeypatch.setattr(gpu_conv, "MAX_GRID", (1, 1, 1))
    monkeypatch.setattr(gpu_conv, "MIN_K_CHUNK", 16)
    rng = np.random.default_rng(4)
    x = small_ints(rng, (2, 4, 9, 9), np.float32)
    w = small_ints(rng, (68, 2, 2, 2), np.float32)
    geometry = dict(padding=1, groups=2)
    y = corr2d.conv2d(x, w, **geometry)
    assert_same(corr2d.conv2d(cp.asarray(x), cp.asarray(w), **geometry), y, "conv2d")
    gy = small_ints(rng, y.shape, np.float32)
    assert_same(corr2d.conv2d_input(x.shape, cp.asarray(w), cp.asarray(gy), **geometry),
                corr2d.conv2d_input(x.shape, w, gy, **geometry), "conv2d_input")
    assert_same(corr2d.conv2d_weight(cp.asarray(x), w.shape, cp.asarray(gy), **geometry),
                corr2d.conv2d_weight(x, w.shape, gy, **geometry), "conv2d_weight")
    for kernel in gpu_conv.compiled_kernels(np.dtype(np.float32)):
        assert all(grid == (1, 1, 1) for grid, _, _ in kernel.launches)


def test_empty_sizes_like_cpu(cp):
    x, w = np.ones((0, 2, 5, 5)), np.ones((3, 2, 2, 2))
    assert_same(corr2d.conv2d(cp.asarray(x), cp.asarray(w)), corr2d.conv2d(x, w), "empty batch")
    w0 = np.ones((0, 2, 2, 2))
    assert_same(corr2d.conv2d(cp.asarray(np.ones((1, 2, 5, 5))), cp.asarray(w0)),
                corr2d.conv2d(np.ones((1, 2, 5, 5)), w0), "no output channels")
    gy = np.ones((1, 0, 4, 4))
    assert_same(corr2d.conv2d_input((1, 2, 5, 5), cp.asarray(w0), cp.asarray(gy)),
                corr2d.conv2d_input((1, 2, 5, 5), w0, gy), "conv2d_input, K = 0")
    assert_same(corr2d.conv2d_weight(cp.asarray(x), (3, 2, 2, 2), cp.asarray(np.ones((0, 3, 4, 4)))),
                corr2d.conv2d_weight(x, (3, 2, 2, 2), np.ones((0, 3, 4, 4))), "conv2d_weight, K = 0")


def test_noncontiguous_inputs(cp):
    rng = np.random.default_rng(5)
    base = small_ints(rng, (2, 6, 12, 14), np.float64)
    w = small_ints(rng, (4, 3, 3, 3), np.float64)
    x = base[:, ::2, ::-1, 1:12]
    assert_same(corr2d.conv2d(cp.asarray(base)[:, ::2, ::-1, 1:12], cp.asarray(w)[:, :, ::-1]),
                corr2d.conv2d(x, w[:, :, ::-1]), "conv2d of views")


def test_errors_match_cpu(cp):
    x, w = np.ones((1, 4, 6, 6), np.float32), np.ones((2, 4, 3, 3), np.float32)
    calls = [
        (corr2d.conv2d, (x.astype(np.float16), w), {}),
        (corr2d.conv2d, (x, w.astype(np.float64)), {}),
        (corr2d.conv2d, (x, w), dict(groups=3)),
        (corr2d.conv2d, (x, w), dict(stride=0)),
        (corr2d.conv2d, (x, w), dict(padding="same", stride=2)),
        (corr2d.conv2d, (x, w), dict(padding=6, padding_mode="reflect")),
        (corr2d.conv2d, (x, w), dict(padding_mode="mirror")),
        (corr2d.conv2d, (x[:, :, :2], w), {}),
        (corr2d.conv2d, (x[0, 0], w), {}),
        (corr2d.conv2d, (x, w, np.ones(3, np.float32)), {}),
        (corr2d.conv2d_input, ((1, 4, 6, 6), w, np.ones((1, 2, 3, 3), np.float32)), {}),
        (corr2d.conv2d_input, ((1, 4, 6), w, np.ones((1, 2, 4, 4), np.float32)), {}),
        (corr2d.conv2d_weight, (x, (2, 4, 3, 3), np.ones((2, 4, 4), np.float32)), {}),
        (corr2d.conv2d_weight, (x, (2, 4, 3, 3), np.ones((1, 2, 4, 4))), {}),
        (corr2d.conv_transpose2d, (x, np.ones((3, 2, 3, 3), np.float32)), {}),
        (corr2d.conv_transpose2d, (x, np.ones((4, 2, 3, 3), np.float32)), dict(output_padding=1)),
        (corr2d.conv_transpose2d, (x, np.ones((4, 2, 3, 3), np.float32)), dict(padding=5)),
    ]
    for func, args, kwargs in calls:
        with pytest.raises((TypeError, ValueError)) as cpu_error:
            func(*args, **kwargs)
        gpu_args = tuple(cp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
        with pytest.raises(type(cpu_error.value)) as gpu_error:
            func(*gpu_args, **kwargs)
        assert str(gpu_error.value) == str(cpu_error.value), func.__name__


def test_sizes_past_32_bits_are_a_value_error_naming_them(cp):
    # The kernels take strides, paddings and dilations as 32-bit ints: a
    # raw OverflowError from np.int32() before.
    x = cp.asarray(np.ones((1, 1, 3, 3)))
    w1, w2 = cp.asarray(np.ones((1, 1, 1, 1))), cp.asarray(np.ones((1, 1, 2, 2)))
    for call, words in [
        (lambda: corr2d.conv2d(x, w1, stride=2**41, padding=2**40), r"conv2d: stride"),
        (lambda: corr2d.conv_transpose2d(x[:, :, :2, :2], w1, stride=2**35, padding=2**34),
         r"conv_transpose2d"),
    ]:
        with pytest.raises(ValueError, match=words + r".*32-bit range"):
            call()
    # A stride with one output position changes nothing, and runs.
    got = corr2d.conv2d(x, w2, stride=2**62).get()
    np.testing.assert_array_equal(got, corr2d.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)),
                                                     stride=7))


def test_mixed_host_and_device_arrays_are_refused(cp):
    x, w = np.ones((1, 2, 5, 5)), np.ones((3, 2, 2, 2))
    gx, gw = cp.asarray(x), cp.asarray(w)
    with pytest.raises(TypeError, match=r"conv2d: input and weight are CuPy arrays but bias is a numpy\.ndarray"):
        corr2d.conv2d(gx, gw, np.ones(3))
    with pytest.raises(TypeError, match=r"conv2d_input: grad_output is a CuPy array but weight"):
        corr2d.conv2d_input(x.shape, w, cp.asarray(np.ones((1, 3, 4, 4))))
    with pytest.raises(TypeError, match=r"conv2d_weight: input is a CuPy array but grad_output"):
        corr2d.conv2d_weight(gx, w.shape, np.ones((1, 3, 4, 4)))
    with pytest.raises(TypeError, match=r"conv_transpose2d: weight is a CuPy array but input"):
        corr2d.conv_transpose2d(np.ones((1, 3, 4, 4)), cp.asarray(np.ones((3, 2, 2, 2))))


def test_kernels_compiled_once_per_dtype(cp):
    x, w = np.ones((1, 2, 5, 5), np.float32), np.ones((3, 2, 2, 2), np.float32)
    for _ in range(3):
        corr2d.conv2d(cp.asarray(x), cp.asarray(w))
    corr2d.conv2d(cp.asarray(x.astype(np.float64)), cp.asarray(w.astype(np.float64)))
    assert sorted(key[0] for key in gpu_conv._modules) == [4, 8]
    assert len(gpu_conv.compiled_kernels(np.dtype(np.float32))[0].launches) == 3

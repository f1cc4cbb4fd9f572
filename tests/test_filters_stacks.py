"""corr2d.filters on stacks and colour images (``axes=``, ``channel_axis=``):
every filter equals itself applied to each 2-D plane, and scipy.ndimage's
filter along the same axes; errors name the function the user called."""
import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

import corr2d._stacks as stacks
import corr2d.filters as filters
from gpu_support import checks

MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant", "grid-wrap"]

# name -> call with the per-filter arguments (the plane's axis 0 or 1 where there is one)
CALLS = {
    "sobel0": lambda x, **kw: filters.sobel(x, 0, **kw),
    "sobel1": lambda x, **kw: filters.sobel(x, -1, **kw),
    "prewitt0": lambda x, **kw: filters.prewitt(x, -2, **kw),
    "scharr1": lambda x, **kw: filters.scharr(x, 1, **kw),
    "laplace": lambda x, **kw: filters.laplace(x, **kw),
    "gaussian": lambda x, **kw: filters.gaussian(x, (0.9, 1.6), **kw),
    "difference0": lambda x, **kw: filters.difference(x, 0, **kw),
    "difference1": lambda x, **kw: filters.difference(x, 1, **kw),
    "edges-sobel": lambda x, **kw: filters.edges(x, "sobel", **kw),
    "edges-scharr": lambda x, **kw: filters.edges(x, "scharr", **kw),
    "edges-laplace": lambda x, **kw: filters.edges(x, "laplace", **kw),
    "edges-difference": lambda x, **kw: filters.edges(x, "difference", **kw),
}


def per_plane(call, x, rows, cols, mask=None, **kw):
    """The reference: `call` on each 2-D plane (a contiguous copy), reassembled."""
    moved = np.moveaxis(x, (rows, cols), (-2, -1))
    moved_mask = None if mask is None else np.moveaxis(mask, (rows, cols), (-2, -1))
    results = {}
    for index in np.ndindex(moved.shape[:-2]):
        plane = np.ascontiguousarray(moved[index])
        extra = {} if mask is None else {"mask": np.ascontiguousarray(moved_mask[index])}
        results[index] = call(plane, **kw, **extra)
    first = next(iter(results.values()))
    out = np.empty(moved.shape[:-2] + first.shape, first.dtype)
    for index, result in results.items():
        out[index] = result
    return np.moveaxis(out, (-2, -1), (rows, cols))


@st.composite
def stacked_images(draw):
    """An array of 3 or 4 axes, its image axes (as the user spells them:
    negative or not, any order) and maybe a channel axis among the others."""
    ndim = draw(st.integers(3, 4))
    shape = [draw(st.integers(1, 3)) for _ in range(ndim)]
    rows, cols = draw(st.permutations(range(ndim)))[:2]
    shape[rows], shape[cols] = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    spell = lambda a: a - ndim if draw(st.booleans()) else a  # noqa: E731
    others = [a for a in range(ndim) if a not in (rows, cols)]
    channel = draw(st.sampled_from([None] + others))
    return tuple(shape), (rows, cols), (spell(rows), spell(cols)), None if channel is None else spell(channel)


@settings(max_examples=150, deadline=None)
@given(
    case=st.sampled_from(sorted(CALLS)),
    stacked=stacked_images(),
    mode=st.sampled_from(MODES),
    cval=st.sampled_from([0.0, 1.5]),
    dtype=st.sampled_from([np.float32, np.float64]),
    nan_policy=st.sampled_from(["propagate", "interpolate"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_filter_equals_its_per_plane_calls(case, stacked, mode, cval, dtype, nan_policy, seed):
    shape, (rows, cols), axes, channel_axis = stacked
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, shape).astype(dtype)
    x[rng.random(shape) < 0.1] = np.nan
    kw = dict(mode=mode, cval=cval, nan_policy=nan_policy)
    ours = CALLS[case](x, axes=axes, channel_axis=channel_axis, **kw)
    expected = per_plane(CALLS[case], x, rows, cols, **kw)
    assert ours.dtype == dtype and ours.shape == expected.shape
    assert ours.flags.c_contiguous  # the input's layout, as ndimage returns it
    np.testing.assert_array_equal(ours, expected)


@settings(max_examples=40, deadline=None)
@given(stacked=stacked_images(), seed=st.integers(0, 2**32 - 1))
def test_a_mask_is_split_with_its_planes(stacked, seed):
    shape, (rows, cols), axes, channel_axis = stacked
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, shape)
    mask = rng.random(shape) < 0.2
    ours = filters.sobel(x, axes=axes, channel_axis=channel_axis, nan_policy="interpolate", mask=mask)
    expected = per_plane(filters.sobel, x, rows, cols, mask=mask, nan_policy="interpolate")
    np.testing.assert_array_equal(ours, expected)


def ndimage_gradient(x, derivative, smoothing, axis, axes, mode, cval):
    """ndimage.sobel/prewitt's two 1-D passes along `axes` of a stack
    (ndimage.sobel has no `axes`: correlate1d does the same along any axis)."""
    along, across = axes[axis], axes[1 - axis]
    out = ndimage.correlate1d(x, derivative, along, mode=mode, cval=cval)
    return ndimage.correlate1d(out, smoothing, across, mode=mode, cval=cval)


# (ours, ndimage's, sum of |weights|) on a stack with image axes `axes`
NDIMAGE = {
    "sobel": (
        lambda x, axes, m, c: filters.sobel(x, 0, m, c, axes=axes),
        lambda x, axes, m, c: ndimage_gradient(x, [-1, 0, 1], [1, 2, 1], 0, axes, m, c),
        8,
    ),
    "prewitt": (
        lambda x, axes, m, c: filters.prewitt(x, 1, m, c, axes=axes),
        lambda x, axes, m, c: ndimage_gradient(x, [-1, 0, 1], [1, 1, 1], 1, axes, m, c),
        6,
    ),
    "laplace": (
        lambda x, axes, m, c: filters.laplace(x, m, c, axes=axes),
        lambda x, axes, m, c: ndimage.laplace(x, mode=m, cval=c, axes=axes),
        8,
    ),
    "gaussian": (
        lambda x, axes, m, c: filters.gaussian(x, (0.8, 1.7), m, c, axes=axes),
        lambda x, axes, m, c: ndimage.gaussian_filter(x, (0.8, 1.7), mode=m, cval=c, axes=axes),
        1,
    ),
}


@settings(max_examples=100, deadline=None)
@given(
    case=st.sampled_from(sorted(NDIMAGE)),
    stacked=stacked_images(),
    mode=st.sampled_from(MODES),
    cval=st.sampled_from([0.0, -2.5]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_ndimage_along_the_same_axes(case, stacked, mode, cval, dtype, seed):
    shape, _, axes, _ = stacked
    ours_fn, ref_fn, weight = NDIMAGE[case]
    x = np.random.default_rng(seed).uniform(-3, 3, shape).astype(dtype)
    ours = ours_fn(x, axes, mode, cval)
    ref = ref_fn(x.astype(np.float64), axes, mode, cval)
    assert ours.dtype == dtype and ours.shape == ref.shape
    scale = weight * max(3.0, abs(cval))
    np.testing.assert_allclose(ours, ref, rtol=0, atol=16 * np.finfo(dtype).eps * scale)


def test_colour_image_channel_last_and_first():
    rng = np.random.default_rng(3)
    rgb = rng.uniform(0, 1, (12, 10, 3))
    channels = [filters.edges(rgb[..., c]) for c in range(3)]
    np.testing.assert_array_equal(filters.edges(rgb, channel_axis=-1), np.stack(channels, axis=-1))
    chw = np.ascontiguousarray(np.moveaxis(rgb, -1, 0))
    np.testing.assert_array_equal(filters.edges(chw, channel_axis=0), np.stack(channels))
    # channel_axis with explicit axes, and a stack of colour images (N, H, W, C)
    np.testing.assert_array_equal(filters.edges(rgb, axes=(0, 1), channel_axis=2), np.stack(channels, -1))
    many = np.stack([rgb, 2 * rgb])
    out = filters.edges(many, channel_axis=-1)
    np.testing.assert_array_equal(out[1], 2 * filters.edges(rgb, channel_axis=-1))


def test_axes_order_picks_the_rows():
    """axes=(1, 0) makes axis 1 the image's rows: a transposed image."""
    x = np.random.default_rng(4).uniform(-1, 1, (7, 9))
    np.testing.assert_array_equal(filters.sobel(x, 0, axes=(1, 0)), filters.sobel(x.T, 0).T)
    np.testing.assert_array_equal(
        filters.gaussian(x, (0.5, 2.0), axes=(1, 0)), filters.gaussian(x.T, (0.5, 2.0)).T
    )
    stack = np.random.default_rng(5).uniform(-1, 1, (2, 6, 8))
    np.testing.assert_allclose(
        filters.gaussian(stack, (0.5, 2.0), axes=(2, 1)),
        ndimage.gaussian_filter(stack, (0.5, 2.0), axes=(2, 1)),
        rtol=0, atol=1e-14,
    )


@pytest.mark.parametrize("case", sorted(CALLS))
def test_valid_mode_shrinks_only_the_image_axes(case):
    x = np.random.default_rng(6).uniform(-1, 1, (16, 2, 15))
    ours = CALLS[case](x, mode="valid", axes=(0, 2))
    expected = per_plane(CALLS[case], x, 0, 2, mode="valid")
    assert ours.shape[1] == 2 and ours.shape == expected.shape
    np.testing.assert_array_equal(ours, expected)


def test_integer_stack_and_list_input():
    x = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    out = filters.laplace(x.tolist(), axes=(-2, -1))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, ndimage.laplace(x.astype(float), axes=(1, 2)))


def test_the_input_is_not_modified():
    x = np.random.default_rng(7).uniform(-1, 1, (3, 5, 6))
    x[1, 2, 3] = np.nan
    before = x.copy()
    filters.gaussian(x, 1.0, axes=(1, 2), nan_policy="interpolate", mask=x > 0.5)
    filters.edges(x, channel_axis=0)
    np.testing.assert_array_equal(x, before)


# ---- errors name the function the user called, and the argument ----------------------

PUBLIC = {
    "sobel": lambda x, **kw: filters.sobel(x, **kw),
    "prewitt": lambda x, **kw: filters.prewitt(x, **kw),
    "scharr": lambda x, **kw: filters.scharr(x, **kw),
    "laplace": lambda x, **kw: filters.laplace(x, **kw),
    "gaussian": lambda x, **kw: filters.gaussian(x, 1.0, **kw),
    "difference": lambda x, **kw: filters.difference(x, **kw),
    "edges": lambda x, **kw: filters.edges(x, **kw),
}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_a_colour_image_error_names_the_function_and_the_fixes(name):
    with pytest.raises(ValueError) as info:
        PUBLIC[name](np.ones((60, 51, 3)))
    message = str(info.value)
    assert message.startswith(f"{name}: image must be 2-D, got shape (60, 51, 3)")
    assert "channel_axis=-1" in message and "grey" in message
    assert "axes=(-2, -1)" in message and "channel_axis=0" in message


def test_edges_names_itself_not_sobel():
    """The regression of the issue: edges(rgb) said 'sobel: image must be 2-D'."""
    with pytest.raises(ValueError, match=r"^edges: image must be 2-D, got shape \(600, 512, 3\); "
                                         r"for a colour image pass channel_axis=-1"):
        filters.edges(np.zeros((600, 512, 3)))
    for method in filters.EDGE_METHODS:
        with pytest.raises(ValueError, match="^edges: mode"):
            filters.edges(np.ones((5, 5)), method, mode="symm")
        with pytest.raises(TypeError, match="^edges: cval"):
            filters.edges(np.ones((5, 5)), method, cval="0")
    with pytest.raises(ValueError, match="^edges: mode='valid' needs"):
        filters.edges(np.ones((2, 2)), mode="valid")


@pytest.mark.parametrize("name", sorted(PUBLIC))
@pytest.mark.parametrize(
    "shape,kwargs,exc,pattern",
    [
        ((4, 5, 6), {"axes": (1, 1)}, ValueError, r"axes=\(1, 1\) names axis 1 twice"),
        ((4, 5, 6), {"axes": (1, -2)}, ValueError, "names axis 1 twice"),
        ((4, 5, 6), {"axes": (0, 3)}, ValueError, "axes=3 is out of range"),
        ((4, 5, 6), {"axes": (-4, 1)}, ValueError, "axes=-4 is out of range"),
        ((4, 5, 6), {"axes": (0, 1, 2)}, ValueError, "axes must be two ints"),
        ((4, 5, 6), {"axes": 1}, TypeError, "axes must be two ints"),
        ((4, 5, 6), {"axes": "01"}, TypeError, "axes must be two ints"),
        ((4, 5, 6), {"axes": (0, 1.0)}, TypeError, "axes must be an int"),
        ((4, 5, 6), {"axes": (0, 1), "channel_axis": 1}, ValueError, "channel_axis=1 is one of the image"),
        ((4, 5, 6), {"axes": (0, 1), "channel_axis": -2}, ValueError, "channel_axis=-2 is one of the image"),
        ((4, 5, 6), {"channel_axis": 3}, ValueError, "channel_axis=3 is out of range"),
        ((4, 5, 6), {"channel_axis": True}, TypeError, "channel_axis must be an int"),
        ((4, 5), {"channel_axis": -1}, ValueError, "channel_axis=-1 needs an image with two axes besides"),
        ((7,), {}, ValueError, "image must be 2-D, got shape"),
        ((2, 3, 4, 5), {}, ValueError, "image must be 2-D, got shape"),
        ((0, 5, 6), {"axes": (1, 2)}, ValueError, "image is empty"),
    ],
)
def test_bad_axes_name_the_function_and_the_argument(name, shape, kwargs, exc, pattern):
    with pytest.raises(exc, match=f"^{name}: .*{pattern}"):
        PUBLIC[name](np.ones(shape), **kwargs)


def test_axis_outside_the_plane_says_what_axis_means():
    with pytest.raises(ValueError, match=r"sobel: axis must be 0, 1, -1 or -2 \(one of the two image axes"):
        filters.sobel(np.ones((3, 5, 5)), axis=2, axes=(1, 2))


def test_stacks_module_examples_run():
    result = doctest.testmod(stacks)
    assert result.attempted > 0 and result.failed == 0


def test_apply_over_planes_passes_companions_and_none():
    image = np.arange(24.0).reshape(2, 3, 4)
    other = -image
    seen = []

    def plane_sum(plane, companion, nothing):
        seen.append(nothing)
        return plane + companion

    out = stacks.apply_over_planes(plane_sum, image, (0, 2), other, None)
    np.testing.assert_array_equal(out, np.zeros_like(image))
    assert seen == [None, None, None]
    with pytest.raises(ValueError, match="holds no plane"):
        stacks.apply_over_planes(plane_sum, np.ones((0, 3, 4)), (1, 2), other, None)


@pytest.fixture
def cp(cupy_both):
    return cupy_both


def test_stacks_and_channels_on_the_gpu_path(cp):
    """Small integers: exact on both paths. Axes move on the array's device."""
    rng = np.random.default_rng(8)
    stack = rng.integers(0, 9, (2, 9, 3, 11)).astype(np.float32)
    for call in (
        lambda x: filters.sobel(x, axis=0, axes=(1, 3)),
        lambda x: filters.edges(x, "prewitt", mode="nearest", axes=(-1, 1)),
        lambda x: filters.laplace(x, mode="constant", cval=1.0, axes=(1, 3), channel_axis=2),
    ):
        expected = call(stack)
        got = call(cp.asarray(stack))
        assert type(got).__module__.startswith("cupy")
        np.testing.assert_array_equal(checks.to_host(cp, got), expected)

"""Bad input gets a ValueError/TypeError naming the argument, never a crash."""
import numpy as np
import pytest
import scipy.signal

import corr2d

FUNCS = [corr2d.correlate2d, corr2d.convolve2d]


@pytest.mark.parametrize("func", FUNCS)
@pytest.mark.parametrize(
    "in1,in2,match",
    [
        (np.ones(3), np.ones((2, 2)), "in1 must be a 2-D array"),
        (np.ones((2, 2)), np.ones((1, 2, 2)), "in2 must be a 2-D array"),
        (np.float64(1), np.ones((2, 2)), "in1 must be a 2-D array"),
        (np.ones((0, 3)), np.ones((1, 1)), "in1 is empty"),
        (np.ones((3, 3)), np.ones((0, 1)), "in2 is empty"),
        (np.ones((2, 2), bool), np.ones((2, 2), bool), "bool"),
        (np.ones((2, 2), np.float16), np.ones((2, 2), np.int8), "float16"),
        (np.ones((2, 2), object), np.ones((2, 2)), "object"),
        (np.array([["a", "b"]]), np.ones((1, 1)), "in1"),
    ],
)
def test_bad_arrays(func, in1, in2, match):
    with pytest.raises(ValueError, match=match):
        func(in1, in2)


@pytest.mark.parametrize("func", FUNCS)
def test_bad_mode_and_boundary_raise_value_error_like_scipy(func):
    x = np.ones((3, 3))
    for bad in ("xx", "FULL", None, 3):
        with pytest.raises(ValueError, match="mode"):
            func(x, x, mode=bad)
    for bad in ("xx", "reflect", None):
        with pytest.raises(ValueError, match="boundary"):
            func(x, x, boundary=bad)
    for bad in ("xx", "reflect"):  # SciPy raises ValueError for these too
        with pytest.raises(ValueError):
            scipy.signal.correlate2d(x, x, boundary=bad)
    with pytest.raises(ValueError, match="at least as large"):
        func(np.ones((2, 5)), np.ones((3, 2)), mode="valid")


@pytest.mark.parametrize("func", FUNCS)
def test_bad_threads(func):
    x = np.ones((3, 3))
    with pytest.raises(ValueError, match="threads"):
        func(x, x, threads=0)
    for bad in (1.5, "2", True):
        with pytest.raises(TypeError, match="threads"):
            func(x, x, threads=bad)


@pytest.mark.parametrize("func", FUNCS)
def test_bad_out(func):
    x = np.ones((4, 4))
    k = np.ones((2, 2))
    with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
        func(x, k, out=[[0.0] * 5] * 5)
    with pytest.raises(ValueError, match="out has shape"):
        func(x, k, out=np.empty((4, 4)))
    with pytest.raises(ValueError, match="out has dtype"):
        func(x, k, out=np.empty((5, 5), np.float32))
    ro = np.empty((5, 5))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        func(x, k, out=ro)


def test_positional_signature_matches_scipy():
    import inspect

    ours = inspect.signature(corr2d.correlate2d).parameters
    theirs = inspect.signature(scipy.signal.correlate2d).parameters
    assert list(ours)[:5] == list(theirs)
    for name in theirs:
        assert ours[name].default == theirs[name].default
    assert ours["threads"].kind is inspect.Parameter.KEYWORD_ONLY
    assert ours["out"].kind is inspect.Parameter.KEYWORD_ONLY

"""The oracle itself agrees with SciPy on fixed cases, so that tests built on
it test corr2d and not a shared misunderstanding."""
import itertools

import numpy as np
import pytest
import scipy.signal

from reference import correlate2d_reference


@pytest.mark.parametrize(
    "mode,boundary,convolve",
    list(itertools.product(["full", "same", "valid"], ["fill", "wrap", "symm"], [False, True])),
)
def test_reference_matches_scipy(mode, boundary, convolve):
    rng = np.random.default_rng(1)
    for shape, kshape in [((7, 9), (3, 4)), ((4, 5), (2, 2)), ((3, 3), (6, 8)), ((5, 6), (5, 6))]:
        if mode == "valid" and (kshape[0] > shape[0] or kshape[1] > shape[1]):
            continue
        x = rng.integers(-9, 9, shape).astype(float)
        k = rng.integers(-9, 9, kshape).astype(float)
        func = scipy.signal.convolve2d if convolve else scipy.signal.correlate2d
        expected = func(x, k, mode, boundary, 2.0)
        np.testing.assert_array_equal(
            correlate2d_reference(x, k, mode, boundary, 2.0, convolve), expected
        )

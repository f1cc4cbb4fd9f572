"""Known answers from the Dive into Deep Learning notes (../shared/seeds)."""
import numpy as np
import pytest

import corr2d


def test_corr2d_example_3x3_2x2():
    X = np.arange(9.0).reshape(3, 3)
    K = np.array([[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(corr2d.correlate2d(X, K, mode="valid"), [[19, 25], [37, 43]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_edge_detection_band_image(dtype):
    X = np.ones((6, 8), dtype)
    X[:, 2:6] = 0
    K = np.array([[1, -1]], dtype)
    expected = np.zeros((6, 7), dtype)
    expected[:, 1] = 1
    expected[:, 5] = -1
    Y = corr2d.correlate2d(X, K, mode="valid")
    assert Y.dtype == dtype
    np.testing.assert_array_equal(Y, expected)
    np.testing.assert_array_equal(corr2d.correlate2d(X.T, K, mode="valid"), np.zeros((8, 5)))

"""Every public entry point of corr2d as a named call, at two sizes: 'small'
(large enough to run threaded, done in milliseconds) for the fork matrix, and
'long' (seconds on two cores) for the interrupt tests. Each call returns its
result so a caller can check it."""
from __future__ import annotations

import numpy as np

import corr2d
from corr2d import filters, ndimage
from corr2d.nn import Conv2D

rng = np.random.default_rng(0)


def _rand(*shape, dtype=np.float32):
    return rng.random(shape, dtype=np.float64).astype(dtype)


def _layer_step(x):
    layer = Conv2D(x.shape[1], 8, 3, padding=1, rng=0)
    y = layer(x)
    return layer.backward(np.ones_like(y))


def small_calls() -> dict:
    """name -> zero-argument callable; each runs threaded in a fresh parent."""
    img = _rand(512, 512, dtype=np.float64)
    x = _rand(4, 16, 64, 64)
    w3 = _rand(16, 16, 3, 3)
    w5 = _rand(8, 16, 5, 5)
    gy5 = np.ones((4, 8, 60, 60), np.float32)
    return {
        "correlate2d": lambda: corr2d.correlate2d(img, np.ones((9, 9))),
        "convolve2d": lambda: corr2d.convolve2d(img, np.ones((7, 7)), "same", "symm"),
        "correlate2d_fft": lambda: corr2d.correlate2d(img, _rand(41, 41, dtype=np.float64),
                                                      "same", "wrap", method="fft"),
        "correlate2d_separable": lambda: corr2d.correlate2d(img, np.ones((15, 15)), "same",
                                                            method="separable"),
        "conv2d": lambda: corr2d.conv2d(x, w5),
        "conv2d_depthwise": lambda: corr2d.conv2d(x, _rand(16, 1, 5, 5), groups=16),
        "conv2d_winograd": lambda: corr2d.conv2d(x, w3, padding=1),
        "conv2d_1x1": lambda: corr2d.conv2d(x, _rand(32, 16, 1, 1)),
        "conv2d_input": lambda: corr2d.conv2d_input(x.shape, w5, gy5),
        "conv2d_weight": lambda: corr2d.conv2d_weight(x, w5.shape, gy5),
        "conv_transpose2d": lambda: corr2d.conv_transpose2d(gy5, w5),
        "gaussian": lambda: filters.gaussian(img, 3.0),
        # Small planes: one per thread of a pool (corr2d._ndimage_run).
        "ndimage_stack": lambda: ndimage.correlate(_rand(8, 128, 128), np.ones((5, 5)),
                                                   axes=(1, 2)),
        "ndimage_mirror": lambda: ndimage.convolve(img, np.ones((9, 9)), mode="mirror"),
        "sobel": lambda: filters.sobel(img),
        "edges": lambda: filters.edges(img),
        "Conv2D": lambda: _layer_step(x),
        "match_template": lambda: corr2d.match_template(img, _rand(31, 31, dtype=np.float64)),
    }


def _bind(func, *args, **kwargs):
    """The call with its (already built) arguments."""
    return lambda: func(*args, **kwargs)


def long_calls() -> dict:
    """name -> builder: builds the inputs (not timed) and returns a
    zero-argument callable lasting well over a second on two cores."""
    return {
        "correlate2d": lambda: _bind(corr2d.correlate2d, _rand(4096, 4096, dtype=np.float64),
                                     np.ones((101, 101)), "same", method="direct"),
        "correlate2d_threads1": lambda: _bind(corr2d.correlate2d,
                                              _rand(2048, 2048, dtype=np.float64),
                                              np.ones((101, 101)), "same", threads=1,
                                              method="direct"),
        "convolve2d": lambda: _bind(corr2d.convolve2d, _rand(4096, 4096), _rand(99, 99),
                                    "same", "wrap", method="direct"),
        "correlate2d_fft": lambda: _bind(corr2d.correlate2d,
                                         _rand(12288, 12288, dtype=np.float64),
                                         _rand(201, 201, dtype=np.float64), "same", "symm",
                                         method="fft"),
        "correlate2d_fft_threads1": lambda: _bind(corr2d.correlate2d,
                                                  _rand(8192, 8192, dtype=np.float64),
                                                  _rand(401, 401, dtype=np.float64), "same",
                                                  method="fft", threads=1),
        # The separable passes run at about 20 GMAC/s per core: a wide
        # kernel on one thread (its 601x601 rank test takes ~0.1 s).
        "correlate2d_separable": lambda: _bind(corr2d.correlate2d,
                                               _rand(6144, 6144, dtype=np.float64),
                                               np.ones((601, 601)), "same", threads=1,
                                               method="separable"),
        # The SVD that checks a large kernel is separable (LAPACK, deaf to
        # signals: about 3 s for 2000 x 2000), waited for on a helper thread.
        "correlate2d_separable_svd": lambda: _bind(corr2d.correlate2d,
                                                   _rand(2100, 2100, dtype=np.float64),
                                                   np.outer(_rand(2000, dtype=np.float64),
                                                            _rand(2000, dtype=np.float64)),
                                                   "valid", method="separable"),
        "conv2d": lambda: _bind(corr2d.conv2d, _rand(8, 64, 256, 256), _rand(128, 64, 5, 5)),
        # Planes through the FFT method, one core call each (~2 s in all).
        "conv2d_depthwise": lambda: _bind(corr2d.conv2d, _rand(8, 64, 512, 512),
                                          _rand(64, 1, 201, 201), groups=64, padding=100),
        "conv2d_winograd": lambda: _bind(corr2d.conv2d, _rand(32, 256, 128, 128),
                                         _rand(256, 256, 3, 3), padding=1),
        "conv2d_1x1": lambda: _bind(corr2d.conv2d, _rand(1, 2048, 128, 128, dtype=np.float64),
                                    _rand(2048, 2048, 1, 1, dtype=np.float64)),
        "conv2d_input": lambda: _bind(corr2d.conv2d_input, (8, 64, 256, 256),
                                      _rand(128, 64, 5, 5), _rand(8, 128, 252, 252)),
        "conv2d_weight": lambda: _bind(corr2d.conv2d_weight, _rand(8, 64, 256, 256),
                                       (128, 64, 5, 5), _rand(8, 128, 252, 252)),
        "gaussian": lambda: _bind(filters.gaussian, _rand(8192, 8192, dtype=np.float64), 100.0),
        "ndimage_stack": lambda: _bind(ndimage.correlate, _rand(20000, 64, 64),
                                       np.ones((13, 13)), axes=(1, 2), method="direct"),
        "ndimage_nearest": lambda: _bind(ndimage.correlate, _rand(4096, 4096, dtype=np.float64),
                                         np.ones((61, 61)), mode="nearest", method="direct"),
        # An integer output: ndimage's own sums, band by band (corr2d._ndimage_exact).
        "ndimage_integer_output": lambda: _bind(ndimage.correlate,
                                                (_rand(4096, 4096) * 255).astype(np.uint8),
                                                np.full((61, 61), 1 / 61**2)),
        "match_template": lambda: _bind(corr2d.match_template,
                                        _rand(8192, 8192, dtype=np.float64),
                                        _rand(501, 501, dtype=np.float64)),
    }

"""Small images the package makes itself: the chapter's band image and a synthetic scene.

Nothing is downloaded or stored: every image is drawn by a few lines of NumPy.
"""
from __future__ import annotations

import numpy as np

__all__ = ["band_image", "synthetic_scene"]


def band_image(height: int = 6, width: int = 8, dtype: type = np.float64) -> np.ndarray:
    """The image of *Dive into Deep Learning* 6.2.3: ones with a dark vertical band.

    Columns ``2`` to ``width - 3`` are zero (``2:6`` in the default 6x8 image).

    Parameters
    ----------
    height, width : int, optional
        Size of the image (default 6x8, the chapter's); at least 1x5.
    dtype : dtype, optional
        Element type (default float64).

    Returns
    -------
    ndarray
        The image, shape ``(height, width)``.

    Examples
    --------
    >>> from corr2d.data import band_image
    >>> band_image()[0]
    array([1., 1., 0., 0., 0., 0., 1., 1.])
    """
    if height < 1 or width < 5:
        raise ValueError(f"band_image: need height >= 1 and width >= 5, got {height}x{width}")
    image = np.ones((height, width), dtype)
    image[:, 2 : width - 2] = 0
    return image


def synthetic_scene(height: int = 120, width: int = 160) -> np.ndarray:
    """A grey test scene with edges in every direction, values in ``[0, 1]``.

    A soft vertical gradient for the background, a bright disc, a dark
    rectangle, a mid-grey triangle and a patch of fine diagonal stripes,
    drawn with anti-aliased edges (so the edge maps are smooth). Fully
    deterministic.

    Parameters
    ----------
    height, width : int, optional
        Size in pixels (default 120x160); at least 16x16.

    Returns
    -------
    ndarray
        float64 array of shape ``(height, width)``.

    Examples
    --------
    >>> from corr2d.data import synthetic_scene
    >>> scene = synthetic_scene()
    >>> scene.shape, bool(scene.min() >= 0 and scene.max() <= 1)
    ((120, 160), True)
    """
    if height < 16 or width < 16:
        raise ValueError(f"synthetic_scene: need at least 16x16 pixels, got {height}x{width}")
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    y, x = y / (height - 1), x / (width - 1)  # unit square coordinates
    aspect = width / height

    def soft(distance: np.ndarray) -> np.ndarray:
        """1 inside (distance < 0), 0 outside, about one pixel of ramp."""
        pixel = 1.0 / min(height, width)
        return np.clip(0.5 - distance / pixel, 0.0, 1.0)

    scene = 0.35 + 0.25 * y  # background
    disc = soft(np.hypot((x - 0.28) * aspect, y - 0.35) - 0.22)
    scene = scene * (1 - disc) + 0.95 * disc
    rect = soft(np.maximum(np.abs(x - 0.68) - 0.16, np.abs(y - 0.62) - 0.22) * min(aspect, 1.0))
    scene = scene * (1 - rect) + 0.08 * rect
    # triangle: inside three half-planes
    slope = 1.6 / np.hypot(1.0, 1.6)  # signed distances to the two slanted sides
    tri = soft(
        np.maximum.reduce(
            [y - 0.93, slope * ((0.66 - y) / 1.6 - (x - 0.3)), slope * ((0.66 - y) / 1.6 + (x - 0.3))]
        )
    )
    scene = scene * (1 - tri) + 0.82 * tri
    stripes_box = soft(np.maximum(np.abs(x - 0.85) - 0.1, np.abs(y - 0.2) - 0.14))
    stripes = 0.5 + 0.4 * np.sin(2 * np.pi * (x * width + y * height) / 8.0)
    scene = scene * (1 - stripes_box) + stripes * stripes_box
    return np.clip(scene, 0.0, 1.0)

"""corr2d._dask_ghost: every output block's region is the image extended by
the real boundary rule (corr2d._extend.copy_extended), for any chunking,
halo and block grid. Runs on Dask's synchronous scheduler, so it checks the
graph itself, quickly, over many examples."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from corr2d._dask_ghost import map_ghosted
from corr2d._extend import copy_extended
from corr2d._tables import BOUNDARY_CODES

da = pytest.importorskip("dask.array", reason="Dask is an optional extra: pip install '.[dask]'")


@st.composite
def chunking(draw, n):
    sizes, left = [], n
    while left:
        sizes.append(draw(st.integers(1, left)))
        left -= sizes[-1]
    return tuple(sizes)


@st.composite
def cases(draw):
    h, w = draw(st.integers(1, 13)), draw(st.integers(1, 13))
    lead = draw(st.sampled_from([(), (2,), (3, 2)]))
    return dict(lead=lead, shape=(h, w),
                chunks=tuple(max(1, n // 2) for n in lead) + (draw(chunking(h)),
                                                             draw(chunking(w))),
                out_chunks=(draw(chunking(h)), draw(chunking(w))),
                reach=((draw(st.integers(0, 15)), draw(st.integers(0, 15))),
                       (draw(st.integers(0, 15)), draw(st.integers(0, 15)))),
                boundary=draw(st.sampled_from(sorted(BOUNDARY_CODES))))


def _valid_correlation(kernel):
    def block(region):
        windows = sliding_window_view(region, kernel.shape, axis=(-2, -1))
        return np.einsum("...ijkl,kl->...ij", windows, kernel)
    return block


@settings(max_examples=100, deadline=None)
@given(cases())
def test_every_region_is_the_extended_image(c):
    rng = np.random.default_rng(0)
    image = rng.standard_normal(c["lead"] + c["shape"])
    x = da.from_array(image, chunks=c["chunks"])
    axes = (len(c["lead"]), len(c["lead"]) + 1)
    (top, bottom), (left, right) = c["reach"]
    code, fill = BOUNDARY_CODES[c["boundary"]], np.array([7.5])
    # A random kernel spanning the reach weighs every region sample differently.
    kernel = rng.standard_normal((top + bottom + 1, left + right + 1))
    got = map_ghosted(_valid_correlation(kernel), [x], axes, c["out_chunks"], c["reach"], code,
                      fill[0], image.dtype, crop=False).compute(scheduler="sync")
    (h, w) = c["shape"]
    extended = np.empty(c["lead"] + (h + top + bottom, w + left + right))
    for index in np.ndindex(c["lead"]):
        copy_extended(extended[index], image[index], -top, -left, code, fill)
    np.testing.assert_allclose(got, _valid_correlation(kernel)(extended), rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(cases(), st.booleans())
def test_cropped_blocks_tile_the_image(c, clip):
    """crop=True with the identity: each block is cut back out of its region
    (clipped at the image's edges when boundary is None)."""
    image = np.random.default_rng(1).standard_normal(c["lead"] + c["shape"])
    mask = image > 0
    x, m = da.from_array(image, chunks=c["chunks"]), da.from_array(mask, chunks=c["chunks"])
    axes = (len(c["lead"]), len(c["lead"]) + 1)
    code = None if clip else BOUNDARY_CODES[c["boundary"]]
    got = map_ghosted(lambda region, mask_region: np.where(mask_region, region, -region),
                      [x, m], axes, c["out_chunks"], c["reach"], code, 0.0, image.dtype,
                      crop=True).compute(scheduler="sync")
    np.testing.assert_array_equal(got, np.where(mask, image, -image))

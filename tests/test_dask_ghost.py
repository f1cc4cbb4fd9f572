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
    def block(region, out=None):
        windows = sliding_window_view(region, kernel.shape, axis=(-2, -1))
        result = np.einsum("...ijkl,kl->...ij", windows, kernel)
        if out is None:
            return result
        out[...] = result
        return out
    return block


@settings(max_examples=100, deadline=None)
@given(cases())
def test_every_region_is_the_extended_image(c):
    _check_valid_correlation(c)


def _check_valid_correlation(c):
    """map_ghosted of a 'valid' correlation equals that correlation of the
    image extended by the boundary rule."""
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


@st.composite
def framed_cases(draw):
    """Output blocks that are their input chunks, halos smaller than most
    chunks: the blocks that are computed framed (no region built), mixed
    with chunks too small for a frame."""
    h, w = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    lead = draw(st.sampled_from([(), (2,)]))
    chunks = (draw(chunking(h)), draw(chunking(w)))
    return dict(lead=lead, shape=(h, w), chunks=tuple(1 for _ in lead) + chunks,
                out_chunks=chunks,
                reach=((draw(st.integers(0, 4)), draw(st.integers(0, 4))),
                       (draw(st.integers(0, 4)), draw(st.integers(0, 4)))),
                boundary=draw(st.sampled_from(sorted(BOUNDARY_CODES))))


@settings(max_examples=100, deadline=None)
@given(framed_cases())
def test_framed_blocks_are_the_valid_correlation_of_the_extended_image(c):
    _check_valid_correlation(c)


@settings(max_examples=100, deadline=None)
@given(framed_cases(), st.booleans())
def test_framed_blocks_of_a_shape_keeping_function(c, clip):
    """crop=True with a local function of the reach (a zero-extended
    correlation of image and mask): equal to the function on the image
    extended by the boundary rule, or, when the region is clipped at the
    image's edges (boundary None), to the function on the image itself."""
    from scipy import ndimage as scipy_ndimage

    rng = np.random.default_rng(2)
    image = rng.standard_normal(c["lead"] + c["shape"])
    mask = image > 0.3
    (top, _), (left, _) = c["reach"]
    ry, rx = top, left  # map_planes' reaches are symmetric
    weights = rng.standard_normal((1,) * len(c["lead"]) + (2 * ry + 1, 2 * rx + 1))

    def local(region, mask_region):
        return scipy_ndimage.correlate(np.where(mask_region, region, -region), weights,
                                       mode="constant")

    x, m = da.from_array(image, chunks=c["chunks"]), da.from_array(mask, chunks=c["chunks"])
    axes = (len(c["lead"]), len(c["lead"]) + 1)
    code = None if clip else BOUNDARY_CODES[c["boundary"]]
    got = map_ghosted(local, [x, m], axes, c["out_chunks"], ((ry, ry), (rx, rx)), code, 0.0,
                      image.dtype, crop=True).compute(scheduler="sync")
    if clip:
        expected = local(image, mask)
    else:
        (h, w), fill = c["shape"], np.array([0.0])
        extended = np.empty(c["lead"] + (h + 2 * ry, w + 2 * rx))
        extended_mask = np.empty(extended.shape, bool)
        for index in np.ndindex(c["lead"]):
            copy_extended(extended[index], image[index], -ry, -rx, code, fill)
            copy_extended(extended_mask[index], mask[index], -ry, -rx, code, np.array([False]))
        expected = local(extended, extended_mask)[..., ry:ry + h, rx:rx + w]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_cut_pieces_do_not_keep_their_chunk():
    """Halo pieces are copies: a view would keep the whole chunk in the
    worker's memory until every block that reads a piece has run."""
    from corr2d._dask_ghost import _cut_pieces

    chunk = np.arange(64.0).reshape(8, 8)
    indices = ((slice(0, 2), slice(None, None, -1)), (slice(7, 8), slice(3, 5)))
    pieces = _cut_pieces(chunk, indices)
    assert len(pieces) == 2
    for piece, index in zip(pieces, indices):
        np.testing.assert_array_equal(piece, chunk[index])
        assert not np.shares_memory(piece, chunk)


@pytest.mark.parametrize("bundled", [True, False])
def test_a_block_reads_its_chunk_and_its_neighbours_halo_strips(monkeypatch, bundled):
    """Only halo strips travel: a block depends on its own chunk and on its
    neighbours' cut tasks (never a neighbour's whole chunk). A chunk's cut
    holds only the strips its neighbours read: all in one task while they
    fit in BUNDLE_BYTES, else one task per strip."""
    import dask
    from dask.core import get_dependencies

    import corr2d
    from corr2d import _dask_ghost

    if not bundled:
        monkeypatch.setattr(_dask_ghost, "BUNDLE_BYTES", 200 * 8 - 1)
    image = da.from_array(np.arange(96.0 * 96).reshape(96, 96), chunks=32)
    kernel = np.ones((5, 3))  # reach: 2 rows, 1 column
    result = corr2d.correlate2d(image, kernel, "same", "symm")
    graph = dict(result.__dask_graph__())
    chunk = (image.name, 1, 1)
    middle = get_dependencies(graph, (result.name, 1, 1))
    cuts = middle - {chunk}
    assert chunk in middle
    assert all(key[0].startswith("corr2d-ghost-piece") for key in cuts)
    neighbours = sorted((image.name, i, j) for i in range(3) for j in range(3) if (i, j) != (1, 1))
    assert sorted(key[1:4] for key in cuts) == neighbours
    own_cuts = [key for key in graph
                if key[0].startswith("corr2d-ghost-piece") and key[1:4] == chunk]
    strips = [piece for key in own_cuts for piece in dask.get(graph, key)]
    assert len(own_cuts) == (1 if bundled else 8)
    # 2 rows for the blocks above and below, 1 column for those beside,
    # 2 x 1 corners for the diagonal ones: 200 samples of 8 bytes.
    assert sum(piece.size for piece in strips) == 2 * 2 * 32 + 2 * 1 * 32 + 4 * 2 * 1
    np.testing.assert_allclose(result.compute(scheduler="sync"),
                               corr2d.correlate2d(image.compute(), kernel, "same", "symm"))

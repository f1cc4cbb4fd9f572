"""The table of boundary names in the docs (docs/boundary-names.csv, shown
by docs/boundaries.rst and linked from every docstring that takes a mode)
says which names of scipy.signal, scipy.ndimage, PyTorch, numpy.pad and
OpenCV extend an image the same way. Each equivalence is checked here
numerically, on the table as written: the names come from the CSV, the
truth from numpy.pad, SciPy, OpenCV and PyTorch (the last two where they
are installed)."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

import corr2d
import corr2d.ndimage
from corr2d import _tables, filters
from corr2d.nn import Conv2D

TABLE = Path(__file__).resolve().parents[1] / "docs" / "boundary-names.csv"
COLUMNS = ("pattern", "signal", "ndimage", "torch", "numpy", "opencv")


def _names(cell: str) -> list[str]:
    """The quoted names of a cell ('(none)' has none)."""
    return re.findall(r"'([a-z-]+)'", cell)


def load_table() -> list[dict]:
    with open(TABLE, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert len(header) == len(COLUMNS), header
    table = []
    for line in body:
        row = dict(zip(COLUMNS, line))
        entry = {
            "pattern": row["pattern"].strip("` "),
            "opencv": re.findall(r"BORDER_[A-Z_0-9]+", row["opencv"]),
        }
        for column in ("signal", "ndimage", "torch", "numpy"):
            entry[column] = _names(row[column])
        (entry["numpy_mode"],) = entry["numpy"]  # every rule has a numpy.pad name
        table.append(entry)
    return table


ROWS = load_table()
IDS = [row["numpy_mode"] for row in ROWS]
CVAL = 2.5


def np_extend(x, pad, mode, cval=CVAL):
    """numpy.pad on the two axes of x, by pad = (rows, cols) on each side."""
    (ph, pw) = pad
    if mode == "constant":
        return np.pad(x, ((ph, ph), (pw, pw)), mode=mode, constant_values=cval)
    return np.pad(x, ((ph, ph), (pw, pw)), mode=mode)


def correlate_valid(x, w):
    """The obviously correct 'valid' correlation (real inputs)."""
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape)
    return np.einsum("ijkl,kl->ij", windows, w)


@pytest.fixture
def image():
    return np.random.default_rng(13).random((3, 4))


def test_table_is_complete():
    assert len(ROWS) == 5
    # every numpy.pad name appears once, every row has an OpenCV name
    assert sorted(IDS) == ["constant", "edge", "reflect", "symmetric", "wrap"]
    assert all(len(row["opencv"]) == 1 for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_pattern_column_is_numpy_pad(row):
    """The first column (``ba|abcd|dc``) is numpy.pad's extension of abcd
    by two samples."""
    letters = np.array(list("abcd"))
    if row["numpy_mode"] == "constant":
        extended = np.pad(letters, 2, mode="constant", constant_values="k")
    else:
        extended = np.pad(letters, 2, mode=row["numpy_mode"])
    left, middle, right = (list(part.replace(" ", "")) for part in row["pattern"].split("|"))
    assert middle == list("abcd")
    assert left + middle + right == list(extended)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
@pytest.mark.parametrize("pad", [(1, 2), (5, 7)], ids=["small", "wider-than-image"])
def test_signal_names(row, pad, image):
    """scipy.signal's and corr2d.signal's boundary names: the 'full'
    correlation with a centred delta returns the extended image itself."""
    if not row["signal"]:
        pytest.skip("scipy.signal has no name for this rule")
    (ph, pw) = pad
    delta = np.zeros((2 * ph + 1, 2 * pw + 1))
    delta[ph, pw] = 1.0
    expected = np_extend(image, pad, row["numpy_mode"])
    for name in row["signal"]:
        ours = corr2d.correlate2d(image, delta, "full", boundary=name, fillvalue=CVAL)
        theirs = scipy.signal.correlate2d(image, delta, "full", boundary=name, fillvalue=CVAL)
        np.testing.assert_array_equal(theirs, expected, err_msg=f"scipy.signal {name!r}")
        np.testing.assert_array_equal(ours, expected, err_msg=f"corr2d.signal {name!r}")


@pytest.mark.parametrize("row", ROWS, ids=IDS)
@pytest.mark.parametrize("shape", [(3, 5), (9, 11)], ids=["small", "wider-than-image"])
def test_ndimage_names(row, shape, image):
    """scipy.ndimage's and corr2d.ndimage's mode names: correlating equals a
    'valid' correlation of the numpy.pad-extended image (odd kernels)."""
    w = np.random.default_rng(1).normal(size=shape)
    expected = correlate_valid(np_extend(image, (shape[0] // 2, shape[1] // 2), row["numpy_mode"]), w)
    for name in row["ndimage"]:
        theirs = scipy.ndimage.correlate(image, w, mode=name, cval=CVAL)
        ours = corr2d.ndimage.correlate(image, w, mode=name, cval=CVAL)
        np.testing.assert_allclose(theirs, expected, rtol=1e-12, atol=1e-12,
                                   err_msg=f"scipy.ndimage {name!r}")
        np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12,
                                   err_msg=f"corr2d.ndimage {name!r}")


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_filters_names(row):
    """corr2d.filters takes ndimage's names: Sobel equals the 'valid'
    correlation of the extended image with the Sobel kernel."""
    image = np.random.default_rng(2).random((2, 5))  # 2 rows: the extension repeats
    sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    expected = correlate_valid(np_extend(image, (1, 1), row["numpy_mode"], cval=0.0), sobel)
    for name in row["ndimage"]:
        np.testing.assert_allclose(filters.sobel(image, axis=1, mode=name), expected,
                                   rtol=1e-12, atol=1e-12, err_msg=f"filters {name!r}")
        np.testing.assert_allclose(scipy.ndimage.sobel(image, axis=1, mode=name), expected,
                                   rtol=1e-12, atol=1e-12, err_msg=f"scipy.ndimage.sobel {name!r}")


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_torch_names_in_corr2d(row):
    """PyTorch's padding_mode names in corr2d.conv2d (within PyTorch's limits)
    and nn.Conv2D (also wider than the input, where it repeats)."""
    if not row["torch"]:
        pytest.skip("PyTorch has no name for this rule")
    (name,) = row["torch"]
    rng = np.random.default_rng(3)
    x = rng.random((6, 7))
    w = rng.normal(size=(3, 5))
    expected = correlate_valid(np_extend(x, (2, 3), row["numpy_mode"], cval=0.0), w)
    got = corr2d.conv2d(x[None, None], w[None, None], padding=(2, 3), padding_mode=name)
    np.testing.assert_allclose(got[0, 0], expected, rtol=1e-12, atol=1e-12)

    small = rng.random((2, 3))  # padding wider than the input
    layer = Conv2D(1, 1, (3, 5), padding=(4, 5), padding_mode=name, bias=False, dtype=np.float64)
    layer.weight.data[0, 0] = w
    expected = correlate_valid(np_extend(small, (4, 5), row["numpy_mode"], cval=0.0), w)
    np.testing.assert_allclose(layer(small[None, None])[0, 0], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_torch_names_in_pytorch(row):
    """The PyTorch column against PyTorch itself: nn.Conv2d's padding_mode."""
    torch = pytest.importorskip("torch")
    if not row["torch"]:
        pytest.skip("PyTorch has no name for this rule")
    (name,) = row["torch"]
    rng = np.random.default_rng(4)
    x = rng.random((6, 7))
    w = rng.normal(size=(3, 5))
    layer = torch.nn.Conv2d(1, 1, (3, 5), padding=(2, 3), padding_mode=name, bias=False,
                            dtype=torch.float64)
    with torch.no_grad():
        layer.weight[0, 0] = torch.from_numpy(w)
        got = layer(torch.from_numpy(x)[None, None])[0, 0].numpy()
    expected = correlate_valid(np_extend(x, (2, 3), row["numpy_mode"], cval=0.0), w)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_opencv_names(row, image):
    """The OpenCV column: cv2.copyMakeBorder extends as numpy.pad does."""
    cv2 = pytest.importorskip("cv2")
    (name,) = row["opencv"]
    border = getattr(cv2, name)
    got = cv2.copyMakeBorder(image, 2, 2, 3, 3, border, value=CVAL)
    np.testing.assert_array_equal(got, np_extend(image, (2, 3), row["numpy_mode"]))


def test_opencv_filter2d_refuses_wrap(image):
    cv2 = pytest.importorskip("cv2")
    with pytest.raises(cv2.error):
        cv2.filter2D(image, -1, np.ones((3, 3)), borderType=cv2.BORDER_WRAP)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_tables_module_agrees(row):
    """corr2d._tables, the code's one table, maps each row's names to one
    boundary of the C core, and PyTorch's name to the row's numpy.pad name."""
    cores = {_tables.SCIPY_BOUNDARIES[name] for name in row["signal"]}
    cores |= {_tables.NDIMAGE_BOUNDARIES[name] for name in row["ndimage"]}
    assert len(cores) == 1, cores
    for name in row["torch"]:
        assert _tables.TORCH_NUMPY_PAD[name] in (row["numpy_mode"], None)
        assert (_tables.TORCH_NUMPY_PAD[name] is None) == (row["numpy_mode"] == "constant")


def test_reflect_means_two_things():
    """The page's warning: PyTorch's 'reflect' is ndimage's 'mirror', not
    ndimage's 'reflect'."""
    by_numpy = {row["numpy_mode"]: row for row in ROWS}
    assert "reflect" in by_numpy["reflect"]["torch"]
    assert "mirror" in by_numpy["reflect"]["ndimage"]
    assert "reflect" in by_numpy["symmetric"]["ndimage"]
    assert not by_numpy["symmetric"]["torch"]

"""The corr2d program, run as `python -m corr2d ...` in a subprocess: every
subcommand, the files it writes, exit codes and one-line errors."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from corr2d import correlate2d, filters
from corr2d.data import synthetic_scene


def corr2d(*args, cwd=None, code=None):
    """Run the program; return (exit status, stdout, stderr)."""
    argv = [sys.executable, "-c", code] if code else [sys.executable, "-m", "corr2d"]
    proc = subprocess.run(
        argv + [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    return proc.returncode, proc.stdout, proc.stderr


def assert_one_line_error(rc, out, err, words):
    assert rc == 2
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "error" in lines[0] and re.search(words, lines[0]), lines[0]


@pytest.mark.parametrize("command", [[], ["demo"], ["edges"], ["learn"], ["bench"]])
def test_help(command):
    rc, out, err = corr2d(*command, "--help")
    assert rc == 0 and out.startswith("usage: corr2d") and err == ""


def test_no_command_prints_the_help():
    rc, out, err = corr2d()
    assert rc == 0 and out.startswith("usage: corr2d") and "examples:" in out and err == ""


def test_demo_prints_the_chapter():
    rc, out, err = corr2d("demo")
    assert rc == 0, err
    flat = " ".join(out.split())
    assert "[[19. 25.] [37. 43.]]" in flat
    assert "[ 0. 1. 0. 0. 0. -1. 0.]" in flat
    assert "[[ 56. 72.] [104. 120.]]" in flat
    assert "[[ 96. 128.] [192. 224.]]" in flat
    for shape in ["(2, 1), stride (1, 1) -> 8x8", "(2, 1), stride (2, 2) -> 4x4", "(0, 1), stride (3, 4) -> 2x2"]:
        assert shape in out
    assert "equal: True" in out
    losses = [float(v) for v in re.findall(r"step +\d+, loss ([\d.]+)", out)]
    assert len(losses) == 10 and losses[-1] < 0.01
    learned = re.search(r"learned kernel: \[\[ *([-\d.]+) +([-\d.]+)\]\]", out)
    assert abs(float(learned.group(1)) - 1) < 0.05 and abs(float(learned.group(2)) + 1) < 0.05


def test_edges_npy_in_and_out_without_pillow(tmp_path):
    image = np.random.default_rng(0).uniform(0, 1, (20, 30))
    np.save(tmp_path / "in.npy", image)
    for method in filters.EDGE_METHODS:
        rc, out, err = corr2d("edges", "in.npy", "-o", f"{method}.npy", "--method", method, "--mode", "wrap", cwd=tmp_path)
        assert rc == 0, err
        np.testing.assert_array_equal(np.load(tmp_path / f"{method}.npy"), filters.edges(image, method, mode="wrap"))
    rc, out, err = corr2d("edges", "in.npy", "-o", "sx.npy", "--signed", "--axis", "0", cwd=tmp_path)
    assert rc == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "sx.npy"), filters.sobel(image, axis=0))


def sobel_strength(image):
    """The Sobel gradient magnitude by scipy.ndimage: the oracle for `corr2d edges`."""
    import scipy.ndimage

    return np.hypot(scipy.ndimage.sobel(image, axis=0), scipy.ndimage.sobel(image, axis=1))


def read_png(path):
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img)


@pytest.mark.parametrize(
    "scale,white",
    [
        ([], lambda e: np.percentile(e, 99.5)),  # the default
        (["--scale", "percentile"], lambda e: np.percentile(e, 99.5)),
        (["--scale", "98%"], lambda e: np.percentile(e, 98)),
        (["--scale", "max"], lambda e: e.max()),
        (["--scale", "100%"], lambda e: e.max()),
        (["--scale", "1.5"], lambda e: 1.5),
    ],
)
def test_edges_of_the_builtin_scene_as_png(tmp_path, scale, white):
    pytest.importorskip("PIL.Image")
    rc, out, err = corr2d("edges", "-o", "edges.png", "--save-input", "scene.png", *scale, cwd=tmp_path)
    assert rc == 0, err
    assert "wrote edges.png" in out
    edge_pixels = read_png(tmp_path / "edges.png")
    assert edge_pixels.dtype == np.uint8 and edge_pixels.shape == (120, 160)
    e = sobel_strength(synthetic_scene())
    expected = np.clip(np.rint(255 * e / white(e)), 0, 255)
    # 1 level for a pixel on a rounding boundary (corr2d's and scipy's sums round differently)
    np.testing.assert_allclose(edge_pixels, expected, atol=1, rtol=0)
    assert np.mean(edge_pixels != expected) < 0.01
    assert edge_pixels.max() == 255 and edge_pixels.min() == 0
    clipped = np.mean(e > white(e))
    assert f"{100 * clipped:.2g}% of pixels clipped" in out
    np.testing.assert_array_equal(read_png(tmp_path / "scene.png"), np.rint(synthetic_scene() * 255).astype(np.uint8))
    assert (tmp_path / "edges.png").stat().st_size < 20_000  # the built-in scene stays small


def test_percentile_scaling_brightens_a_sparse_edge_map(tmp_path):
    # The regression of issue 13: a Laplacian map scaled to its max had a mean of 7/255.
    pytest.importorskip("PIL.Image")
    assert corr2d("edges", "-o", "max.png", "--method", "laplace", "--scale", "max", cwd=tmp_path)[0] == 0
    assert corr2d("edges", "-o", "p.png", "--method", "laplace", cwd=tmp_path)[0] == 0
    by_max, by_percentile = read_png(tmp_path / "max.png"), read_png(tmp_path / "p.png")
    import scipy.ndimage

    lap = np.abs(scipy.ndimage.laplace(synthetic_scene()))
    assert by_percentile.mean() > 1.3 * by_max.mean()
    expected = np.clip(255 * lap / np.percentile(lap, 99.5), 0, 255)
    np.testing.assert_allclose(by_percentile.mean(), expected.mean(), atol=0.5)


def test_signed_png_levels_and_record(tmp_path):
    pytest.importorskip("PIL.Image")
    import json

    import scipy.ndimage
    from PIL import Image

    rc, out, err = corr2d("edges", "-o", "sy.png", "--signed", "--axis", "0", "--mode", "nearest", cwd=tmp_path)
    assert rc == 0, err
    r = scipy.ndimage.sobel(synthetic_scene(), axis=0, mode="nearest")
    s = np.abs(r).max()  # --signed: --scale max by default, nothing clipped
    levels = read_png(tmp_path / "sy.png")
    np.testing.assert_allclose(levels, np.rint(128 + 127 * r / s), atol=1, rtol=0)
    assert levels.min() >= 1 and levels.max() <= 255
    assert levels[np.abs(r) < 1e-12].tolist() == [128] * int(np.sum(np.abs(r) < 1e-12))  # zero is grey 128
    with Image.open(tmp_path / "sy.png") as img:
        record = json.loads(img.text["corr2d-edges"])
    assert record["method"] == "sobel" and record["axis"] == 0 and record["mode"] == "nearest"
    assert record["signed"] is True and record["clipped"] == 0 and record["shape"] == [120, 160]
    np.testing.assert_allclose(record["scale"], s, rtol=1e-12)
    np.testing.assert_allclose(record["gain"], 127 / 255 / s, rtol=1e-12)
    assert record["offset"] == 128 / 255
    # the kernel, such that out[i, j] = sum(kernel[a, b] * image[i + a - c0, j + b - c1])
    kernel, (c0, c1) = np.array(record["kernel"]), record["centre"]
    x = np.random.default_rng(3).standard_normal((9, 9))
    by_record = sum(weight * x[4 + a - c0, 4 + b - c1] for (a, b), weight in np.ndenumerate(kernel))
    assert by_record == pytest.approx(scipy.ndimage.sobel(x, axis=0)[4, 4])


@pytest.mark.parametrize("value", ["0", "-1", "0%", "101%", "lots", "nan", "inf"])
def test_scale_must_be_max_a_percentile_or_a_positive_number(tmp_path, value):
    assert_one_line_error(*corr2d("edges", "-o", "e.png", "--scale", value, cwd=tmp_path), "--scale")


def test_npy_output_is_on_the_0_1_input_scale(tmp_path):
    # `-o e.npy` holds the response of the image read as level / 255: 255 times smaller
    # than corr2d.filters on the 8-bit levels, whatever --scale says; --help says so.
    pytest.importorskip("PIL.Image")
    grey_png(tmp_path / "a.png")
    rc, out, err = corr2d("edges", "a.png", "-o", "e.npy", "--scale", "max", cwd=tmp_path)
    assert rc == 0, err
    levels = read_png(tmp_path / "a.png").astype(np.float64)
    np.testing.assert_allclose(255 * np.load(tmp_path / "e.npy"), sobel_strength(levels), rtol=1e-12, atol=1e-9)
    assert "0-1 scale" in out
    help_text = " ".join(corr2d("edges", "--help")[1].split())
    assert ".npy (the float response on the input's 0-1 scale)" in help_text
    assert "multiply by 255 for corr2d.filters on the 8-bit levels" in help_text


def test_help_says_colour_is_converted_to_grey():
    for command in ([], ["edges"], ["learn"]):
        out = " ".join(corr2d(*command, "--help")[1].split())
        assert "converted to grey" in out


def test_top_level_examples_are_aligned():
    # issue 13: the examples column was misaligned. Every description starts in one column,
    # beside its command or, after a long command, on the next line; all within 80 columns.
    rc, out, err = corr2d()
    block = out[out.index("examples:\n") + len("examples:\n"):].split("\n\n")[0].splitlines()
    columns = set()
    for line, following in zip(block, block[1:] + [""]):
        assert len(line) < 80, line
        if line.startswith("  corr2d "):
            gap = re.search(r"\S( {2,})\S", line)
            if gap:
                columns.add(gap.end(1))
            else:  # a command alone: its description follows
                assert following.strip() and not following.startswith("  corr2d"), (line, following)
        else:
            columns.add(len(line) - len(line.lstrip()))
    assert len(block) >= 5 and len(columns) == 1, block


@pytest.mark.parametrize("suffix", ["png", "jpg", "tif"])
def test_edges_reads_image_files(tmp_path, suffix):
    Image = pytest.importorskip("PIL.Image")
    rgb = (np.random.default_rng(1).uniform(0, 255, (16, 24, 3))).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / f"photo.{suffix}")
    rc, out, err = corr2d("edges", f"photo.{suffix}", "-o", "e.npy", "--method", "laplace", cwd=tmp_path)
    assert rc == 0, err
    with Image.open(tmp_path / f"photo.{suffix}") as img:
        grey = np.asarray(img.convert("L"), np.float64) / 255
    np.testing.assert_allclose(np.load(tmp_path / "e.npy"), filters.edges(grey, "laplace"), atol=1e-12)


def test_a_flat_background_is_black_and_a_signed_one_grey(tmp_path):
    # A flat grey of 77 came out white: the filters left 5.6e-17 of rounding
    # there, which the scale took for the strongest edge.
    Image = pytest.importorskip("PIL.Image")
    Image.fromarray(np.full((20, 30), 77, np.uint8)).save(tmp_path / "flat.png")
    sparse = np.full((100, 100), 77, np.uint8)
    sparse[50:52, 50:52] = 200  # edges on fewer pixels than the 99.5th percentile
    Image.fromarray(sparse).save(tmp_path / "sparse.png")
    for name, options, background in [("flat", [], 0), ("flat", ["--signed", "--axis", "0"], 128),
                                      ("flat", ["--signed", "--axis", "1"], 128),
                                      ("sparse", [], 0)]:
        rc, out, err = corr2d("edges", f"{name}.png", "-o", "e.png", *options, cwd=tmp_path)
        assert rc == 0, err
        with Image.open(tmp_path / "e.png") as img:
            levels = np.asarray(img)
        assert np.unique(levels[:10, :10]).tolist() == [background], (name, options)


def test_wide_images_keep_their_depth_and_one_nan_spoils_nothing_else(tmp_path):
    # A float image was divided by its maximum, NaN for one NaN sample; a
    # big-endian 16-bit TIFF went through 8-bit grey (3 levels left).
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(2)
    levels = rng.integers(0, 60000, (12, 20)).astype(np.uint16)
    Image.fromarray(levels).save(tmp_path / "little.tif")
    Image.frombytes("I;16B", (20, 12), levels.astype(">u2").tobytes()).save(tmp_path / "big.tif")
    floats = rng.uniform(0, 3, (12, 20)).astype(np.float32)
    floats[4, 7] = np.nan
    Image.fromarray(floats, mode="F").save(tmp_path / "float.tif")
    for name, want in [("little", levels / levels.max()), ("big", levels / levels.max()),
                       ("float", floats / np.nanmax(floats))]:
        rc, out, err = corr2d("edges", f"{name}.tif", "-o", f"{name}.npy", "--method", "laplace",
                              "--save-input", f"{name}_in.npy", cwd=tmp_path)
        assert rc == 0, err
        np.testing.assert_allclose(np.load(tmp_path / f"{name}_in.npy"), want, rtol=1e-6,
                                   err_msg=name)
        assert np.isnan(np.load(tmp_path / f"{name}.npy")).sum() <= 5  # the NaN and 4 neighbours


def test_edges_compare_figure(tmp_path):
    pytest.importorskip("PIL.Image")
    pytest.importorskip("matplotlib")
    rc, out, err = corr2d("edges", "-o", "edges.png", "--compare", cwd=tmp_path)
    assert rc == 0, err
    from PIL import Image

    with Image.open(tmp_path / "edges_compare.png") as img:
        width, height = img.size
    assert width > height > 100


def smooth_noise(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("target_size", ["valid", "same"])
def test_learn_recovers_a_known_kernel(tmp_path, target_size):
    x = smooth_noise((40, 36), 3)
    kernel = np.array([[0.5, -1.0, 0.25], [0.0, 1.0, 0.0], [-0.5, 0.0, 0.75]])
    if target_size == "valid":
        y = correlate2d(x, kernel, mode="valid")
    else:  # 'same' with the reflect (symmetric) extension that learn uses by default
        y = correlate2d(x, kernel, mode="same", boundary="symm")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    rc, out, err = corr2d("learn", "x.npy", "y.npy", "--steps", "150", "--lr", "0.1", "--save", "k.npy", cwd=tmp_path)
    assert rc == 0, err
    np.testing.assert_allclose(np.load(tmp_path / "k.npy"), kernel, atol=1e-3)
    assert "learned 3x3 kernel" in out and "mean squared error" in out
    assert "learning [" in err and "150/150" in err  # the progress bar


def test_learn_rectangular_kernel_with_bias(tmp_path):
    x = smooth_noise((30, 30), 4)
    y = correlate2d(x, np.array([[1.0, -1.0]]), mode="valid") + 0.5
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    rc, out, err = corr2d("learn", "x.npy", "y.npy", "--kernel-size", "1", "2", "--bias", "--steps", "300",
                          "--lr", "0.1", "--save", "k.npy", cwd=tmp_path)
    assert rc == 0, err
    np.testing.assert_allclose(np.load(tmp_path / "k.npy"), [[1.0, -1.0]], atol=1e-3)
    assert re.search(r"bias: 0\.5", out)


def test_learn_with_bias_and_constant_padding_recovers_the_kernel(tmp_path):
    # The input was centred before its zero padding: the padding was its mean.
    x = smooth_noise((30, 32), 6) + 3.0
    kernel = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", correlate2d(x, kernel, mode="same") + 0.25)
    rc, out, err = corr2d("learn", "x.npy", "y.npy", "--pad-mode", "constant", "--bias",
                          "--steps", "3000", "--save", "k.npy", cwd=tmp_path)
    assert rc == 0, err
    np.testing.assert_allclose(np.load(tmp_path / "k.npy"), kernel, atol=1e-2)
    assert re.search(r"bias: 0\.2[45]", out), out


def test_learn_from_edges_pngs(tmp_path):
    pytest.importorskip("PIL.Image")
    assert corr2d("edges", "-o", "sx.png", "--signed", "--save-input", "scene.png", cwd=tmp_path)[0] == 0
    rc, out, err = corr2d("learn", "scene.png", "sx.png", "--bias", "--steps", "60", cwd=tmp_path)
    assert rc == 0, err
    first, last = map(float, re.search(r"error: ([\d.e+-]+) at the start, ([\d.e+-]+) at the end", out).groups())
    assert last < first / 100


def test_bench_quick():
    rc, out, err = corr2d("bench", "--quick")
    assert rc == 0, err
    header = [line for line in out.splitlines() if "kernel" in line and "corr2d" in line]
    assert header and "scipy.signal" in header[0] and "scipy.ndimage" in header[0]
    assert re.search(r"128x128 +3x3 +[\d.]+", out) and re.search(r"256x256 +5x5", out)
    assert " !" not in out  # every peer agrees with corr2d
    assert "timing [" in err


def write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "args,words",
    [
        (["frobnicate"], "invalid choice"),
        (["edges"], "required: -o"),
        (["edges", "missing.png", "-o", "out.png"], "cannot read 'missing.png'"),
        (["edges", "text.png", "-o", "out.npy"], "cannot read 'text.png'"),
        (["edges", "text.npy", "-o", "out.npy"], "cannot read 'text.npy'"),
        (["edges", "-o", "no/such/dir/out.npy"], "no such directory"),
        (["edges", "-o", "out.npy", "--method", "canny"], "invalid choice"),
        (["learn", "x.npy"], "required: TARGET"),
        (["learn", "x.npy", "x.npy", "--kernel-size", "0"], "positive integer"),
        (["learn", "x.npy", "x.npy", "--kernel-size", "1", "2", "3"], "one or two"),
        (["learn", "x.npy", "x.npy", "--lr", "-1"], "non-negative"),
        (["learn", "x.npy", "big.npy"], "larger than any correlation"),
        (["learn", "x.npy", "x.npy", "--kernel-size", "10000000"], "larger than INPUT 8x8"),
        (["edges", "-o", "e.npy", "--save-input", "./e.npy"], "name one file"),
        (["learn", "x.npy", "x.npy", "--lr", "50", "--momentum", "0"], "diverged"),
        (["learn", "cube.npy", "x.npy"], "2-D"),
        (["bench", "--dtype", "int8"], "invalid choice"),
        (["demo", "--steps", "0"], "steps"),
    ],
)
def test_errors_are_one_line_with_status_2(tmp_path, args, words):
    write(tmp_path / "text.png", "not an image")
    write(tmp_path / "text.npy", "not an array")
    np.save(tmp_path / "x.npy", smooth_noise((8, 8), 5))
    np.save(tmp_path / "big.npy", np.zeros((20, 20)))
    np.save(tmp_path / "cube.npy", np.zeros((2, 3, 4)))
    assert_one_line_error(*corr2d(*args, cwd=tmp_path), words)


@pytest.mark.parametrize(
    "blocked,args,extra",
    [("PIL", ["edges", "-o", "out.png"], "image"), ("matplotlib", ["edges", "-o", "out.npy", "--compare"], "plot")],
)
def test_missing_optional_package_says_how_to_install_it(tmp_path, blocked, args, extra):
    code = f"import sys; sys.modules[{blocked!r}] = None; from corr2d.cli import main; sys.exit(main())"
    assert_one_line_error(*corr2d(*args, cwd=tmp_path, code=code), rf"pip install 'corr2d\[{extra}\]'")


def grey_png(path, shape=(40, 50)):
    """A small grey PNG, `shape` = (height, width); returns its bytes."""
    Image = pytest.importorskip("PIL.Image")
    Image.fromarray(np.random.default_rng(2).integers(0, 256, shape, dtype=np.uint8)).save(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    "args,option",
    [
        (["edges", "a.png", "-o", "a.png"], "-o"),
        (["edges", "a.png", "-o", "./a.png"], "-o"),
        (["edges", "a.png", "-o", "sub/../a.png"], "-o"),
        (["edges", "a.png", "-o", "link.png"], "-o"),  # a symlink to a.png
        (["edges", "link.png", "-o", "a.png"], "-o"),
        (["edges", "a.png", "-o", "hard.png"], "-o"),  # a hard link to a.png
        (["edges", "a.png", "-o", "e.png", "--save-input", "a.png"], "--save-input"),
        (["edges", "a.png", "-o", "e.png", "--save-input", "./link.png"], "--save-input"),
        (["edges", "a.png", "-o", "e.png", "--compare", "a.png"], "--compare"),
        (["edges", "a.png", "-o", "e.png", "--compare", "a"], "--compare"),  # matplotlib adds .png
        (["edges", "e_compare.png", "-o", "e.png", "--compare"], "--compare"),  # the default figure name
        (["learn", "x.npy", "y.npy", "--save", "x.npy"], "--save"),
        (["learn", "x.npy", "y.npy", "--save", "./y.npy"], "--save"),
        (["learn", "x.npy", "y.npy", "--save", "y"], "--save"),  # np.save writes y.npy
    ],
)
def test_an_output_may_not_overwrite_an_input(tmp_path, args, option):
    inputs = {name: grey_png(tmp_path / name) for name in ("a.png", "e_compare.png")}
    for name, seed in (("x.npy", 6), ("y.npy", 7)):
        np.save(tmp_path / name, smooth_noise((8, 8), seed))
        inputs[name] = (tmp_path / name).read_bytes()
    (tmp_path / "sub").mkdir()
    try:
        os.symlink("a.png", tmp_path / "link.png")
        os.link(tmp_path / "a.png", tmp_path / "hard.png")
    except (OSError, NotImplementedError):
        pytest.skip("no symlinks or hard links here")
    before = sorted(os.listdir(tmp_path))
    assert_one_line_error(*corr2d(*args, cwd=tmp_path), rf"{option} .* would overwrite the input")
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, not even the other outputs
    for name, data in inputs.items():
        assert (tmp_path / name).read_bytes() == data


def test_learn_save_prints_the_file_it_writes(tmp_path):
    np.save(tmp_path / "x.npy", smooth_noise((8, 8), 5))
    rc, out, err = corr2d("learn", "x.npy", "x.npy", "--steps", "2", "--save", "kern", cwd=tmp_path)
    assert rc == 0, err
    assert "wrote kern.npy" in out.splitlines()[-1]
    assert (tmp_path / "kern.npy").is_file() and not (tmp_path / "kern").exists()


def test_outputs_are_written_under_the_printed_names(tmp_path):
    pytest.importorskip("matplotlib")
    grey_png(tmp_path / "a.png")
    rc, out, err = corr2d("edges", "a.png", "-o", "e.NPY", "--compare", "fig", cwd=tmp_path)
    assert rc == 0, err
    assert "wrote e.NPY:" in out and "wrote fig.png:" in out
    assert sorted(os.listdir(tmp_path)) == ["a.png", "e.NPY", "fig.png"]


def test_the_default_pixel_limit_is_64_megapixels():
    from corr2d.cli import build_parser
    from corr2d.cli._common import DEFAULT_MAX_PIXELS

    assert DEFAULT_MAX_PIXELS == 64_000_000
    parser = build_parser()
    assert parser.parse_args(["edges", "-o", "e.png"]).max_pixels == 64_000_000
    assert parser.parse_args(["learn", "x.png", "y.png"]).max_pixels == 64_000_000
    assert parser.parse_args(["learn", "x.png", "y.png", "--max-pixels", "1e8"]).max_pixels == 100_000_000


@pytest.mark.parametrize("command", ["edges", "learn"])
def test_help_documents_max_pixels(command):
    rc, out, err = corr2d(command, "--help")
    assert rc == 0 and "--max-pixels N" in out and "64000000" in " ".join(out.split())


def png_header_only(path, width, height):
    """A PNG file that claims width x height pixels but holds almost no data: a
    decompression bomb, as far as its header goes."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


@pytest.mark.parametrize("command", [["edges", "{}", "-o", "e.npy"], ["learn", "x.npy", "{}"]])
def test_the_default_limit_refuses_a_large_image_from_its_header(tmp_path, command):
    pytest.importorskip("PIL.Image")
    png_header_only(tmp_path / "big.png", 8100, 8100)  # 65.61e6 pixels: over 64e6, under 64 * 2**20
    np.save(tmp_path / "x.npy", smooth_noise((8, 8), 5))
    args = [a.format("big.png") for a in command]
    assert_one_line_error(
        *corr2d(*args, cwd=tmp_path),
        r"'big.png' has 65610000 pixels \(8100 wide, 8100 high\), over the limit of 64000000: "
        r"raise it with --max-pixels 65610000",
    )
    assert not (tmp_path / "e.npy").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["edges", "a.png", "-o", "e.npy"],
        ["edges", "x.npy", "-o", "e.npy"],
        ["learn", "x.npy", "a.png", "--steps", "2"],
        ["learn", "a.png", "x.npy", "--steps", "2"],
    ],
)
def test_max_pixels_refuses_and_raising_it_runs(tmp_path, args):
    grey_png(tmp_path / "a.png", (40, 50))  # 2000 pixels
    np.save(tmp_path / "x.npy", smooth_noise((40, 50), 5))
    assert_one_line_error(
        *corr2d(*args, "--max-pixels", "1999", cwd=tmp_path),
        r"has 2000 pixels \(50 wide, 40 high\), over the limit of 1999: raise it with --max-pixels 2000",
    )
    rc, out, err = corr2d(*args, "--max-pixels", "2000", cwd=tmp_path)
    assert rc == 0, err
    assert "Warning" not in err


@pytest.mark.parametrize("max_pixels", [[], ["--max-pixels", "2000"]])
def test_pillows_own_limit_does_not_fire_under_ours(tmp_path, max_pixels):
    # Pillow's limit lowered to 500 pixels: it would warn about the 2000-pixel image
    # (and above 1000 refuse it); under our limit the image is read quietly.
    grey_png(tmp_path / "a.png", (40, 50))
    code = "import sys, PIL.Image; PIL.Image.MAX_IMAGE_PIXELS = 500; from corr2d.cli import main; sys.exit(main())"
    rc, out, err = corr2d("edges", "a.png", "-o", "e.npy", *max_pixels, cwd=tmp_path, code=code)
    assert rc == 0 and err == "", err
    assert (tmp_path / "e.npy").is_file()


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "lots", "inf"])
def test_max_pixels_must_be_a_positive_whole_number(tmp_path, value):
    rc, out, err = corr2d("edges", "-o", "e.npy", "--max-pixels", value, cwd=tmp_path)
    assert_one_line_error(rc, out, err, "whole number of pixels")


def signed_scene(tmp_path, *options):
    """`corr2d edges --signed` on the built-in scene, as sx.png, with scene.png beside it."""
    pytest.importorskip("PIL.Image")
    rc, out, err = corr2d("edges", "-o", "sx.png", "--signed", "--save-input", "scene.png", *options, cwd=tmp_path)
    assert rc == 0, err


def test_learn_stops_once_converged(tmp_path):
    signed_scene(tmp_path)
    rc, out, err = corr2d("learn", "scene.png", "sx.png", "--bias", cwd=tmp_path)
    assert rc == 0, err
    steps = int(re.search(r"converged after (\d+) steps", out).group(1))
    assert 100 < steps < 10000
    assert re.search(rf"\] +{steps}/10000 +loss [\d.e+-]+, converged", err)  # the progress bar's last line
    assert "warning" not in err


def test_learn_warns_when_not_converged(tmp_path):
    signed_scene(tmp_path)
    rc, out, err = corr2d("learn", "scene.png", "sx.png", "--bias", "--steps", "200", cwd=tmp_path)
    assert rc == 0, err
    assert "(200 steps," in out and "converged" not in out
    assert re.search(r"warning: not converged: the loss still fell by [\d.]+% over the last 100 steps; "
                     r"run more --steps \(now 200\) or a larger --lr", err)


def test_learn_tol_0_runs_every_step(tmp_path):
    np.save(tmp_path / "x.npy", smooth_noise((20, 20), 8))
    rc, out, err = corr2d("learn", "x.npy", "x.npy", "--steps", "300", "--tol", "0", cwd=tmp_path)
    assert rc == 0, err
    assert "(300 steps," in out and "300/300" in err and "not converged" not in err
    # A loss that stops changing (--lr 0) converged after 100 steps regardless.
    rc, out, err = corr2d("learn", "x.npy", "x.npy", "--steps", "300", "--tol", "0", "--lr", "0",
                          cwd=tmp_path)
    assert rc == 0, err
    assert "(300 steps," in out and "300/300" in err


def test_learn_reports_the_fall_over_the_steps_it_ran(tmp_path):
    # Fewer steps than the window: the fall is over those steps, and relative
    # to the loss before them (it was relative to the last: a fall of 19300%).
    np.save(tmp_path / "x.npy", np.ones((6, 6), bool))
    rc, out, err = corr2d("learn", "x.npy", "x.npy", "--steps", "50", cwd=tmp_path)
    assert rc == 0, err
    fall = re.search(r"warning: not converged: the loss still fell by ([\d.e+-]+)% over the last "
                     r"50 steps", err)
    assert fall and 0 < float(fall.group(1)) <= 100, err


def test_learn_warns_about_an_edge_strength_target(tmp_path):
    # issue 13: `corr2d learn scene.png edges.png` learned noise, silently.
    pytest.importorskip("PIL.Image")
    assert corr2d("edges", "-o", "edges.png", "--save-input", "scene.png", cwd=tmp_path)[0] == 0
    rc, out, err = corr2d("learn", "scene.png", "edges.png", "--bias", cwd=tmp_path)
    assert rc == 0, err
    assert "warning: TARGET is an edge strength (corr2d edges without --signed)" in err
    explained = float(re.search(r"the kernel explains ([\d.e+-]+)% of TARGET's variance", err).group(1))
    assert explained < 10
    assert "expect" not in out


def test_learn_warns_about_a_poor_fit_without_a_record(tmp_path):
    # a target that no kernel makes, from no corr2d command: the fit quality alone warns
    x = smooth_noise((30, 30), 9)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.abs(correlate2d(x, np.array([[1.0, -1.0]]), mode="same")))
    rc, out, err = corr2d("learn", "x.npy", "y.npy", "--bias", cwd=tmp_path)
    assert rc == 0, err
    assert "warning: a poor fit" in err


def test_learn_says_a_signed_png_needs_bias(tmp_path):
    signed_scene(tmp_path)
    rc, out, err = corr2d("learn", "scene.png", "sx.png", "--steps", "5", cwd=tmp_path)
    assert rc == 0, err
    assert "warning: TARGET writes zero as grey 128 (0.502 as read): add --bias" in err


def test_learn_warns_about_a_clipped_target(tmp_path):
    signed_scene(tmp_path, "--scale", "99%")
    rc, out, err = corr2d("learn", "scene.png", "sx.png", "--bias", "--steps", "5", cwd=tmp_path)
    assert rc == 0, err
    assert re.search(r"warning: 1(\.0)?% of TARGET's pixels were clipped \(--scale 99%\)", err)


def test_learn_extends_input_as_edges_did(tmp_path):
    # the target's recorded --mode is the default --pad-mode; another one is warned about
    signed_scene(tmp_path, "--mode", "wrap", "--axis", "0")
    rc, out, err = corr2d("learn", "scene.png", "sx.png", "--bias", "--save", "k.npy", cwd=tmp_path)
    assert rc == 0, err
    assert "INPUT 120x160, extended by wrap -> TARGET 120x160" in out
    import scipy.ndimage

    s = np.abs(scipy.ndimage.sobel(synthetic_scene(), axis=0, mode="wrap")).max()
    expected = 127 / 255 / s * np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
    np.testing.assert_allclose(np.load(tmp_path / "k.npy"), expected, atol=0.02 * np.abs(expected).max())
    rc, out, err = corr2d("learn", "scene.png", "sx.png", "--bias", "--pad-mode", "reflect", "--steps", "5",
                          cwd=tmp_path)
    assert "warning: TARGET was made with --mode wrap, INPUT is extended with --pad-mode reflect" in err


@pytest.mark.parametrize("kernel,bias", [((3, 3), False), ((3, 3), True), ((2, 5), True), ((1, 1), False)])
def test_learn_rate_from_the_largest_curvature(kernel, bias):
    # power iteration against the Hessian's eigenvalues from its explicit matrix
    from corr2d.cli.learn import largest_curvature

    x = np.random.default_rng(10).uniform(0, 1, (25, 30))
    target = (x.shape[0] - kernel[0] + 1, x.shape[1] - kernel[1] + 1)
    columns = [x[a:a + target[0], b:b + target[1]].ravel() for a in range(kernel[0]) for b in range(kernel[1])]
    if bias:
        columns.append(np.ones(target[0] * target[1]))
    a = np.stack(columns, 1)
    hessian = 2 * a.T @ a / a.shape[0]
    expected = np.linalg.eigvalsh(hessian)[-1]
    assert largest_curvature(x, kernel, bias, iterations=200) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    "options,title,signed",
    [
        ([], "edge strength |gradient| (sobel)", False),
        (["--method", "laplace"], "|Laplacian| (laplace)", False),
        (["--signed"], "d/dx (sobel), signed", True),
        (["--signed", "--axis", "0", "--method", "prewitt"], "d/dy (prewitt), signed", True),
        (["--signed", "--method", "laplace"], "Laplacian, signed", True),
    ],
)
def test_compare_figure_titles_colour_bar_and_scale(tmp_path, monkeypatch, options, title, signed):
    # issue 13: a signed derivative was titled "edges (sobel)", in grey, with no colour bar
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL.Image")
    import matplotlib.figure
    import scipy.ndimage

    from corr2d.cli import main

    figures = []
    original = matplotlib.figure.Figure.savefig
    def savefig(fig, *args, **kwargs):
        figures.append(fig)
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    monkeypatch.chdir(tmp_path)
    assert main(["edges", "-o", "e.png", "--compare", *options]) == 0
    (fig,) = figures
    assert (tmp_path / "e_compare.png").is_file()
    axes = fig.axes
    assert [ax.get_title() for ax in axes[:2]] == ["input (grey, 0-1)", title]
    assert len(axes) == 3 and axes[2].get_ylabel() == "response, input on a 0-1 scale"  # the colour bar
    shown = axes[1].get_images()[0]
    vmin, vmax = shown.norm.vmin, shown.norm.vmax
    scene = synthetic_scene()
    if signed:
        assert shown.get_cmap().name == "RdBu_r" and vmin == -vmax  # diverging, centred on 0
        if "laplace" in options:
            r = scipy.ndimage.laplace(scene)
        else:
            axis = 0 if "0" in options else 1
            r = getattr(scipy.ndimage, "prewitt" if "prewitt" in options else "sobel")(scene, axis=axis)
        assert vmax == pytest.approx(np.abs(r).max())  # --signed: --scale max
    else:
        assert shown.get_cmap().name == "gray" and vmin == 0
        e = np.abs(scipy.ndimage.laplace(scene)) if "laplace" in options else sobel_strength(scene)
        assert vmax == pytest.approx(np.percentile(e, 99.5))

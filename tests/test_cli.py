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


def test_edges_of_the_builtin_scene_as_png(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rc, out, err = corr2d("edges", "-o", "edges.png", "--save-input", "scene.png", cwd=tmp_path)
    assert rc == 0, err
    assert "wrote edges.png" in out
    with Image.open(tmp_path / "edges.png") as img:
        edge_pixels = np.asarray(img)
    assert edge_pixels.dtype == np.uint8 and edge_pixels.shape == (120, 160)
    assert edge_pixels.max() == 255 and edge_pixels.min() == 0
    expected = filters.edges(synthetic_scene())
    np.testing.assert_array_equal(edge_pixels, np.rint(expected * 255 / expected.max()).astype(np.uint8))
    with Image.open(tmp_path / "scene.png") as img:
        scene_pixels = np.asarray(img)
    np.testing.assert_array_equal(scene_pixels, np.rint(synthetic_scene() * 255).astype(np.uint8))
    assert (tmp_path / "edges.png").stat().st_size < 20_000  # the built-in scene stays small


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

"""What the subcommands share: the error type, optional imports, checks on the
files a command reads and writes, image files, progress."""
from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import time
import warnings
from types import ModuleType
from typing import Iterable, Mapping, TextIO

import numpy as np

#: Largest image (width x height) read without --max-pixels: 64 megapixels, counted
#: in decimal as cameras do (64_000_000, not 64 * 2**20). A grey float64 copy of it
#: takes 512 MB, and the edge filters need a few such arrays.
DEFAULT_MAX_PIXELS = 64_000_000


class CLIError(Exception):
    """An error the user can fix: printed as one line, exit status 2."""


def optional_import(module: str, package: str, extra: str) -> ModuleType:
    """Import `module`, or fail with the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise CLIError(
            f"this needs {package}, which is not installed: pip install 'corr2d[{extra}]' "
            f"(or pip install {package})"
        ) from None


def pixel_count(text: str) -> int:
    """A --max-pixels value: a positive whole number, also written as 100_000_000 or 1e8."""
    try:
        value = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            number = 0.5  # not a number: refused below
        value = int(number) if math.isfinite(number) and number.is_integer() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number of pixels, got {text!r}")
    return value


def add_max_pixels(parser: argparse.ArgumentParser) -> None:
    """The --max-pixels option, on every subcommand that reads images."""
    parser.add_argument(
        "--max-pixels", type=pixel_count, default=DEFAULT_MAX_PIXELS, metavar="N",
        help=f"refuse an input image (or .npy array) of more than N pixels (width x height), "
        f"checked from the file header before decoding (default {DEFAULT_MAX_PIXELS} = 64 megapixels)",
    )


def examples(pairs: Iterable[tuple[str, str]], column: int = 48) -> str:
    """An "examples:" epilog: each command, and what it does from `column` on (on the next line
    when the command is longer), so that the descriptions line up within 80 columns."""
    lines = ["examples:"]
    for command, what in pairs:
        line = f"  {command}"
        if len(line) + 2 > column:
            lines.append(line)
            line = ""
        lines.append(f"{line:<{column}}{what}")
    return "\n".join(lines)


def npy_name(path: str) -> str:
    """The file np.save(path, ...) really writes: it appends .npy to a name without it."""
    return path if path.endswith(".npy") else path + ".npy"


def same_file(a: str, b: str) -> bool:
    """Whether paths `a` and `b` name one file: ./a.png, a.png, a symlink or a hard link to it."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # also hard links and case-insensitive file systems
    except OSError:  # one of them does not exist (yet), so they differ
        return False


def check_outputs(inputs: Iterable[str | None], outputs: Mapping[str, str]) -> None:
    """Refuse an output that would overwrite an input or another output, or
    that goes to a missing directory.

    `outputs` maps each writing option to the name its file really gets.
    Called before anything is read, computed or written.
    """
    written = list(outputs.items())
    for i, (option, path) in enumerate(written):
        for other, other_path in written[:i]:
            if same_file(path, other_path):
                raise CLIError(f"{option} {path!r} and {other} {other_path!r} name one file: "
                               "choose another name")
    for option, path in outputs.items():
        for source in inputs:
            if source is not None and same_file(path, source):
                raise CLIError(f"{option} {path!r} would overwrite the input {source!r}: choose another name")
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise CLIError(f"cannot write {path!r}: no such directory {directory!r}")


def npy_header(path: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype of a .npy file, from its header, without reading the data."""
    fmt = np.lib.format
    try:
        with open(path, "rb") as f:
            version = fmt.read_magic(f)
            read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, _, dtype = read(f)
    except Exception as exc:  # numpy raises several types for a bad file
        raise CLIError(f"cannot read {path!r} as a .npy array: {exc}") from None
    return shape, dtype


def image_size(path: str) -> tuple[int, int]:
    """(width, height) of an image file, from its header: nothing is decoded."""
    image_module = optional_import("PIL.Image", "Pillow", "image")
    saved = image_module.MAX_IMAGE_PIXELS
    image_module.MAX_IMAGE_PIXELS = None  # Pillow's warning would come first; check_inputs applies our limit
    try:
        with image_module.open(path) as img:
            return img.size
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot read {path!r} as an image: {exc}") from None
    finally:
        image_module.MAX_IMAGE_PIXELS = saved


def check_inputs(paths: Iterable[str], max_pixels: int) -> None:
    """Refuse a missing input, or one of more than `max_pixels` pixels, from the file
    headers only: called before any input is decoded."""
    for path in paths:
        if not os.path.isfile(path):
            raise CLIError(f"cannot read {path!r}: no such file")
        if path.lower().endswith(".npy"):
            shape, _ = npy_header(path)
            if len(shape) != 2:
                continue  # read_grey says what is wrong with it
            width, height = shape[1], shape[0]
        else:
            width, height = image_size(path)
        pixels = width * height
        if pixels > max_pixels:
            raise CLIError(
                f"{path!r} has {pixels} pixels ({width} wide, {height} high), over the limit of "
                f"{max_pixels}: raise it with --max-pixels {pixels}"
            )


def read_grey(path: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """A 2-D float64 image in [0, 1] from PNG/JPEG/TIFF/... (Pillow), or any 2-D .npy array as is.

    An input of more than `max_pixels` pixels is refused before it is decoded.
    """
    check_inputs([path], max_pixels)
    if path.lower().endswith(".npy"):
        shape, dtype = npy_header(path)
        if len(shape) != 2 or dtype.kind not in "biuf" or 0 in shape:
            raise CLIError(f"{path!r} must hold a non-empty 2-D real array, got {dtype} {shape}")
        try:
            array = np.load(path, allow_pickle=False)
        except Exception as exc:  # numpy raises several types for a bad file
            raise CLIError(f"cannot read {path!r} as a .npy array: {exc}") from None
        return array.astype(np.float64)
    image_module = optional_import("PIL.Image", "Pillow", "image")
    saved = image_module.MAX_IMAGE_PIXELS
    # Pillow checks frames and tiles again while decoding: at our limit, so that it stays
    # quiet for an image under it, and with its warning made an error instead of running on.
    image_module.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", image_module.DecompressionBombWarning)
            with image_module.open(path) as img:
                # 16-bit (I;16 in any byte order), 32-bit and float images keep their depth
                wide = img.mode in ("I", "F") or img.mode.startswith("I;16")
                grey = img.convert("F") if wide else img.convert("L")
                array = np.asarray(grey, dtype=np.float64)
    except (OSError, ValueError, image_module.DecompressionBombError, image_module.DecompressionBombWarning) as exc:
        raise CLIError(f"cannot read {path!r} as an image: {exc}") from None
    finally:
        image_module.MAX_IMAGE_PIXELS = saved
    if grey.mode == "L":
        return array / 255.0
    # By the largest finite sample: one NaN or infinity (a float TIFF's
    # nodata) must not make the whole image NaN.
    return array / float(np.max(array, where=np.isfinite(array), initial=1.0))


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Scale a non-negative image so that its maximum is 255 (all zeros stay zero)."""
    peak = float(np.max(image))
    if not np.isfinite(peak) or peak <= 0:
        return np.zeros(image.shape, np.uint8)
    return np.clip(np.rint(image * (255.0 / peak)), 0, 255).astype(np.uint8)


def is_png(path: str) -> bool:
    """Whether `path` names a PNG file (by its suffix, as Pillow chooses the format)."""
    return path.lower().endswith(".png")


def write_image(path: str, image: np.ndarray, *, normalise: bool = True, text: Mapping[str, str] | None = None) -> None:
    """Write a grey image (format from the file name), or the raw array to a .npy file.

    A uint8 `image` is written as it is. Other image files get uint8:
    scaled so that the maximum is 255 with `normalise`, else ``[0, 1]``
    mapped to ``[0, 255]``. `text` goes into a PNG's text chunks (other
    formats ignore it).
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CLIError(f"cannot write {path!r}: no such directory {directory!r}")
    if path.lower().endswith(".npy"):
        try:
            with open(path, "wb") as f:  # a file object: np.save would append .npy to OUT.NPY
                np.save(f, image)
        except OSError as exc:
            raise CLIError(f"cannot write {path!r}: {exc}") from None
        return
    image_module = optional_import("PIL.Image", "Pillow", "image")
    options = {}
    if text and is_png(path):
        png = optional_import("PIL.PngImagePlugin", "Pillow", "image")
        options["pnginfo"] = info = png.PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
    try:
        if image.dtype == np.uint8:
            pixels = image
        elif normalise:
            pixels = to_uint8(image)
        else:
            pixels = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
        image_module.fromarray(pixels).save(path, **options)
    except (OSError, ValueError, KeyError) as exc:
        raise CLIError(f"cannot write {path!r}: {exc}") from None


def read_text(path: str) -> dict[str, str]:
    """The text chunks of a PNG file (``{}`` for other files, or one Pillow cannot read)."""
    if not is_png(path):
        return {}
    image_module = optional_import("PIL.Image", "Pillow", "image")
    try:
        with image_module.open(path) as img:
            return dict(getattr(img, "text", {}))
    except (OSError, ValueError):
        return {}


class Progress:
    """A plain-text progress bar on stderr: ``[#####.....]  50/100  loss 0.0123``."""

    def __init__(self, total: int, label: str = "", stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._every = 1 if self.tty else max(self.total // 10, 1)
        self._last = 0.0

    def _line(self, done: int, note: str) -> str:
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        return f"{self.label}[{bar}] {done:>{len(str(self.total))}}/{self.total}  {note}".rstrip()

    def update(self, done: int, note: str = "") -> None:
        """Show that `done` of the total are finished, with an optional note."""
        if done < self.total and done % self._every and not self.tty:
            return
        now = time.monotonic()
        if self.tty and done < self.total and now - self._last < 0.05:
            return
        self._last = now
        end = "" if self.tty and done < self.total else "\n"
        self.stream.write(("\r\033[K" if self.tty else "") + self._line(done, note) + end)
        self.stream.flush()

    def finish(self, done: int, note: str = "") -> None:
        """Show the last line, `done` of the total, also when the work stopped early."""
        self.stream.write(("\r\033[K" if self.tty else "") + self._line(done, note) + "\n")
        self.stream.flush()

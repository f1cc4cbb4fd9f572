"""What the subcommands share: the error type, optional imports, image files, progress."""
from __future__ import annotations

import importlib
import os
import sys
import time
from types import ModuleType
from typing import TextIO

import numpy as np


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


def read_grey(path: str) -> np.ndarray:
    """A 2-D float64 image in [0, 1] from PNG/JPEG/TIFF/... (Pillow), or any 2-D .npy array as is."""
    if not os.path.isfile(path):
        raise CLIError(f"cannot read {path!r}: no such file")
    if path.lower().endswith(".npy"):
        try:
            array = np.load(path, allow_pickle=False)
        except Exception as exc:  # numpy raises several types for a bad file
            raise CLIError(f"cannot read {path!r} as a .npy array: {exc}") from None
        if array.ndim != 2 or array.dtype.kind not in "biuf" or array.size == 0:
            raise CLIError(f"{path!r} must hold a non-empty 2-D real array, got {array.dtype} {array.shape}")
        return array.astype(np.float64)
    image_module = optional_import("PIL.Image", "Pillow", "image")
    try:
        with image_module.open(path) as img:
            grey = img.convert("L") if img.mode not in ("I;16", "I", "F") else img.convert("F")
            array = np.asarray(grey, dtype=np.float64)
    except (OSError, ValueError, image_module.DecompressionBombError) as exc:
        raise CLIError(f"cannot read {path!r} as an image: {exc}") from None
    scale = 255.0 if grey.mode == "L" else max(float(array.max()), 1.0)
    return array / scale


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Scale a non-negative image so that its maximum is 255 (all zeros stay zero)."""
    peak = float(np.max(image))
    if not np.isfinite(peak) or peak <= 0:
        return np.zeros(image.shape, np.uint8)
    return np.clip(np.rint(image * (255.0 / peak)), 0, 255).astype(np.uint8)


def write_image(path: str, image: np.ndarray, *, normalise: bool = True) -> None:
    """Write a grey image (format from the file name), or the raw array to a .npy file.

    Image files get uint8: scaled so that the maximum is 255 with
    `normalise`, else ``[0, 1]`` mapped to ``[0, 255]``.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CLIError(f"cannot write {path!r}: no such directory {directory!r}")
    if path.lower().endswith(".npy"):
        np.save(path, image)
        return
    image_module = optional_import("PIL.Image", "Pillow", "image")
    try:
        pixels = to_uint8(image) if normalise else np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
        image_module.fromarray(pixels).save(path)
    except (OSError, ValueError, KeyError) as exc:
        raise CLIError(f"cannot write {path!r}: {exc}") from None


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

    def update(self, done: int, note: str = "") -> None:
        """Show that `done` of the total are finished, with an optional note."""
        if done < self.total and done % self._every and not self.tty:
            return
        now = time.monotonic()
        if self.tty and done < self.total and now - self._last < 0.05:
            return
        self._last = now
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{self.label}[{bar}] {done:>{len(str(self.total))}}/{self.total}  {note}".rstrip()
        end = "" if self.tty and done < self.total else "\n"
        self.stream.write(("\r\033[K" if self.tty else "") + line + end)
        self.stream.flush()

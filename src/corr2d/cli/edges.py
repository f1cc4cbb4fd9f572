"""``corr2d edges``: the edge map of an image, written as an image."""
from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np

from ..data import synthetic_scene
from .. import filters
from ..filters import EDGE_METHODS, edges
from ._common import CLIError, add_max_pixels, check_outputs, examples, is_png, optional_import, read_grey, write_image
from ._edge_record import SIGNED_SWING, SIGNED_ZERO, EdgeRecord, filter_kernel, method_name

DESCRIPTION = """Read an image (PNG, JPEG, TIFF, ... with Pillow; or a 2-D .npy array) and
write its edge strength (the gradient magnitude of corr2d.filters.edges), or
with --signed the signed filter response, as an image. Without IMAGE, a
synthetic test scene made by the package is used.

Input scale: a colour image is converted to grey first (Pillow's "L" mode,
0.299 R + 0.587 G + 0.114 B), and an 8-bit image is read as level / 255, on
a 0-1 scale (16-bit and float images are divided by their largest finite
value when it is above 1; a .npy array is used as it is). The filters see
that image, so their responses are 1/255 of what corr2d.filters gives on
the 8-bit levels themselves.

Output scale: .png/.jpg/.tif outputs get 8-bit levels. An edge strength E is
written as 255 * min(E / S, 1); a --signed response R as 128 + 127 * R / S
clipped to 1..255 (grey 128 is zero). S comes from --scale. A .npy output
holds the response itself, as float, on the input's 0-1 scale (multiply by
255 for corr2d.filters on the 8-bit levels) and ignores --scale.

A .png output also records how it was made (method, axis, mode, S, and for
--signed the filter's kernel) in a PNG text chunk "corr2d-edges"; corr2d
learn reads it and prints the kernel it should find. No output may name the
input file, and images over --max-pixels are refused before they are decoded."""

EPILOG = examples([
    ("corr2d edges photo.jpg -o edges.png --compare", "99.5th percentile = white"),
    ("corr2d edges photo.jpg -o edges.png --scale max", "the strongest edge = white"),
    ("corr2d edges photo.jpg -o edges.npy", "the float edges, 0-1 scale"),
    ("corr2d edges -o sx.png --signed --save-input scene.png", "d/dx, for corr2d learn"),
])

MODES = ("reflect", "constant", "nearest", "mirror", "wrap")

#: --scale of an edge strength map, and of a --signed one.
DEFAULT_SCALE, DEFAULT_SIGNED_SCALE = "99.5%", "max"


def scale_rule(text: str) -> str:
    """A --scale value: 'max', 'percentile' (99.5%), 'P%' (0 < P <= 100) or a positive number;
    returned in its canonical spelling."""
    text = text.strip().lower()
    if text in ("max", "percentile"):
        return "max" if text == "max" else DEFAULT_SCALE
    try:
        number = float(text[:-1] if text.endswith("%") else text)
    except ValueError:
        number = math.nan
    if text.endswith("%"):
        if 0 < number <= 100:
            return f"{number:g}%"
        raise argparse.ArgumentTypeError(f"expected a percentile in (0, 100], as 99.5%, got {text!r}")
    if math.isfinite(number) and number > 0:
        return f"{number:g}"
    raise argparse.ArgumentTypeError(
        f"expected max, percentile, a percentile as 99.5%, or a positive number; got {text!r}"
    )


def scale_value(response: np.ndarray, rule: str) -> float:
    """The response magnitude that `rule` writes as full swing (1.0 for a response of zeros)."""
    magnitude = np.abs(response)
    if rule == "max":
        value = float(np.nanmax(magnitude)) if np.any(np.isfinite(magnitude)) else 0.0
    elif rule.endswith("%"):
        value = float(np.nanpercentile(magnitude, float(rule[:-1]))) if np.any(np.isfinite(magnitude)) else 0.0
        if value <= 0:  # most of the image is flat: fall back on the strongest edge
            value = float(np.nanmax(magnitude)) if np.any(np.isfinite(magnitude)) else 0.0
    else:
        value = float(rule)
    return value if math.isfinite(value) and value > 0 else 1.0


def to_levels(response: np.ndarray, scale: float, signed: bool) -> np.ndarray:
    """8-bit levels: ``255 * min(E / scale, 1)``, or ``128 + 127 * R / scale`` in 1..255 signed."""
    ratio = np.nan_to_num(response / scale, nan=0.0)
    if signed:
        levels = SIGNED_ZERO + SIGNED_SWING * np.clip(ratio, -1.0, 1.0)
    else:
        levels = 255.0 * np.clip(ratio, 0.0, 1.0)
    return np.rint(levels).astype(np.uint8)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "edges", help="write the edge map of an image", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("image", nargs="?", metavar="IMAGE", help="input image (default: the built-in test scene)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="where to write the edge map: .png, .jpg, .tif (8-bit levels, see --scale) or "
                   ".npy (the float response on the input's 0-1 scale)")
    p.add_argument("--method", choices=EDGE_METHODS, default="sobel", help="edge filter (default sobel)")
    p.add_argument("--mode", choices=MODES, default="reflect", help="how the image is extended past its borders (default reflect)")
    p.add_argument(
        "--scale", type=scale_rule, metavar="S",
        help="the response written as white (or, --signed, as 255 and 1): 'max' (the strongest), "
        "a percentile of the response magnitudes as '99.5%%' ('percentile' = 99.5%%; the "
        "stronger pixels are clipped), or a number. Default: 99.5%% for edge strength, max for "
        "--signed (nothing clipped, so the levels stay a linear function of the response, as "
        "corr2d learn needs). Not used for .npy",
    )
    p.add_argument(
        "--compare", nargs="?", const="", metavar="FIGURE",
        help="also write a side-by-side figure of input and edges, with a colour bar (needs matplotlib); "
        "default name: OUT with _compare.png; .png is added to a name without a suffix",
    )
    p.add_argument(
        "--signed", action="store_true",
        help="write the signed filter response instead of the magnitude (grey 128 is zero): "
        "the derivative along --axis, or the Laplacian",
    )
    p.add_argument("--axis", type=int, choices=(0, 1), default=1,
                   help="with --signed: 1 differentiates across columns (d/dx, vertical edges, default), "
                   "0 down rows (d/dy)")
    p.add_argument("--save-input", metavar="PATH",
                   help="also write the grey input image, on the scale the filters saw "
                   "(a corr2d learn INPUT)")
    add_max_pixels(p)
    p.set_defaults(run=run)


def figure_name(args: argparse.Namespace) -> str:
    """The file --compare writes: matplotlib would add its default format's suffix to a bare name."""
    name = args.compare or os.path.splitext(args.output)[0] + "_compare.png"
    return name if os.path.splitext(name)[1] else name + ".png"


def output_files(args: argparse.Namespace) -> dict[str, str]:
    """The files this run writes, by option, under the names they really get."""
    files = {"-o": args.output}
    if args.save_input:
        files["--save-input"] = args.save_input
    if args.compare is not None:
        files["--compare"] = figure_name(args)
    return files


def response_title(method: str, signed: bool, axis: int) -> str:
    """The panel title: what the map shows."""
    if not signed:
        return f"|Laplacian| ({method})" if method == "laplace" else f"edge strength |gradient| ({method})"
    if method == "laplace":
        return "Laplacian, signed"
    return f"{'d/dx' if axis == 1 else 'd/dy'} ({method}), signed"


def draw_compare(image: np.ndarray, response: np.ndarray, scale: float, title: str, signed: bool):
    """The figure of --compare: the input, and the response on its own scale with a colour bar
    (grey from 0 to `scale`; signed, a diverging map from -`scale` to `scale`, white at 0)."""
    matplotlib = optional_import("matplotlib", "matplotlib", "plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), constrained_layout=True)
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title("input (grey, 0-1)")
    if signed:
        shown = axes[1].imshow(response, cmap="RdBu_r", vmin=-scale, vmax=scale)
    else:
        shown = axes[1].imshow(response, cmap="gray", vmin=0, vmax=scale)
    axes[1].set_title(title)
    for ax in axes:
        ax.set_axis_off()
    clipped = bool(np.any(np.abs(response) > scale))  # an arrow on the bar: some pixels beyond it
    extend = ("both" if signed else "max") if clipped else "neither"
    bar = fig.colorbar(shown, ax=axes[1], shrink=0.9, extend=extend)
    bar.set_label("response, input on a 0-1 scale")
    return fig


def compare_figure(path: str, *args) -> None:
    """Write the --compare figure (the arguments of draw_compare) to `path`."""
    import matplotlib.pyplot as plt  # draw_compare imported it, or said how to install it

    fig = draw_compare(*args)
    try:
        fig.savefig(path, dpi=100)
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write {path!r}: {exc}") from None
    finally:
        plt.close(fig)


def run(args: argparse.Namespace) -> int:
    # Before any work: a typo must not cost a long run, or overwrite the input.
    check_outputs([args.image], output_files(args))
    if args.compare is not None:  # before the work, as Pillow is for an image output
        optional_import("matplotlib", "matplotlib", "plot")
    if args.image is None:
        image, source = synthetic_scene(), "the built-in test scene"
    else:
        image, source = read_grey(args.image, args.max_pixels), args.image
    axis = args.axis if args.signed and args.method != "laplace" else None
    if args.signed:
        if args.method == "laplace":
            response = filters.laplace(image, mode=args.mode)
        else:
            response = getattr(filters, args.method)(image, axis=args.axis, mode=args.mode)
        what = f"signed {method_name(args.method, axis)} response"
    else:
        response = edges(image, method=args.method, mode=args.mode)
        what = f"{args.method} edge strength"
    rule = args.scale or (DEFAULT_SIGNED_SCALE if args.signed else DEFAULT_SCALE)
    scale = scale_value(response, rule)
    size = f"({image.shape[0]}x{image.shape[1]})"
    if args.output.lower().endswith(".npy"):
        write_image(args.output, response)
        peak = float(np.nanmax(np.abs(response))) if np.any(np.isfinite(response)) else float("nan")
        print(f"wrote {args.output}: {what} of {source} {size} as float, input on a 0-1 scale "
              f"(largest magnitude {peak:.4g}; x255 for the 8-bit levels)")
        if args.scale:
            print("note: --scale is not used for a .npy output", file=sys.stderr)
    else:
        clipped = float(np.mean(np.abs(response) > scale))
        record = EdgeRecord(
            method=args.method, axis=axis, mode=args.mode, signed=args.signed, shape=list(image.shape),
            scale=scale, scale_rule=rule, clipped=clipped,
            gain=(SIGNED_SWING if args.signed else 255) / 255 / scale,
            offset=SIGNED_ZERO / 255 if args.signed else 0.0,
        )
        if args.signed:
            kernel, centre = filter_kernel(args.method, axis)
            record.kernel, record.centre = kernel.tolist(), list(centre)
        write_image(args.output, to_levels(response, scale, args.signed), text=record.to_text())
        levels = f"128 + 127 * R / {scale:.4g}" if args.signed else f"255 * E / {scale:.4g}"
        print(f"wrote {args.output}: {what} of {source} {size}, levels {levels} "
              f"(--scale {rule}; {100 * clipped:.2g}% of pixels clipped)")
        if not is_png(args.output):
            print("note: only a .png records how it was made (for corr2d learn)")
    if args.save_input:
        write_image(args.save_input, image, normalise=False)
        print(f"wrote {args.save_input}: the grey input")
    if args.compare is not None:
        figure = figure_name(args)
        title = response_title(args.method, args.signed, args.axis)
        compare_figure(figure, image, response, scale, title, args.signed)
        print(f"wrote {figure}: input and edges side by side")
    return 0


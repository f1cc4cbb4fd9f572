"""``corr2d edges``: the edge map of an image, written as an image."""
from __future__ import annotations

import argparse
import os

import numpy as np

from ..data import synthetic_scene
from .. import filters
from ..filters import EDGE_METHODS, edges
from ._common import CLIError, add_max_pixels, check_outputs, optional_import, read_grey, to_uint8, write_image

DESCRIPTION = """Read an image (PNG, JPEG, TIFF, ... with Pillow; or a 2-D .npy array),
convert it to grey, and write its edge strength (the gradient magnitude of
corr2d.filters.edges) scaled to 0-255. Without IMAGE, a synthetic test scene
made by the package is used. An OUT ending in .npy gets the raw float edges.
No output may name the input file, and images over --max-pixels are refused
before they are decoded."""

MODES = ("reflect", "constant", "nearest", "mirror", "wrap")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("edges", help="write the edge map of an image", description=DESCRIPTION)
    p.add_argument("image", nargs="?", metavar="IMAGE", help="input image (default: the built-in test scene)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="where to write the edge map (.png, .jpg, .tif, .npy)")
    p.add_argument("--method", choices=EDGE_METHODS, default="sobel", help="edge filter (default sobel)")
    p.add_argument("--mode", choices=MODES, default="reflect", help="how the image is extended past its borders (default reflect)")
    p.add_argument(
        "--compare", nargs="?", const="", metavar="FIGURE",
        help="also write a side-by-side figure of input and edges (needs matplotlib); "
        "default name: OUT with _compare.png; .png is added to a name without a suffix",
    )
    p.add_argument(
        "--signed", action="store_true",
        help="write the signed filter response instead of the magnitude (grey 128 is zero): "
        "the derivative along --axis, or the Laplacian",
    )
    p.add_argument("--axis", type=int, choices=(0, 1), default=1,
                   help="with --signed: 1 differentiates across columns (vertical edges, default), 0 down rows")
    p.add_argument("--save-input", metavar="PATH", help="also write the grey input image (handy as `corr2d learn` input)")
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


def compare_figure(path: str, image: np.ndarray, edge_map: np.ndarray, method: str) -> None:
    matplotlib = optional_import("matplotlib", "matplotlib", "plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), constrained_layout=True)
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title("input")
    axes[1].imshow(edge_map, cmap="gray")
    axes[1].set_title(f"edges ({method})")
    for ax in axes:
        ax.set_axis_off()
    try:
        fig.savefig(path, dpi=100)
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write {path!r}: {exc}") from None
    finally:
        plt.close(fig)


def run(args: argparse.Namespace) -> int:
    # Before any work: a typo must not cost a long run, or overwrite the input.
    check_outputs([args.image], output_files(args))
    if args.image is None:
        image, source = synthetic_scene(), "the built-in test scene"
    else:
        image, source = read_grey(args.image, args.max_pixels), args.image
    if args.signed:
        if args.method == "laplace":
            response = filters.laplace(image, mode=args.mode)
        else:
            response = getattr(filters, args.method)(image, axis=args.axis, mode=args.mode)
        peak = float(np.abs(response).max()) or 1.0
        edge_map = response if args.output.lower().endswith(".npy") else 0.5 + 0.5 * response / peak
        write_image(args.output, edge_map, normalise=False)
        what = f"signed {args.method} response" + ("" if args.method == "laplace" else f" along axis {args.axis}")
    else:
        edge_map = edges(image, method=args.method, mode=args.mode)
        write_image(args.output, edge_map)
        what = f"{args.method} edges"
    print(f"wrote {args.output}: {what} of {source} ({image.shape[0]}x{image.shape[1]})")
    if args.save_input:
        write_image(args.save_input, image, normalise=False)
        print(f"wrote {args.save_input}: the grey input")
    if args.compare is not None:
        figure = figure_name(args)
        compare_figure(figure, image, to_uint8(edge_map), args.method)
        print(f"wrote {figure}: input and edges side by side")
    return 0

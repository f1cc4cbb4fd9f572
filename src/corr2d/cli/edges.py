"""``corr2d edges``: the edge map of an image, written as an image."""
from __future__ import annotations

import argparse
import os

import numpy as np

from ..data import synthetic_scene
from ..filters import EDGE_METHODS, edges
from ._common import CLIError, optional_import, read_grey, to_uint8, write_image

DESCRIPTION = """Read an image (PNG, JPEG, TIFF, ... with Pillow; or a 2-D .npy array),
convert it to grey, and write its edge strength (the gradient magnitude of
corr2d.filters.edges) scaled to 0-255. Without IMAGE, a synthetic test scene
made by the package is used. An OUT ending in .npy gets the raw float edges."""

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
        "default name: OUT with _compare.png",
    )
    p.add_argument("--save-input", metavar="PATH", help="also write the grey input image (handy as `corr2d learn` input)")
    p.set_defaults(run=run)


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
    if args.image is None:
        image, source = synthetic_scene(), "the built-in test scene"
    else:
        image, source = read_grey(args.image), args.image
    edge_map = edges(image, method=args.method, mode=args.mode)
    write_image(args.output, edge_map)
    print(f"wrote {args.output}: {args.method} edges of {source} ({image.shape[0]}x{image.shape[1]})")
    if args.save_input:
        write_image(args.save_input, image, normalise=False)
        print(f"wrote {args.save_input}: the grey input")
    if args.compare is not None:
        figure = args.compare or os.path.splitext(args.output)[0] + "_compare.png"
        compare_figure(figure, image, to_uint8(edge_map), args.method)
        print(f"wrote {figure}: input and edges side by side")
    return 0

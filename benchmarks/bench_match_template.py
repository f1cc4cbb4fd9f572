"""Time corr2d.match_template against its peers on the same inputs, in one run.

Peers: skimage.feature.match_template (the function it replaces) and
cv2.matchTemplate with TM_CCOEFF_NORMED (the same coefficients as
``pad_input=False``), when installed. Per case (a float32 image, square
templates cut from it and perturbed), the results are checked against each
other first, then the tools are timed interleaved (one call of each a
round, in a new random order every round, after one untimed call each) and
reported as medians, with each peer's ratio to corr2d (> 1: corr2d is
faster). The issue's targets: at least 5x scikit-image and 1.0x OpenCV.
Machines here are shared and noisy, so compare the ratios within one run.

    python benchmarks/bench_match_template.py                # 2048x2048, 32x32 and 128x128
    python benchmarks/bench_match_template.py --size 1024 --templates 16 64
    python benchmarks/bench_match_template.py --pad-input     # also pad_input=True (no OpenCV)
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

import corr2d

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_correlate2d import interleaved_medians  # noqa: E402  (the house's interleaving)

try:
    import cv2
except ImportError:  # optional peer
    cv2 = None
try:
    import skimage
    from skimage.feature import match_template as skimage_match_template
except ImportError:  # optional peer
    skimage = None

#: Largest difference from corr2d accepted before timing. OpenCV computes
#: in float32 with float64 sums; scikit-image's float32 cumulative sums over
#: the whole image drift (see match_template's accuracy note).
TOLERANCE = {"cv2": 1e-4, "skimage": 1e-3}


def tools_for(image, template, pad_input, threads):
    """name -> zero-argument callable returning the coefficients."""
    tools = {"corr2d": lambda: corr2d.match_template(image, template, pad_input, threads=threads)}
    if skimage is not None:
        tools["skimage"] = lambda: skimage_match_template(image, template, pad_input)
    if cv2 is not None and not pad_input:
        tools["cv2"] = lambda: cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED)
    return tools


def check(tools, label):
    """Every peer's result against corr2d's; exit on a mismatch."""
    ours = tools["corr2d"]()
    for name, func in tools.items():
        if name == "corr2d":
            continue
        theirs = func()
        error = np.abs(theirs.astype(np.float64) - ours).max() if theirs.shape == ours.shape \
            else float("inf")
        if not error <= TOLERANCE[name]:
            sys.exit(f"MISMATCH: corr2d vs {name} ({label}): max difference {error:.2e}, "
                     f"shapes {ours.shape} {theirs.shape}")
        print(f"  check {label}: corr2d vs {name} max difference {error:.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048, help="image side (default 2048)")
    parser.add_argument("--templates", type=int, nargs="+", default=[32, 128],
                        help="template sides (default 32 128)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for corr2d and OpenCV (default: all CPUs)")
    parser.add_argument("--pad-input", action="store_true", help="also time pad_input=True")
    args = parser.parse_args(argv)
    if cv2 is not None:
        cv2.setNumThreads(args.threads)
    print(f"corr2d {corr2d.__version__}, scikit-image "
          f"{skimage.__version__ if skimage is not None else 'not installed'}, OpenCV "
          f"{cv2.__version__ if cv2 is not None else 'not installed'}, threads={args.threads}, "
          f"{os.cpu_count()} CPUs; float32 image, medians of interleaved rounds (ms)")
    rng = np.random.default_rng(0)
    image = rng.random((args.size, args.size), dtype=np.float32)
    rows = []
    for pad_input in [False, True] if args.pad_input else [False]:
        for side in args.templates:
            corner = args.size // 3
            template = image[corner:corner + side, corner:corner + side] \
                + np.float32(0.1) * rng.random((side, side), dtype=np.float32)
            label = f"{args.size}x{args.size} {side}x{side} pad_input={pad_input}"
            tools = tools_for(image, template, pad_input, args.threads)
            check(tools, label)
            ms, rounds = interleaved_medians(tools)
            rows.append((label, ms, rounds))
    header = (f"{'case':38} {'corr2d':>8} {'skimage':>8} {'cv2':>8} | "
              f"{'sk/ours':>7} {'cv2/ours':>8} {'n':>2}")
    print(header)
    print("-" * len(header))
    for label, ms, rounds in rows:
        cells = " ".join(f"{ms[name]:8.1f}" if name in ms else f"{'-':>8}"
                         for name in ("corr2d", "skimage", "cv2"))
        ratios = " ".join(f"{ms[name] / ms['corr2d']:{width}.2f}" if name in ms
                          else f"{'-':>{width}}" for name, width in (("skimage", 7), ("cv2", 8)))
        print(f"{label:38} {cells} | {ratios} {rounds:2}")


if __name__ == "__main__":
    main()

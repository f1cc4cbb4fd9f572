"""The ``corr2d`` command-line program (first version: the demo)."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from . import correlate2d


def _demo() -> int:
    np.set_printoptions(precision=3, suppress=True)
    X = np.arange(9.0).reshape(3, 3)
    K = np.array([[0.0, 1.0], [2.0, 3.0]])
    print("Cross-correlation of the 3x3 input with the 2x2 kernel (valid):")
    print(correlate2d(X, K, mode="valid"))
    band = np.ones((6, 8))
    band[:, 2:6] = 0
    edge = np.array([[1.0, -1.0]])
    print("\nThe 6x8 image with a dark vertical band:")
    print(band)
    print("\nIts edges found by the kernel [[1, -1]]:")
    print(correlate2d(band, edge, mode="valid"))
    print("\nThe transposed image has no vertical edges:")
    print(correlate2d(band.T, edge, mode="valid"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="corr2d", description="Fast 2-D cross-correlation.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="walk through the D2L image-convolution examples")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo()
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

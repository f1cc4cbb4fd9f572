"""``corr2d demo``: the image-convolution chapter of *Dive into Deep Learning*, step by step."""
from __future__ import annotations

import argparse

import numpy as np

from ..data import band_image
from ..functional import conv2d
from ..nn import SGD, Conv2D, mse_loss
from ..signal import correlate2d

DESCRIPTION = """Walk through the image-convolution chapter of Dive into Deep Learning
(sections 6.2-6.4) on its own small examples and print every result: the
cross-correlation [[19, 25], [37, 43]], edge detection on the band image,
learning the edge kernel back with Conv2D + SGD, output shapes under padding
and stride, and multiple input/output channels with the 1x1 convolution."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="walk through the D2L image-convolution examples", description=DESCRIPTION)
    p.add_argument("--seed", type=int, default=0, help="seed of the learned kernel's initial values (default 0)")
    p.add_argument("--steps", type=int, default=20, help="gradient steps when learning the kernel (default 20)")
    p.set_defaults(run=run)


def heading(title: str) -> None:
    print(f"\n== {title} ==")


def run(args: argparse.Namespace) -> int:
    from ._common import CLIError

    if args.steps < 1 or args.seed < 0:
        raise CLIError("--steps must be at least 1 and --seed non-negative")
    np.set_printoptions(precision=4, suppress=True)

    heading("6.2.1 Cross-correlation: corr2d(X, K)")
    X = np.arange(9.0).reshape(3, 3)
    K = np.array([[0.0, 1.0], [2.0, 3.0]])
    print("X =\n", X, "\nK =\n", K, sep="")
    print("correlate2d(X, K, mode='valid') =")
    print(correlate2d(X, K, mode="valid"))

    heading("6.2.3 Edge detection with the kernel [[1, -1]]")
    band = band_image()
    edge_kernel = np.array([[1.0, -1.0]])
    Y = correlate2d(band, edge_kernel, mode="valid")
    print("The 6x8 image X with a dark vertical band:")
    print(band)
    print("Y = correlate2d(X, [[1, -1]]): 1 at the light-to-dark edge, -1 at the dark-to-light one:")
    print(Y)
    print("correlate2d(X.T, [[1, -1]]): the transposed image has no vertical edges:")
    print(correlate2d(band.T, edge_kernel, mode="valid"))

    heading("6.2.4 Learning the kernel from X and Y (Conv2D + SGD, summed squared loss, lr 3e-2)")
    conv = Conv2D(1, 1, kernel_size=(1, 2), bias=False, rng=args.seed)
    optimizer = SGD(conv.parameters(), lr=3e-2)
    x4 = band.astype(np.float32).reshape(1, 1, 6, 8)
    y4 = Y.astype(np.float32).reshape(1, 1, 6, 7)
    print(f"initial kernel: {conv.weight.data.reshape(2)}")
    for step in range(1, args.steps + 1):
        loss, grad = mse_loss(conv(x4), y4, reduction="sum")
        optimizer.zero_grad()
        conv.backward(grad)
        optimizer.step()
        if step % 2 == 0 or step == args.steps:
            print(f"step {step:3d}, loss {loss:.3f}")
    print(f"learned kernel: {conv.weight.data.reshape(1, 2)}  (the true one is [[1, -1]])")

    heading("6.3 Padding and stride: output shapes for an 8x8 input")
    x8 = np.random.default_rng(0).standard_normal((1, 1, 8, 8))
    for kernel, padding, stride in [
        ((3, 3), (1, 1), (1, 1)),
        ((5, 3), (2, 1), (1, 1)),
        ((5, 3), (2, 1), (2, 2)),
        ((3, 5), (0, 1), (3, 4)),
    ]:
        out = conv2d(x8, np.ones((1, 1) + kernel), padding=padding, stride=stride)
        print(f"kernel {kernel[0]}x{kernel[1]}, padding {padding}, stride {stride} -> "
              f"{out.shape[2]}x{out.shape[3]}")

    heading("6.4.1 Multiple input channels: the channels' correlations are summed")
    Xc = np.array([[[0.0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]])
    Kc = np.array([[[0.0, 1], [2, 3]], [[1.0, 2], [3, 4]]])
    print("conv2d(X (2x3x3), K (2x2x2)) =")
    print(conv2d(Xc[None], Kc[None])[0, 0])

    heading("6.4.2 Multiple output channels: the kernels K, K + 1, K + 2 stacked (3x2x2x2)")
    K3 = np.stack([Kc, Kc + 1, Kc + 2])
    print(conv2d(Xc[None], K3)[0])

    heading("6.4.3 A 1x1 convolution is a matrix product over the channels")
    rng = np.random.default_rng(1)
    X1 = rng.random((3, 3, 3))
    K1 = rng.random((2, 3, 1, 1))
    by_conv = conv2d(X1[None], K1)[0]
    by_matmul = (K1.reshape(2, 3) @ X1.reshape(3, 9)).reshape(2, 3, 3)
    difference = float(np.abs(by_conv - by_matmul).max())
    print(f"max |conv2d(X, K) - K @ X| = {difference:.2e}; equal: {difference < 1e-12}")
    return 0

"""``corr2d learn``: learn the kernel that maps one image to another."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from ..nn import SGD, Conv2D, mse_loss
from ._common import CLIError, Progress, add_max_pixels, check_inputs, check_outputs, npy_name, read_grey

DESCRIPTION = """Learn the convolution kernel K (and optionally a bias) that best maps
INPUT to TARGET, TARGET ~ correlate(INPUT, K), by gradient descent on the
mean squared error (corr2d.nn.Conv2D + SGD with momentum), and print it.
Images are read as grey in [0, 1] (or as 2-D .npy arrays). When TARGET is as
large as INPUT, INPUT is padded ('same' output, extended by --pad-mode); when
it is smaller, as after a 'valid' correlation, TARGET is taken as centred on
INPUT. --save may not name an input file, and images over --max-pixels are
refused before they are decoded. Example: corr2d edges -o edges.png
--save-input scene.png --method difference && corr2d learn scene.png
edges.png --kernel-size 3"""

#: ndimage-style mode name -> numpy.pad mode
PAD_MODES = {"reflect": "symmetric", "constant": "constant", "nearest": "edge", "mirror": "reflect", "wrap": "wrap"}


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite non-negative number, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("learn", help="learn the kernel that maps one image to another", description=DESCRIPTION)
    p.add_argument("input", metavar="INPUT", help="input image (or 2-D .npy array)")
    p.add_argument("target", metavar="TARGET", help="target image (or 2-D .npy array)")
    p.add_argument("--kernel-size", type=positive_int, nargs="+", default=[3], metavar="K",
                   help="kernel size: K or KH KW (default 3)")
    p.add_argument("--steps", type=positive_int, default=500, help="gradient steps (default 500)")
    p.add_argument("--lr", type=non_negative_float, default=0.3, help="learning rate (default 0.3)")
    p.add_argument("--momentum", type=non_negative_float, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--bias", action="store_true", help="also learn a constant offset")
    p.add_argument("--pad-mode", choices=tuple(PAD_MODES), default="reflect",
                   help="how INPUT is extended when TARGET is as large (default reflect)")
    p.add_argument("--seed", type=int, default=0, help="seed of the initial kernel (default 0)")
    p.add_argument("--save", metavar="KERNEL.npy",
                   help="also save the learned kernel as a .npy file (.npy is added to a name without it)")
    add_max_pixels(p)
    p.set_defaults(run=run)


def align(image: np.ndarray, target_shape: tuple, kernel: tuple, pad_mode: str) -> np.ndarray:
    """Pad (or crop) `image` so that its 'valid' correlation with `kernel` has `target_shape`.

    ``T`` added rows are split ``T // 2`` before and the rest after (for a
    'same' output that is ``(k - 1) // 2`` before, as correlate2d's 'same'
    mode); removed rows are taken evenly from both ends.
    """
    for axis, (n, t, k) in enumerate(zip(image.shape, target_shape, kernel)):
        total = t - (n - k + 1)  # rows/columns to add; negative: to remove
        if total > 0:
            pad = [(0, 0), (0, 0)]
            pad[axis] = (total // 2, total - total // 2)
            image = np.pad(image, pad, mode=PAD_MODES[pad_mode])
        elif total < 0:
            start = -total // 2
            image = np.take(image, np.arange(start, start + n + total), axis=axis)
    return image


def run(args: argparse.Namespace) -> int:
    sizes = args.kernel_size
    if len(sizes) > 2:
        raise CLIError(f"--kernel-size takes one or two integers, got {len(sizes)}")
    kernel = (sizes[0], sizes[-1])
    if args.seed < 0:
        raise CLIError(f"--seed must be non-negative, got {args.seed}")
    # Before any work: the kernel must not overwrite an input, nor be lost after training
    # for a missing directory; and neither image is decoded if the other is too large.
    save = npy_name(args.save) if args.save else None  # np.save adds .npy to a bare name
    check_outputs([args.input, args.target], {"--save": save} if save else {})
    check_inputs([args.input, args.target], args.max_pixels)
    x = read_grey(args.input, args.max_pixels)
    y = read_grey(args.target, args.max_pixels)
    if any(t > n + k - 1 for n, t, k in zip(x.shape, y.shape, kernel)) or any(
        t < 1 for t in y.shape
    ):
        raise CLIError(
            f"TARGET {y.shape[0]}x{y.shape[1]} is larger than any correlation of INPUT "
            f"{x.shape[0]}x{x.shape[1]} with a {kernel[0]}x{kernel[1]} kernel"
        )
    if any(t < n - k + 1 for n, t, k in zip(x.shape, y.shape, kernel)):
        print(f"note: TARGET {y.shape} is smaller than a 'valid' output; INPUT is cropped around its centre",
              file=sys.stderr)
    x_aligned = align(x, y.shape, kernel, args.pad_mode)[None, None]
    y4 = y[None, None]

    conv = Conv2D(1, 1, kernel, bias=args.bias, dtype=np.float64, rng=args.seed)
    optimizer = SGD(conv.parameters(), lr=args.lr, momentum=args.momentum)
    progress = Progress(args.steps, label="learning ")
    loss = first = float("nan")
    for step in range(1, args.steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grad = mse_loss(conv(x_aligned), y4)
        if step == 1:
            first = loss
        if not np.isfinite(loss) or loss > 1e4 * first + 1e-12:
            raise CLIError(f"the loss diverged at step {step}: try a smaller --lr (now {args.lr})")
        optimizer.zero_grad()
        conv.backward(grad)
        optimizer.step()
        progress.update(step, f"loss {loss:.6g}")
    final, _ = mse_loss(conv(x_aligned), y4)
    np.set_printoptions(precision=4, suppress=True)
    print(f"learned {kernel[0]}x{kernel[1]} kernel (INPUT {x.shape[0]}x{x.shape[1]} -> TARGET {y.shape[0]}x{y.shape[1]}):")
    print(conv.weight.data[0, 0])
    if conv.bias is not None:
        print(f"bias: {conv.bias.data[0]:.6g}")
    print(f"mean squared error: {first:.6g} at the start, {final:.6g} at the end ({args.steps} steps)")
    if save:
        try:
            np.save(save, conv.weight.data[0, 0])
        except OSError as exc:
            raise CLIError(f"cannot write {save!r}: {exc}") from None
        print(f"wrote {save}")
    return 0

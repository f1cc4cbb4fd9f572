"""``corr2d learn``: learn the kernel that maps one image to another."""
from __future__ import annotations

import argparse
import math
import sys
from typing import NamedTuple

import numpy as np

from ..nn import SGD, Conv2D, mse_loss
from ..signal import correlate2d
from ._common import (
    CLIError, Progress, add_max_pixels, check_inputs, check_outputs, npy_name, read_grey, read_text,
)
from ._edge_record import EdgeRecord, expected_kernel, method_name

DESCRIPTION = """Learn the convolution kernel K (and with --bias a constant offset) that best
maps INPUT to TARGET, TARGET ~ correlate(INPUT, K) + bias, by gradient descent
on the mean squared error (corr2d.nn.Conv2D + SGD with momentum), and print it.

Both files are read as grey on a 0-1 scale (an 8-bit image as level / 255;
colour is converted to grey; a 2-D .npy array as it is), and the kernel is
on that scale: it maps INPUT's values to TARGET's as read. When TARGET is as
large as INPUT, INPUT is padded ('same' output, extended by --pad-mode);
when it is smaller, as after a 'valid' correlation, TARGET is taken as
centred on INPUT. With --bias, INPUT is centred on its mean while learning
(the bias printed is for INPUT as it is): the same model, reached in fewer
steps.

Learning stops when the loss has converged (it fell by less than --tol,
relatively, over the last 100 steps) or after --steps; a warning says when
it had not converged, or when the loss barely fell (TARGET is then no
linear filter of INPUT: a gradient magnitude, corr2d edges without
--signed, is not one). A TARGET .png written by corr2d edges --signed
records its filter and scale: learn then prints the kernel it should find,
the filter's kernel times the gain of the 8-bit encoding (127 / 255 / S for
a signed map scaled by S; its bias is 128/255, so use --bias). A .npy
TARGET holds the response itself: the kernel is the filter's, without
--bias. --save may not name an input file, and images over --max-pixels are
refused before they are decoded."""

EPILOG = """examples:
  corr2d edges -o sx.png --signed --save-input scene.png
  corr2d learn scene.png sx.png --bias
      learns 0.2365 (= 127 / 255 / 2.106) times the Sobel d/dx kernel
      [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] and the bias 0.502 (= 128 / 255)
  corr2d edges -o dx.npy --signed --method difference --save-input scene.npy
  corr2d learn scene.npy dx.npy --kernel-size 1 2
      learns the chapter's kernel [[1, -1]] itself: .npy holds the raw response"""

#: Steps over which the loss must fall by more than --tol (relatively) to go on.
WINDOW = 100

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
    p = sub.add_parser(
        "learn", help="learn the kernel that maps one image to another", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT", help="input image (or 2-D .npy array)")
    p.add_argument("target", metavar="TARGET", help="target image (or 2-D .npy array)")
    p.add_argument("--kernel-size", type=positive_int, nargs="+", default=[3], metavar="K",
                   help="kernel size: K or KH KW (default 3)")
    p.add_argument("--steps", type=positive_int, default=10000,
                   help="at most this many gradient steps (default 10000); learning stops earlier once converged")
    p.add_argument("--tol", type=non_negative_float, default=1e-4,
                   help=f"converged: the loss fell by less than this fraction over the last {WINDOW} steps "
                   "(default 1e-4); 0 runs all --steps")
    p.add_argument("--lr", type=non_negative_float, default=None,
                   help="learning rate (default: (1 + momentum) / the largest curvature of the loss, "
                   "found from the images, which is stable and about the fastest for SGD)")
    p.add_argument("--momentum", type=non_negative_float, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--bias", action="store_true", help="also learn a constant offset")
    p.add_argument("--pad-mode", choices=tuple(PAD_MODES), default=None,
                   help="how INPUT is extended when TARGET is as large (default: the --mode that "
                   "corr2d edges recorded in TARGET, else reflect)")
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


def largest_curvature(x: np.ndarray, kernel: tuple, bias: bool, iterations: int = 50) -> float:
    """The largest eigenvalue of the Hessian of ``mean((correlate(x, K, 'valid') + b - y)**2)``
    over (K, b), by power iteration: ``H v = 2/N A^T A v`` does not depend on y."""
    v = np.random.default_rng(0).standard_normal(kernel)
    b = 1.0 if bias else 0.0
    curvature = 0.0
    for _ in range(iterations):
        norm = math.sqrt(float(np.sum(v * v)) + b * b)
        if norm == 0:
            break
        v, b = v / norm, b / norm
        residual = correlate2d(x, v, mode="valid") + b  # A v, shaped as the target
        hv = 2.0 / residual.size * correlate2d(x, residual, mode="valid")  # A^T (A v) for K ...
        hb = 2.0 * float(residual.mean()) if bias else 0.0  # ... and for b
        curvature = math.sqrt(float(np.sum(hv * hv)) + hb * hb)
        v, b = hv, hb
    return curvature


class Training(NamedTuple):
    """The outcome of `train`."""

    first: float  # the loss before the first step
    final: float  # and after the last
    steps: int
    converged: bool
    recent_drop: float  # fall of the loss over the last WINDOW steps (or all of them, if fewer), relative to the first


def train(conv: Conv2D, optimizer: SGD, x4: np.ndarray, y4: np.ndarray, steps: int, tol: float, lr: float) -> Training:
    """Gradient steps until the loss falls by less than `tol` (relatively) over WINDOW steps,
    or `steps` of them; the loss is computed before each step and after the last."""
    progress = Progress(steps, label="learning ")
    losses: list[float] = []
    done = 0
    while True:
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grad = mse_loss(conv(x4), y4)
        losses.append(loss)
        if not np.isfinite(loss) or loss > 1e4 * losses[0] + 1e-12:
            raise CLIError(f"the loss diverged at step {done}: try a smaller --lr (now {lr:.4g})")
        recent = losses[-1 - WINDOW] if len(losses) > WINDOW else losses[0]
        drop = (recent - loss) / recent if recent > 0 else 0.0  # a fall is at most 1
        converged = tol > 0 and len(losses) > WINDOW and (abs(drop) <= tol
                                                          or loss <= 1e-24 * losses[0])
        if converged or done == steps:
            break
        optimizer.zero_grad()
        conv.backward(grad)
        optimizer.step()
        done += 1
        if done < steps:
            progress.update(done, f"loss {loss:.6g}")
    progress.finish(done, f"loss {loss:.6g}" + (", converged" if converged else ""))
    return Training(losses[0], loss, done, converged, drop)


def print_expected(record: EdgeRecord, window: tuple, weight: np.ndarray, bias: float | None) -> None:
    """The kernel that a TARGET written by corr2d edges --signed says to expect, beside the learned one."""
    name = method_name(record.method, record.axis)
    made = (f"corr2d edges --signed --method {record.method}"
            + (f" --axis {record.axis}" if record.axis is not None else "") + f" --mode {record.mode}")
    print(f"TARGET was made by `{made}` (scale {record.scale:.4g}, --scale {record.scale_rule}):")
    print(f"read as level / 255 it is {record.offset:.4g} + {record.gain:.4g} * response, so "
          f"expect {record.gain:.4g} times the {name} kernel,")
    expected = expected_kernel(record, window)
    if isinstance(expected, str):
        print(f"warning: no kernel to expect: {expected}", file=sys.stderr)
        return
    print(expected)
    if record.offset:
        print(f"and bias {record.offset:.4g}" + ("" if bias is not None else " (add --bias to learn it)"))
    error = float(np.max(np.abs(weight - expected)))
    peak = float(np.max(np.abs(expected)))
    print(f"learned kernel / {record.gain:.4g}, to compare with the {name} kernel itself:")
    print(weight / record.gain)
    print(f"largest difference from the expected kernel: {error:.3g} ({100 * error / peak:.2g}% of its largest entry)")


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
    record = EdgeRecord.from_text(read_text(args.target))
    if any(t > n + k - 1 for n, t, k in zip(x.shape, y.shape, kernel)) or any(
        t < 1 for t in y.shape
    ):
        raise CLIError(
            f"TARGET {y.shape[0]}x{y.shape[1]} is larger than any correlation of INPUT "
            f"{x.shape[0]}x{x.shape[1]} with a {kernel[0]}x{kernel[1]} kernel"
        )
    if any(k > n for k, n in zip(kernel, x.shape)):  # mostly padding (and its memory: TiB)
        raise CLIError(f"--kernel-size {kernel[0]}x{kernel[1]} is larger than INPUT "
                       f"{x.shape[0]}x{x.shape[1]}")
    if any(t < n - k + 1 for n, t, k in zip(x.shape, y.shape, kernel)):
        print(f"note: TARGET {y.shape} is smaller than a 'valid' output; INPUT is cropped around its centre",
              file=sys.stderr)
    pad_mode = args.pad_mode or (record.mode if record and record.mode in PAD_MODES else "reflect")
    if record is not None:
        if not record.signed:
            print("warning: TARGET is an edge strength (corr2d edges without --signed), not a linear "
                  "filter of INPUT: no kernel reproduces it. Make it with corr2d edges --signed",
                  file=sys.stderr)
        elif record.offset and not args.bias:
            print(f"warning: TARGET writes zero as grey 128 ({record.offset:.4g} as read): add --bias to "
                  "learn that offset", file=sys.stderr)
        if record.signed and record.clipped > 0:
            print(f"warning: {100 * record.clipped:.2g}% of TARGET's pixels were clipped (--scale "
                  f"{record.scale_rule}): the kernel cannot fit them; corr2d edges --scale max clips none",
                  file=sys.stderr)
        if args.pad_mode and args.pad_mode != record.mode:
            print(f"warning: TARGET was made with --mode {record.mode}, INPUT is extended with --pad-mode "
                  f"{args.pad_mode}: the borders will not fit", file=sys.stderr)

    # With a bias, learning on INPUT - mean is the same model (bias - mean * sum(K) for INPUT
    # as it is) with the bias's direction decoupled from the kernel's: better conditioned.
    # Centred after the padding: a 'constant' extension is INPUT's zeros, not its mean.
    centre = float(x.mean()) if args.bias else 0.0
    x_aligned = align(x, y.shape, kernel, pad_mode) - centre
    lr = args.lr
    if lr is None:
        curvature = largest_curvature(x_aligned, kernel, args.bias)
        lr = (1.0 + args.momentum) / curvature if curvature > 0 else 1.0
    conv = Conv2D(1, 1, kernel, bias=args.bias, dtype=np.float64, rng=args.seed)
    optimizer = SGD(conv.parameters(), lr=lr, momentum=args.momentum)
    result = train(conv, optimizer, x_aligned[None, None], y[None, None], args.steps, args.tol, lr)

    weight = conv.weight.data[0, 0]
    bias = float(conv.bias.data[0]) - centre * float(weight.sum()) if conv.bias is not None else None
    np.set_printoptions(precision=4, suppress=True)
    padded = f", extended by {pad_mode}" if x_aligned.shape != x.shape else ""
    print(f"learned {kernel[0]}x{kernel[1]} kernel (INPUT {x.shape[0]}x{x.shape[1]}{padded} -> TARGET "
          f"{y.shape[0]}x{y.shape[1]}, both read on a 0-1 scale):")
    print(weight)
    if bias is not None:
        print(f"bias: {bias:.6g}")
    stop = (f"converged after {result.steps} steps" if result.converged else f"{result.steps} steps")
    print(f"mean squared error: {result.first:.6g} at the start, {result.final:.6g} at the end "
          f"({stop}, lr {lr:.4g})")
    if not result.converged and args.tol > 0:
        change = "fell" if result.recent_drop > 0 else "changed"
        print(f"warning: not converged: the loss still {change} by {100 * abs(result.recent_drop):.3g}% over the "
              f"last {min(WINDOW, result.steps)} steps; run more --steps (now {args.steps}) or a larger --lr (now {lr:.4g})",
              file=sys.stderr)
    spread = float(np.var(y)) if args.bias else float(np.mean(y * y))
    explained = 1.0 - result.final / spread if spread > 0 else 1.0
    if result.final > 0.5 * result.first or explained < 0.9:
        print(f"warning: a poor fit: the loss fell from {result.first:.3g} to only {result.final:.3g}, and the "
              f"kernel explains {100 * max(explained, 0):.3g}% of TARGET's "
              f"{'variance' if args.bias else 'mean square'}: TARGET is no linear filter of INPUT at this "
              "kernel size (a gradient magnitude, corr2d edges without --signed, is none)", file=sys.stderr)
    if record is not None and record.signed and y.shape == x.shape == tuple(record.shape):
        print_expected(record, kernel, weight, bias)
    if save:
        try:
            np.save(save, weight)
        except OSError as exc:
            raise CLIError(f"cannot write {save!r}: {exc}") from None
        print(f"wrote {save}")
    return 0

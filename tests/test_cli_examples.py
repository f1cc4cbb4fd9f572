"""Every documented `corr2d learn` example learns the kernel it claims (issue 13).

The examples are read from where a user finds them: the README, `corr2d --help`,
`corr2d learn --help`, `corr2d edges --help` and the docs' .rst pages. Each `corr2d
learn` runs after the documented `corr2d edges` commands that make its files, in a
fresh folder, and the kernel it saves is compared with one computed here, without
corr2d, from scipy.ndimage: the filter's response to a unit impulse, times the gain of
the 8-bit encoding (127 / 255 / S for a signed PNG with scale S; 1 for .npy).

Tolerance: 2% of the largest expected weight (and 0.002 for the bias). The best any
learner can do on these files, the least-squares kernel of the 8-bit images, is within
0.5% (both images are rounded to 1/255: checked below), and the convergence rule stops
within about 0.5% more. A kernel that had not converged is further off: the README's
former example (500 fixed steps) missed by 17%, and no kernel reproduces a gradient
magnitude (50% or more).
"""
import pathlib
import re
import shlex

import numpy as np
import pytest
import scipy.ndimage

from corr2d.data import synthetic_scene
from test_cli import corr2d

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOLERANCE = 0.02
BIAS_TOLERANCE = 0.002


def commands_in(text):
    """The `corr2d edges` / `corr2d learn` commands in `text`, in order: code lines (less a
    `$ ` prompt, a `# comment` or a help's description column; joined over a backslash
    continuation) and inline `code` spans, which may wrap over lines."""
    text = re.sub(r"\\\n\s*", " ", text)
    found = []
    for match in re.finditer(r"^[ \t]*(?:\$ )?(corr2d (?:edges|learn) .*)$", text, re.M):
        found.append((match.start(), re.split(r"\s#|\s{2,}", match.group(1))[0].strip()))
    for match in re.finditer(r"`(corr2d (?:edges|learn) [^`]+)`", text):
        found.append((match.start(), " ".join(match.group(1).split())))
    return [command for _, command in sorted(found)]


def documented_texts():
    """(where, text) of every place that shows corr2d commands."""
    texts = [("README.md", (ROOT / "README.md").read_text())]
    for command in ([], ["learn"], ["edges"]):
        rc, out, err = corr2d(*command, "--help")
        assert rc == 0, err
        texts.append((" ".join(["corr2d", *command, "--help"]), out))
    for page in sorted((ROOT / "docs").rglob("*.rst")):
        if "_build" not in page.parts:
            texts.append((str(page.relative_to(ROOT)), page.read_text()))
    return texts


def parsed(command):
    """The arguments of a corr2d command as the program parses them, or None for a fragment
    (as `corr2d learn --pad-mode` in a sentence)."""
    import contextlib
    import io

    from corr2d.cli import build_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit:
        return None


def learn_examples():
    """(where, [edges commands that make its files], learn command, files none makes),
    one per documented learn command."""
    examples = []
    for where, text in documented_texts():
        commands = [(command, parsed(command)) for command in commands_in(text)]
        for i, (command, args) in enumerate(commands):
            if args is None or args.command != "learn":
                continue
            needed = [args.input, args.target]
            makers = []
            for earlier, e in reversed(commands[:i]):
                if e is None or e.command != "edges":
                    continue
                outputs = {e.output, e.save_input}
                if outputs & set(needed):
                    makers.insert(0, earlier)
                    needed = [n for n in needed if n not in outputs]
                if not needed:
                    break
            examples.append((where, tuple(makers), command, tuple(needed)))
    by_run = {}  # one run for the same commands shown in several places
    for where, *run in examples:
        by_run.setdefault(tuple(run), []).append(where)
    return [
        pytest.param(", ".join(wheres), list(makers), command, list(needed), id=f"{command} ({', '.join(wheres)})")
        for (makers, command, needed), wheres in by_run.items()
    ]


def impulse_kernel(method, axis):
    """kernel[d] weighs image[i + d] in out[i], offsets d from -3 to 3: scipy.ndimage's filter
    on a unit impulse, flipped."""
    impulse = np.zeros((7, 7))
    impulse[3, 3] = 1
    if method == "laplace":
        response = scipy.ndimage.laplace(impulse, mode="constant")
    elif method == "difference":  # the kernel [1, -1], out[i] = x[i] - x[i + 1]
        response = scipy.ndimage.correlate1d(impulse, [1.0, -1.0], axis=axis, origin=-1, mode="constant")
    elif method == "scharr":
        weights = np.outer([3.0, 10.0, 3.0], [-1.0, 0.0, 1.0])
        response = scipy.ndimage.correlate(impulse, weights if axis == 1 else weights.T, mode="constant")
    else:
        response = getattr(scipy.ndimage, method)(impulse, axis=axis, mode="constant")
    return response[::-1, ::-1]


def response_of(args, image):
    if args.method == "laplace":
        return scipy.ndimage.laplace(image, mode=args.mode)
    by_offset = impulse_kernel(args.method, args.axis)
    return scipy.ndimage.correlate(image, by_offset, mode=args.mode)


def expected_fit(edges_command, kernel_size):
    """The kernel (for a `kernel_size` window, 'same' padding) and bias that learn should find
    for the TARGET written by `edges_command`, and the encoding's gain, computed with
    scipy.ndimage."""
    args = parsed(edges_command)
    assert args.signed, f"{edges_command!r}: a gradient magnitude is no linear filter; use --signed"
    assert args.image is None, "the examples use the built-in scene"
    response = response_of(args, synthetic_scene())
    if args.output.endswith(".npy"):
        gain, offset = 1.0, 0.0
    else:
        rule = args.scale or "max"
        if rule == "max":
            scale = np.abs(response).max()
        elif rule.endswith("%"):
            scale = np.percentile(np.abs(response), float(rule[:-1]))
        else:
            scale = float(rule)
        assert np.abs(response).max() <= scale, "a clipped target is no linear filter"
        gain, offset = 127 / 255 / scale, 128 / 255
    by_offset = impulse_kernel(args.method, args.axis)
    kh, kw = kernel_size
    top, left = 3 - (kh - 1) // 2, 3 - (kw - 1) // 2
    window = by_offset[top : top + kh, left : left + kw]
    assert np.isclose(np.abs(window).sum(), np.abs(by_offset).sum()), "the filter does not fit the kernel size"
    return gain * window, offset, gain


def least_squares(x, y, kernel_size, bias):
    """The best kernel (and bias) for 'same' padding with ndimage's 'reflect' (numpy 'symmetric')."""
    kh, kw = kernel_size
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(x, ((top, kh - 1 - top), (left, kw - 1 - left)), mode="symmetric")
    columns = [padded[a : a + y.shape[0], b : b + y.shape[1]].ravel() for a in range(kh) for b in range(kw)]
    if bias:
        columns.append(np.ones(y.size))
    solution = np.linalg.lstsq(np.stack(columns, 1), y.ravel(), rcond=None)[0]
    return solution[: kh * kw].reshape(kh, kw), (solution[-1] if bias else 0.0)


def read(path):
    if path.suffix == ".npy":
        return np.load(path)
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img, dtype=np.float64) / 255


def test_the_docs_show_learn_examples():
    where = {w for p in learn_examples() for w in p.values[0].split(", ")}
    assert {"README.md", "corr2d --help", "corr2d learn --help"} <= where


@pytest.mark.parametrize("where,makers,command,missing", learn_examples())
def test_documented_learn_example_learns_the_kernel_it_claims(tmp_path, where, makers, command, missing):
    assert not missing, f"{where}: no documented corr2d edges command makes {missing} for {command!r}"
    if any(m.endswith(".png") for m in shlex.split(command)):
        pytest.importorskip("PIL.Image")
    for edges_command in makers:
        rc, out, err = corr2d(*shlex.split(edges_command)[1:], cwd=tmp_path)
        assert rc == 0, err
    rc, out, err = corr2d(*shlex.split(command)[1:], "--save", "learned.npy", cwd=tmp_path)
    assert rc == 0, err
    assert "converged after" in out and "warning" not in err, (out, err)

    learn = parsed(command)
    size = (learn.kernel_size[0], learn.kernel_size[-1])
    target_maker = [m for m in makers if learn.target in (parsed(m).output, parsed(m).save_input)][-1]
    kernel, offset, gain = expected_fit(target_maker, size)
    learned = np.load(tmp_path / "learned.npy")
    peak = np.abs(kernel).max()
    # the data allow the claim: the least-squares kernel of the files is close to it
    best, best_bias = least_squares(read(tmp_path / learn.input), read(tmp_path / learn.target), size, learn.bias)
    assert np.abs(best - kernel).max() < 0.005 * peak, (best, kernel)
    # and learn found it
    assert np.abs(learned - kernel).max() < TOLERANCE * peak, (learned, kernel)
    if learn.bias:
        found = float(re.search(r"^bias: ([-\d.e+]+)", out, re.M).group(1))
        assert abs(found - offset) < BIAS_TOLERANCE
    else:
        assert offset == 0, "a signed PNG writes zero as grey 128: the example needs --bias"
    # learn says which kernel to expect when the TARGET records it
    if learn.target.endswith(".png"):
        assert f"expect {gain:.4g} times the" in out, out


def test_the_documented_gain_is_the_encodings():
    # README, `corr2d --help` and `corr2d learn --help` quote the factor that the 8-bit
    # encoding puts on the Sobel kernel for the built-in scene: 127 / 255 / max|d/dx|.
    scale = np.abs(scipy.ndimage.sobel(synthetic_scene(), axis=1)).max()
    gain = f"{127 / 255 / scale:.4g}"
    assert gain == "0.2365"
    texts = dict(documented_texts())
    for where in ("README.md", "corr2d --help", "corr2d learn --help"):
        assert f"{gain} x the Sobel" in texts[where] or f"{gain} (= 127 / 255 / {scale:.4g})" in texts[where], where

"""The plot and the ratio table of ``bench_correlate2d.py --methods``.

Reads the CSV it writes (columns ``tool,dtype,size,kernel,mode,ms,auto_method``;
``kernel`` is ``NxN`` for a random kernel or ``gN`` for an NxN Gaussian) and
draws time against kernel side, one panel per (dtype, image size), one line
per tool; the table gives, per case, the method 'auto' chose and the ratios
peer / corr2d auto (above 1: corr2d is faster).

    python benchmarks/plot_methods.py benchmarks/results/methods.csv --plot m.png --table m.csv

The documentation (docs/performance.rst) calls :func:`plot` and
:func:`write_table` while it builds.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

from plot_results import print_table

PEERS = ("cv2", "oaconvolve", "fftconvolve")
OURS = ("corr2d auto", "corr2d direct", "corr2d fft", "corr2d separable")


def load(path: str | Path) -> dict:
    """(dtype, size, kernel label) -> {tool: ms, 'chose': method}."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    cases: dict = defaultdict(dict)
    for r in rows:
        case = cases[(r["dtype"], int(r["size"]), r["kernel"])]
        case[r["tool"]] = float(r["ms"])
        case["chose"] = r["auto_method"]
    if not cases:
        raise ValueError(f"{path}: no measurements")
    return dict(cases)


def _side(label: str) -> int:
    return int(label[1:]) if label.startswith("g") else int(label.split("x")[0])


def table(cases: dict) -> tuple[list[str], list[list[str]]]:
    """(header, body): one line per case."""
    header = ["dtype", "image", "kernel", "auto (ms)", "auto ran", "cv2 / auto",
              "best SciPy FFT / auto", "auto / best own", "ran / best own"]
    body = []
    for (dtype, size, label), t in sorted(cases.items(), key=lambda c: (c[0][0], c[0][1],
                                                                         c[0][2].startswith("g"),
                                                                         _side(c[0][2]))):
        auto, ran = t["corr2d auto"], "corr2d " + t["chose"]
        own = min(t[m] for m in OURS[1:] if m in t)
        scipy_best = min(t[p] for p in PEERS[1:] if p in t)
        kernel = f"Gaussian {_side(label)}x{_side(label)}" if label.startswith("g") else label
        body.append([dtype, f"{size}x{size}", kernel, f"{auto:.1f}", t["chose"],
                     f"{t['cv2'] / auto:.2f}" if "cv2" in t else "",
                     f"{scipy_best / auto:.2f}", f"{auto / own:.2f}",
                     f"{t[ran] / own:.2f}" if ran in t else ""])
    return header, body


def write_table(cases: dict, path: str | Path) -> None:
    """:func:`table` as a CSV file (for Sphinx's ``csv-table :file:``)."""
    header, body = table(cases)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(body)


def plot(cases: dict, fig=None):
    """Time per call against kernel side (random kernels), log-log, one
    panel per (dtype, image size). Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    panels = sorted({(d, s) for d, s, _ in cases})
    if fig is None:
        fig = plt.figure(figsize=(12, 3.6 * -(-len(panels) // 2)))
    axes = fig.subplots(-(-len(panels) // 2), 2, squeeze=False).ravel()
    styles = {"corr2d auto": ("k", "-", "o"), "corr2d direct": ("tab:gray", ":", "s"),
              "corr2d fft": ("tab:blue", "--", "^"), "cv2": ("tab:red", "-", "v"),
              "oaconvolve": ("tab:green", "-", "D"), "fftconvolve": ("tab:olive", "-", "P")}
    for ax, (dtype, size) in zip(axes, panels):
        labels = sorted((l for d, s, l in cases if (d, s) == (dtype, size) and "x" in l), key=_side)
        for tool, (color, line, marker) in styles.items():
            points = [(_side(l), cases[(dtype, size, l)][tool]) for l in labels
                      if tool in cases[(dtype, size, l)]]
            if points:
                x, y = zip(*points)
                ax.loglog(x, y, color=color, linestyle=line, marker=marker, label=tool,
                          linewidth=2.2 if tool == "corr2d auto" else 1.3)
        sides = [_side(l) for l in labels]
        ax.set_xticks(sides, [str(s) for s in sides])
        ax.minorticks_off()
        ax.set_title(f"{dtype}, {size}x{size} image, mode='same'")
        ax.set_xlabel("kernel side (pixels)")
        ax.set_ylabel("time per call (ms)")
        ax.grid(True, alpha=0.3)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(names), frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", help="bench_correlate2d.py --methods --csv output")
    parser.add_argument("--plot", help="write the plot to this image file")
    parser.add_argument("--table", help="write the table to this CSV file")
    args = parser.parse_args(argv)
    cases = load(args.csv)
    print_table(*table(cases))
    if args.table:
        write_table(cases, args.table)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        plot(cases).savefig(args.plot, dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())

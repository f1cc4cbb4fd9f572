"""Tables and plots of benchmark timings, from a CSV of measured figures.

The CSV has one row per measurement and these columns, in this order::

    tool,dtype,size,kernel,mode,ms

``tool`` names the implementation (``corr2d``, ``scipy.signal``, ...),
``dtype`` the NumPy dtype name, ``size`` the side of the square image,
``kernel`` the side of the square kernel, ``mode`` the output mode
(``full``, ``same``, ``valid``) and ``ms`` the time of one call in
milliseconds (the best of several). Lines starting with ``#`` before the
header describe the run (date, machine) and are ignored here.

Usage::

    python benchmarks/plot_results.py results.csv --plot times.png --table table.csv

The documentation (docs/performance.rst) calls :func:`plot_times` and
:func:`write_table` on ``benchmarks/results/correlate2d.csv`` while it
builds.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

COLUMNS = ("tool", "dtype", "size", "kernel", "mode", "ms")
REFERENCE = "corr2d"


def load(path: str | Path) -> list[dict]:
    """Rows of the CSV at `path`, with ``size``/``kernel`` as int and ``ms``
    as float. Raises ValueError on a missing or reordered column."""
    with open(path, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"{path}: expected columns {','.join(COLUMNS)}, got {reader.fieldnames}")
    rows = []
    for row in reader:
        row["size"] = int(row["size"])
        row["kernel"] = int(row["kernel"])
        row["ms"] = float(row["ms"])
        rows.append(row)
    if not rows:
        raise ValueError(f"{path}: no measurements")
    return rows


def describe(path: str | Path) -> list[str]:
    """The ``#`` lines that describe the run (date, machine), without the ``#``."""
    with open(path) as f:
        return [line[1:].strip() for line in f if line.startswith("#")]


def _select(rows, dtype, mode):
    chosen = [r for r in rows if r["dtype"] == dtype and r["mode"] == mode]
    if not chosen:
        raise ValueError(f"no measurements for dtype={dtype} mode={mode}")
    return chosen


def tools_of(rows) -> list[str]:
    """Tools in the order they first appear, the reference first."""
    tools = list(dict.fromkeys(r["tool"] for r in rows))
    if REFERENCE in tools:
        tools.remove(REFERENCE)
        tools.insert(0, REFERENCE)
    return tools


def table(rows, dtype: str = "float32", mode: str = "same"):
    """(header, body): one line per (size, kernel), the time of each tool in
    ms, then each peer's time divided by corr2d's (how many times faster
    corr2d is)."""
    rows = _select(rows, dtype, mode)
    tools = tools_of(rows)
    times = defaultdict(dict)
    for r in rows:
        times[(r["size"], r["kernel"])][r["tool"]] = r["ms"]
    peers = [t for t in tools if t != REFERENCE]
    header = ["image", "kernel"] + [f"{t} (ms)" for t in tools]
    if REFERENCE in tools:
        header += [f"{t} / corr2d" for t in peers]
    body = []
    for (size, kernel), by_tool in sorted(times.items()):
        line = [f"{size}x{size}", f"{kernel}x{kernel}"]
        line += [f"{by_tool[t]:.2f}" if t in by_tool else "" for t in tools]
        if REFERENCE in tools:
            ref = by_tool.get(REFERENCE)
            line += [
                f"{by_tool[t] / ref:.1f}x" if ref and t in by_tool else "" for t in peers
            ]
        body.append(line)
    return header, body


def write_table(rows, path: str | Path, dtype: str = "float32", mode: str = "same") -> None:
    """:func:`table` as a CSV file (for Sphinx's ``csv-table :file:``)."""
    header, body = table(rows, dtype, mode)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(body)


def plot_times(rows, dtype: str = "float32", mode: str = "same", fig=None):
    """Time against image size, one panel per kernel size, one line per tool
    (log-log axes). Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    rows = _select(rows, dtype, mode)
    kernels = sorted({r["kernel"] for r in rows})
    tools = tools_of(rows)
    if fig is None:
        fig = plt.figure(figsize=(3.2 * len(kernels), 3.4))
    axes = fig.subplots(1, len(kernels), sharey=True, squeeze=False)[0]
    markers = "os^vDP*X"
    for ax, kernel in zip(axes, kernels):
        for k, tool in enumerate(tools):
            points = sorted((r["size"], r["ms"]) for r in rows if r["kernel"] == kernel and r["tool"] == tool)
            if points:
                sizes, ms = zip(*points)
                ax.loglog(sizes, ms, marker=markers[k % len(markers)], label=tool)
        sizes = sorted({r["size"] for r in rows})
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.minorticks_off()
        ax.set_title(f"{kernel}x{kernel} kernel")
        ax.set_xlabel("image side (pixels)")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("time per call (ms)")
    axes[-1].legend(fontsize="small")
    fig.suptitle(f"2-D correlation, {dtype}, mode='{mode}'")
    fig.tight_layout()
    return fig


def print_table(header: list[str], body: list[list[str]]) -> None:
    """A table as right-aligned text columns."""
    widths = [max(len(x) for x in col) for col in zip(header, *body)]
    for line in [header] + body:
        print("  ".join(x.rjust(w) for x, w in zip(line, widths)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", help="measurements: tool,dtype,size,kernel,mode,ms")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--mode", default="same")
    parser.add_argument("--plot", help="write the plot to this image file")
    parser.add_argument("--table", help="write the table to this CSV file")
    args = parser.parse_args(argv)
    rows = load(args.csv)
    print_table(*table(rows, args.dtype, args.mode))
    if args.table:
        write_table(rows, args.table, args.dtype, args.mode)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        plot_times(rows, args.dtype, args.mode).savefig(args.plot, dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())

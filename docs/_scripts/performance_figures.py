"""The figures and tables of docs/performance.rst, from the benchmark CSVs.

The page shows what these draw, not their code (``:include-source: False``):
readers want the numbers. The measurements are read by the benchmarks' own
loaders (``benchmarks/plot_results.py`` and ``benchmarks/plot_methods.py``);
this module only lays them out for a web page: panels large enough to read,
the legend outside the panels, and tables narrow enough for the page.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import plot_methods
import plot_results

#: How each tool of bench_correlate2d.py is drawn and named on the page.
TOOL_STYLES = {
    "corr2d": dict(color="black", marker="o", linewidth=2.4, label="corr2d (into out=)"),
    "corr2d (allocating)": dict(color="tab:gray", marker="o", linestyle="--", linewidth=1.6,
                                label="corr2d (allocating)"),
    "cv2.filter2D": dict(color="tab:red", marker="v", label="cv2.filter2D"),
    "scipy.ndimage": dict(color="tab:green", marker="s", label="scipy.ndimage.correlate"),
    "scipy.signal": dict(color="tab:blue", marker="^", label="scipy.signal.correlate2d"),
    "np.copyto": dict(color="tab:purple", marker="D", linestyle=":",
                      label="np.copyto (memory floor)"),
}

#: Columns of the ratio table: tool, short header.
RATIO_COLUMNS = [
    ("scipy.signal", "scipy.signal"),
    ("scipy.ndimage", "scipy.ndimage"),
    ("cv2.filter2D", "OpenCV"),
    ("corr2d (allocating)", "corr2d allocating"),
]


def _style(tool: str, index: int) -> dict:
    return TOOL_STYLES.get(tool, dict(marker="os^vDP*X"[index % 8], label=tool))


def times_figure(csv_path, dtype: str = "float32", mode: str = "same"):
    """Time per call against image side, one panel per kernel size (two
    columns), one line per tool, the legend below the panels."""
    import matplotlib.pyplot as plt

    rows = [r for r in plot_results.load(csv_path) if r["dtype"] == dtype and r["mode"] == mode]
    kernels = sorted({r["kernel"] for r in rows})
    sizes = sorted({r["size"] for r in rows})
    tools = plot_results.tools_of(rows)
    nrows = -(-len(kernels) // 2)
    fig, axes = plt.subplots(nrows, 2, figsize=(10, 3.3 * nrows + 1.0), squeeze=False,
                             sharex=True, layout="constrained")
    for ax, kernel in zip(axes.ravel(), kernels):
        for index, tool in enumerate(tools):
            points = sorted((r["size"], r["ms"]) for r in rows
                            if r["kernel"] == kernel and r["tool"] == tool)
            if points:
                x, y = zip(*points)
                ax.loglog(x, y, markersize=6, **_style(tool, index))
        ax.set_xticks(sizes, [f"{s}²" for s in sizes])
        ax.minorticks_off()
        ax.set_title(f"{kernel}x{kernel} kernel", fontsize=14)
        ax.set_ylabel("time per call (ms)", fontsize=12)
        ax.tick_params(labelsize=12)
        ax.grid(True, which="major", alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("image (pixels)", fontsize=12)
    for ax in axes.ravel()[len(kernels):]:
        ax.set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=12, frameon=False)
    fig.suptitle(f"2-D correlation, {dtype}, mode='{mode}' (log-log: lower is faster)",
                 fontsize=14)
    return fig


def ratio_table(csv_path, dtype: str = "float32", mode: str = "same"):
    """(header, body): per case, corr2d's time in ms, then each peer's time
    divided by corr2d's, then np.copyto's time (the memory floor) in ms."""
    rows = [r for r in plot_results.load(csv_path) if r["dtype"] == dtype and r["mode"] == mode]
    times: dict = defaultdict(dict)
    for r in rows:
        times[(r["size"], r["kernel"])][r["tool"]] = r["ms"]
    header = ["image", "kernel", "corr2d (ms)"] + [name for _, name in RATIO_COLUMNS]
    header.append("np.copyto (ms)")
    body = []
    for (size, kernel), by_tool in sorted(times.items()):
        ours = by_tool[plot_results.REFERENCE]
        line = [f"{size}x{size}", f"{kernel}x{kernel}", f"{ours:.2f}"]
        line += [f"{by_tool[tool] / ours:.1f}" if tool in by_tool else "(over 8 s)"
                 for tool, _ in RATIO_COLUMNS]
        line.append(f"{by_tool['np.copyto']:.2f}" if "np.copyto" in by_tool else "")
        body.append(line)
    return header, body


def methods_figure(csv_path):
    """The large-kernel methods plot of ``benchmarks/plot_methods.py``, at a
    size and font that reads on the page."""
    import matplotlib.pyplot as plt

    readable = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12,
                "xtick.labelsize": 12, "ytick.labelsize": 12, "legend.fontsize": 12}
    with plt.rc_context(readable):
        fig = plot_methods.plot(plot_methods.load(csv_path), fig=plt.figure(figsize=(10, 7.6)))
    return fig


def methods_tables(csv_path) -> dict[str, tuple[list[str], list[list[str]]]]:
    """``benchmarks/plot_methods.py``'s table, one per dtype (the dtype
    column dropped), with shorter headers."""
    header, body = plot_methods.table(plot_methods.load(csv_path))
    short = {"auto ran": "method", "cv2 / auto": "OpenCV", "best SciPy FFT / auto": "SciPy FFT",
             "auto / best own": "auto / best", "ran / best own": "ran / best"}
    header = [short.get(name, name) for name in header[1:]]
    tables: dict = {}
    for line in body:
        tables.setdefault(line[0], (header, []))[1].append(line[1:])
    return tables


def write_csv(path, header, body) -> None:
    """A table as a CSV file, for ``.. csv-table:: :file:``."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(body)


def write_tables(benchmark_csv, methods_csv, directory) -> None:
    """Every table and measurement note the performance page includes."""
    directory = Path(directory)
    write_csv(directory / "benchmark-ratios.csv", *ratio_table(benchmark_csv))
    lines = plot_results.describe(benchmark_csv) or ["(no description in the CSV)"]
    (directory / "benchmark-meta.rst").write_text(
        "The figures below were measured as follows:\n\n" + "".join(f"- {line}\n" for line in lines))
    for dtype, (header, body) in methods_tables(methods_csv).items():
        write_csv(directory / f"methods-{dtype}.csv", header, body)
    lines = plot_results.describe(methods_csv) or ["(no description in the CSV)"]
    (directory / "methods-meta.rst").write_text(
        "Measured as follows:\n\n" + "".join(f"- {line}\n" for line in lines))

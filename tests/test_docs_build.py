"""The documentation builds, its examples run, and its figures can be read.

- The figure checks (docs/_ext/figure_checks.py) catch what they are for:
  a panel of one flat colour, a label the colour of the cell under it.
- Every ``.. plot::`` block of every page runs, as the plot directive runs
  it, and none of its figures has either problem (matplotlib only; no
  Sphinx needed, so this runs with the test extras).
- The ``>>>`` examples of the pages run and print what they say.
- Every public function that takes a boundary mode links the table of
  boundary names (docs/boundaries.rst).
- Where Sphinx and the docs extra are installed: the docs build with
  ``-W`` (a figure problem is a warning there, so an error), MathJax is
  served from the built pages, not from a CDN, and a page with a blank
  panel fails the build.
"""
from __future__ import annotations

import contextlib
import doctest
import importlib.util
import inspect
import io
import os
import re
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.rst") if "_build" not in p.parts and "_generated" not in p.parts)

sys.path.insert(0, str(DOCS / "_ext"))
import figure_checks  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- the checks themselves --------------------------------------------------


def test_blank_panel_is_caught():
    fig, axes = plt.subplots(1, 3, figsize=(6, 2))
    axes[0].imshow(np.random.default_rng(0).random((5, 5)))
    axes[1].imshow(np.zeros((5, 5)), cmap="RdBu_r", vmin=-1, vmax=1)  # white on white
    axes[1].set_axis_off()
    axes[1].set_title("all zero")
    axes[2].set_axis_off()  # nothing at all
    assert figure_checks.blank_panels(fig) == ["axes 1 ('all zero')", "axes 2"]
    assert len(figure_checks.figure_problems(fig)) == 2


def test_flat_panel_with_something_to_read_passes():
    """An array of one value drawn with its cell lines (as the tutorial
    does) is visible, and passes."""
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.imshow(np.zeros((4, 5)), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(np.arange(6) - 0.5, minor=True)
    ax.set_yticks(np.arange(5) - 0.5, minor=True)
    ax.grid(which="minor", color="0.6")
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    assert figure_checks.blank_panels(fig) == []


def test_unreadable_labels_are_caught():
    fig, axes = plt.subplots(1, 2, figsize=(5, 2.5))
    values = np.arange(9.0).reshape(3, 3)
    for ax, colour in zip(axes, ["white", "auto"]):
        shown = ax.imshow(values, cmap="viridis")
        for (i, j), v in np.ndenumerate(values):
            if colour == "auto":
                r, g, b, _ = shown.cmap(shown.norm(v))
                text = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
            else:
                text = colour
            ax.text(j, i, f"{v:g}", ha="center", va="center", color=text, fontsize=14)
    found = figure_checks.low_contrast_texts(fig)
    assert found and all(item.startswith("axes 0") for item in found)
    assert any("text '8'" in item for item in found)  # white on viridis' yellow


def test_contrast_ratio():
    assert figure_checks.contrast_ratio((1, 1, 1), (0, 0, 0)) == pytest.approx(21.0)
    assert figure_checks.contrast_ratio((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) == pytest.approx(1.0)


# --- the pages' plot code ---------------------------------------------------


def plot_blocks(page: Path):
    """(options, code) of each ``.. plot::`` directive of an rst page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != ".. plot::":
            i += 1
            continue
        indent = len(lines[i]) - len(lines[i].lstrip())
        i += 1
        options = {}
        while i < len(lines) and lines[i].strip():
            match = re.match(r"\s+:([\w-]+):\s*(.*)$", lines[i])
            if match:
                options[match[1]] = match[2].strip()
            i += 1  # an option, or the continuation of a long one
        body = []
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) > indent):
            body.append(lines[i])
            i += 1
        yield options, textwrap.dedent("\n".join(body))


@pytest.fixture(scope="module")
def sphinx_conf():
    """docs/conf.py's settings (it imports corr2d and nothing of Sphinx's)."""
    return runpy.run_path(str(DOCS / "conf.py"))


def run_plot_blocks(page: Path, conf: dict) -> list[str]:
    """Run a page's plot blocks as the plot directive does (a shared
    namespace and open figures under ``:context:``, the rc parameters of
    conf.py, the page's folder as working directory); return every problem
    figure_checks finds in the figures each block leaves open."""
    with matplotlib.rc_context():  # the blocks' rc parameters stay here
        return _run_plot_blocks(page, conf)


def _run_plot_blocks(page: Path, conf: dict) -> list[str]:
    problems = []
    namespace: dict = {}
    here = os.getcwd()
    for number, (options, code) in enumerate(plot_blocks(page)):
        context = options.get("context")
        if context is None or context == "reset":
            namespace = {}
        if context is None or context in ("reset", "close-figs"):
            plt.close("all")
        if context is None or context == "reset":
            matplotlib.rc_file_defaults()
            matplotlib.rcParams.update(conf["plot_rcparams"])
        if not namespace:
            exec(conf["plot_pre_code"], namespace)
        os.chdir(page.parent)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(code, f"{page.name}, plot block {number}", "exec"), namespace)
        finally:
            os.chdir(here)
        for fig in map(plt.figure, plt.get_fignums()):
            problems += [f"{page.name}, block {number}: {p}" for p in figure_checks.figure_problems(fig)]
        if context is None:
            plt.close("all")
    return sorted(set(problems))


PLOT_PAGES = [p for p in PAGES if ".. plot::" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("page", PLOT_PAGES, ids=[str(p.relative_to(DOCS)) for p in PLOT_PAGES])
def test_page_figures_are_readable(page, sphinx_conf):
    assert run_plot_blocks(page, sphinx_conf) == []


def test_page_figure_runner_sees_a_blank_panel(tmp_path, sphinx_conf):
    """The runner above finds problems where there are some."""
    page = tmp_path / "page.rst"
    page.write_text(encoding="utf-8", data=textwrap.dedent("""\
        Title
        =====

        .. plot::
           :context: reset
           :alt: two panels,
                 the second empty

           fig, axes = plt.subplots(1, 2)
           axes[0].imshow(np.eye(3))
           axes[1].imshow(np.zeros((3, 3)))
           axes[1].set_axis_off()
        """))
    problems = run_plot_blocks(page, sphinx_conf)
    assert len(problems) == 1 and "axes 1" in problems[0] and "flat colour" in problems[0]


def test_console_commands_run_while_the_docs_build():
    """Each ``$ corr2d ...`` line shown on a page is also run, verbatim, by a
    plot block of that page (so the figure shows what the command does)."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        commands = re.findall(r"^\s+\$ (corr2d .*)$", text, flags=re.M)
        code = "\n".join(code for _, code in plot_blocks(page))
        for command in commands:
            assert f'"{command}"' in code, f"{page.name}: {command!r} is shown but not run"


#: Characters of code that fit the text column of a page with both
#: sidebars at 1280 px (measured in a headless browser); longer lines wrap.
CODE_COLUMNS = 70


def code_lines(page: Path):
    """(line number, text) of the code shown in plot and code blocks."""
    lines = page.read_text(encoding="utf-8").splitlines()
    block = None
    for number, line in enumerate(lines, 1):
        match = re.match(r"^(\s*)\.\. (plot|code-block)::", line)
        if match:
            block = len(match[1]), ":include-source: False" in "\n".join(lines[number:number + 4])
            continue
        if block is None or not line.strip():
            continue
        indent, hidden = block
        if len(line) - len(line.lstrip()) <= indent:
            block = None
        elif not hidden and not re.match(r"\s+:[\w-]+:", line):
            yield number, line[indent + 3:]


TUTORIAL = sorted((DOCS / "tutorial").glob("[0-9]*.rst"))


@pytest.mark.parametrize("page", TUTORIAL, ids=[p.name for p in TUTORIAL])
def test_tutorial_code_fits_the_column(page):
    long = [f"{page.name}:{n}: {text}" for n, text in code_lines(page) if len(text) > CODE_COLUMNS]
    assert long == []


# --- the pages' examples ----------------------------------------------------

#: getting-started.rst shows corr2d.show_config() of one machine.
DOCTEST_PAGES = [p for p in PAGES if ">>>" in p.read_text(encoding="utf-8") and p.name != "getting-started.rst"]


@pytest.mark.parametrize("page", DOCTEST_PAGES, ids=[str(p.relative_to(DOCS)) for p in DOCTEST_PAGES])
def test_page_examples(page):
    result = doctest.testfile(str(page), module_relative=False, report=False, encoding="utf-8",
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_landing_page_has_figure_install_and_example():
    text = (DOCS / "index.rst").read_text(encoding="utf-8")
    assert ".. plot::" in text
    assert "pip install ." in text
    example = text.split("In ten lines", 1)[1]
    assert 5 <= example.count(">>>") <= 12


# --- every mode argument links the table ------------------------------------


def _public_callables():
    import corr2d
    import corr2d.filters
    import corr2d.ndimage
    import corr2d.nn

    for module in (corr2d, corr2d.filters, corr2d.ndimage, corr2d.nn):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj):
                yield f"{module.__name__}.{name}", obj


def test_mode_arguments_link_the_table_of_names():
    checked = 0
    for name, obj in _public_callables():
        try:
            parameters = inspect.signature(obj).parameters
        except (TypeError, ValueError):
            continue
        if {"mode", "boundary", "padding_mode"} & set(parameters):
            checked += 1
            assert ":ref:`boundary-modes`" in (obj.__doc__ or ""), name
    assert checked >= 10


def test_table_label_exists():
    assert ".. _boundary-modes:" in (DOCS / "boundaries.rst").read_text(encoding="utf-8")


# --- the Sphinx build -------------------------------------------------------


def _sphinx_available():
    return all(importlib.util.find_spec(m) for m in
               ("sphinx", "numpydoc", "pydata_sphinx_theme")) and \
        importlib.util.find_spec("sphinx-mathjax-offline") is not None


needs_sphinx = pytest.mark.skipif(not _sphinx_available(),
                                  reason="the docs extra is not installed: pip install '.[docs]'")


def sphinx_build(source: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "--keep-going", "-b", "html", str(source), str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )


@needs_sphinx
def test_docs_build_without_warnings(tmp_path):
    out = tmp_path / "html"
    result = sphinx_build(DOCS, out)
    assert result.returncode == 0, result.stdout + result.stderr
    # MathJax from the pages themselves: an offline build renders its math.
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    page = (out / "tutorial" / "01-cross-correlation.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in page
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "cdn.jsdelivr.net/npm/mathjax" not in text, html
        for src in re.findall(r'<img [^>]*src="([^"]+)"', text):
            if "://" not in src:
                assert (html.parent / src).is_file(), f"{html.name}: missing image {src}"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<img" in index and 'id="install"' in index


@needs_sphinx
def test_docs_build_fails_on_a_blank_panel(tmp_path):
    """figure_checks in a real build: a blank panel is a warning, so -W fails."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(DOCS / '_ext')!r})
        extensions = ["matplotlib.sphinxext.plot_directive", "figure_checks"]
        plot_html_show_source_link = False
        """))
    (source / "index.rst").write_text(textwrap.dedent("""\
        Blank
        =====

        .. plot::

           import numpy as np
           import matplotlib.pyplot as plt
           fig, axes = plt.subplots(1, 2)
           axes[0].imshow(np.eye(3))
           axes[1].imshow(np.zeros((3, 3)))
           axes[1].set_axis_off()
        """))
    result = sphinx_build(source, tmp_path / "html")
    assert result.returncode != 0
    assert "flat colour" in result.stderr

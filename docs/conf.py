"""Sphinx configuration for corr2d's documentation.

Build: ``pip install -e '.[docs]' && sphinx-build -W -b html docs docs/_build/html``.

Figures are made while the docs build, by the library itself: the
``.. plot::`` directive (matplotlib.sphinxext.plot_directive) runs the code
shown on the page (or hidden, with ``:include-source: False``, for the
performance figures, drawn by docs/_scripts/performance_figures.py). Every
figure is checked before it is saved (docs/_ext/figure_checks.py: no panel
of one flat colour, no label the colour of the cell under it); a problem is
a warning, so an error under ``-W``. The performance tables are written into
docs/_generated from benchmarks/results/*.csv (see ``_write_benchmark_tables``).

Math is typeset by MathJax served from the built pages themselves
(sphinx-mathjax-offline copies MathJax 3 into ``_static/mathjax``), so a
local or offline build reads as well as a published one.

Adding a page takes one file: tutorial/NN-*.rst and api/*.rst are picked up
by glob toctrees.
"""
from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(DOCS / "_scripts"))
sys.path.insert(0, str(DOCS / "_ext"))

import corr2d  # noqa: E402  (the installed package, with its compiled core)

project = "corr2d"
author = "the corr2d developers"
copyright = "the corr2d developers"
release = corr2d.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax from _static, not from a CDN
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "figure_checks",  # docs/_ext: no invisible panels, no unreadable labels
]
exclude_patterns = ["_build", "_generated/*.rst", "_ext", "_scripts", "Thumbs.db", ".DS_Store"]
templates_path = []
default_role = "code"

# API reference: numpydoc renders the docstrings; no per-member stub pages.
autosummary_generate = False
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Figures: the code runs at build time and is shown above its figure.
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 96)]
plot_rcparams = {"figure.figsize": (6.4, 3.2), "image.cmap": "gray", "savefig.bbox": "tight",
                 "font.size": 11}
plot_pre_code = (
    "import numpy as np\n"
    "import matplotlib.pyplot as plt\n"
    f"BENCHMARK_CSV = {str(ROOT / 'benchmarks' / 'results' / 'correlate2d.csv')!r}\n"
    f"METHODS_CSV = {str(ROOT / 'benchmarks' / 'results' / 'methods.csv')!r}\n"
)

html_theme = "pydata_sphinx_theme"
html_title = f"corr2d {release}"
html_static_path = ["_static"]
html_css_files = ["corr2d.css"]
html_theme_options = {"show_toc_level": 2, "navigation_with_keys": False}
# Pages whose figures and tables need the whole width: no navigation column
# (they also drop the "on this page" column, with a field at their top).
html_sidebars = {"performance": [], "index": [], "boundaries": []}

BENCHMARK_CSV = ROOT / "benchmarks" / "results" / "correlate2d.csv"
METHODS_CSV = ROOT / "benchmarks" / "results" / "methods.csv"
GENERATED = DOCS / "_generated"


def _write_benchmark_tables(app):
    """docs/_generated/: the ratio tables (CSV) and how and where the figures
    were measured (rst), read by performance.rst."""
    import performance_figures

    performance_figures.write_tables(BENCHMARK_CSV, METHODS_CSV, GENERATED)


def setup(app):
    app.connect("builder-inited", _write_benchmark_tables)

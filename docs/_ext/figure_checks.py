"""Checks on the figures the documentation draws, run while the docs build.

Two mistakes have shipped before, and are easy to make again:

- a panel that renders as one flat colour (an all-zero array drawn white on
  a white page, with its axis turned off, is invisible);
- numbers written on image cells in a colour the cell also has (white text
  on the light end of a colour map).

:func:`figure_problems` finds both in a matplotlib figure from its rendered
pixels. As a Sphinx extension (``extensions = [..., "figure_checks"]``) this
module checks every figure a ``.. plot::`` directive draws, just before the
directive saves it, and reports each problem as a Sphinx warning, which
``sphinx-build -W`` turns into an error. ``tests/test_docs_build.py`` runs
the same checks on the pages' plot code without Sphinx.
"""
from __future__ import annotations

import math

import numpy as np

#: WCAG's minimum contrast ratio for large text and graphics: below it, a
#: label on a cell is hard to read.
MIN_CONTRAST = 3.0


def _render(fig) -> np.ndarray:
    """The figure's pixels, (rows, columns, RGBA), row 0 at the top."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())


def _crop(pixels: np.ndarray, bbox, inset: int = 0) -> np.ndarray:
    """The pixels inside a display-space bounding box (origin bottom-left),
    less `inset` pixels on every side."""
    height, width = pixels.shape[:2]
    c0, c1 = max(0, math.floor(bbox.x0) + inset), min(width, math.ceil(bbox.x1) - inset)
    r0 = max(0, height - math.ceil(bbox.y1) + inset)
    r1 = min(height, height - math.floor(bbox.y0) - inset)
    return pixels[r0:r1, c0:c1]


def _name(ax, index: int) -> str:
    title = ax.get_title() or ax.get_title(loc="left") or ax.get_label()
    return f"axes {index}" + (f" ({title!r})" if title and not title.startswith("<") else "")


#: Pixels left out at each edge of a panel: its frame and the anti-aliased
#: rim where an image meets the page are not content.
INSET = 2


def blank_panels(fig) -> list[str]:
    """The visible axes of `fig` whose rendered pixels inside the frame are
    all one colour, as readable names: an empty or flat panel, which on a
    page of the same colour is invisible. A panel that shows an array of
    one value on purpose needs something to read inside it (cell lines,
    the value written on it)."""
    pixels = _render(fig)
    blank = []
    for index, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        bbox = ax.get_window_extent()
        patch = _crop(pixels, bbox, INSET)
        if patch.shape[0] < 1 or patch.shape[1] < 1:
            patch = _crop(pixels, bbox)
        if patch.size == 0 or (patch == patch[0, 0]).all():
            blank.append(_name(ax, index))
    return blank


def _luminance(rgb) -> float:
    """Relative luminance of an sRGB colour with components in [0, 1] (WCAG 2)."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(colour_a, colour_b) -> float:
    """WCAG contrast ratio of two RGB(A) colours (components in [0, 1]): 1 to 21."""
    high, low = sorted((_luminance(colour_a), _luminance(colour_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def low_contrast_texts(fig, minimum: float = MIN_CONTRAST) -> list[str]:
    """Texts drawn inside axes whose colour contrasts less than `minimum`
    with the background under them (the most common colour in the text's
    box, the text's own pixels being the fewer)."""
    from matplotlib.colors import to_rgba

    pixels = _render(fig)
    renderer = fig.canvas.get_renderer()
    found = []
    for index, ax in enumerate(fig.axes):
        for text in ax.texts:
            if not text.get_visible() or not text.get_text().strip():
                continue
            box = _crop(pixels, text.get_window_extent(renderer)).reshape(-1, 4)
            if len(box) == 0:
                continue
            colours, counts = np.unique(box, axis=0, return_counts=True)
            background = colours[np.argmax(counts)] / 255.0
            ratio = contrast_ratio(to_rgba(text.get_color()), background)
            if ratio < minimum:
                found.append(f"{_name(ax, index)}: text {text.get_text()!r} contrast {ratio:.2f}")
    return found


def figure_problems(fig) -> list[str]:
    """Every problem :func:`blank_panels` and :func:`low_contrast_texts` find."""
    problems = [f"{name} is one flat colour (an invisible panel)" for name in blank_panels(fig)]
    problems += [f"{item} < {MIN_CONTRAST} (unreadable)" for item in low_contrast_texts(fig)]
    return problems


def open_figures() -> list:
    """The figures pyplot holds open, in the order the plot directive saves them."""
    from matplotlib import _pylab_helpers

    return [manager.canvas.figure for manager in _pylab_helpers.Gcf.get_all_fig_managers()]


def setup(app):
    """Check each figure of a ``.. plot::`` directive before it is saved."""
    from matplotlib.sphinxext import plot_directive
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    run_code = getattr(plot_directive, "_run_code", None)
    if run_code is None:
        logger.warning("figure_checks: matplotlib's plot directive has no _run_code to "
                       "hook; the documentation's figures are not checked")
        return {"parallel_read_safe": True}

    reported = set()  # a figure kept open by :context: is seen again by later blocks

    def run_and_check(code, code_path, ns=None, function_name=None):
        result = run_code(code, code_path, ns, function_name)
        for fig in open_figures():
            for problem in figure_problems(fig):
                if (str(code_path), problem) not in reported:
                    reported.add((str(code_path), problem))
                    logger.warning(f"a figure of a plot directive: {problem}",
                                   location=app.env.docname, type="figure_checks")
        return result

    run_and_check.__wrapped__ = run_code
    plot_directive._run_code = run_and_check
    return {"parallel_read_safe": True, "parallel_write_safe": True}

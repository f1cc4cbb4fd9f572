"""Screenshots of the built documentation in a headless browser, to look at
the pages as a reader does (what a figure or table looks like in the text
column, whether code clips, whether the math is typeset).

    sphinx-build -q -W --keep-going -b html docs /tmp/docs_html
    python docs/_scripts/screenshot_pages.py /tmp/docs_html /tmp/shots --width 1280 1920

Needs Chromium (Debian: ``apt-get install chromium``); each page is loaded
from the files, so MathJax must come from the build itself (it does:
sphinx-mathjax-offline). Not a test: the checks that run in CI are in
tests/test_docs_build.py.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def screenshot(browser: str, page: Path, out: Path, width: int, height: int) -> None:
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--virtual-time-budget=5000",  # let MathJax typeset before the shot
         f"--window-size={width},{height}", f"--screenshot={out}", page.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("html", type=Path, help="the built pages (sphinx-build's output folder)")
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--width", type=int, nargs="+", default=[1280])
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--pages", nargs="*", help="pages relative to HTML (default: all)")
    args = parser.parse_args(argv)
    browser = next((b for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        print("no headless browser found (tried: " + ", ".join(BROWSERS) + ")", file=sys.stderr)
        return 1
    pages = [args.html / p for p in args.pages] if args.pages else sorted(
        p for p in args.html.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)
    args.out.mkdir(parents=True, exist_ok=True)
    for page in pages:
        name = str(page.relative_to(args.html).with_suffix("")).replace("/", "-")
        for width in args.width:
            out = args.out / f"{name}-{width}.png"
            screenshot(browser, page, out, width, args.height)
            print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

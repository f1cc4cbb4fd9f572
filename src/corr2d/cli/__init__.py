"""The ``corr2d`` command-line program: ``demo``, ``edges``, ``learn`` and ``bench``.

Each subcommand lives in its own module with an ``add_parser`` and a ``run``.
Errors the user can fix (bad arguments, unreadable or unwritable files, a
missing optional package) print one line on stderr and exit with status 2.
So do an output that would overwrite an input file and an image over
--max-pixels (default 64 megapixels): both are refused before any work.
"""
from __future__ import annotations

import argparse
import sys

from .._version import __version__
from . import bench, demo, edges, learn
from ._common import CLIError, examples

#: The examples of ``corr2d --help``: (command, what it does).
EXAMPLES = [
    ("corr2d demo", "the D2L chapter, step by step"),
    ("corr2d edges photo.jpg -o edges.png --compare", "edge map and a figure"),
    ("corr2d edges -o sx.png --signed --save-input scene.png", "d/dx of the built-in scene"),
    ("corr2d learn scene.png sx.png --bias", "learn 0.2365 x the Sobel kernel"),
    ("corr2d bench --quick", "corr2d vs SciPy (and OpenCV)"),
]
EPILOG = examples(EXAMPLES) + """

Images are read as grey on a 0-1 scale (colour is converted to grey). Each
command's --help has its options and more examples."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="corr2d",
        description="Fast 2-D cross-correlation for NumPy: the D2L demo, edge maps, kernel\nlearning, timings.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"corr2d {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for module in (demo, edges, learn, bench):
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the program with `argv` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `corr2d` alone: what it can do, not an error
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (CLIError, ValueError, TypeError, OSError, MemoryError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"corr2d {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ncorr2d {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

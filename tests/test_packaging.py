"""What an installed corr2d and its distribution archives contain.

Cheap checks, no building: the installed package folder always; the files a
wheel installed (its RECORD) when corr2d was installed from a wheel; and the
archives themselves when their paths are given in ``CORR2D_WHEEL`` and
``CORR2D_SDIST`` (``.ci/check-dist`` sets both).
"""
from __future__ import annotations

import importlib.metadata
import os
import re
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest

import corr2d
import corr2d._ccore

PACKAGE_DIR = Path(corr2d.__file__).resolve().parent
# Build products that must never sit in an installed package or a wheel.
LEFTOVER_SUFFIXES = {".c", ".o", ".obj", ".lib", ".exp"}
EXTENSION_SUFFIXES = (".so", ".pyd")
# The compiled extensions, each with its .pyi stub.
EXTENSIONS = ("_ccore",)


def _is_source_checkout() -> bool:
    """An editable install imports corr2d straight from src/corr2d, where
    the generated _ccore.c legitimately lives."""
    return (PACKAGE_DIR.parent.parent / "setup.py").is_file()


def _wheel_record() -> list[PurePosixPath] | None:
    """Files of the corr2d package that the installed wheel recorded, or None
    for an editable install (whose RECORD lists no package files)."""
    files = importlib.metadata.distribution("corr2d").files or []
    paths = [PurePosixPath(str(f)) for f in files if PurePosixPath(str(f)).parts[:1] == ("corr2d",)]
    return paths or None


def _check_package_listing(names: list[str], where: str) -> None:
    """`names`: posix paths relative to the folder holding corr2d/."""
    names = set(names)
    for required in ("corr2d/__init__.py", "corr2d/py.typed", *(f"corr2d/{m}.pyi" for m in EXTENSIONS)):
        assert required in names, f"{where} lacks {required}"
    for module in EXTENSIONS:
        extensions = [
            n for n in names if n.startswith(f"corr2d/{module}.") and n.endswith(EXTENSION_SUFFIXES)
        ]
        assert len(extensions) == 1, f"{where}: expected one compiled {module}, got {extensions}"
    leftovers = sorted(n for n in names if PurePosixPath(n).suffix in LEFTOVER_SUFFIXES)
    assert not leftovers, f"{where} holds build leftovers: {leftovers}"


def test_installed_package_has_extension_stub_and_marker():
    assert (PACKAGE_DIR / "py.typed").is_file()
    assert (PACKAGE_DIR / "_ccore.pyi").is_file()
    extension = Path(corr2d._ccore.__file__).resolve()
    assert extension.parent == PACKAGE_DIR
    assert extension.name.startswith("_ccore.") and extension.suffix in EXTENSION_SUFFIXES


def test_installed_package_has_no_build_leftovers():
    if _is_source_checkout():
        pytest.skip("corr2d is imported from the source tree (editable install)")
    leftovers = sorted(
        str(p.relative_to(PACKAGE_DIR))
        for p in PACKAGE_DIR.rglob("*")
        if p.suffix in LEFTOVER_SUFFIXES
    )
    assert not leftovers, f"installed package holds build leftovers: {leftovers}"


def test_wheel_record_lists_what_ships():
    record = _wheel_record()
    if record is None:
        pytest.skip("corr2d was not installed from a wheel (editable install)")
    _check_package_listing([str(p) for p in record], "the installed wheel's RECORD")
    # Every GPU kernel source present in the package must have come from the
    # wheel (package-data "cuda/*.cu"); none exist yet.
    for cu in (PACKAGE_DIR / "cuda").glob("*.cu"):
        assert PurePosixPath("corr2d", "cuda", cu.name) in record


def test_wheel_archive():
    path = os.environ.get("CORR2D_WHEEL")
    if not path:
        pytest.skip("set CORR2D_WHEEL to a built wheel to inspect it")
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
    _check_package_listing([n for n in names if n.startswith("corr2d/")], path)
    assert any(n.endswith(".dist-info/RECORD") for n in names)


def test_sdist_archive():
    path = os.environ.get("CORR2D_SDIST")
    if not path:
        pytest.skip("set CORR2D_SDIST to a built sdist to inspect it")
    with tarfile.open(path) as sdist:
        names = sdist.getnames()
    top = names[0].split("/")[0]
    rel = {n[len(top) + 1:] for n in names if n.startswith(top + "/")}
    required = [
        "README.md",
        "pyproject.toml",
        "setup.py",
        "MANIFEST.in",
        "ccore/Makefile",
        "ccore/include/corr2d_core.h",
        "ccore/src/correlate.template.c",
        "ccore/src/dispatch.c",
        "ccore/tests/test_core.c",
        "src/corr2d/__init__.py",
        "src/corr2d/_ccore.pyx",
        "src/corr2d/_ccore.pxd",
        "src/corr2d/_ccore.pyi",
        "src/corr2d/py.typed",
        "tests/test_packaging.py",
    ]
    missing = [r for r in required if r not in rel]
    assert not missing, f"{path} lacks {missing}"
    forbidden = sorted(
        r
        for r in rel
        if r.endswith((".so", ".pyd", ".o", ".obj", ".pyc"))
        or re.fullmatch(r"src/corr2d/_\w+\.c", r)  # Cython output
        or r.startswith(("ccore/build/", "docs/_build/", "build/"))
    )
    assert not forbidden, f"{path} holds build products: {forbidden}"

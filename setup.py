"""Builds corr2d's one extension: the C core in ccore/ plus its Cython binding.

OpenMP flags depend on the compiler: gcc/clang take -fopenmp, MSVC /openmp,
Apple clang needs -Xpreprocessor -fopenmp and libomp (Homebrew's, or the one
under $LIBOMP_PREFIX). Each candidate is tried on a tiny program; if none
links, the extension is built serially and a warning says so.
"""
import glob
import os
import sys
import tempfile
import textwrap
import warnings

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

CORE_SOURCES = [
    "ccore/src/dispatch.c",
    "ccore/src/control.c",
    "ccore/src/separable.c",
    "ccore/src/fft.c",
    "ccore/src/conv.c",
    "ccore/src/window_stats.c",
    "ccore/src/ordered_sums.c",
    "ccore/src/correlate_baseline.c",
    "ccore/src/correlate_avx2.c",
    "ccore/src/correlate_avx512.c",
]

OPENMP_PROBE = textwrap.dedent(
    """
    #include <omp.h>
    int main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }
    """
)


def _libomp_prefixes():
    prefixes = [os.environ.get("LIBOMP_PREFIX"), "/opt/homebrew/opt/libomp", "/usr/local/opt/libomp"]
    return [p for p in prefixes if p and os.path.isdir(p)]


def _openmp_candidates(compiler_type):
    """(compile args, link args) pairs to try, most likely first."""
    if compiler_type == "msvc":
        return [(["/openmp"], [])]
    candidates = [(["-fopenmp"], ["-fopenmp"])]
    if sys.platform == "darwin":
        for prefix in _libomp_prefixes():
            candidates.append(
                (
                    ["-Xpreprocessor", "-fopenmp", f"-I{prefix}/include"],
                    [f"-L{prefix}/lib", "-lomp", f"-Wl,-rpath,{prefix}/lib"],
                )
            )
    return candidates


def _links(compiler, compile_args, link_args):
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "probe.c")
        with open(source, "w") as f:
            f.write(OPENMP_PROBE)
        try:
            objects = compiler.compile([source], output_dir=tmp, extra_postargs=compile_args)
            compiler.link_executable(objects, "probe", output_dir=tmp, extra_postargs=link_args)
        except Exception:
            return False
    return True


class BuildExtWithOpenMP(build_ext):
    def build_extensions(self):
        ctype = self.compiler.compiler_type
        # No errno from sqrt (the core never reads errno): GCC and Clang then
        # vectorise the loops that take square roots (window_stats.template.c).
        optimise = ["/O2"] if ctype == "msvc" else ["-O3", "-fno-math-errno"]
        openmp = None
        if os.environ.get("CORR2D_DISABLE_OPENMP", "") not in ("", "0"):
            warnings.warn("CORR2D_DISABLE_OPENMP is set: building corr2d without OpenMP.")
        else:
            for compile_args, link_args in _openmp_candidates(ctype):
                if _links(self.compiler, compile_args, link_args):
                    openmp = (compile_args, link_args)
                    break
            if openmp is None:
                warnings.warn(
                    "No working OpenMP found for this compiler: corr2d will be built "
                    "serially (one thread). On macOS, `brew install libomp` or set "
                    "LIBOMP_PREFIX."
                )
        for ext in self.extensions:
            ext.extra_compile_args = optimise + (openmp[0] if openmp else [])
            ext.extra_link_args = openmp[1] if openmp else []
        super().build_extensions()


# One extension module for the whole C core and its binding (_ccore.pyx
# includes the deep-learning part, _conv.pxi): the core's process-wide state
# (fork guard, thread policy, interrupt check) must exist once. GEMM comes
# from SciPy's cython_blas at run time, so no BLAS is linked here.
extensions = [
    Extension(
        "corr2d._ccore",
        sources=["src/corr2d/_ccore.pyx"] + CORE_SOURCES,
        include_dirs=["ccore/include", numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        # Headers and the per-dtype templates that the core's .c files
        # include: a change to one rebuilds the module.
        depends=["src/corr2d/_conv.pxi", "src/corr2d/_ccore.pxd"]
        + sorted(glob.glob("ccore/include/*.h") + glob.glob("ccore/src/*.h")
                 + glob.glob("ccore/src/*.template.c")),
    ),
]

setup(
    ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
    cmdclass={"build_ext": BuildExtWithOpenMP},
)

"""`import corr2d` loads no SciPy module (importing scipy.linalg and
scipy.fft took about 0.2 s of every import: the command-line program, each
Dask worker); the deep-learning functions bind SciPy's BLAS on their first
matrix product, and BLAS is still held at one thread inside corr2d's OpenMP
loops (a threadpoolctl controller built before SciPy's BLAS was loaded could
not limit it: BLAS then ran its own threads inside each OpenMP thread, and
with PyTorch loaded OpenBLAS warned of an OpenMP loop on every product)."""
import os
import subprocess
import sys
import textwrap

import pytest


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="2"))


def test_import_loads_no_scipy_module():
    result = _python("""
        import sys
        import corr2d
        print(sorted(m for m in sys.modules if m == "scipy" or m.startswith("scipy.")))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_first_threaded_matrix_product_holds_scipys_blas_at_one_thread():
    # A 1x1 convolution is one GEMM per image; a batch this large runs the
    # images on 2 OpenMP threads, each calling SciPy's BLAS, which the
    # one-thread limit must know about (threadpoolctl sees only the
    # libraries loaded when its controller is built).
    result = _python("""
        import numpy as np
        import corr2d
        from corr2d import _blas, _ccore
        rng = np.random.default_rng(0)
        x = rng.random((8, 64, 64, 64), dtype=np.float32)
        w = rng.random((64, 64, 1, 1), dtype=np.float32)
        if _ccore.max_threads() < 2:
            raise SystemExit("one core")
        for dtype in (np.float32, np.float64):
            y = corr2d.conv2d(x.astype(dtype), w.astype(dtype))
            expected = np.einsum("oi,nihw->nohw", w[:, :, 0, 0].astype(np.float64), x)
            assert np.allclose(y, expected, rtol=1e-5), dtype
        from threadpoolctl import ThreadpoolController
        import scipy.linalg.cython_blas
        everywhere = ThreadpoolController().select(user_api="blas").lib_controllers
        limited = {c.filepath for c in _blas.ONE_THREAD_BLAS.libraries()}
        print(sorted({c.filepath for c in everywhere} - limited))
    """)
    if "one core" in result.stderr:
        pytest.skip("one core: the images run on one thread, BLAS on its own")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"BLAS the one-thread limit misses: {result.stdout}"
    assert "OpenBLAS Warning" not in result.stderr, result.stderr

"""Every CUDA source of corr2d.cuda compiles: with nvcc (sm_80 and sm_90)
when it is on the PATH, and with CuPy's NVRTC, exactly as corr2d loads it,
when CuPy and a device are present. No GPU is needed for the nvcc check."""
import shutil
import subprocess
from importlib import resources

import numpy as np
import pytest

from corr2d.cuda import correlate as gpu

CUDA_DIR = resources.files("corr2d.cuda")
CU_FILES = sorted(p.name for p in CUDA_DIR.iterdir() if p.name.endswith(".cu"))
HEADERS = sorted(p.name for p in CUDA_DIR.iterdir() if p.name.endswith(".cuh"))
NVCC = shutil.which("nvcc")
needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc is not on the PATH")


def nvcc(*args, cwd):
    done = subprocess.run([NVCC, "-std=c++17", *args], capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "warning" not in done.stderr.lower(), done.stderr[-4000:]


def test_sources_are_shipped():
    assert CU_FILES == ["correlate2d.cu"]
    assert {"arith.cuh", "boundary.cuh"} <= set(HEADERS)


@needs_nvcc
@pytest.mark.parametrize("name", CU_FILES)
def test_cu_file_compiles_with_nvcc_for_sm80_and_sm90(name, tmp_path):
    # -DCORR2D_INSTANTIATE emits every dtype's instantiation of the templates.
    nvcc("-DCORR2D_INSTANTIATE", "-gencode", "arch=compute_80,code=sm_80",
         "-gencode", "arch=compute_90,code=sm_90", "-c", "-o", str(tmp_path / "x.o"), name,
         cwd=str(CUDA_DIR))


@needs_nvcc
def test_headers_are_self_contained(tmp_path):
    wrapper = tmp_path / "headers.cu"
    wrapper.write_text("".join(f'#include "{h}"\n#include "{h}"\n' for h in HEADERS))
    nvcc("-arch=compute_80", "--ptx", f"-I{CUDA_DIR}", "-o", str(tmp_path / "x.ptx"), str(wrapper),
         cwd=str(tmp_path))


def test_name_expressions_match_the_instantiations():
    """The names corr2d asks NVRTC for are the ones -DCORR2D_INSTANTIATE emits."""
    source = gpu.cuda_source()
    for cuda_type, accumulator in set(gpu.CUDA_TYPES.values()):
        assert f"CORR2D_INSTANCE({cuda_type}, {accumulator})" in source
    assert f"correlate2d_tiled<T, A, {gpu.ROWS_PER_THREAD}>" in source
    assert '#include "' not in source  # inlined for NVRTC


def _cupy_with_device():
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
    if getattr(cupy, "is_fake", False):
        pytest.skip("CuPy is the test stand-in")
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("no CUDA device")
    except Exception:
        pytest.skip("no CUDA device")
    return cupy


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", sorted({np.dtype(k[0] + str(k[1])).name
                                          for k in gpu.CUDA_TYPES}))
def test_compiles_with_cupy_nvrtc(dtype):
    _cupy_with_device()
    tiled, global_kernel = gpu.compiled_kernels(np.dtype(dtype))
    assert tiled.attributes["max_threads_per_block"] >= 256

"""Every CUDA source of corr2d.cuda compiles: with nvcc (sm_80 and sm_90)
when it is on the PATH, and with CuPy's NVRTC, with the options and name
expressions corr2d loads it with, when CuPy and NVRTC are installed (no GPU
is needed for either); and through cupy.RawModule when a device is present."""
import os
import re
import shutil
import subprocess
from importlib import resources

import numpy as np
import pytest

from corr2d.cuda import compile as gpu_compile
from corr2d.cuda import conv as gpu_conv
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
    assert CU_FILES == ["conv2d.cu", "correlate2d.cu"]
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
    source = gpu_compile.cuda_source("correlate2d.cu")
    for cuda_type, accumulator in set(gpu.CUDA_TYPES.values()):
        assert f"CORR2D_INSTANCE({cuda_type}, {accumulator})" in source
    assert f"correlate2d_tiled<T, A, {gpu.ROWS_PER_THREAD}>" in source
    assert '#include "' not in source  # inlined for NVRTC


def test_conv_name_expressions_match_the_instantiations():
    """conv2d.cu: the names corr2d.cuda.conv asks NVRTC for are instantiated
    for nvcc, and its tile sizes are the kernel's."""
    source = gpu_compile.cuda_source("conv2d.cu")
    for cuda_type in gpu_conv.CUDA_TYPES.values():
        assert f"CORR2D_CONV_INSTANCE({cuda_type})" in source
        assert len(gpu_conv.kernel_names(cuda_type)) == 3
    for name, value in [("TILE_M", gpu_conv.TILE_M), ("TILE_N", gpu_conv.TILE_N),
                        ("TILE_K", gpu_conv.TILE_K), ("THREADS_X", gpu_conv.BLOCK[0]),
                        ("THREADS_Y", gpu_conv.BLOCK[1])]:
        assert f"#define CORR2D_CONV_{name} {value}\n" in source
    for name, value in [("FORWARD", gpu_conv.FORWARD), ("GRAD_INPUT", gpu_conv.GRAD_INPUT),
                        ("GRAD_WEIGHT", gpu_conv.GRAD_WEIGHT)]:
        assert f"#define CORR2D_CONV_{name} {value}\n" in source


@needs_nvcc
@pytest.mark.parametrize("name,kernels,max_registers", [
    # 8 dtypes x (tiled, global) x 2 architectures; 256-thread blocks.
    ("correlate2d.cu", 32, 64),
    # 2 dtypes x 3 ops x 2 architectures; two 256-thread blocks per SM.
    ("conv2d.cu", 12, 128),
])
def test_kernels_fit_the_launch(name, kernels, max_registers, tmp_path):
    """For sm_80 and sm_90 (ptxas -v): every kernel within its register
    budget and with no local-memory spills."""
    done = subprocess.run(
        [NVCC, "-std=c++17", "-DCORR2D_INSTANTIATE", "-Xptxas", "-v",
         "-gencode", "arch=compute_80,code=sm_80", "-gencode", "arch=compute_90,code=sm_90",
         "-c", "-o", str(tmp_path / "x.o"), name],
        capture_output=True, text=True, cwd=str(CUDA_DIR))
    assert done.returncode == 0, done.stderr[-4000:]
    registers = [int(r) for r in re.findall(r"Used (\d+) registers", done.stderr)]
    assert len(registers) == kernels, done.stderr[-4000:]
    assert max(registers) <= max_registers
    spills = [line for line in done.stderr.splitlines() if "spill stores" in line]
    assert len(spills) == kernels and all(" 0 bytes spill stores" in line for line in spills), \
        done.stderr[-4000:]


@needs_nvcc
@pytest.mark.parametrize("name", CU_FILES)
def test_float32_keeps_subnormals_under_ftz(name, tmp_path):
    """CuPy compiles every RawModule with -ftz=true; the float32 arithmetic of
    the kernels must still keep subnormal numbers, as the CPU path does: no
    .ftz instruction in the PTX."""
    ptx = tmp_path / "x.ptx"
    nvcc("-DCORR2D_INSTANTIATE", "-ftz=true", "-arch=compute_90", "--ptx", "-o", str(ptx), name,
         cwd=str(CUDA_DIR))
    text = ptx.read_text()
    assert "fma.rn.f32" in text
    assert [line for line in text.splitlines() if ".ftz" in line] == []


def _cupy_compiler():
    """CuPy's compiler module, where CuPy and its NVRTC library are installed
    (a GPU is not needed). Skips otherwise, or fails where the environment
    variable CORR2D_REQUIRE_NVRTC is set (.ci/run sets it after installing
    them)."""
    missing = pytest.fail if os.environ.get("CORR2D_REQUIRE_NVRTC") else pytest.skip
    try:
        import cupy
        from cupy.cuda import compiler
    except ImportError as exc:
        missing(f"CuPy is not installed ({exc})")
    if getattr(cupy, "is_fake", False):
        pytest.skip("CuPy is the test stand-in")
    try:
        compiler._get_nvrtc_version()
    except Exception as exc:
        missing(f"CuPy cannot load NVRTC ({type(exc).__name__}: {exc})")
    return compiler


def _nvrtc_sources():
    for key in sorted(gpu.CUDA_TYPES):
        yield "correlate2d.cu", gpu.kernel_names(*gpu.CUDA_TYPES[key])
    for cuda_type in gpu_conv.CUDA_TYPES.values():
        yield "conv2d.cu", gpu_conv.kernel_names(cuda_type)


@pytest.mark.parametrize("arch", ["80", "90"])
def test_compiles_with_cupy_nvrtc_without_a_device(arch, monkeypatch):
    """What cupy.RawModule compiles for corr2d on an sm_80 or sm_90 card:
    corr2d's options plus the -ftz=true that RawModule appends, every name
    expression, through CuPy's NVRTC path, to PTX (with no .ftz) and to a
    cubin. CuPy asks the current device for the -arch option; here it is
    named instead, as CuPy names it."""
    compiler = _cupy_compiler()
    target = {"ptx": f"-arch=compute_{arch}", "cubin": f"-arch=sm_{arch}"}
    for method in ("ptx", "cubin"):
        monkeypatch.setattr(compiler, "_get_arch_for_options_for_nvrtc",
                            lambda arch=None, method=method: (target[method], method))
        for source, names in _nvrtc_sources():
            binary, mapping = compiler.compile_using_nvrtc(
                gpu_compile.cuda_source(source), gpu_compile.NVRTC_OPTIONS + ("-ftz=true",), arch,
                name_expressions=names)
            assert set(mapping) == set(names), (source, mapping)
            assert all(mapping[name].startswith("_Z") for name in names)
            if method == "ptx":
                text = binary.decode() if isinstance(binary, bytes) else binary
                assert f".target sm_{arch}" in text
                assert [line for line in text.splitlines() if ".ftz" in line] == [], (source, names)
            else:
                assert bytes(binary[:4]) == b"\x7fELF", (source, names)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", sorted({np.dtype(k[0] + str(k[1])).name
                                          for k in gpu.CUDA_TYPES}))
def test_compiles_with_cupy_nvrtc(cupy_on_device, dtype):
    tiled, global_kernel = gpu.compiled_kernels(np.dtype(dtype))
    assert tiled.attributes["max_threads_per_block"] >= 256


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_compiles_with_cupy_nvrtc(cupy_on_device, dtype):
    for kernel in gpu_conv.compiled_kernels(np.dtype(dtype)):
        threads = gpu_conv.BLOCK[0] * gpu_conv.BLOCK[1]
        assert kernel.attributes["max_threads_per_block"] >= threads

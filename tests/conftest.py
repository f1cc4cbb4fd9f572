"""Fixtures shared by the GPU tests: CuPy on a real CUDA device (skipped
with a reason elsewhere), or the stand-in CuPy of tests/gpu_support whose
kernels run in the CPU emulator."""
import os
import sys

import pytest
from hypothesis import settings

from gpu_support import fake_cupy

# What the property tests check is values, never time: a per-example deadline
# only turns a loaded machine into a failure. Under .ci/run (CORR2D_CI=1) the
# examples are derandomized, the same on every run, so that a landing never
# hangs on a draw; local runs keep exploring new examples.
settings.register_profile("corr2d", deadline=None)
settings.register_profile("corr2d-ci", deadline=None, derandomize=True)
settings.load_profile("corr2d-ci" if os.environ.get("CORR2D_CI", "") not in ("", "0")
                      else "corr2d")


@pytest.fixture(scope="session")
def cupy_on_device():
    """The real CuPy, where it is installed and sees a CUDA device."""
    try:
        import cupy
    except ImportError:
        pytest.skip("no CUDA device (CuPy is not installed)")
    if getattr(cupy, "is_fake", False):
        pytest.skip("no CUDA device (CuPy is the test stand-in)")
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("no CUDA device")
    except Exception as exc:
        pytest.skip(f"no CUDA device ({type(exc).__name__})")
    return cupy


@pytest.fixture(scope="session")
def cuda_emulator(tmp_path_factory):
    """emulator.cpp, compiled once per test session."""
    try:
        return fake_cupy.build_emulator(tmp_path_factory.mktemp("emulator"))
    except RuntimeError as exc:
        pytest.skip(f"CUDA emulator not available: {exc}")


@pytest.fixture
def cupy_emulated(cuda_emulator, monkeypatch):
    """The stand-in CuPy as ``cupy``, with corr2d's kernel caches emptied."""
    from corr2d.cuda import conv as gpu_conv
    from corr2d.cuda import correlate as gpu

    module = fake_cupy.make_module(cuda_emulator)
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(gpu, "_modules", {})
    monkeypatch.setattr(gpu_conv, "_modules", {})
    return module


@pytest.fixture(params=["emulated", pytest.param("device", marks=pytest.mark.gpu)])
def cupy_both(request):
    """Each test twice: on the stand-in CuPy (always) and on a real device
    (marked gpu, skipped where there is none)."""
    return request.getfixturevalue("cupy_emulated" if request.param == "emulated" else "cupy_on_device")


def pytest_configure(config):
    """CI sets CORR2D_REQUIRE_TORCH=1 after installing torch: the PyTorch
    cross-checks must then run, not skip."""
    if os.environ.get("CORR2D_REQUIRE_TORCH", "") not in ("", "0"):
        import torch  # noqa: F401  (an ImportError here fails the run)

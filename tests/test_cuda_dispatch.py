"""The dispatch to the GPU path, without a GPU: CuPy arrays are recognised
without importing CuPy, mixed host/device arguments are refused by name, and
the CPU path never touches CuPy."""
import doctest
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import corr2d
from corr2d import cuda
from corr2d.cuda import correlate as gpu


def fake_cupy_array():
    """An object whose type lives in module 'cupy', as cupy.ndarray's does."""
    ndarray = type("ndarray", (), {"__module__": "cupy", "ndim": 2, "shape": (3, 3)})
    return ndarray()


def test_detection_by_type_module():
    assert cuda.is_cupy_array(fake_cupy_array())
    assert not cuda.is_cupy_array(np.ones(3))
    assert not cuda.is_cupy_array([[1.0]])
    cupyx_like = type("csr_matrix", (), {"__module__": "cupyx.scipy.sparse._csr"})()
    assert not cuda.is_cupy_array(cupyx_like)
    assert cuda.any_cupy_array(None, np.ones(2), fake_cupy_array())
    assert not cuda.any_cupy_array(None, np.ones(2), [1])


@pytest.mark.parametrize("func", [corr2d.correlate2d, corr2d.convolve2d])
def test_mixed_inputs_raise_type_error_naming_them(func):
    x = np.ones((4, 4))
    with pytest.raises(TypeError, match=r"in1 is a CuPy array but in2 is a numpy\.ndarray"):
        func(fake_cupy_array(), x)
    with pytest.raises(TypeError, match=r"in2 is a CuPy array but in1 is a numpy\.ndarray"):
        func(x, fake_cupy_array())
    with pytest.raises(TypeError, match=r"out is a CuPy array but in1 is a numpy\.ndarray, in2 is a list"):
        func(x, [[1.0]], out=fake_cupy_array())
    with pytest.raises(TypeError, match=r"in1 and in2 are CuPy arrays but out is a numpy\.ndarray"):
        func(fake_cupy_array(), fake_cupy_array(), out=np.empty((5, 5)))


def test_import_and_cpu_calls_never_import_cupy():
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import corr2d
        corr2d.correlate2d(np.ones((5, 5)), np.ones((2, 2)), "same", "symm")
        corr2d.convolve2d([[1, 2], [3, 4]], [[1]])
        assert "cupy" not in sys.modules, "cupy was imported"
        assert "corr2d.cuda.correlate" not in sys.modules
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_launch_config():
    use_tiled, block, rows, smem = gpu.launch_config(3, 3, 4)
    assert use_tiled and block == (32, 8) and rows == 32
    assert smem == 48 + 34 * 34 * 4
    # complex128 21x21 does not fit a 32x32 tile but fits a 32x8 one;
    # complex128 31x31 fits neither and runs from global memory.
    assert gpu.launch_config(21, 21, 16)[:3] == (True, (32, 2), 8)
    assert gpu.launch_config(31, 31, 16)[:3] == (False, gpu.GLOBAL_BLOCK, gpu.GLOBAL_BLOCK[1])
    assert gpu.launch_config(31, 31, 4)[:3] == (True, (32, 8), 32)
    for kh, kw, item in [(1, 1, 1), (31, 31, 8), (7, 200, 4), (100, 3, 16)]:
        assert gpu.launch_config(kh, kw, item)[3] <= gpu.SHARED_MEMORY_BYTES


def test_dtype_table_covers_every_gpu_dtype():
    for dtype in ["f4", "f8", "c8", "c16", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]:
        dtype = np.dtype(dtype)
        kind = "u" if dtype.kind == "i" else dtype.kind
        assert (kind, dtype.itemsize) in gpu.CUDA_TYPES


def test_docstring_examples():
    from corr2d import _arrays

    result = doctest.testmod(_arrays, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("call, message", [
    (lambda g, h: corr2d.conv2d(g, h), r"conv2d: input is a CuPy array but weight is a numpy\.ndarray"),
    (lambda g, h: corr2d.conv2d(h, g), r"conv2d: weight is a CuPy array but input is a numpy\.ndarray"),
    (lambda g, h: corr2d.conv2d(g, g, h),
     r"conv2d: input and weight are CuPy arrays but bias is a numpy\.ndarray"),
    (lambda g, h: corr2d.conv2d(h, h, g), r"conv2d: bias is a CuPy array but input is a numpy\.ndarray, weight"),
    (lambda g, h: corr2d.conv2d_input((1, 1, 4, 4), h, g),
     r"conv2d_input: grad_output is a CuPy array but weight is a numpy\.ndarray"),
    (lambda g, h: corr2d.conv2d_input((1, 1, 4, 4), g, [[[[1.0]]]]),
     r"conv2d_input: weight is a CuPy array but grad_output is a list"),
    (lambda g, h: corr2d.conv2d_weight(g, (1, 1, 2, 2), h),
     r"conv2d_weight: input is a CuPy array but grad_output is a numpy\.ndarray"),
    (lambda g, h: corr2d.conv_transpose2d(h, g),
     r"conv_transpose2d: weight is a CuPy array but input is a numpy\.ndarray"),
    (lambda g, h: corr2d.functional.conv_transpose2d(g, g, h),
     r"conv_transpose2d: input and weight are CuPy arrays but bias is a numpy\.ndarray"),
])
def test_conv_mixed_inputs_raise_type_error_naming_them(call, message):
    with pytest.raises(TypeError, match=message):
        call(fake_cupy_array(), np.ones((1, 1, 2, 2)))


def test_cpu_conv_calls_never_import_cupy():
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import corr2d
        x, w = np.ones((1, 2, 6, 6)), np.ones((3, 2, 3, 3))
        y = corr2d.conv2d(x, w, padding=1, padding_mode="reflect")
        corr2d.conv2d_input(x.shape, w, y, padding=1)
        corr2d.conv2d_weight(x, w.shape, y, padding=1)
        corr2d.conv_transpose2d(y, w)
        assert "cupy" not in sys.modules, "cupy was imported"
        assert "corr2d.cuda.conv" not in sys.modules
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_conv_split_reduction_sizes():
    from corr2d.cuda import conv as gpu_conv

    assert gpu_conv.k_splits(10_000, 100_352) == (1, 100_352)  # enough tiles: no split
    splits, chunk = gpu_conv.k_splits(9, 32 * 56 * 56)  # ResNet 3x3, 64 -> 64: 9 tiles
    assert 1 < splits <= -(-gpu_conv.TARGET_BLOCKS // 9)
    assert chunk % gpu_conv.TILE_K == 0 and chunk >= gpu_conv.MIN_K_CHUNK
    assert (splits - 1) * chunk < 32 * 56 * 56 <= splits * chunk
    assert gpu_conv.k_splits(1, 100) == (1, 112)  # shorter than one chunk


def test_cuda_extras_name_cupy_with_its_toolkit_for_cuda_12_and_13():
    """`pip install corr2d[cuda]` (and cuda12, cuda13) brings a CuPy with
    NVRTC from PyPI, so the kernels compile with only a driver installed."""
    from importlib.metadata import requires

    extras = {}
    for requirement in requires("corr2d") or []:
        spec, _, marker = requirement.partition(";")
        if "extra ==" in marker:
            extras.setdefault(marker.split("==")[1].strip().strip("'\""), []).append(spec.strip())
    assert extras["cuda12"] == ["cupy-cuda12x[ctk]>=14"]
    assert extras["cuda13"] == ["cupy-cuda13x[ctk]>=14"]
    assert extras["cuda"] == extras["cuda12"]


def test_show_config_says_whether_there_is_a_gpu(monkeypatch, capsys):
    from corr2d import _config

    monkeypatch.setattr(_config.importlib.util, "find_spec", lambda name: None)
    assert _config.gpu_status() == ("no (CuPy is not installed: pip install 'cupy-cuda12x[ctk]', "
                                     "corr2d's [cuda] extra)")
    corr2d.show_config()
    assert "  gpu:      no (CuPy is not installed" in capsys.readouterr().out
    monkeypatch.undo()
    broken = type(sys)("cupy")  # a CuPy that cannot reach a device
    monkeypatch.setitem(sys.modules, "cupy", broken)
    monkeypatch.setattr(_config.importlib.util, "find_spec", lambda name: object())
    assert _config.gpu_status() == "no CUDA device (CuPy is installed: AttributeError)"


@pytest.mark.gpu
def test_show_config_names_the_device(cupy_on_device):
    from corr2d import _config

    status = _config.gpu_status()
    assert status.startswith(f"CuPy {cupy_on_device.__version__}, device ") and "(sm_" in status


def test_arrays_on_two_gpus_are_refused():
    from types import SimpleNamespace

    on = [SimpleNamespace(device=SimpleNamespace(id=i)) for i in (0, 1)]
    cuda.check_one_device("conv2d", input=on[0], weight=on[0], bias=None)
    with pytest.raises(ValueError, match=r"conv2d: the arrays are on different GPUs: \{'input': 0, 'weight': 1\}"):
        cuda.check_one_device("conv2d", input=on[0], weight=on[1], bias=None)

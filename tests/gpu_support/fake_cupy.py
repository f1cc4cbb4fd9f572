"""A stand-in for CuPy on machines without a GPU, for tests only.

Its arrays are NumPy arrays whose type lives in module ``cupy`` (so corr2d
takes its GPU path), and its ``RawModule`` runs the kernels of
``src/corr2d/cuda/correlate2d.cu`` in the CPU emulator ``emulator.cpp``
(each CUDA thread a host thread, ``__syncthreads`` a barrier), and so does
its RawModule of ``conv2d.cu``. The whole GPU path, Python glue and CUDA
source alike, thus runs and is checked here; only NVRTC, the hardware and
the speed are left to a real device.

Every kernel argument is checked against the parameter types of
correlate2d.cu and conv2d.cu, as CuPy would marshal them, and every launch
against the limits of a CUDA device (threads per block, grid size, 48 KiB of
dynamic shared memory).

Memory is checked as compute-sanitizer would on a device, in part: the
arrays this module allocates (``empty``, ``zeros``, ``asarray``,
``ascontiguousarray``, ``pad``, ``conj``) sit between guard bands of 0xFF
bytes (NaN in every float type, and ``empty`` arrays start as NaN too), so a
kernel that reads outside an array, or reads output it has not written,
shows NaN or garbage in its results; after each launch the guard bands of
every array argument must be intact, else the launch raises
``OutOfBoundsWrite``. The emulator poisons and checks shared memory the same
way (emulator.cpp).
"""
from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import types
import weakref
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CUDA_DIR = HERE.parents[1] / "src" / "corr2d" / "cuda"


def build_emulator(directory: Path) -> ctypes.CDLL:
    """Compile emulator.cpp (g++ -std=c++20) into `directory` and load it."""
    compiler = shutil.which("g++") or shutil.which("clang++")
    if compiler is None:
        raise RuntimeError("no C++ compiler (g++ or clang++) on the PATH")
    lib = directory / "corr2d_cuda_emulator.so"
    cmd = [compiler, "-std=c++20", "-O1", "-shared", "-fPIC", "-pthread", f"-I{CUDA_DIR}",
           str(HERE / "emulator.cpp"), "-o", str(lib)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"emulator build failed: {' '.join(cmd)}\n{done.stderr[-3000:]}")
    dll = ctypes.CDLL(str(lib))
    dll.corr2d_emulate.restype = ctypes.c_int
    dll.corr2d_conv_emulate.restype = ctypes.c_int
    return dll


#: Bytes of 0xFF before and after every array allocated here.
GUARD = 256
#: id of each guarded buffer -> (weak reference to it, bytes of the array).
_guarded: dict[int, tuple] = {}


class OutOfBoundsWrite(AssertionError):
    """A kernel wrote into the guard band of one of its arrays."""


#: The current device: where new arrays are allocated and kernels run (a
#: real multi-GPU machine's rule; every fake device is the host).
_current = [0]


class Device:
    def __init__(self, device_id: int | None = None):
        self.id = _current[0] if device_id is None else device_id
        self._entered = []

    def __enter__(self):
        self._entered.append(_current[0])
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._entered.pop()
        return False

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def synchronize(self):
        pass


class ndarray(np.ndarray):
    """A NumPy array that corr2d takes for a CuPy array."""

    __module__ = "cupy"

    def __array_finalize__(self, obj):
        # A view keeps its memory's device; new memory (astype, a ufunc's
        # result) is on the current device, as CuPy allocates it.
        inherited = getattr(obj, "_device_id", None) if self.base is not None else None
        self._device_id = _current[0] if inherited is None else inherited

    @property
    def device(self):
        return Device(self._device_id)

    def get(self):
        return np.array(self.view(np.ndarray))


def _allocate(shape, dtype) -> ndarray:
    """An array of 0xFF bytes between two guard bands of 0xFF bytes."""
    dtype = np.dtype(dtype)
    shape = (shape,) if np.isscalar(shape) else tuple(shape)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    buffer = np.full(nbytes + 2 * GUARD, 0xFF, np.uint8)
    _guarded[id(buffer)] = (weakref.ref(buffer), nbytes)
    weakref.finalize(buffer, _guarded.pop, id(buffer), None)
    return buffer[GUARD:GUARD + nbytes].view(dtype).reshape(shape).view(ndarray)


def _copy(a, dtype=None) -> ndarray:
    a = np.asarray(a, dtype)
    out = _allocate(a.shape, a.dtype)
    out[...] = a
    return out


def check_guards(a) -> None:
    """Raise OutOfBoundsWrite if the guard bands around the buffer of `a`
    (when this module allocated it) are no longer all 0xFF."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    ref, nbytes = _guarded.get(id(root), (None, 0))
    if ref is None or ref() is not root:
        return
    if not (np.all(root[:GUARD] == 0xFF) and np.all(root[GUARD + nbytes:] == 0xFF)):
        raise OutOfBoundsWrite(f"a kernel wrote outside an array of {nbytes} bytes")


def asarray(a, dtype=None):
    return _copy(a, dtype)


#: Dynamic shared memory a block may use without opting in, on every CUDA GPU.
SHARED_MEMORY_LIMIT = 48 * 1024


def _check_devices(name: str, args) -> None:
    """A kernel runs on the current device and reads its arrays there: an
    array on another device faults (or crosses by peer access)."""
    for i, value in enumerate(args):
        if isinstance(value, ndarray):
            assert value._device_id == _current[0], (
                f"{name}: argument {i} is on device {value._device_id}, the launch on "
                f"device {_current[0]}")


def _check_launch(status: int, name: str, args) -> None:
    if status == -3:
        raise OutOfBoundsWrite(f"{name} wrote past the dynamic shared memory it asked for")
    if status != 0:
        raise RuntimeError(f"emulator returned {status} for {name}")
    for value in args:
        if isinstance(value, ndarray):
            check_guards(value)


# Parameter list of correlate2d_tiled / correlate2d_global (correlate2d.cu).
PARAMS = ("ptr", "i64", "i64", "i64", "ptr", "i32", "i32", "T", "ptr", "i64", "i64", "i64",
          "i64", "i64", "i32")
_NAME = re.compile(r"^correlate2d_(tiled|global)<(.+?), (.+?)(?:, (\d+))?>$")
_SIZES = {"float": 4, "double": 8, "corr2d_complex64": 8, "corr2d_complex128": 16,
          "unsigned char": 1, "unsigned short": 2, "unsigned int": 4, "unsigned long long": 8}


class RawKernel:
    def __init__(self, dll, name: str):
        match = _NAME.match(name)
        if match is None:
            raise ValueError(f"fake cupy: unknown kernel {name!r}")
        self.variant = 0 if match.group(1) == "tiled" else 1
        self.type = match.group(2)
        if self.variant == 0 and match.group(4) != "4":
            raise ValueError("the emulator instantiates the tiled kernel with RPT=4 only")
        self.dll, self.name = dll, name
        self.launches = []

    def __call__(self, grid, block, args, shared_mem=0):
        _check_devices(self.name, args)
        if len(args) != len(PARAMS):
            raise TypeError(f"{self.name}: {len(args)} arguments, expected {len(PARAMS)}")
        keep, c_args = [], []
        for i, (kind, value) in enumerate(zip(PARAMS, args)):
            if kind == "ptr":
                assert isinstance(value, ndarray), (i, type(value))
                assert value.itemsize == _SIZES[self.type], (i, value.dtype, self.type)
                c_args.append(ctypes.c_void_p(value.ctypes.data))
            elif kind == "i64":
                assert type(value) is np.int64, (i, type(value))
                c_args.append(ctypes.c_longlong(int(value)))
            elif kind == "i32":
                assert type(value) is np.int32, (i, type(value))
                c_args.append(ctypes.c_int(int(value)))
            else:
                assert isinstance(value, np.generic) and value.itemsize == _SIZES[self.type], (i, value)
                box = np.array(value)
                keep.append(box)
                c_args.append(ctypes.c_void_p(box.ctypes.data))
        assert len(grid) == 2 and len(block) == 2
        assert 1 <= grid[1] <= 65535 and block[0] * block[1] <= 1024
        assert 0 <= shared_mem <= SHARED_MEMORY_LIMIT
        self.launches.append((tuple(grid), tuple(block), shared_mem))
        (image, h, w, rs, kernel, kh, kw, fill, out, oh, ow, ors, top, left, boundary) = c_args
        status = self.dll.corr2d_emulate(
            self.type.encode(), self.variant, block[0], block[1], grid[0], grid[1],
            ctypes.c_size_t(shared_mem), image, h, w, rs, kernel, kh, kw, fill, out, oh, ow, ors,
            top, left, boundary)
        _check_launch(status, self.name, args)


# Parameter list of conv2d_gemm (conv2d.cu).
CONV_PARAMS = ("ptr", "ptr", "ptr") + ("i64",) * 7 + ("i32",) * 9 + ("i64", "i32")
_CONV_NAME = re.compile(r"^conv2d_gemm<(float|double), ([012])>$")


class ConvKernel:
    """conv2d_gemm<T, OP>, run by corr2d_conv_emulate."""

    def __init__(self, dll, name: str):
        match = _CONV_NAME.match(name)
        if match is None:
            raise ValueError(f"fake cupy: unknown kernel {name!r}")
        self.type, self.op = match.group(1), int(match.group(2))
        self.dll, self.name = dll, name
        self.launches = []

    def __call__(self, grid, block, args, shared_mem=0):
        _check_devices(self.name, args)
        if len(args) != len(CONV_PARAMS):
            raise TypeError(f"{self.name}: {len(args)} arguments, expected {len(CONV_PARAMS)}")
        for i, (kind, value) in enumerate(zip(CONV_PARAMS, args)):
            if kind == "ptr":
                assert isinstance(value, ndarray), (i, type(value))
                assert value.itemsize == _SIZES[self.type], (i, value.dtype, self.type)
                assert value.flags.c_contiguous, (i, "the kernel needs C-contiguous arrays")
            else:
                assert type(value) is (np.int64 if kind == "i64" else np.int32), (i, type(value))
        assert len(grid) == 3 and len(block) == 2
        assert 1 <= grid[1] <= 65535 and 1 <= grid[2] <= 65535 and block[0] * block[1] <= 1024
        assert 0 <= shared_mem <= SHARED_MEMORY_LIMIT
        self.launches.append((tuple(grid), tuple(block), shared_mem))
        a, b, out = (ctypes.c_void_p(v.ctypes.data) for v in args[:3])
        sizes = np.array([int(v) for v in args[3:10]], np.int64)
        params = np.array([int(v) for v in args[10:19]], np.int32)
        status = self.dll.corr2d_conv_emulate(
            self.type.encode(), self.op, block[0], block[1], grid[0], grid[1], grid[2],
            ctypes.c_size_t(shared_mem), a, b, out, ctypes.c_void_p(sizes.ctypes.data),
            ctypes.c_void_p(params.ctypes.data), ctypes.c_longlong(int(args[19])),
            ctypes.c_int(int(args[20])))
        _check_launch(status, self.name, args)


class RawModule:
    def __init__(self, dll, code: str, options=(), name_expressions=()):
        assert "#include \"" not in code, "local includes must be inlined"
        assert "-std=c++17" in options
        for name in name_expressions:
            assert name.split("<")[0] in code
        self.kernels = {
            name: (ConvKernel if name.startswith("conv2d_gemm") else RawKernel)(dll, name)
            for name in name_expressions
        }

    def get_function(self, name):
        return self.kernels[name]


def _returning_fake(func):
    """`func` with array results viewed as this module's ndarray."""
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        return result.view(ndarray) if isinstance(result, np.ndarray) else result

    return wrapper


def _copyto(dst, src, casting="same_kind") -> None:
    """cupy.copyto, with the device's float-to-integer conversion: CUDA
    converts to 32 bits (or 64) with saturation (``cvt.rzi.u32.f64``:
    -40.0 becomes 0), then keeps the low bits; NumPy's cast wraps -40.0
    to 216 in a uint8."""
    src = np.asarray(src)
    if np.dtype(dst.dtype).kind in "iu" and src.dtype.kind == "f":
        wide = np.dtype(("i" if dst.dtype.kind == "i" else "u") + str(max(4, dst.dtype.itemsize)))
        info = np.iinfo(wide)
        with np.errstate(invalid="ignore"):
            src = np.clip(np.nan_to_num(np.trunc(src)), float(info.min), float(info.max))
            src = np.where(src >= float(info.max), info.max, src.astype(wide))
    np.copyto(dst, src, casting=casting)


def make_module(dll) -> types.ModuleType:
    """A module object to put in ``sys.modules['cupy']``."""
    cupy = types.ModuleType("cupy")
    cupy.ndarray = ndarray
    cupy.asarray = asarray
    cupy.empty = lambda shape, dtype=float: _allocate(shape, dtype)
    cupy.zeros = lambda shape, dtype=float: _copy(np.zeros(shape, dtype))
    cupy.ascontiguousarray = lambda a, dtype=None: _copy(a, dtype)
    cupy.pad = lambda a, pad_width, mode="constant": _copy(np.pad(a, pad_width, mode=mode))
    cupy.conj = lambda a: _copy(np.conj(a))
    cupy.may_share_memory = lambda a, b: np.may_share_memory(a, b)
    cupy.copyto = _copyto
    cupy.array = lambda a, dtype=None, copy=True: _copy(a, dtype)
    cupy.zeros_like = lambda a: _copy(np.zeros_like(np.asarray(a)))
    # Element-wise functions and reductions, run by NumPy on the host.
    for name in ("abs", "hypot", "sum", "square", "count_nonzero", "moveaxis", "trunc", "where"):
        setattr(cupy, name, _returning_fake(getattr(np, name)))
    cupy.RawModule = lambda code, options=(), name_expressions=(): RawModule(
        dll, code, options, name_expressions)
    cupy.cuda = types.SimpleNamespace(Device=Device)
    cupy.get_array_module = lambda *a: cupy
    cupy.is_fake = True
    return cupy

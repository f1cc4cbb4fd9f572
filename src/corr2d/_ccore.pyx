# cython: language_level=3, boundscheck=False, wraparound=False
"""Thin binding of the C core: read pointers and shapes with the GIL held,
call C without it, turn its status code into an exception.

The NumPy layer (corr2d._driver) has already chosen dtypes and layouts; the
checks here only guard the C core against a bug in that layer.
"""
import numpy as np
cimport numpy as cnp

cnp.import_array()

# Signed integers travel as the unsigned type of the same width: wrapping
# arithmetic gives the same bits, and unsigned overflow is defined in C.
cdef dict _CODES = {
    ("f", 4): CORR2D_FLOAT32,
    ("f", 8): CORR2D_FLOAT64,
    ("c", 8): CORR2D_COMPLEX64,
    ("c", 16): CORR2D_COMPLEX128,
    ("u", 1): CORR2D_UINT8, ("i", 1): CORR2D_UINT8,
    ("u", 2): CORR2D_UINT16, ("i", 2): CORR2D_UINT16,
    ("u", 4): CORR2D_UINT32, ("i", 4): CORR2D_UINT32,
    ("u", 8): CORR2D_UINT64, ("i", 8): CORR2D_UINT64,
}
if np.dtype(np.longdouble).itemsize == corr2d_sizeof_longdouble() and \
        np.dtype(np.longdouble).itemsize > 8:
    _CODES[("f", np.dtype(np.longdouble).itemsize)] = CORR2D_LONGDOUBLE
    _CODES[("c", 2 * np.dtype(np.longdouble).itemsize)] = CORR2D_CLONGDOUBLE

BOUNDARY_CODES = {"fill": 0, "wrap": 1, "symm": 2}


def supports(dtype):
    """Whether the C core has an instance for this (native) dtype."""
    dtype = np.dtype(dtype)
    return dtype.isnative and (dtype.kind, dtype.itemsize) in _CODES


cdef Py_ssize_t _row_stride(cnp.ndarray a, str name) except -1:
    """Row stride in elements. A dimension of length 1 may carry any stride."""
    cdef Py_ssize_t item = a.itemsize
    if a.ndim != 2 or (a.shape[1] > 1 and a.strides[1] != item):
        raise ValueError(f"internal error: {name} has an unsupported memory layout")
    if a.shape[0] <= 1:
        return a.shape[1]
    if a.strides[0] < 0 or a.strides[0] % item:
        raise ValueError(f"internal error: {name} has an unsupported memory layout")
    return a.strides[0] // item


def correlate(cnp.ndarray image, cnp.ndarray kernel, cnp.ndarray fill,
              cnp.ndarray out, Py_ssize_t top, Py_ssize_t left, int boundary,
              int threads):
    """out[i, j] = sum_pq ext(image)[i + p - top, j + q - left] * kernel[p, q].

    All arrays share one native dtype that `supports`; image and out have
    contiguous columns, kernel is C-contiguous, fill holds one element.
    Runs without the GIL. threads <= 0 means OpenMP's default.
    """
    cdef corr2d_geometry g
    cdef int status
    key = (image.dtype.kind, image.itemsize)
    if not (image.dtype == kernel.dtype == out.dtype == fill.dtype) or key not in _CODES:
        raise TypeError(f"internal error: unsupported dtype combination {image.dtype}")
    if not kernel.flags.c_contiguous or fill.size != 1 or not out.flags.writeable:
        raise ValueError("internal error: bad kernel, fill or out")
    cdef corr2d_dtype code = _CODES[key]
    g.height, g.width = image.shape[0], image.shape[1]
    g.row_stride = _row_stride(image, "image")
    g.kernel_height, g.kernel_width = kernel.shape[0], kernel.shape[1]
    g.out_height, g.out_width = out.shape[0], out.shape[1]
    g.out_row_stride = _row_stride(out, "out")
    g.top, g.left = top, left
    g.boundary = boundary
    g.threads = threads
    cdef const void *image_data = cnp.PyArray_DATA(image)
    cdef const void *kernel_data = cnp.PyArray_DATA(kernel)
    cdef const void *fill_data = cnp.PyArray_DATA(fill)
    cdef void *out_data = cnp.PyArray_DATA(out)
    with nogil:
        status = corr2d_correlate(code, image_data, kernel_data, fill_data, out_data, &g)
    if status == CORR2D_ENOMEM:
        raise MemoryError("corr2d: out of memory for the per-thread row buffers")
    if status != CORR2D_OK:
        raise ValueError("internal error: the C core rejected the geometry")
    return out


def _after_fork_in_child():
    corr2d_after_fork_in_child()


# A child forked after a threaded call runs serially (see corr2d_core.h).
import os as _os
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)


def serial_after_fork():
    """True in a forked child whose parent had started OpenMP threads: its
    calls run on one thread."""
    return bool(corr2d_is_serial_after_fork())


def openmp_enabled():
    """True when the extension was compiled with OpenMP."""
    return bool(corr2d_openmp_enabled())


def max_threads():
    """OpenMP's current default thread count (1 without OpenMP)."""
    return corr2d_max_threads()


def simd_level():
    """The instruction set the float32/float64 loops use on this CPU."""
    return corr2d_simd_level().decode()


def compiler():
    """The compiler that built the C core."""
    return corr2d_compiler().decode()


def force_simd_level(level):
    """Force "baseline", "avx2" or "avx512" (for tests); None restores the
    detected level. Returns False when this CPU cannot run `level`."""
    if level is None:
        return bool(corr2d_force_simd_level(NULL))
    encoded = level.encode()
    return bool(corr2d_force_simd_level(encoded))

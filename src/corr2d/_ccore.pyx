# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Thin binding of the C core: read pointers and shapes with the GIL held,
call C without it, turn its status code into an exception.

One extension module holds the whole core (and the deep-learning loops of
_conv.pxi, included below), so the fork guard, the thread policy and the
interrupt check exist once per process.

The NumPy layer has already chosen dtypes and layouts; the checks here only
guard the C core against a bug in that layer.
"""
import numpy as np
cimport numpy as cnp
from cpython.exc cimport PyErr_Occurred

cdef extern from "Python.h":
    int PyErr_CheckSignals()

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


def supports(dtype):
    """Whether the C core has an instance for this (native) dtype."""
    dtype = np.dtype(dtype)
    return dtype.isnative and (dtype.kind, dtype.itemsize) in _CODES


cdef int raise_for_status(int status, str what) except -1:
    """The one mapping from a C core status to a Python exception."""
    if PyErr_Occurred():  # raised by a signal handler during the call (Ctrl-C)
        return -1
    if status == CORR2D_OK:
        return 0
    if status == CORR2D_ENOMEM:
        raise MemoryError(f"corr2d: out of memory ({what})")
    if status == CORR2D_EINTR:
        raise KeyboardInterrupt
    raise ValueError(f"internal error: the C core rejected {what}")


cdef int _interrupt_check() noexcept nogil:
    """Registered with the core: run the Python signal handlers (from the
    calling thread, which the core ensures). A handler that raised, such as
    SIGINT's KeyboardInterrupt, leaves its exception set for
    raise_for_status and stops the call."""
    cdef int raised
    with gil:
        raised = PyErr_CheckSignals() != 0
    return raised


corr2d_set_interrupt_check(_interrupt_check)


cdef Py_ssize_t _row_stride(cnp.ndarray a, str name) except -1:
    """Row stride in elements. A dimension of length 1 may carry any stride."""
    cdef Py_ssize_t item = cnp.PyArray_ITEMSIZE(a)
    if a.ndim != 2 or (a.shape[1] > 1 and a.strides[1] != item):
        raise ValueError(f"internal error: {name} has an unsupported memory layout")
    if a.shape[0] <= 1:
        return a.shape[1]
    if a.strides[0] < 0 or a.strides[0] % item:
        raise ValueError(f"internal error: {name} has an unsupported memory layout")
    return a.strides[0] // item


cdef int _code_of(cnp.ndarray a) except -1:
    """The core's dtype code for `a`'s (native) dtype, or a TypeError."""
    if not cnp.PyArray_ISNOTSWAPPED(a):
        raise TypeError(f"internal error: non-native dtype {a.dtype}")
    code = _CODES.get((a.dtype.kind, a.itemsize))
    if code is None:
        raise TypeError(f"internal error: unsupported dtype {a.dtype}")
    return code


cdef int _correlate_geometry(corr2d_geometry *g, cnp.ndarray image, cnp.ndarray fill,
                             cnp.ndarray out, Py_ssize_t kernel_height,
                             Py_ssize_t kernel_width, Py_ssize_t top, Py_ssize_t left,
                             int boundary, int threads) except -1:
    """Fill `g` for a correlation of image into out, checking what the core
    trusts; returns the core's dtype code."""
    cdef int typenum = cnp.PyArray_TYPE(image)
    # Type numbers, not dtype objects: this runs once per call, small calls
    # included, and must cost little next to a 3x3 pass on a small image.
    if cnp.PyArray_TYPE(out) != typenum or cnp.PyArray_TYPE(fill) != typenum:
        raise TypeError("internal error: image, kernel, fill and out differ in dtype")
    cdef int code = _code_of(image)
    if (cnp.PyArray_SIZE(fill) != 1 or not cnp.PyArray_ISWRITEABLE(out)
            or not cnp.PyArray_ISALIGNED(image) or not cnp.PyArray_ISALIGNED(out)):
        raise ValueError("internal error: bad kernel, fill or out")
    g.height, g.width = image.shape[0], image.shape[1]
    g.row_stride = _row_stride(image, "image")
    g.kernel_height, g.kernel_width = kernel_height, kernel_width
    g.out_height, g.out_width = out.shape[0], out.shape[1]
    g.out_row_stride = _row_stride(out, "out")
    g.top, g.left = top, left
    g.boundary = boundary
    g.threads = threads
    return code


cdef int _check_kernel(cnp.ndarray kernel, cnp.ndarray image, int ndim) except -1:
    """A kernel (or factor) of `ndim` dimensions the core can read."""
    if cnp.PyArray_TYPE(kernel) != cnp.PyArray_TYPE(image):
        raise TypeError("internal error: image, kernel, fill and out differ in dtype")
    if (kernel.ndim != ndim or not cnp.PyArray_IS_C_CONTIGUOUS(kernel)
            or not cnp.PyArray_ISALIGNED(kernel)):
        raise ValueError("internal error: bad kernel, fill or out")
    return 0


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
    _check_kernel(kernel, image, 2)
    cdef corr2d_dtype code = <corr2d_dtype>_correlate_geometry(
        &g, image, fill, out, kernel.shape[0], kernel.shape[1], top, left, boundary, threads)
    cdef const void *image_data = cnp.PyArray_DATA(image)
    cdef const void *kernel_data = cnp.PyArray_DATA(kernel)
    cdef const void *fill_data = cnp.PyArray_DATA(fill)
    cdef void *out_data = cnp.PyArray_DATA(out)
    with nogil:
        status = corr2d_correlate(code, image_data, kernel_data, fill_data, out_data, &g)
    raise_for_status(status, "the correlation's geometry")
    return out


def correlate_separable(cnp.ndarray image, cnp.ndarray column, cnp.ndarray row,
                        cnp.ndarray fill, cnp.ndarray out, Py_ssize_t top,
                        Py_ssize_t left, int boundary, int threads):
    """`correlate` with the kernel outer(column, row), as two 1-D passes
    through a per-thread buffer of about 1 MiB (at least 32 rows); column and row are 1-D
    and C-contiguous. Equal to `correlate` up to rounding."""
    cdef corr2d_geometry g
    cdef int status
    _check_kernel(column, image, 1)
    _check_kernel(row, image, 1)
    cdef corr2d_dtype code = <corr2d_dtype>_correlate_geometry(
        &g, image, fill, out, column.shape[0], row.shape[0], top, left, boundary, threads)
    cdef const void *image_data = cnp.PyArray_DATA(image)
    cdef const void *column_data = cnp.PyArray_DATA(column)
    cdef const void *row_data = cnp.PyArray_DATA(row)
    cdef const void *fill_data = cnp.PyArray_DATA(fill)
    cdef void *out_data = cnp.PyArray_DATA(out)
    with nogil:
        status = corr2d_correlate_separable(code, image_data, column_data, row_data,
                                            fill_data, out_data, &g)
    raise_for_status(status, "the correlation's geometry")
    return out


def fft_supported(dtype, Py_ssize_t fh, Py_ssize_t fw):
    """Whether the core's own FFT runs FH x FW transforms of this dtype
    (float32 or float64, sides 2^a 3^b 5^c)."""
    code = _CODES.get((np.dtype(dtype).kind, np.dtype(dtype).itemsize))
    return code is not None and bool(corr2d_fft_supported(<corr2d_dtype>code, fh, fw))


def fft_spectrum(cnp.ndarray kernel, Py_ssize_t fh, Py_ssize_t fw):
    """The spectrum of `kernel` (2-D, C-contiguous) zero-padded to FH x FW,
    scaled by 1 / (FH FW), as `fft_correlate` reads it: a read-only
    array of 2 x corr2d_fft_spectrum_length elements (real, imaginary)."""
    _check_kernel(kernel, kernel, 2)
    cdef corr2d_dtype code = <corr2d_dtype>_code_of(kernel)
    if not corr2d_fft_supported(code, fh, fw):
        raise ValueError("internal error: unsupported FFT shape or dtype")
    # On a lane boundary, as the core's workspaces: its rows are whole
    # lanes, so no vector load of it straddles a cache line.
    cdef Py_ssize_t length = 2 * corr2d_fft_spectrum_length(code, fh, fw)
    cdef Py_ssize_t item = kernel.itemsize, lane = CORR2D_FFT_LANE_BYTES
    cdef cnp.ndarray block = np.empty(length + lane // item, kernel.dtype)
    cdef size_t misalign = <size_t>cnp.PyArray_DATA(block) % lane
    cdef Py_ssize_t skip = <Py_ssize_t>((lane - misalign) % lane) // item
    cdef cnp.ndarray spectrum = block[skip:skip + length]
    cdef const void *kernel_data = cnp.PyArray_DATA(kernel)
    cdef void *spectrum_data = cnp.PyArray_DATA(spectrum)
    cdef Py_ssize_t kh = kernel.shape[0], kw = kernel.shape[1]
    cdef int status
    with nogil:
        status = corr2d_fft_spectrum(code, kernel_data, kh, kw, fh, fw, spectrum_data)
    raise_for_status(status, "the FFT's kernel")
    spectrum.flags.writeable = False
    return spectrum


def fft_correlate(cnp.ndarray image, cnp.ndarray kernel, cnp.ndarray spectrum, Py_ssize_t fh,
                  Py_ssize_t fw, cnp.ndarray fill, cnp.ndarray out, Py_ssize_t top,
                  Py_ssize_t left, int boundary, int threads):
    """`correlate` with a finite `kernel` by the FFT method: overlap-save
    over FH x FW transforms with `spectrum` (`fft_spectrum` of the kernel
    flipped), the tiles spread over `threads` OpenMP threads; the outputs
    whose windows hold an infinity or NaN come from the direct method.
    float32/float64 where `fft_supported`; layouts as `correlate`'s. Runs
    without the GIL."""
    cdef corr2d_geometry g
    cdef int status
    _check_kernel(kernel, image, 2)
    cdef corr2d_dtype code = <corr2d_dtype>_correlate_geometry(
        &g, image, fill, out, kernel.shape[0], kernel.shape[1], top, left, boundary, threads)
    if (cnp.PyArray_TYPE(spectrum) != cnp.PyArray_TYPE(image) or spectrum.ndim != 1
            or not cnp.PyArray_IS_C_CONTIGUOUS(spectrum) or not cnp.PyArray_ISALIGNED(spectrum)
            or spectrum.shape[0] != 2 * corr2d_fft_spectrum_length(code, fh, fw)):
        raise ValueError("internal error: bad spectrum")
    cdef const void *image_data = cnp.PyArray_DATA(image)
    cdef const void *kernel_data = cnp.PyArray_DATA(kernel)
    cdef const void *spectrum_data = cnp.PyArray_DATA(spectrum)
    cdef const void *fill_data = cnp.PyArray_DATA(fill)
    cdef void *out_data = cnp.PyArray_DATA(out)
    with nogil:
        status = corr2d_fft_correlate(code, image_data, kernel_data, fill_data, spectrum_data,
                                      fh, fw, out_data, &g)
    raise_for_status(status, "the FFT's geometry")
    return out


cdef void _byte_bounds(cnp.ndarray a, char **low, char **high) noexcept:
    cdef char *start = <char *>cnp.PyArray_DATA(a)
    cdef Py_ssize_t lo = 0, hi = cnp.PyArray_ITEMSIZE(a), extent
    cdef int d
    for d in range(cnp.PyArray_NDIM(a)):
        if cnp.PyArray_DIM(a, d) == 0:
            low[0] = high[0] = start
            return
        extent = (cnp.PyArray_DIM(a, d) - 1) * cnp.PyArray_STRIDE(a, d)
        if extent < 0:
            lo += extent
        else:
            hi += extent
    low[0] = start + lo
    high[0] = start + hi


def may_share_memory(cnp.ndarray a, cnp.ndarray b):
    """Whether the byte ranges of `a` and `b` overlap: np.may_share_memory
    without its dispatch cost (it runs on every call with `out=`)."""
    cdef char *a_low
    cdef char *a_high
    cdef char *b_low
    cdef char *b_high
    _byte_bounds(a, &a_low, &a_high)
    _byte_bounds(b, &b_low, &b_high)
    # An empty array shares nothing (its bounds are an empty range).
    return a_low < a_high and b_low < b_high and a_low < b_high and b_low < a_high


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


def plan_threads(int requested, double work):
    """The core's thread policy (corr2d_plan_threads): threads for a loop
    of `work` multiply-adds, `requested` <= 0 meaning OpenMP's default; 1
    for small work and in a child forked after a threaded call."""
    return corr2d_plan_threads(requested, work)


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


cdef Py_ssize_t _element_stride(cnp.ndarray a, int axis, str name) except? -1:
    """A stride of `a` in elements (any sign); a length-1 axis may carry any."""
    cdef Py_ssize_t item = cnp.PyArray_ITEMSIZE(a)
    if a.shape[axis] <= 1:
        return 0
    if a.strides[axis] % item:
        raise ValueError(f"internal error: {name} has an unsupported memory layout")
    return a.strides[axis] // item


def window_normalize(cnp.ndarray image, cnp.ndarray out, Py_ssize_t height, Py_ssize_t width,
                     double floor, int threads):
    """Template matching's normalization, in place on out (see
    corr2d_window.h): each correlation out[i, j] divided by the standard
    deviation of the window image[:, i:i + height, j:j + width] (all
    channels), 0 where the variance is not above max(floor, the running
    sums' rounding level).

    image (channels, rows, columns) and out (rows - height + 1,
    columns - width + 1) share one native dtype, float32 or float64, with
    strides of whole elements; they do not overlap. Runs without the GIL.
    """
    cdef corr2d_window_geometry g
    cdef int status
    if image.ndim != 3 or out.ndim != 2:
        raise ValueError("internal error: image must be 3-D and out 2-D")
    if cnp.PyArray_TYPE(out) != cnp.PyArray_TYPE(image):
        raise TypeError("internal error: image and out differ in dtype")
    cdef corr2d_dtype code = <corr2d_dtype>_code_of(image)
    if code != CORR2D_FLOAT32 and code != CORR2D_FLOAT64:
        raise TypeError(f"internal error: unsupported dtype {image.dtype}")
    if not (1 <= height <= image.shape[1] and 1 <= width <= image.shape[2]
            and image.shape[0] >= 1 and out.shape[0] == image.shape[1] - height + 1
            and out.shape[1] == image.shape[2] - width + 1):
        raise ValueError("internal error: image, window and out shapes disagree")
    if (not cnp.PyArray_ISWRITEABLE(out) or not cnp.PyArray_ISALIGNED(image)
            or not cnp.PyArray_ISALIGNED(out) or may_share_memory(image, out)
            or not floor >= 0):
        raise ValueError("internal error: bad out or floor")
    g.channels, g.height, g.width = image.shape[0], image.shape[1], image.shape[2]
    g.channel_stride = _element_stride(image, 0, "image")
    g.row_stride = _element_stride(image, 1, "image")
    g.column_stride = _element_stride(image, 2, "image")
    g.window_height, g.window_width = height, width
    g.out_row_stride = _element_stride(out, 0, "out")
    g.out_column_stride = _element_stride(out, 1, "out")
    g.threads = threads
    cdef const void *image_data = cnp.PyArray_DATA(image)
    cdef void *out_data = cnp.PyArray_DATA(out)
    with nogil:
        status = corr2d_window_normalize(code, image_data, out_data, &g, floor)
    raise_for_status(status, "the windows' geometry")
    return out


def ordered_sums(cnp.ndarray block, cnp.ndarray offsets, cnp.ndarray weights,
                 cnp.ndarray out):
    """scipy.ndimage's sums into out (rows x cols, float64, unit column
    stride; see corr2d_ordered_sums): out[i, j] sums block.flat[i *
    row_stride + j + offsets[t]] * weights[t] over t in order, each
    product and each addition rounded apart. block: float64, 2-D, unit
    column stride; offsets: intp, weights: float64, 1-D contiguous, of one
    length; every read inside block. Runs without the GIL."""
    if (block.ndim != 2 or out.ndim != 2 or offsets.ndim != 1 or weights.ndim != 1
            or cnp.PyArray_TYPE(block) != cnp.NPY_FLOAT64
            or cnp.PyArray_TYPE(out) != cnp.NPY_FLOAT64
            or cnp.PyArray_TYPE(weights) != cnp.NPY_FLOAT64
            or cnp.PyArray_TYPE(offsets) != cnp.NPY_INTP
            or not cnp.PyArray_IS_C_CONTIGUOUS(offsets)
            or not cnp.PyArray_IS_C_CONTIGUOUS(weights)
            or offsets.shape[0] != weights.shape[0]
            or not cnp.PyArray_ISWRITEABLE(out) or not cnp.PyArray_ISALIGNED(block)
            or not cnp.PyArray_ISALIGNED(out) or not cnp.PyArray_ISNOTSWAPPED(block)
            or not cnp.PyArray_ISNOTSWAPPED(out) or not cnp.PyArray_ISNOTSWAPPED(weights)
            or not cnp.PyArray_ISNOTSWAPPED(offsets) or may_share_memory(block, out)):
        raise ValueError("internal error: bad ordered_sums arguments")
    cdef Py_ssize_t rows = out.shape[0], cols = out.shape[1]
    if rows == 0 or cols == 0:
        return out
    if ((block.shape[1] > 1 and block.strides[1] != 8) or (cols > 1 and out.strides[1] != 8)
            or block.strides[0] % 8 or out.strides[0] % 8 or block.shape[0] < rows
            or block.shape[1] < cols
            or (block.shape[0] > 1 and block.strides[0] < 8 * block.shape[1])
            or (rows > 1 and out.strides[0] < 8 * cols)):
        raise ValueError("internal error: ordered_sums needs rows of unit stride, apart")
    cdef Py_ssize_t stride = block.strides[0] // 8 if block.shape[0] > 1 else block.shape[1]
    cdef Py_ssize_t size = (block.shape[0] - 1) * stride + block.shape[1]
    cdef Py_ssize_t last = (rows - 1) * stride + cols - 1, t
    cdef Py_ssize_t ntaps = offsets.shape[0]
    cdef const Py_ssize_t *offset_data = <const Py_ssize_t *>cnp.PyArray_DATA(offsets)
    for t in range(ntaps):
        # Each tap's rows must lie in the block's rows, not run into the next.
        if (offset_data[t] < 0 or offset_data[t] > size - 1 - last
                or offset_data[t] % stride + cols > block.shape[1]):
            raise ValueError("internal error: an ordered_sums tap reads outside the block")
    cdef const double *block_data = <const double *>cnp.PyArray_DATA(block)
    cdef const double *weight_data = <const double *>cnp.PyArray_DATA(weights)
    cdef double *out_data = <double *>cnp.PyArray_DATA(out)
    cdef Py_ssize_t out_stride = out.strides[0] // 8
    with nogil:
        corr2d_ordered_sums(block_data, stride, rows, cols, offset_data, weight_data, ntaps,
                            out_data, out_stride)
    return out


def window_band_rows(Py_ssize_t out_height, Py_ssize_t height):
    """The output rows of window_normalize's bands (restarted sums)."""
    return corr2d_window_band_rows(out_height, height)


include "_conv.pxi"

# Declarations of the C core's public header (ccore/include/corr2d_core.h).
cdef extern from "corr2d_core.h" nogil:
    ctypedef enum corr2d_dtype:
        CORR2D_FLOAT32
        CORR2D_FLOAT64
        CORR2D_LONGDOUBLE
        CORR2D_COMPLEX64
        CORR2D_COMPLEX128
        CORR2D_CLONGDOUBLE
        CORR2D_UINT8
        CORR2D_UINT16
        CORR2D_UINT32
        CORR2D_UINT64

    enum:
        CORR2D_OK
        CORR2D_ENOMEM
        CORR2D_EINVAL

    ctypedef struct corr2d_geometry:
        Py_ssize_t height, width, row_stride
        Py_ssize_t kernel_height, kernel_width
        Py_ssize_t out_height, out_width, out_row_stride
        Py_ssize_t top, left
        int boundary
        int threads

    int corr2d_correlate(corr2d_dtype dtype, const void *image, const void *kernel,
                         const void *fill, void *out, const corr2d_geometry *g)
    int corr2d_openmp_enabled()
    int corr2d_max_threads()
    const char *corr2d_simd_level()
    const char *corr2d_compiler()
    size_t corr2d_sizeof_longdouble()
    int corr2d_force_simd_level(const char *level)
    void corr2d_after_fork_in_child()
    int corr2d_is_serial_after_fork()

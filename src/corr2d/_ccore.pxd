# Declarations of the C core's headers (ccore/include/): the whole core is one
# extension module, so its state (fork guard, thread policy) exists once.
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
        CORR2D_EINTR

    int corr2d_status_of(int bits)

    ctypedef struct corr2d_geometry:
        Py_ssize_t height, width, row_stride
        Py_ssize_t kernel_height, kernel_width
        Py_ssize_t out_height, out_width, out_row_stride
        Py_ssize_t top, left
        int boundary
        int threads

    int corr2d_correlate(corr2d_dtype dtype, const void *image, const void *kernel,
                         const void *fill, void *out, const corr2d_geometry *g)
    int corr2d_correlate_separable(corr2d_dtype dtype, const void *image,
                                   const void *column, const void *row, const void *fill,
                                   void *out, const corr2d_geometry *g)
    enum: CORR2D_FFT_LANE_BYTES
    int corr2d_fft_supported(corr2d_dtype dtype, ptrdiff_t fh, ptrdiff_t fw)
    ptrdiff_t corr2d_fft_spectrum_length(corr2d_dtype dtype, ptrdiff_t fh, ptrdiff_t fw)
    int corr2d_fft_spectrum(corr2d_dtype dtype, const void *kernel, ptrdiff_t kh,
                            ptrdiff_t kw, ptrdiff_t fh, ptrdiff_t fw, void *spectrum)
    int corr2d_fft_correlate(corr2d_dtype dtype, const void *image, const void *kernel,
                             const void *fill, const void *spectrum, ptrdiff_t fh, ptrdiff_t fw,
                             void *out, const corr2d_geometry *g)
    int corr2d_openmp_enabled()
    int corr2d_max_threads()
    const char *corr2d_simd_level()
    const char *corr2d_compiler()
    size_t corr2d_sizeof_longdouble()
    int corr2d_force_simd_level(const char *level)
    void corr2d_after_fork_in_child()
    int corr2d_is_serial_after_fork()
    int corr2d_plan_threads(int requested, double work)
    void corr2d_ordered_sums(const double *block, Py_ssize_t block_stride, Py_ssize_t rows,
                             Py_ssize_t cols, const Py_ssize_t *offsets, const double *weights,
                             Py_ssize_t ntaps, double *out, Py_ssize_t out_stride)

    ctypedef int (*corr2d_interrupt_fn)() noexcept nogil
    void corr2d_set_interrupt_check(corr2d_interrupt_fn check)
    ctypedef struct corr2d_watch:
        int stop
    void corr2d_watch_start(corr2d_watch *w, double work)
    int corr2d_should_stop(corr2d_watch *w)

# The deep-learning header (ccore/include/corr2d_conv.h).
cdef extern from "corr2d_conv.h" nogil:
    ctypedef struct corr2d_conv_geometry:
        Py_ssize_t channels, height, width
        Py_ssize_t kernel_height, kernel_width
        Py_ssize_t out_height, out_width
        Py_ssize_t stride_h, stride_w
        Py_ssize_t pad_top, pad_left
        Py_ssize_t dilation_h, dilation_w
        int threads

    int corr2d_im2col(corr2d_dtype dtype, const void *image, void *columns,
                      const corr2d_conv_geometry *g, Py_ssize_t row_begin,
                      Py_ssize_t row_end)
    int corr2d_col2im(corr2d_dtype dtype, const void *columns, void *image,
                      const corr2d_conv_geometry *g, Py_ssize_t row_begin,
                      Py_ssize_t row_end)
    int corr2d_depthwise(corr2d_dtype dtype, const void *images, const void *weight,
                         void *out, Py_ssize_t batch, Py_ssize_t multiplier,
                         const corr2d_conv_geometry *g)
    Py_ssize_t corr2d_depthwise_scratch(const corr2d_conv_geometry *g)
    Py_ssize_t CORR2D_DW_SCRATCH_MAX
    int corr2d_depthwise_grad_input(corr2d_dtype dtype, const void *grad_out,
                                    const void *weight, void *grad_in, Py_ssize_t batch,
                                    Py_ssize_t multiplier, const corr2d_conv_geometry *g)
    int corr2d_depthwise_grad_weight(corr2d_dtype dtype, const void *images,
                                     const void *grad_out, void *grad_w, Py_ssize_t batch,
                                     Py_ssize_t multiplier, const corr2d_conv_geometry *g)

    ctypedef struct corr2d_winograd_geometry:
        Py_ssize_t channels, height, width
        Py_ssize_t out_channels
        Py_ssize_t out_height, out_width
        Py_ssize_t pad_top, pad_left
        Py_ssize_t image_stride
        Py_ssize_t out_image_stride

    Py_ssize_t CORR2D_WINOGRAD_SCRATCH(Py_ssize_t tiles_w)
    int corr2d_winograd_weight(corr2d_dtype dtype, const void *w, void *u, Py_ssize_t count)
    int corr2d_winograd_input(corr2d_dtype dtype, const void *images, void *v, void *rows,
                              const corr2d_winograd_geometry *g, Py_ssize_t row_begin,
                              Py_ssize_t row_end, Py_ssize_t channel_begin,
                              Py_ssize_t channel_end)
    int corr2d_winograd_output(corr2d_dtype dtype, const void *m, void *out, void *rows,
                               const corr2d_winograd_geometry *g, Py_ssize_t row_begin,
                               Py_ssize_t row_end, Py_ssize_t channel_begin,
                               Py_ssize_t channel_end)

# The template-matching header (ccore/include/corr2d_window.h).
cdef extern from "corr2d_window.h" nogil:
    ctypedef struct corr2d_window_geometry:
        Py_ssize_t channels, height, width
        Py_ssize_t channel_stride, row_stride, column_stride
        Py_ssize_t window_height, window_width
        Py_ssize_t out_row_stride, out_column_stride
        int threads

    int corr2d_window_normalize(corr2d_dtype dtype, const void *image, void *out,
                                const corr2d_window_geometry *g, double floor)
    Py_ssize_t corr2d_window_band_rows(Py_ssize_t out_height, Py_ssize_t window_height)

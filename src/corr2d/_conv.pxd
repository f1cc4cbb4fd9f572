# Declarations of the C core's deep-learning header (ccore/include/corr2d_conv.h).
cdef extern from "corr2d_core.h" nogil:
    ctypedef enum corr2d_dtype:
        CORR2D_FLOAT32
        CORR2D_FLOAT64

    enum:
        CORR2D_OK
        CORR2D_ENOMEM
        CORR2D_EINVAL

    int corr2d_status_of(int bits)

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
                              Py_ssize_t row_end)
    int corr2d_winograd_output(corr2d_dtype dtype, const void *m, void *out, void *rows,
                               const corr2d_winograd_geometry *g, Py_ssize_t row_begin,
                               Py_ssize_t row_end)

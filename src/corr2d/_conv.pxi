"""Included by _ccore.pyx (one extension module, one copy of the core).

Thin binding of the deep-learning loops: a batched, grouped convolution
and its two gradients as im2col/col2im (C core, OpenMP) plus BLAS GEMM
(SciPy's cython_blas, Fortran order), all without the GIL.

corr2d.functional has already checked shapes and dtypes, computed the
output size, allocated outputs (zeroed where the call accumulates) and the
workspace; the checks here only guard the C core against a bug there.

Row-major matrices are passed to Fortran BLAS as their transposes: the
row-major (rows, cols) matrix with leading dimension ld is the column-major
(cols, rows) matrix with the same ld. For one image and one group, with
K = C_in/groups * kH * kW and P = H_out * W_out:
  forward      Y (C_out/g, P) = W (C_out/g, K) @ col (K, P)
  grad weight  dW (C_out/g, K) += dY (C_out/g, P) @ col.T
  grad input   dcol (K, P) = W.T @ dY, then col2im adds dcol into dX
"""
from cpython.pycapsule cimport PyCapsule_GetName, PyCapsule_GetPointer
from cython.parallel cimport prange, threadid

# SciPy's BLAS (scipy.linalg.cython_blas), bound on first use rather than
# cimported: importing scipy.linalg costs about 0.2 s, which every
# `import corr2d` paid (the command-line program, each Dask worker) although
# only the deep-learning functions multiply matrices. The signatures are
# cython_blas's (LP64 ints).
ctypedef void (*sgemm_ptr)(char *transa, char *transb, int *m, int *n, int *k,
                           float *alpha, float *a, int *lda, float *b, int *ldb,
                           float *beta, float *c, int *ldc) noexcept nogil
ctypedef void (*dgemm_ptr)(char *transa, char *transb, int *m, int *n, int *k,
                           double *alpha, double *a, int *lda, double *b, int *ldb,
                           double *beta, double *c, int *ldc) noexcept nogil
cdef sgemm_ptr sgemm = NULL
cdef dgemm_ptr dgemm = NULL


cdef void *_blas_function(dict capi, str name, str real) except NULL:
    """The C function `name` of cython_blas, after checking that its
    signature (the capsule's name) is the LP64 one declared above: `real`
    ('s' or 'd') for the real arguments, int for the integers."""
    capsule = capi[name]
    cdef const char *signature = PyCapsule_GetName(capsule)
    params = signature.decode().partition("(")[2].rstrip(")").split(", ")
    ints = (2, 3, 4, 7, 9, 12)
    if (len(params) != 13 or params[:2] != ["char *", "char *"]
            or any(params[i] != "int *" for i in ints)
            or any(not params[i].endswith(f"_{real} *") for i in range(5, 13) if i not in ints)):
        raise ImportError(f"corr2d: scipy.linalg.cython_blas.{name} has the signature "
                          f"{signature.decode()!r}, not the one corr2d was built for")
    return PyCapsule_GetPointer(capsule, signature)


cdef int bind_blas() except -1:
    """Bind sgemm and dgemm (once; with the GIL, before any GEMM runs)."""
    global sgemm, dgemm
    if sgemm is NULL:
        from scipy.linalg import cython_blas

        dgemm = <dgemm_ptr>_blas_function(cython_blas.__pyx_capi__, "dgemm", "d")
        sgemm = <sgemm_ptr>_blas_function(cython_blas.__pyx_capi__, "sgemm", "s")
    return 0

# Multiply-adds per GEMM call at most (about 10-30 ms on one core), so that
# a long call checks for Ctrl-C between calls (see corr2d_should_stop).
cdef enum:
    GEMM_MACS_PER_CALL = 268435456

ctypedef fused real:
    float
    double

cdef enum Direction:
    FORWARD = 0
    GRAD_INPUT = 1
    GRAD_WEIGHT = 2

cdef struct Plan:
    Py_ssize_t batch, groups
    Py_ssize_t in_channels, out_channels  # per group
    Py_ssize_t in_plane, out_plane        # H * W, H_out * W_out
    Py_ssize_t kdim                       # C_in/groups * kH * kW
    Py_ssize_t chunk_rows                 # output rows per im2col chunk
    Py_ssize_t direct_cols                # output pixels per GEMM of the direct (1x1) path
    bint direct                           # 1x1, stride 1, unpadded: no im2col
    int nthreads                          # OpenMP threads over (image, group) items
    Py_ssize_t workspace_per_thread
    Py_ssize_t weight_per_thread          # GRAD_WEIGHT: elements between per-thread copies
    corr2d_conv_geometry g


cdef inline void gemm(char transa, char transb, int m, int n, int k,
                      const real *a, int lda, const real *b, int ldb,
                      real beta, real *c, int ldc) noexcept nogil:
    """C = op(A) @ op(B) + beta * C in BLAS's column-major terms."""
    cdef real alpha = 1
    if real is float:
        sgemm(&transa, &transb, &m, &n, &k, &alpha, <float *>a, &lda,
              <float *>b, &ldb, &beta, c, &ldc)
    else:
        dgemm(&transa, &transb, &m, &n, &k, &alpha, <double *>a, &lda,
              <double *>b, &ldb, &beta, c, &ldc)


cdef int run_item(Direction direction, corr2d_dtype code, const Plan *plan,
                  Py_ssize_t n, Py_ssize_t gi, real *x, real *w, real *y,
                  real *ws, corr2d_watch *watch) noexcept nogil:
    """One image n and group gi (see run)."""
    cdef Py_ssize_t r0, r1, p0
    cdef int status = CORR2D_OK
    cdef int P = <int>plan.out_plane, K = <int>plan.kdim
    cdef int cog = <int>plan.out_channels, pc
    cdef Py_ssize_t ow = plan.g.out_width, oh = plan.g.out_height
    cdef real *xg = x + (n * plan.groups + gi) * plan.in_channels * plan.in_plane
    cdef real *wg = w + gi * plan.out_channels * plan.kdim
    cdef real *yg = y + (n * plan.groups + gi) * plan.out_channels * plan.out_plane
    if plan.direct:
        # Column blocks of the pixels (same leading dimension P), so that
        # no single GEMM outlasts an interrupt check.
        p0 = 0
        while p0 < P:
            pc = <int>min(P - p0, plan.direct_cols)
            if direction == FORWARD:
                gemm(c'N', c'N', pc, cog, K, xg + p0, P, wg, K, 0, yg + p0, P)
            elif direction == GRAD_WEIGHT:
                gemm(c'T', c'N', K, cog, pc, xg + p0, P, yg + p0, P, 1, wg, K)
            else:
                gemm(c'N', c'T', pc, K, cog, yg + p0, P, wg, K, 1, xg + p0, P)
            p0 += pc
            if corr2d_should_stop(watch):
                return CORR2D_EINTR
        return CORR2D_OK
    r0 = 0
    while r0 < oh:
        if corr2d_should_stop(watch):
            return CORR2D_EINTR
        r1 = min(oh, r0 + plan.chunk_rows)
        pc = <int>((r1 - r0) * ow)
        if direction == GRAD_INPUT:
            gemm(c'N', c'T', pc, K, cog, yg + r0 * ow, P, wg, K, 0, ws, pc)
            status = corr2d_col2im(code, ws, xg, &plan.g, r0, r1)
        else:
            status = corr2d_im2col(code, xg, ws, &plan.g, r0, r1)
            if status != CORR2D_OK:
                return status
            if direction == FORWARD:
                gemm(c'N', c'N', pc, cog, K, ws, pc, wg, K, 0, yg + r0 * ow, P)
            else:
                gemm(c'T', c'N', K, cog, pc, ws, pc, yg + r0 * ow, P, 1, wg, K)
        if status != CORR2D_OK:
            return status
        r0 = r1
    return CORR2D_OK


cdef int run(Direction direction, corr2d_dtype code, const Plan *plan,
             real *x, real *w, real *y, real *ws) noexcept nogil:
    """x (N, C_in, H, W), w (C_out, C_in/g, kH, kW), y (N, C_out, H_out, W_out).
    FORWARD writes y, GRAD_INPUT adds into x (zeroed by the caller),
    GRAD_WEIGHT adds into w (zeroed by the caller).

    With plan.nthreads > 1, the (image, group) items are cut into
    plan.nthreads parts of consecutive items, each part run in turn by one
    OpenMP thread with the part's own workspace slice (FORWARD and
    GRAD_INPUT items write disjoint slices; GRAD_WEIGHT accumulates into
    the part's weight copy, weight_per_thread apart, summed by the caller);
    the caller has limited BLAS to one thread. Which items a part holds,
    and so the order of GRAD_WEIGHT's sums, depends only on the counts:
    handing items to whichever thread was free made equal calls differ in
    their last bits. Otherwise items run in turn and BLAS uses its own
    threads."""
    cdef Py_ssize_t item, part, nitems = plan.batch * plan.groups
    cdef int status = CORR2D_OK
    cdef corr2d_watch watch
    corr2d_watch_start(&watch, <double>nitems * plan.out_plane * plan.kdim * plan.out_channels)
    if plan.nthreads > 1:
        for part in prange(plan.nthreads, nogil=True, num_threads=plan.nthreads,
                           schedule='static', chunksize=1):
            for item in range(part * nitems // plan.nthreads,
                              (part + 1) * nitems // plan.nthreads):
                if not corr2d_should_stop(&watch):
                    status |= run_item(direction, code, plan, item // plan.groups,
                                       item % plan.groups, x, w + part * plan.weight_per_thread,
                                       y, ws + part * plan.workspace_per_thread, &watch)
        if watch.stop:  # an item saw the interrupt before it started
            status |= CORR2D_EINTR
        return corr2d_status_of(status)
    for item in range(nitems):
        status = run_item(direction, code, plan, item // plan.groups, item % plan.groups,
                          x, w, y, ws, &watch)
        if status != CORR2D_OK:
            return status
    return CORR2D_OK


cdef struct WinogradPlan:
    Py_ssize_t groups, tile_rows, tiles_w  # tile_rows: of all images together
    Py_ssize_t chunk_rows                  # tile rows per item
    Py_ssize_t in_group_stride, out_group_stride  # elements between groups' planes
    Py_ssize_t u_stride, u_group_stride    # elements between elements / groups of u
    Py_ssize_t workspace_per_thread
    int nthreads
    bint phased                            # see winograd_phased_item
    corr2d_winograd_geometry g


cdef int winograd_item(corr2d_dtype code, const WinogradPlan *plan, Py_ssize_t gi,
                       Py_ssize_t r0, real *x, real *u, real *y, real *ws) noexcept nogil:
    """Tile rows r0 .. r0 + chunk_rows of group gi: input transform into
    ws, 16 GEMMs, output transform into y."""
    cdef Py_ssize_t r1 = min(plan.tile_rows, r0 + plan.chunk_rows), e
    cdef Py_ssize_t tmax = plan.chunk_rows * plan.tiles_w
    cdef int T = <int>((r1 - r0) * plan.tiles_w)
    cdef int cig = <int>plan.g.channels, cog = <int>plan.g.out_channels
    cdef real *v = ws
    cdef real *m = v + 16 * cig * tmax
    cdef real *rows = m + 16 * cog * tmax
    cdef real *xg = x + gi * plan.in_group_stride
    cdef real *ug = u + gi * plan.u_group_stride
    cdef int status = corr2d_winograd_input(code, xg, v, rows, &plan.g, r0, r1, 0, cig)
    if status != CORR2D_OK:
        return status
    for e in range(16):
        gemm(c'N', c'N', T, cog, cig, v + e * cig * T, T, ug + e * plan.u_stride, cig,
             0, m + e * cog * T, T)
    return corr2d_winograd_output(code, m, y + gi * plan.out_group_stride, rows,
                                  &plan.g, r0, r1, 0, cog)


cdef int winograd_phased_item(corr2d_dtype code, const WinogradPlan *plan, Py_ssize_t gi,
                              Py_ssize_t r0, real *x, real *u, real *y,
                              real *ws) noexcept nogil:
    """As winograd_item, for small planes with many channels: each chunk
    of tiles in three phases, the transforms split by channels over
    plan.nthreads OpenMP threads (each with its own scratch rows after the
    chunk's v and m) and the 16 GEMMs between them on BLAS's own threads.
    Items of few tiles on one-thread BLAS would each stream the whole
    transformed weight (16 * C_in * C_out elements) for a thin product."""
    cdef Py_ssize_t r1 = min(plan.tile_rows, r0 + plan.chunk_rows), e, b
    cdef Py_ssize_t tmax = plan.chunk_rows * plan.tiles_w
    cdef Py_ssize_t scratch = CORR2D_WINOGRAD_SCRATCH(plan.tiles_w)
    cdef int T = <int>((r1 - r0) * plan.tiles_w)
    cdef int cig = <int>plan.g.channels, cog = <int>plan.g.out_channels
    cdef Py_ssize_t blocks = 4 * plan.nthreads
    cdef real *v = ws
    cdef real *m = v + 16 * cig * tmax
    cdef real *rows = m + 16 * cog * tmax
    cdef real *xg = x + gi * plan.in_group_stride
    cdef real *ug = u + gi * plan.u_group_stride
    cdef int status = CORR2D_OK
    for b in prange(blocks, nogil=True, num_threads=plan.nthreads, schedule='dynamic',
                    chunksize=1):
        status |= corr2d_winograd_input(code, xg, v, rows + threadid() * scratch, &plan.g,
                                        r0, r1, b * cig // blocks, (b + 1) * cig // blocks)
    if status != CORR2D_OK:
        return corr2d_status_of(status)
    for e in range(16):
        gemm(c'N', c'N', T, cog, cig, v + e * cig * T, T, ug + e * plan.u_stride, cig,
             0, m + e * cog * T, T)
    for b in prange(blocks, nogil=True, num_threads=plan.nthreads, schedule='dynamic',
                    chunksize=1):
        status |= corr2d_winograd_output(code, m, y + gi * plan.out_group_stride,
                                         rows + threadid() * scratch, &plan.g, r0, r1,
                                         b * cog // blocks, (b + 1) * cog // blocks)
    return corr2d_status_of(status)


cdef int winograd_run(corr2d_dtype code, const WinogradPlan *plan, real *x, real *u,
                      real *y, real *ws) noexcept nogil:
    """Items are (group, chunk of tile rows); with plan.nthreads > 1 they
    run on OpenMP threads, each with its own workspace slice (the caller
    has limited BLAS to one thread)."""
    cdef Py_ssize_t nchunks = (plan.tile_rows + plan.chunk_rows - 1) // plan.chunk_rows
    cdef Py_ssize_t item, nitems = plan.groups * nchunks
    cdef int status = CORR2D_OK
    cdef int tid
    cdef corr2d_watch watch
    corr2d_watch_start(&watch, 16.0 * plan.tile_rows * plan.tiles_w
                       * plan.groups * plan.g.channels * plan.g.out_channels)
    if plan.phased:
        for item in range(nitems):
            if corr2d_should_stop(&watch):
                return CORR2D_EINTR
            status = winograd_phased_item(code, plan, item // nchunks,
                                          (item % nchunks) * plan.chunk_rows, x, u, y, ws)
            if status != CORR2D_OK:
                return status
        return CORR2D_OK
    if plan.nthreads > 1:
        for item in prange(nitems, nogil=True, num_threads=plan.nthreads,
                           schedule='dynamic', chunksize=1):
            if not corr2d_should_stop(&watch):
                tid = threadid()
                status |= winograd_item(code, plan, item // nchunks,
                                        (item % nchunks) * plan.chunk_rows, x, u, y,
                                        ws + tid * plan.workspace_per_thread)
        if watch.stop:  # an item saw the interrupt before it started
            status |= CORR2D_EINTR
        return corr2d_status_of(status)
    for item in range(nitems):
        if corr2d_should_stop(&watch):
            return CORR2D_EINTR
        status = winograd_item(code, plan, item // nchunks,
                               (item % nchunks) * plan.chunk_rows, x, u, y, ws)
        if status != CORR2D_OK:
            return status
    return CORR2D_OK


def winograd_workspace_size(Py_ssize_t in_channels, Py_ssize_t out_channels,
                            Py_ssize_t tiles_w, Py_ssize_t chunk_rows):
    """Elements of one thread's Winograd workspace (per group channels)."""
    return (16 * (in_channels + out_channels) * chunk_rows * tiles_w
            + CORR2D_WINOGRAD_SCRATCH(tiles_w))


def winograd_weight(cnp.ndarray w, cnp.ndarray u):
    """u (16, C_out * C_in/groups) = the F(2x2, 3x3) transforms of w
    (C_out, C_in/groups, 3, 3)."""
    cdef corr2d_dtype code = _conv_code(w)
    cdef Py_ssize_t count = w.shape[0] * w.shape[1]
    if w.ndim != 4 or w.shape[2] != 3 or w.shape[3] != 3 or u.size != 16 * count:
        raise ValueError("internal error: inconsistent Winograd weight shapes")
    _check_conv_arrays([w, w, u], 0)  # the third array is the output
    cdef const void *wp = cnp.PyArray_DATA(w)
    cdef void *up = cnp.PyArray_DATA(u)
    cdef int status
    with nogil:
        status = corr2d_winograd_weight(code, wp, up, count)
    raise_for_status(status, "the Winograd weight transform")
    return u


def winograd_scratch_size(Py_ssize_t tiles_w):
    """Elements of one thread's scratch rows (CORR2D_WINOGRAD_SCRATCH)."""
    return CORR2D_WINOGRAD_SCRATCH(tiles_w)


def winograd_forward(cnp.ndarray x, cnp.ndarray u, cnp.ndarray out, cnp.ndarray workspace,
                     tuple padding, Py_ssize_t groups, Py_ssize_t chunk_rows, int threads,
                     bint phased=False):
    """out = conv2d(x, w) for a 3x3 kernel, stride 1, dilation 1, zero
    padding (top, left), by Winograd F(2x2, 3x3); u = winograd_weight(w).
    Items of chunk_rows tile rows (of all images together) per group;
    threads > 1: that many OpenMP threads over items, the workspace split in
    equal slices of winograd_workspace_size, BLAS limited to one thread by
    the caller. phased: items one after another, each in three phases
    (winograd_phased_item), the workspace one winograd_workspace_size plus
    threads - 1 more winograd_scratch_size, BLAS on its own threads."""
    cdef WinogradPlan plan
    cdef corr2d_dtype code = _conv_code(x)
    cdef int status
    cdef Py_ssize_t n = x.shape[0], C_in = x.shape[1], C_out = out.shape[1]
    bind_blas()
    if (x.ndim != 4 or out.ndim != 4 or out.shape[0] != n or groups < 1
            or C_in % groups or C_out % groups or u.size != 16 * C_out * (C_in // groups)
            or chunk_rows < 1):
        raise ValueError("internal error: inconsistent Winograd shapes")
    _check_conv_arrays([x, u, out, workspace], 0)
    plan.groups = groups
    plan.g.channels, plan.g.out_channels = C_in // groups, C_out // groups
    plan.g.height, plan.g.width = x.shape[2], x.shape[3]
    plan.g.out_height, plan.g.out_width = out.shape[2], out.shape[3]
    plan.g.pad_top, plan.g.pad_left = padding
    plan.g.image_stride = C_in * x.shape[2] * x.shape[3]
    plan.g.out_image_stride = C_out * out.shape[2] * out.shape[3]
    plan.tiles_w = (out.shape[3] + 1) // 2
    plan.tile_rows = n * ((out.shape[2] + 1) // 2)
    plan.chunk_rows = min(chunk_rows, plan.tile_rows)
    plan.in_group_stride = plan.g.channels * x.shape[2] * x.shape[3]
    plan.out_group_stride = plan.g.out_channels * out.shape[2] * out.shape[3]
    plan.u_stride = C_out * plan.g.channels
    plan.u_group_stride = plan.g.out_channels * plan.g.channels
    plan.nthreads = max(1, threads)
    plan.phased = phased
    plan.workspace_per_thread = winograd_workspace_size(
        plan.g.channels, plan.g.out_channels, plan.tiles_w, plan.chunk_rows)
    if workspace.size < (plan.workspace_per_thread
                         + (plan.nthreads - 1) * winograd_scratch_size(plan.tiles_w)
                         if phased else plan.nthreads * plan.workspace_per_thread):
        raise ValueError("internal error: Winograd workspace too small")
    if max(plan.chunk_rows * plan.tiles_w, C_in, C_out) >= 2**31 - 1:
        raise ValueError("convolution too large for 32-bit BLAS dimensions")
    if out.size == 0 or C_in == 0:
        return out
    cdef void *xp = cnp.PyArray_DATA(x)
    cdef void *up = cnp.PyArray_DATA(u)
    cdef void *yp = cnp.PyArray_DATA(out)
    cdef void *wsp = cnp.PyArray_DATA(workspace)
    with nogil:
        if code == CORR2D_FLOAT32:
            status = winograd_run[float](code, &plan, <float *>xp, <float *>up,
                                         <float *>yp, <float *>wsp)
        else:
            status = winograd_run[double](code, &plan, <double *>xp, <double *>up,
                                          <double *>yp, <double *>wsp)
    raise_for_status(status, "the Winograd geometry")
    return out


cdef corr2d_dtype _conv_code(cnp.ndarray a) except *:
    if a.dtype == np.float32:
        return CORR2D_FLOAT32
    if a.dtype == np.float64:
        return CORR2D_FLOAT64
    raise TypeError(f"internal error: unsupported dtype {a.dtype}")


cdef void _check_conv_arrays(list arrays, Py_ssize_t workspace_size) except *:
    cdef cnp.ndarray a
    for a in arrays:
        if a.dtype != arrays[0].dtype or not a.flags.c_contiguous or not a.flags.aligned:
            raise ValueError("internal error: arrays must share one dtype and be C-contiguous")
    if not arrays[2].flags.writeable:
        raise ValueError("internal error: output is read-only")


cdef int _run_any(Direction direction, cnp.ndarray x, cnp.ndarray w, cnp.ndarray y,
                  cnp.ndarray workspace, tuple stride, tuple padding,
                  tuple dilation, Py_ssize_t groups, int threads) except -1:
    cdef Plan plan
    cdef corr2d_dtype code = _conv_code(x)
    cdef int status
    bind_blas()
    # GRAD_WEIGHT with threads > 1: w is (threads, C_out, C_in/g, kH, kW).
    cdef cnp.npy_intp *wshape = w.shape + (1 if w.ndim == 5 else 0)
    cdef Py_ssize_t C_in = x.shape[1], C_out = wshape[0]
    if (x.ndim != 4 or y.ndim != 4 or y.shape[0] != x.shape[0]
            or (w.ndim != 4 and not (w.ndim == 5 and direction == GRAD_WEIGHT
                                     and w.shape[0] == max(1, threads)))
            or y.shape[1] != C_out or groups < 1 or C_in % groups or C_out % groups
            or wshape[1] * groups != C_in):
        raise ValueError("internal error: inconsistent convolution shapes")
    plan.batch, plan.groups = x.shape[0], groups
    plan.in_channels, plan.out_channels = C_in // groups, C_out // groups
    plan.in_plane, plan.out_plane = x.shape[2] * x.shape[3], y.shape[2] * y.shape[3]
    plan.kdim = plan.in_channels * wshape[2] * wshape[3]
    plan.g.channels, plan.g.height, plan.g.width = plan.in_channels, x.shape[2], x.shape[3]
    plan.g.kernel_height, plan.g.kernel_width = wshape[2], wshape[3]
    plan.g.out_height, plan.g.out_width = y.shape[2], y.shape[3]
    plan.g.stride_h, plan.g.stride_w = stride
    plan.g.pad_top, plan.g.pad_left = padding
    plan.g.dilation_h, plan.g.dilation_w = dilation
    # im2col/col2im run on one thread here: BLAS parallelises the GEMM with
    # its own pool, and two pools taking turns on the same cores (each
    # spinning while the other works) measured up to 7x slower.
    plan.g.threads = 1
    plan.direct = (plan.g.kernel_height == 1 and plan.g.kernel_width == 1
                   and stride == (1, 1) and padding == (0, 0)
                   and plan.g.out_height == plan.g.height
                   and plan.g.out_width == plan.g.width)
    if max(plan.out_plane, plan.kdim, plan.out_channels) >= 2**31 - 1:
        raise ValueError("convolution too large for 32-bit BLAS dimensions")
    plan.chunk_rows = 0
    plan.nthreads = max(1, threads)
    plan.workspace_per_thread = workspace.size // plan.nthreads
    plan.weight_per_thread = C_out * plan.kdim if w.ndim == 5 else 0
    # Pixels per GEMM call, so that none outlasts an interrupt check.
    plan.direct_cols = max(256, GEMM_MACS_PER_CALL // max(1, plan.kdim * plan.out_channels))
    if not plan.direct:
        plan.chunk_rows = min(plan.g.out_height,
                              plan.workspace_per_thread // max(1, plan.kdim * plan.g.out_width),
                              max(1, GEMM_MACS_PER_CALL
                                  // max(1, plan.kdim * plan.out_channels * plan.g.out_width)))
        if plan.chunk_rows < 1:
            raise ValueError("internal error: workspace smaller than one output row")
    if plan.batch == 0 or plan.out_plane == 0 or plan.out_channels == 0 or plan.kdim == 0:
        return 0
    if direction == GRAD_INPUT:
        _check_conv_arrays([y, w, x, workspace], 0)
    elif direction == GRAD_WEIGHT:
        _check_conv_arrays([x, y, w, workspace], 0)
    else:
        _check_conv_arrays([x, w, y, workspace], 0)
    cdef void *xp = cnp.PyArray_DATA(x)
    cdef void *wp = cnp.PyArray_DATA(w)
    cdef void *yp = cnp.PyArray_DATA(y)
    cdef void *wsp = cnp.PyArray_DATA(workspace)
    with nogil:
        if code == CORR2D_FLOAT32:
            status = run[float](direction, code, &plan, <float *>xp, <float *>wp,
                                <float *>yp, <float *>wsp)
        else:
            status = run[double](direction, code, &plan, <double *>xp, <double *>wp,
                                 <double *>yp, <double *>wsp)
    raise_for_status(status, "the convolution's geometry")
    return 0


def workspace_size(Py_ssize_t kdim, Py_ssize_t out_height, Py_ssize_t out_width,
                   Py_ssize_t max_elements):
    """Elements of the im2col workspace: whole output rows of the column
    matrix, as many as fit in max_elements, at least one, at most all."""
    cdef Py_ssize_t row = kdim * out_width
    if row == 0:
        return 0
    return row * max(1, min(out_height, max_elements // row))


def forward(cnp.ndarray x, cnp.ndarray w, cnp.ndarray out, cnp.ndarray workspace,
            tuple stride, tuple padding, tuple dilation, Py_ssize_t groups, int threads):
    """out = conv2d(x, w) with zero padding (padding = (top, left); bottom and
    right follow from out's shape). threads > 1: that many OpenMP threads over
    (image, group) items, the workspace split in equal slices, BLAS limited
    to one thread by the caller; 1: items in turn, BLAS threads."""
    _run_any(FORWARD, x, w, out, workspace, stride, padding, dilation, groups, threads)
    return out


def grad_input(cnp.ndarray grad_out, cnp.ndarray w, cnp.ndarray grad_in,
               cnp.ndarray workspace, tuple stride, tuple padding, tuple dilation,
               Py_ssize_t groups, int threads):
    """grad_in += the gradient of conv2d wrt its input (grad_in zeroed by the caller)."""
    _run_any(GRAD_INPUT, grad_in, w, grad_out, workspace, stride, padding, dilation,
             groups, threads)
    return grad_in


def grad_weight(cnp.ndarray x, cnp.ndarray grad_out, cnp.ndarray grad_w,
                cnp.ndarray workspace, tuple stride, tuple padding, tuple dilation,
                Py_ssize_t groups, int threads):
    """grad_w += the gradient of conv2d wrt its weight (grad_w zeroed by the
    caller). threads > 1: grad_w is (threads, C_out, C_in/g, kH, kW), one
    partial sum per thread, for the caller to add up."""
    _run_any(GRAD_WEIGHT, x, grad_w, grad_out, workspace, stride, padding, dilation,
             groups, threads)
    return grad_w


cdef corr2d_conv_geometry _depthwise_geometry(
        tuple x_shape, tuple w_shape, tuple out_shape, tuple stride, tuple padding,
        tuple dilation, int threads) except *:
    """The geometry of out = depthwise(x, w) (x the input-shaped, out the
    output-shaped array), after checking the shapes against each other."""
    cdef corr2d_conv_geometry g
    if (len(x_shape) != 4 or len(w_shape) != 4 or len(out_shape) != 4 or w_shape[1] != 1
            or w_shape[0] % max(x_shape[1], 1) or out_shape[0] != x_shape[0]
            or out_shape[1] != w_shape[0] or min(stride) < 1 or min(dilation) < 1):
        raise ValueError("internal error: inconsistent depthwise shapes")
    g.channels, g.height, g.width = x_shape[1], x_shape[2], x_shape[3]
    g.kernel_height, g.kernel_width = w_shape[2], w_shape[3]
    g.out_height, g.out_width = out_shape[2], out_shape[3]
    g.stride_h, g.stride_w = stride
    g.dilation_h, g.dilation_w = dilation
    g.pad_top, g.pad_left = padding
    g.threads = threads
    return g


#: The depthwise loops' per-thread scratch bound (CORR2D_DW_SCRATCH_MAX).
DEPTHWISE_SCRATCH_MAX = CORR2D_DW_SCRATCH_MAX


def depthwise_scratch(tuple x_shape, tuple w_shape, tuple out_shape, tuple stride,
                      tuple padding, tuple dilation):
    """Elements of one thread's scratch in the depthwise loops (a padded
    input plane and a flat output plane) for these shapes."""
    cdef corr2d_conv_geometry g = _depthwise_geometry(x_shape, w_shape, out_shape, stride,
                                                      padding, dilation, 1)
    if min(g.out_height, g.out_width) < 1:
        return 0
    return corr2d_depthwise_scratch(&g)


def depthwise(cnp.ndarray x, cnp.ndarray w, cnp.ndarray out, tuple stride, tuple padding,
              tuple dilation, int threads):
    """out[n, m] = the zero-padded convolution of x[n, m // multiplier] with
    w[m, 0] (padding = (top, left); bottom and right follow from out's
    shape): direct loops over planes, each thread with a scratch of
    depthwise_scratch elements (none at stride 1 and dilation 1 when that
    would pass the core's bound: the planes are then read in place)."""
    cdef corr2d_conv_geometry g = _depthwise_geometry(
        (<object>x).shape, (<object>w).shape, (<object>out).shape, stride, padding,
        dilation, threads)
    cdef corr2d_dtype code = _conv_code(x)
    cdef Py_ssize_t batch = x.shape[0]
    cdef Py_ssize_t multiplier = w.shape[0] // g.channels if g.channels else 1
    cdef int status
    _check_conv_arrays([x, w, out], 0)
    if out.size == 0:
        return out
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const void *wp = cnp.PyArray_DATA(w)
    cdef void *op = cnp.PyArray_DATA(out)
    with nogil:
        status = corr2d_depthwise(code, xp, wp, op, batch, multiplier, &g)
    raise_for_status(status, "the depthwise geometry")
    return out


def depthwise_grad_input(cnp.ndarray grad_out, cnp.ndarray w, cnp.ndarray grad_in,
                         tuple stride, tuple padding, tuple dilation, int threads):
    """grad_in += the gradient of depthwise(x, w) wrt x, given grad_out
    (grad_in zeroed by the caller); a scratch of depthwise_scratch elements
    per thread, which the caller bounds."""
    cdef corr2d_conv_geometry g = _depthwise_geometry(
        (<object>grad_in).shape, (<object>w).shape, (<object>grad_out).shape, stride, padding,
        dilation, threads)
    cdef corr2d_dtype code = _conv_code(grad_in)
    cdef Py_ssize_t batch = grad_in.shape[0]
    cdef Py_ssize_t multiplier = w.shape[0] // g.channels if g.channels else 1
    cdef int status
    _check_conv_arrays([grad_out, w, grad_in], 0)
    if grad_out.size == 0 or grad_in.size == 0:
        return grad_in
    cdef const void *gyp = cnp.PyArray_DATA(grad_out)
    cdef const void *wp = cnp.PyArray_DATA(w)
    cdef void *gxp = cnp.PyArray_DATA(grad_in)
    with nogil:
        status = corr2d_depthwise_grad_input(code, gyp, wp, gxp, batch, multiplier, &g)
    raise_for_status(status, "the depthwise geometry")
    return grad_in


def depthwise_grad_weight(cnp.ndarray x, cnp.ndarray grad_out, cnp.ndarray grad_w,
                          tuple stride, tuple padding, tuple dilation, int threads):
    """grad_w = the gradient of depthwise(x, w) wrt w, given grad_out
    (overwritten); a scratch of depthwise_scratch elements per thread, which
    the caller bounds."""
    cdef corr2d_conv_geometry g = _depthwise_geometry(
        (<object>x).shape, (<object>grad_w).shape, (<object>grad_out).shape, stride, padding,
        dilation, threads)
    cdef corr2d_dtype code = _conv_code(x)
    cdef Py_ssize_t batch = x.shape[0]
    cdef Py_ssize_t multiplier = grad_w.shape[0] // g.channels if g.channels else 1
    cdef int status
    _check_conv_arrays([x, grad_out, grad_w], 0)
    if grad_w.size == 0:
        return grad_w
    if grad_out.size == 0 or x.size == 0:
        grad_w.fill(0)
        return grad_w
    cdef const void *xp = cnp.PyArray_DATA(x)
    cdef const void *gyp = cnp.PyArray_DATA(grad_out)
    cdef void *gwp = cnp.PyArray_DATA(grad_w)
    with nogil:
        status = corr2d_depthwise_grad_weight(code, xp, gyp, gwp, batch, multiplier, &g)
    raise_for_status(status, "the depthwise geometry")
    return grad_w

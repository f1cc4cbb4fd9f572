/*
 * Winograd F(2x2, 3x3): the three transforms of a 3x3, stride-1,
 * dilation-1 convolution, written once and compiled per dtype (included by
 * conv.c, like im2col.template.c). The 16 matrix products between them are
 * BLAS calls made by the Cython layer.
 *
 * The includer defines NAME(x) and T (see im2col.template.c).
 *
 * With d a 4x4 input patch, g a 3x3 kernel and
 *   B^T = [1  0 -1  0]     G = [ 1    0    0 ]     A^T = [1  1  1  0]
 *         [0  1  1  0]         [1/2  1/2  1/2]           [0  1 -1 -1]
 *         [0 -1  1  0]         [1/2 -1/2  1/2]
 *         [0  1  0 -1]         [ 0    0    1 ]
 * a 2x2 output tile is A^T [ sum_c (G g_c G^T) .* (B^T d_c B) ] A.
 * Element e = 4 * i + j of the 4x4 transforms is the e-th matrix product.
 */

/* u[e, o, c] = (G w[o, c] G^T)[e] for `count` = out_channels * in_channels
 * kernels, w (count, 3, 3) row-major, u (16, count). */
int NAME(winograd_weight)(const T *w, T *u, ptrdiff_t count)
{
    ptrdiff_t k;
    for (k = 0; k < count; k++) {
        const T *g = w + 9 * k;
        T t[4][3]; /* G g */
        int i, j;
        for (j = 0; j < 3; j++) {
            t[0][j] = g[j];
            t[1][j] = (T)0.5 * (g[j] + g[3 + j] + g[6 + j]);
            t[2][j] = (T)0.5 * (g[j] - g[3 + j] + g[6 + j]);
            t[3][j] = g[6 + j];
        }
        for (i = 0; i < 4; i++) {
            u[(4 * i + 0) * count + k] = t[i][0];
            u[(4 * i + 1) * count + k] = (T)0.5 * (t[i][0] + t[i][1] + t[i][2]);
            u[(4 * i + 2) * count + k] = (T)0.5 * (t[i][0] - t[i][1] + t[i][2]);
            u[(4 * i + 3) * count + k] = t[i][2];
        }
    }
    return CORR2D_OK;
}

/* rows[r] = input row 2 * ti + r - pad_top of plane, columns -pad_left ..
 * 2 * tiles_w + 1 - pad_left, zero outside the image. */
static inline void NAME(winograd_rows)(const T *plane, T *rows, ptrdiff_t ti,
                                       const corr2d_winograd_geometry *g, ptrdiff_t rw)
{
    const ptrdiff_t w = g->width;
    /* Columns k of a padded row read input column k - pad_left: [klo, khi). */
    ptrdiff_t klo = g->pad_left < rw ? g->pad_left : rw;
    ptrdiff_t khi = g->pad_left + w < rw ? g->pad_left + w : rw;
    int r;
    for (r = 0; r < 4; r++) {
        T *dst = rows + r * rw;
        const ptrdiff_t ih = 2 * ti + r - g->pad_top;
        if (ih < 0 || ih >= g->height) {
            memset(dst, 0, sizeof(T) * (size_t)rw);
            continue;
        }
        memset(dst, 0, sizeof(T) * (size_t)klo);
        if (khi > klo)
            memcpy(dst + klo, plane + ih * w + (klo - g->pad_left),
                   sizeof(T) * (size_t)(khi - klo));
        if (rw > khi)
            memset(dst + (khi > klo ? khi : klo), 0,
                   sizeof(T) * (size_t)(rw - (khi > klo ? khi : klo)));
    }
}

int NAME(winograd_input)(const T *images, T *v, T *rows, const corr2d_winograd_geometry *g,
                         ptrdiff_t row_begin, ptrdiff_t row_end, ptrdiff_t channel_begin,
                         ptrdiff_t channel_end)
{
    const ptrdiff_t th = (g->out_height + 1) / 2, tw = (g->out_width + 1) / 2;
    const ptrdiff_t rw = 2 * tw + 2;
    const ptrdiff_t ntiles = (row_end - row_begin) * tw;
    const ptrdiff_t estride = g->channels * ntiles; /* between transform elements */
    T *r0 = rows, *r1 = rows + rw, *r2 = rows + 2 * rw, *r3 = rows + 3 * rw;
    ptrdiff_t row, c, j;
    corr2d_watch watch;

    /* Contiguous loops the compiler vectorises: B^T d on whole padded rows
     * (in place), then d B per tile (stride-2 loads, contiguous stores). */
    /* Channel outer, tile row inner: each of the 16 element planes of
     * channel c is written front to back. */
    corr2d_watch_start(&watch, 16.0 * (double)(channel_end - channel_begin) * (double)ntiles);
    for (c = channel_begin; c < channel_end; c++) {
        if (corr2d_should_stop(&watch))
            return CORR2D_EINTR;
        for (row = row_begin; row < row_end; row++) {
            const ptrdiff_t n = row / th, ti = row % th;
            const ptrdiff_t col0 = (row - row_begin) * tw;
            T *dst = v + c * ntiles + col0;
            int i;
            NAME(winograd_rows)(images + n * g->image_stride + c * g->height * g->width,
                                rows, ti, g, rw);
            for (j = 0; j < rw; j++) {
                const T a0 = r0[j], a1 = r1[j], a2 = r2[j], a3 = r3[j];
                r0[j] = a0 - a2;
                r1[j] = a1 + a2;
                r2[j] = a2 - a1;
                r3[j] = a1 - a3;
            }
            for (i = 0; i < 4; i++) {
                const T *t = rows + i * rw;
                T *e0 = dst + (4 * i) * estride, *e1 = e0 + estride;
                T *e2 = e1 + estride, *e3 = e2 + estride;
                for (j = 0; j < tw; j++) {
                    e0[j] = t[2 * j] - t[2 * j + 2];
                    e1[j] = t[2 * j + 1] + t[2 * j + 2];
                    e2[j] = t[2 * j + 2] - t[2 * j + 1];
                    e3[j] = t[2 * j + 1] - t[2 * j + 3];
                }
            }
        }
    }
    return CORR2D_OK;
}

int NAME(winograd_output)(const T *m, T *out, T *rows, const corr2d_winograd_geometry *g,
                          ptrdiff_t row_begin, ptrdiff_t row_end, ptrdiff_t channel_begin,
                          ptrdiff_t channel_end)
{
    const ptrdiff_t th = (g->out_height + 1) / 2, tw = (g->out_width + 1) / 2;
    const ptrdiff_t oh = g->out_height, ow = g->out_width;
    const ptrdiff_t ntiles = (row_end - row_begin) * tw;
    const ptrdiff_t estride = g->out_channels * ntiles;
    T *s = rows;                                 /* A^T m: 8 rows of tw */
    T *y0 = rows + 8 * tw, *y1 = y0 + 2 * tw;    /* the two output rows */
    ptrdiff_t row, o, j;
    corr2d_watch watch;

    /* Channel outer, tile row inner: the 16 planes of m are read front to back. */
    corr2d_watch_start(&watch, 16.0 * (double)(channel_end - channel_begin) * (double)ntiles);
    for (o = channel_begin; o < channel_end; o++) {
        if (corr2d_should_stop(&watch))
            return CORR2D_EINTR;
        for (row = row_begin; row < row_end; row++) {
            const ptrdiff_t n = row / th, ti = row % th;
            const ptrdiff_t col0 = (row - row_begin) * tw;
            const T *src = m + o * ntiles + col0;
            T *plane = out + n * g->out_image_stride + o * oh * ow;
            int k;
            for (k = 0; k < 4; k++) {
                const T *a0 = src + k * estride, *a1 = src + (4 + k) * estride;
                const T *a2 = src + (8 + k) * estride, *a3 = src + (12 + k) * estride;
                T *s0 = s + k * tw, *s1 = s + (4 + k) * tw;
                for (j = 0; j < tw; j++) {
                    s0[j] = a0[j] + a1[j] + a2[j];
                    s1[j] = a1[j] - a2[j] - a3[j];
                }
            }
            for (k = 0; k < 2; k++) {
                const T *b0 = s + 4 * k * tw, *b1 = b0 + tw, *b2 = b1 + tw, *b3 = b2 + tw;
                T *y = k ? y1 : y0;
                for (j = 0; j < tw; j++) {
                    y[2 * j] = b0[j] + b1[j] + b2[j];
                    y[2 * j + 1] = b1[j] - b2[j] - b3[j];
                }
            }
            memcpy(plane + 2 * ti * ow, y0, sizeof(T) * (size_t)ow);
            if (2 * ti + 1 < oh)
                memcpy(plane + (2 * ti + 1) * ow, y1, sizeof(T) * (size_t)ow);
        }
    }
    return CORR2D_OK;
}

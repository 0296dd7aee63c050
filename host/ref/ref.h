/*
 * ref.h — the C reference kernels: plain loops over host arrays, one function per op and type,
 * in host/ref/<op>_f32.c and host/ref/<op>_q8.c. They define what each op computes; device
 * kernels are tested against them, and constant folding runs them.
 */
#ifndef CLIQ_REF_H
#define CLIQ_REF_H

#include <stddef.h>
#include <stdint.h>

/* unary_f32.c: y[i] = cliq_act(act, x[i], a, b) (activation.h) */
void cliq__ref_unary_f32(int act, float a, float b, const float *x, float *y, size_t n);

/* --- quantization (quant_linear.c, qlinear.c) and internal int8 ops (*_q8.c) ------------------ */
/* Element kinds of quantized integer data. */
#define CLIQ__QKIND_INT8 0
#define CLIQ__QKIND_UINT8 1
#define CLIQ__QKIND_INT32 2

/* quant_linear.c: data seen as [outer, channels, inner], scale/zp per channel (channels = 1: per
 * tensor); zp may be NULL (0). y is int8 (y_signed) or uint8. */
void cliq__ref_quantize_linear(const float *x, size_t outer, size_t channels, size_t inner, const float *scale,
                               const int32_t *zp, int lo, int hi, void *y, int y_signed);
void cliq__ref_dequantize_linear(const void *x, int x_kind, size_t outer, size_t channels, size_t inner,
                                 const float *scale, const int32_t *zp, float *y);
void cliq__ref_dynamic_quantize_linear(const float *x, size_t n, uint8_t *y, float *y_scale, uint8_t *y_zp);

/* Sliding-window geometry of convolutions and pools (host/ops/window.c fills it): up to
 * 3 spatial dims, unused ones set to size 1, kernel 1, stride 1, dilation 1, no padding. */
typedef struct cliq__win {
  int nsp;                                   /* spatial dims in the model (1..3) */
  int64_t in[3], k[3], out[3], stride[3], dil[3];
  int64_t pad[3], pad_end[3];                /* begin / end padding */
} cliq__win;

/* qlinear.c: integer convolution y[n,m,o] = sum (x - x_zp) * (w - w_zp[m]) over valid taps
 * (padding contributes 0) + bias[m]; x [N,C,in], w [M,C/group,k], accumulation in int32 with
 * two's-complement wrap (as numpy's int32). w_zp has M entries; bias may be NULL. */
void cliq__ref_conv_integer(const void *x, int x_kind, const void *w, int w_kind, int32_t x_zp, const int32_t *w_zp,
                            const int32_t *bias, int64_t n, int64_t c, int64_t m, int64_t group, const cliq__win *win,
                            int32_t *acc);
/* qlinear.c: batched matrix product of A [batch, M, K] and B [batch, K, N] (batches already
 * broadcast: a_off/b_off give each output batch's A and B matrix), zero points per tensor, per
 * row of A (a_zp[M]) or per column of B (b_zp[N]) as the counts na_zp/nb_zp say (1 or M / N). */
void cliq__ref_matmul_integer(const void *a, int a_kind, const void *b, int b_kind, const int32_t *a_zp, size_t na_zp,
                              const int32_t *b_zp, size_t nb_zp, size_t batch, const size_t *a_off, const size_t *b_off,
                              size_t m, size_t k, size_t n, int32_t *acc);
/* qlinear.c: ONNX QLinear requantization in float64, as onnx/reference/ops/op_qlinear_conv.py:
 * clip(rint(acc * (double)mult + zp), lo, hi). */
int cliq__ref_qlinear_requant(int32_t acc, float mult, int zp, int lo, int hi);

/* Internal int8 ops (domain "cliq"): int8 data, per-tensor (scale, zero point) per value; the
 * fixed-point parameters come from cliq_quantize_multiplier (cl_kernels/cliq_requant.h). */

/* binary_q8.c: QAdd (cliq_q8_add) and QMul (cliq_q8_mul) with numpy broadcasting: y has `rank`
 * dims; a_strides/b_strides give each input's element stride per output dim (0: broadcast). */
typedef struct cliq__q8_binary {
  int32_t za, zb, zy, lo, hi;
  int32_t ma, sha, mb, shb; /* QAdd: per-input rescale to the common scale; unused by QMul */
  int32_t my, shy;          /* QAdd: common scale to output; QMul: s_a * s_b / s_y */
} cliq__q8_binary;
void cliq__ref_binary_q8(int is_mul, const int8_t *a, const int8_t *b, int8_t *y, int rank, const int64_t *dims,
                         const int64_t *a_strides, const int64_t *b_strides, const cliq__q8_binary *p);

/* concat_q8.c: x [outer, inner_x] into columns [offset, offset + inner_x) of y [outer, inner_y],
 * requantized from zx to zy with (mult, shift), or copied byte for byte when mult is 0. */
void cliq__ref_concat_q8(const int8_t *x, int8_t *y, size_t outer, size_t inner_x, size_t inner_y, size_t offset, int32_t zx,
                         int32_t mult, int32_t shift, int32_t zy);

/* pool_q8.c: average pool over `planes` planes (N*C): y = requant(sum of (x - zx) over the window,
 * mult[count], shift[count]) + zy clamped to [lo, hi], count = window cells inside the input
 * (count_include_pad 0) or inside the padded input (1); mult/shift indexed by count. */
void cliq__ref_avgpool_q8(const int8_t *x, int8_t *y, size_t planes, const cliq__win *win, int count_include_pad, int32_t zx,
                          const int32_t *mult, const int32_t *shift, int32_t zy, int lo, int hi);

/* lut_q8.c: y = table[c][x + 128] with x seen as [outer, channels, inner] and c its channel
 * (channels = 1: one table); the table of a unary activation (activation.h's cliq_act) for input
 * (sx, zx) and output (sy, zy): table[q + 128] = quantize(act(dequantize(q))). */
void cliq__ref_lut_q8(const int8_t *x, int8_t *y, size_t outer, size_t channels, size_t inner, const int8_t *table);
void cliq__q8_act_table(int act, float a, float b, float sx, int zx, float sy, int zy, int8_t *table);
/* ---- convolution and matrix products (branch conv): conv_f32.c, conv_transpose_f32.c, gemm_f32.c.
 * Each applies the fused activation (act, act_a, act_b) of activation.h last; act 0 = none. */
#include "conv_geom.h"
#define CLIQ__REF_MAX_RANK 8
/* x [N][C][in...], w [M][C/G][k...], bias [M] or NULL, y [N][M][out...] */
void cliq__ref_conv_f32(const cliq__conv_geom *g, const float *x, const float *w, const float *bias, float *y, int act,
                        float act_a, float act_b);
/* x [N][C][in...], w [C][M/G][k...], bias [M] or NULL, y [N][M][out...] */
void cliq__ref_conv_transpose_f32(const cliq__conv_geom *g, const float *x, const float *w, const float *bias, float *y,
                                  int act, float act_a, float act_b);
/* Y[m][n] = act(alpha * sum_k A[m*a_sm + k*a_sk] * B[k*b_sk + n*b_sn] + beta * C[m*c_sm + n*c_sn]);
 * C may be NULL; zero strides broadcast. */
void cliq__ref_gemm_f32(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t a_sm, int64_t a_sk,
                        const float *B, int64_t b_sk, int64_t b_sn, float beta, const float *C, int64_t c_sm,
                        int64_t c_sn, float *Y, int act, float act_a, float act_b);
/* numpy matmul of A (rank ra, dims da) and B (rank rb, dims db) into Y (the broadcast shape). */
void cliq__ref_matmul_f32(int ra, const int64_t *da, const float *A, int rb, const int64_t *db, const float *B, float *Y,
                          int act, float act_a, float act_b);


/* --- elementwise math, pooling, reductions, normalisation, softmax (ops-math) ------------- */
#include "bcast.h"

/* binary_f32.c: y = a (op) b over a collapsed broadcast (bcast.h); op is a CLIQ_BIN_* of
 * binary_op.h. dtype is the inputs' type: float32, int64, int32, int8, uint8 or bool (integers are
 * computed in 64 bits and wrapped). Comparisons write bool (uint8 0/1); one-input ops read only a
 * (pass b = a with equal strides). */
void cliq__ref_binary(int op, cliq_dtype dtype, const cliq__bcast *bc, const void *a, const void *b, void *y);
/* Pow of integer base and exponent (cliq_ipow_i64 of binary_op.h), over int64 copies. */
void cliq__ref_ipow_i64(const cliq__bcast *bc, const int64_t *a, const int64_t *b, int64_t *y);

/* pool_f32.c: MaxPool / AveragePool over 1..3 spatial dims, normalised to 3 (D, H, W; unused
 * leading dims have size 1, kernel 1, stride 1, dilation 1, no pad). Output (o) of a window reads
 * input taps o*stride - pad + t*dilation, t < kernel; taps outside [0, in) are padding. */
typedef struct cliq__pool_params {
  int64_t planes;                 /* N*C */
  int64_t in[3], out[3];          /* spatial sizes D, H, W */
  int64_t kernel[3], stride[3], dilation[3];
  int64_t pad_begin[3], pad_end[3];
  int count_include_pad;          /* AveragePool: divide by the taps inside [-pad_begin, in+pad_end) */
} cliq__pool_params;

/* Max over the taps inside the input (padding never wins); a window with none gives the type's
 * lowest value (-FLT_MAX, as ONNX Runtime). dtype: float32, int8 or uint8. */
void cliq__ref_maxpool(const cliq__pool_params *p, cliq_dtype dtype, const void *x, void *y);
/* Sum of the taps inside the input divided by their count, or with count_include_pad by the
 * count of taps inside the padded extent (the overhang of ceil_mode never counts). */
void cliq__ref_avgpool_f32(const cliq__pool_params *p, const float *x, float *y);

/* reduce_f32.c: reductions over any set of axes. The input's dims, with size-1 dims dropped and
 * neighbours of the same kind merged, alternate between kept and reduced groups (at most 4 of
 * each for rank 8); groups are right-aligned: unused leading entries have size 1, stride 0.
 * Outputs are in row-major order of the kept groups. */
typedef struct cliq__reduce_params {
  int64_t kept[4], kept_stride[4]; /* outermost first, strides in input elements */
  int64_t red[4], red_stride[4];
  int64_t count;                   /* elements reduced per output */
  int64_t outputs;                 /* product of kept */
  int inner_reduced;               /* the innermost input dim is reduced (contiguous rows) */
} cliq__reduce_params;

/* Describes reducing the dims flagged in `reduce` of an input of (rank, dims). */
void cliq__reduce_params_make(int rank, const int64_t *dims, const bool *reduce, cliq__reduce_params *r);
/* op: CLIQ_RED_* of reduce_op.h. dtype float32 (any op), int32/int64 (computed in 64 bits; L2
 * and the logarithms through double, truncated), int8/uint8 (Max/Min). */
void cliq__ref_reduce(int op, cliq_dtype dtype, const cliq__reduce_params *r, const void *x, void *y);

/* batchnorm_f32.c: per-channel a = scale/sqrt(var+eps), b = B - mean*a (norm_op.h), and
 * y = x*a[c] + b[c] over x viewed as [n, c, inner]. */
void cliq__ref_bn_coeffs_f32(const float *scale, const float *bias, const float *mean, const float *var, float eps,
                             size_t c, float *a, float *b);
void cliq__ref_batchnorm_f32(const float *x, const float *a, const float *b, size_t n, size_t c, size_t inner, float *y);

/* softmax_f32.c: Softmax (log_softmax = 0) or LogSoftmax over the middle dim of x viewed as
 * [outer, d, inner], after subtracting the maximum. */
void cliq__ref_softmax_f32(int log_softmax, const float *x, size_t outer, size_t d, size_t inner, float *y);

/* argmax_f32.c: index (int64) of the first maximum (ArgMax) or minimum (ArgMin) along the middle
 * dim of x viewed as [outer, d, inner]; with select_last the last one. NaN counts as the extreme
 * (numpy's argmax/argmin). dtype: float32, int32, int64, int8, uint8. */
void cliq__ref_argmax(int is_min, int select_last, cliq_dtype dtype, const void *x, size_t outer, size_t d, size_t inner,
                      int64_t *y);

/* norm_f32.c: LRN across channels of x [n, c, inner]; InstanceNormalization per (n, c) plane;
 * LayerNormalization per row of x [rows, n] with scale/bias broadcast over the row (sb_n values,
 * repeated) and optional per-row mean and 1/sqrt(var + eps) outputs (may be NULL). Statistics:
 * mean = sum/n, var = sum((x - mean)^2)/n, summed in order (norm_op.h). */
void cliq__ref_lrn_f32(const float *x, size_t n, size_t c, size_t inner, int64_t size, float alpha, float beta, float bias,
                       float *y);
void cliq__ref_instance_norm_f32(const float *x, const float *scale, const float *bias, size_t n, size_t c, size_t inner,
                                 float eps, float *y);
void cliq__ref_layer_norm_f32(const float *x, const float *scale, const float *bias, size_t sb_n, size_t rows, size_t n,
                              float eps, float *y, float *mean, float *inv_std);
/* --- data movement and shapes (strided_copy.c, gather.c, pad.c, resize.c, resize_f32.c, cast.c) --
 * Dtype-generic references work on raw elements of elem_size bytes (1, 4 or 8; 2 is accepted too),
 * so float32, int8, uint8, int32, int64 and bool share one implementation. */

/* An N-d box copied element by element: position (c_0..c_{rank-1}) of the box reads
 * src[src_off + sum c_k*src_stride[k]] and writes dst[dst_off + sum c_k*dst_stride[k]] (element
 * units; source strides may be negative (Slice with negative steps) or 0 (Expand)). Concat, Split,
 * Slice, Transpose, Expand and Tile are all such boxes; the kernel is cl_kernels/strided_copy.cl. */
#define CLIQ__STRIDED_MAX_RANK 16
typedef struct cliq__strided {
  int rank;
  int64_t dims[CLIQ__STRIDED_MAX_RANK];
  int64_t src_stride[CLIQ__STRIDED_MAX_RANK];
  int64_t dst_stride[CLIQ__STRIDED_MAX_RANK];
  int64_t src_off, dst_off;
} cliq__strided;

/* strided_copy.c: drops size-1 dims and merges dims that are contiguous in both src and dst (the
 * copy is unchanged); an empty box keeps one dim of size 0, a single element one dim of size 1. */
void cliq__strided_simplify(cliq__strided *s);
void cliq__ref_strided_copy(size_t elem_size, const cliq__strided *s, const void *src, void *dst);

/* gather.c: out[o][j][i] = data[o][idx[j]][i] for o < outer, j < n_idx, i < inner; idx already
 * in [0, axis_dim) (the glue normalises negative indices and rejects out-of-range ones). */
void cliq__ref_gather(size_t elem_size, size_t outer, size_t axis_dim, size_t inner, const int64_t *idx, size_t n_idx,
                      const void *data, void *out);

/* pad.c: per axis, the input is first cropped to [start, start+len) (negative pads) and then
 * padded by `begin` elements in front (mode from pad_index.h: constant/edge/reflect/wrap) up to
 * out_dims; `value` points at one element of the constant. */
typedef struct cliq__pad_geom {
  int rank;
  int mode; /* CLIQ_PAD_* of cl_kernels/pad_index.h */
  int64_t in_dims[8], out_dims[8];
  int64_t begin[8], start[8], len[8];
} cliq__pad_geom;
void cliq__ref_pad(size_t elem_size, const cliq__pad_geom *g, const void *value, const void *src, void *dst);

/* resize.c: Resize as per-axis tables. For output coordinate y along axis k the tables hold the
 * two source coordinates i0 <= i1 (already clamped into the input) and the weight w of i1 (linear)
 * or one source coordinate (nearest). Built once from the ONNX formulas (coordinate transform in
 * double, as the ONNX reference implementation does) and shared by reference and kernel. */
typedef struct cliq__resize_axis {
  int64_t in, out;  /* input and output length */
  double scale;     /* the scale of the coordinate transform (given, or out/in from sizes) */
  int identity;     /* 1 when the axis is copied as is (scale 1, same length) */
} cliq__resize_axis;
enum { CLIQ_RESIZE_NEAREST = 0, CLIQ_RESIZE_LINEAR = 1 };
enum {
  CLIQ_RESIZE_HALF_PIXEL = 0,
  CLIQ_RESIZE_PYTORCH_HALF_PIXEL = 1,
  CLIQ_RESIZE_ALIGN_CORNERS = 2,
  CLIQ_RESIZE_ASYMMETRIC = 3,
  CLIQ_RESIZE_HALF_PIXEL_SYMMETRIC = 4,
  CLIQ_RESIZE_TF_HALF_PIXEL_FOR_NN = 5
};
enum {
  CLIQ_RESIZE_ROUND_PREFER_FLOOR = 0,
  CLIQ_RESIZE_ROUND_PREFER_CEIL = 1,
  CLIQ_RESIZE_FLOOR = 2,
  CLIQ_RESIZE_CEIL = 3
};
/* Source coordinate of output coordinate y (before clamping). */
double cliq__resize_coord(int coord_mode, const cliq__resize_axis *a, int64_t y);
/* Nearest: idx[y] for y < a->out, clamped into [0, in). Returns the number of entries whose
 * unclamped index fell outside the input (exclude_outside makes those zero in ONNX). */
size_t cliq__resize_nearest_table(int coord_mode, int nearest_mode, const cliq__resize_axis *a, int64_t *idx);
/* Linear: i0[y], i1[y] clamped into [0, in), w1[y] the weight of i1; the weight of i0 is
 * 1.0f - w1 computed in float by reference and kernel alike. exclude_outside gives a tap that
 * falls outside the input weight 0 and the other weight 1 (the ONNX renormalisation). */
void cliq__resize_linear_table(int coord_mode, int exclude_outside, const cliq__resize_axis *a, int64_t *i0, int64_t *i1,
                               float *w1);
/* Nearest over all axes (any dtype): tab[k] is axis k's index table. */
void cliq__ref_resize_nearest(size_t elem_size, int rank, const int64_t *in_dims, const int64_t *out_dims,
                              const int64_t *const *tab, const void *src, void *dst);
/* resize_f32.c: linear over all axes; axes with identity set are copied. The value is a nested
 * lerp, first resized axis innermost (the ONNX reference resizes axis by axis, first axis first),
 * each lerp computed as w0*a + w1*b in float. */
void cliq__ref_resize_linear_f32(int rank, const int64_t *in_dims, const int64_t *out_dims, const int *identity,
                                 const int64_t *const *i0, const int64_t *const *i1, const float *const *w1,
                                 const float *src, float *dst);

/* cast.c: element conversion with ONNX Cast semantics (cl_kernels/cast_convert.h): float to
 * integer truncates toward zero (values outside int32/int64 become the minimum, then narrower
 * types keep the low bits, as numpy on x86 does); integers narrow by keeping the low bits; to
 * bool is != 0. from/to are cliq_dtype values. */
void cliq__ref_cast(int from, int to, const void *src, void *dst, size_t n);
/* ---- int8 convolution and GEMM (conv_q8.c, gemm_q8.c; types in q8.h) ------------------------ */
struct cliq__qconv_geom;
struct cliq__q8_epi;
/* QConv: x [N,C,H,W], w [M,C/group,KH,KW], bias [M] or NULL, res (shape of y) or NULL, y [N,M,OH,OW]. */
void cliq__ref_conv_q8(const struct cliq__qconv_geom *g, const int8_t *x, const int8_t *w, const int32_t *bias,
                       const int8_t *res, const struct cliq__q8_epi *e, int8_t *y);
/* QGemm: x [rows,K], w [N,K], bias [N] or NULL, res [rows,N] or NULL, y [rows,N]. */
void cliq__ref_gemm_q8(size_t rows, size_t K, size_t N, const int8_t *x, const int8_t *w, const int32_t *bias,
                       const int8_t *res, const struct cliq__q8_epi *e, int8_t *y);

#endif /* CLIQ_REF_H */

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

#endif /* CLIQ_REF_H */

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

/* Sliding-window geometry of Conv-like and pool-like int ops (host/ops/qwindow.c fills it): up to
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

#endif /* CLIQ_REF_H */

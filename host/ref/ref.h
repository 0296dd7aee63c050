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

#endif /* CLIQ_REF_H */

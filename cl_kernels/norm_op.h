/*
 * norm_op.h — the formulas of BatchNormalization (inference) and Softmax / LogSoftmax, shared
 * verbatim by the C references (host/ref/batchnorm_f32.c, host/ref/softmax_f32.c) and the kernels
 * (cl_kernels/batchnorm_f32.cl, cl_kernels/softmax_f32.cl).
 */
#ifndef CLIQ_NORM_OP_H
#define CLIQ_NORM_OP_H

#include "cliq_common.h"

#ifdef __OPENCL_C_VERSION__
#define CLIQ_NORM_SQRTF(x) sqrt(x)
#define CLIQ_NORM_LOGF(x) log(x)
#define CLIQ_NORM_POWF(x, y) pow(x, y)
#else
#define CLIQ_NORM_SQRTF(x) sqrtf(x)
#define CLIQ_NORM_LOGF(x) logf(x)
#define CLIQ_NORM_POWF(x, y) powf(x, y)
#endif

/* BatchNormalization, ONNX docs: y = (x - mean) / sqrt(var + epsilon) * scale + B, applied as
 * y = x*a + b with a = scale / sqrt(var + epsilon), b = B - mean*a (the same per-channel affine
 * map BN folding puts into a convolution). */
CLIQ_INLINE float cliq_bn_scale(float scale, float var, float eps) { return scale / CLIQ_NORM_SQRTF(var + eps); }
CLIQ_INLINE float cliq_bn_shift(float bias, float mean, float a) { return bias - mean * a; }

/* Softmax over a row with maximum m (subtracting it keeps exp from overflowing; ONNX docs,
 * "numerically stable"): e_i = exp(x_i - m), s = sum of e_i in row order, y_i = e_i / s;
 * LogSoftmax: y_i = (x_i - m) - log(s). Both the reference and the kernels compute e_i once. */
CLIQ_INLINE float cliq_softmax_exp(float x, float m) { return CLIQ_EXPF(x - m); }
CLIQ_INLINE float cliq_softmax_final(int log_softmax, float x, float e, float m, float s) {
  return log_softmax ? (x - m) - CLIQ_NORM_LOGF(s) : e / s;
}

/* LRN, ONNX docs: y = x / (bias + alpha/size * sum of x^2 over the channel window)^beta, the
 * window [c - floor((size-1)/2), c + ceil((size-1)/2)] clipped to the channels. */
CLIQ_INLINE float cliq_lrn(float x, float square_sum, float alpha_over_size, float beta, float bias) {
  return x / CLIQ_NORM_POWF(bias + alpha_over_size * square_sum, beta);
}

/* InstanceNormalization and LayerNormalization: mean = sum/n, var = sum((x - mean)^2)/n (both
 * summed in order), inv_std = 1/sqrt(var + epsilon), y = (x - mean) * inv_std * scale + bias (the
 * ONNX LayerNormalization function body; InstanceNormalization's formula rearranged the same way). */
CLIQ_INLINE float cliq_inv_std(float var, float eps) { return 1.0f / CLIQ_NORM_SQRTF(var + eps); }
CLIQ_INLINE float cliq_norm_apply(float x, float mean, float inv_std, float scale, float bias) {
  return (x - mean) * inv_std * scale + bias;
}

#endif /* CLIQ_NORM_OP_H */

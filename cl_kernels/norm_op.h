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
#else
#define CLIQ_NORM_SQRTF(x) sqrtf(x)
#define CLIQ_NORM_LOGF(x) logf(x)
#endif

/* BatchNormalization, ONNX docs: y = (x - mean) / sqrt(var + epsilon) * scale + B, applied as
 * y = x*a + b with a = scale / sqrt(var + epsilon), b = B - mean*a (the same per-channel affine
 * map BN folding puts into a convolution). */
CLIQ_INLINE float cliq_bn_scale(float scale, float var, float eps) { return scale / CLIQ_NORM_SQRTF(var + eps); }
CLIQ_INLINE float cliq_bn_shift(float bias, float mean, float a) { return bias - mean * a; }

/* Softmax of one element given the row's maximum m and s = sum(exp(x_i - m)) (subtracting the
 * maximum keeps exp from overflowing; ONNX docs, "numerically stable"); LogSoftmax likewise. */
CLIQ_INLINE float cliq_softmax_out(int log_softmax, float x, float m, float s) {
  return log_softmax ? (x - m) - CLIQ_NORM_LOGF(s) : CLIQ_EXPF(x - m) / s;
}

#endif /* CLIQ_NORM_OP_H */

/*
 * weights.h — quantizing constant tensors (weights, biases, constant operands) for the QDQ graph
 * (calib/qdq.c). Weights use their own minmax per output channel (or per tensor): every weight
 * is known, nothing is clipped.
 */
#ifndef CLIQ_CALIB_WEIGHTS_H
#define CLIQ_CALIB_WEIGHTS_H

#include "../host/tensor.h"
#include "calibrate.h"

#include <stdbool.h>

/* Quantizers of a float tensor: n = dims[axis] of them along `axis`, or n = 1 for the whole
 * tensor when axis < 0; each from the min/max of its slice (extended to contain 0). */
void cliq__weight_grids(const cliq__tensor *w, int axis, bool symmetric, int qmin, int qmax, cliq__qgrid *grids, size_t n);

/* The int8 tensor q = clamp(round_half_even(w / scale[c]) + zp[c]) with the grids along axis (n
 * grids; n == 1 and axis < 0 for per-tensor). OUT_OF_MEMORY on failure. */
cliq_status cliq__weight_apply(const cliq__tensor *w, int axis, const cliq__qgrid *grids, size_t n, cliq__tensor **out);

/* The int32 bias round_half_even(b[c] / scales[c % n_scales]), saturated to int32; b is 1-D or
 * has one non-unit dim (its channels). */
cliq_status cliq__bias_apply(const cliq__tensor *b, const float *scales, size_t n_scales, cliq__tensor **out);

#endif /* CLIQ_CALIB_WEIGHTS_H */

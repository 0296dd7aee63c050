/*
 * quant_util.h — helpers the quantization ops (quant.c, qlinear.c), the internal int8 ops
 * (q*.c) and the QDQ lowering pass share: integer ranges of quantized types, reading scale and
 * zero-point tensors, per-axis geometry, the fixed-point multipliers of cliq_requant.h, and the
 * program options that make float division exact on a device.
 */
#ifndef CLIQ_QUANT_UTIL_H
#define CLIQ_QUANT_UTIL_H

#include "op.h"

struct cliq__planner;

/* Range of a quantized integer type: int8 [-128,127], uint8 [0,255], int32. False for others. */
bool cliq__qrange(cliq_dtype dt, int *lo, int *hi);
/* CLIQ__QKIND_* (host/ref/ref.h) of int8/uint8/int32. */
int cliq__qkind(cliq_dtype dt);
/* OpenCL C type name of int8/uint8/int32 data ("char", "uchar", "int"). */
const char *cliq__qcl_type(cliq_dtype dt);

/* Splits dims around axis: outer = prod(dims[..axis)), channels = dims[axis], inner = the rest.
 * axis < 0 means per tensor: outer = 1, channels = 1, inner = all elements. */
void cliq__axis_split(int rank, const int64_t *dims, int axis, size_t *outer, size_t *channels, size_t *inner);

/* Checks the scale (input si) and zero point (input zi, may be absent) of a Quantize/Dequantize
 * style op against data value x: per tensor (one element) or 1-D of dims[axis] elements with
 * zero point of the same shape and a dtype in zp_mask. Sets *axis_out (-1 when per tensor). */
cliq_status cliq__check_qparams(const cliq__opctx *oc, size_t si, size_t zi, const cliq__value *x, int64_t axis,
                                unsigned zp_mask, int *axis_out);

/* Copies a constant tensor of integers (any integer dtype) into int32 (n elements). */
void cliq__tensor_ints32(const cliq__tensor *t, int32_t *out, size_t n);

/* Q31 multiplier of a real multiplier (cliq_quantize_multiplier) with a node-named error when it
 * is out of range. `what` names the ratio in the message ("s_in*s_w/s_out"). */
cliq_status cliq__op_multiplier(const cliq__opctx *oc, double m, const char *what, int32_t *mult, int32_t *shift);

/* Program options for kernels that divide floats and must round exactly like C: the device's own
 * correctly rounded division when CL_DEVICE_SINGLE_FP_CONFIG has it, else nothing (kernels then
 * use cliq_div_rn from cliq_exact.h). CLIQ_TUNE=QUANT_SOFT_DIV=1 forces the latter (tests). */
const char *cliq__exact_div_options(struct cliq__planner *p);

/* Per-tensor quantization of value v; a node-named error when it has none. */
cliq_status cliq__op_value_quant(const cliq__opctx *oc, const cliq__value *v, float *scale, int *zp);

/* Output range [lo, hi] of an int8 op whose node carries a fused activation (cliq.act,
 * cliq.act_a, cliq.act_b; DEVELOPERS.md "Fused activations") for an output of scale sy and zero
 * point zy: none [-128, 127]; ReLU [max(-128, zy), 127]; Clip(a, b) [q(a), q(b)] with q the
 * QuantizeLinear of the bounds. Quantization is monotone, so clamping the requantized value
 * equals quantizing the clipped real value. Other activations are UNSUPPORTED here (QLut). */
cliq_status cliq__op_act_range(const cliq__opctx *oc, float sy, int zy, int *lo, int *hi);

/* The tables a QLut node applies (host/ops/qlut.c): its table input, or its activation between
 * its input's and output's quantization; *channels tables of 256 entries (malloc'ed) along
 * *axis (-1 when there is one). */
cliq_status cliq__op_qlut_tables(const cliq__opctx *oc, int8_t **tables, size_t *channels, int *axis);

/* Element count of a value as int (kernels index with int); UNSUPPORTED beyond 2^31 - 1. */
cliq_status cliq__op_elems_i32(const cliq__opctx *oc, const cliq__value *v, int *n);

#endif /* CLIQ_QUANT_UTIL_H */

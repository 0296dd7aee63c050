/*
 * quant_util.c — helpers shared by the quantization ops, the internal int8 ops and the QDQ
 * lowering pass (see quant_util.h).
 */
#include "quant_util.h"

#include "../cl/device.h"
#include "../cl/tuning.h"
#include "../planner.h"
#include "../ref/ref.h"
#include "activation.h"
#include "cliq_requant.h"

#include <math.h>
#include <string.h>

bool cliq__qrange(cliq_dtype dt, int *lo, int *hi) {
  switch (dt) {
  case CLIQ_DTYPE_INT8: *lo = -128, *hi = 127; return true;
  case CLIQ_DTYPE_UINT8: *lo = 0, *hi = 255; return true;
  case CLIQ_DTYPE_INT32: *lo = INT32_MIN, *hi = INT32_MAX; return true;
  default: return false;
  }
}

int cliq__qkind(cliq_dtype dt) {
  return dt == CLIQ_DTYPE_INT8 ? CLIQ__QKIND_INT8 : dt == CLIQ_DTYPE_UINT8 ? CLIQ__QKIND_UINT8 : CLIQ__QKIND_INT32;
}

const char *cliq__qcl_type(cliq_dtype dt) {
  return dt == CLIQ_DTYPE_INT8 ? "char" : dt == CLIQ_DTYPE_UINT8 ? "uchar" : "int";
}

void cliq__axis_split(int rank, const int64_t *dims, int axis, size_t *outer, size_t *channels, size_t *inner) {
  size_t o = 1, c = 1, in = 1;
  for (int d = 0; d < rank; d++) {
    size_t v = (size_t)dims[d];
    if (axis < 0 || d > axis) in *= v;
    else if (d == axis) c = v;
    else o *= v;
  }
  *outer = o;
  *channels = c;
  *inner = in;
}

cliq_status cliq__check_qparams(const cliq__opctx *oc, size_t si, size_t zi, const cliq__value *x, int64_t axis,
                                unsigned zp_mask, int *axis_out) {
  const cliq__value *s = cliq__op_in(oc, si), *z = cliq__op_in(oc, zi);
  CLIQ__TRY(cliq__op_check_dtype(oc, si, CLIQ__DT_FLOAT));
  if (z) CLIQ__TRY(cliq__op_check_dtype(oc, zi, zp_mask));
  size_t n;
  if (!cliq__shape_elems(s->rank, s->dims, &n))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "scale '%s' has no valid shape", s->name);
  *axis_out = -1;
  if (s->rank > 1)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "scale '%s' has rank %d: only per-tensor (scalar) and per-axis (1-D) quantization are "
                         "supported (block quantization is not)",
                         s->name, s->rank);
  /* A 1-D scale of one element is per tensor, as ONNX Runtime treats it. */
  if (n != 1) {
    int ax;
    if (!cliq__norm_axis(axis, x->rank, &ax))
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d",
                           (long long)axis, x->name, x->rank);
    if ((int64_t)n != x->dims[ax])
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                           "scale '%s' has %zu elements but input '%s' has %lld along axis %d: per-axis scales "
                           "must match that dim",
                           s->name, n, x->name, (long long)x->dims[ax], ax);
    *axis_out = ax;
  }
  if (z) {
    size_t nz;
    /* same element count: ONNX Runtime writes scale [1] with a scalar zero point */
    if (!cliq__shape_elems(z->rank, z->dims, &nz) || nz != n || z->rank > 1)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "zero point '%s' must have the shape of scale '%s' (%zu element%s)",
                           z->name, s->name, n, n == 1 ? "" : "s");
  }
  if (s->constant) {
    for (size_t i = 0; i < n; i++) {
      double v = cliq__tensor_get_f64(s->constant, i);
      if (!(v > 0.0) || !isfinite(v))
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "scale '%s'[%zu] is %.9g: scales must be finite and positive",
                             s->name, i, v);
    }
  }
  return CLIQ_STATUS_OK;
}

void cliq__tensor_ints32(const cliq__tensor *t, int32_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (int32_t)cliq__tensor_get_i64(t, i);
}

cliq_status cliq__op_multiplier(const cliq__opctx *oc, double m, const char *what, int32_t *mult, int32_t *shift) {
  if (!cliq_quantize_multiplier(m, mult, shift))
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "the requantization multiplier %s = %.9g is out of the fixed-point range (0, 2^30): "
                         "scales this far apart cannot be requantized",
                         what, m);
  return CLIQ_STATUS_OK;
}

const char *cliq__exact_div_options(cliq__planner *p) {
  const cliq__device *d = cliq__plan_device(p);
  if (cliq__tuning_int(d, "QUANT_SOFT_DIV", 0)) return "";
  cl_device_fp_config cfg = 0;
  if (clGetDeviceInfo(d->id, CL_DEVICE_SINGLE_FP_CONFIG, sizeof cfg, &cfg, NULL) != CL_SUCCESS) return "";
  return (cfg & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) ? "-DCLIQ_CR_DIV=1 -cl-fp32-correctly-rounded-divide-sqrt" : "";
}

cliq_status cliq__op_value_quant(const cliq__opctx *oc, const cliq__value *v, float *scale, int *zp) {
  if (!v->quant || v->quant->n != 1)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL,
                         "value '%s' has no per-tensor quantization (scale, zero point): int8 ops need one", v->name);
  *scale = v->quant->scale[0];
  *zp = v->quant->zero_point[0];
  if (!(*scale > 0.0f) || !isfinite(*scale))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "value '%s' has scale %.9g: scales must be finite and positive",
                         v->name, *scale);
  return CLIQ_STATUS_OK;
}

cliq_status cliq__op_elems_i32(const cliq__opctx *oc, const cliq__value *v, int *n) {
  size_t e;
  if (!cliq__shape_elems(v->rank, v->dims, &e) || e > (size_t)INT32_MAX)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "tensor '%s' has 2^31 elements or more; kernels index with int",
                         v->name);
  *n = (int)e;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__op_act_range(const cliq__opctx *oc, float sy, int zy, int *lo, int *hi) {
  const cliq__node *n = cliq__op_node(oc);
  int64_t act = cliq__attr_int(n, "cliq.act", CLIQ_ACT_NONE);
  *lo = -128;
  *hi = 127;
  switch (act) {
  case CLIQ_ACT_NONE: return CLIQ_STATUS_OK;
  case CLIQ_ACT_RELU: *lo = zy > -128 ? (zy < 127 ? zy : 127) : -128; return CLIQ_STATUS_OK;
  case CLIQ_ACT_CLIP:
    *lo = cliq_quantize_f32(cliq__attr_float(n, "cliq.act_a", -INFINITY), sy, zy, -128, 127);
    *hi = cliq_quantize_f32(cliq__attr_float(n, "cliq.act_b", INFINITY), sy, zy, -128, 127);
    if (*lo > *hi) *lo = *hi; /* Clip with min > max gives max everywhere (ONNX Clip) */
    return CLIQ_STATUS_OK;
  default:
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "fused activation %lld (%s) cannot be an int8 output clamp; only ReLU and Clip can (others are QLut)",
                         (long long)act, cliq__attr_string(n, "cliq.activation", "?"));
  }
}

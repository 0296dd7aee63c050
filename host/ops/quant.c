/*
 * quant.c — ONNX QuantizeLinear (opsets 10-21), DequantizeLinear (10-21) and
 * DynamicQuantizeLinear (11): checks, shape inference, reference dispatch and device plans.
 * Reference: host/ref/quant_linear.c; kernels: cl_kernels/quant_linear.cl.
 *
 * Supported: per-tensor and per-axis (`axis`, opset 13) scales and zero points, constant or
 * computed at run time; int8/uint8 quantized data (and int32 for DequantizeLinear).
 * Rejected with UNSUPPORTED: block quantization (`block_size` != 0, opset 21), float8/int4/int16
 * types (`output_dtype`, data types cliq has no dtype for). `saturate` (opset 19) only concerns
 * float8 and is ignored.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "../cl/device.h"
#include "../cl/tuning.h"
#include "quant_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- shared pieces -------------------------------------------------------------------------- */

static cliq_status check_block_size(cliq__opctx *oc) {
  int64_t bs = cliq__attr_int(cliq__op_node(oc), "block_size", 0);
  if (bs != 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "attribute block_size = %lld: block quantization is not supported",
                         (long long)bs);
  return CLIQ_STATUS_OK;
}

/* Scale and zero point of a node as host arrays (constant folding / reference); zp NULL if absent. */
static cliq_status load_params(const cliq__opctx *oc, const cliq__tensor *s, const cliq__tensor *z, float **scale,
                               int32_t **zp, size_t *n) {
  *n = cliq__tensor_elems(s);
  *scale = malloc((*n + 1) * sizeof(float));
  *zp = z ? malloc((*n + 1) * sizeof(int32_t)) : NULL;
  if (!*scale || (z && !*zp)) {
    free(*scale);
    free(*zp);
    return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating quantization parameters");
  }
  memcpy(*scale, s->data, *n * sizeof(float));
  if (z) cliq__tensor_ints32(z, *zp, *n);
  return CLIQ_STATUS_OK;
}

/* The per-axis layout of node input 0 for its scale input 1. */
static void layout(const cliq__opctx *oc, size_t *outer, size_t *channels, size_t *inner) {
  const cliq__value *x = cliq__op_in(oc, 0), *s = cliq__op_in(oc, 1);
  size_t n = 1;
  cliq__shape_elems(s->rank, s->dims, &n);
  int axis = -1;
  if (n != 1) cliq__norm_axis(cliq__attr_int(cliq__op_node(oc), "axis", 1), x->rank, &axis);
  cliq__axis_split(x->rank, x->dims, axis, outer, channels, inner);
}

/* Elements per work-item along a row (-DVEC): many on CPUs, where a work-item's fixed cost would
 * otherwise dominate a memory-bound op (a row's 16-lane loop runs at memory speed), one vector on
 * GPUs. Tunable as QUANT_ITEM. */
static size_t item_elems(cliq__planner *p) {
  const cliq__device *d = cliq__plan_device(p);
  long v = cliq__tuning_int(d, "QUANT_ITEM", d->is_gpu ? 16 : 256);
  return v > 0 ? (size_t)v : 1;
}

/* Rows of `inner` elements, vec per work-item: wide rows walk dim 0, narrow ones dim 1. */
static void rows_range(cliq__launch *L, size_t rows, size_t inner, size_t vec) {
  size_t gws[2] = {(inner + vec - 1) / vec, rows};
  size_t wide[2] = {64, 1}, narrow[2] = {1, 64};
  cliq__launch_range(L, 2, gws, gws[0] >= 32 ? wide : narrow);
}

/* --- QuantizeLinear ------------------------------------------------------------------------- */

static cliq_status q_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "axis,saturate,block_size,output_dtype"));
  CLIQ__TRY(check_block_size(oc));
  int64_t od = cliq__attr_int(cliq__op_node(oc), "output_dtype", 0);
  if (od != 0 && od != CLIQ_DTYPE_INT8 && od != CLIQ_DTYPE_UINT8)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "attribute output_dtype = %lld: only int8 (3) and uint8 (2) are supported",
                         (long long)od);
  return CLIQ_STATUS_OK;
}

static cliq_status q_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 3, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_FLOAT));
  const cliq__value *x = cliq__op_in(oc, 0), *z = cliq__op_in(oc, 2);
  int axis;
  CLIQ__TRY(cliq__check_qparams(oc, 1, 2, x, cliq__attr_int(cliq__op_node(oc), "axis", 1), CLIQ__DT_Q8, &axis));
  int64_t od = cliq__attr_int(cliq__op_node(oc), "output_dtype", 0);
  cliq_dtype out = z ? z->dtype : (od ? (cliq_dtype)od : CLIQ_DTYPE_UINT8);
  if (z && od && od != (int64_t)z->dtype)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "output_dtype %lld disagrees with zero point '%s' of type %s",
                         (long long)od, z->name, cliq_dtype_name(z->dtype));
  return cliq__op_set_out(oc, 0, out, x->rank, x->dims);
}

static cliq_status q_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  float *scale;
  int32_t *zp;
  size_t n, outer, channels, inner;
  CLIQ__TRY(load_params(oc, in[1], cliq__op_n_in(oc) > 2 ? in[2] : NULL, &scale, &zp, &n));
  layout(oc, &outer, &channels, &inner);
  int lo, hi;
  cliq__qrange(out[0]->dtype, &lo, &hi);
  cliq__ref_quantize_linear(in[0]->data, outer, channels, inner, scale, zp, lo, hi, out[0]->data,
                            out[0]->dtype == CLIQ_DTYPE_INT8);
  free(scale);
  free(zp);
  return CLIQ_STATUS_OK;
}

static cliq_status q_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0), *y = cliq__op_out(&oc, 0);
  size_t outer, channels, inner;
  layout(&oc, &outer, &channels, &inner);
  int count; /* rows, inner and channels are each at most count */
  CLIQ__TRY(cliq__op_elems_i32(&oc, x, &count));
  int lo, hi;
  cliq__qrange(y->dtype, &lo, &hi);
  char opts[192];
  const size_t vec = item_elems(p);
  snprintf(opts, sizeof opts, "-DQT=%s -DVEC=%zu %s", cliq__qcl_type(y->dtype), vec, cliq__exact_div_options(p));
  bool has_zp = cliq__op_in(&oc, 2) != NULL;
  cliq__launch *L = cliq__plan_kernel(p, node, "quant_linear", opts, "quantize_linear");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->inputs[1]);
  cliq__arg_value(L, has_zp ? n->inputs[2] : n->outputs[0]); /* any buffer when absent: never read */
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, (int32_t)(outer * channels));
  cliq__arg_i32(L, (int32_t)inner);
  cliq__arg_i32(L, (int32_t)channels);
  cliq__arg_i32(L, has_zp);
  cliq__arg_i32(L, lo);
  cliq__arg_i32(L, hi);
  rows_range(L, outer * channels, inner, vec);
  return cliq__plan_status(p);
}

/* --- DequantizeLinear ----------------------------------------------------------------------- */

static cliq_status dq_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "axis,block_size,output_dtype"));
  CLIQ__TRY(check_block_size(oc));
  int64_t od = cliq__attr_int(cliq__op_node(oc), "output_dtype", 0);
  if (od != 0 && od != CLIQ_DTYPE_FLOAT32)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "attribute output_dtype = %lld: only float32 (1) is supported",
                         (long long)od);
  return CLIQ_STATUS_OK;
}

static cliq_status dq_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 3, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_Q8 | CLIQ__DT(CLIQ_DTYPE_INT32)));
  const cliq__value *x = cliq__op_in(oc, 0), *z = cliq__op_in(oc, 2);
  int axis;
  CLIQ__TRY(cliq__check_qparams(oc, 1, 2, x, cliq__attr_int(cliq__op_node(oc), "axis", 1), CLIQ__DT(x->dtype), &axis));
  (void)z;
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_FLOAT32, x->rank, x->dims);
}

static cliq_status dq_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  float *scale;
  int32_t *zp;
  size_t n, outer, channels, inner;
  CLIQ__TRY(load_params(oc, in[1], cliq__op_n_in(oc) > 2 ? in[2] : NULL, &scale, &zp, &n));
  layout(oc, &outer, &channels, &inner);
  cliq__ref_dequantize_linear(in[0]->data, cliq__qkind(in[0]->dtype), outer, channels, inner, scale, zp, out[0]->data);
  free(scale);
  free(zp);
  return CLIQ_STATUS_OK;
}

static cliq_status dq_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  size_t outer, channels, inner;
  layout(&oc, &outer, &channels, &inner);
  int count; /* rows, inner and channels are each at most count */
  CLIQ__TRY(cliq__op_elems_i32(&oc, x, &count));
  char opts[96];
  const size_t vec = item_elems(p);
  snprintf(opts, sizeof opts, "-DQT=%s -DVEC=%zu%s", cliq__qcl_type(x->dtype), vec,
           x->dtype == CLIQ_DTYPE_INT32 ? "" : " -DQT_SMALL=1");
  bool has_zp = cliq__op_in(&oc, 2) != NULL;
  cliq__launch *L = cliq__plan_kernel(p, node, "quant_linear", opts, "dequantize_linear");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->inputs[1]);
  cliq__arg_value(L, has_zp ? n->inputs[2] : n->inputs[0]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, (int32_t)(outer * channels));
  cliq__arg_i32(L, (int32_t)inner);
  cliq__arg_i32(L, (int32_t)channels);
  cliq__arg_i32(L, has_zp);
  rows_range(L, outer * channels, inner, vec);
  return cliq__plan_status(p);
}

/* --- DynamicQuantizeLinear ------------------------------------------------------------------ */

static cliq_status dyn_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

static cliq_status dyn_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 3, 3));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_FLOAT));
  const cliq__value *x = cliq__op_in(oc, 0);
  CLIQ__TRY(cliq__op_set_out(oc, 0, CLIQ_DTYPE_UINT8, x->rank, x->dims));
  CLIQ__TRY(cliq__op_set_out(oc, 1, CLIQ_DTYPE_FLOAT32, 0, NULL));
  return cliq__op_set_out(oc, 2, CLIQ_DTYPE_UINT8, 0, NULL);
}

static cliq_status dyn_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  float scale;
  uint8_t zp;
  cliq__ref_dynamic_quantize_linear(in[0]->data, cliq__tensor_elems(in[0]), out[0]->data, &scale, &zp);
  if (cliq__op_n_out(oc) > 1 && out[1]) ((float *)out[1]->data)[0] = scale;
  if (cliq__op_n_out(oc) > 2 && out[2]) ((uint8_t *)out[2]->data)[0] = zp;
  return CLIQ_STATUS_OK;
}

static cliq_status dyn_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  int count;
  CLIQ__TRY(cliq__op_elems_i32(&oc, cliq__op_in(&oc, 0), &count));
  for (size_t k = 0; k < 3; k++)
    if (n->outputs[k] < 0)
      return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "output %zu is absent; the device plan writes all three", k);
  /* one work-group reduces: as wide as the device allows, up to 256, a power of two */
  size_t wg = 256;
  while (wg > cliq__plan_device(p)->max_wg_size && wg > 1) wg >>= 1;
  char opts[160];
  snprintf(opts, sizeof opts, "-DQT=uchar -DDQ_WG=%zu %s", wg, cliq__exact_div_options(p));
  cliq__launch *L = cliq__plan_kernel(p, node, "quant_linear", opts, "dynamic_quantize_params");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_i32(L, count);
  cliq__arg_value(L, n->outputs[1]);
  cliq__arg_value(L, n->outputs[2]);
  cliq__launch_range(L, 1, &wg, &wg);
  L = cliq__plan_kernel(p, node, "quant_linear", opts, "dynamic_quantize_apply");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_i32(L, count);
  cliq__arg_value(L, n->outputs[1]);
  cliq__arg_value(L, n->outputs[2]);
  cliq__arg_value(L, n->outputs[0]);
  size_t gws = ((size_t)count + 15) / 16, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_QuantizeLinear = {"QuantizeLinear", "", 10, q_check, q_infer, q_ref, q_plan, 0, NULL};
const cliq__op_def cliq__op_DequantizeLinear = {"DequantizeLinear", "", 10, dq_check, dq_infer, dq_ref, dq_plan, 0, NULL};
const cliq__op_def cliq__op_DynamicQuantizeLinear = {"DynamicQuantizeLinear", "", 11, dyn_check, dyn_infer, dyn_ref,
                                                      dyn_plan, 0, NULL};

/*
 * norm.c — LRN (AlexNet/GoogLeNet-era models), InstanceNormalization (style transfer) and
 * LayerNormalization (opset 17; ConvNeXt/ViT-style heads). Formulas: cl_kernels/norm_op.h;
 * reference: host/ref/norm_f32.c; kernels: cl_kernels/norm_f32.cl.
 *   LRN: size (required, > 0), alpha 1e-4, beta 0.75, bias 1; X is (N, C, ...).
 *   InstanceNormalization: epsilon 1e-5; scale and B of C values; statistics per (n, c) plane.
 *   LayerNormalization: axis (-1), epsilon 1e-5, stash_type 1 (float32: the only one that makes
 *     sense for float32 data; others UNSUPPORTED); normalises over dims[axis:]; Scale and the
 *     optional B must hold 1 or prod(dims[axis:]) values (the shapes exporters write); the optional
 *     Mean and InvStdDev outputs have dims[:axis] followed by ones.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "launch_dims.h"

#include <string.h>

#define VEC 8 /* positions per work-item of lrn_f32: must match -DVEC below */

static const char *op_of(const cliq__opctx *oc) { return cliq__op_node(oc)->op_type; }

static cliq_status norm_check(cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  const char *op = op_of(oc);
  if (!strcmp(op, "LRN")) {
    CLIQ__TRY(cliq__op_check_attrs(oc, "alpha,beta,bias,size"));
    if (cliq__attr_int(n, "size", 0) <= 0)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute size is %lld; it is required and must be positive",
                           (long long)cliq__attr_int(n, "size", 0));
    return CLIQ_STATUS_OK;
  }
  if (!strcmp(op, "InstanceNormalization")) return cliq__op_check_attrs(oc, "epsilon");
  CLIQ__TRY(cliq__op_check_attrs(oc, "axis,epsilon,stash_type"));
  if (cliq__attr_int(n, "stash_type", 1) != 1)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "stash_type %lld is not supported (1: float32 statistics)",
                         (long long)cliq__attr_int(n, "stash_type", 1));
  return CLIQ_STATUS_OK;
}

/* LayerNormalization's view: rows = prod(dims[:axis]), n = prod(dims[axis:]). */
static cliq_status ln_view(const cliq__opctx *oc, int *axis, size_t *rows, size_t *n) {
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t a = cliq__attr_int(cliq__op_node(oc), "axis", -1);
  if (!cliq__norm_axis(a, x->rank, axis))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d", (long long)a,
                         x->name, x->rank);
  *rows = *n = 1;
  for (int i = 0; i < x->rank; i++) *(i < *axis ? rows : n) *= (size_t)x->dims[i];
  return CLIQ_STATUS_OK;
}

static cliq_status check_channels(const cliq__opctx *oc, size_t i, size_t want, bool allow_one) {
  const cliq__value *v = cliq__op_in(oc, i);
  size_t e;
  char d[128];
  if (!v) return CLIQ_STATUS_OK;
  if (!cliq__shape_elems(v->rank, v->dims, &e) || (e != want && !(allow_one && e == 1)))
    return cliq__op_fail(oc, allow_one ? CLIQ_STATUS_UNSUPPORTED : CLIQ_STATUS_SHAPE_MISMATCH,
                         "input '%s' has shape %s; it must hold %zu values%s", v->name,
                         cliq__dims_str(v->rank, v->dims, d, sizeof d), want, allow_one ? " (or 1)" : " (one per channel)");
  return CLIQ_STATUS_OK;
}

static cliq_status norm_infer(cliq__opctx *oc) {
  const char *op = op_of(oc);
  const cliq__value *x;
  char d[128];
  if (!strcmp(op, "LRN")) {
    CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  } else if (!strcmp(op, "InstanceNormalization")) {
    CLIQ__TRY(cliq__op_check_arity(oc, 3, 3, 1, 1));
  } else {
    CLIQ__TRY(cliq__op_check_arity(oc, 2, 3, 1, 3));
  }
  for (size_t i = 0; i < cliq__op_n_in(oc); i++)
    if (cliq__op_in(oc, i)) CLIQ__TRY(cliq__op_check_dtype(oc, i, CLIQ__DT_FLOAT));
  x = cliq__op_in(oc, 0);
  if (strcmp(op, "LayerNormalization") != 0 && x->rank < 2)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' %s has rank %d; %s needs (N, C, ...)", x->name,
                         cliq__dims_str(x->rank, x->dims, d, sizeof d), x->rank, op);
  if (!strcmp(op, "InstanceNormalization")) {
    CLIQ__TRY(check_channels(oc, 1, (size_t)x->dims[1], false));
    CLIQ__TRY(check_channels(oc, 2, (size_t)x->dims[1], false));
  }
  if (!strcmp(op, "LayerNormalization")) {
    int axis;
    size_t rows, n;
    CLIQ__TRY(ln_view(oc, &axis, &rows, &n));
    CLIQ__TRY(check_channels(oc, 1, n, true));
    CLIQ__TRY(check_channels(oc, 2, n, true));
    const cliq__value *s = cliq__op_in(oc, 1), *b = cliq__op_in(oc, 2);
    size_t sn, bn;
    cliq__shape_elems(s->rank, s->dims, &sn);
    if (b && cliq__shape_elems(b->rank, b->dims, &bn) && bn != sn)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "Scale '%s' holds %zu values and B '%s' %zu; cliq needs the same count",
                           s->name, sn, b->name, bn);
    int64_t sd[CLIQ_MAX_RANK];
    for (int i = 0; i < x->rank; i++) sd[i] = i < axis ? x->dims[i] : 1;
    CLIQ__TRY(cliq__op_set_out(oc, 1, CLIQ_DTYPE_FLOAT32, x->rank, sd));
    CLIQ__TRY(cliq__op_set_out(oc, 2, CLIQ_DTYPE_FLOAT32, x->rank, sd));
  }
  return cliq__op_set_out(oc, 0, x->dtype, x->rank, x->dims);
}

/* x viewed as [n, c, inner] */
static void nc_view(const cliq__value *x, size_t *n, size_t *c, size_t *inner) {
  *n = (size_t)x->dims[0];
  *c = (size_t)x->dims[1];
  *inner = 1;
  for (int d = 2; d < x->rank; d++) *inner *= (size_t)x->dims[d];
}

static cliq_status norm_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  const cliq__node *nd = cliq__op_node(oc);
  const char *op = op_of(oc);
  const cliq__value *x = cliq__op_in(oc, 0);
  float eps = cliq__attr_float(nd, "epsilon", 1e-5f);
  size_t n, c, inner;
  if (!strcmp(op, "LRN")) {
    nc_view(x, &n, &c, &inner);
    cliq__ref_lrn_f32(in[0]->data, n, c, inner, cliq__attr_int(nd, "size", 1), cliq__attr_float(nd, "alpha", 1e-4f),
                      cliq__attr_float(nd, "beta", 0.75f), cliq__attr_float(nd, "bias", 1.0f), out[0]->data);
  } else if (!strcmp(op, "InstanceNormalization")) {
    nc_view(x, &n, &c, &inner);
    cliq__ref_instance_norm_f32(in[0]->data, in[1]->data, in[2]->data, n, c, inner, eps, out[0]->data);
  } else {
    int axis;
    size_t rows, len;
    CLIQ__TRY(ln_view(oc, &axis, &rows, &len));
    const cliq__tensor *b = nd->n_inputs > 2 ? in[2] : NULL;
    cliq__ref_layer_norm_f32(in[0]->data, in[1]->data, b ? b->data : NULL, cliq__tensor_elems(in[1]), rows, len, eps,
                             out[0]->data, nd->n_outputs > 1 && out[1] ? out[1]->data : NULL,
                             nd->n_outputs > 2 && out[2] ? out[2]->data : NULL);
  }
  return CLIQ_STATUS_OK;
}

static cliq_status norm_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *nd = cliq__op_node(&oc);
  const char *op = op_of(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  size_t elems;
  if (!cliq__shape_elems(x->rank, x->dims, &elems) || elems > INT32_MAX)
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has 2^31 or more elements (32-bit indexing)", x->name);
  if (elems == 0) return CLIQ_STATUS_OK;
  float eps = cliq__attr_float(nd, "epsilon", 1e-5f);
  size_t n, c, inner;
  cliq__launch *L;
  if (!strcmp(op, "LRN")) {
    nc_view(x, &n, &c, &inner);
    int64_t size = cliq__attr_int(nd, "size", 1);
    if (size > INT32_MAX) return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "size %lld is too large", (long long)size);
    L = cliq__plan_kernel(p, node, "norm_f32", "-DVEC=8", "lrn_f32");
    cliq__arg_value(L, nd->inputs[0]);
    cliq__arg_value(L, nd->outputs[0]);
    cliq__arg_i32(L, (int32_t)n);
    cliq__arg_i32(L, (int32_t)c);
    cliq__arg_i32(L, (int32_t)inner);
    cliq__arg_i32(L, (int32_t)((size - 1) / 2));
    cliq__arg_i32(L, (int32_t)(size / 2));
    cliq__arg_f32(L, cliq__attr_float(nd, "alpha", 1e-4f) / (float)size);
    cliq__arg_f32(L, cliq__attr_float(nd, "beta", 0.75f));
    cliq__arg_f32(L, cliq__attr_float(nd, "bias", 1.0f));
    cliq__math_range(L, cliq__div_up(inner, VEC) * c * n);
  } else if (!strcmp(op, "InstanceNormalization")) {
    nc_view(x, &n, &c, &inner);
    L = cliq__plan_kernel(p, node, "norm_f32", "-DVEC=8", "instance_norm_f32");
    for (int i = 0; i < 3; i++) cliq__arg_value(L, nd->inputs[i]);
    cliq__arg_value(L, nd->outputs[0]);
    cliq__arg_i32(L, (int32_t)(n * c));
    cliq__arg_i32(L, (int32_t)c);
    cliq__arg_i32(L, (int32_t)inner);
    cliq__arg_f32(L, eps);
    cliq__math_range(L, n * c);
  } else {
    int axis;
    size_t rows, len;
    CLIQ__TRY(ln_view(&oc, &axis, &rows, &len));
    const cliq__value *s = cliq__op_in(&oc, 1), *b = cliq__op_in(&oc, 2);
    size_t sb_n;
    cliq__shape_elems(s->rank, s->dims, &sb_n);
    int mean = nd->n_outputs > 1 ? nd->outputs[1] : -1, inv = nd->n_outputs > 2 ? nd->outputs[2] : -1;
    L = cliq__plan_kernel(p, node, "norm_f32", "-DVEC=8", "layer_norm_f32");
    cliq__arg_value(L, nd->inputs[0]);
    cliq__arg_value(L, nd->inputs[1]);
    cliq__arg_value(L, b ? nd->inputs[2] : nd->inputs[1]); /* unread when has_bias = 0 */
    cliq__arg_value(L, nd->outputs[0]);
    cliq__arg_value(L, mean >= 0 ? mean : nd->outputs[0]); /* unread when want_mean = 0 */
    cliq__arg_value(L, inv >= 0 ? inv : nd->outputs[0]);
    cliq__arg_i32(L, (int32_t)rows);
    cliq__arg_i32(L, (int32_t)len);
    cliq__arg_i32(L, (int32_t)sb_n);
    cliq__arg_i32(L, b != NULL);
    cliq__arg_i32(L, mean >= 0);
    cliq__arg_i32(L, inv >= 0);
    cliq__arg_f32(L, eps);
    cliq__math_range(L, rows);
  }
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_LRN = {"LRN", "", 1, norm_check, norm_infer, norm_ref, norm_plan, 0, NULL};
const cliq__op_def cliq__op_InstanceNormalization = {"InstanceNormalization", "", 6, norm_check, norm_infer, norm_ref,
                                                     norm_plan, 0, NULL};
const cliq__op_def cliq__op_LayerNormalization = {"LayerNormalization", "", 17, norm_check, norm_infer, norm_ref,
                                                  norm_plan, 0, NULL};

/*
 * batchnorm.c — BatchNormalization in inference mode, standalone (the load-time pass folds a BN
 * that follows a Conv; this runs the others: after an Add, on a graph input, ...).
 * y = (x - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1), applied as y = x*a + b
 * (cl_kernels/norm_op.h). training_mode=1 (opset 14+), the running-statistics outputs and
 * spatial=0 (opset 7-8 per-activation statistics) are UNSUPPORTED; momentum is ignored, and so is
 * opset 6's is_test: with one output a BN is an inference BN (exporters set is_test=1 anyway).
 * Reference: host/ref/batchnorm_f32.c; kernels: cl_kernels/batchnorm_f32.cl.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "launch_dims.h"

#include <stdlib.h>
#include <string.h>

#define VEC 16 /* elements per work-item: must match -DVEC below */

static const char *const stat_names[4] = {"scale", "B", "input_mean", "input_var"};

static cliq_status bn_check(cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  CLIQ__TRY(cliq__op_check_attrs(oc, "epsilon,momentum,spatial,training_mode,is_test"));
  if (cliq__attr_int(n, "training_mode", 0) != 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "training_mode=1 is not supported (cliq runs inference only)");
  if (cliq__attr_int(n, "spatial", 1) != 1)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "spatial=0 (per-activation statistics) is not supported");
  for (size_t i = 1; i < n->n_outputs; i++)
    if (n->outputs[i] >= 0)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "output %zu ('%s', running statistics) exists only in training mode",
                           i, oc->g->values[n->outputs[i]].name);
  return CLIQ_STATUS_OK;
}

static cliq_status bn_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 5, 5, 1, 5));
  for (size_t i = 0; i < 5; i++) CLIQ__TRY(cliq__op_check_dtype(oc, i, CLIQ__DT_FLOAT));
  const cliq__value *x = cliq__op_in(oc, 0);
  char d[128];
  if (x->rank < 2)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' %s has rank %d; BatchNormalization needs (N, C, ...)",
                         x->name, cliq__dims_str(x->rank, x->dims, d, sizeof d), x->rank);
  for (size_t i = 1; i < 5; i++) {
    const cliq__value *v = cliq__op_in(oc, i);
    size_t e;
    if (!cliq__shape_elems(v->rank, v->dims, &e) || v->rank > 1 || (int64_t)e != x->dims[1])
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input %s '%s' has shape %s but X '%s' has %lld channels: it must be [C]",
                           stat_names[i - 1], v->name, cliq__dims_str(v->rank, v->dims, d, sizeof d), x->name,
                           (long long)x->dims[1]);
  }
  return cliq__op_set_out(oc, 0, x->dtype, x->rank, x->dims);
}

/* x viewed as [n, c, inner] */
static void bn_view(const cliq__value *x, size_t *n, size_t *c, size_t *inner) {
  *n = (size_t)x->dims[0];
  *c = (size_t)x->dims[1];
  *inner = 1;
  for (int d = 2; d < x->rank; d++) *inner *= (size_t)x->dims[d];
}

static cliq_status bn_coeffs(const cliq__opctx *oc, const cliq__tensor *const *stats, float **a, float **b) {
  size_t c = (size_t)cliq__op_in(oc, 0)->dims[1];
  *a = malloc((c + 1) * sizeof(float));
  *b = malloc((c + 1) * sizeof(float));
  if (!*a || !*b) {
    free(*a), free(*b);
    return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "no memory for %zu channel coefficients", c);
  }
  float eps = cliq__attr_float(cliq__op_node(oc), "epsilon", 1e-5f);
  cliq__ref_bn_coeffs_f32(stats[0]->data, stats[1]->data, stats[2]->data, stats[3]->data, eps, c, *a, *b);
  return CLIQ_STATUS_OK;
}

static cliq_status bn_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  float *a, *b;
  size_t n, c, inner;
  CLIQ__TRY(bn_coeffs(oc, in + 1, &a, &b));
  bn_view(cliq__op_in(oc, 0), &n, &c, &inner);
  cliq__ref_batchnorm_f32(in[0]->data, a, b, n, c, inner, out[0]->data);
  free(a), free(b);
  return CLIQ_STATUS_OK;
}

static cliq_status bn_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *nd = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  size_t n, c, inner, elems;
  bn_view(x, &n, &c, &inner);
  if (!cliq__shape_elems(x->rank, x->dims, &elems) || elems > INT32_MAX)
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has 2^31 or more elements (32-bit indexing)", x->name);
  if (elems == 0) return CLIQ_STATUS_OK;
  bool all_const = true;
  const cliq__tensor *stats[4];
  for (int i = 0; i < 4; i++) {
    stats[i] = cliq__op_in(&oc, 1 + (size_t)i)->constant;
    if (!stats[i]) all_const = false;
  }
  cliq__launch *L;
  if (all_const) {
    float *a, *b;
    CLIQ__TRY(bn_coeffs(&oc, stats, &a, &b));
    int ia = cliq__plan_const(p, a, c * sizeof(float)), ib = cliq__plan_const(p, b, c * sizeof(float));
    free(a), free(b);
    L = cliq__plan_kernel(p, node, "batchnorm_f32", "-DVEC=16", "batchnorm_f32");
    cliq__arg_value(L, nd->inputs[0]);
    cliq__arg_const(L, ia);
    cliq__arg_const(L, ib);
  } else {
    L = cliq__plan_kernel(p, node, "batchnorm_f32", "-DVEC=16", "batchnorm_stats_f32");
    for (int i = 0; i < 5; i++) cliq__arg_value(L, nd->inputs[i]);
    cliq__arg_f32(L, cliq__attr_float(nd, "epsilon", 1e-5f));
  }
  cliq__arg_value(L, nd->outputs[0]);
  cliq__arg_i32(L, (int32_t)n);
  cliq__arg_i32(L, (int32_t)c);
  cliq__arg_i32(L, (int32_t)inner);
  cliq__math_range(L, cliq__div_up(inner, VEC) * c * n);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_BatchNormalization = {"BatchNormalization", "", 6, bn_check, bn_infer, bn_ref, bn_plan,
                                                  CLIQ__OP_ELEMENTWISE, NULL};

/*
 * reduce.c — ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare, ReduceL1,
 * ReduceL2, ReduceLogSum, ReduceLogSumExp, and the planning helper GlobalAveragePool and
 * GlobalMaxPool (pool.c) share (reduce.h).
 *
 * Axes: an `axes` attribute before opset 18 (ReduceSum: before 13), an optional constant `axes`
 * input from then on; no axes means all, unless noop_with_empty_axes=1 (opset 18; 13 for
 * ReduceSum), which reduces over no axis: each element alone, so ReduceL1 still takes |x| and
 * ReduceSumSquare x*x (as the ONNX reference does). keepdims (default 1) keeps reduced dims as 1.
 * Reference: host/ref/reduce_f32.c; kernels: cl_kernels/reduce_f32.cl; formulas: reduce_op.h.
 */
#include "reduce.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "launch_dims.h"
#include "reduce_op.h"

#include <stdio.h>
#include <string.h>

#define VEC 8 /* outputs per work-item of reduce_cols: must match -DVEC below */

static const struct {
  const char *op_type;
  int op;
  const char *kernel; /* suffix of reduce_rows_ / reduce_cols_ */
} reds[] = {
    {"ReduceSum", CLIQ_RED_SUM, "sum"},           {"ReduceMean", CLIQ_RED_MEAN, "mean"},
    {"ReduceMax", CLIQ_RED_MAX, "max"},           {"ReduceMin", CLIQ_RED_MIN, "min"},
    {"ReduceProd", CLIQ_RED_PROD, "prod"},        {"ReduceSumSquare", CLIQ_RED_SUM_SQUARE, "sum_square"},
    {"ReduceL1", CLIQ_RED_L1, "l1"},              {"ReduceL2", CLIQ_RED_L2, "l2"},
    {"ReduceLogSum", CLIQ_RED_LOG_SUM, "log_sum"}, {"ReduceLogSumExp", CLIQ_RED_LOG_SUM_EXP, "log_sum_exp"},
    {"GlobalAveragePool", CLIQ_RED_MEAN, "mean"}, {"GlobalMaxPool", CLIQ_RED_MAX, "max"},
};

static int red_index(const char *op_type) {
  for (size_t i = 0; i < sizeof reds / sizeof reds[0]; i++)
    if (strcmp(reds[i].op_type, op_type) == 0) return (int)i;
  return -1;
}

cliq_status cliq__plan_reduce(cliq__planner *p, const cliq__opctx *oc, int op, cliq_dtype dtype,
                              const cliq__reduce_params *r, int x, int y) {
  const char *suffix = NULL;
  for (size_t i = 0; i < sizeof reds / sizeof reds[0]; i++)
    if (reds[i].op == op) suffix = reds[i].kernel;
  if (!suffix) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_STATE, "no kernel for reduction %d", op);
  int64_t in_elems = r->outputs * r->count;
  if (r->outputs == 0) return CLIQ_STATUS_OK;
  if (r->outputs > INT32_MAX || in_elems > INT32_MAX)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input has 2^31 or more elements; kernels index with 32 bits");
  const char *opts;
  switch (dtype) {
  case CLIQ_DTYPE_FLOAT32: opts = "-DT=float -DT_IS_FLOAT=1 -DVEC=8"; break;
  case CLIQ_DTYPE_INT8: opts = "-DT=char -DVEC=8"; break;
  case CLIQ_DTYPE_UINT8: opts = "-DT=uchar -DVEC=8"; break;
  default: opts = NULL; break;
  }
  if (!opts || (dtype != CLIQ_DTYPE_FLOAT32 && op != CLIQ_RED_MAX && op != CLIQ_RED_MIN))
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "the device reduces float32 tensors (and int8/uint8 with Max/Min); this one is %s "
                         "(integer reductions run when their input is constant)",
                         cliq_dtype_name(dtype));
  char kernel[64];
  snprintf(kernel, sizeof kernel, "reduce_%s_%s", r->inner_reduced ? "rows" : "cols", suffix);
  cliq__launch *L = cliq__plan_kernel(p, oc->node, "reduce_f32", opts, kernel);
  cliq__arg_value(L, x);
  cliq__arg_value(L, y);
  cliq__arg_i32(L, (int32_t)r->outputs);
  for (int k = 0; k < 4; k++) cliq__arg_i32(L, (int32_t)r->kept[k]);
  for (int k = 0; k < 4; k++) cliq__arg_i32(L, (int32_t)r->kept_stride[k]);
  for (int k = 0; k < 4; k++) cliq__arg_i32(L, (int32_t)r->red[k]);
  for (int k = 0; k < 4; k++) cliq__arg_i32(L, (int32_t)r->red_stride[k]);
  cliq__arg_i32(L, (int32_t)r->count);
  if (r->inner_reduced)
    cliq__math_range(L, (size_t)r->outputs);
  else
    cliq__math_range(L, cliq__div_up((size_t)r->kept[3], VEC) * (size_t)(r->outputs / r->kept[3]));
  return cliq__plan_status(p);
}

/* The axes of a node: from the attribute (older opsets) or the constant input 1. *n = -1 when
 * none are given. */
static cliq_status node_axes(const cliq__opctx *oc, int64_t *axes, long *n) {
  const cliq__node *nd = cliq__op_node(oc);
  bool input_form = nd->opset >= (strcmp(nd->op_type, "ReduceSum") == 0 ? 13 : 18);
  if (!input_form) {
    *n = cliq__attr_ints(nd, "axes", axes, CLIQ_MAX_RANK);
  } else {
    *n = cliq__op_const_ints(oc, 1, axes, CLIQ_MAX_RANK);
    if (*n == -2)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input 'axes' ('%s') must be a constant (or computable at load)",
                           cliq__op_in(oc, 1)->name);
  }
  if (*n > CLIQ_MAX_RANK)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "has %ld axes; a tensor has at most %d dims", *n, CLIQ_MAX_RANK);
  return CLIQ_STATUS_OK;
}

/* Which dims of x are reduced (none when noop_with_empty_axes applies). */
static cliq_status reduced_dims(const cliq__opctx *oc, bool *reduce) {
  const cliq__node *nd = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t axes[CLIQ_MAX_RANK];
  long n;
  CLIQ__TRY(node_axes(oc, axes, &n));
  bool noop = n <= 0 && cliq__attr_int(nd, "noop_with_empty_axes", 0) != 0;
  for (int d = 0; d < CLIQ_MAX_RANK; d++) reduce[d] = n <= 0 && !noop;
  for (long i = 0; i < n; i++) {
    int a;
    if (!cliq__norm_axis(axes[i], x->rank, &a))
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d",
                           (long long)axes[i], x->name, x->rank);
    if (reduce[a])
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is listed twice", (long long)axes[i]);
    reduce[a] = true;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status reduce_check(cliq__opctx *oc) {
  const cliq__node *nd = cliq__op_node(oc);
  bool input_form = nd->opset >= (strcmp(nd->op_type, "ReduceSum") == 0 ? 13 : 18);
  CLIQ__TRY(cliq__op_check_attrs(oc, input_form ? "keepdims,noop_with_empty_axes" : "axes,keepdims"));
  int64_t k = cliq__attr_int(nd, "keepdims", 1);
  if (k != 0 && k != 1)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute keepdims is %lld; it must be 0 or 1", (long long)k);
  return CLIQ_STATUS_OK;
}

static cliq_status reduce_infer(cliq__opctx *oc) {
  const cliq__node *nd = cliq__op_node(oc);
  bool input_form = nd->opset >= (strcmp(nd->op_type, "ReduceSum") == 0 ? 13 : 18);
  CLIQ__TRY(cliq__op_check_arity(oc, 1, input_form ? 2 : 1, 1, 1));
  int i = red_index(nd->op_type);
  bool minmax = reds[i].op == CLIQ_RED_MAX || reds[i].op == CLIQ_RED_MIN;
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_FLOAT | CLIQ__DT_INTS | (minmax ? CLIQ__DT_Q8 : 0)));
  if (cliq__op_in(oc, 1)) CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT(CLIQ_DTYPE_INT64)));
  const cliq__value *x = cliq__op_in(oc, 0);
  bool reduce[CLIQ_MAX_RANK];
  CLIQ__TRY(reduced_dims(oc, reduce));
  bool keep = cliq__attr_int(nd, "keepdims", 1) != 0;
  int64_t dims[CLIQ_MAX_RANK];
  int r = 0;
  for (int d = 0; d < x->rank; d++) {
    if (!reduce[d])
      dims[r++] = x->dims[d];
    else if (keep)
      dims[r++] = 1;
  }
  return cliq__op_set_out(oc, 0, x->dtype, r, dims);
}

static cliq_status reduce_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  bool reduce[CLIQ_MAX_RANK];
  CLIQ__TRY(reduced_dims(oc, reduce));
  cliq__reduce_params r;
  cliq__reduce_params_make(in[0]->rank, in[0]->dims, reduce, &r);
  int op = reds[red_index(cliq__op_node(oc)->op_type)].op;
  cliq__ref_reduce(op, in[0]->dtype, &r, in[0]->data, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status reduce_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *nd = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  bool reduce[CLIQ_MAX_RANK];
  CLIQ__TRY(reduced_dims(&oc, reduce));
  cliq__reduce_params r;
  cliq__reduce_params_make(x->rank, x->dims, reduce, &r);
  int op = reds[red_index(nd->op_type)].op;
  return cliq__plan_reduce(p, &oc, op, x->dtype, &r, nd->inputs[0], nd->outputs[0]);
}

/* const_inputs: the axes input (opset 18; 13 for ReduceSum) decides the output shape */
#define REDUCE_OP(T) \
  const cliq__op_def cliq__op_##T = {#T, "", 1, reduce_check, reduce_infer, reduce_ref, reduce_plan, 0, NULL, 1u << 1};
REDUCE_OP(ReduceSum)
REDUCE_OP(ReduceMean)
REDUCE_OP(ReduceMax)
REDUCE_OP(ReduceMin)
REDUCE_OP(ReduceProd)
REDUCE_OP(ReduceSumSquare)
REDUCE_OP(ReduceL1)
REDUCE_OP(ReduceL2)
REDUCE_OP(ReduceLogSum)
REDUCE_OP(ReduceLogSumExp)

/*
 * concat.c — Concat (opsets 1-13; Concat-1's axis defaults to 1, later opsets require it; negative
 * axes from opset 11): any axis, any number of inputs of any one dtype, zero-size inputs allowed.
 * Each input is a strided box copied into its place in the output: one launch of
 * cl_kernels/strided_copy.cl per non-empty input, contiguous runs of prod(dims[axis:]) elements.
 */
#include "data_util.h"

static cliq_status concat_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "axis"));
  const cliq__node *n = cliq__op_node(oc);
  if (n->opset >= 4 && !cliq__node_attr(n, "axis"))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute 'axis' is required");
  return CLIQ_STATUS_OK;
}

static cliq_status concat_axis(const cliq__opctx *oc, int *axis) {
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t a = cliq__attr_int(cliq__op_node(oc), "axis", 1);
  if (!cliq__norm_axis(a, x->rank, axis))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for inputs of rank %d", (long long)a, x->rank);
  return CLIQ_STATUS_OK;
}

static cliq_status concat_infer(cliq__opctx *oc) {
  size_t n_in = cliq__op_n_in(oc);
  CLIQ__TRY(cliq__op_check_arity(oc, n_in ? n_in : 1, n_in ? n_in : 1, 1, 1));
  CLIQ__TRY(concat_check(oc));
  const cliq__value *x0 = cliq__op_in(oc, 0);
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  int axis;
  CLIQ__TRY(concat_axis(oc, &axis));
  int64_t dims[CLIQ_MAX_RANK];
  for (int k = 0; k < x0->rank; k++) dims[k] = x0->dims[k];
  for (size_t i = 1; i < n_in; i++) {
    const cliq__value *x = cliq__op_in(oc, i);
    if (x->dtype != x0->dtype)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' is %s but input '%s' is %s; all inputs must share a type",
                           x->name, cliq_dtype_name(x->dtype), x0->name, cliq_dtype_name(x0->dtype));
    if (x->rank != x0->rank)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' has rank %d but input '%s' has rank %d; ranks must agree",
                           x->name, x->rank, x0->name, x0->rank);
    for (int k = 0; k < x->rank; k++) {
      if (k == axis) continue;
      if (x->dims[k] != x0->dims[k]) {
        char a[160], b[160];
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                             "input '%s' %s and input '%s' %s differ at axis %d; only axis %d may differ", x->name,
                             cliq__dims_str(x->rank, x->dims, a, sizeof a), x0->name,
                             cliq__dims_str(x0->rank, x0->dims, b, sizeof b), k, axis);
      }
    }
    dims[axis] += x->dims[axis];
  }
  return cliq__op_set_out(oc, 0, x0->dtype, x0->rank, dims);
}

/* The box that copies input i into the output. */
static cliq__strided input_box(const cliq__opctx *oc, int axis, size_t i, int64_t *offset_along_axis) {
  const cliq__value *x = cliq__op_in(oc, i), *y = cliq__op_out(oc, 0);
  cliq__strided s = {0};
  s.rank = x->rank;
  for (int k = 0; k < x->rank; k++) s.dims[k] = x->dims[k];
  cliq__dense_strides(x->rank, x->dims, s.src_stride);
  cliq__dense_strides(y->rank, y->dims, s.dst_stride);
  s.dst_off = *offset_along_axis * s.dst_stride[axis];
  *offset_along_axis += x->dims[axis];
  return s;
}

static cliq_status concat_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int axis;
  CLIQ__TRY(concat_axis(oc, &axis));
  int64_t off = 0;
  for (size_t i = 0; i < cliq__op_n_in(oc); i++) {
    cliq__strided s = input_box(oc, axis, i, &off);
    cliq__strided_simplify(&s);
    cliq__ref_strided_copy(cliq_dtype_size(out[0]->dtype), &s, in[i]->data, out[0]->data);
  }
  return CLIQ_STATUS_OK;
}

static cliq_status concat_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *y = cliq__op_out(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, y));
  int axis;
  CLIQ__TRY(concat_axis(&oc, &axis));
  int64_t off = 0;
  for (size_t i = 0; i < n->n_inputs; i++)
    cliq__plan_strided_copy(p, node, n->inputs[i], n->outputs[0], y->dtype, input_box(&oc, axis, i, &off));
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_Concat = {"Concat", "", 1, concat_check, concat_infer, concat_ref, concat_plan, 0, NULL, 0};

/*
 * split.c — Split (opsets 2-18): along any axis, sizes from the `split` input (import rewrites the
 * opset < 13 attribute into it), else equal parts over the outputs or Split-18's num_outputs.
 * Parts that do not divide evenly follow the ONNX reference: ceil(dim/n) each, the last ones
 * smaller (possibly empty). Each output is a strided box of the input: one launch of
 * cl_kernels/strided_copy.cl per non-empty output.
 */
#include "data_util.h"

static cliq_status split_check(cliq__opctx *oc) {
  return cliq__op_check_attrs(oc, cliq__op_node(oc)->opset >= 18 ? "axis,num_outputs" : "axis");
}

/* Sizes of the parts along the axis, one per output (n = output count). */
static cliq_status split_sizes(const cliq__opctx *oc, int *axis, int64_t *sizes, size_t n) {
  const cliq__node *nd = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t a = cliq__attr_int(nd, "axis", 0);
  if (!cliq__norm_axis(a, x->rank, axis))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d", (long long)a,
                         x->name, x->rank);
  int64_t dim = x->dims[*axis];
  int64_t buf[256];
  long count;
  CLIQ__TRY(cliq__op_ints_input(oc, 1, "split", false, buf, 256, &count));
  if (count >= 0) {
    if ((size_t)count != n)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input 'split' has %ld sizes but the node has %zu outputs", count, n);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
      if (buf[i] < 0)
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "split[%zu] is %lld; sizes must be >= 0", i, (long long)buf[i]);
      sizes[i] = buf[i];
      sum += buf[i];
    }
    if (sum != dim)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "the split sizes add up to %lld but axis %d of input '%s' has %lld",
                           (long long)sum, *axis, x->name, (long long)dim);
    return CLIQ_STATUS_OK;
  }
  const cliq__attr *no = cliq__node_attr(nd, "num_outputs");
  if (no && no->i != (int64_t)n)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "num_outputs is %lld but the node has %zu outputs", (long long)no->i, n);
  int64_t chunk = (dim + (int64_t)n - 1) / (int64_t)n;
  for (size_t i = 0; i < n; i++) {
    int64_t rest = dim - (int64_t)i * chunk;
    sizes[i] = rest < 0 ? 0 : rest > chunk ? chunk : rest;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status split_infer(cliq__opctx *oc) {
  size_t n = cliq__op_n_out(oc);
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 2, 1, 256));
  CLIQ__TRY(split_check(oc));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__value *x = cliq__op_in(oc, 0);
  int axis;
  int64_t sizes[256];
  CLIQ__TRY(split_sizes(oc, &axis, sizes, n));
  int64_t dims[CLIQ_MAX_RANK];
  for (int k = 0; k < x->rank; k++) dims[k] = x->dims[k];
  for (size_t i = 0; i < n; i++) {
    dims[axis] = sizes[i];
    CLIQ__TRY(cliq__op_set_out(oc, i, x->dtype, x->rank, dims));
  }
  return CLIQ_STATUS_OK;
}

/* The box that copies part i (starting at `start` along the axis) out of the input. */
static cliq__strided part_box(const cliq__value *x, int axis, int64_t start, int64_t size) {
  cliq__strided s = {0};
  s.rank = x->rank;
  for (int k = 0; k < x->rank; k++) s.dims[k] = x->dims[k];
  s.dims[axis] = size;
  cliq__dense_strides(x->rank, x->dims, s.src_stride);
  cliq__dense_strides(x->rank, s.dims, s.dst_stride);
  s.src_off = start * s.src_stride[axis];
  return s;
}

static cliq_status split_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  size_t n = cliq__op_n_out(oc);
  int axis;
  int64_t sizes[256], start = 0;
  CLIQ__TRY(split_sizes(oc, &axis, sizes, n));
  for (size_t i = 0; i < n; i++) {
    if (out[i]) {
      cliq__strided s = part_box(cliq__op_in(oc, 0), axis, start, sizes[i]);
      cliq__strided_simplify(&s);
      cliq__ref_strided_copy(cliq_dtype_size(in[0]->dtype), &s, in[0]->data, out[i]->data);
    }
    start += sizes[i];
  }
  return CLIQ_STATUS_OK;
}

static cliq_status split_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *nd = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, x));
  size_t n = nd->n_outputs;
  int axis;
  int64_t sizes[256], start = 0;
  CLIQ__TRY(split_sizes(&oc, &axis, sizes, n));
  for (size_t i = 0; i < n; i++) {
    if (nd->outputs[i] >= 0)
      cliq__plan_strided_copy(p, node, nd->inputs[0], nd->outputs[i], x->dtype, part_box(x, axis, start, sizes[i]));
    start += sizes[i];
  }
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_Split = {"Split", "", 2, split_check, split_infer, split_ref, split_plan, 0, NULL, 1u << 1};

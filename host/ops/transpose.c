/*
 * transpose.c — Transpose: any rank up to CLIQ_MAX_RANK (super_resolution's pixel shuffle is a
 * rank-6 transpose), perm defaulting to the reversed axes. Output axis k reads input axis
 * perm[k]: a strided box whose source strides are the input strides permuted
 * (cl_kernels/strided_copy.cl; after merging, NHWC->NCHW is a [C, HW] box read with stride C).
 */
#include "data_util.h"

static cliq_status transpose_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, "perm"); }

static cliq_status transpose_perm(const cliq__opctx *oc, int *perm) {
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t p[CLIQ_MAX_RANK + 1];
  long n = cliq__attr_ints(cliq__op_node(oc), "perm", p, CLIQ_MAX_RANK + 1);
  if (n < 0) {
    for (int k = 0; k < x->rank; k++) perm[k] = x->rank - 1 - k;
    return CLIQ_STATUS_OK;
  }
  if (n != x->rank)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "perm has %ld entries but input '%s' has rank %d", n, x->name, x->rank);
  bool seen[CLIQ_MAX_RANK] = {false};
  for (int k = 0; k < x->rank; k++) {
    if (p[k] < 0 || p[k] >= x->rank || seen[p[k]])
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "perm is not a permutation of 0..%d (entry %d is %lld)", x->rank - 1,
                           k, (long long)p[k]);
    seen[p[k]] = true;
    perm[k] = (int)p[k];
  }
  return CLIQ_STATUS_OK;
}

static cliq_status transpose_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__value *x = cliq__op_in(oc, 0);
  int perm[CLIQ_MAX_RANK];
  CLIQ__TRY(transpose_perm(oc, perm));
  int64_t dims[CLIQ_MAX_RANK];
  for (int k = 0; k < x->rank; k++) dims[k] = x->dims[perm[k]];
  return cliq__op_set_out(oc, 0, x->dtype, x->rank, dims);
}

static cliq__strided transpose_box(const cliq__value *x, const int *perm) {
  cliq__strided s = {0};
  int64_t in_stride[CLIQ_MAX_RANK];
  cliq__dense_strides(x->rank, x->dims, in_stride);
  s.rank = x->rank;
  for (int k = 0; k < x->rank; k++) {
    s.dims[k] = x->dims[perm[k]];
    s.src_stride[k] = in_stride[perm[k]];
  }
  cliq__dense_strides(x->rank, s.dims, s.dst_stride);
  return s;
}

static cliq_status transpose_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int perm[CLIQ_MAX_RANK];
  CLIQ__TRY(transpose_perm(oc, perm));
  cliq__strided s = transpose_box(cliq__op_in(oc, 0), perm);
  cliq__strided_simplify(&s);
  cliq__ref_strided_copy(cliq_dtype_size(in[0]->dtype), &s, in[0]->data, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status transpose_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, x));
  int perm[CLIQ_MAX_RANK];
  CLIQ__TRY(transpose_perm(&oc, perm));
  cliq__plan_strided_copy(p, node, n->inputs[0], n->outputs[0], x->dtype, transpose_box(x, perm));
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_Transpose = {"Transpose", "", 1, transpose_check, transpose_infer, transpose_ref, transpose_plan, 0, NULL, 0};

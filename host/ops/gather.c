/*
 * gather.c — Gather (ONNX opsets 1-13): any axis (negative counts from the back), int32/int64
 * indices of any rank including scalars, negative indices counted from the end, data of any
 * dtype. Reference: host/ref/gather.c; kernel: cl_kernels/gather.cl. Out-of-range indices are an
 * error: at load when the indices are constant, in the reference at run time; the kernel clamps
 * them (it cannot report) so it never reads outside the data.
 */
#include "data_util.h"

#include <stdio.h>
#include <stdlib.h>

static cliq_status gather_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, "axis"); }

static cliq_status gather_axis(const cliq__opctx *oc, int *axis) {
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t a = cliq__attr_int(cliq__op_node(oc), "axis", 0);
  if (x->rank < 1) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' is a scalar; Gather needs rank >= 1", x->name);
  if (!cliq__norm_axis(a, x->rank, axis))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d", (long long)a,
                         x->name, x->rank);
  return CLIQ_STATUS_OK;
}

/* Normalises index i of t against dim (negative from the end); fails when out of range. */
static cliq_status read_indices(const cliq__opctx *oc, const cliq__tensor *t, int64_t dim, cliq_status status, int64_t **out) {
  size_t n = cliq__tensor_elems(t);
  int64_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx) return CLIQ_STATUS_OUT_OF_MEMORY;
  for (size_t i = 0; i < n; i++) {
    int64_t v = cliq__tensor_get_i64(t, i);
    if (v < -dim || v >= dim) {
      free(idx);
      return cliq__op_fail(oc, status, "index %lld at position %zu of input '%s' is out of range for an axis of size %lld",
                           (long long)v, i, cliq__op_in(oc, 1)->name, (long long)dim);
    }
    idx[i] = v < 0 ? v + dim : v;
  }
  *out = idx;
  return CLIQ_STATUS_OK;
}

static cliq_status gather_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT_INTS));
  const cliq__value *x = cliq__op_in(oc, 0), *ind = cliq__op_in(oc, 1);
  int axis;
  CLIQ__TRY(gather_axis(oc, &axis));
  int r = x->rank - 1 + ind->rank;
  if (r > CLIQ_MAX_RANK)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "the output would have rank %d; cliq supports up to %d", r, CLIQ_MAX_RANK);
  int64_t dims[CLIQ_MAX_RANK];
  int k = 0;
  for (int i = 0; i < axis; i++) dims[k++] = x->dims[i];
  for (int i = 0; i < ind->rank; i++) dims[k++] = ind->dims[i];
  for (int i = axis + 1; i < x->rank; i++) dims[k++] = x->dims[i];
  if (ind->constant) {
    int64_t *idx;
    CLIQ__TRY(read_indices(oc, ind->constant, x->dims[axis], CLIQ_STATUS_INVALID_MODEL, &idx));
    free(idx);
  }
  return cliq__op_set_out(oc, 0, x->dtype, r, dims);
}

/* outer = prod(dims before axis), inner = prod(dims after axis) */
static void gather_geometry(const cliq__value *x, int axis, size_t *outer, size_t *inner) {
  *outer = *inner = 1;
  for (int i = 0; i < axis; i++) *outer *= (size_t)x->dims[i];
  for (int i = axis + 1; i < x->rank; i++) *inner *= (size_t)x->dims[i];
}

static cliq_status gather_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int axis;
  CLIQ__TRY(gather_axis(oc, &axis));
  size_t outer, inner;
  gather_geometry(cliq__op_in(oc, 0), axis, &outer, &inner);
  int64_t *idx;
  CLIQ__TRY(read_indices(oc, in[1], in[0]->dims[axis], CLIQ_STATUS_INVALID_ARGUMENT, &idx));
  cliq__ref_gather(cliq_dtype_size(in[0]->dtype), outer, (size_t)in[0]->dims[axis], inner, idx, cliq__tensor_elems(in[1]),
                   in[0]->data, out[0]->data);
  free(idx);
  return CLIQ_STATUS_OK;
}

static cliq_status gather_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0), *ind = cliq__op_in(&oc, 1), *y = cliq__op_out(&oc, 0);
  int axis;
  CLIQ__TRY(gather_axis(&oc, &axis));
  CLIQ__TRY(cliq__op_check_i32(&oc, x));
  CLIQ__TRY(cliq__op_check_i32(&oc, y));
  size_t outer, inner, n_idx;
  gather_geometry(x, axis, &outer, &inner);
  cliq__shape_elems(ind->rank, ind->dims, &n_idx);
  cliq__data_tuning tune = cliq__data_tune(p);
  size_t vec = cliq__data_vec(&tune, cliq_dtype_size(x->dtype));
  size_t chunks = (inner + vec - 1) / vec, items = outer * n_idx * chunks;
  if (items == 0) return CLIQ_STATUS_OK;
  char opts[96];
  snprintf(opts, sizeof opts, "%s -DIDX=%s -DVEC=%zu", cliq__elem_option(x->dtype),
           ind->dtype == CLIQ_DTYPE_INT64 ? "long" : "int", vec);
  cliq__launch *L = cliq__plan_kernel(p, node, "gather", opts, "gather");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->inputs[1]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, (int32_t)x->dims[axis]);
  cliq__arg_i32(L, (int32_t)inner);
  cliq__arg_i32(L, (int32_t)n_idx);
  cliq__arg_i32(L, (int32_t)chunks);
  cliq__arg_i32(L, (int32_t)items);
  size_t gws = items, lws = tune.wg;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_Gather = {"Gather", "", 1, gather_check, gather_infer, gather_ref, gather_plan, 0, NULL, 0};

/*
 * expand.c — Expand (opset 8+: numpy broadcast of the input to a constant shape, either side may
 * be 1) and Tile (opset 6+: the input repeated repeats[k] times along each axis). Both are
 * strided boxes read with stride 0: Expand over the broadcast dims; Tile over an interleaved shape
 * (repeats[0], dims[0], repeats[1], dims[1], ...) whose repeat dims have source stride 0.
 * Kernel: cl_kernels/strided_copy.cl.
 */
#include "data_util.h"

/* --- Expand ---------------------------------------------------------------------------------- */
static cliq_status expand_shape(const cliq__opctx *oc, int *rank, int64_t *dims) {
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t shape[CLIQ_MAX_RANK + 1];
  long n;
  CLIQ__TRY(cliq__op_ints_input(oc, 1, "shape", false, shape, CLIQ_MAX_RANK + 1, &n));
  if (n < 0) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input 1 (shape) is required");
  if (n > CLIQ_MAX_RANK)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "shape has %ld dims; cliq supports up to %d", n, CLIQ_MAX_RANK);
  for (long k = 0; k < n; k++)
    if (shape[k] < 0) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "shape[%ld] is %lld; dims must be >= 0", k, (long long)shape[k]);
  if (!cliq__broadcast_shape(x->rank, x->dims, (int)n, shape, rank, dims)) {
    char a[160], b[160];
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' %s cannot be broadcast to shape %s", x->name,
                         cliq__dims_str(x->rank, x->dims, a, sizeof a), cliq__dims_str((int)n, shape, b, sizeof b));
  }
  return CLIQ_STATUS_OK;
}

static cliq_status expand_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  int r;
  int64_t dims[CLIQ_MAX_RANK];
  CLIQ__TRY(expand_shape(oc, &r, dims));
  return cliq__op_set_out(oc, 0, cliq__op_in(oc, 0)->dtype, r, dims);
}

static cliq__strided expand_box(const cliq__value *x, const cliq__value *y) {
  cliq__strided s = {0};
  int64_t in_stride[CLIQ_MAX_RANK];
  cliq__dense_strides(x->rank, x->dims, in_stride);
  s.rank = y->rank;
  for (int k = 0; k < y->rank; k++) {
    int kx = k - (y->rank - x->rank); /* right-aligned input axis */
    s.dims[k] = y->dims[k];
    s.src_stride[k] = kx >= 0 && x->dims[kx] != 1 ? in_stride[kx] : 0;
  }
  cliq__dense_strides(y->rank, y->dims, s.dst_stride);
  return s;
}

static cliq_status expand_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  cliq__strided s = expand_box(cliq__op_in(oc, 0), cliq__op_out(oc, 0));
  cliq__strided_simplify(&s);
  cliq__ref_strided_copy(cliq_dtype_size(in[0]->dtype), &s, in[0]->data, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status expand_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0), *y = cliq__op_out(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, y));
  cliq__plan_strided_copy(p, node, n->inputs[0], n->outputs[0], x->dtype, expand_box(x, y));
  return cliq__plan_status(p);
}

/* --- Tile ------------------------------------------------------------------------------------ */
static cliq_status tile_repeats(const cliq__opctx *oc, int64_t *reps) {
  const cliq__value *x = cliq__op_in(oc, 0);
  long n;
  CLIQ__TRY(cliq__op_ints_input(oc, 1, "repeats", false, reps, CLIQ_MAX_RANK, &n));
  if (n != x->rank)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "repeats has %ld entries but input '%s' has rank %d; they must match", n,
                         x->name, x->rank);
  for (long k = 0; k < n; k++)
    if (reps[k] < 0)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "repeats[%ld] is %lld; repeats must be >= 0", k, (long long)reps[k]);
  return CLIQ_STATUS_OK;
}

static cliq_status tile_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__value *x = cliq__op_in(oc, 0);
  if (x->rank < 1) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' is a scalar; Tile needs rank >= 1", x->name);
  int64_t reps[CLIQ_MAX_RANK], dims[CLIQ_MAX_RANK];
  CLIQ__TRY(tile_repeats(oc, reps));
  for (int k = 0; k < x->rank; k++) {
    if (reps[k] && x->dims[k] > INT64_MAX / reps[k])
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "the output dim %d overflows", k);
    dims[k] = x->dims[k] * reps[k];
  }
  return cliq__op_set_out(oc, 0, x->dtype, x->rank, dims);
}

static cliq__strided tile_box(const cliq__value *x, const int64_t *reps) {
  cliq__strided s = {0};
  int64_t in_stride[CLIQ_MAX_RANK], out_dims[CLIQ_MAX_RANK], out_stride[CLIQ_MAX_RANK];
  cliq__dense_strides(x->rank, x->dims, in_stride);
  for (int k = 0; k < x->rank; k++) out_dims[k] = x->dims[k] * reps[k];
  cliq__dense_strides(x->rank, out_dims, out_stride);
  s.rank = 2 * x->rank;
  for (int k = 0; k < x->rank; k++) {
    s.dims[2 * k] = reps[k];
    s.src_stride[2 * k] = 0;
    s.dst_stride[2 * k] = x->dims[k] * out_stride[k];
    s.dims[2 * k + 1] = x->dims[k];
    s.src_stride[2 * k + 1] = in_stride[k];
    s.dst_stride[2 * k + 1] = out_stride[k];
  }
  return s;
}

static cliq_status tile_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int64_t reps[CLIQ_MAX_RANK];
  CLIQ__TRY(tile_repeats(oc, reps));
  cliq__strided s = tile_box(cliq__op_in(oc, 0), reps);
  cliq__strided_simplify(&s);
  cliq__ref_strided_copy(cliq_dtype_size(in[0]->dtype), &s, in[0]->data, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status tile_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0), *y = cliq__op_out(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, y));
  int64_t reps[CLIQ_MAX_RANK];
  CLIQ__TRY(tile_repeats(&oc, reps));
  cliq__plan_strided_copy(p, node, n->inputs[0], n->outputs[0], x->dtype, tile_box(x, reps));
  return cliq__plan_status(p);
}

static cliq_status no_attrs(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

const cliq__op_def cliq__op_Expand = {"Expand", "", 8, no_attrs, expand_infer, expand_ref, expand_plan, 0, NULL, 1u << 1};
const cliq__op_def cliq__op_Tile = {"Tile", "", 6, no_attrs, tile_infer, tile_ref, tile_plan, 0, NULL, 1u << 1};

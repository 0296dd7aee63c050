/*
 * qconcat.c — cliq's internal int8 QConcat (domain "cliq"), made by QDQ lowering from a Concat
 * whose inputs do not all share the output's quantization (with equal ones the standard Concat
 * runs on int8 directly).
 *
 *   QConcat(x_1, ..., x_n) -> y, attribute axis (as Concat): int8 values with per-tensor
 *   quantization; x_i is requantized to y's scale and zero point with cliq_requant of
 *   (x_i - z_i) and the Q31 multiplier of s_i / s_y, or copied when (s_i, z_i) = (s_y, z_y).
 * Reference: host/ref/concat_q8.c; kernel: cl_kernels/concat_q8.cl (one launch per input that is
 * requantized; inputs already in the output's quantization use the strided copy of data_util.h).
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "data_util.h"
#include "quant_util.h"

#include <string.h>

/* Per input: its (mult, shift) to the output, mult 0 for a plain copy. */
static cliq_status input_params(const cliq__opctx *oc, size_t i, int32_t *zx, int32_t *mult, int32_t *shift, int32_t *zy) {
  float sx, sy;
  int z1, z2;
  CLIQ__TRY(cliq__op_value_quant(oc, cliq__op_in(oc, i), &sx, &z1));
  CLIQ__TRY(cliq__op_value_quant(oc, cliq__op_out(oc, 0), &sy, &z2));
  *zx = z1, *zy = z2;
  if (sx == sy && z1 == z2) {
    *mult = 0, *shift = 0;
    return CLIQ_STATUS_OK;
  }
  return cliq__op_multiplier(oc, (double)sx / sy, "s_in/s_out", mult, shift);
}

/* outer (product of dims before axis), each input's and the output's row length from axis on. */
static void rows(const cliq__opctx *oc, int axis, size_t *outer, size_t *inner_y) {
  const cliq__value *y = cliq__op_out(oc, 0);
  size_t o, c, in;
  cliq__axis_split(y->rank, y->dims, axis, &o, &c, &in);
  *outer = o;
  *inner_y = c * in;
}

static size_t inner_of(const cliq__value *v, int axis) {
  size_t o, c, in;
  cliq__axis_split(v->rank, v->dims, axis, &o, &c, &in);
  return c * in;
}

static cliq_status qconcat_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "axis"));
  if (!cliq__node_attr(cliq__op_node(oc), "axis"))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute axis is required");
  return CLIQ_STATUS_OK;
}

static cliq_status axis_of(const cliq__opctx *oc, int *axis) {
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t a = cliq__attr_int(cliq__op_node(oc), "axis", 0);
  if (!cliq__norm_axis(a, x->rank, axis))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for rank %d", (long long)a, x->rank);
  return CLIQ_STATUS_OK;
}

static cliq_status qconcat_infer(cliq__opctx *oc) {
  size_t n = cliq__op_n_in(oc);
  CLIQ__TRY(cliq__op_check_arity(oc, 1, n ? n : 1, 1, 1));
  for (size_t i = 0; i < n; i++) CLIQ__TRY(cliq__op_check_dtype(oc, i, CLIQ__DT(CLIQ_DTYPE_INT8)));
  const cliq__value *x0 = cliq__op_in(oc, 0);
  int axis;
  CLIQ__TRY(axis_of(oc, &axis));
  int64_t dims[CLIQ_MAX_RANK];
  memcpy(dims, x0->dims, sizeof dims);
  dims[axis] = 0;
  for (size_t i = 0; i < n; i++) {
    const cliq__value *x = cliq__op_in(oc, i);
    if (x->rank != x0->rank)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' has rank %d but '%s' has %d", x->name, x->rank, x0->name,
                           x0->rank);
    for (int d = 0; d < x->rank; d++)
      if (d != axis && x->dims[d] != x0->dims[d])
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                             "input '%s' has %lld at dim %d but '%s' has %lld: only the concatenation axis (%d) may differ",
                             x->name, (long long)x->dims[d], d, x0->name, (long long)x0->dims[d], axis);
    dims[axis] += x->dims[axis];
  }
  CLIQ__TRY(cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT8, x0->rank, dims));
  for (size_t i = 0; i < n; i++) {
    int32_t zx, m, s, zy;
    CLIQ__TRY(input_params(oc, i, &zx, &m, &s, &zy));
  }
  return CLIQ_STATUS_OK;
}

static cliq_status qconcat_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int axis;
  CLIQ__TRY(axis_of(oc, &axis));
  size_t outer, inner_y, offset = 0;
  rows(oc, axis, &outer, &inner_y);
  for (size_t i = 0; i < cliq__op_n_in(oc); i++) {
    int32_t zx, m, s, zy;
    CLIQ__TRY(input_params(oc, i, &zx, &m, &s, &zy));
    size_t inner_x = inner_of(cliq__op_in(oc, i), axis);
    cliq__ref_concat_q8(in[i]->data, out[0]->data, outer, inner_x, inner_y, offset, zx, m, s, zy);
    offset += inner_x;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status qconcat_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  int axis, total;
  CLIQ__TRY(axis_of(&oc, &axis));
  CLIQ__TRY(cliq__op_elems_i32(&oc, cliq__op_out(&oc, 0), &total));
  size_t outer, inner_y, offset = 0;
  rows(&oc, axis, &outer, &inner_y);
  for (size_t i = 0; i < n->n_inputs; i++) {
    int32_t zx, m, s, zy;
    CLIQ__TRY(input_params(&oc, i, &zx, &m, &s, &zy));
    size_t inner_x = inner_of(cliq__op_in(&oc, i), axis);
    if (inner_x && outer && m == 0) {
      /* same quantization: the data-movement ops' strided copy (a [outer, inner_x] box) */
      cliq__strided box = {2, {(int64_t)outer, (int64_t)inner_x}, {(int64_t)inner_x, 1}, {(int64_t)inner_y, 1}, 0, (int64_t)offset};
      cliq__plan_strided_copy(p, node, n->inputs[i], n->outputs[0], CLIQ_DTYPE_INT8, box);
    } else if (inner_x && outer) {
      cliq__launch *L = cliq__plan_kernel(p, node, "concat_q8", NULL, "concat_q8");
      cliq__arg_value(L, n->inputs[i]);
      cliq__arg_value(L, n->outputs[0]);
      cliq__arg_i32(L, (int32_t)outer);
      cliq__arg_i32(L, (int32_t)inner_x);
      cliq__arg_i32(L, (int32_t)inner_y);
      cliq__arg_i32(L, (int32_t)offset);
      cliq__arg_i32(L, zx);
      cliq__arg_i32(L, m);
      cliq__arg_i32(L, s);
      cliq__arg_i32(L, zy);
      size_t gws[2] = {(inner_x + 15) / 16, outer};
      size_t wide[2] = {64, 1}, narrow[2] = {1, 64};
      cliq__launch_range(L, 2, gws, gws[0] >= 32 ? wide : narrow);
    }
    offset += inner_x;
  }
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_QConcat = {"QConcat", "cliq", 1, qconcat_check, qconcat_infer, qconcat_ref, qconcat_plan, 0, NULL};

/*
 * argmax.c — ArgMax and ArgMin (opsets 1-13: axis, keepdims; select_last_index from 12): int64
 * indices along one axis, e.g. the class map of a segmentation head. Reference:
 * host/ref/argmax_f32.c; kernel: cl_kernels/argmax_f32.cl.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "launch_dims.h"

#include <stdio.h>
#include <string.h>

static bool is_min(const cliq__opctx *oc) { return strcmp(cliq__op_node(oc)->op_type, "ArgMin") == 0; }

static cliq_status argmax_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "axis,keepdims,select_last_index"));
  int64_t k = cliq__attr_int(cliq__op_node(oc), "keepdims", 1);
  if (k != 0 && k != 1)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute keepdims is %lld; it must be 0 or 1", (long long)k);
  return CLIQ_STATUS_OK;
}

/* [outer, d, inner] around the axis, and the output dims. */
static cliq_status argmax_view(const cliq__opctx *oc, size_t *outer, size_t *d, size_t *inner, int *rank, int64_t *dims) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0);
  int axis;
  int64_t a = cliq__attr_int(n, "axis", 0);
  if (!cliq__norm_axis(a, x->rank, &axis))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d", (long long)a,
                         x->name, x->rank);
  if (x->dims[axis] == 0)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' has no element along axis %d to pick an index from",
                         x->name, axis);
  bool keep = cliq__attr_int(n, "keepdims", 1) != 0;
  *outer = *d = *inner = 1;
  *rank = 0;
  for (int i = 0; i < x->rank; i++) {
    size_t v = (size_t)x->dims[i];
    if (i < axis) *outer *= v;
    else if (i == axis) *d = v;
    else *inner *= v;
    if (i != axis) dims[(*rank)++] = x->dims[i];
    else if (keep) dims[(*rank)++] = 1;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status argmax_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_FLOAT | CLIQ__DT_INTS | CLIQ__DT_Q8));
  size_t o, d, i;
  int rank;
  int64_t dims[CLIQ_MAX_RANK];
  CLIQ__TRY(argmax_view(oc, &o, &d, &i, &rank, dims));
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT64, rank, dims);
}

static cliq_status argmax_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  size_t o, d, i;
  int rank;
  int64_t dims[CLIQ_MAX_RANK];
  CLIQ__TRY(argmax_view(oc, &o, &d, &i, &rank, dims));
  int last = (int)cliq__attr_int(cliq__op_node(oc), "select_last_index", 0);
  cliq__ref_argmax(is_min(oc), last != 0, in[0]->dtype, in[0]->data, o, d, i, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status argmax_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  size_t o, d, i, elems;
  int rank;
  int64_t dims[CLIQ_MAX_RANK];
  CLIQ__TRY(argmax_view(&oc, &o, &d, &i, &rank, dims));
  if (!cliq__shape_elems(x->rank, x->dims, &elems) || elems > INT32_MAX)
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has 2^31 or more elements (32-bit indexing)", x->name);
  if (o * i == 0) return CLIQ_STATUS_OK;
  const char *t = x->dtype == CLIQ_DTYPE_FLOAT32 ? "float"
                  : x->dtype == CLIQ_DTYPE_INT32 ? "int"
                  : x->dtype == CLIQ_DTYPE_INT64 ? "long"
                  : x->dtype == CLIQ_DTYPE_INT8  ? "char"
                                                 : "uchar";
  char opts[96];
  snprintf(opts, sizeof opts, "-DT=%s%s", t, x->dtype == CLIQ_DTYPE_FLOAT32 ? " -DT_IS_FLOAT=1" : "");
  cliq__launch *L = cliq__plan_kernel(p, node, "argmax_f32", opts, "argmax");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, (int32_t)o);
  cliq__arg_i32(L, (int32_t)d);
  cliq__arg_i32(L, (int32_t)i);
  cliq__arg_i32(L, is_min(&oc));
  cliq__arg_i32(L, cliq__attr_int(n, "select_last_index", 0) != 0);
  cliq__math_range(L, o * i);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_ArgMax = {"ArgMax", "", 1, argmax_check, argmax_infer, argmax_ref, argmax_plan, 0, NULL};
const cliq__op_def cliq__op_ArgMin = {"ArgMin", "", 1, argmax_check, argmax_infer, argmax_ref, argmax_plan, 0, NULL};

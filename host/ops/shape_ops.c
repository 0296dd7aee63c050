/*
 * shape_ops.c — ops computed from shapes alone: Shape and Size (CLIQ__OP_SHAPE_ONLY: always folded
 * once a session binds dims; their reference reads in[0]'s dims only, its data may be NULL), and
 * ConstantOfShape (its shape input must be constant, so it is always folded too). None has a
 * kernel.
 */
#include "data_util.h"

#include <string.h>

/* --- Shape (Shape-15: start/end slice the shape, Python-style, clamped) ------------------------ */
static void shape_range(const cliq__node *n, int rank, int *start, int *end) {
  int64_t s = 0, e = rank;
  if (n->opset >= 15) {
    s = cliq__attr_int(n, "start", 0);
    e = cliq__attr_int(n, "end", rank);
  }
  if (s < 0) s += rank;
  if (e < 0) e += rank;
  s = s < 0 ? 0 : s > rank ? rank : s;
  e = e < 0 ? 0 : e > rank ? rank : e;
  *start = (int)s;
  *end = (int)(e < s ? s : e);
}

static cliq_status shape_check(cliq__opctx *oc) {
  return cliq__op_check_attrs(oc, cliq__op_node(oc)->opset >= 15 ? "start,end" : "");
}

static cliq_status shape_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  int s, e;
  shape_range(cliq__op_node(oc), cliq__op_in(oc, 0)->rank, &s, &e);
  int64_t d = e - s;
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT64, 1, &d);
}

static cliq_status shape_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int s, e;
  shape_range(cliq__op_node(oc), in[0]->rank, &s, &e);
  for (int k = s; k < e; k++) ((int64_t *)out[0]->data)[k - s] = in[0]->dims[k];
  return CLIQ_STATUS_OK;
}

/* --- Size ---------------------------------------------------------------------------------- */
static cliq_status size_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT64, 0, NULL);
}

static cliq_status size_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  size_t n;
  if (!cliq__shape_elems(in[0]->rank, in[0]->dims, &n) || n > (size_t)INT64_MAX)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "the input's element count overflows");
  ((int64_t *)out[0]->data)[0] = (int64_t)n;
  return CLIQ_STATUS_OK;
}

static cliq_status no_attrs(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

/* --- ConstantOfShape ------------------------------------------------------------------------- */
static cliq_status cos_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "value"));
  const cliq__attr *a = cliq__node_attr(cliq__op_node(oc), "value");
  if (a && (a->type != CLIQ__ATTR_TENSOR || !a->t || cliq__tensor_elems(a->t) != 1))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute 'value' must be a tensor of one element");
  return CLIQ_STATUS_OK;
}

static cliq_status cos_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cos_check(oc));
  int64_t dims[CLIQ_MAX_RANK + 1];
  long n;
  CLIQ__TRY(cliq__op_ints_input(oc, 0, "shape", false, dims, CLIQ_MAX_RANK + 1, &n));
  if (n > CLIQ_MAX_RANK)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "the output would have rank %ld; cliq supports up to %d", n, CLIQ_MAX_RANK);
  for (long k = 0; k < n; k++)
    if (dims[k] < 0)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "shape[%ld] is %lld; dims must be >= 0", k, (long long)dims[k]);
  const cliq__attr *a = cliq__node_attr(cliq__op_node(oc), "value");
  return cliq__op_set_out(oc, 0, a ? a->t->dtype : CLIQ_DTYPE_FLOAT32, (int)n, dims);
}

static cliq_status cos_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  const cliq__attr *a = cliq__node_attr(cliq__op_node(oc), "value");
  size_t es = cliq_dtype_size(out[0]->dtype), n = cliq__tensor_elems(out[0]);
  if (!a) return CLIQ_STATUS_OK; /* float 0: the output is allocated zero-filled */
  char *d = out[0]->data;
  for (size_t i = 0; i < n; i++) memcpy(d + i * es, a->t->data, es);
  return CLIQ_STATUS_OK;
}

const cliq__op_def cliq__op_Shape = {"Shape", "", 1, shape_check, shape_infer, shape_ref, NULL, CLIQ__OP_SHAPE_ONLY, NULL, 0};
const cliq__op_def cliq__op_Size = {"Size", "", 1, no_attrs, size_infer, size_ref, NULL, CLIQ__OP_SHAPE_ONLY, NULL, 0};
const cliq__op_def cliq__op_ConstantOfShape = {"ConstantOfShape", "", 9, cos_check, cos_infer, cos_ref, NULL, 0, NULL, 1u << 0};

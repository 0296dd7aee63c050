/*
 * views.c — ops whose output is input 0 with another shape: Identity, Dropout (inference),
 * Reshape, Flatten, Squeeze, Unsqueeze. They are CLIQ__OP_ALIAS: no launch, the memory planner
 * gives the output the input's storage; their reference copies the bytes.
 * Shape-deciding inputs (Reshape's shape, Squeeze/Unsqueeze axes) must be constant when a session
 * is planned; Shape->Gather->Concat chains are folded by then (host/shape.c).
 */
#include "data_util.h"

#include <string.h>

static cliq_status set_view(const cliq__opctx *oc, int rank, const int64_t *dims) {
  const cliq__value *x = cliq__op_in(oc, 0);
  size_t a, b;
  cliq__shape_elems(x->rank, x->dims, &a);
  if (!cliq__shape_elems(rank, dims, &b) || a != b) {
    char s1[160], s2[160];
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' %s has %zu elements but the output shape %s has %zu",
                         x->name, cliq__dims_str(x->rank, x->dims, s1, sizeof s1), a, cliq__dims_str(rank, dims, s2, sizeof s2), b);
  }
  return cliq__op_set_out(oc, 0, x->dtype, rank, dims);
}

/* --- Identity -------------------------------------------------------------------------------- */
static cliq_status identity_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__value *x = cliq__op_in(oc, 0);
  return set_view(oc, x->rank, x->dims);
}

static cliq_status no_attrs(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

/* --- Dropout: inference only, output 0 = input ------------------------------------------------ */
static cliq_status dropout_check(cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  CLIQ__TRY(cliq__op_check_attrs(oc, "ratio,seed,is_test"));
  /* Dropout-1/6 ran in training mode unless is_test was set */
  if (n->opset < 7 && cliq__attr_int(n, "is_test", 0) == 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "attribute 'is_test' is 0 (training mode); cliq runs inference only");
  if (n->n_outputs > 1 && n->outputs[1] >= 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "output 1 (mask) is used; cliq supports Dropout's data output only");
  return CLIQ_STATUS_OK;
}

static cliq_status dropout_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 3, 1, 2));
  CLIQ__TRY(dropout_check(oc));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__value *t = cliq__op_in(oc, 2);
  if (t) {
    if (!t->constant || cliq__tensor_elems(t->constant) != 1)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                           "input '%s' (training_mode) must be a constant scalar false; cliq runs inference only", t->name);
    if (cliq__tensor_get_i64(t->constant, 0) != 0)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' (training_mode) is true; cliq runs inference only", t->name);
  }
  const cliq__value *x = cliq__op_in(oc, 0);
  return set_view(oc, x->rank, x->dims);
}

/* --- Reshape ------------------------------------------------------------------------------- */
static cliq_status reshape_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, "allowzero"); }

static cliq_status reshape_infer(cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t shape[CLIQ_MAX_RANK + 1];
  long count;
  CLIQ__TRY(cliq__op_ints_input(oc, 1, "shape", false, shape, CLIQ_MAX_RANK + 1, &count));
  if (count > CLIQ_MAX_RANK)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "the new shape has %ld dims; cliq supports up to %d", count, CLIQ_MAX_RANK);
  bool allowzero = n->opset >= 14 && cliq__attr_int(n, "allowzero", 0) != 0;
  int64_t dims[CLIQ_MAX_RANK];
  int infer_at = -1;
  bool has_zero = false;
  for (long k = 0; k < count; k++) {
    int64_t v = shape[k];
    if (v == 0 && !allowzero) {
      if (k >= x->rank)
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL,
                             "shape[%ld] is 0 (copy the input dim) but input '%s' has only %d dims", k, x->name, x->rank);
      dims[k] = x->dims[k];
    } else if (v == -1) {
      if (infer_at >= 0)
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "shape has -1 at dims %d and %ld; at most one may be -1", infer_at, k);
      infer_at = (int)k;
      dims[k] = 1;
    } else if (v < 0) {
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "shape[%ld] is %lld; dims must be >= -1", k, (long long)v);
    } else {
      if (v == 0) has_zero = true;
      dims[k] = v;
    }
  }
  if (allowzero && has_zero && infer_at >= 0)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "allowzero is 1 and shape holds both 0 and -1, which the spec forbids");
  if (infer_at >= 0) {
    size_t total, rest;
    cliq__shape_elems(x->rank, x->dims, &total);
    if (!cliq__shape_elems((int)count, dims, &rest))
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "the new shape overflows");
    if (rest == 0 || total % rest != 0) {
      char s1[160];
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                           "cannot infer the -1 dim: input '%s' %s has %zu elements, not a multiple of the other dims' %zu",
                           x->name, cliq__dims_str(x->rank, x->dims, s1, sizeof s1), total, rest);
    }
    dims[infer_at] = (int64_t)(total / rest);
  }
  return set_view(oc, (int)count, dims);
}

/* --- Flatten --------------------------------------------------------------------------------- */
static cliq_status flatten_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, "axis"); }

static cliq_status flatten_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t axis = cliq__attr_int(n, "axis", 1);
  int64_t lo = n->opset >= 11 ? -x->rank : 0; /* negative axes from Flatten-11 */
  if (axis < lo || axis > x->rank)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d (allowed: [%lld, %d])",
                         (long long)axis, x->name, x->rank, (long long)lo, x->rank);
  if (axis < 0) axis += x->rank;
  int64_t dims[2] = {1, 1};
  for (int k = 0; k < x->rank; k++) dims[k < axis ? 0 : 1] *= x->dims[k];
  return set_view(oc, 2, dims);
}

/* --- Squeeze / Unsqueeze (axes as input: import rewrites the opset < 13 attribute) ------------- */
static cliq_status squeeze_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t axes[CLIQ_MAX_RANK];
  long n;
  CLIQ__TRY(cliq__op_ints_input(oc, 1, "axes", false, axes, CLIQ_MAX_RANK, &n));
  bool drop[CLIQ_MAX_RANK] = {false};
  if (n < 0) { /* no axes: every dim of size 1 */
    for (int k = 0; k < x->rank; k++) drop[k] = x->dims[k] == 1;
  } else {
    int ax[CLIQ_MAX_RANK];
    CLIQ__TRY(cliq__op_norm_axes(oc, "axes", x->rank, axes, n, ax));
    for (long k = 0; k < n; k++) {
      if (x->dims[ax[k]] != 1)
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "axis %d of input '%s' has size %lld; only size-1 dims can be squeezed",
                             ax[k], x->name, (long long)x->dims[ax[k]]);
      drop[ax[k]] = true;
    }
  }
  int64_t dims[CLIQ_MAX_RANK];
  int r = 0;
  for (int k = 0; k < x->rank; k++)
    if (!drop[k]) dims[r++] = x->dims[k];
  return set_view(oc, r, dims);
}

static cliq_status unsqueeze_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t axes[CLIQ_MAX_RANK + 1];
  long n;
  CLIQ__TRY(cliq__op_ints_input(oc, 1, "axes", true, axes, CLIQ_MAX_RANK + 1, &n));
  int r = x->rank + (int)n;
  if (r > CLIQ_MAX_RANK)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "the output would have rank %d; cliq supports up to %d", r, CLIQ_MAX_RANK);
  int ax[CLIQ_MAX_RANK];
  CLIQ__TRY(cliq__op_norm_axes(oc, "axes", r, axes, n, ax));
  bool is_new[CLIQ_MAX_RANK] = {false};
  for (long k = 0; k < n; k++) is_new[ax[k]] = true;
  int64_t dims[CLIQ_MAX_RANK];
  for (int k = 0, j = 0; k < r; k++) dims[k] = is_new[k] ? 1 : x->dims[j++];
  return set_view(oc, r, dims);
}

#define VIEW_OP(T, since, check, infer, consts)                                                          \
  const cliq__op_def cliq__op_##T = {#T, "", since, check, infer, cliq__ref_view_copy, NULL, CLIQ__OP_ALIAS, NULL, consts};
VIEW_OP(Identity, 1, no_attrs, identity_infer, 0)
VIEW_OP(Dropout, 1, dropout_check, dropout_infer, 1u << 2)
VIEW_OP(Reshape, 5, reshape_check, reshape_infer, 1u << 1)
VIEW_OP(Flatten, 1, flatten_check, flatten_infer, 0)
VIEW_OP(Squeeze, 1, no_attrs, squeeze_infer, 1u << 1)
VIEW_OP(Unsqueeze, 1, no_attrs, unsqueeze_infer, 1u << 1)

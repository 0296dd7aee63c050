/*
 * cast.c — Cast (opset 6+: `to` as a dtype number; Cast-19's `saturate` only concerns float8 and
 * is accepted) and CastLike (opset 15+: the target dtype is input 1's), between float32, int8,
 * uint8, int32, int64 and bool. Conversions: cl_kernels/cast_convert.h; reference:
 * host/ref/cast.c; kernel: cl_kernels/cast.cl.
 */
#include "data_util.h"

#include <stdio.h>
#include <string.h>

static bool is_cast_like(const cliq__opctx *oc) { return strcmp(cliq__op_node(oc)->op_type, "CastLike") == 0; }

static cliq_status cast_check(cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  if (is_cast_like(oc)) return cliq__op_check_attrs(oc, "saturate");
  CLIQ__TRY(cliq__op_check_attrs(oc, "to,saturate"));
  const cliq__attr *a = cliq__node_attr(n, "to");
  if (!a || a->type != CLIQ__ATTR_INT) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute 'to' (an int) is required");
  if (cliq_dtype_size((cliq_dtype)a->i) == 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "attribute 'to' is ONNX type %lld; cliq casts to float32, int8, uint8, int32, int64 and bool only",
                         (long long)a->i);
  return CLIQ_STATUS_OK;
}

static cliq_dtype target(const cliq__opctx *oc) {
  if (is_cast_like(oc)) return cliq__op_in(oc, 1)->dtype;
  return (cliq_dtype)cliq__attr_int(cliq__op_node(oc), "to", 0);
}

static cliq_status cast_infer(cliq__opctx *oc) {
  bool like = is_cast_like(oc);
  CLIQ__TRY(cliq__op_check_arity(oc, like ? 2 : 1, like ? 2 : 1, 1, 1));
  CLIQ__TRY(cast_check(oc));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  if (like) CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT_ALL));
  const cliq__value *x = cliq__op_in(oc, 0);
  return cliq__op_set_out(oc, 0, target(oc), x->rank, x->dims);
}

static cliq_status cast_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  cliq__ref_cast(in[0]->dtype, out[0]->dtype, in[0]->data, out[0]->data, cliq__tensor_elems(in[0]));
  return CLIQ_STATUS_OK;
}

/* Name of each dtype in cast.cl's kernel names. */
static const char *kname(cliq_dtype d) {
  switch (d) {
  case CLIQ_DTYPE_FLOAT32: return "f32";
  case CLIQ_DTYPE_INT8: return "i8";
  case CLIQ_DTYPE_UINT8: return "u8";
  case CLIQ_DTYPE_BOOL: return "b8";
  case CLIQ_DTYPE_INT32: return "i32";
  default: return "i64";
  }
}

static cliq_status cast_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0), *y = cliq__op_out(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, x));
  size_t elems;
  cliq__shape_elems(x->rank, x->dims, &elems);
  if (elems == 0) return CLIQ_STATUS_OK;
  char kernel[32];
  snprintf(kernel, sizeof kernel, "cast_%s_%s", kname(x->dtype), kname(y->dtype));
  enum { VEC = 8 }; /* cast.cl's default */
  cliq__launch *L = cliq__plan_kernel(p, node, "cast", NULL, kernel);
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, (int32_t)elems);
  size_t gws = (elems + VEC - 1) / VEC, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_Cast = {"Cast", "", 6, cast_check, cast_infer, cast_ref, cast_plan, 0, NULL, 0};
const cliq__op_def cliq__op_CastLike = {"CastLike", "", 15, cast_check, cast_infer, cast_ref, cast_plan, 0, NULL, 0};

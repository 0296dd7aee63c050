/*
 * softmax.c — Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D at `axis`
 * (default 1) and normalised over all of dims[axis:]; from opset 13 over the single dim `axis`
 * (default -1). Both become "normalise the middle dim of [outer, d, inner]" (inner = 1 for the
 * old form). Numerically stable: the row maximum is subtracted before exp (norm_op.h).
 * Reference: host/ref/softmax_f32.c; kernels: cl_kernels/softmax_f32.cl.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "launch_dims.h"

#include <string.h>

#define VEC 8 /* columns per work-item of softmax_cols: must match -DVEC below */

static bool is_log(const cliq__opctx *oc) { return strcmp(cliq__op_node(oc)->op_type, "LogSoftmax") == 0; }

static cliq_status softmax_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, "axis"); }

/* The [outer, d, inner] view of the input. */
static cliq_status softmax_view(const cliq__opctx *oc, size_t *outer, size_t *d, size_t *inner) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0);
  bool old = n->opset < 13;
  int axis;
  int64_t a = cliq__attr_int(n, "axis", old ? 1 : -1);
  if (!cliq__norm_axis(a, x->rank, &axis))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d",
                         (long long)a, x->name, x->rank);
  *outer = *d = *inner = 1;
  for (int i = 0; i < x->rank; i++) {
    size_t v = (size_t)x->dims[i];
    if (i < axis)
      *outer *= v;
    else if (i == axis || old)
      *d *= v;
    else
      *inner *= v;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status softmax_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_FLOAT));
  const cliq__value *x = cliq__op_in(oc, 0);
  size_t o, d, i;
  CLIQ__TRY(softmax_view(oc, &o, &d, &i));
  return cliq__op_set_out(oc, 0, x->dtype, x->rank, x->dims);
}

static cliq_status softmax_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  size_t o, d, i;
  CLIQ__TRY(softmax_view(oc, &o, &d, &i));
  cliq__ref_softmax_f32(is_log(oc), in[0]->data, o, d, i, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status softmax_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  size_t o, d, i, elems;
  CLIQ__TRY(softmax_view(&oc, &o, &d, &i));
  const cliq__value *x = cliq__op_in(&oc, 0);
  if (!cliq__shape_elems(x->rank, x->dims, &elems) || elems > INT32_MAX)
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has 2^31 or more elements (32-bit indexing)", x->name);
  if (elems == 0) return CLIQ_STATUS_OK;
  const char *opts = is_log(&oc) ? "-DLOG=1 -DVEC=8" : "-DLOG=0 -DVEC=8";
  cliq__launch *L = cliq__plan_kernel(p, node, "softmax_f32", opts, i == 1 ? "softmax_rows" : "softmax_cols");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, (int32_t)o);
  cliq__arg_i32(L, (int32_t)d);
  if (i == 1) {
    cliq__math_range(L, o);
  } else {
    cliq__arg_i32(L, (int32_t)i);
    cliq__math_range(L, cliq__div_up(i, VEC) * o);
  }
  return cliq__plan_status(p);
}

/* Not CLIQ__OP_ELEMENTWISE: the kernels keep exp(x - max) in y and read x again afterwards. */
const cliq__op_def cliq__op_Softmax = {"Softmax", "", 1, softmax_check, softmax_infer, softmax_ref, softmax_plan, 0, NULL};
const cliq__op_def cliq__op_LogSoftmax = {"LogSoftmax", "", 1, softmax_check, softmax_infer, softmax_ref, softmax_plan, 0,
                                          NULL};

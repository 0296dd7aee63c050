/*
 * unary.c — float elementwise activations: Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid,
 * HardSwish, Tanh, Exp, Elu, Selu, Softplus, Softsign. Each maps to (activation id, a, b) of activation.h, the same triple a
 * fused Conv epilogue uses. Reference: host/ref/unary_f32.c; kernel: cl_kernels/unary_f32.cl.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "activation.h"

#include <float.h>
#include <string.h>

/* (act, a, b) of a unary node; for Clip, min/max come from constant inputs (absent = unbounded). */
cliq_status cliq__unary_params(const cliq__opctx *oc, int *act, float *a, float *b) {
  const cliq__node *n = cliq__op_node(oc);
  const char *op = n->op_type;
  *a = 0.0f;
  *b = 0.0f;
  if (strcmp(op, "Relu") == 0) {
    *act = CLIQ_ACT_RELU;
  } else if (strcmp(op, "Clip") == 0) {
    *act = CLIQ_ACT_CLIP;
    *a = -FLT_MAX;
    *b = FLT_MAX;
    for (size_t i = 1; i <= 2; i++) {
      const cliq__value *v = cliq__op_in(oc, i);
      if (!v || !v->constant) continue; /* runtime bounds: read by the kernel (clip_f32_bounds) */
      if (cliq__tensor_elems(v->constant) != 1)
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' (%s) must be a scalar", v->name, i == 1 ? "min" : "max");
      float f = (float)cliq__tensor_get_f64(v->constant, 0);
      if (i == 1) *a = f;
      else *b = f;
    }
  } else if (strcmp(op, "LeakyRelu") == 0) {
    *act = CLIQ_ACT_LEAKY_RELU;
    *a = cliq__attr_float(n, "alpha", 0.01f);
  } else if (strcmp(op, "Sigmoid") == 0) {
    *act = CLIQ_ACT_SIGMOID;
  } else if (strcmp(op, "HardSigmoid") == 0) {
    *act = CLIQ_ACT_HARD_SIGMOID;
    *a = cliq__attr_float(n, "alpha", 0.2f);
    *b = cliq__attr_float(n, "beta", 0.5f);
  } else if (strcmp(op, "HardSwish") == 0) {
    *act = CLIQ_ACT_HARD_SWISH;
  } else if (strcmp(op, "Tanh") == 0) {
    *act = CLIQ_ACT_TANH;
  } else if (strcmp(op, "Exp") == 0) {
    *act = CLIQ_ACT_EXP;
  } else if (strcmp(op, "Elu") == 0) {
    *act = CLIQ_ACT_ELU;
    *a = cliq__attr_float(n, "alpha", 1.0f);
  } else if (strcmp(op, "Selu") == 0) {
    *act = CLIQ_ACT_SELU;
    *a = cliq__attr_float(n, "alpha", 1.67326319217681884765625f);
    *b = cliq__attr_float(n, "gamma", 1.05070102214813232421875f);
  } else if (strcmp(op, "Softplus") == 0) {
    *act = CLIQ_ACT_SOFTPLUS;
  } else if (strcmp(op, "Softsign") == 0) {
    *act = CLIQ_ACT_SOFTSIGN;
  } else {
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "is not a unary activation");
  }
  return CLIQ_STATUS_OK;
}

static cliq_status unary_check(cliq__opctx *oc) {
  const char *op = cliq__op_node(oc)->op_type;
  if (strcmp(op, "LeakyRelu") == 0) return cliq__op_check_attrs(oc, "alpha");
  if (strcmp(op, "HardSigmoid") == 0) return cliq__op_check_attrs(oc, "alpha,beta");
  if (strcmp(op, "Elu") == 0) return cliq__op_check_attrs(oc, "alpha");
  if (strcmp(op, "Selu") == 0) return cliq__op_check_attrs(oc, "alpha,gamma");
  /* Relu-1 .. Sigmoid-1 had a 'consumed_inputs' legacy attribute; opset >= 6 has none */
  return cliq__op_check_attrs(oc, "");
}

#define CLIP_INT_TYPES (CLIQ__DT_Q8 | CLIQ__DT_INTS)

static cliq_status unary_infer(cliq__opctx *oc) {
  bool clip = strcmp(cliq__op_node(oc)->op_type, "Clip") == 0;
  CLIQ__TRY(cliq__op_check_arity(oc, 1, clip ? 3 : 1, 1, 1));
  /* Clip-12+ is defined on integers too (bounds in the input's type) */
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, clip && oc->g->nodes[oc->node].opset >= 12 ? CLIQ__DT_FLOAT | CLIP_INT_TYPES : CLIQ__DT_FLOAT));
  for (size_t i = 1; clip && i <= 2; i++) {
    const cliq__value *v = cliq__op_in(oc, i);
    if (v && v->dtype != cliq__op_in(oc, 0)->dtype)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "bound '%s' is %s but input is %s: types must match", v->name,
                           cliq_dtype_name(v->dtype), cliq_dtype_name(cliq__op_in(oc, 0)->dtype));
  }
  const cliq__value *x = cliq__op_in(oc, 0);
  return cliq__op_set_out(oc, 0, x->dtype, x->rank, x->dims);
}

/* Clip's min/max may be runtime scalars (ONNX allows it; test_clip_splitbounds uses it). */
static bool clip_has_runtime_bounds(const cliq__opctx *oc) {
  if (strcmp(cliq__op_node(oc)->op_type, "Clip") != 0) return false;
  for (size_t i = 1; i <= 2; i++) {
    const cliq__value *v = cliq__op_in(oc, i);
    if (v && !v->constant) return true;
  }
  return false;
}

/* Integer Clip: bounds default to the type's range. */
static void clip_int_ref(const cliq__tensor *const *in, cliq__tensor *out) {
  const cliq__tensor *x = in[0];
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  if (in[1] && cliq__tensor_elems(in[1]) == 1) lo = cliq__tensor_get_i64(in[1], 0);
  if (in[2] && cliq__tensor_elems(in[2]) == 1) hi = cliq__tensor_get_i64(in[2], 0);
  size_t n = cliq__tensor_elems(x);
  for (size_t i = 0; i < n; i++) {
    int64_t v = cliq__tensor_get_i64(x, i);
    v = v < lo ? lo : (v > hi ? hi : v);
    switch (x->dtype) {
    case CLIQ_DTYPE_INT8: ((int8_t *)out->data)[i] = (int8_t)v; break;
    case CLIQ_DTYPE_UINT8: ((uint8_t *)out->data)[i] = (uint8_t)v; break;
    case CLIQ_DTYPE_INT32: ((int32_t *)out->data)[i] = (int32_t)v; break;
    default: ((int64_t *)out->data)[i] = v; break;
    }
  }
}

static const char *int_cl_type(cliq_dtype d) {
  switch (d) {
  case CLIQ_DTYPE_INT8: return "-DITYPE=char";
  case CLIQ_DTYPE_UINT8: return "-DITYPE=uchar";
  case CLIQ_DTYPE_INT32: return "-DITYPE=int";
  default: return "-DITYPE=long";
  }
}

static cliq_status unary_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int act;
  float a, b;
  if (in[0]->dtype != CLIQ_DTYPE_FLOAT32) {
    clip_int_ref(in, out[0]);
    return CLIQ_STATUS_OK;
  }
  CLIQ__TRY(cliq__unary_params(oc, &act, &a, &b));
  if (act == CLIQ_ACT_CLIP) {
    if (in[1] && cliq__tensor_elems(in[1]) == 1) a = (float)cliq__tensor_get_f64(in[1], 0);
    if (in[2] && cliq__tensor_elems(in[2]) == 1) b = (float)cliq__tensor_get_f64(in[2], 0);
  }
  cliq__ref_unary_f32(act, a, b, in[0]->data, out[0]->data, cliq__tensor_elems(in[0]));
  return CLIQ_STATUS_OK;
}

static cliq_status unary_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  int act;
  float a, b;
  CLIQ__TRY(cliq__unary_params(&oc, &act, &a, &b));
  const cliq__value *x = cliq__op_in(&oc, 0);
  size_t n;
  cliq__shape_elems(x->rank, x->dims, &n);
  if (n > INT32_MAX) return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "tensor '%s' has more than 2^31 elements", x->name);
  const cliq__node *nd = cliq__op_node(&oc);
  if (x->dtype != CLIQ_DTYPE_FLOAT32) {
    /* integer Clip: bounds as 1-element buffers (constants are uploaded like any value) */
    cliq__launch *L = cliq__plan_kernel(p, node, "clip_int", int_cl_type(x->dtype), "clip_int");
    cliq__arg_value(L, nd->inputs[0]);
    cliq__arg_value(L, nd->outputs[0]);
    cliq__arg_i32(L, (int32_t)n);
    for (size_t i = 1; i <= 2; i++) {
      bool has = cliq__op_in(&oc, i) != NULL;
      cliq__arg_value(L, has ? nd->inputs[i] : nd->inputs[0]);
      cliq__arg_i32(L, has ? 1 : 0);
    }
    size_t gws = n, lws = 64;
    cliq__launch_range(L, 1, &gws, &lws);
    return cliq__plan_status(p);
  }
  bool bounds = clip_has_runtime_bounds(&oc);
  cliq__launch *L = cliq__plan_kernel(p, node, "unary_f32", NULL, bounds ? "clip_f32_bounds" : "unary_f32");
  cliq__arg_value(L, nd->inputs[0]);
  cliq__arg_value(L, nd->outputs[0]);
  cliq__arg_i32(L, (int32_t)n);
  if (bounds) {
    /* absent or constant bounds are passed as the scalars a/b, runtime ones as 1-element buffers */
    for (size_t i = 1; i <= 2; i++) {
      const cliq__value *v = cliq__op_in(&oc, i);
      bool rt = v && !v->constant;
      cliq__arg_value(L, rt ? nd->inputs[i] : nd->inputs[0]);
      cliq__arg_i32(L, rt ? 1 : 0);
    }
    cliq__arg_f32(L, a);
    cliq__arg_f32(L, b);
    size_t gws = (n + 15) / 16, lws = 64;
    cliq__launch_range(L, 1, &gws, &lws);
    return cliq__plan_status(p);
  }
  cliq__arg_i32(L, act);
  cliq__arg_f32(L, a);
  cliq__arg_f32(L, b);
  size_t gws = (n + 15) / 16, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

#define UNARY_OP(T, since) \
  const cliq__op_def cliq__op_##T = {#T, "", since, unary_check, unary_infer, unary_ref, unary_plan, CLIQ__OP_ELEMENTWISE, NULL};
UNARY_OP(Relu, 6)
UNARY_OP(Clip, 6)
UNARY_OP(LeakyRelu, 6)
UNARY_OP(Sigmoid, 6)
UNARY_OP(HardSigmoid, 6)
UNARY_OP(HardSwish, 14)
UNARY_OP(Tanh, 6)
UNARY_OP(Exp, 6)
UNARY_OP(Elu, 6)
UNARY_OP(Selu, 6)
UNARY_OP(Softplus, 1)
UNARY_OP(Softsign, 1)

/*
 * binary.c — broadcasting elementwise ops: Add, Sub, Mul, Div, Pow, PRelu, Max, Min, Sum, Mean,
 * Equal, Less, LessOrEqual, Greater, GreaterOrEqual, and the one-input math ops Neg, Abs, Sqrt,
 * Reciprocal, Floor, Ceil, which ride on the same machinery (b = a).
 *
 * Broadcasting is multidirectional (ONNX Broadcasting.md) except PRelu's slope, which broadcasts
 * to X only (unidirectional). Opset 6 forms: Add/Sub/Mul/Div/Pow/Equal/Less/Greater with
 * broadcast=1 and `axis` align B's dims at `axis` of A (without `axis`, at the end, as numpy);
 * PRelu-6 applies a 1-D slope of C values per channel (axis 1). Variadic ops (Max, Min, Sum,
 * Mean) run as a chain of pairs over the output shape: y = in0 op in1, y = y op in2, ..., and Mean
 * ends with y = y / n; the reference folds in the same order, so both round alike. Formulas: cl_kernels/binary_op.h; reference:
 * host/ref/binary_f32.c; kernels: cl_kernels/binary_f32.cl (one program per element type).
 *
 * Types: float32 everywhere; int32/int64/int8/uint8 for the integer-capable ops in the reference
 * (the constant folder of shape subgraphs) and on the device; bool for the comparisons. Pow takes
 * a float32, int32 or int64 base and exponent (opset 12 lets them differ; formulas in
 * binary_op.h), on the device as well.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "binary_op.h"
#include "launch_dims.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC 16 /* outputs per work-item: must match -DVEC below */

enum { K_PAIR, K_COMPARE, K_UNARY, K_VARIADIC, K_PRELU, K_POW };

typedef struct bin_info {
  const char *op_type;
  int op;        /* CLIQ_BIN_* */
  int kind;      /* K_* */
  unsigned dts;  /* accepted input dtypes */
  const char *kernel;
} bin_info;

#define DT_INT_ALL (CLIQ__DT_INTS | CLIQ__DT(CLIQ_DTYPE_INT8) | CLIQ__DT(CLIQ_DTYPE_UINT8))
#define DT_NUM (CLIQ__DT_FLOAT | DT_INT_ALL)
#define DT_CMP (DT_NUM | CLIQ__DT(CLIQ_DTYPE_BOOL))

static const bin_info infos[] = {
    {"Add", CLIQ_BIN_ADD, K_PAIR, DT_NUM, "bin_add"},
    {"Sub", CLIQ_BIN_SUB, K_PAIR, DT_NUM, "bin_sub"},
    {"Mul", CLIQ_BIN_MUL, K_PAIR, DT_NUM, "bin_mul"},
    {"Div", CLIQ_BIN_DIV, K_PAIR, DT_NUM, "bin_div"},
    {"Pow", CLIQ_BIN_POW, K_POW, CLIQ__DT_FLOAT | CLIQ__DT_INTS, "bin_pow"},
    {"PRelu", CLIQ_BIN_PRELU, K_PRELU, CLIQ__DT_FLOAT | CLIQ__DT_INTS, "bin_prelu"},
    {"Max", CLIQ_BIN_MAX, K_VARIADIC, DT_NUM, "bin_max"},
    {"Min", CLIQ_BIN_MIN, K_VARIADIC, DT_NUM, "bin_min"},
    {"Sum", CLIQ_BIN_ADD, K_VARIADIC, CLIQ__DT_FLOAT, "bin_add"},
    {"Mean", CLIQ_BIN_ADD, K_VARIADIC, CLIQ__DT_FLOAT, "bin_add"},
    {"Equal", CLIQ_BIN_EQUAL, K_COMPARE, DT_CMP, "bin_equal"},
    {"Less", CLIQ_BIN_LESS, K_COMPARE, DT_NUM, "bin_less"},
    {"LessOrEqual", CLIQ_BIN_LESS_EQUAL, K_COMPARE, DT_NUM, "bin_less_equal"},
    {"Greater", CLIQ_BIN_GREATER, K_COMPARE, DT_NUM, "bin_greater"},
    {"GreaterOrEqual", CLIQ_BIN_GREATER_EQUAL, K_COMPARE, DT_NUM, "bin_greater_equal"},
    {"Neg", CLIQ_BIN_NEG, K_UNARY, CLIQ__DT_FLOAT | CLIQ__DT_INTS | CLIQ__DT(CLIQ_DTYPE_INT8), "bin_neg"},
    {"Abs", CLIQ_BIN_ABS, K_UNARY, DT_NUM, "bin_abs"},
    {"Sqrt", CLIQ_BIN_SQRT, K_UNARY, CLIQ__DT_FLOAT, "bin_sqrt"},
    {"Reciprocal", CLIQ_BIN_RECIP, K_UNARY, CLIQ__DT_FLOAT, "bin_recip"},
    {"Floor", CLIQ_BIN_FLOOR, K_UNARY, CLIQ__DT_FLOAT, "bin_floor"},
    {"Ceil", CLIQ_BIN_CEIL, K_UNARY, CLIQ__DT_FLOAT, "bin_ceil"},
};

static const bin_info *info_of(const cliq__opctx *oc) {
  const char *t = cliq__op_node(oc)->op_type;
  for (size_t i = 0; i < sizeof infos / sizeof infos[0]; i++)
    if (strcmp(infos[i].op_type, t) == 0) return &infos[i];
  return NULL;
}

static bool legacy_bcast(const cliq__opctx *oc, const bin_info *bi) {
  return cliq__op_node(oc)->opset < 7 && (bi->kind == K_PAIR || bi->kind == K_POW || bi->kind == K_COMPARE);
}

static cliq_status bin_check(cliq__opctx *oc) {
  const bin_info *bi = info_of(oc);
  if (!bi) return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "is not an elementwise math op");
  return cliq__op_check_attrs(oc, legacy_bcast(oc, bi) ? "broadcast,axis" : "");
}

/* Input i's dims as the op broadcasts them (the opset 6 forms, see the banner); (rank, dims) are
 * the input's own and x0 (rank, dims) input 0's. Only B (i = 1) is ever reshaped. */
static cliq_status eff_dims(const cliq__opctx *oc, size_t i, int rank, const int64_t *dims, int xr, const int64_t *xd,
                            int *er, int64_t *ed) {
  const bin_info *bi = info_of(oc);
  const cliq__node *n = cliq__op_node(oc);
  *er = rank;
  memcpy(ed, dims, sizeof(int64_t) * (size_t)rank);
  if (i != 1 || n->opset >= 7) return CLIQ_STATUS_OK;
  if (bi->kind == K_PRELU && rank == 1 && xr >= 2 && dims[0] == xd[1] && dims[0] != 1) {
    for (int d = 1; d < xr - 1; d++) ed[d] = 1;
    *er = xr - 1;
    return CLIQ_STATUS_OK;
  }
  const cliq__attr *ax = cliq__node_attr(n, "axis");
  if (!legacy_bcast(oc, bi) || !cliq__attr_int(n, "broadcast", 0) || !ax) return CLIQ_STATUS_OK;
  int a;
  if (!cliq__norm_axis(ax->i, xr, &a) || a + rank > xr)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld does not place B (rank %d) inside A (rank %d)",
                         (long long)ax->i, rank, xr);
  for (int d = 0; d < xr; d++) ed[d] = d >= a && d < a + rank ? dims[d - a] : 1;
  *er = xr;
  return CLIQ_STATUS_OK;
}

static cliq_status bin_infer(cliq__opctx *oc) {
  const bin_info *bi = info_of(oc);
  if (!bi) return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "is not an elementwise math op");
  size_t n_in = cliq__op_n_in(oc);
  switch (bi->kind) {
  case K_UNARY: CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1)); break;
  case K_VARIADIC: CLIQ__TRY(cliq__op_check_arity(oc, 1, n_in > 0 ? n_in : 1, 1, 1)); break;
  default: CLIQ__TRY(cliq__op_check_arity(oc, 2, 2, 1, 1)); break;
  }
  for (size_t i = 0; i < n_in; i++) {
    if (!cliq__op_in(oc, i)) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input %zu is missing", i);
    CLIQ__TRY(cliq__op_check_dtype(oc, i, bi->dts));
  }
  const cliq__value *x = cliq__op_in(oc, 0);
  int rank = x->rank;
  int64_t dims[CLIQ_MAX_RANK];
  memcpy(dims, x->dims, sizeof dims);
  char d0[128], d1[128];
  for (size_t i = 1; i < n_in; i++) {
    const cliq__value *v = cliq__op_in(oc, i);
    if (bi->kind != K_POW && v->dtype != x->dtype)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' is %s but input '%s' is %s: types must agree",
                           v->name, cliq_dtype_name(v->dtype), x->name, cliq_dtype_name(x->dtype));
    int r, vr;
    int64_t out[CLIQ_MAX_RANK], vd[CLIQ_MAX_RANK];
    CLIQ__TRY(eff_dims(oc, i, v->rank, v->dims, x->rank, x->dims, &vr, vd));
    if (!cliq__broadcast_shape(rank, dims, vr, vd, &r, out))
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                           "input '%s' %s does not broadcast with %s: each dim must be equal or 1 (numpy broadcasting)",
                           v->name, cliq__dims_str(v->rank, v->dims, d0, sizeof d0), cliq__dims_str(rank, dims, d1, sizeof d1));
    if (bi->kind == K_PRELU && (r != x->rank || memcmp(out, x->dims, sizeof(int64_t) * (size_t)r) != 0))
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                           "slope '%s' %s does not broadcast to X '%s' %s: the slope must be unidirectionally broadcastable "
                           "to X (e.g. [C,1,1] for NCHW)",
                           v->name, cliq__dims_str(v->rank, v->dims, d0, sizeof d0), x->name,
                           cliq__dims_str(x->rank, x->dims, d1, sizeof d1));
    rank = r;
    memcpy(dims, out, sizeof(int64_t) * (size_t)r);
  }
  cliq_dtype out_dt = bi->kind == K_COMPARE ? CLIQ_DTYPE_BOOL : x->dtype;
  return cliq__op_set_out(oc, 0, out_dt, rank, dims);
}

/* Broadcast description of operands a and b over the output shape. */
static bool make_bcast(const cliq__value *y, int ra, const int64_t *da, int rb, const int64_t *db, cliq__bcast *bc) {
  int ranks[2] = {ra, rb};
  const int64_t *dims[2] = {da, db};
  return cliq__bcast_make(y->rank, y->dims, 2, ranks, dims, bc);
}

static cliq_status bcast_fail(const cliq__opctx *oc) {
  return cliq__op_fail(oc, CLIQ_STATUS_INVALID_STATE, "inputs do not broadcast to the inferred output shape");
}

/* Pow with an integer base or an integer exponent (formulas in binary_op.h): converted copies,
 * then the shared loops. */
static cliq_status ref_pow_mixed(const cliq__opctx *oc, const cliq__bcast *bc, const cliq__tensor *a,
                                 const cliq__tensor *b, cliq__tensor *y) {
  size_t na = cliq__tensor_elems(a), nb = cliq__tensor_elems(b), ny = cliq__tensor_elems(y);
  bool int_base = a->dtype != CLIQ_DTYPE_FLOAT32, int_exp = b->dtype != CLIQ_DTYPE_FLOAT32;
  size_t es = int_base && int_exp ? sizeof(int64_t) : sizeof(float);
  void *ca = malloc((na + 1) * es), *cb = malloc((nb + 1) * es), *cy = malloc((ny + 1) * es);
  if (!ca || !cb || !cy) {
    free(ca), free(cb), free(cy);
    return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "no memory for Pow's converted inputs");
  }
  if (int_base && int_exp) {
    for (size_t i = 0; i < na; i++) ((int64_t *)ca)[i] = cliq__tensor_get_i64(a, i);
    for (size_t i = 0; i < nb; i++) ((int64_t *)cb)[i] = cliq__tensor_get_i64(b, i);
    cliq__ref_ipow_i64(bc, ca, cb, cy);
  } else {
    for (size_t i = 0; i < na; i++) ((float *)ca)[i] = (float)cliq__tensor_get_f64(a, i);
    for (size_t i = 0; i < nb; i++) ((float *)cb)[i] = (float)cliq__tensor_get_f64(b, i);
    cliq__ref_binary(CLIQ_BIN_POW, CLIQ_DTYPE_FLOAT32, bc, ca, cb, cy);
  }
  for (size_t i = 0; i < ny; i++) {
    /* cy holds int64 only when both are integers (es above); a float base's result is float */
    int64_t v = int_base && int_exp ? ((int64_t *)cy)[i] : cliq_trunc_i64(((float *)cy)[i]);
    switch (y->dtype) {
    case CLIQ_DTYPE_FLOAT32: ((float *)y->data)[i] = ((float *)cy)[i]; break;
    case CLIQ_DTYPE_INT32: ((int32_t *)y->data)[i] = (int32_t)v; break;
    default: ((int64_t *)y->data)[i] = v; break;
    }
  }
  free(ca), free(cb), free(cy);
  return CLIQ_STATUS_OK;
}

static cliq_status bin_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  const bin_info *bi = info_of(oc);
  const cliq__value *yv = cliq__op_out(oc, 0);
  cliq__tensor *y = out[0];
  cliq__bcast bc;
  if (cliq__tensor_elems(y) == 0) return CLIQ_STATUS_OK;
  if (bi->kind == K_UNARY) {
    if (!make_bcast(yv, in[0]->rank, in[0]->dims, in[0]->rank, in[0]->dims, &bc)) return bcast_fail(oc);
    cliq__ref_binary(bi->op, in[0]->dtype, &bc, in[0]->data, in[0]->data, y->data);
    return CLIQ_STATUS_OK;
  }
  size_t n_in = cliq__op_n_in(oc);
  if (n_in == 1) { /* variadic of one input: a copy, broadcast to itself */
    if (!make_bcast(yv, in[0]->rank, in[0]->dims, in[0]->rank, in[0]->dims, &bc)) return bcast_fail(oc);
    cliq__ref_binary(CLIQ_BIN_COPY, in[0]->dtype, &bc, in[0]->data, in[0]->data, y->data);
  } else {
    int br;
    int64_t bd[CLIQ_MAX_RANK];
    CLIQ__TRY(eff_dims(oc, 1, in[1]->rank, in[1]->dims, in[0]->rank, in[0]->dims, &br, bd));
    if (!make_bcast(yv, in[0]->rank, in[0]->dims, br, bd, &bc)) return bcast_fail(oc);
    if (bi->kind == K_POW && (in[0]->dtype != CLIQ_DTYPE_FLOAT32 || in[1]->dtype != CLIQ_DTYPE_FLOAT32))
      return ref_pow_mixed(oc, &bc, in[0], in[1], y);
    cliq__ref_binary(bi->op, in[0]->dtype, &bc, in[0]->data, in[1]->data, y->data);
    for (size_t i = 2; i < n_in; i++) {
      if (!make_bcast(yv, y->rank, y->dims, in[i]->rank, in[i]->dims, &bc)) return bcast_fail(oc);
      cliq__ref_binary(bi->op, y->dtype, &bc, y->data, in[i]->data, y->data);
    }
  }
  if (strcmp(bi->op_type, "Mean") == 0) {
    float n = (float)n_in;
    int64_t one = 1;
    int ranks[2] = {y->rank, 0};
    const int64_t *dims[2] = {y->dims, &one};
    if (!cliq__bcast_make(y->rank, y->dims, 2, ranks, dims, &bc)) return bcast_fail(oc);
    cliq__ref_binary(CLIQ_BIN_DIV, CLIQ_DTYPE_FLOAT32, &bc, y->data, &n, y->data);
  }
  return CLIQ_STATUS_OK;
}

/* --- device plan --------------------------------------------------------------------------- */

/* An operand: a graph value, or an uploaded constant buffer. */
typedef struct operand {
  int value;    /* value id, or -1 */
  int const_id; /* const buffer id when value < 0 */
} operand;

static const char *type_options(cliq_dtype dt) {
  switch (dt) {
  case CLIQ_DTYPE_FLOAT32: return "-DT=float -DT_IS_FLOAT=1 -DVEC=16";
  case CLIQ_DTYPE_INT32: return "-DT=int -DVEC=16";
  case CLIQ_DTYPE_INT64: return "-DT=long -DVEC=16";
  case CLIQ_DTYPE_INT8: return "-DT=char -DVEC=16";
  default: return "-DT=uchar -DVEC=16"; /* uint8, bool */
  }
}

static void arg_operand(cliq__launch *L, operand o) {
  if (o.value >= 0)
    cliq__arg_value(L, o.value);
  else
    cliq__arg_const(L, o.const_id);
}

/* One launch of `kernel`: y = a op b over the collapsed broadcast bc. */
static cliq_status launch_pair(cliq__planner *p, const cliq__opctx *oc, const char *opts, const char *kernel, operand a,
                               operand b, int y, const cliq__bcast *bc) {
  if (bc->elems == 0) return CLIQ_STATUS_OK;
  if (bc->elems > INT32_MAX)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "output has %lld elements; kernels index with 32 bits (< 2^31)",
                         (long long)bc->elems);
  int r = bc->rank;
  int32_t outer[3 * CLIQ_MAX_RANK] = {0};
  int nk = 0;
  size_t nq = 1;
  for (int d = r - 3; d >= 0; d--, nk++) {
    outer[3 * nk] = (int32_t)bc->dims[d];
    outer[3 * nk + 1] = (int32_t)bc->stride[0][d];
    outer[3 * nk + 2] = (int32_t)bc->stride[1][d];
    nq *= (size_t)bc->dims[d];
  }
  int oid = cliq__plan_const(p, outer, sizeof(int32_t) * (size_t)(nk ? 3 * nk : 1));
  int64_t n0 = bc->dims[r - 1], n1 = r >= 2 ? bc->dims[r - 2] : 1;
  cliq__launch *L = cliq__plan_kernel(p, oc->node, "binary_f32", opts, kernel);
  arg_operand(L, a);
  arg_operand(L, b);
  cliq__arg_value(L, y);
  cliq__arg_i32(L, (int32_t)n0);
  cliq__arg_i32(L, (int32_t)n1);
  cliq__arg_i32(L, (int32_t)nq);
  cliq__arg_i32(L, (int32_t)bc->stride[0][r - 1]);
  cliq__arg_i32(L, (int32_t)bc->stride[1][r - 1]);
  cliq__arg_i32(L, r >= 2 ? (int32_t)bc->stride[0][r - 2] : 0);
  cliq__arg_i32(L, r >= 2 ? (int32_t)bc->stride[1][r - 2] : 0);
  cliq__arg_i32(L, nk);
  cliq__arg_const(L, oid);
  cliq__math_range(L, cliq__div_up((size_t)n0, VEC) * (size_t)n1 * nq);
  return cliq__plan_status(p);
}

static cliq_status bin_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const bin_info *bi = info_of(&oc);
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *yv = cliq__op_out(&oc, 0);
  const cliq__value *x = cliq__op_in(&oc, 0);
  size_t n_in = n->n_inputs;
  for (size_t i = 0; i < n_in; i++) {
    size_t e;
    const cliq__value *v = cliq__op_in(&oc, i);
    if (!cliq__shape_elems(v->rank, v->dims, &e) || e > INT32_MAX)
      return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has 2^31 or more elements; kernels index with 32 bits",
                           v->name);
  }
  cliq__bcast bc;
  operand a = {n->inputs[0], -1};
  int y = n->outputs[0];
  if (bi->kind == K_UNARY || n_in == 1) {
    if (!make_bcast(yv, x->rank, x->dims, x->rank, x->dims, &bc)) return bcast_fail(&oc);
    return launch_pair(p, &oc, type_options(x->dtype), bi->kind == K_UNARY ? bi->kernel : "bin_copy", a, a, y, &bc);
  }
  const cliq__value *bv = cliq__op_in(&oc, 1);
  operand b = {n->inputs[1], -1};
  const char *kernel = bi->kernel;
  char opts[96];
  snprintf(opts, sizeof opts, "%s", type_options(x->dtype));
  if (bi->kind == K_POW && bv->dtype != x->dtype) { /* Pow of mixed types: b gets its own type TB */
    static const char *const tb[] = {[CLIQ_DTYPE_FLOAT32] = "float", [CLIQ_DTYPE_INT32] = "int", [CLIQ_DTYPE_INT64] = "long"};
    snprintf(opts, sizeof opts, "%s -DTB=%s", type_options(x->dtype), tb[bv->dtype]);
  }
  if (bi->kind == K_POW && x->dtype != CLIQ_DTYPE_FLOAT32)
    kernel = bv->dtype == CLIQ_DTYPE_FLOAT32 ? "bin_pow_int_float" : "bin_ipow";
  int br;
  int64_t bd[CLIQ_MAX_RANK];
  CLIQ__TRY(eff_dims(&oc, 1, bv->rank, bv->dims, x->rank, x->dims, &br, bd));
  if (!make_bcast(yv, x->rank, x->dims, br, bd, &bc)) return bcast_fail(&oc);
  CLIQ__TRY(launch_pair(p, &oc, opts, kernel, a, b, y, &bc));
  operand yo = {y, -1};
  for (size_t i = 2; i < n_in; i++) {
    const cliq__value *v = cliq__op_in(&oc, i);
    operand o = {n->inputs[i], -1};
    if (!make_bcast(yv, yv->rank, yv->dims, v->rank, v->dims, &bc)) return bcast_fail(&oc);
    CLIQ__TRY(launch_pair(p, &oc, opts, bi->kernel, yo, o, y, &bc));
  }
  if (strcmp(bi->op_type, "Mean") == 0) {
    float nf = (float)n_in;
    operand c = {-1, cliq__plan_const(p, &nf, sizeof nf)};
    int64_t one = 1;
    int ranks[2] = {yv->rank, 0};
    const int64_t *dims[2] = {yv->dims, &one};
    if (!cliq__bcast_make(yv->rank, yv->dims, 2, ranks, dims, &bc)) return bcast_fail(&oc);
    CLIQ__TRY(launch_pair(p, &oc, type_options(CLIQ_DTYPE_FLOAT32), "bin_div", yo, c, y, &bc));
  }
  return cliq__plan_status(p);
}

/* Only ops whose output has input 0's shape and type may run in place of it (ELEMENTWISE). */
#define BIN_OP(T, since, flags) \
  const cliq__op_def cliq__op_##T = {#T, "", since, bin_check, bin_infer, bin_ref, bin_plan, flags, NULL};
BIN_OP(Add, 6, 0)
BIN_OP(Sub, 6, 0)
BIN_OP(Mul, 6, 0)
BIN_OP(Div, 6, 0)
BIN_OP(Pow, 6, 0)
BIN_OP(PRelu, 6, CLIQ__OP_ELEMENTWISE)
BIN_OP(Max, 6, 0)
BIN_OP(Min, 6, 0)
BIN_OP(Sum, 6, 0)
BIN_OP(Mean, 6, 0)
BIN_OP(Equal, 6, 0)
BIN_OP(Less, 6, 0)
BIN_OP(LessOrEqual, 12, 0)
BIN_OP(Greater, 6, 0)
BIN_OP(GreaterOrEqual, 12, 0)
BIN_OP(Neg, 6, CLIQ__OP_ELEMENTWISE)
BIN_OP(Abs, 6, CLIQ__OP_ELEMENTWISE)
BIN_OP(Sqrt, 6, CLIQ__OP_ELEMENTWISE)
BIN_OP(Reciprocal, 6, CLIQ__OP_ELEMENTWISE)
BIN_OP(Floor, 6, CLIQ__OP_ELEMENTWISE)
BIN_OP(Ceil, 6, CLIQ__OP_ELEMENTWISE)

/*
 * qlut.c — cliq's internal int8 QLut (domain "cliq"): any elementwise function of one int8 tensor
 * as a 256-entry table, made by QDQ lowering from unary activations between DequantizeLinear and
 * QuantizeLinear (Sigmoid, HardSigmoid, HardSwish, Tanh, Exp, LeakyRelu, SiLU, Relu/Clip not
 * fused into a producer), and from elementwise ops with scalar constant operands (x / 6, x + 3).
 *
 *   QLut(x [, table]) -> y: x, y int8 with per-tensor quantization, same shape. Without `table`
 *   the attributes cliq.act, cliq.act_a, cliq.act_b name an activation of activation.h and the
 *   table is computed from the input and output quantization (cliq__q8_act_table); with `table`
 *   (a constant int8 tensor of 256 entries, entry q + 128 for input code q) it is used as given.
 * Reference: host/ref/lut_q8.c; kernel: cl_kernels/lut_q8.cl.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "activation.h"
#include "quant_util.h"

#include <string.h>

cliq_status cliq__op_qlut_table(const cliq__opctx *oc, int8_t table[256]) {
  const cliq__value *t = cliq__op_in(oc, 1);
  if (t) {
    if (!t->constant || t->dtype != CLIQ_DTYPE_INT8 || cliq__tensor_elems(t->constant) != 256)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "table '%s' must be a constant int8 tensor of 256 entries", t->name);
    memcpy(table, t->constant->data, 256);
    return CLIQ_STATUS_OK;
  }
  const cliq__node *n = cliq__op_node(oc);
  int64_t act = cliq__attr_int(n, "cliq.act", CLIQ_ACT_NONE);
  if (act < 0 || act >= CLIQ_ACT_COUNT)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "cliq.act = %lld is not an activation of activation.h", (long long)act);
  float sx, sy;
  int zx, zy;
  CLIQ__TRY(cliq__op_value_quant(oc, cliq__op_in(oc, 0), &sx, &zx));
  CLIQ__TRY(cliq__op_value_quant(oc, cliq__op_out(oc, 0), &sy, &zy));
  cliq__q8_act_table((int)act, cliq__attr_float(n, "cliq.act_a", 0.0f), cliq__attr_float(n, "cliq.act_b", 0.0f), sx, zx, sy, zy,
                     table);
  return CLIQ_STATUS_OK;
}

static cliq_status qlut_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

static cliq_status qlut_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT(CLIQ_DTYPE_INT8)));
  const cliq__value *x = cliq__op_in(oc, 0);
  CLIQ__TRY(cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT8, x->rank, x->dims));
  int8_t table[256];
  return cliq__op_qlut_table(oc, table);
}

static cliq_status qlut_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int8_t table[256];
  CLIQ__TRY(cliq__op_qlut_table(oc, table));
  cliq__ref_lut_q8(in[0]->data, out[0]->data, cliq__tensor_elems(in[0]), table);
  return CLIQ_STATUS_OK;
}

static cliq_status qlut_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  int8_t table[256];
  int total;
  CLIQ__TRY(cliq__op_qlut_table(&oc, table));
  CLIQ__TRY(cliq__op_elems_i32(&oc, cliq__op_in(&oc, 0), &total));
  int ct = cliq__plan_const(p, table, sizeof table);
  cliq__launch *L = cliq__plan_kernel(p, node, "lut_q8", NULL, "lut_q8");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_const(L, ct);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, total);
  size_t gws = ((size_t)total + 15) / 16, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_QLut = {"QLut", "cliq", 1, qlut_check, qlut_infer, qlut_ref, qlut_plan, CLIQ__OP_ELEMENTWISE, NULL};

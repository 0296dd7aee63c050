/*
 * qlut.c — cliq's internal int8 QLut (domain "cliq"): any elementwise function of one int8 tensor
 * as 256-entry tables, made by QDQ lowering from unary activations between DequantizeLinear and
 * QuantizeLinear (Sigmoid, HardSigmoid, HardSwish, Tanh, Exp, LeakyRelu, SiLU, Relu/Clip not
 * fused into a producer), from elementwise ops with constant operands (x / 6, x + 3) and from
 * per-channel ones (BatchNormalization, Mul by a [C,1,1] constant).
 *
 *   QLut(x [, table]) -> y: x, y int8 with per-tensor quantization, same shape.
 *   Without `table` the attributes cliq.act, cliq.act_a, cliq.act_b name an activation of
 *   activation.h and the table is computed from the input and output quantization
 *   (cliq__q8_act_table). With `table`, a constant int8 tensor: 256 entries (entry q + 128 for
 *   input code q), or channels * 256 entries for one table per channel along attribute `axis`
 *   (default 1), channels = x.dims[axis].
 * Reference: host/ref/lut_q8.c; kernels: cl_kernels/lut_q8.cl.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "activation.h"
#include "quant_util.h"

#include <stdlib.h>
#include <string.h>

cliq_status cliq__op_qlut_tables(const cliq__opctx *oc, int8_t **tables, size_t *channels, int *axis) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0), *t = cliq__op_in(oc, 1);
  *tables = NULL;
  *channels = 1;
  *axis = -1;
  if (t) {
    size_t ne = t->constant ? cliq__tensor_elems(t->constant) : 0;
    if (!t->constant || t->dtype != CLIQ_DTYPE_INT8 || ne == 0 || ne % 256 != 0)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "table '%s' must be a constant int8 tensor of 256 entries per channel",
                           t->name);
    if (ne != 256) {
      int64_t a = cliq__attr_int(n, "axis", 1);
      if (!cliq__norm_axis(a, x->rank, axis))
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d", (long long)a,
                             x->name, x->rank);
      if ((int64_t)(ne / 256) != x->dims[*axis])
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                             "table '%s' has %zu tables but input '%s' has %lld channels along axis %d: one table per channel",
                             t->name, ne / 256, x->name, (long long)x->dims[*axis], *axis);
      *channels = ne / 256;
    }
    if (!(*tables = malloc(ne))) return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "copying a table");
    memcpy(*tables, t->constant->data, ne);
    return CLIQ_STATUS_OK;
  }
  int64_t act = cliq__attr_int(n, "cliq.act", CLIQ_ACT_NONE);
  if (act < 0 || act >= CLIQ_ACT_COUNT)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "cliq.act = %lld is not an activation of activation.h", (long long)act);
  float sx, sy;
  int zx, zy;
  CLIQ__TRY(cliq__op_value_quant(oc, x, &sx, &zx));
  CLIQ__TRY(cliq__op_value_quant(oc, cliq__op_out(oc, 0), &sy, &zy));
  if (!(*tables = malloc(256))) return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating a table");
  cliq__q8_act_table((int)act, cliq__attr_float(n, "cliq.act_a", 0.0f), cliq__attr_float(n, "cliq.act_b", 0.0f), sx, zx, sy, zy,
                     *tables);
  return CLIQ_STATUS_OK;
}

static cliq_status qlut_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, "axis"); }

static cliq_status qlut_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT(CLIQ_DTYPE_INT8)));
  const cliq__value *x = cliq__op_in(oc, 0);
  CLIQ__TRY(cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT8, x->rank, x->dims));
  int8_t *t;
  size_t ch;
  int axis;
  CLIQ__TRY(cliq__op_qlut_tables(oc, &t, &ch, &axis));
  free(t);
  return CLIQ_STATUS_OK;
}

static cliq_status qlut_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int8_t *t;
  size_t ch, outer, channels, inner;
  int axis;
  CLIQ__TRY(cliq__op_qlut_tables(oc, &t, &ch, &axis));
  cliq__axis_split(in[0]->rank, in[0]->dims, axis, &outer, &channels, &inner);
  cliq__ref_lut_q8(in[0]->data, out[0]->data, outer, channels, inner, t);
  free(t);
  return CLIQ_STATUS_OK;
}

static cliq_status qlut_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  int8_t *t;
  size_t ch, outer, channels, inner;
  int axis, total;
  CLIQ__TRY(cliq__op_elems_i32(&oc, x, &total));
  CLIQ__TRY(cliq__op_qlut_tables(&oc, &t, &ch, &axis));
  int ct = cliq__plan_const(p, t, ch * 256);
  free(t);
  cliq__launch *L;
  if (ch == 1) {
    L = cliq__plan_kernel(p, node, "lut_q8", NULL, "lut_q8");
    cliq__arg_value(L, n->inputs[0]);
    cliq__arg_const(L, ct);
    cliq__arg_value(L, n->outputs[0]);
    cliq__arg_i32(L, total);
    size_t gws = ((size_t)total + 15) / 16, lws = 64;
    cliq__launch_range(L, 1, &gws, &lws);
  } else {
    cliq__axis_split(x->rank, x->dims, axis, &outer, &channels, &inner);
    L = cliq__plan_kernel(p, node, "lut_q8", NULL, "lut_q8_channels");
    cliq__arg_value(L, n->inputs[0]);
    cliq__arg_const(L, ct);
    cliq__arg_value(L, n->outputs[0]);
    cliq__arg_i32(L, (int32_t)(outer * channels));
    cliq__arg_i32(L, (int32_t)inner);
    cliq__arg_i32(L, (int32_t)channels);
    size_t gws[2] = {(inner + 15) / 16, outer * channels};
    size_t wide[2] = {64, 1}, narrow[2] = {1, 64};
    cliq__launch_range(L, 2, gws, gws[0] >= 32 ? wide : narrow);
  }
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_QLut = {"QLut", "cliq", 1, qlut_check, qlut_infer, qlut_ref, qlut_plan, CLIQ__OP_ELEMENTWISE, NULL};

/*
 * lower_qdq.c — the SESSION pass that turns a standard ONNX QDQ graph (what `cliq quantize`,
 * ONNX Runtime's quantize_static and PyTorch/NNCF exports write) into cliq's int8 plan. It runs
 * after activation fusion, on a session's copy of the graph with dims bound and constants folded
 * (DequantizeLinear/QuantizeLinear are never folded before it, so it sees them around weights).
 *
 * Terms: a "quantized value" is the output of a QuantizeLinear with constant per-tensor scale and
 * zero point (or an int8 graph input read only by such DequantizeLinears); DQ(v) is a
 * DequantizeLinear of v with the same parameters; "-> Q" means the float result is read only by
 * QuantizeLinear nodes with identical per-tensor parameters (they are merged into one).
 *
 * Rules, in this order:
 *  0. Twins: a QuantizeLinear or DequantizeLinear repeating an earlier one (same input, equal
 *     parameters) is merged into it (one Q/DQ pair per reader, as ONNX Runtime's DedicatedQDQPair
 *     writes, lowers like one pair).
 *  1. uint8 to int8. A uint8 QuantizeLinear whose readers are all DequantizeLinear (and which is
 *     not a graph output) is rewritten to produce int8 with zero point z - 128, and its readers
 *     get z - 128 too; constant uint8 weights behind DequantizeLinear become q - 128 with zero
 *     point z - 128. Every result is the same real number, so a uint8 model and the int8 model of
 *     the same scales lower to the same plan. Quantized values get their (scale, zero point) as
 *     value.quant.
 *  2. Nodes, in topological order (a node that matches becomes a cliq op; its QuantizeLinear
 *     readers go away and later DequantizeLinears without readers are pruned):
 *     - Conv(DQ(x), DQ(w const int8, per-axis or per-tensor), [DQ(b const int32) or float b])
 *       [-> Relu/Clip] -> Q  =>  QConv(x, w, b') with the activation as output clamp; b' is b
 *       requantized to s_x * s_w[c] unless its scale already is that. Gemm (transA 0, alpha 1,
 *       beta 1, constant weights) and MatMul with constant 2-D weights => QGemm (weights stored
 *       [N, K]). Another activation between the op and Q (fused by the fusion pass, or a node:
 *       Sigmoid, HardSwish, SiLU, ...) becomes a QLut after an int8 intermediate whose
 *       quantization covers the inputs the output quantization can tell apart (one extra
 *       rounding the QDQ graph does not have).
 *     - Add / Mul(DQ(a), DQ(b)) of two activations [-> Relu/Clip] -> Q  =>  QAdd / QMul.
 *     - Concat(DQ(x_i)...) -> Q  =>  Concat on int8 when every x_i has the output's scale and zero
 *       point, else QConcat.
 *     - AveragePool / GlobalAveragePool(DQ(x)) [-> Relu/Clip] -> Q  =>  QAvgPool / QGlobalAvgPool.
 *     - Scale-preserving ops (MaxPool, GlobalMaxPool, Resize mode nearest, Transpose, Slice, Split,
 *       Pad, Reshape, Flatten, Squeeze, Unsqueeze, Identity, DepthToSpace, SpaceToDepth, Gather,
 *       Expand, Tile) with DQ(x) as data input, constant other inputs, -> Q on every output with
 *       x's parameters  =>  the same op on int8 (Q(op(DQ(x))) = op(x) exactly for these: they
 *       move or select values, or take a max, which commutes with a monotone quantization). Pad
 *       pads with the quantized constant value (the zero point for 0). With different output
 *       parameters (one output) a QLut requantizes after the op.
 *     - A chain of elementwise ops starting at one DQ(x), whose other operands are constants
 *       (scalars, or per channel along axis 1: a [C,1,1] bias, BatchNormalization's parameters;
 *       DQ of constants counts) or x itself, -> Q (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid,
 *       HardSwish, Tanh, Exp, x*Sigmoid(x), x+3, x/6, BatchNormalization, ...)  =>  one QLut
 *       whose 256 entries (per channel: C tables) are the chain's own references run on the 256
 *       dequantized codes, then quantized (exact by construction). Consecutive QLuts compose.
 *     - Q(DQ(x)): the identity when the parameters are equal, else a QLut that requantizes.
 *  3. Every op is checked with its own infer as it is made; a rewrite the op rejects (an op not
 *     yet dtype-generic, an attribute it does not support) is undone and that part stays float.
 *     Ops with no int8 form stay float between a DequantizeLinear and a QuantizeLinear, both run
 *     as device kernels; a Q -> DQ pair on a float path stays (it is what fake quantization
 *     means there).
 *  4. DequantizeLinear of constants that float ops still read is folded to a float constant on
 *     the host (weights of int8 ops stay int8 and are never expanded).
 * The result passes infer (the session re-runs it). CLIQ_LOWER_QDQ=0 in the environment turns
 * the pass off: QDQ graphs then run in float with fake quantization (tests compare the two).
 */
#include "lower_qdq.h"
#include "passes.h"

#include "../error.h"
#include "../ops/quant_util.h"
#include "../shape.h"
#include "activation.h"
#include "cliq_requant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- rule 0: twin QuantizeLinear / DequantizeLinear nodes ------------------------------------- */

/* Whether values a and b hold the same thing for a Q/DQ parameter: one value, or two constants
 * of the same dtype, dims and bytes (an exporter writes a scale per node). Absent on both: equal. */
static bool same_param(const cliq__graph *g, int a, int b) {
  if (a == b) return true;
  if (a < 0 || b < 0) return false;
  const cliq__tensor *x = g->values[a].constant, *y = g->values[b].constant;
  if (!x || !y || x->dtype != y->dtype || x->rank != y->rank || x->nbytes != y->nbytes) return false;
  for (int k = 0; k < x->rank; k++)
    if (x->dims[k] != y->dims[k]) return false;
  return memcmp(x->data, y->data, x->nbytes) == 0;
}

static bool twins(const cliq__graph *g, const cliq__node *a, const cliq__node *b) {
  if (strcmp(a->op_type, b->op_type) != 0 || a->n_inputs < 2 || b->n_inputs < 2 || a->inputs[0] != b->inputs[0]) return false;
  for (size_t k = 1; k < 3; k++)
    if (!same_param(g, k < a->n_inputs ? a->inputs[k] : -1, k < b->n_inputs ? b->inputs[k] : -1)) return false;
  static const char *const attrs[] = {"axis", "saturate", "block_size", "output_dtype"};
  for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++)
    if (cliq__attr_int(a, attrs[k], -7) != cliq__attr_int(b, attrs[k], -7)) return false;
  return true;
}

/* Rule 0: a QuantizeLinear or DequantizeLinear that repeats an earlier one (same input, equal
 * parameters) is dropped and its readers read the earlier one's output. ONNX Runtime's
 * DedicatedQDQPair option (and exporters that quantize per reader) give each reader of a tensor
 * its own pair; merged, they lower to the plan one pair gives (tests/test_qdq_forms.py). In node
 * order, so twin DequantizeLinears of merged QuantizeLinears merge in the same sweep. */
static void merge_twins(cliq__lq *L) {
  cliq__graph *g = L->g;
  for (size_t j = 0; j < g->n_nodes; j++) {
    const cliq__node *b = &g->nodes[j];
    if (L->dead[j] || !(cliq__node_is(b, "QuantizeLinear") || cliq__node_is(b, "DequantizeLinear")) || b->n_outputs != 1 ||
        cliq__lq_is_graph_output(g, b->outputs[0]))
      continue;
    for (size_t i = 0; i < j; i++) {
      if (L->dead[i] || !twins(g, &g->nodes[i], b)) continue;
      int from = b->outputs[0], to = g->nodes[i].outputs[0];
      for (size_t r = 0; r < g->n_nodes; r++)
        for (size_t k = 0; !L->dead[r] && k < g->nodes[r].n_inputs; k++)
          if (g->nodes[r].inputs[k] == from) g->nodes[r].inputs[k] = to;
      L->dead[j] = true;
      break;
    }
  }
}

/* --- rule 1: uint8 to int8, and value quantization --------------------------------------------- */

static cliq_status shift_uint8(cliq__lq *L) {
  cliq__graph *g = L->g;
  for (size_t i = 0; i < g->n_nodes; i++) {
    if (L->dead[i] || !cliq__node_is(&g->nodes[i], "QuantizeLinear")) continue;
    float s;
    int z;
    cliq_dtype dt;
    if (!cliq__lq_qparams(g, &g->nodes[i], &s, &z, &dt) || dt != CLIQ_DTYPE_UINT8) continue;
    int y = g->nodes[i].outputs[0];
    if (cliq__lq_is_graph_output(g, y)) continue;
    int rd[64];
    size_t nr = cliq__lq_readers(L, y, rd, 64);
    bool ok = nr > 0 && nr <= 64;
    for (size_t r = 0; r < nr && ok; r++) {
      float s2;
      int z2;
      cliq_dtype d2;
      ok = cliq__node_is(&g->nodes[rd[r]], "DequantizeLinear") && g->nodes[rd[r]].inputs[0] == y &&
           cliq__lq_qparams(g, &g->nodes[rd[r]], &s2, &z2, &d2) && d2 == CLIQ_DTYPE_UINT8;
    }
    if (!ok) continue;
    int zq = cliq__lq_const_i8(g, "zp_int8", z - 128);
    if (zq < 0 || !cliq__lq_set_input(g, (int)i, 2, zq)) return CLIQ_STATUS_OUT_OF_MEMORY;
    if (cliq__node_attr(&g->nodes[i], "output_dtype") && !cliq__node_set_int(&g->nodes[i], "output_dtype", CLIQ_DTYPE_INT8))
      return CLIQ_STATUS_OUT_OF_MEMORY;
    g->values[y].dtype = CLIQ_DTYPE_INT8;
    for (size_t r = 0; r < nr; r++) {
      float s2;
      int z2;
      cliq_dtype d2;
      cliq__lq_qparams(g, &g->nodes[rd[r]], &s2, &z2, &d2);
      int zr = cliq__lq_const_i8(g, "zp_int8", z2 - 128);
      if (zr < 0 || !cliq__lq_set_input(g, rd[r], 2, zr)) return CLIQ_STATUS_OUT_OF_MEMORY;
    }
  }
  /* constant uint8 data behind DequantizeLinear (weights, per tensor or per axis) */
  for (size_t i = 0; i < g->n_nodes; i++) {
    cliq__node *n = &g->nodes[i];
    if (L->dead[i] || !cliq__node_is(n, "DequantizeLinear") || n->n_inputs < 2) continue;
    const cliq__value *x = &g->values[n->inputs[0]];
    if (!x->constant || x->dtype != CLIQ_DTYPE_UINT8) continue;
    int zi = n->n_inputs > 2 ? n->inputs[2] : -1;
    if (zi >= 0 && !g->values[zi].constant) continue;
    cliq__tensor *q, *zt;
    const cliq__value *sv = &g->values[n->inputs[1]];
    if (cliq__tensor_new(CLIQ_DTYPE_INT8, x->rank, x->dims, &q) != CLIQ_STATUS_OK) return CLIQ_STATUS_OUT_OF_MEMORY;
    if (cliq__tensor_new(CLIQ_DTYPE_INT8, sv->rank, sv->dims, &zt) != CLIQ_STATUS_OK) {
      cliq__tensor_free(q);
      return CLIQ_STATUS_OUT_OF_MEMORY;
    }
    for (size_t k = 0; k < q->nbytes; k++) ((int8_t *)q->data)[k] = (int8_t)(((const uint8_t *)x->constant->data)[k] - 128);
    for (size_t k = 0; k < zt->nbytes; k++)
      ((int8_t *)zt->data)[k] = (int8_t)((zi >= 0 ? (int)cliq__tensor_get_i64(g->values[zi].constant, k) : 0) - 128);
    int qv = cliq__graph_add_constant(g, "w_int8", q), zv = cliq__graph_add_constant(g, "w_zp_int8", zt);
    if (qv < 0 || zv < 0 || !cliq__lq_set_input(g, (int)i, 0, qv) || !cliq__lq_set_input(g, (int)i, 2, zv)) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  /* value quantization: QuantizeLinear outputs, and int8 values read only by matching DQs */
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[i];
    float s;
    int z;
    cliq_dtype dt;
    if (!L->dead[i] && cliq__node_is(n, "QuantizeLinear") && cliq__lq_qparams(g, n, &s, &z, &dt) && dt == CLIQ_DTYPE_INT8 &&
        !cliq__lq_set_quant(&g->values[n->outputs[0]], s, z))
      return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  for (size_t v = 0; v < g->n_values; v++) {
    cliq__value *val = &g->values[v];
    if (val->dtype != CLIQ_DTYPE_INT8 || val->constant || val->quant) continue;
    int rd[64];
    size_t nr = cliq__lq_readers(L, (int)v, rd, 64);
    float s0 = 0;
    int z0 = 0;
    bool ok = nr > 0 && nr <= 64;
    for (size_t r = 0; r < nr && ok; r++) {
      float s = 0;
      int z = 0;
      cliq_dtype dt;
      ok = cliq__node_is(&g->nodes[rd[r]], "DequantizeLinear") && cliq__lq_qparams(g, &g->nodes[rd[r]], &s, &z, &dt) && (r == 0 || (s == s0 && z == z0));
      s0 = s, z0 = z;
    }
    if (ok && !cliq__lq_set_quant(val, s0, z0)) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  return CLIQ_STATUS_OK;
}

/* --- the pass ---------------------------------------------------------------------------------------- */

static void lower_node(cliq__lq *L, int ni) {
  const cliq__node *n = &L->g->nodes[ni];
  if (n->domain[0]) return;
  if (cliq__node_is(n, "QuantizeLinear")) cliq__lq_lower_requant(L, ni);
  else if (cliq__node_is(n, "DequantizeLinear")) return;
  else if (cliq__node_is(n, "Conv")) cliq__lq_lower_conv(L, ni);
  else if (cliq__node_is(n, "Gemm") || cliq__node_is(n, "MatMul")) cliq__lq_lower_gemm(L, ni);
  else if ((cliq__node_is(n, "Add") || cliq__node_is(n, "Mul")) && cliq__lq_lower_binary(L, ni)) return;
  else if (cliq__node_is(n, "Concat")) cliq__lq_lower_concat(L, ni);
  else if (cliq__node_is(n, "AveragePool") || cliq__node_is(n, "GlobalAveragePool")) cliq__lq_lower_pool(L, ni);
  else if (cliq__lq_is_passthrough(n)) cliq__lq_lower_passthrough(L, ni);
  else if (cliq__lq_is_lut_op(n)) cliq__lq_lower_lut_chain(L, ni);
}

/* DequantizeLinears whose float output nothing reads any more (their readers became int8 ops). */
static void drop_unread_dq(cliq__lq *L) {
  for (size_t i = 0; i < L->g->n_nodes; i++) {
    int rd[1];
    const cliq__node *n = &L->g->nodes[i];
    if (!L->dead[i] && cliq__node_is(n, "DequantizeLinear") && !cliq__lq_is_graph_output(L->g, n->outputs[0]) &&
        cliq__lq_readers(L, n->outputs[0], rd, 1) == 0)
      L->dead[i] = true;
  }
}

/* --- folding Q/DQ of constants (shape inference leaves them for this pass) -------------------- */

static bool all_const(const cliq__graph *g, int ni) {
  const cliq__node *n = &g->nodes[ni];
  if (n->n_inputs > 3) return false;
  for (size_t k = 0; k < n->n_inputs; k++)
    if (n->inputs[k] >= 0 && !g->values[n->inputs[k]].constant) return false;
  return true;
}

/* Evaluates node ni (inputs all constant) by its reference; its output becomes a constant. */
static cliq_status fold(cliq_context *ctx, cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  const cliq__tensor *in[3] = {0};
  for (size_t k = 0; k < n->n_inputs; k++) in[k] = n->inputs[k] >= 0 ? g->values[n->inputs[k]].constant : NULL;
  cliq__tensor *out[1] = {NULL};
  CLIQ__TRY(cliq__node_eval(ctx, g, ni, in, out));
  cliq__value_set_constant(&g->values[g->nodes[ni].outputs[0]], out[0]);
  L->dead[ni] = true;
  return CLIQ_STATUS_OK;
}

/* QuantizeLinear of a constant (a weight an exporter quantizes like an activation, as ONNX
 * Runtime does for MatMul weights computed by a Reshape) is folded to the quantized constant, so
 * DQ(constant) patterns see it. */
static cliq_status fold_constant_q(cliq_context *ctx, cliq__lq *L) {
  for (size_t i = 0; i < L->g->n_nodes; i++)
    if (!L->dead[i] && cliq__node_is(&L->g->nodes[i], "QuantizeLinear") && all_const(L->g, (int)i))
      CLIQ__TRY(fold(ctx, L, (int)i));
  return CLIQ_STATUS_OK;
}

/* Rule 4: DequantizeLinear of constants still read by float ops becomes a float constant. */
static cliq_status fold_constant_dq(cliq_context *ctx, cliq__lq *L) {
  for (size_t i = 0; i < L->g->n_nodes; i++) {
    const cliq__node *n = &L->g->nodes[i];
    int rd[1];
    if (L->dead[i] || !cliq__node_is(n, "DequantizeLinear") || !all_const(L->g, (int)i)) continue;
    if (cliq__lq_readers(L, n->outputs[0], rd, 1) == 0 && !cliq__lq_is_graph_output(L->g, n->outputs[0])) continue;
    CLIQ__TRY(fold(ctx, L, (int)i));
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__pass_lower_qdq(cliq_context *ctx, cliq__graph *g) {
  const char *env = getenv("CLIQ_LOWER_QDQ");
  if (env && strcmp(env, "0") == 0) return CLIQ_STATUS_OK;
  bool any = false;
  for (size_t i = 0; i < g->n_nodes && !any; i++)
    any = cliq__node_is(&g->nodes[i], "QuantizeLinear") || cliq__node_is(&g->nodes[i], "DequantizeLinear");
  if (!any) return CLIQ_STATUS_OK;
  cliq__lq L = {g, NULL, 0};
  cliq_status st = CLIQ_STATUS_OUT_OF_MEMORY;
  if (!cliq__lq_grow_dead(&L)) goto out;
  if ((st = fold_constant_q(ctx, &L)) != CLIQ_STATUS_OK) goto out;
  merge_twins(&L);
  if ((st = shift_uint8(&L)) != CLIQ_STATUS_OK) goto out;
  size_t n0 = g->n_nodes; /* nodes appended by rewrites come after and are already int8 */
  for (size_t i = 0; i < n0; i++)
    if (!L.dead[i]) lower_node(&L, (int)i);
  drop_unread_dq(&L);
  cliq__lq_merge_luts(&L);
  for (size_t i = 0; i < g->n_nodes; i++)
    if (!L.dead[i]) cliq__lq_fuse_residual(&L, (int)i);
  if ((st = fold_constant_dq(ctx, &L)) != CLIQ_STATUS_OK) goto out;
  cliq__graph_remove_nodes(g, L.dead);
  st = cliq__graph_toposort(g);
  if (st != CLIQ_STATUS_OK) cliq__fail(ctx, st, "QDQ lowering left a cycle (internal error)");
out:
  if (st == CLIQ_STATUS_OUT_OF_MEMORY && cliq_context_error(ctx)[0] == '\0')
    cliq__fail(ctx, st, "QDQ lowering ran out of memory");
  free(L.dead);
  return st;
}

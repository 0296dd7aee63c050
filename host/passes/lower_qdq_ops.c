/*
 * lower_qdq_ops.c — the QDQ lowering rules that make int8 ops of float nodes (lower_qdq.c's
 * banner lists them): Add/Mul, pools, Concat, scale-preserving ops, Q(DQ(x)), Conv/Gemm/MatMul
 * with their weights and biases, and the residual add fused into QConv/QGemm.
 */
#include "lower_qdq.h"

#include "../error.h"
#include "../ops/quant_util.h"
#include "../shape.h"
#include "activation.h"
#include "cliq_requant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- rule 2: the patterns --------------------------------------------------------------------------- */

typedef struct act_info {
  int act;
  float a, b;
  const char *op;
} act_info;

static bool setup_act(cliq__lq *L, int node, void *user) {
  const act_info *ai = user;
  return cliq__lq_set_act(L, node, ai->act, ai->a, ai->b, ai->op);
}

/* cliq__lq_q_sink_act of output y, the activation it absorbs gathered in *ai for setup_act. */
static int sink_act(cliq__lq *L, int y, int *q, size_t *nq, act_info *ai, int *act_node) {
  int yq = cliq__lq_q_sink_act(L, y, q, nq, &ai->act, &ai->a, &ai->b, act_node);
  ai->op = *act_node >= 0 ? L->g->nodes[*act_node].op_type : "";
  return yq;
}

bool cliq__lq_lower_binary(cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  if (n->n_inputs != 2 || n->n_outputs != 1) return false;
  int a = cliq__lq_dq_src(L, n->inputs[0]), b = cliq__lq_dq_src(L, n->inputs[1]);
  /* with a constant operand a (per-channel) table is cheaper and exact: the QLut rule */
  if (a < 0 || b < 0 || g->values[a].constant || g->values[b].constant) return false;
  int q[16], act_node;
  size_t nq;
  act_info ai;
  int yq = sink_act(L, n->outputs[0], q, &nq, &ai, &act_node);
  if (yq < 0) return false;
  int in[2] = {a, b};
  int nn = cliq__lq_make_node(L, ni, cliq__node_is(n, "Add") ? "QAdd" : "QMul", "cliq", in, 2, &yq, 1, NULL, setup_act, &ai);
  if (nn < 0) return false;
  cliq__lq_commit(L, ni, act_node, q, nq);
  return true;
}

bool cliq__lq_lower_pool(cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  int x = cliq__lq_dq_src(L, n->inputs[0]);
  if (x < 0 || n->n_outputs != 1) return false;
  int q[16], act_node;
  size_t nq;
  act_info ai;
  int yq = sink_act(L, n->outputs[0], q, &nq, &ai, &act_node);
  if (yq < 0) return false;
  bool global = cliq__node_is(n, "GlobalAveragePool");
  int nn = cliq__lq_make_node(L, ni, global ? "QGlobalAvgPool" : "QAvgPool", "cliq", &x, 1, &yq, 1, "", setup_act, &ai);
  if (nn < 0) return false;
  cliq__lq_commit(L, ni, act_node, q, nq);
  return true;
}

bool cliq__lq_lower_concat(cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  size_t nin = n->n_inputs;
  if (nin == 0 || nin > 256 || n->n_outputs != 1) return false;
  int *in = malloc(nin * sizeof(int));
  if (!in) return false;
  bool ok = true;
  for (size_t k = 0; k < nin && ok; k++) ok = (in[k] = cliq__lq_dq_src(L, g->nodes[ni].inputs[k])) >= 0;
  int q[16];
  size_t nq;
  int yq = ok ? cliq__lq_q_sink(L, g->nodes[ni].outputs[0], q, &nq) : -1;
  if (yq >= 0) {
    bool same = true;
    for (size_t k = 0; k < nin; k++) same = same && cliq__lq_same_quant(&g->values[in[k]], &g->values[yq]);
    int nn = cliq__lq_make_node(L, ni, same ? "Concat" : "QConcat", same ? "" : "cliq", in, nin, &yq, 1, "", NULL, NULL);
    if (nn >= 0) cliq__lq_commit(L, ni, -1, q, nq);
    ok = nn >= 0;
  } else {
    ok = false;
  }
  free(in);
  return ok;
}

static const char *const passthrough_ops[] = {"MaxPool", "GlobalMaxPool", "Resize",  "Transpose",    "Slice",
                                              "Split",   "Pad",           "Reshape", "Flatten",      "Squeeze",
                                              "Unsqueeze", "Identity",    "DepthToSpace", "SpaceToDepth", "Gather",
                                              "Expand",  "Tile",          NULL};

bool cliq__lq_is_passthrough(const cliq__node *n) {
  if (n->domain[0]) return false;
  for (size_t i = 0; passthrough_ops[i]; i++)
    if (strcmp(n->op_type, passthrough_ops[i]) == 0) {
      if (strcmp(n->op_type, "Resize") == 0) return strcmp(cliq__attr_string(n, "mode", "nearest"), "nearest") == 0;
      if (strcmp(n->op_type, "Pad") == 0)
        return strcmp(cliq__attr_string(n, "mode", "constant"), "constant") == 0 ||
               strcmp(cliq__attr_string(n, "mode", "constant"), "reflect") == 0 ||
               strcmp(cliq__attr_string(n, "mode", "constant"), "edge") == 0 ||
               strcmp(cliq__attr_string(n, "mode", "constant"), "wrap") == 0;
      return true;
    }
  return false;
}

bool cliq__lq_lower_passthrough(cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  size_t nin = n->n_inputs, nout = n->n_outputs;
  if (nin > 8 || nout > 8 || nout == 0) return false;
  int x = cliq__lq_dq_src(L, n->inputs[0]);
  if (x < 0) return false;
  int in[8];
  in[0] = x;
  for (size_t k = 1; k < nin; k++) {
    int v = g->nodes[ni].inputs[k];
    if (v >= 0 && !g->values[v].constant) return false;
    in[k] = v;
  }
  const cliq__quant *xq = g->values[x].quant;
  /* the pad value, quantized (absent = 0.0 = the zero point) */
  if (cliq__node_is(&g->nodes[ni], "Pad") && strcmp(cliq__attr_string(&g->nodes[ni], "mode", "constant"), "constant") == 0) {
    double c = 0.0;
    if (nin > 2 && in[2] >= 0 && !cliq__lq_scalar_const(g, in[2], &c)) return false;
    int pv = cliq__lq_const_i8(g, "pad_value", cliq_quantize_f32((float)c, xq->scale[0], xq->zero_point[0], -128, 127));
    if (pv < 0) return false;
    if (nin < 3) {
      for (size_t k = nin; k < 3; k++) in[k] = -1;
      nin = 3;
    }
    in[2] = pv;
  }
  int outs[8], qs[8][16];
  size_t nqs[8];
  bool same = true;
  for (size_t k = 0; k < nout; k++) {
    int y = g->nodes[ni].outputs[k];
    if (y < 0) return false; /* MaxPool Indices and the like: keep float */
    if ((outs[k] = cliq__lq_q_sink(L, y, qs[k], &nqs[k])) < 0) return false;
    same = same && cliq__lq_same_quant(&g->values[x], &g->values[outs[k]]);
  }
  if (!same && nout != 1) return false;
  if (same) {
    int nn = cliq__lq_make_node(L, ni, g->nodes[ni].op_type, "", in, nin, outs, nout, "", NULL, NULL);
    if (nn < 0) return false;
    L->dead[ni] = true;
    for (size_t k = 0; k < nout; k++) cliq__lq_commit(L, ni, -1, qs[k], nqs[k]);
    return true;
  }
  /* different output quantization: the op on int8 with x's quantization, then a requantizing QLut */
  char name[160];
  snprintf(name, sizeof name, "%s_int8", g->values[g->nodes[ni].outputs[0]].name);
  int mid = cliq__graph_add_value_unique(g, name);
  if (mid < 0) return false;
  cliq__value *yv = &g->values[outs[0]];
  cliq__value_set_shape(&g->values[mid], CLIQ_DTYPE_INT8, yv->rank, yv->dims);
  if (!cliq__lq_set_quant(&g->values[mid], xq->scale[0], xq->zero_point[0])) return false;
  int nn = cliq__lq_make_node(L, ni, g->nodes[ni].op_type, "", in, nin, &mid, 1, "", NULL, NULL);
  if (nn < 0) return false;
  if (cliq__lq_make_lut(L, ni, mid, outs[0], NULL, 1) < 0) {
    bool *drop = calloc(g->n_nodes, sizeof *drop);
    if (!drop) return false;
    drop[nn] = true;
    cliq__graph_remove_nodes(g, drop);
    free(drop);
    return false;
  }
  cliq__lq_commit(L, ni, -1, qs[0], nqs[0]);
  return true;
}

/* Q(DQ(x)): the identity, or a requantizing QLut. */
bool cliq__lq_lower_requant(cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  float s;
  int z;
  cliq_dtype dt;
  if (!cliq__lq_qparams(g, n, &s, &z, &dt) || dt != CLIQ_DTYPE_INT8) return false;
  int x = cliq__lq_dq_src(L, n->inputs[0]), y = n->outputs[0];
  if (x < 0 || !g->values[y].quant) return false;
  if (cliq__lq_same_quant(&g->values[x], &g->values[y]) && !cliq__lq_is_graph_output(g, y) && !g->values[x].constant) {
    cliq__graph_replace_uses(g, y, x);
    L->dead[ni] = true;
    return true;
  }
  if (cliq__lq_make_lut(L, ni, x, y, NULL, 1) < 0) return false;
  L->dead[ni] = true;
  return true;
}

/* --- Conv / Gemm / MatMul to QConv / QGemm ---------------------------------------------------------- */

/* A constant int8 weight behind a DequantizeLinear (per tensor or per axis `axis`), as a new
 * constant value carrying that quantization. -1 when v is not that. */
static int weight_src(cliq__lq *L, int v, int axis, int64_t channels) {
  cliq__graph *g = L->g;
  int p = v >= 0 ? cliq__lq_producer(L, v) : -1;
  if (p < 0 || !cliq__node_is(&g->nodes[p], "DequantizeLinear")) return -1;
  const cliq__node *n = &g->nodes[p];
  const cliq__value *w = &g->values[n->inputs[0]];
  if (!w->constant || w->dtype != CLIQ_DTYPE_INT8 || n->n_inputs < 2 || !g->values[n->inputs[1]].constant) return -1;
  const cliq__tensor *s = g->values[n->inputs[1]].constant;
  const cliq__tensor *z = n->n_inputs > 2 && n->inputs[2] >= 0 ? g->values[n->inputs[2]].constant : NULL;
  if (n->n_inputs > 2 && n->inputs[2] >= 0 && !z) return -1;
  size_t ns = cliq__tensor_elems(s);
  int ax = -1;
  if (ns != 1) {
    if (!cliq__norm_axis(cliq__attr_int(n, "axis", 1), w->rank, &ax) || ax != axis || (int64_t)ns != channels) return -1;
  }
  cliq__quant *q = cliq__quant_new(ns, ns == 1 ? 0 : axis);
  cliq__tensor *c = cliq__tensor_clone(w->constant);
  if (!q || !c) {
    cliq__quant_free(q);
    cliq__tensor_free(c);
    return -1;
  }
  for (size_t i = 0; i < ns; i++) {
    q->scale[i] = (float)cliq__tensor_get_f64(s, i);
    q->zero_point[i] = z ? (int32_t)cliq__tensor_get_i64(z, i) : 0;
    if (!(q->scale[i] > 0) || !isfinite(q->scale[i])) {
      cliq__quant_free(q);
      cliq__tensor_free(c);
      return -1;
    }
  }
  int wv = cliq__graph_add_constant(g, w->name, c);
  if (wv < 0) {
    cliq__quant_free(q);
    return -1;
  }
  g->values[wv].quant = q;
  return wv;
}

/* The int32 bias at scale s_x * s_w[c] for an int8 op, from DQ(int32 constant) (kept when its
 * scale is exactly that), a float constant, or absent (-1 returned in *out). */
static bool bias_src(cliq__lq *L, int v, float sx, const cliq__quant *wq, int64_t channels, int *out) {
  cliq__graph *g = L->g;
  *out = -1;
  if (v < 0) return true;
  const cliq__tensor *bt = NULL, *bs = NULL, *bz = NULL;
  int p = cliq__lq_producer(L, v);
  if (g->values[v].constant && g->values[v].dtype == CLIQ_DTYPE_FLOAT32) {
    bt = g->values[v].constant;
  } else if (p >= 0 && cliq__node_is(&g->nodes[p], "DequantizeLinear")) {
    const cliq__node *n = &g->nodes[p];
    bt = g->values[n->inputs[0]].constant;
    bs = n->n_inputs > 1 ? g->values[n->inputs[1]].constant : NULL;
    bz = n->n_inputs > 2 && n->inputs[2] >= 0 ? g->values[n->inputs[2]].constant : NULL;
    if (!bt || !bs || (n->n_inputs > 2 && n->inputs[2] >= 0 && !bz) || bt->dtype != CLIQ_DTYPE_INT32) return false;
  } else {
    return false;
  }
  if ((int64_t)cliq__tensor_elems(bt) != channels) return false;
  int64_t d[1] = {channels};
  cliq__tensor *b;
  if (cliq__tensor_new(CLIQ_DTYPE_INT32, 1, d, &b) != CLIQ_STATUS_OK) return false;
  for (int64_t c = 0; c < channels; c++) {
    float sw = wq->scale[wq->n == 1 ? 0 : c];
    float target = sx * sw;
    double real;
    if (bs) {
      float sb = (float)cliq__tensor_get_f64(bs, cliq__tensor_elems(bs) == 1 ? 0 : (size_t)c);
      int64_t zb = bz ? cliq__tensor_get_i64(bz, cliq__tensor_elems(bz) == 1 ? 0 : (size_t)c) : 0;
      int64_t q = cliq__tensor_get_i64(bt, (size_t)c);
      if (sb == target && zb == 0) {
        ((int32_t *)b->data)[c] = (int32_t)q;
        continue;
      }
      real = (double)(q - zb) * sb;
    } else {
      real = cliq__tensor_get_f64(bt, (size_t)c);
    }
    double r = nearbyint(real / ((double)sx * sw));
    if (!(fabs(r) < 2147483647.0)) {
      cliq__tensor_free(b);
      return false;
    }
    ((int32_t *)b->data)[c] = (int32_t)r;
  }
  int bv = cliq__graph_add_constant(g, g->values[v].name, b);
  if (bv < 0) return false;
  *out = bv;
  return true;
}

/* The int8 quantization of a pre-activation value for activation `act` whose output is
 * quantized (sy, zy): it covers the interval of inputs whose quantized activation is not yet the
 * value it takes towards -inf / +inf (found by widening, then scanning a fine grid), so the
 * following QLut can still produce every output code those inputs reach. Used when a QDQ graph
 * has no QuantizeLinear between a Conv/Gemm and an activation that cannot be an int8 clamp: the
 * int8 plan then rounds once more than the QDQ graph does, at a step of the interval / 255. */
static bool act_input_quant(int act, float a, float b, float sy, int zy, float *sc, int *zc) {
#define QA(v) cliq_quantize_f32(cliq_act(act, (float)(v), a, b), sy, zy, -128, 127)
  const int lim_lo = QA(-1e30), lim_hi = QA(1e30);
  double r = 4.0;
  while (r < 1e7 && (QA(-r) != lim_lo || QA(r) != lim_hi)) r *= 2.0;
  const int steps = 1 << 16;
  double lo = 0.0, hi = 0.0;
  bool found = false;
  for (int i = 0; i <= steps; i++) {
    double v = -r + 2.0 * r * i / steps;
    int q = QA(v);
    if (q != lim_lo && !found) lo = v - 2.0 * r / steps, found = true;
    if (q != lim_hi) hi = v + 2.0 * r / steps;
  }
#undef QA
  if (!found || !(hi > lo)) return false;
  *sc = (float)((hi - lo) / 255.0);
  double z = nearbyint(-128.0 - lo / *sc);
  *zc = (int)(z < -128 ? -128 : (z > 127 ? 127 : z));
  return *sc > 0.0f && isfinite(*sc);
}

/* Activations that can follow a QConv/QGemm as a QLut when they cannot be its clamp. */
static bool lut_act(int act) { return act > CLIQ_ACT_CLIP && act < CLIQ_ACT_COUNT; }

/* The output side of a QConv/QGemm replacing node ni with inputs in[]: the activation (fused by
 * the fusion pass, or an activation node that alone reads ni's output) and the quantized output.
 * A ReLU/Clip becomes the op's output clamp; another activation a QLut after an int8 intermediate
 * quantized by act_input_quant. */
static bool emit_layer(cliq__lq *L, int ni, const char *op, const int *in, size_t nin, const char *copy_skip) {
  cliq__graph *g = L->g;
  act_info ai = {(int)cliq__attr_int(&g->nodes[ni], "cliq.act", CLIQ_ACT_NONE), cliq__attr_float(&g->nodes[ni], "cliq.act_a", 0.0f),
                 cliq__attr_float(&g->nodes[ni], "cliq.act_b", 0.0f), cliq__attr_string(&g->nodes[ni], "cliq.activation", "")};
  int y = g->nodes[ni].outputs[0], q[16], act_node = -1, yq;
  size_t nq;
  if (ai.act != CLIQ_ACT_NONE) {
    yq = cliq__lq_q_sink(L, y, q, &nq);
  } else if ((yq = cliq__lq_q_sink_act(L, y, q, &nq, &ai.act, &ai.a, &ai.b, &act_node)) >= 0) {
    if (act_node >= 0) ai.op = g->nodes[act_node].op_type;
  } else {
    int rd[2];
    if (cliq__lq_is_graph_output(g, y) || cliq__lq_readers(L, y, rd, 2) != 1 || g->nodes[rd[0]].n_inputs < 1 ||
        g->nodes[rd[0]].inputs[0] != y || !cliq__lq_is_lut_op(&g->nodes[rd[0]]))
      return false;
    cliq__opctx oc = {NULL, g, rd[0]};
    if (cliq__unary_params(&oc, &ai.act, &ai.a, &ai.b) != CLIQ_STATUS_OK || !lut_act(ai.act)) return false;
    if ((yq = cliq__lq_q_sink(L, g->nodes[rd[0]].outputs[0], q, &nq)) < 0) return false;
    act_node = rd[0];
    ai.op = g->nodes[act_node].op_type;
  }
  if (yq < 0 || (ai.act != CLIQ_ACT_NONE && ai.act != CLIQ_ACT_RELU && ai.act != CLIQ_ACT_CLIP && !lut_act(ai.act))) return false;
  if (!lut_act(ai.act)) {
    if (cliq__lq_make_node(L, ni, op, "cliq", in, nin, &yq, 1, copy_skip, setup_act, &ai) < 0) return false;
    cliq__lq_commit(L, ni, act_node, q, nq);
    return true;
  }
  const cliq__quant *oq = g->values[yq].quant;
  float sc;
  int zc;
  if (!act_input_quant(ai.act, ai.a, ai.b, oq->scale[0], oq->zero_point[0], &sc, &zc)) return false;
  char name[160];
  snprintf(name, sizeof name, "%s_int8", g->values[y].name);
  int mid = cliq__graph_add_value_unique(g, name);
  if (mid < 0) return false;
  cliq__value *yv = &g->values[y];
  cliq__value_set_shape(&g->values[mid], CLIQ_DTYPE_INT8, yv->rank, yv->dims);
  if (!cliq__lq_set_quant(&g->values[mid], sc, zc)) return false;
  act_info none = {CLIQ_ACT_NONE, 0.0f, 0.0f, ""};
  int nn = cliq__lq_make_node(L, ni, op, "cliq", in, nin, &mid, 1, copy_skip, setup_act, &none);
  if (nn < 0) return false;
  int lut = cliq__lq_make_node(L, ni, "QLut", "cliq", &mid, 1, &yq, 1, NULL, setup_act, &ai);
  if (lut < 0) {
    L->dead[nn] = true; /* mid has no reader: the node dies with the others at the end */
    return false;
  }
  cliq__lq_commit(L, ni, act_node, q, nq);
  return true;
}

/* Only the fused activation may ride on a float Conv/Gemm that becomes int8: any other cliq.*
 * attribute changes its meaning (cliq.input_nhwc: reads a channels-last input) and QConv/QGemm
 * would not honour it. */
static bool only_act_attrs(const cliq__node *n) {
  for (size_t i = 0; i < n->n_attrs; i++) {
    const char *a = n->attrs[i].name;
    if (strncmp(a, "cliq.", 5) == 0 && strcmp(a, "cliq.act") && strcmp(a, "cliq.act_a") && strcmp(a, "cliq.act_b") &&
        strcmp(a, "cliq.activation"))
      return false;
  }
  return true;
}

bool cliq__lq_lower_conv(cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  if (!cliq__op_find("QConv", "cliq")) return false;
  const cliq__node *n = &g->nodes[ni];
  if (n->n_inputs < 2 || n->n_outputs != 1 || !only_act_attrs(n)) return false;
  int x = cliq__lq_dq_src(L, n->inputs[0]);
  if (x < 0 || g->values[x].constant) return false;
  const cliq__value *wf = &g->values[n->inputs[1]];
  if (wf->rank < 3) return false;
  int w = weight_src(L, n->inputs[1], 0, wf->dims[0]);
  if (w < 0) return false;
  int b = -1;
  if (!bias_src(L, g->nodes[ni].n_inputs > 2 ? g->nodes[ni].inputs[2] : -1, g->values[x].quant->scale[0], g->values[w].quant,
                g->values[w].dims[0], &b))
    return false;
  int in[3] = {x, w, b};
  return emit_layer(L, ni, "QConv", in, b >= 0 ? 3 : 2, ",cliq.act,cliq.act_a,cliq.act_b,cliq.activation,");
}

bool cliq__lq_lower_gemm(cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  if (!cliq__op_find("QGemm", "cliq")) return false;
  const cliq__node *n = &g->nodes[ni];
  bool gemm = cliq__node_is(n, "Gemm");
  if (n->n_outputs != 1 || n->n_inputs < 2 || !only_act_attrs(n)) return false;
  if (gemm && (cliq__attr_int(n, "transA", 0) != 0 || cliq__attr_float(n, "alpha", 1.0f) != 1.0f ||
               cliq__attr_float(n, "beta", 1.0f) != 1.0f))
    return false;
  int x = cliq__lq_dq_src(L, n->inputs[0]);
  if (x < 0 || g->values[x].constant) return false;
  const cliq__value *wf = &g->values[n->inputs[1]];
  if (wf->rank != 2) return false;
  bool trans_b = gemm && cliq__attr_int(n, "transB", 0) != 0;
  int64_t nout = trans_b ? wf->dims[0] : wf->dims[1];
  int w = weight_src(L, n->inputs[1], trans_b ? 0 : 1, nout);
  if (w < 0) return false;
  if (!trans_b) { /* QGemm keeps weights [N, K]: transpose the constant, per-axis axis becomes 0 */
    cliq__value *wv = &g->values[w];
    int64_t k = wv->dims[0], nn = wv->dims[1], d[2] = {nn, k};
    cliq__tensor *t;
    if (cliq__tensor_new(CLIQ_DTYPE_INT8, 2, d, &t) != CLIQ_STATUS_OK) return false;
    for (int64_t r = 0; r < k; r++)
      for (int64_t c = 0; c < nn; c++) ((int8_t *)t->data)[c * k + r] = ((const int8_t *)wv->constant->data)[r * nn + c];
    cliq__value_set_constant(wv, t);
    wv->quant->axis = 0;
  }
  int b = -1;
  int bin = gemm && g->nodes[ni].n_inputs > 2 ? g->nodes[ni].inputs[2] : -1;
  if (!bias_src(L, bin, g->values[x].quant->scale[0], g->values[w].quant, nout, &b)) return false;
  int in[3] = {x, w, b};
  return emit_layer(L, ni, "QGemm", in, b >= 0 ? 3 : 2, NULL);
}

/* A QAdd whose input is the output of a QConv/QGemm read by nothing else becomes that op's fused
 * residual add (input 3): the op's own result is requantized to the quantization its output had
 * (cliq.conv_scale, cliq.conv_zero_point, its activation as cliq.conv_act*), then added as
 * cliq_q8_add does, so the fused op gives QConv-then-QAdd's bits (branch int8-gemm's contract). */
typedef struct residual_info {
  int producer, add, conv_out;
} residual_info;

/* The producer's activation applies before the add, the QAdd's after it. */
static bool setup_residual(cliq__lq *L, int nn, void *user) {
  const residual_info *ri = user;
  cliq__graph *g = L->g;
  cliq__node *f = &g->nodes[nn];
  const cliq__node *src = &g->nodes[ri->producer], *add = &g->nodes[ri->add];
  const cliq__quant *cq = g->values[ri->conv_out].quant;
  const char *an = cliq__attr_string(add, "cliq.activation", NULL);
  char label[96];
  snprintf(label, sizeof label, "Add%s%s", an ? "+" : "", an ? an : "");
  return cliq__node_set_float(f, "cliq.conv_scale", cq->scale[0]) &&
         cliq__node_set_int(f, "cliq.conv_zero_point", cq->zero_point[0]) &&
         cliq__node_set_int(f, "cliq.conv_act", cliq__attr_int(src, "cliq.act", CLIQ_ACT_NONE)) &&
         cliq__node_set_float(f, "cliq.conv_act_a", cliq__attr_float(src, "cliq.act_a", 0.0f)) &&
         cliq__node_set_float(f, "cliq.conv_act_b", cliq__attr_float(src, "cliq.act_b", 0.0f)) &&
         cliq__node_set_int(f, "cliq.act", cliq__attr_int(add, "cliq.act", CLIQ_ACT_NONE)) &&
         cliq__node_set_float(f, "cliq.act_a", cliq__attr_float(add, "cliq.act_a", 0.0f)) &&
         cliq__node_set_float(f, "cliq.act_b", cliq__attr_float(add, "cliq.act_b", 0.0f)) &&
         cliq__node_set_string(f, "cliq.activation", label);
}

bool cliq__lq_fuse_residual(cliq__lq *L, int ai) {
  cliq__graph *g = L->g;
  const cliq__node *a = &g->nodes[ai];
  if (strcmp(a->op_type, "QAdd") != 0 || strcmp(a->domain, "cliq") != 0 || a->n_inputs != 2) return false;
  int y = a->outputs[0];
  for (int k = 0; k < 2; k++) {
    int c = g->nodes[ai].inputs[k], r = g->nodes[ai].inputs[1 - k], rd[2];
    int p = cliq__lq_producer(L, c);
    if (p < 0 || strcmp(g->nodes[p].domain, "cliq") != 0) continue;
    const cliq__node *pn = &g->nodes[p];
    if (strcmp(pn->op_type, "QConv") != 0 && strcmp(pn->op_type, "QGemm") != 0) continue;
    if ((pn->n_inputs > 3 && pn->inputs[3] >= 0) || c == r || cliq__lq_is_graph_output(g, c) || cliq__lq_readers(L, c, rd, 2) != 1) continue;
    const cliq__value *cv = &g->values[c], *yv = &g->values[y];
    if (cv->rank != yv->rank || memcmp(cv->dims, yv->dims, sizeof cv->dims) != 0 || !cv->quant) continue;
    int in[4] = {pn->inputs[0], pn->inputs[1], pn->n_inputs > 2 ? pn->inputs[2] : -1, r};
    residual_info ri = {p, ai, c};
    int nn = cliq__lq_make_node(L, p, pn->op_type, "cliq", in, 4, &y, 1, ",cliq.act,cliq.act_a,cliq.act_b,cliq.activation,",
                       setup_residual, &ri);
    if (nn < 0) continue;
    L->dead[p] = L->dead[ai] = true;
    return true;
  }
  return false;
}

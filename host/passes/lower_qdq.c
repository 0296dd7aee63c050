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
 *       [N, K]). Only when those ops exist in the op table (branch int8-gemm).
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
#include "passes.h"

#include "../error.h"
#include "../ops/op.h"
#include "../ops/quant_util.h"
#include "../shape.h"
#include "activation.h"
#include "cliq_requant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* defined in host/ops/unary.c: (CLIQ_ACT_*, a, b) of a Relu/Clip/... node */
cliq_status cliq__unary_params(const cliq__opctx *oc, int *act, float *a, float *b);

typedef struct lower {
  cliq__graph *g;
  bool *dead;
  size_t cap_dead;
} lower;

static bool is_op(const cliq__node *n, const char *op) { return n->domain[0] == '\0' && strcmp(n->op_type, op) == 0; }

static bool grow_dead(lower *L) {
  if (L->g->n_nodes <= L->cap_dead) return true;
  size_t cap = L->g->n_nodes * 2 + 16;
  bool *d = realloc(L->dead, cap * sizeof *d);
  if (!d) return false;
  memset(d + L->cap_dead, 0, (cap - L->cap_dead) * sizeof *d);
  L->dead = d;
  L->cap_dead = cap;
  return true;
}

static bool is_graph_output(const cliq__graph *g, int v) {
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return true;
  return false;
}

/* Live nodes reading value v (each node once), up to max; returns the count. */
static size_t readers(const lower *L, int v, int *out, size_t max) {
  size_t c = 0;
  for (size_t i = 0; i < L->g->n_nodes; i++) {
    if (L->dead[i]) continue;
    const cliq__node *n = &L->g->nodes[i];
    for (size_t k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] == v) {
        if (c < max) out[c] = (int)i;
        c++;
        break;
      }
  }
  return c;
}

static int producer(const lower *L, int v) {
  for (size_t i = 0; i < L->g->n_nodes; i++) {
    if (L->dead[i]) continue;
    const cliq__node *n = &L->g->nodes[i];
    for (size_t k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] == v) return (int)i;
  }
  return -1;
}

static bool scalar_const(const cliq__graph *g, int v, double *out) {
  if (v < 0 || !g->values[v].constant || cliq__tensor_elems(g->values[v].constant) != 1) return false;
  if (out) *out = cliq__tensor_get_f64(g->values[v].constant, 0);
  return true;
}

/* Per-tensor constant parameters of a QuantizeLinear/DequantizeLinear node; dt is the quantized
 * type (the zero point's, else QuantizeLinear's output_dtype or uint8, DequantizeLinear's input). */
static bool qparams(const cliq__graph *g, const cliq__node *n, float *s, int *z, cliq_dtype *dt) {
  double sv, zv = 0;
  if (n->n_inputs < 2 || !scalar_const(g, n->inputs[1], &sv) || !(sv > 0) || !isfinite(sv)) return false;
  int zi = n->n_inputs > 2 ? n->inputs[2] : -1;
  if (zi >= 0 && !scalar_const(g, zi, &zv)) return false;
  if (cliq__attr_int(n, "block_size", 0) != 0) return false;
  cliq_dtype t;
  if (zi >= 0) t = g->values[zi].dtype;
  else if (is_op(n, "QuantizeLinear")) t = (cliq_dtype)cliq__attr_int(n, "output_dtype", CLIQ_DTYPE_UINT8);
  else t = g->values[n->inputs[0]].dtype;
  if (t != CLIQ_DTYPE_INT8 && t != CLIQ_DTYPE_UINT8) return false;
  *s = (float)sv;
  *z = (int)zv;
  *dt = t;
  return true;
}

static int new_const(cliq__graph *g, const char *hint, cliq__tensor *t) {
  int v = cliq__graph_add_value_unique(g, hint);
  if (v < 0) {
    cliq__tensor_free(t);
    return -1;
  }
  cliq__value_set_constant(&g->values[v], t);
  g->values[v].flags |= CLIQ__VALUE_INITIALIZER;
  return v;
}

static int const_i8(cliq__graph *g, const char *hint, int val) {
  cliq__tensor *t;
  if (cliq__tensor_new(CLIQ_DTYPE_INT8, 0, NULL, &t) != CLIQ_STATUS_OK) return -1;
  ((int8_t *)t->data)[0] = (int8_t)val;
  return new_const(g, hint, t);
}

/* Sets input k of node ni (growing the input list with absent entries if needed). */
static bool set_input(cliq__graph *g, int ni, size_t k, int v) {
  cliq__node *n = &g->nodes[ni];
  if (k >= n->n_inputs) {
    int *in = realloc(n->inputs, (k + 1) * sizeof(int));
    if (!in) return false;
    for (size_t i = n->n_inputs; i <= k; i++) in[i] = -1;
    n->inputs = in;
    n->n_inputs = k + 1;
  }
  n->inputs[k] = v;
  return true;
}

static bool set_quant(cliq__value *v, float s, int z) {
  cliq__quant *q = cliq__quant_new(1, 0);
  if (!q) return false;
  q->scale[0] = s;
  q->zero_point[0] = z;
  cliq__quant_free(v->quant);
  v->quant = q;
  return true;
}

static cliq_status fold_constant_q(cliq_context *ctx, lower *L);

/* --- rule 1: uint8 to int8, and value quantization --------------------------------------------- */

static cliq_status shift_uint8(lower *L) {
  cliq__graph *g = L->g;
  for (size_t i = 0; i < g->n_nodes; i++) {
    if (L->dead[i] || !is_op(&g->nodes[i], "QuantizeLinear")) continue;
    float s;
    int z;
    cliq_dtype dt;
    if (!qparams(g, &g->nodes[i], &s, &z, &dt) || dt != CLIQ_DTYPE_UINT8) continue;
    int y = g->nodes[i].outputs[0];
    if (is_graph_output(g, y)) continue;
    int rd[64];
    size_t nr = readers(L, y, rd, 64);
    bool ok = nr > 0 && nr <= 64;
    for (size_t r = 0; r < nr && ok; r++) {
      float s2;
      int z2;
      cliq_dtype d2;
      ok = is_op(&g->nodes[rd[r]], "DequantizeLinear") && g->nodes[rd[r]].inputs[0] == y &&
           qparams(g, &g->nodes[rd[r]], &s2, &z2, &d2) && d2 == CLIQ_DTYPE_UINT8;
    }
    if (!ok) continue;
    int zq = const_i8(g, "zp_int8", z - 128);
    if (zq < 0 || !set_input(g, (int)i, 2, zq)) return CLIQ_STATUS_OUT_OF_MEMORY;
    if (cliq__node_attr(&g->nodes[i], "output_dtype") && !cliq__node_set_int(&g->nodes[i], "output_dtype", CLIQ_DTYPE_INT8))
      return CLIQ_STATUS_OUT_OF_MEMORY;
    g->values[y].dtype = CLIQ_DTYPE_INT8;
    for (size_t r = 0; r < nr; r++) {
      float s2;
      int z2;
      cliq_dtype d2;
      qparams(g, &g->nodes[rd[r]], &s2, &z2, &d2);
      int zr = const_i8(g, "zp_int8", z2 - 128);
      if (zr < 0 || !set_input(g, rd[r], 2, zr)) return CLIQ_STATUS_OUT_OF_MEMORY;
    }
  }
  /* constant uint8 data behind DequantizeLinear (weights, per tensor or per axis) */
  for (size_t i = 0; i < g->n_nodes; i++) {
    cliq__node *n = &g->nodes[i];
    if (L->dead[i] || !is_op(n, "DequantizeLinear") || n->n_inputs < 2) continue;
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
    int qv = new_const(g, "w_int8", q), zv = new_const(g, "w_zp_int8", zt);
    if (qv < 0 || zv < 0 || !set_input(g, (int)i, 0, qv) || !set_input(g, (int)i, 2, zv)) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  /* value quantization: QuantizeLinear outputs, and int8 values read only by matching DQs */
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[i];
    float s;
    int z;
    cliq_dtype dt;
    if (!L->dead[i] && is_op(n, "QuantizeLinear") && qparams(g, n, &s, &z, &dt) && dt == CLIQ_DTYPE_INT8 &&
        !set_quant(&g->values[n->outputs[0]], s, z))
      return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  for (size_t v = 0; v < g->n_values; v++) {
    cliq__value *val = &g->values[v];
    if (val->dtype != CLIQ_DTYPE_INT8 || val->constant || val->quant) continue;
    int rd[64];
    size_t nr = readers(L, (int)v, rd, 64);
    float s0 = 0;
    int z0 = 0;
    bool ok = nr > 0 && nr <= 64;
    for (size_t r = 0; r < nr && ok; r++) {
      float s;
      int z;
      cliq_dtype dt;
      ok = is_op(&g->nodes[rd[r]], "DequantizeLinear") && qparams(g, &g->nodes[rd[r]], &s, &z, &dt) && (r == 0 || (s == s0 && z == z0));
      s0 = s, z0 = z;
    }
    if (ok && !set_quant(val, s0, z0)) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  return CLIQ_STATUS_OK;
}

/* --- matching helpers ------------------------------------------------------------------------------ */

/* When v is DQ(x) with x an int8 value whose quantization the DQ repeats, x; for DQ of an int8
 * constant (per tensor), a copy of the constant carrying that quantization. Else -1. */
static int dq_src(lower *L, int v) {
  cliq__graph *g = L->g;
  if (v < 0) return -1;
  int p = producer(L, v);
  if (p < 0 || !is_op(&g->nodes[p], "DequantizeLinear")) return -1;
  float s;
  int z;
  cliq_dtype dt;
  if (!qparams(g, &g->nodes[p], &s, &z, &dt) || dt != CLIQ_DTYPE_INT8) return -1;
  int x = g->nodes[p].inputs[0];
  const cliq__value *xv = &g->values[x];
  if (xv->dtype != CLIQ_DTYPE_INT8) return -1;
  if (xv->constant) {
    if (xv->quant && xv->quant->n == 1 && xv->quant->scale[0] == s && xv->quant->zero_point[0] == z) return x;
    cliq__tensor *c = cliq__tensor_clone(xv->constant);
    if (!c) return -1;
    int q = new_const(g, xv->name, c);
    if (q < 0 || !set_quant(&g->values[q], s, z)) return -1;
    return q;
  }
  if (!xv->quant || xv->quant->n != 1 || xv->quant->scale[0] != s || xv->quant->zero_point[0] != z) return -1;
  return x;
}

/* When float value v is read only by QuantizeLinears to int8 with identical per-tensor parameters
 * and is not a graph output: the first one's output; the nodes go to q[] (count in *nq). */
static int q_sink(lower *L, int v, int *q, size_t *nq) {
  cliq__graph *g = L->g;
  if (v < 0 || is_graph_output(g, v)) return -1;
  size_t nr = readers(L, v, q, 16);
  if (nr == 0 || nr > 16) return -1;
  float s0 = 0;
  int z0 = 0;
  for (size_t r = 0; r < nr; r++) {
    const cliq__node *n = &g->nodes[q[r]];
    float s;
    int z;
    cliq_dtype dt;
    if (!is_op(n, "QuantizeLinear") || n->inputs[0] != v || !qparams(g, n, &s, &z, &dt) || dt != CLIQ_DTYPE_INT8) return -1;
    if (r && (s != s0 || z != z0)) return -1;
    s0 = s, z0 = z;
    if (!g->values[n->outputs[0]].quant) return -1;
  }
  *nq = nr;
  return g->nodes[q[0]].outputs[0];
}

static bool same_quant(const cliq__value *a, const cliq__value *b) {
  return a->quant && b->quant && a->quant->n == 1 && b->quant->n == 1 && a->quant->scale[0] == b->quant->scale[0] &&
         a->quant->zero_point[0] == b->quant->zero_point[0];
}

/* Output of float value y through an optional Relu/Clip into QuantizeLinear(s): the quantized
 * output, the activation (CLIQ_ACT_NONE/RELU/CLIP, a, b) and the activation node (-1 if none). */
static int q_sink_act(lower *L, int y, int *q, size_t *nq, int *act, float *a, float *b, int *act_node) {
  *act = CLIQ_ACT_NONE, *a = 0, *b = 0, *act_node = -1;
  int yq = q_sink(L, y, q, nq);
  if (yq >= 0) return yq;
  int rd[2];
  if (is_graph_output(L->g, y) || readers(L, y, rd, 2) != 1) return -1;
  cliq__node *n = &L->g->nodes[rd[0]];
  if (!is_op(n, "Relu") && !is_op(n, "Clip")) return -1;
  if (n->inputs[0] != y) return -1;
  cliq__opctx oc = {NULL, L->g, rd[0]};
  if (cliq__unary_params(&oc, act, a, b) != CLIQ_STATUS_OK) return -1;
  yq = q_sink(L, n->outputs[0], q, nq);
  if (yq < 0) return -1;
  *act_node = rd[0];
  return yq;
}

/* Copies src's attributes to node dst (names in skip, comma-separated with commas around, are
 * left out). */
static bool copy_attrs(cliq__graph *g, int dst, int src, const char *skip) {
  for (size_t i = 0; i < g->nodes[src].n_attrs; i++) {
    const cliq__attr *a = &g->nodes[src].attrs[i];
    char key[96];
    snprintf(key, sizeof key, ",%s,", a->name);
    if (skip && strstr(skip, key)) continue;
    cliq__node *d = &g->nodes[dst];
    cliq__attr *p = realloc(d->attrs, (d->n_attrs + 1) * sizeof *p);
    if (!p) return false;
    d->attrs = p;
    if (!cliq__attr_copy(&p[d->n_attrs], a)) return false;
    d->n_attrs++;
  }
  return true;
}

/* Appends node (op, domain) named after node `like`, checks it with its own check and infer
 * (messages dropped) and returns its index; on rejection removes it, restores the outputs' types
 * and shapes and returns -1. `setup` may add attributes before the check. */
typedef bool (*setup_fn)(lower *L, int node, void *user);

static int make_node(lower *L, int like, const char *op, const char *domain, const int *in, size_t nin, const int *out,
                     size_t nout, const char *copy_skip, setup_fn setup, void *user) {
  cliq__graph *g = L->g;
  const cliq__op_def *def = cliq__op_find(op, domain);
  if (!def) return -1;
  cliq__value saved[8];
  if (nout > 8) return -1;
  for (size_t k = 0; k < nout; k++) saved[k] = g->values[out[k]];
  char *name = cliq__strdup(g->nodes[like].name);
  int opset = g->nodes[like].opset;
  if (!name) return -1;
  int ni = cliq__graph_add_node(g, op, domain, name, in, nin, out, nout);
  free(name);
  if (ni < 0 || !grow_dead(L)) return -1;
  cliq__node *n = &g->nodes[ni];
  n->opset = domain[0] ? 1 : opset;
  n->def = def;
  bool ok = copy_skip ? copy_attrs(g, ni, like, copy_skip) : true;
  if (ok && setup) ok = setup(L, ni, user);
  cliq__opctx oc = {NULL, g, ni};
  if (ok && def->check) ok = def->check(&oc) == CLIQ_STATUS_OK;
  if (ok) ok = def->infer(&oc) == CLIQ_STATUS_OK;
  for (size_t k = 0; ok && k < nout; k++)
    ok = g->values[out[k]].dtype == saved[k].dtype && g->values[out[k]].rank == saved[k].rank &&
         memcmp(g->values[out[k]].dims, saved[k].dims, sizeof saved[k].dims) == 0;
  if (ok) return ni;
  /* undo: drop the node, restore what infer may have changed on the outputs */
  for (size_t k = 0; k < nout; k++) {
    cliq__value *v = &g->values[out[k]];
    v->dtype = saved[k].dtype, v->rank = saved[k].rank;
    memcpy(v->dims, saved[k].dims, sizeof v->dims);
  }
  bool *drop = calloc(g->n_nodes, sizeof *drop);
  if (!drop) return -1;
  drop[ni] = true;
  cliq__graph_remove_nodes(g, drop);
  free(drop);
  return -1;
}

/* After node ni replaced `old` (and an optional activation node) feeding Q nodes q[0..nq) whose
 * common output ni now produces: marks them dead and points readers of the other Qs' outputs at
 * the first one's. */
static void commit(lower *L, int old, int act_node, const int *q, size_t nq) {
  L->dead[old] = true;
  if (act_node >= 0) L->dead[act_node] = true;
  int y = L->g->nodes[q[0]].outputs[0];
  for (size_t k = 0; k < nq; k++) {
    L->dead[q[k]] = true;
    if (k) cliq__graph_replace_uses(L->g, L->g->nodes[q[k]].outputs[0], y);
  }
}

static bool set_act(lower *L, int node, int act, float a, float b, const char *act_op) {
  cliq__node *n = &L->g->nodes[node];
  if (act == CLIQ_ACT_NONE) return true;
  return cliq__node_set_int(n, "cliq.act", act) && cliq__node_set_float(n, "cliq.act_a", a) &&
         cliq__node_set_float(n, "cliq.act_b", b) && cliq__node_set_string(n, "cliq.activation", act_op);
}

/* The activation fused on a float node by the fusion pass, when it can be an int8 clamp. */
static bool fused_clamp(const cliq__node *n, int *act, float *a, float *b) {
  *act = (int)cliq__attr_int(n, "cliq.act", CLIQ_ACT_NONE);
  *a = cliq__attr_float(n, "cliq.act_a", 0.0f);
  *b = cliq__attr_float(n, "cliq.act_b", 0.0f);
  return *act == CLIQ_ACT_NONE || *act == CLIQ_ACT_RELU || *act == CLIQ_ACT_CLIP;
}

/* --- rule 2: the patterns --------------------------------------------------------------------------- */

typedef struct act_info {
  int act;
  float a, b;
  const char *op;
} act_info;

static bool setup_act(lower *L, int node, void *user) {
  const act_info *ai = user;
  return set_act(L, node, ai->act, ai->a, ai->b, ai->op);
}

static bool lower_binary(lower *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  if (n->n_inputs != 2 || n->n_outputs != 1) return false;
  int a = dq_src(L, n->inputs[0]), b = dq_src(L, n->inputs[1]);
  /* with a constant operand a (per-channel) table is cheaper and exact: lower_lut_chain */
  if (a < 0 || b < 0 || g->values[a].constant || g->values[b].constant) return false;
  int q[16], act_node;
  size_t nq;
  act_info ai;
  int yq = q_sink_act(L, n->outputs[0], q, &nq, &ai.act, &ai.a, &ai.b, &act_node);
  if (yq < 0) return false;
  ai.op = act_node >= 0 ? g->nodes[act_node].op_type : "";
  int in[2] = {a, b};
  int nn = make_node(L, ni, is_op(n, "Add") ? "QAdd" : "QMul", "cliq", in, 2, &yq, 1, NULL, setup_act, &ai);
  if (nn < 0) return false;
  commit(L, ni, act_node, q, nq);
  return true;
}

static bool lower_pool(lower *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  int x = dq_src(L, n->inputs[0]);
  if (x < 0 || n->n_outputs != 1) return false;
  int q[16], act_node;
  size_t nq;
  act_info ai;
  int yq = q_sink_act(L, n->outputs[0], q, &nq, &ai.act, &ai.a, &ai.b, &act_node);
  if (yq < 0) return false;
  ai.op = act_node >= 0 ? g->nodes[act_node].op_type : "";
  bool global = is_op(n, "GlobalAveragePool");
  int nn = make_node(L, ni, global ? "QGlobalAvgPool" : "QAvgPool", "cliq", &x, 1, &yq, 1, "", setup_act, &ai);
  if (nn < 0) return false;
  commit(L, ni, act_node, q, nq);
  return true;
}

static bool lower_concat(lower *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  size_t nin = n->n_inputs;
  if (nin == 0 || nin > 256 || n->n_outputs != 1) return false;
  int *in = malloc(nin * sizeof(int));
  if (!in) return false;
  bool ok = true;
  for (size_t k = 0; k < nin && ok; k++) ok = (in[k] = dq_src(L, g->nodes[ni].inputs[k])) >= 0;
  int q[16];
  size_t nq;
  int yq = ok ? q_sink(L, g->nodes[ni].outputs[0], q, &nq) : -1;
  if (yq >= 0) {
    bool same = true;
    for (size_t k = 0; k < nin; k++) same = same && same_quant(&g->values[in[k]], &g->values[yq]);
    int nn = make_node(L, ni, same ? "Concat" : "QConcat", same ? "" : "cliq", in, nin, &yq, 1, "", NULL, NULL);
    if (nn >= 0) commit(L, ni, -1, q, nq);
    ok = nn >= 0;
  } else {
    ok = false;
  }
  free(in);
  return ok;
}

/* A QLut from int8 value x to int8 value y: the identity function between their quantizations
 * (a requantization), or an explicit table. */
static int make_lut(lower *L, int like, int x, int y, const int8_t *table, size_t channels) {
  cliq__graph *g = L->g;
  int in[2] = {x, -1};
  if (table) {
    int64_t d[2] = {(int64_t)channels, 256};
    cliq__tensor *t;
    if (cliq__tensor_new(CLIQ_DTYPE_INT8, channels > 1 ? 2 : 1, channels > 1 ? d : d + 1, &t) != CLIQ_STATUS_OK) return -1;
    memcpy(t->data, table, channels * 256);
    if ((in[1] = new_const(g, "lut", t)) < 0) return -1;
  }
  return make_node(L, like, "QLut", "cliq", in, table ? 2 : 1, &y, 1, NULL, NULL, NULL); /* axis: default 1 */
}

static const char *const passthrough_ops[] = {"MaxPool", "GlobalMaxPool", "Resize",  "Transpose",    "Slice",
                                              "Split",   "Pad",           "Reshape", "Flatten",      "Squeeze",
                                              "Unsqueeze", "Identity",    "DepthToSpace", "SpaceToDepth", "Gather",
                                              "Expand",  "Tile",          NULL};

static bool is_passthrough(const cliq__node *n) {
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

static bool lower_passthrough(lower *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  size_t nin = n->n_inputs, nout = n->n_outputs;
  if (nin > 8 || nout > 8 || nout == 0) return false;
  int x = dq_src(L, n->inputs[0]);
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
  if (is_op(&g->nodes[ni], "Pad") && strcmp(cliq__attr_string(&g->nodes[ni], "mode", "constant"), "constant") == 0) {
    double c = 0.0;
    if (nin > 2 && in[2] >= 0 && !scalar_const(g, in[2], &c)) return false;
    int pv = const_i8(g, "pad_value", cliq_quantize_f32((float)c, xq->scale[0], xq->zero_point[0], -128, 127));
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
    if ((outs[k] = q_sink(L, y, qs[k], &nqs[k])) < 0) return false;
    same = same && same_quant(&g->values[x], &g->values[outs[k]]);
  }
  if (!same && nout != 1) return false;
  if (same) {
    int nn = make_node(L, ni, g->nodes[ni].op_type, "", in, nin, outs, nout, "", NULL, NULL);
    if (nn < 0) return false;
    L->dead[ni] = true;
    for (size_t k = 0; k < nout; k++) commit(L, ni, -1, qs[k], nqs[k]);
    return true;
  }
  /* different output quantization: the op on int8 with x's quantization, then a requantizing QLut */
  char name[160];
  snprintf(name, sizeof name, "%s_int8", g->values[g->nodes[ni].outputs[0]].name);
  int mid = cliq__graph_add_value_unique(g, name);
  if (mid < 0) return false;
  cliq__value *yv = &g->values[outs[0]];
  cliq__value_set_shape(&g->values[mid], CLIQ_DTYPE_INT8, yv->rank, yv->dims);
  if (!set_quant(&g->values[mid], xq->scale[0], xq->zero_point[0])) return false;
  int nn = make_node(L, ni, g->nodes[ni].op_type, "", in, nin, &mid, 1, "", NULL, NULL);
  if (nn < 0) return false;
  if (make_lut(L, ni, mid, outs[0], NULL, 1) < 0) {
    bool *drop = calloc(g->n_nodes, sizeof *drop);
    if (!drop) return false;
    drop[nn] = true;
    cliq__graph_remove_nodes(g, drop);
    free(drop);
    return false;
  }
  commit(L, ni, -1, qs[0], nqs[0]);
  return true;
}

/* Q(DQ(x)): the identity, or a requantizing QLut. */
static bool lower_requant(lower *L, int ni) {
  cliq__graph *g = L->g;
  const cliq__node *n = &g->nodes[ni];
  float s;
  int z;
  cliq_dtype dt;
  if (!qparams(g, n, &s, &z, &dt) || dt != CLIQ_DTYPE_INT8) return false;
  int x = dq_src(L, n->inputs[0]), y = n->outputs[0];
  if (x < 0 || !g->values[y].quant) return false;
  if (same_quant(&g->values[x], &g->values[y]) && !is_graph_output(g, y) && !g->values[x].constant) {
    cliq__graph_replace_uses(g, y, x);
    L->dead[ni] = true;
    return true;
  }
  if (make_lut(L, ni, x, y, NULL, 1) < 0) return false;
  L->dead[ni] = true;
  return true;
}

/* Elementwise float ops a QLut can absorb when their other operands are constants: scalars, or
 * per-channel ones (one value per channel of axis 1, broadcast over the rest; BatchNormalization's
 * per-channel parameters), which give one table per channel. */
static const char *const lut_ops[] = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",  "Exp",
                                      "Add",  "Sub",  "Mul",       "Div",     "Neg",         "Abs",       "Sqrt",  "Reciprocal",
                                      "Floor", "Ceil", "Pow",      "Max",     "Min",         "PRelu",     "Elu",   "Selu",
                                      "Softplus", "Softsign", "Erf", "Log",   "Identity",    "BatchNormalization", NULL};

static bool is_lut_op(const cliq__node *n) {
  if (n->domain[0] || n->n_outputs < 1) return false;
  for (size_t i = 0; lut_ops[i]; i++)
    if (strcmp(n->op_type, lut_ops[i]) == 0) return n->n_outputs == 1 || is_op(n, "BatchNormalization");
  return false;
}

/* v as a constant: already one, or DequantizeLinear of constants (folded here, so that float ops
 * and tables see the real values). */
static const cliq__tensor *const_of(lower *L, int v) {
  cliq__graph *g = L->g;
  if (v < 0) return NULL;
  if (g->values[v].constant) return g->values[v].constant;
  int p = producer(L, v);
  if (p < 0 || !is_op(&g->nodes[p], "DequantizeLinear")) return NULL;
  const cliq__node *n = &g->nodes[p];
  const cliq__tensor *in[3] = {0};
  for (size_t k = 0; k < n->n_inputs && k < 3; k++) {
    if (n->inputs[k] < 0) continue;
    if (!(in[k] = g->values[n->inputs[k]].constant)) return NULL;
  }
  cliq__tensor *out[1] = {NULL};
  if (cliq__node_eval(NULL, g, p, in, out) != CLIQ_STATUS_OK) return NULL;
  cliq__value_set_constant(&g->values[v], out[0]);
  L->dead[p] = true;
  return out[0];
}

/* How constant operand k of node n relates to data of rank `rank` with `channels` along axis 1:
 * 0 not usable, 1 a scalar, 2 per channel. */
static int const_kind(const cliq__node *n, size_t k, const cliq__tensor *t, int rank, int64_t channels) {
  if (cliq__tensor_elems(t) == 1) return 1;
  if (rank < 2) return 0;
  if (is_op(n, "BatchNormalization")) return k >= 1 && t->rank == 1 && t->dims[0] == channels ? 2 : 0;
  if (!is_op(n, "Add") && !is_op(n, "Sub") && !is_op(n, "Mul") && !is_op(n, "Div") && !is_op(n, "Max") && !is_op(n, "Min") &&
      !is_op(n, "Pow") && !is_op(n, "PRelu"))
    return 0;
  if (t->rank > rank) return 0;
  for (int d = 0; d < t->rank; d++) {
    int dx = d + rank - t->rank;
    if (t->dims[d] != 1 && !(dx == 1 && t->dims[d] == channels)) return 0;
  }
  return 2;
}

/* Node ni's operands are x, constants (scalar or per channel: *per_channel is set), absent, or
 * outputs of chain[0..nch); at least one is x or a chain output. */
static bool lut_operands_ok(lower *L, int ni, int x, const int *chain, size_t nch, bool *per_channel) {
  cliq__graph *g = L->g;
  const cliq__value *xv = &g->values[x];
  bool uses = false;
  for (size_t k = 0; k < g->nodes[ni].n_inputs; k++) {
    int v = g->nodes[ni].inputs[k];
    if (v < 0) continue;
    if (v == x) {
      uses = true;
      continue;
    }
    bool from_chain = false;
    for (size_t c = 0; c < nch; c++)
      if (g->nodes[chain[c]].outputs[0] == v) from_chain = true;
    if (from_chain) {
      uses = true;
      continue;
    }
    const cliq__tensor *t = const_of(L, v);
    int kind = t ? const_kind(&g->nodes[ni], k, t, xv->rank, xv->rank >= 2 ? xv->dims[1] : 1) : 0;
    if (kind == 0) return false;
    if (kind == 2) *per_channel = true;
  }
  return uses && (g->nodes[ni].n_outputs == 1 || (g->nodes[ni].n_outputs > 1 && g->nodes[ni].outputs[1] < 0));
}

/* The tables of a chain of elementwise nodes from float input xf (= DQ of int8 x) to its last
 * node's output, quantized as yq: the chain is copied into a scratch graph whose input is the
 * constant tensor of the 256 dequantized codes (per channel: shape [1, C, 1.., 256], or [256, C]
 * for rank 2, so per-channel constants broadcast over it), folded by the ops' own references, and
 * the results quantized. `channels` tables of 256 entries go to `table`. */
static bool chain_table(lower *L, const int *chain, size_t nch, int xf, int x, int yq, size_t channels, int8_t *table) {
  cliq__graph *g = L->g, *t = cliq__graph_new();
  if (!t) return false;
  t->opset = g->opset;
  bool ok = true;
  int *map = malloc(g->n_values * sizeof(int));
  if (!map) ok = false;
  for (size_t v = 0; ok && v < g->n_values; v++) map[v] = -1;
  const cliq__quant *xq = g->values[x].quant, *yqq = g->values[yq].quant;
  int rank = channels > 1 ? g->values[x].rank : 1;
  int code_dim = rank >= 3 ? rank - 1 : 0;
  size_t stride_c = rank >= 3 ? 256 : 1, stride_q = rank >= 3 ? 1 : channels;
  if (ok) {
    int64_t d[CLIQ_MAX_RANK];
    for (int i = 0; i < rank; i++) d[i] = 1;
    d[code_dim] = 256;
    if (channels > 1) d[1] = (int64_t)channels;
    cliq__tensor *codes;
    ok = cliq__tensor_new(CLIQ_DTYPE_FLOAT32, rank, d, &codes) == CLIQ_STATUS_OK;
    if (ok) {
      for (size_t c = 0; c < channels; c++)
        for (int q = -128; q <= 127; q++)
          ((float *)codes->data)[c * stride_c + (size_t)(q + 128) * stride_q] = (float)(q - xq->zero_point[0]) * xq->scale[0];
      int v = cliq__graph_add_value(t, "codes");
      if (v < 0) {
        cliq__tensor_free(codes);
        ok = false;
      } else {
        cliq__value_set_constant(&t->values[v], codes);
        map[xf] = v;
      }
    }
  }
  for (size_t c = 0; ok && c < nch; c++) {
    const cliq__node *n = &g->nodes[chain[c]];
    int in[8], out;
    if (n->n_inputs > 8) {
      ok = false;
      break;
    }
    for (size_t k = 0; ok && k < n->n_inputs; k++) {
      int v = n->inputs[k];
      if (v < 0) {
        in[k] = -1;
      } else if (map[v] >= 0) {
        in[k] = map[v];
      } else {
        in[k] = cliq__graph_add_value(t, g->values[v].name);
        cliq__tensor *cv = g->values[v].constant ? cliq__tensor_clone(g->values[v].constant) : NULL;
        ok = in[k] >= 0 && cv;
        if (ok) cliq__value_set_constant(&t->values[in[k]], cv);
        else cliq__tensor_free(cv);
        if (ok) map[v] = in[k];
      }
    }
    if (!ok) break;
    out = cliq__graph_add_value(t, g->values[n->outputs[0]].name);
    ok = out >= 0;
    if (!ok) break;
    map[n->outputs[0]] = out;
    int tn = cliq__graph_add_node(t, n->op_type, n->domain, n->name, in, n->n_inputs, &out, 1);
    ok = tn >= 0;
    if (ok) {
      t->nodes[tn].opset = n->opset;
      for (size_t a = 0; ok && a < n->n_attrs; a++) {
        cliq__attr *p = realloc(t->nodes[tn].attrs, (t->nodes[tn].n_attrs + 1) * sizeof *p);
        ok = p != NULL;
        if (ok) {
          t->nodes[tn].attrs = p;
          ok = cliq__attr_copy(&p[t->nodes[tn].n_attrs], &n->attrs[a]);
          if (ok) t->nodes[tn].n_attrs++;
        }
      }
    }
  }
  if (ok) ok = cliq__graph_infer(NULL, t, CLIQ__INFER_FOLD_CONST) == CLIQ_STATUS_OK;
  if (ok) {
    const cliq__value *r = &t->values[map[g->nodes[chain[nch - 1]].outputs[0]]];
    ok = r->constant && r->constant->dtype == CLIQ_DTYPE_FLOAT32 && cliq__tensor_elems(r->constant) == 256 * channels;
    for (size_t c = 0; ok && c < channels; c++)
      for (size_t q = 0; q < 256; q++)
        table[c * 256 + q] = (int8_t)cliq_quantize_f32(((const float *)r->constant->data)[c * stride_c + q * stride_q],
                                                       yqq->scale[0], yqq->zero_point[0], -128, 127);
  }
  free(map);
  cliq__graph_free(t);
  return ok;
}

static bool lower_lut_chain(lower *L, int ni) {
  cliq__graph *g = L->g;
  /* the chain's quantized input: the one operand that is a DQ of an int8 activation */
  int xf = -1, x = -1;
  for (size_t k = 0; k < g->nodes[ni].n_inputs && x < 0; k++) {
    int v = g->nodes[ni].inputs[k], s = dq_src(L, v);
    if (s >= 0 && !g->values[s].constant) xf = v, x = s;
  }
  bool per_channel = false;
  if (x < 0 || !lut_operands_ok(L, ni, xf, NULL, 0, &per_channel)) return false;
  int chain[6] = {ni}, q[16];
  size_t nch = 1, nq;
  int yq;
  while ((yq = q_sink(L, g->nodes[chain[nch - 1]].outputs[0], q, &nq)) < 0) {
    int y = g->nodes[chain[nch - 1]].outputs[0], rd[2];
    if (nch == 6 || is_graph_output(g, y) || readers(L, y, rd, 2) != 1) return false;
    if (!is_lut_op(&g->nodes[rd[0]]) || !lut_operands_ok(L, rd[0], xf, chain, nch, &per_channel)) return false;
    chain[nch++] = rd[0];
  }
  /* earlier chain outputs must not escape the chain */
  for (size_t c = 0; c + 1 < nch; c++) {
    int rd[4], y = g->nodes[chain[c]].outputs[0];
    size_t nr = readers(L, y, rd, 4);
    if (is_graph_output(g, y)) return false;
    for (size_t r = 0; r < nr; r++) {
      bool inside = false;
      for (size_t c2 = c + 1; c2 < nch; c2++) inside = inside || rd[r] == chain[c2];
      if (!inside) return false;
    }
  }
  const cliq__value *xv = &g->values[x];
  size_t channels = per_channel ? (size_t)xv->dims[1] : 1;
  if (channels == 0 || channels > 65536) return false;
  int8_t *table = malloc(channels * 256);
  bool ok = table && chain_table(L, chain, nch, xf, x, yq, channels, table) && make_lut(L, ni, x, yq, table, channels) >= 0;
  free(table);
  if (!ok) return false;
  for (size_t c = 0; c < nch; c++) L->dead[chain[c]] = true;
  commit(L, ni, -1, q, nq);
  return true;
}

/* --- Conv / Gemm / MatMul to QConv / QGemm ---------------------------------------------------------- */

/* A constant int8 weight behind a DequantizeLinear (per tensor or per axis `axis`), as a new
 * constant value carrying that quantization. -1 when v is not that. */
static int weight_src(lower *L, int v, int axis, int64_t channels) {
  cliq__graph *g = L->g;
  int p = v >= 0 ? producer(L, v) : -1;
  if (p < 0 || !is_op(&g->nodes[p], "DequantizeLinear")) return -1;
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
  int wv = new_const(g, w->name, c);
  if (wv < 0) {
    cliq__quant_free(q);
    return -1;
  }
  g->values[wv].quant = q;
  return wv;
}

/* The int32 bias at scale s_x * s_w[c] for an int8 op, from DQ(int32 constant) (kept when its
 * scale is exactly that), a float constant, or absent (-1 returned in *out). */
static bool bias_src(lower *L, int v, float sx, const cliq__quant *wq, int64_t channels, int *out) {
  cliq__graph *g = L->g;
  *out = -1;
  if (v < 0) return true;
  const cliq__tensor *bt = NULL, *bs = NULL, *bz = NULL;
  int p = producer(L, v);
  if (g->values[v].constant && g->values[v].dtype == CLIQ_DTYPE_FLOAT32) {
    bt = g->values[v].constant;
  } else if (p >= 0 && is_op(&g->nodes[p], "DequantizeLinear")) {
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
  int bv = new_const(g, g->values[v].name, b);
  if (bv < 0) return false;
  *out = bv;
  return true;
}

static bool lower_conv(lower *L, int ni) {
  cliq__graph *g = L->g;
  if (!cliq__op_find("QConv", "cliq")) return false;
  const cliq__node *n = &g->nodes[ni];
  if (n->n_inputs < 2 || n->n_outputs != 1) return false;
  int x = dq_src(L, n->inputs[0]);
  if (x < 0 || g->values[x].constant) return false;
  const cliq__value *wf = &g->values[n->inputs[1]];
  if (wf->rank < 3) return false;
  int w = weight_src(L, n->inputs[1], 0, wf->dims[0]);
  if (w < 0) return false;
  act_info ai;
  if (!fused_clamp(&g->nodes[ni], &ai.act, &ai.a, &ai.b)) return false;
  ai.op = cliq__attr_string(&g->nodes[ni], "cliq.activation", "");
  int q[16], act_node = -1;
  size_t nq;
  int yq;
  if (ai.act != CLIQ_ACT_NONE) {
    yq = q_sink(L, g->nodes[ni].outputs[0], q, &nq);
  } else {
    yq = q_sink_act(L, g->nodes[ni].outputs[0], q, &nq, &ai.act, &ai.a, &ai.b, &act_node);
    if (act_node >= 0) ai.op = g->nodes[act_node].op_type;
  }
  if (yq < 0) return false;
  int b = -1;
  if (!bias_src(L, g->nodes[ni].n_inputs > 2 ? g->nodes[ni].inputs[2] : -1, g->values[x].quant->scale[0], g->values[w].quant,
                g->values[w].dims[0], &b))
    return false;
  int in[3] = {x, w, b};
  int nn = make_node(L, ni, "QConv", "cliq", in, b >= 0 ? 3 : 2, &yq, 1, ",cliq.act,cliq.act_a,cliq.act_b,cliq.activation,",
                     setup_act, &ai);
  if (nn < 0) return false;
  commit(L, ni, act_node, q, nq);
  return true;
}

static bool lower_gemm(lower *L, int ni) {
  cliq__graph *g = L->g;
  if (!cliq__op_find("QGemm", "cliq")) return false;
  const cliq__node *n = &g->nodes[ni];
  bool gemm = is_op(n, "Gemm");
  if (n->n_outputs != 1 || n->n_inputs < 2) return false;
  if (gemm && (cliq__attr_int(n, "transA", 0) != 0 || cliq__attr_float(n, "alpha", 1.0f) != 1.0f ||
               cliq__attr_float(n, "beta", 1.0f) != 1.0f))
    return false;
  int x = dq_src(L, n->inputs[0]);
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
  act_info ai;
  if (!fused_clamp(&g->nodes[ni], &ai.act, &ai.a, &ai.b)) return false;
  ai.op = cliq__attr_string(&g->nodes[ni], "cliq.activation", "");
  int q[16], act_node = -1;
  size_t nq;
  int yq;
  if (ai.act != CLIQ_ACT_NONE) {
    yq = q_sink(L, g->nodes[ni].outputs[0], q, &nq);
  } else {
    yq = q_sink_act(L, g->nodes[ni].outputs[0], q, &nq, &ai.act, &ai.a, &ai.b, &act_node);
    if (act_node >= 0) ai.op = g->nodes[act_node].op_type;
  }
  if (yq < 0) return false;
  int b = -1;
  int bin = gemm && g->nodes[ni].n_inputs > 2 ? g->nodes[ni].inputs[2] : -1;
  if (!bias_src(L, bin, g->values[x].quant->scale[0], g->values[w].quant, nout, &b)) return false;
  int in[3] = {x, w, b};
  int nn = make_node(L, ni, "QGemm", "cliq", in, b >= 0 ? 3 : 2, &yq, 1, NULL, setup_act, &ai);
  if (nn < 0) return false;
  commit(L, ni, act_node, q, nq);
  return true;
}

/* --- the pass ---------------------------------------------------------------------------------------- */

static void lower_node(lower *L, int ni) {
  const cliq__node *n = &L->g->nodes[ni];
  if (n->domain[0]) return;
  if (is_op(n, "QuantizeLinear")) lower_requant(L, ni);
  else if (is_op(n, "DequantizeLinear")) return;
  else if (is_op(n, "Conv")) lower_conv(L, ni);
  else if (is_op(n, "Gemm") || is_op(n, "MatMul")) lower_gemm(L, ni);
  else if ((is_op(n, "Add") || is_op(n, "Mul")) && lower_binary(L, ni)) return;
  else if (is_op(n, "Concat")) lower_concat(L, ni);
  else if (is_op(n, "AveragePool") || is_op(n, "GlobalAveragePool")) lower_pool(L, ni);
  else if (is_passthrough(n)) lower_passthrough(L, ni);
  else if (is_lut_op(n)) lower_lut_chain(L, ni);
}

/* A QAdd whose input is the output of a QConv/QGemm read by nothing else becomes that op's fused
 * residual add (input 3): the op's own result is requantized to the quantization its output had
 * (cliq.conv_scale, cliq.conv_zero_point, its activation as cliq.conv_act*), then added as
 * cliq_q8_add does, so the fused op gives QConv-then-QAdd's bits (branch int8-gemm's contract). */
typedef struct residual_info {
  int producer, add, conv_out;
} residual_info;

/* The producer's activation applies before the add, the QAdd's after it. */
static bool setup_residual(lower *L, int nn, void *user) {
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

static bool fuse_residual(lower *L, int ai) {
  cliq__graph *g = L->g;
  const cliq__node *a = &g->nodes[ai];
  if (strcmp(a->op_type, "QAdd") != 0 || strcmp(a->domain, "cliq") != 0 || a->n_inputs != 2) return false;
  int y = a->outputs[0];
  for (int k = 0; k < 2; k++) {
    int c = g->nodes[ai].inputs[k], r = g->nodes[ai].inputs[1 - k], rd[2];
    int p = producer(L, c);
    if (p < 0 || strcmp(g->nodes[p].domain, "cliq") != 0) continue;
    const cliq__node *pn = &g->nodes[p];
    if (strcmp(pn->op_type, "QConv") != 0 && strcmp(pn->op_type, "QGemm") != 0) continue;
    if ((pn->n_inputs > 3 && pn->inputs[3] >= 0) || c == r || is_graph_output(g, c) || readers(L, c, rd, 2) != 1) continue;
    const cliq__value *cv = &g->values[c], *yv = &g->values[y];
    if (cv->rank != yv->rank || memcmp(cv->dims, yv->dims, sizeof cv->dims) != 0 || !cv->quant) continue;
    int in[4] = {pn->inputs[0], pn->inputs[1], pn->n_inputs > 2 ? pn->inputs[2] : -1, r};
    residual_info ri = {p, ai, c};
    int nn = make_node(L, p, pn->op_type, "cliq", in, 4, &y, 1, ",cliq.act,cliq.act_a,cliq.act_b,cliq.activation,",
                       setup_residual, &ri);
    if (nn < 0) continue;
    L->dead[p] = L->dead[ai] = true;
    return true;
  }
  return false;
}

/* DequantizeLinears whose float output nothing reads any more (their readers became int8 ops). */
static void drop_unread_dq(lower *L) {
  for (size_t i = 0; i < L->g->n_nodes; i++) {
    int rd[1];
    const cliq__node *n = &L->g->nodes[i];
    if (!L->dead[i] && is_op(n, "DequantizeLinear") && !is_graph_output(L->g, n->outputs[0]) &&
        readers(L, n->outputs[0], rd, 1) == 0)
      L->dead[i] = true;
  }
}

/* Consecutive QLuts (Relu then Clip, a requantization after a chain) become one: the composed
 * tables are exactly what the two lookups compute (per channel when either is). */
static void merge_luts(lower *L) {
  cliq__graph *g = L->g;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < g->n_nodes; i++) {
      if (L->dead[i] || strcmp(g->nodes[i].op_type, "QLut") != 0 || strcmp(g->nodes[i].domain, "cliq") != 0) continue;
      int y = g->nodes[i].outputs[0], rd[2];
      if (is_graph_output(g, y) || readers(L, y, rd, 2) != 1) continue;
      int j = rd[0];
      if (strcmp(g->nodes[j].op_type, "QLut") != 0 || strcmp(g->nodes[j].domain, "cliq") != 0 || g->nodes[j].inputs[0] != y) continue;
      int8_t *ta = NULL, *tb = NULL, *t = NULL;
      size_t ca, cb;
      int xa, xb;
      cliq__opctx oa = {NULL, g, (int)i}, ob = {NULL, g, j};
      bool ok = cliq__op_qlut_tables(&oa, &ta, &ca, &xa) == CLIQ_STATUS_OK && cliq__op_qlut_tables(&ob, &tb, &cb, &xb) == CLIQ_STATUS_OK &&
                (ca == 1 || cb == 1 || (ca == cb && xa == xb));
      size_t cn = ca > cb ? ca : cb;
      if (ok && (xa == 1 || xa == -1) && (xb == 1 || xb == -1) && (t = malloc(cn * 256))) {
        for (size_t c = 0; c < cn; c++)
          for (int k = 0; k < 256; k++) t[c * 256 + k] = tb[(cb == 1 ? 0 : c) * 256 + (size_t)(ta[(ca == 1 ? 0 : c) * 256 + k] + 128)];
        if (make_lut(L, j, g->nodes[i].inputs[0], g->nodes[j].outputs[0], t, cn) >= 0) {
          L->dead[i] = L->dead[j] = true;
          changed = true;
        }
      }
      free(ta), free(tb), free(t);
    }
  }
}

/* QuantizeLinear of a constant (a weight an exporter quantizes like an activation, as ONNX
 * Runtime does for MatMul weights computed by a Reshape) is folded to the quantized constant, so
 * DQ(constant) patterns see it. */
static cliq_status fold_constant_q(cliq_context *ctx, lower *L) {
  cliq__graph *g = L->g;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[i];
    if (L->dead[i] || !is_op(n, "QuantizeLinear")) continue;
    bool all_const = n->n_inputs <= 3;
    for (size_t k = 0; k < n->n_inputs && all_const; k++)
      if (n->inputs[k] >= 0 && !g->values[n->inputs[k]].constant) all_const = false;
    if (!all_const) continue;
    const cliq__tensor *in[3] = {0};
    for (size_t k = 0; k < n->n_inputs; k++) in[k] = n->inputs[k] >= 0 ? g->values[n->inputs[k]].constant : NULL;
    cliq__tensor *out[1] = {NULL};
    CLIQ__TRY(cliq__node_eval(ctx, g, (int)i, in, out));
    cliq__value_set_constant(&g->values[g->nodes[i].outputs[0]], out[0]);
    L->dead[i] = true;
  }
  return CLIQ_STATUS_OK;
}

/* Rule 4: DequantizeLinear of constants still read by float ops becomes a float constant. */
static cliq_status fold_constant_dq(cliq_context *ctx, lower *L) {
  cliq__graph *g = L->g;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[i];
    if (L->dead[i] || !is_op(n, "DequantizeLinear")) continue;
    bool all_const = true;
    for (size_t k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0 && !g->values[n->inputs[k]].constant) all_const = false;
    int rd[1];
    if (!all_const || (readers(L, n->outputs[0], rd, 1) == 0 && !is_graph_output(g, n->outputs[0]))) continue;
    const cliq__tensor *in[3] = {0};
    for (size_t k = 0; k < n->n_inputs && k < 3; k++) in[k] = n->inputs[k] >= 0 ? g->values[n->inputs[k]].constant : NULL;
    cliq__tensor *out[1] = {NULL};
    CLIQ__TRY(cliq__node_eval(ctx, g, (int)i, in, out));
    cliq__value_set_constant(&g->values[g->nodes[i].outputs[0]], out[0]);
    L->dead[i] = true;
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__pass_lower_qdq(cliq_context *ctx, cliq__graph *g) {
  const char *env = getenv("CLIQ_LOWER_QDQ");
  if (env && strcmp(env, "0") == 0) return CLIQ_STATUS_OK;
  bool any = false;
  for (size_t i = 0; i < g->n_nodes && !any; i++)
    any = is_op(&g->nodes[i], "QuantizeLinear") || is_op(&g->nodes[i], "DequantizeLinear");
  if (!any) return CLIQ_STATUS_OK;
  lower L = {g, NULL, 0};
  cliq_status st = CLIQ_STATUS_OUT_OF_MEMORY;
  if (!grow_dead(&L)) goto out;
  if ((st = fold_constant_q(ctx, &L)) != CLIQ_STATUS_OK) goto out;
  if ((st = shift_uint8(&L)) != CLIQ_STATUS_OK) goto out;
  size_t n0 = g->n_nodes; /* nodes appended by rewrites come after and are already int8 */
  for (size_t i = 0; i < n0; i++)
    if (!L.dead[i]) lower_node(&L, (int)i);
  drop_unread_dq(&L);
  merge_luts(&L);
  for (size_t i = 0; i < g->n_nodes; i++)
    if (!L.dead[i]) fuse_residual(&L, (int)i);
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

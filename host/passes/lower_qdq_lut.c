/*
 * lower_qdq_lut.c — QDQ lowering into QLut: chains of elementwise float ops between one
 * DequantizeLinear and a QuantizeLinear become 256-entry tables (one per channel when a constant
 * operand is per channel), computed by running the chain's own references on the 256 codes; and
 * consecutive QLuts are composed.
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

/* A QLut from int8 value x to int8 value y: the identity function between their quantizations
 * (a requantization), or an explicit table. */
int cliq__lq_make_lut(cliq__lq *L, int like, int x, int y, const int8_t *table, size_t channels) {
  cliq__graph *g = L->g;
  int in[2] = {x, -1};
  if (table) {
    int64_t d[2] = {(int64_t)channels, 256};
    cliq__tensor *t;
    if (cliq__tensor_new(CLIQ_DTYPE_INT8, channels > 1 ? 2 : 1, channels > 1 ? d : d + 1, &t) != CLIQ_STATUS_OK) return -1;
    memcpy(t->data, table, channels * 256);
    if ((in[1] = cliq__graph_add_constant(g, "lut", t)) < 0) return -1;
  }
  return cliq__lq_make_node(L, like, "QLut", "cliq", in, table ? 2 : 1, &y, 1, NULL, NULL, NULL); /* axis: default 1 */
}

/* Elementwise float ops a QLut can absorb when their other operands are constants: scalars, or
 * per-channel ones (one value per channel of axis 1, broadcast over the rest; BatchNormalization's
 * per-channel parameters), which give one table per channel. */
static const char *const lut_ops[] = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",  "Exp",
                                      "Add",  "Sub",  "Mul",       "Div",     "Neg",         "Abs",       "Sqrt",  "Reciprocal",
                                      "Floor", "Ceil", "Pow",      "Max",     "Min",         "PRelu",     "Elu",   "Selu",
                                      "Softplus", "Softsign", "Erf", "Log",   "Identity",    "BatchNormalization", NULL};

bool cliq__lq_is_lut_op(const cliq__node *n) {
  if (n->domain[0] || n->n_outputs < 1) return false;
  for (size_t i = 0; lut_ops[i]; i++)
    if (strcmp(n->op_type, lut_ops[i]) == 0) return n->n_outputs == 1 || cliq__node_is(n, "BatchNormalization");
  return false;
}

/* v as a constant: already one, or DequantizeLinear of constants (folded here, so that float ops
 * and tables see the real values). */
static const cliq__tensor *const_of(cliq__lq *L, int v) {
  cliq__graph *g = L->g;
  if (v < 0) return NULL;
  if (g->values[v].constant) return g->values[v].constant;
  int p = cliq__lq_producer(L, v);
  if (p < 0 || !cliq__node_is(&g->nodes[p], "DequantizeLinear")) return NULL;
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
  if (cliq__node_is(n, "BatchNormalization")) return k >= 1 && t->rank == 1 && t->dims[0] == channels ? 2 : 0;
  if (!cliq__node_is(n, "Add") && !cliq__node_is(n, "Sub") && !cliq__node_is(n, "Mul") && !cliq__node_is(n, "Div") && !cliq__node_is(n, "Max") && !cliq__node_is(n, "Min") &&
      !cliq__node_is(n, "Pow") && !cliq__node_is(n, "PRelu"))
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
static bool lut_operands_ok(cliq__lq *L, int ni, int x, const int *chain, size_t nch, bool *per_channel) {
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
static bool chain_table(cliq__lq *L, const int *chain, size_t nch, int xf, int x, int yq, size_t channels, int8_t *table) {
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

bool cliq__lq_lower_lut_chain(cliq__lq *L, int ni) {
  cliq__graph *g = L->g;
  /* the chain's quantized input: the one operand that is a DQ of an int8 activation */
  int xf = -1, x = -1;
  for (size_t k = 0; k < g->nodes[ni].n_inputs && x < 0; k++) {
    int v = g->nodes[ni].inputs[k], s = cliq__lq_dq_src(L, v);
    if (s >= 0 && !g->values[s].constant) xf = v, x = s;
  }
  bool per_channel = false;
  if (x < 0 || !lut_operands_ok(L, ni, xf, NULL, 0, &per_channel)) return false;
  int chain[6] = {ni}, q[16];
  size_t nch = 1, nq;
  int yq;
  while ((yq = cliq__lq_q_sink(L, g->nodes[chain[nch - 1]].outputs[0], q, &nq)) < 0) {
    int y = g->nodes[chain[nch - 1]].outputs[0], rd[2];
    if (nch == 6 || cliq__lq_is_graph_output(g, y) || cliq__lq_readers(L, y, rd, 2) != 1) return false;
    if (!cliq__lq_is_lut_op(&g->nodes[rd[0]]) || !lut_operands_ok(L, rd[0], xf, chain, nch, &per_channel)) return false;
    chain[nch++] = rd[0];
  }
  /* earlier chain outputs must not escape the chain */
  for (size_t c = 0; c + 1 < nch; c++) {
    int rd[4], y = g->nodes[chain[c]].outputs[0];
    size_t nr = cliq__lq_readers(L, y, rd, 4);
    if (cliq__lq_is_graph_output(g, y)) return false;
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
  bool ok = table && chain_table(L, chain, nch, xf, x, yq, channels, table) && cliq__lq_make_lut(L, ni, x, yq, table, channels) >= 0;
  free(table);
  if (!ok) return false;
  for (size_t c = 0; c < nch; c++) L->dead[chain[c]] = true;
  cliq__lq_commit(L, ni, -1, q, nq);
  return true;
}

/* Consecutive QLuts (Relu then Clip, a requantization after a chain) become one: the composed
 * tables are exactly what the two lookups compute (per channel when either is). */
void cliq__lq_merge_luts(cliq__lq *L) {
  cliq__graph *g = L->g;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < g->n_nodes; i++) {
      if (L->dead[i] || strcmp(g->nodes[i].op_type, "QLut") != 0 || strcmp(g->nodes[i].domain, "cliq") != 0) continue;
      int y = g->nodes[i].outputs[0], rd[2];
      if (cliq__lq_is_graph_output(g, y) || cliq__lq_readers(L, y, rd, 2) != 1) continue;
      int j = rd[0];
      if (strcmp(g->nodes[j].op_type, "QLut") != 0 || strcmp(g->nodes[j].domain, "cliq") != 0 || g->nodes[j].inputs[0] != y) continue;
      int8_t *ta = NULL, *tb = NULL, *t = NULL;
      size_t ca = 0, cb = 0;
      int xa = -1, xb = -1;
      cliq__opctx oa = {NULL, g, (int)i}, ob = {NULL, g, j};
      bool ok = cliq__op_qlut_tables(&oa, &ta, &ca, &xa) == CLIQ_STATUS_OK && cliq__op_qlut_tables(&ob, &tb, &cb, &xb) == CLIQ_STATUS_OK &&
                (ca == 1 || cb == 1 || (ca == cb && xa == xb));
      size_t cn = ca > cb ? ca : cb;
      if (ok && (xa == 1 || xa == -1) && (xb == 1 || xb == -1) && (t = malloc(cn * 256))) {
        for (size_t c = 0; c < cn; c++)
          for (int k = 0; k < 256; k++) t[c * 256 + k] = tb[(cb == 1 ? 0 : c) * 256 + (size_t)(ta[(ca == 1 ? 0 : c) * 256 + k] + 128)];
        if (cliq__lq_make_lut(L, j, g->nodes[i].inputs[0], g->nodes[j].outputs[0], t, cn) >= 0) {
          L->dead[i] = L->dead[j] = true;
          changed = true;
        }
      }
      free(ta), free(tb), free(t);
    }
  }
}

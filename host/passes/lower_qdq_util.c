/*
 * lower_qdq_util.c — what the QDQ lowering pass's rules share (lower_qdq.h): graph queries that
 * ignore nodes already replaced, reading QuantizeLinear/DequantizeLinear parameters, matching
 * DQ(x) inputs and Q outputs, and making a replacement node that its own infer must accept.
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


bool cliq__lq_grow_dead(cliq__lq *L) {
  if (L->g->n_nodes <= L->cap_dead) return true;
  size_t cap = L->g->n_nodes * 2 + 16;
  bool *d = realloc(L->dead, cap * sizeof *d);
  if (!d) return false;
  memset(d + L->cap_dead, 0, (cap - L->cap_dead) * sizeof *d);
  L->dead = d;
  L->cap_dead = cap;
  return true;
}

bool cliq__lq_is_graph_output(const cliq__graph *g, int v) {
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return true;
  return false;
}

/* Live nodes reading value v (each node once), up to max; returns the count. */
size_t cliq__lq_readers(const cliq__lq *L, int v, int *out, size_t max) {
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

int cliq__lq_producer(const cliq__lq *L, int v) {
  for (size_t i = 0; i < L->g->n_nodes; i++) {
    if (L->dead[i]) continue;
    const cliq__node *n = &L->g->nodes[i];
    for (size_t k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] == v) return (int)i;
  }
  return -1;
}

bool cliq__lq_scalar_const(const cliq__graph *g, int v, double *out) {
  if (v < 0 || !g->values[v].constant || cliq__tensor_elems(g->values[v].constant) != 1) return false;
  if (out) *out = cliq__tensor_get_f64(g->values[v].constant, 0);
  return true;
}

/* Per-tensor constant parameters of a QuantizeLinear/DequantizeLinear node; dt is the quantized
 * type (the zero point's, else QuantizeLinear's output_dtype or uint8, DequantizeLinear's input). */
bool cliq__lq_qparams(const cliq__graph *g, const cliq__node *n, float *s, int *z, cliq_dtype *dt) {
  double sv, zv = 0;
  if (n->n_inputs < 2 || !cliq__lq_scalar_const(g, n->inputs[1], &sv) || !(sv > 0) || !isfinite(sv)) return false;
  int zi = n->n_inputs > 2 ? n->inputs[2] : -1;
  if (zi >= 0 && !cliq__lq_scalar_const(g, zi, &zv)) return false;
  if (cliq__attr_int(n, "block_size", 0) != 0) return false;
  cliq_dtype t;
  if (zi >= 0) t = g->values[zi].dtype;
  else if (cliq__node_is(n, "QuantizeLinear")) t = (cliq_dtype)cliq__attr_int(n, "output_dtype", CLIQ_DTYPE_UINT8);
  else t = g->values[n->inputs[0]].dtype;
  if (t != CLIQ_DTYPE_INT8 && t != CLIQ_DTYPE_UINT8) return false;
  *s = (float)sv;
  *z = (int)zv;
  *dt = t;
  return true;
}

int cliq__lq_const_i8(cliq__graph *g, const char *hint, int val) {
  cliq__tensor *t;
  if (cliq__tensor_new(CLIQ_DTYPE_INT8, 0, NULL, &t) != CLIQ_STATUS_OK) return -1;
  ((int8_t *)t->data)[0] = (int8_t)val;
  return cliq__graph_add_constant(g, hint, t);
}

/* Sets input k of node ni (growing the input list with absent entries if needed). */
bool cliq__lq_set_input(cliq__graph *g, int ni, size_t k, int v) {
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

bool cliq__lq_set_quant(cliq__value *v, float s, int z) {
  cliq__quant *q = cliq__quant_new(1, 0);
  if (!q) return false;
  q->scale[0] = s;
  q->zero_point[0] = z;
  cliq__quant_free(v->quant);
  v->quant = q;
  return true;
}

/* --- matching helpers ------------------------------------------------------------------------------ */

/* When v is DQ(x) with x an int8 value whose quantization the DQ repeats, x; for DQ of an int8
 * constant (per tensor), a copy of the constant carrying that quantization. Else -1. */
int cliq__lq_dq_src(cliq__lq *L, int v) {
  cliq__graph *g = L->g;
  if (v < 0) return -1;
  int p = cliq__lq_producer(L, v);
  if (p < 0 || !cliq__node_is(&g->nodes[p], "DequantizeLinear")) return -1;
  float s;
  int z;
  cliq_dtype dt;
  if (!cliq__lq_qparams(g, &g->nodes[p], &s, &z, &dt) || dt != CLIQ_DTYPE_INT8) return -1;
  int x = g->nodes[p].inputs[0];
  const cliq__value *xv = &g->values[x];
  if (xv->dtype != CLIQ_DTYPE_INT8) return -1;
  if (xv->constant) {
    if (xv->quant && xv->quant->n == 1 && xv->quant->scale[0] == s && xv->quant->zero_point[0] == z) return x;
    cliq__tensor *c = cliq__tensor_clone(xv->constant);
    if (!c) return -1;
    int q = cliq__graph_add_constant(g, xv->name, c);
    if (q < 0 || !cliq__lq_set_quant(&g->values[q], s, z)) return -1;
    return q;
  }
  if (!xv->quant || xv->quant->n != 1 || xv->quant->scale[0] != s || xv->quant->zero_point[0] != z) return -1;
  return x;
}

/* When float value v is read only by QuantizeLinears to int8 with identical per-tensor parameters
 * and is not a graph output: the first one's output; the nodes go to q[] (count in *nq). */
int cliq__lq_q_sink(cliq__lq *L, int v, int *q, size_t *nq) {
  cliq__graph *g = L->g;
  if (v < 0 || cliq__lq_is_graph_output(g, v)) return -1;
  size_t nr = cliq__lq_readers(L, v, q, 16);
  if (nr == 0 || nr > 16) return -1;
  float s0 = 0;
  int z0 = 0;
  for (size_t r = 0; r < nr; r++) {
    const cliq__node *n = &g->nodes[q[r]];
    float s;
    int z;
    cliq_dtype dt;
    if (!cliq__node_is(n, "QuantizeLinear") || n->inputs[0] != v || !cliq__lq_qparams(g, n, &s, &z, &dt) || dt != CLIQ_DTYPE_INT8) return -1;
    if (r && (s != s0 || z != z0)) return -1;
    s0 = s, z0 = z;
    if (!g->values[n->outputs[0]].quant) return -1;
  }
  *nq = nr;
  return g->nodes[q[0]].outputs[0];
}

bool cliq__lq_same_quant(const cliq__value *a, const cliq__value *b) {
  return a->quant && b->quant && a->quant->n == 1 && b->quant->n == 1 && a->quant->scale[0] == b->quant->scale[0] &&
         a->quant->zero_point[0] == b->quant->zero_point[0];
}

/* Output of float value y through an optional Relu/Clip into QuantizeLinear(s): the quantized
 * output, the activation (CLIQ_ACT_NONE/RELU/CLIP, a, b) and the activation node (-1 if none). */
int cliq__lq_q_sink_act(cliq__lq *L, int y, int *q, size_t *nq, int *act, float *a, float *b, int *act_node) {
  *act = CLIQ_ACT_NONE, *a = 0, *b = 0, *act_node = -1;
  int yq = cliq__lq_q_sink(L, y, q, nq);
  if (yq >= 0) return yq;
  int rd[2];
  if (cliq__lq_is_graph_output(L->g, y) || cliq__lq_readers(L, y, rd, 2) != 1) return -1;
  cliq__node *n = &L->g->nodes[rd[0]];
  if (!cliq__node_is(n, "Relu") && !cliq__node_is(n, "Clip")) return -1;
  if (n->inputs[0] != y) return -1;
  cliq__opctx oc = {NULL, L->g, rd[0]};
  if (cliq__unary_params(&oc, act, a, b) != CLIQ_STATUS_OK) return -1;
  yq = cliq__lq_q_sink(L, n->outputs[0], q, nq);
  if (yq < 0) return -1;
  *act_node = rd[0];
  return yq;
}

/* Copies src's attributes to node dst (names in skip, comma-separated with commas around, are
 * left out). */
bool cliq__lq_copy_attrs(cliq__graph *g, int dst, int src, const char *skip) {
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
int cliq__lq_make_node(cliq__lq *L, int like, const char *op, const char *domain, const int *in, size_t nin, const int *out,
                     size_t nout, const char *copy_skip, cliq__lq_setup_fn setup, void *user) {
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
  if (ni < 0 || !cliq__lq_grow_dead(L)) return -1;
  cliq__node *n = &g->nodes[ni];
  n->opset = domain[0] ? 1 : opset;
  n->def = def;
  bool ok = copy_skip ? cliq__lq_copy_attrs(g, ni, like, copy_skip) : true;
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
void cliq__lq_commit(cliq__lq *L, int old, int act_node, const int *q, size_t nq) {
  L->dead[old] = true;
  if (act_node >= 0) L->dead[act_node] = true;
  int y = L->g->nodes[q[0]].outputs[0];
  for (size_t k = 0; k < nq; k++) {
    L->dead[q[k]] = true;
    if (k) cliq__graph_replace_uses(L->g, L->g->nodes[q[k]].outputs[0], y);
  }
}

bool cliq__lq_set_act(cliq__lq *L, int node, int act, float a, float b, const char *act_op) {
  cliq__node *n = &L->g->nodes[node];
  if (act == CLIQ_ACT_NONE) return true;
  return cliq__node_set_int(n, "cliq.act", act) && cliq__node_set_float(n, "cliq.act_a", a) &&
         cliq__node_set_float(n, "cliq.act_b", b) && cliq__node_set_string(n, "cliq.activation", act_op);
}

/* The activation fused on a float node by the fusion pass, when it can be an int8 clamp. */
bool cliq__lq_fused_clamp(const cliq__node *n, int *act, float *a, float *b) {
  *act = (int)cliq__attr_int(n, "cliq.act", CLIQ_ACT_NONE);
  *a = cliq__attr_float(n, "cliq.act_a", 0.0f);
  *b = cliq__attr_float(n, "cliq.act_b", 0.0f);
  return *act == CLIQ_ACT_NONE || *act == CLIQ_ACT_RELU || *act == CLIQ_ACT_CLIP;
}

/*
 * qdq.c — the quantization plan of a float graph and the QDQ graph writer (see qdq.h for the
 * rules and the form written).
 */
#include "qdq.h"

#include "../host/error.h"
#include "../host/ops/op.h"
#include "../host/passes/fusion.h"
#include "activation.h"
#include "weights.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- graph helpers -------------------------------------------------------------------------- */


static bool is_graph_output(const cliq__graph *g, int v) {
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return true;
  return false;
}

/* The node reading v, when exactly one input of one node reads it and it is not a graph output. */
static int sole_reader(const cliq__graph *g, int v) {
  int r = -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == v) {
        if (r >= 0) return -1;
        r = (int)i;
      }
  return is_graph_output(g, v) ? -1 : r;
}

static const cliq__tensor *const_of(const cliq__graph *g, int v) { return v >= 0 ? g->values[v].constant : NULL; }

static bool const_scalar(const cliq__graph *g, int v, float *out) {
  const cliq__tensor *t = const_of(g, v);
  if (!t || cliq__tensor_elems(t) != 1) return false;
  *out = (float)cliq__tensor_get_f64(t, 0);
  return true;
}

static bool weighted_op(const cliq__node *n) {
  return cliq__node_is(n, "Conv") || cliq__node_is(n, "ConvTranspose") || cliq__node_is(n, "Gemm") || cliq__node_is(n, "MatMul");
}

/* ---- planning ------------------------------------------------------------------------------- */

typedef enum { K_FLOAT, K_WEIGHTED, K_COMPUTE, K_MOVE } node_kind;

typedef struct planner {
  cliq_context *ctx;
  const cliq__graph *g, *sg;
  const unsigned char *keep_float; /* per node: the user keeps it in float (may be NULL) */
  cliq__stats_table *tab;
  cliq__qdq_plan *p;
  int *group_out; /* per group head: the group's output value (-1: not a group head) */
  int *head;      /* per node: the head of its group (itself when not in one) */
  int *lut_first; /* per weighted head: its table activation's first node, decided later; else -1 */
  int *lut_last;  /* ... and last node (the Mul of SiLU; the first node otherwise) */
  bool oom;
} planner;

static const cliq__value *session_value(const planner *P, int v) {
  int s = cliq__graph_find_value(P->sg, P->g->values[v].name);
  return s >= 0 ? &P->sg->values[s] : NULL;
}

/* Float data: a value computed from the inputs (or folded by the session, e.g. a zero tensor made
 * by ConstantOfShape of a Shape), float32 in the session, not a constant of the model. */
static bool float_data(const planner *P, int v) {
  if (v < 0 || P->g->values[v].constant) return false;
  const cliq__value *s = session_value(P, v);
  return s && s->dtype == CLIQ_DTYPE_FLOAT32;
}

static bool float_const(const planner *P, int v) {
  const cliq__tensor *t = const_of(P->g, v);
  return t && t->dtype == CLIQ_DTYPE_FLOAT32;
}

/* Data inputs (the ones quantized) of a node and its kind. */
static node_kind classify(const planner *P, const cliq__node *n, int *data, size_t *nd) {
  *nd = 0;
  if (n->domain[0] || (P->keep_float && P->keep_float[n - P->g->nodes])) return K_FLOAT;
  const char *op = n->op_type;
  if (weighted_op(n)) return K_WEIGHTED;
  if (strcmp(op, "Add") == 0 || strcmp(op, "Mul") == 0) {
    if (n->n_inputs != 2) return K_FLOAT;
    data[(*nd)++] = 0;
    data[(*nd)++] = 1;
    return K_COMPUTE;
  }
  if (strcmp(op, "Concat") == 0) {
    if (n->n_inputs > 64) return K_FLOAT;
    for (size_t k = 0; k < n->n_inputs; k++) data[(*nd)++] = (int)k;
    return K_COMPUTE;
  }
  static const char *const unary[] = {"AveragePool", "GlobalAveragePool", "Relu", "LeakyRelu", "Sigmoid",
                                      "HardSigmoid", "HardSwish", "Tanh", "Exp", "Clip"};
  for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++)
    if (strcmp(op, unary[i]) == 0) {
      float f;
      if (strcmp(op, "Clip") == 0)
        for (size_t k = 1; k < n->n_inputs; k++)
          if (n->inputs[k] >= 0 && !const_scalar(P->g, n->inputs[k], &f)) return K_FLOAT; /* bounds vary */
      data[(*nd)++] = 0;
      return K_COMPUTE;
    }
  static const char *const move[] = {"MaxPool", "GlobalMaxPool", "Resize", "Transpose", "Reshape", "Flatten",
                                     "Squeeze", "Unsqueeze", "Slice", "Split", "Pad"};
  for (size_t i = 0; i < sizeof move / sizeof move[0]; i++)
    if (strcmp(op, move[i]) == 0) {
      if (strcmp(op, "MaxPool") == 0 && n->n_outputs > 1 && n->outputs[1] >= 0) return K_FLOAT; /* indices */
      if (strcmp(op, "Pad") == 0) {
        /* padding with a non-zero constant has no int8 equivalent at the input's scale in general */
        float f;
        const char *mode = cliq__attr_string(n, "mode", "constant");
        if (strcmp(mode, "constant") == 0 && n->n_inputs > 2 && n->inputs[2] >= 0 &&
            !(const_scalar(P->g, n->inputs[2], &f) && f == 0.0f))
          return K_FLOAT;
      }
      data[(*nd)++] = 0;
      return K_MOVE;
    }
  return K_FLOAT;
}

/* The stats entry of v, created (own quantizer) when v has none. */
static int mark(planner *P, int v) {
  if (P->p->value_entry[v] >= 0) return P->p->value_entry[v];
  int e = cliq__stats_add(P->tab, P->g->values[v].name, 1);
  if (e < 0) {
    P->oom = true;
    return -1;
  }
  P->p->value_entry[v] = e;
  return e;
}

int cliq__qdq_root(const cliq__stats_table *tab, int e) {
  for (size_t guard = 0; e >= 0 && tab->t[e].share >= 0 && guard <= tab->n; guard++) e = tab->t[e].share;
  return e;
}

/* Whether node `add` is a bias Add of the output y of weighted node `head`: a float constant with
 * a single non-unit dim on the output-channel axis (axis 1 for convolutions, the last otherwise). */
static bool bias_add(const planner *P, int head, int add, int y) {
  const cliq__node *n = &P->g->nodes[add];
  if (!cliq__node_is(n, "Add") || n->n_inputs != 2 || n->n_outputs != 1) return false;
  int c = n->inputs[0] == y ? n->inputs[1] : (n->inputs[1] == y ? n->inputs[0] : -1);
  const cliq__tensor *t = const_of(P->g, c);
  const cliq__value *yv = session_value(P, y);
  if (!t || t->dtype != CLIQ_DTYPE_FLOAT32 || !yv || t->rank > yv->rank) return false;
  bool conv = cliq__node_is(&P->g->nodes[head], "Conv") || cliq__node_is(&P->g->nodes[head], "ConvTranspose");
  int axis = conv ? 1 : yv->rank - 1;
  for (int i = 0; i < t->rank; i++) {
    int ax = yv->rank - t->rank + i;
    if (t->dims[i] != 1 && !(ax == axis && t->dims[i] == yv->dims[axis])) return false;
  }
  return true;
}

/* Follows a weighted op's group (bias Add, fused clamp activation); marks the members FUSED and
 * returns the group's output value. An activation that is not a clamp (Sigmoid, HardSwish, SiLU,
 * LeakyRelu, ...) stays out of the group: the int8 plan runs it as a table after the op, so the
 * op's output gets its own Q/DQ pair and the file says exactly what cliq computes. Whether that
 * happens is decided once the activation's readers are planned (plan_table_activations). */
static int group_output(planner *P, int head) {
  const cliq__graph *g = P->g;
  int prod = head, y = g->nodes[head].outputs[0];
  int r = sole_reader(g, y);
  if (r >= 0 && bias_add(P, head, r, y)) {
    P->p->node_role[r] = CLIQ__QROLE_FUSED;
    P->head[r] = head;
    prod = r;
    y = g->nodes[r].outputs[0];
  }
  if (prod != head) return y; /* the fusion rule takes an activation right after the weighted op */
  /* the activation the session fuses (host/passes/fusion.h, the rule of DEVELOPERS.md): a reader
   * of y; for SiLU its Sigmoid and Mul both join the group */
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[i];
    bool reads = false;
    for (size_t k = 0; k < n->n_inputs; k++) reads = reads || n->inputs[k] == y;
    int act;
    float a, b;
    if (!reads || P->p->node_role[i] != CLIQ__QROLE_FLOAT || (P->keep_float && P->keep_float[i]) ||
        !cliq__fusable_activation(g, head, (int)i, &act, &a, &b))
      continue;
    int out = cliq__fused_output(g, head, (int)i);
    if (out < 0) continue;
    int last = g->values[out].producer;
    if (act != CLIQ_ACT_RELU && act != CLIQ_ACT_CLIP) {
      int first = (int)i;
      if (act == CLIQ_ACT_SILU) { /* the Sigmoid: the producer of the Mul's operand that is not y */
        const cliq__node *m = &g->nodes[last];
        first = g->values[m->inputs[0] == y ? m->inputs[1] : m->inputs[0]].producer;
      }
      P->lut_first[head] = first;
      P->lut_last[head] = last;
      P->p->node_role[first] = P->p->node_role[last] = CLIQ__QROLE_FUSED; /* held back until decided */
      return y;
    }
    P->p->node_role[i] = P->p->node_role[last] = CLIQ__QROLE_FUSED;
    P->head[i] = P->head[last] = head;
    return out;
  }
  return y;
}

/* The table activations held back by group_output: when their output is quantized (a quantized op
 * reads it), the weighted op's output is quantized too and the activation becomes one COMPUTE
 * group (a QLut in the int8 plan); otherwise op and activation stay float at the output, as a
 * fused group whose output nobody quantizes would. */
static void plan_table_activations(planner *P) {
  for (size_t h = 0; h < P->g->n_nodes; h++) {
    int first = P->lut_first[h], last = P->lut_last[h];
    if (first < 0) continue;
    int out = P->g->nodes[last].outputs[0];
    if (P->p->value_entry[out] < 0) {
      P->p->node_role[first] = P->p->node_role[last] = CLIQ__QROLE_FLOAT;
      continue;
    }
    mark(P, P->group_out[h]);
    P->p->node_role[first] = CLIQ__QROLE_COMPUTE;
    P->group_out[first] = out;
    if (last != first) P->head[last] = first;
  }
}

/* Nodes the user keeps in float read their float data inputs dequantized from int8 where the
 * producer has an int8 form and is not kept in float itself, as TensorRT runs a layer given float
 * precision: the producer stays int8 (otherwise a float layer would turn its whole upstream
 * chain float, since an output read only by float ops stays float). */
static void plan_float_boundaries(planner *P) {
  const cliq__graph *g = P->g;
  int data[64];
  size_t nd;
  for (size_t i = 0; i < g->n_nodes; i++) {
    if (!P->keep_float[i]) continue;
    for (size_t k = 0; k < g->nodes[i].n_inputs; k++) {
      int v = g->nodes[i].inputs[k];
      if (v < 0 || !float_data(P, v)) continue;
      for (size_t j = 0; j < g->n_nodes; j++) {
        bool produces = false;
        for (size_t o = 0; o < g->nodes[j].n_outputs; o++) produces = produces || g->nodes[j].outputs[o] == v;
        if (!produces) continue;
        if (!P->keep_float[j] && (P->p->node_role[j] != CLIQ__QROLE_FLOAT || classify(P, &g->nodes[j], data, &nd) != K_FLOAT))
          mark(P, v);
        break;
      }
    }
  }
}

static void plan_weighted(planner *P, int i) {
  const cliq__node *n = &P->g->nodes[i];
  if (n->n_inputs < 2 || n->n_outputs < 1) return;
  int x = n->inputs[0], w = n->inputs[1];
  if (!float_data(P, x)) return;
  bool w_const = float_const(P, w), w_data = cliq__node_is(n, "MatMul") && float_data(P, w);
  if (!w_const && !w_data) return; /* weights computed at run time: the op stays float */
  if (n->n_inputs > 2 && n->inputs[2] >= 0 && !float_const(P, n->inputs[2]) && !cliq__node_is(n, "Gemm")) return;
  P->p->node_role[i] = CLIQ__QROLE_WEIGHTED;
  mark(P, x);
  if (w_data) mark(P, w);
  P->group_out[i] = group_output(P, i);
}

static void plan_compute(planner *P, int i, const int *data, size_t nd) {
  const cliq__node *n = &P->g->nodes[i];
  size_t n_data = 0;
  for (size_t k = 0; k < nd; k++) {
    int v = data[k] < (int)n->n_inputs ? n->inputs[data[k]] : -1;
    if (v < 0) continue;
    if (float_data(P, v))
      n_data++;
    else if (!float_const(P, v))
      return; /* an integer or unknown operand: not a float op */
  }
  if (n_data == 0) return;
  P->p->node_role[i] = CLIQ__QROLE_COMPUTE;
  for (size_t k = 0; k < nd; k++) {
    int v = data[k] < (int)n->n_inputs ? n->inputs[data[k]] : -1;
    if (float_data(P, v)) mark(P, v);
  }
  /* Add, Mul and the average pools take a following ReLU/Clip as their int8 output clamp (the
   * lowering's QAdd/QMul/QAvgPool rule): one rounding instead of two, and the clamped output's
   * narrower range gets all 256 levels (measured on blazeface's residual blocks: a rounding at
   * the Add's scale then again at the ReLU's was where int8 and float drifted apart) */
  if (!(cliq__node_is(n, "Add") || cliq__node_is(n, "Mul") || cliq__node_is(n, "AveragePool") || cliq__node_is(n, "GlobalAveragePool")) || n->n_outputs != 1)
    return;
  int r = sole_reader(P->g, n->outputs[0]);
  if (r < 0 || P->p->node_role[r] != CLIQ__QROLE_FLOAT || P->g->nodes[r].n_outputs != 1) return;
  const cliq__node *c = &P->g->nodes[r];
  int cd[4];
  size_t cnd;
  bool clamp = cliq__node_is(c, "Relu") || (cliq__node_is(c, "Clip") && classify(P, c, cd, &cnd) == K_COMPUTE); /* constant bounds */
  if (!clamp || c->inputs[0] != n->outputs[0]) return;
  P->p->node_role[r] = CLIQ__QROLE_FUSED;
  P->head[r] = i;
  P->group_out[i] = c->outputs[0];
}

/* Backwards: a data-movement op whose output is quantized gets its input quantized too, so it can
 * run on int8 (and the quantization moves up to the op that computed the values). */
static void plan_move_input(planner *P, int i) {
  const cliq__node *n = &P->g->nodes[i];
  int d = n->n_inputs ? n->inputs[0] : -1;
  bool out_q = false;
  for (size_t k = 0; k < n->n_outputs; k++) out_q = out_q || (n->outputs[k] >= 0 && P->p->value_entry[n->outputs[k]] >= 0);
  if (out_q && float_data(P, d)) mark(P, d);
}

static void plan_move(planner *P, int i) {
  const cliq__node *n = &P->g->nodes[i];
  int d = n->n_inputs ? n->inputs[0] : -1;
  if (d < 0 || P->p->value_entry[d] < 0) return;
  int root = cliq__qdq_root(P->tab, P->p->value_entry[d]);
  P->p->node_role[i] = CLIQ__QROLE_MOVE;
  for (size_t k = 0; k < n->n_outputs; k++) {
    int o = n->outputs[k];
    if (o < 0 || P->p->value_entry[o] < 0) continue;
    int e = P->p->value_entry[o];
    /* the output's values are the input's (or zeros, or interpolations between them): the input's
     * range covers them, and equal quantizers let the lowering run the op on int8 */
    if (e >= 0 && e != root) P->tab->t[e].share = root;
  }
}

void cliq__qdq_plan_free(cliq__qdq_plan *p) {
  if (!p) return;
  free(p->value_entry);
  free(p->node_role);
  free(p);
}

cliq_status cliq__qdq_plan_new(cliq_context *ctx, const cliq__graph *g, const cliq__graph *sg,
                               const unsigned char *keep_float, cliq__stats_table *tab, cliq__qdq_plan **out) {
  *out = NULL;
  cliq__qdq_plan *p = calloc(1, sizeof *p);
  if (!p) return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "quantization plan");
  p->n_values = g->n_values;
  p->n_nodes = g->n_nodes;
  p->value_entry = malloc((g->n_values + 1) * sizeof(int));
  p->node_role = calloc(g->n_nodes + 1, 1);
  if (!p->value_entry || !p->node_role) {
    cliq__qdq_plan_free(p);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "quantization plan");
  }
  for (size_t v = 0; v < g->n_values; v++) p->value_entry[v] = -1;
  size_t nb = (g->n_nodes + 1) * sizeof(int);
  planner P = {ctx, g, sg, keep_float, tab, p, malloc(nb), malloc(nb), malloc(nb), malloc(nb), false};
  if (!P.group_out || !P.head || !P.lut_first || !P.lut_last) {
    free(P.group_out);
    free(P.head);
    free(P.lut_first);
    free(P.lut_last);
    cliq__qdq_plan_free(p);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "quantization plan");
  }
  for (size_t i = 0; i < g->n_nodes; i++) P.head[i] = (int)i, P.group_out[i] = P.lut_first[i] = P.lut_last[i] = -1;
  int data[64];
  size_t nd;
  for (size_t i = 0; i < g->n_nodes; i++) {
    if (p->node_role[i] != CLIQ__QROLE_FLOAT) continue; /* already in a group */
    node_kind k = classify(&P, &g->nodes[i], data, &nd);
    if (k == K_WEIGHTED)
      plan_weighted(&P, (int)i);
    else if (k == K_COMPUTE)
      plan_compute(&P, (int)i, data, nd);
  }
  if (keep_float) plan_float_boundaries(&P);
  /* data movement: backwards, inputs of ops whose outputs are quantized; then forwards, outputs
   * reuse their input's quantizer */
  for (size_t i = g->n_nodes; i-- > 0;)
    if (p->node_role[i] == CLIQ__QROLE_FLOAT && classify(&P, &g->nodes[i], data, &nd) == K_MOVE) plan_move_input(&P, (int)i);
  for (size_t i = 0; i < g->n_nodes; i++)
    if (p->node_role[i] == CLIQ__QROLE_FLOAT && classify(&P, &g->nodes[i], data, &nd) == K_MOVE) plan_move(&P, (int)i);
  plan_table_activations(&P);
  free(P.lut_first);
  free(P.lut_last);
  if (P.oom) {
    free(P.head);
    free(P.group_out);
    cliq__qdq_plan_free(p);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "quantization plan");
  }
  /* int8 ops: those whose float outputs are all quantized (a group: its output) */
  const int *head = P.head;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[head[i]];
    bool computes = false, all_q = true;
    if (P.group_out[head[i]] >= 0) {
      computes = true;
      all_q = p->value_entry[P.group_out[head[i]]] >= 0;
    } else {
      for (size_t k = 0; k < n->n_outputs; k++) {
        if (n->outputs[k] < 0) continue;
        const cliq__value *s = session_value(&P, n->outputs[k]);
        if (!s || s->dtype != CLIQ_DTYPE_FLOAT32 || s->constant) continue;
        computes = true;
        all_q = all_q && p->value_entry[n->outputs[k]] >= 0;
      }
    }
    if (!computes) continue;
    if (p->node_role[head[i]] != CLIQ__QROLE_FLOAT && all_q)
      p->quantized_ops++;
    else
      p->float_ops++;
  }
  free(P.head);
  free(P.group_out);
  *out = p;
  return CLIQ_STATUS_OK;
}

/* ---- building the QDQ graph ----------------------------------------------------------------- */

typedef struct builder {
  cliq_context *ctx;
  cliq__graph *q;
  int opset;
  bool oom;
} builder;

/* base + suffix, malloc'ed (names from exporters can be hundreds of characters long) */
static char *cat(builder *B, const char *base, const char *suffix) {
  size_t a = strlen(base), b = strlen(suffix);
  char *s = malloc(a + b + 1);
  if (!s) {
    B->oom = true;
    return NULL;
  }
  memcpy(s, base, a);
  memcpy(s + a, suffix, b + 1);
  return s;
}

/* base + suffix, or base + suffix + "_k", whichever no value of the graph has yet. */
static char *unique_name(builder *B, const char *base, const char *suffix) {
  char *s = cat(B, base, suffix);
  size_t n = s ? strlen(s) + 24 : 0;
  char *u = s ? malloc(n) : NULL;
  if (u) {
    snprintf(u, n, "%s", s);
    for (int k = 1; cliq__graph_find_value(B->q, u) >= 0; k++) snprintf(u, n, "%s_%d", s, k);
  } else {
    B->oom = true;
  }
  free(s);
  return u;
}

static int add_const(builder *B, const char *base, const char *suffix, cliq__tensor *t) {
  char *name = cat(B, base, suffix);
  int v = t && name ? cliq__graph_add_value_unique(B->q, name) : -1;
  free(name);
  if (v < 0) {
    cliq__tensor_free(t);
    B->oom = true;
    return -1;
  }
  cliq__value_set_constant(&B->q->values[v], t);
  B->q->values[v].flags |= CLIQ__VALUE_INITIALIZER;
  return v;
}

/* Scale (float) and zero point (int8 or int32) initializers: scalars, or [n] for per-axis. */
static void add_qparams(builder *B, const char *base, const float *scale, const int32_t *zp, size_t n, bool per_axis,
                        cliq_dtype zp_type, int *sv, int *zv) {
  int64_t dims[1] = {(int64_t)n};
  int rank = per_axis ? 1 : 0;
  cliq__tensor *s = NULL, *z = NULL;
  if (cliq__tensor_new(CLIQ_DTYPE_FLOAT32, rank, dims, &s) != CLIQ_STATUS_OK ||
      cliq__tensor_new(zp_type, rank, dims, &z) != CLIQ_STATUS_OK) {
    cliq__tensor_free(s);
    cliq__tensor_free(z);
    B->oom = true;
    *sv = *zv = -1;
    return;
  }
  size_t m = per_axis ? n : 1;
  for (size_t i = 0; i < m; i++) {
    ((float *)s->data)[i] = scale[i];
    if (zp_type == CLIQ_DTYPE_INT8)
      ((int8_t *)z->data)[i] = (int8_t)(zp ? zp[i] : 0);
    else
      ((int32_t *)z->data)[i] = zp ? zp[i] : 0;
  }
  *sv = add_const(B, base, "_scale", s);
  *zv = add_const(B, base, "_zero_point", z);
}

static int add_node3(builder *B, const char *op, const char *base, const char *suffix, int a, int s, int z, int out) {
  int in[3] = {a, s, z};
  char *name = cat(B, base, suffix);
  int id = name ? cliq__graph_add_node(B->q, op, "", name, in, 3, &out, 1) : -1;
  free(name);
  if (id < 0) {
    B->oom = true;
    return -1;
  }
  B->q->nodes[id].opset = B->opset;
  return id;
}

static int add_value_like(builder *B, const char *name, const char *suffix, int like, cliq_dtype dtype) {
  char *buf = cat(B, name, suffix);
  int v = buf ? cliq__graph_add_value_unique(B->q, buf) : -1;
  free(buf);
  if (v < 0) {
    B->oom = true;
    return -1;
  }
  const cliq__value *l = &B->q->values[like];
  cliq__value_set_shape(&B->q->values[v], dtype, l->rank, l->dims);
  return v;
}

static bool rename_value(cliq__graph *g, int v, const char *name) {
  char *s = cliq__strdup(name);
  if (!s) return false;
  free(g->values[v].name);
  g->values[v].name = s;
  return true;
}

/* QuantizeLinear -> DequantizeLinear on activation v; every reader reads the DequantizeLinear. */
static void insert_qdq(builder *B, int v, int sv, int zv) {
  cliq__graph *q = B->q;
  char *name = cliq__strdup(q->values[v].name); /* v may be renamed below */
  if (!name) {
    B->oom = true;
    return;
  }
  int qv = add_value_like(B, name, "_QuantizeLinear_Output", v, CLIQ_DTYPE_INT8);
  int dv = add_value_like(B, name, "_DequantizeLinear_Output", v, CLIQ_DTYPE_FLOAT32);
  if (qv < 0 || dv < 0) {
    free(name);
    return;
  }
  cliq__graph_replace_uses(q, v, dv);
  if (q->values[v].flags & CLIQ__VALUE_GRAPH_OUTPUT) {
    /* the output keeps its name and its declared dims on the dequantized tensor; the producer's
     * tensor takes a fresh name */
    char *moved = unique_name(B, name, "_QuantizeLinear_Input");
    bool ok = moved && rename_value(q, v, moved) && rename_value(q, dv, name);
    free(moved);
    if (!ok) {
      B->oom = true;
      free(name);
      return;
    }
    for (int d = 0; d < CLIQ_MAX_RANK; d++) {
      q->values[dv].dim_param[d] = q->values[v].dim_param[d];
      q->values[v].dim_param[d] = NULL;
    }
    q->values[dv].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
    q->values[v].flags &= ~(unsigned)CLIQ__VALUE_GRAPH_OUTPUT;
  }
  add_node3(B, "QuantizeLinear", name, "_QuantizeLinear", v, sv, zv, qv);
  add_node3(B, "DequantizeLinear", name, "_DequantizeLinear", qv, sv, zv, dv);
  free(name);
}

/* A constant replaced by int8 (or int32) initializer -> DequantizeLinear for one input of node i. */
static void dequantized_const(builder *B, int node, size_t input, cliq__tensor *qt, const float *scale, const int32_t *zp,
                              size_t n, int axis, const char *base) {
  if (!qt) {
    B->oom = true;
    return;
  }
  bool per_axis = n > 1;
  cliq_dtype zt = qt->dtype == CLIQ_DTYPE_INT32 ? CLIQ_DTYPE_INT32 : CLIQ_DTYPE_INT8;
  int qv = add_const(B, base, "_quantized", qt);
  int sv, zv;
  add_qparams(B, base, scale, zp, n, per_axis, zt, &sv, &zv);
  if (qv < 0 || sv < 0) return;
  int dv = add_value_like(B, base, "_DequantizeLinear_Output", qv, CLIQ_DTYPE_FLOAT32);
  int id = add_node3(B, "DequantizeLinear", base, "_DequantizeLinear", qv, sv, zv, dv);
  if (id < 0 || dv < 0) return;
  if (per_axis && !cliq__node_set_int(&B->q->nodes[id], "axis", axis)) B->oom = true;
  B->q->nodes[node].inputs[input] = dv;
}

/* Output-channel axis of a weight and the output channel count it implies. */
static int weight_axis(const cliq__node *n, const cliq__tensor *w) {
  if (cliq__node_is(n, "Conv")) return 0;
  if (cliq__node_is(n, "ConvTranspose")) return 1;
  if (cliq__node_is(n, "Gemm")) return cliq__attr_int(n, "transB", 0) ? 0 : 1;
  return w->rank >= 2 ? w->rank - 1 : -1; /* MatMul: columns of B */
}

static void quantize_weighted(builder *B, const cliq__graph *g, const cliq__qdq_plan *plan, const cliq__stats_table *tab,
                              const cliq_quantize_options *o, int i) {
  cliq__node *n = &B->q->nodes[i];
  const cliq__tensor *w = const_of(g, g->nodes[i].inputs[1]);
  if (!w || w->dtype != CLIQ_DTYPE_FLOAT32) return; /* MatMul of two activations: both already Q/DQ */
  int ex = plan->value_entry[g->nodes[i].inputs[0]];
  const cliq__qgrid *gx = &tab->t[cliq__qdq_root(tab, ex)].grid;
  int axis = o->weights_per_tensor ? -1 : weight_axis(n, w);
  size_t nw = axis >= 0 ? (size_t)w->dims[axis] : 1;
  if (nw == 0) return;
  cliq__qgrid *grids = malloc(nw * sizeof *grids);
  float *scales = malloc(nw * sizeof *scales), *bscale = NULL;
  int32_t *zps = malloc(nw * sizeof *zps);
  if (!grids || !scales || !zps) goto oom;
  bool sym = !o->weights_asymmetric;
  cliq__weight_grids(w, axis, sym, sym ? -127 : -128, 127, grids, nw);

  /* the bias, when it can be int32: constant, one value per output channel */
  const cliq__tensor *b = NULL;
  size_t bi = 2;
  if (g->nodes[i].n_inputs > 2 && !cliq__node_is(n, "MatMul")) b = const_of(g, g->nodes[i].inputs[2]);
  if (b && cliq__node_is(n, "Gemm") && (cliq__attr_float(n, "alpha", 1.0f) != 1.0f || cliq__attr_float(n, "beta", 1.0f) != 1.0f))
    b = NULL; /* a scaled C is not a bias at s_in * s_w */
  size_t C = 0;
  if (b) {
    int64_t cw = cliq__node_is(n, "ConvTranspose") ? w->dims[1] * cliq__attr_int(n, "group", 1)
                                           : (cliq__node_is(n, "Gemm") ? w->dims[cliq__attr_int(n, "transB", 0) ? 0 : 1] : w->dims[0]);
    C = cliq__tensor_elems(b);
    int nonunit = 0;
    for (int d = 0; d < b->rank; d++) nonunit += b->dims[d] != 1;
    if (b->dtype != CLIQ_DTYPE_FLOAT32 || (int64_t)C != cw || nonunit > 1) b = NULL;
  }
  if (b) {
    /* the int32 bias must not saturate: raise a channel's weight scale when b / (s_in * s_w) would
     * pass 2^31 (only for near-dead channels with a large bias) */
    for (size_t c = 0; c < C; c++) {
      float bc = fabsf(((const float *)b->data)[c]);
      double need = (double)bc / ((double)gx->scale * 2.0e9);
      cliq__qgrid *gw = &grids[c % nw];
      if ((double)gw->scale < need) gw->scale = (float)need;
    }
  }
  for (size_t c = 0; c < nw; c++) scales[c] = grids[c].scale, zps[c] = grids[c].zero_point;
  cliq__tensor *wq = NULL;
  if (cliq__weight_apply(w, axis, grids, nw, &wq) != CLIQ_STATUS_OK) goto oom;
  dequantized_const(B, i, 1, wq, scales, zps, nw, axis, g->values[g->nodes[i].inputs[1]].name);
  if (b) {
    bscale = malloc(C * sizeof *bscale);
    if (!bscale) goto oom;
    for (size_t c = 0; c < C; c++) bscale[c] = (float)((double)gx->scale * (double)grids[c % nw].scale);
    cliq__tensor *bq = NULL;
    if (cliq__bias_apply(b, bscale, C, &bq) != CLIQ_STATUS_OK) goto oom;
    const char *base = g->values[g->nodes[i].inputs[2]].name;
    int baxis = 0;
    for (int d = 0; d < b->rank; d++)
      if (b->dims[d] != 1) baxis = d;
    /* per-tensor weights give one bias scale: a per-tensor DequantizeLinear */
    dequantized_const(B, i, bi, bq, bscale, NULL, nw > 1 ? C : 1, baxis, base);
  }
  free(grids);
  free(scales);
  free(zps);
  free(bscale);
  return;
oom:
  B->oom = true;
  free(grids);
  free(scales);
  free(zps);
  free(bscale);
}

/* Constant float operands of a COMPUTE op (Add/Mul/Concat constants): int8 per tensor with the
 * activations' grid style, so the int8 op sees int8 on every input. */
static void quantize_operands(builder *B, const cliq__graph *g, const cliq_quantize_options *o, int i) {
  const cliq__node *n = &g->nodes[i];
  static const char *const with_operands[] = {"Add", "Mul", "Concat"};
  bool ok = false;
  for (size_t k = 0; k < 3; k++) ok = ok || cliq__node_is(n, with_operands[k]);
  if (!ok) return;
  for (size_t k = 0; k < n->n_inputs; k++) {
    const cliq__tensor *c = const_of(g, n->inputs[k]);
    if (!c || c->dtype != CLIQ_DTYPE_FLOAT32) continue;
    cliq__qgrid gr;
    cliq__weight_grids(c, -1, o->activations_symmetric != 0, -128, 127, &gr, 1);
    cliq__tensor *cq = NULL;
    if (cliq__weight_apply(c, -1, &gr, 1, &cq) != CLIQ_STATUS_OK) {
      B->oom = true;
      return;
    }
    dequantized_const(B, (int)i, k, cq, &gr.scale, &gr.zero_point, 1, 0, g->values[n->inputs[k]].name);
  }
}

cliq_status cliq__qdq_build(cliq_context *ctx, const cliq__graph *g, const cliq__qdq_plan *plan, const cliq__stats_table *tab,
                            const cliq_quantize_options *o, cliq__graph **out) {
  *out = NULL;
  for (size_t v = 0; v < g->n_values; v++) {
    int e = plan->value_entry[v];
    if (e >= 0 && !tab->t[cliq__qdq_root(tab, e)].has_grid)
      return cliq__fail(ctx, CLIQ_STATUS_INVALID_STATE, "tensor '%s' is planned for quantization but has no quantizer (no data seen)",
                        g->values[v].name);
  }
  builder B = {ctx, cliq__graph_clone(g), g->opset > 13 ? g->opset : 13, false};
  if (!B.q) return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying the graph to quantize");
  int *sv = malloc((tab->n + 1) * sizeof(int)), *zv = malloc((tab->n + 1) * sizeof(int));
  if (!sv || !zv) B.oom = true;
  for (size_t e = 0; sv && zv && e < tab->n; e++) sv[e] = zv[e] = -1;
  /* activations: one scale/zero point pair per owner, shared by the tensors that reuse it */
  for (size_t v = 0; !B.oom && v < g->n_values; v++) {
    int e = plan->value_entry[v];
    if (e < 0) continue;
    int r = cliq__qdq_root(tab, e);
    if (sv[r] < 0) {
      const cliq__qgrid *gr = &tab->t[r].grid;
      add_qparams(&B, tab->t[r].name, &gr->scale, &gr->zero_point, 1, false, CLIQ_DTYPE_INT8, &sv[r], &zv[r]);
      if (B.oom) break;
    }
    insert_qdq(&B, (int)v, sv[r], zv[r]);
  }
  for (size_t i = 0; !B.oom && i < g->n_nodes; i++) {
    if (plan->node_role[i] == CLIQ__QROLE_WEIGHTED) quantize_weighted(&B, g, plan, tab, o, (int)i);
    if (plan->node_role[i] == CLIQ__QROLE_COMPUTE) quantize_operands(&B, g, o, (int)i);
  }
  free(sv);
  free(zv);
  if (B.oom) {
    cliq__graph_free(B.q);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "building the quantized graph");
  }
  cliq_status st = cliq__graph_toposort(B.q);
  if (st != CLIQ_STATUS_OK) {
    cliq__graph_free(B.q);
    return cliq__fail(ctx, st, "the quantized graph has a cycle (internal error)");
  }
  *out = B.q;
  return CLIQ_STATUS_OK;
}

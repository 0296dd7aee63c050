/*
 * fusion.c — session pass cliq__pass_fuse_activations and the fusion rule (fusion.h).
 *
 * 1. MatMul(A [M, K], B [K, N]) followed by Add with a tensor that broadcasts to [M, N] (a bias
 *    vector [N] or [1, N], a column [M, 1], a scalar or a full [M, N]) becomes one Gemm(A, B, C):
 *    the bias rides in the GEMM epilogue instead of a separate pass over the output.
 * 2. Conv, ConvTranspose, Gemm and MatMul absorb a following activation (the rule of
 *    cliq__fusable_activation) as attributes cliq.act (CLIQ_ACT_* of cl_kernels/activation.h),
 *    cliq.act_a, cliq.act_b and cliq.activation (the activation's op type, for profiles); the
 *    activation's nodes are removed and the producer writes the activation's output value.
 * Runs on a session's graph only (after shapes are bound), so saved models stay standard ONNX; the
 * reference session runs it too, and references apply the same cliq_act() as the kernels. A
 * session with keep_intermediates (graph keep_values) fuses only ReLU/Clip: its callers read the
 * other values.
 */
#include "fusion.h"

#include "../error.h"
#include "../ops/op.h"
#include "activation.h"
#include "passes.h"

#include <stdlib.h>
#include <string.h>

/* Defined with the unary ops (host/ops/unary.c): the (act, a, b) triple of a unary node. */
cliq_status cliq__unary_params(const cliq__opctx *oc, int *act, float *a, float *b);


static bool is_graph_output(const cliq__graph *g, int v) {
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return true;
  return false;
}

/* Number of node inputs reading v; the graph outputs count as readers too. */
static size_t readers(const cliq__graph *g, int v) { return cliq__graph_use_count(g, v); }

static bool reads(const cliq__node *n, int v) {
  for (size_t k = 0; k < n->n_inputs; k++)
    if (n->inputs[k] == v) return true;
  return false;
}

static bool is_producer(const cliq__node *n) {
  return cliq__node_is(n, "Conv") || cliq__node_is(n, "ConvTranspose") || cliq__node_is(n, "Gemm") || cliq__node_is(n, "MatMul");
}

/* The single-input activations of the rule, with their parameters. */
static bool unary_act(const cliq__graph *g, int node, int *act, float *a, float *b) {
  const cliq__node *n = &g->nodes[node];
  static const char *const ok[] = {"Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh"};
  bool listed = false;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) listed = listed || cliq__node_is(n, ok[i]);
  if (!listed || n->n_outputs != 1 || n->outputs[0] < 0) return false;
  cliq_dtype dt = g->values[n->outputs[0]].dtype;
  if (dt != CLIQ_DTYPE_UNDEFINED && dt != CLIQ_DTYPE_FLOAT32) return false;
  /* Clip's bounds must be known when planning: constant (or absent), never computed */
  for (size_t k = 1; k < n->n_inputs; k++)
    if (n->inputs[k] >= 0 && !g->values[n->inputs[k]].constant) return false;
  cliq__opctx oc = {NULL, (cliq__graph *)g, node};
  return cliq__unary_params(&oc, act, a, b) == CLIQ_STATUS_OK;
}

/* Matches the rule; *out the value the fused node writes, dead[] the nodes it replaces. */
static bool match(const cliq__graph *g, int producer, int act_node, int *act, float *a, float *b, int *out, int dead[2]) {
  if (producer < 0 || act_node < 0 || (size_t)producer >= g->n_nodes || (size_t)act_node >= g->n_nodes) return false;
  const cliq__node *p = &g->nodes[producer];
  if (!is_producer(p) || p->n_outputs != 1 || p->outputs[0] < 0 || cliq__node_attr(p, "cliq.act")) return false;
  int v = p->outputs[0];
  if (is_graph_output(g, v)) return false;
  const cliq__node *n = &g->nodes[act_node];
  /* SiLU: v -> Sigmoid -> s; Mul(v, s) */
  int sig = -1, mul = -1;
  if (cliq__node_is(n, "Sigmoid") && n->n_inputs == 1 && n->inputs[0] == v) sig = act_node;
  if (cliq__node_is(n, "Mul") && n->n_inputs == 2 && reads(n, v)) mul = act_node;
  if (sig >= 0 || mul >= 0) {
    for (size_t i = 0; i < g->n_nodes; i++) {
      const cliq__node *m = &g->nodes[i];
      if (sig < 0 && cliq__node_is(m, "Sigmoid") && m->n_inputs == 1 && m->inputs[0] == v && m->n_outputs == 1) sig = (int)i;
      if (mul < 0 && sig >= 0 && cliq__node_is(m, "Mul") && m->n_inputs == 2 && reads(m, v) && reads(m, g->nodes[sig].outputs[0]))
        mul = (int)i;
    }
    if (sig >= 0 && mul >= 0) {
      const cliq__node *s = &g->nodes[sig], *m = &g->nodes[mul];
      int sv = s->outputs[0];
      bool pair = ((m->inputs[0] == v && m->inputs[1] == sv) || (m->inputs[0] == sv && m->inputs[1] == v));
      if (pair && readers(g, v) == 2 && readers(g, sv) == 1 && !is_graph_output(g, sv) && m->n_outputs == 1 &&
          m->outputs[0] >= 0) {
        *act = CLIQ_ACT_SILU;
        *a = *b = 0.0f;
        *out = m->outputs[0];
        dead[0] = sig;
        dead[1] = mul;
        return true;
      }
    }
    if (!cliq__node_is(n, "Sigmoid")) return false;
  }
  if (n->n_inputs < 1 || n->inputs[0] != v || readers(g, v) != 1) return false;
  if (!unary_act(g, act_node, act, a, b)) return false;
  *out = n->outputs[0];
  dead[0] = act_node;
  dead[1] = -1;
  return true;
}

bool cliq__fusable_activation(const cliq__graph *g, int producer_node, int act_node, int *act, float *a, float *b) {
  int out, dead[2], t;
  float ta, tb;
  return match(g, producer_node, act_node, act ? act : &t, a ? a : &ta, b ? b : &tb, &out, dead);
}

int cliq__fused_output(const cliq__graph *g, int producer_node, int act_node) {
  int act, out, dead[2];
  float a, b;
  return match(g, producer_node, act_node, &act, &a, &b, &out, dead) ? out : -1;
}

/* The single node reading v (not a graph output), or -1. */
static int sole_reader(const cliq__graph *g, int v) {
  if (is_graph_output(g, v)) return -1;
  int found = -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    if (reads(&g->nodes[i], v)) {
      if (found >= 0) return -1;
      found = (int)i;
    }
  return found;
}

/* MatMul + Add(bias) -> Gemm. */
static bool fuse_matmul_add(cliq__graph *g, int node, bool *dead) {
  cliq__node *n = &g->nodes[node];
  if (!cliq__node_is(n, "MatMul") || n->n_inputs != 2 || n->n_outputs != 1 || n->outputs[0] < 0) return false;
  const cliq__value *A = &g->values[n->inputs[0]], *B = &g->values[n->inputs[1]], *Y = &g->values[n->outputs[0]];
  if (A->rank != 2 || B->rank != 2 || Y->rank != 2) return false;
  int add = sole_reader(g, n->outputs[0]);
  if (add < 0 || dead[add]) return false;
  const cliq__node *an = &g->nodes[add];
  if (!cliq__node_is(an, "Add") || an->n_inputs != 2 || an->n_outputs != 1 || an->outputs[0] < 0) return false;
  int c = an->inputs[0] == n->outputs[0] ? an->inputs[1] : an->inputs[0];
  if (c < 0 || c == n->outputs[0]) return false;
  const cliq__value *C = &g->values[c], *S = &g->values[an->outputs[0]];
  if (C->dtype != CLIQ_DTYPE_FLOAT32 || C->rank > 2 || S->rank != 2 || S->dims[0] != Y->dims[0] || S->dims[1] != Y->dims[1])
    return false;
  int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
  if ((cm != 1 && cm != Y->dims[0]) || (cn != 1 && cn != Y->dims[1])) return false;
  int *in = realloc(n->inputs, 3 * sizeof(int));
  char *type = cliq__strdup("Gemm");
  if (!in || !type) {
    if (in) n->inputs = in;
    free(type);
    return false;
  }
  n->inputs = in;
  n->inputs[2] = c;
  n->n_inputs = 3;
  free(n->op_type);
  n->op_type = type;
  n->def = cliq__op_find("Gemm", "");
  if (n->opset < 11) n->opset = 11; /* Gemm-11 semantics (C optional, unidirectional broadcast) */
  n->outputs[0] = an->outputs[0];
  dead[add] = true;
  return true;
}

cliq_status cliq__pass_fuse_activations(cliq_context *ctx, cliq__graph *g) {
  (void)ctx;
  bool *dead = calloc(g->n_nodes + 1, sizeof(bool));
  if (!dead) return CLIQ_STATUS_OUT_OF_MEMORY;
  bool changed = false;
  for (size_t i = 0; i < g->n_nodes; i++)
    if (!dead[i] && !g->keep_values && fuse_matmul_add(g, (int)i, dead)) changed = true;
  for (size_t i = 0; i < g->n_nodes; i++) {
    if (dead[i] || !is_producer(&g->nodes[i]) || g->nodes[i].n_outputs != 1 || g->nodes[i].outputs[0] < 0) continue;
    int v = g->nodes[i].outputs[0];
    /* candidate: the first live reader of the output */
    int cand = -1;
    for (size_t j = 0; j < g->n_nodes && cand < 0; j++)
      if (!dead[j] && j != i && reads(&g->nodes[j], v)) cand = (int)j;
    int act, out, kill[2];
    float a, b;
    if (cand < 0 || !match(g, (int)i, cand, &act, &a, &b, &out, kill)) continue;
    /* keep_values: the input of a table activation stays readable (the quantizer calibrates it);
     * a clamp's input is never quantized, and fusing it keeps calibration memory down */
    if (g->keep_values && act != CLIQ_ACT_RELU && act != CLIQ_ACT_CLIP) continue;
    if (dead[kill[0]] || (kill[1] >= 0 && dead[kill[1]])) continue;
    cliq__node *p = &g->nodes[i];
    const char *name = g->nodes[kill[0]].op_type;
    if (!cliq__node_set_int(p, "cliq.act", act) || !cliq__node_set_float(p, "cliq.act_a", a) ||
        !cliq__node_set_float(p, "cliq.act_b", b) ||
        !cliq__node_set_string(p, "cliq.activation", act == CLIQ_ACT_SILU ? "SiLU" : name)) {
      free(dead);
      return CLIQ_STATUS_OUT_OF_MEMORY;
    }
    p->outputs[0] = out;
    dead[kill[0]] = true;
    if (kill[1] >= 0) dead[kill[1]] = true;
    changed = true;
  }
  if (changed) cliq__graph_remove_nodes(g, dead);
  free(dead);
  return changed ? cliq__graph_toposort(g) : CLIQ_STATUS_OK;
}

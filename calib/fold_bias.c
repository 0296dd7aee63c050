/*
 * fold_bias.c — FLOAT-stage PTQ passes (calib/pass.h) that give weighted ops their bias back.
 *
 * Exporters often write a layer's bias as a separate Add of a constant: CNTK's Conv -> Add
 * (mnist-8), PyTorch/TF's MatMul -> Add. Quantized, that Add would be a second int8 op with an
 * int8 bias and its own requantization; folded into the Conv or a Gemm, the bias becomes the int32
 * bias at scale s_in * s_w[c] that the int8 kernels add to the accumulator exactly (DEVELOPERS.md,
 * "Numerics contract"). Both rewrites keep the function exactly (up to float rounding of b1 + b2)
 * and keep the Add's output name, so later stages and reports see the same tensors.
 *   cliq__ptq_fold_conv_bias_add   Conv/ConvTranspose(x, W[, b]) -> Add(., c), c constant and
 *                                  per output channel (dims 1 except C_out on axis 1) or a scalar
 *                                  => Conv(x, W, b + c).
 *   cliq__ptq_matmul_add_to_gemm   MatMul(A, B) -> Add(., c), A of rank 2, B constant [K, N], c
 *                                  constant broadcasting to [N] => Gemm(A, B, c as [N]).
 * The intermediate tensor must have no other reader and not be a graph output.
 */
#include "pass.h"

#include "../host/error.h"
#include "../host/ops/op.h"
#include "../host/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Add's constant float input and the other input, when it has one. */
static bool add_with_const(const cliq__graph *g, const cliq__node *n, int *other, const cliq__tensor **c) {
  if (strcmp(n->op_type, "Add") != 0 || n->domain[0] || n->n_inputs != 2 || n->n_outputs != 1) return false;
  for (int k = 0; k < 2; k++) {
    int a = n->inputs[k], b = n->inputs[1 - k];
    if (a < 0 || b < 0) return false;
    const cliq__value *vb = &g->values[b];
    if (!g->values[a].constant && vb->constant && vb->constant->dtype == CLIQ_DTYPE_FLOAT32) {
      *other = a;
      *c = vb->constant;
      return true;
    }
  }
  return false;
}

static bool is_graph_output(const cliq__graph *g, int v) {
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return true;
  return false;
}

/* Producer of v when v is output 0 of a node of type op (domain ai.onnx) read only once. */
static int sole_producer(const cliq__graph *g, int v, const char *op) {
  int p = g->values[v].producer;
  if (p < 0) return -1;
  const cliq__node *n = &g->nodes[p];
  if (strcmp(n->op_type, op) != 0 || n->domain[0] || n->outputs[0] != v) return -1;
  if (is_graph_output(g, v) || cliq__graph_use_count(g, v) != 1) return -1;
  return p;
}

static bool set_input(cliq__node *n, size_t k, int v) {
  if (k >= n->n_inputs) {
    int *p = realloc(n->inputs, (k + 2) * sizeof(int));
    if (!p) return false;
    n->inputs = p;
    for (size_t j = n->n_inputs; j < k; j++) p[j] = -1;
    n->n_inputs = k + 1;
  }
  n->inputs[k] = v;
  return true;
}

/* Per-channel value of constant c (right-aligned against rank r): channel ch of axis `axis`. */
static bool per_channel(const cliq__tensor *c, int r, int axis, int64_t C) {
  if (c->rank > r) return false;
  for (int i = 0; i < c->rank; i++) {
    int ax = r - c->rank + i;
    if (c->dims[i] != 1 && !(ax == axis && c->dims[i] == C)) return false;
  }
  return true;
}

static float channel_value(const cliq__tensor *c, int64_t ch) {
  size_t n = cliq__tensor_elems(c);
  return ((const float *)c->data)[n == 1 ? 0 : (size_t)ch];
}

cliq_status cliq__ptq_fold_conv_bias_add(cliq__ptq *ptq) {
  cliq__graph *g = ptq->g;
  bool *dead = calloc(g->n_nodes + 1, sizeof(bool));
  if (!dead) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "folding bias adds");
  bool any = false;
  for (size_t i = 0; i < g->n_nodes; i++) {
    int y;
    const cliq__tensor *c;
    if (!add_with_const(g, &g->nodes[i], &y, &c)) continue;
    int p = sole_producer(g, y, "Conv");
    bool transposed = false;
    if (p < 0 && (p = sole_producer(g, y, "ConvTranspose")) >= 0) transposed = true;
    if (p < 0) continue;
    cliq__node *conv = &g->nodes[p];
    if (conv->n_inputs < 2 || conv->inputs[1] < 0) continue;
    const cliq__tensor *w = g->values[conv->inputs[1]].constant;
    if (!w || w->dtype != CLIQ_DTYPE_FLOAT32 || w->rank < 3) continue;
    int64_t C = transposed ? w->dims[1] * cliq__attr_int(conv, "group", 1) : w->dims[0];
    if (!per_channel(c, w->rank, 1, C)) continue;
    const cliq__tensor *b0 = NULL;
    if (conv->n_inputs > 2 && conv->inputs[2] >= 0) {
      b0 = g->values[conv->inputs[2]].constant;
      if (!b0 || b0->dtype != CLIQ_DTYPE_FLOAT32 || (int64_t)cliq__tensor_elems(b0) != C) continue;
    }
    cliq__tensor *b;
    if (cliq__tensor_new(CLIQ_DTYPE_FLOAT32, 1, &C, &b) != CLIQ_STATUS_OK) {
      free(dead);
      return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "folding a bias of %lld channels", (long long)C);
    }
    for (int64_t ch = 0; ch < C; ch++)
      ((float *)b->data)[ch] = (b0 ? ((const float *)b0->data)[ch] : 0.0f) + channel_value(c, ch);
    char hint[256];
    snprintf(hint, sizeof hint, "%s_bias", conv->name);
    int bv = cliq__graph_add_constant(g, hint, b);
    conv = &g->nodes[p];
    int z = g->nodes[i].outputs[0];
    if (bv < 0 || !set_input(conv, 2, bv)) {
      free(dead);
      return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "folding a bias add into node '%s'", conv->name);
    }
    conv->outputs[0] = z;
    g->values[z].producer = p;
    g->values[y].producer = -1;
    g->nodes[i].inputs[0] = g->nodes[i].inputs[1] = -1; /* so use counts forget it before removal */
    dead[i] = true;
    any = true;
  }
  if (any) cliq__graph_remove_nodes(g, dead);
  free(dead);
  return CLIQ_STATUS_OK;
}

cliq_status cliq__ptq_matmul_add_to_gemm(cliq__ptq *ptq) {
  cliq__graph *g = ptq->g;
  const cliq__op_def *gemm = cliq__op_find("Gemm", "");
  if (!gemm) return CLIQ_STATUS_OK; /* no Gemm op in this build: leave MatMul + Add */
  bool *dead = calloc(g->n_nodes + 1, sizeof(bool));
  if (!dead) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "rewriting MatMul + Add");
  bool any = false;
  for (size_t i = 0; i < g->n_nodes; i++) {
    int y;
    const cliq__tensor *c;
    if (!add_with_const(g, &g->nodes[i], &y, &c)) continue;
    int p = sole_producer(g, y, "MatMul");
    if (p < 0) continue;
    cliq__node *mm = &g->nodes[p];
    if (mm->n_inputs != 2 || mm->inputs[0] < 0 || mm->inputs[1] < 0) continue;
    const cliq__tensor *B = g->values[mm->inputs[1]].constant;
    if (g->values[mm->inputs[0]].rank != 2 || !B || B->dtype != CLIQ_DTYPE_FLOAT32 || B->rank != 2) continue;
    int64_t N = B->dims[1];
    if (!per_channel(c, 2, 1, N) || c->rank > 2) continue;
    cliq__tensor *cb;
    if (cliq__tensor_new(CLIQ_DTYPE_FLOAT32, 1, &N, &cb) != CLIQ_STATUS_OK) {
      free(dead);
      return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "a Gemm bias of %lld columns", (long long)N);
    }
    for (int64_t k = 0; k < N; k++) ((float *)cb->data)[k] = channel_value(c, k);
    char hint[256];
    snprintf(hint, sizeof hint, "%s_bias", mm->name);
    int cv = cliq__graph_add_constant(g, hint, cb);
    mm = &g->nodes[p];
    char *op = cliq__strdup("Gemm");
    if (cv < 0 || !op || !set_input(mm, 2, cv)) {
      free(op);
      free(dead);
      return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "rewriting node '%s' as a Gemm", mm->name);
    }
    free(mm->op_type);
    mm->op_type = op;
    mm->def = gemm;
    if (mm->opset < 11) mm->opset = 11; /* Gemm-11: C broadcasts unidirectionally, as used here */
    int z = g->nodes[i].outputs[0];
    mm->outputs[0] = z;
    g->values[z].producer = p;
    g->values[y].producer = -1;
    g->nodes[i].inputs[0] = g->nodes[i].inputs[1] = -1;
    dead[i] = true;
    any = true;
  }
  if (any) cliq__graph_remove_nodes(g, dead);
  free(dead);
  return CLIQ_STATUS_OK;
}

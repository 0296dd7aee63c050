/*
 * graph_builder.h — small multi-node graphs for the conv/gemm tests (test_conv.c, test_gemm.c,
 * test_fusion.c), where the harness's one-op builder is not enough: Conv followed by an
 * activation (fused by the session pass), Conv + BatchNormalization, MatMul + Add.
 *
 * The graph goes to a model through the normal load pipeline (cliq__model_from_graph: op checks,
 * folding, LOAD passes) without the ONNX writer, so a test can also hand the library node
 * attributes that only passes may set. Header-only: each test includes it once.
 */
#ifndef CLIQ_TEST_GRAPH_BUILDER_H
#define CLIQ_TEST_GRAPH_BUILDER_H

#include "harness.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct tg {
  cliq__graph *g;
} tg;

static inline tg *tg_new(int opset) {
  tg *t = calloc(1, sizeof *t);
  t->g = cliq__graph_new();
  t->g->opset = opset;
  t->g->ir_version = 8;
  t->g->inputs = malloc(16 * sizeof(int));
  t->g->outputs = malloc(16 * sizeof(int));
  return t;
}

static inline void tg_free(tg *t) {
  if (!t) return;
  cliq__graph_free(t->g);
  free(t);
}

/* A runtime graph input. */
static inline int tg_input(tg *t, const char *name, int rank, const int64_t *dims) {
  int v = cliq__graph_add_value(t->g, name);
  cliq__value_set_shape(&t->g->values[v], CLIQ_DTYPE_FLOAT32, rank, dims);
  t->g->values[v].flags |= CLIQ__VALUE_GRAPH_INPUT;
  t->g->inputs[t->g->n_inputs++] = v;
  return v;
}

/* A constant (initializer); x is copied. */
static inline int tg_const(tg *t, const char *name, const cliq__tensor *x) {
  int v = cliq__graph_add_value(t->g, name);
  cliq__value_set_constant(&t->g->values[v], cliq__tensor_clone(x));
  t->g->values[v].flags |= CLIQ__VALUE_INITIALIZER;
  return v;
}

/* A random float constant of the given shape. */
static inline int tg_const_random(tg *t, const char *name, int rank, const int64_t *dims, float lo, float hi) {
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, lo, hi);
  int v = tg_const(t, name, x);
  cliq__tensor_free(x);
  return v;
}

/* An intermediate value. */
static inline int tg_value(tg *t, const char *name) { return cliq__graph_add_value(t->g, name); }

/* A node; returns its index (use tg_node_at to reach it: the array may move). */
static inline int tg_node(tg *t, const char *op, const char *name, const int *in, size_t n_in, const int *out, size_t n_out) {
  int n = cliq__graph_add_node(t->g, op, "", name, in, n_in, out, n_out);
  t->g->nodes[n].opset = t->g->opset;
  return n;
}

static inline cliq__node *tg_node_at(tg *t, int n) { return &t->g->nodes[n]; }

static inline void tg_output(tg *t, int v) {
  t->g->values[v].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  t->g->outputs[t->g->n_outputs++] = v;
}

/* Appends the activation node(s) for CLIQ_ACT_* id `act` (activation.h) reading x; returns the
 * activation's output. SiLU is Sigmoid + Mul, the pattern the fusion pass recognises. */
static inline int tg_activation(tg *t, int act, float a, float b, int x) {
  static const char *const ops[] = {NULL, "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Exp", "Sigmoid"};
  char name[64];
  snprintf(name, sizeof name, "act%zu", t->g->n_nodes);
  int y = tg_value(t, name);
  int in[3] = {x, -1, -1};
  size_t n_in = 1;
  if (act == 2) {
    int64_t none[1] = {0};
    cliq__tensor *lo = th_tensor(CLIQ_DTYPE_FLOAT32, 0, none), *hi = th_tensor(CLIQ_DTYPE_FLOAT32, 0, none);
    ((float *)lo->data)[0] = a;
    ((float *)hi->data)[0] = b;
    snprintf(name, sizeof name, "clip_lo%zu", t->g->n_values);
    in[1] = tg_const(t, name, lo);
    snprintf(name, sizeof name, "clip_hi%zu", t->g->n_values);
    in[2] = tg_const(t, name, hi);
    n_in = 3;
    cliq__tensor_free(lo);
    cliq__tensor_free(hi);
  }
  if (act == 9) {
    int s = tg_value(t, "silu_sig");
    tg_node(t, "Sigmoid", "silu_sigmoid", in, 1, &s, 1);
    int mi[2] = {x, s};
    tg_node(t, "Mul", "silu_mul", mi, 2, &y, 1);
    return y;
  }
  int n = tg_node(t, ops[act], name, in, n_in, &y, 1);
  if (act == 3) cliq__node_set_float(tg_node_at(t, n), "alpha", a);
  if (act == 5) {
    cliq__node_set_float(tg_node_at(t, n), "alpha", a);
    cliq__node_set_float(tg_node_at(t, n), "beta", b);
  }
  return y;
}

/* A model of (a copy of) the graph through the load pipeline. */
static inline cliq_status tg_model(tg *t, cliq_context *ctx, cliq_model **out) {
  cliq__graph *copy = cliq__graph_clone(t->g);
  if (!copy) return CLIQ_STATUS_OUT_OF_MEMORY;
  cliq__graph_update_producers(copy);
  return cliq__model_from_graph(ctx, copy, NULL, out);
}

static cliq_context *tg_dev, *tg_ref;

/* Runs the model of t on ctx; returns the outputs (caller frees with th_free_tensors) or NULL. */
static cliq__tensor **tg_run(tg *t, cliq_context *ctx, size_t n_in, cliq__tensor *const *in, size_t *n_out,
                             const char *what) {
  cliq_model *m = NULL;
  cliq__tensor **out = NULL;
  *n_out = 0;
  cliq_status st = tg_model(t, ctx, &m);
  if (st == CLIQ_STATUS_OK) st = th_run(ctx, m, n_in, in, n_out, &out);
  if (st != CLIQ_STATUS_OK)
    th_check(false, __FILE__, __LINE__, "%s: %s: %s", what, cliq_status_name(st), cliq_context_error(ctx));
  cliq_model_destroy(m);
  return out;
}

/* Device vs reference on the same graph and inputs: every output within atol + rtol*|want|. */
static inline bool tg_compare(tg *t, size_t n_in, cliq__tensor *const *in, float atol, float rtol, const char *what) {
  if (!tg_dev) tg_dev = th_device_context();
  if (!tg_ref) tg_ref = th_ref_context();
  size_t nd = 0, nr = 0;
  cliq__tensor **od = tg_run(t, tg_dev, n_in, in, &nd, what), **orf = tg_run(t, tg_ref, n_in, in, &nr, what);
  bool ok = od && orf;
  char label[512];
  for (size_t i = 0; ok && i < nd && i < nr; i++) {
    snprintf(label, sizeof label, "%s output %zu", what, i);
    ok = th_compare_tensor(label, od[i], orf[i], atol, rtol) && ok;
  }
  th_free_tensors(od, nd);
  th_free_tensors(orf, nr);
  return ok;
}

#endif /* CLIQ_TEST_GRAPH_BUILDER_H */

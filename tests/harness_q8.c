/*
 * harness_q8.c — one-op graphs of cliq-domain int8 ops (see harness_q8.h).
 */
#include "harness_q8.h"

#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct th_q8 {
  cliq__graph *g;
  int node;
  size_t n_runtime;
};

th_q8 *th_q8_new(const char *op_type) {
  th_q8 *op = calloc(1, sizeof *op);
  op->g = cliq__graph_new();
  op->g->opset = 13;
  op->g->ir_version = 8;
  op->g->inputs = malloc(16 * sizeof(int));
  op->g->outputs = malloc(16 * sizeof(int));
  op->node = cliq__graph_add_node(op->g, op_type, "cliq", "op", NULL, 0, NULL, 0);
  op->g->nodes[op->node].opset = 1;
  return op;
}

void th_q8_free(th_q8 *op) {
  if (!op) return;
  cliq__graph_free(op->g);
  free(op);
}

static void add_input(th_q8 *op, int v) {
  cliq__node *n = &op->g->nodes[op->node];
  n->inputs = realloc(n->inputs, (n->n_inputs + 1) * sizeof(int));
  n->inputs[n->n_inputs++] = v;
}

static cliq__quant *per_tensor(float scale, int zp) {
  cliq__quant *q = cliq__quant_new(1, 0);
  q->scale[0] = scale;
  q->zero_point[0] = zp;
  return q;
}

void th_q8_input(th_q8 *op, int rank, const int64_t *dims, float scale, int zero_point) {
  char name[32];
  snprintf(name, sizeof name, "x%zu", op->n_runtime++);
  int v = cliq__graph_add_value(op->g, name);
  cliq__value_set_shape(&op->g->values[v], CLIQ_DTYPE_INT8, rank, dims);
  op->g->values[v].quant = per_tensor(scale, zero_point);
  op->g->values[v].flags |= CLIQ__VALUE_GRAPH_INPUT;
  op->g->inputs[op->g->n_inputs++] = v;
  add_input(op, v);
}

void th_q8_const(th_q8 *op, const cliq__tensor *t, const cliq__quant *q) {
  char name[32];
  snprintf(name, sizeof name, "c%zu", op->g->nodes[op->node].n_inputs);
  int v = cliq__graph_add_value(op->g, name);
  cliq__value_set_constant(&op->g->values[v], cliq__tensor_clone(t));
  if (q) op->g->values[v].quant = cliq__quant_clone(q);
  op->g->values[v].flags |= CLIQ__VALUE_INITIALIZER;
  add_input(op, v);
}

void th_q8_absent(th_q8 *op) { add_input(op, -1); }

void th_q8_output(th_q8 *op, float scale, int zero_point) {
  int v = cliq__graph_add_value(op->g, "y");
  cliq__node *n = &op->g->nodes[op->node];
  n->outputs = realloc(n->outputs, (n->n_outputs + 1) * sizeof(int));
  n->outputs[n->n_outputs++] = v;
  op->g->values[v].quant = per_tensor(scale, zero_point);
  op->g->values[v].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  op->g->outputs[op->g->n_outputs++] = v;
  cliq__graph_update_producers(op->g);
}

cliq__node *th_q8_node(th_q8 *op) { return &op->g->nodes[op->node]; }

cliq_status th_q8_model(th_q8 *op, cliq_context *ctx, cliq_model **out) {
  cliq__graph *g = cliq__graph_clone(op->g);
  if (!g) return CLIQ_STATUS_OUT_OF_MEMORY;
  return cliq__model_from_graph(ctx, g, NULL, out);
}

cliq__tensor *th_q8_run(th_q8 *op, cliq_context *ctx, size_t n_in, cliq__tensor *const *in, cliq_status *status,
                        bool quiet) {
  cliq_model *m = NULL;
  cliq_status st = th_q8_model(op, ctx, &m);
  cliq__tensor **outs = NULL, *y = NULL;
  size_t n_out = 0;
  if (st == CLIQ_STATUS_OK) st = th_run(ctx, m, n_in, in, &n_out, &outs);
  if (st == CLIQ_STATUS_OK && n_out > 0) {
    y = outs[0];
    outs[0] = NULL;
  }
  th_free_tensors(outs, n_out);
  cliq_model_destroy(m);
  if (status) *status = st;
  if (st != CLIQ_STATUS_OK && !quiet) printf("  %s: %s\n", cliq_status_name(st), cliq_context_error(ctx));
  return y;
}

/*
 * harness_q8.c — one-op graphs of cliq-domain int8 ops (see harness_q8.h).
 */
#include "harness_q8.h"

#include "harness_graph.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built through the one graph builder (harness_graph.h): a tg graph with one cliq-domain node. */
struct th_q8 {
  tg *t;
  int node;
  size_t n_runtime;
};

th_q8 *th_q8_new(const char *op_type) {
  th_q8 *op = calloc(1, sizeof *op);
  if (!op) {
    printf("FAIL out of memory building a test graph\n");
    exit(1);
  }
  op->t = tg_new(13);
  op->node = tg_node_ex(op->t, "cliq", op_type, "op", NULL, 0, NULL, 0);
  return op;
}

void th_q8_free(th_q8 *op) {
  if (!op) return;
  tg_free(op->t);
  free(op);
}

void th_q8_input(th_q8 *op, int rank, const int64_t *dims, float scale, int zero_point) {
  char name[32];
  snprintf(name, sizeof name, "x%zu", op->n_runtime++);
  int v = tg_input(op->t, name, CLIQ_DTYPE_INT8, rank, dims, NULL);
  tg_quant(op->t, v, scale, zero_point);
  tg_node_input(op->t, op->node, v);
}

void th_q8_const(th_q8 *op, const cliq__tensor *t, const cliq__quant *q) {
  char name[32];
  snprintf(name, sizeof name, "c%zu", th_q8_node(op)->n_inputs);
  int v = tg_const(op->t, name, t);
  if (q) tg_graph(op->t)->values[v].quant = cliq__quant_clone(q);
  tg_node_input(op->t, op->node, v);
}

void th_q8_absent(th_q8 *op) { tg_node_input(op->t, op->node, -1); }

void th_q8_output(th_q8 *op, float scale, int zero_point) {
  int v = tg_value(op->t, "y");
  tg_node_output(op->t, op->node, v);
  tg_quant(op->t, v, scale, zero_point);
  tg_output(op->t, v);
}

cliq__node *th_q8_node(th_q8 *op) { return &tg_graph(op->t)->nodes[op->node]; }

cliq_status th_q8_model(th_q8 *op, cliq_context *ctx, cliq_model **out) { return tg_model(op->t, ctx, out); }

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

/*
 * harness_qdq.c — graph builders for the int8 tests (see harness_qdq.h).
 */
#include "harness_qdq.h"

#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cliq__graph *tq_graph(int opset) {
  cliq__graph *g = cliq__graph_new();
  g->opset = opset;
  g->ir_version = 8;
  g->inputs = malloc(64 * sizeof(int));
  g->outputs = malloc(64 * sizeof(int));
  return g;
}

int tq_input(cliq__graph *g, const char *name, cliq_dtype dtype, int rank, const int64_t *dims) {
  int v = cliq__graph_add_value(g, name);
  cliq__value_set_shape(&g->values[v], dtype, rank, dims);
  g->values[v].flags |= CLIQ__VALUE_GRAPH_INPUT;
  g->inputs[g->n_inputs++] = v;
  return v;
}

int tq_const(cliq__graph *g, const char *name, const cliq__tensor *t) {
  int v = cliq__graph_add_value_unique(g, name);
  cliq__value_set_constant(&g->values[v], cliq__tensor_clone(t));
  g->values[v].flags |= CLIQ__VALUE_INITIALIZER;
  return v;
}

int tq_const_f32(cliq__graph *g, const char *name, float f) {
  cliq__tensor *t = th_tensor(CLIQ_DTYPE_FLOAT32, 0, NULL);
  ((float *)t->data)[0] = f;
  int v = tq_const(g, name, t);
  cliq__tensor_free(t);
  return v;
}

int tq_const_int(cliq__graph *g, const char *name, cliq_dtype dtype, int iv) {
  cliq__tensor *t = th_tensor(dtype, 0, NULL);
  switch (dtype) {
  case CLIQ_DTYPE_INT8: ((int8_t *)t->data)[0] = (int8_t)iv; break;
  case CLIQ_DTYPE_UINT8: ((uint8_t *)t->data)[0] = (uint8_t)iv; break;
  case CLIQ_DTYPE_INT32: ((int32_t *)t->data)[0] = iv; break;
  default: ((int64_t *)t->data)[0] = iv; break;
  }
  int v = tq_const(g, name, t);
  cliq__tensor_free(t);
  return v;
}

int tq_node(cliq__graph *g, const char *op, const char *domain, const char *name, const int *in, size_t nin) {
  int y = cliq__graph_add_value_unique(g, name);
  int nd = cliq__graph_add_node(g, op, domain ? domain : "", name, in, nin, &y, 1);
  g->nodes[nd].opset = domain && domain[0] ? 1 : g->opset;
  return y;
}

cliq__node *tq_producer(cliq__graph *g, int v) {
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_outputs; k++)
      if (g->nodes[i].outputs[k] == v) return &g->nodes[i];
  return NULL;
}

void tq_output(cliq__graph *g, int v) {
  g->values[v].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  g->outputs[g->n_outputs++] = v;
}

void tq_quant(cliq__graph *g, int v, float scale, int zp) {
  cliq__quant_free(g->values[v].quant);
  cliq__quant *q = cliq__quant_new(1, 0);
  q->scale[0] = scale;
  q->zero_point[0] = zp;
  g->values[v].quant = q;
}

int tq_q(cliq__graph *g, int x, float scale, int zp, cliq_dtype dtype) {
  int in[3] = {x, tq_const_f32(g, "q_scale", scale), tq_const_int(g, "q_zp", dtype, zp)};
  return tq_node(g, "QuantizeLinear", "", "Q", in, 3);
}

int tq_dq(cliq__graph *g, int q, float scale, int zp, cliq_dtype dtype) {
  int in[3] = {q, tq_const_f32(g, "dq_scale", scale), tq_const_int(g, "dq_zp", dtype, zp)};
  return tq_node(g, "DequantizeLinear", "", "DQ", in, 3);
}

int tq_qdq(cliq__graph *g, int x, float scale, int zp, cliq_dtype dtype) {
  return tq_dq(g, tq_q(g, x, scale, zp, dtype), scale, zp, dtype);
}

int tq_weight_dq(cliq__graph *g, const cliq__tensor *w, const float *scales, size_t n, int axis) {
  int64_t d[1] = {(int64_t)n};
  cliq__tensor *s = th_tensor(CLIQ_DTYPE_FLOAT32, n == 1 ? 0 : 1, d);
  cliq__tensor *z = th_tensor(w->dtype, n == 1 ? 0 : 1, d);
  memcpy(s->data, scales, n * sizeof(float));
  int in[3] = {tq_const(g, "w", w), tq_const(g, "w_scale", s), tq_const(g, "w_zp", z)};
  cliq__tensor_free(s);
  cliq__tensor_free(z);
  int y = tq_node(g, "DequantizeLinear", "", "DQ_w", in, 3);
  if (n != 1) cliq__node_set_int(tq_producer(g, y), "axis", axis);
  return y;
}

cliq_status tq_model(cliq_context *ctx, const cliq__graph *g, cliq_model **out) {
  cliq__graph *c = cliq__graph_clone(g);
  if (!c) return CLIQ_STATUS_OUT_OF_MEMORY;
  return cliq__model_from_graph(ctx, c, NULL, out);
}

cliq_status tq_run(cliq_context *ctx, const cliq__graph *g, size_t n_in, cliq__tensor *const *in, size_t *n_out,
                   cliq__tensor ***out) {
  cliq_model *m = NULL;
  *out = NULL;
  *n_out = 0;
  cliq_status st = tq_model(ctx, g, &m);
  if (st == CLIQ_STATUS_OK) st = th_run(ctx, m, n_in, in, n_out, out);
  cliq_model_destroy(m);
  return st;
}

bool tq_compare(cliq_context *dev, cliq_context *ref, const cliq__graph *g, size_t n_in, cliq__tensor *const *in, float atol,
                const char *what) {
  cliq__tensor **od = NULL, **orf = NULL;
  size_t nd = 0, nr = 0;
  cliq_status sr = tq_run(ref, g, n_in, in, &nr, &orf);
  if (sr != CLIQ_STATUS_OK)
    return th_check(false, __FILE__, __LINE__, "%s: reference: %s: %s", what, cliq_status_name(sr), cliq_context_error(ref));
  cliq_status sd = tq_run(dev, g, n_in, in, &nd, &od);
  bool ok = true;
  if (sd != CLIQ_STATUS_OK) {
    ok = th_check(false, __FILE__, __LINE__, "%s: device: %s: %s", what, cliq_status_name(sd), cliq_context_error(dev));
  } else {
    for (size_t i = 0; i < nd && i < nr; i++) {
      char label[512];
      snprintf(label, sizeof label, "%s output %zu", what, i);
      ok = th_compare_tensor(label, od[i], orf[i], atol, 0.0f) && ok;
    }
  }
  th_free_tensors(od, nd);
  th_free_tensors(orf, nr);
  return ok;
}

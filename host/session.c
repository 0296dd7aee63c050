/*
 * session.c — cliq_session: copy the model graph, bind dims, infer and fold, run session passes,
 * plan every node, plan memory, bind arguments; then run as often as asked.
 */
#include "session.h"

#include "context.h"
#include "error.h"
#include "model.h"
#include "ops/op.h"
#include "passes/passes.h"
#include "shape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct cliq__planner cliq__planner;
cliq__planner *cliq__planner_new(cliq_session *s);
void cliq__planner_free(cliq__planner *p);
cliq_status cliq__plan_node(cliq__planner *p, int node);

cliq_session_options cliq_session_options_default(void) {
  cliq_session_options o;
  memset(&o, 0, sizeof o);
  o.batch = 1;
  return o;
}

void cliq_session_destroy(cliq_session *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_launches; i++) {
    if (s->launches[i].kernel) clReleaseKernel(s->launches[i].kernel);
    if (s->launches[i].custom_free) s->launches[i].custom_free(s->launches[i].custom);
  }
  free(s->launches);
  for (size_t i = 0; i < s->n_consts; i++) clReleaseMemObject(s->consts[i]);
  free(s->consts);
  if (s->value_mem && s->g)
    for (size_t v = 0; v < s->g->n_values; v++)
      if (s->value_mem[v]) clReleaseMemObject(s->value_mem[v]);
  free(s->value_mem);
  if (s->scratch_mem)
    for (size_t k = 0; k < s->n_scratch; k++)
      if (s->scratch_mem[k]) clReleaseMemObject(s->scratch_mem[k]);
  free(s->scratch_mem);
  if (s->arena) clReleaseMemObject(s->arena);
  if (s->dummy) clReleaseMemObject(s->dummy);
  if (s->events) {
    for (size_t i = 0; i < s->n_launches; i++)
      if (s->events[i]) clReleaseEvent(s->events[i]);
    free(s->events);
  }
  if (s->time_labels)
    for (size_t i = 0; i < s->n_launches; i++) free(s->time_labels[i]);
  free(s->time_labels);
  free(s->times);
  if (s->host && s->g)
    for (size_t v = 0; v < s->g->n_values; v++) cliq__tensor_free(s->host[v]);
  free(s->host);
  free(s->value_const);
  free(s->scratch_size);
  free(s->scratch_node);
  free(s->scratch_offset);
  free(s->root);
  free(s->value_offset);
  free(s->tensors);
  cliq__graph_free(s->g);
  if (s->ctx && s->ctx->active_objects) s->ctx->active_objects--;
  free(s);
}

/* Constant values read by kernels are uploaded once each. */
static cliq_status upload_constant_args(cliq_session *s, cliq__planner *p) {
  for (size_t i = 0; i < s->n_launches; i++) {
    cliq__launch *L = &s->launches[i];
    for (unsigned k = 0; k < L->n_args; k++) {
      cliq__arg *a = &L->args[k];
      if (a->kind != CLIQ__ARG_VALUE) continue;
      cliq__value *v = &s->g->values[a->id];
      if (!v->constant || s->value_const[a->id] >= 0) continue;
      int id = cliq__plan_const(p, v->constant->data, v->constant->nbytes);
      if (id < 0) return cliq__plan_status(p);
      s->value_const[a->id] = id;
    }
  }
  return CLIQ_STATUS_OK;
}

static cliq_status build(cliq_session *s, const cliq_session_options *o) {
  cliq_context *ctx = s->ctx;
  cliq__graph *g = s->g;
  CLIQ__TRY(cliq__graph_bind(ctx, g, o->batch, o->dims, o->n_dims));
  CLIQ__TRY(cliq__graph_infer(ctx, g, CLIQ__INFER_FOLD_CONST | CLIQ__INFER_FOLD_SHAPES));
  cliq__graph_prune(g);
  CLIQ__TRY(cliq__passes_run(ctx, g, CLIQ__PASS_SESSION));
  CLIQ__TRY(cliq__graph_infer(ctx, g, CLIQ__INFER_FOLD_CONST | CLIQ__INFER_FOLD_SHAPES));
  cliq__graph_prune(g);
  s->value_const = malloc((g->n_values + 1) * sizeof(int));
  if (!s->value_const) return CLIQ_STATUS_OUT_OF_MEMORY;
  for (size_t v = 0; v < g->n_values; v++) s->value_const[v] = -1;
  /* the tensors a caller may read with keep_intermediates: everything computed */
  s->tensors = malloc((g->n_values + 1) * sizeof(int));
  if (!s->tensors) return CLIQ_STATUS_OUT_OF_MEMORY;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_outputs; k++) {
      int v = g->nodes[i].outputs[k];
      if (v >= 0 && !g->values[v].constant) s->tensors[s->n_tensors++] = v;
    }
  if (s->reference) return cliq__memplan(s);
  cliq__planner *p = cliq__planner_new(s);
  if (!p) return CLIQ_STATUS_OUT_OF_MEMORY;
  cliq_status st = CLIQ_STATUS_OK;
  for (size_t i = 0; i < g->n_nodes && st == CLIQ_STATUS_OK; i++) st = cliq__plan_node(p, (int)i);
  if (st == CLIQ_STATUS_OK) st = upload_constant_args(s, p);
  cliq__planner_free(p);
  CLIQ__TRY(st);
  CLIQ__TRY(cliq__memplan(s));
  return cliq__executor_bind(s);
}

cliq_status cliq_session_create(cliq_context *ctx, const cliq_model *model, const cliq_session_options *options,
                                cliq_session **out) {
  if (!out) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out = NULL;
  if (!ctx || !model) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  cliq_session_options def = cliq_session_options_default();
  const cliq_session_options *o = options ? options : &def;
  if (o->n_dims && !o->dims) return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "n_dims is %zu but dims is NULL", o->n_dims);
  cliq_session *s = calloc(1, sizeof *s);
  if (!s) return CLIQ_STATUS_OUT_OF_MEMORY;
  s->ctx = ctx;
  ctx->active_objects++;
  s->model = model;
  s->reference = ctx->dev.is_reference;
  s->keep = o->keep_intermediates != 0;
  s->g = cliq__graph_clone(model->g);
  if (!s->g) {
    cliq_session_destroy(s);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying the model graph");
  }
  s->g->keep_values = s->keep;
  cliq_status st = build(s, o);
  if (st != CLIQ_STATUS_OK) {
    cliq_session_destroy(s);
    return st;
  }
  *out = s;
  return CLIQ_STATUS_OK;
}

static void value_info(const cliq__value *v, cliq_tensor_info *info) {
  memset(info, 0, sizeof *info);
  info->name = v->name;
  info->dtype = v->dtype;
  info->rank = v->rank < 0 ? 0 : (size_t)v->rank;
  for (int d = 0; d < v->rank && d < CLIQ_MAX_RANK; d++) {
    info->dims[d] = v->dims[d];
    info->dim_names[d] = v->dims[d] < 0 ? v->dim_param[d] : NULL;
  }
}

cliq_status cliq_session_input(const cliq_session *s, size_t index, cliq_tensor_info *out) {
  if (!s || !out || index >= s->g->n_inputs) return CLIQ_STATUS_INVALID_ARGUMENT;
  value_info(&s->g->values[s->g->inputs[index]], out);
  return CLIQ_STATUS_OK;
}

cliq_status cliq_session_output(const cliq_session *s, size_t index, cliq_tensor_info *out) {
  if (!s || !out || index >= s->g->n_outputs) return CLIQ_STATUS_INVALID_ARGUMENT;
  value_info(&s->g->values[s->g->outputs[index]], out);
  return CLIQ_STATUS_OK;
}

cliq_status cliq_session_run(cliq_session *s, size_t n_inputs, const cliq_buffer *inputs, size_t n_outputs,
                             cliq_buffer *outputs) {
  if (!s) return CLIQ_STATUS_INVALID_ARGUMENT;
  if ((n_inputs && !inputs) || (n_outputs && !outputs))
    return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "inputs or outputs array is NULL");
  cliq__error_clear(s->ctx);
  if (s->reference) return cliq__reference_run(s, n_inputs, inputs, n_outputs, outputs);
  return cliq__executor_run(s, n_inputs, inputs, n_outputs, outputs);
}

size_t cliq_session_tensor_count(const cliq_session *s) { return s ? s->n_tensors : 0; }

cliq_status cliq_session_tensor(const cliq_session *s, size_t index, cliq_tensor_info *out) {
  if (!s || !out || index >= s->n_tensors) return CLIQ_STATUS_INVALID_ARGUMENT;
  value_info(&s->g->values[s->tensors[index]], out);
  return CLIQ_STATUS_OK;
}

cliq_status cliq_session_read_tensor(cliq_session *s, size_t index, float *data, size_t count) {
  if (!s || index >= s->n_tensors) return CLIQ_STATUS_INVALID_ARGUMENT;
  if (!s->keep && !s->reference)
    return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_STATE,
                      "intermediate tensors are only kept when the session is created with keep_intermediates");
  int v = s->tensors[index];
  cliq__tensor *t;
  CLIQ__TRY(cliq__session_read_value(s, v, &t));
  size_t n = cliq__tensor_elems(t);
  if (count != n) {
    cliq__tensor_free(t);
    return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "tensor '%s' has %zu elements; %zu were asked",
                      s->g->values[v].name, n, count);
  }
  const cliq__quant *q = s->g->values[v].quant;
  for (size_t i = 0; i < n; i++) {
    double x = cliq__tensor_get_f64(t, i);
    if (q && (t->dtype == CLIQ_DTYPE_INT8 || t->dtype == CLIQ_DTYPE_UINT8) && q->n == 1)
      x = (x - q->zero_point[0]) * q->scale[0];
    data[i] = (float)x;
  }
  cliq__tensor_free(t);
  return CLIQ_STATUS_OK;
}

cliq_status cliq_session_profile(cliq_session *s, const cliq_op_time **out_times, size_t *out_count) {
  if (!s || !out_times || !out_count) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out_times = NULL;
  *out_count = 0;
  if (!s->ctx->profiling)
    return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_STATE, "profiling is off: create the context with profiling = 1");
  *out_times = s->times;
  *out_count = s->n_times;
  return CLIQ_STATUS_OK;
}

cliq_status cliq_session_memory(const cliq_session *s, uint64_t *w, uint64_t *a) {
  if (!s) return CLIQ_STATUS_INVALID_ARGUMENT;
  if (w) *w = s->const_bytes;
  if (a) *a = s->arena_bytes;
  return CLIQ_STATUS_OK;
}

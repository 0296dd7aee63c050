/*
 * ptq_run.c — sessions of PTQ-stage graphs over the kept calibration images (ptq_run.h).
 */
#include "ptq_run.h"

#include "../host/error.h"
#include "../host/model.h"
#include "../host/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cliq__ptq_runner_close(cliq__ptq_runner *r) {
  for (size_t i = 0; r->out && i < r->n_out; i++) free(r->out[i].data);
  free(r->out);
  free(r->in);
  free(r->in_elems);
  cliq_session_destroy(r->s);
  cliq_model_destroy(r->model);
  memset(r, 0, sizeof *r);
}

static size_t info_elems(const cliq_tensor_info *info) {
  size_t n = 1;
  for (size_t d = 0; d < info->rank; d++) n *= (size_t)info->dims[d];
  return n;
}

static cliq_status runner_open(cliq__ptq *ptq, const cliq__graph *g, int keep, cliq__ptq_runner *r) {
  memset(r, 0, sizeof *r);
  r->ptq = ptq;
  if (!ptq->images || !ptq->n_images || !ptq->so)
    return cliq__fail(ptq->ctx, CLIQ_STATUS_INVALID_STATE, "a PTQ pass needs the calibration images, which are not kept");
  cliq__graph *cg = cliq__graph_clone(g);
  if (!cg) return cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying a graph to run");
  cliq_status st = cliq__model_from_graph(ptq->ctx, cg, ptq->base_dir, &r->model);
  cliq_session_options so = *ptq->so;
  so.batch = 1;
  so.keep_intermediates = keep;
  if (st == CLIQ_STATUS_OK) st = cliq_session_create(ptq->ctx, r->model, &so, &r->s);
  if (st == CLIQ_STATUS_OK && (r->s->g->n_inputs != ptq->n_inputs))
    st = cliq__fail(ptq->ctx, CLIQ_STATUS_INVALID_STATE, "a PTQ pass's graph has %zu inputs; %zu were calibrated",
                    r->s->g->n_inputs, ptq->n_inputs);
  if (st == CLIQ_STATUS_OK) {
    r->n_in = ptq->n_inputs;
    r->n_out = cliq_model_output_count(r->model);
    r->in = calloc(r->n_in + 1, sizeof *r->in);
    r->out = calloc(r->n_out + 1, sizeof *r->out);
    r->in_elems = calloc(r->n_in + 1, sizeof *r->in_elems);
    if (!r->in || !r->out || !r->in_elems) st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "PTQ session buffers");
  }
  for (size_t i = 0; st == CLIQ_STATUS_OK && i < r->n_in; i++) {
    cliq_tensor_info info;
    cliq_session_input(r->s, i, &info);
    r->in_elems[i] = info_elems(&info);
    r->in[i].dtype = CLIQ_DTYPE_FLOAT32;
    r->in[i].size = r->in_elems[i] * sizeof(float);
  }
  for (size_t i = 0; st == CLIQ_STATUS_OK && i < r->n_out; i++) {
    cliq_tensor_info info;
    cliq_session_output(r->s, i, &info);
    r->out[i].dtype = info.dtype;
    r->out[i].size = info_elems(&info) * cliq_dtype_size(info.dtype);
    if (!(r->out[i].data = malloc(r->out[i].size ? r->out[i].size : 1)))
      st = cliq__fail(ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "PTQ session outputs");
  }
  if (st != CLIQ_STATUS_OK) cliq__ptq_runner_close(r);
  return st;
}

cliq_status cliq__ptq_runner_open(cliq__ptq *ptq, const cliq__graph *g, cliq__ptq_runner *r) {
  return runner_open(ptq, g, 1, r);
}

cliq_status cliq__ptq_runner_open_outputs(cliq__ptq *ptq, const cliq__graph *g, cliq__ptq_runner *r) {
  return runner_open(ptq, g, 0, r);
}

cliq_status cliq__ptq_runner_run(cliq__ptq_runner *r, size_t image) {
  if (image >= r->ptq->n_images)
    return cliq__fail(r->ptq->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "image %zu of %zu kept", image, r->ptq->n_images);
  for (size_t i = 0; i < r->n_in; i++) r->in[i].data = (void *)(r->ptq->images[i] + image * r->in_elems[i]);
  return cliq_session_run(r->s, r->n_in, r->in, r->n_out, r->out);
}

cliq_status cliq__ptq_runner_read(cliq__ptq_runner *r, const char *name, cliq__tensor **out) {
  *out = NULL;
  static const char *const suffix[] = {"_QuantizeLinear_Output", "_DequantizeLinear_Output", ""};
  int v = -1;
  size_t len = strlen(name);
  char *buf = malloc(len + 32);
  if (!buf) return cliq__fail(r->ptq->ctx, CLIQ_STATUS_OUT_OF_MEMORY, "a tensor name");
  for (size_t k = 0; k < sizeof suffix / sizeof suffix[0] && v < 0; k++) {
    snprintf(buf, len + 32, "%s%s", name, suffix[k]);
    v = cliq__graph_find_value(r->s->g, buf);
    if (v >= 0 && r->s->g->values[v].constant) v = -1;
  }
  free(buf);
  if (v < 0) return CLIQ_STATUS_OK;
  cliq__tensor *t;
  CLIQ__TRY(cliq__session_read_value(r->s, v, &t));
  if (t->dtype == CLIQ_DTYPE_FLOAT32) {
    *out = t;
    return CLIQ_STATUS_OK;
  }
  /* an int8 tensor of the lowered graph: dequantized, as cliq_session_read_tensor does */
  const cliq__quant *q = r->s->g->values[v].quant;
  cliq__tensor *f = NULL;
  if (q && q->n == 1 && (t->dtype == CLIQ_DTYPE_INT8 || t->dtype == CLIQ_DTYPE_UINT8) &&
      cliq__tensor_new(CLIQ_DTYPE_FLOAT32, t->rank, t->dims, &f) == CLIQ_STATUS_OK) {
    float *y = f->data;
    for (size_t i = 0, n = cliq__tensor_elems(t); i < n; i++)
      y[i] = (float)((cliq__tensor_get_f64(t, i) - q->zero_point[0]) * q->scale[0]);
  }
  cliq__tensor_free(t);
  *out = f;
  return CLIQ_STATUS_OK;
}

int cliq__ptq_const_dq(const cliq__graph *q, int i, size_t k, cliq_dtype dt) {
  int v = q->nodes[i].n_inputs > k ? q->nodes[i].inputs[k] : -1;
  int p = v >= 0 ? q->values[v].producer : -1;
  if (p < 0 || q->nodes[p].domain[0] || strcmp(q->nodes[p].op_type, "DequantizeLinear") != 0 || q->nodes[p].n_inputs < 2) return -1;
  const cliq__node *d = &q->nodes[p];
  const cliq__tensor *t = q->values[d->inputs[0]].constant, *s = q->values[d->inputs[1]].constant;
  if (!t || t->dtype != dt || !s || s->dtype != CLIQ_DTYPE_FLOAT32) return -1;
  if (d->n_inputs > 2 && d->inputs[2] >= 0) {
    const cliq__tensor *z = q->values[d->inputs[2]].constant;
    if (!z || z->dtype != dt || cliq__tensor_elems(z) != cliq__tensor_elems(s)) return -1;
  }
  return p;
}

/*
 * executor.c — binding launch arguments once, and running: inputs written, every launch enqueued
 * back to back, outputs read, one wait (a wait per kernel costs 2-10 ms per image on PoCL,
 * shared/notes lesson 6). Also the reference executor (every node's C reference on host tensors).
 */
#include "context.h"
#include "error.h"
#include "ops/op.h"
#include "session.h"
#include "shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cliq__exec {
  cliq_session *s;
};

cl_mem cliq__exec_mem(struct cliq__exec *ex, const cliq__arg *a, size_t *offset) {
  cliq_session *s = ex->s;
  if (offset) *offset = 0;
  switch (a->kind) {
  case CLIQ__ARG_VALUE:
    if (s->g->values[a->id].constant && s->value_const[a->id] >= 0) return s->consts[s->value_const[a->id]];
    return cliq__session_value_mem(s, a->id);
  case CLIQ__ARG_CONST:
    return s->consts[a->id];
  case CLIQ__ARG_SCRATCH:
    return s->scratch_mem[a->id] ? s->scratch_mem[a->id] : s->dummy;
  default:
    return NULL;
  }
}

cl_command_queue cliq__exec_queue(struct cliq__exec *ex) { return ex->s->ctx->queue; }

cliq_status cliq__executor_bind(cliq_session *s) {
  struct cliq__exec ex = {s};
  for (size_t i = 0; i < s->n_launches; i++) {
    cliq__launch *L = &s->launches[i];
    if (!L->kernel) continue;
    for (cl_uint k = 0; k < L->n_args; k++) {
      const cliq__arg *a = &L->args[k];
      cl_int err = CL_SUCCESS;
      switch (a->kind) {
      case CLIQ__ARG_VALUE:
      case CLIQ__ARG_CONST:
      case CLIQ__ARG_SCRATCH: {
        cl_mem m = cliq__exec_mem(&ex, a, NULL);
        err = clSetKernelArg(L->kernel, k, sizeof(cl_mem), &m);
        break;
      }
      case CLIQ__ARG_I32:
        err = clSetKernelArg(L->kernel, k, sizeof(cl_int), &a->i32);
        break;
      case CLIQ__ARG_I64: {
        cl_long v = a->i64;
        err = clSetKernelArg(L->kernel, k, sizeof(cl_long), &v);
        break;
      }
      case CLIQ__ARG_F32:
        err = clSetKernelArg(L->kernel, k, sizeof(cl_float), &a->f32);
        break;
      case CLIQ__ARG_LOCAL:
        err = clSetKernelArg(L->kernel, k, a->local, NULL);
        break;
      }
      if (err != CL_SUCCESS)
        return cliq__node_fail(s->ctx, s->g, L->node, CLIQ_STATUS_DEVICE_ERROR, "setting argument %u of kernel '%s': %s",
                               k, L->kernel_name, cliq__cl_error_name(err));
    }
  }
  return CLIQ_STATUS_OK;
}

static cliq_status check_buffers(cliq_session *s, size_t n_inputs, const cliq_buffer *inputs, size_t n_outputs,
                                 const cliq_buffer *outputs) {
  cliq__graph *g = s->g;
  if (n_inputs != g->n_inputs)
    return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "the model has %zu inputs; %zu were given", g->n_inputs, n_inputs);
  if (n_outputs != g->n_outputs)
    return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "the model has %zu outputs; %zu buffers were given",
                      g->n_outputs, n_outputs);
  for (size_t i = 0; i < n_inputs + n_outputs; i++) {
    bool is_in = i < n_inputs;
    const cliq_buffer *b = is_in ? &inputs[i] : &outputs[i - n_inputs];
    const cliq__value *v = &g->values[is_in ? g->inputs[i] : g->outputs[i - n_inputs]];
    size_t elems = 0, bytes = 0;
    cliq__shape_elems(v->rank, v->dims, &elems);
    bytes = elems * cliq_dtype_size(v->dtype);
    if (b->dtype != v->dtype)
      return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "%s '%s' is %s; the buffer given is %s",
                        is_in ? "input" : "output", v->name, cliq_dtype_name(v->dtype), cliq_dtype_name(b->dtype));
    if (b->size != bytes) {
      char d[128];
      return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "%s '%s' has shape %s (%zu bytes); the buffer given has %zu bytes",
                        is_in ? "input" : "output", v->name, cliq__dims_str(v->rank, v->dims, d, sizeof d), bytes, b->size);
    }
    if (bytes && !b->data)
      return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_ARGUMENT, "%s '%s': data is NULL", is_in ? "input" : "output", v->name);
  }
  return CLIQ_STATUS_OK;
}

static cliq_status cl_fail(cliq_session *s, cl_int err, const char *what) {
  return cliq__fail(s->ctx, cliq__cl_status(err), "%s on '%s' failed: %s", what, s->ctx->dev.name, cliq__cl_error_name(err));
}

static void release_events(cliq_session *s) {
  if (!s->events) return;
  for (size_t i = 0; i < s->n_launches; i++)
    if (s->events[i]) clReleaseEvent(s->events[i]), s->events[i] = NULL;
}

static cliq_status collect_profile(cliq_session *s) {
  if (!s->times) {
    s->times = calloc(s->n_launches + 1, sizeof *s->times);
    s->time_labels = calloc(s->n_launches + 1, sizeof(char *));
    if (!s->times || !s->time_labels) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  s->n_times = 0;
  for (size_t i = 0; i < s->n_launches; i++) {
    cliq__launch *L = &s->launches[i];
    cl_ulong t0 = 0, t1 = 0;
    if (!s->events[i]) continue;
    clGetEventProfilingInfo(s->events[i], CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
    clGetEventProfilingInfo(s->events[i], CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
    cliq__node *n = &s->g->nodes[L->node];
    if (!s->time_labels[i]) {
      const cliq__attr *act = cliq__node_attr(n, "cliq.activation");
      char buf[128];
      snprintf(buf, sizeof buf, "%s%s%s", n->op_type, act ? "+" : "", act && act->s ? act->s : "");
      s->time_labels[i] = cliq__strdup(buf);
    }
    cliq_op_time *t = &s->times[s->n_times++];
    t->node = n->name;
    t->op_type = s->time_labels[i] ? s->time_labels[i] : n->op_type;
    t->kernel = L->kernel_name;
    t->ms = t1 > t0 ? (double)(t1 - t0) * 1e-6 : 0.0;
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__executor_run(cliq_session *s, size_t n_inputs, const cliq_buffer *inputs, size_t n_outputs,
                               cliq_buffer *outputs) {
  CLIQ__TRY(check_buffers(s, n_inputs, inputs, n_outputs, outputs));
  cliq__graph *g = s->g;
  cl_command_queue q = s->ctx->queue;
  cl_int err;
  struct cliq__exec ex = {s};
  for (size_t i = 0; i < n_inputs; i++) {
    if (!inputs[i].size) continue;
    cl_mem m = cliq__session_value_mem(s, g->inputs[i]);
    if (!m || m == s->dummy) continue; /* input not used by any kernel */
    err = clEnqueueWriteBuffer(q, m, CL_FALSE, 0, inputs[i].size, inputs[i].data, 0, NULL, NULL);
    if (err != CL_SUCCESS) return cl_fail(s, err, "writing an input");
  }
  bool prof = s->ctx->profiling;
  if (prof && !s->events) {
    s->events = calloc(s->n_launches + 1, sizeof(cl_event));
    if (!s->events) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  release_events(s);
  for (size_t i = 0; i < s->n_launches; i++) {
    cliq__launch *L = &s->launches[i];
    cl_event *ev = prof ? &s->events[i] : NULL;
    if (L->enqueue) {
      cliq_status st = L->enqueue(&ex, L, ev);
      if (st != CLIQ_STATUS_OK) return st;
      continue;
    }
    bool empty = false;
    for (cl_uint d = 0; d < L->work_dim; d++)
      if (L->gws[d] == 0) empty = true;
    if (empty) continue;
    err = clEnqueueNDRangeKernel(q, L->kernel, L->work_dim, NULL, L->gws, L->has_lws ? L->lws : NULL, 0, NULL, ev);
    if (err != CL_SUCCESS) {
      clFinish(q);
      return cliq__node_fail(s->ctx, g, L->node, cliq__cl_status(err), "enqueueing kernel '%s' (global %zux%zux%zu, local %zux%zux%zu) failed: %s",
                             L->kernel_name, L->gws[0], L->gws[1], L->gws[2], L->lws[0], L->lws[1], L->lws[2],
                             cliq__cl_error_name(err));
    }
  }
  for (size_t i = 0; i < n_outputs; i++) {
    int v = g->outputs[i];
    if (!outputs[i].size) continue;
    if (g->values[v].constant) {
      memcpy(outputs[i].data, g->values[v].constant->data, outputs[i].size);
      continue;
    }
    cl_mem m = cliq__session_value_mem(s, v);
    err = clEnqueueReadBuffer(q, m, CL_FALSE, 0, outputs[i].size, outputs[i].data, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
      clFinish(q);
      return cl_fail(s, err, "reading an output");
    }
  }
  err = clFinish(q);
  if (err != CL_SUCCESS) return cl_fail(s, err, "running the session");
  if (prof) CLIQ__TRY(collect_profile(s));
  return CLIQ_STATUS_OK;
}

cliq_status cliq__reference_run(cliq_session *s, size_t n_inputs, const cliq_buffer *inputs, size_t n_outputs,
                                cliq_buffer *outputs) {
  CLIQ__TRY(check_buffers(s, n_inputs, inputs, n_outputs, outputs));
  cliq__graph *g = s->g;
  if (!s->host) {
    s->host = calloc(g->n_values + 1, sizeof(cliq__tensor *));
    if (!s->host) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  for (size_t v = 0; v < g->n_values; v++)
    if (!g->values[v].constant) cliq__tensor_free(s->host[v]), s->host[v] = NULL;
  for (size_t i = 0; i < n_inputs; i++) {
    cliq__value *v = &g->values[g->inputs[i]];
    cliq__tensor *t;
    cliq_status st = cliq__tensor_new(v->dtype, v->rank, v->dims, &t);
    if (st != CLIQ_STATUS_OK) return cliq__fail(s->ctx, st, "allocating input '%s'", v->name);
    if (t->nbytes) memcpy(t->data, inputs[i].data, t->nbytes);
    s->host[g->inputs[i]] = t;
  }
  for (size_t i = 0; i < g->n_nodes; i++) {
    cliq__node *n = &g->nodes[i];
    const cliq__tensor *in[64] = {0};
    cliq__tensor *out[64] = {0};
    if (n->n_inputs > 64 || n->n_outputs > 64)
      return cliq__node_fail(s->ctx, g, (int)i, CLIQ_STATUS_UNSUPPORTED, "too many inputs or outputs");
    for (size_t k = 0; k < n->n_inputs; k++) {
      int v = n->inputs[k];
      if (v < 0) continue;
      in[k] = g->values[v].constant ? g->values[v].constant : s->host[v];
      if (!in[k])
        return cliq__node_fail(s->ctx, g, (int)i, CLIQ_STATUS_INVALID_STATE, "input '%s' was not computed", g->values[v].name);
    }
    CLIQ__TRY(cliq__node_eval(s->ctx, g, (int)i, in, out));
    for (size_t k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v < 0) {
        cliq__tensor_free(out[k]);
        continue;
      }
      cliq__tensor_free(s->host[v]);
      s->host[v] = out[k];
    }
  }
  for (size_t i = 0; i < n_outputs; i++) {
    int v = g->outputs[i];
    const cliq__tensor *t = g->values[v].constant ? g->values[v].constant : s->host[v];
    if (outputs[i].size && t && t->nbytes == outputs[i].size) memcpy(outputs[i].data, t->data, t->nbytes);
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__session_read_value(cliq_session *s, int v, cliq__tensor **out) {
  cliq__value *val = &s->g->values[v];
  *out = NULL;
  if (val->constant) {
    *out = cliq__tensor_clone(val->constant);
    return *out ? CLIQ_STATUS_OK : CLIQ_STATUS_OUT_OF_MEMORY;
  }
  if (s->reference) {
    if (!s->host || !s->host[v])
      return cliq__fail(s->ctx, CLIQ_STATUS_INVALID_STATE, "tensor '%s' has not been computed (run the session first)", val->name);
    *out = cliq__tensor_clone(s->host[v]);
    return *out ? CLIQ_STATUS_OK : CLIQ_STATUS_OUT_OF_MEMORY;
  }
  cliq__tensor *t;
  cliq_status st = cliq__tensor_new(val->dtype, val->rank, val->dims, &t);
  if (st != CLIQ_STATUS_OK) return cliq__fail(s->ctx, st, "allocating a copy of '%s'", val->name);
  cl_mem m = cliq__session_value_mem(s, v);
  if (t->nbytes && m && m != s->dummy) {
    cl_int err = clEnqueueReadBuffer(s->ctx->queue, m, CL_TRUE, 0, t->nbytes, t->data, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
      cliq__tensor_free(t);
      return cl_fail(s, err, "reading a tensor");
    }
  }
  *out = t;
  return CLIQ_STATUS_OK;
}

/*
 * op.c — the op table lookup and the helpers op implementations share (arity, attribute and
 * dtype checks, constant-input readers, broadcasting).
 */
#include "op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cliq__op_def *const op_table[] = {
#define CLIQ_OP(type) &cliq__op_##type,
#include "op_list.h"
#undef CLIQ_OP
    NULL};

const cliq__op_def *cliq__op_find(const char *op_type, const char *domain) {
  if (!domain) domain = "";
  /* ONNX spells the default domain both "" and "ai.onnx". */
  if (strcmp(domain, "ai.onnx") == 0) domain = "";
  for (size_t i = 0; op_table[i]; i++)
    if (strcmp(op_table[i]->op_type, op_type) == 0 && strcmp(op_table[i]->domain, domain) == 0)
      return op_table[i];
  return NULL;
}

void cliq__op_foreach(void (*fn)(void *user, const cliq__op_def *def), void *user) {
  for (size_t i = 0; op_table[i]; i++) fn(user, op_table[i]);
}

cliq__value *cliq__op_in(const cliq__opctx *oc, size_t i) {
  const cliq__node *n = cliq__op_node(oc);
  if (i >= n->n_inputs || n->inputs[i] < 0) return NULL;
  return &oc->g->values[n->inputs[i]];
}

cliq__value *cliq__op_out(const cliq__opctx *oc, size_t i) {
  const cliq__node *n = cliq__op_node(oc);
  if (i >= n->n_outputs || n->outputs[i] < 0) return NULL;
  return &oc->g->values[n->outputs[i]];
}

size_t cliq__op_n_in(const cliq__opctx *oc) { return cliq__op_node(oc)->n_inputs; }
size_t cliq__op_n_out(const cliq__opctx *oc) { return cliq__op_node(oc)->n_outputs; }

cliq_status cliq__op_fail(const cliq__opctx *oc, cliq_status status, const char *fmt, ...) {
  char body[1600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  return cliq__node_fail(oc->ctx, oc->g, oc->node, status, "%s", body);
}

cliq_status cliq__op_check_arity(const cliq__opctx *oc, size_t min_in, size_t max_in, size_t min_out,
                                 size_t max_out) {
  const cliq__node *n = cliq__op_node(oc);
  if (n->n_inputs < min_in || n->n_inputs > max_in) {
    if (min_in == max_in)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "has %zu inputs; the op takes %zu", n->n_inputs, min_in);
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "has %zu inputs; the op takes %zu to %zu", n->n_inputs,
                         min_in, max_in);
  }
  for (size_t i = 0; i < min_in; i++)
    if (n->inputs[i] < 0)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "required input %zu is missing", i);
  if (n->n_outputs < min_out || n->n_outputs > max_out)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "has %zu outputs; the op makes %zu to %zu", n->n_outputs,
                         min_out, max_out);
  if (n->n_outputs == 0 || n->outputs[0] < 0)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "output 0 is missing");
  return CLIQ_STATUS_OK;
}

cliq_status cliq__op_check_attrs(const cliq__opctx *oc, const char *allowed) {
  const cliq__node *n = cliq__op_node(oc);
  for (size_t i = 0; i < n->n_attrs; i++) {
    const char *name = n->attrs[i].name;
    size_t len = strlen(name);
    const char *p = allowed;
    bool ok = false;
    while (p && *p) {
      const char *e = strchr(p, ',');
      size_t l = e ? (size_t)(e - p) : strlen(p);
      if (l == len && strncmp(p, name, len) == 0) {
        ok = true;
        break;
      }
      p = e ? e + 1 : NULL;
    }
    /* Attributes of cliq's own passes ride on standard ops ("cliq.activation"). */
    if (!ok && strncmp(name, "cliq.", 5) == 0) ok = true;
    if (!ok)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "attribute '%s' is not supported (supported: %s)", name,
                           allowed && allowed[0] ? allowed : "none");
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__op_check_dtype(const cliq__opctx *oc, size_t i, unsigned mask) {
  const cliq__value *v = cliq__op_in(oc, i);
  if (!v) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input %zu is missing", i);
  if (v->dtype == CLIQ_DTYPE_UNDEFINED)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' has no known type", v->name);
  if (!(mask & CLIQ__DT(v->dtype)))
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has type %s, which this op does not support",
                         v->name, cliq_dtype_name(v->dtype));
  return CLIQ_STATUS_OK;
}

cliq_status cliq__op_set_out(const cliq__opctx *oc, size_t i, cliq_dtype dtype, int rank, const int64_t *dims) {
  cliq__value *v = cliq__op_out(oc, i);
  if (!v) return CLIQ_STATUS_OK; /* absent optional output */
  if (rank < 0 || rank > CLIQ_MAX_RANK)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "output '%s' would have rank %d; cliq supports up to %d",
                         v->name, rank, CLIQ_MAX_RANK);
  for (int k = 0; k < rank; k++)
    if (dims[k] < 0)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "output '%s' would have negative dim %lld at axis %d",
                           v->name, (long long)dims[k], k);
  size_t elems;
  if (!cliq__shape_elems(rank, dims, &elems) || elems > ((size_t)1 << 40))
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "output '%s' would have an absurd size", v->name);
  cliq__value_set_shape(v, dtype, rank, dims);
  return CLIQ_STATUS_OK;
}

int64_t cliq__attr_int(const cliq__node *n, const char *name, int64_t def) {
  const cliq__attr *a = cliq__node_attr(n, name);
  return a && a->type == CLIQ__ATTR_INT ? a->i : def;
}

float cliq__attr_float(const cliq__node *n, const char *name, float def) {
  const cliq__attr *a = cliq__node_attr(n, name);
  if (!a) return def;
  if (a->type == CLIQ__ATTR_FLOAT) return a->f;
  if (a->type == CLIQ__ATTR_INT) return (float)a->i;
  return def;
}

const char *cliq__attr_string(const cliq__node *n, const char *name, const char *def) {
  const cliq__attr *a = cliq__node_attr(n, name);
  return a && a->type == CLIQ__ATTR_STRING && a->s ? a->s : def;
}

long cliq__attr_ints(const cliq__node *n, const char *name, int64_t *out, size_t max) {
  const cliq__attr *a = cliq__node_attr(n, name);
  if (!a) return -1;
  if (a->type == CLIQ__ATTR_INT) {
    if (max) out[0] = a->i;
    return 1;
  }
  if (a->type != CLIQ__ATTR_INTS) return -1;
  for (size_t i = 0; i < a->n && i < max; i++) out[i] = a->ints[i];
  return (long)a->n;
}

long cliq__op_const_ints(const cliq__opctx *oc, size_t i, int64_t *out, size_t max) {
  const cliq__value *v = cliq__op_in(oc, i);
  if (!v) return -1;
  if (!v->constant) return -2;
  size_t n = cliq__tensor_elems(v->constant);
  for (size_t k = 0; k < n && k < max; k++) out[k] = cliq__tensor_get_i64(v->constant, k);
  return (long)n;
}

long cliq__op_const_floats(const cliq__opctx *oc, size_t i, float *out, size_t max) {
  const cliq__value *v = cliq__op_in(oc, i);
  if (!v) return -1;
  if (!v->constant) return -2;
  size_t n = cliq__tensor_elems(v->constant);
  for (size_t k = 0; k < n && k < max; k++) out[k] = (float)cliq__tensor_get_f64(v->constant, k);
  return (long)n;
}

bool cliq__norm_axis(int64_t axis, int rank, int *out) {
  if (axis < -(int64_t)rank || axis >= (int64_t)rank) return false;
  *out = (int)(axis < 0 ? axis + rank : axis);
  return true;
}

bool cliq__broadcast_shape(int ra, const int64_t *da, int rb, const int64_t *db, int *rout, int64_t *dout) {
  int r = ra > rb ? ra : rb;
  if (r > CLIQ_MAX_RANK) return false;
  for (int i = 0; i < r; i++) {
    int64_t a = i - (r - ra) >= 0 ? da[i - (r - ra)] : 1;
    int64_t b = i - (r - rb) >= 0 ? db[i - (r - rb)] : 1;
    if (a == b || b == 1)
      dout[i] = a;
    else if (a == 1)
      dout[i] = b;
    else
      return false;
  }
  *rout = r;
  return true;
}

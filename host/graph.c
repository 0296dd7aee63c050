/*
 * graph.c — graph IR storage: values, nodes, attributes, metadata, copying and reordering.
 */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cliq__strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

cliq__graph *cliq__graph_new(void) {
  cliq__graph *g = calloc(1, sizeof *g);
  return g;
}

void cliq__attr_clear(cliq__attr *a) {
  free(a->name);
  free(a->s);
  free(a->floats);
  free(a->ints);
  if (a->strings)
    for (size_t i = 0; i < a->n; i++) free(a->strings[i]);
  free(a->strings);
  cliq__tensor_free(a->t);
  memset(a, 0, sizeof *a);
}

bool cliq__attr_copy(cliq__attr *d, const cliq__attr *s) {
  memset(d, 0, sizeof *d);
  d->type = s->type;
  d->f = s->f;
  d->i = s->i;
  d->n = s->n;
  d->name = cliq__strdup(s->name);
  if (!d->name) goto oom;
  if (s->s && !(d->s = cliq__strdup(s->s))) goto oom;
  if (s->floats && s->n) {
    if (!(d->floats = malloc(s->n * sizeof(float)))) goto oom;
    memcpy(d->floats, s->floats, s->n * sizeof(float));
  }
  if (s->ints && s->n) {
    if (!(d->ints = malloc(s->n * sizeof(int64_t)))) goto oom;
    memcpy(d->ints, s->ints, s->n * sizeof(int64_t));
  }
  if (s->strings && s->n) {
    if (!(d->strings = calloc(s->n, sizeof(char *)))) goto oom;
    for (size_t i = 0; i < s->n; i++)
      if (!(d->strings[i] = cliq__strdup(s->strings[i]))) goto oom;
  }
  if (s->t && !(d->t = cliq__tensor_clone(s->t))) goto oom;
  return true;
oom:
  cliq__attr_clear(d);
  return false;
}

static void node_clear(cliq__node *n) {
  free(n->name);
  free(n->op_type);
  free(n->domain);
  free(n->inputs);
  free(n->outputs);
  for (size_t i = 0; i < n->n_attrs; i++) cliq__attr_clear(&n->attrs[i]);
  free(n->attrs);
  memset(n, 0, sizeof *n);
}

static void value_clear(cliq__value *v) {
  free(v->name);
  for (int i = 0; i < CLIQ_MAX_RANK; i++) free(v->dim_param[i]);
  cliq__tensor_free(v->constant);
  cliq__quant_free(v->quant);
  memset(v, 0, sizeof *v);
}

void cliq__graph_free(cliq__graph *g) {
  if (!g) return;
  for (size_t i = 0; i < g->n_values; i++) value_clear(&g->values[i]);
  for (size_t i = 0; i < g->n_nodes; i++) node_clear(&g->nodes[i]);
  free(g->values);
  free(g->nodes);
  free(g->inputs);
  free(g->outputs);
  free(g->name);
  free(g->producer_name);
  free(g->producer_version);
  for (size_t i = 0; i < g->n_metadata; i++) {
    free(g->metadata[i].key);
    free(g->metadata[i].value);
  }
  free(g->metadata);
  free(g);
}

cliq__quant *cliq__quant_new(size_t n, int axis) {
  cliq__quant *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->n = n;
  q->axis = axis;
  q->scale = calloc(n ? n : 1, sizeof(float));
  q->zero_point = calloc(n ? n : 1, sizeof(int32_t));
  if (!q->scale || !q->zero_point) {
    cliq__quant_free(q);
    return NULL;
  }
  return q;
}

cliq__quant *cliq__quant_clone(const cliq__quant *q) {
  if (!q) return NULL;
  cliq__quant *c = cliq__quant_new(q->n, q->axis);
  if (!c) return NULL;
  memcpy(c->scale, q->scale, q->n * sizeof(float));
  memcpy(c->zero_point, q->zero_point, q->n * sizeof(int32_t));
  return c;
}

void cliq__quant_free(cliq__quant *q) {
  if (!q) return;
  free(q->scale);
  free(q->zero_point);
  free(q);
}

static bool value_copy(cliq__value *d, const cliq__value *s) {
  *d = *s;
  d->name = NULL;
  d->constant = NULL;
  d->quant = NULL;
  for (int i = 0; i < CLIQ_MAX_RANK; i++) d->dim_param[i] = NULL;
  if (!(d->name = cliq__strdup(s->name))) goto oom;
  for (int i = 0; i < CLIQ_MAX_RANK; i++)
    if (s->dim_param[i] && !(d->dim_param[i] = cliq__strdup(s->dim_param[i]))) goto oom;
  if (s->constant && !(d->constant = cliq__tensor_clone(s->constant))) goto oom;
  if (s->quant && !(d->quant = cliq__quant_clone(s->quant))) goto oom;
  return true;
oom:
  value_clear(d);
  return false;
}

static bool node_copy(cliq__node *d, const cliq__node *s) {
  memset(d, 0, sizeof *d);
  d->opset = s->opset;
  d->def = s->def;
  d->n_inputs = s->n_inputs;
  d->n_outputs = s->n_outputs;
  if (!(d->name = cliq__strdup(s->name)) || !(d->op_type = cliq__strdup(s->op_type)) ||
      !(d->domain = cliq__strdup(s->domain ? s->domain : "")))
    goto oom;
  if (!(d->inputs = malloc((s->n_inputs + 1) * sizeof(int)))) goto oom;
  if (!(d->outputs = malloc((s->n_outputs + 1) * sizeof(int)))) goto oom;
  memcpy(d->inputs, s->inputs, s->n_inputs * sizeof(int));
  memcpy(d->outputs, s->outputs, s->n_outputs * sizeof(int));
  if (s->n_attrs) {
    if (!(d->attrs = calloc(s->n_attrs, sizeof(cliq__attr)))) goto oom;
    for (size_t i = 0; i < s->n_attrs; i++) {
      if (!cliq__attr_copy(&d->attrs[i], &s->attrs[i])) goto oom;
      d->n_attrs = i + 1;
    }
  }
  return true;
oom:
  node_clear(d);
  return false;
}

cliq__graph *cliq__graph_clone(const cliq__graph *s) {
  cliq__graph *g = cliq__graph_new();
  if (!g) return NULL;
  g->ir_version = s->ir_version;
  g->opset = s->opset;
  g->keep_values = s->keep_values;
  if (s->name && !(g->name = cliq__strdup(s->name))) goto oom;
  if (s->producer_name && !(g->producer_name = cliq__strdup(s->producer_name))) goto oom;
  if (s->producer_version && !(g->producer_version = cliq__strdup(s->producer_version))) goto oom;
  if (s->n_values) {
    if (!(g->values = calloc(s->n_values, sizeof(cliq__value)))) goto oom;
    g->cap_values = s->n_values;
    for (size_t i = 0; i < s->n_values; i++) {
      if (!value_copy(&g->values[i], &s->values[i])) goto oom;
      g->n_values = i + 1;
    }
  }
  if (s->n_nodes) {
    if (!(g->nodes = calloc(s->n_nodes, sizeof(cliq__node)))) goto oom;
    g->cap_nodes = s->n_nodes;
    for (size_t i = 0; i < s->n_nodes; i++) {
      if (!node_copy(&g->nodes[i], &s->nodes[i])) goto oom;
      g->n_nodes = i + 1;
    }
  }
  if (!(g->inputs = malloc((s->n_inputs + 1) * sizeof(int)))) goto oom;
  memcpy(g->inputs, s->inputs, s->n_inputs * sizeof(int));
  g->n_inputs = s->n_inputs;
  if (!(g->outputs = malloc((s->n_outputs + 1) * sizeof(int)))) goto oom;
  memcpy(g->outputs, s->outputs, s->n_outputs * sizeof(int));
  g->n_outputs = s->n_outputs;
  for (size_t i = 0; i < s->n_metadata; i++)
    if (!cliq__graph_set_metadata(g, s->metadata[i].key, s->metadata[i].value)) goto oom;
  return g;
oom:
  cliq__graph_free(g);
  return NULL;
}

int cliq__graph_add_value(cliq__graph *g, const char *name) {
  if (g->n_values == g->cap_values) {
    size_t cap = g->cap_values ? g->cap_values * 2 : 64;
    cliq__value *p = realloc(g->values, cap * sizeof *p);
    if (!p) return -1;
    g->values = p;
    g->cap_values = cap;
  }
  cliq__value *v = &g->values[g->n_values];
  memset(v, 0, sizeof *v);
  v->name = cliq__strdup(name ? name : "");
  if (!v->name) return -1;
  v->rank = -1;
  v->producer = -1;
  for (int i = 0; i < CLIQ_MAX_RANK; i++) v->dims[i] = -1;
  return (int)g->n_values++;
}

int cliq__graph_find_value(const cliq__graph *g, const char *name) {
  for (size_t i = 0; i < g->n_values; i++)
    if (strcmp(g->values[i].name, name) == 0) return (int)i;
  return -1;
}

int cliq__graph_find_output(const cliq__graph *g, const char *name) {
  for (size_t k = 0; name && k < g->n_outputs; k++)
    if (strcmp(g->values[g->outputs[k]].name, name) == 0) return (int)k;
  return -1;
}

int cliq__graph_add_value_unique(cliq__graph *g, const char *hint) {
  /* sized to the hint: a fixed buffer truncated long names (tf2onnx writes 300+ characters) to the
   * same text for every suffix, and the loop never ended */
  size_t n = strlen(hint) + 24;
  char *buf = malloc(n);
  if (!buf) return -1;
  snprintf(buf, n, "%s", hint);
  for (int k = 1; cliq__graph_find_value(g, buf) >= 0; k++) snprintf(buf, n, "%s_%d", hint, k);
  int v = cliq__graph_add_value(g, buf);
  free(buf);
  return v;
}

int cliq__graph_find_node(const cliq__graph *g, const char *name) {
  for (size_t i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].name && strcmp(g->nodes[i].name, name) == 0) return (int)i;
  return -1;
}

int cliq__graph_add_constant(cliq__graph *g, const char *hint, cliq__tensor *t) {
  int v = cliq__graph_add_value_unique(g, hint);
  if (v < 0) {
    cliq__tensor_free(t);
    return -1;
  }
  cliq__value_set_constant(&g->values[v], t);
  g->values[v].flags |= CLIQ__VALUE_INITIALIZER;
  return v;
}

int cliq__graph_insert_node(cliq__graph *g, size_t pos, const char *op_type, const char *domain,
                            const char *name, const int *inputs, size_t n_inputs, const int *outputs,
                            size_t n_outputs) {
  if (pos > g->n_nodes) pos = g->n_nodes;
  if (g->n_nodes == g->cap_nodes) {
    size_t cap = g->cap_nodes ? g->cap_nodes * 2 : 64;
    cliq__node *p = realloc(g->nodes, cap * sizeof *p);
    if (!p) return -1;
    g->nodes = p;
    g->cap_nodes = cap;
  }
  cliq__node n;
  memset(&n, 0, sizeof n);
  char auto_name[96];
  if (!name || !name[0]) {
    snprintf(auto_name, sizeof auto_name, "%s_%zu", op_type, g->n_nodes);
    name = auto_name;
  }
  n.name = cliq__strdup(name);
  n.op_type = cliq__strdup(op_type);
  n.domain = cliq__strdup(domain ? domain : "");
  n.inputs = malloc((n_inputs + 1) * sizeof(int));
  n.outputs = malloc((n_outputs + 1) * sizeof(int));
  if (!n.name || !n.op_type || !n.domain || !n.inputs || !n.outputs) {
    node_clear(&n);
    return -1;
  }
  if (n_inputs) memcpy(n.inputs, inputs, n_inputs * sizeof(int));
  if (n_outputs) memcpy(n.outputs, outputs, n_outputs * sizeof(int));
  n.n_inputs = n_inputs;
  n.n_outputs = n_outputs;
  n.opset = g->opset;
  memmove(&g->nodes[pos + 1], &g->nodes[pos], (g->n_nodes - pos) * sizeof(cliq__node));
  g->nodes[pos] = n;
  g->n_nodes++;
  cliq__graph_update_producers(g);
  return (int)pos;
}

int cliq__graph_add_node(cliq__graph *g, const char *op_type, const char *domain, const char *name,
                         const int *inputs, size_t n_inputs, const int *outputs, size_t n_outputs) {
  return cliq__graph_insert_node(g, g->n_nodes, op_type, domain, name, inputs, n_inputs, outputs, n_outputs);
}

static cliq__attr *attr_slot(cliq__node *n, const char *name) {
  for (size_t i = 0; i < n->n_attrs; i++)
    if (strcmp(n->attrs[i].name, name) == 0) {
      char *keep = n->attrs[i].name;
      n->attrs[i].name = NULL;
      cliq__attr_clear(&n->attrs[i]);
      n->attrs[i].name = keep;
      return &n->attrs[i];
    }
  cliq__attr *p = realloc(n->attrs, (n->n_attrs + 1) * sizeof *p);
  if (!p) return NULL;
  n->attrs = p;
  cliq__attr *a = &p[n->n_attrs];
  memset(a, 0, sizeof *a);
  if (!(a->name = cliq__strdup(name))) return NULL;
  n->n_attrs++;
  return a;
}

bool cliq__node_set_int(cliq__node *n, const char *name, int64_t v) {
  cliq__attr *a = attr_slot(n, name);
  if (!a) return false;
  a->type = CLIQ__ATTR_INT;
  a->i = v;
  return true;
}

bool cliq__node_set_float(cliq__node *n, const char *name, float v) {
  cliq__attr *a = attr_slot(n, name);
  if (!a) return false;
  a->type = CLIQ__ATTR_FLOAT;
  a->f = v;
  return true;
}

bool cliq__node_set_string(cliq__node *n, const char *name, const char *v) {
  cliq__attr *a = attr_slot(n, name);
  if (!a) return false;
  a->type = CLIQ__ATTR_STRING;
  return (a->s = cliq__strdup(v)) != NULL;
}

bool cliq__node_set_ints(cliq__node *n, const char *name, const int64_t *v, size_t count) {
  cliq__attr *a = attr_slot(n, name);
  if (!a) return false;
  a->type = CLIQ__ATTR_INTS;
  a->n = count;
  if (!count) return true;
  if (!(a->ints = malloc(count * sizeof(int64_t)))) return false;
  memcpy(a->ints, v, count * sizeof(int64_t));
  return true;
}

bool cliq__node_set_floats(cliq__node *n, const char *name, const float *v, size_t count) {
  cliq__attr *a = attr_slot(n, name);
  if (!a) return false;
  a->type = CLIQ__ATTR_FLOATS;
  a->n = count;
  if (!count) return true;
  if (!(a->floats = malloc(count * sizeof(float)))) return false;
  memcpy(a->floats, v, count * sizeof(float));
  return true;
}

void cliq__node_drop_attr(cliq__node *n, const char *name) {
  for (size_t i = 0; i < n->n_attrs; i++)
    if (strcmp(n->attrs[i].name, name) == 0) {
      cliq__attr_clear(&n->attrs[i]);
      memmove(&n->attrs[i], &n->attrs[i + 1], (n->n_attrs - i - 1) * sizeof(cliq__attr));
      n->n_attrs--;
      return;
    }
}

const cliq__attr *cliq__node_attr(const cliq__node *n, const char *name) {
  for (size_t i = 0; i < n->n_attrs; i++)
    if (strcmp(n->attrs[i].name, name) == 0) return &n->attrs[i];
  return NULL;
}

void cliq__graph_update_producers(cliq__graph *g) {
  for (size_t v = 0; v < g->n_values; v++) g->values[v].producer = -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_outputs; k++) {
      int o = g->nodes[i].outputs[k];
      if (o >= 0) g->values[o].producer = (int)i;
    }
}

void cliq__graph_remove_nodes(cliq__graph *g, const bool *dead) {
  size_t w = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    if (dead[i]) {
      node_clear(&g->nodes[i]);
      continue;
    }
    if (w != i) g->nodes[w] = g->nodes[i];
    w++;
  }
  g->n_nodes = w;
  cliq__graph_update_producers(g);
}

cliq_status cliq__graph_toposort(cliq__graph *g) {
  size_t n = g->n_nodes;
  if (n == 0) return CLIQ_STATUS_OK;
  /* Kahn's algorithm, always taking the earliest ready node so an already sorted graph keeps its
   * order (stable), which keeps kernel order and names predictable. */
  size_t *pending = calloc(n, sizeof *pending);
  bool *done = calloc(n, sizeof *done);
  cliq__node *sorted = malloc(n * sizeof *sorted);
  cliq_status st = CLIQ_STATUS_OK;
  if (!pending || !done || !sorted) {
    st = CLIQ_STATUS_OUT_OF_MEMORY;
    goto out;
  }
  cliq__graph_update_producers(g);
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < g->nodes[i].n_inputs; k++) {
      int v = g->nodes[i].inputs[k];
      if (v >= 0 && g->values[v].producer >= 0 && (size_t)g->values[v].producer != i) pending[i]++;
    }
  size_t count = 0;
  while (count < n) {
    size_t pick = n;
    for (size_t i = 0; i < n; i++)
      if (!done[i] && pending[i] == 0) {
        pick = i;
        break;
      }
    if (pick == n) {
      st = CLIQ_STATUS_INVALID_MODEL;
      goto out;
    }
    done[pick] = true;
    sorted[count++] = g->nodes[pick];
    for (size_t k = 0; k < g->nodes[pick].n_outputs; k++) {
      int o = g->nodes[pick].outputs[k];
      if (o < 0) continue;
      for (size_t i = 0; i < n; i++) {
        if (done[i]) continue;
        for (size_t j = 0; j < g->nodes[i].n_inputs; j++)
          if (g->nodes[i].inputs[j] == o) pending[i]--;
      }
    }
  }
  memcpy(g->nodes, sorted, n * sizeof *sorted);
  cliq__graph_update_producers(g);
out:
  free(pending);
  free(done);
  free(sorted);
  return st;
}

size_t cliq__graph_use_count(const cliq__graph *g, int v) {
  size_t c = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == v) c++;
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) c++;
  return c;
}

void cliq__graph_replace_uses(cliq__graph *g, int from, int to) {
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == from) g->nodes[i].inputs[k] = to;
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == from) g->outputs[i] = to;
}

void cliq__value_set_constant(cliq__value *v, cliq__tensor *t) {
  if (v->constant != t) cliq__tensor_free(v->constant);
  v->constant = t;
  if (t) cliq__value_set_shape(v, t->dtype, t->rank, t->dims);
}

void cliq__value_set_shape(cliq__value *v, cliq_dtype dtype, int rank, const int64_t *dims) {
  v->dtype = dtype;
  v->rank = rank;
  for (int i = 0; i < CLIQ_MAX_RANK; i++) v->dims[i] = i < rank ? dims[i] : -1;
}

bool cliq__value_shape_known(const cliq__value *v) {
  if (v->dtype == CLIQ_DTYPE_UNDEFINED || v->rank < 0) return false;
  for (int i = 0; i < v->rank; i++)
    if (v->dims[i] < 0) return false;
  return true;
}

bool cliq__graph_set_metadata(cliq__graph *g, const char *key, const char *value) {
  for (size_t i = 0; i < g->n_metadata; i++)
    if (strcmp(g->metadata[i].key, key) == 0) {
      char *v = cliq__strdup(value);
      if (!v) return false;
      free(g->metadata[i].value);
      g->metadata[i].value = v;
      return true;
    }
  cliq__kv *p = realloc(g->metadata, (g->n_metadata + 1) * sizeof *p);
  if (!p) return false;
  g->metadata = p;
  p[g->n_metadata].key = cliq__strdup(key);
  p[g->n_metadata].value = cliq__strdup(value);
  if (!p[g->n_metadata].key || !p[g->n_metadata].value) {
    free(p[g->n_metadata].key);
    free(p[g->n_metadata].value);
    return false;
  }
  g->n_metadata++;
  return true;
}

const char *cliq__graph_metadata(const cliq__graph *g, const char *key) {
  for (size_t i = 0; i < g->n_metadata; i++)
    if (strcmp(g->metadata[i].key, key) == 0) return g->metadata[i].value;
  return NULL;
}

bool cliq__node_is(const cliq__node *n, const char *op_type) { return n->domain[0] == '\0' && strcmp(n->op_type, op_type) == 0; }

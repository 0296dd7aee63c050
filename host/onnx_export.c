/*
 * onnx_export.c — cliq__graph to a serialized ModelProto (protobuf-c).
 *
 * Writes what a standard ONNX consumer (ONNX Runtime, Netron, onnx.checker) expects: constants
 * read by nodes become initializers (raw_data, little-endian), graph inputs and outputs get full
 * ValueInfo with symbolic dims by name, metadata_props are kept. The ai.onnx opset written is the
 * highest of the model's and its nodes' (import raises canonicalised nodes), at least 10 when the
 * graph has QuantizeLinear/DequantizeLinear and 13 when some are per-axis (per-axis support starts
 * at 13). Nodes from a lower opset are rewritten on a copy of the graph so that they mean the same
 * under the written one (onnx_upgrade.c).
 * Session-only attributes ("cliq.*") never reach a model graph, so none are written.
 */
#include "error.h"
#include "graph.h"
#include "model.h"
#include "onnx.pb-c.h"
#include "onnx_upgrade.h"

#include <stdlib.h>
#include <string.h>

typedef struct arena {
  void **ptrs;
  size_t n, cap;
  bool oom;
} arena;

/* Everything allocated for the message is recorded and freed at the end. */
static void *a_alloc(arena *a, size_t size) {
  if (a->oom) return NULL;
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 256;
    void **p = realloc(a->ptrs, cap * sizeof *p);
    if (!p) {
      a->oom = true;
      return NULL;
    }
    a->ptrs = p;
    a->cap = cap;
  }
  void *m = calloc(1, size ? size : 1);
  if (!m) {
    a->oom = true;
    return NULL;
  }
  a->ptrs[a->n++] = m;
  return m;
}

static char *a_str(arena *a, const char *s) {
  size_t n = strlen(s ? s : "") + 1;
  char *d = a_alloc(a, n);
  if (d) memcpy(d, s ? s : "", n);
  return d;
}

static void a_free(arena *a) {
  for (size_t i = 0; i < a->n; i++) free(a->ptrs[i]);
  free(a->ptrs);
}

static int32_t onnx_type(cliq_dtype d) { return (int32_t)d; /* cliq_dtype values are ONNX's */ }

static Onnx__TensorProto *tensor_proto(arena *a, const cliq__tensor *t, const char *name) {
  Onnx__TensorProto *tp = a_alloc(a, sizeof *tp);
  if (!tp) return NULL;
  onnx__tensor_proto__init(tp);
  tp->name = name ? a_str(a, name) : NULL;
  tp->has_data_type = 1;
  tp->data_type = onnx_type(t->dtype);
  tp->n_dims = (size_t)t->rank;
  tp->dims = a_alloc(a, sizeof(int64_t) * (size_t)(t->rank + 1));
  if (tp->dims)
    for (int i = 0; i < t->rank; i++) tp->dims[i] = t->dims[i];
  tp->has_raw_data = 1;
  tp->raw_data.len = t->nbytes;
  tp->raw_data.data = a_alloc(a, t->nbytes);
  if (tp->raw_data.data && t->nbytes) memcpy(tp->raw_data.data, t->data, t->nbytes);
  return tp;
}

static Onnx__ValueInfoProto *value_info(arena *a, const cliq__value *v) {
  Onnx__ValueInfoProto *vi = a_alloc(a, sizeof *vi);
  Onnx__TypeProto *tp = a_alloc(a, sizeof *tp);
  Onnx__TypeProto__Tensor *tt = a_alloc(a, sizeof *tt);
  Onnx__TensorShapeProto *sp = a_alloc(a, sizeof *sp);
  if (!vi || !tp || !tt || !sp) return NULL;
  onnx__value_info_proto__init(vi);
  onnx__type_proto__init(tp);
  onnx__type_proto__tensor__init(tt);
  onnx__tensor_shape_proto__init(sp);
  vi->name = a_str(a, v->name);
  vi->type = tp;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  tt->has_elem_type = 1;
  tt->elem_type = onnx_type(v->dtype);
  if (v->rank >= 0) {
    tt->shape = sp;
    sp->n_dim = (size_t)v->rank;
    sp->dim = a_alloc(a, sizeof(void *) * (size_t)(v->rank + 1));
    for (int d = 0; sp->dim && d < v->rank; d++) {
      Onnx__TensorShapeProto__Dimension *dim = a_alloc(a, sizeof *dim);
      if (!dim) return NULL;
      onnx__tensor_shape_proto__dimension__init(dim);
      if (v->dim_param[d]) {
        dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
        dim->dim_param = a_str(a, v->dim_param[d]);
      } else if (v->dims[d] >= 0) {
        dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        dim->dim_value = v->dims[d];
      }
      sp->dim[d] = dim;
    }
  }
  return vi;
}

static Onnx__AttributeProto *attr_proto(arena *a, const cliq__attr *at) {
  Onnx__AttributeProto *ap = a_alloc(a, sizeof *ap);
  if (!ap) return NULL;
  onnx__attribute_proto__init(ap);
  ap->name = a_str(a, at->name);
  ap->has_type = 1;
  ap->type = (Onnx__AttributeProto__AttributeType)at->type;
  switch (at->type) {
  case CLIQ__ATTR_FLOAT:
    ap->has_f = 1;
    ap->f = at->f;
    break;
  case CLIQ__ATTR_INT:
    ap->has_i = 1;
    ap->i = at->i;
    break;
  case CLIQ__ATTR_STRING:
    ap->has_s = 1;
    ap->s.len = strlen(at->s ? at->s : "");
    ap->s.data = (uint8_t *)a_str(a, at->s);
    break;
  case CLIQ__ATTR_TENSOR:
    ap->t = tensor_proto(a, at->t, NULL);
    break;
  case CLIQ__ATTR_FLOATS:
    ap->n_floats = at->n;
    ap->floats = a_alloc(a, sizeof(float) * (at->n + 1));
    if (ap->floats && at->n) memcpy(ap->floats, at->floats, sizeof(float) * at->n);
    break;
  case CLIQ__ATTR_INTS:
    ap->n_ints = at->n;
    ap->ints = a_alloc(a, sizeof(int64_t) * (at->n + 1));
    if (ap->ints && at->n) memcpy(ap->ints, at->ints, sizeof(int64_t) * at->n);
    break;
  case CLIQ__ATTR_STRINGS:
    ap->n_strings = at->n;
    ap->strings = a_alloc(a, sizeof(ProtobufCBinaryData) * (at->n + 1));
    for (size_t i = 0; ap->strings && i < at->n; i++) {
      ap->strings[i].len = strlen(at->strings[i]);
      ap->strings[i].data = (uint8_t *)a_str(a, at->strings[i]);
    }
    break;
  default:
    return NULL;
  }
  return ap;
}

/* Per-axis quantization (an axis attribute, or more than one scale) exists from opset 13. */
static bool per_axis_qdq(const cliq__graph *g, const cliq__node *n) {
  if (cliq__node_attr(n, "axis")) return true;
  if (n->n_inputs < 2 || n->inputs[1] < 0) return false;
  const cliq__value *s = &g->values[n->inputs[1]];
  for (int d = 0; d < s->rank; d++)
    if (s->dims[d] != 1) return true;
  return false;
}

/* The ai.onnx opset the file declares: the highest of the graph's and its nodes', at least 10
 * with QuantizeLinear/DequantizeLinear and 13 with per-axis ones. */
static int written_opset(const cliq__graph *g) {
  int opset = g->opset;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[i];
    if (n->domain[0]) continue;
    if (n->opset > opset) opset = n->opset;
    if (strcmp(n->op_type, "QuantizeLinear") == 0 || strcmp(n->op_type, "DequantizeLinear") == 0) {
      int need = per_axis_qdq(g, n) ? 13 : 10;
      if (opset < need) opset = need;
    }
  }
  return opset;
}

static cliq_status serialize(cliq_context *ctx, const cliq__graph *g, int opset, void **out, size_t *out_size);

cliq_status cliq__onnx_export(cliq_context *ctx, const cliq__graph *g, void **out, size_t *out_size) {
  *out = NULL;
  *out_size = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_attrs; k++)
      if (strncmp(g->nodes[i].attrs[k].name, "cliq.", 5) == 0)
        return cliq__node_fail(ctx, g, (int)i, CLIQ_STATUS_INVALID_STATE,
                               "carries session attribute '%s'; only model graphs can be saved", g->nodes[i].attrs[k].name);
  int opset = written_opset(g);
  if (!cliq__onnx_upgrade_needed(g, opset)) return serialize(ctx, g, opset, out, out_size);
  /* nodes from older opsets are rewritten on a copy so they keep their meaning (onnx_upgrade.h) */
  cliq__graph *c = cliq__graph_clone(g);
  if (!c) return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "out of memory while copying the graph to write it");
  cliq_status st = cliq__onnx_upgrade(ctx, c, opset);
  if (st == CLIQ_STATUS_OK) st = serialize(ctx, c, opset, out, out_size);
  cliq__graph_free(c);
  return st;
}

static cliq_status serialize(cliq_context *ctx, const cliq__graph *g, int opset, void **out, size_t *out_size) {
  arena a = {0};
  Onnx__ModelProto mp;
  Onnx__GraphProto gp;
  onnx__model_proto__init(&mp);
  onnx__graph_proto__init(&gp);
  mp.has_ir_version = 1;
  mp.ir_version = 8; /* IR 8 (ONNX 1.10+): opsets up to 21 load in ONNX Runtime */
  mp.producer_name = a_str(&a, "cliq");
  mp.producer_version = a_str(&a, "0.1.0");
  mp.graph = &gp;
  gp.name = a_str(&a, g->name ? g->name : "cliq");

  Onnx__OperatorSetIdProto *os = a_alloc(&a, sizeof *os);
  Onnx__OperatorSetIdProto **osv = a_alloc(&a, sizeof(void *));
  if (os && osv) {
    onnx__operator_set_id_proto__init(os);
    os->domain = a_str(&a, "");
    os->has_version = 1;
    os->version = opset;
    osv[0] = os;
    mp.n_opset_import = 1;
    mp.opset_import = osv;
  }

  /* initializers: constants read by a node or a graph output */
  bool *used = a_alloc(&a, g->n_values + 1);
  if (used) {
    for (size_t i = 0; i < g->n_nodes; i++)
      for (size_t k = 0; k < g->nodes[i].n_inputs; k++)
        if (g->nodes[i].inputs[k] >= 0) used[g->nodes[i].inputs[k]] = true;
    for (size_t i = 0; i < g->n_outputs; i++) used[g->outputs[i]] = true;
    gp.initializer = a_alloc(&a, sizeof(void *) * (g->n_values + 1));
    for (size_t v = 0; gp.initializer && v < g->n_values; v++) {
      const cliq__value *val = &g->values[v];
      if (!val->constant || !used[v] || (val->producer >= 0)) continue;
      gp.initializer[gp.n_initializer++] = tensor_proto(&a, val->constant, val->name);
    }
  }
  gp.input = a_alloc(&a, sizeof(void *) * (g->n_inputs + 1));
  for (size_t i = 0; gp.input && i < g->n_inputs; i++) gp.input[gp.n_input++] = value_info(&a, &g->values[g->inputs[i]]);
  gp.output = a_alloc(&a, sizeof(void *) * (g->n_outputs + 1));
  for (size_t i = 0; gp.output && i < g->n_outputs; i++) gp.output[gp.n_output++] = value_info(&a, &g->values[g->outputs[i]]);

  gp.node = a_alloc(&a, sizeof(void *) * (g->n_nodes + 1));
  for (size_t i = 0; gp.node && i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[i];
    Onnx__NodeProto *np = a_alloc(&a, sizeof *np);
    if (!np) break;
    onnx__node_proto__init(np);
    np->name = a_str(&a, n->name);
    np->op_type = a_str(&a, n->op_type);
    np->domain = a_str(&a, n->domain);
    np->n_input = n->n_inputs;
    np->input = a_alloc(&a, sizeof(char *) * (n->n_inputs + 1));
    for (size_t k = 0; np->input && k < n->n_inputs; k++)
      np->input[k] = a_str(&a, n->inputs[k] >= 0 ? g->values[n->inputs[k]].name : "");
    np->n_output = n->n_outputs;
    np->output = a_alloc(&a, sizeof(char *) * (n->n_outputs + 1));
    for (size_t k = 0; np->output && k < n->n_outputs; k++)
      np->output[k] = a_str(&a, n->outputs[k] >= 0 ? g->values[n->outputs[k]].name : "");
    np->attribute = a_alloc(&a, sizeof(void *) * (n->n_attrs + 1));
    for (size_t k = 0; np->attribute && k < n->n_attrs; k++) {
      Onnx__AttributeProto *ap = attr_proto(&a, &n->attrs[k]);
      if (ap) np->attribute[np->n_attribute++] = ap;
    }
    gp.node[gp.n_node++] = np;
  }

  mp.metadata_props = a_alloc(&a, sizeof(void *) * (g->n_metadata + 1));
  for (size_t i = 0; mp.metadata_props && i < g->n_metadata; i++) {
    Onnx__StringStringEntryProto *e = a_alloc(&a, sizeof *e);
    if (!e) break;
    onnx__string_string_entry_proto__init(e);
    e->key = a_str(&a, g->metadata[i].key);
    e->value = a_str(&a, g->metadata[i].value);
    mp.metadata_props[mp.n_metadata_props++] = e;
  }

  if (a.oom) {
    a_free(&a);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "out of memory while serializing the model");
  }
  size_t size = onnx__model_proto__get_packed_size(&mp);
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) {
    a_free(&a);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "cannot allocate %zu bytes for the serialized model", size);
  }
  onnx__model_proto__pack(&mp, buf);
  a_free(&a);
  *out = buf;
  *out_size = size;
  return CLIQ_STATUS_OK;
}

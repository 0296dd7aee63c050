/*
 * onnx_import.c — ModelProto (protobuf-c) to cliq__graph.
 *
 * - Initializers and Constant nodes become constant values (the PaddleOCR export keeps all its
 *   weights in Constant nodes). Old-IR models also list initializers as graph inputs (mnist-8);
 *   such inputs are constants, not runtime inputs.
 * - Node outputs are created before inputs are resolved, and nodes are then sorted, so a model
 *   whose nodes are out of order still loads; a name nobody produces is a dangling input.
 * - Canonical forms: attributes that later opsets turned into inputs (Clip-6 min/max, Pad-2 pads,
 *   Slice-1 starts/ends/axes, Split-2 split, Squeeze/Unsqueeze-1 axes) are rewritten to the input
 *   form with constant inputs, and Upsample / Resize-10 to Resize-11, so every op has one form.
 *   The node's opset is raised to the version whose semantics it now follows.
 */
#include "error.h"
#include "graph.h"
#include "model.h"
#include "onnx.pb-c.h"
#include "onnx_tensor.h"
#include "ops/op.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opset 6 is accepted too: the ops cliq runs are the same there (ops whose legacy attributes
 * differ, like Add-6 `broadcast`, reject those attributes by name). */
#define CLIQ_MIN_OPSET 6
#define CLIQ_MAX_OPSET 21

/* --- name -> value id hash (open addressing) ---------------------------------------------- */
typedef struct name_map {
  const char **keys;
  int *vals;
  size_t cap;
} name_map;

static uint64_t hash_str(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return h;
}

static bool map_init(name_map *m, size_t n) {
  m->cap = 64;
  while (m->cap < n * 2 + 16) m->cap *= 2;
  m->keys = calloc(m->cap, sizeof *m->keys);
  m->vals = calloc(m->cap, sizeof *m->vals);
  return m->keys && m->vals;
}

static void map_free(name_map *m) {
  free(m->keys);
  free(m->vals);
}

/* key must stay alive (graph value names do). */
static int map_get(const name_map *m, const char *key) {
  for (size_t i = hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->keys[i]) return -1;
    if (strcmp(m->keys[i], key) == 0) return m->vals[i];
  }
}

static bool map_put(name_map *m, const char *key, int val) {
  size_t i = hash_str(key) & (m->cap - 1);
  while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & (m->cap - 1);
  m->keys[i] = key;
  m->vals[i] = val;
  return true;
}

typedef struct importer {
  cliq_context *ctx;
  cliq__graph *g;
  name_map names;
  const char *base_dir;
  size_t max_values;
} importer;

/* Values may be added during import (canonical forms); names point into g->values, which can
 * move on realloc, so the map is rebuilt then. */
static cliq_status rebuild_map(importer *im) {
  memset(im->names.keys, 0, im->names.cap * sizeof *im->names.keys);
  if (im->g->n_values * 2 + 16 > im->names.cap) {
    map_free(&im->names);
    if (!map_init(&im->names, im->g->n_values * 2)) return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  for (size_t v = 0; v < im->g->n_values; v++)
    if (im->g->values[v].name[0]) map_put(&im->names, im->g->values[v].name, (int)v);
  return CLIQ_STATUS_OK;
}

static int add_named_value(importer *im, const char *name) {
  cliq__value *before = im->g->values;
  int id = cliq__graph_add_value(im->g, name);
  if (id < 0) return -1;
  if (im->g->values != before || im->g->n_values * 2 + 16 > im->names.cap) {
    if (rebuild_map(im) != CLIQ_STATUS_OK) return -1;
  } else if (name && name[0]) {
    map_put(&im->names, im->g->values[id].name, id);
  }
  return id;
}

/* A fresh constant value named "<node>/<what>" holding t (taken). */
static int add_const(importer *im, const char *node, const char *what, cliq__tensor *t) {
  char name[512];
  snprintf(name, sizeof name, "%s/%s", node, what);
  for (int k = 1; map_get(&im->names, name) >= 0; k++) snprintf(name, sizeof name, "%s/%s_%d", node, what, k);
  int id = add_named_value(im, name);
  if (id < 0) {
    cliq__tensor_free(t);
    return -1;
  }
  cliq__value_set_constant(&im->g->values[id], t);
  im->g->values[id].flags |= CLIQ__VALUE_INITIALIZER;
  return id;
}

static cliq__tensor *ints_tensor(const int64_t *v, size_t n) {
  int64_t d = (int64_t)n;
  cliq__tensor *t;
  if (cliq__tensor_new(CLIQ_DTYPE_INT64, 1, &d, &t) != CLIQ_STATUS_OK) return NULL;
  if (n) memcpy(t->data, v, n * sizeof(int64_t));
  return t;
}

static cliq__tensor *floats_tensor(const float *v, size_t n, bool scalar) {
  int64_t d = (int64_t)n;
  cliq__tensor *t;
  if (cliq__tensor_new(CLIQ_DTYPE_FLOAT32, scalar ? 0 : 1, &d, &t) != CLIQ_STATUS_OK) return NULL;
  if (n) memcpy(t->data, v, n * sizeof(float));
  return t;
}

/* --- attributes ---------------------------------------------------------------------------- */
static cliq_status import_attr(importer *im, const char *node, const Onnx__AttributeProto *ap, cliq__attr *a) {
  memset(a, 0, sizeof *a);
  if (!ap->name) return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "node '%s' has an attribute without a name", node);
  a->name = cliq__strdup(ap->name);
  if (!a->name) return CLIQ_STATUS_OUT_OF_MEMORY;
  int type = ap->has_type ? (int)ap->type : 0;
  if (type == 0) { /* IR < 0.0.2 files carry no type: infer from what is set */
    if (ap->t) type = CLIQ__ATTR_TENSOR;
    else if (ap->n_floats) type = CLIQ__ATTR_FLOATS;
    else if (ap->n_ints) type = CLIQ__ATTR_INTS;
    else if (ap->n_strings) type = CLIQ__ATTR_STRINGS;
    else if (ap->has_s) type = CLIQ__ATTR_STRING;
    else if (ap->has_f) type = CLIQ__ATTR_FLOAT;
    else if (ap->g) type = CLIQ__ATTR_GRAPH;
    else type = CLIQ__ATTR_INT;
  }
  a->type = (cliq__attr_type)type;
  char what[600];
  switch (type) {
  case CLIQ__ATTR_FLOAT:
    a->f = ap->f;
    break;
  case CLIQ__ATTR_INT:
    a->i = ap->i;
    break;
  case CLIQ__ATTR_STRING:
    a->s = malloc(ap->s.len + 1);
    if (!a->s) return CLIQ_STATUS_OUT_OF_MEMORY;
    if (ap->s.len) memcpy(a->s, ap->s.data, ap->s.len);
    a->s[ap->s.len] = '\0';
    break;
  case CLIQ__ATTR_TENSOR:
    if (!ap->t) return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "node '%s' attribute '%s' has no tensor", node, ap->name);
    snprintf(what, sizeof what, "node '%s' attribute '%s'", node, ap->name);
    CLIQ__TRY(cliq__tensor_from_onnx(im->ctx, ap->t, im->base_dir, what, &a->t));
    break;
  case CLIQ__ATTR_FLOATS:
    a->n = ap->n_floats;
    if (a->n) {
      if (!(a->floats = malloc(a->n * sizeof(float)))) return CLIQ_STATUS_OUT_OF_MEMORY;
      memcpy(a->floats, ap->floats, a->n * sizeof(float));
    }
    break;
  case CLIQ__ATTR_INTS:
    a->n = ap->n_ints;
    if (a->n) {
      if (!(a->ints = malloc(a->n * sizeof(int64_t)))) return CLIQ_STATUS_OUT_OF_MEMORY;
      memcpy(a->ints, ap->ints, a->n * sizeof(int64_t));
    }
    break;
  case CLIQ__ATTR_STRINGS:
    a->n = ap->n_strings;
    if (a->n) {
      if (!(a->strings = calloc(a->n, sizeof(char *)))) return CLIQ_STATUS_OUT_OF_MEMORY;
      for (size_t i = 0; i < a->n; i++) {
        if (!(a->strings[i] = malloc(ap->strings[i].len + 1))) return CLIQ_STATUS_OUT_OF_MEMORY;
        memcpy(a->strings[i], ap->strings[i].data, ap->strings[i].len);
        a->strings[i][ap->strings[i].len] = '\0';
      }
    }
    break;
  case CLIQ__ATTR_GRAPH:
    break; /* rejected with a clear message by the op check */
  default:
    return cliq__fail(im->ctx, CLIQ_STATUS_UNSUPPORTED, "node '%s' attribute '%s' has type %d, which cliq does not read", node,
                      ap->name, type);
  }
  return CLIQ_STATUS_OK;
}

/* --- value info ---------------------------------------------------------------------------- */
static cliq_status import_value_info(importer *im, const Onnx__ValueInfoProto *vi, cliq__value *v, const char *role) {
  if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !vi->type->tensor_type) {
    if (strcmp(role, "output") == 0) return CLIQ_STATUS_OK; /* outputs are inferred anyway */
    return cliq__fail(im->ctx, CLIQ_STATUS_UNSUPPORTED, "graph %s '%s' is not a tensor (sequences and maps are not supported)",
                      role, v->name);
  }
  const Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
  int32_t et = tt->has_elem_type ? tt->elem_type : 0;
  cliq_dtype dt = cliq__dtype_from_onnx(et);
  if (dt == CLIQ_DTYPE_UNDEFINED && strcmp(role, "input") == 0)
    return cliq__fail(im->ctx, CLIQ_STATUS_UNSUPPORTED, "graph input '%s' has element type %s; cliq supports float32, uint8, int8, int32, int64, bool",
                      v->name, cliq__onnx_type_name(et));
  /* outputs keep their declared type (cliq_model_output reports it, the exporter writes it back);
   * the session's inference overwrites it */
  if (strcmp(role, "input") == 0 || dt != CLIQ_DTYPE_UNDEFINED) v->dtype = dt;
  if (!tt->shape) {
    if (strcmp(role, "input") == 0)
      return cliq__fail(im->ctx, CLIQ_STATUS_UNSUPPORTED, "graph input '%s' has no shape; cliq needs the input rank", v->name);
    return CLIQ_STATUS_OK;
  }
  if (tt->shape->n_dim > CLIQ_MAX_RANK)
    return cliq__fail(im->ctx, CLIQ_STATUS_UNSUPPORTED, "graph %s '%s' has rank %zu; cliq supports up to %d", role, v->name,
                      tt->shape->n_dim, CLIQ_MAX_RANK);
  int rank = (int)tt->shape->n_dim;
  int64_t dims[CLIQ_MAX_RANK];
  for (int d = 0; d < rank; d++) {
    const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
    dims[d] = -1;
    if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
      if (dim->dim_value < 0)
        return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "graph %s '%s' dim %d is negative (%lld)", role, v->name, d,
                          (long long)dim->dim_value);
      if (dim->dim_value > ((int64_t)1 << 32))
        return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "graph %s '%s' dim %d is absurdly large (%lld)", role, v->name, d,
                          (long long)dim->dim_value);
      dims[d] = dim->dim_value;
    } else if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && dim->dim_param) {
      v->dim_param[d] = cliq__strdup(dim->dim_param);
    }
  }
  /* and their declared rank and fixed dims too */
  v->rank = rank;
  for (int d = 0; d < rank; d++) v->dims[d] = dims[d];
  return CLIQ_STATUS_OK;
}

/* --- canonical forms ----------------------------------------------------------------------- */
static const cliq__attr *find_attr(const cliq__node *n, const char *name) { return cliq__node_attr(n, name); }

static bool set_inputs(cliq__node *n, const int *ids, size_t count) {
  int *p = realloc(n->inputs, (count + 1) * sizeof(int));
  if (!p) return false;
  memcpy(p, ids, count * sizeof(int));
  n->inputs = p;
  n->n_inputs = count;
  return true;
}

/* Index of node `ni` must be re-read after add_const (the nodes array does not move, values do). */
static cliq_status canonicalize(importer *im, size_t ni) {
  cliq__graph *g = im->g;
  cliq__node *n = &g->nodes[ni];
  const char *op = n->op_type;
  int opset = n->opset;
  if (n->domain[0]) return CLIQ_STATUS_OK;
  int x = n->n_inputs ? n->inputs[0] : -1;
  if (strcmp(op, "Clip") == 0 && opset < 11) {
    float lo = cliq__attr_float(n, "min", -FLT_MAX), hi = cliq__attr_float(n, "max", FLT_MAX);
    int a = add_const(im, n->name, "min", floats_tensor(&lo, 1, true));
    int b = add_const(im, n->name, "max", floats_tensor(&hi, 1, true));
    if (a < 0 || b < 0) return CLIQ_STATUS_OUT_OF_MEMORY;
    n = &g->nodes[ni];
    int ids[3] = {x, a, b};
    if (!set_inputs(n, ids, 3)) return CLIQ_STATUS_OUT_OF_MEMORY;
    cliq__node_drop_attr(n, "min");
    cliq__node_drop_attr(n, "max");
    n->opset = 11;
  } else if (strcmp(op, "Pad") == 0 && opset < 11) {
    const cliq__attr *pa = find_attr(n, "pads");
    if (!pa || pa->type != CLIQ__ATTR_INTS)
      return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "node '%s' (Pad, opset %d): attribute 'pads' is required", n->name, opset);
    float value = cliq__attr_float(n, "value", 0.0f);
    int a = add_const(im, n->name, "pads", ints_tensor(pa->ints, pa->n));
    int b = add_const(im, n->name, "value", floats_tensor(&value, 1, true));
    if (a < 0 || b < 0) return CLIQ_STATUS_OUT_OF_MEMORY;
    n = &g->nodes[ni];
    int ids[3] = {x, a, b};
    if (!set_inputs(n, ids, 3)) return CLIQ_STATUS_OUT_OF_MEMORY;
    cliq__node_drop_attr(n, "pads");
    cliq__node_drop_attr(n, "value");
    n->opset = 11;
  } else if (strcmp(op, "Slice") == 0 && opset < 10) {
    const cliq__attr *s = find_attr(n, "starts"), *e = find_attr(n, "ends"), *ax = find_attr(n, "axes");
    if (!s || !e || s->type != CLIQ__ATTR_INTS || e->type != CLIQ__ATTR_INTS)
      return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "node '%s' (Slice, opset %d): attributes 'starts' and 'ends' are required",
                        n->name, opset);
    int a = add_const(im, n->name, "starts", ints_tensor(s->ints, s->n));
    n = &g->nodes[ni];
    e = find_attr(n, "ends");
    int b = add_const(im, n->name, "ends", ints_tensor(e->ints, e->n));
    n = &g->nodes[ni];
    ax = find_attr(n, "axes");
    int c = ax && ax->type == CLIQ__ATTR_INTS ? add_const(im, n->name, "axes", ints_tensor(ax->ints, ax->n)) : -1;
    if (a < 0 || b < 0 || (ax && c < 0)) return CLIQ_STATUS_OUT_OF_MEMORY;
    n = &g->nodes[ni];
    int ids[4] = {x, a, b, c};
    if (!set_inputs(n, ids, c >= 0 ? 4 : 3)) return CLIQ_STATUS_OUT_OF_MEMORY;
    cliq__node_drop_attr(n, "starts");
    cliq__node_drop_attr(n, "ends");
    cliq__node_drop_attr(n, "axes");
    n->opset = 10;
  } else if (strcmp(op, "Split") == 0 && opset < 13) {
    const cliq__attr *s = find_attr(n, "split");
    if (s && s->type == CLIQ__ATTR_INTS) {
      int a = add_const(im, n->name, "split", ints_tensor(s->ints, s->n));
      if (a < 0) return CLIQ_STATUS_OUT_OF_MEMORY;
      n = &g->nodes[ni];
      int ids[2] = {x, a};
      if (!set_inputs(n, ids, 2)) return CLIQ_STATUS_OUT_OF_MEMORY;
      cliq__node_drop_attr(n, "split");
    }
    n->opset = 13;
  } else if ((strcmp(op, "Squeeze") == 0 || strcmp(op, "Unsqueeze") == 0) && opset < 13) {
    const cliq__attr *s = find_attr(n, "axes");
    if (s && s->type == CLIQ__ATTR_INTS) {
      int a = add_const(im, n->name, "axes", ints_tensor(s->ints, s->n));
      if (a < 0) return CLIQ_STATUS_OUT_OF_MEMORY;
      n = &g->nodes[ni];
      int ids[2] = {x, a};
      if (!set_inputs(n, ids, 2)) return CLIQ_STATUS_OUT_OF_MEMORY;
      cliq__node_drop_attr(n, "axes");
    }
    n->opset = 13;
  } else if (strcmp(op, "Upsample") == 0 || (strcmp(op, "Resize") == 0 && opset < 11)) {
    /* Upsample-7 (scales attribute), Upsample-9 and Resize-10 (scales input) all map output
     * pixel x to input x/scale: Resize-11 with asymmetric coordinates, nearest rounding down. */
    int scales = -1;
    if (strcmp(op, "Upsample") == 0 && opset < 9) {
      const cliq__attr *s = find_attr(n, "scales");
      if (!s || s->type != CLIQ__ATTR_FLOATS)
        return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "node '%s' (Upsample, opset %d): attribute 'scales' is required",
                          n->name, opset);
      scales = add_const(im, n->name, "scales", floats_tensor(s->floats, s->n, false));
      if (scales < 0) return CLIQ_STATUS_OUT_OF_MEMORY;
      n = &g->nodes[ni];
      cliq__node_drop_attr(n, "scales");
    } else {
      scales = n->n_inputs > 1 ? n->inputs[1] : -1;
    }
    int ids[3] = {x, -1, scales};
    if (!set_inputs(n, ids, 3)) return CLIQ_STATUS_OUT_OF_MEMORY;
    /* copy: setting "mode" frees the attribute string `mode` points into */
    char mode[32];
    snprintf(mode, sizeof mode, "%s", cliq__attr_string(n, "mode", "nearest"));
    bool linear = strcmp(mode, "linear") == 0 || strcmp(mode, "bilinear") == 0;
    if (!cliq__node_set_string(n, "mode", linear ? "linear" : mode) ||
        !cliq__node_set_string(n, "coordinate_transformation_mode", "asymmetric") ||
        (!linear && !cliq__node_set_string(n, "nearest_mode", "floor")))
      return CLIQ_STATUS_OUT_OF_MEMORY;
    free(n->op_type);
    if (!(n->op_type = cliq__strdup("Resize"))) return CLIQ_STATUS_OUT_OF_MEMORY;
    n->opset = 11;
  }
  return CLIQ_STATUS_OK;
}

/* --- graph --------------------------------------------------------------------------------- */
static cliq_status import_graph(importer *im, const Onnx__GraphProto *gp) {
  cliq__graph *g = im->g;
  char what[600];
  if (gp->name) g->name = cliq__strdup(gp->name);
  size_t total = gp->n_initializer + gp->n_input + gp->n_output;
  for (size_t i = 0; i < gp->n_node; i++) total += gp->node[i]->n_output + 4;
  if (!map_init(&im->names, total)) return CLIQ_STATUS_OUT_OF_MEMORY;
  if (gp->n_sparse_initializer)
    return cliq__fail(im->ctx, CLIQ_STATUS_UNSUPPORTED, "the graph has sparse initializers, which cliq does not read");

  for (size_t i = 0; i < gp->n_initializer; i++) {
    const Onnx__TensorProto *tp = gp->initializer[i];
    if (!tp->name || !tp->name[0]) return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "initializer %zu has no name", i);
    if (map_get(&im->names, tp->name) >= 0)
      return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "initializer '%s' is defined twice", tp->name);
    snprintf(what, sizeof what, "initializer '%s'", tp->name);
    cliq__tensor *t;
    CLIQ__TRY(cliq__tensor_from_onnx(im->ctx, tp, im->base_dir, what, &t));
    int id = add_named_value(im, tp->name);
    if (id < 0) {
      cliq__tensor_free(t);
      return CLIQ_STATUS_OUT_OF_MEMORY;
    }
    cliq__value_set_constant(&g->values[id], t);
    g->values[id].flags |= CLIQ__VALUE_INITIALIZER;
  }
  g->inputs = malloc((gp->n_input + 1) * sizeof(int));
  if (!g->inputs) return CLIQ_STATUS_OUT_OF_MEMORY;
  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *vi = gp->input[i];
    if (!vi->name || !vi->name[0]) return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "graph input %zu has no name", i);
    int existing = map_get(&im->names, vi->name);
    if (existing >= 0) {
      if (g->values[existing].constant) continue; /* IR < 4: initializers listed as inputs */
      return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "graph input '%s' is listed twice", vi->name);
    }
    int id = add_named_value(im, vi->name);
    if (id < 0) return CLIQ_STATUS_OUT_OF_MEMORY;
    CLIQ__TRY(import_value_info(im, vi, &g->values[id], "input"));
    g->values[id].flags |= CLIQ__VALUE_GRAPH_INPUT;
    g->inputs[g->n_inputs++] = id;
  }

  /* nodes: Constant nodes become constant values; outputs first, inputs resolved after */
  bool *is_const_node = calloc(gp->n_node + 1, sizeof(bool));
  if (!is_const_node) return CLIQ_STATUS_OUT_OF_MEMORY;
  cliq_status st = CLIQ_STATUS_OK;
  for (size_t i = 0; i < gp->n_node && st == CLIQ_STATUS_OK; i++) {
    const Onnx__NodeProto *np = gp->node[i];
    const char *op = np->op_type ? np->op_type : "";
    const char *dom = np->domain ? np->domain : "";
    if (!op[0]) {
      st = cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "node %zu ('%s') has no op_type", i, np->name ? np->name : "");
      break;
    }
    if (strcmp(op, "Constant") == 0 && (!dom[0] || strcmp(dom, "ai.onnx") == 0)) {
      is_const_node[i] = true;
      if (np->n_output != 1 || !np->output[0] || !np->output[0][0]) {
        st = cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "Constant node %zu ('%s') must have one named output", i,
                        np->name ? np->name : "");
        break;
      }
      if (map_get(&im->names, np->output[0]) >= 0) {
        st = cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "value '%s' is produced twice", np->output[0]);
        break;
      }
      cliq__tensor *t = NULL;
      for (size_t k = 0; k < np->n_attribute && st == CLIQ_STATUS_OK && !t; k++) {
        cliq__attr a;
        st = import_attr(im, np->name ? np->name : np->output[0], np->attribute[k], &a);
        if (st != CLIQ_STATUS_OK) {
          cliq__attr_clear(&a);
          break;
        }
        if (strcmp(a.name, "value") == 0 && a.t) {
          t = a.t;
          a.t = NULL;
        } else if (strcmp(a.name, "value_float") == 0) {
          t = floats_tensor(&a.f, 1, true);
        } else if (strcmp(a.name, "value_floats") == 0) {
          t = floats_tensor(a.floats, a.n, false);
        } else if (strcmp(a.name, "value_int") == 0) {
          t = ints_tensor(&a.i, 1);
          if (t) t->rank = 0;
        } else if (strcmp(a.name, "value_ints") == 0) {
          t = ints_tensor(a.ints, a.n);
        } else {
          st = cliq__fail(im->ctx, CLIQ_STATUS_UNSUPPORTED, "Constant node '%s': attribute '%s' is not supported",
                          np->name ? np->name : np->output[0], a.name);
        }
        cliq__attr_clear(&a);
      }
      if (st != CLIQ_STATUS_OK) break;
      if (!t) {
        st = cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "Constant node '%s' has no value", np->name ? np->name : np->output[0]);
        break;
      }
      int id = add_named_value(im, np->output[0]);
      if (id < 0) {
        cliq__tensor_free(t);
        st = CLIQ_STATUS_OUT_OF_MEMORY;
        break;
      }
      cliq__value_set_constant(&g->values[id], t);
      g->values[id].flags |= CLIQ__VALUE_INITIALIZER;
      continue;
    }
    for (size_t k = 0; k < np->n_output; k++) {
      const char *on = np->output[k];
      if (!on || !on[0]) continue;
      if (map_get(&im->names, on) >= 0) {
        st = cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "value '%s' is produced twice (node '%s')", on, np->name ? np->name : op);
        break;
      }
      if (add_named_value(im, on) < 0) st = CLIQ_STATUS_OUT_OF_MEMORY;
    }
  }
  for (size_t i = 0; i < gp->n_node && st == CLIQ_STATUS_OK; i++) {
    if (is_const_node[i]) continue;
    const Onnx__NodeProto *np = gp->node[i];
    int ins[256], outs[64];
    if (np->n_input > 256 || np->n_output > 64) {
      st = cliq__fail(im->ctx, CLIQ_STATUS_UNSUPPORTED, "node '%s' has too many inputs or outputs", np->name ? np->name : "");
      break;
    }
    for (size_t k = 0; k < np->n_input; k++) {
      const char *in = np->input[k];
      ins[k] = -1;
      if (!in || !in[0]) continue;
      ins[k] = map_get(&im->names, in);
      if (ins[k] < 0) {
        st = cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL,
                        "node '%s' (%s) reads '%s', which is no graph input, initializer or node output (missing "
                        "initializer or dangling name)",
                        np->name && np->name[0] ? np->name : "(unnamed)", np->op_type, in);
        break;
      }
    }
    if (st != CLIQ_STATUS_OK) break;
    for (size_t k = 0; k < np->n_output; k++) outs[k] = np->output[k] && np->output[k][0] ? map_get(&im->names, np->output[k]) : -1;
    char auto_name[128];
    const char *name = np->name;
    if (!name || !name[0]) {
      snprintf(auto_name, sizeof auto_name, "%s_%zu", np->op_type, i);
      name = auto_name;
    }
    int id = cliq__graph_add_node(g, np->op_type, np->domain ? np->domain : "", name, ins, np->n_input, outs, np->n_output);
    if (id < 0) {
      st = CLIQ_STATUS_OUT_OF_MEMORY;
      break;
    }
    cliq__node *n = &g->nodes[id];
    if (strcmp(n->domain, "ai.onnx") == 0) n->domain[0] = '\0';
    n->opset = g->opset;
    if (np->n_attribute) {
      n->attrs = calloc(np->n_attribute, sizeof(cliq__attr));
      if (!n->attrs) {
        st = CLIQ_STATUS_OUT_OF_MEMORY;
        break;
      }
      for (size_t k = 0; k < np->n_attribute && st == CLIQ_STATUS_OK; k++) {
        st = import_attr(im, name, np->attribute[k], &n->attrs[k]);
        n->n_attrs = k + 1;
      }
    }
  }
  free(is_const_node);
  CLIQ__TRY(st);

  g->outputs = malloc((gp->n_output + 1) * sizeof(int));
  if (!g->outputs) return CLIQ_STATUS_OUT_OF_MEMORY;
  for (size_t i = 0; i < gp->n_output; i++) {
    const Onnx__ValueInfoProto *vi = gp->output[i];
    int id = vi->name ? map_get(&im->names, vi->name) : -1;
    if (id < 0)
      return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "graph output '%s' is produced by no node", vi->name ? vi->name : "");
    CLIQ__TRY(import_value_info(im, vi, &g->values[id], "output"));
    g->values[id].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
    g->outputs[g->n_outputs++] = id;
  }
  if (g->n_outputs == 0) return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "the graph has no outputs");

  if (cliq__graph_toposort(g) != CLIQ_STATUS_OK)
    return cliq__fail(im->ctx, CLIQ_STATUS_INVALID_MODEL, "the graph has a cycle");
  for (size_t i = 0; i < g->n_nodes; i++) CLIQ__TRY(canonicalize(im, i));
  return CLIQ_STATUS_OK;
}

cliq_status cliq__onnx_import(cliq_context *ctx, const void *data, size_t size, const char *base_dir, cliq__graph **out) {
  *out = NULL;
  if (size == 0) return cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "the model is empty (0 bytes)");
  Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, size, data);
  if (!mp)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL,
                      "not a valid ONNX model: the %zu bytes do not parse as a ModelProto (truncated or not ONNX)", size);
  cliq_status st = CLIQ_STATUS_OK;
  importer im = {ctx, NULL, {0}, base_dir, 0};
  if (!mp->graph) {
    st = cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "not a valid ONNX model: it has no graph");
    goto out;
  }
  int opset = -1;
  for (size_t i = 0; i < mp->n_opset_import; i++) {
    const char *d = mp->opset_import[i]->domain;
    if (!d || !d[0] || strcmp(d, "ai.onnx") == 0) opset = (int)mp->opset_import[i]->version;
  }
  if (opset < 0) {
    if (mp->n_opset_import == 0) {
      st = cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "not a valid ONNX model: no opset_import");
      goto out;
    }
    opset = CLIQ_MIN_OPSET; /* only custom domains imported: ops will be rejected by name */
  }
  if (opset < CLIQ_MIN_OPSET || opset > CLIQ_MAX_OPSET) {
    st = cliq__fail(ctx, CLIQ_STATUS_UNSUPPORTED, "the model uses ai.onnx opset %d; cliq supports opsets %d to %d", opset,
                    CLIQ_MIN_OPSET, CLIQ_MAX_OPSET);
    goto out;
  }
  im.g = cliq__graph_new();
  if (!im.g) {
    st = CLIQ_STATUS_OUT_OF_MEMORY;
    goto out;
  }
  im.g->opset = opset;
  im.g->ir_version = mp->has_ir_version ? mp->ir_version : 0;
  if (mp->producer_name) im.g->producer_name = cliq__strdup(mp->producer_name);
  if (mp->producer_version) im.g->producer_version = cliq__strdup(mp->producer_version);
  for (size_t i = 0; i < mp->n_metadata_props; i++) {
    const Onnx__StringStringEntryProto *e = mp->metadata_props[i];
    if (e->key && e->value && !cliq__graph_set_metadata(im.g, e->key, e->value)) st = CLIQ_STATUS_OUT_OF_MEMORY;
  }
  if (st == CLIQ_STATUS_OK) st = import_graph(&im, mp->graph);
out:
  map_free(&im.names);
  onnx__model_proto__free_unpacked(mp, NULL);
  if (st != CLIQ_STATUS_OK) {
    cliq__graph_free(im.g);
    return st;
  }
  *out = im.g;
  return CLIQ_STATUS_OK;
}

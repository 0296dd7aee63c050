/*
 * onnx_upgrade.c — model-graph nodes rewritten to a higher ai.onnx opset with their meaning kept
 * (onnx_upgrade.h lists the rules and why). Works on the exporter's copy of the graph: new nodes
 * are appended and the graph is sorted again at the end.
 */
#include "onnx_upgrade.h"

#include "error.h"
#include "ops/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_op(const cliq__node *n, const char *type) { return strcmp(n->op_type, type) == 0; }

bool cliq__onnx_upgrade_needed(const cliq__graph *g, int opset) {
  for (size_t i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].domain[0] && g->nodes[i].opset < opset) return true;
  return false;
}

/* A constant int64 vector (an axes or shape input). Value id or -1. */
static int ints_const(cliq__graph *g, const char *hint, const int64_t *v, size_t n) {
  int64_t d = (int64_t)n;
  cliq__tensor *t;
  if (cliq__tensor_new(CLIQ_DTYPE_INT64, 1, &d, &t) != CLIQ_STATUS_OK) return -1;
  if (n) memcpy(t->data, v, n * sizeof(int64_t));
  return cliq__graph_add_constant(g, hint, t);
}

/* "<base><suffix>" as a fresh value id (-1 on OOM). */
static int new_value(cliq__graph *g, const char *base, const char *suffix) {
  size_t len = strlen(base) + strlen(suffix) + 1;
  char *name = malloc(len);
  if (!name) return -1;
  snprintf(name, len, "%s%s", base, suffix);
  int v = cliq__graph_add_value_unique(g, name);
  free(name);
  return v;
}

/* Appends node `op` named "<node name><suffix>" (n: the node it serves, by index: adding nodes
 * moves the array). Node id or -1. */
static int add_node(cliq__graph *g, int n, const char *op, const char *suffix, const int *in, size_t n_in, int out) {
  const char *base = g->nodes[n].name ? g->nodes[n].name : "";
  size_t len = strlen(base) + strlen(suffix) + 1;
  char *name = malloc(len);
  if (!name) return -1;
  snprintf(name, len, "%s%s", base, suffix);
  int id = cliq__graph_add_node(g, op, "", name, in, n_in, &out, 1);
  free(name);
  return id;
}

/* x with `count` unit dims inserted at output positions first, first+1, ...: Unsqueeze-13 (axes as
 * an input). Value id of the result or -1. */
static int unsqueeze(cliq__graph *g, int n, int x, int first, int count) {
  int64_t axes[CLIQ_MAX_RANK];
  for (int i = 0; i < count; i++) axes[i] = first + i;
  int a = ints_const(g, "unsqueeze_axes", axes, (size_t)count);
  int y = a < 0 ? -1 : new_value(g, g->values[x].name, "_unsqueezed");
  if (y < 0) return -1;
  int in[2] = {x, a};
  return add_node(g, n, "Unsqueeze", "_unsqueeze", in, 2, y) < 0 ? -1 : y;
}

static cliq_status oom(cliq_context *ctx, const cliq__graph *g, int n) {
  return cliq__node_fail(ctx, g, n, CLIQ_STATUS_OUT_OF_MEMORY, "out of memory while rewriting the node for the written opset");
}

static cliq_status rank_unknown(cliq_context *ctx, const cliq__graph *g, int n, int opset) {
  return cliq__node_fail(ctx, g, n, CLIQ_STATUS_UNSUPPORTED,
                         "cannot be written at opset %d: keeping its meaning needs the ranks of its inputs, which are unknown",
                         opset);
}

/* Opset 6 broadcast=1 with `axis`: B's dims start at `axis` of A; numpy (7+) aligns them at the end,
 * so B gets as many trailing unit dims as A has dims after B's span. */
static cliq_status legacy_broadcast(cliq_context *ctx, cliq__graph *g, int n, int opset) {
  const cliq__node *nd = &g->nodes[n];
  const cliq__attr *ax = cliq__node_attr(nd, "axis");
  if (cliq__attr_int(nd, "broadcast", 0) && ax && nd->n_inputs == 2) {
    const cliq__value *a = &g->values[nd->inputs[0]], *b = &g->values[nd->inputs[1]];
    if (a->rank < 0 || b->rank < 0) return rank_unknown(ctx, g, n, opset);
    int axis;
    if (!cliq__norm_axis(ax->i, a->rank, &axis) || axis + b->rank > a->rank)
      return cliq__node_fail(ctx, g, n, CLIQ_STATUS_INVALID_MODEL, "axis %lld does not place B (rank %d) inside A (rank %d)",
                             (long long)ax->i, b->rank, a->rank);
    int trailing = a->rank - axis - b->rank;
    if (trailing > 0) {
      int nb = unsqueeze(g, n, g->nodes[n].inputs[1], b->rank, trailing);
      if (nb < 0) return oom(ctx, g, n);
      g->nodes[n].inputs[1] = nb;
    }
  }
  cliq__node_drop_attr(&g->nodes[n], "broadcast");
  cliq__node_drop_attr(&g->nodes[n], "axis");
  return CLIQ_STATUS_OK;
}

/* PRelu-6 applies a [C] slope per channel (host/ops/binary.c); from 7 the slope broadcasts
 * numpy-style, so it becomes [C, 1, ...]. */
static cliq_status prelu_slope(cliq_context *ctx, cliq__graph *g, int n, int opset) {
  const cliq__node *nd = &g->nodes[n];
  if (nd->n_inputs != 2) return CLIQ_STATUS_OK;
  const cliq__value *x = &g->values[nd->inputs[0]], *s = &g->values[nd->inputs[1]];
  if (x->rank < 0 || s->rank < 0) return rank_unknown(ctx, g, n, opset);
  if (s->rank == 1 && x->rank > 2 && s->dims[0] == x->dims[1] && s->dims[0] != 1) {
    int ns = unsqueeze(g, n, nd->inputs[1], 1, x->rank - 2);
    if (ns < 0) return oom(ctx, g, n);
    g->nodes[n].inputs[1] = ns;
  }
  return CLIQ_STATUS_OK;
}

/* Softmax/LogSoftmax before 13 normalise the 2-D coercion [prod(dims[:axis]), prod(dims[axis:])]. */
static cliq_status softmax(cliq_context *ctx, cliq__graph *g, int n) {
  const cliq__node *nd = &g->nodes[n];
  const int xin = nd->inputs[0], y = nd->outputs[0], rank = g->values[xin].rank;
  int64_t a = cliq__attr_int(nd, "axis", 1);
  int axis = 0;
  if (rank >= 0 && !cliq__norm_axis(a, rank, &axis))
    return cliq__node_fail(ctx, g, n, CLIQ_STATUS_INVALID_MODEL, "axis %lld is out of range for input '%s' of rank %d",
                           (long long)a, g->values[xin].name, rank);
  if (rank >= 0 && axis == rank - 1) /* one dim either way; the default changed, so write it */
    return cliq__node_set_int(&g->nodes[n], "axis", axis) ? CLIQ_STATUS_OK : oom(ctx, g, n);
  int flat = new_value(g, g->values[y].name, "_2d_input");
  int soft = flat < 0 ? -1 : new_value(g, g->values[y].name, "_2d");
  int shape = soft < 0 ? -1 : new_value(g, g->values[y].name, "_shape");
  if (shape < 0) return oom(ctx, g, n);
  int f = add_node(g, n, "Flatten", "_flatten", &xin, 1, flat);
  int s = f < 0 ? -1 : add_node(g, n, "Shape", "_shape", &xin, 1, shape);
  int r_in[2] = {soft, shape};
  int r = s < 0 ? -1 : add_node(g, n, "Reshape", "_reshape", r_in, 2, y);
  if (r < 0 || !cliq__node_set_int(&g->nodes[f], "axis", rank >= 0 ? axis : a) ||
      !cliq__node_set_int(&g->nodes[n], "axis", 1))
    return oom(ctx, g, n);
  g->nodes[n].inputs[0] = flat;
  g->nodes[n].outputs[0] = soft;
  return CLIQ_STATUS_OK;
}

/* The axes attribute of a reduction as its (constant) axes input. */
static cliq_status reduce_axes(cliq_context *ctx, cliq__graph *g, int n) {
  int64_t axes[CLIQ_MAX_RANK];
  long k = cliq__attr_ints(&g->nodes[n], "axes", axes, CLIQ_MAX_RANK);
  if (k < 0) return CLIQ_STATUS_OK; /* no axes: all of them, with either form */
  if (k > CLIQ_MAX_RANK)
    return cliq__node_fail(ctx, g, n, CLIQ_STATUS_INVALID_MODEL, "has %ld axes; a tensor has at most %d dims", k, CLIQ_MAX_RANK);
  int v = ints_const(g, "axes", axes, (size_t)k);
  cliq__node *nd = &g->nodes[n];
  int *in = v < 0 ? NULL : realloc(nd->inputs, 3 * sizeof(int));
  if (!in) return oom(ctx, g, n);
  nd->inputs = in;
  nd->inputs[1] = v;
  nd->n_inputs = 2;
  cliq__node_drop_attr(nd, "axes");
  return CLIQ_STATUS_OK;
}

/* Rewrites node n (opset `from`) for `to`. */
static cliq_status upgrade_node(cliq_context *ctx, cliq__graph *g, int n, int from, int to) {
  const cliq__node *nd = &g->nodes[n];
  bool crosses[32] = {false}; /* crosses[v]: from < v <= to */
  for (int v = 0; v < 32; v++) crosses[v] = from < v && v <= to;
  static const char *const legacy_bcast[] = {"Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater"};
  if (crosses[7])
    for (size_t i = 0; i < sizeof legacy_bcast / sizeof legacy_bcast[0]; i++)
      if (is_op(nd, legacy_bcast[i])) return legacy_broadcast(ctx, g, n, to);
  if (crosses[7] && is_op(nd, "PRelu")) return prelu_slope(ctx, g, n, to);
  if (crosses[7] && is_op(nd, "Gemm")) cliq__node_drop_attr(&g->nodes[n], "broadcast");
  if (is_op(nd, "Dropout") || is_op(nd, "BatchNormalization")) {
    if (crosses[7]) cliq__node_drop_attr(&g->nodes[n], "is_test");
    if (crosses[9] && is_op(nd, "BatchNormalization")) cliq__node_drop_attr(&g->nodes[n], "spatial");
    if (crosses[12] && is_op(nd, "Dropout")) cliq__node_drop_attr(&g->nodes[n], "ratio");
  }
  if (crosses[13] && (is_op(nd, "Softmax") || is_op(nd, "LogSoftmax"))) return softmax(ctx, g, n);
  if (strncmp(nd->op_type, "Reduce", 6) == 0 && crosses[is_op(nd, "ReduceSum") ? 13 : 18]) return reduce_axes(ctx, g, n);
  return CLIQ_STATUS_OK;
}

cliq_status cliq__onnx_upgrade(cliq_context *ctx, cliq__graph *g, int opset) {
  size_t n_orig = g->n_nodes; /* nodes appended by the rewrites are written at `opset` already */
  for (size_t i = 0; i < n_orig; i++) {
    cliq__node *nd = &g->nodes[i];
    if (nd->domain[0] || nd->opset >= opset) continue;
    CLIQ__TRY(upgrade_node(ctx, g, (int)i, nd->opset, opset));
  }
  for (size_t i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].domain[0]) g->nodes[i].opset = opset;
  cliq__graph_update_producers(g);
  return cliq__graph_toposort(g);
}

/*
 * shape.c — dims binding, shape inference and constant folding over a graph, node by node.
 */
#include "shape.h"

#include <stdlib.h>
#include <string.h>

cliq_status cliq__graph_bind(cliq_context *ctx, cliq__graph *g, size_t batch, const cliq_dim_binding *dims,
                             size_t n_dims) {
  if (batch == 0) batch = 1;
  for (size_t k = 0; k < n_dims; k++)
    if (!dims[k].name || dims[k].value <= 0)
      return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "dim binding %zu ('%s' = %lld) must name a dim and be positive",
                        k, dims[k].name ? dims[k].name : "(null)", (long long)dims[k].value);
  for (size_t i = 0; i < g->n_inputs; i++) {
    cliq__value *v = &g->values[g->inputs[i]];
    if (v->rank < 0)
      return cliq__fail(ctx, CLIQ_STATUS_SHAPE_MISMATCH, "graph input '%s' has no shape in the model", v->name);
    for (int d = 0; d < v->rank; d++) {
      int64_t bound = -1;
      if (v->dim_param[d])
        for (size_t k = 0; k < n_dims; k++)
          if (strcmp(dims[k].name, v->dim_param[d]) == 0) bound = dims[k].value;
      if (bound < 0 && d == 0 && (v->dims[0] < 0 || (v->dims[0] == 1 && batch > 1))) bound = (int64_t)batch;
      if (d == 0 && v->dims[0] > 1 && batch > 1 && (int64_t)batch != v->dims[0])
        return cliq__fail(ctx, CLIQ_STATUS_SHAPE_MISMATCH,
                          "graph input '%s' has a fixed batch of %lld; batch %zu was asked", v->name,
                          (long long)v->dims[0], batch);
      if (bound > 0) v->dims[d] = bound;
      if (v->dims[d] < 0)
        return cliq__fail(ctx, CLIQ_STATUS_SHAPE_MISMATCH,
                          "graph input '%s' dim %d ('%s') is symbolic and was not bound (pass it as a dim binding, "
                          "e.g. --dims %s=N)",
                          v->name, d, v->dim_param[d] ? v->dim_param[d] : "?", v->dim_param[d] ? v->dim_param[d] : "name");
    }
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__node_eval(cliq_context *ctx, cliq__graph *g, int node, const cliq__tensor *const *in,
                            cliq__tensor **out) {
  cliq__node *n = &g->nodes[node];
  cliq__opctx oc = {ctx, g, node};
  for (size_t k = 0; k < n->n_outputs; k++) out[k] = NULL;
  for (size_t k = 0; k < n->n_outputs; k++) {
    if (n->outputs[k] < 0) continue;
    cliq__value *v = &g->values[n->outputs[k]];
    cliq_status st = cliq__tensor_new(v->dtype, v->rank, v->dims, &out[k]);
    if (st != CLIQ_STATUS_OK) {
      for (size_t j = 0; j < k; j++) cliq__tensor_free(out[j]), out[j] = NULL;
      return cliq__op_fail(&oc, st, "cannot allocate output '%s'", v->name);
    }
  }
  cliq_status st = n->def->ref(&oc, in, (cliq__tensor *const *)out);
  if (st != CLIQ_STATUS_OK)
    for (size_t k = 0; k < n->n_outputs; k++) cliq__tensor_free(out[k]), out[k] = NULL;
  return st;
}

static bool inputs_known(const cliq__graph *g, const cliq__node *n) {
  for (size_t k = 0; k < n->n_inputs; k++) {
    int v = n->inputs[k];
    if (v >= 0 && !cliq__value_shape_known(&g->values[v])) return false;
  }
  return true;
}

/* True when an input whose values decide the output shape (op_def.const_inputs) is not constant
 * yet: at load its producer may be a Shape node, folded only once the session binds dims. */
static bool shape_inputs_pending(const cliq__graph *g, const cliq__node *n) {
  for (size_t k = 0; k < n->n_inputs && k < 32; k++) {
    int v = n->inputs[k];
    if (v >= 0 && (n->def->const_inputs & (1u << k)) && !g->values[v].constant) return true;
  }
  return false;
}

static cliq_status fold_node(cliq_context *ctx, cliq__graph *g, int node, bool fold_shapes) {
  cliq__node *n = &g->nodes[node];
  bool all_const = true;
  for (size_t k = 0; k < n->n_inputs; k++) {
    int v = n->inputs[k];
    if (v >= 0 && !g->values[v].constant) all_const = false;
  }
  bool shape_only = fold_shapes && (n->def->flags & CLIQ__OP_SHAPE_ONLY) != 0;
  if (!all_const && !shape_only) return CLIQ_STATUS_OK;
  /* Quantize/dequantize pairs are kept: QDQ lowering needs to see them around weights. */
  if (n->domain[0] == '\0' && (strcmp(n->op_type, "DequantizeLinear") == 0 || strcmp(n->op_type, "QuantizeLinear") == 0))
    return CLIQ_STATUS_OK;
  const cliq__tensor *in[16] = {0};
  cliq__tensor shape_holders[16];
  if (n->n_inputs > 16) return CLIQ_STATUS_OK;
  for (size_t k = 0; k < n->n_inputs; k++) {
    int v = n->inputs[k];
    if (v < 0) continue;
    if (g->values[v].constant) {
      in[k] = g->values[v].constant;
    } else {
      /* shape-only op: the reference reads dims only */
      memset(&shape_holders[k], 0, sizeof shape_holders[k]);
      shape_holders[k].dtype = g->values[v].dtype;
      shape_holders[k].rank = g->values[v].rank;
      memcpy(shape_holders[k].dims, g->values[v].dims, sizeof shape_holders[k].dims);
      in[k] = &shape_holders[k];
    }
  }
  cliq__tensor *out[16] = {0};
  if (n->n_outputs > 16) return CLIQ_STATUS_OK;
  CLIQ__TRY(cliq__node_eval(ctx, g, node, in, out));
  for (size_t k = 0; k < n->n_outputs; k++)
    if (n->outputs[k] >= 0) cliq__value_set_constant(&g->values[n->outputs[k]], out[k]);
  return CLIQ_STATUS_OK;
}

cliq_status cliq__graph_infer(cliq_context *ctx, cliq__graph *g, unsigned flags) {
  bool allow_unknown = (flags & CLIQ__INFER_ALLOW_UNKNOWN) != 0;
  bool fold = (flags & (CLIQ__INFER_FOLD_CONST | CLIQ__INFER_FOLD_SHAPES)) != 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    cliq__node *n = &g->nodes[i];
    if (!n->def) {
      n->def = cliq__op_find(n->op_type, n->domain);
      if (!n->def)
        return cliq__node_fail(ctx, g, (int)i, CLIQ_STATUS_UNSUPPORTED, "operator %s%s%s is not supported by cliq",
                               n->domain[0] ? n->domain : "", n->domain[0] ? "." : "", n->op_type);
    }
    /* Outputs already constant (folded at load): nothing to do. */
    bool done = n->n_outputs > 0;
    for (size_t k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0 && !g->values[n->outputs[k]].constant) done = false;
    if (done) continue;
    if (allow_unknown && shape_inputs_pending(g, n)) continue;
    if (!inputs_known(g, n)) {
      if (allow_unknown) continue;
      for (size_t k = 0; k < n->n_inputs; k++) {
        int v = n->inputs[k];
        if (v >= 0 && !cliq__value_shape_known(&g->values[v]))
          return cliq__node_fail(ctx, g, (int)i, CLIQ_STATUS_INVALID_MODEL,
                                 "input '%s' has no known type or shape (dangling name, or produced later)",
                                 g->values[v].name);
      }
    }
    cliq__opctx oc = {ctx, g, (int)i};
    CLIQ__TRY(n->def->infer(&oc));
    for (size_t k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v >= 0 && !cliq__value_shape_known(&g->values[v]))
        return cliq__node_fail(ctx, g, (int)i, CLIQ_STATUS_INVALID_MODEL, "shape of output '%s' could not be inferred",
                               g->values[v].name);
    }
    if (fold) CLIQ__TRY(fold_node(ctx, g, (int)i, (flags & CLIQ__INFER_FOLD_SHAPES) != 0));
  }
  return CLIQ_STATUS_OK;
}

void cliq__graph_prune(cliq__graph *g) {
  size_t nn = g->n_nodes;
  if (nn == 0) return;
  bool *needed_val = calloc(g->n_values, sizeof(bool));
  bool *dead = calloc(nn, sizeof(bool));
  if (!needed_val || !dead) goto out;
  for (size_t i = 0; i < g->n_outputs; i++) needed_val[g->outputs[i]] = true;
  /* walk backwards: a node is live when it makes a needed, non-constant value */
  for (size_t ii = nn; ii-- > 0;) {
    cliq__node *n = &g->nodes[ii];
    bool live = false;
    for (size_t k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v >= 0 && needed_val[v] && !g->values[v].constant) live = true;
    }
    if (!live) {
      dead[ii] = true;
      continue;
    }
    for (size_t k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0) needed_val[n->inputs[k]] = true;
  }
  cliq__graph_remove_nodes(g, dead);
out:
  free(needed_val);
  free(dead);
}

cliq_status cliq__graph_check_ops(cliq_context *ctx, cliq__graph *g) {
  for (size_t i = 0; i < g->n_nodes; i++) {
    cliq__node *n = &g->nodes[i];
    n->def = cliq__op_find(n->op_type, n->domain);
    if (!n->def)
      return cliq__node_fail(ctx, g, (int)i, CLIQ_STATUS_UNSUPPORTED, "operator %s%s%s is not supported by cliq",
                             n->domain[0] ? n->domain : "", n->domain[0] ? "." : "", n->op_type);
    if (n->domain[0] == '\0' && n->opset < n->def->since_opset)
      return cliq__node_fail(ctx, g, (int)i, CLIQ_STATUS_UNSUPPORTED, "%s is supported from opset %d on",
                             n->op_type, n->def->since_opset);
    for (size_t k = 0; k < n->n_attrs; k++)
      if (n->attrs[k].type == CLIQ__ATTR_GRAPH)
        return cliq__node_fail(ctx, g, (int)i, CLIQ_STATUS_UNSUPPORTED, "attribute '%s' holds a subgraph; cliq runs no control flow",
                               n->attrs[k].name);
    if (n->def->check) {
      cliq__opctx oc = {ctx, g, (int)i};
      CLIQ__TRY(n->def->check(&oc));
    }
  }
  return CLIQ_STATUS_OK;
}

/*
 * model_stats.c — cliq_model_stats_get: node count, op histogram, parameters, weight bytes,
 * multiply-accumulates and whether the model is quantized (what `cliq info` prints).
 *
 * Parameters are the elements of constant tensors that some node reads, except int64 and bool
 * ones (shape arguments and masks, not weights); weight bytes count each at its stored size, so
 * int8 weights count 1 byte. MACs come from each op's `macs` (op.h) evaluated on a copy of the
 * graph bound to batch 1 and constant-folded as a session would; when other dims are symbolic the
 * copy cannot be bound and macs is 0.
 */
#include "model.h"

#include "error.h"
#include "ops/op.h"
#include "shape.h"

#include <stdlib.h>
#include <string.h>

typedef struct op_count {
  const char *type;
  size_t count;
} op_count;

static int cmp_count(const void *a, const void *b) {
  const op_count *x = a, *y = b;
  if (x->count != y->count) return x->count < y->count ? 1 : -1;
  return strcmp(x->type, y->type);
}

/* The histogram, sorted by count then name, kept on the model (freed in cliq_model_destroy). */
static cliq_status build_histogram(cliq_model *m) {
  const cliq__graph *g = m->g;
  op_count *c = calloc(g->n_nodes + 1, sizeof *c);
  if (!c) return CLIQ_STATUS_OUT_OF_MEMORY;
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    size_t k = 0;
    while (k < n && strcmp(c[k].type, g->nodes[i].op_type) != 0) k++;
    if (k == n) c[n++].type = g->nodes[i].op_type;
    c[k].count++;
  }
  qsort(c, n, sizeof *c, cmp_count);
  m->stat_types = calloc(n + 1, sizeof *m->stat_types);
  m->stat_counts = calloc(n + 1, sizeof *m->stat_counts);
  bool ok = m->stat_types && m->stat_counts;
  for (size_t k = 0; ok && k < n; k++) {
    m->stat_types[k] = cliq__strdup(c[k].type);
    m->stat_counts[k] = c[k].count;
    ok = m->stat_types[k] != NULL;
    m->n_stat_types = k + 1;
  }
  free(c);
  if (ok) return CLIQ_STATUS_OK;
  for (size_t k = 0; m->stat_types && k < m->n_stat_types; k++) free(m->stat_types[k]);
  free(m->stat_types);
  free(m->stat_counts);
  m->stat_types = NULL, m->stat_counts = NULL, m->n_stat_types = 0;
  return CLIQ_STATUS_OUT_OF_MEMORY;
}

/* MACs of one image; 0 when the graph cannot be bound to concrete dims with batch 1 alone. */
static cliq_status count_macs(const cliq__graph *model_graph, uint64_t *out) {
  *out = 0;
  cliq__graph *g = cliq__graph_clone(model_graph);
  if (!g) return CLIQ_STATUS_OUT_OF_MEMORY;
  /* no context: a model that does not bind or infer here just has no MAC count */
  if (cliq__graph_bind(NULL, g, 1, NULL, 0) == CLIQ_STATUS_OK &&
      cliq__graph_infer(NULL, g, CLIQ__INFER_FOLD_CONST | CLIQ__INFER_FOLD_SHAPES) == CLIQ_STATUS_OK) {
    cliq__graph_prune(g);
    uint64_t total = 0;
    for (size_t i = 0; i < g->n_nodes; i++) {
      const cliq__op_def *def = g->nodes[i].def;
      if (!def || !def->macs) continue;
      cliq__opctx oc = {NULL, g, (int)i};
      total += def->macs(&oc);
    }
    *out = total;
  }
  cliq__graph_free(g);
  return CLIQ_STATUS_OK;
}

cliq_status cliq_model_stats_get(cliq_model *m, cliq_model_stats *out) {
  if (!m || !out) return CLIQ_STATUS_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  const cliq__graph *g = m->g;
  if (!m->stat_types) CLIQ__TRY(build_histogram(m));
  bool *read = calloc(g->n_values + 1, sizeof *read);
  if (!read) return CLIQ_STATUS_OUT_OF_MEMORY;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *n = &g->nodes[i];
    for (size_t k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0) read[n->inputs[k]] = true;
    /* int8 weights behind a DequantizeLinear: what a QDQ model (cliq quantize, ORT, NNCF) holds */
    if (n->domain[0] == '\0' && strcmp(n->op_type, "DequantizeLinear") == 0 && n->n_inputs > 0 && n->inputs[0] >= 0) {
      const cliq__tensor *w = g->values[n->inputs[0]].constant;
      if (w && (w->dtype == CLIQ_DTYPE_INT8 || w->dtype == CLIQ_DTYPE_UINT8) && cliq__tensor_elems(w) > 1)
        out->quantized = 1;
    }
  }
  for (size_t v = 0; v < g->n_values; v++) {
    const cliq__tensor *t = g->values[v].constant;
    if (!read[v] || !t || t->dtype == CLIQ_DTYPE_INT64 || t->dtype == CLIQ_DTYPE_BOOL) continue;
    out->parameters += cliq__tensor_elems(t);
    out->weight_bytes += t->nbytes;
  }
  free(read);
  out->nodes = g->n_nodes;
  out->opset = g->opset;
  out->n_op_types = m->n_stat_types;
  out->op_types = (const char *const *)m->stat_types;
  out->op_counts = m->stat_counts;
  return count_macs(g, &out->macs);
}

/*
 * fold_batchnorm.c — load pass cliq__pass_fold_batchnorm: Conv or ConvTranspose followed by an
 * inference-mode BatchNormalization folds into the convolution's weights and bias.
 *
 * BatchNormalization (ONNX spec): y = scale * (x - mean) / sqrt(var + epsilon) + B, per channel.
 * With s[m] = scale[m] / sqrt(var[m] + epsilon) and a conv y = W * x + b:
 *   W'[m] = s[m] * W[m]            (every weight feeding output channel m)
 *   b'[m] = s[m] * (b[m] - mean[m]) + B[m]      (b = 0 when the conv has no bias)
 * Output channel m is weight dim 0 for Conv ([M][C/G][k...]) and, for ConvTranspose
 * ([C][M/G][k...]), dim 1 within the group of input channel c: m = (c / (C/G)) * (M/G) + j.
 * Conditions: the weights, the conv bias and all four BN inputs are constants, the conv output has
 * no reader but the BN and is not a graph output, and the BN is in inference mode (no
 * training_mode, spatial = 1, its optional running-stat outputs unused). The folded weights are
 * new constant values (the originals may be shared) and the graph stays standard ONNX.
 * s is computed in double so the folded model rounds once, at the final float.
 */
#include "../error.h"
#include "../ops/op.h"
#include "passes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const cliq__tensor *const_f32(const cliq__graph *g, const cliq__node *n, size_t i, size_t elems) {
  if (i >= n->n_inputs || n->inputs[i] < 0) return NULL;
  const cliq__tensor *t = g->values[n->inputs[i]].constant;
  if (!t || t->dtype != CLIQ_DTYPE_FLOAT32 || cliq__tensor_elems(t) != elems) return NULL;
  return t;
}

/* Frees a constant nobody reads any more (the weights the folded copies replaced). */
static void drop_if_unused(cliq__graph *g, int v) {
  if (v >= 0 && g->values[v].constant && cliq__graph_use_count(g, v) == 0) {
    cliq__tensor_free(g->values[v].constant);
    g->values[v].constant = NULL;
    g->values[v].flags &= ~(unsigned)CLIQ__VALUE_INITIALIZER;
  }
}

static cliq_status fold_one(cliq__graph *g, int conv, int bn, bool *folded) {
  *folded = false;
  cliq__node *c = &g->nodes[conv], *b = &g->nodes[bn];
  bool transpose = cliq__node_is(c, "ConvTranspose");
  if (c->n_inputs < 2 || c->inputs[1] < 0) return CLIQ_STATUS_OK;
  const cliq__tensor *w = g->values[c->inputs[1]].constant;
  if (!w || w->dtype != CLIQ_DTYPE_FLOAT32 || w->rank < 3) return CLIQ_STATUS_OK;
  int64_t groups = cliq__attr_int(c, "group", 1);
  if (groups < 1 || w->dims[0] % (transpose ? groups : 1)) return CLIQ_STATUS_OK;
  int64_t M = transpose ? w->dims[1] * groups : w->dims[0];
  const cliq__tensor *scale = const_f32(g, b, 1, (size_t)M), *beta = const_f32(g, b, 2, (size_t)M),
                     *mean = const_f32(g, b, 3, (size_t)M), *var = const_f32(g, b, 4, (size_t)M);
  if (!scale || !beta || !mean || !var) return CLIQ_STATUS_OK;
  const cliq__tensor *bias = NULL;
  if (c->n_inputs > 2 && c->inputs[2] >= 0) {
    bias = const_f32(g, c, 2, (size_t)M);
    if (!bias) return CLIQ_STATUS_OK;
  }
  double eps = cliq__attr_float(b, "epsilon", 1e-5f);
  double *s = malloc((size_t)M * sizeof(double));
  cliq__tensor *w2 = cliq__tensor_clone(w), *b2 = NULL;
  int64_t bd[1] = {M};
  if (!s || !w2 || cliq__tensor_new(CLIQ_DTYPE_FLOAT32, 1, bd, &b2) != CLIQ_STATUS_OK) {
    free(s);
    cliq__tensor_free(w2);
    return CLIQ_STATUS_OUT_OF_MEMORY;
  }
  const float *sc = scale->data, *be = beta->data, *mu = mean->data, *va = var->data;
  for (int64_t m = 0; m < M; m++) {
    s[m] = (double)sc[m] / sqrt((double)va[m] + eps);
    double b0 = bias ? ((const float *)bias->data)[m] : 0.0;
    ((float *)b2->data)[m] = (float)(s[m] * (b0 - mu[m]) + be[m]);
  }
  float *wd = w2->data;
  size_t taps = 1;
  for (int i = 2; i < w2->rank; i++) taps *= (size_t)w2->dims[i];
  if (!transpose) {
    size_t per_m = (size_t)w2->dims[1] * taps;
    for (int64_t m = 0; m < M; m++)
      for (size_t k = 0; k < per_m; k++) wd[(size_t)m * per_m + k] = (float)(s[m] * wd[(size_t)m * per_m + k]);
  } else {
    int64_t C = w2->dims[0], Cg = C / groups, Mg = w2->dims[1];
    for (int64_t ci = 0; ci < C; ci++)
      for (int64_t j = 0; j < Mg; j++) {
        int64_t m = (ci / Cg) * Mg + j;
        float *row = wd + ((size_t)ci * (size_t)Mg + (size_t)j) * taps;
        for (size_t k = 0; k < taps; k++) row[k] = (float)(s[m] * row[k]);
      }
  }
  free(s);
  char hint[256];
  snprintf(hint, sizeof hint, "%s_bnfold_w", c->name);
  int wv = cliq__graph_add_constant(g, hint, w2);
  snprintf(hint, sizeof hint, "%s_bnfold_b", g->nodes[conv].name);
  int bv = cliq__graph_add_constant(g, hint, b2);
  if (wv < 0 || bv < 0) return CLIQ_STATUS_OUT_OF_MEMORY;
  c = &g->nodes[conv];
  b = &g->nodes[bn];
  if (c->n_inputs < 3) {
    int *in = realloc(c->inputs, 3 * sizeof(int));
    if (!in) return CLIQ_STATUS_OUT_OF_MEMORY;
    c->inputs = in;
    c->n_inputs = 3;
  }
  c->inputs[1] = wv;
  c->inputs[2] = bv;
  c->outputs[0] = b->outputs[0];
  *folded = true; /* the caller frees the replaced weights and BN parameters once the BN is gone */
  return CLIQ_STATUS_OK;
}

/* The BN node reading v as its only reader, in inference mode; -1 otherwise. */
static int bn_after(const cliq__graph *g, int v) {
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return -1;
  int found = -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (size_t k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == v) {
        if (found >= 0 && found != (int)i) return -1;
        if (k != 0) return -1;
        found = (int)i;
      }
  if (found < 0) return -1;
  const cliq__node *b = &g->nodes[found];
  if (!cliq__node_is(b, "BatchNormalization") || b->n_inputs < 5 || b->n_outputs < 1 || b->outputs[0] < 0) return -1;
  for (size_t k = 1; k < b->n_outputs; k++)
    if (b->outputs[k] >= 0 && cliq__graph_use_count(g, b->outputs[k]) > 0) return -1;
  if (cliq__attr_int(b, "training_mode", 0) != 0 || cliq__attr_int(b, "spatial", 1) != 1) return -1;
  return found;
}

cliq_status cliq__pass_fold_batchnorm(cliq_context *ctx, cliq__graph *g) {
  bool *dead = calloc(g->n_nodes + 1, sizeof(bool));
  if (!dead) return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "BN folding: out of memory");
  bool any = false;
  int *old = malloc((g->n_nodes * 6 + 1) * sizeof(int));
  size_t n_old = 0;
  if (!old) {
    free(dead);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "BN folding: out of memory");
  }
  for (size_t i = 0; i < g->n_nodes; i++) {
    cliq__node *c = &g->nodes[i];
    if (!(cliq__node_is(c, "Conv") || cliq__node_is(c, "ConvTranspose")) || c->n_outputs != 1 || c->outputs[0] < 0) continue;
    int bn = bn_after(g, c->outputs[0]);
    if (bn < 0 || dead[bn]) continue;
    int w = c->inputs[1], b = c->n_inputs > 2 ? c->inputs[2] : -1;
    bool folded;
    cliq_status st = fold_one(g, (int)i, bn, &folded);
    if (st != CLIQ_STATUS_OK) {
      free(dead);
      free(old);
      return cliq__node_fail(ctx, g, (int)i, st, "folding BatchNormalization into it: out of memory");
    }
    if (!folded) continue;
    dead[bn] = true;
    any = true;
    old[n_old++] = w;
    old[n_old++] = b;
    for (size_t k = 1; k < 5; k++) old[n_old++] = g->nodes[bn].inputs[k];
  }
  if (any) {
    cliq__graph_remove_nodes(g, dead);
    for (size_t k = 0; k < n_old; k++) drop_if_unused(g, old[k]);
  }
  free(dead);
  free(old);
  return CLIQ_STATUS_OK;
}

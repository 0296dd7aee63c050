/*
 * quantizers.c — a QDQ model's activation quantizers, listed and selectively bypassed: the
 * primitive behind per-quantizer sensitivity analysis (`cliq compare --sensitivity`, in the manner
 * of AIMET's QuantAnalyzer, which enables or disables one quantizer at a time and measures the
 * model's output).
 *
 * An activation quantizer is a QuantizeLinear of a computed tensor (or a graph input), not of a
 * constant (weights and biases stay int8 in every variant), whose output only DequantizeLinear
 * nodes read: the pair cliq's QDQ writer and ONNX Runtime's quantizer both emit. Bypassing one
 * makes its DequantizeLinear readers' consumers read the float tensor itself; the load-time prune
 * then drops the unread pair, and the session lowers what stays quantized as usual.
 */
#include "quantizers.h"

#include "../host/error.h"
#include "../host/model.h"
#include "../host/graph.h"

#include <stdlib.h>
#include <string.h>

/* True when node i of g is an activation quantizer (banner). */
static bool is_activation_quantizer(const cliq__graph *g, size_t i) {
  const cliq__node *n = &g->nodes[i];
  if (!cliq__node_is(n, "QuantizeLinear") || n->n_inputs < 1 || n->inputs[0] < 0 || n->n_outputs < 1) return false;
  if (g->values[n->inputs[0]].constant) return false;
  int q = n->outputs[0];
  size_t readers = 0;
  for (size_t j = 0; j < g->n_nodes; j++)
    for (size_t k = 0; k < g->nodes[j].n_inputs; k++)
      if (g->nodes[j].inputs[k] == q) {
        if (!cliq__node_is(&g->nodes[j], "DequantizeLinear") || k != 0) return false;
        readers++;
      }
  for (size_t o = 0; o < g->n_outputs; o++)
    if (g->outputs[o] == q) return false; /* an int8 graph output has no float twin to fall back to */
  return readers > 0;
}

size_t cliq__quantizer_count(const cliq__graph *g) {
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++) n += is_activation_quantizer(g, i);
  return n;
}

int cliq__quantizer_value(const cliq__graph *g, size_t index) {
  for (size_t i = 0; i < g->n_nodes; i++)
    if (is_activation_quantizer(g, i) && index-- == 0) return g->nodes[i].inputs[0];
  return -1;
}

void cliq__quantizers_bypass(cliq__graph *g, const unsigned char *enabled, size_t n) {
  /* Rewiring changes only the readers of DequantizeLinear outputs, never which nodes read a
   * QuantizeLinear output, so the k-th quantizer stays the k-th while we go. A graph output read
   * from a bypassed DequantizeLinear becomes the float tensor (under that tensor's name). */
  size_t k = 0;
  for (size_t i = 0; i < g->n_nodes && k < n; i++) {
    if (!is_activation_quantizer(g, i)) continue;
    if (enabled[k++]) continue;
    int x = g->nodes[i].inputs[0], q = g->nodes[i].outputs[0];
    for (size_t j = 0; j < g->n_nodes; j++) {
      const cliq__node *d = &g->nodes[j];
      if (cliq__node_is(d, "DequantizeLinear") && d->n_inputs > 0 && d->inputs[0] == q && d->n_outputs > 0 && d->outputs[0] >= 0)
        cliq__graph_replace_uses(g, d->outputs[0], x);
    }
  }
}

size_t cliq_model_quantizer_count(const cliq_model *model) { return model ? cliq__quantizer_count(model->g) : 0; }

const char *cliq_model_quantizer(const cliq_model *model, size_t index) {
  int v = model ? cliq__quantizer_value(model->g, index) : -1;
  return v >= 0 ? model->g->values[v].name : NULL;
}

cliq_status cliq_model_select_quantizers(cliq_context *ctx, const cliq_model *model, const unsigned char *enabled,
                                         size_t count, cliq_model **out_model) {
  if (!out_model) return CLIQ_STATUS_INVALID_ARGUMENT;
  *out_model = NULL;
  if (!ctx) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  if (!model || (!enabled && count)) return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "model or enabled flags are NULL");
  size_t have = cliq_model_quantizer_count(model);
  if (count != have)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "%zu quantizer flags given; the model has %zu activation quantizers (cliq_model_quantizer_count)", count,
                      have);
  cliq__graph *g = cliq__graph_clone(model->g);
  if (!g) return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "copying the model's graph");
  cliq__quantizers_bypass(g, enabled, count);
  return cliq__model_from_graph(ctx, g, model->base_dir, out_model);
}

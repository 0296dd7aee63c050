/*
 * model.h — the model object behind cliq_model (internal), and the ONNX reader/writer it uses.
 */
#ifndef CLIQ_MODEL_H
#define CLIQ_MODEL_H

#include "graph.h"

struct cliq_model {
  cliq__graph *g;       /* standard-ONNX graph after load-time passes */
  char *base_dir;       /* for external data (copied), may be NULL */
  /* stats, computed on first request */
  char **stat_types;
  size_t *stat_counts;
  size_t n_stat_types;
};

/* Parses a serialized ModelProto into a graph (onnx_import.c): initializers and Constant nodes
 * become constant values, attribute forms that later opsets turned into inputs are rewritten to
 * the input form, external data is read relative to base_dir. */
cliq_status cliq__onnx_import(cliq_context *ctx, const void *data, size_t size, const char *base_dir,
                              cliq__graph **out);

/* Serializes a graph as a ModelProto (onnx_export.c); *out is malloc'ed. */
cliq_status cliq__onnx_export(cliq_context *ctx, const cliq__graph *g, void **out, size_t *out_size);

/* Wraps a graph in a model after the load-time pipeline (check ops, fold, BN folding, prune). */
cliq_status cliq__model_from_graph(cliq_context *ctx, cliq__graph *g, const char *base_dir, cliq_model **out);

#endif /* CLIQ_MODEL_H */

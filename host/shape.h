/*
 * shape.h — binding dims, shape inference, constant folding, and running a graph on the C
 * reference. Folding and reference execution share one path: a node's `ref` on host tensors.
 */
#ifndef CLIQ_SHAPE_H
#define CLIQ_SHAPE_H

#include "graph.h"
#include "ops/op.h"

/* Binds the graph inputs' symbolic dims: the first dim of each input to `batch` when symbolic (or
 * when fixed at 1 and batch > 1), other symbolic dims by name from `dims`. Fails with
 * SHAPE_MISMATCH naming the input and dim when one stays unbound or a binding is not positive. */
cliq_status cliq__graph_bind(cliq_context *ctx, cliq__graph *g, size_t batch, const cliq_dim_binding *dims,
                             size_t n_dims);

enum {
  /* A node whose inputs are all constant is evaluated by its reference; outputs become constants. */
  CLIQ__INFER_FOLD_CONST = 1u << 0,
  /* Shape-only ops (Shape) whose input shapes are known are folded too. Only once dims are bound:
   * at load a fixed batch of 1 may still be raised by the session. */
  CLIQ__INFER_FOLD_SHAPES = 1u << 1,
  /* Nodes whose input shapes are not all known are skipped (load time, symbolic dims). */
  CLIQ__INFER_ALLOW_UNKNOWN = 1u << 2
};

/* Runs infer on every node in order, with CLIQ__INFER_* flags. */
cliq_status cliq__graph_infer(cliq_context *ctx, cliq__graph *g, unsigned flags);

/* Evaluates node `node` on host tensors in[] (NULL for absent inputs) into newly allocated
 * outputs out[] (caller frees), using the shapes infer gave the output values. */
cliq_status cliq__node_eval(cliq_context *ctx, cliq__graph *g, int node, const cliq__tensor *const *in,
                            cliq__tensor **out);

/* Removes nodes that do not contribute to graph outputs or whose outputs are all constant, and
 * values no longer used (constants kept if read). */
void cliq__graph_prune(cliq__graph *g);

/* Checks every node has a known op with valid attributes (load time). */
cliq_status cliq__graph_check_ops(cliq_context *ctx, cliq__graph *g);

#endif /* CLIQ_SHAPE_H */

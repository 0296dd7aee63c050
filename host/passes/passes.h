/*
 * passes.h — the graph pass interface. A pass rewrites a graph in place and returns a status.
 * Passes are listed, in order, in pass_list.h; adding a pass is one line there plus its file.
 *   LOAD passes run once when a model is loaded; the result stays standard ONNX (it is what
 *        cliq_model_save writes and what the quantizer sees): BN folding, dead-node removal.
 *   SESSION passes run on a session's copy after dims are bound and constants folded; they may
 *        introduce cliq-internal ops and attributes: activation fusion, QDQ lowering to int8.
 */
#ifndef CLIQ_PASSES_H
#define CLIQ_PASSES_H

#include "../graph.h"

typedef cliq_status (*cliq__pass_fn)(cliq_context *ctx, cliq__graph *g);

typedef enum cliq__pass_stage { CLIQ__PASS_LOAD = 1, CLIQ__PASS_SESSION = 2 } cliq__pass_stage;

#define CLIQ_PASS(stage, fn) cliq_status fn(cliq_context *ctx, cliq__graph *g);
#include "pass_list.h"
#undef CLIQ_PASS

/* Runs every pass of a stage in list order. */
cliq_status cliq__passes_run(cliq_context *ctx, cliq__graph *g, cliq__pass_stage stage);

#endif /* CLIQ_PASSES_H */

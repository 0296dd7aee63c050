/*
 * harness_graph.h — whole-model builders for tests (beside harness.h's one-op th_op): inputs
 * with symbolic dims, chains of nodes, constants and metadata, turned into a model the way a
 * user's file would be (ONNX export, then cliq_model_load_memory) or written to disk.
 * Used by the image, dataset, model-info, bad-input and thread tests.
 */
#ifndef CLIQ_TEST_HARNESS_GRAPH_H
#define CLIQ_TEST_HARNESS_GRAPH_H

#include "cliq.h"
#include "graph.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct tg tg;

tg *tg_new(int opset);
void tg_free(tg *t);
/* The graph being built, for direct edits (attributes, metadata, breaking it on purpose). */
cliq__graph *tg_graph(tg *t);
/* A graph input; dim_names[d] (may be NULL, or NULL entries) makes dim d symbolic. Value id. */
int tg_input(tg *t, const char *name, cliq_dtype dtype, int rank, const int64_t *dims, const char *const *dim_names);
/* An initializer holding a copy of c. Value id. */
int tg_const(tg *t, const char *name, const cliq__tensor *c);
/* A node with one new output value named `name` (the node gets the same name). Value id. */
int tg_node(tg *t, const char *op_type, const char *name, const int *inputs, size_t n_inputs);
/* The last node added, to set attributes. */
cliq__node *tg_last_node(tg *t);
void tg_output(tg *t, int value);
/* The serialized ModelProto (malloc'ed). */
cliq_status tg_bytes(tg *t, cliq_context *ctx, void **out, size_t *size);
cliq_status tg_model(tg *t, cliq_context *ctx, cliq_model **out);
cliq_status tg_save(tg *t, cliq_context *ctx, const char *path);

/* A model x[dims] -> Relu -> y, input dims named by dim_names (may be NULL). */
cliq_status tg_relu_model(cliq_context *ctx, int rank, const int64_t *dims, const char *const *dim_names,
                          cliq_model **out);

/* A fresh temporary folder (mkdtemp under $TMPDIR or /tmp); exits the test on failure. */
const char *th_temp_dir(const char *tag);
/* Removes a folder made by th_temp_dir and its files (one level of subfolders). */
void th_remove_dir(const char *dir);

#endif /* CLIQ_TEST_HARNESS_GRAPH_H */

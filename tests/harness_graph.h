/*
 * harness_graph.h — the one builder of test graphs (harness.h's one-op th_op and harness_q8.h's
 * one-op th_q8 build theirs through it): inputs with dtypes and symbolic dims, constants (given, random,
 * scalar), nodes in any domain, quantization on values, fused-activation patterns, Q/DQ pieces
 * for the int8 tests, and the ways to turn the graph into a model:
 *   - tg_model: straight to the load pipeline (cliq__model_from_graph: op checks, folding, LOAD
 *     passes) without the ONNX writer, so a test can use what a file cannot express (cliq-domain
 *     ops, quantization on values, attributes only passes set);
 *   - tg_model_onnx / tg_bytes / tg_save: through the ONNX writer, as a user's file would be.
 * tg_run and tg_compare run the model of the graph on a context, and on the device and the C
 * reference. Every test that needs more than one node builds its graph here.
 *
 * Names: values get the name asked for, or name_1, name_2, ... when it is taken, so helpers may
 * be called more than once on a graph (node names are kept as given).
 */
#ifndef CLIQ_TEST_HARNESS_GRAPH_H
#define CLIQ_TEST_HARNESS_GRAPH_H

#include "harness.h"

typedef struct tg tg;

/* An empty graph of ai.onnx opset `opset` (IR version 8). Exits the test when out of memory. */
tg *tg_new(int opset);
void tg_free(tg *t);
/* The graph being built, for direct reads and edits (metadata, constants' data, breaking it on
 * purpose) and for passes that work on a cliq__graph. */
cliq__graph *tg_graph(tg *t);

/* A graph input; dim_names (may be NULL, or have NULL entries) makes dim d symbolic. Value id. */
int tg_input(tg *t, const char *name, cliq_dtype dtype, int rank, const int64_t *dims, const char *const *dim_names);
/* A value no node writes yet (an output for tg_node_ex, or a dangling input on purpose). */
int tg_value(tg *t, const char *name);
/* The same with its dtype and shape set (graphs that passes read before any inference). */
int tg_value_shaped(tg *t, const char *name, cliq_dtype dtype, int rank, const int64_t *dims);
/* An initializer holding a copy of c. Value id. */
int tg_const(tg *t, const char *name, const cliq__tensor *c);
/* A float32 initializer of uniform random numbers in [lo, hi) from the seeded generator. */
int tg_const_random(tg *t, const char *name, int rank, const int64_t *dims, float lo, float hi);
/* Scalar (rank 0) initializers: float32, and int8/uint8/int32/int64. */
int tg_const_f32(tg *t, const char *name, float v);
int tg_const_int(tg *t, const char *name, cliq_dtype dtype, int v);

/* A node of ai.onnx op_type (at the graph's opset) with one new output value named after `name`
 * (the node is named `name`). Inputs < 0 are absent optional inputs. Returns the output value. */
int tg_node(tg *t, const char *op_type, const char *name, const int *in, size_t n_in);
/* Any node: op_type in `domain` (NULL or "": ai.onnx at the graph's opset; others at version 1),
 * writing the given outputs (made with tg_value). Returns the node index. */
int tg_node_ex(tg *t, const char *domain, const char *op_type, const char *name, const int *in, size_t n_in, const int *out,
               size_t n_out);
/* Appends value v (< 0: an absent optional input) to node's inputs, or to its outputs: for builders
 * that add a node's operands one at a time (th_op, th_q8). */
void tg_node_input(tg *t, int node, int v);
void tg_node_output(tg *t, int node, int v);
/* The last node added, and the node that writes value v (NULL when none), to set attributes. The
 * pointers stay valid until the next node is added. */
cliq__node *tg_last_node(tg *t);
cliq__node *tg_producer(tg *t, int v);
void tg_output(tg *t, int v);
/* Per-tensor quantization on value v (cliq-domain int8 ops read it). */
void tg_quant(tg *t, int v, float scale, int zero_point);

/* The node(s) of fused activation CLIQ_ACT_* `act` (activation.h) reading x, with its parameters
 * a, b (LeakyRelu alpha; HardSigmoid alpha, beta; Clip min, max as constant inputs); returns the
 * activation's output. SiLU is Sigmoid + Mul, the pattern the fusion pass recognises. */
int tg_activation(tg *t, int act, float a, float b, int x);

/* QDQ pieces: QuantizeLinear / DequantizeLinear with constant per-tensor parameters (dtype int8
 * or uint8), the pair of them, and a constant weight behind a DequantizeLinear with per-axis
 * scales (zero points 0; one scale: per-tensor). Each returns its output value. */
int tg_q(tg *t, int x, float scale, int zero_point, cliq_dtype dtype);
int tg_dq(tg *t, int q, float scale, int zero_point, cliq_dtype dtype);
int tg_qdq(tg *t, int x, float scale, int zero_point, cliq_dtype dtype);
int tg_weight_dq(tg *t, const cliq__tensor *w, const float *scales, size_t n_scales, int axis);

/* A model of a copy of the graph through the load pipeline, without the ONNX writer. */
cliq_status tg_model(tg *t, cliq_context *ctx, cliq_model **out);
/* The serialized ModelProto (malloc'ed), the model loaded from it, and the file written. */
cliq_status tg_bytes(tg *t, cliq_context *ctx, void **out, size_t *size);
cliq_status tg_model_onnx(tg *t, cliq_context *ctx, cliq_model **out);
cliq_status tg_save(tg *t, cliq_context *ctx, const char *path);

/* Runs the model of the graph (tg_model) on ctx; outputs allocated and poison-filled as th_run
 * does (free with th_free_tensors). */
cliq_status tg_run(tg *t, cliq_context *ctx, size_t n_in, cliq__tensor *const *in, size_t *n_out, cliq__tensor ***out);
/* Runs the graph on dev and on ref (NULL: contexts this harness opens once) with the same inputs
 * and compares every output: floats within atol + rtol*|want|, integer types exactly. A failed
 * run is a failed check naming `what`. Returns true when everything matched. */
bool tg_compare(tg *t, cliq_context *dev, cliq_context *ref, size_t n_in, cliq__tensor *const *in, float atol, float rtol,
                const char *what);

/* A model x[dims] -> Relu -> y through the ONNX writer, input dims named by dim_names (may be NULL). */
cliq_status tg_relu_model(cliq_context *ctx, int rank, const int64_t *dims, const char *const *dim_names, cliq_model **out);

/* A fresh temporary folder (mkdtemp under $TMPDIR or /tmp); exits the test on failure. */
const char *th_temp_dir(const char *tag);
/* Removes a folder made by th_temp_dir and its files (one level of subfolders). */
void th_remove_dir(const char *dir);

#endif /* CLIQ_TEST_HARNESS_GRAPH_H */

/*
 * harness_qdq.h — graph builders for the int8 tests: cliq-domain ops whose values carry
 * quantization (not expressible in an ONNX file, so built with the IR and wrapped with
 * cliq__model_from_graph) and QDQ models built node by node for the lowering tests.
 */
#ifndef CLIQ_TEST_HARNESS_QDQ_H
#define CLIQ_TEST_HARNESS_QDQ_H

#include "harness.h"

/* A graph with opset `opset`, no nodes. */
cliq__graph *tq_graph(int opset);
/* A runtime graph input. */
int tq_input(cliq__graph *g, const char *name, cliq_dtype dtype, int rank, const int64_t *dims);
/* An initializer (t is copied). */
int tq_const(cliq__graph *g, const char *name, const cliq__tensor *t);
int tq_const_f32(cliq__graph *g, const char *name, float v);
int tq_const_int(cliq__graph *g, const char *name, cliq_dtype dtype, int v);
/* A node of one output, named after `name`; returns the output value. Inputs < 0 are absent. */
int tq_node(cliq__graph *g, const char *op, const char *domain, const char *name, const int *in, size_t nin);
/* The node that produces value v. */
cliq__node *tq_producer(cliq__graph *g, int v);
void tq_output(cliq__graph *g, int v);
void tq_quant(cliq__graph *g, int v, float scale, int zp);

/* QDQ pieces: QuantizeLinear / DequantizeLinear with constant per-tensor parameters (dtype int8
 * or uint8), and a constant weight behind DequantizeLinear with per-axis scales (zp 0). */
int tq_q(cliq__graph *g, int x, float scale, int zp, cliq_dtype dtype);
int tq_dq(cliq__graph *g, int q, float scale, int zp, cliq_dtype dtype);
int tq_qdq(cliq__graph *g, int x, float scale, int zp, cliq_dtype dtype);
int tq_weight_dq(cliq__graph *g, const cliq__tensor *w, const float *scales, size_t n_scales, int axis);

/* A model of a copy of g (g stays the caller's). */
cliq_status tq_model(cliq_context *ctx, const cliq__graph *g, cliq_model **out);
/* Runs a copy of g; outputs allocated and poison-filled as th_run does. */
cliq_status tq_run(cliq_context *ctx, const cliq__graph *g, size_t n_in, cliq__tensor *const *in, size_t *n_out,
                   cliq__tensor ***out);
/* Runs g on dev and ref and compares every output exactly (floats within atol). */
bool tq_compare(cliq_context *dev, cliq_context *ref, const cliq__graph *g, size_t n_in, cliq__tensor *const *in, float atol,
                const char *what);

#endif /* CLIQ_TEST_HARNESS_QDQ_H */

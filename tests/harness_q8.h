/*
 * harness_q8.h — one-op graphs of cliq's internal int8 ops (QConv, QGemm, ...) for tests and
 * benchmarks. Such ops carry quantization on their values and live in the "cliq" domain, which
 * ONNX files cannot express, so the graph goes straight to cliq__model_from_graph instead of
 * through the ONNX writer (th_op in harness.h).
 */
#ifndef CLIQ_TEST_HARNESS_Q8_H
#define CLIQ_TEST_HARNESS_Q8_H

#include "harness.h"

typedef struct th_q8 th_q8;

/* A graph with one node of op_type in domain "cliq". */
th_q8 *th_q8_new(const char *op_type);
void th_q8_free(th_q8 *op);
/* A runtime int8 input with per-tensor quant; its data comes from the tensors given to th_run. */
void th_q8_input(th_q8 *op, int rank, const int64_t *dims, float scale, int zero_point);
/* A constant input (t copied); q (copied) may be NULL. */
void th_q8_const(th_q8 *op, const cliq__tensor *t, const cliq__quant *q);
void th_q8_absent(th_q8 *op);
/* The int8 output with per-tensor quant. */
void th_q8_output(th_q8 *op, float scale, int zero_point);
cliq__node *th_q8_node(th_q8 *op);
/* A model of the op (the graph is copied; op stays usable). */
cliq_status th_q8_model(th_q8 *op, cliq_context *ctx, cliq_model **out);

/* Runs the op on ctx with inputs in[] and returns output 0 (NULL on failure, with the context's
 * message printed unless quiet). *status gets the status when not NULL. */
cliq__tensor *th_q8_run(th_q8 *op, cliq_context *ctx, size_t n_in, cliq__tensor *const *in, cliq_status *status,
                        bool quiet);

#endif /* CLIQ_TEST_HARNESS_Q8_H */

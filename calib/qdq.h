/*
 * qdq.h — deciding what to quantize in a float graph, and writing the QDQ graph (calib/qdq.c).
 *
 * The int8 model is standard ONNX in QDQ form (DEVELOPERS.md, "Int8 execution"), the form that
 * cliq's QDQ lowering, ONNX Runtime and other runtimes read:
 *   - weights: int8 initializer -> DequantizeLinear (per output channel: axis 0 for Conv, 1 for
 *     ConvTranspose and for Gemm with transB = 0, 0 with transB = 1, the last axis for MatMul);
 *   - biases: int32 initializer at scale s_in * s_w[c] -> DequantizeLinear;
 *   - activations: QuantizeLinear -> DequantizeLinear (int8) on every quantized tensor, once per
 *     tensor, all readers reading the DequantizeLinear output.
 *
 * Which tensors: the data inputs of quantized ops (as ONNX Runtime and TensorRT place QDQ), so an
 * op's output is quantized when a quantized op reads it. Outputs read only by float ops or by the
 * graph's outputs stay float: the last layers of a head (a Sigmoid objectness map, box offsets,
 * logits) keep float precision at the cost of running in float.
 * Roles of float nodes (in topological order; data movement then backwards and forwards):
 *   WEIGHTED  Conv, ConvTranspose, Gemm, MatMul with a float activation input: input quantized,
 *             weights and bias quantized. A bias Add after it, or an activation the session
 *             fuses into it (cliq__fusable_activation, host/passes/fusion.h), belongs to its
 *             group (FUSED): no Q/DQ inside the group; the group's last output is the op's output.
 *   COMPUTE   Add, Mul, Concat, AveragePool, GlobalAveragePool and unary activations (Relu, Clip,
 *             LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Exp) that have an int8 op: data
 *             inputs quantized, each with its own range; constant float operands become int8
 *             initializers (per tensor) -> DequantizeLinear.
 *   MOVE      MaxPool, GlobalMaxPool, Resize, Transpose, Reshape, Flatten, Squeeze, Unsqueeze,
 *             Slice, Split, Pad (zero padding) whose output is quantized: the input is quantized
 *             too and the outputs reuse its quantizer (same scale and zero point), so the lowering
 *             runs them on int8.
 *   FLOAT     everything else (Softmax, Div, Sub, shape arithmetic, ...): reads DequantizeLinear
 *             outputs.
 * An op counts as int8 (quantized_ops) when its float outputs are all quantized; else as float.
 * A graph output produced by a quantized op keeps its name on the DequantizeLinear output (the
 * producer's tensor is renamed "<name>_QuantizeLinear_Input", as ONNX Runtime does).
 */
#ifndef CLIQ_CALIB_QDQ_H
#define CLIQ_CALIB_QDQ_H

#include "../host/graph.h"
#include "stats.h"

enum { CLIQ__QROLE_FLOAT = 0, CLIQ__QROLE_WEIGHTED = 1, CLIQ__QROLE_FUSED = 2, CLIQ__QROLE_COMPUTE = 3, CLIQ__QROLE_MOVE = 4 };

typedef struct cliq__qdq_plan {
  size_t n_values, n_nodes;  /* of the float graph */
  int *value_entry;          /* value id -> stats entry when the value gets a Q/DQ pair, else -1 */
  unsigned char *node_role;  /* CLIQ__QROLE_* per node */
  size_t quantized_ops;      /* nodes whose float outputs are all quantized (group members included) */
  size_t float_ops;          /* other nodes computing float data at run time */
} cliq__qdq_plan;

/* Plans the quantization of float graph g. sg is g specialised by a session (dims bound, shapes
 * folded): it says, by value name, which values are float data (dtype float32, not a model
 * constant) and which were folded. Adds one stats entry per quantized tensor to tab (share >= 0
 * for data-movement outputs). keep_float (may be NULL) flags, per node of g, nodes to plan as
 * FLOAT whatever their kind (cliq_quantize_options.float_nodes). */
cliq_status cliq__qdq_plan_new(cliq_context *ctx, const cliq__graph *g, const cliq__graph *sg,
                               const unsigned char *keep_float, cliq__stats_table *tab, cliq__qdq_plan **out);
void cliq__qdq_plan_free(cliq__qdq_plan *p);

/* The entry whose quantizer entry e uses (follows shares to the owner). */
int cliq__qdq_root(const cliq__stats_table *tab, int e);

/* Writes the QDQ graph of g: every planned tensor gets its owner's grid (tab[...].grid, which must
 * be set), weights and biases are quantized per the options. *out is a new graph (caller frees). */
cliq_status cliq__qdq_build(cliq_context *ctx, const cliq__graph *g, const cliq__qdq_plan *plan, const cliq__stats_table *tab,
                            const cliq_quantize_options *o, cliq__graph **out);

#endif /* CLIQ_CALIB_QDQ_H */

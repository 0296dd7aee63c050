/*
 * fusion.h — the activation-fusion rule, shared by the session pass that applies it
 * (cliq__pass_fuse_activations, fusion.c) and the quantizer (which must treat Conv+Relu as one
 * quantized op). DEVELOPERS.md "Fused activations" states the rule in words.
 */
#ifndef CLIQ_FUSION_H
#define CLIQ_FUSION_H

#include "../graph.h"

#include <stdbool.h>

/* True when node `act_node` is an activation that node `producer_node` (Conv, ConvTranspose, Gemm
 * or MatMul) can absorb: Relu, Clip with constant (or absent) bounds, LeakyRelu, HardSigmoid,
 * HardSwish, Sigmoid, Tanh reading the producer's output, or x * Sigmoid(x) (SiLU: act_node may
 * be the Sigmoid or the Mul); the producer's output must have no other reader and not be a graph
 * output (for SiLU: exactly the Sigmoid and the Mul read it). Sets the CLIQ_ACT_* id of
 * cl_kernels/activation.h and its parameters (a, b). */
bool cliq__fusable_activation(const cliq__graph *g, int producer_node, int act_node, int *act, float *a, float *b);

/* The value the fused node writes in place of the producer's output (the activation's output;
 * the Mul's for SiLU), or -1 when not fusable. */
int cliq__fused_output(const cliq__graph *g, int producer_node, int act_node);

#endif /* CLIQ_FUSION_H */

/*
 * onnx_upgrade.h — rewrites a model graph so that it can be written under one higher ai.onnx
 * opset with every node keeping its meaning (used by the exporter, onnx_export.c).
 *
 * A cliq__graph carries an opset per node: imported nodes have the model's, canonicalised ones
 * (onnx_import.c) the version whose form they took, nodes added by passes the graph's. A file has
 * one opset, the highest of them (and 13 for per-axis QuantizeLinear/DequantizeLinear), so a node
 * from an older opset is read under newer rules. Where those rules changed the meaning or the form
 * of an op cliq supports, the node is rewritten to the newer form:
 *   7   Add, Sub, Mul, Div, Pow, Equal, Less, Greater with broadcast/axis: B gets trailing unit
 *       dims (Unsqueeze) so numpy broadcasting aligns it at `axis`; PRelu's per-channel [C] slope
 *       becomes [C, 1, ...]; Gemm's broadcast, Dropout's and BatchNormalization's is_test dropped
 *   9   BatchNormalization's spatial (cliq accepts only 1, the later meaning) dropped
 *   12  Dropout's ratio attribute dropped (inference: Dropout is the identity at any ratio)
 *   13  Softmax/LogSoftmax normalised dims[axis:] (default axis 1) and normalise dims[axis]
 *       (default -1) from 13: a node whose axis is not the last becomes Flatten(axis) -> Softmax
 *       over the columns -> Reshape to Shape(x); otherwise the axis is written explicitly.
 *       ReduceSum's axes attribute becomes the axes input
 *   18  the other Reduce ops' axes attribute becomes the axes input
 * (ONNX Changelog.md; the ops whose changes up to 21 are only new types or optional attributes
 * with the old default need nothing.)
 */
#ifndef CLIQ_ONNX_UPGRADE_H
#define CLIQ_ONNX_UPGRADE_H

#include "graph.h"

/* True when some ai.onnx node of g has an opset below `opset` (cliq__onnx_upgrade has work). */
bool cliq__onnx_upgrade_needed(const cliq__graph *g, int opset);

/* Rewrites g in place (nodes and values may be added, nodes re-sorted) so that every ai.onnx node
 * means at `opset` what it meant at its own, and sets every such node's opset to `opset`.
 * UNSUPPORTED, naming the node, when a rewrite needs a rank that is not known. */
cliq_status cliq__onnx_upgrade(cliq_context *ctx, cliq__graph *g, int opset);

#endif /* CLIQ_ONNX_UPGRADE_H */

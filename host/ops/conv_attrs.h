/*
 * conv_attrs.h — the ONNX attribute rules of Conv and ConvTranspose (kernel_shape, strides,
 * dilations, pads, auto_pad, group, output_padding, output_shape) turned into a cliq__conv_geom.
 * Used by the ops' check/infer/ref/plan/macs (conv.c, conv_transpose.c) and by the BN-folding and
 * fusion passes, so the rules exist once.
 */
#ifndef CLIQ_CONV_ATTRS_H
#define CLIQ_CONV_ATTRS_H

#include "../ref/conv_geom.h"
#include "op.h"

#include <stdbool.h>

/* Attribute-only checks (load time, no shapes): known attribute names, auto_pad spelling, list
 * lengths that agree with each other, positive strides and dilations, non-negative pads. */
cliq_status cliq__conv_check_attrs(const cliq__opctx *oc, bool transpose);

/* Resolves the geometry of a Conv (transpose = false) or ConvTranspose node whose input shapes are
 * known: checks ranks, channel and group agreement between input, weight and bias, applies
 * kernel_shape / auto_pad / output_shape, and computes the output size. Errors name the node, the
 * values and the rule broken. */
cliq_status cliq__conv_geometry(const cliq__opctx *oc, bool transpose, cliq__conv_geom *g);

/* Output dims [N, M, spatial...] of a resolved geometry into dims (rank nsp + 2). */
void cliq__conv_out_dims(const cliq__conv_geom *g, int64_t *dims);

/* infer of the float Conv (transpose = false) and ConvTranspose: float inputs, output [N, M, out...]. */
cliq_status cliq__conv_infer_f32(cliq__opctx *oc, bool transpose);

/* ref of the float Conv / ConvTranspose: resolves the geometry and the fused activation
 * (cliq.act*) and calls fn, cliq__ref_conv_f32 or cliq__ref_conv_transpose_f32 (host/ref/ref.h). */
typedef void (*cliq__conv_ref_fn)(const cliq__conv_geom *g, const float *x, const float *w, const float *bias, float *y,
                                  int act, float act_a, float act_b);
cliq_status cliq__conv_ref_f32(cliq__opctx *oc, bool transpose, cliq__conv_ref_fn fn, const cliq__tensor *const *in,
                               cliq__tensor *const *out);

/* True when the node is a plain depthwise conv (one input channel per group). */
static inline bool cliq__conv_is_depthwise(const cliq__conv_geom *g) { return g->G > 1 && g->C == g->G; }

#endif /* CLIQ_CONV_ATTRS_H */

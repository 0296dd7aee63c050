/*
 * q8_layer.h — what the int8 conv and fully connected ops (qconv.c, qgemm.c) share: reading and
 * checking their quantization parameters and epilogue attributes into the exact output stage
 * (cliq__q8_epi, host/ref/q8.h), and planning the device work: the activation layout
 * (cl_kernels/conv_q8.cl), the GEMM variant and its orientation (gemm_q8.cl), and the direct
 * depthwise kernels (dwconv_q8.cl).
 *
 * Node attributes read here (all optional; see DEVELOPERS.md "Int8 conv and GEMM"):
 *   cliq.act, cliq.act_a, cliq.act_b             output activation: CLIQ_ACT_NONE, RELU or CLIP (a, b
 *                                                 in real units); others are UNSUPPORTED in int8
 *   cliq.conv_scale, cliq.conv_zero_point        with a residual input: the quantization of the conv
 *                                                 result before the add (required then)
 *   cliq.conv_act, cliq.conv_act_a, cliq.conv_act_b  activation of the conv result before the add
 *   cliq.variant                                 force a kernel variant by name (host/cl/variants_q8.h)
 *   cliq.gemm_orient                             0 auto, 1 channels on rows, 2 channels on columns
 *   cliq.q8_emulate                              1: build an emulable variant with the portable dot
 *                                                 formula (tests of paths whose hardware is absent)
 */
#ifndef CLIQ_Q8_LAYER_H
#define CLIQ_Q8_LAYER_H

#include "../cl/variants_q8.h"
#include "../planner.h"
#include "../ref/q8.h"
#include "op.h"

/* Attribute checks shared by QConv and QGemm (activation ids, residual attributes). */
cliq_status cliq__q8_check_epilogue_attrs(const cliq__opctx *oc);

/* Input/output checks shared by QConv and QGemm at infer time: x (input 0) and y (output 0) int8
 * with per-tensor quant, w (input 1) a constant int8 with per-tensor or per-channel (axis 0) quant
 * over `channels`, bias (input 2) absent or a constant int32 [channels], residual (input 3) absent or
 * int8 with per-tensor quant. Shapes of the residual are checked by the caller. */
cliq_status cliq__q8_check_io(const cliq__opctx *oc, int64_t channels);
/* Sets output 0 to int8 of shape (rank, dims) after checking that a residual (input 3) has it. */
cliq_status cliq__q8_set_output(cliq__opctx *oc, int rank, const int64_t *dims);

/* The exact output stage of the node (multipliers from the scales, clamps from the activations,
 * residual add parameters). Free with cliq__q8_epi_free. */
cliq_status cliq__q8_epi_init(const cliq__opctx *oc, size_t channels, cliq__q8_epi *e);
void cliq__q8_epi_free(cliq__q8_epi *e);

typedef enum cliq__q8_pack_kind {
  CLIQ__Q8_PACK_CONV = 0, /* any convolution: the padded channel-quad layout of conv_q8.cl */
  CLIQ__Q8_PACK_1X1 = 1,  /* 1x1 kernel, stride 1, no padding: the input is its own im2col */
  CLIQ__Q8_PACK_ROWS = 2    /* fully connected: x [positions, K] row-major */
} cliq__q8_pack_kind;

/* One int8 GEMM per (image, group): Y[c, p] for c < chans_per_group, p < positions, depth K. */
typedef struct cliq__q8_gemm_desc {
  int64_t images, groups, chans_per_group, positions, depth;
  const int8_t *w;              /* [groups * chans_per_group][depth] */
  const int32_t *bias;          /* [groups * chans_per_group] or NULL */
  cliq__q8_pack_kind pack;
  const cliq__qconv_geom *geom; /* CONV and 1X1 */
  int x, y, res;                /* value ids; res -1 when absent */
  int64_t y_sn, y_sc, y_sp;     /* element strides of y (and res) per image, channel, position */
  const cliq__q8_epi *epi;
} cliq__q8_gemm_desc;

cliq_status cliq__q8_plan_gemm(cliq__planner *p, int node, const cliq__q8_gemm_desc *d);

/* Depthwise (one input channel per group): direct kernels. */
cliq_status cliq__q8_plan_dwconv(cliq__planner *p, int node, const cliq__qconv_geom *g, const int8_t *w,
                                 const int32_t *bias, int x, int y, int res, const cliq__q8_epi *e);

/* True when a node attribute cliq.variant names a depthwise variant. */
bool cliq__q8_wants_dw(const cliq__node *n);

const cliq__q8_gemm_variant *cliq__q8_gemm_variant_find(const char *name);
const cliq__q8_dw_variant *cliq__q8_dw_variant_find(const char *name);

#endif /* CLIQ_Q8_LAYER_H */

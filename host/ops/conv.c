/*
 * conv.c — ONNX Conv (float): 1-D, 2-D and 3-D, groups, depthwise
 * with multiplier, strides, dilations, pads, auto_pad, optional bias, and the fused activation of
 * the fusion pass (attributes cliq.act/cliq.act_a/cliq.act_b, DEVELOPERS.md "Fused activations").
 *
 * Device paths, chosen per node:
 *   depthwise, or grouped with few channels per group   direct kernel (cl_kernels/dwconv_f32.cl),
 *   (1-D and 2-D)                                        3x3/5x5 stride 1/2 fast paths
 *   1x1, stride 1, no pads                               pack + GEMM (the input is already [C][HW])
 *   anything else                                        im2col + GEMM (host/ops/gemm_plan.c)
 * As a GEMM: rows = output channels of a group (weights, packed once on the host), columns =
 * (image, output pixel), K = channels per group x kernel taps, z = group; the GEMM writes NCHW.
 * With cliq.input_nhwc (host/passes/nhwc_input.c) the input is read as NHWC by the same packers.
 * Reference: host/ref/conv_f32.c. Geometry and attribute rules: host/ops/conv_attrs.c.
 */
#include "conv_attrs.h"
#include "gemm_plan.h"
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "activation.h"

#include <stdio.h>

/* Grouped convs with at most this many input channels per group run the direct kernel: a GEMM
 * per group with K = Cg * taps that small is mostly packing. */
#define DIRECT_MAX_CG 4

static cliq_status conv_check(cliq__opctx *oc) { return cliq__conv_check_attrs(oc, false); }

static cliq_status conv_infer(cliq__opctx *oc) { return cliq__conv_infer_f32(oc, false); }

static cliq_status conv_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  return cliq__conv_ref_f32(oc, false, cliq__ref_conv_f32, in, out);
}

static uint64_t conv_macs(cliq__opctx *oc) {
  cliq__conv_geom g;
  if (cliq__conv_geometry(oc, false, &g) != CLIQ_STATUS_OK) return 0;
  return (uint64_t)(g.N * g.M * g.out[0] * g.out[1] * g.out[2]) * (uint64_t)(g.C / g.G * g.k[0] * g.k[1] * g.k[2]);
}

static cliq_status plan_direct(cliq__planner *p, int node, const cliq__conv_geom *g, int act, float a, float b) {
  const cliq__node *n = &cliq__plan_graph(p)->nodes[node];
  int bias = n->n_inputs > 2 ? n->inputs[2] : -1;
  const int64_t Cg = g->C / g->G, Mg = g->M / g->G;
  bool fast = Cg == 1 && g->k[1] == g->k[2] && (g->k[2] == 3 || g->k[2] == 5) && g->s[1] == g->s[2] &&
              (g->s[2] == 1 || g->s[2] == 2) && g->d[1] == 1 && g->d[2] == 1;
  const int tw = fast ? 16 : 8, rh = fast ? 4 : 1; /* TW, RH of the kernels */
  int64_t strips = (g->out[2] + tw - 1) / tw;
  int64_t total = g->N * g->M * ((g->out[1] + rh - 1) / rh) * strips;
  if (total > INT32_MAX || g->N * g->C * g->in[1] * g->in[2] > INT32_MAX)
    return cliq__node_fail(cliq__plan_context(p), cliq__plan_graph(p), node, CLIQ_STATUS_UNSUPPORTED,
                           "tensors of more than 2^31 elements (32-bit kernel indices)");
  cliq__launch *L;
  if (fast) {
    char opts[32];
    snprintf(opts, sizeof opts, "-DKS=%d -DST=%d", (int)g->k[2], (int)g->s[2]);
    L = cliq__plan_kernel(p, node, "dwconv_f32", opts, "dwconv_k_f32");
    cliq__arg_value(L, n->inputs[0]);
    cliq__arg_value(L, n->inputs[1]);
    cliq__arg_value(L, bias >= 0 ? bias : n->inputs[1]);
    cliq__arg_value(L, n->outputs[0]);
    cliq__arg_i32(L, (int32_t)g->M);
    cliq__arg_i32(L, (int32_t)Mg);
    cliq__arg_i32(L, (int32_t)g->in[1]);
    cliq__arg_i32(L, (int32_t)g->in[2]);
    cliq__arg_i32(L, (int32_t)g->out[1]);
    cliq__arg_i32(L, (int32_t)g->out[2]);
    cliq__arg_i32(L, (int32_t)g->pb[1]);
    cliq__arg_i32(L, (int32_t)g->pb[2]);
  } else {
    L = cliq__plan_kernel(p, node, "dwconv_f32", NULL, "dwconv_f32");
    cliq__arg_value(L, n->inputs[0]);
    cliq__arg_value(L, n->inputs[1]);
    cliq__arg_value(L, bias >= 0 ? bias : n->inputs[1]);
    cliq__arg_value(L, n->outputs[0]);
    cliq__arg_i32(L, (int32_t)g->C);
    cliq__arg_i32(L, (int32_t)g->M);
    cliq__arg_i32(L, (int32_t)Cg);
    cliq__arg_i32(L, (int32_t)Mg);
    cliq__arg_i32(L, (int32_t)g->in[1]);
    cliq__arg_i32(L, (int32_t)g->in[2]);
    cliq__arg_i32(L, (int32_t)g->out[1]);
    cliq__arg_i32(L, (int32_t)g->out[2]);
    cliq__arg_i32(L, (int32_t)g->k[1]);
    cliq__arg_i32(L, (int32_t)g->k[2]);
    cliq__arg_i32(L, (int32_t)g->s[1]);
    cliq__arg_i32(L, (int32_t)g->s[2]);
    cliq__arg_i32(L, (int32_t)g->d[1]);
    cliq__arg_i32(L, (int32_t)g->d[2]);
    cliq__arg_i32(L, (int32_t)g->pb[1]);
    cliq__arg_i32(L, (int32_t)g->pb[2]);
  }
  cliq__arg_i32(L, (int32_t)strips);
  cliq__arg_i32(L, (int32_t)total);
  cliq__arg_i32(L, bias >= 0);
  cliq__arg_i32(L, act);
  cliq__arg_f32(L, a);
  cliq__arg_f32(L, b);
  size_t gws = (size_t)total, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

static cliq_status conv_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  cliq__conv_geom g;
  CLIQ__TRY(cliq__conv_geometry(&oc, false, &g));
  int act;
  float a, b;
  cliq__node_fused_act(n, &act, &a, &b);
  const int64_t Cg = g.C / g.G, Mg = g.M / g.G;
  if (g.G > 1 && Cg <= DIRECT_MAX_CG && g.nsp < 3 && !g.nhwc) return plan_direct(p, node, &g, act, a, b);

  const int64_t OHW = g.out[0] * g.out[1] * g.out[2], HW = g.in[0] * g.in[1] * g.in[2], taps = g.k[0] * g.k[1] * g.k[2];
  cliq__gemm_desc d;
  cliq__gemm_desc_init(&d);
  d.M = Mg;
  d.N = g.N * OHW;
  d.K = Cg * taps;
  d.Z = g.G;
  d.a.value = n->inputs[1]; /* weights [M][Cg][kh][kw]: row m of group z is contiguous */
  d.a.i_s = d.K;
  d.a.k_s = 1;
  d.a.z_s = Mg * d.K;
  d.b.value = n->inputs[0];
  bool pointwise = taps == 1;
  for (int i = 0; i < 3; i++) pointwise = pointwise && g.s[i] == 1 && g.pb[i] == 0 && g.pe[i] == 0;
  if (pointwise) {
    d.b.i_pi = HW; /* column = (image, pixel); k = channel */
    d.b.i_img = g.C * HW;
    d.b.i_s = g.nhwc ? g.C : 1;
    d.b.k_s = g.nhwc ? 1 : HW;
    d.b.z_s = g.nhwc ? Cg : Cg * HW;
  } else {
    d.b.conv = &g;
  }
  d.y = n->outputs[0];
  d.y_z = Mg * OHW;
  d.r_s = OHW;
  d.c_pi = OHW;
  d.c_img = g.M * OHW;
  d.c_s = 1;
  if (n->n_inputs > 2 && n->inputs[2] >= 0) {
    d.bias = n->inputs[2];
    d.bias_z = Mg;
    d.bias_r = 1;
  }
  d.act = act;
  d.act_a = a;
  d.act_b = b;
  return cliq__plan_gemm(p, node, &d);
}

const cliq__op_def cliq__op_Conv = {"Conv", "", 1, conv_check, conv_infer, conv_ref, conv_plan, 0, conv_macs};

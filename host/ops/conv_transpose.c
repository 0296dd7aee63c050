/*
 * conv_transpose.c — ONNX ConvTranspose (float), 1-D, 2-D and 3-D: groups, strides, dilations,
 * pads, output_padding, output_shape, auto_pad, bias, and the fused activation of the fusion pass.
 *
 * Device: a GEMM per group (host/ops/gemm_plan.c) makes the column matrix
 *   col[(m, kh, kw)][(n, ih, iw)] = sum over c of w[c][m][kh][kw] * x[n][c][ih][iw]
 * (rows: the weight transposed, packed once on the host; columns: the input as it is, [C][HW] per
 * image), then col2im_f32 (cl_kernels/conv_transpose_f32.cl) gathers the taps of every output
 * pixel and applies bias and activation. Reference: host/ref/conv_transpose_f32.c. Geometry
 * (output size, pads from output_shape/auto_pad): host/ops/conv_attrs.c.
 */
#include "conv_attrs.h"
#include "gemm_plan.h"
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"

static cliq_status convt_check(cliq__opctx *oc) { return cliq__conv_check_attrs(oc, true); }

static cliq_status convt_infer(cliq__opctx *oc) { return cliq__conv_infer_f32(oc, true); }

static cliq_status convt_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  return cliq__conv_ref_f32(oc, true, cliq__ref_conv_transpose_f32, in, out);
}

static uint64_t convt_macs(cliq__opctx *oc) {
  cliq__conv_geom g;
  if (cliq__conv_geometry(oc, true, &g) != CLIQ_STATUS_OK) return 0;
  return (uint64_t)(g.N * g.C * g.in[0] * g.in[1] * g.in[2]) * (uint64_t)(g.M / g.G * g.k[0] * g.k[1] * g.k[2]);
}

static cliq_status convt_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  cliq__conv_geom g;
  CLIQ__TRY(cliq__conv_geometry(&oc, true, &g));
  const int64_t Cg = g.C / g.G, Mg = g.M / g.G, taps = g.k[0] * g.k[1] * g.k[2], HW = g.in[0] * g.in[1] * g.in[2];
  const int64_t rows = Mg * taps, cols = g.N * HW;
  int64_t total = g.N * g.M * g.out[0] * g.out[1] * g.out[2];
  if (g.G * rows * cols > INT32_MAX || total > INT32_MAX)
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "column matrix or output exceeds 2^31 elements (32-bit kernel indices)");
  int col = cliq__plan_scratch(p, node, (size_t)(g.G * rows * cols) * sizeof(float));
  cliq__gemm_desc d;
  cliq__gemm_desc_init(&d);
  d.M = rows;
  d.N = cols;
  d.K = Cg;
  d.Z = g.G;
  d.a.value = n->inputs[1]; /* (r = (m, kh, kw), k = c) = w[g*Cg + c][r] */
  d.a.i_s = 1;
  d.a.k_s = rows;
  d.a.z_s = Cg * rows;
  d.b.value = n->inputs[0]; /* (column = (n, pixel), k = c) = x[n][g*Cg + c][pixel] */
  d.b.i_pi = HW;
  d.b.i_img = g.C * HW;
  d.b.i_s = 1;
  d.b.k_s = HW;
  d.b.z_s = Cg * HW;
  d.y_scratch = col;
  d.y_z = rows * cols;
  d.r_s = cols;
  d.c_s = 1;
  CLIQ__TRY(cliq__plan_gemm(p, node, &d));

  int act;
  float a, b;
  cliq__node_fused_act(n, &act, &a, &b);
  int bias = n->n_inputs > 2 ? n->inputs[2] : -1;
  cliq__launch *L = cliq__plan_kernel(p, node, "conv_transpose_f32", NULL, "col2im_f32");
  cliq__arg_scratch(L, col);
  cliq__arg_value(L, bias >= 0 ? bias : n->inputs[1]);
  cliq__arg_value(L, n->outputs[0]);
  const int64_t v[] = {g.N,    g.M,    Mg,     g.in[0], g.in[1], g.in[2], g.out[0], g.out[1], g.out[2], g.k[0], g.k[1], g.k[2],
                       g.s[0], g.s[1], g.s[2], g.d[0],  g.d[1],  g.d[2],  g.pb[0],  g.pb[1],  g.pb[2],  total};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) cliq__arg_i32(L, (int32_t)v[i]);
  cliq__arg_i32(L, bias >= 0);
  cliq__arg_i32(L, act);
  cliq__arg_f32(L, a);
  cliq__arg_f32(L, b);
  size_t gws = (size_t)total, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_ConvTranspose = {"ConvTranspose", "", 1, convt_check, convt_infer, convt_ref, convt_plan, 0, convt_macs};

/*
 * qconv.c — QConv (domain "cliq"): the int8 convolution the QDQ lowering pass makes from
 * DQ -> Conv -> Q, QLinearConv and ConvInteger+requantize patterns. Reference host/ref/conv_q8.c,
 * kernels cl_kernels/conv_q8.cl + gemm_q8.cl (activation layout + implicit GEMM) and dwconv_q8.cl
 * (depthwise).
 *
 * Inputs (values carry their quantization, cliq__quant):
 *   0 x         int8 [N, C, H, W] (or [N, C, W] for 1-D), per-tensor scale s_x, zero point z_x
 *   1 w         int8 constant [M, C/group, KH, KW] (or [M, C/group, KW]); per output channel
 *               (axis 0) or per tensor; zero points may be non-zero (asymmetric weights; uint8
 *               weights are shifted to int8 by the lowering: w - 128, z_w - 128, same results)
 *   2 bias      int32 constant [M] at scale s_x * s_w[c], zero point 0; optional (absent: -1)
 *   3 residual  int8, the shape of y, its own per-tensor quant; optional. Fused add:
 *               y = QAdd(QConv_c(x), residual), where QConv_c is the conv requantized to
 *               (cliq.conv_scale, cliq.conv_zero_point) and clamped by cliq.conv_act, and QAdd is
 *               cliq_q8_add with cliq_q8_add_params (bit-identical to the unfused pair)
 * Output 0: y int8 [N, M, OH, OW] with per-tensor quant (set by the pass before inference).
 * Attributes: Conv's (auto_pad, dilations, group, kernel_shape, pads, strides; ONNX Conv-11
 * semantics, resolved by conv_attrs.c as for the float Conv) and the epilogue attributes of q8_layer.h (cliq.act = Relu
 * or Clip with cliq.act_a/b in real units becomes the output clamp; cliq.variant and
 * cliq.gemm_orient pick kernels).
 * Exact semantics: acc = bias + sum (x - z_x)(w - z_w[c]) over in-range taps, int32 wrapping;
 * y = cliq_requant(acc, M[c], shift[c], z_y, lo, hi) with (M, shift) from s_x * s_w[c] / s_y.
 * Device: depthwise (C/group = 1) runs the direct kernels, everything else an implicit GEMM over
 * a padded channel-quad copy of the input (1x1 stride-1 unpadded convs: a flat copy, or none on
 * VNNI, whose kernel reads NCHW itself).
 */
#include "conv_attrs.h"
#include "q8_layer.h"
#include "../ref/ref.h"

#include <string.h>

static cliq_status qconv_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__conv_check_attrs(oc, false));
  return cliq__q8_check_epilogue_attrs(oc);
}

/* Conv's geometry (conv_attrs.c: channel, group and bias agreement, window rules) in the 1-D/2-D
 * form the int8 kernels take. */
static cliq_status qconv_geom(const cliq__opctx *oc, cliq__qconv_geom *g) {
  const cliq__value *x = cliq__op_in(oc, 0);
  if (x->rank != 3 && x->rank != 4)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has rank %d; int8 convolution supports 1-D and 2-D (rank 3 or 4)",
                         x->name, x->rank);
  cliq__conv_geom c;
  CLIQ__TRY(cliq__conv_geometry(oc, false, &c));
  /* slot 1 is the height (size 1 for 1-D convs), slot 2 the width */
  memset(g, 0, sizeof *g);
  g->N = c.N, g->C = c.C, g->M = c.M, g->group = c.G;
  g->H = c.in[1], g->W = c.in[2], g->KH = c.k[1], g->KW = c.k[2], g->OH = c.out[1], g->OW = c.out[2];
  g->sh = c.s[1], g->sw = c.s[2], g->dh = c.d[1], g->dw = c.d[2], g->pt = c.pb[1], g->pl = c.pb[2];
  return CLIQ_STATUS_OK;
}

static cliq_status qconv_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 4, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT(CLIQ_DTYPE_INT8)));
  CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT(CLIQ_DTYPE_INT8)));
  cliq__qconv_geom g;
  CLIQ__TRY(qconv_geom(oc, &g));
  CLIQ__TRY(cliq__q8_check_io(oc, g.M));
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t dims[4] = {g.N, g.M, g.OH, g.OW};
  if (x->rank == 3) dims[2] = g.OW;
  return cliq__q8_set_output(oc, x->rank, dims);
}

static cliq_status qconv_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  cliq__qconv_geom g;
  CLIQ__TRY(qconv_geom(oc, &g));
  cliq__q8_epi e;
  CLIQ__TRY(cliq__q8_epi_init(oc, (size_t)g.M, &e));
  cliq__ref_conv_q8(&g, in[0]->data, in[1]->data, in[2] ? in[2]->data : NULL,
                    cliq__op_n_in(oc) > 3 && in[3] ? in[3]->data : NULL, &e, out[0]->data);
  cliq__q8_epi_free(&e);
  return CLIQ_STATUS_OK;
}

static cliq_status qconv_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  cliq__qconv_geom g;
  CLIQ__TRY(qconv_geom(&oc, &g));
  cliq__q8_epi e;
  CLIQ__TRY(cliq__q8_epi_init(&oc, (size_t)g.M, &e));
  const cliq__value *w = cliq__op_in(&oc, 1), *b = cliq__op_in(&oc, 2);
  const int res = n->n_inputs > 3 ? n->inputs[3] : -1;
  const int8_t *wd = w->constant->data;
  const int32_t *bd = b ? b->constant->data : NULL;
  cliq_status st;
  const bool depthwise = g.C / g.group == 1;
  const char *var = cliq__attr_string(n, "cliq.variant", NULL);
  if (cliq__q8_wants_dw(n) && !depthwise) {
    st = cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "cliq.variant '%s' is a depthwise kernel but the conv has %lld input "
                       "channels per group", var, (long long)(g.C / g.group));
  } else if (depthwise && (!var || cliq__q8_wants_dw(n))) {
    st = cliq__q8_plan_dwconv(p, node, &g, wd, bd, n->inputs[0], n->outputs[0], res, &e);
  } else {
    const bool one = g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.OH == g.H &&
                     g.OW == g.W;
    cliq__q8_gemm_desc d = {0};
    d.images = g.N;
    d.groups = g.group;
    d.chans_per_group = g.M / g.group;
    d.positions = g.OH * g.OW;
    d.depth = (g.C / g.group) * g.KH * g.KW;
    d.w = wd;
    d.bias = bd;
    d.pack = one ? CLIQ__Q8_PACK_1X1 : CLIQ__Q8_PACK_CONV;
    d.geom = &g;
    d.x = n->inputs[0];
    d.y = n->outputs[0];
    d.res = res;
    d.y_sn = g.M * g.OH * g.OW;
    d.y_sc = g.OH * g.OW;
    d.y_sp = 1;
    d.epi = &e;
    st = cliq__q8_plan_gemm(p, node, &d);
  }
  cliq__q8_epi_free(&e);
  return st;
}

static uint64_t qconv_macs(cliq__opctx *oc) {
  cliq__qconv_geom g;
  const cliq__value *x = cliq__op_in(oc, 0), *w = cliq__op_in(oc, 1);
  if (!x || !w || !cliq__value_shape_known(x) || !cliq__value_shape_known(w)) return 0;
  if (qconv_geom(oc, &g) != CLIQ_STATUS_OK) return 0;
  return (uint64_t)g.N * (uint64_t)g.M * (uint64_t)(g.OH * g.OW) * (uint64_t)(g.C / g.group) * (uint64_t)(g.KH * g.KW);
}

const cliq__op_def cliq__op_QConv = {"QConv", "cliq", 1, qconv_check, qconv_infer, qconv_ref, qconv_plan, 0, qconv_macs};

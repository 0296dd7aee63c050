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
 * semantics, auto_pad resolved here) and the epilogue attributes of q8_layer.h (cliq.act = Relu
 * or Clip with cliq.act_a/b in real units becomes the output clamp; cliq.variant and
 * cliq.gemm_orient pick kernels).
 * Exact semantics: acc = bias + sum (x - z_x)(w - z_w[c]) over in-range taps, int32 wrapping;
 * y = cliq_requant(acc, M[c], shift[c], z_y, lo, hi) with (M, shift) from s_x * s_w[c] / s_y.
 * Device: depthwise (C/group = 1) runs the direct kernels, everything else an implicit GEMM over
 * a padded channel-quad copy of the input (1x1 stride-1 unpadded convs: a flat copy, or none on
 * VNNI, whose kernel reads NCHW itself).
 */
#include "q8_layer.h"
#include "../ref/ref.h"

#include <string.h>

static cliq_status qconv_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "auto_pad,dilations,group,kernel_shape,pads,strides"));
  const char *ap = cliq__attr_string(cliq__op_node(oc), "auto_pad", "NOTSET");
  if (strcmp(ap, "NOTSET") && strcmp(ap, "VALID") && strcmp(ap, "SAME_UPPER") && strcmp(ap, "SAME_LOWER"))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL,
                         "attribute auto_pad = '%s': must be NOTSET, VALID, SAME_UPPER or SAME_LOWER", ap);
  return cliq__q8_check_epilogue_attrs(oc);
}

/* Resolves the convolution geometry from shapes and attributes (ONNX Conv, opsets 1..21). */
static cliq_status qconv_geom(const cliq__opctx *oc, cliq__qconv_geom *g) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0), *w = cliq__op_in(oc, 1);
  if (x->rank != 3 && x->rank != 4)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has rank %d; int8 convolution supports 1-D and 2-D (rank 3 or 4)",
                         x->name, x->rank);
  if (w->rank != x->rank)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "weight '%s' has rank %d but input '%s' has rank %d: ranks must agree",
                         w->name, w->rank, x->name, x->rank);
  const int s = x->rank - 2;
  int64_t ks[2], st[2] = {1, 1}, dl[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
  for (int i = 0; i < s; i++) ks[i] = w->dims[2 + i];
  int64_t tmp[8];
  long nk = cliq__attr_ints(n, "kernel_shape", tmp, 8);
  if (nk >= 0) {
    if (nk != s)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "kernel_shape has %ld values for %d spatial dims", nk, s);
    for (int i = 0; i < s; i++)
      if (tmp[i] != ks[i])
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                             "kernel_shape[%d] = %lld but weight '%s' has %lld there: they must agree", i,
                             (long long)tmp[i], w->name, (long long)ks[i]);
  }
  const struct {
    const char *name;
    int64_t *dst;
    long want;
  } lists[] = {{"strides", st, s}, {"dilations", dl, s}, {"pads", pads, 2 * s}};
  for (size_t l = 0; l < 3; l++) {
    long c = cliq__attr_ints(n, lists[l].name, tmp, 8);
    if (c < 0) continue;
    if (c != lists[l].want)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute %s has %ld values; %ld expected", lists[l].name, c,
                           lists[l].want);
    for (long i = 0; i < c; i++) lists[l].dst[i] = tmp[i];
  }
  for (int i = 0; i < s; i++) {
    if (st[i] < 1 || dl[i] < 1)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "strides and dilations must be >= 1 (got %lld and %lld)",
                           (long long)st[i], (long long)dl[i]);
    if (pads[i] < 0 || pads[i + s] < 0)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "pads must be >= 0");
  }
  const int64_t group = cliq__attr_int(n, "group", 1);
  const int64_t C = x->dims[1], M = w->dims[0];
  if (group < 1 || C % group != 0 || M % group != 0)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                         "group = %lld must divide input channels (%lld of '%s') and output channels (%lld of '%s')",
                         (long long)group, (long long)C, x->name, (long long)M, w->name);
  if (w->dims[1] != C / group)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                         "input '%s' has %lld channels but weight '%s' expects %lld (C/group with group %lld): shapes must agree",
                         x->name, (long long)C, w->name, (long long)(w->dims[1] * group), (long long)group);
  const char *ap = cliq__attr_string(n, "auto_pad", "NOTSET");
  int64_t out[2];
  for (int i = 0; i < s; i++) {
    const int64_t in = x->dims[2 + i], ext = (ks[i] - 1) * dl[i] + 1;
    if (strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0) {
      out[i] = (in + st[i] - 1) / st[i];
      int64_t total = (out[i] - 1) * st[i] + ext - in;
      if (total < 0) total = 0;
      pads[i] = strcmp(ap, "SAME_UPPER") == 0 ? total / 2 : total - total / 2;
      pads[i + s] = total - pads[i];
    } else {
      if (strcmp(ap, "VALID") == 0) pads[i] = pads[i + s] = 0;
      const int64_t span = in + pads[i] + pads[i + s] - ext;
      if (span < 0)
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                             "spatial dim %d of '%s' is %lld (+%lld padding), smaller than the dilated kernel (%lld)", i,
                             x->name, (long long)in, (long long)(pads[i] + pads[i + s]), (long long)ext);
      out[i] = span / st[i] + 1;
    }
  }
  memset(g, 0, sizeof *g);
  g->N = x->dims[0];
  g->C = C;
  g->M = M;
  g->group = group;
  if (s == 1) {
    g->H = g->KH = g->OH = g->sh = g->dh = 1;
    g->W = x->dims[2];
    g->KW = ks[0];
    g->OW = out[0];
    g->sw = st[0];
    g->dw = dl[0];
    g->pl = pads[0];
  } else {
    g->H = x->dims[2];
    g->W = x->dims[3];
    g->KH = ks[0];
    g->KW = ks[1];
    g->OH = out[0];
    g->OW = out[1];
    g->sh = st[0];
    g->sw = st[1];
    g->dh = dl[0];
    g->dw = dl[1];
    g->pt = pads[0];
    g->pl = pads[1];
  }
  return CLIQ_STATUS_OK;
}

static cliq_status qconv_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 4, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT(CLIQ_DTYPE_INT8)));
  CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT(CLIQ_DTYPE_INT8)));
  cliq__qconv_geom g;
  CLIQ__TRY(qconv_geom(oc, &g));
  CLIQ__TRY(cliq__q8_check_io(oc, g.M));
  const cliq__value *x = cliq__op_in(oc, 0), *r = cliq__op_in(oc, 3);
  int64_t dims[4] = {g.N, g.M, g.OH, g.OW};
  if (x->rank == 3) dims[2] = g.OW;
  if (r) {
    bool same = r->rank == x->rank;
    for (int i = 0; same && i < x->rank; i++) same = r->dims[i] == dims[i];
    if (!same) {
      char a[96], b[96];
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "residual '%s' has shape %s but the output is %s: they must be equal",
                           r->name, cliq__dims_str(r->rank, r->dims, a, sizeof a), cliq__dims_str(x->rank, dims, b, sizeof b));
    }
  }
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT8, x->rank, dims);
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

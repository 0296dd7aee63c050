/*
 * test_conv_q8.c — int8 convolution and fully connected layers (QConv, QGemm): every kernel variant
 * of host/cl/variants_q8.h that can run here, in both GEMM orientations, against the C reference
 * (host/ref/conv_q8.c, gemm_q8.c) with EXACT equality, over awkward shapes (channels 1..64, odd
 * spatial sizes, strides 1-3, pads, dilation, groups, depthwise with multiplier, 1-D), zero points
 * 0, +-1 and extremes, scales 2^-20..2^4, asymmetric weights, fused residual adds and ReLU/Clip
 * clamps. Outputs start as poison (th_run). Also: hand-computed cases that validate the reference
 * itself, and bad attributes/quantization rejected with the right status.
 *
 * Variants whose hardware is absent (dp4a, khr_dot, arm_dot here) run their kernel code with the
 * portable emulation of the dot product (-DQ8_EMULATE_DOT); the hardware path itself is reported
 * as skipped with the reason.
 */
#include "context.h"
#include "harness_q8.h"
#include "host/ops/q8_layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cliq_context *dev, *ref;

/* ---- building cases ------------------------------------------------------------------------- */

typedef struct conv_cfg {
  int rank;
  int64_t N, C, H, W, M, KH, KW;
  int64_t sh, sw, dh, dw, pads[4], group;
  const char *auto_pad;
} conv_cfg;

typedef struct qparams {
  float sx, sy;
  int zx, zy;
  bool per_channel, asym, bias, residual;
  float sc, sr;
  int zc, zr;
  int act, conv_act;
  float act_a, act_b, conv_a, conv_b;
} qparams;

static int pick_zp(void) {
  static const int special[] = {0, 1, -1, -128, 127};
  return th_randint(0, 2) ? special[th_randint(0, 4)] : th_randint(-128, 127);
}

static float pow2f(float e) { return (float)exp2((double)e); }

/* mode 0: symmetric per-channel, bias, ReLU; 1: asymmetric weights and a residual; 2: per-tensor
 * weights with extreme zero points and Clip; 3: anything. acc_scale ~ typical |acc|. */
static qparams draw_params(int mode, double acc_scale) {
  qparams q;
  memset(&q, 0, sizeof q);
  q.sx = pow2f(th_uniform(-20.0f, 4.0f));
  q.zx = pick_zp();
  q.zy = pick_zp();
  q.per_channel = mode != 2;
  q.asym = mode == 1 || (mode == 3 && th_randint(0, 1));
  q.bias = mode != 2 || th_randint(0, 1);
  q.residual = mode == 1 || (mode == 3 && th_randint(0, 1));
  if (mode == 2) {
    q.zx = th_randint(0, 1) ? -128 : 127;
    q.zy = th_randint(0, 1) ? -128 : 127;
  }
  q.act = mode == 0 ? 1 : mode == 2 ? 2 : th_randint(0, 2);
  q.conv_act = q.residual ? th_randint(0, 2) : 0;
  /* the output scale makes |acc| * s_x * s_w / s_y land around 30 (so outputs are not all clamped),
   * times 2^[-3, 3]; the weight scale (~2^-7) is folded in by the caller */
  q.sy = (float)(q.sx * acc_scale / 30.0) * pow2f(th_uniform(-3.0f, 3.0f));
  q.sc = q.sy * pow2f(th_uniform(-1.0f, 1.0f));
  q.sr = q.sy * pow2f(th_uniform(-2.0f, 2.0f));
  q.zc = pick_zp();
  q.zr = pick_zp();
  q.act_a = q.sy * (float)th_randint(-60, 0);
  q.act_b = q.act_a + q.sy * (float)th_randint(1, 150);
  q.conv_a = q.sc * (float)th_randint(-60, 0);
  q.conv_b = q.conv_a + q.sc * (float)th_randint(1, 150);
  return q;
}

/* Weight quant for M channels: scales around 2^-7, zero points 0 or random (asym). */
static cliq__quant *weight_quant(const qparams *q, int64_t M) {
  cliq__quant *wq = cliq__quant_new(q->per_channel ? (size_t)M : 1, 0);
  for (size_t i = 0; i < wq->n; i++) {
    wq->scale[i] = pow2f(-7.0f + th_uniform(-1.0f, 1.0f));
    wq->zero_point[i] = q->asym ? th_randint(-128, 127) : 0;
  }
  return wq;
}

static cliq__tensor *random_weights(int rank, const int64_t *dims, const cliq__quant *wq) {
  cliq__tensor *w = th_tensor(CLIQ_DTYPE_INT8, rank, dims);
  size_t n = cliq__tensor_elems(w), per = n / (size_t)dims[0];
  bool asym = false;
  for (size_t c = 0; c < wq->n; c++) asym = asym || wq->zero_point[c] != 0;
  for (size_t i = 0; i < n; i++) {
    (void)per;
    /* symmetric weights live in [-127, 127]; asymmetric ones use the full range */
    ((int8_t *)w->data)[i] = (int8_t)th_randint(asym ? -128 : -127, 127);
  }
  return w;
}

/* Sets the epilogue attributes of q on the node. */
static void set_epilogue(cliq__node *n, const qparams *q) {
  if (q->act) cliq__node_set_int(n, "cliq.act", q->act);
  if (q->act == 2) {
    cliq__node_set_float(n, "cliq.act_a", q->act_a);
    cliq__node_set_float(n, "cliq.act_b", q->act_b);
  }
  if (q->residual) {
    cliq__node_set_float(n, "cliq.conv_scale", q->sc);
    cliq__node_set_int(n, "cliq.conv_zero_point", q->zc);
    if (q->conv_act) cliq__node_set_int(n, "cliq.conv_act", q->conv_act);
    if (q->conv_act == 2) {
      cliq__node_set_float(n, "cliq.conv_act_a", q->conv_a);
      cliq__node_set_float(n, "cliq.conv_act_b", q->conv_b);
    }
  }
}

static cliq__tensor *random_bias(int64_t M, double acc_scale) {
  int64_t d[1] = {M};
  cliq__tensor *b = th_tensor(CLIQ_DTYPE_INT32, 1, d);
  int lim = (int)fmin(acc_scale * 2.0, 1e9);
  if (lim < 1) lim = 1;
  for (int64_t i = 0; i < M; i++) ((int32_t *)b->data)[i] = th_randint(-lim, lim);
  return b;
}

/* ---- running one case on every variant ----------------------------------------------------------- */

typedef struct variant_run {
  const char *name;
  bool emulate;
  bool gemm;
} variant_run;

static variant_run runs[16];
static size_t n_runs;

static void plan_variants(void) {
  const cliq__device *d = &dev->dev;
  for (const cliq__q8_gemm_variant *v = cliq__q8_gemm_variants; v->name; v++) {
    if (v->available(d)) {
      printf("variant %-10s runs natively\n", v->name);
      runs[n_runs++] = (variant_run){v->name, false, true};
    } else if (v->emulable) {
      printf("variant %-10s SKIPPED on hardware: '%s' lacks it (int8 paths: %s); its kernel code runs with the "
             "portable dot-product emulation instead\n",
             v->name, d->name, d->int8_paths);
      runs[n_runs++] = (variant_run){v->name, true, true};
    } else {
      printf("variant %-10s SKIPPED: not available on '%s' (int8 paths: %s)\n", v->name, d->name, d->int8_paths);
    }
  }
  for (const cliq__q8_dw_variant *v = cliq__q8_dw_variants; v->name; v++)
    if (v->available(d)) {
      printf("variant %-10s runs natively\n", v->name);
      runs[n_runs++] = (variant_run){v->name, false, false};
    }
  fflush(stdout);
}

/* Runs op (inputs in[]) on the reference once and on every applicable variant and orientation. */
static void compare_all(th_q8 *op, size_t n_in, cliq__tensor *const *in, bool depthwise, const char *what) {
  cliq__node *n = th_q8_node(op);
  cliq__tensor *want = th_q8_run(op, ref, n_in, in, NULL, false);
  if (!TH_CHECK(want != NULL, "%s: reference run failed", what)) return;
  char label[512];
  /* automatic choice first */
  cliq__tensor *got = th_q8_run(op, dev, n_in, in, NULL, false);
  snprintf(label, sizeof label, "%s [auto]", what);
  if (TH_CHECK(got != NULL, "%s: device run failed", label)) th_compare_tensor(label, got, want, 0, 0);
  cliq__tensor_free(got);
  for (size_t r = 0; r < n_runs; r++) {
    if (!runs[r].gemm && !depthwise) continue;
    for (int orient = 1; orient <= (runs[r].gemm ? 2 : 1); orient++) {
      cliq__node_set_string(n, "cliq.variant", runs[r].name);
      cliq__node_set_int(n, "cliq.gemm_orient", runs[r].gemm ? orient : 0);
      cliq__node_set_int(n, "cliq.q8_emulate", runs[r].emulate);
      n = th_q8_node(op);
      got = th_q8_run(op, dev, n_in, in, NULL, false);
      snprintf(label, sizeof label, "%s [%s%s%s]", what, runs[r].name, runs[r].emulate ? " emulated" : "",
               runs[r].gemm ? (orient == 1 ? " rows" : " cols") : "");
      if (TH_CHECK(got != NULL, "%s: device run failed", label)) th_compare_tensor(label, got, want, 0, 0);
      cliq__tensor_free(got);
    }
  }
  /* leave the node as it was */
  cliq__node_set_string(n, "cliq.variant", runs[0].name);
  cliq__node_set_int(n, "cliq.gemm_orient", 0);
  cliq__node_set_int(n, "cliq.q8_emulate", 0);
  cliq__tensor_free(want);
}

static void conv_case(const conv_cfg *c, int mode) {
  const int64_t cg = c->C / c->group;
  const double acc_scale = 64.0 * 64.0 * sqrt((double)(cg * c->KH * c->KW));
  qparams q = draw_params(mode, acc_scale * pow2f(-7.0f));
  th_q8 *op = th_q8_new("QConv");
  int64_t xd[4] = {c->N, c->C, c->H, c->W}, wd[4] = {c->M, cg, c->KH, c->KW};
  if (c->rank == 3) {
    xd[2] = c->W;
    wd[2] = c->KW;
  }
  th_q8_input(op, c->rank, xd, q.sx, q.zx);
  cliq__quant *wq = weight_quant(&q, c->M);
  cliq__tensor *w = random_weights(c->rank, wd, wq);
  th_q8_const(op, w, wq);
  cliq__tensor *b = q.bias ? random_bias(c->M, acc_scale) : NULL;
  if (b) th_q8_const(op, b, NULL);
  else if (q.residual) th_q8_absent(op);
  cliq__node *n = th_q8_node(op);
  if (c->auto_pad) cliq__node_set_string(n, "auto_pad", c->auto_pad);
  int s = c->rank - 2;
  int64_t st[2] = {c->sh, c->sw}, dl[2] = {c->dh, c->dw}, pads[4] = {c->pads[0], c->pads[1], c->pads[2], c->pads[3]};
  if (s == 1) {
    st[0] = c->sw;
    dl[0] = c->dw;
    pads[0] = c->pads[1];
    pads[1] = c->pads[3];
  }
  cliq__node_set_ints(n, "strides", st, (size_t)s);
  cliq__node_set_ints(n, "dilations", dl, (size_t)s);
  if (!c->auto_pad) cliq__node_set_ints(n, "pads", pads, (size_t)(2 * s));
  if (c->group != 1) cliq__node_set_int(n, "group", c->group);
  set_epilogue(n, &q);
  /* the output shape, for the residual and the label */
  int64_t yd[4];
  {
    cliq_model *m = NULL;
    th_q8_output(op, q.sy, q.zy);
    cliq_status st0 = th_q8_model(op, ref, &m);
    if (!TH_CHECK(st0 == CLIQ_STATUS_OK, "building QConv model: %s", cliq_context_error(ref))) {
      th_q8_free(op);
      return;
    }
    cliq_tensor_info info;
    cliq_model_output(m, 0, &info);
    for (size_t i = 0; i < info.rank; i++) yd[i] = info.dims[i];
    cliq_model_destroy(m);
  }
  cliq__tensor *in[2];
  in[0] = th_tensor_random(CLIQ_DTYPE_INT8, c->rank, xd, -128, 127);
  size_t n_in = 1;
  if (q.residual) {
    /* the residual is a runtime input appended after the output was declared: rebuild the node */
    th_q8 *op2 = th_q8_new("QConv");
    th_q8_input(op2, c->rank, xd, q.sx, q.zx);
    th_q8_const(op2, w, wq);
    if (b) th_q8_const(op2, b, NULL);
    else th_q8_absent(op2);
    th_q8_input(op2, c->rank, yd, q.sr, q.zr);
    cliq__node *n2 = th_q8_node(op2);
    for (size_t a = 0; a < th_q8_node(op)->n_attrs; a++) {
      n2->attrs = realloc(n2->attrs, (n2->n_attrs + 1) * sizeof *n2->attrs);
      cliq__attr_copy(&n2->attrs[n2->n_attrs++], &th_q8_node(op)->attrs[a]);
    }
    th_q8_output(op2, q.sy, q.zy);
    th_q8_free(op);
    op = op2;
    in[1] = th_tensor_random(CLIQ_DTYPE_INT8, c->rank, yd, -128, 127);
    n_in = 2;
  }
  char what[400], dstr[64];
  snprintf(what, sizeof what,
           "QConv x%s M=%lld k=%lldx%lld s=%lld,%lld d=%lld,%lld pads=%lld,%lld,%lld,%lld g=%lld%s%s mode %d "
           "(sx=%g zx=%d sy=%g zy=%d %s%s%s act=%d)",
           cliq__dims_str(c->rank, xd, dstr, sizeof dstr), (long long)c->M, (long long)c->KH, (long long)c->KW,
           (long long)c->sh, (long long)c->sw, (long long)c->dh, (long long)c->dw, (long long)c->pads[0],
           (long long)c->pads[1], (long long)c->pads[2], (long long)c->pads[3], (long long)c->group,
           c->auto_pad ? " auto_pad=" : "", c->auto_pad ? c->auto_pad : "", mode, q.sx, q.zx, q.sy, q.zy,
           q.per_channel ? "per-channel" : "per-tensor", q.asym ? " asym" : "", q.residual ? " residual" : "", q.act);
  compare_all(op, n_in, in, cg == 1, what);
  for (size_t i = 0; i < n_in; i++) cliq__tensor_free(in[i]);
  cliq__tensor_free(w);
  cliq__tensor_free(b);
  cliq__quant_free(wq);
  th_q8_free(op);
}

static void gemm_case(int rank, const int64_t *xd, int64_t N, int mode) {
  const int64_t K = xd[rank - 1];
  const double acc_scale = 64.0 * 64.0 * sqrt((double)K);
  qparams q = draw_params(mode, acc_scale * pow2f(-7.0f));
  th_q8 *op = th_q8_new("QGemm");
  th_q8_input(op, rank, xd, q.sx, q.zx);
  int64_t wd[2] = {N, K};
  cliq__quant *wq = weight_quant(&q, N);
  cliq__tensor *w = random_weights(2, wd, wq);
  th_q8_const(op, w, wq);
  cliq__tensor *b = q.bias ? random_bias(N, acc_scale) : NULL;
  if (b) th_q8_const(op, b, NULL);
  else if (q.residual) th_q8_absent(op);
  int64_t yd[CLIQ_MAX_RANK];
  for (int i = 0; i < rank; i++) yd[i] = xd[i];
  yd[rank - 1] = N;
  if (q.residual) th_q8_input(op, rank, yd, q.sr, q.zr);
  set_epilogue(th_q8_node(op), &q);
  th_q8_output(op, q.sy, q.zy);
  cliq__tensor *in[2] = {th_tensor_random(CLIQ_DTYPE_INT8, rank, xd, -128, 127), NULL};
  if (q.residual) in[1] = th_tensor_random(CLIQ_DTYPE_INT8, rank, yd, -128, 127);
  char what[300], dstr[64];
  snprintf(what, sizeof what, "QGemm x%s N=%lld mode %d (sx=%g zx=%d sy=%g zy=%d %s%s%s act=%d)",
           cliq__dims_str(rank, xd, dstr, sizeof dstr), (long long)N, mode, q.sx, q.zx, q.sy, q.zy,
           q.per_channel ? "per-channel" : "per-tensor", q.asym ? " asym" : "", q.residual ? " residual" : "", q.act);
  compare_all(op, q.residual ? 2 : 1, in, false, what);
  cliq__tensor_free(in[0]);
  cliq__tensor_free(in[1]);
  cliq__tensor_free(w);
  cliq__tensor_free(b);
  cliq__quant_free(wq);
  th_q8_free(op);
}

/* ---- hand-computed cases: the reference itself ---------------------------------------------------- */

static cliq__tensor *tensor_i8(int rank, const int64_t *dims, const int8_t *v) {
  cliq__tensor *t = th_tensor(CLIQ_DTYPE_INT8, rank, dims);
  memcpy(t->data, v, t->nbytes);
  return t;
}

static void hand_cases(void) {
  /* 1x1 conv, C = 2, one output channel, s_x = s_w = 1, s_y = 2 (multiplier 1/2 exactly):
   * acc = b + sum (x - z_x) w; y = round_half_even(acc / 2) + z_y. */
  static const int8_t xv[4] = {3, -5, 7, 9}; /* x[0, c, 0, w] for c = 0, 1; w = 0, 1 */
  static const int8_t wv[2] = {1, 2};
  int64_t xd[4] = {1, 2, 1, 2}, wd[4] = {1, 2, 1, 1}, bd[1] = {1};
  struct {
    int zx, zy, bias, act;
    int8_t want[2];
  } cases[] = {
      /* pos 0: 3*1 + 7*2 = 17 (+1 = 18) /2 = 9; pos 1: -5 + 18 = 13 (+1 = 14) / 2 = 7 */
      {0, 0, 1, 0, {9, 7}},
      /* no bias: 17/2 = 8.5 -> 8 (even), 13/2 = 6.5 -> 6 (even) */
      {0, 0, 0, 0, {8, 6}},
      /* z_x = 1: (2*1 + 6*2) = 14 -> 7, (-6 + 16) = 10 -> 5; z_y = -3 */
      {1, -3, 0, 0, {4, 2}},
      /* z_x = 10: (-7*1 + -3*2) = -13 -> -6.5 -> -6 (even); (-15 + -2) = -17 -> -8.5 -> -8; ReLU at z_y = 0 */
      {10, 0, 0, 0, {-6, -8}},
      {10, 0, 0, 1, {0, 0}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    th_q8 *op = th_q8_new("QConv");
    th_q8_input(op, 4, xd, 1.0f, cases[i].zx);
    cliq__tensor *w = tensor_i8(4, wd, wv);
    cliq__quant *wq = cliq__quant_new(1, 0);
    wq->scale[0] = 1.0f;
    th_q8_const(op, w, wq);
    cliq__tensor *b = th_tensor(CLIQ_DTYPE_INT32, 1, bd);
    ((int32_t *)b->data)[0] = cases[i].bias;
    th_q8_const(op, b, NULL);
    if (cases[i].act) cliq__node_set_int(th_q8_node(op), "cliq.act", cases[i].act);
    th_q8_output(op, 2.0f, cases[i].zy);
    cliq__tensor *x = tensor_i8(4, xd, xv);
    cliq__tensor *y = th_q8_run(op, ref, 1, &x, NULL, false);
    if (TH_CHECK(y != NULL, "hand case %zu ran", i)) {
      const int8_t *g = y->data;
      TH_CHECK(g[0] == cases[i].want[0] && g[1] == cases[i].want[1], "hand case %zu: got %d %d, want %d %d", i, g[0],
               g[1], cases[i].want[0], cases[i].want[1]);
    }
    cliq__tensor_free(y);
    /* and the device agrees */
    compare_all(op, 1, &x, false, "hand 1x1 case");
    cliq__tensor_free(x);
    cliq__tensor_free(w);
    cliq__tensor_free(b);
    cliq__quant_free(wq);
    th_q8_free(op);
  }
  /* Padding takes the input zero point: a 3x3 conv with pad 1 on a 1x1 input whose value is z_x
   * gives bias only: y = requant(bias) = round(40 * 0.25) = 10 with s_x = 0.5, s_w = 1, s_y = 2. */
  {
    int64_t x1[4] = {1, 1, 1, 1}, w1[4] = {1, 1, 3, 3}, b1[1] = {1};
    th_q8 *op = th_q8_new("QConv");
    th_q8_input(op, 4, x1, 0.5f, 5);
    cliq__tensor *w = th_tensor_random(CLIQ_DTYPE_INT8, 4, w1, -127, 127);
    cliq__quant *wq = cliq__quant_new(1, 0);
    wq->scale[0] = 1.0f;
    th_q8_const(op, w, wq);
    cliq__tensor *b = th_tensor(CLIQ_DTYPE_INT32, 1, b1);
    ((int32_t *)b->data)[0] = 40;
    th_q8_const(op, b, NULL);
    int64_t pads[4] = {1, 1, 1, 1};
    cliq__node_set_ints(th_q8_node(op), "pads", pads, 4);
    th_q8_output(op, 2.0f, 0);
    int8_t five = 5;
    cliq__tensor *x = tensor_i8(4, x1, &five);
    cliq__tensor *y = th_q8_run(op, ref, 1, &x, NULL, false);
    if (TH_CHECK(y != NULL, "padding case ran")) TH_CHECK(((int8_t *)y->data)[0] == 10, "padding case: got %d, want 10", ((int8_t *)y->data)[0]);
    cliq__tensor_free(y);
    compare_all(op, 1, &x, false, "hand padding case");
    cliq__tensor_free(x);
    cliq__tensor_free(w);
    cliq__tensor_free(b);
    cliq__quant_free(wq);
    th_q8_free(op);
  }
  /* Asymmetric weights: x = [2, 4], w = [10, 20] with z_w = 10: acc = 0*2 + 10*4 = 40, s_y = 4 -> 10. */
  {
    int64_t x1[2] = {1, 2}, w1[2] = {1, 2};
    static const int8_t xg[2] = {2, 4}, wg[2] = {10, 20};
    th_q8 *op = th_q8_new("QGemm");
    th_q8_input(op, 2, x1, 1.0f, 0);
    cliq__tensor *w = tensor_i8(2, w1, wg);
    cliq__quant *wq = cliq__quant_new(1, 0);
    wq->scale[0] = 1.0f;
    wq->zero_point[0] = 10;
    th_q8_const(op, w, wq);
    th_q8_output(op, 4.0f, 0);
    cliq__tensor *x = tensor_i8(2, x1, xg);
    cliq__tensor *y = th_q8_run(op, ref, 1, &x, NULL, false);
    if (TH_CHECK(y != NULL, "asymmetric case ran")) TH_CHECK(((int8_t *)y->data)[0] == 10, "asymmetric case: got %d, want 10", ((int8_t *)y->data)[0]);
    cliq__tensor_free(y);
    compare_all(op, 1, &x, false, "hand asymmetric QGemm");
    cliq__tensor_free(x);
    cliq__tensor_free(w);
    cliq__quant_free(wq);
    th_q8_free(op);
  }
}

/* ---- rejected nodes --------------------------------------------------------------------------------- */

static void expect_status(th_q8 *op, cliq_context *ctx, cliq_status want, const char *what) {
  cliq_status st;
  int64_t xd[4] = {1, 4, 5, 5};
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_INT8, 4, xd, -128, 127);
  cliq__tensor *y = th_q8_run(op, ctx, 1, &x, &st, true);
  th_expect_status(ctx, st, want, what);
  if (st != CLIQ_STATUS_OK) printf("  (message: %s)\n", cliq_context_error(ctx));
  cliq__tensor_free(y);
  cliq__tensor_free(x);
}

static th_q8 *simple_conv(int64_t wc, bool const_w) {
  int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {8, wc, 3, 3};
  th_q8 *op = th_q8_new("QConv");
  th_q8_input(op, 4, xd, 0.1f, 0);
  cliq__tensor *w = th_tensor_random(CLIQ_DTYPE_INT8, 4, wd, -127, 127);
  cliq__quant *wq = cliq__quant_new(1, 0);
  wq->scale[0] = 0.01f;
  if (const_w) {
    th_q8_const(op, w, wq);
  } else {
    th_q8_input(op, 4, wd, 0.01f, 0);
  }
  th_q8_output(op, 0.2f, 0);
  cliq__tensor_free(w);
  cliq__quant_free(wq);
  return op;
}

static void bad_cases(void) {
  th_q8 *op = simple_conv(3, true);
  expect_status(op, ref, CLIQ_STATUS_SHAPE_MISMATCH, "QConv weight C/group mismatch");
  th_q8_free(op);
  op = simple_conv(4, true);
  cliq__node_set_int(th_q8_node(op), "cliq.act", 4 /* sigmoid */);
  expect_status(op, ref, CLIQ_STATUS_UNSUPPORTED, "QConv with a fused Sigmoid");
  th_q8_free(op);
  op = simple_conv(4, true);
  cliq__node_set_string(th_q8_node(op), "cliq.variant", "no_such_kernel");
  expect_status(op, ref, CLIQ_STATUS_UNSUPPORTED, "QConv with an unknown variant");
  th_q8_free(op);
  op = simple_conv(4, true);
  cliq__node_set_string(th_q8_node(op), "cliq.variant", "dw_fixed");
  expect_status(op, dev, CLIQ_STATUS_UNSUPPORTED, "QConv (not depthwise) forced onto a depthwise kernel");
  th_q8_free(op);
  op = simple_conv(4, true);
  cliq__node_set_int(th_q8_node(op), "foo", 1);
  expect_status(op, ref, CLIQ_STATUS_UNSUPPORTED, "QConv with an unknown attribute");
  th_q8_free(op);
  op = simple_conv(4, true);
  cliq__node_set_string(th_q8_node(op), "auto_pad", "SAME_MIDDLE");
  expect_status(op, ref, CLIQ_STATUS_UNSUPPORTED, "QConv with a bad auto_pad");
  th_q8_free(op);
  op = simple_conv(4, false);
  {
    /* the weight as a runtime input: two inputs needed */
    int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {8, 4, 3, 3};
    cliq__tensor *in[2] = {th_tensor_random(CLIQ_DTYPE_INT8, 4, xd, -128, 127), th_tensor_random(CLIQ_DTYPE_INT8, 4, wd, -1, 1)};
    cliq_status st;
    cliq__tensor *y = th_q8_run(op, ref, 2, in, &st, true);
    th_expect_status(ref, st, CLIQ_STATUS_UNSUPPORTED, "QConv with a runtime weight");
    cliq__tensor_free(y);
    cliq__tensor_free(in[0]);
    cliq__tensor_free(in[1]);
  }
  th_q8_free(op);
  /* a residual without cliq.conv_scale */
  {
    int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {8, 4, 1, 1}, yd[4] = {1, 8, 5, 5};
    th_q8 *o = th_q8_new("QConv");
    th_q8_input(o, 4, xd, 0.1f, 0);
    cliq__tensor *w = th_tensor_random(CLIQ_DTYPE_INT8, 4, wd, -127, 127);
    cliq__quant *wq = cliq__quant_new(1, 0);
    wq->scale[0] = 0.01f;
    th_q8_const(o, w, wq);
    th_q8_absent(o);
    th_q8_input(o, 4, yd, 0.3f, 1);
    th_q8_output(o, 0.2f, 0);
    cliq__tensor *in[2] = {th_tensor_random(CLIQ_DTYPE_INT8, 4, xd, -128, 127), th_tensor_random(CLIQ_DTYPE_INT8, 4, yd, -128, 127)};
    cliq_status st;
    cliq__tensor *y = th_q8_run(o, ref, 2, in, &st, true);
    th_expect_status(ref, st, CLIQ_STATUS_INVALID_MODEL, "QConv residual without cliq.conv_scale");
    cliq__tensor_free(y);
    cliq__tensor_free(in[0]);
    cliq__tensor_free(in[1]);
    cliq__tensor_free(w);
    cliq__quant_free(wq);
    th_q8_free(o);
  }
  /* output scale so small that the multiplier exceeds 2^30 */
  {
    int64_t xd[2] = {2, 3}, wd[2] = {4, 3};
    th_q8 *o = th_q8_new("QGemm");
    th_q8_input(o, 2, xd, 1.0f, 0);
    cliq__tensor *w = th_tensor_random(CLIQ_DTYPE_INT8, 2, wd, -127, 127);
    cliq__quant *wq = cliq__quant_new(1, 0);
    wq->scale[0] = 1.0f;
    th_q8_const(o, w, wq);
    th_q8_output(o, 1e-12f, 0);
    cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_INT8, 2, xd, -128, 127);
    cliq_status st;
    cliq__tensor *y = th_q8_run(o, ref, 1, &x, &st, true);
    th_expect_status(ref, st, CLIQ_STATUS_UNSUPPORTED, "QGemm with a multiplier above 2^30");
    cliq__tensor_free(y);
    cliq__tensor_free(x);
    cliq__tensor_free(w);
    cliq__quant_free(wq);
    th_q8_free(o);
  }
}

int main(void) {
  th_init("test_conv_q8");
  dev = th_device_context();
  ref = th_ref_context();
  plan_variants();
  hand_cases();
  bad_cases();

  /* N C H W M KH KW sh sw dh dw pads(t,l,b,r) group auto_pad */
  static const conv_cfg convs[] = {
      {4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 1, NULL},
      {4, 1, 3, 7, 7, 8, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 1, NULL},
      {4, 1, 4, 13, 13, 16, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 1, NULL},
      {4, 2, 7, 9, 11, 13, 3, 3, 1, 1, 1, 1, {0, 0, 0, 0}, 1, NULL},
      {4, 1, 8, 17, 17, 17, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 1, NULL},
      {4, 1, 16, 8, 8, 31, 1, 1, 2, 2, 1, 1, {0, 0, 0, 0}, 1, NULL},
      {4, 1, 17, 5, 7, 64, 3, 3, 3, 3, 1, 1, {0, 1, 2, 1}, 1, NULL},
      {4, 1, 13, 15, 15, 7, 3, 3, 1, 1, 2, 2, {2, 2, 2, 2}, 1, NULL},
      {4, 1, 16, 9, 9, 16, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 4, NULL},
      {4, 1, 8, 11, 11, 16, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 8, NULL},
      {4, 1, 31, 13, 13, 31, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 31, NULL},
      {4, 1, 17, 12, 20, 17, 5, 5, 1, 1, 1, 1, {2, 2, 2, 2}, 17, NULL},
      {4, 1, 13, 17, 33, 26, 5, 5, 2, 2, 1, 1, {2, 2, 2, 2}, 13, NULL},
      {4, 1, 64, 7, 7, 64, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 1, NULL},
      {4, 1, 64, 14, 14, 64, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 1, NULL},
      {3, 1, 7, 1, 29, 13, 1, 5, 1, 2, 1, 1, {0, 2, 0, 1}, 1, NULL},
      {4, 1, 3, 10, 10, 8, 3, 3, 2, 2, 1, 1, {0, 0, 0, 0}, 1, "SAME_UPPER"},
      {4, 1, 4, 9, 9, 4, 4, 4, 1, 1, 1, 1, {0, 0, 0, 0}, 1, "SAME_LOWER"},
      {4, 1, 3, 8, 8, 5, 2, 2, 2, 2, 1, 1, {0, 0, 0, 0}, 1, "VALID"},
      {4, 1, 8, 9, 40, 8, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 8, NULL},
      {4, 2, 4, 9, 70, 4, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 4, NULL},
      {4, 1, 4, 11, 40, 8, 3, 3, 1, 1, 2, 2, {2, 2, 2, 2}, 4, NULL},
      {4, 1, 3, 15, 15, 3, 7, 7, 1, 1, 1, 1, {3, 3, 3, 3}, 3, NULL},
      {4, 1, 64, 7, 7, 64, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 1, NULL},
      {4, 1, 3, 33, 33, 16, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 1, NULL},
      {4, 1, 1, 28, 28, 8, 5, 5, 1, 1, 1, 1, {0, 0, 0, 0}, 1, NULL},
      /* the activation layout of conv_q8.cl: rows wide enough for vector strips and window
       * borders (stride 1 and 2), strides whose phases are partly unused (1x1 and dilated stride
       * 2), stride 3 (column by column), padding wider than the kernel reach, batches with groups */
      {4, 1, 5, 9, 45, 17, 3, 3, 1, 1, 1, 1, {1, 2, 0, 1}, 1, NULL},
      {4, 2, 6, 7, 70, 9, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}, 1, NULL},
      {4, 1, 8, 12, 37, 8, 1, 1, 2, 2, 1, 1, {0, 0, 0, 0}, 1, NULL},
      {4, 1, 4, 13, 50, 5, 3, 3, 2, 2, 2, 2, {2, 2, 2, 2}, 1, NULL},
      {4, 1, 3, 11, 40, 4, 5, 5, 3, 3, 1, 1, {2, 2, 2, 2}, 1, NULL},
      {4, 3, 12, 6, 33, 9, 3, 1, 1, 1, 1, 1, {1, 0, 1, 0}, 3, NULL},
      {4, 1, 7, 1, 100, 6, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 1, NULL},
      /* interleaved (at even indices, which run all four quantization modes): 1x1 stride 1 read
       * straight from NCHW (VNNI, at least 16 panel x row-group work-items: a last panel past P,
       * K not a multiple of 4, two row groups, groups and batches), and depthwise fixed kernels
       * (partial 32- and 16-column work-items, row blocks past OH, wide and narrow outputs, 5x5
       * stride 2, asymmetric padding, batches, channel multiplier 2) */
      {4, 2, 5, 9, 70, 5, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 5, NULL},
      {4, 1, 13, 23, 29, 20, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 1, NULL},
      {4, 1, 6, 10, 67, 6, 3, 3, 2, 2, 1, 1, {1, 1, 0, 0}, 6, NULL},
      {4, 2, 8, 20, 30, 6, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 2, NULL},
      {4, 1, 3, 23, 41, 6, 5, 5, 1, 1, 1, 1, {2, 1, 2, 3}, 3, NULL},
      {4, 1, 70, 16, 33, 72, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, 1, NULL},
      {4, 3, 4, 14, 37, 4, 5, 5, 2, 2, 1, 1, {2, 2, 2, 2}, 4, NULL},
      {4, 1, 7, 7, 7, 7, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}, 7, NULL},
      {4, 1, 5, 14, 14, 5, 3, 3, 2, 2, 1, 1, {0, 0, 1, 1}, 5, NULL},
      {4, 1, 4, 33, 16, 4, 5, 5, 1, 1, 1, 1, {0, 0, 0, 0}, 4, NULL},
  };
  for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++)
    for (int mode = 0; mode < 4; mode += 1 + (int)(i % 2)) conv_case(&convs[i], (mode + (int)i) % 4);
  /* the copy kernels split by rows as on GPUs (q8_layer.c: Q8_PACK_ROWS, 1 there; all rows on
   * CPUs): 3 rows per work-item leaves partial last items */
  const char *tune = getenv("CLIQ_TUNE");
  char *saved = tune ? strdup(tune) : NULL;
  setenv("CLIQ_TUNE", "Q8_PACK_ROWS=3", 1);
  printf("with CLIQ_TUNE=Q8_PACK_ROWS=3:\n");
  for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i += 3) conv_case(&convs[i], (int)(i % 4));
  if (saved) setenv("CLIQ_TUNE", saved, 1);
  else unsetenv("CLIQ_TUNE");
  free(saved);

  static const struct {
    int rank;
    int64_t dims[3];
    int64_t N;
  } gemms[] = {{2, {1, 1}, 1},    {2, {1, 64}, 10},  {2, {3, 13}, 17},  {2, {8, 300}, 100}, {2, {17, 7}, 31},
               {2, {64, 64}, 64}, {1, {33}, 9},      {3, {2, 5, 12}, 7}, {2, {40, 3}, 4},   {2, {1, 1280}, 1000}};
  for (size_t i = 0; i < sizeof gemms / sizeof gemms[0]; i++)
    for (int mode = 0; mode < 4; mode += 2) gemm_case(gemms[i].rank, gemms[i].dims, gemms[i].N, (mode + (int)i) % 4);

  cliq_context_destroy(dev);
  cliq_context_destroy(ref);
  return th_finish();
}

/*
 * test_conv.c — float Conv and ConvTranspose: every device path (im2col + GEMM, pointwise pack +
 * GEMM, the direct depthwise/grouped kernels, col2im) and every GEMM variant of host/cl/variants.h
 * that can run here, against the C reference, over awkward shapes: channels 1..64, odd spatial
 * sizes, strides 1-3, symmetric and asymmetric pads, dilations 1-3, groups, depthwise with a
 * multiplier, auto_pad variants, 1-D convs, batch 1 and 3, fused activations. Hand-checked tiny
 * cases validate the reference itself, and bad shapes/attributes must fail with their status.
 *
 * CLBlast's first call compiles for 13-17 s on PoCL, so the clblast_sgemm variant's conv cases
 * (im2col into plain columns, SGEMM, scatter epilogue) run with CLIQ_TEST_CLBLAST=1 only; the
 * suite's one small CLBlast case is in test_gemm.c.
 */
#include "harness_graph.h"
#include "harness.h"

#include "cl/variant.h"
#include "context.h"
#include "ops/op.h"
#include "activation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct conv_case {
  int nsp;                 /* 1 or 2 spatial dims */
  int N, C, H, W, M, KH, KW;
  int SH, SW, DH, DW;
  int pt, pl, pb, pr;      /* pads: top, left, bottom, right */
  int G;
  const char *auto_pad;    /* NULL: NOTSET with explicit pads */
  bool bias;
  int act;
  float act_a, act_b;
  bool kernel_shape_attr;
} conv_case;

static conv_case base(int N, int C, int H, int W, int M, int K, int S, int P) {
  conv_case c = {2, N, C, H, W, M, K, K, S, S, 1, 1, P, P, P, P, 1, NULL, true, 0, 0, 0, false};
  return c;
}

static void set_ints(cliq__node *n, const char *name, const int64_t *v, size_t count) { cliq__node_set_ints(n, name, v, count); }

/* Builds the graph of a case (Conv or ConvTranspose, then its activation node) and its input. */
static tg *build(const conv_case *c, bool transpose, cliq__tensor **x_out) {
  tg *t = tg_new(14);
  int rank = c->nsp + 2;
  int64_t xd[4] = {c->N, c->C, c->nsp == 2 ? c->H : c->W, c->W};
  int in[3];
  in[0] = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, rank, xd, NULL);
  int64_t wd[4];
  if (!transpose) wd[0] = c->M, wd[1] = c->C / c->G;
  else wd[0] = c->C, wd[1] = c->M / c->G;
  wd[2] = c->nsp == 2 ? c->KH : c->KW;
  wd[3] = c->KW;
  in[1] = tg_const_random(t, "w", rank, wd, -1.0f, 1.0f);
  int64_t bd[1] = {c->M};
  if (c->bias) in[2] = tg_const_random(t, "b", 1, bd, -1.0f, 1.0f);
  int y = tg_value(t, "conv_out");
  tg_node_ex(t, "", transpose ? "ConvTranspose" : "Conv", "conv", in, c->bias ? 3 : 2, &y, 1);
  cliq__node *n = tg_last_node(t);
  int64_t s[2] = {c->SH, c->SW}, d[2] = {c->DH, c->DW}, k[2] = {c->KH, c->KW};
  int64_t p2[4] = {c->pt, c->pl, c->pb, c->pr}, p1[2] = {c->pl, c->pr};
  int o = c->nsp == 2 ? 0 : 1;
  set_ints(n, "strides", s + o, (size_t)c->nsp);
  set_ints(n, "dilations", d + o, (size_t)c->nsp);
  if (c->kernel_shape_attr) set_ints(n, "kernel_shape", k + o, (size_t)c->nsp);
  if (c->auto_pad) cliq__node_set_string(n, "auto_pad", c->auto_pad);
  else if (c->nsp == 2) set_ints(n, "pads", p2, 4);
  else set_ints(n, "pads", p1, 2);
  if (c->G != 1) cliq__node_set_int(n, "group", c->G);
  if (c->act) y = tg_activation(t, c->act, c->act_a, c->act_b, y);
  tg_output(t, y);
  *x_out = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, xd, -1.0f, 1.0f);
  return t;
}

static void describe(const conv_case *c, bool transpose, const char *variant, char *buf, size_t size) {
  snprintf(buf, size, "%s%s N%d C%d %dx%d -> M%d k%dx%d s%dx%d d%dx%d p%d,%d,%d,%d g%d %s%s act%d [%s]",
           transpose ? "ConvTranspose" : "Conv", c->nsp == 1 ? "1d" : "", c->N, c->C, c->nsp == 2 ? c->H : 1, c->W, c->M,
           c->KH, c->KW, c->SH, c->SW, c->DH, c->DW, c->pt, c->pl, c->pb, c->pr, c->G, c->auto_pad ? c->auto_pad : "",
           c->bias ? " bias" : "", c->act, variant);
}

static void run_case(const conv_case *c, bool transpose, const char *variant) {
  if (c->act == CLIQ_ACT_SILU && !cliq__op_find("Mul", "")) {
    static bool said;
    if (!said) printf("SiLU cases skipped: this tree has no Mul op yet (branch ops-math)\n");
    said = true;
    return;
  }
  cliq__tensor *x;
  tg *t = build(c, transpose, &x);
  char what[256];
  describe(c, transpose, variant, what, sizeof what);
  tg_compare(t, NULL, NULL, 1, &x, 2e-4f, 2e-4f, what);
  cliq__tensor_free(x);
  tg_free(t);
}

/* ---- hand-checked reference cases -------------------------------------------------------- */

static cliq__tensor *run_ref(th_op *op, cliq__tensor *x) {
  static cliq_context *ref;
  if (!ref) ref = th_ref_context();
  cliq_model *m = NULL;
  cliq__tensor **out = NULL;
  size_t n = 0;
  cliq__tensor *y = NULL;
  if (TH_OK(ref, th_op_model(op, ref, &m)) && TH_OK(ref, th_run(ref, m, 1, &x, &n, &out))) {
    y = out[0];
    out[0] = NULL;
  }
  th_free_tensors(out, n);
  cliq_model_destroy(m);
  return y;
}

static th_op *tiny_op(const char *type, int rank, const int64_t *xd, const int64_t *wd, const float *w) {
  th_op *op = th_op_new(type, 13);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, rank, xd);
  cliq__tensor *wt = th_tensor(CLIQ_DTYPE_FLOAT32, rank, wd);
  memcpy(wt->data, w, wt->nbytes);
  th_op_const(op, wt);
  cliq__tensor_free(wt);
  th_op_outputs(op, 1);
  return op;
}

static void hand_checked(void) {
  /* x = 1..9 as 3x3, 2x2 kernel of ones, no pads: each output is the sum of a 2x2 window */
  int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 2, 2};
  float ones[4] = {1, 1, 1, 1};
  th_op *op = tiny_op("Conv", 4, xd, wd, ones);
  cliq__tensor *x = th_tensor(CLIQ_DTYPE_FLOAT32, 4, xd);
  for (int i = 0; i < 9; i++) ((float *)x->data)[i] = (float)(i + 1);
  cliq__tensor *y = run_ref(op, x);
  float want[4] = {12, 16, 24, 28};
  if (y) th_compare_f32("hand: 2x2 box sum", y->data, want, 4, 0, 0);
  cliq__tensor_free(y);
  th_op_free(op);

  /* the same with pads 1 and stride 2: windows centred on the corners of the padded image */
  op = tiny_op("Conv", 4, xd, wd, ones);
  int64_t pads[4] = {1, 1, 1, 1}, st[2] = {2, 2};
  cliq__node_set_ints(th_op_node(op), "pads", pads, 4);
  cliq__node_set_ints(th_op_node(op), "strides", st, 2);
  y = run_ref(op, x);
  float want2[4] = {1, 2 + 3, 4 + 7, 5 + 6 + 8 + 9};
  if (y) th_compare_f32("hand: 2x2 box sum, pads 1, stride 2", y->data, want2, 4, 0, 0);
  cliq__tensor_free(y);
  th_op_free(op);

  /* dilation 2, 2x2 kernel [1, 2; 3, 4] on the 3x3 image: taps at the four corners */
  float wk[4] = {1, 2, 3, 4};
  op = tiny_op("Conv", 4, xd, wd, wk);
  int64_t dil[2] = {2, 2};
  cliq__node_set_ints(th_op_node(op), "dilations", dil, 2);
  y = run_ref(op, x);
  float want3[1] = {1 * 1 + 2 * 3 + 3 * 7 + 4 * 9};
  if (y) th_compare_f32("hand: dilation 2", y->data, want3, 1, 0, 0);
  cliq__tensor_free(y);
  th_op_free(op);

  /* SAME_UPPER with stride 2 on width 3: out = 2, total pad = 1 goes to the end */
  op = tiny_op("Conv", 4, xd, wd, ones);
  cliq__node_set_string(th_op_node(op), "auto_pad", "SAME_UPPER");
  cliq__node_set_ints(th_op_node(op), "strides", st, 2);
  y = run_ref(op, x);
  float want4[4] = {1 + 2 + 4 + 5, 3 + 6, 7 + 8, 9};
  if (y) th_compare_f32("hand: SAME_UPPER stride 2", y->data, want4, 4, 0, 0);
  cliq__tensor_free(y);
  th_op_free(op);
  /* SAME_LOWER puts it at the start */
  op = tiny_op("Conv", 4, xd, wd, ones);
  cliq__node_set_string(th_op_node(op), "auto_pad", "SAME_LOWER");
  cliq__node_set_ints(th_op_node(op), "strides", st, 2);
  y = run_ref(op, x);
  float want5[4] = {1, 2 + 3, 4 + 7, 5 + 6 + 8 + 9};
  if (y) th_compare_f32("hand: SAME_LOWER stride 2", y->data, want5, 4, 0, 0);
  cliq__tensor_free(y);
  th_op_free(op);
  cliq__tensor_free(x);

  /* depthwise, 2 channels, multiplier 1, 1x1 kernels [2] and [-1]: per-channel scaling */
  int64_t xd2[4] = {1, 2, 1, 2}, wd2[4] = {2, 1, 1, 1};
  float w2[2] = {2, -1};
  op = tiny_op("Conv", 4, xd2, wd2, w2);
  cliq__node_set_int(th_op_node(op), "group", 2);
  x = th_tensor(CLIQ_DTYPE_FLOAT32, 4, xd2);
  float xv[4] = {1, 2, 3, 4};
  memcpy(x->data, xv, sizeof xv);
  y = run_ref(op, x);
  float want6[4] = {2, 4, -3, -4};
  if (y) th_compare_f32("hand: depthwise scaling", y->data, want6, 4, 0, 0);
  cliq__tensor_free(y);
  th_op_free(op);
  cliq__tensor_free(x);

  /* ConvTranspose: x = [1 2; 3 4], 2x2 kernel of ones, stride 2: each input becomes a 2x2 block */
  int64_t xd3[4] = {1, 1, 2, 2};
  op = tiny_op("ConvTranspose", 4, xd3, wd, ones);
  cliq__node_set_ints(th_op_node(op), "strides", st, 2);
  x = th_tensor(CLIQ_DTYPE_FLOAT32, 4, xd3);
  memcpy(x->data, xv, sizeof xv);
  y = run_ref(op, x);
  float want7[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
  if (y) th_compare_f32("hand: ConvTranspose stride 2 blocks", y->data, want7, 16, 0, 0);
  cliq__tensor_free(y);
  th_op_free(op);
  /* stride 1: overlapping windows add up: a 3x3 output */
  op = tiny_op("ConvTranspose", 4, xd3, wd, ones);
  y = run_ref(op, x);
  float want8[9] = {1, 3, 2, 4, 10, 6, 3, 7, 4};
  if (y) th_compare_f32("hand: ConvTranspose stride 1 overlap", y->data, want8, 9, 0, 0);
  cliq__tensor_free(y);
  th_op_free(op);
  /* output_shape 5x5 at stride 2 with SAME_UPPER-less default: natural size 4, total pad -1 */
  op = tiny_op("ConvTranspose", 4, xd3, wd, ones);
  cliq__node_set_ints(th_op_node(op), "strides", st, 2);
  int64_t os[2] = {5, 5};
  cliq__node_set_ints(th_op_node(op), "output_shape", os, 2);
  y = run_ref(op, x);
  if (y) TH_CHECK(y->dims[2] == 5 && y->dims[3] == 5, "hand: ConvTranspose output_shape gives 5x5 (got %lldx%lld)",
                  (long long)y->dims[2], (long long)y->dims[3]);
  cliq__tensor_free(y);
  th_op_free(op);
  cliq__tensor_free(x);
}

/* ---- errors ------------------------------------------------------------------------------- */

static void expect_load_error(th_op *op, cliq_status want, const char *needle, const char *what) {
  static cliq_context *ref;
  if (!ref) ref = th_ref_context();
  cliq_model *m = NULL;
  cliq_status st = th_op_model(op, ref, &m);
  if (st == CLIQ_STATUS_OK) {
    /* shape errors surface when a session binds the shapes */
    cliq_session *s = NULL;
    st = cliq_session_create(ref, m, NULL, &s);
    cliq_session_destroy(s);
  }
  cliq_model_destroy(m);
  if (th_expect_status(ref, st, want, what))
    TH_CHECK(strstr(cliq_context_error(ref), needle) != NULL, "%s: message '%s' should mention '%s'", what,
             cliq_context_error(ref), needle);
}

static void errors(void) {
  int64_t xd[4] = {1, 3, 5, 5}, wd[4] = {2, 4, 3, 3};
  float w[72] = {0};
  th_op *op = tiny_op("Conv", 4, xd, wd, w);
  expect_load_error(op, CLIQ_STATUS_SHAPE_MISMATCH, "has 3 channels but weight", "input channels vs weight C/group");
  th_op_free(op);
  int64_t wd2[4] = {2, 3, 3, 3};
  op = tiny_op("Conv", 4, xd, wd2, w);
  cliq__node_set_string(th_op_node(op), "auto_pad", "SAME");
  expect_load_error(op, CLIQ_STATUS_UNSUPPORTED, "auto_pad", "auto_pad = SAME");
  th_op_free(op);
  op = tiny_op("Conv", 4, xd, wd2, w);
  int64_t st[1] = {0};
  cliq__node_set_ints(th_op_node(op), "strides", st, 1);
  expect_load_error(op, CLIQ_STATUS_INVALID_MODEL, "strides", "stride 0");
  th_op_free(op);
  op = tiny_op("Conv", 4, xd, wd2, w);
  cliq__node_set_int(th_op_node(op), "group", 2);
  expect_load_error(op, CLIQ_STATUS_SHAPE_MISMATCH, "group", "3 channels in 2 groups");
  th_op_free(op);
  op = tiny_op("Conv", 4, xd, wd2, w);
  int64_t ks[2] = {5, 5};
  cliq__node_set_ints(th_op_node(op), "kernel_shape", ks, 2);
  expect_load_error(op, CLIQ_STATUS_SHAPE_MISMATCH, "kernel_shape", "kernel_shape vs weight");
  th_op_free(op);
  int64_t wd3[4] = {2, 3, 7, 7};
  float wbig[2 * 3 * 49] = {0};
  op = tiny_op("Conv", 4, xd, wd3, wbig);
  expect_load_error(op, CLIQ_STATUS_SHAPE_MISMATCH, "spans", "kernel larger than the input");
  th_op_free(op);
  op = tiny_op("Conv", 4, xd, wd2, w);
  cliq__node_set_int(th_op_node(op), "bogus", 1);
  expect_load_error(op, CLIQ_STATUS_UNSUPPORTED, "bogus", "unknown attribute");
  th_op_free(op);
}

/* ---- device vs reference ----------------------------------------------------------------- */

static const int channels[] = {1, 3, 4, 7, 8, 13, 16, 17, 31, 64};
static const int spatial[] = {1, 3, 7, 13, 17, 28};

static int pick(const int *v, size_t n) { return v[th_randint(0, (int)n - 1)]; }
#define PICK(a) pick(a, sizeof a / sizeof a[0])

/* The GEMM-path cases, run once per variant. */
static void gemm_cases(const char *variant) {
  conv_case c;
  c = base(1, 16, 13, 13, 32, 1, 1, 0); run_case(&c, false, variant);              /* pointwise */
  c = base(3, 17, 7, 9, 13, 1, 1, 0); run_case(&c, false, variant);                /* pointwise, batch 3 */
  c = base(1, 3, 28, 28, 16, 3, 2, 1); run_case(&c, false, variant);               /* stem */
  c = base(1, 8, 17, 17, 31, 3, 1, 1); c.act = CLIQ_ACT_RELU; run_case(&c, false, variant);
  c = base(3, 13, 13, 13, 7, 3, 3, 1); c.bias = false; run_case(&c, false, variant);
  c = base(1, 16, 28, 28, 64, 3, 1, 2); c.DH = c.DW = 2; run_case(&c, false, variant);  /* dilated (RFB) */
  c = base(1, 16, 13, 13, 16, 3, 1, 3); c.DH = c.DW = 3; run_case(&c, false, variant);
  c = base(1, 3, 28, 28, 24, 5, 2, 1); c.pb = c.pr = 2; run_case(&c, false, variant); /* blazeface stem, asymmetric */
  c = base(1, 64, 7, 7, 64, 3, 1, 1); c.act = CLIQ_ACT_CLIP; c.act_a = 0; c.act_b = 6; run_case(&c, false, variant);
  c = base(1, 64, 1, 1, 17, 1, 1, 0); run_case(&c, false, variant);                /* fully connected as conv */
  c = base(1, 31, 3, 3, 64, 3, 1, 1); c.act = CLIQ_ACT_SIGMOID; run_case(&c, false, variant);
  c = base(1, 16, 17, 13, 16, 3, 1, 1); c.G = 2; run_case(&c, false, variant);     /* grouped, 8 per group */
  c = base(3, 32, 7, 7, 64, 1, 1, 0); c.G = 4; run_case(&c, false, variant);       /* grouped pointwise */
  c = base(1, 7, 13, 17, 8, 3, 1, 0); c.auto_pad = "SAME_UPPER"; c.SH = 2; run_case(&c, false, variant);
  c = base(1, 7, 13, 17, 8, 4, 2, 0); c.auto_pad = "SAME_LOWER"; run_case(&c, false, variant);
  c = base(1, 7, 13, 17, 8, 3, 2, 0); c.auto_pad = "VALID"; c.kernel_shape_attr = true; run_case(&c, false, variant);
  c = base(1, 4, 1, 28, 8, 1, 1, 0); c.nsp = 1; c.KW = 5; c.pl = 2; c.pr = 1; c.SW = 2; run_case(&c, false, variant); /* 1-D */
  c = base(3, 17, 1, 13, 7, 1, 1, 0); c.nsp = 1; c.KW = 3; c.DW = 2; c.pl = c.pr = 2; run_case(&c, false, variant);
  c = base(1, 8, 28, 28, 16, 7, 2, 3); c.SW = 3; c.pt = 0; run_case(&c, false, variant);
  c = base(1, 64, 28, 28, 64, 3, 1, 1); c.act = CLIQ_ACT_LEAKY_RELU; c.act_a = 0.1f; run_case(&c, false, variant);
  c = base(1, 16, 13, 13, 17, 3, 1, 1); c.act = CLIQ_ACT_SILU; run_case(&c, false, variant);
  c = base(1, 16, 13, 13, 17, 1, 1, 0); c.act = CLIQ_ACT_HARD_SIGMOID; c.act_a = 0.2f; c.act_b = 0.5f; run_case(&c, false, variant);
  c = base(1, 16, 7, 7, 8, 3, 1, 1); c.act = CLIQ_ACT_TANH; run_case(&c, false, variant);
  /* ConvTranspose through the GEMM + col2im path */
  c = base(1, 8, 7, 7, 4, 3, 2, 1); run_case(&c, true, variant);
  c = base(3, 4, 5, 6, 6, 4, 2, 1); c.G = 2; c.act = CLIQ_ACT_RELU; run_case(&c, true, variant);
  c = base(1, 3, 13, 13, 7, 3, 1, 0); c.DH = c.DW = 2; run_case(&c, true, variant);
  /* random shapes */
  for (int r = 0; r < 24; r++) {
    c = base(th_randint(0, 3) == 0 ? 3 : 1, PICK(channels), PICK(spatial), PICK(spatial), PICK(channels), th_randint(1, 5),
             th_randint(1, 3), 0);
    c.KW = th_randint(1, 5);
    c.SW = th_randint(1, 3);
    c.DH = th_randint(1, 3);
    c.DW = th_randint(1, 2);
    c.pt = th_randint(0, 2), c.pl = th_randint(0, 2), c.pb = th_randint(0, 2), c.pr = th_randint(0, 2);
    /* keep the dilated kernel inside the padded input */
    while ((c.KH - 1) * c.DH + 1 > c.H + c.pt + c.pb) c.KH > 1 ? c.KH-- : c.DH--;
    while ((c.KW - 1) * c.DW + 1 > c.W + c.pl + c.pr) c.KW > 1 ? c.KW-- : c.DW--;
    if (c.DH < 1) c.DH = 1;
    if (c.DW < 1) c.DW = 1;
    int gsel = th_randint(0, 3);
    if (gsel == 1 && c.C % 2 == 0 && c.M % 2 == 0 && c.C > 8) c.G = 2;
    c.bias = th_randint(0, 1);
    c.act = th_randint(0, 2) == 0 ? CLIQ_ACT_RELU : CLIQ_ACT_NONE;
    run_case(&c, false, variant);
  }
}

/* 3-D convs and ConvTransposes (im2col/col2im with a depth axis). */
static void cases_3d(const char *variant) {
  struct { int N, C, D, H, W, M, K, S, P, Dil, G; bool transpose; } cs[] = {
      {1, 3, 5, 7, 6, 8, 3, 1, 1, 1, 1, false}, {2, 4, 4, 5, 5, 6, 3, 2, 0, 1, 2, false},
      {1, 8, 3, 9, 7, 8, 3, 1, 2, 2, 8, false}, {1, 4, 3, 4, 5, 6, 3, 2, 1, 1, 2, true}};
  for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
    tg *t = tg_new(14);
    int64_t xd[5] = {cs[i].N, cs[i].C, cs[i].D, cs[i].H, cs[i].W};
    int64_t wd[5] = {cs[i].transpose ? cs[i].C : cs[i].M, cs[i].transpose ? cs[i].M / cs[i].G : cs[i].C / cs[i].G, cs[i].K,
                     cs[i].K, cs[i].K};
    int64_t bd[1] = {cs[i].M};
    int in[3] = {tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 5, xd, NULL), tg_const_random(t, "w", 5, wd, -1, 1),
                 tg_const_random(t, "b", 1, bd, -1, 1)};
    int y = tg_value(t, "y");
    tg_node_ex(t, "", cs[i].transpose ? "ConvTranspose" : "Conv", "conv3d", in, 3, &y, 1);
    int64_t st[3] = {cs[i].S, cs[i].S, cs[i].S}, dl[3] = {cs[i].Dil, cs[i].Dil, cs[i].Dil};
    int64_t pads[6] = {cs[i].P, cs[i].P, cs[i].P, cs[i].P, cs[i].P, cs[i].P};
    cliq__node *n = tg_last_node(t);
    cliq__node_set_ints(n, "strides", st, 3);
    cliq__node_set_ints(n, "dilations", dl, 3);
    cliq__node_set_ints(n, "pads", pads, 6);
    if (cs[i].G > 1) cliq__node_set_int(n, "group", cs[i].G);
    tg_output(t, y);
    cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 5, xd, -1, 1);
    char what[160];
    snprintf(what, sizeof what, "%s3d N%d C%d %dx%dx%d M%d k%d s%d p%d d%d g%d [%s]", cs[i].transpose ? "ConvTranspose" : "Conv",
             cs[i].N, cs[i].C, cs[i].D, cs[i].H, cs[i].W, cs[i].M, cs[i].K, cs[i].S, cs[i].P, cs[i].Dil, cs[i].G, variant);
    tg_compare(t, NULL, NULL, 1, &x, 2e-4f, 2e-4f, what);
    cliq__tensor_free(x);
    tg_free(t);
  }
}

/* The direct (depthwise / few channels per group) kernel: independent of the GEMM variant. */
static void direct_cases(void) {
  conv_case c;
  const char *v = "direct";
  for (int k = 3; k <= 5; k += 2)
    for (int s = 1; s <= 2; s++) {
      c = base(1, 16, 28, 28, 16, k, s, k / 2); c.G = 16; run_case(&c, false, v);                  /* fast path */
      c = base(3, 7, 17, 13, 7, k, s, k / 2); c.G = 7; c.act = CLIQ_ACT_RELU; run_case(&c, false, v);
      c = base(1, 8, 40, 37, 16, k, s, k / 2); c.G = 8; run_case(&c, false, v);                   /* multiplier 2 */
      c = base(1, 4, 7, 1, 4, k, s, k / 2); c.G = 4; run_case(&c, false, v);                      /* width 1 */
    }
  c = base(1, 28, 64, 64, 28, 3, 2, 0); c.G = 28; c.pb = c.pr = 1; run_case(&c, false, v);        /* blazeface s2 */
  c = base(1, 32, 60, 80, 32, 3, 2, 1); c.G = 32; run_case(&c, false, v);                         /* ultraface s2 */
  c = base(1, 13, 17, 17, 13, 3, 1, 2); c.G = 13; c.DH = c.DW = 2; run_case(&c, false, v);       /* dilated: generic */
  c = base(1, 13, 17, 17, 26, 7, 3, 3); c.G = 13; run_case(&c, false, v);                         /* 7x7 s3 mult 2 */
  c = base(3, 16, 13, 13, 8, 3, 1, 1); c.G = 4; c.bias = false; run_case(&c, false, v);           /* 4 channels/group */
  c = base(1, 8, 9, 9, 16, 3, 2, 1); c.G = 4; c.act = CLIQ_ACT_HARD_SWISH; run_case(&c, false, v);
  c = base(1, 6, 1, 29, 6, 1, 1, 1); c.nsp = 1; c.KW = 3; c.G = 6; run_case(&c, false, v);       /* 1-D depthwise */
  c = base(1, 16, 13, 13, 16, 3, 1, 0); c.G = 16; c.auto_pad = "SAME_LOWER"; c.SH = c.SW = 2; run_case(&c, false, v);
  for (int r = 0; r < 12; r++) {
    int C = PICK(channels);
    c = base(th_randint(0, 2) == 0 ? 3 : 1, C, PICK(spatial), PICK(spatial), C * th_randint(1, 2), th_randint(1, 5),
             th_randint(1, 3), th_randint(0, 2));
    c.KW = c.KH;
    c.G = C;
    while (c.KH > c.H + c.pt + c.pb) c.KH--;
    while (c.KW > c.W + c.pl + c.pr) c.KW--;
    run_case(&c, false, v);
  }
}

int main(void) {
  th_init("test_conv");
  hand_checked();
  errors();
  cliq_context *dev = th_device_context();
  direct_cases();
  bool clblast = getenv("CLIQ_TEST_CLBLAST") && getenv("CLIQ_TEST_CLBLAST")[0] == '1';
  for (int i = 0; i < CLIQ__VARIANT_COUNT; i++) {
    const cliq__variant *v = &cliq__variants[i];
    if (v->kind != CLIQ__VK_GEMM_F32) continue;
    if (!v->where(&dev->dev)) {
      printf("variant %s: skipped (cannot run on this device)\n", v->name);
      continue;
    }
    char tune[96];
    snprintf(tune, sizeof tune, "GEMM_F32=%s", v->name);
    setenv("CLIQ_TUNE", tune, 1);
    if (!v->program) {
      if (!clblast) {
        printf("variant %s: skipped (its first use compiles for 13-17 s on PoCL; CLIQ_TEST_CLBLAST=1 runs it)\n", v->name);
        continue;
      }
      conv_case c = base(3, 8, 13, 11, 7, 3, 2, 1);
      c.act = CLIQ_ACT_RELU;
      run_case(&c, false, v->name);
      c = base(1, 16, 9, 9, 16, 1, 1, 0);
      run_case(&c, false, v->name);
      c = base(1, 8, 5, 5, 4, 3, 2, 1);
      run_case(&c, true, v->name);
      continue;
    }
    printf("variant %s (MR %d, NR %d)\n", v->name, v->mr, v->nr);
    fflush(stdout);
    gemm_cases(v->name);
    cases_3d(v->name);
    /* packed columns beyond the scratch limit run in slices of whole panels (mid-image starts) */
    snprintf(tune, sizeof tune, "GEMM_F32=%s,GEMM_SCRATCH_KB=32", v->name);
    setenv("CLIQ_TUNE", tune, 1);
    conv_case c = base(5, 16, 17, 19, 24, 3, 1, 1);
    c.act = CLIQ_ACT_RELU;
    run_case(&c, false, "sliced batch");
    c = base(4, 32, 13, 13, 8, 1, 1, 0);
    run_case(&c, false, "sliced batch, pointwise");
    c = base(1, 8, 41, 37, 16, 3, 1, 1);
    run_case(&c, false, "sliced image");
  }
  unsetenv("CLIQ_TUNE");
  cliq_context_destroy(dev);
  return th_finish();
}

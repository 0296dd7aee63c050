/*
 * test_fusion.c — the conv passes: BatchNormalization folding (load), activation fusion and
 * MatMul+Add -> Gemm (session), the shared rule cliq__fusable_activation, and the real models of
 * ../shared end to end (device output against the ONNX Runtime outputs stored with each model).
 *
 * Folded and fused results are checked against values computed here independently: the unfused
 * producer on the C reference, then BN or the activation applied by this file's own formulas.
 * Cases that must not fuse (a second reader, a graph output, non-constant parameters) must keep
 * their nodes. Graphs needing ops this tree lacks (BatchNormalization, Add, Mul come from other
 * branches) are reported as skipped, as are models with unsupported ops.
 */
#include "harness_graph.h"
#include "harness.h"

#include "activation.h"
#include "model.h"
#include "ops/op.h"
#include "passes/fusion.h"
#include "passes/passes.h"
#include "session.h"
#include "onnx_tensor.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cliq_context *ref_ctx, *dev_ctx;

static size_t count_op(const cliq__graph *g, const char *type) {
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++) n += strcmp(g->nodes[i].op_type, type) == 0;
  return n;
}

/* Runs a graph (copied, through the load pipeline) on ctx; returns output 0. */
static cliq__tensor *run_graph(tg *t, cliq_context *ctx, size_t n_in, cliq__tensor *const *in, const char *what) {
  size_t n = 0;
  cliq__tensor **out = NULL;
  cliq_status st = tg_run(t, ctx, n_in, in, &n, &out);
  if (st != CLIQ_STATUS_OK) TH_CHECK(false, "%s: %s: %s", what, cliq_status_name(st), cliq_context_error(ctx));
  cliq__tensor *y = out ? out[0] : NULL;
  if (out) out[0] = NULL;
  th_free_tensors(out, n);
  return y;
}

/* ---- BN folding --------------------------------------------------------------------------- */

typedef struct bn_case {
  bool transpose, bias;
  int N, C, H, W, M, K, S, G;
} bn_case;

/* x -> Conv/ConvTranspose -> (BN) -> y. With bn = false the graph stops at the conv. */
static tg *bn_graph(const bn_case *c, bool bn, const cliq__tensor *w, const cliq__tensor *b, const cliq__tensor *const *p) {
  tg *t = tg_new(14);
  int64_t xd[4] = {c->N, c->C, c->H, c->W};
  int in[3] = {tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, xd, NULL), tg_const(t, "w", w), c->bias ? tg_const(t, "b", b) : -1};
  int v = tg_value(t, "conv_out");
  tg_node_ex(t, "", c->transpose ? "ConvTranspose" : "Conv", "conv", in, c->bias ? 3 : 2, &v, 1);
  int64_t st[2] = {c->S, c->S}, pads[4] = {c->K / 2, c->K / 2, c->K / 2, c->K / 2};
  cliq__node_set_ints(tg_last_node(t), "strides", st, 2);
  cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
  if (c->G > 1) cliq__node_set_int(tg_last_node(t), "group", c->G);
  if (bn) {
    int y = tg_value(t, "bn_out");
    int bi[5] = {v, tg_const(t, "scale", p[0]), tg_const(t, "B", p[1]), tg_const(t, "mean", p[2]), tg_const(t, "var", p[3])};
    tg_node_ex(t, "", "BatchNormalization", "bn", bi, 5, &y, 1);
    cliq__node_set_float(tg_last_node(t), "epsilon", 1e-3f);
    v = y;
  }
  tg_output(t, v);
  return t;
}

static void bn_fold_case(const bn_case *c) {
  int64_t wd[4] = {c->transpose ? c->C : c->M, c->transpose ? c->M / c->G : c->C / c->G, c->K, c->K}, md[1] = {c->M};
  cliq__tensor *w = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, wd, -1, 1), *b = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, md, -1, 1);
  cliq__tensor *p[4] = {th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, md, 0.5f, 2.0f), th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, md, -1, 1),
                        th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, md, -0.5f, 0.5f), th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, md, 0.1f, 3.0f)};
  int64_t xd[4] = {c->N, c->C, c->H, c->W};
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, xd, -1, 1);
  char what[160];
  snprintf(what, sizeof what, "BN fold %s N%d C%d %dx%d M%d k%d s%d g%d%s", c->transpose ? "ConvTranspose" : "Conv", c->N, c->C,
           c->H, c->W, c->M, c->K, c->S, c->G, c->bias ? " bias" : "");

  /* the pass itself, applied to the graph directly (BatchNormalization may not be an op here) */
  tg *t = bn_graph(c, true, w, b, (const cliq__tensor *const *)p);
  cliq__graph *g = tg_graph(t);
  cliq__graph_update_producers(g);
  TH_OK(ref_ctx, cliq__pass_fold_batchnorm(ref_ctx, g));
  TH_CHECK(count_op(g, "BatchNormalization") == 0 && g->n_nodes == 1 && g->nodes[0].n_inputs == 3 &&
               g->nodes[0].outputs[0] == g->outputs[0],
           "%s: the BN node is folded into the conv, which gains a bias and writes the BN's output", what);
  cliq__tensor *folded = run_graph(t, dev_ctx, 1, &x, what);
  tg_free(t);

  /* independent expectation: the conv alone on the reference, then BN by its definition */
  t = bn_graph(c, false, w, b, NULL);
  cliq__tensor *conv = run_graph(t, ref_ctx, 1, &x, what);
  tg_free(t);
  if (folded && conv) {
    size_t per = cliq__tensor_elems(conv) / (size_t)(c->N * c->M);
    float *e = conv->data;
    for (int n = 0; n < c->N; n++)
      for (int m = 0; m < c->M; m++)
        for (size_t i = 0; i < per; i++) {
          float *v = &e[((size_t)n * c->M + m) * per + i];
          double sc = ((float *)p[0]->data)[m], be = ((float *)p[1]->data)[m], mu = ((float *)p[2]->data)[m],
                 va = ((float *)p[3]->data)[m];
          *v = (float)(sc * ((double)*v - mu) / sqrt(va + 1e-3) + be);
        }
    th_compare_tensor(what, folded, conv, 2e-4f, 2e-4f);
  }
  cliq__tensor_free(folded);
  cliq__tensor_free(conv);

  /* with the BN op available: the normal load pipeline folds, and an unfoldable copy (the conv
   * output is also a graph output) runs the BN op itself; both must agree */
  if (cliq__op_find("BatchNormalization", "")) {
    t = bn_graph(c, true, w, b, (const cliq__tensor *const *)p);
    cliq__tensor *with = run_graph(t, dev_ctx, 1, &x, what);
    tg_output(t, tg_graph(t)->nodes[0].outputs[0]);
    size_t n = 0;
    cliq__tensor **without = NULL;
    cliq_status st = tg_run(t, ref_ctx, 1, &x, &n, &without);
    if (st != CLIQ_STATUS_OK) TH_CHECK(false, "%s: %s: %s", what, cliq_status_name(st), cliq_context_error(ref_ctx));
    if (with && without) th_compare_tensor("BN folded vs BatchNormalization op", with, without[0], 2e-4f, 2e-4f);
    cliq__tensor_free(with);
    th_free_tensors(without, n);
    tg_free(t);
  }
  cliq__tensor_free(x);
  cliq__tensor_free(w);
  cliq__tensor_free(b);
  for (int i = 0; i < 4; i++) cliq__tensor_free(p[i]);
}

static void bn_not_folded(void) {
  bn_case c = {false, true, 1, 4, 5, 5, 6, 3, 1, 1};
  int64_t wd[4] = {6, 4, 3, 3}, md[1] = {6};
  cliq__tensor *w = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, wd, -1, 1), *b = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, md, -1, 1);
  cliq__tensor *p[4];
  for (int i = 0; i < 4; i++) p[i] = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, md, 0.5f, 1.5f);
  /* the conv output is read twice (also a graph output) */
  tg *t = bn_graph(&c, true, w, b, (const cliq__tensor *const *)p);
  tg_output(t, tg_graph(t)->nodes[0].outputs[0]);
  cliq__graph_update_producers(tg_graph(t));
  TH_OK(ref_ctx, cliq__pass_fold_batchnorm(ref_ctx, tg_graph(t)));
  TH_CHECK(count_op(tg_graph(t), "BatchNormalization") == 1, "BN whose input is also a graph output stays");
  tg_free(t);
  /* the variance is computed, not constant */
  t = bn_graph(&c, true, w, b, (const cliq__tensor *const *)p);
  int64_t vd[1] = {6};
  int var_in = tg_input(t, "var_in", CLIQ_DTYPE_FLOAT32, 1, vd, NULL);
  tg_graph(t)->nodes[1].inputs[4] = var_in;
  cliq__graph_update_producers(tg_graph(t));
  TH_OK(ref_ctx, cliq__pass_fold_batchnorm(ref_ctx, tg_graph(t)));
  TH_CHECK(count_op(tg_graph(t), "BatchNormalization") == 1, "BN with a computed variance stays");
  tg_free(t);
  /* training mode */
  t = bn_graph(&c, true, w, b, (const cliq__tensor *const *)p);
  cliq__node_set_int(&tg_graph(t)->nodes[1], "training_mode", 1);
  cliq__graph_update_producers(tg_graph(t));
  TH_OK(ref_ctx, cliq__pass_fold_batchnorm(ref_ctx, tg_graph(t)));
  TH_CHECK(count_op(tg_graph(t), "BatchNormalization") == 1, "BN in training mode stays");
  tg_free(t);
  cliq__tensor_free(w);
  cliq__tensor_free(b);
  for (int i = 0; i < 4; i++) cliq__tensor_free(p[i]);
}

/* ---- activation fusion -------------------------------------------------------------------- */

static float act_by_definition(int act, float x, float a, float b) {
  switch (act) {
  case CLIQ_ACT_RELU: return x < 0 ? 0 : x;
  case CLIQ_ACT_CLIP: return fminf(fmaxf(x, a), b);
  case CLIQ_ACT_LEAKY_RELU: return x < 0 ? a * x : x;
  case CLIQ_ACT_SIGMOID: return (float)(1.0 / (1.0 + exp(-(double)x)));
  case CLIQ_ACT_HARD_SIGMOID: return fmaxf(0.0f, fminf(1.0f, a * x + b));
  case CLIQ_ACT_HARD_SWISH: return x * fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f));
  case CLIQ_ACT_TANH: return (float)tanh((double)x);
  case CLIQ_ACT_SILU: return (float)((double)x / (1.0 + exp(-(double)x)));
  default: return x;
  }
}

static bool needs_missing_op(int act) { return act == CLIQ_ACT_SILU && !cliq__op_find("Mul", ""); }

/* producer: 0 Conv, 1 ConvTranspose, 2 Gemm, 3 MatMul */
static tg *producer_graph(int producer, int *in_dims_rank, int64_t *xd) {
  tg *t = tg_new(14);
  int y = tg_value(t, "prod_out");
  if (producer <= 1) {
    xd[0] = 1, xd[1] = 8, xd[2] = 9, xd[3] = 7;
    *in_dims_rank = 4;
    int64_t wd[4] = {8, 5, 3, 3}, bd[1] = {producer ? 5 : 8};
    if (!producer) wd[1] = 8, wd[0] = 5, bd[0] = 5;
    int in[3] = {tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, xd, NULL), tg_const_random(t, "w", 4, wd, -1, 1),
                 tg_const_random(t, "b", 1, bd, -1, 1)};
    tg_node_ex(t, "", producer ? "ConvTranspose" : "Conv", "producer", in, 3, &y, 1);
    int64_t pads[4] = {1, 1, 1, 1};
    cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
  } else {
    xd[0] = 3, xd[1] = 16;
    *in_dims_rank = 2;
    int64_t wd[2] = {16, 10};
    int in[2] = {tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 2, xd, NULL), tg_const_random(t, "w", 2, wd, -1, 1)};
    tg_node_ex(t, "", producer == 2 ? "Gemm" : "MatMul", "producer", in, 2, &y, 1);
  }
  return t;
}

static void fusion_case(int producer, int act, float a, float b) {
  static const char *const names[] = {"Conv", "ConvTranspose", "Gemm", "MatMul"};
  char what[128];
  snprintf(what, sizeof what, "fuse %s + act %d (%g, %g)", names[producer], act, a, b);
  if (needs_missing_op(act)) {
    printf("%s: skipped (no Mul op in this tree yet)\n", what);
    return;
  }
  int rank;
  int64_t xd[4];
  tg *t = producer_graph(producer, &rank, xd);
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, xd, -3, 3);
  /* expected: the producer alone on the reference, then the activation by definition */
  int v = tg_graph(t)->nodes[0].outputs[0];
  tg_output(t, v);
  cliq__tensor *want = run_graph(t, ref_ctx, 1, &x, what);
  tg_graph(t)->n_outputs = 0;
  tg_graph(t)->values[v].flags &= ~(unsigned)CLIQ__VALUE_GRAPH_OUTPUT;
  int y = tg_activation(t, act, a, b, v);
  tg_output(t, y);
  /* the session graph holds one node carrying the activation */
  cliq_model *m = NULL;
  cliq_session *s = NULL;
  if (TH_OK(dev_ctx, tg_model(t, dev_ctx, &m)) && TH_OK(dev_ctx, cliq_session_create(dev_ctx, m, NULL, &s))) {
    const cliq__graph *sg = s->g;
    TH_CHECK(sg->n_nodes == 1 && cliq__attr_int(&sg->nodes[0], "cliq.act", -1) == act, "%s: fused into one node (%zu nodes)", what,
             sg->n_nodes);
  }
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  cliq__tensor *got = run_graph(t, dev_ctx, 1, &x, what);
  if (got && want) {
    float *w = want->data;
    for (size_t i = 0; i < cliq__tensor_elems(want); i++) w[i] = act_by_definition(act, w[i], a, b);
    th_compare_tensor(what, got, want, 1e-4f, 1e-4f);
  }
  cliq__tensor_free(got);
  cliq__tensor_free(want);
  cliq__tensor_free(x);
  tg_free(t);
}

static void not_fused(void) {
  int rank;
  int64_t xd[4];
  /* the conv output is also a graph output: the Relu must stay */
  tg *t = producer_graph(0, &rank, xd);
  int v = tg_graph(t)->nodes[0].outputs[0];
  int y = tg_activation(t, CLIQ_ACT_RELU, 0, 0, v);
  tg_output(t, y);
  tg_output(t, v);
  cliq__graph_update_producers(tg_graph(t));
  TH_CHECK(!cliq__fusable_activation(tg_graph(t), 0, 1, NULL, NULL, NULL), "conv output that is a graph output is not fusable");
  TH_OK(ref_ctx, cliq__pass_fuse_activations(ref_ctx, tg_graph(t)));
  TH_CHECK(tg_graph(t)->n_nodes == 2, "Relu after a conv whose output is a graph output stays (%zu nodes)", tg_graph(t)->n_nodes);
  tg_free(t);
  /* two readers */
  t = producer_graph(0, &rank, xd);
  v = tg_graph(t)->nodes[0].outputs[0];
  int y1 = tg_activation(t, CLIQ_ACT_RELU, 0, 0, v), y2 = tg_activation(t, CLIQ_ACT_TANH, 0, 0, v);
  tg_output(t, y1);
  tg_output(t, y2);
  cliq__graph_update_producers(tg_graph(t));
  TH_OK(ref_ctx, cliq__pass_fuse_activations(ref_ctx, tg_graph(t)));
  TH_CHECK(tg_graph(t)->n_nodes == 3, "conv output read by two activations: nothing fused (%zu nodes)", tg_graph(t)->n_nodes);
  tg_free(t);
  /* Clip with a computed bound */
  t = producer_graph(0, &rank, xd);
  v = tg_graph(t)->nodes[0].outputs[0];
  int64_t none[1] = {0};
  int lo = tg_input(t, "lo", CLIQ_DTYPE_FLOAT32, 0, none, NULL);
  int out = tg_value(t, "clip_out");
  int in[2] = {v, lo};
  int clip = tg_node_ex(t, "", "Clip", "clip", in, 2, &out, 1);
  tg_output(t, out);
  cliq__graph_update_producers(tg_graph(t));
  TH_CHECK(!cliq__fusable_activation(tg_graph(t), 0, clip, NULL, NULL, NULL), "Clip with a computed bound is not fusable");
  tg_free(t);
  /* the rule reports parameters */
  t = producer_graph(2, &rank, xd);
  v = tg_graph(t)->nodes[0].outputs[0];
  y = tg_activation(t, CLIQ_ACT_CLIP, 0.0f, 6.0f, v);
  tg_output(t, y);
  cliq__graph_update_producers(tg_graph(t));
  int act = -1;
  float a = -1, b = -1;
  TH_CHECK(cliq__fusable_activation(tg_graph(t), 0, 1, &act, &a, &b) && act == CLIQ_ACT_CLIP && a == 0.0f && b == 6.0f,
           "Gemm + Clip(0, 6) is fusable as CLIP(0, 6) (got %d, %g, %g)", act, a, b);
  TH_CHECK(cliq__fused_output(tg_graph(t), 0, 1) == y, "the fused node writes the Clip's output");
  tg_free(t);
}

static void matmul_add(void) {
  if (!cliq__op_find("Add", "")) {
    printf("MatMul + Add -> Gemm: skipped (no Add op in this tree yet)\n");
    return;
  }
  static const int64_t cshapes[3][2] = {{10, 0}, {1, 10}, {3, 1}};
  static const int cranks[3] = {1, 2, 2};
  for (int k = 0; k < 3; k++) {
    int rank;
    int64_t xd[4];
    tg *t = producer_graph(3, &rank, xd);
    int v = tg_graph(t)->nodes[0].outputs[0];
    cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, xd, -1, 1);
    char what[96];
    snprintf(what, sizeof what, "MatMul + Add(bias rank %d) + Relu -> Gemm", cranks[k]);
    /* expected: the MatMul alone on the reference (same weights), then bias and Relu here */
    tg_output(t, v);
    cliq__tensor *want = run_graph(t, ref_ctx, 1, &x, what);
    tg_graph(t)->n_outputs = 0;
    tg_graph(t)->values[v].flags &= ~(unsigned)CLIQ__VALUE_GRAPH_OUTPUT;
    cliq__tensor *bias = th_tensor_random(CLIQ_DTYPE_FLOAT32, cranks[k], cshapes[k], -1, 1);
    int c = tg_const(t, "bias", bias);
    int y = tg_value(t, "sum");
    int in[2] = {k == 1 ? c : v, k == 1 ? v : c};
    tg_node_ex(t, "", "Add", "add", in, 2, &y, 1);
    y = tg_activation(t, CLIQ_ACT_RELU, 0, 0, y);
    tg_output(t, y);
    cliq_model *m = NULL;
    cliq_session *s = NULL;
    if (TH_OK(dev_ctx, tg_model(t, dev_ctx, &m)) && TH_OK(dev_ctx, cliq_session_create(dev_ctx, m, NULL, &s)))
      TH_CHECK(s->g->n_nodes == 1 && strcmp(s->g->nodes[0].op_type, "Gemm") == 0, "%s: one Gemm node", what);
    cliq_session_destroy(s);
    cliq_model_destroy(m);
    cliq__tensor *got = run_graph(t, dev_ctx, 1, &x, what);
    tg_free(t);
    if (got && want) {
      float *w = want->data, *bb = bias->data;
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 10; j++) {
          float add = k == 2 ? bb[i] : bb[j];
          w[i * 10 + j] = act_by_definition(CLIQ_ACT_RELU, w[i * 10 + j] + add, 0, 0);
        }
      th_compare_tensor(what, got, want, 1e-4f, 1e-4f);
    }
    cliq__tensor_free(got);
    cliq__tensor_free(want);
    cliq__tensor_free(x);
    cliq__tensor_free(bias);
  }
}

/* ---- NHWC input folding ------------------------------------------------------------------ */

/* x [N, H, W, C] -> Transpose(0, 3, 1, 2) -> Conv (-> Relu); the pass must drop the Transpose and
 * the Conv must give what a Conv on the transposed data gives. */
static void nhwc_case(int N, int H, int W, int C, int M, int K, int S, int pt, int pl, int pb, int pr, int G) {
  char what[128];
  snprintf(what, sizeof what, "NHWC input folded: N%d %dx%dx%d -> M%d k%d s%d p%d,%d,%d,%d g%d", N, H, W, C, M, K, S, pt, pl, pb, pr, G);
  int64_t wd[4] = {M, C / G, K, K}, bd[1] = {M}, xd[4] = {N, H, W, C}, xdn[4] = {N, C, H, W};
  cliq__tensor *w = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, wd, -1, 1), *b = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, bd, -1, 1);
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, xd, -1, 1), *xn = th_tensor(CLIQ_DTYPE_FLOAT32, 4, xdn);
  for (int n = 0; n < N; n++)
    for (int h = 0; h < H; h++)
      for (int ww = 0; ww < W; ww++)
        for (int c = 0; c < C; c++)
          ((float *)xn->data)[((n * C + c) * H + h) * W + ww] = ((float *)x->data)[((n * H + h) * W + ww) * C + c];
  int64_t st[2] = {S, S}, pads[4] = {pt, pl, pb, pr}, perm[4] = {0, 3, 1, 2};
  tg *t[2];
  for (int v = 0; v < 2; v++) {
    t[v] = tg_new(14);
    int in = tg_input(t[v], "x", CLIQ_DTYPE_FLOAT32, 4, v ? xdn : xd, NULL);
    if (!v) {
      int xt = tg_value(t[v], "x_nchw");
      tg_node_ex(t[v], "", "Transpose", "to_nchw", &in, 1, &xt, 1);
      cliq__node_set_ints(tg_last_node(t[v]), "perm", perm, 4);
      in = xt;
    }
    int ci[3] = {in, tg_const(t[v], "w", w), tg_const(t[v], "b", b)};
    int y = tg_value(t[v], "y");
    tg_node_ex(t[v], "", "Conv", "conv", ci, 3, &y, 1);
    cliq__node_set_ints(tg_last_node(t[v]), "strides", st, 2);
    cliq__node_set_ints(tg_last_node(t[v]), "pads", pads, 4);
    if (G > 1) cliq__node_set_int(tg_last_node(t[v]), "group", G);
    tg_output(t[v], tg_activation(t[v], CLIQ_ACT_RELU, 0, 0, y));
    cliq__graph_update_producers(tg_graph(t[v]));
  }
  TH_OK(ref_ctx, cliq__pass_fold_nhwc_input(ref_ctx, tg_graph(t[0])));
  const cliq__graph *g = tg_graph(t[0]);
  TH_CHECK(count_op(g, "Transpose") == 0 && g->nodes[0].inputs[0] == g->inputs[0] &&
               cliq__attr_int(&g->nodes[0], "cliq.input_nhwc", 0) == 1,
           "%s: the Transpose is gone and the Conv reads the NHWC input", what);
  cliq__tensor *got = run_graph(t[0], dev_ctx, 1, &x, what), *got_ref = run_graph(t[0], ref_ctx, 1, &x, what);
  cliq__tensor *want = run_graph(t[1], ref_ctx, 1, &xn, what);
  if (got && want) th_compare_tensor(what, got, want, 2e-4f, 2e-4f);
  if (got_ref && want) th_compare_tensor("NHWC reference vs NCHW reference", got_ref, want, 1e-5f, 1e-5f);
  cliq__tensor_free(got);
  cliq__tensor_free(got_ref);
  cliq__tensor_free(want);
  cliq__tensor_free(x);
  cliq__tensor_free(xn);
  cliq__tensor_free(w);
  cliq__tensor_free(b);
  tg_free(t[0]);
  tg_free(t[1]);
}

static void nhwc_not_folded(void) {
  /* a Transpose also read by a non-Conv (here: a graph output) stays */
  tg *t = tg_new(14);
  int64_t xd[4] = {1, 5, 5, 3}, wd[4] = {4, 3, 1, 1}, perm[4] = {0, 3, 1, 2};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, xd, NULL), xt = tg_value(t, "xt");
  tg_node_ex(t, "", "Transpose", "t", &x, 1, &xt, 1);
  cliq__node_set_ints(tg_last_node(t), "perm", perm, 4);
  int ci[2] = {xt, tg_const_random(t, "w", 4, wd, -1, 1)};
  int y = tg_value(t, "y");
  tg_node_ex(t, "", "Conv", "conv", ci, 2, &y, 1);
  tg_output(t, y);
  tg_output(t, xt);
  cliq__graph_update_producers(tg_graph(t));
  TH_OK(ref_ctx, cliq__pass_fold_nhwc_input(ref_ctx, tg_graph(t)));
  TH_CHECK(count_op(tg_graph(t), "Transpose") == 1, "a Transpose whose output is also a graph output stays");
  /* another permutation (NCHW -> NHWC) is not folded either */
  int64_t other[4] = {0, 2, 3, 1};
  tg_graph(t)->n_outputs = 1;
  cliq__node_set_ints(&tg_graph(t)->nodes[0], "perm", other, 4);
  TH_OK(ref_ctx, cliq__pass_fold_nhwc_input(ref_ctx, tg_graph(t)));
  TH_CHECK(count_op(tg_graph(t), "Transpose") == 1, "a Transpose with perm (0, 2, 3, 1) stays");
  tg_free(t);
}

/* ---- real models -------------------------------------------------------------------------- */

static void real_model(const char *dir, const char *name) {
  char path[8192];
  snprintf(path, sizeof path, "%s/models/%s/model.onnx", dir, name);
  cliq_model *m = NULL;
  cliq_status st = cliq_model_load(dev_ctx, path, &m);
  if (st == CLIQ_STATUS_UNSUPPORTED) {
    printf("model %s: skipped (%s)\n", name, cliq_context_error(dev_ctx));
    return;
  }
  if (!TH_OK(dev_ctx, st)) return;
  size_t bn = count_op(m->g, "BatchNormalization");
  const char *sets[] = {"ref_ort_test_data_set_0", "test_data_set_0"};
  for (int si = 0; si < 2; si++) {
    char base[3072];
    snprintf(base, sizeof base, "%s/models/%s/%s", dir, name, sets[si]);
    snprintf(path, sizeof path, "%s/input_0.pb", base);
    cliq__tensor *x = th_read_pb(path);
    if (!x) continue;
    cliq_tensor_info info;
    cliq_model_input(m, 0, &info);
    /* some gold inputs drop the leading 1s (super_resolution's [224, 224]) */
    if ((size_t)x->rank != info.rank) {
      x->rank = (int)info.rank;
      for (size_t d = 0; d < info.rank; d++) x->dims[d] = info.dims[d] < 0 ? 1 : info.dims[d];
    }
    size_t n_out = 0;
    cliq__tensor **out = NULL;
    st = th_run(dev_ctx, m, 1, &x, &n_out, &out);
    if (st == CLIQ_STATUS_UNSUPPORTED) {
      printf("model %s: skipped at session creation (%s)\n", name, cliq_context_error(dev_ctx));
    } else if (TH_OK(dev_ctx, st)) {
      for (size_t o = 0; o < n_out; o++) {
        snprintf(path, sizeof path, "%s/output_%zu.pb", base, o);
        cliq__tensor *want = th_read_pb(path);
        if (!want) continue;
        double max_ref = 0, max_err = 0;
        size_t n = cliq__tensor_elems(want);
        for (size_t i = 0; i < n && n == cliq__tensor_elems(out[o]); i++) {
          double r = ((float *)want->data)[i], g = ((float *)out[o]->data)[i];
          max_ref = fmax(max_ref, fabs(r));
          max_err = fmax(max_err, fabs(r - g));
        }
        double norm = max_err / fmax(1.0, max_ref);
        TH_CHECK(n == cliq__tensor_elems(out[o]) && norm < 1e-3, "model %s output %zu: normalized error %.3g (max |ref| %.3g)",
                 name, o, norm, max_ref);
        printf("model %s (%zu BN unfolded after load) output %zu: normalized error vs ONNX Runtime %.3g\n", name, bn, o, norm);
        cliq__tensor_free(want);
      }
    }
    th_free_tensors(out, n_out);
    cliq__tensor_free(x);
    break;
  }
  cliq_model_destroy(m);
}

int main(void) {
  th_init("test_fusion");
  ref_ctx = th_ref_context();
  dev_ctx = th_device_context();
  bn_case bns[] = {{false, true, 1, 8, 9, 7, 16, 3, 1, 1},  {false, false, 3, 3, 13, 13, 17, 3, 2, 1},
                   {false, true, 1, 16, 7, 7, 16, 3, 1, 16}, {false, true, 1, 8, 5, 5, 12, 1, 1, 4},
                   {true, true, 1, 8, 5, 6, 4, 3, 2, 1},     {true, false, 2, 6, 4, 4, 9, 3, 1, 3}};
  for (size_t i = 0; i < sizeof bns / sizeof bns[0]; i++) bn_fold_case(&bns[i]);
  bn_not_folded();
  for (int p = 0; p < 4; p++) {
    fusion_case(p, CLIQ_ACT_RELU, 0, 0);
    fusion_case(p, CLIQ_ACT_CLIP, -0.5f, 2.0f);
    fusion_case(p, CLIQ_ACT_SIGMOID, 0, 0);
    fusion_case(p, CLIQ_ACT_SILU, 0, 0);
  }
  fusion_case(0, CLIQ_ACT_LEAKY_RELU, 0.2f, 0);
  fusion_case(0, CLIQ_ACT_HARD_SIGMOID, 0.25f, 0.4f);
  fusion_case(0, CLIQ_ACT_HARD_SWISH, 0, 0);
  fusion_case(1, CLIQ_ACT_TANH, 0, 0);
  not_fused();
  matmul_add();
  nhwc_case(1, 13, 17, 3, 8, 3, 2, 1, 1, 1, 1, 1);  /* stem */
  nhwc_case(2, 9, 8, 4, 16, 1, 1, 0, 0, 0, 0, 1);   /* pointwise, batch 2 (pack path) */
  nhwc_case(1, 16, 16, 3, 24, 5, 2, 1, 1, 2, 2, 1); /* blazeface's asymmetric 5x5 s2 */
  nhwc_case(1, 11, 7, 8, 8, 3, 1, 1, 1, 1, 1, 8);   /* depthwise: GEMM path instead of direct */
  nhwc_case(1, 7, 9, 6, 4, 3, 1, 1, 1, 1, 1, 2);    /* grouped */
  nhwc_not_folded();
  const char *dir = th_shared_dir();
  if (!dir) {
    printf("real models: skipped (../shared not found; set CLIQ_SHARED_DIR)\n");
  } else {
    DIR *d;
    char models[4096];
    snprintf(models, sizeof models, "%s/models", dir);
    const char *names[] = {"mnist-8", "super_resolution-10", "ultraface_RFB-320", "ultraface_slim-320", "yunet",
                           "blazeface_front_128", "ppocr_cls_mobile_v2", "mlsd_320_tiny"};
    if ((d = opendir(models)) != NULL) {
      closedir(d);
      for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) real_model(dir, names[i]);
    }
  }
  cliq_context_destroy(dev_ctx);
  cliq_context_destroy(ref_ctx);
  return th_finish();
}

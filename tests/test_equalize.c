/*
 * test_equalize.c — the accuracy passes of PTQ (calib/equalize.c, calib/bias_correct.c,
 * calib/round_weights.c):
 *   - cross-layer equalization keeps the float function (outputs within float rounding) on a
 *     small Conv -> Relu -> depthwise Conv -> Relu -> 1x1 Conv model whose channels have ranges
 *     apart by up to 400x, data-free (eq. 11) and data-aware;
 *   - after data-free equalization each channel's weight range in the first layer equals its
 *     range in the next one (r1_i = r2_i, Nagel et al. 2019, sec. 4.1) for both pairs; after
 *     data-aware equalization the per-channel activation ranges feeding the depthwise layer are
 *     equal;
 *   - high-bias absorption keeps the float function on the calibration images when the Relu
 *     inputs stay positive, and does move bias (every channel's bias drops by its minimum);
 *   - bias correction: a Conv whose weights all sit 0.4 of a step above the int8 grid (so
 *     rounding loses the same amount on every weight) has a large mean output error when
 *     quantized without correction and a small one with it;
 *   - output-aware weight rounding (GPTQ) gives a smaller layer output error than nearest
 *     rounding when the layer's input channels are correlated.
 * Models are built here with seeded random weights; the checks compare against float runs of
 * the same models, never against numbers copied from the implementation.
 */
#include "harness_graph.h"

#include "calib/pass.h"
#include "model.h"
#include "ops/op.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_IMAGES 6

/* ---- graph building ------------------------------------------------------------------------- */

static void set_pads(cliq__node *n, int64_t p) {
  int64_t pads[4] = {p, p, p, p};
  cliq__node_set_ints(n, "pads", pads, 4);
}

static float *cdata(const cliq__graph *g, const char *name) {
  int v = cliq__graph_find_value(g, name);
  return v >= 0 && g->values[v].constant ? g->values[v].constant->data : NULL;
}

/* x[1,C,H,W] -> Conv1 (W1[8,C,3,3], pads p1) -> Relu -> r1 -> [depthwise Conv2 (W2[8,1,3,3], pads 1)
 * -> Relu -> r2 ->] Conv3 (W3[6,8,1,1]) -> y. Output channel i of W1 is scaled by spread^(i/7 - 1/2)
 * so the channel ranges differ by `spread`; b1 + bias_shift keeps Relu inputs positive when
 * large. */
static tg *make_model(bool depthwise, float spread, float bias_shift, int64_t p1) {
  enum { C = 3, M = 8, O = 6, H = 9 };
  const cliq_dtype f32 = CLIQ_DTYPE_FLOAT32;
  tg *t = tg_new(13);
  int64_t dx[4] = {1, C, H, H}, dm[4] = {1, M, H, H}, dy[4] = {1, O, H, H};
  int64_t dw1[4] = {M, C, 3, 3}, dw2[4] = {M, 1, 3, 3}, dw3[4] = {O, M, 1, 1}, db[1] = {M}, db3[1] = {O};
  int x = tg_input(t, "x", f32, 4, dx, NULL);
  cliq__tensor *w1 = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, dw1, -1, 1), *b1 = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, db, -0.5f, 0.5f);
  for (int i = 0; i < M; i++) {
    float f = powf(spread, (float)i / (M - 1) - 0.5f);
    for (int k = 0; k < C * 9; k++) ((float *)w1->data)[i * C * 9 + k] *= f;
    ((float *)b1->data)[i] = ((float *)b1->data)[i] * f + bias_shift;
  }
  int in1[3] = {x, tg_const(t, "W1", w1), tg_const(t, "B1", b1)};
  cliq__tensor_free(w1);
  cliq__tensor_free(b1);
  int c1 = tg_value_shaped(t, "c1", f32, 4, dm), r1 = tg_value_shaped(t, "r1", f32, 4, dm), y = tg_value_shaped(t, "y", f32, 4, dy);
  tg_node_ex(t, "", "Conv", "conv1", in1, 3, &c1, 1);
  set_pads(tg_last_node(t), p1);
  tg_node_ex(t, "", "Relu", "relu1", &c1, 1, &r1, 1);
  int feed = r1;
  if (depthwise) {
    int c2 = tg_value_shaped(t, "c2", f32, 4, dm), r2 = tg_value_shaped(t, "r2", f32, 4, dm);
    int in2[3] = {r1, tg_const_random(t, "W2", 4, dw2, -1, 1), tg_const_random(t, "B2", 1, db, -0.5f, 0.5f)};
    tg_node_ex(t, "", "Conv", "conv2", in2, 3, &c2, 1);
    set_pads(tg_last_node(t), 1);
    cliq__node_set_int(tg_last_node(t), "group", M);
    tg_node_ex(t, "", "Relu", "relu2", &c2, 1, &r2, 1);
    feed = r2;
  }
  int in3[3] = {feed, tg_const_random(t, "W3", 4, dw3, -1, 1), tg_const_random(t, "B3", 1, db3, -0.5f, 0.5f)};
  tg_node_ex(t, "", "Conv", "conv3", in3, 3, &y, 1);
  tg_output(t, y);
  return t;
}

/* Runs a copy of g on each image; outputs concatenated into *out (n_images * elems). */
static bool run_graph(cliq_context *ctx, const cliq__graph *g, const float *images, size_t n_images, size_t in_elems,
                      float **out, size_t *out_elems) {
  cliq_model *m = NULL;
  cliq__graph *cg = cliq__graph_clone(g);
  if (!cg || !TH_OK(ctx, cliq__model_from_graph(ctx, cg, NULL, &m))) return false;
  *out = NULL;
  bool ok = true;
  for (size_t i = 0; ok && i < n_images; i++) {
    int64_t dims[4] = {1, 3, 9, 9};
    cliq__tensor *in = th_tensor(CLIQ_DTYPE_FLOAT32, 4, dims), **res = NULL;
    memcpy(in->data, images + i * in_elems, in_elems * sizeof(float));
    size_t n_out = 0;
    ok = th_run(ctx, m, 1, &in, &n_out, &res) == CLIQ_STATUS_OK && n_out == 1;
    if (ok) {
      *out_elems = cliq__tensor_elems(res[0]);
      if (!*out) *out = malloc(n_images * *out_elems * sizeof(float));
      memcpy(*out + i * *out_elems, res[0]->data, *out_elems * sizeof(float));
    }
    cliq__tensor_free(in);
    if (res) th_free_tensors(res, n_out);
  }
  cliq_model_destroy(m);
  return ok;
}

static float max_abs(const float *x, size_t n) {
  float m = 0.0f;
  for (size_t i = 0; i < n; i++) m = fmaxf(m, fabsf(x[i]));
  return m;
}

/* Equalizes g in place (images NULL: data-free) and checks the float outputs did not move. */
static bool equalize_keeps(cliq_context *ctx, cliq__graph *g, const float *images, bool with_images, bool absorb,
                           const char *what) {
  size_t in_elems = 3 * 9 * 9, ne = 0, ne2 = 0;
  float *before = NULL, *after = NULL;
  if (!run_graph(ctx, g, images, N_IMAGES, in_elems, &before, &ne)) return false;
  cliq_quantize_options o = cliq_quantize_options_default();
  o.bias_absorption = absorb;
  cliq_session_options so = cliq_session_options_default();
  const float *imgs[1] = {images};
  cliq__ptq ptq = {ctx, &o, g, NULL, with_images ? (const float *const *)imgs : NULL, 1, with_images ? N_IMAGES : 0, &so, NULL, NULL};
  bool ok = TH_OK(ctx, cliq__ptq_equalize(&ptq)) && run_graph(ctx, g, images, N_IMAGES, in_elems, &after, &ne2) && ne == ne2;
  /* float rounding: a few ulps of the output's magnitude per accumulation */
  if (ok) ok = th_compare_f32(what, after, before, N_IMAGES * ne, 1e-5f * max_abs(before, N_IMAGES * ne), 1e-5f);
  free(before);
  free(after);
  return ok;
}

/* max |W[o, i, ...]| over o for input channel i of a [O, I, k, k] weight (group 1) or the row
 * range of a depthwise one (group = I). */
static void column_range(const cliq__graph *g, const char *name, int64_t I, double *r) {
  const cliq__tensor *w = g->values[cliq__graph_find_value(g, name)].constant;
  int64_t O = w->dims[0], per = (int64_t)cliq__tensor_elems(w) / O, cg = w->dims[1], taps = per / cg;
  for (int64_t i = 0; i < I; i++) r[i] = 0.0;
  for (int64_t o = 0; o < O; o++)
    for (int64_t c = 0; c < cg; c++)
      for (int64_t t = 0; t < taps; t++) {
        int64_t i = cg == 1 ? o : c;
        r[i] = fmax(r[i], fabs(((const float *)w->data)[(o * cg + c) * taps + t]));
      }
}
static void row_range(const cliq__graph *g, const char *name, double *r) {
  const cliq__tensor *w = g->values[cliq__graph_find_value(g, name)].constant;
  int64_t O = w->dims[0], per = (int64_t)cliq__tensor_elems(w) / O;
  for (int64_t o = 0; o < O; o++) {
    r[o] = 0.0;
    for (int64_t k = 0; k < per; k++) r[o] = fmax(r[o], fabs(((const float *)w->data)[o * per + k]));
  }
}

static double spread_of(const double *r, int n) {
  double lo = INFINITY, hi = 0.0;
  for (int i = 0; i < n; i++) lo = fmin(lo, r[i]), hi = fmax(hi, r[i]);
  return hi / lo;
}

static float *random_images(float lo, float hi) {
  size_t n = N_IMAGES * 3 * 9 * 9;
  float *x = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) x[i] = th_uniform(lo, hi);
  return x;
}

static void test_equalization(cliq_context *ctx) {
  float *images = random_images(-1, 1);
  /* data-free: function kept, r1_i = r2_i for both pairs (conv1 -> conv2, conv2 -> conv3) */
  tg *t = make_model(true, 400.0f, 0.0f, 1);
  cliq__graph *g = tg_graph(t);
  double r1[8], r2[8], r3[8];
  row_range(g, "W1", r1);
  TH_CHECK(spread_of(r1, 8) > 100.0, "the model's first layer has uneven channel ranges (%.0fx)", spread_of(r1, 8));
  equalize_keeps(ctx, g, images, false, false, "data-free CLE: float outputs unchanged");
  row_range(g, "W1", r1);
  column_range(g, "W2", 8, r2);
  bool eq = true;
  for (int i = 0; i < 8; i++) eq = eq && fabs(r1[i] - r2[i]) <= 1e-3 * fmax(r1[i], r2[i]);
  TH_CHECK(eq, "after CLE, range of W1 row i = range of W2 (depthwise) channel i, for every i");
  row_range(g, "W2", r2);
  column_range(g, "W3", 8, r3);
  eq = true;
  for (int i = 0; i < 8; i++) eq = eq && fabs(r2[i] - r3[i]) <= 1e-3 * fmax(r2[i], r3[i]);
  TH_CHECK(eq, "after CLE, range of W2 row i = range of W3 column i, for every i");
  row_range(g, "W1", r1);
  TH_CHECK(spread_of(r1, 8) < 20.0, "W1's channel ranges are closer after CLE (%.1fx, was > 100x)", spread_of(r1, 8));
  tg_free(t);

  /* data-aware: function kept; the activations feeding the depthwise layer have equal ranges */
  t = make_model(true, 400.0f, 0.0f, 1);
  g = tg_graph(t);
  equalize_keeps(ctx, g, images, true, false, "data-aware CLE: float outputs unchanged");
  /* r1 (Relu output) ranges on the images, on a copy whose output is r1 */
  cliq__graph *probe = cliq__graph_clone(g);
  int vr1 = cliq__graph_find_value(probe, "r1");
  probe->values[probe->outputs[0]].flags &= ~(unsigned)CLIQ__VALUE_GRAPH_OUTPUT;
  probe->values[vr1].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  probe->outputs[0] = vr1;
  float *act = NULL;
  size_t ne = 0;
  if (run_graph(ctx, probe, images, N_IMAGES, 3 * 9 * 9, &act, &ne)) {
    double a[8] = {0};
    for (size_t im = 0; im < N_IMAGES; im++)
      for (int c = 0; c < 8; c++)
        for (int p = 0; p < 81; p++) a[c] = fmax(a[c], fabs(act[im * ne + (size_t)c * 81 + (size_t)p]));
    TH_CHECK(spread_of(a, 8) < 1.001, "data-aware CLE: per-channel ranges of r1 equal (spread %.4f)", spread_of(a, 8));
  }
  free(act);
  cliq__graph_free(probe);
  tg_free(t);
  free(images);
}

/* Per channel min of r1 over the images, on a copy of g whose output is r1. */
static bool relu_min(cliq_context *ctx, const cliq__graph *g, const float *images, double *lo) {
  cliq__graph *probe = cliq__graph_clone(g);
  int vr1 = cliq__graph_find_value(probe, "r1");
  probe->values[probe->outputs[0]].flags &= ~(unsigned)CLIQ__VALUE_GRAPH_OUTPUT;
  probe->values[vr1].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  probe->outputs[0] = vr1;
  float *act = NULL;
  size_t ne = 0;
  bool ok = run_graph(ctx, probe, images, N_IMAGES, 3 * 9 * 9, &act, &ne);
  for (int c = 0; ok && c < 8; c++) {
    lo[c] = INFINITY;
    for (size_t im = 0; im < N_IMAGES; im++)
      for (int p = 0; p < 81; p++) lo[c] = fmin(lo[c], act[im * ne + (size_t)c * 81 + (size_t)p]);
  }
  free(act);
  cliq__graph_free(probe);
  return ok;
}

static void test_absorption(cliq_context *ctx) {
  /* inputs in [0, 1], |W1| <= 1 on 27 inputs and b1 + 30: every Relu input of conv1 stays
   * positive; conv3 (1x1, no pads)
   * reads relu1 directly, so the chain absorbs */
  float *images = random_images(0, 1);
  tg *t = make_model(false, 1.0f, 30.0f, 1);
  cliq__graph *g = tg_graph(t), *ref = cliq__graph_clone(g);
  equalize_keeps(ctx, g, images, true, true, "CLE + high-bias absorption: float outputs unchanged on the images");
  /* the same without absorption: biases differ by the absorbed amount, which is positive */
  cliq_quantize_options o = cliq_quantize_options_default();
  o.bias_absorption = 0;
  cliq_session_options so = cliq_session_options_default();
  const float *imgs[1] = {images};
  cliq__ptq ptq = {ctx, &o, ref, NULL, (const float *const *)imgs, 1, N_IMAGES, &so, NULL, NULL};
  if (TH_OK(ctx, cliq__ptq_equalize(&ptq))) {
    /* absorbed: each channel's smallest Relu output on the images is 0; not absorbed: > 0 */
    double lo_abs[8], lo_ref[8];
    bool ok = relu_min(ctx, g, images, lo_abs) && relu_min(ctx, ref, images, lo_ref);
    bool zero = ok, positive = ok;
    for (int i = 0; ok && i < 8; i++) zero = zero && fabs(lo_abs[i]) <= 1e-4, positive = positive && lo_ref[i] > 1e-3;
    TH_CHECK(positive, "without absorption every channel's Relu output stays above 1e-3 (channel 0: %.3f)", lo_ref[0]);
    TH_CHECK(zero, "with absorption every channel's smallest Relu output is 0 (channel 0: %.2g)", lo_abs[0]);
  }
  cliq__graph_free(ref);

  /* a padded reader would see -c in its border: no absorption there */
  tg *tp = make_model(true, 1.0f, 30.0f, 1);
  cliq__graph *gp = tg_graph(tp), *gq = cliq__graph_clone(gp);
  equalize_keeps(ctx, gp, images, true, true, "CLE + absorption with a padded reader: float outputs unchanged");
  o.bias_absorption = 0;
  cliq__ptq pq = {ctx, &o, gq, NULL, (const float *const *)imgs, 1, N_IMAGES, &so, NULL, NULL};
  if (TH_OK(ctx, cliq__ptq_equalize(&pq))) {
    const float *b = cdata(gp, "B1"), *bref = cdata(gq, "B1");
    bool same = true;
    for (int i = 0; i < 8; i++) same = same && b[i] == bref[i];
    TH_CHECK(same, "no absorption into a padded depthwise Conv");
  }
  tg_free(tp);
  cliq__graph_free(gq);
  tg_free(t);
  free(images);
}

/* ---- bias correction ------------------------------------------------------------------------- */

typedef struct source {
  const float *data;
  size_t n, next, elems;
} source;

static cliq_status source_next(void *user, size_t n_inputs, float *const *inputs, size_t max_images, size_t *out) {
  source *s = user;
  size_t k = s->n - s->next < max_images ? s->n - s->next : max_images;
  if (n_inputs != 1) return CLIQ_STATUS_INVALID_ARGUMENT;
  memcpy(inputs[0], s->data + s->next * s->elems, k * s->elems * sizeof(float));
  s->next += k;
  *out = k;
  return CLIQ_STATUS_OK;
}

/* Quantizes fm twice on the first 16 images with options o: *off set (the pass off) into *q0,
 * then cleared (on) into *q1. */
static bool quantize_without_with(cliq_context *ctx, const cliq_model *fm, const float *images, size_t elems,
                                  cliq_quantize_options *o, int *off, cliq_model **q0, cliq_model **q1) {
  source s = {images, 16, 0, elems};
  cliq_calib_source cs = {&s, source_next, 16};
  *off = 1;
  bool ok = TH_OK(ctx, cliq_quantize(ctx, fm, &cs, o, NULL, q0));
  s.next = 0;
  *off = 0;
  return ok && TH_OK(ctx, cliq_quantize(ctx, fm, &cs, o, NULL, q1));
}

/* x[1,16,9,9] in [0,1] -> Conv (W[8,16,3,3], no pads) -> y1 -> Conv (identity 1x1) -> y. Every
 * weight of W is (k + 0.4) / 127 of its channel's scale max|W|/127 (one weight per row is 1.0,
 * which fixes the scale): round-to-nearest drops 0.4 step on all of them, a systematic error of
 * -0.4/127 * sum_k E[x] per output. */
static tg *make_offset_model(bool offset) {
  enum { C = 16, M = 8, H = 9 };
  tg *t = tg_new(13);
  int64_t dx[4] = {1, C, H, H}, dm[4] = {1, M, H - 2, H - 2}, dw[4] = {M, C, 3, 3}, di[4] = {M, M, 1, 1}, db[1] = {M};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dx, NULL);
  cliq__tensor *w = th_tensor(CLIQ_DTYPE_FLOAT32, 4, dw), *id = th_tensor(CLIQ_DTYPE_FLOAT32, 4, di);
  float *wd = w->data;
  for (int o = 0; o < M; o++)
    for (int k = 0; k < C * 9; k++)
      wd[o * C * 9 + k] = k == 0 ? 1.0f : offset ? ((float)th_randint(-100, 100) + 0.4f) / 127.0f : th_uniform(-0.8f, 0.8f);
  memset(id->data, 0, cliq__tensor_elems(id) * sizeof(float));
  for (int o = 0; o < M; o++) ((float *)id->data)[o * M + o] = 1.0f;
  int in1[3] = {x, tg_const(t, "W", w), tg_const_random(t, "B", 1, db, -1, 1)};
  int y1 = tg_value_shaped(t, "y1", CLIQ_DTYPE_FLOAT32, 4, dm), y = tg_value_shaped(t, "y", CLIQ_DTYPE_FLOAT32, 4, dm);
  tg_node_ex(t, "", "Conv", "conv", in1, 3, &y1, 1);
  int in2[3] = {y1, tg_const(t, "I", id), tg_const_random(t, "Z", 1, db, 0, 0)};
  tg_node_ex(t, "", "Conv", "identity", in2, 3, &y, 1);
  tg_output(t, y);
  cliq__tensor_free(w);
  cliq__tensor_free(id);
  return t;
}

/* Largest |mean over images and positions of (quantized - float)| over the output channels. */
static double worst_channel_bias(cliq_context *ctx, const cliq_model *fm, const cliq_model *qm, const float *images, size_t n,
                                 size_t elems) {
  double worst = 0.0, sum[8] = {0};
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t dims[4] = {1, 16, 9, 9};
    cliq__tensor *in = th_tensor(CLIQ_DTYPE_FLOAT32, 4, dims), **yf = NULL, **yq = NULL;
    memcpy(in->data, images + i * elems, elems * sizeof(float));
    size_t nf = 0, nq = 0;
    if (th_run(ctx, fm, 1, &in, &nf, &yf) == CLIQ_STATUS_OK && th_run(ctx, qm, 1, &in, &nq, &yq) == CLIQ_STATUS_OK) {
      size_t per = cliq__tensor_elems(yf[0]) / 8;
      for (size_t c = 0; c < 8; c++)
        for (size_t p = 0; p < per; p++) sum[c] += ((float *)yq[0]->data)[c * per + p] - ((float *)yf[0]->data)[c * per + p];
      count += per;
    } else {
      worst = INFINITY;
    }
    cliq__tensor_free(in);
    if (yf) th_free_tensors(yf, nf);
    if (yq) th_free_tensors(yq, nq);
  }
  for (int c = 0; c < 8 && count; c++) worst = fmax(worst, fabs(sum[c] / (double)count));
  return worst;
}

static void test_bias_correction(cliq_context *ctx) {
  enum { N = 24 };
  size_t elems = 16 * 81;
  float *images = malloc(N * elems * sizeof(float));
  for (size_t i = 0; i < N * elems; i++) images[i] = th_uniform(0, 1);
  tg *t = make_offset_model(true);
  cliq_model *fm = NULL, *q0 = NULL, *q1 = NULL;
  bool built = TH_OK(ctx, tg_model(t, ctx, &fm));
  tg_free(t);
  if (!built) return;
  cliq_quantize_options o = cliq_quantize_options_default();
  o.method = CLIQ_CALIB_MINMAX;
  o.no_equalize = 1; /* conv -> identity is a chain; keep the weights as built */
  o.no_weight_rounding = 1; /* it would remove most of the offset itself */
  /* calibrate on the first 16 images, measure on the last 8 */
  bool ok = quantize_without_with(ctx, fm, images, elems, &o, &o.no_bias_correction, &q0, &q1);
  if (ok) {
    /* the offset built in: 143 weights each 0.4/127 too small, E[x] = 0.5 */
    double expect = 0.4 / 127.0 * 143.0 * 0.5;
    double before = worst_channel_bias(ctx, fm, q0, images + 16 * elems, N - 16, elems);
    double after = worst_channel_bias(ctx, fm, q1, images + 16 * elems, N - 16, elems);
    printf("bias correction: worst mean channel error %.4f without, %.4f with (constructed offset %.4f)\n", before, after, expect);
    TH_CHECK(before > 0.5 * expect, "the constructed systematic offset shows without bias correction (%.4f)", before);
    TH_CHECK(after < 0.2 * before, "bias correction removes it (%.4f, was %.4f)", after, before);
  }
  cliq_model_destroy(q0);
  cliq_model_destroy(q1);
  cliq_model_destroy(fm);
  free(images);
}

/* Mean squared (quantized - float) output over the images. */
static double output_mse(cliq_context *ctx, const cliq_model *fm, const cliq_model *qm, const float *images, size_t n, size_t elems) {
  double sum = 0.0;
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t dims[4] = {1, 16, 9, 9};
    cliq__tensor *in = th_tensor(CLIQ_DTYPE_FLOAT32, 4, dims), **yf = NULL, **yq = NULL;
    memcpy(in->data, images + i * elems, elems * sizeof(float));
    size_t nf = 0, nq = 0;
    if (th_run(ctx, fm, 1, &in, &nf, &yf) == CLIQ_STATUS_OK && th_run(ctx, qm, 1, &in, &nq, &yq) == CLIQ_STATUS_OK) {
      for (size_t k = 0, ne = cliq__tensor_elems(yf[0]); k < ne; k++) {
        double d = (double)((float *)yq[0]->data)[k] - (double)((float *)yf[0]->data)[k];
        sum += d * d;
      }
      count += cliq__tensor_elems(yf[0]);
    } else {
      sum = INFINITY;
    }
    cliq__tensor_free(in);
    if (yf) th_free_tensors(yf, nf);
    if (yq) th_free_tensors(yq, nq);
  }
  return count ? sum / (double)count : INFINITY;
}

/* Output-aware weight rounding (calib/round_weights.c, GPTQ): on inputs whose channels are
 * strongly correlated (a shared signal plus 20% noise per channel), choosing the int8 weights for
 * the layer's output error gives a smaller output error than rounding each weight to nearest,
 * on the calibration images and on others from the same distribution. */
static void test_weight_rounding(cliq_context *ctx) {
  enum { N = 24 };
  size_t elems = 16 * 81;
  float *images = malloc(N * elems * sizeof(float));
  for (size_t i = 0; i < N; i++)
    for (size_t p = 0; p < 81; p++) {
      float u = th_uniform(0, 1);
      for (size_t c = 0; c < 16; c++) images[i * elems + c * 81 + p] = u + 0.2f * th_uniform(-1, 1);
    }
  cliq_model *fm = NULL, *q0 = NULL, *q1 = NULL;
  tg *t = make_offset_model(false);
  bool built = TH_OK(ctx, tg_model(t, ctx, &fm));
  tg_free(t);
  if (!built) return;
  cliq_quantize_options o = cliq_quantize_options_default();
  o.method = CLIQ_CALIB_MINMAX;
  o.no_equalize = 1;
  o.no_bias_correction = 1;
  bool ok = quantize_without_with(ctx, fm, images, elems, &o, &o.no_weight_rounding, &q0, &q1);
  if (ok) {
    double near_cal = output_mse(ctx, fm, q0, images, 16, elems), gptq_cal = output_mse(ctx, fm, q1, images, 16, elems);
    double near_new = output_mse(ctx, fm, q0, images + 16 * elems, N - 16, elems);
    double gptq_new = output_mse(ctx, fm, q1, images + 16 * elems, N - 16, elems);
    printf("weight rounding: output MSE nearest %.3g / GPTQ %.3g (calibration images), %.3g / %.3g (others)\n", near_cal, gptq_cal,
           near_new, gptq_new);
    TH_CHECK(gptq_cal < 0.9 * near_cal, "GPTQ lowers the output error on the calibration images (%.3g vs %.3g)", gptq_cal, near_cal);
    TH_CHECK(gptq_new < 0.95 * near_new, "and on other images (%.3g vs %.3g)", gptq_new, near_new);
  }
  cliq_model_destroy(q0);
  cliq_model_destroy(q1);
  cliq_model_destroy(fm);
  free(images);
}

int main(void) {
  th_init("test_equalize");
  cliq_context *ctx = th_device_context();
  test_equalization(ctx);
  test_absorption(ctx);
  test_bias_correction(ctx);
  test_weight_rounding(ctx);
  cliq_context_destroy(ctx);
  return th_finish();
}

/*
 * test_ptq.c — the PTQ driver and the QDQ writer (calib/ptq.c, calib/qdq.c, calib/fold_bias.c):
 *   - streaming calibration: batches of 8 with a partial tail, limit, progress callback and
 *     cancellation, empty source, failing source, NaN input; the driver's histograms equal
 *     histograms computed here from the same images (they are functions of the values seen, so
 *     batching must not change a single count);
 *   - the QDQ graph: Q/DQ pairs on quantized tensors only, scale and zero point initializers equal
 *     to the chosen quantizers, graph outputs keeping their names, metadata keys;
 *   - the QDQ writer on a hand-made Conv/MaxPool/Gemm graph (no kernels needed): per-channel int8
 *     weights (checked against the formula), int32 biases at s_in*s_w, no Q/DQ between a Conv and
 *     its fused Relu, data movement reusing its input's quantizer, bias Adds folded;
 *   - the quantized model runs (int8 after the session's QDQ lowering) and matches a host
 *     computation of the same fake-quantized graph (skipped in a tree without the Q/DQ ops).
 */
#include "harness_graph.h"

#include "calib/calibrate.h"
#include "calib/pass.h"
#include "calib/ptq.h"
#include "calib/qdq.h"
#include "host/io/preprocess_keys.h"
#include "model.h"
#include "ops/op.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a synthetic calibration source --------------------------------------------------------- */

typedef struct source {
  size_t n_images, next_image, elems;
  float *data;      /* all images, generated up front so the test can recompute statistics */
  size_t calls;
  cliq_status fail; /* returned on the second call when not OK */
  size_t max_chunk; /* gives at most this many images per call (0: as many as asked) */
} source;

static cliq_status source_next(void *user, size_t n_inputs, float *const *inputs, size_t max_images, size_t *out) {
  source *s = user;
  s->calls++;
  *out = 0;
  if (n_inputs != 1) return CLIQ_STATUS_INVALID_ARGUMENT;
  if (s->fail != CLIQ_STATUS_OK && s->calls == 2) return s->fail;
  size_t k = s->n_images - s->next_image;
  if (k > max_images) k = max_images;
  if (s->max_chunk && k > s->max_chunk) k = s->max_chunk;
  memcpy(inputs[0], s->data + s->next_image * s->elems, k * s->elems * sizeof(float));
  s->next_image += k;
  *out = k;
  return CLIQ_STATUS_OK;
}

static source make_source(size_t n_images, size_t elems, float lo, float hi) {
  source s = {n_images, 0, elems, malloc((n_images * elems + 1) * sizeof(float)), 0, CLIQ_STATUS_OK, 0};
  for (size_t i = 0; i < n_images * elems; i++) s.data[i] = th_uniform(lo, hi) * (i % 5 == 0 ? 3.0f : 1.0f);
  return s;
}

static cliq_calib_source as_calib(source *s) {
  cliq_calib_source c = {s, source_next, s->n_images};
  return c;
}

typedef struct progress_log {
  size_t calls, last_done, last_total, cancel_at;
} progress_log;

static int on_progress(void *user, size_t done, size_t total) {
  progress_log *p = user;
  p->calls++;
  p->last_done = done;
  p->last_total = total;
  return p->cancel_at && p->calls >= p->cancel_at;
}

/* ---- graph building ------------------------------------------------------------------------- */

/* The model of t through the ONNX writer, as a file would be: written, then loaded (a check each). */
static cliq_model *load_graph(cliq_context *ctx, tg *t) {
  void *buf;
  size_t size;
  cliq_model *m = NULL;
  if (!TH_OK(ctx, tg_bytes(t, ctx, &buf, &size))) return NULL;
  TH_OK(ctx, cliq_model_load_memory(ctx, buf, size, NULL, &m));
  free(buf);
  return m;
}

static int count_op(const cliq__graph *g, const char *op) {
  int c = 0;
  for (size_t i = 0; i < g->n_nodes; i++) c += strcmp(g->nodes[i].op_type, op) == 0;
  return c;
}

/* The producer node of the value named `name` in g, or NULL. */
static const cliq__node *producer_of(const cliq__graph *g, const char *name) {
  int v = cliq__graph_find_value(g, name);
  if (v < 0 || g->values[v].producer < 0) return NULL;
  return &g->nodes[g->values[v].producer];
}

static const char *input_name(const cliq__graph *g, const cliq__node *n, size_t k) {
  return k < n->n_inputs && n->inputs[k] >= 0 ? g->values[n->inputs[k]].name : "";
}

/* ---- streaming calibration on a model of unary ops ------------------------------------------ */

/* x -> Relu -> r -> Sigmoid -> s (output); x -> Tanh -> t (output); r is an output too */
static tg *unary_graph(void) {
  tg *g = tg_new(13);
  int64_t d[4] = {1, 3, 9, 7};
  const char *batch[4] = {"N", NULL, NULL, NULL};
  int x = tg_input(g, "x", CLIQ_DTYPE_FLOAT32, 4, d, batch), r = tg_value_shaped(g, "r", CLIQ_DTYPE_FLOAT32, 4, d),
      s = tg_value_shaped(g, "s", CLIQ_DTYPE_FLOAT32, 4, d), t = tg_value_shaped(g, "t", CLIQ_DTYPE_FLOAT32, 4, d);
  tg_node_ex(g, "", "Relu", "relu", &x, 1, &r, 1);
  tg_node_ex(g, "", "Sigmoid", "sig", &r, 1, &s, 1);
  tg_node_ex(g, "", "Tanh", "tanh", &x, 1, &t, 1);
  tg_output(g, s);
  tg_output(g, t);
  tg_output(g, r);
  return g;
}

static void test_streaming(cliq_context *ctx) {
  tg *t = unary_graph();
  cliq_model *m = load_graph(ctx, t);
  tg_free(t);
  if (!m) return;
  size_t elems = 3 * 9 * 7;
  source src = make_source(21, elems, -2.0f, 3.0f);
  cliq_calib_source cs = as_calib(&src);
  progress_log pl = {0, 0, 0, 0};
  cliq_quantize_options o = cliq_quantize_options_default();
  o.method = CLIQ_CALIB_MINMAX;
  o.progress = on_progress;
  o.progress_user = &pl;
  cliq_preprocess pre = cliq_preprocess_default();
  pre.mean[0] = 127.5f;
  pre.std[0] = 58.5f;
  pre.width = 7;
  pre.height = 9;
  o.preprocess = &pre;
  cliq_quantize_report rep;
  cliq__graph *qg = NULL;
  cliq__stats_table *tab = NULL;
  if (!TH_OK(ctx, cliq__ptq_run(ctx, m, &cs, &o, &rep, &qg, &tab))) goto out;
  TH_CHECK(rep.images == 21 && pl.calls == 3 && pl.last_done == 21 && pl.last_total == 21,
           "21 images in batches of 8: report %zu images, %zu progress calls, last %zu/%zu", rep.images, pl.calls, pl.last_done,
           pl.last_total);
  TH_CHECK(rep.quantized_ops == 1 && rep.float_ops == 2,
           "Relu int8 (its output feeds the Sigmoid); Sigmoid and Tanh feed only graph outputs: float (%zu/%zu)",
           rep.quantized_ops, rep.float_ops);
  TH_CHECK(rep.peak_rss_bytes > 0 && rep.seconds > 0, "report has memory %llu and time %g", (unsigned long long)rep.peak_rss_bytes,
           rep.seconds);
  /* histograms: x and relu(x) are exact on every device, so bins must match a direct pass */
  cliq__hist hx, hr;
  cliq__hist_init(&hx);
  cliq__hist_init(&hr);
  float *rel = malloc(21 * elems * sizeof(float));
  for (size_t i = 0; i < 21 * elems; i++) rel[i] = src.data[i] > 0 ? src.data[i] : 0.0f;
  cliq__hist_add(NULL, "x", &hx, src.data, 21 * elems);
  cliq__hist_add(NULL, "r", &hr, rel, 21 * elems);
  free(rel);
  int ex = cliq__stats_find(tab, "x"), er = cliq__stats_find(tab, "r"), es = cliq__stats_find(tab, "s"),
      et = cliq__stats_find(tab, "t");
  TH_CHECK(ex >= 0 && er >= 0 && es < 0 && et < 0 && tab->n == 2, "stats entries for x and r only (%zu entries)", tab->n);
  if (ex >= 0 && er >= 0) {
    TH_CHECK(memcmp(tab->t[ex].hist.bins, hx.bins, sizeof hx.bins) == 0 && tab->t[ex].hist.count == hx.count &&
                 tab->t[ex].hist.exp == hx.exp,
             "histogram of input x over 3 batches equals one pass over the 21 images");
    TH_CHECK(memcmp(tab->t[er].hist.bins, hr.bins, sizeof hr.bins) == 0 && tab->t[er].hist.zeros == hr.zeros,
             "histogram of relu(x) equals one pass (zeros %llu)", (unsigned long long)hr.zeros);
    TH_CHECK(tab->t[ex].n_ch == 3 && tab->t[ex].ch_count == 21u * 63u, "per-channel stats of x: %zu channels", tab->t[ex].n_ch);
    /* minmax grid of x: asymmetric int8 over [min, max] */
    cliq__qgrid want = cliq__qgrid_make(hx.min, hx.max, false, -128, 127);
    TH_CHECK(tab->t[ex].grid.scale == want.scale && tab->t[ex].grid.zero_point == want.zero_point,
             "x quantizer: scale %g zp %d, want %g %d", tab->t[ex].grid.scale, tab->t[ex].grid.zero_point, want.scale, want.zero_point);
  }
  /* the QDQ graph */
  TH_CHECK(count_op(qg, "QuantizeLinear") == 2 && count_op(qg, "DequantizeLinear") == 2, "2 Q/DQ pairs (%d, %d)",
           count_op(qg, "QuantizeLinear"), count_op(qg, "DequantizeLinear"));
  const cliq__node *relu = producer_of(qg, "r_QuantizeLinear_Input");
  TH_CHECK(relu && strcmp(relu->op_type, "Relu") == 0 && strcmp(input_name(qg, relu, 0), "x_DequantizeLinear_Output") == 0,
           "Relu reads x through its DequantizeLinear (%s)", relu ? input_name(qg, relu, 0) : "?");
  const cliq__node *ro = producer_of(qg, "r"), *sig = producer_of(qg, "s");
  TH_CHECK(ro && strcmp(ro->op_type, "DequantizeLinear") == 0 && qg->values[qg->outputs[2]].flags & CLIQ__VALUE_GRAPH_OUTPUT &&
               strcmp(qg->values[qg->outputs[2]].name, "r") == 0 && sig && strcmp(sig->op_type, "Sigmoid") == 0 &&
               strcmp(input_name(qg, sig, 0), "r") == 0,
           "graph output 'r' keeps its name on the DequantizeLinear output, which the Sigmoid reads");
  const cliq__node *qr = producer_of(qg, "r_QuantizeLinear_Output");
  TH_CHECK(qr && strcmp(input_name(qg, qr, 0), "r_QuantizeLinear_Input") == 0, "the Relu now writes 'r_QuantizeLinear_Input'");
  if (qr && er >= 0) {
    const cliq__value *sc = &qg->values[qr->inputs[1]], *zp = &qg->values[qr->inputs[2]];
    TH_CHECK(sc->constant && sc->constant->rank == 0 && ((float *)sc->constant->data)[0] == tab->t[er].grid.scale &&
                 zp->constant && zp->constant->dtype == CLIQ_DTYPE_INT8 && ((int8_t *)zp->constant->data)[0] == tab->t[er].grid.zero_point,
             "r: scale and int8 zero point initializers equal the chosen quantizer");
  }
  TH_CHECK(producer_of(qg, "s") && producer_of(qg, "t") && strcmp(producer_of(qg, "t")->op_type, "Tanh") == 0,
           "outputs read by nothing quantized stay float (Sigmoid, Tanh write 's', 't')");
  TH_CHECK(cliq__graph_metadata(qg, CLIQ_PREPROCESS_KEY_MEAN) && strcmp(cliq__graph_metadata(qg, CLIQ_PREPROCESS_KEY_MEAN), "127.5,0,0") == 0 &&
               cliq__graph_metadata(qg, CLIQ_PREPROCESS_KEY_SIZE) && strcmp(cliq__graph_metadata(qg, CLIQ_PREPROCESS_KEY_SIZE), "7x9") == 0 &&
               cliq__graph_metadata(qg, "cliq.quantize.method") && strcmp(cliq__graph_metadata(qg, "cliq.quantize.images"), "21") == 0,
           "metadata: preprocessing and quantization keys (mean '%s', size '%s')", cliq__graph_metadata(qg, CLIQ_PREPROCESS_KEY_MEAN),
           cliq__graph_metadata(qg, CLIQ_PREPROCESS_KEY_SIZE));
  /* the QDQ graph serializes (standard ONNX, no session attributes) */
  void *buf;
  size_t size;
  TH_OK(ctx, cliq__onnx_export(ctx, qg, &buf, &size));
  free(buf);
  cliq__graph_free(qg);
  qg = NULL;
  cliq__stats_free(tab);
  tab = NULL;

  /* limit, chunked source, other batch size */
  src.next_image = 0;
  src.max_chunk = 3;
  o.limit = 10;
  o.batch = 4;
  o.method = CLIQ_CALIB_AUTO;
  memset(&pl, 0, sizeof pl);
  if (TH_OK(ctx, cliq__ptq_run(ctx, m, &cs, &o, &rep, &qg, &tab)))
    TH_CHECK(rep.images == 10 && pl.calls == 3 && pl.last_total == 10, "limit 10, batch 4, source giving 3 at a time: %zu images, %zu calls",
             rep.images, pl.calls);
  if (tab) {
    bool chosen = true;
    for (size_t e = 0; e < tab->n; e++) chosen = chosen && tab->t[e].has_grid && tab->t[e].chosen != CLIQ_CALIB_AUTO;
    TH_CHECK(chosen, "auto picked a concrete method for every tensor");
  }
  cliq__graph_free(qg);
  qg = NULL;
  cliq__stats_free(tab);
  tab = NULL;
  o.limit = 0;
  o.batch = 8;
  o.method = CLIQ_CALIB_MSE;
  src.max_chunk = 0;

  /* cancellation */
  src.next_image = 0;
  memset(&pl, 0, sizeof pl);
  pl.cancel_at = 2;
  th_expect_status(ctx, cliq__ptq_run(ctx, m, &cs, &o, &rep, &qg, NULL), CLIQ_STATUS_CANCELLED, "progress returning 1 cancels");
  TH_CHECK(qg == NULL && pl.calls == 2, "cancelled after the second batch, no graph returned");
  o.progress = NULL;

  /* empty source, failing source, NaN */
  src.next_image = 21;
  th_expect_status(ctx, cliq__ptq_run(ctx, m, &cs, &o, &rep, &qg, NULL), CLIQ_STATUS_BAD_DATA, "an empty source");
  TH_CHECK(strstr(cliq_context_error(ctx), "no images") != NULL, "message says the source gave no images: '%s'", cliq_context_error(ctx));
  src.next_image = 0;
  src.calls = 0;
  src.fail = CLIQ_STATUS_IO_ERROR;
  th_expect_status(ctx, cliq__ptq_run(ctx, m, &cs, &o, &rep, &qg, NULL), CLIQ_STATUS_IO_ERROR, "a failing source's status is returned");
  src.fail = CLIQ_STATUS_OK;
  src.next_image = 0;
  src.data[5 * elems + 17] = NAN;
  th_expect_status(ctx, cliq__ptq_run(ctx, m, &cs, &o, &rep, &qg, NULL), CLIQ_STATUS_BAD_DATA, "a NaN in image 5");
  TH_CHECK(strstr(cliq_context_error(ctx), "'x'") && strstr(cliq_context_error(ctx), "NaN"), "message names tensor 'x': '%s'",
           cliq_context_error(ctx));
  cliq_quantize_options bad = o;
  bad.method = CLIQ_CALIB_PERCENTILE;
  bad.percentile = 20;
  th_expect_status(ctx, cliq__ptq_run(ctx, m, &cs, &bad, &rep, &qg, NULL), CLIQ_STATUS_INVALID_ARGUMENT, "percentile 20");
  cliq_model *none = NULL;
  th_expect_status(ctx, cliq_quantize(ctx, m, NULL, &o, NULL, &none), CLIQ_STATUS_INVALID_ARGUMENT, "no source");
out:
  free(src.data);
  cliq_model_destroy(m);
}

/* ---- the QDQ writer on a hand-made CNN -------------------------------------------------------
 * x[1,3,8,8] -> Conv(W1[4,3,3,3], B1) -> c1 -> Relu -> r1 -> MaxPool -> p1 -> Conv(W2[5,4,1,1]) -> c2
 *   -> Add(c2, b2[1,5,1,1]) -> a2 -> Sigmoid -> s2 -> Flatten -> f -> Gemm(W3[320,6]^T? B3[6]) -> y
 *   s2 -> Softmax -> sm (float op, second output)
 * The plan reads dtypes and folding from a "session graph": here the graph itself (shapes set). */
static void test_writer(cliq_context *ctx) {
  tg *t = tg_new(11);
  cliq__graph *g = tg_graph(t);
  int64_t dx[4] = {1, 3, 8, 8}, dc1[4] = {1, 4, 8, 8}, dp1[4] = {1, 4, 4, 4}, dc2[4] = {1, 5, 4, 4}, df[2] = {1, 80}, dy[2] = {1, 6};
  int64_t dw1[4] = {4, 3, 3, 3}, db1[1] = {4}, dw2[4] = {5, 4, 1, 1}, db2[4] = {1, 5, 1, 1}, dw3[2] = {6, 80}, db3[1] = {6};
  const cliq_dtype f32 = CLIQ_DTYPE_FLOAT32;
  int x = tg_input(t, "x", f32, 4, dx, NULL);
  int w1 = tg_const_random(t, "W1", 4, dw1, -0.5f, 0.5f), b1 = tg_const_random(t, "B1", 1, db1, -1, 1);
  ((float *)g->values[w1].constant->data)[27] = 2.0f; /* channel 1 has a larger range */
  int w2 = tg_const_random(t, "W2", 4, dw2, -1, 1), b2 = tg_const_random(t, "b2", 4, db2, -1, 1);
  int w3 = tg_const_random(t, "W3", 2, dw3, -0.2f, 0.2f), b3 = tg_const_random(t, "B3", 1, db3, -0.1f, 0.1f);
  int c1 = tg_value_shaped(t, "c1", f32, 4, dc1), r1 = tg_value_shaped(t, "r1", f32, 4, dc1),
      p1 = tg_value_shaped(t, "p1", f32, 4, dp1), c2 = tg_value_shaped(t, "c2", f32, 4, dc2),
      a2 = tg_value_shaped(t, "a2", f32, 4, dc2), s2 = tg_value_shaped(t, "s2", f32, 4, dc2),
      f = tg_value_shaped(t, "f", f32, 2, df), y = tg_value_shaped(t, "y", f32, 2, dy), sm = tg_value_shaped(t, "sm", f32, 4, dc2);
  int in1[3] = {x, w1, b1}, in2[2] = {c2, b2}, in3[3] = {f, w3, b3};
  tg_node_ex(t, "", "Conv", "conv1", in1, 3, &c1, 1);
  int64_t pads[4] = {1, 1, 1, 1}, k2[2] = {2, 2};
  cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
  tg_node_ex(t, "", "Relu", "relu1", &c1, 1, &r1, 1);
  tg_node_ex(t, "", "MaxPool", "pool1", &r1, 1, &p1, 1);
  cliq__node_set_ints(tg_last_node(t), "kernel_shape", k2, 2);
  cliq__node_set_ints(tg_last_node(t), "strides", k2, 2);
  int in_c2[2] = {p1, w2};
  tg_node_ex(t, "", "Conv", "conv2", in_c2, 2, &c2, 1);
  tg_node_ex(t, "", "Add", "bias2", in2, 2, &a2, 1);
  tg_node_ex(t, "", "Sigmoid", "sig2", &a2, 1, &s2, 1);
  tg_node_ex(t, "", "Flatten", "flat", &s2, 1, &f, 1);
  tg_node_ex(t, "", "Gemm", "fc", in3, 3, &y, 1);
  cliq__node_set_int(tg_last_node(t), "transB", 1);
  tg_node_ex(t, "", "Softmax", "soft", &s2, 1, &sm, 1);
  tg_output(t, y);
  tg_output(t, sm);

  /* the FLOAT passes fold the bias Add into conv2 */
  cliq__ptq ptq = {ctx, NULL, g, NULL, NULL, 0, 0};
  cliq_quantize_options o = cliq_quantize_options_default();
  ptq.options = &o;
  TH_OK(ctx, cliq__ptq_passes_run(&ptq, CLIQ__PTQ_FLOAT));
  const cliq__node *conv2 = producer_of(g, "a2");
  TH_CHECK(conv2 && strcmp(conv2->op_type, "Conv") == 0 && conv2->n_inputs == 3 && count_op(g, "Add") == 0,
           "Conv -> Add(per-channel constant) folded into the Conv's bias; the Add's output name kept");
  if (conv2) {
    const cliq__tensor *bb = g->values[conv2->inputs[2]].constant, *b2t = g->values[b2].constant;
    bool same = bb && cliq__tensor_elems(bb) == 5;
    for (int c = 0; same && c < 5; c++) same = ((float *)bb->data)[c] == ((float *)b2t->data)[c];
    TH_CHECK(same, "folded bias equals the Add's constant");
  }

  cliq__stats_table *tab = cliq__stats_new();
  cliq__qdq_plan *plan = NULL;
  if (!TH_OK(ctx, cliq__qdq_plan_new(ctx, g, g, NULL, tab, &plan))) goto out;
  /* a2: the Sigmoid is a table after the Conv in the int8 plan, so its input is quantized */
  const char *own[] = {"x", "r1", "a2", "s2", "f"};
  for (size_t k = 0; k < sizeof own / sizeof own[0]; k++) TH_CHECK(cliq__stats_find(tab, own[k]) >= 0, "tensor %s is quantized", own[k]);
  TH_CHECK(cliq__stats_find(tab, "c1") < 0 && cliq__stats_find(tab, "sm") < 0 && cliq__stats_find(tab, "y") < 0,
           "no Q/DQ between a Conv and its fused Relu, none on outputs that only graph outputs or float ops read");
  int ep = cliq__stats_find(tab, "p1"), ef = cliq__stats_find(tab, "f"), er = cliq__stats_find(tab, "r1"),
      es = cliq__stats_find(tab, "s2");
  TH_CHECK(ep >= 0 && cliq__qdq_root(tab, ep) == er && ef >= 0 && cliq__qdq_root(tab, ef) == es,
           "MaxPool output reuses r1's quantizer, Flatten output reuses s2's");
  /* Conv (+Relu), Conv (+bias +Sigmoid), MaxPool, Flatten int8; the Gemm (graph output) and Softmax float */
  TH_CHECK(plan->quantized_ops == 6 && plan->float_ops == 2, "quantized ops %zu (want 6), float ops %zu (want 2)", plan->quantized_ops,
           plan->float_ops);
  /* ranges as if calibrated */
  for (size_t e = 0; e < tab->n; e++) {
    cliq__tstats *t = &tab->t[e];
    t->lo = -1.0 - (double)e;
    t->hi = 2.0 + (double)e;
    t->grid = cliq__qgrid_make(t->lo, t->hi, false, -128, 127);
    t->has_grid = true;
  }
  for (size_t e = 0; e < tab->n; e++) tab->t[e].grid = tab->t[cliq__qdq_root(tab, (int)e)].grid;
  cliq__graph *qg = NULL;
  if (!TH_OK(ctx, cliq__qdq_build(ctx, g, plan, tab, &o, &qg))) goto out;
  /* W1: per-channel int8, axis 0 */
  const cliq__node *conv1 = producer_of(qg, "c1");
  const cliq__node *dqw = conv1 ? producer_of(qg, input_name(qg, conv1, 1)) : NULL;
  TH_CHECK(dqw && strcmp(dqw->op_type, "DequantizeLinear") == 0 && cliq__attr_int(dqw, "axis", -9) == 0,
           "conv1 weight through a per-axis DequantizeLinear (axis 0)");
  if (dqw) {
    const cliq__tensor *wq = qg->values[dqw->inputs[0]].constant, *ws = qg->values[dqw->inputs[1]].constant,
                       *wz = qg->values[dqw->inputs[2]].constant, *w = g->values[w1].constant;
    TH_CHECK(wq && wq->dtype == CLIQ_DTYPE_INT8 && ws && ws->rank == 1 && ws->dims[0] == 4 && wz && wz->dtype == CLIQ_DTYPE_INT8,
             "int8 weight, 4 float scales, int8 zero points");
    bool ok = wq && ws && wz;
    for (int c = 0; ok && c < 4; c++) {
      float mx = 0;
      for (int i = 0; i < 27; i++) mx = fmaxf(mx, fabsf(((float *)w->data)[c * 27 + i]));
      ok = fabsf(((float *)ws->data)[c] - mx / 127.0f) <= 1e-6f * mx && ((int8_t *)wz->data)[c] == 0;
      for (int i = 0; ok && i < 27; i++) {
        float wf = ((float *)w->data)[c * 27 + i], s = ((float *)ws->data)[c];
        int q = ((int8_t *)wq->data)[c * 27 + i];
        ok = q >= -127 && q <= 127 && fabsf((float)q * s - wf) <= 0.5001f * s;
      }
    }
    TH_CHECK(ok, "weights: scale_c = max|W_c|/127, q = round(W/scale_c) in [-127, 127]");
    /* bias: int32 at s_x * s_w[c] */
    const cliq__node *dqb = producer_of(qg, input_name(qg, conv1, 2));
    int ex = cliq__stats_find(tab, "x");
    if (TH_CHECK(dqb && strcmp(dqb->op_type, "DequantizeLinear") == 0, "conv1 bias through a DequantizeLinear")) {
      const cliq__tensor *bq = qg->values[dqb->inputs[0]].constant, *bs = qg->values[dqb->inputs[1]].constant,
                         *b = g->values[b1].constant;
      bool bok = bq && bq->dtype == CLIQ_DTYPE_INT32 && bs && bs->dims[0] == 4;
      for (int c = 0; bok && c < 4; c++) {
        float s = (float)((double)tab->t[ex].grid.scale * (double)((float *)ws->data)[c]);
        bok = ((float *)bs->data)[c] == s && ((int32_t *)bq->data)[c] == (int32_t)nearbyint(((float *)b->data)[c] / (double)s);
      }
      TH_CHECK(bok, "bias: int32 round(b / (s_x * s_w[c])) with scale s_x * s_w[c]");
    }
  }
  /* Gemm with transB = 1: weight axis 0 */
  const cliq__node *fc = producer_of(qg, "y");
  const cliq__node *dq3 = fc ? producer_of(qg, input_name(qg, fc, 1)) : NULL;
  TH_CHECK(fc && strcmp(fc->op_type, "Gemm") == 0 && dq3 && cliq__attr_int(dq3, "axis", -9) == 0 &&
               qg->values[dq3->inputs[1]].constant->dims[0] == 6,
           "Gemm (transB=1) weight per output row, axis 0, 6 scales");
  /* no Q/DQ inside conv1 + relu; MaxPool between two Q/DQ sharing scale initializers */
  const cliq__node *relu = producer_of(qg, "r1");
  TH_CHECK(relu && strcmp(input_name(qg, relu, 0), "c1") == 0, "Relu reads the Conv directly");
  const cliq__node *pool = producer_of(qg, "p1");
  const cliq__node *qp = producer_of(qg, "p1_QuantizeLinear_Output"), *qr = producer_of(qg, "r1_QuantizeLinear_Output");
  TH_CHECK(pool && qp && qr && strcmp(input_name(qg, pool, 0), "r1_DequantizeLinear_Output") == 0 && qp->inputs[1] == qr->inputs[1] &&
               qp->inputs[2] == qr->inputs[2],
           "MaxPool: DQ(r1) -> MaxPool -> Q with the same scale and zero point initializers");
  /* Softmax reads the dequantized s2, its output stays float and keeps its name */
  const cliq__node *soft = producer_of(qg, "sm");
  TH_CHECK(soft && strcmp(soft->op_type, "Softmax") == 0 && strcmp(input_name(qg, soft, 0), "s2_DequantizeLinear_Output") == 0,
           "Softmax stays float on dequantized input");
  /* written next to the test binary for inspection (Netron, onnx.checker) */
  void *buf;
  size_t size;
  if (TH_OK(ctx, cliq__onnx_export(ctx, qg, &buf, &size))) {
    FILE *fp = fopen("test_ptq_writer.int8.onnx", "wb");
    if (fp) {
      fwrite(buf, 1, size, fp);
      fclose(fp);
    }
    free(buf);
  }
  cliq__graph_free(qg);
out:
  cliq__qdq_plan_free(plan);
  cliq__stats_free(tab);
  tg_free(t);
}

/* ---- running the quantized model (needs QuantizeLinear/DequantizeLinear ops) ----------------- */

static void test_run_quantized(cliq_context *ctx) {
  if (!cliq__op_find("QuantizeLinear", "") || !cliq__op_find("DequantizeLinear", "")) {
    printf("  (QuantizeLinear/DequantizeLinear are not in the op table yet: quantized run not tested)\n");
    return;
  }
  tg *t = unary_graph();
  cliq_model *m = load_graph(ctx, t);
  tg_free(t);
  if (!m) return;
  size_t elems = 3 * 9 * 7;
  source src = make_source(12, elems, -2.0f, 3.0f);
  cliq_calib_source cs = as_calib(&src);
  cliq_quantize_options o = cliq_quantize_options_default();
  cliq_model *q = NULL;
  cliq_quantize_report rep;
  if (TH_OK(ctx, cliq_quantize(ctx, m, &cs, &o, &rep, &q))) {
    /* one image through the int8 model vs the same fake quantization on the host */
    int64_t d[4] = {1, 3, 9, 7};
    cliq__tensor *x = th_tensor(CLIQ_DTYPE_FLOAT32, 4, d);
    memcpy(x->data, src.data, elems * sizeof(float));
    cliq__tensor **out = NULL;
    size_t n_out = 0;
    if (TH_OK(ctx, th_run(ctx, q, 1, &x, &n_out, &out)) && TH_CHECK(n_out == 3, "3 outputs")) {
      const cliq__graph *qg = q->g;
      /* the quantizers written in the model */
      float sc[2];
      int zp[2];
      const char *names[2] = {"x", "r"};
      for (int k = 0; k < 2; k++) {
        char nm[64];
        snprintf(nm, sizeof nm, "%s_QuantizeLinear_Output", names[k]);
        const cliq__node *qn = producer_of(qg, nm);
        sc[k] = qn ? ((float *)qg->values[qn->inputs[1]].constant->data)[0] : 1.0f;
        zp[k] = qn ? ((int8_t *)qg->values[qn->inputs[2]].constant->data)[0] : 0;
      }
      float *ws = malloc(elems * sizeof(float)), *wt = malloc(elems * sizeof(float)), *wr = malloc(elems * sizeof(float));
      cliq__qgrid gx = {sc[0], zp[0], -128, 127}, gr = {sc[1], zp[1], -128, 127};
      for (size_t i = 0; i < elems; i++) {
        float xq = cliq__qgrid_fake(&gx, src.data[i]);
        wr[i] = cliq__qgrid_fake(&gr, xq > 0 ? xq : 0.0f);
        ws[i] = 1.0f / (1.0f + expf(-wr[i]));
        wt[i] = tanhf(xq);
      }
      /* quantized values exactly; float functions of them within float rounding of the device */
      th_compare_f32("fake-quantized relu(x)", out[2]->data, wr, elems, 0, 0);
      th_compare_f32("sigmoid of the fake-quantized relu", out[0]->data, ws, elems, 1e-6f, 1e-5f);
      th_compare_f32("tanh of the fake-quantized x", out[1]->data, wt, elems, 1e-6f, 1e-5f);
      free(ws);
      free(wt);
      free(wr);
    }
    th_free_tensors(out, n_out);
    cliq__tensor_free(x);
    /* saved and reloaded, the model keeps its metadata */
    TH_OK(ctx, cliq_model_save(ctx, q, "test_ptq_unary.int8.onnx"));
    TH_CHECK(cliq_model_metadata(q, "cliq.quantize.method") != NULL, "quantized model carries cliq.quantize.method");
  }
  cliq_model_destroy(q);
  free(src.data);
  cliq_model_destroy(m);
}

int main(void) {
  th_init("test_ptq");
  cliq_context *ctx = th_device_context();
  test_streaming(ctx);
  test_writer(ctx);
  test_run_quantized(ctx);
  cliq_context_destroy(ctx);
  return th_finish();
}

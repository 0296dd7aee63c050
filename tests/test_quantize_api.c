/*
 * test_quantize_api.c — post-training quantization through the public API only, as an app would
 * use it: a dataset of image files as the calibration source, cliq_quantize, cliq_model_save and
 * cliq_model_load, and the int8 plan run on the device and on the C reference.
 *
 * Checks (issue "post-training quantization end to end", tests section):
 *   - save, load, run gives bit-identical outputs (device), and the int8 plan is bit-identical on
 *     the device and on the C reference (numerics contract);
 *   - the quantized model stays close to the float one (cosine > 0.99 on held-out images);
 *   - a constant (zero-range) activation quantizes without NaN and the model still runs;
 *   - bad inputs, each with its specific status: empty calibration folder (BAD_DATA), an image
 *     file that does not decode (BAD_IMAGE), a model whose input has a channel count images cannot
 *     give (BAD_IMAGE), NaN activations from a source (BAD_DATA), QDQ models with a zero,
 *     negative or NaN scale (INVALID_MODEL) and with a zero point of the wrong type.
 */
#include "harness.h"
#include "harness_graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stb_write.h"

#define H 16
#define W 16

/* x[1,3,H,W] -> Conv3x3(8)+b -> Relu -> depthwise 3x3 -> Relu -> Conv1x1(4) -> GAP -> Flatten.
 * With dead_channel, the second conv's bias drives one ReLU output to a constant 0 everywhere
 * (a zero-range tensor once it feeds a per-channel op on its own: here the whole tensor after a
 * Mul by 0 — the test only needs a tensor whose calibrated range is [0,0]). */
static cliq_model *small_cnn(cliq_context *ctx, int channels, bool zero_branch) {
  tg *t = tg_new(13);
  int64_t xd[4] = {1, channels, H, W};
  int x = tg_input(t, "image", CLIQ_DTYPE_FLOAT32, 4, xd, NULL);
  int64_t w1d[4] = {8, channels, 3, 3}, b1d[1] = {8}, w2d[4] = {8, 1, 3, 3}, w3d[4] = {4, 8, 1, 1}, b3d[1] = {4};
  int w1 = tg_const_random(t, "w1", 4, w1d, -0.05f, 0.05f), b1 = tg_const_random(t, "b1", 1, b1d, -0.2f, 0.2f);
  int in1[3] = {x, w1, b1};
  int c1 = tg_node(t, "Conv", "conv1", in1, 3);
  int64_t pads[4] = {1, 1, 1, 1};
  cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
  int r1 = tg_node(t, "Relu", "relu1", &c1, 1);
  int w2 = tg_const_random(t, "w2", 4, w2d, -0.5f, 0.5f);
  int in2[2] = {r1, w2};
  int c2 = tg_node(t, "Conv", "dw", in2, 2);
  cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
  cliq__node_set_int(tg_last_node(t), "group", 8);
  int r2 = tg_node(t, "Relu", "relu2", &c2, 1);
  if (zero_branch) {
    /* r2 * 0 is a constant-zero activation feeding the next conv through an Add */
    int64_t sd[1] = {1};
    cliq__tensor *z = th_tensor(CLIQ_DTYPE_FLOAT32, 1, sd);
    int zero = tg_const(t, "zero", z);
    cliq__tensor_free(z);
    int mi[2] = {r2, zero};
    int m0 = tg_node(t, "Mul", "zeroed", mi, 2);
    int ai[2] = {r2, m0};
    r2 = tg_node(t, "Add", "plus_zero", ai, 2);
  }
  int w3 = tg_const_random(t, "w3", 4, w3d, -0.3f, 0.3f), b3 = tg_const_random(t, "b3", 1, b3d, -0.1f, 0.1f);
  int in3[3] = {r2, w3, b3};
  int c3 = tg_node(t, "Conv", "conv3", in3, 3);
  int g = tg_node(t, "GlobalAveragePool", "gap", &c3, 1);
  int y = tg_node(t, "Flatten", "logits", &g, 1);
  tg_output(t, y);
  cliq_model *m = NULL;
  cliq_status st = tg_model_onnx(t, ctx, &m);
  tg_free(t);
  if (st != CLIQ_STATUS_OK) printf("building the test CNN failed: %s: %s\n", cliq_status_name(st), cliq_context_error(ctx));
  return m;
}

/* n smooth random RGB images as PNG files img_000.png ... in dir. */
static void write_images(const char *dir, int n) {
  unsigned char px[H * W * 3];
  for (int i = 0; i < n; i++) {
    float f0 = th_uniform(0.1f, 0.6f), f1 = th_uniform(0.1f, 0.6f), ph = th_uniform(0, 6.28f);
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        for (int c = 0; c < 3; c++) {
          float v = 128 + 100 * sinf(f0 * x + f1 * y * (c + 1) + ph) + th_uniform(-20, 20);
          px[(y * W + x) * 3 + c] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    char path[4200];
    snprintf(path, sizeof path, "%s/img_%03d.png", dir, i);
    stbi_write_png(path, W, H, 3, px, W * 3);
  }
}

static cliq_status run_model(cliq_context *ctx, const cliq_model *m, const float *x, float *y) {
  cliq_session *s = NULL;
  cliq_status st = cliq_session_create(ctx, m, NULL, &s);
  if (st != CLIQ_STATUS_OK) return st;
  cliq_buffer in = {CLIQ_DTYPE_FLOAT32, (void *)x, 3 * H * W * sizeof(float)}, out = {CLIQ_DTYPE_FLOAT32, y, 4 * sizeof(float)};
  th_fill_poison(y, out.size);
  st = cliq_session_run(s, 1, &in, 1, &out);
  cliq_session_destroy(s);
  return st;
}

/* cliq_model_quantizer_count / _quantizer / _select_quantizers (calib/quantizers.c), the primitive of
 * `cliq compare --sensitivity`: every quantizer kept gives the int8 model's own output bits, none
 * kept leaves no activation quantizer, one kept leaves exactly that one, a wrong count is refused. */
static void test_select_quantizers(cliq_context *dev, const cliq_model *qm, const float *x) {
  size_t n = cliq_model_quantizer_count(qm);
  TH_CHECK(n >= 3, "activation quantizers of the int8 CNN: %zu (input, conv, pool at least)", n);
  TH_CHECK(cliq_model_quantizer(qm, n) == NULL, "index past the count gives NULL");
  bool named = true, distinct = true;
  for (size_t i = 0; i < n; i++) {
    const char *a = cliq_model_quantizer(qm, i);
    named = named && a && a[0];
    for (size_t j = 0; a && j < i; j++) distinct = distinct && strcmp(a, cliq_model_quantizer(qm, j)) != 0;
  }
  TH_CHECK(named && distinct, "quantizers named, each once");
  unsigned char *en = malloc(n + 1);
  if (!en) return;
  float y0[4], y1[4];
  cliq_model *m = NULL;
  memset(en, 1, n);
  if (TH_OK(dev, cliq_model_select_quantizers(dev, qm, en, n, &m))) {
    TH_CHECK(cliq_model_quantizer_count(m) == n, "all kept: %zu quantizers", cliq_model_quantizer_count(m));
    if (TH_OK(dev, run_model(dev, qm, x, y0)) && TH_OK(dev, run_model(dev, m, x, y1)))
      th_compare_bytes("all quantizers kept: the int8 model's output bits", y1, y0, sizeof y0);
  }
  cliq_model_destroy(m);
  m = NULL;
  memset(en, 0, n);
  if (TH_OK(dev, cliq_model_select_quantizers(dev, qm, en, n, &m))) {
    TH_CHECK(cliq_model_quantizer_count(m) == 0, "none kept: %zu quantizers left", cliq_model_quantizer_count(m));
    if (TH_OK(dev, run_model(dev, m, x, y1)))
      TH_CHECK(memcmp(y0, y1, sizeof y0) != 0 && isfinite(y1[0]), "int8 weights only: a different, finite output");
  }
  cliq_model_destroy(m);
  m = NULL;
  en[n - 1] = 1;
  if (TH_OK(dev, cliq_model_select_quantizers(dev, qm, en, n, &m))) {
    const char *left = cliq_model_quantizer(m, 0);
    TH_CHECK(cliq_model_quantizer_count(m) == 1 && left && strcmp(left, cliq_model_quantizer(qm, n - 1)) == 0,
             "one kept: that one is left ('%s')", left ? left : "(none)");
  }
  cliq_model_destroy(m);
  m = NULL;
  th_expect_status(dev, cliq_model_select_quantizers(dev, qm, en, n - 1, &m), CLIQ_STATUS_INVALID_ARGUMENT,
                   "a flag count other than the quantizer count");
  TH_CHECK(m == NULL && strstr(cliq_context_error(dev), "quantizer") != NULL, "refused with a message: %s",
           cliq_context_error(dev));
  free(en);
}

/* The accuracy-target fallback (calib/fallback.c): a target already met changes nothing; an
 * unreachable one with max_float_activations 1 bypasses at most one quantizer, only if that helps,
 * and says so in the report and the metadata. */
static void test_fallback(cliq_context *dev, const cliq_model *fm, cliq_dataset *ds, size_t n_plain) {
  cliq_quantize_options qo = cliq_quantize_options_default();
  cliq_quantize_report rep;
  cliq_model *qm = NULL;
  cliq_calib_source src = cliq_calib_source_dataset(ds, 16);
  qo.target_sqnr_db = 1.0;
  if (TH_OK(dev, cliq_quantize(dev, fm, &src, &qo, &rep, &qm)))
    TH_CHECK(rep.float_activations == 0 && rep.sqnr_after_db == rep.sqnr_before_db && rep.sqnr_before_db >= 1.0 &&
                 cliq_model_quantizer_count(qm) == n_plain,
             "target 1 dB met as is (%.2f dB): nothing bypassed (%zu), %zu quantizers", rep.sqnr_before_db,
             rep.float_activations, cliq_model_quantizer_count(qm));
  cliq_model_destroy(qm);
  qm = NULL;
  src = cliq_calib_source_dataset(ds, 16);
  qo.target_sqnr_db = 150.0;
  qo.max_float_activations = 1;
  if (TH_OK(dev, cliq_quantize(dev, fm, &src, &qo, &rep, &qm))) {
    TH_CHECK(rep.float_activations <= 1 && rep.sqnr_after_db >= rep.sqnr_before_db &&
                 (rep.float_activations == 1) == (rep.sqnr_after_db > rep.sqnr_before_db),
             "unreachable target, at most 1: %zu bypassed, %.2f -> %.2f dB", rep.float_activations, rep.sqnr_before_db,
             rep.sqnr_after_db);
    TH_CHECK(cliq_model_quantizer_count(qm) == n_plain - rep.float_activations, "%zu quantizers left of %zu",
             cliq_model_quantizer_count(qm), n_plain);
    const char *meta = cliq_model_metadata(qm, "cliq.fallback.sqnr_db");
    double b = 0, a = 0, t = 0;
    TH_CHECK(meta && sscanf(meta, "%lf %lf %lf", &b, &a, &t) == 3 && t == 150.0 && fabs(a - rep.sqnr_after_db) < 0.01,
             "metadata cliq.fallback.sqnr_db '%s'", meta ? meta : "(none)");
  }
  cliq_model_destroy(qm);
  qo.target_sqnr_db = 0.0;
}

static cliq_status failing_next(void *user, size_t n_inputs, float *const *inputs, size_t max_images, size_t *out_images) {
  (void)user, (void)n_inputs, (void)inputs, (void)max_images;
  *out_images = 0;
  return CLIQ_STATUS_IO_ERROR;
}

/* target_drop_worst: with a target already met (so the model returned is the int8 model as
 * built), the images the metadata says were left out are the 2 with the lowest SQNR of their own,
 * computed here by running both models, and the figure reported is the pooled SQNR of the other 6;
 * dropping every image is refused. */
static void test_drop_worst(cliq_context *dev, const cliq_model *fm, cliq_dataset *ds, cliq_dataset *tds) {
  cliq_quantize_options qo = cliq_quantize_options_default();
  cliq_quantize_report rep;
  cliq_model *qm = NULL;
  cliq_calib_source src = cliq_calib_source_dataset(ds, 16), tsrc = cliq_calib_source_dataset_range(tds, 16, 8);
  qo.target_sqnr_db = 1.0;
  qo.target_source = &tsrc;
  qo.target_drop_worst = 2;
  if (!TH_OK(dev, cliq_quantize(dev, fm, &src, &qo, &rep, &qm))) return;
  size_t n = cliq_dataset_image_elements(ds);
  float *x = malloc(n * sizeof(float));
  double own[8], rr[8], dd[8];
  for (size_t i = 0; x && i < 8; i++) {
    float yf[4], yq[4];
    int label;
    rr[i] = dd[i] = 0.0;
    TH_OK(dev, cliq_dataset_get(ds, 16 + i, x, &label, NULL));
    TH_OK(dev, run_model(dev, fm, x, yf));
    TH_OK(dev, run_model(dev, qm, x, yq));
    for (int k = 0; k < 4; k++) rr[i] += (double)yf[k] * yf[k], dd[i] += ((double)yf[k] - yq[k]) * ((double)yf[k] - yq[k]);
    own[i] = 10.0 * log10(rr[i] / dd[i]);
  }
  free(x);
  size_t lo1 = 0, lo2 = 1;
  if (own[lo2] < own[lo1]) lo1 = 1, lo2 = 0;
  for (size_t i = 2; i < 8; i++) {
    if (own[i] < own[lo1]) lo2 = lo1, lo1 = i;
    else if (own[i] < own[lo2]) lo2 = i;
  }
  double sr = 0, sd = 0;
  for (size_t i = 0; i < 8; i++)
    if (i != lo1 && i != lo2) sr += rr[i], sd += dd[i];
  double rest = 10.0 * log10(sr / sd);
  char want[64];
  snprintf(want, sizeof want, "8 target images less #%zu,%zu", lo1 < lo2 ? lo1 : lo2, lo1 < lo2 ? lo2 : lo1);
  const char *j = cliq_model_metadata(qm, "cliq.fallback.judged_on");
  TH_CHECK(j && strcmp(j, want) == 0, "the 2 worst images left out: metadata '%s', want '%s' (%.2f and %.2f dB)",
           j ? j : "(none)", want, own[lo1], own[lo2]);
  TH_CHECK(fabs(rep.sqnr_before_db - rest) < 1e-3 && rep.float_activations == 0,
           "figure without them %.4f dB = the other 6 pooled %.4f dB", rep.sqnr_before_db, rest);
  cliq_model_destroy(qm), qm = NULL;
  qo.target_drop_worst = 8;
  src = cliq_calib_source_dataset(ds, 16);
  tsrc = cliq_calib_source_dataset_range(tds, 16, 8);
  th_expect_status(dev, cliq_quantize(dev, fm, &src, &qo, NULL, &qm), CLIQ_STATUS_INVALID_ARGUMENT, "dropping all 8 images");
  TH_CHECK(qm == NULL && strstr(cliq_context_error(dev), "target_drop_worst") != NULL, "the error names the option: %s",
           cliq_context_error(dev));
}

/* The accuracy target judged elsewhere: on a target source (images the calibration did not see;
 * its own dataset, a dataset holding one cursor) and on named outputs. The figure on the 8 target
 * images is the same whether the one output is named or not, differs from the figure on the
 * calibration images, and the report and the metadata say what it was judged on; a name that
 * is not an output, a failing source and an empty one are errors that say so. */
static void test_fallback_target(cliq_context *dev, const cliq_model *fm, cliq_dataset *ds, cliq_dataset *tds) {
  cliq_quantize_options qo = cliq_quantize_options_default();
  cliq_quantize_report rep, rep_named, rep_kept;
  cliq_model *qm = NULL;
  cliq_tensor_info out;
  cliq_model_output(fm, 0, &out);
  const char *names[1] = {out.name};
  qo.target_sqnr_db = 150.0;
  qo.max_float_activations = 1;
  cliq_calib_source src = cliq_calib_source_dataset(ds, 16), tsrc = cliq_calib_source_dataset_range(tds, 16, 8);
  TH_CHECK(tsrc.total == 8, "a range source of 8 images says so (%zu)", tsrc.total);
  if (TH_OK(dev, cliq_quantize(dev, fm, &src, &qo, &rep_kept, &qm)))
    TH_CHECK(rep_kept.target_images == 16, "judged on the 16 kept calibration images by default (%zu)", rep_kept.target_images);
  cliq_model_destroy(qm), qm = NULL;
  qo.target_source = &tsrc;
  src = cliq_calib_source_dataset(ds, 16);
  if (TH_OK(dev, cliq_quantize(dev, fm, &src, &qo, &rep, &qm))) {
    TH_CHECK(rep.images == 16 && rep.target_images == 8 && rep.sqnr_before_db != rep_kept.sqnr_before_db,
             "calibrated on 16, judged on the 8 target images: %zu / %zu, %.3f dB (calibration images %.3f dB)", rep.images,
             rep.target_images, rep.sqnr_before_db, rep_kept.sqnr_before_db);
    const char *j = cliq_model_metadata(qm, "cliq.fallback.judged_on");
    TH_CHECK(j && strcmp(j, "8 target images") == 0, "metadata cliq.fallback.judged_on '%s'", j ? j : "(none)");
  }
  cliq_model_destroy(qm), qm = NULL;
  qo.target_outputs = names;
  qo.n_target_outputs = 1;
  src = cliq_calib_source_dataset(ds, 16);
  tsrc = cliq_calib_source_dataset_range(tds, 16, 8);
  if (TH_OK(dev, cliq_quantize(dev, fm, &src, &qo, &rep_named, &qm))) {
    TH_CHECK(rep_named.sqnr_before_db == rep.sqnr_before_db && rep_named.target_images == 8,
             "naming the only output judges the same: %.6f vs %.6f dB", rep_named.sqnr_before_db, rep.sqnr_before_db);
    const char *j = cliq_model_metadata(qm, "cliq.fallback.judged_on");
    char want[256];
    snprintf(want, sizeof want, "8 target images; outputs %s", out.name);
    TH_CHECK(j && strcmp(j, want) == 0, "metadata cliq.fallback.judged_on '%s' (want '%s')", j ? j : "(none)", want);
  }
  cliq_model_destroy(qm), qm = NULL;
  const char *bad[1] = {"no_such_output"};
  qo.target_outputs = bad;
  src = cliq_calib_source_dataset(ds, 16);
  th_expect_status(dev, cliq_quantize(dev, fm, &src, &qo, NULL, &qm), CLIQ_STATUS_INVALID_ARGUMENT, "an unknown target output");
  TH_CHECK(qm == NULL && strstr(cliq_context_error(dev), "no_such_output") != NULL, "the error names it: %s",
           cliq_context_error(dev));
  qo.target_outputs = names;
  cliq_calib_source failing = {NULL, failing_next, 0};
  qo.target_source = &failing;
  src = cliq_calib_source_dataset(ds, 16);
  th_expect_status(dev, cliq_quantize(dev, fm, &src, &qo, NULL, &qm), CLIQ_STATUS_IO_ERROR, "a failing target source");
  TH_CHECK(qm == NULL && strstr(cliq_context_error(dev), "target source") != NULL, "the error says which source: %s",
           cliq_context_error(dev));
  test_drop_worst(dev, fm, ds, tds);
  tsrc = cliq_calib_source_dataset_range(tds, 24, 8); /* past the end: no images */
  qo.target_source = &tsrc;
  src = cliq_calib_source_dataset(ds, 16);
  th_expect_status(dev, cliq_quantize(dev, fm, &src, &qo, NULL, &qm), CLIQ_STATUS_BAD_DATA, "an empty target source");
  TH_CHECK(qm == NULL && tsrc.total == 0 && strstr(cliq_context_error(dev), "target source gave no images") != NULL,
           "the error says so: %s", cliq_context_error(dev));
}

static void test_end_to_end(cliq_context *dev, cliq_context *ref, const char *dir) {
  cliq_model *fm = small_cnn(dev, 3, false);
  if (!TH_CHECK(fm != NULL, "float CNN builds")) return;
  cliq_preprocess pre = cliq_preprocess_default();
  cliq_dataset *ds = NULL;
  if (!TH_OK(dev, cliq_dataset_open(dev, dir, fm, &pre, &ds))) return;
  TH_CHECK(cliq_dataset_count(ds) == 24, "24 images in the folder (%zu)", cliq_dataset_count(ds));
  cliq_calib_source src = cliq_calib_source_dataset(ds, 16); /* the first 16 calibrate */
  cliq_quantize_options qo = cliq_quantize_options_default();
  cliq_quantize_report rep;
  cliq_model *qm = NULL;
  if (!TH_OK(dev, cliq_quantize(dev, fm, &src, &qo, &rep, &qm))) return;
  TH_CHECK(rep.images == 16 && rep.quantized_ops >= 3, "report: %zu images, %zu int8 ops", rep.images, rep.quantized_ops);
  cliq_model_stats st;
  cliq_model_stats_get(qm, &st);
  TH_CHECK(st.quantized == 1, "the result is a quantized model");

  char path[4200];
  snprintf(path, sizeof path, "%s/q.onnx", dir);
  TH_OK(dev, cliq_model_save(dev, qm, path));
  cliq_model *loaded = NULL, *loaded_ref = NULL;
  TH_OK(dev, cliq_model_load(dev, path, &loaded));
  TH_OK(ref, cliq_model_load(ref, path, &loaded_ref));
  size_t n = cliq_dataset_image_elements(ds);
  float *x = malloc(n * sizeof(float));
  double dot = 0, nf = 0, nq = 0;
  for (size_t i = 16; i < 24 && loaded && loaded_ref; i++) {
    int label;
    TH_OK(dev, cliq_dataset_get(ds, i, x, &label, NULL));
    float yf[4], yq[4], yl[4], yr[4];
    TH_OK(dev, run_model(dev, fm, x, yf));
    TH_OK(dev, run_model(dev, qm, x, yq));
    TH_OK(dev, run_model(dev, loaded, x, yl));
    TH_OK(ref, run_model(ref, loaded_ref, x, yr));
    th_compare_bytes("saved and reloaded int8 model: same output bits", yl, yq, sizeof yq);
    th_compare_bytes("int8 plan: device and C reference give the same bits", yr, yl, sizeof yl);
    for (int k = 0; k < 4; k++) dot += (double)yf[k] * yq[k], nf += (double)yf[k] * yf[k], nq += (double)yq[k] * yq[k];
  }
  double cosine = dot / sqrt(nf * nq + 1e-30);
  TH_CHECK(cosine > 0.99, "int8 outputs follow the float ones on held-out images (cosine %.5f)", cosine);
  test_select_quantizers(dev, qm, x);
  test_fallback(dev, fm, ds, cliq_model_quantizer_count(qm));
  cliq_dataset *tds = NULL;
  if (TH_OK(dev, cliq_dataset_open(dev, dir, fm, &pre, &tds))) test_fallback_target(dev, fm, ds, tds);
  cliq_dataset_destroy(tds);
  TH_CHECK(cliq_model_metadata(loaded, "cliq.preprocess.mean") != NULL || cliq_model_metadata(loaded, "cliq.quantize.method") != NULL,
           "metadata survives save/load");
  free(x);
  cliq_model_destroy(loaded);
  cliq_model_destroy(loaded_ref);
  cliq_model_destroy(qm);

  /* a constant-zero activation (range [0,0]) quantizes and runs */
  cliq_model *zm = small_cnn(dev, 3, true);
  src = cliq_calib_source_dataset(ds, 8);
  cliq_model *zq = NULL;
  if (TH_OK(dev, cliq_quantize(dev, zm, &src, &qo, NULL, &zq))) {
    float xz[3 * H * W], yz[4];
    TH_OK(dev, cliq_dataset_get(ds, 20, xz, NULL, NULL));
    TH_OK(dev, run_model(dev, zq, xz, yz));
    bool finite = true;
    for (int k = 0; k < 4; k++) finite = finite && isfinite(yz[k]);
    TH_CHECK(finite, "zero-range activation: outputs finite");
  }
  cliq_model_destroy(zq);
  cliq_model_destroy(zm);
  cliq_dataset_destroy(ds);
  cliq_model_destroy(fm);
}

static cliq_status nan_next(void *user, size_t n_inputs, float *const *inputs, size_t max_images, size_t *out_images) {
  int *calls = user;
  size_t elems = 3 * H * W;
  for (size_t i = 0; i < max_images * elems; i++) inputs[0][i] = (*calls == 1 && i == 7) ? NAN : 0.5f;
  *out_images = (*calls)++ < 2 ? max_images : 0;
  (void)n_inputs;
  return CLIQ_STATUS_OK;
}

static void test_bad_calibration(cliq_context *ctx, const char *dir) {
  cliq_model *fm = small_cnn(ctx, 3, false);
  cliq_preprocess pre = cliq_preprocess_default();
  cliq_dataset *ds = (cliq_dataset *)&pre;
  char empty[4200];
  snprintf(empty, sizeof empty, "%s/empty", dir);
  mkdir(empty, 0755);
  th_expect_status(ctx, cliq_dataset_open(ctx, empty, fm, &pre, &ds), CLIQ_STATUS_BAD_DATA, "empty calibration folder");
  TH_CHECK(ds == NULL, "no dataset handle on failure");

  /* a .jpg that is not an image: found by name, fails when decoded during calibration */
  char broken[4200], file[4300];
  snprintf(broken, sizeof broken, "%s/broken", dir);
  mkdir(broken, 0755);
  write_images(broken, 2);
  snprintf(file, sizeof file, "%s/zz_not_an_image.jpg", broken);
  FILE *f = fopen(file, "wb");
  fputs("this is text, not a JPEG", f);
  fclose(f);
  if (TH_OK(ctx, cliq_dataset_open(ctx, broken, fm, &pre, &ds))) {
    cliq_calib_source src = cliq_calib_source_dataset(ds, 0);
    cliq_quantize_options qo = cliq_quantize_options_default();
    cliq_model *qm = (cliq_model *)ds;
    cliq_status st = cliq_quantize(ctx, fm, &src, &qo, NULL, &qm);
    th_expect_status(ctx, st, CLIQ_STATUS_BAD_IMAGE, "calibration folder with an undecodable image");
    TH_CHECK(qm == NULL && strstr(cliq_context_error(ctx), "zz_not_an_image.jpg"), "message names the file: %s",
             cliq_context_error(ctx));
    cliq_dataset_destroy(ds);
  }

  /* images cannot feed a 2-channel input */
  cliq_model *m2 = small_cnn(ctx, 2, false);
  ds = NULL;
  th_expect_status(ctx, cliq_dataset_open(ctx, dir, m2, &pre, &ds), CLIQ_STATUS_BAD_IMAGE, "model input with 2 channels");
  cliq_model_destroy(m2);

  /* NaN in the calibration data */
  int calls = 0;
  cliq_calib_source nan_src = {&calls, nan_next, 0};
  cliq_quantize_options qo = cliq_quantize_options_default();
  qo.batch = 2;
  cliq_model *qm = NULL;
  th_expect_status(ctx, cliq_quantize(ctx, fm, &nan_src, &qo, NULL, &qm), CLIQ_STATUS_BAD_DATA, "NaN activations");
  cliq_model_destroy(fm);
}

/* x -> QuantizeLinear(s, z) -> DequantizeLinear(s, z) -> y with a given scale/zero point. */
static cliq_status qdq_model(cliq_context *ctx, float scale, cliq_dtype zp_type, int zp, cliq_model **out) {
  tg *t = tg_new(13);
  int64_t d[2] = {1, 4};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 2, d, NULL);
  int sv = tg_const_f32(t, "s", scale), zv = tg_const_int(t, "z", zp_type, zp);
  int qi[3] = {x, sv, zv};
  int q = tg_node(t, "QuantizeLinear", "q", qi, 3);
  int di[3] = {q, sv, zv};
  int y = tg_node(t, "DequantizeLinear", "dq", di, 3);
  tg_output(t, y);
  cliq_status st = tg_model_onnx(t, ctx, out);
  tg_free(t);
  return st;
}

static void test_bad_qdq(cliq_context *ctx) {
  cliq_model *m = NULL;
  TH_OK(ctx, qdq_model(ctx, 0.5f, CLIQ_DTYPE_INT8, -3, &m));
  cliq_model_destroy(m);
  m = NULL;
  th_expect_status(ctx, qdq_model(ctx, 0.0f, CLIQ_DTYPE_INT8, 0, &m), CLIQ_STATUS_INVALID_MODEL, "QDQ with scale 0");
  TH_CHECK(m == NULL && strstr(cliq_context_error(ctx), "'q'") != NULL, "message names the node: %s", cliq_context_error(ctx));
  th_expect_status(ctx, qdq_model(ctx, -0.25f, CLIQ_DTYPE_INT8, 0, &m), CLIQ_STATUS_INVALID_MODEL, "QDQ with a negative scale");
  th_expect_status(ctx, qdq_model(ctx, NAN, CLIQ_DTYPE_INT8, 0, &m), CLIQ_STATUS_INVALID_MODEL, "QDQ with a NaN scale");
  /* a zero point must have the quantized type (int8/uint8): an int32 zero point of 300 cannot be one */
  cliq_status st = qdq_model(ctx, 0.5f, CLIQ_DTYPE_INT32, 300, &m);
  TH_CHECK(st == CLIQ_STATUS_UNSUPPORTED || st == CLIQ_STATUS_INVALID_MODEL,
           "QDQ with an int32 zero point of 300 is refused (%s: %s)", cliq_status_name(st), cliq_context_error(ctx));
  TH_CHECK(m == NULL, "no model on failure");
}

int main(void) {
  th_init("test_quantize_api");
  cliq_context *dev = th_device_context();
  cliq_context *ref = th_ref_context();
  const char *dir = th_temp_dir("quantize_api");
  write_images(dir, 24);
  test_end_to_end(dev, ref, dir);
  test_bad_calibration(dev, dir);
  test_bad_qdq(dev);
  th_remove_dir(dir);
  cliq_context_destroy(dev);
  cliq_context_destroy(ref);
  return th_finish();
}

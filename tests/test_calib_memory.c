/*
 * test_calib_memory.c — calibration memory does not grow with the number of images.
 *
 * ONNX Runtime's calibrators keep every activation of every image; cliq's keep a fixed histogram
 * per tensor (calib/histogram.h). This calibrates the same model on 50 and then on 400 images and
 * compares the resident memory peaks of the two runs, sampled in the progress callback (once per
 * batch) from /proc/self/statm. The model's three activations are 3 x 256 KB per image, so keeping
 * them per image would add ~270 MB between the runs; the test allows 16 MB of noise.
 */
#include "harness_graph.h"

#include "calib/ptq.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int n = fscanf(f, "%lu %lu", &size, &resident);
  fclose(f);
  return n == 2 ? (size_t)resident * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

typedef struct source {
  size_t n, next, elems;
  float *img; /* one image pattern, varied per image so ranges keep moving */
} source;

static cliq_status next(void *user, size_t n_inputs, float *const *inputs, size_t max_images, size_t *out) {
  source *s = user;
  size_t k = s->n - s->next < max_images ? s->n - s->next : max_images;
  for (size_t j = 0; j < k; j++) {
    float gain = 1.0f + (float)((s->next + j) % 17) * 0.25f;
    for (size_t i = 0; i < s->elems; i++) inputs[0][j * s->elems + i] = s->img[i] * gain;
  }
  s->next += k;
  *out = k;
  (void)n_inputs;
  return CLIQ_STATUS_OK;
}

static size_t peak;
static int on_progress(void *user, size_t done, size_t total) {
  size_t r = rss_bytes();
  if (r > peak) peak = r;
  (void)user, (void)done, (void)total;
  return 0;
}

static cliq_model *model(cliq_context *ctx) {
  /* x[N,16,64,64] -> Relu -> Sigmoid -> Tanh */
  tg *t = tg_new(13);
  int64_t d[4] = {-1, 16, 64, 64};
  const char *names[4] = {"x", "r", "s", "t"}, *ops[3] = {"Relu", "Sigmoid", "Tanh"}, *batch[4] = {"N", NULL, NULL, NULL};
  int v[4];
  v[0] = tg_input(t, names[0], CLIQ_DTYPE_FLOAT32, 4, d, batch);
  for (int k = 1; k < 4; k++) v[k] = tg_value_shaped(t, names[k], CLIQ_DTYPE_FLOAT32, 4, d);
  for (int k = 0; k < 3; k++) tg_node_ex(t, "", ops[k], ops[k], &v[k], 1, &v[k + 1], 1);
  tg_output(t, v[3]);
  void *buf;
  size_t size;
  cliq_model *m = NULL;
  if (TH_OK(ctx, tg_bytes(t, ctx, &buf, &size))) {
    TH_OK(ctx, cliq_model_load_memory(ctx, buf, size, NULL, &m));
    free(buf);
  }
  tg_free(t);
  return m;
}

static size_t calibrate(cliq_context *ctx, cliq_model *m, source *s, size_t images) {
  s->n = images;
  s->next = 0;
  peak = rss_bytes();
  cliq_calib_source cs = {s, next, images};
  cliq_quantize_options o = cliq_quantize_options_default();
  o.progress = on_progress;
  cliq_quantize_report rep;
  cliq__graph *qg = NULL;
  if (TH_OK(ctx, cliq__ptq_run(ctx, m, &cs, &o, &rep, &qg, NULL)))
    TH_CHECK(rep.images == images && rep.peak_rss_bytes > 0, "%zu images calibrated (report: %zu, peak RSS %llu bytes)", images,
             rep.images, (unsigned long long)rep.peak_rss_bytes);
  cliq__graph_free(qg);
  return peak;
}

int main(void) {
  th_init("test_calib_memory");
  if (rss_bytes() == 0) th_skip("/proc/self/statm is not readable: cannot sample resident memory");
#if defined(__SANITIZE_ADDRESS__)
  th_skip("built with AddressSanitizer, whose quarantine keeps freed memory resident: peak memory is not the library's");
#endif
  cliq_context *ctx = th_device_context();
  cliq_model *m = model(ctx);
  if (m) {
    source s = {0, 0, 16 * 64 * 64, malloc(16 * 64 * 64 * sizeof(float))};
    for (size_t i = 0; i < s.elems; i++) s.img[i] = th_uniform(-4.0f, 4.0f);
    calibrate(ctx, m, &s, 8); /* warm-up: programs built, allocator pools filled */
    size_t p50 = calibrate(ctx, m, &s, 50), p400 = calibrate(ctx, m, &s, 400);
    double mb50 = (double)p50 / 1048576.0, mb400 = (double)p400 / 1048576.0;
    printf("  peak resident memory: %.1f MB with 50 images, %.1f MB with 400 images\n", mb50, mb400);
    TH_CHECK(p400 <= p50 + 16u * 1048576u, "peak memory grows by %.1f MB from 50 to 400 images (at most 16 MB allowed)", mb400 - mb50);
    free(s.img);
  }
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  return th_finish();
}

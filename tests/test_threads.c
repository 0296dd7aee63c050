/*
 * test_threads.c — cliq has no global mutable state (cliq.h, "Threads"): several threads, each
 * with its own context, model and session, run a small model at the same time (building kernels
 * and sharing the on-disk program cache while they do), decode and preprocess an image, and must
 * get byte-identical results to a single-threaded run on the same kind of context.
 *
 * Half the threads use the OpenCL device and half the C reference (all use the reference when
 * there is no device). The model uses Conv when this build has it, else a chain of activations.
 */
#include "harness.h"
#include "harness_graph.h"

#include "ops/op.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stb_write.h"

#define N_THREADS 4
#define N_RUNS 8
#define C 3
#define H 20
#define W 24
#define N_ELEMS (C * H * W)

static void *model_bytes;
static size_t model_size;
static char image_path[600];
static float input[N_ELEMS];

typedef struct job {
  int use_device;
  /* results, checked by the main thread (the harness counters are not thread-safe) */
  cliq_status status;
  char error[512];
  size_t out_bytes;
  unsigned char *out;   /* the first run's output */
  int runs_identical;   /* every later run equal to the first */
  float image[N_ELEMS]; /* the preprocessed image */
} job;

static void build_model(void) {
  tg *t = tg_new(13);
  int64_t dims[4] = {1, C, H, W}, none[1] = {0};
  int v = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  cliq__tensor *w = NULL, *lo = th_tensor(CLIQ_DTYPE_FLOAT32, 0, none), *hi = th_tensor(CLIQ_DTYPE_FLOAT32, 0, none);
  ((float *)lo->data)[0] = -0.5f;
  ((float *)hi->data)[0] = 0.75f;
  if (cliq__op_find("Conv", "")) {
    int64_t wd[4] = {8, C, 3, 3}, pads[4] = {1, 1, 1, 1};
    w = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, wd, -0.5f, 0.5f);
    int in[2] = {v, tg_const(t, "w", w)};
    v = tg_node(t, "Conv", "conv", in, 2);
    cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
    printf("test_threads: model Conv -> Relu -> Clip -> Sigmoid -> Tanh\n");
  } else {
    printf("test_threads: no Conv op in this build: model Relu -> Clip -> Sigmoid -> Tanh\n");
  }
  v = tg_node(t, "Relu", "relu", &v, 1);
  int clip[3] = {v, tg_const(t, "lo", lo), tg_const(t, "hi", hi)};
  v = tg_node(t, "Clip", "clip", clip, 3);
  v = tg_node(t, "Sigmoid", "sig", &v, 1);
  tg_output(t, tg_node(t, "Tanh", "tanh", &v, 1));
  cliq_context *ctx = th_ref_context();
  TH_OK(ctx, tg_bytes(t, ctx, &model_bytes, &model_size));
  cliq_context_destroy(ctx);
  tg_free(t);
  cliq__tensor_free(w);
  cliq__tensor_free(lo);
  cliq__tensor_free(hi);
}

static cliq_status make_context(int use_device, cliq_context **out) {
  cliq_context_options o = cliq_context_options_default();
  o.device = use_device ? NULL : "ref";
  return cliq_context_create(&o, out);
}

static void *work(void *arg) {
  job *j = arg;
  cliq_context *ctx = NULL;
  cliq_model *m = NULL;
  cliq_session *s = NULL;
  j->runs_identical = 1;
  cliq_status st = make_context(j->use_device, &ctx);
  if (st == CLIQ_STATUS_OK) st = cliq_model_load_memory(ctx, model_bytes, model_size, NULL, &m);
  if (st == CLIQ_STATUS_OK) st = cliq_session_create(ctx, m, NULL, &s);
  if (st == CLIQ_STATUS_OK) st = cliq_image_load(ctx, image_path, m, NULL, j->image, N_ELEMS);
  if (st == CLIQ_STATUS_OK) {
    cliq_tensor_info info;
    cliq_session_output(s, 0, &info);
    size_t n = 1;
    for (size_t d = 0; d < info.rank; d++) n *= (size_t)info.dims[d];
    j->out_bytes = n * sizeof(float);
    j->out = malloc(j->out_bytes);
    unsigned char *again = malloc(j->out_bytes);
    for (int r = 0; r < N_RUNS && st == CLIQ_STATUS_OK; r++) {
      cliq_buffer in = {CLIQ_DTYPE_FLOAT32, input, sizeof input};
      cliq_buffer out = {CLIQ_DTYPE_FLOAT32, r ? again : j->out, j->out_bytes};
      th_fill_poison(out.data, out.size);
      st = cliq_session_run(s, 1, &in, 1, &out);
      if (st == CLIQ_STATUS_OK && r && memcmp(again, j->out, j->out_bytes) != 0) j->runs_identical = 0;
    }
    free(again);
  }
  j->status = st;
  if (st != CLIQ_STATUS_OK && ctx) snprintf(j->error, sizeof j->error, "%s", cliq_context_error(ctx));
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  return NULL;
}

int main(void) {
  th_init("test_threads");
  for (int i = 0; i < N_ELEMS; i++) input[i] = th_uniform(-2, 2);
  build_model();
  const char *dir = th_temp_dir("threads");
  snprintf(image_path, sizeof image_path, "%s/pic.png", dir);
  unsigned char px[37 * 29 * 3];
  for (size_t i = 0; i < sizeof px; i++) px[i] = (unsigned char)th_rand();
  TH_CHECK(stbi_write_png(image_path, 37, 29, 3, px, 37 * 3), "writing the test image");

  cliq_context *probe = NULL;
  int have_device = make_context(1, &probe) == CLIQ_STATUS_OK;
  cliq_context_destroy(probe);
  if (!have_device) printf("test_threads: no OpenCL device: every thread uses the C reference\n");

  /* single-threaded baselines: one per kind of context */
  job base[2];
  memset(base, 0, sizeof base);
  for (int k = 0; k < 2; k++) {
    base[k].use_device = k && have_device;
    work(&base[k]);
    TH_CHECK(base[k].status == CLIQ_STATUS_OK, "single-threaded %s run: %s %s", k ? "device" : "reference",
             cliq_status_name(base[k].status), base[k].error);
  }
  static job jobs[N_THREADS];
  pthread_t tid[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    memset(&jobs[i], 0, sizeof jobs[i]);
    jobs[i].use_device = (i % 2) && have_device;
    TH_CHECK(pthread_create(&tid[i], NULL, work, &jobs[i]) == 0, "starting thread %d", i);
  }
  for (int i = 0; i < N_THREADS; i++) pthread_join(tid[i], NULL);
  for (int i = 0; i < N_THREADS; i++) {
    job *j = &jobs[i], *b = &base[i % 2];
    const char *kind = j->use_device ? "device" : "reference";
    if (!TH_CHECK(j->status == CLIQ_STATUS_OK, "thread %d (%s): %s %s", i, kind, cliq_status_name(j->status), j->error))
      continue;
    TH_CHECK(j->runs_identical, "thread %d (%s): %d runs give identical outputs", i, kind, N_RUNS);
    if (b->out && TH_CHECK(j->out_bytes == b->out_bytes, "thread %d: output size", i)) {
      char what[64];
      snprintf(what, sizeof what, "thread %d (%s) output vs single-threaded", i, kind);
      th_compare_bytes(what, j->out, b->out, j->out_bytes);
    }
    char what[64];
    snprintf(what, sizeof what, "thread %d image vs single-threaded", i);
    th_compare_bytes(what, j->image, base[0].image, sizeof j->image);
    free(j->out);
  }
  free(base[0].out);
  free(base[1].out);
  free(model_bytes);
  th_remove_dir(dir);
  return th_finish();
}

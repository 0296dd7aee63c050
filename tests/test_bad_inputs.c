/*
 * test_bad_inputs.c — every kind of bad input a user can hand cliq gets its specific status and a
 * message naming the problem, never a crash: broken model files (truncated, random bytes, missing
 * initializer, dangling names, negative or absurd dims, unsupported ops and attributes), shapes
 * that disagree, unbound or absurd dims, zero-size tensors, bad images and datasets, wrong run
 * buffers, NULL arguments and destroy(NULL).
 *
 * Zero-size tensors (decided here): a model whose input has a fixed 0 dim loads, plans and runs,
 * producing empty outputs (no kernel is launched for an empty range); binding a symbolic dim to 0
 * is rejected with INVALID_ARGUMENT, since a batch or image size of 0 is always a caller's mistake.
 *
 * Models are built with the graph IR and exported (the ONNX writer), then broken either in the IR
 * or by editing the serialized ModelProto (protobuf-c), as a damaged file would be.
 */
#include "harness.h"
#include "harness_graph.h"

#include "onnx.pb-c.h"
#include "ops/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cliq_context *ref, *dev; /* dev may be NULL (no OpenCL device): those cases run on ref only */
static const char *dir;

/* Expects status `want` and a message containing every needle (NULL-terminated list). */
static bool expect(cliq_context *ctx, cliq_status got, cliq_status want, const char *what, ...) {
  if (!th_expect_status(ctx, got, want, what)) return false;
  va_list ap;
  va_start(ap, what);
  const char *msg = cliq_context_error(ctx);
  bool ok = true;
  for (const char *n; (n = va_arg(ap, const char *));)
    if (!strstr(msg, n)) ok = TH_CHECK(false, "%s: message '%s' should mention '%s'", what, msg, n);
  va_end(ap);
  if (ok) TH_CHECK(true, "%s: message names the problem", what);
  return ok;
}

/* x[1,3,4,5] -> Relu -> y, serialized. */
static void *relu_bytes(size_t *size) {
  tg *t = tg_new(13);
  int64_t dims[4] = {1, 3, 4, 5};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  tg_output(t, tg_node(t, "Relu", "y", &x, 1));
  void *buf = NULL;
  TH_OK(ref, tg_bytes(t, ref, &buf, size));
  tg_free(t);
  return buf;
}

static void test_broken_files(void) {
  size_t n;
  unsigned char *good = relu_bytes(&n);
  cliq_model *m = (cliq_model *)(uintptr_t)1; /* must come back NULL */
  TH_OK(ref, cliq_model_load_memory(ref, good, n, NULL, &m));
  cliq_model_destroy(m);
  /* truncations: inside the graph, inside the opset import, or nothing at all */
  size_t cuts[] = {0, 1, 7, n / 4, n / 2, 3 * n / 4, n - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    char what[96];
    snprintf(what, sizeof what, "model truncated to %zu of %zu bytes", cuts[i], n);
    m = (cliq_model *)(uintptr_t)1;
    expect(ref, cliq_model_load_memory(ref, good, cuts[i], NULL, &m), CLIQ_STATUS_INVALID_MODEL, what, NULL);
    TH_CHECK(m == NULL, "%s: output handle is NULL", what);
  }
  /* the same from a file: the message names the file */
  char path[600];
  snprintf(path, sizeof path, "%s/truncated.onnx", dir);
  FILE *f = fopen(path, "wb");
  fwrite(good, 1, n / 2, f);
  fclose(f);
  expect(ref, cliq_model_load(ref, path, &m), CLIQ_STATUS_INVALID_MODEL, "truncated model file", "truncated.onnx", NULL);
  expect(ref, cliq_model_load(ref, "/nonexistent/model.onnx", &m), CLIQ_STATUS_IO_ERROR, "missing model file",
         "/nonexistent/model.onnx", NULL);
  expect(ref, cliq_model_load(ref, dir, &m), CLIQ_STATUS_IO_ERROR, "a folder as the model", NULL);
  /* random bytes, seeded */
  for (int k = 0; k < 20; k++) {
    size_t len = (size_t)th_randint(1, 3000);
    unsigned char *junk = malloc(len);
    for (size_t i = 0; i < len; i++) junk[i] = (unsigned char)th_rand();
    char what[64];
    snprintf(what, sizeof what, "%zu random bytes", len);
    expect(ref, cliq_model_load_memory(ref, junk, len, NULL, &m), CLIQ_STATUS_INVALID_MODEL, what, NULL);
    free(junk);
  }
  free(good);
}

static void test_bad_graphs(void) {
  cliq_model *m;
  int64_t dims[4] = {1, 3, 4, 5}, none[1] = {0};
  /* Clip whose max comes from an initializer that is not in the file */
  tg *t = tg_new(13);
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  cliq__tensor *lo = th_tensor(CLIQ_DTYPE_FLOAT32, 0, none);
  int in[3] = {x, tg_const(t, "clip_lo", lo), tg_value(t, "clip_hi")};
  tg_output(t, tg_node(t, "Clip", "clip", in, 3));
  expect(ref, tg_model_onnx(t, ref, &m), CLIQ_STATUS_INVALID_MODEL, "missing initializer", "clip_hi", "clip", NULL);
  tg_free(t);
  cliq__tensor_free(lo);
  /* a node reading a name nobody makes */
  t = tg_new(13);
  x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  int ghost = tg_value(t, "ghost");
  int r = tg_node(t, "Relu", "r", &x, 1);
  int in2[1] = {ghost};
  tg_node(t, "Sigmoid", "s", in2, 1);
  tg_output(t, r);
  tg_output(t, tg_last_node(t)->outputs[0]);
  expect(ref, tg_model_onnx(t, ref, &m), CLIQ_STATUS_INVALID_MODEL, "dangling input name", "ghost", NULL);
  tg_free(t);
  /* a graph output nothing produces */
  t = tg_new(13);
  x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  tg_output(t, tg_node(t, "Relu", "r", &x, 1));
  tg_output(t, tg_value(t, "nowhere"));
  expect(ref, tg_model_onnx(t, ref, &m), CLIQ_STATUS_INVALID_MODEL, "output produced by no node", "nowhere", NULL);
  tg_free(t);
  /* an unknown operator, an unsupported attribute, an opset outside the supported range */
  t = tg_new(13);
  x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  tg_output(t, tg_node(t, "FrobnicateNd", "frob1", &x, 1));
  expect(ref, tg_model_onnx(t, ref, &m), CLIQ_STATUS_UNSUPPORTED, "unsupported op", "FrobnicateNd", "'frob1'", "opset 13", NULL);
  tg_free(t);
  t = tg_new(13);
  x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  tg_output(t, tg_node(t, "LeakyRelu", "leaky", &x, 1));
  cliq__node_set_float(tg_last_node(t), "gamma", 2.0f);
  expect(ref, tg_model_onnx(t, ref, &m), CLIQ_STATUS_UNSUPPORTED, "unsupported attribute", "gamma", "'leaky'", NULL);
  tg_free(t);
  t = tg_new(99);
  x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  tg_output(t, tg_node(t, "Relu", "r", &x, 1));
  expect(ref, tg_model_onnx(t, ref, &m), CLIQ_STATUS_UNSUPPORTED, "opset 99", "99", NULL);
  tg_free(t);
  /* a non-scalar Clip bound: the spec says min and max are scalars */
  t = tg_new(13);
  x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  int64_t two[1] = {2};
  cliq__tensor *vec = th_tensor(CLIQ_DTYPE_FLOAT32, 1, two);
  int in3[2] = {x, tg_const(t, "vec_lo", vec)};
  tg_output(t, tg_node(t, "Clip", "clipv", in3, 2));
  cliq_status st = tg_model_onnx(t, ref, &m);
  if (st == CLIQ_STATUS_OK) { /* found when planned (device) or run (reference) */
    cliq_session *s = NULL;
    st = cliq_session_create(ref, m, NULL, &s);
    float xs[60], ys[60] = {0};
    for (int i = 0; i < 60; i++) xs[i] = 1.0f;
    cliq_buffer bi = {CLIQ_DTYPE_FLOAT32, xs, sizeof xs}, bo = {CLIQ_DTYPE_FLOAT32, ys, sizeof ys};
    if (st == CLIQ_STATUS_OK) st = cliq_session_run(s, 1, &bi, 1, &bo);
    cliq_session_destroy(s);
    cliq_model_destroy(m);
  }
  expect(ref, st, CLIQ_STATUS_INVALID_MODEL, "Clip with a vector bound", "vec_lo", "scalar", NULL);
  cliq__tensor_free(vec);
  tg_free(t);
}

static void test_shape_mismatch(void) {
  cliq_model *m;
  cliq_session *s = NULL;
  /* Conv weight expecting 4 input channels on a 3-channel input */
  if (cliq__op_find("Conv", "")) {
    tg *t = tg_new(13);
    int64_t dims[4] = {1, 3, 8, 8}, wd[4] = {8, 4, 3, 3};
    int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
    cliq__tensor *w = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, wd, -1, 1);
    int in[2] = {x, tg_const(t, "conv_w", w)};
    tg_output(t, tg_node(t, "Conv", "conv1", in, 2));
    cliq_status st = tg_model_onnx(t, ref, &m);
    if (st == CLIQ_STATUS_OK) {
      st = cliq_session_create(ref, m, NULL, &s);
      cliq_session_destroy(s);
      cliq_model_destroy(m);
    }
    expect(ref, st, CLIQ_STATUS_SHAPE_MISMATCH, "conv weight vs input channels", "conv1", "'x'", NULL);
    cliq__tensor_free(w);
    tg_free(t);
  } else {
    printf("test_bad_inputs: no Conv op in this build: the conv channel mismatch is not checked\n");
  }
  /* a fixed batch of 2 asked to run at batch 3 */
  int64_t dims[3] = {2, 5, 7};
  TH_OK(ref, tg_relu_model(ref, 3, dims, NULL, &m));
  cliq_session_options so = cliq_session_options_default();
  so.batch = 3;
  expect(ref, cliq_session_create(ref, m, &so, &s), CLIQ_STATUS_SHAPE_MISMATCH, "batch against a fixed batch", "'x'", NULL);
  TH_CHECK(s == NULL, "failed session handle is NULL");
  cliq_model_destroy(m);
}

/* Serialized x[dims] -> Relu with input dim d rewritten to v in the ModelProto. */
static void *bytes_with_dim(int d, int64_t v, size_t *size) {
  size_t n;
  void *buf = relu_bytes(&n);
  Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, n, buf);
  free(buf);
  Onnx__TensorShapeProto__Dimension *dim = mp->graph->input[0]->type->tensor_type->shape->dim[d];
  dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
  dim->dim_value = v;
  *size = onnx__model_proto__get_packed_size(mp);
  buf = malloc(*size);
  onnx__model_proto__pack(mp, buf);
  onnx__model_proto__free_unpacked(mp, NULL);
  return buf;
}

static void test_dims(void) {
  cliq_model *m;
  size_t n;
  void *b = bytes_with_dim(1, -3, &n);
  expect(ref, cliq_model_load_memory(ref, b, n, NULL, &m), CLIQ_STATUS_INVALID_MODEL, "negative dim", "'x'", "-3", NULL);
  free(b);
  b = bytes_with_dim(2, (int64_t)1 << 45, &n);
  expect(ref, cliq_model_load_memory(ref, b, n, NULL, &m), CLIQ_STATUS_INVALID_MODEL, "absurdly large dim", "'x'", NULL);
  free(b);
  /* each dim fine, the product absurd: 2^30 x 2^30 floats */
  int64_t dims[4] = {1, 3, -1, -1};
  const char *names[4] = {NULL, NULL, "H", "W"};
  TH_OK(ref, tg_relu_model(ref, 4, dims, names, &m));
  cliq_session *s = NULL;
  cliq_dim_binding huge[2] = {{"H", (int64_t)1 << 30}, {"W", (int64_t)1 << 30}};
  cliq_session_options so = cliq_session_options_default();
  so.dims = huge;
  so.n_dims = 2;
  expect(ref, cliq_session_create(ref, m, &so, &s), CLIQ_STATUS_SHAPE_MISMATCH, "dims whose product is absurd", NULL);
  /* unbound, zero and negative bindings */
  expect(ref, cliq_session_create(ref, m, NULL, &s), CLIQ_STATUS_SHAPE_MISMATCH, "unbound symbolic dim", "'H'", "'x'", NULL);
  cliq_dim_binding zero[2] = {{"H", 0}, {"W", 4}};
  so.dims = zero;
  expect(ref, cliq_session_create(ref, m, &so, &s), CLIQ_STATUS_INVALID_ARGUMENT, "dim bound to 0", "'H'", NULL);
  zero[0].value = -4;
  expect(ref, cliq_session_create(ref, m, &so, &s), CLIQ_STATUS_INVALID_ARGUMENT, "dim bound to -4", "-4", NULL);
  so.dims = NULL;
  so.n_dims = 1;
  expect(ref, cliq_session_create(ref, m, &so, &s), CLIQ_STATUS_INVALID_ARGUMENT, "n_dims without dims", NULL);
  cliq_model_destroy(m);
}

/* A fixed 0 dim: runs, empty outputs, on every context. */
static void test_zero_size(void) {
  cliq_context *ctxs[2] = {ref, dev};
  for (int c = 0; c < 2; c++) {
    cliq_context *ctx = ctxs[c];
    if (!ctx) continue;
    const char *where = c ? "device" : "reference";
    int64_t dims[3] = {1, 0, 6};
    cliq_model *m;
    if (!TH_OK(ctx, tg_relu_model(ctx, 3, dims, NULL, &m))) continue;
    cliq_session *s = NULL;
    if (TH_OK(ctx, cliq_session_create(ctx, m, NULL, &s))) {
      cliq_tensor_info info;
      cliq_session_output(s, 0, &info);
      TH_CHECK(info.rank == 3 && info.dims[1] == 0, "%s: zero-size output shape", where);
      cliq_buffer in = {CLIQ_DTYPE_FLOAT32, NULL, 0}, out = {CLIQ_DTYPE_FLOAT32, NULL, 0};
      TH_CHECK(cliq_session_run(s, 1, &in, 1, &out) == CLIQ_STATUS_OK, "%s: a zero-size model runs: %s", where,
               cliq_context_error(ctx));
      cliq_session_destroy(s);
    }
    cliq_model_destroy(m);
  }
}

static void test_run_buffers(cliq_context *ctx, const char *where) {
  int64_t dims[4] = {1, 3, 4, 5};
  cliq_model *m;
  cliq_session *s = NULL;
  if (!TH_OK(ctx, tg_relu_model(ctx, 4, dims, NULL, &m))) return;
  if (!TH_OK(ctx, cliq_session_create(ctx, m, NULL, &s))) {
    cliq_model_destroy(m);
    return;
  }
  float x[60], y[60];
  for (int i = 0; i < 60; i++) x[i] = th_uniform(-1, 1);
  cliq_buffer in = {CLIQ_DTYPE_FLOAT32, x, sizeof x}, out = {CLIQ_DTYPE_FLOAT32, y, sizeof y};
  char what[128];
  TH_OK(ctx, cliq_session_run(s, 1, &in, 1, &out));
  cliq_buffer bad = in;
  bad.size = sizeof x - 4;
  snprintf(what, sizeof what, "%s: input buffer 4 bytes short", where);
  expect(ctx, cliq_session_run(s, 1, &bad, 1, &out), CLIQ_STATUS_INVALID_ARGUMENT, what, "'x'", "240", NULL);
  bad = in;
  bad.dtype = CLIQ_DTYPE_INT32;
  snprintf(what, sizeof what, "%s: input buffer of the wrong dtype", where);
  expect(ctx, cliq_session_run(s, 1, &bad, 1, &out), CLIQ_STATUS_INVALID_ARGUMENT, what, "float32", "int32", NULL);
  bad = out;
  bad.size = sizeof y + 4;
  snprintf(what, sizeof what, "%s: output buffer 4 bytes long", where);
  expect(ctx, cliq_session_run(s, 1, &in, 1, &bad), CLIQ_STATUS_INVALID_ARGUMENT, what, "output", NULL);
  bad = in;
  bad.data = NULL;
  snprintf(what, sizeof what, "%s: NULL input data", where);
  expect(ctx, cliq_session_run(s, 1, &bad, 1, &out), CLIQ_STATUS_INVALID_ARGUMENT, what, "NULL", NULL);
  snprintf(what, sizeof what, "%s: two inputs for a one-input model", where);
  cliq_buffer two[2] = {in, in};
  expect(ctx, cliq_session_run(s, 2, two, 1, &out), CLIQ_STATUS_INVALID_ARGUMENT, what, "1 input", NULL);
  snprintf(what, sizeof what, "%s: no outputs array", where);
  expect(ctx, cliq_session_run(s, 1, &in, 1, NULL), CLIQ_STATUS_INVALID_ARGUMENT, what, NULL);
  /* after all that, the session still runs */
  TH_OK(ctx, cliq_session_run(s, 1, &in, 1, &out));
  cliq_session_destroy(s);
  cliq_model_destroy(m);
}

static void test_images_and_datasets(void) {
  int64_t dims[4] = {1, 3, 4, 5}, d2[4] = {1, 2, 4, 5};
  cliq_model *m, *m2;
  TH_OK(ref, tg_relu_model(ref, 4, dims, NULL, &m));
  TH_OK(ref, tg_relu_model(ref, 4, d2, NULL, &m2));
  char path[600];
  snprintf(path, sizeof path, "%s/not_an_image.jpg", dir);
  FILE *f = fopen(path, "wb");
  for (int i = 0; i < 100; i++) fputc((int)(th_rand() & 0xff), f);
  fclose(f);
  float buf[60];
  expect(ref, cliq_image_load(ref, path, m, NULL, buf, 60), CLIQ_STATUS_BAD_IMAGE, "image that does not decode",
         "not_an_image.jpg", NULL);
  expect(ref, cliq_image_load(ref, path, m2, NULL, buf, 40), CLIQ_STATUS_BAD_IMAGE, "model input with 2 channels", "'x'",
         "2 channels", NULL);
  cliq_dataset *ds = (cliq_dataset *)(uintptr_t)1;
  const char *empty = th_temp_dir("noimg");
  snprintf(path, sizeof path, "%s/readme.txt", empty);
  f = fopen(path, "w");
  fputs("no images here\n", f);
  fclose(f);
  expect(ref, cliq_dataset_open(ref, empty, m, NULL, &ds), CLIQ_STATUS_BAD_DATA, "folder without images", empty, NULL);
  TH_CHECK(ds == NULL, "failed dataset handle is NULL");
  th_remove_dir(empty);
  cliq_model_destroy(m);
  cliq_model_destroy(m2);
}

static void test_null_arguments(void) {
  cliq_model *m = NULL;
  cliq_session *s = NULL;
  cliq_dataset *ds = NULL;
  cliq_context *c = NULL;
  TH_CHECK(cliq_context_create(NULL, NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "context_create(NULL out)");
  TH_CHECK(cliq_model_load(ref, NULL, &m) == CLIQ_STATUS_INVALID_ARGUMENT && m == NULL, "model_load(NULL path)");
  TH_CHECK(cliq_model_load(NULL, "x.onnx", &m) == CLIQ_STATUS_INVALID_ARGUMENT, "model_load(NULL context)");
  TH_CHECK(cliq_model_load(ref, "x.onnx", NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "model_load(NULL out)");
  TH_CHECK(cliq_model_load_memory(ref, NULL, 10, NULL, &m) == CLIQ_STATUS_INVALID_ARGUMENT, "load_memory(NULL data)");
  TH_CHECK(cliq_session_create(ref, NULL, NULL, &s) == CLIQ_STATUS_INVALID_ARGUMENT && s == NULL, "session_create(NULL model)");
  TH_CHECK(cliq_session_run(NULL, 0, NULL, 0, NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "session_run(NULL)");
  TH_CHECK(cliq_model_save(ref, NULL, "x.onnx") == CLIQ_STATUS_INVALID_ARGUMENT, "model_save(NULL model)");
  TH_CHECK(cliq_dataset_open(ref, NULL, NULL, NULL, &ds) == CLIQ_STATUS_INVALID_ARGUMENT && ds == NULL, "dataset_open(NULL)");
  TH_CHECK(cliq_dataset_get(NULL, 0, NULL, NULL, NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "dataset_get(NULL)");
  TH_CHECK(cliq_image_load(ref, NULL, NULL, NULL, NULL, 0) == CLIQ_STATUS_INVALID_ARGUMENT, "image_load(NULL)");
  TH_CHECK(cliq_image_load(NULL, "a.png", NULL, NULL, NULL, 0) == CLIQ_STATUS_INVALID_ARGUMENT, "image_load(NULL context)");
  TH_CHECK(cliq_context_device(NULL, NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "context_device(NULL)");
  cliq_tensor_info info;
  TH_CHECK(cliq_model_input(NULL, 0, &info) == CLIQ_STATUS_INVALID_ARGUMENT, "model_input(NULL)");
  TH_CHECK(cliq_model_input_count(NULL) == 0 && cliq_dataset_count(NULL) == 0, "counts of NULL are 0");
  TH_CHECK(cliq_model_metadata(NULL, "k") == NULL, "metadata of NULL");
  TH_CHECK(cliq_preprocess_from_model(NULL, NULL) == 0, "preprocess_from_model(NULL)");
  cliq_calib_source src = cliq_calib_source_dataset(NULL, 0);
  TH_CHECK(src.next == NULL && src.total == 0, "calib source of a NULL dataset has no next()");
  int64_t dims[4] = {1, 3, 4, 5};
  TH_OK(ref, tg_relu_model(ref, 4, dims, NULL, &m));
  TH_CHECK(cliq_model_input(m, 7, &info) == CLIQ_STATUS_INVALID_ARGUMENT, "model_input index out of range");
  TH_CHECK(cliq_model_output(m, 0, NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "model_output(NULL info)");
  cliq_model_destroy(m);
  TH_CHECK(cliq_session_profile(NULL, NULL, NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "session_profile(NULL)");
  TH_CHECK(cliq_session_memory(NULL, NULL, NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "session_memory(NULL)");
  TH_CHECK(strcmp(cliq_status_name((cliq_status)99), "CLIQ_STATUS_UNKNOWN") == 0, "status name of an unknown value");
  /* destroy(NULL) is a no-op for every handle */
  cliq_context_destroy(c);
  cliq_model_destroy(NULL);
  cliq_session_destroy(NULL);
  cliq_dataset_destroy(NULL);
  cliq_tensor_file_destroy(NULL);
  TH_CHECK(true, "destroy(NULL) on every handle");
}

int main(void) {
  th_init("test_bad_inputs");
  ref = th_ref_context();
  cliq_context_options o = cliq_context_options_default();
  if (cliq_context_create(&o, &dev) != CLIQ_STATUS_OK) {
    printf("test_bad_inputs: no OpenCL device: device cases run on the C reference only\n");
    dev = NULL;
  }
  dir = th_temp_dir("bad");
  test_broken_files();
  test_bad_graphs();
  test_shape_mismatch();
  test_dims();
  test_zero_size();
  test_run_buffers(ref, "reference");
  if (dev) test_run_buffers(dev, "device");
  test_images_and_datasets();
  test_null_arguments();
  th_remove_dir(dir);
  cliq_context_destroy(dev);
  cliq_context_destroy(ref);
  return th_finish();
}

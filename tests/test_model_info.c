/*
 * test_model_info.c — model statistics (cliq_model_stats_get: nodes, op histogram, parameters,
 * weight bytes, MACs, quantized) on graphs whose figures are counted here by hand, and the public
 * tensor-file reader (cliq_tensor_file_*) on TensorProto files written here with protobuf-c, plus
 * the real ONNX test data in ../shared when present.
 *
 * MAC and quantization checks need the Conv and DequantizeLinear ops (colleagues' branches); they
 * run when the op table has them and say so when it does not.
 */
#include "harness.h"
#include "harness_graph.h"

#include "onnx.pb-c.h"
#include "ops/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cliq_context *ctx;

static cliq__tensor *filled(cliq_dtype dt, int rank, const int64_t *dims) {
  return th_tensor_random(dt, rank, dims, -1, 1);
}

static size_t op_count(const cliq_model_stats *s, const char *type) {
  for (size_t k = 0; k < s->n_op_types; k++)
    if (strcmp(s->op_types[k], type) == 0) return s->op_counts[k];
  return 0;
}

static void test_unary_graph(void) {
  /* x -> Relu -> Clip(lo, hi) -> Relu -> Sigmoid; an initializer nobody reads */
  tg *t = tg_new(13);
  int64_t dims[4] = {1, 3, 8, 8}, none[1] = {0};
  const char *names[4] = {"N", NULL, NULL, NULL};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, names);
  cliq__tensor *lo = filled(CLIQ_DTYPE_FLOAT32, 0, none), *hi = filled(CLIQ_DTYPE_FLOAT32, 0, none);
  int64_t ud[2] = {7, 5};
  cliq__tensor *unused = filled(CLIQ_DTYPE_FLOAT32, 2, ud);
  ((float *)hi->data)[0] = 2.0f;
  int v = tg_node(t, "Relu", "r1", &x, 1);
  int clip_in[3] = {v, tg_const(t, "lo", lo), tg_const(t, "hi", hi)};
  tg_const(t, "unused", unused);
  v = tg_node(t, "Clip", "clip", clip_in, 3);
  v = tg_node(t, "Relu", "r2", &v, 1);
  tg_output(t, tg_node(t, "Sigmoid", "sig", &v, 1));
  cliq_model *m;
  if (!TH_OK(ctx, tg_model_onnx(t, ctx, &m))) return;
  cliq_model_stats s;
  if (TH_OK(ctx, cliq_model_stats_get(m, &s))) {
    TH_CHECK(s.nodes == 4, "4 nodes (got %zu)", s.nodes);
    TH_CHECK(s.n_op_types == 3, "3 op types (got %zu)", s.n_op_types);
    TH_CHECK(s.n_op_types && strcmp(s.op_types[0], "Relu") == 0 && s.op_counts[0] == 2, "Relu x2 comes first");
    TH_CHECK(op_count(&s, "Clip") == 1 && op_count(&s, "Sigmoid") == 1, "Clip x1, Sigmoid x1");
    TH_CHECK(s.parameters == 2 && s.weight_bytes == 8, "the two Clip bounds are the parameters (got %zu, %zu B)",
             s.parameters, s.weight_bytes);
    TH_CHECK(s.macs == 0, "activations have no MACs (got %llu)", (unsigned long long)s.macs);
    TH_CHECK(!s.quantized && s.opset == 13, "float, opset 13");
    const char *const *types = s.op_types;
    cliq_model_stats s2;
    TH_OK(ctx, cliq_model_stats_get(m, &s2));
    TH_CHECK(s2.op_types == types && s2.parameters == s.parameters, "a second call returns the same arrays");
  }
  TH_CHECK(cliq_model_stats_get(NULL, &s) == CLIQ_STATUS_INVALID_ARGUMENT, "NULL model");
  TH_CHECK(cliq_model_stats_get(m, NULL) == CLIQ_STATUS_INVALID_ARGUMENT, "NULL stats");
  cliq_model_destroy(m);
  tg_free(t);
  cliq__tensor_free(lo);
  cliq__tensor_free(hi);
  cliq__tensor_free(unused);
}

static void test_conv_macs(void) {
  if (!cliq__op_find("Conv", "")) {
    printf("test_model_info: no Conv op in this build: MAC counts not checked\n");
    return;
  }
  /* Conv 3->8, 3x3, pad 1 on 10x12 (stride 1): 8 * 10 * 12 * 3 * 3 * 3 MACs per image */
  for (int symbolic_hw = 0; symbolic_hw < 2; symbolic_hw++) {
    tg *t = tg_new(13);
    int64_t dims[4] = {1, 3, 10, 12}, wd[4] = {8, 3, 3, 3}, bd[1] = {8}, pads[4] = {1, 1, 1, 1};
    const char *names[4] = {"N", NULL, symbolic_hw ? "H" : NULL, symbolic_hw ? "W" : NULL};
    int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, names);
    cliq__tensor *w = filled(CLIQ_DTYPE_FLOAT32, 4, wd), *b = filled(CLIQ_DTYPE_FLOAT32, 1, bd);
    int in[3] = {x, tg_const(t, "w", w), tg_const(t, "b", b)};
    int y = tg_node(t, "Conv", "conv", in, 3);
    cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
    tg_output(t, tg_node(t, "Relu", "relu", &y, 1));
    cliq_model *m;
    cliq_model_stats s;
    if (TH_OK(ctx, tg_model_onnx(t, ctx, &m)) && TH_OK(ctx, cliq_model_stats_get(m, &s))) {
      uint64_t want = symbolic_hw ? 0 : 8ull * 10 * 12 * 27;
      TH_CHECK(s.macs == want, "Conv MACs with %s spatial dims: got %llu, want %llu", symbolic_hw ? "symbolic" : "fixed",
               (unsigned long long)s.macs, (unsigned long long)want);
      TH_CHECK(s.parameters == 8 * 27 + 8 && s.weight_bytes == 4 * (8 * 27 + 8), "Conv parameters (got %zu)", s.parameters);
      cliq_model_destroy(m);
    }
    cliq__tensor_free(w);
    cliq__tensor_free(b);
    tg_free(t);
  }
}

static void test_quantized_flag(void) {
  if (!cliq__op_find("DequantizeLinear", "") || !cliq__op_find("Add", "")) {
    printf("test_model_info: no DequantizeLinear or Add op in this build: the quantized flag is not checked\n");
    return;
  }
  /* an int8 weight behind DequantizeLinear, added to the input */
  tg *t = tg_new(13);
  int64_t dims[2] = {4, 6}, none[1] = {0};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 2, dims, NULL);
  cliq__tensor *q = th_tensor_random(CLIQ_DTYPE_INT8, 2, dims, -127, 127), *sc = th_tensor(CLIQ_DTYPE_FLOAT32, 0, none),
               *zp = th_tensor(CLIQ_DTYPE_INT8, 0, none);
  ((float *)sc->data)[0] = 0.05f;
  int dq_in[3] = {tg_const(t, "wq", q), tg_const(t, "ws", sc), tg_const(t, "wz", zp)};
  int w = tg_node(t, "DequantizeLinear", "dq", dq_in, 3);
  int add_in[2] = {x, w};
  tg_output(t, tg_node(t, "Add", "add", add_in, 2));
  cliq_model *m;
  cliq_model_stats s;
  if (TH_OK(ctx, tg_model_onnx(t, ctx, &m))) {
    if (TH_OK(ctx, cliq_model_stats_get(m, &s))) {
      TH_CHECK(s.quantized == 1, "int8 weight behind DequantizeLinear: quantized");
      TH_CHECK(s.weight_bytes == 24 + 4 + 1, "int8 weights count 1 byte each (got %zu)", s.weight_bytes);
    }
    cliq_model_destroy(m);
  }
  cliq__tensor_free(q);
  cliq__tensor_free(sc);
  cliq__tensor_free(zp);
  tg_free(t);
}

/* Writes a TensorProto file: raw little-endian data, or typed float_data when typed is set. */
static void write_pb(const char *path, const char *name, int32_t onnx_type, int rank, const int64_t *dims, const void *data,
                     size_t nbytes, bool typed) {
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.name = (char *)name;
  tp.has_data_type = 1;
  tp.data_type = onnx_type;
  tp.n_dims = (size_t)rank;
  tp.dims = (int64_t *)dims;
  if (typed) {
    tp.n_float_data = nbytes / 4;
    tp.float_data = (float *)data;
  } else {
    tp.has_raw_data = 1;
    tp.raw_data.len = nbytes;
    tp.raw_data.data = (uint8_t *)data;
  }
  size_t n = onnx__tensor_proto__get_packed_size(&tp);
  uint8_t *buf = malloc(n + 1);
  onnx__tensor_proto__pack(&tp, buf);
  FILE *f = fopen(path, "wb");
  fwrite(buf, 1, n, f);
  fclose(f);
  free(buf);
}

static void test_tensor_files(void) {
  const char *dir = th_temp_dir("pb");
  char path[600];
  int64_t dims[3] = {2, 3, 5};
  float data[30];
  for (int i = 0; i < 30; i++) data[i] = th_uniform(-10, 10);
  for (int typed = 0; typed < 2; typed++) {
    snprintf(path, sizeof path, "%s/t%d.pb", dir, typed);
    write_pb(path, typed ? "typed" : "raw", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, dims, data, sizeof data, typed);
    cliq_tensor_file *tf = NULL;
    if (!TH_OK(ctx, cliq_tensor_file_read(ctx, path, &tf))) continue;
    cliq_tensor_info info;
    TH_OK(ctx, cliq_tensor_file_info(tf, &info));
    TH_CHECK(strcmp(info.name, typed ? "typed" : "raw") == 0 && info.dtype == CLIQ_DTYPE_FLOAT32 && info.rank == 3 &&
                 info.dims[0] == 2 && info.dims[1] == 3 && info.dims[2] == 5 && !info.dim_names[0],
             "%s tensor file: name, dtype, shape", typed ? "typed" : "raw");
    size_t size = 0;
    const float *d = cliq_tensor_file_data(tf, &size);
    TH_CHECK(size == sizeof data, "data size %zu", size);
    if (d && size == sizeof data) th_compare_f32("tensor file data", d, data, 30, 0, 0);
    cliq_tensor_file_destroy(tf);
  }
  int64_t i64[4] = {-1, 0, 1, (int64_t)1 << 40}, d1[1] = {4};
  snprintf(path, sizeof path, "%s/i64.pb", dir);
  write_pb(path, "", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, d1, i64, sizeof i64, false);
  cliq_tensor_file *tf = NULL;
  if (TH_OK(ctx, cliq_tensor_file_read(ctx, path, &tf))) {
    cliq_tensor_info info;
    cliq_tensor_file_info(tf, &info);
    TH_CHECK(info.dtype == CLIQ_DTYPE_INT64 && info.name && info.name[0] == '\0', "int64, unnamed");
    TH_CHECK(memcmp(cliq_tensor_file_data(tf, NULL), i64, sizeof i64) == 0, "int64 data");
    cliq_tensor_file_destroy(tf);
  }
  /* errors: missing, not a TensorProto, data shorter than the shape */
  TH_CHECK(cliq_tensor_file_read(ctx, "/nonexistent/x.pb", &tf) == CLIQ_STATUS_IO_ERROR && tf == NULL, "missing file");
  TH_CHECK(strstr(cliq_context_error(ctx), "/nonexistent/x.pb") != NULL, "message names the file: %s", cliq_context_error(ctx));
  snprintf(path, sizeof path, "%s/junk.pb", dir);
  FILE *f = fopen(path, "wb");
  for (int i = 0; i < 64; i++) fputc((int)(th_rand() & 0xff) | 0x80, f); /* continuation bits everywhere: never a message */
  fclose(f);
  th_expect_status(ctx, cliq_tensor_file_read(ctx, path, &tf), CLIQ_STATUS_INVALID_MODEL, "random bytes as a tensor file");
  snprintf(path, sizeof path, "%s/short.pb", dir);
  write_pb(path, "short", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, dims, data, sizeof data - 4, false);
  th_expect_status(ctx, cliq_tensor_file_read(ctx, path, &tf), CLIQ_STATUS_INVALID_MODEL, "raw data shorter than the shape");
  TH_CHECK(strstr(cliq_context_error(ctx), "short.pb") != NULL, "message names the file: %s", cliq_context_error(ctx));
  TH_CHECK(cliq_tensor_file_read(ctx, NULL, &tf) == CLIQ_STATUS_INVALID_ARGUMENT, "NULL path");
  TH_CHECK(cliq_tensor_file_read(NULL, path, &tf) == CLIQ_STATUS_INVALID_ARGUMENT, "NULL context");
  cliq_tensor_file_destroy(NULL);
  TH_CHECK(cliq_tensor_file_data(NULL, NULL) == NULL, "data of NULL");
  th_remove_dir(dir);

  const char *shared = th_shared_dir();
  if (!shared) {
    printf("test_model_info: ../shared is absent: skipping its test data\n");
    return;
  }
  /* super_resolution's input is stored as [224,224] (MODELS.md) */
  snprintf(path, sizeof path, "%s/models/super_resolution-10/test_data_set_0/input_0.pb", shared);
  if (TH_OK(ctx, cliq_tensor_file_read(ctx, path, &tf))) {
    cliq_tensor_info info;
    cliq_tensor_file_info(tf, &info);
    size_t size;
    cliq_tensor_file_data(tf, &size);
    TH_CHECK(info.rank == 2 && info.dims[0] == 224 && info.dims[1] == 224 && size == 224 * 224 * 4,
             "super_resolution input_0.pb is float [224,224]");
    cliq_tensor_file_destroy(tf);
  }
}

int main(void) {
  th_init("test_model_info");
  ctx = th_ref_context();
  test_unary_graph();
  test_conv_macs();
  test_quantized_flag();
  test_tensor_files();
  cliq_context_destroy(ctx);
  return th_finish();
}

/*
 * bench_ops_data.c — kernel times of the data-movement ops on layer shapes taken from the
 * models in ../shared (NHWC<->NCHW transposes, channel concats, detector-head concats, Slice,
 * Pad, Resize): median device time over 15 runs after 3 warm-ups (OpenCL profiling events),
 * and the bandwidth that implies (bytes read + written).
 *
 * Not part of the CMake build (benchmarks never run in ctest). Build and run from the repo root
 * after `cmake --build build`:
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -Ihost -Itests -Icl_kernels -Ibuild/gen \
 *      bench/bench_ops_data.c build/libcliq_test_harness.a build/libcliq.a \
 *      -lOpenCL -lclblast -lprotobuf-c -lz -lm -lpthread -o build/bench_ops_data
 *   CLIQ_CACHE_DIR=build/cl-cache build/bench_ops_data
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static cliq_context *ctx;

static void bench(const char *label, th_op *op, cliq__tensor *x) {
  cliq_model *m = NULL;
  cliq_session *s = NULL;
  if (th_op_model(op, ctx, &m) != CLIQ_STATUS_OK || cliq_session_create(ctx, m, NULL, &s) != CLIQ_STATUS_OK) {
    printf("%-44s failed: %s\n", label, cliq_context_error(ctx));
    cliq_model_destroy(m);
    return;
  }
  size_t n_out = cliq_model_output_count(m);
  cliq__tensor *y[8];
  cliq_buffer in = {x->dtype, x->data, x->nbytes}, out[8];
  double out_bytes = 0;
  for (size_t k = 0; k < n_out && k < 8; k++) {
    cliq_tensor_info info;
    cliq_session_output(s, k, &info);
    y[k] = th_tensor(info.dtype, (int)info.rank, info.dims);
    out[k] = (cliq_buffer){y[k]->dtype, y[k]->data, y[k]->nbytes};
    out_bytes += (double)y[k]->nbytes;
  }
  double t[15];
  size_t launches = 0;
  for (int r = 0; r < 18; r++) {
    cliq_session_run(s, 1, &in, n_out, out);
    const cliq_op_time *times;
    size_t n;
    cliq_session_profile(s, &times, &n);
    double ms = 0;
    for (size_t i = 0; i < n; i++) ms += times[i].ms;
    launches = n;
    if (r >= 3) t[r - 3] = ms;
  }
  qsort(t, 15, sizeof t[0], cmp_d);
  double bytes = (double)x->nbytes + out_bytes;
  printf("%-44s %8.3f ms  (%.3f-%.3f)  %6.2f GB/s  %zu launch%s\n", label, t[7], t[1], t[13], bytes / (t[7] * 1e6), launches,
         launches == 1 ? "" : "es");
  for (size_t k = 0; k < n_out && k < 8; k++) cliq__tensor_free(y[k]);
  cliq_session_destroy(s);
  cliq_model_destroy(m);
}

static void consts_i64(th_op *op, int n, const int64_t *v) {
  int64_t d = n;
  cliq__tensor *t = th_tensor(CLIQ_DTYPE_INT64, 1, &d);
  memcpy(t->data, v, (size_t)n * sizeof *v);
  th_op_const(op, t);
  cliq__tensor_free(t);
}

static void transpose(const char *label, cliq_dtype dt, int r, const int64_t *d, const int64_t *perm) {
  th_op *op = th_op_new("Transpose", 13);
  th_op_input(op, dt, r, d);
  cliq__node_set_ints(th_op_node(op), "perm", perm, (size_t)r);
  th_op_outputs(op, 1);
  cliq__tensor *x = th_tensor_random(dt, r, d, -50, 50);
  bench(label, op, x);
  cliq__tensor_free(x);
  th_op_free(op);
}

/* Concat of x with n-1 constant inputs (a runtime input plus model constants stands in for n
 * activations: each input is one launch either way). */
static void concat(const char *label, cliq_dtype dt, int r, const int64_t *d, int axis, int n, const int64_t *sizes) {
  th_op *op = th_op_new("Concat", 13);
  int64_t dd[8];
  memcpy(dd, d, sizeof(int64_t) * (size_t)r);
  dd[axis] = sizes[0];
  th_op_input(op, dt, r, dd);
  cliq__tensor *x = th_tensor_random(dt, r, dd, -1, 1);
  for (int i = 1; i < n; i++) {
    dd[axis] = sizes[i];
    cliq__tensor *c = th_tensor_random(dt, r, dd, -1, 1);
    th_op_const(op, c);
    cliq__tensor_free(c);
  }
  cliq__node_set_int(th_op_node(op), "axis", axis);
  th_op_outputs(op, 1);
  bench(label, op, x);
  cliq__tensor_free(x);
  th_op_free(op);
}

int main(void) {
  th_init("bench_ops_data");
  cliq_context_options o = cliq_context_options_default();
  o.profiling = 1;
  if (cliq_context_create(&o, &ctx) != CLIQ_STATUS_OK) return 77;
  cliq_device_info info;
  cliq_context_device(ctx, &info);
  printf("device: %s / %s (driver %s)\n", info.platform, info.name, info.driver);

  transpose("Transpose NHWC->NCHW [1,320,320,4] f32", CLIQ_DTYPE_FLOAT32, 4, (int64_t[]){1, 320, 320, 4}, (int64_t[]){0, 3, 1, 2});
  transpose("Transpose NHWC->NCHW [1,128,128,3] f32", CLIQ_DTYPE_FLOAT32, 4, (int64_t[]){1, 128, 128, 3}, (int64_t[]){0, 3, 1, 2});
  transpose("Transpose NCHW->NHWC [1,64,80,80] f32", CLIQ_DTYPE_FLOAT32, 4, (int64_t[]){1, 64, 80, 80}, (int64_t[]){0, 2, 3, 1});
  transpose("Transpose NCHW->NHWC [1,64,80,80] i8", CLIQ_DTYPE_INT8, 4, (int64_t[]){1, 64, 80, 80}, (int64_t[]){0, 2, 3, 1});
  transpose("Transpose NCHW->NHWC [1,12,30,40] f32", CLIQ_DTYPE_FLOAT32, 4, (int64_t[]){1, 12, 30, 40}, (int64_t[]){0, 2, 3, 1});
  transpose("Transpose pixel shuffle [1,1,3,3,224,224]", CLIQ_DTYPE_FLOAT32, 6, (int64_t[]){1, 1, 3, 3, 224, 224},
            (int64_t[]){0, 1, 4, 2, 5, 3});
  concat("Concat 2x[1,64,80,80] axis 1", CLIQ_DTYPE_FLOAT32, 4, (int64_t[]){1, 0, 80, 80}, 1, 2, (int64_t[]){64, 64});
  concat("Concat 2x[1,64,80,80] axis 1 int8", CLIQ_DTYPE_INT8, 4, (int64_t[]){1, 0, 80, 80}, 1, 2, (int64_t[]){64, 64});
  concat("Concat NHWC 2x[1,64,64,24] axis 3", CLIQ_DTYPE_FLOAT32, 4, (int64_t[]){1, 64, 64, 0}, 3, 2, (int64_t[]){24, 24});
  concat("Concat heads [1,3600|600|160|60,4] axis 1", CLIQ_DTYPE_FLOAT32, 3, (int64_t[]){1, 0, 4}, 1, 4, (int64_t[]){3600, 600, 160, 60});
  {
    int64_t d[4] = {1, 64, 80, 80};
    cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, d, -1, 1);
    th_op *op = th_op_new("Slice", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    consts_i64(op, 1, (int64_t[]){16});
    consts_i64(op, 1, (int64_t[]){48});
    consts_i64(op, 1, (int64_t[]){1});
    th_op_outputs(op, 1);
    bench("Slice channels 16:48 of [1,64,80,80]", op, x);
    th_op_free(op);
    op = th_op_new("Slice", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    consts_i64(op, 2, (int64_t[]){1, 1});
    consts_i64(op, 2, (int64_t[]){79, 79});
    consts_i64(op, 2, (int64_t[]){2, 3});
    th_op_outputs(op, 1);
    bench("Slice spatial 1:79 of [1,64,80,80]", op, x);
    th_op_free(op);
    op = th_op_new("Split", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    cliq__node_set_int(th_op_node(op), "axis", 1);
    th_op_outputs(op, 2);
    bench("Split [1,64,80,80] in 2 on axis 1", op, x);
    th_op_free(op);
    const char *modes[2] = {"constant", "reflect"};
    for (int m = 0; m < 2; m++) {
      op = th_op_new("Pad", 13);
      th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
      consts_i64(op, 8, m ? (int64_t[]){0, 0, 1, 1, 0, 0, 1, 1} : (int64_t[]){0, 0, 0, 0, 0, 0, 1, 1});
      cliq__node_set_string(th_op_node(op), "mode", modes[m]);
      th_op_outputs(op, 1);
      bench(m ? "Pad reflect 1 [1,64,80,80]" : "Pad constant 0/1 (SAME) [1,64,80,80]", op, x);
      th_op_free(op);
    }
    cliq__tensor_free(x);
  }
  {
    int64_t d[4] = {1, 64, 40, 40};
    const char *modes[2] = {"nearest", "linear"};
    for (int m = 0; m < 3; m++) {
      cliq_dtype dt = m == 2 ? CLIQ_DTYPE_INT8 : CLIQ_DTYPE_FLOAT32;
      cliq__tensor *x = th_tensor_random(dt, 4, d, -50, 50);
      th_op *op = th_op_new("Resize", 13);
      th_op_input(op, dt, 4, d);
      th_op_absent(op);
      int64_t four = 4;
      cliq__tensor *s = th_tensor(CLIQ_DTYPE_FLOAT32, 1, &four);
      float sv[4] = {1, 1, 2, 2};
      memcpy(s->data, sv, sizeof sv);
      th_op_const(op, s);
      cliq__tensor_free(s);
      cliq__node_set_string(th_op_node(op), "mode", modes[m & 1]);
      th_op_outputs(op, 1);
      bench(m == 2 ? "Resize nearest 2x [1,64,40,40] int8" : m ? "Resize linear 2x [1,64,40,40]" : "Resize nearest 2x [1,64,40,40]",
            op, x);
      th_op_free(op);
      cliq__tensor_free(x);
    }
  }
  cliq_context_destroy(ctx);
  return 0;
}

/*
 * ops_math.c — benchmark of the elementwise, pooling, reduction, BatchNormalization and Softmax
 * kernels on the shapes real models run them at (ultraface, yunet, blazeface, mlsd, ppocr,
 * MobileNet/ResNet-style heads).
 *
 *   bench_ops_math [--repeat N] [--filter TEXT]
 *
 * Each case is a one-node session on a profiling context; the time is the median over --repeat
 * runs (after 2 warm-up runs, which absorb PoCL's first-use compiles) of the node's device time
 * from OpenCL profiling events. GB/s counts the bytes the op must move (inputs read once, output
 * written once), the bound these memory-bound kernels are judged by. Timings on a shared machine
 * are indicative.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bench_case {
  const char *name;
  const char *op;
  int opset;
  int n_in;
  int rank[2];
  int64_t dims[2][5];
  void (*attrs)(cliq__node *n);
  cliq_dtype dtype; /* of input 0; 0 means float32 */
} bench_case;

static void pool22(cliq__node *n) {
  cliq__node_set_ints(n, "kernel_shape", (int64_t[]){2, 2}, 2);
  cliq__node_set_ints(n, "strides", (int64_t[]){2, 2}, 2);
}
static void pool33s1(cliq__node *n) {
  cliq__node_set_ints(n, "kernel_shape", (int64_t[]){3, 3}, 2);
  cliq__node_set_ints(n, "pads", (int64_t[]){1, 1, 1, 1}, 4);
}
static void pool33s2(cliq__node *n) {
  pool33s1(n);
  cliq__node_set_ints(n, "strides", (int64_t[]){2, 2}, 2);
}
static void axis2(cliq__node *n) { cliq__node_set_int(n, "axis", 2); }
static void axis1(cliq__node *n) { cliq__node_set_int(n, "axis", 1); }
static void axes23(cliq__node *n) { cliq__node_set_ints(n, "axes", (int64_t[]){2, 3}, 2); }

static const bench_case cases[] = {
    {"add same 1x64x80x80", "Add", 13, 2, {4, 4}, {{1, 64, 80, 80}, {1, 64, 80, 80}}, NULL},
    {"add per-channel 1x64x80x80+1x64x1x1", "Add", 13, 2, {4, 4}, {{1, 64, 80, 80}, {1, 64, 1, 1}}, NULL},
    {"mul scalar 1x64x80x80", "Mul", 13, 2, {4, 0}, {{1, 64, 80, 80}, {1}}, NULL},
    {"mul SE 1x96x14x14*1x96x1x1", "Mul", 13, 2, {4, 4}, {{1, 96, 14, 14}, {1, 96, 1, 1}}, NULL},
    {"add general 8x1x64x64+1x8x64x1", "Add", 13, 2, {4, 4}, {{8, 1, 64, 64}, {1, 8, 64, 1}}, NULL},
    {"maxpool 2x2s2 1x16x160x160 (yunet)", "MaxPool", 12, 1, {4}, {{1, 16, 160, 160}}, pool22},
    {"maxpool 2x2s2 1x24x64x64 (blazeface)", "MaxPool", 12, 1, {4}, {{1, 24, 64, 64}}, pool22},
    {"maxpool 3x3s1p1 1x64x80x80 (mlsd)", "MaxPool", 12, 1, {4}, {{1, 64, 80, 80}}, pool33s1},
    {"maxpool 3x3s2p1 1x64x112x112 (resnet)", "MaxPool", 12, 1, {4}, {{1, 64, 112, 112}}, pool33s2},
    {"maxpool int8 2x2s2 1x16x160x160 (yunet)", "MaxPool", 12, 1, {4}, {{1, 16, 160, 160}}, pool22, CLIQ_DTYPE_INT8},
    {"maxpool int8 2x2s2 1x24x64x64 (blazeface)", "MaxPool", 12, 1, {4}, {{1, 24, 64, 64}}, pool22, CLIQ_DTYPE_INT8},
    {"maxpool int8 3x3s1p1 1x64x80x80 (mlsd)", "MaxPool", 12, 1, {4}, {{1, 64, 80, 80}}, pool33s1, CLIQ_DTYPE_INT8},
    {"maxpool int8 3x3s2p1 1x64x112x112", "MaxPool", 12, 1, {4}, {{1, 64, 112, 112}}, pool33s2, CLIQ_DTYPE_INT8},
    {"quantize 1x3x320x320 (yunet input)", "QuantizeLinear", 13, 1, {4}, {{1, 3, 320, 320}}, NULL},
    {"quantize 1x3x240x320 (ultraface input)", "QuantizeLinear", 13, 1, {4}, {{1, 3, 240, 320}}, NULL},
    {"quantize 8x3x224x224", "QuantizeLinear", 13, 1, {4}, {{8, 3, 224, 224}}, NULL},
    {"avgpool 3x3s1p1 1x64x56x56", "AveragePool", 12, 1, {4}, {{1, 64, 56, 56}}, pool33s1},
    {"globalavgpool 1x1280x7x7", "GlobalAveragePool", 12, 1, {4}, {{1, 1280, 7, 7}}, NULL},
    {"globalavgpool 1x96x56x56", "GlobalAveragePool", 12, 1, {4}, {{1, 96, 56, 56}}, NULL},
    {"reducemean HW 1x96x56x56", "ReduceMean", 13, 1, {4}, {{1, 96, 56, 56}}, axes23},
    {"reducemean C 1x96x56x56", "ReduceMean", 13, 1, {4}, {{1, 96, 56, 56}}, axis1},
    {"batchnorm 1x64x80x80", "BatchNormalization", 15, 1, {4}, {{1, 64, 80, 80}}, NULL},
    {"softmax 1x4420x2 axis 2 (ultraface)", "Softmax", 9, 1, {3}, {{1, 4420, 2}}, axis2},
    {"softmax 1x1000 axis 1", "Softmax", 13, 1, {2}, {{1, 1000}}, axis1},
    {"softmax 1x21x64x64 axis 1", "Softmax", 13, 1, {4}, {{1, 21, 64, 64}}, axis1},
};

/* ReduceMean's "axes" of axis1 means [1]: fix the attribute name for reductions. */
static void set_attrs(const bench_case *c, cliq__node *n) {
  if (!c->attrs) return;
  if (strncmp(c->op, "Reduce", 6) == 0 && c->attrs == axis1)
    cliq__node_set_ints(n, "axes", (int64_t[]){1}, 1);
  else
    c->attrs(n);
}

int main(int argc, char **argv) {
  int repeat = 20;
  const char *filter = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--filter") && i + 1 < argc) filter = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--repeat N] [--filter TEXT]\n", argv[0]);
      return 2;
    }
  }
  if (repeat < 1) repeat = 1;
  th_init("bench_ops_math");
  cliq_context *ctx = NULL;
  char err[1024] = "";
  cliq_context_options o = cliq_context_options_default();
  o.profiling = 1;
  o.errbuf = err;
  o.errbuf_size = sizeof err;
  if (cliq_context_create(&o, &ctx) != CLIQ_STATUS_OK) {
    fprintf(stderr, "no device: %s\n", err);
    return 77;
  }
  cliq_device_info info;
  cliq_context_device(ctx, &info);
  printf("device: %s / %s (driver %s); median of %d runs\n", info.platform, info.name, info.driver, repeat);
  printf("%-42s %10s %9s %9s\n", "case", "ms", "MB moved", "GB/s");
  double *t = malloc(sizeof(double) * (size_t)repeat);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const bench_case *c = &cases[k];
    if (filter && !strstr(c->name, filter)) continue;
    th_op *op = th_op_new(c->op, c->opset);
    cliq__tensor *in[2] = {NULL, NULL};
    size_t bytes = 0;
    const cliq_dtype dt = c->dtype ? c->dtype : CLIQ_DTYPE_FLOAT32;
    for (int i = 0; i < c->n_in; i++) {
      th_op_input(op, dt, c->rank[i], c->dims[i]);
      in[i] = th_tensor_random(dt, c->rank[i], c->dims[i], dt == CLIQ_DTYPE_FLOAT32 ? -2 : -128, dt == CLIQ_DTYPE_FLOAT32 ? 2 : 127);
      bytes += in[i]->nbytes;
    }
    if (!strcmp(c->op, "QuantizeLinear")) { /* per-tensor scale and int8 zero point */
      cliq__tensor *s = th_tensor(CLIQ_DTYPE_FLOAT32, 0, NULL), *z = th_tensor(CLIQ_DTYPE_INT8, 0, NULL);
      *(float *)s->data = 0.0173f;
      *(int8_t *)z->data = -3;
      th_op_const(op, s);
      th_op_const(op, z);
      cliq__tensor_free(s);
      cliq__tensor_free(z);
    }
    if (!strcmp(c->op, "BatchNormalization")) {
      int64_t ch[1] = {c->dims[0][1]};
      cliq__tensor *s = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, ch, 0.5f, 1.5f);
      for (int i = 0; i < 4; i++) th_op_const(op, s);
      cliq__tensor_free(s);
    }
    set_attrs(c, th_op_node(op));
    th_op_outputs(op, 1);
    cliq_model *m = NULL;
    cliq_session *s = NULL;
    cliq_status st = th_op_model(op, ctx, &m);
    if (st == CLIQ_STATUS_OK) st = cliq_session_create(ctx, m, NULL, &s);
    if (st != CLIQ_STATUS_OK) {
      printf("%-42s failed: %s\n", c->name, cliq_context_error(ctx));
    } else {
      cliq_tensor_info oi;
      cliq_session_output(s, 0, &oi);
      size_t on = 1, osz = oi.dtype == CLIQ_DTYPE_FLOAT32 ? sizeof(float) : 1;
      for (size_t d = 0; d < oi.rank; d++) on *= (size_t)oi.dims[d];
      void *y = malloc(on * osz);
      bytes += on * osz;
      cliq_buffer ib[2], ob = {oi.dtype, y, on * osz};
      for (int i = 0; i < c->n_in; i++) ib[i] = (cliq_buffer){dt, in[i]->data, in[i]->nbytes};
      for (int r = -2; r < repeat; r++) {
        cliq_session_run(s, (size_t)c->n_in, ib, 1, &ob);
        const cliq_op_time *times;
        size_t nt;
        double ms = 0;
        if (cliq_session_profile(s, &times, &nt) == CLIQ_STATUS_OK)
          for (size_t i = 0; i < nt; i++) ms += times[i].ms;
        if (r >= 0) t[r] = ms;
      }
      qsort(t, (size_t)repeat, sizeof(double), th_cmp_double);
      double med = t[repeat / 2];
      printf("%-42s %10.4f %9.2f %9.2f\n", c->name, med, bytes / 1e6, med > 0 ? bytes / 1e6 / med : 0.0);
      free(y);
    }
    cliq_session_destroy(s);
    cliq_model_destroy(m);
    for (int i = 0; i < c->n_in; i++) cliq__tensor_free(in[i]);
    th_op_free(op);
  }
  free(t);
  cliq_context_destroy(ctx);
  return 0;
}

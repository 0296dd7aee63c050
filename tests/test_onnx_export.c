/*
 * test_onnx_export.c — a model written by cliq (host/onnx_export.c) means what the graph meant,
 * also when the file's opset is higher than some nodes' (per-axis QuantizeLinear/DequantizeLinear
 * need 13; host/onnx_upgrade.c rewrites the older nodes).
 *
 * Each case builds a float model of an old opset (tests/harness_graph.h) and loads it: "plain".
 * Then, as `cliq quantize` does, the loaded graph gets its Conv weight behind a per-axis
 * DequantizeLinear of int8 values (the plain weights are those values dequantized, so both compute
 * the same numbers), is written (at opset 13, the old nodes rewritten) and loaded again: "qdq".
 * Outputs of both are compared on the device and on the reference, and the declared opsets are
 * checked. A third model declares the old nodes at opset 13 as they are and must differ from the
 * plain one: the cases exercise a real change of meaning (without the rewrites "qdq" would differ
 * the same way, or fail to load).
 */
#include "harness.h"
#include "harness_graph.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cliq_context *dev_ctx, *ref_ctx;


static cliq__tensor *rand_tensor(int rank, const int64_t *dims, float lo, float hi) {
  return th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, lo, hi);
}

/* The conv weight [M, C, 3, 3]: int8 values, per-output-channel scales and the dequantized floats
 * the plain models hold. */
typedef struct weight {
  cliq__tensor *q, *scale, *deq;
} weight;

static weight make_weight(int64_t M, int64_t C) {
  weight w;
  int64_t wd[4] = {M, C, 3, 3}, sd[1] = {M};
  w.q = th_tensor(CLIQ_DTYPE_INT8, 4, wd);
  w.scale = th_tensor(CLIQ_DTYPE_FLOAT32, 1, sd);
  w.deq = th_tensor(CLIQ_DTYPE_FLOAT32, 4, wd);
  size_t per = (size_t)(C * 9);
  for (int64_t m = 0; m < M; m++) ((float *)w.scale->data)[m] = th_uniform(0.002f, 0.02f);
  for (size_t i = 0; i < cliq__tensor_elems(w.q); i++) {
    int8_t v = (int8_t)th_randint(-127, 127);
    ((int8_t *)w.q->data)[i] = v;
    ((float *)w.deq->data)[i] = (float)v * ((float *)w.scale->data)[i / per]; /* DequantizeLinear's formula */
  }
  return w;
}

static void free_weight(weight *w) {
  cliq__tensor_free(w->q);
  cliq__tensor_free(w->scale);
  cliq__tensor_free(w->deq);
}

/* The plain model's graph with weight "w" replaced by DequantizeLinear(w_int8, w_scale, axis 0),
 * written by the exporter and loaded back. */
static cliq_model *with_qdq(cliq_context *ctx, const cliq_model *plain, const weight *w) {
  cliq__graph *g = cliq__graph_clone(plain->g);
  int wv = g ? cliq__graph_find_value(g, "w") : -1;
  if (!TH_CHECK(wv >= 0, "the plain graph has its weight 'w'")) {
    cliq__graph_free(g);
    return NULL;
  }
  int in[2] = {cliq__graph_add_constant(g, "w_int8", cliq__tensor_clone(w->q)),
               cliq__graph_add_constant(g, "w_scale", cliq__tensor_clone(w->scale))};
  int dq = cliq__graph_add_value(g, "w_dq");
  cliq__graph_replace_uses(g, wv, dq);
  cliq__graph_insert_node(g, 0, "DequantizeLinear", "", "w_dq", in, 2, &dq, 1); /* opset: the graph's, as the quantizer's */
  cliq__node_set_int(&g->nodes[0], "axis", 0);
  void *buf = NULL;
  size_t size = 0;
  cliq_model *m = NULL;
  if (TH_OK(ctx, cliq__onnx_export(ctx, g, &buf, &size))) TH_OK(ctx, cliq_model_load_memory(ctx, buf, size, NULL, &m));
  free(buf);
  cliq__graph_free(g);
  return m;
}

static int conv(tg *t, int x, int w, const char *name) {
  int in[2] = {x, w};
  int y = tg_node(t, "Conv", name, in, 2);
  cliq__node_set_ints(tg_last_node(t), "pads", (int64_t[]){1, 1, 1, 1}, 4);
  return y;
}

/* Opset 11: Softmax over a rank-4 tensor at axis 1, LogSoftmax with the default axis over rank 3,
 * ReduceSum with the axes attribute, and a Softmax at the last axis (same meaning either way). */
static tg *softmax_graph(int opset, const weight *w, const cliq__tensor *shape3) {
  tg *t = tg_new(opset);
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, (int64_t[]){2, 3, 5, 6}, NULL);
  int c = conv(t, x, tg_const(t, "w", w->deq), "conv");
  tg_output(t, tg_node(t, "Softmax", "softmax_axis1", &c, 1));
  cliq__node_set_int(tg_last_node(t), "axis", 1);
  int rin[2] = {c, tg_const(t, "shape3", shape3)};
  int r = tg_node(t, "Reshape", "to_rank3", rin, 2);
  tg_output(t, tg_node(t, "LogSoftmax", "logsoftmax_default", &r, 1));
  if (opset < 13) { /* ReduceSum-13 has no axes attribute: nothing to compare it with */
    tg_output(t, tg_node(t, "ReduceSum", "reducesum", &c, 1));
    cliq__node_set_ints(tg_last_node(t), "axes", (int64_t[]){1, 3}, 2);
  }
  tg_output(t, tg_node(t, "Softmax", "softmax_last", &c, 1));
  cliq__node_set_int(tg_last_node(t), "axis", 3);
  return t;
}

/* Opset 6 forms: Add/Mul with broadcast=1 and axis (a constant and a runtime B), PRelu's
 * per-channel slope, BatchNormalization and Dropout with is_test/spatial/ratio, Gemm with
 * broadcast. */
static tg *legacy_graph(const weight *w, cliq__tensor *const *c) {
  tg *t = tg_new(6);
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, (int64_t[]){1, 3, 4, 5}, NULL);
  int x2 = tg_input(t, "x2", CLIQ_DTYPE_FLOAT32, 2, (int64_t[]){3, 4}, NULL);
  int in[5] = {x, tg_const(t, "bias3", c[0])};
  int a = tg_node(t, "Add", "add_axis1", in, 2);
  cliq__node_set_int(tg_last_node(t), "broadcast", 1);
  cliq__node_set_int(tg_last_node(t), "axis", 1);
  in[0] = a, in[1] = x2;
  int m = tg_node(t, "Mul", "mul_runtime_b", in, 2);
  cliq__node_set_int(tg_last_node(t), "broadcast", 1);
  cliq__node_set_int(tg_last_node(t), "axis", 1);
  in[0] = m, in[1] = tg_const(t, "slope3", c[1]);
  int p = tg_node(t, "PRelu", "prelu", in, 2);
  in[0] = p, in[1] = tg_const(t, "bn_scale", c[2]), in[2] = tg_const(t, "bn_bias", c[3]);
  in[3] = tg_const(t, "bn_mean", c[4]), in[4] = tg_const(t, "bn_var", c[5]);
  int bn = tg_node(t, "BatchNormalization", "bn", in, 5);
  cliq__node_set_int(tg_last_node(t), "is_test", 1);
  cliq__node_set_int(tg_last_node(t), "spatial", 1);
  int d = tg_node(t, "Dropout", "dropout", &bn, 1);
  cliq__node_set_int(tg_last_node(t), "is_test", 1);
  cliq__node_set_float(tg_last_node(t), "ratio", 0.25f);
  int cv = conv(t, d, tg_const(t, "w", w->deq), "conv");
  tg_output(t, cv);
  int f = tg_node(t, "Flatten", "flatten", &cv, 1);
  in[0] = f, in[1] = tg_const(t, "fc_w", c[6]), in[2] = tg_const(t, "fc_b", c[7]);
  tg_output(t, tg_node(t, "Gemm", "fc", in, 3));
  cliq__node_set_int(tg_last_node(t), "broadcast", 1);
  return t;
}

static int model_opset(cliq_model *m) {
  cliq_model_stats s;
  return cliq_model_stats_get(m, &s) == CLIQ_STATUS_OK ? s.opset : -1;
}

/* Runs model m on ctx (checking the opset it declares); outputs in *out (NULL on failure, reported). */
static size_t run(cliq_model *m, cliq_context *ctx, size_t n_in, cliq__tensor *const *in, cliq__tensor ***out,
                  int want_opset, const char *what) {
  size_t n = 0;
  *out = NULL;
  if (!m) return 0;
  TH_CHECK(model_opset(m) == want_opset, "%s: the model declares opset %d, want %d", what, model_opset(m), want_opset);
  if (!TH_OK(ctx, th_run(ctx, m, n_in, in, &n, out))) *out = NULL, n = 0;
  return n;
}

/* plain vs qdq (equal) and, when given, plain vs the same nodes declared at 13 (different). */
static void compare(const char *name, tg *plain_tg, tg *naive_tg, const weight *w, int old_opset, cliq_context *ctx,
                    size_t n_in, cliq__tensor *const *in) {
  char what[160];
  snprintf(what, sizeof what, "%s on %s", name, ctx == ref_ctx ? "the reference" : "the device");
  cliq_model *plain = NULL, *naive = NULL;
  TH_OK(ctx, tg_model_onnx(plain_tg, ctx, &plain));
  if (naive_tg) TH_OK(ctx, tg_model_onnx(naive_tg, ctx, &naive));
  cliq_model *qdq = plain ? with_qdq(ctx, plain, w) : NULL;
  cliq__tensor **a, **b, **c = NULL;
  size_t na = run(plain, ctx, n_in, in, &a, old_opset, what);
  size_t nb = run(qdq, ctx, n_in, in, &b, 13, what);
  size_t nc = naive ? run(naive, ctx, n_in, in, &c, 13, what) : 0;
  if (a && b && TH_CHECK(na == nb, "%s: %zu outputs written at opset 13, %zu at %d", what, nb, na, old_opset))
    for (size_t i = 0; i < na; i++) {
      char wh[400];
      snprintf(wh, sizeof wh, "%s: output %zu of the nodes written at opset 13 (meaning kept)", what, i);
      th_compare_tensor(wh, b[i], a[i], 1e-6f, 1e-6f);
    }
  if (a && c) { /* the first output is a node whose meaning changes at 13 */
    size_t diff = 0, ne = cliq__tensor_elems(a[0]);
    for (size_t e = 0; e < ne && cliq__tensor_elems(c[0]) == ne; e++)
      diff += ((float *)a[0]->data)[e] != ((float *)c[0]->data)[e];
    TH_CHECK(diff > 0, "%s: the same nodes read at opset 13 without the rewrite differ (%zu of %zu elements)", what, diff, ne);
  }
  th_free_tensors(a, na);
  th_free_tensors(b, nb);
  th_free_tensors(c, nc);
  cliq_model_destroy(plain);
  cliq_model_destroy(qdq);
  cliq_model_destroy(naive);
}

static void softmax_case(void) {
  printf("-- Softmax/LogSoftmax/ReduceSum of opset 11 written at 13\n");
  weight w = make_weight(4, 3);
  cliq__tensor *shape3 = th_tensor(CLIQ_DTYPE_INT64, 1, (int64_t[]){3});
  int64_t s3[3] = {2, 4, 30};
  memcpy(shape3->data, s3, sizeof s3);
  tg *plain = softmax_graph(11, &w, shape3), *naive = softmax_graph(13, &w, shape3);
  cliq__tensor *x = rand_tensor(4, (int64_t[]){2, 3, 5, 6}, -60, 60); /* wide logits: softmax far from uniform */
  compare("Softmax-11", plain, naive, &w, 11, dev_ctx, 1, &x);
  compare("Softmax-11", plain, naive, &w, 11, ref_ctx, 1, &x);
  cliq__tensor_free(x);
  cliq__tensor_free(shape3);
  tg_free(plain), tg_free(naive);
  free_weight(&w);
}

static void legacy_case(void) {
  printf("-- opset 6 broadcast/axis, PRelu slope, BatchNormalization/Dropout/Gemm attributes written at 13\n");
  weight w = make_weight(2, 3);
  cliq__tensor *c[8];
  c[0] = rand_tensor(1, (int64_t[]){3}, -1, 1);
  c[1] = rand_tensor(1, (int64_t[]){3}, 0.1f, 0.5f);
  c[2] = rand_tensor(1, (int64_t[]){3}, 0.5f, 1.5f);
  c[3] = rand_tensor(1, (int64_t[]){3}, -1, 1);
  c[4] = rand_tensor(1, (int64_t[]){3}, -1, 1);
  c[5] = rand_tensor(1, (int64_t[]){3}, 0.5f, 2);
  c[6] = rand_tensor(2, (int64_t[]){40, 5}, -1, 1);
  c[7] = rand_tensor(1, (int64_t[]){5}, -1, 1);
  /* read at opset 13 as they are, these nodes would not even load (B [3] does not broadcast at
   * the end of [1, 3, 4, 5]), so there is no third model here */
  tg *plain = legacy_graph(&w, c);
  cliq__tensor *in[2] = {rand_tensor(4, (int64_t[]){1, 3, 4, 5}, -2, 2), rand_tensor(2, (int64_t[]){3, 4}, -2, 2)};
  compare("opset-6", plain, NULL, &w, 6, dev_ctx, 2, in);
  compare("opset-6", plain, NULL, &w, 6, ref_ctx, 2, in);
  for (int i = 0; i < 8; i++) cliq__tensor_free(c[i]);
  cliq__tensor_free(in[0]), cliq__tensor_free(in[1]);
  tg_free(plain);
  free_weight(&w);
}

int main(void) {
  th_init("test_onnx_export");
  dev_ctx = th_device_context();
  ref_ctx = th_ref_context();
  softmax_case();
  legacy_case();
  cliq_context_destroy(dev_ctx);
  cliq_context_destroy(ref_ctx);
  return th_finish();
}

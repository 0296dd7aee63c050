/*
 * cmd_demo_model.c — `cliq demo-model OUTDIR` (hidden): writes what the demo needs when the
 * shared models and images are absent (a fresh clone): a small real CNN built in cliq's graph IR
 * with deterministic weights (OUTDIR/demo_cnn.onnx, saved with cliq_model_save and carrying its
 * preprocessing in metadata), a test image (OUTDIR/demo.png) and calibration images
 * (OUTDIR/images/img_NN.png), all reproducible byte for byte.
 *
 * The network: x[N,3,32,32] -> Conv 3x3 (8) + Relu -> MaxPool 2x2 -> Conv 3x3 stride 2 (16) +
 * Relu -> GlobalAveragePool -> Flatten -> Gemm (10) -> Softmax. Weights are He-uniform
 * (bound sqrt(6 / fan_in), He et al. 2015) from a fixed xorshift seed, so the classes are
 * arbitrary but the activations have the ranges of a trained ReLU network.
 */
#include "tool_common.h"

#include "graph.h"
#include "io/preprocess.h"
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static float uniform(float lo, float hi) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return lo + (hi - lo) * (float)((rng >> 40) * (1.0 / 16777216.0));
}

/* A constant value of He-uniform weights (fan_in > 0) or small biases (fan_in 0). */
static int add_weight(cliq__graph *g, const char *name, int rank, const int64_t *dims, int fan_in) {
  cliq__tensor *t;
  if (cliq__tensor_new(CLIQ_DTYPE_FLOAT32, rank, dims, &t) != CLIQ_STATUS_OK) return -1;
  float b = fan_in ? sqrtf(6.0f / (float)fan_in) : 0.1f;
  float *d = t->data;
  for (size_t i = 0; i < cliq__tensor_elems(t); i++) d[i] = uniform(-b, b);
  return cliq__graph_add_constant(g, name, t);
}

static int add_node(cliq__graph *g, const char *op, const char *name, const int *in, size_t n_in) {
  int out = cliq__graph_add_value(g, name);
  if (out < 0) return -1;
  return cliq__graph_add_node(g, op, "", name, in, n_in, &out, 1) < 0 ? -1 : out;
}

static cliq__graph *build_graph(void) {
  cliq__graph *g = cliq__graph_new();
  if (!g) return NULL;
  g->opset = 13;
  g->ir_version = 8;
  g->name = cliq__strdup("cliq_demo_cnn");
  g->inputs = malloc(sizeof(int));
  g->outputs = malloc(sizeof(int));
  if (!g->name || !g->inputs || !g->outputs) goto fail;
  int x = cliq__graph_add_value(g, "image");
  if (x < 0) goto fail;
  int64_t xd[4] = {-1, 3, 32, 32};
  cliq__value_set_shape(&g->values[x], CLIQ_DTYPE_FLOAT32, 4, xd);
  if (!(g->values[x].dim_param[0] = cliq__strdup("N"))) goto fail;
  g->values[x].flags |= CLIQ__VALUE_GRAPH_INPUT;
  g->inputs[g->n_inputs++] = x;

  int64_t w1d[4] = {8, 3, 3, 3}, b1d[1] = {8}, w2d[4] = {16, 8, 3, 3}, b2d[1] = {16}, w3d[2] = {10, 16}, b3d[1] = {10};
  int w1 = add_weight(g, "conv1.weight", 4, w1d, 27), b1 = add_weight(g, "conv1.bias", 1, b1d, 0);
  int w2 = add_weight(g, "conv2.weight", 4, w2d, 72), b2 = add_weight(g, "conv2.bias", 1, b2d, 0);
  int w3 = add_weight(g, "fc.weight", 2, w3d, 16), b3 = add_weight(g, "fc.bias", 1, b3d, 0);
  if (w1 < 0 || b1 < 0 || w2 < 0 || b2 < 0 || w3 < 0 || b3 < 0) goto fail;
  int64_t k3[2] = {3, 3}, k2[2] = {2, 2}, p1[4] = {1, 1, 1, 1}, s2[2] = {2, 2};
  int v, in[3];
  in[0] = x, in[1] = w1, in[2] = b1;
  if ((v = add_node(g, "Conv", "conv1", in, 3)) < 0) goto fail;
  cliq__node *n = &g->nodes[g->n_nodes - 1];
  if (!cliq__node_set_ints(n, "kernel_shape", k3, 2) || !cliq__node_set_ints(n, "pads", p1, 4)) goto fail;
  if ((v = add_node(g, "Relu", "relu1", &v, 1)) < 0) goto fail;
  if ((v = add_node(g, "MaxPool", "pool1", &v, 1)) < 0) goto fail;
  n = &g->nodes[g->n_nodes - 1];
  if (!cliq__node_set_ints(n, "kernel_shape", k2, 2) || !cliq__node_set_ints(n, "strides", s2, 2)) goto fail;
  in[0] = v, in[1] = w2, in[2] = b2;
  if ((v = add_node(g, "Conv", "conv2", in, 3)) < 0) goto fail;
  n = &g->nodes[g->n_nodes - 1];
  if (!cliq__node_set_ints(n, "kernel_shape", k3, 2) || !cliq__node_set_ints(n, "pads", p1, 4) ||
      !cliq__node_set_ints(n, "strides", s2, 2))
    goto fail;
  if ((v = add_node(g, "Relu", "relu2", &v, 1)) < 0) goto fail;
  if ((v = add_node(g, "GlobalAveragePool", "gap", &v, 1)) < 0) goto fail;
  if ((v = add_node(g, "Flatten", "flatten", &v, 1)) < 0) goto fail;
  if (!cliq__node_set_int(&g->nodes[g->n_nodes - 1], "axis", 1)) goto fail;
  in[0] = v, in[1] = w3, in[2] = b3;
  if ((v = add_node(g, "Gemm", "fc", in, 3)) < 0) goto fail;
  if (!cliq__node_set_int(&g->nodes[g->n_nodes - 1], "transB", 1)) goto fail;
  if ((v = add_node(g, "Softmax", "probs", &v, 1)) < 0) goto fail;
  if (!cliq__node_set_int(&g->nodes[g->n_nodes - 1], "axis", 1)) goto fail;
  g->values[v].flags |= CLIQ__VALUE_GRAPH_OUTPUT;
  g->outputs[g->n_outputs++] = v;
  /* what `cliq run/eval/quantize` use when no preprocessing flag is given */
  cliq_preprocess pre = cliq_preprocess_default();
  pre.width = pre.height = 32;
  for (int c = 0; c < 3; c++) pre.mean[c] = 127.5f, pre.std[c] = 127.5f;
  if (!cliq__preprocess_store(g, &pre)) goto fail;
  return g;
fail:
  cliq__graph_free(g);
  return NULL;
}

/* A w x h RGB picture: smooth colour gradients plus a disc, varied by `k`. */
static bool write_picture(const char *path, int w, int h, int k) {
  unsigned char *px = malloc((size_t)w * (size_t)h * 3);
  if (!px) return false;
  float cx = w * (0.3f + 0.05f * (float)(k % 7)), cy = h * (0.4f + 0.04f * (float)(k % 5)), r = (float)h * 0.25f;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      unsigned char *p = px + ((size_t)y * (size_t)w + (size_t)x) * 3;
      bool in = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r;
      p[0] = (unsigned char)(in ? 230 - 9 * (k % 10) : (255 * x) / (w - 1));
      p[1] = (unsigned char)(in ? 40 + 17 * (k % 8) : (255 * y) / (h - 1));
      p[2] = (unsigned char)(in ? 60 : (128 + 31 * k + x + y) % 256);
    }
  int ok = stbi_write_png(path, w, h, 3, px, w * 3);
  free(px);
  return ok != 0;
}

int cliq_cmd_demo_model(int argc, char **argv) {
  tool_opts o;
  tool_opts_init(&o, "demo-model", 0);
  if (argc != 2 || argv[1][0] == '-') {
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
      printf("usage: cliq demo-model OUTDIR\n\n"
             "Writes OUTDIR/demo_cnn.onnx (a small CNN with deterministic weights and its preprocessing in\n"
             "metadata), OUTDIR/demo.png (a 64x48 test picture) and OUTDIR/images/ (16 calibration\n"
             "pictures): what 'make demo' runs without ../shared.\n");
      return TOOL_EXIT_OK;
    }
    return tool_usage_error(&o, "expected OUTDIR");
  }
  const char *dir = argv[1];
  char path[4200];
  snprintf(path, sizeof path, "%s/images", dir);
  if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (mkdir(path, 0777) != 0 && errno != EEXIST))
    return tool_usage_error(&o, "cannot create '%s': %s", path, strerror(errno));
  cliq_context *ctx;
  if (tool_context(&o, "ref", 0, &ctx) != CLIQ_STATUS_OK) return TOOL_EXIT_USAGE;
  int rc = TOOL_EXIT_OK;
  cliq_model *m = NULL;
  cliq__graph *g = build_graph();
  cliq_status st = g ? cliq__model_from_graph(ctx, g, NULL, &m) : CLIQ_STATUS_OUT_OF_MEMORY;
  snprintf(path, sizeof path, "%s/demo_cnn.onnx", dir);
  if (st == CLIQ_STATUS_OK) st = cliq_model_save(ctx, m, path);
  if (st != CLIQ_STATUS_OK) rc = tool_lib_error(&o, ctx, st, "cannot write '%s'", path);
  snprintf(path, sizeof path, "%s/demo.png", dir);
  if (rc == TOOL_EXIT_OK && !write_picture(path, 64, 48, 0)) rc = tool_usage_error(&o, "cannot write '%s'", path);
  for (int k = 1; k <= 16 && rc == TOOL_EXIT_OK; k++) {
    snprintf(path, sizeof path, "%s/images/img_%02d.png", dir, k);
    if (!write_picture(path, 40 + 3 * k, 36 + 2 * k, k)) rc = tool_usage_error(&o, "cannot write '%s'", path);
  }
  if (rc == TOOL_EXIT_OK) printf("wrote %s/demo_cnn.onnx, %s/demo.png and %s/images/ (16 pictures)\n", dir, dir, dir);
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  return rc;
}

/*
 * test_fuzz_models.c — damaged model files never crash cliq: seeded mutations of valid ONNX files
 * (a float CNN, its QDQ form, and mnist-8 from ../shared when present) are loaded, planned and
 * run on the C reference context. Every call must return (any status); a failure must leave a
 * message in the context. A crash, a sanitizer report (`make sanitize`) or a hang fails the test.
 *
 * Mutations, each seeded (the seed is printed): 1-4 random bytes replaced; a byte set to 0xff or
 * 0x00 (varints that become huge or end early, which is how absurd dims and lengths appear); a
 * random 4-byte window overwritten with a random 32-bit value (floats, dims, attribute ints).
 * test_bad_inputs covers truncation and random files; this covers files that still parse.
 */
#include "harness.h"
#include "harness_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUTANTS_PER_SEED 400
/* inputs or outputs larger than this, or activations 16 times as large, are not run (the plan
 * was still made and checked): a mutated dim or pad can make a legitimately huge model (13 GB of
 * activations from pads of 137 million), slow on the C reference */
#define MAX_RUN_BYTES ((size_t)1 << 20)

static cliq_context *ref;

/* x[1,3,12,12] -> Conv 3x3 -> Relu -> depthwise Conv -> MaxPool -> Conv 1x1 -> Add(skip) ->
 * GlobalAveragePool -> Flatten -> Gemm -> Softmax. With qdq, activations and weights go through
 * QuantizeLinear/DequantizeLinear as a quantizer writes them. */
static void *cnn_bytes(bool qdq, size_t *size) {
  tg *t = tg_new(13);
  int64_t xd[4] = {1, 3, 12, 12}, w1d[4] = {8, 3, 3, 3}, bd[1] = {8}, w2d[4] = {8, 1, 3, 3}, w3d[4] = {8, 8, 1, 1};
  int64_t gd[2] = {5, 8}, gb[1] = {5}, pads[4] = {1, 1, 1, 1}, k2[2] = {2, 2};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, xd, NULL);
  if (qdq) x = tg_qdq(t, x, 1.0f / 64, 0, CLIQ_DTYPE_INT8);
  int w1 = tg_const_random(t, "w1", 4, w1d, -0.3f, 0.3f), b1 = tg_const_random(t, "b1", 1, bd, -0.1f, 0.1f);
  if (qdq) {
    float s[8];
    for (int i = 0; i < 8; i++) s[i] = 0.3f / 127;
    cliq__tensor *w = th_tensor(CLIQ_DTYPE_INT8, 4, w1d); /* int8 weights in [-127, 127] */
    for (size_t i = 0; i < cliq__tensor_elems(w); i++) ((int8_t *)w->data)[i] = (int8_t)th_randint(-127, 127);
    w1 = tg_weight_dq(t, w, s, 8, 0);
    cliq__tensor_free(w);
  }
  int in1[3] = {x, w1, b1};
  int c = tg_node(t, "Conv", "conv1", in1, 3);
  cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
  c = tg_node(t, "Relu", "relu1", &c, 1);
  if (qdq) c = tg_qdq(t, c, 1.0f / 32, -128, CLIQ_DTYPE_INT8);
  int w2 = tg_const_random(t, "w2", 4, w2d, -0.5f, 0.5f);
  int in2[2] = {c, w2};
  int d = tg_node(t, "Conv", "dw", in2, 2);
  cliq__node_set_ints(tg_last_node(t), "pads", pads, 4);
  cliq__node_set_int(tg_last_node(t), "group", 8);
  int p = tg_node(t, "MaxPool", "pool", &d, 1);
  cliq__node_set_ints(tg_last_node(t), "kernel_shape", k2, 2);
  cliq__node_set_ints(tg_last_node(t), "strides", k2, 2);
  if (qdq) p = tg_qdq(t, p, 1.0f / 16, 0, CLIQ_DTYPE_INT8);
  int w3 = tg_const_random(t, "w3", 4, w3d, -0.3f, 0.3f);
  int in3[2] = {p, w3};
  int e = tg_node(t, "Conv", "pw", in3, 2);
  int ai[2] = {e, p};
  int a = tg_node(t, "Add", "skip", ai, 2);
  int g = tg_node(t, "GlobalAveragePool", "gap", &a, 1);
  int f = tg_node(t, "Flatten", "flat", &g, 1);
  int gw = tg_const_random(t, "gw", 2, gd, -0.5f, 0.5f), gbias = tg_const_random(t, "gb", 1, gb, -0.1f, 0.1f);
  int gi[3] = {f, gw, gbias};
  int y = tg_node(t, "Gemm", "fc", gi, 3);
  cliq__node_set_int(tg_last_node(t), "transB", 1);
  tg_output(t, tg_node(t, "Softmax", "prob", &y, 1));
  void *buf = NULL;
  if (!TH_OK(ref, tg_bytes(t, ref, &buf, size))) buf = NULL;
  tg_free(t);
  return buf;
}

static void *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = n > 0 ? malloc((size_t)n) : NULL;
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *size = buf ? (size_t)n : 0;
  return buf;
}

static void mutate(unsigned char *b, size_t n) {
  switch (th_randint(0, 2)) {
  case 0:
    for (int k = th_randint(1, 4); k > 0; k--) b[th_rand() % n] = (unsigned char)th_rand();
    break;
  case 1: b[th_rand() % n] = th_randint(0, 1) ? 0xff : 0x00; break;
  default:
    if (n >= 4) {
      uint32_t v = (uint32_t)th_rand();
      memcpy(b + th_rand() % (n - 3), &v, 4);
    }
  }
}

/* Loads, plans and runs one mutant; counts what happened. Returns false when a failing call left
 * no message (the only thing checked per mutant besides not crashing). */
static bool try_mutant(const unsigned char *bytes, size_t n, size_t counts[3]) {
  cliq_model *m = NULL;
  cliq_session *s = NULL;
  cliq_status st = cliq_model_load_memory(ref, bytes, n, NULL, &m);
  bool ok = true;
  if (st != CLIQ_STATUS_OK) {
    counts[0]++;
    return cliq_context_error(ref)[0] != '\0';
  }
  cliq_session_options so = cliq_session_options_default();
  st = cliq_session_create(ref, m, &so, &s);
  if (st != CLIQ_STATUS_OK) {
    counts[1]++;
    ok = cliq_context_error(ref)[0] != '\0';
    cliq_model_destroy(m);
    return ok;
  }
  size_t n_in = cliq_model_input_count(m), n_out = cliq_model_output_count(m);
  cliq_buffer *in = calloc(n_in + 1, sizeof *in), *out = calloc(n_out + 1, sizeof *out);
  uint64_t wb = 0, ab = 0;
  bool runnable = in && out && cliq_session_memory(s, &wb, &ab) == CLIQ_STATUS_OK && ab <= 16 * MAX_RUN_BYTES;
  for (size_t i = 0; runnable && i < n_in + n_out; i++) {
    cliq_tensor_info info;
    if ((i < n_in ? cliq_session_input(s, i, &info) : cliq_session_output(s, i - n_in, &info)) != CLIQ_STATUS_OK) {
      runnable = false;
      break;
    }
    size_t bytes = cliq_dtype_size(info.dtype);
    for (size_t d = 0; d < info.rank && runnable; d++) {
      if (info.dims[d] < 0 || (info.dims[d] > 0 && bytes > MAX_RUN_BYTES / (size_t)info.dims[d])) runnable = false;
      else bytes *= (size_t)info.dims[d];
    }
    cliq_buffer *b = i < n_in ? &in[i] : &out[i - n_in];
    b->dtype = info.dtype;
    b->size = bytes;
    if (runnable && !(b->data = calloc(1, bytes ? bytes : 1))) runnable = false;
  }
  if (runnable) {
    st = cliq_session_run(s, n_in, in, n_out, out);
    counts[2]++;
    if (st != CLIQ_STATUS_OK) ok = cliq_context_error(ref)[0] != '\0';
  }
  for (size_t i = 0; in && i < n_in; i++) free(in[i].data);
  for (size_t i = 0; out && i < n_out; i++) free(out[i].data);
  free(in), free(out);
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  return ok;
}

static void fuzz(const char *name, const unsigned char *seed, size_t n) {
  unsigned char *b = malloc(n);
  if (!TH_CHECK(b != NULL, "%s: memory for mutants", name)) return;
  size_t counts[3] = {0, 0, 0}, silent = 0;
  /* the control: the file itself loads, plans and runs */
  try_mutant(seed, n, counts);
  if (!TH_CHECK(counts[2] == 1, "%s: the unmutated file runs (%s)", name, cliq_context_error(ref))) {
    free(b);
    return;
  }
  counts[2] = 0;
  for (int k = 0; k < MUTANTS_PER_SEED; k++) {
    memcpy(b, seed, n);
    mutate(b, n);
    if (!try_mutant(b, n, counts)) silent++;
  }
  printf("  %s (%zu bytes): %d mutants, %zu refused at load, %zu at planning, %zu ran\n", name, n, MUTANTS_PER_SEED, counts[0],
         counts[1], counts[2]);
  TH_CHECK(silent == 0, "%s: %zu failing calls left no error message", name, silent);
  TH_CHECK(counts[2] > 0 && counts[0] > 0, "%s: the mutants reach both refusal and running", name);
  free(b);
}

int main(void) {
  th_init("test_fuzz_models");
  ref = th_ref_context();
  size_t n;
  void *seed = cnn_bytes(false, &n);
  if (seed) fuzz("float CNN", seed, n);
  free(seed);
  seed = cnn_bytes(true, &n);
  if (seed) fuzz("QDQ CNN", seed, n);
  free(seed);
  const char *shared = th_shared_dir();
  if (shared) {
    char path[1024];
    snprintf(path, sizeof path, "%s/models/mnist-8/model.onnx", shared);
    if ((seed = read_all(path, &n)) != NULL) fuzz("mnist-8", seed, n);
    free(seed);
  } else {
    printf("  ../shared absent: mnist-8 is not fuzzed\n");
  }
  cliq_context_destroy(ref);
  return th_finish();
}

/*
 * test_fuzz_models.c — damaged model files never crash cliq: seeded mutations of valid ONNX files
 * (a float CNN, its QDQ form, and mnist-8 from ../shared when present) are loaded, planned and
 * run on the C reference context, then fewer of them on the OpenCL device (kernel arguments and
 * launches of odd shapes). Every call must return (any status); a failure must leave a
 * message in the context. A crash, a sanitizer report (`make sanitize`) or a hang fails the test.
 *
 * Mutations, each seeded (the seed is printed): 1-4 random bytes replaced; a byte set to 0xff or
 * 0x00 (varints that become huge or end early, which is how absurd dims and lengths appear); a
 * random 4-byte window overwritten with a random 32-bit value (floats, dims, attribute ints).
 * test_bad_inputs covers truncation and random files; this covers files that still parse.
 * Image files get the same treatment: PNG, BMP and JPEG files of a photo-like gradient, mutated
 * and decoded through cliq_image_load (stb_image underneath): any status, never a crash.
 */
#include "harness.h"
#include "harness_graph.h"

#include "stb_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUTANTS_PER_SEED 400
/* inputs or outputs larger than this, or activations 16 times as large, are not run (the plan
 * was still made and checked): a mutated dim or pad can make a legitimately huge model (13 GB of
 * activations from pads of 137 million), slow on the C reference */
#define MAX_RUN_BYTES ((size_t)1 << 20)

static cliq_context *ref;
static cliq_context *ctx; /* where mutants are planned and run: ref, then the OpenCL device */

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
  cliq_status st = cliq_model_load_memory(ctx, bytes, n, NULL, &m);
  bool ok = true;
  if (st != CLIQ_STATUS_OK) {
    counts[0]++;
    return cliq_context_error(ctx)[0] != '\0';
  }
  cliq_session_options so = cliq_session_options_default();
  st = cliq_session_create(ctx, m, &so, &s);
  if (st != CLIQ_STATUS_OK) {
    counts[1]++;
    ok = cliq_context_error(ctx)[0] != '\0';
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
    if (st != CLIQ_STATUS_OK) ok = cliq_context_error(ctx)[0] != '\0';
  }
  for (size_t i = 0; in && i < n_in; i++) free(in[i].data);
  for (size_t i = 0; out && i < n_out; i++) free(out[i].data);
  free(in), free(out);
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  return ok;
}

static void fuzz(const char *name, const unsigned char *seed, size_t n, int mutants) {
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
  for (int k = 0; k < mutants; k++) {
    memcpy(b, seed, n);
    mutate(b, n);
    if (!try_mutant(b, n, counts)) silent++;
  }
  printf("  %s (%zu bytes) on %s: %d mutants, %zu refused at load, %zu at planning, %zu ran\n", name, n,
         ctx == ref ? "the C reference" : "the OpenCL device", mutants, counts[0], counts[1], counts[2]);
  TH_CHECK(silent == 0, "%s: %zu failing calls left no error message", name, silent);
  /* a control on the mutations themselves: many mutants both fail to load and run (the device
   * pass takes too few mutants to count on both) */
  TH_CHECK(counts[2] > 0 && (ctx != ref || counts[0] > 0), "%s: the mutants reach refusal and running (%zu, %zu)", name,
           counts[0], counts[2]);
  free(b);
}

static void append(void *ctx_, void *data, int size) {
  unsigned char **buf = ctx_;
  size_t have = buf[1] ? (size_t)(uintptr_t)buf[1] : 0;
  unsigned char *grown = realloc(buf[0], have + (size_t)size);
  if (!grown) return;
  memcpy(grown + have, data, (size_t)size);
  buf[0] = grown;
  buf[1] = (unsigned char *)(uintptr_t)(have + (size_t)size);
}

/* Mutated image files through cliq_image_load, for a float model of a 16x16 RGB input. */
static void fuzz_images(const char *dir) {
  enum { W = 24, H = 20 };
  unsigned char px[W * H * 3];
  for (int i = 0; i < W * H * 3; i++) px[i] = (unsigned char)((i * 7 + (i / (W * 3)) * 13) & 0xff);
  cliq_model *m = NULL;
  int64_t dims[4] = {1, 3, 16, 16};
  if (!TH_OK(ref, tg_relu_model(ref, 4, dims, NULL, &m))) return;
  cliq_preprocess pre = cliq_preprocess_default();
  float *x = malloc(3 * 16 * 16 * sizeof(float));
  static const char *const ext[3] = {"png", "bmp", "jpg"};
  for (int f = 0; f < 3 && x; f++) {
    unsigned char *buf[2] = {NULL, NULL};
    if (f == 0) stbi_write_png_to_func(append, buf, W, H, 3, px, W * 3);
    if (f == 1) stbi_write_bmp_to_func(append, buf, W, H, 3, px);
    if (f == 2) stbi_write_jpg_to_func(append, buf, W, H, 3, px, 90);
    size_t n = (size_t)(uintptr_t)buf[1];
    if (!TH_CHECK(buf[0] && n > 16, "%s written", ext[f])) continue;
    char path[700];
    snprintf(path, sizeof path, "%s/fuzz.%s", dir, ext[f]);
    size_t ok = 0, refused = 0, silent = 0;
    unsigned char *b = malloc(n);
    for (int k = 0; b && k < MUTANTS_PER_SEED; k++) {
      memcpy(b, buf[0], n);
      if (k) mutate(b, n); /* mutant 0 is the file itself: the control */
      FILE *fp = fopen(path, "wb");
      if (!fp) break;
      fwrite(b, 1, n, fp);
      fclose(fp);
      cliq_status st = cliq_image_load(ref, path, m, &pre, x, 3 * 16 * 16);
      if (k == 0) TH_CHECK(st == CLIQ_STATUS_OK, "the unmutated %s decodes (%s)", ext[f], cliq_context_error(ref));
      if (st == CLIQ_STATUS_OK) ok++;
      else {
        refused++;
        if (!cliq_context_error(ref)[0]) silent++;
      }
    }
    if (f == 2 && b) {
      /* a Huffman table claiming 16 x 255 symbols: stb 2.27 would write past its arrays; cliq
       * refuses the file first (host/io/image.c, jpeg_tables_fit) */
      memcpy(b, buf[0], n);
      size_t p = 2;
      while (p + 1 < n && !(b[p] == 0xFF && b[p + 1] == 0xC4)) p++;
      if (TH_CHECK(p + 21 < n, "the JPEG has a Huffman table")) {
        memset(b + p + 5, 0xFF, 16);
        FILE *fp = fopen(path, "wb");
        if (fp) {
          fwrite(b, 1, n, fp);
          fclose(fp);
        }
        cliq_status st = cliq_image_load(ref, path, m, &pre, x, 3 * 16 * 16);
        TH_CHECK(st == CLIQ_STATUS_BAD_IMAGE && strstr(cliq_context_error(ref), "Huffman"),
                 "an oversized JPEG Huffman table is refused before decoding: %s: %s", cliq_status_name(st),
                 cliq_context_error(ref));
      }
    }
    printf("  %s image (%zu bytes): %d mutants, %zu decoded, %zu refused\n", ext[f], n, MUTANTS_PER_SEED, ok, refused);
    TH_CHECK(silent == 0, "%s: %zu refusals left no message", ext[f], silent);
    free(b);
    free(buf[0]);
    remove(path);
  }
  free(x);
  cliq_model_destroy(m);
}

int main(void) {
  th_init("test_fuzz_models");
  ref = th_ref_context();
  cliq_context *dev = th_device_context();
  size_t nf = 0, nq = 0, nm = 0;
  void *fseed = cnn_bytes(false, &nf), *qseed = cnn_bytes(true, &nq), *mseed = NULL;
  const char *shared = th_shared_dir();
  if (shared) {
    char path[1024];
    snprintf(path, sizeof path, "%s/models/mnist-8/model.onnx", shared);
    mseed = read_all(path, &nm);
  } else {
    printf("  ../shared absent: mnist-8 is not fuzzed\n");
  }
  /* the C reference takes many mutants fast; the device (kernel builds, launches) fewer */
  for (int pass = 0; pass < 2; pass++) {
    ctx = pass == 0 ? ref : dev;
    if (!ctx) {
      printf("  no OpenCL device: mutants run on the C reference only\n");
      break;
    }
    int mutants = pass == 0 ? MUTANTS_PER_SEED : MUTANTS_PER_SEED / 8;
    if (fseed) fuzz("float CNN", fseed, nf, mutants);
    if (qseed) fuzz("QDQ CNN", qseed, nq, mutants);
    if (mseed) fuzz("mnist-8", mseed, nm, mutants);
  }
  free(fseed), free(qseed), free(mseed);
  const char *dir = th_temp_dir("fuzz_models");
  fuzz_images(dir);
  th_remove_dir(dir);
  cliq_context_destroy(dev);
  cliq_context_destroy(ref);
  return th_finish();
}

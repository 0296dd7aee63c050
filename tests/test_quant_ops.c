/*
 * test_quant_ops.c — the quantization ops: ONNX QuantizeLinear, DequantizeLinear,
 * DynamicQuantizeLinear, QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger, and cliq's
 * internal int8 ops QAdd, QMul, QConcat, QAvgPool, QGlobalAvgPool, QLut.
 *
 * - The exact-arithmetic helpers of cl_kernels/cliq_exact.h against IEEE division and the ONNX
 *   reference's float64 formula, on the host and inside a kernel.
 * - The libonnx-testdata node tests of the ONNX ops, compared exactly (device and reference).
 * - Device kernels vs the C reference, int8 outputs byte for byte, over awkward shapes, zero
 *   points 0, +-1 and extremes, scales 2^-20 .. 2^4, poison-filled outputs; the soft-division
 *   path forced with CLIQ_TUNE=QUANT_SOFT_DIV=1 as well as the device's own division.
 * - Hand-checked small cases written from the ONNX spec and from the fixed-point formulas, so the
 *   references themselves are validated.
 */
#include "harness.h"

#include "cl/program.h"
#include "cliq_exact.h"
#include "context.h"
#include "onnx_tensor.h"
#include "ops/quant_util.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cliq_context *dev_ctx, *ref_ctx;

/* --- cliq_exact.h on the host ----------------------------------------------------------------- */

static float rand_float_bits(void) {
  uint32_t u = (uint32_t)th_rand();
  switch (th_rand() % 4) {
  case 0: break;                                                        /* anything, NaN/inf/subnormal */
  case 1: u = (u & 0x807FFFFFu) | ((uint32_t)(100 + th_rand() % 56) << 23); break; /* ordinary range */
  case 2: u = (u & 0x807FFFFFu) | ((uint32_t)(th_rand() % 3) << 23); break;        /* subnormal-ish */
  default: u = (u & 0x807FFFFFu) | ((uint32_t)(240 + th_rand() % 15) << 23); break; /* huge */
  }
  return CLIQ_U2F(u);
}

static double qlinear_double(int acc, float m, int zp, int lo, int hi) {
  /* onnx/reference/ops/op_qlinear_conv.py: R = res * m (float64); R += zp; clip; round */
  double r = (double)acc * (double)m;
  r += zp;
  r = r < lo ? lo : (r > hi ? hi : r);
  return nearbyint(r);
}

/* acc, m, zp with acc*m + zp at or near a half-integer, where float64's two roundings matter. */
static void near_tie_case(int *acc, float *m, int *zp) {
  for (;;) {
    uint32_t mm = (1u << 23) + (uint32_t)(th_rand() % (1u << 23));
    int e = -(int)(24 + th_rand() % 31);
    double target = ((double)(int)(th_rand() % 300) - 149.5) * ldexp(1.0, -e); /* acc*mm */
    double a = nearbyint(target / mm) + (double)((int)(th_rand() % 3) - 1);
    if (fabs(a) > 2e9 || a == 0) continue;
    *acc = (int)a;
    *m = ldexpf((float)mm, e);
    *zp = (int)(th_rand() % 256) - 128;
    return;
  }
}

static void test_exact_host(void) {
  size_t bad = 0, n = 2000000;
  for (size_t i = 0; i < n; i++) {
    float a = rand_float_bits(), b = rand_float_bits();
    float want = a / b, got = cliq_div_rn(a, b);
    if (CLIQ_F2U(want) != CLIQ_F2U(got) && !(isnan(want) && isnan(got)) && bad++ < 5)
      printf("  cliq_div_rn(%a, %a) = %a, IEEE says %a\n", a, b, got, want);
  }
  TH_CHECK(bad == 0, "cliq_div_rn equals IEEE division on %zu random operands (%zu differ)", n, bad);
  /* quotients at exact ties and at the subnormal/overflow edges */
  static const float edge[] = {1.0f, 3.0f, 0x1.fffffep127f, 0x1p-126f, 0x1p-149f, 0x1.8p-148f, 7.0f, 0x1.000002p0f,
                               0x1.fffffep0f, 1e-30f, 1e30f, 0.1f, 255.0f, 0x1p-20f, 16.0f};
  bad = 0;
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
    for (size_t j = 0; j < sizeof edge / sizeof edge[0]; j++)
      for (int s = 0; s < 4; s++) {
        float a = (s & 1) ? -edge[i] : edge[i], b = (s & 2) ? -edge[j] : edge[j];
        if (CLIQ_F2U(a / b) != CLIQ_F2U(cliq_div_rn(a, b)) && bad++ < 5)
          printf("  cliq_div_rn(%a, %a) = %a, IEEE says %a\n", a, b, cliq_div_rn(a, b), a / b);
      }
  TH_CHECK(bad == 0, "cliq_div_rn on edge operands (%zu differ)", bad);

  bad = 0;
  for (size_t i = 0; i < n; i++) {
    int acc, zp, lo = -128, hi = 127;
    float m;
    if (i % 2) {
      near_tie_case(&acc, &m, &zp);
    } else {
      acc = (int)(th_rand() % 2 ? (uint32_t)th_rand() : (uint32_t)(th_randint(-100000, 100000)));
      m = ldexpf(th_uniform(0.5f, 1.0f), -th_randint(0, 40));
      zp = th_randint(-128, 255);
      if (zp > 127) lo = 0, hi = 255;
    }
    double want = qlinear_double(acc, m, zp, lo, hi);
    int got = cliq_qlinear_requant(acc, m, zp, lo, hi);
    if (want != got && bad++ < 5) printf("  cliq_qlinear_requant(%d, %a, %d) = %d, float64 formula says %g\n", acc, m, zp, got, want);
  }
  TH_CHECK(bad == 0, "cliq_qlinear_requant equals the float64 formula on %zu cases, half near ties (%zu differ)", n, bad);
  /* hand-checked: 3 * 0.5 = 1.5 -> 2 (even); 5 * 0.5 = 2.5 -> 2; -5 * 0.5 + 1 = -1.5 -> -2; saturation */
  TH_CHECK(cliq_qlinear_requant(3, 0.5f, 0, -128, 127) == 2 && cliq_qlinear_requant(5, 0.5f, 0, -128, 127) == 2 &&
               cliq_qlinear_requant(-5, 0.5f, 1, -128, 127) == -2 && cliq_qlinear_requant(1000, 1.0f, 0, 0, 255) == 255 &&
               cliq_qlinear_requant(-7, 0.125f, 10, 0, 255) == 9,
           "cliq_qlinear_requant hand-checked cases");
}

/* --- the same inside a kernel ----------------------------------------------------------------- */

static void test_exact_device(void) {
  enum { N = 1 << 16 };
  float *a = malloc(N * sizeof(float)), *b = malloc(N * sizeof(float)), *q = malloc(N * sizeof(float));
  int *acc = malloc(N * sizeof(int)), *r = malloc(N * sizeof(int));
  int zp = th_randint(-3, 3);
  for (int i = 0; i < N; i++) {
    a[i] = rand_float_bits();
    b[i] = rand_float_bits();
    if (i % 2) {
      int z;
      near_tie_case(&acc[i], &b[i], &z);
    } else {
      acc[i] = th_randint(-1000000, 1000000);
    }
  }
  cl_kernel k;
  cliq_status st = cliq__kernel_create(dev_ctx, "quant_linear", "", "exact_ops_probe", &k);
  if (!TH_OK(dev_ctx, st)) return;
  cl_int err;
  cl_mem ma = clCreateBuffer(dev_ctx->cl, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, N * 4, a, &err);
  cl_mem mb = clCreateBuffer(dev_ctx->cl, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, N * 4, b, &err);
  cl_mem mc = clCreateBuffer(dev_ctx->cl, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, N * 4, acc, &err);
  cl_mem mq = clCreateBuffer(dev_ctx->cl, CL_MEM_WRITE_ONLY, N * 4, NULL, &err);
  cl_mem mr = clCreateBuffer(dev_ctx->cl, CL_MEM_WRITE_ONLY, N * 4, NULL, &err);
  int n = N;
  clSetKernelArg(k, 0, sizeof ma, &ma);
  clSetKernelArg(k, 1, sizeof mb, &mb);
  clSetKernelArg(k, 2, sizeof mc, &mc);
  clSetKernelArg(k, 3, sizeof mq, &mq);
  clSetKernelArg(k, 4, sizeof mr, &mr);
  clSetKernelArg(k, 5, sizeof n, &n);
  clSetKernelArg(k, 6, sizeof zp, &zp);
  size_t gws = N, lws = 64;
  err = clEnqueueNDRangeKernel(dev_ctx->queue, k, 1, NULL, &gws, &lws, 0, NULL, NULL);
  if (err == CL_SUCCESS) err = clEnqueueReadBuffer(dev_ctx->queue, mq, CL_TRUE, 0, N * 4, q, 0, NULL, NULL);
  if (err == CL_SUCCESS) err = clEnqueueReadBuffer(dev_ctx->queue, mr, CL_TRUE, 0, N * 4, r, 0, NULL, NULL);
  TH_CHECK(err == CL_SUCCESS, "running exact_ops_probe: %s", cliq__cl_error_name(err));
  size_t bad_div = 0, bad_req = 0;
  for (int i = 0; i < N && err == CL_SUCCESS; i++) {
    float want = a[i] / b[i];
    if (CLIQ_F2U(want) != CLIQ_F2U(q[i]) && !(isnan(want) && isnan(q[i])) && bad_div++ < 5)
      printf("  device cliq_div_rn(%a, %a) = %a, IEEE says %a\n", a[i], b[i], q[i], want);
    if (!(b[i] > 0.0f) || !isfinite(b[i])) continue; /* scales are finite and positive */
    double w = qlinear_double(acc[i], b[i], zp, -128, 127);
    if (w != r[i] && bad_req++ < 5)
      printf("  device cliq_qlinear_requant(%d, %a, %d) = %d, float64 formula says %g\n", acc[i], b[i], zp, r[i], w);
  }
  TH_CHECK(bad_div == 0, "device cliq_div_rn equals IEEE division (%d cases, %zu differ)", N, bad_div);
  TH_CHECK(bad_req == 0, "device cliq_qlinear_requant equals the float64 formula (%d cases, %zu differ)", N, bad_req);
  clReleaseMemObject(ma), clReleaseMemObject(mb), clReleaseMemObject(mc), clReleaseMemObject(mq), clReleaseMemObject(mr);
  clReleaseKernel(k);
  free(a), free(b), free(q), free(acc), free(r);
}

/* --- ONNX node tests (libonnx-testdata) ------------------------------------------------------- */

#define NODE_DIR "/usr/share/libonnx-testdata/data/node"

static cliq__tensor *read_pb(const char *path) {
  size_t size;
  void *buf = th_read_file(path, &size);
  if (!buf) return NULL;
  cliq__tensor *t = NULL;
  char *name = NULL;
  cliq__tensor_read_pb(ref_ctx, buf, size, &t, &name);
  free(buf);
  free(name);
  return t;
}

static void run_node_test(const char *test) {
  char path[1024], model[1024];
  snprintf(model, sizeof model, NODE_DIR "/%s/model.onnx", test);
  cliq_context *ctxs[2] = {dev_ctx, ref_ctx};
  for (int c = 0; c < 2; c++) {
    cliq_model *m = NULL;
    if (!TH_OK(ctxs[c], cliq_model_load(ctxs[c], model, &m))) continue;
    for (int ds = 0;; ds++) {
      cliq__tensor *in[16] = {0}, *want[16] = {0};
      size_t n_in = 0, n_want = 0;
      for (; n_in < 16; n_in++) {
        snprintf(path, sizeof path, NODE_DIR "/%s/test_data_set_%d/input_%zu.pb", test, ds, n_in);
        if (!(in[n_in] = read_pb(path))) break;
      }
      for (; n_want < 16; n_want++) {
        snprintf(path, sizeof path, NODE_DIR "/%s/test_data_set_%d/output_%zu.pb", test, ds, n_want);
        if (!(want[n_want] = read_pb(path))) break;
      }
      if (n_want == 0) {
        for (size_t i = 0; i < n_in; i++) cliq__tensor_free(in[i]);
        break;
      }
      cliq__tensor **got = NULL;
      size_t n_got = 0;
      char what[256];
      snprintf(what, sizeof what, "node test %s set %d on %s", test, ds, c ? "reference" : "device");
      if (TH_OK(ctxs[c], th_run(ctxs[c], m, n_in, in, &n_got, &got)))
        for (size_t i = 0; i < n_want && i < n_got; i++) {
          char w2[300];
          snprintf(w2, sizeof w2, "%s output %zu", what, i);
          th_compare_tensor(w2, got[i], want[i], 0.0f, 0.0f);
        }
      th_free_tensors(got, n_got);
      for (size_t i = 0; i < n_in; i++) cliq__tensor_free(in[i]);
      for (size_t i = 0; i < n_want; i++) cliq__tensor_free(want[i]);
    }
    cliq_model_destroy(m);
  }
}

static void test_node_tests(void) {
  DIR *d = opendir(NODE_DIR);
  if (!d) {
    printf("SKIPPED: ONNX node tests: %s is absent (Debian package libonnx-testdata)\n", NODE_DIR);
    return;
  }
  closedir(d);
  static const char *tests[] = {"test_quantizelinear", "test_quantizelinear_axis", "test_dequantizelinear",
                                "test_dequantizelinear_axis", "test_dynamicquantizelinear",
                                "test_dynamicquantizelinear_max_adjusted", "test_dynamicquantizelinear_min_adjusted",
                                "test_qlinearconv", "test_qlinearmatmul_2D", "test_qlinearmatmul_3D",
                                "test_convinteger_with_padding", "test_convinteger_without_padding",
                                "test_basic_convinteger", "test_matmulinteger"};
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
    if (tests[i]) run_node_test(tests[i]);
}

/* --- QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear ----------------------------------- */

static float rand_scale(void) { return ldexpf(th_uniform(0.5f, 1.0f), th_randint(-20, 4)); }

static cliq__tensor *scalar_f32(float v) {
  cliq__tensor *t = th_tensor(CLIQ_DTYPE_FLOAT32, 0, NULL);
  ((float *)t->data)[0] = v;
  return t;
}

static cliq__tensor *params_tensor(cliq_dtype dt, int rank1, size_t n, const void *vals) {
  int64_t d[1] = {(int64_t)n};
  cliq__tensor *t = th_tensor(dt, rank1 ? 1 : 0, d);
  memcpy(t->data, vals, n * cliq_dtype_size(dt));
  return t;
}

/* One QuantizeLinear/DequantizeLinear case: per tensor (axis < -rank) or per axis; parameters as
 * constants or runtime inputs; compared device vs reference, plus a recomputation from the spec. */
static void qdq_case(bool quantize, cliq_dtype qt, int rank, const int64_t *dims, int axis, bool runtime_params,
                     bool with_zp, int zp_mode) {
  int ax = axis;
  size_t nch = 1;
  if (axis > -100) {
    cliq__norm_axis(axis, rank, &ax);
    nch = (size_t)dims[ax];
  }
  float scale[64];
  int32_t zp32[64];
  uint8_t zpb[64];
  int lo, hi;
  if (qt == CLIQ_DTYPE_INT8) lo = -128, hi = 127;
  else if (qt == CLIQ_DTYPE_UINT8) lo = 0, hi = 255;
  else lo = -1000000, hi = 1000000;
  for (size_t c = 0; c < nch; c++) {
    scale[c] = rand_scale();
    int z = zp_mode == 0 ? 0 : zp_mode == 1 ? (th_rand() % 2 ? 1 : -1) : zp_mode == 2 ? (th_rand() % 2 ? lo : hi) : th_randint(lo, hi);
    if (qt == CLIQ_DTYPE_UINT8 && z < 0) z = 0;
    if (qt == CLIQ_DTYPE_INT32) z = 0;
    zp32[c] = z;
    zpb[c] = (uint8_t)z;
  }
  th_op *op = th_op_new(quantize ? "QuantizeLinear" : "DequantizeLinear", 13);
  cliq__tensor *in[3] = {0};
  size_t n_in = 0;
  cliq__tensor *x;
  if (quantize) {
    x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, -1, 1);
    /* values spanning the quantized range and beyond, with exact halves */
    /* x/scale spanning the quantized range and beyond, a quarter of them exact halves */
    float *xf = x->data;
    size_t outer, ch, inner;
    cliq__axis_split(rank, dims, axis > -100 ? ax : -1, &outer, &ch, &inner);
    for (size_t i = 0; i < cliq__tensor_elems(x); i++)
      xf[i] = ((float)th_randint(-300, 300) + (th_rand() % 4 == 0 ? 0.5f : th_uniform(-0.5f, 0.5f))) *
              scale[(i / inner) % ch];
  } else {
    x = th_tensor_random(qt, rank, dims, (float)(qt == CLIQ_DTYPE_INT32 ? -100000 : lo), (float)(qt == CLIQ_DTYPE_INT32 ? 100000 : hi));
  }
  th_op_input(op, x->dtype, rank, dims);
  in[n_in++] = x;
  cliq__tensor *ts = params_tensor(CLIQ_DTYPE_FLOAT32, axis > -100, nch, scale);
  cliq__tensor *tz = NULL;
  if (with_zp) {
    if (qt == CLIQ_DTYPE_INT32) tz = params_tensor(qt, axis > -100, nch, zp32);
    else tz = params_tensor(qt, axis > -100, nch, zpb);
  }
  if (runtime_params) {
    th_op_input(op, CLIQ_DTYPE_FLOAT32, ts->rank, ts->dims);
    in[n_in++] = ts;
    if (tz) {
      th_op_input(op, tz->dtype, tz->rank, tz->dims);
      in[n_in++] = tz;
    }
  } else {
    th_op_const(op, ts);
    if (tz) th_op_const(op, tz);
  }
  if (axis > -100) cliq__node_set_int(th_op_node(op), "axis", axis);
  th_op_outputs(op, 1);
  char what[200], d[64];
  snprintf(what, sizeof what, "%s %s %s axis %d %s zp %s/%d", quantize ? "QuantizeLinear" : "DequantizeLinear",
           cliq_dtype_name(qt), cliq__dims_str(rank, dims, d, sizeof d), axis > -100 ? axis : -999,
           runtime_params ? "runtime" : "const", with_zp ? "given" : "absent", zp_mode);
  th_op_compare(op, n_in, in, 0.0f, 0.0f, what);
  /* the reference against the spec formula, recomputed here */
  cliq_model *m = NULL;
  if (TH_OK(ref_ctx, th_op_model(op, ref_ctx, &m))) {
    cliq__tensor **out = NULL;
    size_t no = 0;
    if (TH_OK(ref_ctx, th_run(ref_ctx, m, n_in, in, &no, &out))) {
      size_t n = cliq__tensor_elems(x), outer, ch, inner, bad = 0;
      cliq__axis_split(rank, dims, axis > -100 ? ax : -1, &outer, &ch, &inner);
      for (size_t i = 0; i < n; i++) {
        size_t c = (i / inner) % ch;
        int z = with_zp ? zp32[c] : 0;
        if (quantize) {
          double v = nearbyint((double)(((float *)x->data)[i] / scale[c])) + z;
          int w = v < (qt == CLIQ_DTYPE_INT8 ? -128 : 0) ? (qt == CLIQ_DTYPE_INT8 ? -128 : 0)
                                                         : v > (qt == CLIQ_DTYPE_INT8 ? 127 : 255) ? (qt == CLIQ_DTYPE_INT8 ? 127 : 255) : (int)v;
          if (!with_zp && qt == CLIQ_DTYPE_INT8) continue; /* no zp: the output is uint8 */
          int g = qt == CLIQ_DTYPE_INT8 ? ((int8_t *)out[0]->data)[i] : ((uint8_t *)out[0]->data)[i];
          if (g != w && bad++ < 3) printf("  element %zu: %d, spec says %d\n", i, g, w);
        } else {
          int64_t q = qt == CLIQ_DTYPE_INT8 ? ((int8_t *)x->data)[i] : qt == CLIQ_DTYPE_UINT8 ? ((uint8_t *)x->data)[i] : ((int32_t *)x->data)[i];
          float w = (float)(q - z) * scale[c];
          if (((float *)out[0]->data)[i] != w && bad++ < 3) printf("  element %zu: %g, spec says %g\n", i, ((float *)out[0]->data)[i], w);
        }
      }
      TH_CHECK(bad == 0, "%s: reference equals the spec formula (%zu differ)", what, bad);
    }
    th_free_tensors(out, no);
    cliq_model_destroy(m);
  }
  cliq__tensor_free(x), cliq__tensor_free(ts), cliq__tensor_free(tz);
  th_op_free(op);
}

static void test_quantize_dequantize(void) {
  static const int64_t shapes[][4] = {{1, 1, 1, 1}, {1, 3, 7, 13}, {2, 17, 5, 3}, {1, 16, 1, 1}, {1, 4, 8, 1}};
  static const int axes[] = {-999, 1, 0, -1, 3};
  for (int quantize = 0; quantize < 2; quantize++)
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
      for (size_t a = 0; a < sizeof axes / sizeof axes[0]; a++) {
        cliq_dtype qts[3] = {CLIQ_DTYPE_INT8, CLIQ_DTYPE_UINT8, CLIQ_DTYPE_INT32};
        for (int t = 0; t < (quantize ? 2 : 3); t++) {
          int zp_mode = (int)((s + a + (size_t)t) % 4);
          qdq_case(quantize, qts[t], 4, shapes[s], axes[a], (s + a) % 2 == 1, !(s == 2 && a == 0 && t != 2), zp_mode);
        }
      }
  int64_t d1[1] = {1000};
  qdq_case(true, CLIQ_DTYPE_INT8, 1, d1, -999, false, true, 3);
  qdq_case(true, CLIQ_DTYPE_UINT8, 1, d1, -999, true, false, 0);
  qdq_case(false, CLIQ_DTYPE_UINT8, 0, d1, -999, false, true, 3);
  /* hand-checked from the spec: round half to even, saturation, the default uint8 output */
  th_op *op = th_op_new("QuantizeLinear", 13);
  int64_t d7[1] = {9};
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, d7);
  cliq__tensor *s = scalar_f32(2.0f);
  th_op_const(op, s);
  th_op_outputs(op, 1);
  cliq__tensor *x = th_tensor(CLIQ_DTYPE_FLOAT32, 1, d7);
  float xv[9] = {0.0f, 1.0f, 3.0f, 5.0f, -1.0f, -3.0f, 1000.0f, -1000.0f, 510.0f};
  uint8_t want[9] = {0, 0, 2, 2, 0, 0, 255, 0, 255}; /* 0.5->0, 1.5->2, 2.5->2, negatives clamp at 0 */
  memcpy(x->data, xv, sizeof xv);
  cliq_context *ctxs[2] = {dev_ctx, ref_ctx};
  for (int c = 0; c < 2; c++) {
    cliq_model *m = NULL;
    cliq__tensor **out = NULL;
    size_t no = 0;
    if (TH_OK(ctxs[c], th_op_model(op, ctxs[c], &m)) && TH_OK(ctxs[c], th_run(ctxs[c], m, 1, &x, &no, &out)))
      th_compare_bytes(c ? "QuantizeLinear hand-checked (reference)" : "QuantizeLinear hand-checked (device)",
                       out[0]->data, want, sizeof want);
    th_free_tensors(out, no);
    cliq_model_destroy(m);
  }
  cliq__tensor_free(x), cliq__tensor_free(s);
  th_op_free(op);
  /* block quantization is rejected by name */
  op = th_op_new("QuantizeLinear", 21);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, d7);
  s = scalar_f32(2.0f);
  th_op_const(op, s);
  cliq__node_set_int(th_op_node(op), "block_size", 2);
  th_op_outputs(op, 1);
  cliq_model *m = NULL;
  cliq_status st = th_op_model(op, ref_ctx, &m);
  th_expect_status(ref_ctx, st, CLIQ_STATUS_UNSUPPORTED, "QuantizeLinear block_size=2 is UNSUPPORTED");
  TH_CHECK(strstr(cliq_context_error(ref_ctx), "block_size") != NULL, "the message names block_size: %s",
           cliq_context_error(ref_ctx));
  cliq_model_destroy(m);
  cliq__tensor_free(s);
  th_op_free(op);
}

static void test_dynamic_quantize(void) {
  static const int64_t sizes[] = {1, 6, 17, 255, 256, 257, 4099, 100000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int mode = 0; mode < 4; mode++) {
      th_op *op = th_op_new("DynamicQuantizeLinear", 11);
      th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, &sizes[i]);
      th_op_outputs(op, 3);
      float lo = mode == 0 ? -3.0f : mode == 1 ? 0.5f : mode == 2 ? -7.0f : 0.0f;
      float hi = mode == 0 ? 5.0f : mode == 1 ? 9.0f : mode == 2 ? -0.25f : 0.0f;
      cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, &sizes[i], lo, hi);
      char what[128];
      snprintf(what, sizeof what, "DynamicQuantizeLinear n=%lld range [%g,%g]", (long long)sizes[i], lo, hi);
      th_op_compare(op, 1, &x, 0.0f, 0.0f, what);
      cliq__tensor_free(x);
      th_op_free(op);
    }
}

/* --- QLinearConv / ConvInteger / QLinearMatMul / MatMulInteger ------------------------------------ */

static cliq__tensor *rand_q(cliq_dtype dt, int rank, const int64_t *dims) {
  return th_tensor_random(dt, rank, dims, dt == CLIQ_DTYPE_INT8 ? -128.0f : 0.0f, dt == CLIQ_DTYPE_INT8 ? 127.0f : 255.0f);
}

static cliq__tensor *zp_tensor(cliq_dtype dt, size_t n, int mode) {
  int64_t d[1] = {(int64_t)n};
  cliq__tensor *t = th_tensor(dt, n == 1 ? 0 : 1, d);
  for (size_t i = 0; i < n; i++) {
    int lo = dt == CLIQ_DTYPE_INT8 ? -128 : 0, hi = dt == CLIQ_DTYPE_INT8 ? 127 : 255;
    int z = mode == 0 ? (dt == CLIQ_DTYPE_INT8 ? 0 : 128) : mode == 1 ? (dt == CLIQ_DTYPE_INT8 ? 1 : 127) : mode == 2 ? (th_rand() % 2 ? lo : hi) : th_randint(lo, hi);
    if (dt == CLIQ_DTYPE_INT8) ((int8_t *)t->data)[i] = (int8_t)z;
    else ((uint8_t *)t->data)[i] = (uint8_t)z;
  }
  return t;
}

static cliq__tensor *scales_tensor(size_t n, int rank) {
  int64_t d[2] = {(int64_t)n, 1};
  cliq__tensor *t = th_tensor(CLIQ_DTYPE_FLOAT32, rank, d);
  for (size_t i = 0; i < n; i++) ((float *)t->data)[i] = rand_scale();
  return t;
}

typedef struct conv_case {
  int nsp;
  int64_t n, c, m, in[3], k[3], stride, pad, dil, group;
  const char *auto_pad;
} conv_case;

static void qconv_case(bool qlinear, const conv_case *cc, cliq_dtype xt, cliq_dtype wt, cliq_dtype yt, bool per_channel,
                       bool bias, bool runtime, int zp_mode) {
  int rank = 2 + cc->nsp;
  int64_t xd[5] = {cc->n, cc->c}, wd[5] = {cc->m, cc->c / cc->group};
  for (int i = 0; i < cc->nsp; i++) xd[2 + i] = cc->in[i], wd[2 + i] = cc->k[i];
  th_op *op = th_op_new(qlinear ? "QLinearConv" : "ConvInteger", 10);
  cliq__tensor *x = rand_q(xt, rank, xd), *w = rand_q(wt, rank, wd);
  cliq__tensor *xs = scales_tensor(1, 0), *xz = zp_tensor(xt, 1, zp_mode);
  cliq__tensor *ws = scales_tensor(per_channel ? (size_t)cc->m : 1, per_channel ? 1 : 0);
  cliq__tensor *wz = zp_tensor(wt, per_channel ? (size_t)cc->m : 1, zp_mode);
  cliq__tensor *ys = scales_tensor(1, 0), *yz = zp_tensor(yt, 1, zp_mode);
  /* y_scale near the accumulator's spread so outputs are not all saturated */
  int64_t taps = wd[1];
  for (int i = 0; i < cc->nsp; i++) taps *= cc->k[i];
  ((float *)ys->data)[0] = ((float *)xs->data)[0] * ((float *)ws->data)[0] * 64.0f * (float)sqrt((double)taps);
  int64_t bd[1] = {cc->m};
  cliq__tensor *b = bias ? th_tensor_random(CLIQ_DTYPE_INT32, 1, bd, -20000, 20000) : NULL;
  cliq__tensor *in[9];
  size_t n_in = 0;
  const cliq__tensor *order_q[9] = {x, xs, xz, w, ws, wz, ys, yz, b};
  const cliq__tensor *order_i[4] = {x, w, zp_mode == 3 ? NULL : xz, wz};
  size_t count = qlinear ? (bias ? 9 : 8) : 4;
  for (size_t i = 0; i < count; i++) {
    const cliq__tensor *t = qlinear ? order_q[i] : order_i[i];
    if (!t) {
      th_op_absent(op);
      continue;
    }
    /* data always runtime; parameters runtime or constant; weights constant half the time */
    bool rt = i == 0 || runtime;
    if (rt) {
      th_op_input(op, t->dtype, t->rank, t->dims);
      in[n_in++] = (cliq__tensor *)t;
    } else {
      th_op_const(op, t);
    }
  }
  cliq__node *nd = th_op_node(op);
  if (cc->auto_pad) {
    cliq__node_set_string(nd, "auto_pad", cc->auto_pad);
  } else {
    int64_t pads[6], st[3], dl[3];
    for (int i = 0; i < cc->nsp; i++) pads[i] = cc->pad, pads[cc->nsp + i] = i == 0 && cc->pad > 0 ? cc->pad - 1 : cc->pad, /* asymmetric on dim 0 */ st[i] = cc->stride, dl[i] = cc->dil;
    cliq__node_set_ints(nd, "pads", pads, (size_t)(2 * cc->nsp));
    cliq__node_set_ints(nd, "strides", st, (size_t)cc->nsp);
    cliq__node_set_ints(nd, "dilations", dl, (size_t)cc->nsp);
  }
  if (cc->group != 1) cliq__node_set_int(nd, "group", cc->group);
  th_op_outputs(op, 1);
  char what[256], d1[64], d2[64];
  snprintf(what, sizeof what, "%s x %s %s w %s %s -> %s, stride %lld pad %lld dil %lld group %lld %s%s%s%s zp %d",
           qlinear ? "QLinearConv" : "ConvInteger", cliq_dtype_name(xt), cliq__dims_str(rank, xd, d1, sizeof d1),
           cliq_dtype_name(wt), cliq__dims_str(rank, wd, d2, sizeof d2), qlinear ? cliq_dtype_name(yt) : "int32",
           (long long)cc->stride, (long long)cc->pad, (long long)cc->dil, (long long)cc->group,
           cc->auto_pad ? cc->auto_pad : "", per_channel ? " per-channel" : "", bias ? " bias" : "", runtime ? " runtime" : "", zp_mode);
  th_op_compare(op, n_in, in, 0.0f, 0.0f, what);
  cliq__tensor_free(x), cliq__tensor_free(w), cliq__tensor_free(xs), cliq__tensor_free(xz), cliq__tensor_free(ws);
  cliq__tensor_free(wz), cliq__tensor_free(ys), cliq__tensor_free(yz), cliq__tensor_free(b);
  th_op_free(op);
}

static void test_qlinear_conv(void) {
  static const conv_case cases[] = {
      {2, 1, 3, 4, {7, 13}, {3, 3}, 1, 1, 1, 1, NULL},   {2, 2, 4, 8, {8, 8}, {3, 3}, 2, 1, 1, 2, NULL},
      {2, 1, 16, 16, {5, 7}, {3, 3}, 1, 1, 1, 16, NULL}, {2, 1, 8, 16, {9, 9}, {5, 5}, 2, 2, 1, 8, NULL},
      {2, 1, 7, 13, {6, 5}, {3, 2}, 1, 0, 2, 1, NULL},   {2, 1, 17, 3, {1, 1}, {1, 1}, 1, 0, 1, 1, NULL},
      {2, 1, 4, 4, {7, 8}, {3, 3}, 2, 0, 1, 1, "SAME_UPPER"}, {2, 1, 4, 4, {7, 8}, {2, 4}, 3, 0, 1, 1, "SAME_LOWER"},
      {2, 1, 4, 4, {7, 8}, {3, 3}, 1, 0, 1, 1, "VALID"},  {1, 2, 3, 5, {17}, {3}, 2, 1, 1, 1, NULL},
      {3, 1, 2, 3, {4, 5, 3}, {2, 3, 2}, 1, 1, 1, 1, NULL}, {2, 1, 1, 1, {3, 3}, {3, 3}, 1, 0, 1, 1, NULL}};
  cliq_dtype q8[2] = {CLIQ_DTYPE_UINT8, CLIQ_DTYPE_INT8};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int v = (int)i;
    qconv_case(true, &cases[i], q8[v % 2], q8[(v / 2) % 2], q8[(v / 4) % 2], v % 3 != 0, v % 2 == 0, v % 4 == 1, v % 4);
    qconv_case(false, &cases[i], q8[(v + 1) % 2], q8[(v / 3) % 2], CLIQ_DTYPE_UINT8, v % 3 == 0, false, v % 4 == 2, (v + 1) % 4);
  }
}

static void qmatmul_case(bool qlinear, int ra, const int64_t *ad, int rb, const int64_t *bd, cliq_dtype at, cliq_dtype bt,
                         cliq_dtype yt, int params, bool runtime) {
  /* params: 0 per tensor, 1 per row of A and per column of B */
  int64_t m = ra > 1 ? ad[ra - 2] : 1, n = rb > 1 ? bd[rb - 1] : 1;
  th_op *op = th_op_new(qlinear ? "QLinearMatMul" : "MatMulInteger", 10);
  cliq__tensor *a = rand_q(at, ra, ad), *b = rand_q(bt, rb, bd);
  int64_t rowd[2] = {m, 1}, cold[1] = {n};
  cliq__tensor *as = params && ra > 1 ? th_tensor(CLIQ_DTYPE_FLOAT32, 2, rowd) : scales_tensor(1, 1);
  cliq__tensor *az = params && ra > 1 ? th_tensor(at, 2, rowd) : zp_tensor(at, 1, 3);
  cliq__tensor *bs = params && rb > 1 ? th_tensor(CLIQ_DTYPE_FLOAT32, 1, cold) : scales_tensor(1, 1);
  cliq__tensor *bz = params && rb > 1 ? th_tensor(bt, 1, cold) : zp_tensor(bt, 1, 3);
  for (size_t i = 0; i < cliq__tensor_elems(as); i++) ((float *)as->data)[i] = rand_scale();
  for (size_t i = 0; i < cliq__tensor_elems(bs); i++) ((float *)bs->data)[i] = rand_scale();
  if (params && ra > 1) {
    cliq__tensor *z = zp_tensor(at, (size_t)m, 3);
    memcpy(az->data, z->data, az->nbytes);
    cliq__tensor_free(z);
  }
  if (params && rb > 1) {
    cliq__tensor *z = zp_tensor(bt, (size_t)n, 3);
    memcpy(bz->data, z->data, bz->nbytes);
    cliq__tensor_free(z);
  }
  int64_t k = ad[ra - 1];
  cliq__tensor *ys = scales_tensor(1, 1), *yz = zp_tensor(yt, 1, 3);
  ((float *)ys->data)[0] = ((float *)as->data)[0] * ((float *)bs->data)[0] * 64.0f * (float)sqrt((double)k);
  const cliq__tensor *order_q[8] = {a, as, az, b, bs, bz, ys, yz}, *order_i[4] = {a, b, az, bz};
  cliq__tensor *in[8];
  size_t n_in = 0;
  for (size_t i = 0; i < (qlinear ? 8u : 4u); i++) {
    const cliq__tensor *t = qlinear ? order_q[i] : order_i[i];
    if (i == 0 || runtime) {
      th_op_input(op, t->dtype, t->rank, t->dims);
      in[n_in++] = (cliq__tensor *)t;
    } else {
      th_op_const(op, t);
    }
  }
  th_op_outputs(op, 1);
  char what[256], d1[64], d2[64];
  snprintf(what, sizeof what, "%s %s %s x %s %s params %d %s", qlinear ? "QLinearMatMul" : "MatMulInteger",
           cliq_dtype_name(at), cliq__dims_str(ra, ad, d1, sizeof d1), cliq_dtype_name(bt), cliq__dims_str(rb, bd, d2, sizeof d2),
           params, runtime ? "runtime" : "const");
  th_op_compare(op, n_in, in, 0.0f, 0.0f, what);
  cliq__tensor_free(a), cliq__tensor_free(b), cliq__tensor_free(as), cliq__tensor_free(az), cliq__tensor_free(bs);
  cliq__tensor_free(bz), cliq__tensor_free(ys), cliq__tensor_free(yz);
  th_op_free(op);
}

static void test_qlinear_matmul(void) {
  static const struct {
    int ra, rb;
    int64_t a[4], b[4];
  } cases[] = {{2, 2, {1, 7}, {7, 13}}, {2, 2, {17, 16}, {16, 3}}, {3, 3, {2, 4, 5}, {2, 5, 8}}, {3, 2, {3, 4, 9}, {9, 7}},
               {4, 3, {2, 1, 3, 4}, {3, 4, 5}}, {1, 2, {6}, {6, 4}}, {2, 1, {5, 6}, {6}}, {1, 1, {13}, {13}},
               {3, 3, {1, 3, 8}, {4, 8, 1}}};
  cliq_dtype q8[2] = {CLIQ_DTYPE_UINT8, CLIQ_DTYPE_INT8};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int v = (int)i;
    qmatmul_case(true, cases[i].ra, cases[i].a, cases[i].rb, cases[i].b, q8[v % 2], q8[(v / 2) % 2], q8[(v / 3) % 2], v % 2,
                 v % 3 == 0);
    qmatmul_case(false, cases[i].ra, cases[i].a, cases[i].rb, cases[i].b, q8[(v + 1) % 2], q8[v % 2], CLIQ_DTYPE_INT32,
                 (v + 1) % 2, v % 3 == 1);
  }
}

/* Runs the whole op set once with the soft division forced (CLIQ_TUNE=QUANT_SOFT_DIV=1). */
static void with_soft_division(void (*fn)(void)) {
  setenv("CLIQ_TUNE", "QUANT_SOFT_DIV=1", 1);
  printf("-- with CLIQ_TUNE=QUANT_SOFT_DIV=1\n");
  fn();
  unsetenv("CLIQ_TUNE");
}

static void standard_ops(void) {
  test_quantize_dequantize();
  test_dynamic_quantize();
  test_qlinear_conv();
  test_qlinear_matmul();
  test_node_tests();
}

int main(void) {
  th_init("test_quant_ops");
  dev_ctx = th_device_context();
  ref_ctx = th_ref_context();
  test_exact_host();
  test_exact_device();
  standard_ops();
  with_soft_division(standard_ops);
  cliq_context_destroy(dev_ctx);
  cliq_context_destroy(ref_ctx);
  return th_finish();
}

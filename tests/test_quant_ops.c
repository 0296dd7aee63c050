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
#include "harness_graph.h"

#include "cl/program.h"
#include "activation.h"
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
  if (dev_ctx->dev.is_reference) {
    printf("SKIPPED: exact ops in a kernel: the device is the C reference (CLIQ_DEVICE=ref)\n");
    return;
  }
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
  if (!TH_OK(dev_ctx, st)) {
    free(a), free(b), free(q), free(acc), free(r);
    return;
  }
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
        if (!(in[n_in] = th_read_pb(path))) break;
      }
      for (; n_want < 16; n_want++) {
        snprintf(path, sizeof path, NODE_DIR "/%s/test_data_set_%d/output_%zu.pb", test, ds, n_want);
        if (!(want[n_want] = th_read_pb(path))) break;
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
  /* special values in every lane of the kernel's 16-lane path (and its scalar tail): NaN, +-inf,
   * +-0, ties, subnormals, values around 2^23 and 2^24 and the float range */
  static const float special[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f,
                                  1e-45f, -1e-45f, 8388607.5f, -8388607.5f, 8388608.0f, -8388609.0f, 16777217.0f,
                                  3.4e38f, -3.4e38f, 127.5f, -128.5f, 126.49999f, -3.5f};
  int64_t d53[1] = {53};
  for (int zi = 0; zi < 2; zi++)
    for (int si = 0; si < 2; si++) {
      op = th_op_new("QuantizeLinear", 13);
      th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, d53);
      s = scalar_f32(si ? 0.5f : 1.0f);
      th_op_const(op, s);
      cliq__tensor *z = th_tensor(zi ? CLIQ_DTYPE_UINT8 : CLIQ_DTYPE_INT8, 0, NULL);
      ((uint8_t *)z->data)[0] = zi ? 7 : (uint8_t)(int8_t)-3;
      th_op_const(op, z);
      th_op_outputs(op, 1);
      x = th_tensor(CLIQ_DTYPE_FLOAT32, 1, d53);
      for (int i = 0; i < 53; i++)
        ((float *)x->data)[i] = special[(size_t)(i * 7 + zi + si) % (sizeof special / sizeof special[0])];
      char what[96];
      snprintf(what, sizeof what, "QuantizeLinear special values, scale %g, %s zero point", si ? 0.5 : 1.0,
               zi ? "uint8" : "int8");
      th_op_compare(op, 1, &x, 0.0f, 0.0f, what);
      cliq__tensor_free(x), cliq__tensor_free(s), cliq__tensor_free(z);
      th_op_free(op);
    }
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
  /* MatMulInteger: drop one zero point now and then (optional inputs) */
  int drop = qlinear ? 0 : (int)(th_rand() % 3);
  const cliq__tensor *order_q[8] = {a, as, az, b, bs, bz, ys, yz};
  const cliq__tensor *order_i[4] = {a, b, drop == 1 ? NULL : az, drop == 2 ? NULL : bz};
  cliq__tensor *in[8];
  size_t n_in = 0;
  for (size_t i = 0; i < (qlinear ? 8u : 4u); i++) {
    const cliq__tensor *t = qlinear ? order_q[i] : order_i[i];
    if (!t) {
      th_op_absent(op);
      continue;
    }
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

/* --- internal int8 ops ---------------------------------------------------------------------------- */

static int rand_zp(int mode) {
  switch (mode % 4) {
  case 0: return 0;
  case 1: return th_rand() % 2 ? 1 : -1;
  case 2: return th_rand() % 2 ? -128 : 127;
  default: return th_randint(-128, 127);
  }
}

static int8_t i8_at(const cliq__tensor *t, size_t i) { return ((const int8_t *)t->data)[i]; }

/* Counts outputs farther than one quantum from a real-valued expectation, and exact matches. */
typedef struct near_stats {
  size_t n, exact, far;
} near_stats;

static void near_add(near_stats *s, int got, double want_real) {
  double w = nearbyint(want_real);
  w = w < -128 ? -128 : (w > 127 ? 127 : w);
  s->n++;
  if (got == (int)w) s->exact++;
  else if (fabs(got - w) > 1) s->far++;
}

static void near_check(const near_stats *s, const char *what) {
  TH_CHECK(s->far == 0 && s->exact * 100 >= s->n * 97, "%s: reference vs the real-valued formula: %zu of %zu exact, %zu off by more than 1",
           what, s->exact, s->n, s->far);
}

static void qbinary_case(const char *op, int ra, const int64_t *ad, int rb, const int64_t *bd, int act, int mode) {
  tg *g = tg_new(13);
  float sa = rand_scale(), sb = th_rand() % 3 == 0 ? sa : rand_scale();
  int za = rand_zp(mode), zb = rand_zp(mode + 1);
  int a = tg_input(g, "a", CLIQ_DTYPE_INT8, ra, ad, NULL), b = tg_input(g, "b", CLIQ_DTYPE_INT8, rb, bd, NULL);
  tg_quant(g, a, sa, za);
  tg_quant(g, b, sb, zb);
  /* an output scale that keeps results in range most of the time */
  float sy = op[1] == 'A' ? (sa > sb ? sa : sb) * th_uniform(1.0f, 2.5f) : sa * sb * th_uniform(64.0f, 200.0f);
  int zy = rand_zp(mode + 2) / 2;
  int in[2] = {a, b};
  int y = tg_value(g, "op");
  tg_node_ex(g, "cliq", op, "op", in, 2, &y, 1);
  tg_quant(g, y, sy, zy);
  tg_output(g, y);
  cliq__node *nd = tg_producer(g, y);
  if (act) {
    cliq__node_set_int(nd, "cliq.act", act);
    cliq__node_set_string(nd, "cliq.activation", act == CLIQ_ACT_RELU ? "Relu" : "Clip");
    if (act == CLIQ_ACT_CLIP) {
      cliq__node_set_float(nd, "cliq.act_a", -20.0f * sy);
      cliq__node_set_float(nd, "cliq.act_b", 30.0f * sy);
    }
  }
  cliq__tensor *ta = th_tensor_random(CLIQ_DTYPE_INT8, ra, ad, -128, 127), *tb = th_tensor_random(CLIQ_DTYPE_INT8, rb, bd, -128, 127);
  cliq__tensor *ins[2] = {ta, tb};
  char what[200], d1[64], d2[64];
  snprintf(what, sizeof what, "%s %s x %s act %d zp %d/%d/%d scales %g %g %g", op, cliq__dims_str(ra, ad, d1, sizeof d1),
           cliq__dims_str(rb, bd, d2, sizeof d2), act, za, zb, zy, sa, sb, sy);
  tg_compare(g, dev_ctx, ref_ctx, 2, ins, 0.0f, 0.0f, what);
  /* the reference against the real-valued formula */
  cliq__tensor **out = NULL;
  size_t no = 0;
  if (TH_OK(ref_ctx, tg_run(g, ref_ctx, 2, ins, &no, &out))) {
    const cliq__tensor *t = out[0];
    near_stats st = {0};
    int64_t idx[8] = {0};
    for (size_t i = 0; i < cliq__tensor_elems(t); i++) {
      size_t ai = 0, bi = 0, as = 1, bs = 1;
      for (int d = t->rank - 1; d >= 0; d--) {
        int da = d - (t->rank - ra), db = d - (t->rank - rb);
        if (da >= 0) {
          if (ad[da] != 1) ai += (size_t)idx[d] * as;
          as *= (size_t)ad[da];
        }
        if (db >= 0) {
          if (bd[db] != 1) bi += (size_t)idx[d] * bs;
          bs *= (size_t)bd[db];
        }
      }
      double va = (i8_at(ta, ai) - za) * (double)sa, vb = (i8_at(tb, bi) - zb) * (double)sb;
      double r = op[1] == 'A' ? va + vb : va * vb;
      if (act == CLIQ_ACT_RELU && r < 0) r = 0;
      if (act == CLIQ_ACT_CLIP) r = r < -20.0 * sy ? -20.0 * sy : (r > 30.0 * sy ? 30.0 * sy : r);
      near_add(&st, i8_at(t, i), r / sy + zy);
      for (int d = t->rank - 1; d >= 0; d--) {
        if (++idx[d] < t->dims[d]) break;
        idx[d] = 0;
      }
    }
    near_check(&st, what);
  }
  th_free_tensors(out, no);
  cliq__tensor_free(ta), cliq__tensor_free(tb);
  tg_free(g);
}

static void test_qbinary(void) {
  static const struct {
    int ra, rb;
    int64_t a[4], b[4];
  } cases[] = {{4, 4, {1, 3, 7, 13}, {1, 3, 7, 13}}, {4, 4, {2, 17, 5, 3}, {1, 17, 1, 1}}, {4, 3, {1, 16, 4, 4}, {16, 1, 1}},
               {4, 1, {1, 8, 3, 5}, {1}},             {2, 2, {7, 1}, {1, 13}},              {4, 4, {1, 1, 1, 1}, {1, 4, 1, 1}},
               {3, 4, {3, 1, 8}, {2, 1, 4, 8}},       {0, 0, {1}, {1}},                     {1, 1, {257}, {257}},
               /* broadcast rows of 16+ elements (the kernel's vector path): a per-channel value, rows repeated */
               {4, 4, {1, 2, 5, 40}, {1, 2, 1, 1}},   {4, 4, {2, 3, 1, 35}, {2, 1, 4, 35}}};
  const char *ops[2] = {"QAdd", "QMul"};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    for (int o = 0; o < 2; o++) {
      int act = (int)(c + (size_t)o) % 3 == 0 ? CLIQ_ACT_NONE : (c + (size_t)o) % 3 == 1 ? CLIQ_ACT_RELU : CLIQ_ACT_CLIP;
      qbinary_case(ops[o], cases[c].ra, cases[c].a, cases[c].rb, cases[c].b, act, (int)c);
      qbinary_case(ops[o], cases[c].rb, cases[c].b, cases[c].ra, cases[c].a, CLIQ_ACT_NONE, (int)c + 1);
    }
  /* hand-checked (worked out from cliq_requant.h): 10 * 0.5 + 4 * 0.25 = 6 -> 24 at scale 1/4;
   * (10 - 2) * 0.5 * (4 - 1) * 0.25 = 3 -> 3 + 5 at scale 1, zero point 5 */
  for (int o = 0; o < 2; o++) {
    tg *g = tg_new(13);
    int64_t d1[1] = {1};
    int a = tg_input(g, "a", CLIQ_DTYPE_INT8, 1, d1, NULL), b = tg_input(g, "b", CLIQ_DTYPE_INT8, 1, d1, NULL);
    tg_quant(g, a, 0.5f, o ? 2 : 0);
    tg_quant(g, b, 0.25f, o ? 1 : 0);
    int in[2] = {a, b};
    int y = tg_value(g, "op");
    tg_node_ex(g, "cliq", ops[o], "op", in, 2, &y, 1);
    tg_quant(g, y, o ? 1.0f : 0.25f, o ? 5 : 0);
    tg_output(g, y);
    cliq__tensor *ta = th_tensor(CLIQ_DTYPE_INT8, 1, d1), *tb = th_tensor(CLIQ_DTYPE_INT8, 1, d1);
    ((int8_t *)ta->data)[0] = 10;
    ((int8_t *)tb->data)[0] = 4;
    cliq__tensor *ins[2] = {ta, tb}, **out = NULL;
    size_t no = 0;
    cliq_context *ctxs[2] = {dev_ctx, ref_ctx};
    for (int c = 0; c < 2; c++) {
      if (TH_OK(ctxs[c], tg_run(g, ctxs[c], 2, ins, &no, &out)))
        TH_CHECK(i8_at(out[0], 0) == (o ? 8 : 24), "%s hand-checked on %s: got %d, want %d", ops[o], c ? "reference" : "device",
                 i8_at(out[0], 0), o ? 8 : 24);
      th_free_tensors(out, no);
      out = NULL;
    }
    cliq__tensor_free(ta), cliq__tensor_free(tb);
    tg_free(g);
  }
}

static void qconcat_case(int rank, const int64_t *dims, int axis, size_t n, int mode) {
  tg *g = tg_new(13);
  int ax;
  cliq__norm_axis(axis, rank, &ax);
  float sy = rand_scale();
  int zy = rand_zp(mode);
  int in[4];
  cliq__tensor *ts[4];
  float sx[4];
  int zx[4];
  for (size_t i = 0; i < n; i++) {
    int64_t d[8];
    memcpy(d, dims, sizeof(int64_t) * (size_t)rank);
    d[ax] = dims[ax] + (int64_t)i * 2 - 1 > 0 ? dims[ax] + (int64_t)i * 2 - 1 : 1;
    char name[32];
    snprintf(name, sizeof name, "x%zu", i);
    in[i] = tg_input(g, name, CLIQ_DTYPE_INT8, rank, d, NULL);
    bool same = i == 0 || th_rand() % 3 == 0;
    sx[i] = same ? sy : sy * th_uniform(0.3f, 3.0f);
    zx[i] = same ? zy : rand_zp(mode + (int)i);
    tg_quant(g, in[i], sx[i], zx[i]);
    ts[i] = th_tensor_random(CLIQ_DTYPE_INT8, rank, d, -128, 127);
  }
  int y = tg_value(g, "op");
  tg_node_ex(g, "cliq", "QConcat", "op", in, n, &y, 1);
  cliq__node_set_int(tg_producer(g, y), "axis", axis);
  tg_quant(g, y, sy, zy);
  tg_output(g, y);
  char what[160], d1[64];
  snprintf(what, sizeof what, "QConcat %zu inputs like %s axis %d", n, cliq__dims_str(rank, dims, d1, sizeof d1), axis);
  tg_compare(g, dev_ctx, ref_ctx, n, ts, 0.0f, 0.0f, what);
  cliq__tensor **out = NULL;
  size_t no = 0;
  if (TH_OK(ref_ctx, tg_run(g, ref_ctx, n, ts, &no, &out))) {
    near_stats st = {0};
    size_t outer, ch, inner, pos = 0;
    cliq__axis_split(rank, dims, ax, &outer, &ch, &inner);
    size_t row_y = 0;
    for (size_t i = 0; i < n; i++) row_y += cliq__tensor_elems(ts[i]) / outer;
    for (size_t i = 0; i < n; i++) {
      size_t row = cliq__tensor_elems(ts[i]) / outer;
      for (size_t o = 0; o < outer; o++)
        for (size_t k = 0; k < row; k++)
          near_add(&st, i8_at(out[0], o * row_y + pos + k), (i8_at(ts[i], o * row + k) - zx[i]) * (double)sx[i] / sy + zy);
      pos += row;
    }
    near_check(&st, what);
  }
  th_free_tensors(out, no);
  for (size_t i = 0; i < n; i++) cliq__tensor_free(ts[i]);
  tg_free(g);
}

static void test_qconcat(void) {
  int64_t d4[4] = {2, 3, 5, 7}, d2[2] = {4, 13};
  static const int axes[] = {0, 1, -1, 2};
  for (int a = 0; a < 4; a++) qconcat_case(4, d4, axes[a], 2 + (size_t)a % 3, a);
  qconcat_case(2, d2, 1, 3, 1);
  qconcat_case(2, d2, 0, 1, 2);
}

typedef struct pool_case {
  int nsp;
  int64_t n, c, in[3], k[3];
  int stride, pad, dil, ceil, include_pad;
  const char *auto_pad;
  bool global;
} pool_case;

static void qpool_case(const pool_case *pc, int mode) {
  tg *g = tg_new(19);
  int rank = 2 + pc->nsp;
  int64_t xd[5] = {pc->n, pc->c};
  for (int i = 0; i < pc->nsp; i++) xd[2 + i] = pc->in[i];
  int x = tg_input(g, "x", CLIQ_DTYPE_INT8, rank, xd, NULL);
  float sx = rand_scale(), sy = sx * th_uniform(0.5f, 2.0f);
  int zx = rand_zp(mode), zy = rand_zp(mode + 1) / 2;
  tg_quant(g, x, sx, zx);
  int y = tg_value(g, "op");
  tg_node_ex(g, "cliq", pc->global ? "QGlobalAvgPool" : "QAvgPool", "op", &x, 1, &y, 1);
  cliq__node *nd = tg_producer(g, y);
  if (!pc->global) {
    int64_t ks[3], st[3], dl[3], pads[6];
    for (int i = 0; i < pc->nsp; i++)
      ks[i] = pc->k[i], st[i] = pc->stride, dl[i] = pc->dil, pads[i] = pc->pad, pads[pc->nsp + i] = i ? pc->pad : 0;
    cliq__node_set_ints(nd, "kernel_shape", ks, (size_t)pc->nsp);
    cliq__node_set_ints(nd, "strides", st, (size_t)pc->nsp);
    if (pc->dil != 1) cliq__node_set_ints(nd, "dilations", dl, (size_t)pc->nsp);
    if (pc->auto_pad) cliq__node_set_string(nd, "auto_pad", pc->auto_pad);
    else cliq__node_set_ints(nd, "pads", pads, (size_t)(2 * pc->nsp));
    cliq__node_set_int(nd, "ceil_mode", pc->ceil);
    cliq__node_set_int(nd, "count_include_pad", pc->include_pad);
  }
  tg_quant(g, y, sy, zy);
  tg_output(g, y);
  cliq__tensor *tx = th_tensor_random(CLIQ_DTYPE_INT8, rank, xd, -128, 127);
  char what[200], d1[64];
  snprintf(what, sizeof what, "%s %s k %lldx%lld s %d p %d d %d ceil %d incl %d %s", pc->global ? "QGlobalAvgPool" : "QAvgPool",
           cliq__dims_str(rank, xd, d1, sizeof d1), (long long)pc->k[0], (long long)pc->k[1], pc->stride, pc->pad, pc->dil,
           pc->ceil, pc->include_pad, pc->auto_pad ? pc->auto_pad : "");
  tg_compare(g, dev_ctx, ref_ctx, 1, &tx, 0.0f, 0.0f, what);
  /* 2-D global pools against the real-valued mean */
  cliq__tensor **out = NULL;
  size_t no = 0;
  if (pc->global && TH_OK(ref_ctx, tg_run(g, ref_ctx, 1, &tx, &no, &out))) {
    near_stats st = {0};
    size_t plane = cliq__tensor_elems(tx) / (size_t)(pc->n * pc->c);
    for (size_t p = 0; p < (size_t)(pc->n * pc->c); p++) {
      double s = 0;
      for (size_t i = 0; i < plane; i++) s += i8_at(tx, p * plane + i) - zx;
      near_add(&st, i8_at(out[0], p), s / (double)plane * sx / sy + zy);
    }
    near_check(&st, what);
  }
  th_free_tensors(out, no);
  cliq__tensor_free(tx);
  tg_free(g);
}

static void test_qpool(void) {
  static const pool_case cases[] = {
      {2, 1, 3, {7, 13}, {3, 3}, 1, 1, 1, 0, 0, NULL, false},   {2, 2, 4, {8, 8}, {3, 3}, 1, 1, 1, 0, 1, NULL, false},
      {2, 1, 16, {9, 9}, {2, 2}, 2, 0, 1, 0, 0, NULL, false},   {2, 1, 7, {9, 10}, {3, 3}, 2, 1, 1, 1, 0, NULL, false},
      {2, 1, 5, {9, 10}, {3, 3}, 2, 1, 1, 1, 1, NULL, false},   {2, 1, 3, {7, 8}, {3, 2}, 2, 0, 1, 0, 0, "SAME_UPPER", false},
      {2, 1, 3, {7, 8}, {3, 3}, 2, 0, 1, 0, 1, "SAME_LOWER", false}, {2, 1, 3, {11, 9}, {3, 3}, 1, 2, 2, 0, 0, NULL, false},
      {1, 2, 3, {17}, {4}, 3, 1, 1, 1, 0, NULL, false},         {3, 1, 2, {5, 4, 6}, {2, 3, 2}, 1, 1, 1, 0, 1, NULL, false},
      {2, 1, 17, {7, 7}, {0}, 0, 0, 0, 0, 0, NULL, true},       {2, 3, 8, {13, 17}, {0}, 0, 0, 0, 0, 0, NULL, true},
      {2, 1, 4, {1, 1}, {0}, 0, 0, 0, 0, 0, NULL, true},        {1, 1, 5, {100}, {0}, 0, 0, 0, 0, 0, NULL, true}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) qpool_case(&cases[i], (int)i);
}

static void qlut_case(int act, float a, float b, bool explicit_table, int mode) {
  tg *g = tg_new(13);
  int64_t d[4] = {1, 3, 5, 67};
  int x = tg_input(g, "x", CLIQ_DTYPE_INT8, 4, d, NULL);
  float sx = ldexpf(th_uniform(0.5f, 1.0f), th_randint(-8, 0)), sy = ldexpf(th_uniform(0.5f, 1.0f), th_randint(-8, 0));
  int zx = rand_zp(mode), zy = rand_zp(mode + 1);
  tg_quant(g, x, sx, zx);
  int8_t table[256];
  for (int i = 0; i < 256; i++) table[i] = (int8_t)th_randint(-128, 127);
  int in[2] = {x, -1};
  if (explicit_table) {
    int64_t td[1] = {256};
    cliq__tensor *t = th_tensor(CLIQ_DTYPE_INT8, 1, td);
    memcpy(t->data, table, 256);
    in[1] = tg_const(g, "table", t);
    cliq__tensor_free(t);
  }
  int y = tg_value(g, "op");
  tg_node_ex(g, "cliq", "QLut", "op", in, explicit_table ? 2 : 1, &y, 1);
  cliq__node *nd = tg_producer(g, y);
  cliq__node_set_int(nd, "cliq.act", act);
  cliq__node_set_float(nd, "cliq.act_a", a);
  cliq__node_set_float(nd, "cliq.act_b", b);
  tg_quant(g, y, sy, zy);
  tg_output(g, y);
  cliq__tensor *tx = th_tensor_random(CLIQ_DTYPE_INT8, 4, d, -128, 127);
  char what[128];
  snprintf(what, sizeof what, "QLut act %d (%g, %g)%s scales %g -> %g zp %d -> %d", act, a, b, explicit_table ? " explicit table" : "",
           sx, sy, zx, zy);
  tg_compare(g, dev_ctx, ref_ctx, 1, &tx, 0.0f, 0.0f, what);
  cliq__tensor **out = NULL;
  size_t no = 0;
  if (TH_OK(ref_ctx, tg_run(g, ref_ctx, 1, &tx, &no, &out))) {
    near_stats st = {0};
    size_t bad = 0;
    for (size_t i = 0; i < cliq__tensor_elems(tx); i++) {
      int q = i8_at(tx, i);
      if (explicit_table) {
        if (i8_at(out[0], i) != table[q + 128]) bad++;
        continue;
      }
      double v = (q - zx) * (double)sx, r;
      switch (act) { /* the ONNX formulas, in double */
      case CLIQ_ACT_RELU: r = v > 0 ? v : 0; break;
      case CLIQ_ACT_CLIP: r = v < a ? a : (v > b ? b : v); break;
      case CLIQ_ACT_LEAKY_RELU: r = v >= 0 ? v : a * v; break;
      case CLIQ_ACT_SIGMOID: r = 1.0 / (1.0 + exp(-v)); break;
      case CLIQ_ACT_HARD_SIGMOID: r = fmax(0.0, fmin(1.0, a * v + b)); break;
      case CLIQ_ACT_HARD_SWISH: r = v * fmax(0.0, fmin(1.0, v / 6.0 + 0.5)); break;
      case CLIQ_ACT_TANH: r = tanh(v); break;
      case CLIQ_ACT_EXP: r = exp(v); break;
      case CLIQ_ACT_SILU: r = v / (1.0 + exp(-v)); break;
      case CLIQ_ACT_ELU: r = v >= 0 ? v : a * (exp(v) - 1.0); break;
      case CLIQ_ACT_SELU: r = v > 0 ? b * v : b * a * (exp(v) - 1.0); break;
      case CLIQ_ACT_SOFTPLUS: r = log(1.0 + exp(v)); break;
      case CLIQ_ACT_SOFTSIGN: r = v / (1.0 + fabs(v)); break;
      default: r = v; break;
      }
      near_add(&st, i8_at(out[0], i), r / sy + zy);
    }
    if (explicit_table) TH_CHECK(bad == 0, "%s: output is the given table (%zu differ)", what, bad);
    else near_check(&st, what);
  }
  th_free_tensors(out, no);
  cliq__tensor_free(tx);
  tg_free(g);
}

/* One table per channel: x [2, 5, 3, 7] along axis 1, or [6, 9] along axis -1. */
static void qlut_channels_case(int rank, const int64_t *d, int axis) {
  tg *g = tg_new(13);
  int ax;
  cliq__norm_axis(axis, rank, &ax);
  size_t ch = (size_t)d[ax];
  int x = tg_input(g, "x", CLIQ_DTYPE_INT8, rank, d, NULL);
  tg_quant(g, x, 0.1f, 3);
  int64_t td[2] = {(int64_t)ch, 256};
  cliq__tensor *t = th_tensor_random(CLIQ_DTYPE_INT8, 2, td, -128, 127);
  int in[2] = {x, tg_const(g, "tables", t)};
  int y = tg_value(g, "op");
  tg_node_ex(g, "cliq", "QLut", "op", in, 2, &y, 1);
  cliq__node_set_int(tg_producer(g, y), "axis", axis);
  tg_quant(g, y, 0.2f, -1);
  tg_output(g, y);
  cliq__tensor *tx = th_tensor_random(CLIQ_DTYPE_INT8, rank, d, -128, 127);
  char what[96];
  snprintf(what, sizeof what, "QLut per channel, rank %d axis %d", rank, axis);
  tg_compare(g, dev_ctx, ref_ctx, 1, &tx, 0.0f, 0.0f, what);
  cliq__tensor **out = NULL;
  size_t no = 0, bad = 0, outer, c2, inner;
  cliq__axis_split(rank, d, ax, &outer, &c2, &inner);
  if (TH_OK(ref_ctx, tg_run(g, ref_ctx, 1, &tx, &no, &out)))
    for (size_t i = 0; i < cliq__tensor_elems(tx); i++)
      if (i8_at(out[0], i) != ((int8_t *)t->data)[((i / inner) % ch) * 256 + (size_t)(i8_at(tx, i) + 128)]) bad++;
  TH_CHECK(bad == 0, "%s: each element through its channel's table (%zu differ)", what, bad);
  th_free_tensors(out, no);
  cliq__tensor_free(t), cliq__tensor_free(tx);
  tg_free(g);
}

static void test_qlut(void) {
  int64_t d4[4] = {2, 5, 3, 7}, d2[2] = {6, 9};
  qlut_channels_case(4, d4, 1);
  qlut_channels_case(2, d2, -1);
  for (int act = 0; act < CLIQ_ACT_COUNT; act++) {
    float a = act == CLIQ_ACT_CLIP ? -0.25f : act == CLIQ_ACT_LEAKY_RELU ? 0.1f : act == CLIQ_ACT_HARD_SIGMOID ? 0.2f
              : act == CLIQ_ACT_ELU ? 1.0f : act == CLIQ_ACT_SELU ? 1.6732632f : 0.0f;
    float b = act == CLIQ_ACT_CLIP ? 0.5f : act == CLIQ_ACT_HARD_SIGMOID ? 0.5f : act == CLIQ_ACT_SELU ? 1.0507010f : 0.0f;
    qlut_case(act, a, b, false, act);
  }
  qlut_case(CLIQ_ACT_NONE, 0, 0, true, 1);
}

static void internal_ops(void) {
  test_qbinary();
  test_qconcat();
  test_qpool();
  test_qlut();
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
  internal_ops();
  cliq_context_destroy(dev_ctx);
  cliq_context_destroy(ref_ctx);
  return th_finish();
}

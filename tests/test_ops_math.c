/*
 * test_ops_math.c — elementwise math (Add, Sub, Mul, Div, Pow, PRelu, Max, Min, Sum, Mean,
 * comparisons, Neg/Abs/Sqrt/Reciprocal/Floor/Ceil), pooling, reductions, BatchNormalization,
 * Softmax/LogSoftmax.
 *
 * Three kinds of check:
 *   - device kernel vs C reference over awkward shapes, every broadcast rank combination and every
 *     attribute path (th_op_compare: the same one-op model run on both, outputs poison-filled);
 *   - the C reference vs naive formulas written here from the ONNX spec (per-element index
 *     arithmetic, no shared code with the reference), so the reference itself is validated;
 *   - small hand-checked cases from the ONNX operator docs, and rejections with their status.
 */
#include "harness.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * helpers
 * ------------------------------------------------------------------------------------------- */

static cliq_context *ref_ctx;

static cliq__tensor *tensor_f32(int rank, const int64_t *dims, const float *v) {
  cliq__tensor *t = th_tensor(CLIQ_DTYPE_FLOAT32, rank, dims);
  if (v) memcpy(t->data, v, t->nbytes);
  return t;
}

static cliq__tensor *tensor_i64(int rank, const int64_t *dims, const int64_t *v) {
  cliq__tensor *t = th_tensor(CLIQ_DTYPE_INT64, rank, dims);
  if (v) memcpy(t->data, v, t->nbytes);
  return t;
}

/* Runs a one-op model on the C reference; returns its outputs (NULL on failure, counted). */
static cliq__tensor **ref_run(th_op *op, size_t n_in, cliq__tensor *const *in, size_t *n_out, const char *what) {
  if (!ref_ctx) ref_ctx = th_ref_context();
  cliq_model *m = NULL;
  cliq__tensor **out = NULL;
  *n_out = 0;
  cliq_status st = th_op_model(op, ref_ctx, &m);
  if (st == CLIQ_STATUS_OK) st = th_run(ref_ctx, m, n_in, in, n_out, &out);
  cliq_model_destroy(m);
  if (st != CLIQ_STATUS_OK) {
    TH_CHECK(false, "%s: reference failed: %s: %s", what, cliq_status_name(st), cliq_context_error(ref_ctx));
    return NULL;
  }
  return out;
}

/* Expects loading+running the op on the reference to fail with `want`. */
static void expect_reject(th_op *op, size_t n_in, cliq__tensor *const *in, cliq_status want, const char *what) {
  if (!ref_ctx) ref_ctx = th_ref_context();
  cliq_model *m = NULL;
  cliq_status st = th_op_model(op, ref_ctx, &m);
  if (st == CLIQ_STATUS_OK) {
    size_t n_out = 0;
    cliq__tensor **out = NULL;
    st = th_run(ref_ctx, m, n_in, in, &n_out, &out);
    th_free_tensors(out, n_out);
  }
  cliq_model_destroy(m);
  th_expect_status(ref_ctx, st, want, what);
  if (st == want) printf("  ok (%s): %s\n", what, cliq_context_error(ref_ctx));
}

static void expect_f32(const char *what, const cliq__tensor *got, int rank, const int64_t *dims, const float *want,
                       float tol) {
  char a[128], b[128];
  if (!TH_CHECK(got && got->dtype == CLIQ_DTYPE_FLOAT32 && got->rank == rank &&
                    memcmp(got->dims, dims, sizeof(int64_t) * (size_t)rank) == 0,
                "%s: got %s %s, want float32 %s", what, got ? cliq_dtype_name(got->dtype) : "nothing",
                got ? cliq__dims_str(got->rank, got->dims, a, sizeof a) : "", cliq__dims_str(rank, dims, b, sizeof b)))
    return;
  th_compare_f32(what, got->data, want, cliq__tensor_elems(got), tol, tol);
}

static void expect_i64(const char *what, const cliq__tensor *got, int rank, const int64_t *dims, const int64_t *want) {
  if (!TH_CHECK(got && got->rank == rank && memcmp(got->dims, dims, sizeof(int64_t) * (size_t)rank) == 0,
                "%s: wrong shape", what))
    return;
  size_t n = cliq__tensor_elems(got);
  for (size_t i = 0; i < n; i++)
    if (cliq__tensor_get_i64(got, i) != want[i]) {
      TH_CHECK(false, "%s: element %zu: got %lld, want %lld", what, i, (long long)cliq__tensor_get_i64(got, i),
               (long long)want[i]);
      return;
    }
  TH_CHECK(true, "%s", what);
}

static void set_int(cliq__tensor *t, size_t i, int64_t v) {
  switch (t->dtype) {
  case CLIQ_DTYPE_INT64: ((int64_t *)t->data)[i] = v; break;
  case CLIQ_DTYPE_INT32: ((int32_t *)t->data)[i] = (int32_t)v; break;
  case CLIQ_DTYPE_INT8: ((int8_t *)t->data)[i] = (int8_t)v; break;
  default: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
  }
}

/* v wrapped to the range of an integer dtype (two's complement), as numpy stores it. */
static int64_t wrap_int(cliq_dtype dt, int64_t v) {
  switch (dt) {
  case CLIQ_DTYPE_INT32: return (int32_t)(uint32_t)(uint64_t)v;
  case CLIQ_DTYPE_INT8: return (int8_t)(uint8_t)(uint64_t)v;
  case CLIQ_DTYPE_UINT8:
  case CLIQ_DTYPE_BOOL: return (uint8_t)(uint64_t)v;
  default: return v;
  }
}

/* Flat index into a tensor of (rank, dims) of the output coordinate c[] (out_rank dims),
 * broadcasting numpy-style: the naive per-element formula the reference is checked against. */
static size_t bcast_index(int out_rank, const int64_t *c, int rank, const int64_t *dims) {
  size_t idx = 0;
  for (int i = 0; i < rank; i++) {
    int64_t ci = c[out_rank - rank + i];
    idx = idx * (size_t)dims[i] + (size_t)(dims[i] == 1 ? 0 : ci);
  }
  return idx;
}

static void unflatten(size_t flat, int rank, const int64_t *dims, int64_t *c) {
  for (int i = rank - 1; i >= 0; i--) {
    c[i] = dims[i] ? (int64_t)(flat % (size_t)dims[i]) : 0;
    flat = dims[i] ? flat / (size_t)dims[i] : 0;
  }
}

/* Two random shapes of ranks ra, rb that broadcast together: each aligned dim is the common
 * size or 1 on one side (or both). */
static void random_bcast_shapes(int ra, int rb, int64_t *da, int64_t *db) {
  static const int64_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 13, 16, 17};
  int r = ra > rb ? ra : rb;
  for (int i = 0; i < r; i++) {
    int64_t full = sizes[th_randint(0, 9)];
    int ia = i - (r - ra), ib = i - (r - rb);
    int pick = th_randint(0, 3); /* 0: both full, 1: a is 1, 2: b is 1, 3: both full */
    if (ia >= 0) da[ia] = pick == 1 ? 1 : full;
    if (ib >= 0) db[ib] = pick == 2 ? 1 : full;
  }
  /* keep tensors small: at most ~4096 elements */
  for (int guard = 0; guard < 8; guard++) {
    size_t na = 1, nb = 1;
    for (int i = 0; i < ra; i++) na *= (size_t)da[i];
    for (int i = 0; i < rb; i++) nb *= (size_t)db[i];
    if (na <= 4096 && nb <= 4096) break;
    for (int i = 0; i < r; i++) {
      int ia = i - (r - ra), ib = i - (r - rb);
      if (ia >= 0 && da[ia] > 3) da[ia] = 3;
      if (ib >= 0 && db[ib] > 3) db[ib] = 3;
      if (guard > 2) {
        if (ia >= 0 && da[ia] > 2) da[ia] = 2;
        if (ib >= 0 && db[ib] > 2) db[ib] = 2;
      }
    }
  }
}

/* ---------------------------------------------------------------------------------------------
 * elementwise
 * ------------------------------------------------------------------------------------------- */

static double naive_binary(const char *op, double a, double b) {
  if (!strcmp(op, "Add") || !strcmp(op, "Sum")) return a + b;
  if (!strcmp(op, "Sub")) return a - b;
  if (!strcmp(op, "Mul")) return a * b;
  if (!strcmp(op, "Div")) return a / b;
  if (!strcmp(op, "Pow")) return pow(a, b);
  if (!strcmp(op, "Max")) return a > b ? a : b;
  if (!strcmp(op, "Min")) return a < b ? a : b;
  if (!strcmp(op, "PRelu")) return a < 0 ? a * b : a;
  if (!strcmp(op, "Equal")) return a == b;
  if (!strcmp(op, "Less")) return a < b;
  if (!strcmp(op, "LessOrEqual")) return a <= b;
  if (!strcmp(op, "Greater")) return a > b;
  if (!strcmp(op, "GreaterOrEqual")) return a >= b;
  return NAN;
}

static bool is_compare(const char *op) {
  return !strcmp(op, "Equal") || !strcmp(op, "Less") || !strcmp(op, "LessOrEqual") || !strcmp(op, "Greater") ||
         !strcmp(op, "GreaterOrEqual");
}

/* a (ra, da) op b (rb, db): device vs reference (unless ref_only), and the reference vs the
 * naive formula. */
static void binary_case_on(const char *op_type, int opset, cliq_dtype dt, int ra, const int64_t *da, int rb,
                           const int64_t *db, bool b_const, bool ref_only) {
  char what[256], s0[96], s1[96];
  snprintf(what, sizeof what, "%s %s %s %s%s", op_type, cliq_dtype_name(dt), cliq__dims_str(ra, da, s0, sizeof s0),
           cliq__dims_str(rb, db, s1, sizeof s1), b_const ? " (b const)" : "");
  bool pos = !strcmp(op_type, "Pow");
  bool is_int = dt != CLIQ_DTYPE_FLOAT32;
  float lo = is_int ? -20.0f : (pos ? 0.1f : -4.0f), hi = is_int ? 20.0f : 4.0f;
  cliq__tensor *a = th_tensor_random(dt, ra, da, lo, hi);
  cliq__tensor *b = th_tensor_random(dt, rb, db, pos ? -2.0f : lo, pos ? 2.0f : hi);
  if (is_compare(op_type)) /* make equal elements likely */
    for (size_t i = 0; i < cliq__tensor_elems(b) && dt != CLIQ_DTYPE_BOOL; i++)
      if (th_randint(0, 2) == 0 && i < cliq__tensor_elems(a)) memcpy((char *)b->data + i * cliq_dtype_size(dt),
                                                                   (char *)a->data + i * cliq_dtype_size(dt), cliq_dtype_size(dt));
  if (!strcmp(op_type, "Div") && is_int) /* division by zero is tested by hand below */
    for (size_t i = 0; i < cliq__tensor_elems(b); i++)
      if (cliq__tensor_get_i64(b, i) == 0) set_int(b, i, i % 2 ? 3 : -3);
  th_op *op = th_op_new(op_type, opset);
  th_op_input(op, dt, ra, da);
  if (b_const)
    th_op_const(op, b);
  else
    th_op_input(op, dt, rb, db);
  th_op_outputs(op, 1);
  cliq__tensor *in[2] = {a, b};
  if (!ref_only) th_op_compare(op, b_const ? 1 : 2, in, 1e-6f, 2e-6f, what);
  /* the reference against the naive formula */
  size_t n_out;
  cliq__tensor **out = ref_run(op, b_const ? 1 : 2, in, &n_out, what);
  if (out) {
    const cliq__tensor *y = out[0];
    int64_t c[CLIQ_MAX_RANK];
    size_t n = cliq__tensor_elems(y);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
      unflatten(i, y->rank, y->dims, c);
      double av = cliq__tensor_get_f64(a, bcast_index(y->rank, c, ra, da));
      double bv = cliq__tensor_get_f64(b, bcast_index(y->rank, c, rb, db));
      double want = naive_binary(op_type, av, bv), got = cliq__tensor_get_f64(y, i);
      if (is_int && !strcmp(op_type, "Div")) want = (double)((int64_t)av / (int64_t)bv);
      if (dt == CLIQ_DTYPE_FLOAT32 && !is_compare(op_type)) want = (float)want;
      if (is_int && !is_compare(op_type)) want = (double)wrap_int(dt, (int64_t)want);
      double tol = dt == CLIQ_DTYPE_FLOAT32 && !is_compare(op_type) ? 1e-6 + 1e-6 * fabs(want) : 0;
      if (!(fabs(got - want) <= tol)) {
        ok = TH_CHECK(false, "%s: reference element %zu: got %.9g, want %.9g (a=%.9g b=%.9g)", what, i, got, want, av, bv);
      }
    }
    if (ok) TH_CHECK(true, "%s", what);
    th_free_tensors(out, n_out);
  }
  th_op_free(op);
  cliq__tensor_free(a);
  cliq__tensor_free(b);
}

static void binary_case(const char *op_type, int opset, cliq_dtype dt, int ra, const int64_t *da, int rb,
                        const int64_t *db, bool b_const) {
  binary_case_on(op_type, opset, dt, ra, da, rb, db, b_const, false);
}

static void test_binary_broadcast(void) {
  printf("-- binary ops: broadcasting, every rank combination 0..5\n");
  static const char *ops[] = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal", "Less", "Greater", "GreaterOrEqual"};
  int k = 0;
  for (int ra = 0; ra <= 5; ra++)
    for (int rb = 0; rb <= 5; rb++) {
      int64_t da[CLIQ_MAX_RANK], db[CLIQ_MAX_RANK];
      random_bcast_shapes(ra, rb, da, db);
      const char *op = ops[k++ % (sizeof ops / sizeof ops[0])];
      binary_case(op, 13, CLIQ_DTYPE_FLOAT32, ra, da, rb, db, (ra + rb) % 3 == 0);
    }
  /* ranks 6..8 */
  for (int r = 6; r <= 8; r++) {
    int64_t da[CLIQ_MAX_RANK], db[CLIQ_MAX_RANK];
    random_bcast_shapes(r, r - 3, da, db);
    binary_case("Mul", 13, CLIQ_DTYPE_FLOAT32, r, da, r - 3, db, false);
    random_bcast_shapes(r - 2, r, da, db);
    binary_case("Sub", 13, CLIQ_DTYPE_FLOAT32, r - 2, da, r, db, false);
  }
  /* every op on the fast paths: same shape, scalar each side, per-channel (1,C,1,1) and (C,1,1) */
  static const char *all[] = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu", "Equal", "Less", "LessOrEqual",
                              "Greater", "GreaterOrEqual"};
  static const int64_t x[4] = {2, 17, 7, 13}, pc4[4] = {1, 17, 1, 1}, pc3[3] = {17, 1, 1}, sc[1] = {1}, odd[4] = {1, 17, 1, 33};
  for (size_t o = 0; o < sizeof all / sizeof all[0]; o++) {
    bool prelu = !strcmp(all[o], "PRelu");
    binary_case(all[o], 16, CLIQ_DTYPE_FLOAT32, 4, x, 4, x, false);
    binary_case(all[o], 16, CLIQ_DTYPE_FLOAT32, 4, x, 0, sc, o % 2 == 0);
    binary_case(all[o], 16, CLIQ_DTYPE_FLOAT32, 4, x, 4, pc4, true);
    binary_case(all[o], 16, CLIQ_DTYPE_FLOAT32, 4, x, 3, pc3, false);
    if (!prelu) {
      binary_case(all[o], 16, CLIQ_DTYPE_FLOAT32, 0, sc, 4, x, false);
      binary_case(all[o], 16, CLIQ_DTYPE_FLOAT32, 4, pc4, 4, x, false);
      binary_case(all[o], 16, CLIQ_DTYPE_FLOAT32, 4, odd, 4, pc4, false);
    }
  }
}

static void test_binary_int(void) {
  printf("-- binary ops on int32/int64/int8/uint8/bool\n");
  static const char *ops[] = {"Add", "Sub", "Mul", "Div", "Max", "Min", "Equal", "Greater", "Less"};
  static const cliq_dtype dts[] = {CLIQ_DTYPE_INT64, CLIQ_DTYPE_INT32};
  static const int64_t x[3] = {3, 7, 5}, pc[3] = {1, 7, 1}, sc[1] = {1}, row[1] = {5};
  for (size_t d = 0; d < 2; d++)
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
      bool ref_only = d == 1 && o % 3 != 0; /* int32 shares int64's code: a third of the ops on the device */
      binary_case_on(ops[o], 13, dts[d], 3, x, 3, x, false, ref_only);
      binary_case_on(ops[o], 13, dts[d], 3, x, 3, pc, o % 2 == 1, ref_only);
      binary_case_on(ops[o], 13, dts[d], 3, x, 0, sc, true, ref_only);
      binary_case_on(ops[o], 13, dts[d], 1, row, 3, x, false, ref_only);
    }
  /* 8-bit arithmetic wraps; bool compares. The device builds one program per element type, so
   * to keep the test quick only one op per type runs there (the kernel source is the same). */
  static const int64_t v[2] = {4, 9};
  binary_case("Add", 14, CLIQ_DTYPE_UINT8, 2, v, 2, v, false);
  binary_case_on("Sub", 14, CLIQ_DTYPE_UINT8, 2, v, 1, v + 1, false, true);
  binary_case("Mul", 14, CLIQ_DTYPE_INT8, 2, v, 1, v + 1, false);
  binary_case_on("Add", 14, CLIQ_DTYPE_INT8, 2, v, 2, v, true, true);
  binary_case_on("Div", 14, CLIQ_DTYPE_INT8, 2, v, 2, v, false, true);
  binary_case("Equal", 13, CLIQ_DTYPE_BOOL, 2, v, 1, v + 1, false);
  binary_case("PRelu", 16, CLIQ_DTYPE_INT32, 2, v, 1, v + 1, false);
}

static void variadic_case(const char *op_type, int n_in, const int64_t dims[][4], const int *ranks, cliq_dtype dt) {
  char what[256];
  int len = snprintf(what, sizeof what, "%s %s of", op_type, cliq_dtype_name(dt));
  th_op *op = th_op_new(op_type, 13);
  cliq__tensor *in[8];
  for (int i = 0; i < n_in; i++) {
    char d[64];
    len += snprintf(what + len, sizeof what - (size_t)len, " %s", cliq__dims_str(ranks[i], dims[i], d, sizeof d));
    th_op_input(op, dt, ranks[i], dims[i]);
    in[i] = th_tensor_random(dt, ranks[i], dims[i], -9, 9);
  }
  th_op_outputs(op, 1);
  th_op_compare(op, (size_t)n_in, in, 1e-6f, 2e-6f, what);
  size_t n_out;
  cliq__tensor **out = ref_run(op, (size_t)n_in, in, &n_out, what);
  if (out) {
    const cliq__tensor *y = out[0];
    int64_t c[CLIQ_MAX_RANK];
    bool ok = true;
    for (size_t e = 0; e < cliq__tensor_elems(y) && ok; e++) {
      unflatten(e, y->rank, y->dims, c);
      double acc = cliq__tensor_get_f64(in[0], bcast_index(y->rank, c, ranks[0], dims[0]));
      for (int i = 1; i < n_in; i++) {
        double v = cliq__tensor_get_f64(in[i], bcast_index(y->rank, c, ranks[i], dims[i]));
        acc = naive_binary(op_type[0] == 'M' && op_type[1] == 'e' ? "Add" : op_type, acc, v);
        if (dt == CLIQ_DTYPE_FLOAT32) acc = (float)acc;
      }
      if (!strcmp(op_type, "Mean")) acc = (float)(acc / n_in);
      double got = cliq__tensor_get_f64(y, e);
      if (!(fabs(got - acc) <= 1e-6 * (1 + fabs(acc))))
        ok = TH_CHECK(false, "%s: reference element %zu: got %.9g, want %.9g", what, e, got, acc);
    }
    if (ok) TH_CHECK(true, "%s", what);
    th_free_tensors(out, n_out);
  }
  for (int i = 0; i < n_in; i++) cliq__tensor_free(in[i]);
  th_op_free(op);
}

static void test_variadic(void) {
  printf("-- variadic Max, Min, Sum, Mean\n");
  static const int64_t d[4][4] = {{2, 3, 4, 5}, {3, 1, 5}, {1}, {4, 1}};
  static const int r[4] = {4, 3, 0, 2};
  static const int64_t e[3][4] = {{7, 13}, {7, 13}, {7, 13}};
  static const int re[3] = {2, 2, 2};
  static const char *ops[] = {"Max", "Min", "Sum", "Mean"};
  for (int o = 0; o < 4; o++) {
    variadic_case(ops[o], 1, d, r, CLIQ_DTYPE_FLOAT32);
    variadic_case(ops[o], 2, d, r, CLIQ_DTYPE_FLOAT32);
    variadic_case(ops[o], 4, d, r, CLIQ_DTYPE_FLOAT32);
    variadic_case(ops[o], 3, e, re, CLIQ_DTYPE_FLOAT32);
    /* a smaller input first: the chain must still cover the whole output */
    static const int64_t f[3][4] = {{1}, {5, 1}, {1, 6}};
    static const int rf[3] = {1, 2, 2};
    variadic_case(ops[o], 3, f, rf, CLIQ_DTYPE_FLOAT32);
  }
  variadic_case("Max", 3, d + 1, r + 1, CLIQ_DTYPE_INT64);
  variadic_case("Min", 2, d, r, CLIQ_DTYPE_INT32);
}

static void test_unary_math(void) {
  printf("-- Neg, Abs, Sqrt, Reciprocal, Floor, Ceil\n");
  static const char *ops[] = {"Neg", "Abs", "Sqrt", "Reciprocal", "Floor", "Ceil"};
  static const int64_t shapes[][4] = {{1, 1, 1, 1}, {1, 3, 7, 13}, {2, 17, 5, 3}, {1, 1, 1, 257}};
  for (size_t o = 0; o < 6; o++)
    for (size_t s = 0; s < 4; s++) {
      th_op *op = th_op_new(ops[o], 13);
      th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, shapes[s]);
      th_op_outputs(op, 1);
      bool sq = !strcmp(ops[o], "Sqrt");
      cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, shapes[s], sq ? 0.0f : -5.0f, 5.0f);
      char what[128], d[64];
      snprintf(what, sizeof what, "%s %s", ops[o], cliq__dims_str(4, shapes[s], d, sizeof d));
      th_op_compare(op, 1, &x, 0, 1e-6f, what);
      size_t n_out;
      cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
      if (out) {
        bool ok = true;
        for (size_t i = 0; i < cliq__tensor_elems(x) && ok; i++) {
          float v = ((float *)x->data)[i], g = ((float *)out[0]->data)[i], w;
          switch (o) {
          case 0: w = -v; break;
          case 1: w = v < 0 ? -v : v; break;
          case 2: w = (float)sqrt(v); break;
          case 3: w = 1.0f / v; break;
          case 4: w = (float)floor(v); break;
          default: w = (float)ceil(v); break;
          }
          if (g != w) ok = TH_CHECK(false, "%s: reference element %zu: got %.9g, want %.9g", what, i, g, w);
        }
        if (ok) TH_CHECK(true, "%s reference", what);
        th_free_tensors(out, n_out);
      }
      cliq__tensor_free(x);
      th_op_free(op);
    }
  /* integer Neg/Abs on the device and reference */
  static const int64_t d5[1] = {37};
  for (int o = 0; o < 2; o++) {
    th_op *op = th_op_new(ops[o], 13);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, d5);
    th_op_outputs(op, 1);
    cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_INT64, 1, d5, -100, 100);
    th_op_compare(op, 1, &x, 0, 0, o ? "Abs int64" : "Neg int64");
    cliq__tensor_free(x);
    th_op_free(op);
  }
}

/* Cases written from the ONNX operator docs (the examples of each op's page). */
static void test_binary_examples(void) {
  printf("-- hand-checked elementwise cases (ONNX docs)\n");
  size_t n_out;
  cliq__tensor **out;
  { /* Div on int64 truncates toward zero; numpy gives 0 for a zero divisor */
    int64_t d[1] = {6};
    int64_t av[6] = {7, -7, 7, -7, 5, INT64_MIN}, bv[6] = {2, 2, -2, -2, 0, -1}, want[6] = {3, -3, -3, 3, 0, INT64_MIN};
    cliq__tensor *a = tensor_i64(1, d, av), *b = tensor_i64(1, d, bv);
    th_op *op = th_op_new("Div", 14);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, d);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, d);
    th_op_outputs(op, 1);
    cliq__tensor *in[2] = {a, b};
    if ((out = ref_run(op, 2, in, &n_out, "Div int64"))) expect_i64("Div int64 truncates", out[0], 1, d, want), th_free_tensors(out, n_out);
    th_op_compare(op, 2, in, 0, 0, "Div int64 truncation on the device");
    th_op_free(op);
    cliq__tensor_free(a), cliq__tensor_free(b);
  }
  { /* Add: [2,3] + [3] broadcast */
    int64_t da[2] = {2, 3}, db[1] = {3};
    float av[6] = {1, 2, 3, 4, 5, 6}, bv[3] = {10, 20, 30}, want[6] = {11, 22, 33, 14, 25, 36};
    cliq__tensor *a = tensor_f32(2, da, av), *b = tensor_f32(1, db, bv);
    th_op *op = th_op_new("Add", 14);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, da);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, db);
    th_op_outputs(op, 1);
    cliq__tensor *in[2] = {a, b};
    if ((out = ref_run(op, 2, in, &n_out, "Add bcast"))) expect_f32("Add [2,3]+[3]", out[0], 2, da, want, 0), th_free_tensors(out, n_out);
    th_op_free(op);
    cliq__tensor_free(a), cliq__tensor_free(b);
  }
  { /* PRelu example: slope broadcast [5] over [3,4,5] */
    int64_t dx[3] = {1, 2, 5}, ds[1] = {5};
    float xv[10] = {-1, 2, -3, 4, -5, 0.5f, -0.5f, 0, -2, 3}, sv[5] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
    float want[10] = {-0.1f, 2, -0.9f, 4, -2.5f, 0.5f, -0.1f, 0, -0.8f, 3};
    cliq__tensor *x = tensor_f32(3, dx, xv), *s = tensor_f32(1, ds, sv);
    th_op *op = th_op_new("PRelu", 16);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 3, dx);
    th_op_const(op, s);
    th_op_outputs(op, 1);
    if ((out = ref_run(op, 1, &x, &n_out, "PRelu"))) expect_f32("PRelu example", out[0], 3, dx, want, 1e-7f), th_free_tensors(out, n_out);
    th_op_free(op);
    cliq__tensor_free(x), cliq__tensor_free(s);
  }
  { /* Pow: int32 base, float exponent (opset 15 types): [1,2,3]^[4,5,6] = [1,32,729] */
    int64_t d[1] = {3};
    cliq__tensor *a = th_tensor(CLIQ_DTYPE_INT32, 1, d), *b = tensor_f32(1, d, (float[]){4, 5, 6});
    ((int32_t *)a->data)[0] = 1, ((int32_t *)a->data)[1] = 2, ((int32_t *)a->data)[2] = 3;
    th_op *op = th_op_new("Pow", 15);
    th_op_input(op, CLIQ_DTYPE_INT32, 1, d);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, d);
    th_op_outputs(op, 1);
    cliq__tensor *in[2] = {a, b};
    int64_t want[3] = {1, 32, 729};
    if ((out = ref_run(op, 2, in, &n_out, "Pow int32^float"))) {
      TH_CHECK(out[0]->dtype == CLIQ_DTYPE_INT32, "Pow int32^float keeps the base type");
      expect_i64("Pow int32^float", out[0], 1, d, want);
      th_free_tensors(out, n_out);
    }
    th_op_free(op);
    cliq__tensor_free(a), cliq__tensor_free(b);
  }
  { /* Pow: float base, constant int64 exponent, on the device */
    int64_t d[2] = {3, 5}, de[1] = {1};
    cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 2, d, -3, 3), *e = tensor_i64(1, de, (int64_t[]){3});
    th_op *op = th_op_new("Pow", 15);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, d);
    th_op_const(op, e);
    th_op_outputs(op, 1);
    th_op_compare(op, 1, &x, 1e-6f, 1e-6f, "Pow float^int64 constant (device)");
    if ((out = ref_run(op, 1, &x, &n_out, "Pow float^3"))) {
      float want[15];
      for (int i = 0; i < 15; i++) want[i] = (float)pow(((float *)x->data)[i], 3.0);
      expect_f32("Pow float^3", out[0], 2, d, want, 1e-6f);
      th_free_tensors(out, n_out);
    }
    th_op_free(op);
    cliq__tensor_free(x), cliq__tensor_free(e);
  }
  { /* Mean of three: [3,0,2], [1,3,4], [2,6,6] -> [2,3,4]; Max/Min/Sum of the same */
    int64_t d[1] = {3};
    float v[3][3] = {{3, 0, 2}, {1, 3, 4}, {2, 6, 6}};
    const char *ops[4] = {"Mean", "Max", "Min", "Sum"};
    float want[4][3] = {{2, 3, 4}, {3, 6, 6}, {1, 0, 2}, {6, 9, 12}};
    cliq__tensor *in[3] = {tensor_f32(1, d, v[0]), tensor_f32(1, d, v[1]), tensor_f32(1, d, v[2])};
    for (int o = 0; o < 4; o++) {
      th_op *op = th_op_new(ops[o], 13);
      for (int i = 0; i < 3; i++) th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, d);
      th_op_outputs(op, 1);
      if ((out = ref_run(op, 3, in, &n_out, ops[o]))) expect_f32(ops[o], out[0], 1, d, want[o], 0), th_free_tensors(out, n_out);
      th_op_free(op);
    }
    for (int i = 0; i < 3; i++) cliq__tensor_free(in[i]);
  }
  { /* Equal on int64 [1,2,3] vs [3,2,1] -> [F,T,F], output bool */
    int64_t d[1] = {3};
    cliq__tensor *a = tensor_i64(1, d, (int64_t[]){1, 2, 3}), *b = tensor_i64(1, d, (int64_t[]){3, 2, 1});
    th_op *op = th_op_new("Equal", 13);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, d);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, d);
    th_op_outputs(op, 1);
    cliq__tensor *in[2] = {a, b};
    int64_t want[3] = {0, 1, 0};
    if ((out = ref_run(op, 2, in, &n_out, "Equal"))) {
      TH_CHECK(out[0]->dtype == CLIQ_DTYPE_BOOL, "Equal outputs bool");
      expect_i64("Equal int64", out[0], 1, d, want);
      th_free_tensors(out, n_out);
    }
    th_op_free(op);
    cliq__tensor_free(a), cliq__tensor_free(b);
  }
  { /* int64 shape arithmetic, folded at load: Mul(Div([1,3,240,320], 2), [1,1,2,2]) */
    int64_t d[1] = {4};
    cliq__tensor *a = tensor_i64(1, d, (int64_t[]){1, 3, 240, 320}), *b = tensor_i64(0, d, (int64_t[]){2});
    th_op *op = th_op_new("Div", 13);
    th_op_const(op, a);
    th_op_const(op, b);
    th_op_outputs(op, 1);
    int64_t want[4] = {0, 1, 120, 160};
    if ((out = ref_run(op, 0, NULL, &n_out, "Div folded"))) expect_i64("Div int64 constants folded", out[0], 1, d, want), th_free_tensors(out, n_out);
    th_op_free(op);
    cliq__tensor_free(a), cliq__tensor_free(b);
  }
  { /* Pow of every type pair on the device: integer base and exponent are exact (3^20 needs more
     * than float's 24 bits), an integer base with a float exponent truncates powf */
    static const cliq_dtype pdt[3] = {CLIQ_DTYPE_FLOAT32, CLIQ_DTYPE_INT32, CLIQ_DTYPE_INT64};
    int64_t d[1] = {5};
    for (int ia = 0; ia < 3; ia++)
      for (int ib = 0; ib < 3; ib++) {
        cliq__tensor *a = th_tensor(pdt[ia], 1, d), *b = th_tensor(pdt[ib], 1, d);
        double av[5] = {3, -2, 2, 1.5, -1}, bv[5] = {20, 3, -1, 2, 7};
        int64_t want_i[5] = {3486784401LL, -8, 0, 1, -1}; /* int^int, with 1.5 truncated to 1 */
        for (int i = 0; i < 5; i++) {
          if (pdt[ia] == CLIQ_DTYPE_FLOAT32) ((float *)a->data)[i] = (float)av[i];
          else set_int(a, (size_t)i, (int64_t)av[i]);
          if (pdt[ib] == CLIQ_DTYPE_FLOAT32) ((float *)b->data)[i] = (float)bv[i];
          else set_int(b, (size_t)i, (int64_t)bv[i]);
        }
        th_op *op = th_op_new("Pow", 15);
        th_op_input(op, pdt[ia], 1, d);
        th_op_input(op, pdt[ib], 1, d);
        th_op_outputs(op, 1);
        cliq__tensor *in[2] = {a, b};
        char what[96];
        snprintf(what, sizeof what, "Pow %s^%s", cliq_dtype_name(pdt[ia]), cliq_dtype_name(pdt[ib]));
        /* each mixed pair is a program of its own: the device runs one pair of each kind */
        bool on_device = ia == ib || (ia == 0 && ib == 2) || (ia == 1 && ib == 0) || (ia == 2 && ib == 1);
        if (on_device) th_op_compare(op, 2, in, 0, 2e-7f, what);
        if ((out = ref_run(op, 2, in, &n_out, what))) {
          bool ok = out[0]->dtype == pdt[ia];
          for (int i = 0; i < 5 && ok; i++) {
            double g = cliq__tensor_get_f64(out[0], (size_t)i);
            double w = pdt[ia] == CLIQ_DTYPE_FLOAT32 ? (double)powf((float)av[i], (float)bv[i])
                       : pdt[ib] != CLIQ_DTYPE_FLOAT32 ? (double)(pdt[ia] == CLIQ_DTYPE_INT32 ? (int32_t)want_i[i] : want_i[i])
                                                      : (double)wrap_int(pdt[ia], (int64_t)powf((float)(int64_t)av[i], (float)bv[i]));
            ok = g == w || fabs(g - w) <= 1e-6 * fabs(w);
            if (!ok) TH_CHECK(false, "%s: element %d: got %.17g, want %.17g", what, i, g, w);
          }
          if (ok) TH_CHECK(true, "%s reference", what);
          th_free_tensors(out, n_out);
        }
        th_op_free(op);
        cliq__tensor_free(a), cliq__tensor_free(b);
      }
  }
  { /* opset 6: broadcast=1 with axis aligns B at that axis; PRelu-6 takes a per-channel slope */
    int64_t da[4] = {2, 3, 4, 5}, db[2] = {3, 4}, dc[1] = {3};
    cliq__tensor *a = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, da, -2, 2), *b = th_tensor_random(CLIQ_DTYPE_FLOAT32, 2, db, -2, 2);
    cliq__tensor *c = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, dc, 0, 1);
    th_op *op = th_op_new("Sub", 6);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, da);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, db);
    cliq__node_set_int(th_op_node(op), "broadcast", 1);
    cliq__node_set_int(th_op_node(op), "axis", 1);
    th_op_outputs(op, 1);
    cliq__tensor *in[2] = {a, b};
    th_op_compare(op, 2, in, 0, 0, "Sub-6 broadcast=1 axis=1 [2,3,4,5]-[3,4]");
    if ((out = ref_run(op, 2, in, &n_out, "Sub-6 axis"))) {
      float want[120];
      for (int i = 0; i < 120; i++) want[i] = ((float *)a->data)[i] - ((float *)b->data)[(i / 5) % 12];
      expect_f32("Sub-6 broadcast=1 axis=1", out[0], 4, da, want, 0);
      th_free_tensors(out, n_out);
    }
    th_op_free(op);
    op = th_op_new("PRelu", 6);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, da);
    th_op_const(op, c);
    th_op_outputs(op, 1);
    th_op_compare(op, 1, &a, 0, 0, "PRelu-6 slope [3] on [2,3,4,5]");
    if ((out = ref_run(op, 1, &a, &n_out, "PRelu-6"))) {
      float want[120];
      for (int i = 0; i < 120; i++) {
        float x = ((float *)a->data)[i];
        want[i] = x < 0 ? x * ((float *)c->data)[(i / 20) % 3] : x;
      }
      expect_f32("PRelu-6 per-channel slope", out[0], 4, da, want, 0);
      th_free_tensors(out, n_out);
    }
    th_op_free(op);
    op = th_op_new("Add", 6);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, da);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, db);
    cliq__node_set_int(th_op_node(op), "broadcast", 1);
    cliq__node_set_int(th_op_node(op), "axis", 3);
    th_op_outputs(op, 1);
    expect_reject(op, 2, in, CLIQ_STATUS_INVALID_MODEL, "Add-6 axis=3 puts B [3,4] past A's rank");
    th_op_free(op);
    op = th_op_new("Add", 7);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, da);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, db);
    cliq__node_set_int(th_op_node(op), "broadcast", 1);
    th_op_outputs(op, 1);
    expect_reject(op, 2, in, CLIQ_STATUS_UNSUPPORTED, "Add-7 with the opset-6 attribute broadcast");
    th_op_free(op);
    cliq__tensor_free(a), cliq__tensor_free(b), cliq__tensor_free(c);
  }
  { /* rejections */
    int64_t d3[1] = {3}, d4[1] = {4}, dx[4] = {1, 3, 4, 4}, ds[1] = {3};
    th_op *op = th_op_new("Add", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, d3);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, d4);
    th_op_outputs(op, 1);
    cliq__tensor *in[2] = {th_tensor(CLIQ_DTYPE_FLOAT32, 1, d3), th_tensor(CLIQ_DTYPE_FLOAT32, 1, d4)};
    expect_reject(op, 2, in, CLIQ_STATUS_SHAPE_MISMATCH, "Add [3]+[4] does not broadcast");
    th_op_free(op);
    cliq__tensor_free(in[0]), cliq__tensor_free(in[1]);
    op = th_op_new("Add", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, d3);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, d3);
    th_op_outputs(op, 1);
    in[0] = th_tensor(CLIQ_DTYPE_FLOAT32, 1, d3), in[1] = th_tensor(CLIQ_DTYPE_INT64, 1, d3);
    expect_reject(op, 2, in, CLIQ_STATUS_INVALID_MODEL, "Add float32+int64");
    th_op_free(op);
    cliq__tensor_free(in[0]), cliq__tensor_free(in[1]);
    op = th_op_new("PRelu", 16); /* a [3] slope aligns with W=4, not C: not unidirectional */
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, dx);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, ds);
    th_op_outputs(op, 1);
    in[0] = th_tensor(CLIQ_DTYPE_FLOAT32, 4, dx), in[1] = th_tensor(CLIQ_DTYPE_FLOAT32, 1, ds);
    expect_reject(op, 2, in, CLIQ_STATUS_SHAPE_MISMATCH, "PRelu slope [3] on [1,3,4,4]");
    th_op_free(op);
    cliq__tensor_free(in[0]), cliq__tensor_free(in[1]);
    op = th_op_new("Sqrt", 13);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, d3);
    th_op_outputs(op, 1);
    in[0] = th_tensor(CLIQ_DTYPE_INT64, 1, d3);
    expect_reject(op, 1, in, CLIQ_STATUS_UNSUPPORTED, "Sqrt on int64");
    th_op_free(op);
    cliq__tensor_free(in[0]);
  }
}

/* ---------------------------------------------------------------------------------------------
 * pooling
 * ------------------------------------------------------------------------------------------- */

typedef struct pool_cfg {
  const char *op;
  int nsp;
  int64_t k[3], s[3], d[3], pads[6];
  const char *auto_pad; /* NULL: NOTSET */
  int ceil_mode, count_include_pad, has_dil;
} pool_cfg;

static void pool_attrs(th_op *op, const pool_cfg *c) {
  cliq__node *n = th_op_node(op);
  cliq__node_set_ints(n, "kernel_shape", c->k, (size_t)c->nsp);
  cliq__node_set_ints(n, "strides", c->s, (size_t)c->nsp);
  if (c->has_dil) cliq__node_set_ints(n, "dilations", c->d, (size_t)c->nsp);
  if (c->auto_pad)
    cliq__node_set_string(n, "auto_pad", c->auto_pad);
  else
    cliq__node_set_ints(n, "pads", c->pads, 2 * (size_t)c->nsp);
  if (c->ceil_mode) cliq__node_set_int(n, "ceil_mode", 1);
  if (!strcmp(c->op, "AveragePool") && c->count_include_pad) cliq__node_set_int(n, "count_include_pad", 1);
}

/* Output size straight from the ONNX docs (and ONNX Runtime's ceil_mode rule), written
 * independently of host/ops/pool.c. */
static int64_t naive_pool_out(const pool_cfg *c, int i, int64_t in, int64_t *pb, int64_t *pe) {
  int64_t ext = c->d[i] * (c->k[i] - 1) + 1;
  if (c->auto_pad && strncmp(c->auto_pad, "SAME", 4) == 0) {
    int64_t o = (int64_t)ceil((double)in / (double)c->s[i]);
    int64_t total = (o - 1) * c->s[i] + ext - in;
    if (total < 0) total = 0;
    *pb = strcmp(c->auto_pad, "SAME_UPPER") == 0 ? total / 2 : (total + 1) / 2;
    *pe = total - *pb;
    return o;
  }
  *pb = c->auto_pad ? 0 : c->pads[i];
  *pe = c->auto_pad ? 0 : c->pads[c->nsp + i];
  double q = (double)(in + *pb + *pe - ext) / (double)c->s[i];
  int64_t o = (int64_t)(c->ceil_mode ? ceil(q) : floor(q)) + 1;
  if (c->ceil_mode && (o - 1) * c->s[i] >= in + *pb) o--;
  return o;
}

/* Naive N-d pooling: for every output, every tap of the window (per-element index math). */
static void naive_pool(const pool_cfg *c, const cliq__tensor *x, const int64_t *odims, double *y) {
  int nsp = c->nsp;
  int64_t pb[3], pe[3];
  for (int i = 0; i < nsp; i++) naive_pool_out(c, i, x->dims[2 + i], &pb[i], &pe[i]);
  size_t n_out = 1;
  for (int i = 0; i < 2 + nsp; i++) n_out *= (size_t)odims[i];
  bool mx = !strcmp(c->op, "MaxPool");
  for (size_t e = 0; e < n_out; e++) {
    int64_t oc[5], ic[5];
    unflatten(e, 2 + nsp, odims, oc);
    size_t taps = 1;
    for (int i = 0; i < nsp; i++) taps *= (size_t)c->k[i];
    double acc = mx ? -FLT_MAX : 0.0;
    int64_t count = 0, count_pad = 0;
    for (size_t t = 0; t < taps; t++) {
      int64_t tc[3];
      unflatten(t, nsp, c->k, tc);
      bool inside = true, in_padded = true;
      ic[0] = oc[0], ic[1] = oc[1];
      for (int i = 0; i < nsp; i++) {
        int64_t pos = oc[2 + i] * c->s[i] - pb[i] + tc[i] * c->d[i];
        ic[2 + i] = pos;
        if (pos < 0 || pos >= x->dims[2 + i]) inside = false;
        if (pos >= x->dims[2 + i] + pe[i]) in_padded = false;
      }
      count_pad += in_padded;
      if (!inside) continue;
      size_t idx = 0;
      for (int i = 0; i < 2 + nsp; i++) idx = idx * (size_t)x->dims[i] + (size_t)ic[i];
      double v = cliq__tensor_get_f64(x, idx);
      count++;
      if (mx)
        acc = v > acc ? v : acc;
      else
        acc += v;
    }
    y[e] = mx ? acc : acc / (double)(c->count_include_pad ? count_pad : count);
  }
}

static void pool_case(const pool_cfg *c, int64_t n, int64_t ch, const int64_t *sp, cliq_dtype dt) {
  int64_t dims[5] = {n, ch, sp[0], sp[1], sp[2]};
  int rank = 2 + c->nsp;
  char what[320], d0[64];
  int len = snprintf(what, sizeof what, "%s %s %s k", c->op, cliq_dtype_name(dt), cliq__dims_str(rank, dims, d0, sizeof d0));
  for (int i = 0; i < c->nsp; i++) len += snprintf(what + len, sizeof what - (size_t)len, "%s%lld", i ? "x" : "", (long long)c->k[i]);
  len += snprintf(what + len, sizeof what - (size_t)len, " s%lld d%lld %s%s%s", (long long)c->s[0], (long long)c->d[0],
                  c->auto_pad ? c->auto_pad : "pads", c->ceil_mode ? " ceil" : "", c->count_include_pad ? " incl_pad" : "");
  if (!c->auto_pad)
    for (int i = 0; i < 2 * c->nsp; i++) len += snprintf(what + len, sizeof what - (size_t)len, "%s%lld", i ? "," : "=", (long long)c->pads[i]);
  th_op *op = th_op_new(c->op, 19);
  th_op_input(op, dt, rank, dims);
  pool_attrs(op, c);
  th_op_outputs(op, 1);
  cliq__tensor *x = dt == CLIQ_DTYPE_FLOAT32 ? th_tensor_random(dt, rank, dims, -3, 3)
                                             : th_tensor_random(dt, rank, dims, dt == CLIQ_DTYPE_INT8 ? -128 : 0, dt == CLIQ_DTYPE_INT8 ? 127 : 255);
  th_op_compare(op, 1, &x, 1e-6f, 1e-6f, what);
  /* reference vs the naive formula */
  size_t n_out;
  cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
  if (out) {
    int64_t od[5] = {n, ch};
    int64_t pb, pe;
    for (int i = 0; i < c->nsp; i++) od[2 + i] = naive_pool_out(c, i, dims[2 + i], &pb, &pe);
    if (TH_CHECK(out[0]->rank == rank && memcmp(out[0]->dims, od, sizeof(int64_t) * (size_t)rank) == 0,
                 "%s: output shape %s, want %s", what, cliq__dims_str(out[0]->rank, out[0]->dims, d0, sizeof d0),
                 cliq__dims_str(rank, od, (char[64]){0}, 64))) {
      size_t ne = cliq__tensor_elems(out[0]);
      double *want = malloc((ne + 1) * sizeof(double));
      naive_pool(c, x, od, want);
      bool ok = true;
      for (size_t e = 0; e < ne && ok; e++) {
        double g = cliq__tensor_get_f64(out[0], e);
        if (dt != CLIQ_DTYPE_FLOAT32 && want[e] == -FLT_MAX) want[e] = dt == CLIQ_DTYPE_INT8 ? -128 : 0;
        if (!(fabs(g - want[e]) <= 1e-5 * (1 + fabs(want[e]))))
          ok = TH_CHECK(false, "%s: reference element %zu: got %.9g, want %.9g", what, e, g, want[e]);
      }
      if (ok) TH_CHECK(true, "%s reference", what);
      free(want);
    }
    th_free_tensors(out, n_out);
  }
  cliq__tensor_free(x);
  th_op_free(op);
}

static void test_pool(void) {
  printf("-- MaxPool / AveragePool\n");
  static const int64_t chans[] = {1, 3, 4, 7, 8, 13, 16, 17};
  static const char *aps[] = {NULL, NULL, "SAME_UPPER", "SAME_LOWER", "VALID"};
  int ci = 0;
  for (int o = 0; o < 2; o++)
    for (int ap = 0; ap < 5; ap++)
      for (int k = 1; k <= 3; k++)
        for (int s = 1; s <= 3; s++) {
          pool_cfg c = {o ? "AveragePool" : "MaxPool", 2, {k, k == 3 ? 2 : k}, {s, s == 3 ? 1 : s}, {1, 1}, {0}, aps[ap], 0, 0, 0};
          if (ap == 1) { /* asymmetric explicit pads, below the kernel size */
            c.pads[0] = k > 1 ? 1 : 0, c.pads[1] = 0, c.pads[2] = k > 2 ? 2 : 0, c.pads[3] = k > 1 ? 1 : 0;
          }
          c.ceil_mode = (k + s + ap) % 2;
          c.count_include_pad = o && (k + s) % 2 == 0;
          if (!aps[ap] && k > 1 && s == 2) c.has_dil = 1, c.d[0] = 2, c.d[1] = 1 + (k == 2);
          int64_t sp[3] = {k + 6 + s, 13 - k, 1};
          pool_case(&c, ci % 3 == 0 ? 2 : 1, chans[ci % 8], sp, CLIQ_DTYPE_FLOAT32);
          ci++;
        }
  /* the shapes of the real models: 2x2 s2 (yunet, blazeface, mnist's 2x2 and 3x3 s3), 3x3 s2 p1 */
  pool_cfg mp22 = {"MaxPool", 2, {2, 2}, {2, 2}, {1, 1}, {0}, NULL, 0, 0, 0};
  pool_case(&mp22, 1, 16, (int64_t[]){80, 80, 1}, CLIQ_DTYPE_FLOAT32);
  pool_cfg mp33 = {"MaxPool", 2, {3, 3}, {3, 3}, {1, 1}, {0}, NULL, 0, 0, 0};
  pool_case(&mp33, 1, 16, (int64_t[]){14, 14, 1}, CLIQ_DTYPE_FLOAT32);
  pool_cfg mp3 = {"MaxPool", 2, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, NULL, 0, 0, 0};
  pool_case(&mp3, 1, 8, (int64_t[]){57, 31, 1}, CLIQ_DTYPE_FLOAT32);
  /* int8 / uint8 MaxPool (the int8 graph's), compared exactly */
  pool_case(&mp3, 1, 17, (int64_t[]){13, 9, 1}, CLIQ_DTYPE_INT8);
  pool_case(&mp22, 2, 3, (int64_t[]){7, 8, 1}, CLIQ_DTYPE_UINT8);
  pool_cfg mpsame = {"MaxPool", 2, {3, 2}, {2, 1}, {1, 1}, {0}, "SAME_LOWER", 1, 0, 0};
  pool_case(&mpsame, 1, 4, (int64_t[]){9, 6, 1}, CLIQ_DTYPE_INT8);
  /* 1-D and 3-D */
  for (int o = 0; o < 2; o++) {
    pool_cfg c1 = {o ? "AveragePool" : "MaxPool", 1, {3}, {2}, {1}, {1, 1}, NULL, 1, o, 0};
    pool_case(&c1, 2, 3, (int64_t[]){17, 1, 1}, CLIQ_DTYPE_FLOAT32);
    pool_cfg c3 = {o ? "AveragePool" : "MaxPool", 3, {2, 3, 2}, {2, 1, 2}, {1, 2, 1}, {1, 0, 1, 0, 1, 1}, NULL, 1, 1, 1};
    pool_case(&c3, 1, 3, (int64_t[]){5, 8, 7}, CLIQ_DTYPE_FLOAT32);
    pool_cfg c3s = {o ? "AveragePool" : "MaxPool", 3, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {0}, "SAME_UPPER", 0, 0, 0};
    pool_case(&c3s, 1, 2, (int64_t[]){4, 5, 6}, CLIQ_DTYPE_FLOAT32);
  }
  pool_cfg c1i = {"MaxPool", 1, {2}, {2}, {1}, {0, 1}, NULL, 0, 0, 0};
  pool_case(&c1i, 1, 5, (int64_t[]){9, 1, 1}, CLIQ_DTYPE_INT8);
  /* rows wide enough for the vector path (8 outputs per work-item, stride 1 and 2 along W) next
   * to its scalar borders */
  pool_cfg v1 = {"MaxPool", 2, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 0, 0, 0};
  pool_case(&v1, 1, 5, (int64_t[]){9, 45, 1}, CLIQ_DTYPE_INT8);
  pool_cfg v2 = {"MaxPool", 2, {2, 2}, {2, 2}, {1, 1}, {0}, NULL, 0, 0, 0};
  pool_case(&v2, 1, 3, (int64_t[]){6, 50, 1}, CLIQ_DTYPE_UINT8);
  pool_cfg v3 = {"AveragePool", 2, {3, 2}, {2, 2}, {1, 2}, {1, 1, 1, 0}, NULL, 1, 1, 1};
  pool_case(&v3, 1, 4, (int64_t[]){7, 51, 1}, CLIQ_DTYPE_FLOAT32);
  pool_cfg v4 = {"AveragePool", 2, {2, 3}, {1, 1}, {1, 1}, {0, 1, 1, 1}, NULL, 0, 0, 0};
  pool_case(&v4, 2, 3, (int64_t[]){5, 40, 1}, CLIQ_DTYPE_FLOAT32);
  pool_cfg v5 = {"MaxPool", 1, {3}, {2}, {2}, {2, 1}, NULL, 1, 0, 1};
  pool_case(&v5, 1, 7, (int64_t[]){61, 1, 1}, CLIQ_DTYPE_FLOAT32);
  /* rows of more than POOL_ITEM_OUTPUTS (256 on CPUs) outputs split into pieces, each with its own
   * vector span and overlapping last vector; then every piece one vector wide (the GPU split) */
  pool_case(&v1, 1, 3, (int64_t[]){4, 301, 1}, CLIQ_DTYPE_INT8);
  pool_case(&v1, 1, 2, (int64_t[]){5, 530, 1}, CLIQ_DTYPE_FLOAT32);
  pool_case(&v2, 1, 2, (int64_t[]){3, 1061, 1}, CLIQ_DTYPE_INT8);
  pool_case(&v3, 1, 2, (int64_t[]){4, 777, 1}, CLIQ_DTYPE_FLOAT32);
  const char *tune = getenv("CLIQ_TUNE");
  char *saved = tune ? strdup(tune) : NULL;
  for (int item = 1; item <= 16; item += 15) {
    char t[64];
    snprintf(t, sizeof t, "POOL_ITEM_OUTPUTS=%d", item);
    setenv("CLIQ_TUNE", t, 1);
    printf("with CLIQ_TUNE=%s:\n", t);
    pool_case(&v1, 1, 3, (int64_t[]){5, 45, 1}, CLIQ_DTYPE_INT8);
    pool_case(&v2, 1, 2, (int64_t[]){4, 70, 1}, CLIQ_DTYPE_FLOAT32);
    pool_case(&v4, 1, 2, (int64_t[]){5, 40, 1}, CLIQ_DTYPE_FLOAT32);
    pool_cfg m3 = {"MaxPool", 3, {2, 3, 3}, {1, 2, 1}, {1, 1, 1}, {1, 0, 1, 0, 1, 1}, NULL, 1, 0, 0};
    pool_case(&m3, 1, 2, (int64_t[]){4, 5, 37}, CLIQ_DTYPE_UINT8);
  }
  if (saved) setenv("CLIQ_TUNE", saved, 1);
  else unsetenv("CLIQ_TUNE");
  free(saved);
}

static void test_pool_examples(void) {
  printf("-- hand-checked pooling cases (ONNX docs)\n");
  size_t n_out;
  cliq__tensor **out;
  int64_t d[4] = {1, 1, 4, 4};
  float xv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  cliq__tensor *x = tensor_f32(4, d, xv);
  { /* maxpool_2d_strides-like: 2x2 s2 -> [[6,8],[14,16]] */
    th_op *op = th_op_new("MaxPool", 12);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    pool_cfg c = {"MaxPool", 2, {2, 2}, {2, 2}, {1, 1}, {0}, NULL, 0, 0, 0};
    pool_attrs(op, &c);
    th_op_outputs(op, 1);
    int64_t od[4] = {1, 1, 2, 2};
    if ((out = ref_run(op, 1, &x, &n_out, "MaxPool 2x2"))) expect_f32("MaxPool 2x2 s2", out[0], 4, od, (float[]){6, 8, 14, 16}, 0), th_free_tensors(out, n_out);
    th_op_free(op);
  }
  { /* maxpool_2d_ceil: 3x3 s2 ceil on 4x4 -> [[11,12],[15,16]] */
    th_op *op = th_op_new("MaxPool", 12);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    pool_cfg c = {"MaxPool", 2, {3, 3}, {2, 2}, {1, 1}, {0}, NULL, 1, 0, 0};
    pool_attrs(op, &c);
    th_op_outputs(op, 1);
    int64_t od[4] = {1, 1, 2, 2};
    if ((out = ref_run(op, 1, &x, &n_out, "MaxPool ceil"))) expect_f32("MaxPool 3x3 s2 ceil_mode", out[0], 4, od, (float[]){11, 12, 15, 16}, 0), th_free_tensors(out, n_out);
    th_op_free(op);
  }
  { /* maxpool_2d_dilations: 2x2 d2 on 4x4 -> [[11,12],[15,16]] */
    th_op *op = th_op_new("MaxPool", 12);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    pool_cfg c = {"MaxPool", 2, {2, 2}, {1, 1}, {2, 2}, {0}, NULL, 0, 0, 1};
    pool_attrs(op, &c);
    th_op_outputs(op, 1);
    int64_t od[4] = {1, 1, 2, 2};
    if ((out = ref_run(op, 1, &x, &n_out, "MaxPool dil"))) expect_f32("MaxPool 2x2 dilation 2", out[0], 4, od, (float[]){11, 12, 15, 16}, 0), th_free_tensors(out, n_out);
    th_op_free(op);
  }
  { /* AveragePool 3x3 p1: corner averages 4 (or 9 with count_include_pad) values */
    for (int incl = 0; incl < 2; incl++) {
      th_op *op = th_op_new("AveragePool", 12);
      th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
      pool_cfg c = {"AveragePool", 2, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, NULL, 0, incl, 0};
      pool_attrs(op, &c);
      th_op_outputs(op, 1);
      int64_t od[4] = {1, 1, 2, 2};
      /* out(0,0): window rows -1..1, cols -1..1 -> 1,2,5,6; out(0,1): cols 1..3 -> 2,3,4,6,7,8;
       * out(1,0): rows 1..3, cols 0..1 -> 5,6,9,10,13,14 */
      float ex[4] = {14 / 4.0f, 30 / 6.0f, 57 / 6.0f, 99 / 9.0f}, inc[4] = {14 / 9.0f, 30 / 9.0f, 57 / 9.0f, 99 / 9.0f};
      if ((out = ref_run(op, 1, &x, &n_out, "AveragePool pads")))
        expect_f32(incl ? "AveragePool count_include_pad" : "AveragePool pads excluded", out[0], 4, od, incl ? inc : ex, 1e-6f),
            th_free_tensors(out, n_out);
      th_op_free(op);
    }
  }
  { /* GlobalAveragePool / GlobalMaxPool of the same plane */
    const char *ops[2] = {"GlobalAveragePool", "GlobalMaxPool"};
    float want[2] = {8.5f, 16};
    int64_t od[4] = {1, 1, 1, 1};
    for (int o = 0; o < 2; o++) {
      th_op *op = th_op_new(ops[o], 12);
      th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
      th_op_outputs(op, 1);
      if ((out = ref_run(op, 1, &x, &n_out, ops[o]))) expect_f32(ops[o], out[0], 4, od, &want[o], 0), th_free_tensors(out, n_out);
      th_op_free(op);
    }
  }
  { /* rejections */
    th_op *op = th_op_new("MaxPool", 12);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    pool_cfg c = {"MaxPool", 2, {2, 2}, {2, 2}, {1, 1}, {0}, NULL, 0, 0, 0};
    pool_attrs(op, &c);
    th_op_outputs(op, 2);
    expect_reject(op, 1, &x, CLIQ_STATUS_UNSUPPORTED, "MaxPool with the Indices output");
    th_op_free(op);
    op = th_op_new("MaxPool", 12);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    pool_cfg big = {"MaxPool", 2, {5, 5}, {1, 1}, {1, 1}, {0}, NULL, 0, 0, 0};
    pool_attrs(op, &big);
    th_op_outputs(op, 1);
    expect_reject(op, 1, &x, CLIQ_STATUS_SHAPE_MISMATCH, "MaxPool 5x5 window on 4x4");
    th_op_free(op);
    op = th_op_new("AveragePool", 12);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d);
    pool_attrs(op, &c);
    cliq__node_set_string(th_op_node(op), "auto_pad", "SAME");
    th_op_outputs(op, 1);
    expect_reject(op, 1, &x, CLIQ_STATUS_UNSUPPORTED, "AveragePool auto_pad=SAME");
    th_op_free(op);
  }
  cliq__tensor_free(x);
}

/* ---------------------------------------------------------------------------------------------
 * reductions and global pools
 * ------------------------------------------------------------------------------------------- */

static const char *red_ops[] = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                                "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp"};

static double naive_red_init(int o) { return o == 2 ? -INFINITY : o == 3 ? INFINITY : o == 4 ? 1.0 : 0.0; }

/* x reduced over mask (all dims when mask is 0) with op number o (red_ops): per-element loop
 * accumulating in double into the output element whose reduced coordinates are zero. */
static void naive_reduce(int o, const cliq__tensor *x, unsigned mask, bool keep, cliq__tensor **want) {
  int64_t od[CLIQ_MAX_RANK], kd[CLIQ_MAX_RANK];
  int r = 0;
  for (int i = 0; i < x->rank; i++) {
    bool red = mask & (1u << i);
    kd[i] = red ? 1 : x->dims[i];
    if (!red || keep) od[r++] = kd[i];
  }
  *want = th_tensor(CLIQ_DTYPE_FLOAT32, r, od);
  size_t n_out = cliq__tensor_elems(*want), n = cliq__tensor_elems(x);
  double *acc = malloc((n_out + 1) * sizeof(double)), *mx = malloc((n_out + 1) * sizeof(double));
  size_t *cnt = calloc(n_out + 1, sizeof(size_t));
  for (size_t e = 0; e < n_out; e++) acc[e] = naive_red_init(o), mx[e] = -INFINITY;
  int64_t c[CLIQ_MAX_RANK];
  for (int pass = 0; pass < 2; pass++)
    for (size_t e = 0; e < n; e++) {
      unflatten(e, x->rank, x->dims, c);
      size_t oi = 0;
      for (int i = 0; i < x->rank; i++) oi = oi * (size_t)kd[i] + (size_t)((mask & (1u << i)) ? 0 : c[i]);
      double v = cliq__tensor_get_f64(x, e);
      if (pass == 0) {
        mx[oi] = v > mx[oi] ? v : mx[oi];
        continue;
      }
      cnt[oi]++;
      switch (o) {
      case 2: acc[oi] = v > acc[oi] ? v : acc[oi]; break;
      case 3: acc[oi] = v < acc[oi] ? v : acc[oi]; break;
      case 4: acc[oi] *= v; break;
      case 5: case 7: acc[oi] += v * v; break;
      case 6: acc[oi] += fabs(v); break;
      case 9: acc[oi] += exp(v - mx[oi]); break;
      default: acc[oi] += v; break;
      }
    }
  for (size_t e = 0; e < n_out; e++) {
    double v = acc[e];
    if (o == 1) v /= (double)cnt[e];
    if (o == 7) v = sqrt(v);
    if (o == 8) v = log(v);
    if (o == 9) v = mx[e] + log(v);
    ((float *)(*want)->data)[e] = (float)v;
  }
  free(acc), free(mx), free(cnt);
}

/* mask: bit i reduces dim i; opset picks the attribute (< 18, < 13 for ReduceSum) or input form. */
static void reduce_case(int o, int opset, int rank, const int64_t *dims, unsigned mask, bool keep, bool neg_axes,
                        cliq_dtype dt) {
  const char *op_type = red_ops[o];
  bool input_form = opset >= (o == 0 ? 13 : 18);
  int64_t axes[CLIQ_MAX_RANK];
  size_t na = 0;
  for (int i = 0; i < rank; i++)
    if (mask & (1u << i)) axes[na++] = neg_axes ? i - rank : i;
  char what[256], d0[64];
  snprintf(what, sizeof what, "%s-%d %s %s mask 0x%x%s%s", op_type, opset, cliq_dtype_name(dt),
           cliq__dims_str(rank, dims, d0, sizeof d0), mask, keep ? " keepdims" : "", neg_axes ? " (negative axes)" : "");
  th_op *op = th_op_new(op_type, opset);
  th_op_input(op, dt, rank, dims);
  if (input_form && na) {
    int64_t da[1] = {(int64_t)na};
    cliq__tensor *t = tensor_i64(1, da, axes);
    th_op_const(op, t);
    cliq__tensor_free(t);
  } else if (na)
    cliq__node_set_ints(th_op_node(op), "axes", axes, na);
  cliq__node_set_int(th_op_node(op), "keepdims", keep);
  th_op_outputs(op, 1);
  bool pos = o == 8 || o == 4;
  cliq__tensor *x = dt == CLIQ_DTYPE_FLOAT32 ? th_tensor_random(dt, rank, dims, pos ? 0.5f : -2.0f, pos ? 1.5f : 2.0f)
                                             : th_tensor_random(dt, rank, dims, -100, 100);
  if (dt != CLIQ_DTYPE_INT64) th_op_compare(op, 1, &x, 1e-6f, 1e-5f, what);
  size_t n_out;
  cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
  if (out) {
    cliq__tensor *want;
    naive_reduce(o, x, mask ? mask : (1u << rank) - 1, keep, &want);
    if (TH_CHECK(out[0]->rank == want->rank && memcmp(out[0]->dims, want->dims, sizeof(int64_t) * (size_t)want->rank) == 0,
                 "%s: reference output shape %s", what, cliq__dims_str(out[0]->rank, out[0]->dims, d0, sizeof d0))) {
      bool ok = true;
      for (size_t e = 0; e < cliq__tensor_elems(want) && ok; e++) {
        double g = cliq__tensor_get_f64(out[0], e), w = ((float *)want->data)[e];
        if (dt == CLIQ_DTYPE_INT64) w = (double)(int64_t)w;
        if (!(fabs(g - w) <= 1e-5 * (1 + fabs(w))))
          ok = TH_CHECK(false, "%s: reference element %zu: got %.9g, want %.9g", what, e, g, w);
      }
      if (ok) TH_CHECK(true, "%s reference", what);
    }
    cliq__tensor_free(want);
    th_free_tensors(out, n_out);
  }
  cliq__tensor_free(x);
  th_op_free(op);
}

static void test_reduce(void) {
  printf("-- Reduce*\n");
  static const int64_t d4[4] = {2, 7, 5, 13}, d3[3] = {3, 17, 4}, d5[5] = {2, 1, 3, 4, 5}, d1[1] = {33}, dse[4] = {1, 16, 1, 1};
  static const unsigned masks4[] = {0, 1, 2, 4, 8, 12, 6, 9, 5, 10, 14, 15};
  for (int o = 0; o < 10; o++) {
    int old = o == 0 ? 11 : 13, neu = o == 0 ? 13 : 18;
    for (size_t m = 0; m < sizeof masks4 / sizeof masks4[0]; m++)
      reduce_case(o, (m % 2) ? neu : old, 4, d4, masks4[m], m % 3 != 0, m % 4 == 1, CLIQ_DTYPE_FLOAT32);
    reduce_case(o, neu, 3, d3, 2, true, false, CLIQ_DTYPE_FLOAT32);
    reduce_case(o, old, 5, d5, 0x15, false, true, CLIQ_DTYPE_FLOAT32);
    reduce_case(o, old, 1, d1, 1, false, false, CLIQ_DTYPE_FLOAT32);
  }
  /* SE blocks: ReduceMean over H,W of [1,C,H,W] with keepdims, and of a [1,C,1,1] */
  static const int64_t se[4] = {1, 24, 28, 28};
  reduce_case(1, 13, 4, se, 12, true, false, CLIQ_DTYPE_FLOAT32);
  reduce_case(1, 13, 4, dse, 12, true, false, CLIQ_DTYPE_FLOAT32);
  /* integer reductions (shape arithmetic: reference only) and int8 Max/Min on the device */
  reduce_case(0, 13, 3, d3, 2, false, false, CLIQ_DTYPE_INT64);
  reduce_case(4, 13, 2, (int64_t[]){3, 4}, 1, true, false, CLIQ_DTYPE_INT64);
  reduce_case(2, 13, 3, d3, 5, true, false, CLIQ_DTYPE_INT8);
  reduce_case(3, 18, 3, d3, 2, false, false, CLIQ_DTYPE_UINT8);
  { /* noop_with_empty_axes=1 with no axes: reduces each element alone (L1 gives |x|) */
    int64_t d[2] = {3, 4};
    cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 2, d, -2, 2);
    for (int o = 0; o < 10; o++) {
      th_op *op = th_op_new(red_ops[o], 18);
      th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, d);
      cliq__node_set_int(th_op_node(op), "noop_with_empty_axes", 1);
      th_op_outputs(op, 1);
      char what[96];
      snprintf(what, sizeof what, "%s noop_with_empty_axes", red_ops[o]);
      if (o != 8) th_op_compare(op, 1, &x, 1e-6f, 1e-6f, what);
      size_t n_out;
      cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
      if (out) {
        float want[12];
        for (int i = 0; i < 12; i++) {
          float v = ((float *)x->data)[i];
          want[i] = o == 5 ? v * v : (o == 6 || o == 7) ? fabsf(v) : o == 8 ? logf(v) : v;
        }
        expect_f32(what, out[0], 2, d, want, 1e-6f);
        th_free_tensors(out, n_out);
      }
      th_op_free(op);
    }
    cliq__tensor_free(x);
  }
  { /* hand-checked (ONNX docs example): ReduceSum axes=[1] keepdims=1 of [3,2,2] */
    int64_t d[3] = {3, 2, 2}, od[3] = {3, 1, 2};
    float xv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    cliq__tensor *x = tensor_f32(3, d, xv);
    th_op *op = th_op_new("ReduceSum", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 3, d);
    cliq__tensor *ax = tensor_i64(1, (int64_t[]){1}, (int64_t[]){1});
    th_op_const(op, ax);
    th_op_outputs(op, 1);
    size_t n_out;
    cliq__tensor **out = ref_run(op, 1, &x, &n_out, "ReduceSum example");
    if (out) expect_f32("ReduceSum docs example", out[0], 3, od, (float[]){4, 6, 12, 14, 20, 22}, 0), th_free_tensors(out, n_out);
    th_op_free(op);
    op = th_op_new("ReduceMean", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 3, d);
    cliq__node_set_ints(th_op_node(op), "axes", (int64_t[]){1, 2}, 2);
    cliq__node_set_int(th_op_node(op), "keepdims", 0);
    th_op_outputs(op, 1);
    if ((out = ref_run(op, 1, &x, &n_out, "ReduceMean"))) expect_f32("ReduceMean axes [1,2]", out[0], 1, d, (float[]){2.5f, 6.5f, 10.5f}, 0), th_free_tensors(out, n_out);
    th_op_free(op);
    op = th_op_new("ReduceMax", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 3, d);
    cliq__node_set_ints(th_op_node(op), "axes", (int64_t[]){1, 1}, 2);
    th_op_outputs(op, 1);
    expect_reject(op, 1, &x, CLIQ_STATUS_INVALID_MODEL, "ReduceMax with a repeated axis");
    th_op_free(op);
    op = th_op_new("ReduceMax", 18);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 3, d);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, (int64_t[]){1});
    th_op_outputs(op, 1);
    cliq__tensor *in2[2] = {x, ax};
    expect_reject(op, 2, in2, CLIQ_STATUS_UNSUPPORTED, "ReduceMax-18 with runtime axes");
    th_op_free(op);
    cliq__tensor_free(ax);
    cliq__tensor_free(x);
  }
}

static void test_global_pool(void) {
  printf("-- GlobalAveragePool / GlobalMaxPool\n");
  static const int64_t shapes[][5] = {{1, 17, 7, 7}, {2, 3, 13, 1}, {1, 1280, 7, 7}, {1, 16, 1, 1}, {1, 4, 5}, {1, 3, 2, 3, 4}, {2, 5}};
  static const int ranks[] = {4, 4, 4, 4, 3, 5, 2};
  for (int o = 0; o < 2; o++)
    for (size_t s = 0; s < sizeof ranks / sizeof ranks[0]; s++) {
      const char *op_type = o ? "GlobalMaxPool" : "GlobalAveragePool";
      for (int q = 0; q < (o ? 3 : 1); q++) {
        cliq_dtype dt = q == 0 ? CLIQ_DTYPE_FLOAT32 : q == 1 ? CLIQ_DTYPE_INT8 : CLIQ_DTYPE_UINT8;
        if (q && s % 2) continue;
        th_op *op = th_op_new(op_type, 13);
        th_op_input(op, dt, ranks[s], shapes[s]);
        th_op_outputs(op, 1);
        cliq__tensor *x = th_tensor_random(dt, ranks[s], shapes[s], q ? 0 : -3, q ? 120 : 3);
        char what[128], d0[64];
        snprintf(what, sizeof what, "%s %s %s", op_type, cliq_dtype_name(dt), cliq__dims_str(ranks[s], shapes[s], d0, sizeof d0));
        th_op_compare(op, 1, &x, 1e-6f, 1e-5f, what);
        size_t n_out;
        cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
        if (out) {
          cliq__tensor *want;
          unsigned mask = 0;
          for (int i = 2; i < ranks[s]; i++) mask |= 1u << i;
          naive_reduce(o ? 2 : 1, x, mask, true, &want);
          bool ok = true;
          for (size_t e = 0; e < cliq__tensor_elems(want) && ok; e++) {
            double g = cliq__tensor_get_f64(out[0], e), w = ((float *)want->data)[e];
            if (!(fabs(g - w) <= 1e-5 * (1 + fabs(w)))) ok = TH_CHECK(false, "%s: reference element %zu: got %.9g, want %.9g", what, e, g, w);
          }
          if (ok) TH_CHECK(true, "%s reference", what);
          cliq__tensor_free(want);
          th_free_tensors(out, n_out);
        }
        cliq__tensor_free(x);
        th_op_free(op);
      }
    }
}

/* ---------------------------------------------------------------------------------------------
 * BatchNormalization, Softmax
 * ------------------------------------------------------------------------------------------- */

static void bn_case(int opset, int rank, const int64_t *dims, bool const_stats, float eps) {
  int64_t c[1] = {dims[1]};
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, -3, 3);
  cliq__tensor *st[4];
  for (int i = 0; i < 4; i++) st[i] = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, c, i == 3 ? 0.05f : -2.0f, 2.0f);
  th_op *op = th_op_new("BatchNormalization", opset);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, rank, dims);
  for (int i = 0; i < 4; i++)
    if (const_stats)
      th_op_const(op, st[i]);
    else
      th_op_input(op, CLIQ_DTYPE_FLOAT32, 1, c);
  if (eps != 1e-5f) cliq__node_set_float(th_op_node(op), "epsilon", eps);
  th_op_outputs(op, 1);
  char what[128], d0[64];
  snprintf(what, sizeof what, "BatchNormalization-%d %s %s eps %g", opset, cliq__dims_str(rank, dims, d0, sizeof d0),
           const_stats ? "constant stats" : "runtime stats", eps);
  cliq__tensor *in[5] = {x, st[0], st[1], st[2], st[3]};
  size_t n_in = const_stats ? 1 : 5;
  th_op_compare(op, n_in, in, 1e-5f, 1e-5f, what);
  size_t n_out;
  cliq__tensor **out = ref_run(op, n_in, in, &n_out, what);
  if (out) {
    size_t n = cliq__tensor_elems(x), inner = n / (size_t)(dims[0] * dims[1]);
    float *want = malloc(n * sizeof(float));
    for (size_t e = 0; e < n; e++) {
      size_t ch = (e / inner) % (size_t)dims[1];
      const float *s = st[0]->data, *b = st[1]->data, *m = st[2]->data, *v = st[3]->data;
      want[e] = (float)((((float *)x->data)[e] - m[ch]) / sqrt((double)v[ch] + eps) * s[ch] + b[ch]);
    }
    expect_f32(what, out[0], rank, dims, want, 1e-5f);
    free(want);
    th_free_tensors(out, n_out);
  }
  for (int i = 0; i < 5; i++) cliq__tensor_free(in[i]);
  th_op_free(op);
}

static void test_batchnorm(void) {
  printf("-- BatchNormalization\n");
  static const int64_t d4[4] = {2, 17, 7, 13}, d2[2] = {3, 8}, d3[3] = {1, 13, 33}, d5[5] = {1, 3, 2, 3, 4}, d4b[4] = {1, 4, 1, 1};
  bn_case(9, 4, d4, true, 1e-5f);
  bn_case(15, 4, d4, false, 1e-3f);
  bn_case(7, 2, d2, true, 1e-5f);
  bn_case(14, 3, d3, true, 0.5f);
  bn_case(9, 5, d5, false, 1e-5f);
  bn_case(15, 4, d4b, true, 1e-5f);
  int64_t c[1] = {4};
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, 4, d4b, -1, 1), *s = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, c, 0.1f, 1);
  th_op *op = th_op_new("BatchNormalization", 15);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d4b);
  for (int i = 0; i < 4; i++) th_op_const(op, s);
  cliq__node_set_int(th_op_node(op), "training_mode", 1);
  th_op_outputs(op, 1);
  expect_reject(op, 1, &x, CLIQ_STATUS_UNSUPPORTED, "BatchNormalization training_mode=1");
  th_op_free(op);
  op = th_op_new("BatchNormalization", 15);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, 4, d4b);
  for (int i = 0; i < 3; i++) th_op_const(op, s);
  cliq__tensor *s3 = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, (int64_t[]){3}, 0.1f, 1);
  th_op_const(op, s3);
  th_op_outputs(op, 1);
  expect_reject(op, 1, &x, CLIQ_STATUS_SHAPE_MISMATCH, "BatchNormalization var of 3 channels on 4");
  th_op_free(op);
  cliq__tensor_free(x), cliq__tensor_free(s), cliq__tensor_free(s3);
}

static void softmax_case(const char *op_type, int opset, int rank, const int64_t *dims, int axis, bool has_axis, float scale) {
  th_op *op = th_op_new(op_type, opset);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, rank, dims);
  if (has_axis) cliq__node_set_int(th_op_node(op), "axis", axis);
  th_op_outputs(op, 1);
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, -scale, scale);
  char what[128], d0[64];
  snprintf(what, sizeof what, "%s-%d %s axis %s%d x%g", op_type, opset, cliq__dims_str(rank, dims, d0, sizeof d0),
           has_axis ? "" : "default ", axis, scale);
  th_op_compare(op, 1, &x, 2e-6f, 1e-5f, what);
  size_t n_out;
  cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
  if (out) {
    /* naive, in double: the normalised set is dims[a] (opset >= 13) or dims[a:] (older) */
    int a = has_axis ? (axis < 0 ? axis + rank : axis) : (opset < 13 ? 1 : rank - 1);
    size_t outer = 1, dd = 1, inner = 1;
    for (int i = 0; i < rank; i++) {
      if (i < a) outer *= (size_t)dims[i];
      else if (i == a || opset < 13) dd *= (size_t)dims[i];
      else inner *= (size_t)dims[i];
    }
    bool log_sm = !strcmp(op_type, "LogSoftmax"), ok = true;
    const float *xv = x->data, *yv = out[0]->data;
    for (size_t o = 0; o < outer && ok; o++)
      for (size_t i = 0; i < inner && ok; i++) {
        double m = -INFINITY, s = 0;
        for (size_t k = 0; k < dd; k++) m = fmax(m, xv[(o * dd + k) * inner + i]);
        for (size_t k = 0; k < dd; k++) s += exp(xv[(o * dd + k) * inner + i] - m);
        for (size_t k = 0; k < dd && ok; k++) {
          size_t e = (o * dd + k) * inner + i;
          double w = log_sm ? xv[e] - m - log(s) : exp(xv[e] - m) / s;
          if (!(fabs(yv[e] - w) <= 1e-6 + 1e-5 * fabs(w)) || yv[e] != yv[e])
            ok = TH_CHECK(false, "%s: reference element %zu: got %.9g, want %.9g", what, e, yv[e], w);
        }
      }
    if (ok) TH_CHECK(true, "%s reference", what);
    th_free_tensors(out, n_out);
  }
  cliq__tensor_free(x);
  th_op_free(op);
}

static void test_softmax(void) {
  printf("-- Softmax / LogSoftmax\n");
  static const int64_t d4[4] = {2, 3, 7, 5}, uf[3] = {1, 4420, 2}, cls[2] = {3, 1000}, d1[1] = {17};
  for (int l = 0; l < 2; l++) {
    const char *op = l ? "LogSoftmax" : "Softmax";
    for (int axis = -4; axis < 4; axis++) {
      softmax_case(op, 11, 4, d4, axis, true, 4);
      softmax_case(op, 13, 4, d4, axis, true, 4);
    }
    softmax_case(op, 11, 4, d4, 1, false, 4);
    softmax_case(op, 13, 4, d4, -1, false, 4);
    softmax_case(op, 9, 3, uf, 2, true, 6);   /* ultraface scores */
    softmax_case(op, 13, 2, cls, 1, true, 10); /* classifier head */
    softmax_case(op, 13, 1, d1, 0, true, 1000); /* large logits: the maximum is subtracted */
  }
}

/* ---------------------------------------------------------------------------------------------
 * ArgMax/ArgMin, LRN, InstanceNormalization, LayerNormalization
 * ------------------------------------------------------------------------------------------- */

static void argmax_case(const char *op_type, cliq_dtype dt, int rank, const int64_t *dims, int axis, int keep, int last,
                        bool ref_only) {
  th_op *op = th_op_new(op_type, 13);
  th_op_input(op, dt, rank, dims);
  cliq__node_set_int(th_op_node(op), "axis", axis);
  cliq__node_set_int(th_op_node(op), "keepdims", keep);
  if (last) cliq__node_set_int(th_op_node(op), "select_last_index", 1);
  th_op_outputs(op, 1);
  /* few distinct values, so ties are common */
  cliq__tensor *x = th_tensor_random(dt, rank, dims, dt == CLIQ_DTYPE_UINT8 ? 0 : -3, 3);
  if (dt == CLIQ_DTYPE_FLOAT32)
    for (size_t e = 0; e < cliq__tensor_elems(x); e++) ((float *)x->data)[e] = floorf(((float *)x->data)[e]);
  char what[160], d0[64];
  snprintf(what, sizeof what, "%s %s %s axis %d%s%s", op_type, cliq_dtype_name(dt), cliq__dims_str(rank, dims, d0, sizeof d0),
           axis, keep ? " keepdims" : "", last ? " select_last_index" : "");
  if (!ref_only) th_op_compare(op, 1, &x, 0, 0, what);
  size_t n_out;
  cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
  if (out) {
    int a = axis < 0 ? axis + rank : axis;
    bool is_min = !strcmp(op_type, "ArgMin"), ok = out[0]->dtype == CLIQ_DTYPE_INT64;
    int64_t c[CLIQ_MAX_RANK], kd[CLIQ_MAX_RANK];
    for (int i = 0; i < rank; i++) kd[i] = i == a ? 1 : dims[i];
    for (size_t e = 0; e < cliq__tensor_elems(out[0]) && ok; e++) {
      unflatten(e, rank, kd, c);
      int64_t best = -1;
      double bv = 0;
      for (int64_t k = 0; k < dims[a]; k++) {
        c[a] = k;
        size_t idx = 0;
        for (int i = 0; i < rank; i++) idx = idx * (size_t)dims[i] + (size_t)c[i];
        double v = cliq__tensor_get_f64(x, idx);
        if (best < 0 || (is_min ? v < bv : v > bv) || (last && v == bv)) best = k, bv = v;
      }
      if (cliq__tensor_get_i64(out[0], e) != best)
        ok = TH_CHECK(false, "%s: element %zu: got %lld, want %lld", what, e, (long long)cliq__tensor_get_i64(out[0], e),
                      (long long)best);
    }
    if (ok) TH_CHECK(true, "%s reference", what);
    th_free_tensors(out, n_out);
  }
  cliq__tensor_free(x);
  th_op_free(op);
}

static void lrn_case(int rank, const int64_t *dims, int64_t size) {
  th_op *op = th_op_new("LRN", 13);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, rank, dims);
  cliq__node_set_int(th_op_node(op), "size", size);
  cliq__node_set_float(th_op_node(op), "alpha", 2e-3f);
  cliq__node_set_float(th_op_node(op), "beta", 0.7f);
  cliq__node_set_float(th_op_node(op), "bias", 1.5f);
  th_op_outputs(op, 1);
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, -5, 5);
  char what[128], d0[64];
  snprintf(what, sizeof what, "LRN %s size %lld", cliq__dims_str(rank, dims, d0, sizeof d0), (long long)size);
  th_op_compare(op, 1, &x, 1e-6f, 1e-5f, what);
  size_t n_out;
  cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
  if (out) {
    size_t inner = cliq__tensor_elems(x) / (size_t)(dims[0] * dims[1]), n = cliq__tensor_elems(x);
    float *want = malloc(n * sizeof(float));
    const float *xv = x->data;
    for (size_t e = 0; e < n; e++) {
      int64_t ch = (int64_t)((e / inner) % (size_t)dims[1]);
      double ss = 0;
      for (int64_t k = ch - (size - 1) / 2; k <= ch + size / 2; k++)
        if (k >= 0 && k < dims[1]) {
          double v = xv[e + (size_t)(k - ch) * inner];
          ss += v * v;
        }
      want[e] = (float)(xv[e] / pow(1.5 + 2e-3 / (double)size * ss, 0.7));
    }
    expect_f32(what, out[0], rank, dims, want, 1e-5f);
    free(want);
    th_free_tensors(out, n_out);
  }
  cliq__tensor_free(x);
  th_op_free(op);
}

/* InstanceNormalization (axis < 0) or LayerNormalization over dims[axis:] */
static void norm_case(int rank, const int64_t *dims, int axis, bool scalar_scale, bool with_bias, bool stats) {
  bool ln = axis >= 0;
  size_t n = 1, rows = 1, total;
  cliq__shape_elems(rank, dims, &total);
  for (int i = 0; i < rank; i++) *(i < (ln ? axis : 2) ? &rows : &n) *= (size_t)dims[i];
  int64_t c[1] = {ln ? (scalar_scale ? 1 : (int64_t)n) : dims[1]};
  cliq__tensor *x = th_tensor_random(CLIQ_DTYPE_FLOAT32, rank, dims, -2, 4);
  cliq__tensor *sc = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, c, -2, 2), *bi = th_tensor_random(CLIQ_DTYPE_FLOAT32, 1, c, -2, 2);
  th_op *op = th_op_new(ln ? "LayerNormalization" : "InstanceNormalization", ln ? 17 : 6);
  th_op_input(op, CLIQ_DTYPE_FLOAT32, rank, dims);
  th_op_const(op, sc);
  if (!ln || with_bias) th_op_const(op, bi);
  if (ln) cliq__node_set_int(th_op_node(op), "axis", axis - (axis % 2 ? rank : 0)); /* odd axes given negative */
  cliq__node_set_float(th_op_node(op), "epsilon", 1e-3f);
  th_op_outputs(op, stats ? 3 : 1);
  char what[160], d0[64];
  snprintf(what, sizeof what, "%s %s axis %d%s%s%s", ln ? "LayerNormalization" : "InstanceNormalization",
           cliq__dims_str(rank, dims, d0, sizeof d0), axis, scalar_scale ? " scalar scale" : "", ln && !with_bias ? " no B" : "",
           stats ? " +Mean,InvStdDev" : "");
  th_op_compare(op, 1, &x, 1e-5f, 1e-4f, what);
  size_t n_out;
  cliq__tensor **out = ref_run(op, 1, &x, &n_out, what);
  if (out) {
    float *want = malloc(total * sizeof(float)), *wm = malloc(rows * sizeof(float)), *wi = malloc(rows * sizeof(float));
    const float *xv = x->data, *s = sc->data, *b = bi->data;
    for (size_t r = 0; r < rows; r++) {
      double m = 0, v = 0;
      for (size_t i = 0; i < n; i++) m += xv[r * n + i];
      m /= (double)n;
      for (size_t i = 0; i < n; i++) v += (xv[r * n + i] - m) * (xv[r * n + i] - m);
      v /= (double)n;
      wm[r] = (float)m, wi[r] = (float)(1 / sqrt(v + 1e-3));
      for (size_t i = 0; i < n; i++) {
        size_t k = ln ? (scalar_scale ? 0 : i) : r % (size_t)dims[1];
        want[r * n + i] = (float)((xv[r * n + i] - m) / sqrt(v + 1e-3) * s[k] + (!ln || with_bias ? b[k] : 0));
      }
    }
    expect_f32(what, out[0], rank, dims, want, 2e-5f);
    if (stats && n_out == 3) {
      int64_t sd[CLIQ_MAX_RANK];
      for (int i = 0; i < rank; i++) sd[i] = i < axis ? dims[i] : 1;
      expect_f32("LayerNormalization Mean", out[1], rank, sd, wm, 2e-5f);
      expect_f32("LayerNormalization InvStdDev", out[2], rank, sd, wi, 2e-5f);
    }
    free(want), free(wm), free(wi);
    th_free_tensors(out, n_out);
  }
  cliq__tensor_free(x), cliq__tensor_free(sc), cliq__tensor_free(bi);
  th_op_free(op);
}

static void test_argmax_norm(void) {
  printf("-- ArgMax / ArgMin, LRN, InstanceNormalization, LayerNormalization\n");
  static const int64_t d4[4] = {2, 7, 5, 13}, d2[2] = {3, 1000}, d3[3] = {4, 17, 3};
  for (int o = 0; o < 2; o++) {
    const char *op = o ? "ArgMin" : "ArgMax";
    argmax_case(op, CLIQ_DTYPE_FLOAT32, 4, d4, 1, 1, 0, false);
    argmax_case(op, CLIQ_DTYPE_FLOAT32, 4, d4, -1, 0, 1, false);
    argmax_case(op, CLIQ_DTYPE_FLOAT32, 4, d4, 0, 0, 0, false);
    argmax_case(op, CLIQ_DTYPE_FLOAT32, 2, d2, 1, 1, 1, false);
    argmax_case(op, CLIQ_DTYPE_INT64, 3, d3, 1, 0, 0, false);
    argmax_case(op, CLIQ_DTYPE_INT8, 3, d3, 2, 1, 1, false);
  }
  /* the kernel source is the same for every type: these two types on the reference only */
  argmax_case("ArgMax", CLIQ_DTYPE_UINT8, 3, d3, 0, 1, 0, true);
  argmax_case("ArgMin", CLIQ_DTYPE_INT32, 3, d3, -2, 1, 1, true);
  static const int64_t l4[4] = {2, 17, 5, 7}, l2[2] = {3, 13};
  for (int64_t size = 1; size <= 6; size++) lrn_case(4, l4, size);
  lrn_case(2, l2, 3);
  static const int64_t n4[4] = {2, 3, 13, 7}, n3[3] = {1, 4, 257}, n5[5] = {1, 2, 3, 4, 5};
  norm_case(4, n4, -1, false, true, false);
  norm_case(3, n3, -1, false, true, false);
  norm_case(5, n5, -1, false, true, false);
  norm_case(4, n4, 3, false, true, false);
  norm_case(4, n4, 2, false, false, true);
  norm_case(4, n4, 1, true, true, true);
  norm_case(3, n3, 0, false, true, false);
  norm_case(5, n5, 3, true, false, false);
}

int main(void) {
  th_init("test_ops_math");
  test_binary_broadcast();
  test_binary_int();
  test_variadic();
  test_unary_math();
  test_binary_examples();
  test_pool();
  test_pool_examples();
  test_global_pool();
  test_reduce();
  test_batchnorm();
  test_softmax();
  test_argmax_norm();
  return th_finish();
}

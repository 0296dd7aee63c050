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

/* a (ra, da) op b (rb, db): device vs reference, and the reference vs the naive formula. */
static void binary_case(const char *op_type, int opset, cliq_dtype dt, int ra, const int64_t *da, int rb,
                        const int64_t *db, bool b_const) {
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
  th_op_compare(op, b_const ? 1 : 2, in, 1e-6f, 2e-6f, what);
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
      binary_case(ops[o], 13, dts[d], 3, x, 3, x, false);
      binary_case(ops[o], 13, dts[d], 3, x, 3, pc, o % 2 == 1);
      binary_case(ops[o], 13, dts[d], 3, x, 0, sc, true);
      binary_case(ops[o], 13, dts[d], 1, row, 3, x, false);
    }
  static const int64_t v[2] = {4, 9};
  binary_case("Add", 14, CLIQ_DTYPE_UINT8, 2, v, 2, v, false);
  binary_case("Mul", 14, CLIQ_DTYPE_INT8, 2, v, 1, v + 1, false);
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

int main(void) {
  th_init("test_ops_math");
  test_binary_broadcast();
  test_binary_int();
  test_variadic();
  test_unary_math();
  test_binary_examples();
  return th_finish();
}

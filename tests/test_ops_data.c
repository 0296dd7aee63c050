/*
 * test_ops_data.c — data-movement and shape operators (host/ops/views.c, shape_ops.c, gather.c,
 * cast.c, expand.c, concat.c, split.c, slice.c, transpose.c, pad.c, resize.c).
 *
 * Three kinds of checks:
 *   spec cases  small inputs whose expected outputs are written here from the ONNX spec (or its
 *               reference implementation's formulas), run on the C reference AND the device, so
 *               the reference itself is validated, not only the kernels against it;
 *   sweeps      device kernel vs C reference over awkward shapes, every attribute path, negative
 *               axes, int8/int64/bool data and zero-size tensors, with seeded random data;
 *   rejections  bad or unsupported models fail with the specific status.
 * Data movement is exact: outputs are compared bit for bit (Resize linear with a 1e-6 tolerance).
 */
#include "harness.h"

#include "harness_graph.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cliq_context *g_dev, *g_ref;

/* --- tensors ------------------------------------------------------------------------------- */
static cliq__tensor *ints(cliq_dtype dt, int rank, const int64_t *dims, const int64_t *v) {
  cliq__tensor *t = th_tensor(dt, rank, dims);
  size_t n = cliq__tensor_elems(t);
  for (size_t i = 0; i < n; i++) {
    switch (dt) {
    case CLIQ_DTYPE_INT8: ((int8_t *)t->data)[i] = (int8_t)v[i]; break;
    case CLIQ_DTYPE_UINT8:
    case CLIQ_DTYPE_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)v[i]; break;
    case CLIQ_DTYPE_INT32: ((int32_t *)t->data)[i] = (int32_t)v[i]; break;
    case CLIQ_DTYPE_FLOAT32: ((float *)t->data)[i] = (float)v[i]; break;
    default: ((int64_t *)t->data)[i] = v[i]; break;
    }
  }
  return t;
}
static cliq__tensor *floats(int rank, const int64_t *dims, const float *v) {
  cliq__tensor *t = th_tensor(CLIQ_DTYPE_FLOAT32, rank, dims);
  if (t->nbytes) memcpy(t->data, v, t->nbytes);
  return t;
}
/* A 1-D int64 tensor of n values. */
static cliq__tensor *vec(int n, const int64_t *v) {
  int64_t d = n;
  return ints(CLIQ_DTYPE_INT64, 1, &d, v);
}
#define VEC(...) vec((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__})
#define DIMS(...) (int64_t[]){__VA_ARGS__}
static cliq__tensor *fvec(int n, const float *v) {
  int64_t d = n;
  return floats(1, &d, v);
}
#define FVEC(...) fvec((int)(sizeof((float[]){__VA_ARGS__}) / sizeof(float)), (float[]){__VA_ARGS__})
/* 0, 1, 2, ... in any dtype */
static cliq__tensor *iota(cliq_dtype dt, int rank, const int64_t *dims) {
  size_t n;
  cliq__shape_elems(rank, dims, &n);
  int64_t *v = malloc((n + 1) * sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = (int64_t)i;
  cliq__tensor *t = ints(dt, rank, dims, v);
  free(v);
  return t;
}
static cliq__tensor *random_of(cliq_dtype dt, int rank, const int64_t *dims) {
  switch (dt) {
  case CLIQ_DTYPE_INT8: return th_tensor_random(dt, rank, dims, -128, 127);
  case CLIQ_DTYPE_UINT8: return th_tensor_random(dt, rank, dims, 0, 255);
  case CLIQ_DTYPE_INT32:
  case CLIQ_DTYPE_INT64: {
    cliq__tensor *t = th_tensor(dt, rank, dims);
    size_t n = cliq__tensor_elems(t);
    for (size_t i = 0; i < n; i++) {
      uint64_t r = th_rand();
      if (dt == CLIQ_DTYPE_INT32)
        ((int32_t *)t->data)[i] = (int32_t)(uint32_t)r;
      else
        ((int64_t *)t->data)[i] = (int64_t)r; /* all 64 bits: catches a kernel moving only 32 */
    }
    return t;
  }
  default: return th_tensor_random(dt, rank, dims, -100.0f, 100.0f);
  }
}
static void free_all(cliq__tensor **t, size_t n) {
  for (size_t i = 0; i < n; i++) cliq__tensor_free(t[i]);
}

/* --- running ------------------------------------------------------------------------------- */
/* Runs op on ctx; returns the status of load or run; outputs in *out (caller frees). */
static cliq_status run_on(cliq_context *ctx, th_op *op, size_t n_in, cliq__tensor *const *in, size_t *n_out,
                          cliq__tensor ***out) {
  cliq_model *m = NULL;
  *out = NULL;
  *n_out = 0;
  cliq_status st = th_op_model(op, ctx, &m);
  if (st == CLIQ_STATUS_OK) st = th_run(ctx, m, n_in, in, n_out, out);
  cliq_model_destroy(m);
  return st;
}

/* Spec case: output 0 on the reference and on the device must equal want (shape, dtype, data;
 * floats within tol). Takes ownership of want. */
static void expect(th_op *op, size_t n_in, cliq__tensor *const *in, cliq__tensor *want, float tol, const char *what) {
  cliq_context *ctxs[2] = {g_ref, g_dev};
  const char *names[2] = {"reference", "device"};
  for (int c = 0; c < 2; c++) {
    cliq__tensor **out;
    size_t n_out;
    char label[256];
    snprintf(label, sizeof label, "%s (%s)", what, names[c]);
    cliq_status st = run_on(ctxs[c], op, n_in, in, &n_out, &out);
    if (!th_expect_status(ctxs[c], st, CLIQ_STATUS_OK, label)) continue;
    th_compare_tensor(label, out[0], want, tol, 0.0f);
    th_free_tensors(out, n_out);
  }
  cliq__tensor_free(want);
}

/* Rejection: loading or running on the reference must fail with `want`. */
static void expect_status(th_op *op, size_t n_in, cliq__tensor *const *in, cliq_status want, const char *what) {
  cliq__tensor **out;
  size_t n_out;
  cliq_status st = run_on(g_ref, op, n_in, in, &n_out, &out);
  th_expect_status(g_ref, st, want, what);
  th_free_tensors(out, n_out);
}

/* Sweep case: device vs reference, exact unless tol. */
static void compare(th_op *op, size_t n_in, cliq__tensor *const *in, float tol, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  th_op_compare(op, n_in, in, tol, tol, what);
}

static const char *dn(cliq_dtype d) { return cliq_dtype_name(d); }
static const char *ds(int rank, const int64_t *d) {
  static char buf[4][128];
  static int k;
  k = (k + 1) % 4;
  return cliq__dims_str(rank, d, buf[k], sizeof buf[k]);
}

/* One-input op with constant inputs after it. */
static th_op *op1(const char *type, int opset, cliq_dtype dt, int rank, const int64_t *dims) {
  th_op *op = th_op_new(type, opset);
  th_op_input(op, dt, rank, dims);
  return op;
}
static void consts(th_op *op, int n, ...) {
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    cliq__tensor *t = va_arg(ap, cliq__tensor *);
    if (t) {
      th_op_const(op, t);
      cliq__tensor_free(t);
    } else {
      th_op_absent(op);
    }
  }
  va_end(ap);
}
#define SET_INT(op, name, v) cliq__node_set_int(th_op_node(op), name, v)
#define SET_INTS(op, name, ...) \
  cliq__node_set_ints(th_op_node(op), name, (int64_t[]){__VA_ARGS__}, sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define SET_STR(op, name, v) cliq__node_set_string(th_op_node(op), name, v)

static const cliq_dtype all_dtypes[] = {CLIQ_DTYPE_FLOAT32, CLIQ_DTYPE_INT8, CLIQ_DTYPE_UINT8,
                                        CLIQ_DTYPE_INT32,   CLIQ_DTYPE_INT64, CLIQ_DTYPE_BOOL};
static const cliq_dtype move_dtypes[] = {CLIQ_DTYPE_FLOAT32, CLIQ_DTYPE_INT8, CLIQ_DTYPE_INT64};

/* ============================================================================================= */
/* Views                                                                                          */
/* ============================================================================================= */
static void test_views(void) {
  int64_t d[4] = {2, 3, 1, 5};
  /* Identity/Dropout of every dtype: the data comes back unchanged */
  for (size_t t = 0; t < sizeof all_dtypes / sizeof all_dtypes[0]; t++) {
    cliq__tensor *x = random_of(all_dtypes[t], 4, d);
    th_op *op = op1("Identity", 13, all_dtypes[t], 4, d);
    th_op_outputs(op, 1);
    expect(op, 1, &x, cliq__tensor_clone(x), 0, "Identity");
    th_op_free(op);
    op = op1("Dropout", 13, all_dtypes[t], 4, d);
    consts(op, 2, FVEC(0.3f), ints(CLIQ_DTYPE_BOOL, 0, NULL, (int64_t[]){0}));
    th_op_outputs(op, 1);
    expect(op, 1, &x, cliq__tensor_clone(x), 0, "Dropout with ratio and training_mode=false");
    th_op_free(op);
    cliq__tensor_free(x);
  }
  cliq__tensor *x = iota(CLIQ_DTYPE_FLOAT32, 4, d);
  /* Dropout-7 (ratio attribute) */
  th_op *op = op1("Dropout", 7, CLIQ_DTYPE_FLOAT32, 4, d);
  cliq__node_set_float(th_op_node(op), "ratio", 0.5f);
  th_op_outputs(op, 1);
  expect(op, 1, &x, cliq__tensor_clone(x), 0, "Dropout-7");
  th_op_free(op);

  /* Reshape: 0 copies a dim, -1 is inferred (spec examples) */
  struct {
    int n;
    int64_t shape[6];
    int rank;
    int64_t want[6];
    int allowzero;
  } rs[] = {{3, {0, -1, 5}, 3, {2, 3, 5}, 0},    {2, {-1, 10}, 2, {3, 10}, 0},      {1, {-1}, 1, {30}, 0},
            {5, {2, 0, 1, 5, 1}, 5, {2, 3, 1, 5, 1}, 0}, {4, {5, 1, 3, 2}, 4, {5, 1, 3, 2}, 0}, {3, {0, 0, -1}, 3, {2, 3, 5}, 0}};
  for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
    op = op1("Reshape", 14, CLIQ_DTYPE_FLOAT32, 4, d);
    consts(op, 1, vec(rs[i].n, rs[i].shape));
    th_op_outputs(op, 1);
    cliq__tensor *want = cliq__tensor_clone(x);
    want->rank = rs[i].rank;
    memcpy(want->dims, rs[i].want, sizeof rs[i].want);
    char what[128];
    snprintf(what, sizeof what, "Reshape to %s", ds(rs[i].n, rs[i].shape));
    expect(op, 1, &x, want, 0, what);
    th_op_free(op);
  }
  /* allowzero=1: a 0 is a real zero-size dim */
  {
    int64_t z[2] = {0, 4};
    op = op1("Reshape", 14, CLIQ_DTYPE_FLOAT32, 2, z);
    consts(op, 1, VEC(2, 0, 3));
    SET_INT(op, "allowzero", 1);
    th_op_outputs(op, 1);
    cliq__tensor *xz = th_tensor(CLIQ_DTYPE_FLOAT32, 2, z);
    expect(op, 1, &xz, th_tensor(CLIQ_DTYPE_FLOAT32, 3, DIMS(2, 0, 3)), 0, "Reshape allowzero");
    th_op_free(op);
    cliq__tensor_free(xz);
  }
  /* Dropout-6 with is_test (older opsets ran in training mode without it) */
  op = op1("Dropout", 6, CLIQ_DTYPE_FLOAT32, 4, d);
  SET_INT(op, "is_test", 1);
  th_op_outputs(op, 1);
  expect(op, 1, &x, cliq__tensor_clone(x), 0, "Dropout-6 is_test");
  th_op_free(op);

  /* Flatten: [2,3,1,5] at each axis, negative too */
  for (int axis = -4; axis <= 4; axis++) {
    op = op1("Flatten", 13, CLIQ_DTYPE_FLOAT32, 4, d);
    SET_INT(op, "axis", axis);
    th_op_outputs(op, 1);
    int a = axis < 0 ? axis + 4 : axis;
    int64_t lo = 1, hi = 1;
    for (int k = 0; k < 4; k++) *(k < a ? &lo : &hi) *= d[k];
    cliq__tensor *want = cliq__tensor_clone(x);
    want->rank = 2, want->dims[0] = lo, want->dims[1] = hi;
    char what[64];
    snprintf(what, sizeof what, "Flatten axis %d", axis);
    expect(op, 1, &x, want, 0, what);
    th_op_free(op);
  }
  /* Squeeze: explicit axes (negative), and no axes = every 1 */
  int64_t sd[5] = {1, 3, 1, 5, 1};
  cliq__tensor *xs = iota(CLIQ_DTYPE_INT8, 5, sd);
  op = op1("Squeeze", 13, CLIQ_DTYPE_INT8, 5, sd);
  consts(op, 1, VEC(-1, 0));
  th_op_outputs(op, 1);
  {
    cliq__tensor *want = cliq__tensor_clone(xs);
    want->rank = 3, want->dims[0] = 3, want->dims[1] = 1, want->dims[2] = 5;
    expect(op, 1, &xs, want, 0, "Squeeze axes [-1,0]");
  }
  th_op_free(op);
  op = op1("Squeeze", 13, CLIQ_DTYPE_INT8, 5, sd);
  th_op_outputs(op, 1);
  {
    cliq__tensor *want = cliq__tensor_clone(xs);
    want->rank = 2, want->dims[0] = 3, want->dims[1] = 5;
    expect(op, 1, &xs, want, 0, "Squeeze without axes");
  }
  th_op_free(op);
  /* Squeeze-11 with the axes attribute (rewritten to the input by import) */
  op = op1("Squeeze", 11, CLIQ_DTYPE_INT8, 5, sd);
  SET_INTS(op, "axes", 2);
  th_op_outputs(op, 1);
  {
    cliq__tensor *want = cliq__tensor_clone(xs);
    want->rank = 4, want->dims[0] = 1, want->dims[1] = 3, want->dims[2] = 5, want->dims[3] = 1;
    expect(op, 1, &xs, want, 0, "Squeeze-11 axes attribute");
  }
  th_op_free(op);
  /* Unsqueeze: unsorted and negative axes index the output (spec) */
  op = op1("Unsqueeze", 13, CLIQ_DTYPE_INT8, 5, sd);
  consts(op, 1, VEC(-1, 1, 3));
  th_op_outputs(op, 1);
  {
    cliq__tensor *want = cliq__tensor_clone(xs);
    want->rank = 8;
    int64_t wd[8] = {1, 1, 3, 1, 1, 5, 1, 1};
    memcpy(want->dims, wd, sizeof wd);
    expect(op, 1, &xs, want, 0, "Unsqueeze axes [-1,1,3]");
  }
  th_op_free(op);
  /* Unsqueeze of a scalar (a shape element before Concat) */
  {
    cliq__tensor *s = ints(CLIQ_DTYPE_INT64, 0, NULL, (int64_t[]){42});
    op = op1("Unsqueeze", 13, CLIQ_DTYPE_INT64, 0, NULL);
    consts(op, 1, VEC(0));
    th_op_outputs(op, 1);
    expect(op, 1, &s, VEC(42), 0, "Unsqueeze scalar");
    th_op_free(op);
    cliq__tensor_free(s);
  }
  cliq__tensor_free(xs);
  cliq__tensor_free(x);
}

/* ============================================================================================= */
/* Shape, Size, ConstantOfShape                                                                   */
/* ============================================================================================= */
static void test_shape_ops(void) {
  int64_t d[4] = {2, 3, 4, 5};
  cliq__tensor *x = iota(CLIQ_DTYPE_FLOAT32, 4, d);
  th_op *op = op1("Shape", 13, CLIQ_DTYPE_FLOAT32, 4, d);
  th_op_outputs(op, 1);
  expect(op, 1, &x, VEC(2, 3, 4, 5), 0, "Shape");
  th_op_free(op);
  /* Shape-15 start/end, negative and clamped (spec examples) */
  struct {
    int64_t start, end;
    int n;
    int64_t want[4];
  } sh[] = {{1, 4, 3, {3, 4, 5}}, {-1, 4, 1, {5}}, {0, -1, 3, {2, 3, 4}}, {-10, 10, 4, {2, 3, 4, 5}}, {3, 1, 0, {0}}};
  for (size_t i = 0; i < sizeof sh / sizeof sh[0]; i++) {
    op = op1("Shape", 15, CLIQ_DTYPE_FLOAT32, 4, d);
    SET_INT(op, "start", sh[i].start);
    SET_INT(op, "end", sh[i].end);
    th_op_outputs(op, 1);
    char what[64];
    snprintf(what, sizeof what, "Shape start %lld end %lld", (long long)sh[i].start, (long long)sh[i].end);
    expect(op, 1, &x, vec(sh[i].n, sh[i].want), 0, what);
    th_op_free(op);
  }
  op = op1("Size", 13, CLIQ_DTYPE_FLOAT32, 4, d);
  th_op_outputs(op, 1);
  expect(op, 1, &x, ints(CLIQ_DTYPE_INT64, 0, NULL, (int64_t[]){120}), 0, "Size");
  th_op_free(op);
  cliq__tensor_free(x);

  /* ConstantOfShape: default float 0, an int32 value, an empty shape (scalar) */
  op = th_op_new("ConstantOfShape", 9);
  consts(op, 1, VEC(2, 3));
  th_op_outputs(op, 1);
  expect(op, 0, NULL, th_tensor(CLIQ_DTYPE_FLOAT32, 2, DIMS(2, 3)), 0, "ConstantOfShape default");
  th_op_free(op);
  op = th_op_new("ConstantOfShape", 9);
  consts(op, 1, VEC(3, 1, 2));
  th_op_outputs(op, 1);
  {
    cliq__attr *a = NULL;
    cliq__node *n = th_op_node(op);
    cliq__node_set_int(n, "value", 0); /* make the attribute, then turn it into a tensor */
    a = (cliq__attr *)cliq__node_attr(n, "value");
    a->type = CLIQ__ATTR_TENSOR;
    a->t = ints(CLIQ_DTYPE_INT32, 1, DIMS(1), (int64_t[]){-7});
    expect(op, 0, NULL, ints(CLIQ_DTYPE_INT32, 3, DIMS(3, 1, 2), (int64_t[]){-7, -7, -7, -7, -7, -7}), 0,
           "ConstantOfShape int32 value");
  }
  th_op_free(op);
  op = th_op_new("ConstantOfShape", 9);
  {
    int64_t zero = 0;
    cliq__tensor *e = th_tensor(CLIQ_DTYPE_INT64, 1, &zero);
    consts(op, 1, e);
  }
  th_op_outputs(op, 1);
  expect(op, 0, NULL, th_tensor(CLIQ_DTYPE_FLOAT32, 0, NULL), 0, "ConstantOfShape empty shape");
  th_op_free(op);
}

/* ============================================================================================= */
/* Gather                                                                                         */
/* ============================================================================================= */
static void test_gather(void) {
  /* spec example 1: axis 0 */
  int64_t dd[2] = {3, 2};
  cliq__tensor *data = floats(2, dd, (float[]){1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});
  th_op *op = op1("Gather", 13, CLIQ_DTYPE_FLOAT32, 2, dd);
  consts(op, 1, ints(CLIQ_DTYPE_INT64, 2, DIMS(2, 2), (int64_t[]){0, 1, 1, 2}));
  th_op_outputs(op, 1);
  expect(op, 1, &data, floats(3, DIMS(2, 2, 2), (float[]){1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f}), 0,
         "Gather spec example axis 0");
  th_op_free(op);
  /* axis 1 with negative indices (int32), scalar index */
  op = op1("Gather", 13, CLIQ_DTYPE_FLOAT32, 2, dd);
  consts(op, 1, ints(CLIQ_DTYPE_INT32, 1, DIMS(3), (int64_t[]){-1, 0, 1}));
  SET_INT(op, "axis", -1);
  th_op_outputs(op, 1);
  expect(op, 1, &data, floats(2, DIMS(3, 3), (float[]){1.2f, 1.0f, 1.2f, 3.4f, 2.3f, 3.4f, 5.7f, 4.5f, 5.7f}), 0,
         "Gather axis -1, negative int32 indices");
  th_op_free(op);
  op = op1("Gather", 13, CLIQ_DTYPE_FLOAT32, 2, dd);
  consts(op, 1, ints(CLIQ_DTYPE_INT64, 0, NULL, (int64_t[]){-2}));
  th_op_outputs(op, 1);
  expect(op, 1, &data, floats(1, DIMS(2), (float[]){2.3f, 3.4f}), 0, "Gather scalar index");
  th_op_free(op);
  cliq__tensor_free(data);

  /* sweeps: every axis, index ranks 0..2, int32/int64 indices, runtime indices, dtypes */
  int64_t shapes[][4] = {{3, 4, 5, 7}, {1, 17, 3, 2}, {2, 3, 13, 16}, {4, 1, 1, 33}};
  for (size_t s = 0; s < 4; s++)
    for (int axis = -4; axis < 4; axis++)
      for (int ir = 0; ir <= 2; ir++) {
        cliq_dtype dt = move_dtypes[(s + (size_t)(axis + 4) + (size_t)ir) % 3];
        cliq_dtype it = ir == 1 ? CLIQ_DTYPE_INT32 : CLIQ_DTYPE_INT64;
        int a = axis < 0 ? axis + 4 : axis;
        int64_t dim = shapes[s][a];
        int64_t idims[2] = {ir ? 3 : 1, 2};
        size_t ni = ir == 0 ? 1 : ir == 1 ? 3 : 6;
        int64_t iv[6];
        for (size_t i = 0; i < ni; i++) iv[i] = th_randint((int)-dim, (int)dim - 1);
        cliq__tensor *idx = ints(it, ir, idims, iv);
        cliq__tensor *x = random_of(dt, 4, shapes[s]);
        bool runtime = (s + (size_t)ir) % 2 == 0; /* indices as a graph input: the kernel reads them */
        op = op1("Gather", 13, dt, 4, shapes[s]);
        if (runtime)
          th_op_input(op, it, ir, idims);
        else
          th_op_const(op, idx);
        SET_INT(op, "axis", axis);
        th_op_outputs(op, 1);
        cliq__tensor *in[2] = {x, idx};
        compare(op, runtime ? 2 : 1, in, 0, "Gather %s %s axis %d indices %s rank %d%s", dn(dt), ds(4, shapes[s]), axis, dn(it),
                ir, runtime ? " (runtime)" : "");
        th_op_free(op);
        cliq__tensor_free(x);
        cliq__tensor_free(idx);
      }
  /* zero-size: no indices */
  {
    int64_t xd[2] = {4, 3}, z = 0;
    cliq__tensor *x = random_of(CLIQ_DTYPE_FLOAT32, 2, xd);
    op = op1("Gather", 13, CLIQ_DTYPE_FLOAT32, 2, xd);
    consts(op, 1, th_tensor(CLIQ_DTYPE_INT64, 1, &z));
    th_op_outputs(op, 1);
    expect(op, 1, &x, th_tensor(CLIQ_DTYPE_FLOAT32, 2, DIMS(0, 3)), 0, "Gather with no indices");
    th_op_free(op);
    /* out-of-range indices: constant ones fail at load, runtime ones in the reference */
    op = op1("Gather", 13, CLIQ_DTYPE_FLOAT32, 2, xd);
    consts(op, 1, VEC(4));
    th_op_outputs(op, 1);
    expect_status(op, 1, &x, CLIQ_STATUS_INVALID_MODEL, "Gather constant index 4 of 4");
    th_op_free(op);
    op = op1("Gather", 13, CLIQ_DTYPE_FLOAT32, 2, xd);
    th_op_input(op, CLIQ_DTYPE_INT64, 1, DIMS(1));
    th_op_outputs(op, 1);
    cliq__tensor *in[2] = {x, VEC(-5)};
    expect_status(op, 2, in, CLIQ_STATUS_INVALID_ARGUMENT, "Gather runtime index -5 of 4 (reference)");
    th_op_free(op);
    cliq__tensor_free(in[1]);
    cliq__tensor_free(x);
  }
}

/* ============================================================================================= */
/* Cast                                                                                           */
/* ============================================================================================= */
static void test_cast(void) {
  /* float -> integers: truncation, out-of-range as numpy/ONNX Runtime on x86 (checked against
   * both: 200.5 -> int8 -56, -1.7 -> uint8 255, 3e9 -> int32 INT32_MIN, NaN -> INT_MIN / 0) */
  const float fv[11] = {-1.7f, 200.5f, -200.5f, 3e9f, -3e9f, NAN, INFINITY, 255.9f, 256.2f, -0.5f, 1e20f};
  int64_t n11 = 11;
  cliq__tensor *fx = floats(1, &n11, fv);
  struct {
    cliq_dtype to;
    int64_t want[11];
  } fc[] = {
      {CLIQ_DTYPE_INT8, {-1, -56, 56, 0, 0, 0, 0, -1, 0, 0, 0}},
      {CLIQ_DTYPE_UINT8, {255, 200, 56, 0, 0, 0, 0, 255, 0, 0, 0}},
      {CLIQ_DTYPE_INT32, {-1, 200, -200, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, 255, 256, 0, INT32_MIN}},
      {CLIQ_DTYPE_INT64, {-1, 200, -200, 3000000000LL, -3000000000LL, INT64_MIN, INT64_MIN, 255, 256, 0, INT64_MIN}},
      {CLIQ_DTYPE_BOOL, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
  };
  for (size_t i = 0; i < sizeof fc / sizeof fc[0]; i++) {
    th_op *op = op1("Cast", 13, CLIQ_DTYPE_FLOAT32, 1, &n11);
    SET_INT(op, "to", fc[i].to);
    th_op_outputs(op, 1);
    char what[64];
    snprintf(what, sizeof what, "Cast float32 -> %s", dn(fc[i].to));
    expect(op, 1, &fx, ints(fc[i].to, 1, &n11, fc[i].want), 0, what);
    th_op_free(op);
  }
  cliq__tensor_free(fx);
  /* int64 -> narrower: low bits; -> float rounds to nearest even; 0 -> bool false */
  int64_t n6 = 6;
  const int64_t iv[6] = {-129, 300, (1LL << 40) + 5, -1, 1LL << 31, 0};
  cliq__tensor *ix = ints(CLIQ_DTYPE_INT64, 1, &n6, iv);
  struct {
    cliq_dtype to;
    int64_t want[6];
  } ic[] = {{CLIQ_DTYPE_INT8, {127, 44, 5, -1, 0, 0}},
            {CLIQ_DTYPE_UINT8, {127, 44, 5, 255, 0, 0}},
            {CLIQ_DTYPE_INT32, {-129, 300, 5, -1, INT32_MIN, 0}},
            {CLIQ_DTYPE_BOOL, {1, 1, 1, 1, 1, 0}}};
  for (size_t i = 0; i < sizeof ic / sizeof ic[0]; i++) {
    th_op *op = op1("Cast", 13, CLIQ_DTYPE_INT64, 1, &n6);
    SET_INT(op, "to", ic[i].to);
    th_op_outputs(op, 1);
    char what[64];
    snprintf(what, sizeof what, "Cast int64 -> %s", dn(ic[i].to));
    expect(op, 1, &ix, ints(ic[i].to, 1, &n6, ic[i].want), 0, what);
    th_op_free(op);
  }
  {
    th_op *op = op1("Cast", 13, CLIQ_DTYPE_INT64, 1, &n6);
    SET_INT(op, "to", CLIQ_DTYPE_FLOAT32);
    th_op_outputs(op, 1);
    expect(op, 1, &ix, floats(1, &n6, (float[]){-129.0f, 300.0f, 1099511627776.0f, -1.0f, 2147483648.0f, 0.0f}), 0,
           "Cast int64 -> float32");
    th_op_free(op);
  }
  cliq__tensor_free(ix);
  /* CastLike: the target type comes from input 1 */
  {
    int64_t n3 = 3;
    cliq__tensor *x = floats(1, &n3, (float[]){1.9f, -2.9f, 0.0f});
    th_op *op = op1("CastLike", 15, CLIQ_DTYPE_FLOAT32, 1, &n3);
    consts(op, 1, ints(CLIQ_DTYPE_INT32, 0, NULL, (int64_t[]){0}));
    th_op_outputs(op, 1);
    expect(op, 1, &x, ints(CLIQ_DTYPE_INT32, 1, &n3, (int64_t[]){1, -2, 0}), 0, "CastLike float32 -> int32");
    th_op_free(op);
    cliq__tensor_free(x);
  }
  /* every pair, device vs reference, on odd sizes with special values mixed in */
  int64_t sizes[3] = {1, 13, 1031};
  for (size_t a = 0; a < 6; a++)
    for (size_t b = 0; b < 6; b++)
      for (int s = 0; s < 3; s++) {
        cliq_dtype from = all_dtypes[a], to = all_dtypes[b];
        cliq__tensor *x = random_of(from, 1, &sizes[s]);
        if (from == CLIQ_DTYPE_FLOAT32) {
          float *f = x->data;
          const float special[] = {NAN, -INFINITY, 3e9f, -0.0f, 127.5f, -128.5f, 255.5f, 1e-30f, 2147483520.0f, -2147483648.0f};
          for (size_t i = 0; i < (size_t)sizes[s] && i < 10; i++) f[i * 7 % (size_t)sizes[s]] = special[i];
          for (size_t i = 10; i < (size_t)sizes[s]; i += 3) f[i] *= 1e8f; /* beyond int32 sometimes */
        }
        th_op *op = op1("Cast", 13, from, 1, &sizes[s]);
        SET_INT(op, "to", to);
        th_op_outputs(op, 1);
        compare(op, 1, &x, 0, "Cast %s -> %s [%lld]", dn(from), dn(to), (long long)sizes[s]);
        th_op_free(op);
        cliq__tensor_free(x);
      }
}

/* ============================================================================================= */
/* Concat and Split                                                                               */
/* ============================================================================================= */
static void test_concat_split(void) {
  /* hand cases (spec test_concat_2d) */
  {
    cliq__tensor *a = floats(2, DIMS(1, 2), (float[]){1, 2}), *b = floats(2, DIMS(2, 2), (float[]){3, 4, 5, 6});
    th_op *op = th_op_new("Concat", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, a->dims);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, b->dims);
    SET_INT(op, "axis", 0);
    th_op_outputs(op, 1);
    cliq__tensor *in[2] = {a, b};
    expect(op, 2, in, floats(2, DIMS(3, 2), (float[]){1, 2, 3, 4, 5, 6}), 0, "Concat axis 0");
    th_op_free(op);
    cliq__tensor *c = floats(2, DIMS(2, 1), (float[]){7, 8});
    op = th_op_new("Concat", 13);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, b->dims);
    th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, c->dims);
    SET_INT(op, "axis", -1);
    th_op_outputs(op, 1);
    cliq__tensor *in2[2] = {b, c};
    expect(op, 2, in2, floats(2, DIMS(2, 3), (float[]){3, 4, 7, 5, 6, 8}), 0, "Concat axis -1");
    th_op_free(op);
    free_all(in, 2);
    cliq__tensor_free(c);
  }
  /* Split: explicit sizes, equal parts, Split-18 num_outputs with an uneven (and an empty) last part */
  {
    int64_t n7 = 7;
    cliq__tensor *x = iota(CLIQ_DTYPE_FLOAT32, 1, &n7);
    struct {
      int opset, n_out, n_split;
      int64_t split[4];
      int num_outputs;
      int64_t want[4];
    } sc[] = {{13, 2, 2, {3, 4}, 0, {3, 4}},     {13, 3, 3, {0, 7, 0}, 0, {0, 7, 0}}, {18, 4, 0, {0}, 4, {2, 2, 2, 1}},
              {18, 3, 0, {0}, 3, {3, 3, 1}},     {13, 1, 0, {0}, 0, {7}},             {11, 2, 2, {5, 2}, 0, {5, 2}}};
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
      th_op *op = op1("Split", sc[i].opset, CLIQ_DTYPE_FLOAT32, 1, &n7);
      if (sc[i].n_split && sc[i].opset >= 13)
        consts(op, 1, vec(sc[i].n_split, sc[i].split));
      else if (sc[i].n_split)
        cliq__node_set_ints(th_op_node(op), "split", sc[i].split, (size_t)sc[i].n_split);
      if (sc[i].num_outputs) SET_INT(op, "num_outputs", sc[i].num_outputs);
      th_op_outputs(op, (size_t)sc[i].n_out);
      /* every output: run once per context and check each part's size and values */
      cliq_context *ctxs[2] = {g_ref, g_dev};
      for (int c = 0; c < 2; c++) {
        cliq__tensor **out;
        size_t n_out;
        char what[96];
        snprintf(what, sizeof what, "Split-%d case %zu on the %s", sc[i].opset, i, c ? "device" : "reference");
        if (!th_expect_status(ctxs[c], run_on(ctxs[c], op, 1, &x, &n_out, &out), CLIQ_STATUS_OK, what)) continue;
        int64_t start = 0;
        for (size_t k = 0; k < n_out; k++) {
          cliq__tensor *want = th_tensor(CLIQ_DTYPE_FLOAT32, 1, &sc[i].want[k]);
          for (int64_t j = 0; j < sc[i].want[k]; j++) ((float *)want->data)[j] = (float)(start + j);
          start += sc[i].want[k];
          char w2[128];
          snprintf(w2, sizeof w2, "%s output %zu", what, k);
          th_compare_tensor(w2, out[k], want, 0, 0);
          cliq__tensor_free(want);
        }
        th_free_tensors(out, n_out);
      }
      th_op_free(op);
    }
    cliq__tensor_free(x);
  }
  /* sweeps: Concat of 1-4 inputs along each axis (negative too), zero-size inputs, dtypes */
  int64_t base[][4] = {{2, 3, 5, 7}, {1, 16, 13, 1}, {3, 1, 17, 4}};
  for (size_t s = 0; s < 3; s++)
    for (int axis = -4; axis < 4; axis++) {
      int a = axis < 0 ? axis + 4 : axis;
      int n_in = 1 + (int)((s + (size_t)(axis + 4)) % 4);
      cliq_dtype dt = all_dtypes[(s * 8 + (size_t)(axis + 4)) % 6];
      th_op *op = th_op_new("Concat", 13);
      cliq__tensor *in[4];
      for (int i = 0; i < n_in; i++) {
        int64_t d[4];
        memcpy(d, base[s], sizeof d);
        d[a] = i == 1 ? 0 : (int64_t)th_randint(1, 9); /* input 1 is empty along the axis */
        in[i] = random_of(dt, 4, d);
        th_op_input(op, dt, 4, d);
      }
      SET_INT(op, "axis", axis);
      th_op_outputs(op, 1);
      compare(op, (size_t)n_in, in, 0, "Concat %d x %s around %s axis %d", n_in, dn(dt), ds(4, base[s]), axis);
      th_op_free(op);
      free_all(in, (size_t)n_in);
    }
  /* a constant input among runtime ones (an anchor table, a zero pad) */
  {
    int64_t d1[3] = {1, 5, 4}, d2[3] = {1, 3, 4};
    cliq__tensor *x = random_of(CLIQ_DTYPE_FLOAT32, 3, d1);
    th_op *op = op1("Concat", 13, CLIQ_DTYPE_FLOAT32, 3, d1);
    consts(op, 1, random_of(CLIQ_DTYPE_FLOAT32, 3, d2));
    SET_INT(op, "axis", 1);
    th_op_outputs(op, 1);
    compare(op, 1, &x, 0, "Concat with a constant input");
    th_op_free(op);
    cliq__tensor_free(x);
  }
  /* Split sweeps: random sizes (zeros included) and equal parts, each axis, int8/int64/float */
  for (size_t s = 0; s < 3; s++)
    for (int axis = -4; axis < 4; axis++) {
      int a = axis < 0 ? axis + 4 : axis;
      cliq_dtype dt = move_dtypes[(s + (size_t)(axis + 4)) % 3];
      int64_t d[4];
      memcpy(d, base[s], sizeof d);
      int n_out = 1 + th_randint(0, 3);
      int64_t sizes[4], total = 0;
      for (int i = 0; i < n_out; i++) total += sizes[i] = th_randint(0, 5);
      bool equal = (axis & 1) != 0;
      if (equal) {
        total = n_out * (int64_t)th_randint(1, 4);
      }
      d[a] = total;
      cliq__tensor *x = random_of(dt, 4, d);
      th_op *op = op1("Split", 13, dt, 4, d);
      if (!equal) consts(op, 1, vec(n_out, sizes));
      SET_INT(op, "axis", axis);
      th_op_outputs(op, (size_t)n_out);
      compare(op, 1, &x, 0, "Split %s %s axis %d into %d%s", dn(dt), ds(4, d), axis, n_out, equal ? " equal parts" : "");
      th_op_free(op);
      cliq__tensor_free(x);
    }
}

/* ============================================================================================= */
/* Slice                                                                                          */
/* ============================================================================================= */
static void slice_case(const char *what, cliq__tensor *x, cliq__tensor *starts, cliq__tensor *ends, cliq__tensor *axes,
                       cliq__tensor *steps, cliq__tensor *want) {
  th_op *op = op1("Slice", 13, x->dtype, x->rank, x->dims);
  consts(op, 4, starts, ends, axes, steps);
  th_op_outputs(op, 1);
  if (want)
    expect(op, 1, &x, want, 0, what);
  else
    compare(op, 1, &x, 0, "%s", what);
  th_op_free(op);
}

static void test_slice(void) {
  int64_t n10 = 10;
  cliq__tensor *x = iota(CLIQ_DTYPE_FLOAT32, 1, &n10);
  /* hand cases from the spec's rules */
  slice_case("Slice [8:2:-2]", x, VEC(8), VEC(2), NULL, VEC(-2), floats(1, DIMS(3), (float[]){8, 6, 4}));
  slice_case("Slice [-1:INT64_MIN:-1] reverses", x, VEC(-1), VEC(INT64_MIN), NULL, VEC(-1),
             floats(1, DIMS(10), (float[]){9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  slice_case("Slice [3:INT64_MAX:3]", x, VEC(3), VEC(INT64_MAX), VEC(0), VEC(3), floats(1, DIMS(3), (float[]){3, 6, 9}));
  slice_case("Slice [-100:100] clamps", x, VEC(-100), VEC(100), NULL, NULL, cliq__tensor_clone(x));
  slice_case("Slice [20:30] is empty", x, VEC(20), VEC(30), NULL, NULL, th_tensor(CLIQ_DTYPE_FLOAT32, 1, DIMS(0)));
  slice_case("Slice [5:2] is empty", x, VEC(5), VEC(2), NULL, NULL, th_tensor(CLIQ_DTYPE_FLOAT32, 1, DIMS(0)));
  slice_case("Slice [100:-100:-4] clamps", x, VEC(100), VEC(-100), NULL, VEC(-4), floats(1, DIMS(3), (float[]){9, 5, 1}));
  slice_case("Slice step INT64_MAX", x, VEC(2), VEC(10), NULL, VEC(INT64_MAX), floats(1, DIMS(1), (float[]){2}));
  slice_case("Slice step INT64_MIN", x, VEC(7), VEC(-11), NULL, VEC(INT64_MIN), floats(1, DIMS(1), (float[]){7}));
  cliq__tensor_free(x);
  /* spec example 1 and 2 */
  int64_t d24[2] = {2, 4};
  x = floats(2, d24, (float[]){1, 2, 3, 4, 5, 6, 7, 8});
  slice_case("Slice spec example 1", x, VEC(1, 0), VEC(2, 3), VEC(0, 1), VEC(1, 2), floats(2, DIMS(1, 2), (float[]){5, 7}));
  slice_case("Slice spec example 2", x, VEC(0, 1), VEC(-1, 1000), NULL, NULL, floats(2, DIMS(1, 3), (float[]){2, 3, 4}));
  slice_case("Slice negative axes, int32 inputs", x, ints(CLIQ_DTYPE_INT32, 1, DIMS(1), (int64_t[]){-1}),
             ints(CLIQ_DTYPE_INT32, 1, DIMS(1), (int64_t[]){0}), ints(CLIQ_DTYPE_INT32, 1, DIMS(1), (int64_t[]){-1}),
             ints(CLIQ_DTYPE_INT32, 1, DIMS(1), (int64_t[]){-1}), floats(2, DIMS(2, 3), (float[]){4, 3, 2, 8, 7, 6}));
  cliq__tensor_free(x);
  /* sweeps: random starts/ends/steps on every axis subset, dtypes */
  int64_t shapes[][4] = {{3, 7, 13, 17}, {1, 16, 8, 5}, {2, 1, 31, 3}};
  for (size_t s = 0; s < 3; s++)
    for (int rep = 0; rep < 10; rep++) {
      cliq_dtype dt = all_dtypes[(s * 10 + (size_t)rep) % 6];
      cliq__tensor *xx = random_of(dt, 4, shapes[s]);
      int n = th_randint(1, 4);
      int64_t st[4], en[4], ax[4], sp[4];
      int perm[4] = {0, 1, 2, 3};
      for (int i = 3; i > 0; i--) {
        int j = th_randint(0, i), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
      }
      for (int i = 0; i < n; i++) {
        int64_t dim = shapes[s][perm[i]];
        ax[i] = th_randint(0, 1) ? perm[i] : perm[i] - 4;
        st[i] = th_randint((int)(-dim - 2), (int)(dim + 2));
        en[i] = th_randint((int)(-dim - 2), (int)(dim + 2));
        sp[i] = th_randint(0, 1) ? th_randint(1, 3) : -th_randint(1, 3);
        if (rep == 0) sp[i] = 1;
      }
      char what[160];
      snprintf(what, sizeof what, "Slice %s %s on %d axes (rep %d)", dn(dt), ds(4, shapes[s]), n, rep);
      slice_case(what, xx, vec(n, st), vec(n, en), vec(n, ax), vec(n, sp), NULL);
      cliq__tensor_free(xx);
    }
  /* the big contiguous case: a channel range of NCHW (mlsd, ultraface) */
  {
    int64_t d[4] = {1, 24, 40, 40};
    cliq__tensor *xx = random_of(CLIQ_DTYPE_FLOAT32, 4, d);
    slice_case("Slice channels 8:20 of [1,24,40,40]", xx, VEC(8), VEC(20), VEC(1), NULL, NULL);
    cliq__tensor_free(xx);
  }
}

/* ============================================================================================= */
/* Transpose                                                                                      */
/* ============================================================================================= */
static void test_transpose(void) {
  {
    cliq__tensor *x = floats(2, DIMS(2, 3), (float[]){1, 2, 3, 4, 5, 6});
    th_op *op = op1("Transpose", 13, CLIQ_DTYPE_FLOAT32, 2, x->dims);
    th_op_outputs(op, 1);
    expect(op, 1, &x, floats(2, DIMS(3, 2), (float[]){1, 4, 2, 5, 3, 6}), 0, "Transpose default perm");
    th_op_free(op);
    cliq__tensor_free(x);
    /* [2,3,2] perm [1,2,0]: y[j][k][i] = x[i][j][k] */
    int64_t d[3] = {2, 3, 2};
    x = iota(CLIQ_DTYPE_INT64, 3, d);
    op = op1("Transpose", 13, CLIQ_DTYPE_INT64, 3, d);
    SET_INTS(op, "perm", 1, 2, 0);
    th_op_outputs(op, 1);
    expect(op, 1, &x, ints(CLIQ_DTYPE_INT64, 3, DIMS(3, 2, 2), (int64_t[]){0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}), 0,
           "Transpose perm [1,2,0]");
    th_op_free(op);
    cliq__tensor_free(x);
  }
  /* every permutation of rank 4 on an awkward shape */
  int64_t d4[4] = {3, 1, 7, 4};
  for (int p = 0; p < 24; p++) {
    int avail[4] = {0, 1, 2, 3}, perm[4], q = p;
    for (int k = 0; k < 4; k++) {
      int f = 1;
      for (int j = 1; j < 4 - k; j++) f *= j;
      int i = q / f;
      q %= f;
      perm[k] = avail[i];
      for (int j = i; j < 3 - k; j++) avail[j] = avail[j + 1];
    }
    cliq_dtype dt = all_dtypes[p % 6];
    cliq__tensor *x = random_of(dt, 4, d4);
    th_op *op = op1("Transpose", 13, dt, 4, d4);
    SET_INTS(op, "perm", perm[0], perm[1], perm[2], perm[3]);
    th_op_outputs(op, 1);
    compare(op, 1, &x, 0, "Transpose %s %s perm [%d,%d,%d,%d]", dn(dt), ds(4, d4), perm[0], perm[1], perm[2], perm[3]);
    th_op_free(op);
    cliq__tensor_free(x);
  }
  /* the layouts models use: NHWC<->NCHW, the rank-6 pixel shuffle, detector heads */
  struct {
    int rank;
    int64_t d[8];
    int64_t perm[8];
  } tc[] = {{4, {1, 17, 13, 3}, {0, 3, 1, 2}},        {4, {2, 3, 13, 17}, {0, 2, 3, 1}},     {4, {1, 16, 40, 40}, {0, 2, 3, 1}},
            {6, {1, 1, 3, 3, 13, 7}, {0, 1, 4, 2, 5, 3}}, {6, {2, 3, 2, 1, 5, 4}, {5, 4, 3, 2, 1, 0}}, {3, {1, 8, 4420}, {0, 2, 1}},
            {5, {1, 3, 5, 7, 9}, {0, 1, 3, 4, 2}},     {2, {1, 1}, {1, 0}},                   {4, {0, 3, 5, 7}, {0, 3, 1, 2}},
            {8, {2, 1, 3, 1, 2, 3, 1, 2}, {7, 0, 6, 1, 5, 2, 4, 3}}};
  for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++)
    for (size_t t = 0; t < 3; t++) {
      cliq_dtype dt = move_dtypes[t];
      cliq__tensor *x = random_of(dt, tc[i].rank, tc[i].d);
      th_op *op = op1("Transpose", 13, dt, tc[i].rank, tc[i].d);
      cliq__node_set_ints(th_op_node(op), "perm", tc[i].perm, (size_t)tc[i].rank);
      th_op_outputs(op, 1);
      compare(op, 1, &x, 0, "Transpose %s %s case %zu", dn(dt), ds(tc[i].rank, tc[i].d), i);
      th_op_free(op);
      cliq__tensor_free(x);
    }
}

/* ============================================================================================= */
/* Expand and Tile                                                                                */
/* ============================================================================================= */
static void test_expand_tile(void) {
  /* spec: [3,1] expanded to [2,1,6] gives [2,3,6] */
  {
    cliq__tensor *x = floats(2, DIMS(3, 1), (float[]){1, 2, 3});
    th_op *op = op1("Expand", 13, CLIQ_DTYPE_FLOAT32, 2, x->dims);
    consts(op, 1, VEC(2, 1, 6));
    th_op_outputs(op, 1);
    float w[36];
    for (int i = 0; i < 36; i++) w[i] = (float)((i / 6) % 3 + 1);
    expect(op, 1, &x, floats(3, DIMS(2, 3, 6), w), 0, "Expand [3,1] to [2,1,6]");
    th_op_free(op);
    /* the shape may be smaller than the input's rank */
    op = op1("Expand", 13, CLIQ_DTYPE_FLOAT32, 2, x->dims);
    consts(op, 1, VEC(2));
    th_op_outputs(op, 1);
    expect(op, 1, &x, floats(2, DIMS(3, 2), (float[]){1, 1, 2, 2, 3, 3}), 0, "Expand [3,1] to [2]");
    th_op_free(op);
    cliq__tensor_free(x);
    x = floats(2, DIMS(2, 2), (float[]){1, 2, 3, 4});
    op = op1("Tile", 13, CLIQ_DTYPE_FLOAT32, 2, x->dims);
    consts(op, 1, VEC(2, 2));
    th_op_outputs(op, 1);
    expect(op, 1, &x, floats(2, DIMS(4, 4), (float[]){1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}), 0, "Tile [2,2]");
    th_op_free(op);
    op = op1("Tile", 13, CLIQ_DTYPE_FLOAT32, 2, x->dims);
    consts(op, 1, VEC(0, 3));
    th_op_outputs(op, 1);
    expect(op, 1, &x, th_tensor(CLIQ_DTYPE_FLOAT32, 2, DIMS(0, 6)), 0, "Tile with a 0 repeat");
    th_op_free(op);
    cliq__tensor_free(x);
  }
  struct {
    int rx;
    int64_t dx[4];
    int rs;
    int64_t shape[5];
  } ec[] = {{4, {1, 3, 1, 1}, 4, {2, 3, 7, 13}}, {2, {17, 1}, 4, {2, 1, 17, 16}}, {1, {5}, 3, {3, 1, 5}},
            {3, {4, 1, 6}, 3, {1, 9, 1}},       {4, {2, 3, 4, 5}, 1, {1}},       {2, {1, 1}, 5, {2, 1, 3, 1, 4}},
            {2, {3, 1}, 2, {3, 0}}};
  for (size_t i = 0; i < sizeof ec / sizeof ec[0]; i++)
    for (size_t t = 0; t < 3; t++) {
      cliq_dtype dt = move_dtypes[t];
      cliq__tensor *x = random_of(dt, ec[i].rx, ec[i].dx);
      th_op *op = op1("Expand", 13, dt, ec[i].rx, ec[i].dx);
      consts(op, 1, vec(ec[i].rs, ec[i].shape));
      th_op_outputs(op, 1);
      compare(op, 1, &x, 0, "Expand %s %s to %s", dn(dt), ds(ec[i].rx, ec[i].dx), ds(ec[i].rs, ec[i].shape));
      th_op_free(op);
      cliq__tensor_free(x);
    }
  struct {
    int r;
    int64_t d[4], reps[4];
  } tc[] = {{4, {1, 3, 5, 7}, {2, 1, 3, 1}}, {3, {4, 1, 13}, {1, 16, 2}}, {1, {17}, {3}}, {2, {3, 5}, {1, 1}}, {4, {2, 1, 3, 1}, {3, 4, 1, 2}}};
  for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++)
    for (size_t t = 0; t < 3; t++) {
      cliq_dtype dt = move_dtypes[t];
      cliq__tensor *x = random_of(dt, tc[i].r, tc[i].d);
      th_op *op = op1("Tile", 13, dt, tc[i].r, tc[i].d);
      consts(op, 1, vec(tc[i].r, tc[i].reps));
      th_op_outputs(op, 1);
      compare(op, 1, &x, 0, "Tile %s %s by %s", dn(dt), ds(tc[i].r, tc[i].d), ds(tc[i].r, tc[i].reps));
      th_op_free(op);
      cliq__tensor_free(x);
    }
}

/* ============================================================================================= */
/* Pad                                                                                            */
/* ============================================================================================= */
static void pad_case(const char *what, int opset, const char *mode, cliq__tensor *x, cliq__tensor *pads, cliq__tensor *value,
                     cliq__tensor *axes, cliq__tensor *want) {
  th_op *op = op1("Pad", opset, x->dtype, x->rank, x->dims);
  consts(op, 1, pads);
  if (value || axes) consts(op, 1, value);
  if (axes) consts(op, 1, axes);
  if (mode) SET_STR(op, "mode", mode);
  th_op_outputs(op, 1);
  if (want)
    expect(op, 1, &x, want, 0, what);
  else
    compare(op, 1, &x, 0, "%s", what);
  th_op_free(op);
}

static void test_pad(void) {
  int64_t n3 = 3, n5 = 5;
  cliq__tensor *x = floats(1, &n3, (float[]){1, 2, 3});
  /* expected values from numpy.pad (what the ONNX reference implementation calls) */
  pad_case("Pad constant 9", 13, NULL, x, VEC(2, 1), FVEC(9), NULL, floats(1, DIMS(6), (float[]){9, 9, 1, 2, 3, 9}));
  pad_case("Pad reflect", 13, "reflect", x, VEC(2, 2), NULL, NULL, floats(1, DIMS(7), (float[]){3, 2, 1, 2, 3, 2, 1}));
  pad_case("Pad reflect wider than the axis", 13, "reflect", x, VEC(5, 4), NULL, NULL,
           floats(1, DIMS(12), (float[]){2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3}));
  pad_case("Pad edge", 13, "edge", x, VEC(2, 2), NULL, NULL, floats(1, DIMS(7), (float[]){1, 1, 1, 2, 3, 3, 3}));
  pad_case("Pad wrap (19)", 19, "wrap", x, VEC(4, 2), NULL, NULL, floats(1, DIMS(9), (float[]){3, 1, 2, 3, 1, 2, 3, 1, 2}));
  cliq__tensor_free(x);
  x = floats(1, &n5, (float[]){1, 2, 3, 4, 5});
  pad_case("Pad negative begin crops", 13, NULL, x, VEC(-1, 2), NULL, NULL, floats(1, DIMS(6), (float[]){2, 3, 4, 5, 0, 0}));
  pad_case("Pad crop then reflect", 13, "reflect", x, VEC(2, -2), NULL, NULL, floats(1, DIMS(5), (float[]){3, 2, 1, 2, 3}));
  pad_case("Pad crop everything", 13, NULL, x, VEC(-3, -2), NULL, NULL, th_tensor(CLIQ_DTYPE_FLOAT32, 1, DIMS(0)));
  cliq__tensor_free(x);
  /* Pad-18 axes (negative), int8 data with a zero point as constant, Pad-2 attributes */
  x = ints(CLIQ_DTYPE_INT8, 2, DIMS(2, 2), (int64_t[]){1, 2, 3, 4});
  pad_case("Pad-18 axes [-1] int8 constant -5", 18, NULL, x, VEC(1, 0), ints(CLIQ_DTYPE_INT8, 0, NULL, (int64_t[]){-5}),
           VEC(-1), ints(CLIQ_DTYPE_INT8, 2, DIMS(2, 3), (int64_t[]){-5, 1, 2, -5, 3, 4}));
  cliq__tensor_free(x);
  {
    x = floats(2, DIMS(1, 2), (float[]){1, 2});
    th_op *op = op1("Pad", 6, CLIQ_DTYPE_FLOAT32, 2, x->dims); /* Pad-2 holds until opset 11 */
    SET_INTS(op, "pads", 0, 1, 1, 0);
    cliq__node_set_float(th_op_node(op), "value", 0.5f);
    th_op_outputs(op, 1);
    expect(op, 1, &x, floats(2, DIMS(2, 3), (float[]){0.5f, 1, 2, 0.5f, 0.5f, 0.5f}), 0, "Pad-2 attributes");
    th_op_free(op);
    cliq__tensor_free(x);
  }
  /* sweeps: each mode, pads in [-2, 5] per side (wider than the axis too), ranks 1-4, dtypes */
  const char *modes[4] = {"constant", "edge", "reflect", "wrap"};
  int64_t shapes[][4] = {{2, 3, 7, 13}, {1, 16, 5, 17}, {3, 1, 4, 2}};
  for (int m = 0; m < 4; m++)
    for (size_t s = 0; s < 3; s++)
      for (int r = 1; r <= 4; r++) {
        cliq_dtype dt = move_dtypes[((size_t)m + s + (size_t)r) % 3];
        const int64_t *d = shapes[s] + 4 - r;
        cliq__tensor *xx = random_of(dt, r, d);
        int64_t pads[8];
        for (int k = 0; k < 2 * r; k++) {
          int64_t dim = d[k % r];
          pads[k] = th_randint(m == 0 ? -2 : 0, 5);
          if (m != 0 && dim == 1 && th_randint(0, 1)) pads[k] = 0;
          if (pads[k] < 0 && -pads[k] >= dim) pads[k] = 0;
        }
        for (int k = 0; k < r; k++) /* crops of both sides must leave the axis non-negative */
          if ((pads[k] < 0 ? -pads[k] : 0) + (pads[r + k] < 0 ? -pads[r + k] : 0) > d[k]) pads[r + k] = 0;
        cliq__tensor *val = m == 0 ? ints(dt, 0, NULL, (int64_t[]){dt == CLIQ_DTYPE_INT8 ? -3 : 77}) : NULL;
        char what[160];
        snprintf(what, sizeof what, "Pad %s %s %s pads %s", modes[m], dn(dt), ds(r, d), ds(2 * r, pads));
        pad_case(what, m == 3 ? 19 : 13, modes[m], xx, vec(2 * r, pads), val, NULL, NULL);
        cliq__tensor_free(xx);
      }
  /* the common CNN pads: spatial 1 or asymmetric 0/1 (tf2onnx SAME) on a big tensor */
  {
    int64_t d[4] = {1, 16, 40, 40};
    cliq__tensor *xx = random_of(CLIQ_DTYPE_FLOAT32, 4, d);
    pad_case("Pad [1,16,40,40] spatial 0/1", 13, NULL, xx, VEC(0, 0, 0, 0, 0, 0, 1, 1), NULL, NULL, NULL);
    pad_case("Pad [1,16,40,40] reflect 3", 13, "reflect", xx, VEC(0, 0, 3, 3, 0, 0, 3, 3), NULL, NULL, NULL);
    cliq__tensor_free(xx);
  }
}

/* ============================================================================================= */
/* Resize                                                                                         */
/* ============================================================================================= */
static th_op *resize_op(int opset, cliq__tensor *x, const char *mode, const char *coord, const char *nearest,
                        cliq__tensor *scales, cliq__tensor *sizes) {
  th_op *op = op1("Resize", opset, x->dtype, x->rank, x->dims);
  consts(op, 1, NULL); /* roi */
  consts(op, 1, scales);
  if (sizes) consts(op, 1, sizes);
  if (mode) SET_STR(op, "mode", mode);
  if (coord) SET_STR(op, "coordinate_transformation_mode", coord);
  if (nearest) SET_STR(op, "nearest_mode", nearest);
  th_op_outputs(op, 1);
  return op;
}

static void test_resize(void) {
  /* nearest 2x of a 2x2 (Upsample-style: asymmetric, floor) */
  cliq__tensor *x = floats(4, DIMS(1, 1, 2, 2), (float[]){1, 2, 3, 4});
  th_op *op = resize_op(13, x, "nearest", "asymmetric", "floor", FVEC(1, 1, 2, 2), NULL);
  expect(op, 1, &x, floats(4, DIMS(1, 1, 4, 4), (float[]){1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}), 0,
         "Resize nearest 2x asymmetric floor");
  th_op_free(op);
  /* linear 2x, half_pixel (ONNX test_resize_upsample_scales_linear) */
  op = resize_op(13, x, "linear", NULL, NULL, FVEC(1, 1, 2, 2), NULL);
  expect(op, 1, &x,
         floats(4, DIMS(1, 1, 4, 4),
                (float[]){1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4}),
         1e-6f, "Resize linear 2x half_pixel");
  th_op_free(op);
  /* linear 2x, align_corners: x = y * (2-1) / (4-1) */
  {
    float w[16], t = 1.0f / 3.0f;
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) w[i * 4 + j] = 1.0f + 2.0f * (float)i * t + (float)j * t;
    op = resize_op(13, x, "linear", "align_corners", NULL, NULL, VEC(1, 1, 4, 4));
    expect(op, 1, &x, floats(4, DIMS(1, 1, 4, 4), w), 1e-6f, "Resize linear sizes 4x4 align_corners");
    th_op_free(op);
  }
  cliq__tensor_free(x);
  /* 1-D nearest ties: 0..3 to 8 */
  int64_t n4 = 4;
  x = iota(CLIQ_DTYPE_FLOAT32, 1, &n4);
  struct {
    const char *coord, *nearest;
    float want[8];
  } nc[] = {{"half_pixel", "round_prefer_floor", {0, 0, 1, 1, 2, 2, 3, 3}},
            {"asymmetric", "round_prefer_floor", {0, 0, 1, 1, 2, 2, 3, 3}},
            {"asymmetric", "round_prefer_ceil", {0, 1, 1, 2, 2, 3, 3, 3}},
            {"asymmetric", "ceil", {0, 1, 1, 2, 2, 3, 3, 3}},
            {"align_corners", "round_prefer_floor", {0, 0, 1, 1, 2, 2, 3, 3}},
            {"tf_half_pixel_for_nearest", "round_prefer_floor", {0, 1, 1, 2, 2, 3, 3, 3}}};
  /* align_corners: x = y*3/7 = 0, .43, .86, 1.29, 1.71, 2.14, 2.57, 3; tf_half_pixel: (y+.5)/2 */
  for (size_t i = 0; i < sizeof nc / sizeof nc[0]; i++) {
    op = resize_op(11, x, "nearest", nc[i].coord, nc[i].nearest, FVEC(2), NULL);
    char what[128];
    snprintf(what, sizeof what, "Resize nearest 4->8 %s %s", nc[i].coord, nc[i].nearest);
    expect(op, 1, &x, fvec(8, nc[i].want), 0, what);
    th_op_free(op);
  }
  /* downsample 4 -> 3 with sizes, pytorch_half_pixel linear: x = (y+.5)*4/3-.5 */
  {
    float w[3];
    for (int y = 0; y < 3; y++) {
      double c = (y + 0.5) * 4.0 / 3.0 - 0.5, f = floor(c);
      w[y] = (float)(f + (c - f)); /* on iota, a lerp is the coordinate itself */
    }
    op = resize_op(13, x, "linear", "pytorch_half_pixel", NULL, NULL, VEC(3));
    expect(op, 1, &x, fvec(3, w), 1e-6f, "Resize linear 4->3 pytorch_half_pixel");
    th_op_free(op);
    /* half_pixel to 1 element: x = 2/... : (0+.5)*4-.5 = 1.5 */
    op = resize_op(13, x, "linear", "half_pixel", NULL, NULL, VEC(1));
    expect(op, 1, &x, FVEC(1.5f), 1e-6f, "Resize linear 4->1 half_pixel");
    th_op_free(op);
    op = resize_op(13, x, "linear", "pytorch_half_pixel", NULL, NULL, VEC(1));
    expect(op, 1, &x, FVEC(0.0f), 1e-6f, "Resize linear 4->1 pytorch_half_pixel (x = -0.5 clamps)");
    th_op_free(op);
  }
  cliq__tensor_free(x);
  /* Resize-18: axes and keep_aspect_ratio_policy; [1,1,4,6] to not_larger than 2x2 -> scale 1/3 */
  {
    int64_t d[4] = {1, 1, 4, 6};
    x = iota(CLIQ_DTYPE_FLOAT32, 4, d);
    op = resize_op(18, x, "nearest", "asymmetric", "floor", NULL, VEC(2, 2));
    SET_INTS(op, "axes", 2, -1);
    SET_STR(op, "keep_aspect_ratio_policy", "not_larger");
    /* scale = min(2/4, 2/6) = 1/3: out = round(4/3) x round(6/3) = 1 x 2; x = y*3 */
    expect(op, 1, &x, floats(4, DIMS(1, 1, 1, 2), (float[]){0, 3}), 0, "Resize-18 axes + not_larger");
    th_op_free(op);
    op = resize_op(18, x, "nearest", "asymmetric", "floor", NULL, VEC(2, 2));
    SET_INTS(op, "axes", 2, 3);
    SET_STR(op, "keep_aspect_ratio_policy", "not_smaller");
    /* scale = 1/2: out = 2 x 3; x = 2y */
    expect(op, 1, &x, floats(4, DIMS(1, 1, 2, 3), (float[]){0, 2, 4, 12, 14, 16}), 0, "Resize-18 axes + not_smaller");
    th_op_free(op);
    cliq__tensor_free(x);
  }
  /* sweeps: every coordinate mode x nearest mode x up/down scales and sizes, dtypes */
  const char *coords[6] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric",
                           "tf_half_pixel_for_nearest"};
  const char *nearests[4] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  int64_t shapes[][4] = {{1, 3, 7, 13}, {2, 1, 8, 8}, {1, 17, 1, 3}, {1, 4, 16, 17}};
  const float scales[][2] = {{2, 2}, {0.5f, 0.5f}, {1.7f, 0.6f}, {3, 1}, {0.33f, 2.5f}, {1, 1}};
  for (int c = 0; c < 6; c++)
    for (size_t s = 0; s < 4; s++) {
      int opset = c == 4 ? 19 : c == 5 ? 11 : 13;
      for (int sc = 0; sc < 6; sc++) {
        int nm = (c + (int)s + sc) % 4;
        cliq_dtype dt = all_dtypes[((size_t)c + s * 3 + (size_t)sc) % 6];
        cliq__tensor *xx = random_of(dt, 4, shapes[s]);
        bool by_size = sc % 2 == 1;
        int64_t oh = (int64_t)(scales[sc][0] * (float)shapes[s][2]), ow = (int64_t)(scales[sc][1] * (float)shapes[s][3]);
        if (oh < 1) oh = 1;
        if (ow < 1) ow = 1;
        op = resize_op(opset, xx, "nearest", coords[c], nearests[nm],
                       by_size ? NULL : FVEC(1, 1, scales[sc][0], scales[sc][1]),
                       by_size ? VEC(shapes[s][0], shapes[s][1], oh, ow) : NULL);
        compare(op, 1, &xx, 0, "Resize nearest %s %s %s %s %s %.2gx%.2g", dn(dt), ds(4, shapes[s]), coords[c], nearests[nm],
                by_size ? "sizes" : "scales", scales[sc][0], scales[sc][1]);
        th_op_free(op);
        cliq__tensor_free(xx);
        if (c == 5) continue; /* tf_half_pixel_for_nearest is for nearest */
        xx = random_of(CLIQ_DTYPE_FLOAT32, 4, shapes[s]);
        op = resize_op(opset, xx, "linear", coords[c], NULL, by_size ? NULL : FVEC(1, 1, scales[sc][0], scales[sc][1]),
                       by_size ? VEC(shapes[s][0], shapes[s][1], oh, ow) : NULL);
        compare(op, 1, &xx, 1e-6f, "Resize linear %s %s %s %.2gx%.2g", ds(4, shapes[s]), coords[c], by_size ? "sizes" : "scales",
                scales[sc][0], scales[sc][1]);
        th_op_free(op);
        cliq__tensor_free(xx);
      }
    }
  /* N-d linear (3 axes of a 5-D tensor, one of them the channel axis) and exclude_outside */
  {
    int64_t d[5] = {1, 3, 4, 5, 6};
    cliq__tensor *xx = random_of(CLIQ_DTYPE_FLOAT32, 5, d);
    op = resize_op(13, xx, "linear", "half_pixel", NULL, FVEC(1, 2, 1, 1.5f, 0.5f), NULL);
    compare(op, 1, &xx, 1e-6f, "Resize linear 5-D on 3 axes");
    th_op_free(op);
    op = resize_op(13, xx, "linear", "half_pixel", NULL, FVEC(1, 2, 1.5f, 1.5f, 0.5f), NULL);
    compare(op, 1, &xx, 1e-6f, "Resize linear 5-D on 4 axes");
    th_op_free(op);
    op = resize_op(13, xx, "linear", "half_pixel", NULL, FVEC(1, 1, 1, 2, 2), NULL);
    SET_INT(op, "exclude_outside", 1);
    compare(op, 1, &xx, 1e-6f, "Resize linear exclude_outside");
    th_op_free(op);
    cliq__tensor_free(xx);
  }
  /* Upsample-9 and Resize-10 (rewritten to Resize-11 asymmetric/floor at import) */
  {
    int64_t d[4] = {1, 2, 3, 5};
    cliq__tensor *xx = random_of(CLIQ_DTYPE_INT8, 4, d);
    th_op *u = op1("Upsample", 9, CLIQ_DTYPE_INT8, 4, d);
    consts(u, 1, FVEC(1, 1, 2, 3));
    th_op_outputs(u, 1);
    compare(u, 1, &xx, 0, "Upsample-9 int8 2x3");
    th_op_free(u);
    u = op1("Resize", 10, CLIQ_DTYPE_INT8, 4, d);
    consts(u, 1, FVEC(1, 1, 0.5f, 1.5f));
    th_op_outputs(u, 1);
    compare(u, 1, &xx, 0, "Resize-10 int8");
    th_op_free(u);
    cliq__tensor_free(xx);
  }
}

/* ============================================================================================= */
/* Rejections                                                                                     */
/* ============================================================================================= */
static void test_rejections(void) {
  int64_t d[2] = {3, 4};
  cliq__tensor *x = random_of(CLIQ_DTYPE_FLOAT32, 2, d);
  th_op *op;
  struct {
    const char *type;
    int opset;
    cliq_status want;
    const char *what;
  } cases[] = {
      {"Reshape", 13, CLIQ_STATUS_SHAPE_MISMATCH, "Reshape [3,4] to [5,-1]"},
      {"Reshape", 13, CLIQ_STATUS_INVALID_MODEL, "Reshape with two -1"},
      {"Concat", 13, CLIQ_STATUS_SHAPE_MISMATCH, "Concat [3,4] with [3,5] on axis 0"},
      {"Squeeze", 13, CLIQ_STATUS_SHAPE_MISMATCH, "Squeeze of a dim of size 3"},
      {"Transpose", 13, CLIQ_STATUS_INVALID_MODEL, "Transpose perm [0,0]"},
      {"Slice", 13, CLIQ_STATUS_INVALID_MODEL, "Slice step 0"},
      {"Split", 13, CLIQ_STATUS_SHAPE_MISMATCH, "Split sizes summing to 5 of 4"},
      {"Resize", 13, CLIQ_STATUS_UNSUPPORTED, "Resize mode cubic"},
      {"Resize", 18, CLIQ_STATUS_UNSUPPORTED, "Resize antialias 1"},
      {"Resize", 13, CLIQ_STATUS_INVALID_MODEL, "Resize with scales and sizes"},
      {"Resize", 13, CLIQ_STATUS_UNSUPPORTED, "Resize tf_crop_and_resize"},
      {"Pad", 18, CLIQ_STATUS_UNSUPPORTED, "Pad mode wrap before opset 19"},
      {"Pad", 13, CLIQ_STATUS_INVALID_MODEL, "Pad with 3 pads for rank 2"},
      {"Dropout", 13, CLIQ_STATUS_UNSUPPORTED, "Dropout with its mask output"},
      {"Dropout", 13, CLIQ_STATUS_UNSUPPORTED, "Dropout training_mode true"},
      {"Gather", 13, CLIQ_STATUS_INVALID_MODEL, "Gather axis 2 of rank 2"},
      {"Unsqueeze", 13, CLIQ_STATUS_INVALID_MODEL, "Unsqueeze axes [0,0]"},
      {"Cast", 13, CLIQ_STATUS_UNSUPPORTED, "Cast to float16"},
      {"Expand", 13, CLIQ_STATUS_SHAPE_MISMATCH, "Expand [3,4] to [2,4,5]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    op = op1(cases[i].type, cases[i].opset, CLIQ_DTYPE_FLOAT32, 2, d);
    size_t n_out = 1;
    switch (i) {
    case 0: consts(op, 1, VEC(5, -1)); break;
    case 1: consts(op, 1, VEC(-1, -1)); break;
    case 2: th_op_input(op, CLIQ_DTYPE_FLOAT32, 2, DIMS(3, 5)), SET_INT(op, "axis", 0); break;
    case 3: consts(op, 1, VEC(0)); break;
    case 4: SET_INTS(op, "perm", 0, 0); break;
    case 5: consts(op, 4, VEC(0), VEC(3), VEC(0), VEC(0)); break;
    case 6: consts(op, 1, VEC(2, 3)), SET_INT(op, "axis", 1), n_out = 2; break;
    case 7: consts(op, 2, NULL, FVEC(2, 2)), SET_STR(op, "mode", "cubic"); break;
    case 8: consts(op, 2, NULL, FVEC(2, 2)), SET_STR(op, "mode", "linear"), SET_INT(op, "antialias", 1); break;
    case 9: consts(op, 3, NULL, FVEC(2, 2), VEC(6, 8)); break;
    case 10: consts(op, 2, NULL, FVEC(2, 2)), SET_STR(op, "coordinate_transformation_mode", "tf_crop_and_resize"); break;
    case 11: consts(op, 1, VEC(1, 1, 1, 1)), SET_STR(op, "mode", "wrap"); break;
    case 12: consts(op, 1, VEC(1, 1, 1)); break;
    case 13: n_out = 2; break;
    case 14: consts(op, 2, FVEC(0.5f), ints(CLIQ_DTYPE_BOOL, 0, NULL, (int64_t[]){1})); break;
    case 15: consts(op, 1, VEC(0)), SET_INT(op, "axis", 2); break;
    case 16: consts(op, 1, VEC(0, 0)); break;
    case 17: SET_INT(op, "to", 10); break;
    case 18: consts(op, 1, VEC(2, 4, 5)); break;
    }
    th_op_outputs(op, n_out);
    cliq__tensor *in[2] = {x, NULL};
    if (i == 2) in[1] = random_of(CLIQ_DTYPE_FLOAT32, 2, DIMS(3, 5));
    expect_status(op, i == 2 ? 2 : 1, in, cases[i].want, cases[i].what);
    cliq__tensor_free(in[1]);
    th_op_free(op);
  }
  /* a shape computed at run time (from data, not from shapes) cannot be planned */
  op = op1("Reshape", 13, CLIQ_DTYPE_FLOAT32, 2, d);
  th_op_input(op, CLIQ_DTYPE_INT64, 1, DIMS(2));
  th_op_outputs(op, 1);
  {
    cliq__tensor *in[2] = {x, VEC(4, 3)};
    expect_status(op, 2, in, CLIQ_STATUS_UNSUPPORTED, "Reshape with a runtime shape input");
    cliq__tensor_free(in[1]);
  }
  th_op_free(op);
  cliq__tensor_free(x);
}

/* ============================================================================================= */
/* A shape subgraph (ultraface's box head): Shape -> Gather -> Unsqueeze -> Concat -> Reshape,    */
/* with a symbolic batch: skipped at load (the shape is not constant yet), folded by the session. */
/* ============================================================================================= */
static void test_shape_subgraph(void) {
  tg *t = tg_new(13);
  const char *names[4] = {"batch", NULL, NULL, NULL};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, DIMS(-1, 8, 5, 3), names);
  cliq__tensor *zero = ints(CLIQ_DTYPE_INT64, 0, NULL, (int64_t[]){0}), *ax0 = VEC(0), *rest = VEC(-1, 4);
  int c_zero = tg_const(t, "zero", zero), c_ax0 = tg_const(t, "ax0", ax0), c_rest = tg_const(t, "rest", rest);
  free_all((cliq__tensor *[]){zero, ax0, rest}, 3);
  int tr = tg_node(t, "Transpose", "tr", (int[]){x}, 1);
  cliq__node_set_ints(tg_last_node(t), "perm", (int64_t[]){0, 2, 3, 1}, 4);
  int shp = tg_node(t, "Shape", "shape", (int[]){x}, 1);
  int b = tg_node(t, "Gather", "gather", (int[]){shp, c_zero}, 2);
  int bu = tg_node(t, "Unsqueeze", "unsq", (int[]){b, c_ax0}, 2);
  int cat = tg_node(t, "Concat", "concat", (int[]){bu, c_rest}, 2);
  cliq__node_set_int(tg_last_node(t), "axis", 0);
  int y = tg_node(t, "Reshape", "reshape", (int[]){tr, cat}, 2);
  tg_output(t, y);
  void *buf;
  size_t size;
  bool built = th_expect_status(g_ref, tg_bytes(t, g_ref, &buf, &size), CLIQ_STATUS_OK, "building the shape subgraph");
  tg_free(t);
  if (!built) return;
  for (int batch = 1; batch <= 3; batch += 2) {
    int64_t d[4] = {batch, 8, 5, 3};
    cliq__tensor *in = random_of(CLIQ_DTYPE_FLOAT32, 4, d);
    cliq__tensor *want = NULL;
    cliq_context *ctxs[2] = {g_ref, g_dev};
    for (int c = 0; c < 2; c++) {
      cliq_model *m = NULL;
      char what[128];
      snprintf(what, sizeof what, "shape subgraph, batch %d, %s", batch, c ? "device" : "reference");
      if (!th_expect_status(ctxs[c], cliq_model_load_memory(ctxs[c], buf, size, NULL, &m), CLIQ_STATUS_OK, what)) continue;
      cliq__tensor **out;
      size_t n_out;
      if (th_expect_status(ctxs[c], th_run(ctxs[c], m, 1, &in, &n_out, &out), CLIQ_STATUS_OK, what)) {
        int64_t wd[3] = {batch, 30, 4};
        TH_CHECK(out[0]->rank == 3 && memcmp(out[0]->dims, wd, sizeof wd) == 0, "%s: output shape %s, want %s", what,
                 ds(out[0]->rank, out[0]->dims), ds(3, wd));
        /* y = NHWC of x, flattened: y[(n*15 + h*3 + w)*8 + c] = x[n][c][h][w] */
        bool ok = true;
        const float *xv = in->data, *yv = out[0]->data;
        for (int n = 0; n < batch && ok; n++)
          for (int ch = 0; ch < 8 && ok; ch++)
            for (int hw = 0; hw < 15; hw++)
              if (yv[(n * 15 + hw) * 8 + ch] != xv[(n * 8 + ch) * 15 + hw]) ok = false;
        TH_CHECK(ok, "%s: values are NHWC of the input", what);
        if (!want) want = cliq__tensor_clone(out[0]);
        th_free_tensors(out, n_out);
      }
      cliq_model_destroy(m);
    }
    cliq__tensor_free(want);
    cliq__tensor_free(in);
  }
  free(buf);
}

int main(void) {
  th_init("test_ops_data");
  g_dev = th_device_context();
  g_ref = th_ref_context();
  test_views();
  test_shape_ops();
  test_gather();
  test_cast();
  test_concat_split();
  test_slice();
  test_transpose();
  test_expand_tile();
  test_pad();
  test_resize();
  test_rejections();
  test_shape_subgraph();
  cliq_context_destroy(g_dev);
  cliq_context_destroy(g_ref);
  return th_finish();
}

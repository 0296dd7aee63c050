/*
 * qlinear.c — the ONNX integer ops: ConvInteger (opset 10), MatMulInteger (10), QLinearConv (10)
 * and QLinearMatMul (10, 21): checks, shape inference, reference dispatch (host/ref/qlinear.c)
 * and device plans (cl_kernels/qlinear.cl, direct kernels that read scales and zero points from
 * buffers, so runtime parameters work and results match the ONNX reference exactly).
 *
 * Parameter shapes supported (the ONNX reference broadcasts them with numpy; these are the cases
 * that mean per-tensor / per-row / per-column quantization and what exporters write):
 *   QLinearConv  x, y: per tensor; w_scale, w_zero_point: per tensor or 1-D per output channel.
 *   ConvInteger  x_zero_point per tensor; w_zero_point per tensor or 1-D per output channel.
 *   QLinearMatMul, MatMulInteger: A's scale/zero point per tensor or per row ([..., M, 1], leading
 *   dims 1); B's per tensor or per column ([N] or [..., 1, N]); y per tensor.
 * Anything else is UNSUPPORTED, naming the value. Conv geometry (auto_pad, pads, strides,
 * dilations, group) and MatMul batch broadcasting (1-D operands, broadcast batch dims) follow the
 * Conv and MatMul specs.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "quant_util.h"
#include "window.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t elems(const cliq__value *v) {
  size_t n = 0;
  cliq__shape_elems(v->rank, v->dims, &n);
  return n;
}

static cliq_status need_scalar(const cliq__opctx *oc, size_t i) {
  const cliq__value *v = cliq__op_in(oc, i);
  if (v && elems(v) != 1)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has %zu elements; only per-tensor (one element) is supported",
                         v->name, elems(v));
  return CLIQ_STATUS_OK;
}

/* One element, or one per output channel as a 1-D tensor. */
static cliq_status need_per_channel(const cliq__opctx *oc, size_t i, int64_t channels) {
  const cliq__value *v = cliq__op_in(oc, i);
  if (v && elems(v) != 1 && !(v->rank == 1 && v->dims[0] == channels))
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "input '%s' must hold one value or one per output channel (1-D of %lld)", v->name, (long long)channels);
  return CLIQ_STATUS_OK;
}

static cliq_status need_float_params(const cliq__opctx *oc, const size_t *idx, size_t n) {
  for (size_t k = 0; k < n; k++) {
    CLIQ__TRY(cliq__op_check_dtype(oc, idx[k], CLIQ__DT_FLOAT));
    const cliq__value *v = cliq__op_in(oc, idx[k]);
    if (v->constant)
      for (size_t i = 0; i < elems(v); i++) {
        double s = cliq__tensor_get_f64(v->constant, i);
        if (!(s > 0.0) || !isfinite(s))
          return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "scale '%s'[%zu] is %.9g: scales must be finite and positive",
                               v->name, i, s);
      }
  }
  return CLIQ_STATUS_OK;
}

/* Zero point input i must have the dtype of data input d (absent is fine). */
static cliq_status need_zp_type(const cliq__opctx *oc, size_t i, size_t d) {
  const cliq__value *z = cliq__op_in(oc, i), *x = cliq__op_in(oc, d);
  if (z && z->dtype != x->dtype)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "zero point '%s' is %s but '%s' is %s: they must have the same type",
                         z->name, cliq_dtype_name(z->dtype), x->name, cliq_dtype_name(x->dtype));
  return CLIQ_STATUS_OK;
}

/* Data inputs x and w (A and B) int8 or uint8, their zero points (absent or) of the same type. */
static cliq_status need_operands(const cliq__opctx *oc, size_t x, size_t w, size_t xzp, size_t wzp) {
  CLIQ__TRY(cliq__op_check_dtype(oc, x, CLIQ__DT_Q8));
  CLIQ__TRY(cliq__op_check_dtype(oc, w, CLIQ__DT_Q8));
  CLIQ__TRY(need_zp_type(oc, xzp, x));
  return need_zp_type(oc, wzp, w);
}

/* QLinearConv and QLinearMatMul share the parameter positions: scales at 1, 4 and 6 (float, finite
 * and positive), y's scale and zero point (6, 7) per tensor; y has the zero point's type (*yt). */
static cliq_status need_qlinear_params(const cliq__opctx *oc, cliq_dtype *yt) {
  static const size_t fl[3] = {1, 4, 6};
  CLIQ__TRY(need_float_params(oc, fl, 3));
  CLIQ__TRY(need_scalar(oc, 6));
  CLIQ__TRY(need_scalar(oc, 7));
  CLIQ__TRY(cliq__op_check_dtype(oc, 7, CLIQ__DT_Q8));
  *yt = cliq__op_in(oc, 7)->dtype;
  return CLIQ_STATUS_OK;
}

/* The kernels index with int: the output (its element count in *total) and both data inputs must
 * fit. */
static cliq_status need_int_sizes(const cliq__opctx *oc, const cliq__value *y, const cliq__value *x, const cliq__value *w,
                                  int *total) {
  int tmp;
  CLIQ__TRY(cliq__op_elems_i32(oc, y, total));
  CLIQ__TRY(cliq__op_elems_i32(oc, x, &tmp));
  return cliq__op_elems_i32(oc, w, &tmp);
}

/* The launch of qlinear.cl's `kernel` for data types x, w (y for QLinear*: the int32 ops write
 * int32), with its first arguments bound: x, w, then the optional inputs params[] (zero points,
 * bias; (size_t)-1 for one the op does not have), then the QLinear* scales and y zero point (inputs 1, 4, 6, 7). An absent
 * buffer is bound to x's: never read. *lo, *hi: y's range (0 for the int32 ops). */
static cliq__launch *qlinear_launch(cliq__planner *p, const cliq__opctx *oc, const char *kernel, bool qlinear, size_t x,
                                    size_t w, const size_t *params, size_t n_params, int *lo, int *hi) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *y = cliq__op_out(oc, 0);
  char opts[200];
  snprintf(opts, sizeof opts, "-DXT=%s -DWT=%s -DYT=%s -DQLINEAR=%d %s", cliq__qcl_type(cliq__op_in(oc, x)->dtype),
           cliq__qcl_type(cliq__op_in(oc, w)->dtype), qlinear ? cliq__qcl_type(y->dtype) : "uchar", qlinear ? 1 : 0,
           qlinear ? cliq__exact_div_options(p) : "");
  *lo = *hi = 0;
  if (qlinear) cliq__qrange(y->dtype, lo, hi);
  cliq__launch *L = cliq__plan_kernel(p, oc->node, "qlinear", opts, kernel);
  const int any = n->inputs[x];
  cliq__arg_value(L, n->inputs[x]);
  cliq__arg_value(L, n->inputs[w]);
  for (size_t k = 0; k < n_params; k++) cliq__arg_value(L, cliq__op_in(oc, params[k]) ? n->inputs[params[k]] : any);
  static const size_t qparams[4] = {1, 4, 6, 7};
  for (int k = 0; k < 4; k++) cliq__arg_value(L, qlinear ? n->inputs[qparams[k]] : any);
  return L;
}

/* Host copies of an optional integer parameter (NULL when absent) and a float one. */
static int32_t *ints_of(const cliq__tensor *t) {
  if (!t) return NULL;
  size_t n = cliq__tensor_elems(t);
  int32_t *v = malloc((n + 1) * sizeof *v);
  if (v) cliq__tensor_ints32(t, v, n);
  return v;
}

/* --- convolutions --------------------------------------------------------------------------- */

typedef struct conv_io {
  size_t x, w, xzp, wzp, bias; /* input indices; (size_t)-1 when the op has none */
  bool qlinear;
} conv_io;

static conv_io conv_layout(const cliq__opctx *oc) {
  if (strcmp(cliq__op_node(oc)->op_type, "QLinearConv") == 0) return (conv_io){0, 3, 2, 5, 8, true};
  return (conv_io){0, 1, 2, 3, (size_t)-1, false};
}

static cliq_status conv_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "auto_pad,dilations,group,kernel_shape,pads,strides"));
  if (cliq__attr_int(cliq__op_node(oc), "group", 1) < 1)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "group must be >= 1");
  return CLIQ_STATUS_OK;
}

static cliq_status conv_geometry(const cliq__opctx *oc, cliq__win *win, int64_t *group) {
  conv_io io = conv_layout(oc);
  const cliq__value *x = cliq__op_in(oc, io.x), *w = cliq__op_in(oc, io.w);
  *group = cliq__attr_int(cliq__op_node(oc), "group", 1);
  if (x->rank < 3 || w->rank != x->rank)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' has rank %d and weight '%s' rank %d: both must be N-d (N >= 3) and equal",
                         x->name, x->rank, w->name, w->rank);
  if (w->dims[1] * *group != x->dims[1])
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                         "input '%s' has %lld channels but weight '%s' expects %lld (C/group with group %lld): shapes must agree",
                         x->name, (long long)x->dims[1], w->name, (long long)(w->dims[1] * *group), (long long)*group);
  if (w->dims[0] % *group != 0)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "weight '%s' has %lld output channels, not a multiple of group %lld",
                         w->name, (long long)w->dims[0], (long long)*group);
  return cliq__window(oc, x, w->dims + 2, false, win);
}

static cliq_status conv_infer(cliq__opctx *oc) {
  conv_io io = conv_layout(oc);
  CLIQ__TRY(io.qlinear ? cliq__op_check_arity(oc, 8, 9, 1, 1) : cliq__op_check_arity(oc, 2, 4, 1, 1));
  CLIQ__TRY(need_operands(oc, io.x, io.w, io.xzp, io.wzp));
  const cliq__value *x = cliq__op_in(oc, io.x), *w = cliq__op_in(oc, io.w);
  cliq__win win;
  int64_t group;
  CLIQ__TRY(conv_geometry(oc, &win, &group));
  int64_t m = w->dims[0];
  CLIQ__TRY(need_scalar(oc, io.xzp));
  CLIQ__TRY(need_per_channel(oc, io.wzp, m));
  cliq_dtype yt = CLIQ_DTYPE_INT32;
  if (io.qlinear) {
    CLIQ__TRY(need_qlinear_params(oc, &yt));
    CLIQ__TRY(need_scalar(oc, 1));
    CLIQ__TRY(need_per_channel(oc, 4, m));
    const cliq__value *b = cliq__op_in(oc, 8);
    if (b) {
      CLIQ__TRY(cliq__op_check_dtype(oc, 8, CLIQ__DT(CLIQ_DTYPE_INT32)));
      if (b->rank != 1 || b->dims[0] != m)
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "bias '%s' must be 1-D with %lld elements (one per output channel)",
                             b->name, (long long)m);
    }
  }
  int64_t dims[5] = {x->dims[0], m, win.out[0], win.out[1], win.out[2]};
  return cliq__op_set_out(oc, 0, yt, x->rank, dims);
}

static cliq_status conv_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  conv_io io = conv_layout(oc);
  size_t nin = cliq__op_n_in(oc);
  const cliq__tensor *x = in[io.x], *w = in[io.w];
  const cliq__tensor *xz = io.xzp < nin ? in[io.xzp] : NULL, *wz = io.wzp < nin ? in[io.wzp] : NULL;
  const cliq__tensor *bias = io.qlinear && io.bias < nin ? in[io.bias] : NULL;
  cliq__win win;
  int64_t group;
  CLIQ__TRY(conv_geometry(oc, &win, &group));
  int64_t m = w->dims[0];
  int32_t *wzp = calloc((size_t)m + 1, sizeof(int32_t));
  int32_t *acc = io.qlinear ? malloc((cliq__tensor_elems(out[0]) + 1) * sizeof(int32_t)) : out[0]->data;
  if (!wzp || !acc) {
    free(wzp);
    if (io.qlinear) free(acc);
    return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating the accumulators");
  }
  for (int64_t c = 0; c < m; c++) wzp[c] = wz ? (int32_t)cliq__tensor_get_i64(wz, cliq__tensor_elems(wz) == 1 ? 0 : (size_t)c) : 0;
  int32_t xzp = xz ? (int32_t)cliq__tensor_get_i64(xz, 0) : 0;
  cliq__ref_conv_integer(x->data, cliq__qkind(x->dtype), w->data, cliq__qkind(w->dtype), xzp, wzp,
                         bias ? bias->data : NULL, x->dims[0], x->dims[1], m, group, &win, acc);
  if (io.qlinear) {
    int lo, hi;
    cliq__qrange(out[0]->dtype, &lo, &hi);
    float sx = ((const float *)in[1]->data)[0], sy = ((const float *)in[6]->data)[0];
    int zy = (int)cliq__tensor_get_i64(in[7], 0);
    size_t ne = cliq__tensor_elems(out[0]), ns = cliq__tensor_elems(in[4]);
    size_t per = ne ? ne / (size_t)(x->dims[0] * m) : 1;
    for (size_t i = 0; i < cliq__tensor_elems(out[0]); i++) {
      size_t c = (i / per) % (size_t)m;
      /* numpy: x_scale * w_scale / y_scale in float32, left to right */
      float mult = (sx * ((const float *)in[4]->data)[ns == 1 ? 0 : c]) / sy;
      int q = cliq__ref_qlinear_requant(acc[i], mult, zy, lo, hi);
      if (out[0]->dtype == CLIQ_DTYPE_INT8) ((int8_t *)out[0]->data)[i] = (int8_t)q;
      else ((uint8_t *)out[0]->data)[i] = (uint8_t)q;
    }
    free(acc);
  }
  free(wzp);
  return CLIQ_STATUS_OK;
}

static cliq_status conv_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  conv_io io = conv_layout(&oc);
  const cliq__value *x = cliq__op_in(&oc, io.x), *w = cliq__op_in(&oc, io.w), *y = cliq__op_out(&oc, 0);
  cliq__win win;
  int64_t group;
  CLIQ__TRY(conv_geometry(&oc, &win, &group));
  int total;
  CLIQ__TRY(need_int_sizes(&oc, y, x, w, &total));
  const cliq__value *xz = cliq__op_in(&oc, io.xzp), *wz = cliq__op_in(&oc, io.wzp);
  const cliq__value *bias = cliq__op_in(&oc, io.bias);
  const size_t params[3] = {io.xzp, io.wzp, io.bias};
  int lo, hi;
  cliq__launch *L = qlinear_launch(p, &oc, "conv_integer", io.qlinear, io.x, io.w, params, 3, &lo, &hi);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, (xz ? 1 : 0) | (wz ? 2 : 0) | (bias ? 4 : 0));
  cliq__arg_i32(L, wz ? (int32_t)elems(wz) : 1);
  cliq__arg_i32(L, io.qlinear ? (int32_t)elems(cliq__op_in(&oc, 4)) : 1);
  cliq__arg_i32(L, total);
  cliq__arg_i32(L, (int32_t)x->dims[1]);
  cliq__arg_i32(L, (int32_t)w->dims[0]);
  cliq__arg_i32(L, (int32_t)group);
  const int64_t *geo[6] = {win.in, win.k, win.out, win.stride, win.dil, win.pad};
  for (int g = 0; g < 6; g++)
    for (int d = 0; d < 3; d++) cliq__arg_i32(L, (int32_t)geo[g][d]);
  cliq__arg_i32(L, lo);
  cliq__arg_i32(L, hi);
  size_t gws = (size_t)total, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

static uint64_t conv_macs(cliq__opctx *oc) {
  conv_io io = conv_layout(oc);
  const cliq__value *w = cliq__op_in(oc, io.w), *y = cliq__op_out(oc, 0);
  size_t ne = elems(y), kw = 1;
  for (int d = 1; d < w->rank; d++) kw *= (size_t)w->dims[d];
  return (uint64_t)ne * kw;
}

/* --- matrix products ------------------------------------------------------------------------ */

typedef struct mm_io {
  size_t a, b, azp, bzp, as, bs; /* (size_t)-1: none */
  bool qlinear;
} mm_io;

static mm_io mm_layout(const cliq__opctx *oc) {
  if (strcmp(cliq__op_node(oc)->op_type, "QLinearMatMul") == 0) return (mm_io){0, 3, 2, 5, 1, 4, true};
  return (mm_io){0, 1, 2, 3, (size_t)-1, (size_t)-1, false};
}

typedef struct mm_shape {
  int rank;             /* output rank */
  int64_t dims[CLIQ_MAX_RANK];
  size_t batch, m, k, n;
} mm_shape;

static cliq_status mm_shapes(const cliq__opctx *oc, mm_shape *s) {
  mm_io io = mm_layout(oc);
  const cliq__value *a = cliq__op_in(oc, io.a), *b = cliq__op_in(oc, io.b);
  if (a->rank < 1 || b->rank < 1)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "MatMul operands must have rank >= 1 ('%s' %d, '%s' %d)", a->name,
                         a->rank, b->name, b->rank);
  int64_t ka = a->dims[a->rank - 1], kb = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
  if (ka != kb)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "'%s' has K = %lld but '%s' has K = %lld: inner dims must agree",
                         a->name, (long long)ka, b->name, (long long)kb);
  int rba = a->rank > 2 ? a->rank - 2 : 0, rbb = b->rank > 2 ? b->rank - 2 : 0, rbo;
  int64_t bo[CLIQ_MAX_RANK];
  if (!cliq__broadcast_shape(rba, a->dims, rbb, b->dims, &rbo, bo))
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "batch dims of '%s' and '%s' do not broadcast", a->name, b->name);
  s->rank = 0;
  s->batch = 1;
  for (int i = 0; i < rbo; i++) s->dims[s->rank++] = bo[i], s->batch *= (size_t)bo[i];
  s->m = a->rank == 1 ? 1 : (size_t)a->dims[a->rank - 2];
  s->n = b->rank == 1 ? 1 : (size_t)b->dims[b->rank - 1];
  s->k = (size_t)ka;
  if (a->rank > 1) s->dims[s->rank++] = (int64_t)s->m;
  if (b->rank > 1) s->dims[s->rank++] = (int64_t)s->n;
  return CLIQ_STATUS_OK;
}

/* Count of a parameter of A (per row) or B (per column): 1, or M / N; UNSUPPORTED otherwise. */
static cliq_status mm_param(const cliq__opctx *oc, size_t i, bool of_a, const mm_shape *s, size_t *count) {
  *count = 1;
  const cliq__value *v = i == (size_t)-1 ? NULL : cliq__op_in(oc, i);
  if (!v || elems(v) == 1) return CLIQ_STATUS_OK;
  bool ok = v->rank >= (of_a ? 2 : 1);
  for (int d = 0; d < v->rank && ok; d++) {
    int64_t want = of_a ? (d == v->rank - 2 ? (int64_t)s->m : 1) : (d == v->rank - 1 ? (int64_t)s->n : 1);
    ok = v->dims[d] == want;
  }
  if (!ok)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "input '%s': only per-tensor parameters, per row of A ([..., %zu, 1]) or per column of B ([%zu] "
                         "or [..., 1, %zu]) are supported",
                         v->name, s->m, s->n, s->n);
  *count = of_a ? s->m : s->n;
  return CLIQ_STATUS_OK;
}

/* The counts of all four parameters (zero points of A and B; for QLinearMatMul their scales, else
 * 1): what infer checks, ref and plan read. */
typedef struct mm_counts {
  size_t azp, bzp, as, bs;
} mm_counts;

static cliq_status mm_params(const cliq__opctx *oc, const mm_shape *s, mm_counts *c) {
  mm_io io = mm_layout(oc);
  c->as = c->bs = 1;
  CLIQ__TRY(mm_param(oc, io.azp, true, s, &c->azp));
  CLIQ__TRY(mm_param(oc, io.bzp, false, s, &c->bzp));
  if (!io.qlinear) return CLIQ_STATUS_OK;
  CLIQ__TRY(mm_param(oc, io.as, true, s, &c->as));
  return mm_param(oc, io.bs, false, s, &c->bs);
}

static cliq_status mm_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

static cliq_status mm_infer(cliq__opctx *oc) {
  mm_io io = mm_layout(oc);
  CLIQ__TRY(io.qlinear ? cliq__op_check_arity(oc, 8, 8, 1, 1) : cliq__op_check_arity(oc, 2, 4, 1, 1));
  CLIQ__TRY(need_operands(oc, io.a, io.b, io.azp, io.bzp));
  mm_shape s;
  CLIQ__TRY(mm_shapes(oc, &s));
  cliq_dtype yt = CLIQ_DTYPE_INT32;
  if (io.qlinear) CLIQ__TRY(need_qlinear_params(oc, &yt));
  mm_counts c;
  CLIQ__TRY(mm_params(oc, &s, &c));
  return cliq__op_set_out(oc, 0, yt, s.rank, s.dims);
}

/* Element offsets of each output batch's A and B matrices (numpy batch broadcasting). */
static cliq_status mm_offsets(const cliq__opctx *oc, const mm_shape *s, size_t **a_off, size_t **b_off) {
  mm_io io = mm_layout(oc);
  const cliq__value *a = cliq__op_in(oc, io.a), *b = cliq__op_in(oc, io.b);
  *a_off = malloc((s->batch + 1) * sizeof(size_t));
  *b_off = malloc((s->batch + 1) * sizeof(size_t));
  if (!*a_off || !*b_off) {
    free(*a_off), free(*b_off);
    return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating batch offsets");
  }
  int rb = s->rank - (a->rank > 1) - (b->rank > 1);
  int rba = a->rank > 2 ? a->rank - 2 : 0, rbb = b->rank > 2 ? b->rank - 2 : 0;
  for (size_t t = 0; t < s->batch; t++) {
    size_t rem = t, ao = 0, bo = 0, as = s->m * s->k, bs = s->k * s->n;
    for (int d = rb - 1; d >= 0; d--) {
      size_t idx = rem % (size_t)s->dims[d];
      rem /= (size_t)s->dims[d];
      int da = d - (rb - rba), db = d - (rb - rbb);
      if (da >= 0) {
        if (a->dims[da] != 1) ao += idx * as;
        as *= (size_t)a->dims[da];
      }
      if (db >= 0) {
        if (b->dims[db] != 1) bo += idx * bs;
        bs *= (size_t)b->dims[db];
      }
    }
    (*a_off)[t] = ao;
    (*b_off)[t] = bo;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status mm_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  mm_io io = mm_layout(oc);
  size_t nin = cliq__op_n_in(oc);
  mm_shape s;
  CLIQ__TRY(mm_shapes(oc, &s));
  mm_counts c;
  size_t *a_off, *b_off;
  CLIQ__TRY(mm_params(oc, &s, &c));
  CLIQ__TRY(mm_offsets(oc, &s, &a_off, &b_off));
  const cliq__tensor *az = io.azp < nin ? in[io.azp] : NULL, *bz = io.bzp < nin ? in[io.bzp] : NULL;
  int32_t *azp = ints_of(az), *bzp = ints_of(bz);
  size_t total = s.batch * s.m * s.n;
  int32_t *acc = io.qlinear ? malloc((total + 1) * sizeof(int32_t)) : out[0]->data;
  cliq_status st = CLIQ_STATUS_OK;
  if ((az && !azp) || (bz && !bzp) || !acc) {
    st = cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating the accumulators");
    goto out;
  }
  cliq__ref_matmul_integer(in[io.a]->data, cliq__qkind(in[io.a]->dtype), in[io.b]->data, cliq__qkind(in[io.b]->dtype), azp, c.azp,
                           bzp, c.bzp, s.batch, a_off, b_off, s.m, s.k, s.n, acc);
  if (io.qlinear) {
    int lo, hi;
    cliq__qrange(out[0]->dtype, &lo, &hi);
    const float *sa = in[1]->data, *sb = in[4]->data;
    float sy = ((const float *)in[6]->data)[0];
    int zy = (int)cliq__tensor_get_i64(in[7], 0);
    for (size_t i = 0; i < total; i++) {
      size_t row = (i / s.n) % s.m, col = i % s.n;
      float mult = (sa[c.as == 1 ? 0 : row] * sb[c.bs == 1 ? 0 : col]) / sy;
      int q = cliq__ref_qlinear_requant(acc[i], mult, zy, lo, hi);
      if (out[0]->dtype == CLIQ_DTYPE_INT8) ((int8_t *)out[0]->data)[i] = (int8_t)q;
      else ((uint8_t *)out[0]->data)[i] = (uint8_t)q;
    }
  }
out:
  if (io.qlinear) free(acc);
  free(azp), free(bzp), free(a_off), free(b_off);
  return st;
}

static cliq_status mm_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  mm_io io = mm_layout(&oc);
  const cliq__value *a = cliq__op_in(&oc, io.a), *b = cliq__op_in(&oc, io.b), *y = cliq__op_out(&oc, 0);
  mm_shape s;
  CLIQ__TRY(mm_shapes(&oc, &s));
  int total;
  CLIQ__TRY(need_int_sizes(&oc, y, a, b, &total));
  mm_counts c;
  size_t *a_off, *b_off;
  CLIQ__TRY(mm_params(&oc, &s, &c));
  CLIQ__TRY(mm_offsets(&oc, &s, &a_off, &b_off));
  int32_t *offs = malloc((2 * s.batch + 1) * sizeof(int32_t));
  if (!offs) {
    free(a_off), free(b_off);
    return cliq__op_fail(&oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating batch offsets");
  }
  for (size_t t = 0; t < s.batch; t++) offs[t] = (int32_t)a_off[t], offs[s.batch + t] = (int32_t)b_off[t];
  int ca = cliq__plan_const(p, offs, s.batch * sizeof(int32_t));
  int cb = cliq__plan_const(p, offs + s.batch, s.batch * sizeof(int32_t));
  free(offs), free(a_off), free(b_off);
  const cliq__value *az = cliq__op_in(&oc, io.azp), *bz = cliq__op_in(&oc, io.bzp);
  const size_t params[2] = {io.azp, io.bzp};
  int lo, hi;
  cliq__launch *L = qlinear_launch(p, &oc, "matmul_integer", io.qlinear, io.a, io.b, params, 2, &lo, &hi);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_const(L, ca);
  cliq__arg_const(L, cb);
  cliq__arg_i32(L, (az ? 1 : 0) | (bz ? 2 : 0));
  cliq__arg_i32(L, (int32_t)c.azp);
  cliq__arg_i32(L, (int32_t)c.bzp);
  cliq__arg_i32(L, (int32_t)c.as);
  cliq__arg_i32(L, (int32_t)c.bs);
  cliq__arg_i32(L, (int32_t)s.batch);
  cliq__arg_i32(L, (int32_t)s.m);
  cliq__arg_i32(L, (int32_t)s.k);
  cliq__arg_i32(L, (int32_t)s.n);
  cliq__arg_i32(L, lo);
  cliq__arg_i32(L, hi);
  size_t gws = (size_t)total, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

static uint64_t mm_macs(cliq__opctx *oc) {
  mm_shape s;
  if (mm_shapes(oc, &s) != CLIQ_STATUS_OK) return 0;
  return (uint64_t)s.batch * s.m * s.n * s.k;
}

const cliq__op_def cliq__op_ConvInteger = {"ConvInteger", "", 10, conv_check, conv_infer, conv_ref, conv_plan, 0, conv_macs};
const cliq__op_def cliq__op_QLinearConv = {"QLinearConv", "", 10, conv_check, conv_infer, conv_ref, conv_plan, 0, conv_macs};
const cliq__op_def cliq__op_MatMulInteger = {"MatMulInteger", "", 10, mm_check, mm_infer, mm_ref, mm_plan, 0, mm_macs};
const cliq__op_def cliq__op_QLinearMatMul = {"QLinearMatMul", "", 10, mm_check, mm_infer, mm_ref, mm_plan, 0, mm_macs};

/*
 * pad.c — Pad (opset 11+ input form; import rewrites Pad-2's attributes): pads as a constant
 * input [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over all axes or over Pad-18's `axes`;
 * negative pads crop; constant_value (a constant scalar, default 0) in the data's type; modes
 * constant, edge, reflect and (Pad-19) wrap, with numpy.pad's semantics (pad_index.h), applied
 * after the crop. Reference: host/ref/pad.c; kernel: cl_kernels/pad.cl (any dtype: int8 graphs
 * pad with the zero point as constant).
 */
#include "data_util.h"
#include "pad_index.h"

#include <stdio.h>
#include <string.h>

static int pad_mode(const cliq__node *n) {
  const char *m = cliq__attr_string(n, "mode", "constant");
  if (strcmp(m, "constant") == 0) return CLIQ_PAD_CONSTANT;
  if (strcmp(m, "edge") == 0) return CLIQ_PAD_EDGE;
  if (strcmp(m, "reflect") == 0) return CLIQ_PAD_REFLECT;
  if (strcmp(m, "wrap") == 0 && n->opset >= 19) return CLIQ_PAD_WRAP;
  return -1;
}

static cliq_status pad_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, "mode"));
  const cliq__node *n = cliq__op_node(oc);
  if (pad_mode(n) < 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "mode '%s' is not supported (constant, edge, reflect%s)",
                         cliq__attr_string(n, "mode", ""), n->opset >= 19 ? ", wrap" : "; wrap from opset 19");
  return CLIQ_STATUS_OK;
}

/* The geometry; value (elem bytes) receives the constant in the data's type. */
static cliq_status pad_geometry(const cliq__opctx *oc, cliq__pad_geom *g, uint64_t *value) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0);
  int r = x->rank;
  int64_t pads[2 * CLIQ_MAX_RANK], axes[CLIQ_MAX_RANK];
  long np, na;
  CLIQ__TRY(cliq__op_ints_input(oc, 1, "pads", false, pads, 2 * CLIQ_MAX_RANK, &np));
  CLIQ__TRY(cliq__op_ints_input(oc, 3, "axes", false, axes, CLIQ_MAX_RANK, &na));
  if (na < 0) {
    na = r;
    for (int k = 0; k < r; k++) axes[k] = k;
  }
  if (np != 2 * na)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "pads has %ld entries; it needs 2 per padded axis (%ld)", np, 2 * na);
  int ax[CLIQ_MAX_RANK];
  CLIQ__TRY(cliq__op_norm_axes(oc, "axes", r, axes, na, ax));
  memset(g, 0, sizeof *g);
  g->rank = r;
  g->mode = pad_mode(n);
  for (int k = 0; k < r; k++) {
    g->in_dims[k] = g->out_dims[k] = g->len[k] = x->dims[k];
  }
  for (long i = 0; i < na; i++) {
    int k = ax[i];
    int64_t pb = pads[i], pe = pads[na + i], d = x->dims[k];
    int64_t crop_b = pb < 0 ? -pb : 0, crop_e = pe < 0 ? -pe : 0;
    if (crop_b > d || crop_e > d - crop_b)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "pads %lld and %lld crop more than the %lld elements of axis %d",
                           (long long)pb, (long long)pe, (long long)d, k);
    int64_t pad_b = pb > 0 ? pb : 0, pad_e = pe > 0 ? pe : 0;
    g->start[k] = crop_b;
    g->len[k] = d - crop_b - crop_e;
    g->begin[k] = pad_b;
    if (pad_b > INT32_MAX || pad_e > INT32_MAX)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "pads on axis %d are absurdly large", k);
    g->out_dims[k] = g->len[k] + pad_b + pad_e;
    if (g->len[k] == 0 && (pad_b || pad_e) && g->mode != CLIQ_PAD_CONSTANT)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "mode '%s' cannot pad axis %d, which is empty",
                           cliq__attr_string(n, "mode", ""), k);
  }
  *value = 0;
  const cliq__value *cv = cliq__op_in(oc, 2);
  if (cv && g->mode == CLIQ_PAD_CONSTANT) {
    if (!cv->constant || cliq__tensor_elems(cv->constant) != 1)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' (constant_value) must be a constant scalar", cv->name);
    /* converted to the data's type: Pad-2's float `value` attribute becomes a float input */
    const cliq__tensor *t = cv->constant;
    switch (x->dtype) {
    case CLIQ_DTYPE_FLOAT32: {
      float f = (float)cliq__tensor_get_f64(t, 0);
      memcpy(value, &f, sizeof f);
      break;
    }
    case CLIQ_DTYPE_INT8: { int8_t v = (int8_t)cliq__tensor_get_i64(t, 0); memcpy(value, &v, 1); break; }
    case CLIQ_DTYPE_UINT8:
    case CLIQ_DTYPE_BOOL: { uint8_t v = (uint8_t)cliq__tensor_get_i64(t, 0); memcpy(value, &v, 1); break; }
    case CLIQ_DTYPE_INT32: { int32_t v = (int32_t)cliq__tensor_get_i64(t, 0); memcpy(value, &v, 4); break; }
    default: { int64_t v = cliq__tensor_get_i64(t, 0); memcpy(value, &v, 8); break; }
    }
  }
  return CLIQ_STATUS_OK;
}

static cliq_status pad_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 4, 1, 1));
  CLIQ__TRY(pad_check(oc));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  cliq__pad_geom g;
  uint64_t value;
  CLIQ__TRY(pad_geometry(oc, &g, &value));
  return cliq__op_set_out(oc, 0, cliq__op_in(oc, 0)->dtype, g.rank, g.out_dims);
}

static cliq_status pad_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  cliq__pad_geom g;
  uint64_t value;
  CLIQ__TRY(pad_geometry(oc, &g, &value));
  cliq__ref_pad(cliq_dtype_size(in[0]->dtype), &g, &value, in[0]->data, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status pad_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0), *y = cliq__op_out(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, x));
  CLIQ__TRY(cliq__op_check_i32(&oc, y));
  cliq__pad_geom g;
  uint64_t value;
  CLIQ__TRY(pad_geometry(&oc, &g, &value));
  size_t total;
  cliq__shape_elems(g.rank, g.out_dims, &total);
  if (total == 0) return CLIQ_STATUS_OK;
  /* rank 0 pads nothing: a 1-element copy through the same kernel */
  int r = g.rank ? g.rank : 1;
  int32_t geo[5 * CLIQ_MAX_RANK];
  int64_t in_stride[CLIQ_MAX_RANK];
  cliq__dense_strides(g.rank, g.in_dims, in_stride);
  for (int k = 0; k < r; k++) {
    bool real = k < g.rank;
    geo[k] = real ? (int32_t)g.out_dims[k] : 1;
    geo[r + k] = real ? (int32_t)in_stride[k] : 1;
    geo[2 * r + k] = real ? (int32_t)g.begin[k] : 0;
    geo[3 * r + k] = real ? (int32_t)g.start[k] : 0;
    geo[4 * r + k] = real ? (int32_t)g.len[k] : 1;
  }
  int geo_id = cliq__plan_const(p, geo, 5 * (size_t)r * sizeof(int32_t));
  int64_t inner = geo[r - 1];
  cliq__data_tuning tune = cliq__data_tune(p);
  size_t vec = cliq__data_vec(&tune, cliq_dtype_size(x->dtype));
  size_t chunks = ((size_t)inner + vec - 1) / vec, items = total / (size_t)inner * chunks;
  char opts[64];
  snprintf(opts, sizeof opts, "%s -DVEC=%zu", cliq__elem_option(x->dtype), vec);
  cliq__launch *L = cliq__plan_kernel(p, node, "pad", opts, "pad");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_const(L, geo_id);
  cliq__arg_i32(L, r);
  cliq__arg_i32(L, g.mode);
  cliq__arg_i64(L, (int64_t)value);
  cliq__arg_i32(L, (int32_t)chunks);
  cliq__arg_i32(L, (int32_t)items);
  size_t gws = items, lws = tune.wg;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_Pad = {"Pad", "", 11, pad_check, pad_infer, pad_ref, pad_plan, 0, NULL, 0xEu};

/*
 * conv_attrs.c — Conv / ConvTranspose attributes to geometry (see conv_attrs.h).
 *
 * Conv's output size and pads (kernel_shape, strides, dilations, pads, auto_pad) are the window
 * rules every conv and pool shares: host/ops/window.c.
 * ConvTranspose (operator spec, "ConvTranspose"):
 *   out = s * (in - 1) + output_padding + ((k - 1) * d + 1) - pb - pe
 *   with output_shape (or SAME_*, where output_shape = in * s): total = s * (in - 1) +
 *   output_padding + ((k - 1) * d + 1) - output_shape, SAME_UPPER: pb = total / 2, pe = total - pb;
 *   otherwise pb = total - total / 2, pe = total / 2. Explicit pads are ignored then, as the spec
 *   says pads are "auto generated" from output_shape. (onnxruntime swaps the SAME_UPPER split; cliq
 *   follows the spec and the ONNX reference implementation.)
 * Explicit pads given together with auto_pad SAME_* or VALID are ignored, as onnxruntime does.
 * A Conv carrying cliq.input_nhwc (session graphs only, host/passes/nhwc_input.c) reads its input
 * as [N, spatial..., C]; everything else about it is unchanged.
 */
#include "conv_attrs.h"
#include "gemm_plan.h" /* cliq__node_fused_act */
#include "window.h"

#include <string.h>

/* Reads an ints attribute of exactly `want` entries (want < 0: any count up to max) with every
 * value >= min_value. Returns the count (or -1 when absent) in *count. */
static cliq_status read_ints(const cliq__opctx *oc, const char *name, int64_t *out, size_t max, long want,
                             int64_t min_value, long *count) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__attr *a = cliq__node_attr(n, name);
  *count = -1;
  if (!a) return CLIQ_STATUS_OK;
  if (a->type != CLIQ__ATTR_INTS && a->type != CLIQ__ATTR_INT)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute '%s' must be a list of integers", name);
  long c = cliq__attr_ints(n, name, out, max);
  if (c > (long)max || (want >= 0 && c != want))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute '%s' has %ld values; %ld were expected", name, c,
                         want >= 0 ? want : (long)max);
  for (long i = 0; i < c; i++)
    if (out[i] < min_value)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute '%s'[%ld] = %lld must be >= %lld", name, i,
                           (long long)out[i], (long long)min_value);
  *count = c;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__conv_check_attrs(const cliq__opctx *oc, bool transpose) {
  CLIQ__TRY(cliq__op_check_attrs(oc, transpose ? "auto_pad,dilations,group,kernel_shape,output_padding,output_shape,pads,strides"
                                               : "auto_pad,dilations,group,kernel_shape,pads,strides"));
  cliq__auto_pad mode;
  CLIQ__TRY(cliq__window_auto_pad(oc, &mode));
  const cliq__node *n = cliq__op_node(oc);
  if (cliq__attr_int(n, "group", 1) < 1)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute group = %lld must be >= 1",
                         (long long)cliq__attr_int(n, "group", 1));
  int64_t v[2 * CLIQ__CONV_MAX_SPATIAL + 2];
  long nk, ns, nd, np, nop, nos;
  CLIQ__TRY(read_ints(oc, "kernel_shape", v, CLIQ__CONV_MAX_SPATIAL, -1, 1, &nk));
  CLIQ__TRY(read_ints(oc, "strides", v, CLIQ__CONV_MAX_SPATIAL, -1, 1, &ns));
  CLIQ__TRY(read_ints(oc, "dilations", v, CLIQ__CONV_MAX_SPATIAL, -1, 1, &nd));
  /* ConvTranspose pads may be anything the output size stays positive with; Conv pads are >= 0 */
  CLIQ__TRY(read_ints(oc, "pads", v, 2 * CLIQ__CONV_MAX_SPATIAL, -1, transpose ? INT32_MIN : 0, &np));
  if (np >= 0 && np % 2)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute 'pads' has %ld values; it needs a begin and an end per spatial axis", np);
  CLIQ__TRY(read_ints(oc, "output_padding", v, CLIQ__CONV_MAX_SPATIAL, -1, 0, &nop));
  CLIQ__TRY(read_ints(oc, "output_shape", v, CLIQ__CONV_MAX_SPATIAL + 2, -1, 0, &nos));
  long lens[4] = {nk, ns, nd, np >= 0 ? np / 2 : -1};
  const char *names[4] = {"kernel_shape", "strides", "dilations", "pads (per begin/end)"};
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++)
      if (lens[i] >= 0 && lens[j] >= 0 && lens[i] != lens[j])
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute %s has %ld spatial values but %s has %ld", names[i],
                             lens[i], names[j], lens[j]);
  return CLIQ_STATUS_OK;
}

/* Reads a spatial attribute list into slots [3 - nsp, 3) of out (default def). */
static cliq_status spatial_attr(const cliq__opctx *oc, const char *name, int nsp, int64_t def, int64_t min_value,
                                int64_t *out) {
  int64_t v[CLIQ__CONV_MAX_SPATIAL];
  long c;
  CLIQ__TRY(read_ints(oc, name, v, CLIQ__CONV_MAX_SPATIAL, nsp, min_value, &c));
  for (int i = 0; i < nsp; i++) out[3 - nsp + i] = c < 0 ? def : v[i];
  return CLIQ_STATUS_OK;
}

void cliq__conv_out_dims(const cliq__conv_geom *g, int64_t *dims) {
  dims[0] = g->N;
  dims[1] = g->M;
  for (int i = 0; i < g->nsp; i++) dims[2 + i] = g->out[3 - g->nsp + i];
}

cliq_status cliq__conv_infer_f32(cliq__opctx *oc, bool transpose) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 3, 1, 1));
  for (size_t i = 0; i < cliq__op_n_in(oc); i++)
    if (cliq__op_in(oc, i)) CLIQ__TRY(cliq__op_check_dtype(oc, i, CLIQ__DT_FLOAT));
  cliq__conv_geom g;
  CLIQ__TRY(cliq__conv_geometry(oc, transpose, &g));
  int64_t dims[CLIQ__CONV_MAX_SPATIAL + 2];
  cliq__conv_out_dims(&g, dims);
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_FLOAT32, g.nsp + 2, dims);
}

cliq_status cliq__conv_ref_f32(cliq__opctx *oc, bool transpose, cliq__conv_ref_fn fn, const cliq__tensor *const *in,
                               cliq__tensor *const *out) {
  cliq__conv_geom g;
  CLIQ__TRY(cliq__conv_geometry(oc, transpose, &g));
  int act;
  float a, b;
  cliq__node_fused_act(cliq__op_node(oc), &act, &a, &b);
  fn(&g, in[0]->data, in[1]->data, cliq__op_n_in(oc) > 2 && in[2] ? in[2]->data : NULL, out[0]->data, act, a, b);
  return CLIQ_STATUS_OK;
}

cliq_status cliq__conv_geometry(const cliq__opctx *oc, bool transpose, cliq__conv_geom *g) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0), *w = cliq__op_in(oc, 1), *b = cliq__op_in(oc, 2);
  memset(g, 0, sizeof *g);
  for (int i = 0; i < 3; i++) g->in[i] = g->out[i] = g->k[i] = g->s[i] = g->d[i] = 1;
  if (x->rank < 3)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' has rank %d; it must be [N, C, spatial...] (rank >= 3)",
                         x->name, x->rank);
  if (x->rank - 2 > CLIQ__CONV_MAX_SPATIAL)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has %d spatial dims; cliq supports 1 to %d", x->name,
                         x->rank - 2, CLIQ__CONV_MAX_SPATIAL);
  if (w->rank != x->rank)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "weight '%s' has rank %d but input '%s' has rank %d: they must agree",
                         w->name, w->rank, x->name, x->rank);
  int nsp = x->rank - 2, o = 3 - nsp;
  g->nsp = nsp;
  g->nhwc = !transpose && cliq__attr_int(n, "cliq.input_nhwc", 0) != 0;
  const int64_t *xs = x->dims + (g->nhwc ? 1 : 2); /* spatial dims of the input */
  g->N = x->dims[0];
  g->C = g->nhwc ? x->dims[x->rank - 1] : x->dims[1];
  g->G = cliq__attr_int(n, "group", 1);
  if (g->G < 1) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute group = %lld must be >= 1", (long long)g->G);
  if (g->C % g->G)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' has %lld channels, not a multiple of group = %lld",
                         x->name, (long long)g->C, (long long)g->G);
  if (!transpose) {
    if (w->dims[1] * g->G != g->C)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                           "input '%s' has %lld channels but weight '%s' expects %lld (%lld per group x group %lld): shapes must agree",
                           x->name, (long long)g->C, w->name, (long long)(w->dims[1] * g->G), (long long)w->dims[1],
                           (long long)g->G);
    g->M = w->dims[0];
    if (g->M % g->G)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "weight '%s' has %lld output channels, not a multiple of group = %lld",
                           w->name, (long long)g->M, (long long)g->G);
  } else {
    if (w->dims[0] != g->C)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                           "input '%s' has %lld channels but weight '%s' has %lld input channels (dim 0): shapes must agree",
                           x->name, (long long)g->C, w->name, (long long)w->dims[0]);
    g->M = w->dims[1] * g->G;
  }
  if (g->M < 1)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "weight '%s' gives %lld output channels", w->name, (long long)g->M);
  if (b) {
    if (b->rank != 1 || b->dims[0] != g->M)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "bias '%s' must have shape [%lld] (one value per output channel)",
                           b->name, (long long)g->M);
  }
  for (int i = 0; i < nsp; i++) {
    g->in[o + i] = xs[i];
    g->k[o + i] = w->dims[2 + i];
  }
  if (!transpose) { /* the window rules shared with the pools and the integer convs */
    cliq__win win;
    CLIQ__TRY(cliq__window_resolve(oc, x->name, nsp, xs, w->dims + 2, false, &win));
    for (int i = 0; i < nsp; i++) {
      g->out[o + i] = win.out[i];
      g->s[o + i] = win.stride[i];
      g->d[o + i] = win.dil[i];
      g->pb[o + i] = win.pad[i];
      g->pe[o + i] = win.pad_end[i];
    }
    return CLIQ_STATUS_OK;
  }
  long nk;
  int64_t kv[CLIQ__CONV_MAX_SPATIAL];
  CLIQ__TRY(read_ints(oc, "kernel_shape", kv, CLIQ__CONV_MAX_SPATIAL, nsp, 1, &nk));
  if (nk >= 0)
    for (int i = 0; i < nsp; i++)
      if (kv[i] != g->k[o + i])
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "attribute kernel_shape[%d] = %lld but weight '%s' has %lld there",
                             i, (long long)kv[i], w->name, (long long)g->k[o + i]);
  CLIQ__TRY(spatial_attr(oc, "strides", nsp, 1, 1, g->s));
  CLIQ__TRY(spatial_attr(oc, "dilations", nsp, 1, 1, g->d));
  int64_t pads[2 * CLIQ__CONV_MAX_SPATIAL] = {0};
  long np;
  CLIQ__TRY(read_ints(oc, "pads", pads, 2 * CLIQ__CONV_MAX_SPATIAL, 2 * nsp, INT32_MIN, &np));
  cliq__auto_pad mode;
  CLIQ__TRY(cliq__window_auto_pad(oc, &mode));
  if (mode == CLIQ__AUTO_PAD_NOTSET)
    for (int i = 0; i < nsp; i++) {
      g->pb[o + i] = np < 0 ? 0 : pads[i];
      g->pe[o + i] = np < 0 ? 0 : pads[nsp + i];
    }

  int64_t opad[3] = {0, 0, 0};
  CLIQ__TRY(spatial_attr(oc, "output_padding", nsp, 0, 0, opad));
  int64_t oshape[CLIQ__CONV_MAX_SPATIAL + 2];
  long nos;
  CLIQ__TRY(read_ints(oc, "output_shape", oshape, CLIQ__CONV_MAX_SPATIAL + 2, -1, 1, &nos));
  if (nos >= 0 && nos != nsp && nos != nsp + 2)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute output_shape has %ld values; it needs %d (spatial) or %d",
                         nos, nsp, nsp + 2);
  for (int i = o; i < 3; i++) {
    int64_t eff = (g->k[i] - 1) * g->d[i] + 1;
    if (opad[i] >= g->s[i] && opad[i] >= g->d[i])
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL,
                           "attribute output_padding[%d] = %lld must be smaller than the stride (%lld) or the dilation (%lld)",
                           i - o, (long long)opad[i], (long long)g->s[i], (long long)g->d[i]);
    int64_t natural = g->s[i] * (g->in[i] - 1) + opad[i] + eff;
    if (nos >= 0 || mode == CLIQ__AUTO_PAD_SAME_UPPER || mode == CLIQ__AUTO_PAD_SAME_LOWER) {
      int64_t want = nos >= 0 ? oshape[nos - nsp + i - o] : g->in[i] * g->s[i];
      int64_t total = natural - want;
      /* floor division (as the spec's Python), also for the negative totals a large output_shape gives */
      int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
      g->pb[i] = mode == CLIQ__AUTO_PAD_SAME_UPPER ? half : total - half;
      g->pe[i] = total - g->pb[i];
      g->out[i] = want;
    } else {
      if (mode == CLIQ__AUTO_PAD_VALID) g->pb[i] = g->pe[i] = 0;
      g->out[i] = natural - g->pb[i] - g->pe[i];
    }
    if (g->out[i] < 1)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "output spatial dim %d would be %lld (pads %lld/%lld too large)",
                           i - o, (long long)g->out[i], (long long)g->pb[i], (long long)g->pe[i]);
  }
  return CLIQ_STATUS_OK;
}

/*
 * resize.c — Resize in its opset 11+ form (import rewrites Resize-10 and Upsample into it):
 * modes nearest (any dtype: int8 graphs reuse it) and linear (float32, N-d); coordinate
 * transformation modes half_pixel, pytorch_half_pixel, align_corners, asymmetric,
 * half_pixel_symmetric (19) and tf_half_pixel_for_nearest (11); nearest modes round_prefer_floor,
 * round_prefer_ceil, floor, ceil; scales or sizes (exactly one, constant), Resize-18's axes and
 * keep_aspect_ratio_policy. roi is ignored (only tf_crop_and_resize reads it: UNSUPPORTED, as
 * are cubic and antialias). exclude_outside matters for cubic only, except nearest picking an
 * index outside the input (UNSUPPORTED then).
 *
 * Everything shape-dependent is reduced on the host to per-axis tables (host/ref/resize.c:
 * source index per output coordinate, or two indices and a weight), computed in double with the
 * ONNX reference's formulas; the reference (host/ref/resize*.c) and the kernels
 * (cl_kernels/resize.cl) only gather through them.
 */
#include "data_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct resize_params {
  int mode, coord, nearest, exclude;
  int rank;
  int64_t in[CLIQ_MAX_RANK], out[CLIQ_MAX_RANK];
  cliq__resize_axis axis[CLIQ_MAX_RANK];
} resize_params;

static int coord_mode(const char *s) {
  if (strcmp(s, "half_pixel") == 0) return CLIQ_RESIZE_HALF_PIXEL;
  if (strcmp(s, "pytorch_half_pixel") == 0) return CLIQ_RESIZE_PYTORCH_HALF_PIXEL;
  if (strcmp(s, "align_corners") == 0) return CLIQ_RESIZE_ALIGN_CORNERS;
  if (strcmp(s, "asymmetric") == 0) return CLIQ_RESIZE_ASYMMETRIC;
  if (strcmp(s, "half_pixel_symmetric") == 0) return CLIQ_RESIZE_HALF_PIXEL_SYMMETRIC;
  /* Resize-11 spelled it both ways (the spec and ONNX's own test data) */
  if (strcmp(s, "tf_half_pixel_for_nearest") == 0 || strcmp(s, "tf_half_pixel_for_nn") == 0) return CLIQ_RESIZE_TF_HALF_PIXEL_FOR_NN;
  return -1;
}

static int nearest_mode(const char *s) {
  if (strcmp(s, "round_prefer_floor") == 0) return CLIQ_RESIZE_ROUND_PREFER_FLOOR;
  if (strcmp(s, "round_prefer_ceil") == 0) return CLIQ_RESIZE_ROUND_PREFER_CEIL;
  if (strcmp(s, "floor") == 0) return CLIQ_RESIZE_FLOOR;
  if (strcmp(s, "ceil") == 0) return CLIQ_RESIZE_CEIL;
  return -1;
}

static cliq_status resize_check(cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  CLIQ__TRY(cliq__op_check_attrs(oc, "mode,coordinate_transformation_mode,nearest_mode,cubic_coeff_a,exclude_outside,"
                                     "extrapolation_value,antialias,axes,keep_aspect_ratio_policy"));
  const char *mode = cliq__attr_string(n, "mode", "nearest");
  if (strcmp(mode, "nearest") != 0 && strcmp(mode, "linear") != 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "mode '%s' is not supported (nearest, linear)", mode);
  const char *cm = cliq__attr_string(n, "coordinate_transformation_mode", "half_pixel");
  if (coord_mode(cm) < 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "coordinate_transformation_mode '%s' is not supported (half_pixel, pytorch_half_pixel, align_corners, "
                         "asymmetric, half_pixel_symmetric, tf_half_pixel_for_nearest)",
                         cm);
  const char *nm = cliq__attr_string(n, "nearest_mode", "round_prefer_floor");
  if (nearest_mode(nm) < 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "nearest_mode '%s' is not supported (round_prefer_floor, round_prefer_ceil, "
                         "floor, ceil)", nm);
  if (cliq__attr_int(n, "antialias", 0) != 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "antialias = %lld is not supported (0 only)",
                         (long long)cliq__attr_int(n, "antialias", 0));
  const char *kp = cliq__attr_string(n, "keep_aspect_ratio_policy", "stretch");
  if (strcmp(kp, "stretch") != 0 && strcmp(kp, "not_larger") != 0 && strcmp(kp, "not_smaller") != 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "keep_aspect_ratio_policy '%s' is not supported (stretch, not_larger, "
                         "not_smaller)", kp);
  return CLIQ_STATUS_OK;
}

static bool is_close_to_one(double s) { return fabs(s - 1.0) <= 1e-9 * (fabs(s) > 1.0 ? fabs(s) : 1.0); } /* math.isclose */

static cliq_status resize_params_get(const cliq__opctx *oc, resize_params *rp) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *x = cliq__op_in(oc, 0);
  int r = x->rank;
  memset(rp, 0, sizeof *rp);
  rp->rank = r;
  rp->mode = strcmp(cliq__attr_string(n, "mode", "nearest"), "linear") == 0 ? CLIQ_RESIZE_LINEAR : CLIQ_RESIZE_NEAREST;
  rp->coord = coord_mode(cliq__attr_string(n, "coordinate_transformation_mode", "half_pixel"));
  rp->nearest = nearest_mode(cliq__attr_string(n, "nearest_mode", "round_prefer_floor"));
  rp->exclude = cliq__attr_int(n, "exclude_outside", 0) != 0;
  /* axes (Resize-18) */
  int64_t axes_raw[CLIQ_MAX_RANK + 1];
  long na = cliq__attr_ints(n, "axes", axes_raw, CLIQ_MAX_RANK + 1);
  int axes[CLIQ_MAX_RANK];
  if (na < 0) {
    na = r;
    for (int k = 0; k < r; k++) axes[k] = k;
  } else {
    if (na > r) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axes has %ld entries for an input of rank %d", na, r);
    CLIQ__TRY(cliq__op_norm_axes(oc, "axes", r, axes_raw, na, axes));
  }
  /* scales (input 2) or sizes (input 3): an empty tensor counts as absent */
  const cliq__value *sv = cliq__op_in(oc, 2), *zv = cliq__op_in(oc, 3);
  bool has_scales = sv && !(sv->rank >= 0 && cliq__value_shape_known(sv) && sv->rank == 1 && sv->dims[0] == 0);
  bool has_sizes = zv && !(zv->rank >= 0 && cliq__value_shape_known(zv) && zv->rank == 1 && zv->dims[0] == 0);
  if (has_scales == has_sizes)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "exactly one of scales and sizes must be given (%s)",
                         has_scales ? "both are" : "neither is");
  double scale[CLIQ_MAX_RANK];
  for (int k = 0; k < r; k++) {
    rp->in[k] = rp->out[k] = x->dims[k];
    scale[k] = 1.0;
  }
  if (has_scales) {
    if (!sv->constant)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' (scales) is computed at run time; cliq needs it constant",
                           sv->name);
    if (sv->constant->dtype != CLIQ_DTYPE_FLOAT32)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' (scales) must be float32", sv->name);
    size_t ns = cliq__tensor_elems(sv->constant);
    if ((long)ns != na)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "scales has %zu entries; it needs one per resized axis (%ld)", ns, na);
    for (long i = 0; i < na; i++) {
      double s = ((const float *)sv->constant->data)[i];
      if (!(s > 0.0) || !isfinite(s))
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "scales[%ld] is %.9g; scales must be positive", i, s);
      int k = axes[i];
      scale[k] = s;
      double o = s * (double)x->dims[k];
      if (o > (double)INT32_MAX) return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "axis %d would have %.0f elements", k, o);
      rp->out[k] = (int64_t)o; /* numpy astype(int): truncation */
    }
  } else {
    int64_t sizes[CLIQ_MAX_RANK];
    long nz;
    CLIQ__TRY(cliq__op_ints_input(oc, 3, "sizes", false, sizes, CLIQ_MAX_RANK, &nz));
    if (nz != na)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "sizes has %ld entries; it needs one per resized axis (%ld)", nz, na);
    for (long i = 0; i < na; i++) {
      int k = axes[i];
      if (sizes[i] < 0)
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "sizes[%ld] is %lld; sizes must be >= 0", i, (long long)sizes[i]);
      if (x->dims[k] == 0 && sizes[i] > 0)
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axis %d of input '%s' is empty and cannot be resized to %lld", k,
                             x->name, (long long)sizes[i]);
      rp->out[k] = sizes[i];
      scale[k] = x->dims[k] ? (double)sizes[i] / (double)x->dims[k] : 1.0;
    }
    const char *kp = cliq__attr_string(n, "keep_aspect_ratio_policy", "stretch");
    if (strcmp(kp, "stretch") != 0 && na > 0) {
      bool larger = strcmp(kp, "not_smaller") == 0;
      double s = scale[axes[0]];
      for (long i = 1; i < na; i++) s = larger ? fmax(s, scale[axes[i]]) : fmin(s, scale[axes[i]]);
      for (long i = 0; i < na; i++) {
        int k = axes[i];
        scale[k] = s;
        rp->out[k] = (int64_t)(s * (double)x->dims[k] + 0.5); /* the reference's round_half_up */
      }
    }
  }
  for (int k = 0; k < r; k++) {
    cliq__resize_axis *a = &rp->axis[k];
    a->in = rp->in[k];
    a->out = rp->out[k];
    a->scale = scale[k];
    /* the ONNX reference leaves an axis alone when its scale is 1 and its length unchanged */
    a->identity = is_close_to_one(scale[k]) && rp->out[k] == rp->in[k];
  }
  return CLIQ_STATUS_OK;
}

static cliq_status resize_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 4, 1, 1));
  CLIQ__TRY(resize_check(oc));
  resize_params rp;
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  CLIQ__TRY(resize_params_get(oc, &rp));
  const cliq__value *x = cliq__op_in(oc, 0);
  if (rp.mode == CLIQ_RESIZE_LINEAR && x->dtype != CLIQ_DTYPE_FLOAT32)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "mode 'linear' on input '%s' of type %s; cliq interpolates float32 only",
                         x->name, cliq_dtype_name(x->dtype));
  if (rp.mode == CLIQ_RESIZE_NEAREST && rp.exclude) {
    for (int k = 0; k < rp.rank; k++) {
      int64_t *idx = malloc(((size_t)rp.out[k] + 1) * sizeof *idx);
      if (!idx) return CLIQ_STATUS_OUT_OF_MEMORY;
      size_t outside = cliq__resize_nearest_table(rp.coord, rp.nearest, &rp.axis[k], idx);
      free(idx);
      if (outside)
        return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                             "exclude_outside = 1 with mode 'nearest' picks %zu positions outside axis %d (they would be 0)",
                             outside, k);
    }
  }
  return cliq__op_set_out(oc, 0, x->dtype, rp.rank, rp.out);
}

/* Per-axis tables (int64 indices, float weights), one allocation; free tabs->mem. */
typedef struct resize_tables {
  int64_t *i0[CLIQ_MAX_RANK], *i1[CLIQ_MAX_RANK];
  float *w1[CLIQ_MAX_RANK];
  void *mem;
} resize_tables;

static cliq_status tables_build(const resize_params *rp, resize_tables *t) {
  size_t total = 0;
  for (int k = 0; k < rp->rank; k++) total += (size_t)rp->out[k];
  size_t per = 2 * sizeof(int64_t) + sizeof(float);
  t->mem = malloc(total * per + 8);
  if (!t->mem) return CLIQ_STATUS_OUT_OF_MEMORY;
  int64_t *ip = t->mem;
  float *fp = (float *)(ip + 2 * total);
  for (int k = 0; k < rp->rank; k++) {
    t->i0[k] = ip;
    t->i1[k] = ip + rp->out[k];
    t->w1[k] = fp;
    ip += 2 * rp->out[k];
    fp += rp->out[k];
    if (rp->mode == CLIQ_RESIZE_LINEAR)
      cliq__resize_linear_table(rp->coord, rp->exclude, &rp->axis[k], t->i0[k], t->i1[k], t->w1[k]);
    else
      cliq__resize_nearest_table(rp->coord, rp->nearest, &rp->axis[k], t->i0[k]);
  }
  return CLIQ_STATUS_OK;
}

static cliq_status resize_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  resize_params rp;
  CLIQ__TRY(resize_params_get(oc, &rp));
  resize_tables t;
  if (tables_build(&rp, &t) != CLIQ_STATUS_OK) return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "resize tables");
  if (rp.mode == CLIQ_RESIZE_LINEAR) {
    int identity[CLIQ_MAX_RANK];
    for (int k = 0; k < rp.rank; k++) identity[k] = rp.axis[k].identity;
    cliq__ref_resize_linear_f32(rp.rank, rp.in, rp.out, identity, (const int64_t *const *)t.i0, (const int64_t *const *)t.i1,
                                (const float *const *)t.w1, in[0]->data, out[0]->data);
  } else {
    cliq__ref_resize_nearest(cliq_dtype_size(in[0]->dtype), rp.rank, rp.in, rp.out, (const int64_t *const *)t.i0,
                             in[0]->data, out[0]->data);
  }
  free(t.mem);
  return CLIQ_STATUS_OK;
}

enum { RESIZE_MAX_LINEAR_AXES = 4 }; /* resize.cl keeps 2^4 corner values per output element */

static cliq_status resize_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0), *y = cliq__op_out(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, x));
  CLIQ__TRY(cliq__op_check_i32(&oc, y));
  resize_params rp;
  CLIQ__TRY(resize_params_get(&oc, &rp));
  size_t total;
  cliq__shape_elems(y->rank, y->dims, &total);
  if (total == 0) return CLIQ_STATUS_OK;
  bool linear = rp.mode == CLIQ_RESIZE_LINEAR;
  /* The kernels want rank >= 2: lead with identity axes of length 1 (rank 0 has nothing to
   * resize, rank 1 becomes [1, n]). */
  int lead = rp.rank < 2 ? 2 - rp.rank : 0, r = rp.rank + lead;
  for (int k = r - 1; k >= 0; k--) {
    if (k >= lead) {
      rp.in[k] = rp.in[k - lead], rp.out[k] = rp.out[k - lead], rp.axis[k] = rp.axis[k - lead];
    } else {
      rp.in[k] = rp.out[k] = 1;
      rp.axis[k] = (cliq__resize_axis){1, 1, 1.0, 1};
    }
  }
  rp.rank = r;
  int n_axes = 0, axes[CLIQ_MAX_RANK];
  for (int k = 0; k < r; k++)
    if (linear && !rp.axis[k].identity) axes[n_axes++] = k;
  if (n_axes > RESIZE_MAX_LINEAR_AXES)
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "mode 'linear' resizes %d axes; the kernel interpolates up to %d at once",
                         n_axes, RESIZE_MAX_LINEAR_AXES);
  resize_tables t;
  if (tables_build(&rp, &t) != CLIQ_STATUS_OK) return cliq__op_fail(&oc, CLIQ_STATUS_OUT_OF_MEMORY, "resize tables");
  /* geo: out_dims[r], table offset per axis [r], linear axes [n_axes] */
  int32_t geo[3 * CLIQ_MAX_RANK];
  size_t tab_len = 0;
  int64_t in_stride[CLIQ_MAX_RANK];
  cliq__dense_strides(r, rp.in, in_stride);
  for (int k = 0; k < r; k++) {
    geo[k] = (int32_t)rp.out[k];
    geo[r + k] = (int32_t)tab_len;
    tab_len += (size_t)rp.out[k];
  }
  for (int j = 0; j < n_axes; j++) geo[2 * r + j] = axes[j];
  /* tables as element offsets (index * input stride): i0, then i1 (linear), and weights */
  int32_t *off = malloc((2 * tab_len + 1) * sizeof *off);
  float *w = malloc((tab_len + 1) * sizeof *w);
  if (!off || !w) {
    free(off), free(w), free(t.mem);
    return cliq__op_fail(&oc, CLIQ_STATUS_OUT_OF_MEMORY, "resize tables");
  }
  for (int k = 0; k < r; k++)
    for (int64_t yk = 0; yk < rp.out[k]; yk++) {
      size_t at = (size_t)geo[r + k] + (size_t)yk;
      off[at] = (int32_t)(t.i0[k][yk] * in_stride[k]);
      off[tab_len + at] = (int32_t)(linear ? t.i1[k][yk] * in_stride[k] : 0);
      w[at] = linear ? t.w1[k][yk] : 0.0f;
    }
  int geo_id = cliq__plan_const(p, geo, (2 * (size_t)r + (size_t)n_axes) * sizeof(int32_t));
  int off_id = cliq__plan_const(p, off, 2 * tab_len * sizeof(int32_t));
  int w_id = linear ? cliq__plan_const(p, w, tab_len * sizeof(float)) : -1;
  free(off);
  free(w);
  free(t.mem);
  int64_t inner = rp.out[r - 1];
  /* outputs per work-item: DATA_ITEM_BYTES of floats whatever the dtype (the work is per output) */
  cliq__data_tuning tune = cliq__data_tune(p);
  size_t vec = cliq__data_vec(&tune, 4);
  size_t chunks = ((size_t)inner + vec - 1) / vec, items = total / (size_t)inner * chunks;
  /* Linear over the last two axes at most (every image model) has its own kernel: the general
   * one keeps 2^n corner values in private arrays, about 10x slower on CPUs. */
  bool planar = linear;
  for (int j = 0; j < n_axes; j++)
    if (axes[j] < r - 2) planar = false;
  const char *kernel = !linear ? "resize_nearest" : planar ? "resize_bilinear" : "resize_linear";
  /* linear reads floats whatever ELEM is: float32 nearest and linear share one program */
  char opts[64];
  snprintf(opts, sizeof opts, "%s -DVEC=%zu", cliq__elem_option(x->dtype), vec);
  cliq__launch *L = cliq__plan_kernel(p, node, "resize", opts, kernel);
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_const(L, geo_id);
  cliq__arg_const(L, off_id);
  if (linear) cliq__arg_const(L, w_id);
  cliq__arg_i32(L, r);
  if (planar) {
    cliq__arg_i32(L, !rp.axis[r - 2].identity);
    cliq__arg_i32(L, !rp.axis[r - 1].identity);
  } else if (linear) {
    cliq__arg_i32(L, n_axes);
  }
  cliq__arg_i32(L, (int32_t)tab_len);
  cliq__arg_i32(L, (int32_t)chunks);
  cliq__arg_i32(L, (int32_t)items);
  size_t gws = items, lws = tune.wg;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_Resize = {"Resize", "", 11, resize_check, resize_infer, resize_ref, resize_plan, 0, NULL, 0xCu};

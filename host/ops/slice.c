/*
 * slice.c — Slice (opset 10+ input form; import rewrites Slice-1's attributes): starts, ends and
 * optional axes and steps as constant inputs. Per the ONNX spec, for each listed axis of size d:
 * negative starts/ends add d; then with step > 0 start and end clamp to [0, d], with step < 0
 * start clamps to [0, d-1] and end to [-1, d-1]; the length is ceil((end-start)/step), at least 0.
 * INT64_MAX / INT64_MIN ends (exporters' "to the end") fall out of the clamping. The result is a
 * strided box of the input (negative strides for negative steps): cl_kernels/strided_copy.cl.
 */
#include "data_util.h"

typedef struct slice_geom {
  int64_t start[CLIQ_MAX_RANK], step[CLIQ_MAX_RANK], len[CLIQ_MAX_RANK];
} slice_geom;

static cliq_status slice_geometry(const cliq__opctx *oc, slice_geom *g) {
  const cliq__value *x = cliq__op_in(oc, 0);
  int64_t starts[CLIQ_MAX_RANK], ends[CLIQ_MAX_RANK], axes[CLIQ_MAX_RANK], steps[CLIQ_MAX_RANK];
  long ns, ne, na, nst;
  CLIQ__TRY(cliq__op_ints_input(oc, 1, "starts", false, starts, CLIQ_MAX_RANK, &ns));
  CLIQ__TRY(cliq__op_ints_input(oc, 2, "ends", false, ends, CLIQ_MAX_RANK, &ne));
  CLIQ__TRY(cliq__op_ints_input(oc, 3, "axes", false, axes, CLIQ_MAX_RANK, &na));
  CLIQ__TRY(cliq__op_ints_input(oc, 4, "steps", false, steps, CLIQ_MAX_RANK, &nst));
  if (ns != ne)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "starts has %ld elements but ends has %ld; they must match", ns, ne);
  if (na >= 0 && na != ns)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "axes has %ld elements but starts has %ld; they must match", na, ns);
  if (nst >= 0 && nst != ns)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "steps has %ld elements but starts has %ld; they must match", nst, ns);
  if (na < 0) {
    if (ns > x->rank)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "starts has %ld elements but input '%s' has rank %d", ns, x->name, x->rank);
    for (long k = 0; k < ns; k++) axes[k] = k;
  }
  int ax[CLIQ_MAX_RANK];
  CLIQ__TRY(cliq__op_norm_axes(oc, "axes", x->rank, axes, ns, ax));
  for (int k = 0; k < x->rank; k++) {
    g->start[k] = 0;
    g->step[k] = 1;
    g->len[k] = x->dims[k];
  }
  for (long k = 0; k < ns; k++) {
    int a = ax[k];
    int64_t d = x->dims[a], s = starts[k], e = ends[k], st = nst >= 0 ? steps[k] : 1;
    if (st == 0) return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "steps[%ld] is 0; steps must be non-zero", k);
    if (s < 0) s += d;
    if (e < 0) e += d;
    int64_t len;
    if (st > 0) {
      s = s < 0 ? 0 : s > d ? d : s;
      e = e < 0 ? 0 : e > d ? d : e;
      len = e > s ? (e - s - 1) / st + 1 : 0; /* ceil without overflow for huge steps */
    } else {
      s = s < 0 ? 0 : s > d - 1 ? d - 1 : s;
      e = e < -1 ? -1 : e > d - 1 ? d - 1 : e;
      len = s > e ? (int64_t)((uint64_t)(s - e - 1) / (0u - (uint64_t)st)) + 1 : 0; /* -INT64_MIN */
    }
    if (d == 0) len = 0;
    g->start[a] = len > 0 ? s : 0;
    g->step[a] = len > 1 ? st : 1; /* a step only matters between two elements: no stride overflow */
    g->len[a] = len;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status slice_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 3, 5, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_ALL));
  slice_geom g;
  CLIQ__TRY(slice_geometry(oc, &g));
  const cliq__value *x = cliq__op_in(oc, 0);
  return cliq__op_set_out(oc, 0, x->dtype, x->rank, g.len);
}

static cliq__strided slice_box(const cliq__value *x, const slice_geom *g) {
  cliq__strided s = {0};
  int64_t in_stride[CLIQ_MAX_RANK];
  cliq__dense_strides(x->rank, x->dims, in_stride);
  s.rank = x->rank;
  for (int k = 0; k < x->rank; k++) {
    s.dims[k] = g->len[k];
    s.src_stride[k] = in_stride[k] * g->step[k];
    s.src_off += g->start[k] * in_stride[k];
  }
  cliq__dense_strides(x->rank, s.dims, s.dst_stride);
  return s;
}

static cliq_status slice_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  slice_geom g;
  CLIQ__TRY(slice_geometry(oc, &g));
  cliq__strided s = slice_box(cliq__op_in(oc, 0), &g);
  cliq__strided_simplify(&s);
  cliq__ref_strided_copy(cliq_dtype_size(in[0]->dtype), &s, in[0]->data, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status slice_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  CLIQ__TRY(cliq__op_check_i32(&oc, x));
  slice_geom g;
  CLIQ__TRY(slice_geometry(&oc, &g));
  cliq__plan_strided_copy(p, node, n->inputs[0], n->outputs[0], x->dtype, slice_box(x, &g));
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_Slice = {"Slice", "", 10, NULL, slice_infer, slice_ref, slice_plan, 0, NULL, 0x1Eu};

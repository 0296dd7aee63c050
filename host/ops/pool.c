/*
 * pool.c — MaxPool, AveragePool (1-D, 2-D and 3-D windows), GlobalAveragePool, GlobalMaxPool.
 *
 * Geometry (output sizes, auto_pad, ceil_mode with ONNX Runtime's rule): host/ops/window.c.
 * MaxPool runs on float32, int8 and uint8 (the int8 graph reuses it: max commutes with a
 * positive-scale quantization); its optional Indices output is not supported. storage_order only
 * affects Indices, so it is accepted. The global pools are reductions over the spatial dims
 * (reduce.h). References: host/ref/pool_f32.c, host/ref/reduce_f32.c; kernels:
 * cl_kernels/pool_f32.cl, cl_kernels/reduce_f32.cl.
 */
#include "op.h"

#include "../cl/device.h"
#include "../cl/tuning.h"
#include "../planner.h"
#include "../ref/ref.h"
#include "launch_dims.h"
#include "reduce.h"
#include "reduce_op.h"
#include "window.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define VW 16 /* outputs per vector in cl_kernels/pool_f32.cl (-DVW) */

static bool is_max(const cliq__opctx *oc) { return strcmp(cliq__op_node(oc)->op_type, "MaxPool") == 0; }

static cliq_status pool_check(cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  bool mx = is_max(oc);
  CLIQ__TRY(cliq__op_check_attrs(oc, mx ? "auto_pad,ceil_mode,dilations,kernel_shape,pads,storage_order,strides"
                                        : "auto_pad,ceil_mode,count_include_pad,dilations,kernel_shape,pads,strides"));
  cliq__auto_pad mode;
  CLIQ__TRY(cliq__window_auto_pad(oc, &mode));
  if (!cliq__node_attr(n, "kernel_shape"))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute kernel_shape is required");
  if (mx && n->n_outputs > 1 && n->outputs[1] >= 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "the optional output Indices ('%s') is not supported",
                         oc->g->values[n->outputs[1]].name);
  return CLIQ_STATUS_OK;
}

/* The pool's geometry (window.c), right-aligned to (D, H, W), and full output dims (N, C, spatial...). */
static cliq_status pool_geom(const cliq__opctx *oc, cliq__pool_params *p, int *out_rank, int64_t *out_dims) {
  const cliq__value *x = cliq__op_in(oc, 0);
  cliq__win w;
  CLIQ__TRY(cliq__window(oc, x, NULL, true, &w));
  memset(p, 0, sizeof *p);
  for (int a = 0; a < 3; a++) p->in[a] = p->out[a] = p->kernel[a] = p->stride[a] = p->dilation[a] = 1;
  p->count_include_pad = (int)cliq__attr_int(cliq__op_node(oc), "count_include_pad", 0);
  p->planes = x->dims[0] * x->dims[1];
  out_dims[0] = x->dims[0];
  out_dims[1] = x->dims[1];
  *out_rank = x->rank;
  for (int i = 0; i < w.nsp; i++) {
    int a = 3 - w.nsp + i;
    p->in[a] = w.in[i];
    p->out[a] = w.out[i];
    p->kernel[a] = w.k[i];
    p->stride[a] = w.stride[i];
    p->dilation[a] = w.dil[i];
    p->pad_begin[a] = w.pad[i];
    p->pad_end[a] = w.pad_end[i];
    out_dims[2 + i] = w.out[i];
  }
  return CLIQ_STATUS_OK;
}

static cliq_status pool_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, is_max(oc) ? 2 : 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, is_max(oc) ? CLIQ__DT_FLOAT | CLIQ__DT_Q8 : CLIQ__DT_FLOAT));
  cliq__pool_params p;
  int rank;
  int64_t dims[CLIQ_MAX_RANK];
  CLIQ__TRY(pool_geom(oc, &p, &rank, dims));
  return cliq__op_set_out(oc, 0, cliq__op_in(oc, 0)->dtype, rank, dims);
}

static cliq_status pool_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  cliq__pool_params p;
  int rank;
  int64_t dims[CLIQ_MAX_RANK];
  CLIQ__TRY(pool_geom(oc, &p, &rank, dims));
  if (is_max(oc))
    cliq__ref_maxpool(&p, in[0]->dtype, in[0]->data, out[0]->data);
  else
    cliq__ref_avgpool_f32(&p, in[0]->data, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status pool_plan(cliq__planner *pl, int node) {
  cliq__opctx oc = {cliq__plan_context(pl), cliq__plan_graph(pl), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  cliq__pool_params p;
  int rank;
  int64_t dims[CLIQ_MAX_RANK];
  CLIQ__TRY(pool_geom(&oc, &p, &rank, dims));
  size_t in_elems, out_elems;
  if (!cliq__shape_elems(x->rank, x->dims, &in_elems) || !cliq__shape_elems(rank, dims, &out_elems) ||
      in_elems > INT32_MAX || out_elems > INT32_MAX)
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "tensors of 2^31 or more elements are not supported (32-bit indexing)");
  if (out_elems == 0) return CLIQ_STATUS_OK;
  for (int a = 0; a < 3; a++)
    if (p.kernel[a] * p.dilation[a] > INT32_MAX / 2 || p.pad_begin[a] > INT32_MAX / 2 || p.pad_end[a] > INT32_MAX / 2 ||
        p.stride[a] > INT32_MAX / 2)
      return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "window attributes are too large for 32-bit indexing");
  bool mx = is_max(&oc);
  const char *type = "-DT=float";
  if (x->dtype == CLIQ_DTYPE_INT8) type = "-DT=char -DT_LOWEST=CHAR_MIN";
  if (x->dtype == CLIQ_DTYPE_UINT8) type = "-DT=uchar -DT_LOWEST=0";
  /* strides 1 and 2 along W (nearly every pool) get the vector path, built for that stride */
  const int64_t sw = p.stride[2];
  char opts[96];
  snprintf(opts, sizeof opts, "%s -DVW=%d%s", type, VW, sw == 1 ? " -DPOOL_SW=1" : sw == 2 ? " -DPOOL_SW=2" : "");
  /* [vlo, vhi): outputs whose taps along W, and the extra element a stride-2 vector load reads,
   * all lie inside the input */
  int64_t vlo = 0, vhi = 0;
  if (sw == 1 || sw == 2) {
    int64_t last = p.in[2] - 1 - (sw - 1) + p.pad_begin[2] - (p.kernel[2] - 1) * p.dilation[2];
    vlo = (p.pad_begin[2] + sw - 1) / sw;
    vhi = last < 0 ? 0 : last / sw + 1;
    if (vhi > p.out[2]) vhi = p.out[2];
  }
  /* outputs along W per work-item: whole rows on CPUs (the row set-up paid once), one vector on
   * GPUs; pieces of a row split it evenly */
  const cliq__device *dev = cliq__plan_device(pl);
  long item = cliq__tuning_int(dev, "POOL_ITEM_OUTPUTS", dev->is_gpu ? VW : 256);
  if (item < 1) item = 1;
  const int64_t npieces = (p.out[2] + item - 1) / item, piece = (p.out[2] + npieces - 1) / npieces;
  const int64_t rows = p.planes * p.out[0] * p.out[1];
  if (rows * npieces > INT32_MAX)
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "tensors of 2^31 or more elements are not supported (32-bit indexing)");
  cliq__launch *L = cliq__plan_kernel(pl, node, "pool_f32", opts, mx ? "maxpool" : "avgpool_f32");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_i32(L, (int32_t)rows);
  for (int a = 0; a < 3; a++) cliq__arg_i32(L, (int32_t)p.in[a]);
  for (int a = 0; a < 3; a++) cliq__arg_i32(L, (int32_t)p.out[a]);
  for (int a = 0; a < 3; a++) cliq__arg_i32(L, (int32_t)p.kernel[a]);
  for (int a = 0; a < 3; a++) cliq__arg_i32(L, (int32_t)p.stride[a]);
  for (int a = 0; a < 3; a++) cliq__arg_i32(L, (int32_t)p.dilation[a]);
  for (int a = 0; a < 3; a++) cliq__arg_i32(L, (int32_t)p.pad_begin[a]);
  cliq__arg_i32(L, (int32_t)piece);
  cliq__arg_i32(L, (int32_t)npieces);
  cliq__arg_i32(L, (int32_t)vlo);
  cliq__arg_i32(L, (int32_t)vhi);
  if (!mx) {
    for (int a = 0; a < 3; a++) cliq__arg_i32(L, (int32_t)(p.in[a] + p.pad_end[a]));
    cliq__arg_i32(L, p.count_include_pad);
  }
  cliq__math_range(L, (size_t)(rows * npieces));
  return cliq__plan_status(pl);
}

/* --- GlobalAveragePool, GlobalMaxPool: reductions over dims 2.. ------------------------------- */

static bool is_gmax(const cliq__opctx *oc) { return strcmp(cliq__op_node(oc)->op_type, "GlobalMaxPool") == 0; }

static cliq_status global_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

static cliq_status global_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, is_gmax(oc) ? CLIQ__DT_FLOAT | CLIQ__DT_Q8 : CLIQ__DT_FLOAT));
  const cliq__value *x = cliq__op_in(oc, 0);
  if (x->rank < 2)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' has rank %d; the op needs (N, C, spatial...)", x->name, x->rank);
  int64_t dims[CLIQ_MAX_RANK];
  for (int d = 0; d < x->rank; d++) dims[d] = d < 2 ? x->dims[d] : 1;
  return cliq__op_set_out(oc, 0, x->dtype, x->rank, dims);
}

static void global_params(const cliq__value *x, cliq__reduce_params *r) {
  bool reduce[CLIQ_MAX_RANK];
  for (int d = 0; d < CLIQ_MAX_RANK; d++) reduce[d] = d >= 2;
  cliq__reduce_params_make(x->rank, x->dims, reduce, r);
}

static cliq_status global_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  cliq__reduce_params r;
  global_params(cliq__op_in(oc, 0), &r);
  cliq__ref_reduce(is_gmax(oc) ? CLIQ_RED_MAX : CLIQ_RED_MEAN, in[0]->dtype, &r, in[0]->data, out[0]->data);
  return CLIQ_STATUS_OK;
}

static cliq_status global_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *x = cliq__op_in(&oc, 0);
  cliq__reduce_params r;
  global_params(x, &r);
  return cliq__plan_reduce(p, &oc, is_gmax(&oc) ? CLIQ_RED_MAX : CLIQ_RED_MEAN, x->dtype, &r, n->inputs[0], n->outputs[0]);
}

const cliq__op_def cliq__op_MaxPool = {"MaxPool", "", 1, pool_check, pool_infer, pool_ref, pool_plan, 0, NULL};
const cliq__op_def cliq__op_AveragePool = {"AveragePool", "", 1, pool_check, pool_infer, pool_ref, pool_plan, 0, NULL};
const cliq__op_def cliq__op_GlobalAveragePool = {"GlobalAveragePool", "", 1, global_check, global_infer, global_ref, global_plan, 0, NULL};
const cliq__op_def cliq__op_GlobalMaxPool = {"GlobalMaxPool", "", 1, global_check, global_infer, global_ref, global_plan, 0, NULL};

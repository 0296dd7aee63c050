/*
 * qpool.c — cliq's internal int8 QAvgPool and QGlobalAvgPool (domain "cliq"), made by QDQ
 * lowering from AveragePool / GlobalAveragePool between DequantizeLinear and QuantizeLinear.
 *
 *   QAvgPool(x) -> y: the attributes of AveragePool (kernel_shape, strides, pads, auto_pad,
 *   ceil_mode, count_include_pad, dilations), 1-D to 3-D; QGlobalAvgPool(x) -> y: the whole plane.
 *   x, y int8 with per-tensor quantization; optional fused ReLU/Clip clamp (cliq.act).
 *   Rounding (host/ref/pool_q8.c): the int32 window sum of (x - z_x), times the Q31 multiplier of
 *   s_x / (count * s_y) for the window's cell count, one round-half-even, + z_y.
 * Kernel: cl_kernels/pool_q8.cl.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "quant_util.h"
#include "window.h"

#include <stdlib.h>
#include <string.h>

static bool is_global(const cliq__opctx *oc) { return strcmp(cliq__op_node(oc)->op_type, "QGlobalAvgPool") == 0; }

static cliq_status window(const cliq__opctx *oc, cliq__win *w) {
  const cliq__value *x = cliq__op_in(oc, 0);
  if (!is_global(oc)) return cliq__window(oc, x, NULL, true, w);
  if (x->rank < 3 || x->rank > 5)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has rank %d; 1-D to 3-D pools (rank 3 to 5) are supported",
                         x->name, x->rank);
  memset(w, 0, sizeof *w);
  w->nsp = x->rank - 2;
  for (int i = 0; i < 3; i++) {
    w->in[i] = w->k[i] = i < w->nsp ? x->dims[2 + i] : 1;
    w->out[i] = w->stride[i] = w->dil[i] = 1;
  }
  return CLIQ_STATUS_OK;
}

/* Multiplier and shift for every window count 0..K (entry 0 unused), the output clamp. */
typedef struct pool_params {
  int32_t *mult, *shift;
  size_t n;
  int32_t zx, zy;
  int lo, hi;
  int include_pad;
} pool_params;

static void params_free(pool_params *pp) {
  free(pp->mult);
  free(pp->shift);
}

static cliq_status params(const cliq__opctx *oc, const cliq__win *w, pool_params *pp) {
  float sx, sy;
  int zx, zy;
  memset(pp, 0, sizeof *pp);
  CLIQ__TRY(cliq__op_value_quant(oc, cliq__op_in(oc, 0), &sx, &zx));
  CLIQ__TRY(cliq__op_value_quant(oc, cliq__op_out(oc, 0), &sy, &zy));
  CLIQ__TRY(cliq__op_act_range(oc, sy, zy, &pp->lo, &pp->hi));
  pp->zx = zx, pp->zy = zy;
  pp->include_pad = is_global(oc) ? 0 : (int)cliq__attr_int(cliq__op_node(oc), "count_include_pad", 0);
  size_t k = (size_t)(w->k[0] * w->k[1] * w->k[2]);
  if (k > ((size_t)1 << 23))
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "window of %zu cells: the int32 sum allows at most 2^23", k);
  pp->n = k + 1;
  pp->mult = calloc(pp->n, sizeof(int32_t));
  pp->shift = calloc(pp->n, sizeof(int32_t));
  if (!pp->mult || !pp->shift) {
    params_free(pp);
    return cliq__op_fail(oc, CLIQ_STATUS_OUT_OF_MEMORY, "allocating pool multipliers");
  }
  for (size_t c = 1; c <= k; c++) {
    cliq_status st = cliq__op_multiplier(oc, (double)sx / ((double)c * sy), "s_x/(count*s_y)", &pp->mult[c], &pp->shift[c]);
    if (st != CLIQ_STATUS_OK) {
      params_free(pp);
      return st;
    }
  }
  return CLIQ_STATUS_OK;
}

static cliq_status qpool_check(cliq__opctx *oc) {
  if (is_global(oc)) return cliq__op_check_attrs(oc, "");
  CLIQ__TRY(cliq__op_check_attrs(oc, "auto_pad,ceil_mode,count_include_pad,dilations,kernel_shape,pads,strides"));
  if (!cliq__node_attr(cliq__op_node(oc), "kernel_shape"))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute kernel_shape is required");
  return CLIQ_STATUS_OK;
}

static cliq_status qpool_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 1, 1, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT(CLIQ_DTYPE_INT8)));
  const cliq__value *x = cliq__op_in(oc, 0);
  cliq__win w;
  CLIQ__TRY(window(oc, &w));
  int64_t dims[5] = {x->dims[0], x->dims[1], w.out[0], w.out[1], w.out[2]};
  CLIQ__TRY(cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT8, x->rank, dims));
  pool_params pp;
  CLIQ__TRY(params(oc, &w, &pp));
  params_free(&pp);
  return CLIQ_STATUS_OK;
}

static cliq_status qpool_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  cliq__win w;
  pool_params pp;
  CLIQ__TRY(window(oc, &w));
  CLIQ__TRY(params(oc, &w, &pp));
  size_t planes = (size_t)(in[0]->dims[0] * in[0]->dims[1]);
  cliq__ref_avgpool_q8(in[0]->data, out[0]->data, planes, &w, pp.include_pad, pp.zx, pp.mult, pp.shift, pp.zy, pp.lo, pp.hi);
  params_free(&pp);
  return CLIQ_STATUS_OK;
}

static cliq_status qpool_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  cliq__win w;
  pool_params pp;
  int total, tmp;
  CLIQ__TRY(window(&oc, &w));
  CLIQ__TRY(cliq__op_elems_i32(&oc, cliq__op_out(&oc, 0), &total));
  CLIQ__TRY(cliq__op_elems_i32(&oc, cliq__op_in(&oc, 0), &tmp));
  CLIQ__TRY(params(&oc, &w, &pp));
  int cm = cliq__plan_const(p, pp.mult, pp.n * sizeof(int32_t));
  int cs = cliq__plan_const(p, pp.shift, pp.n * sizeof(int32_t));
  cliq__launch *L = cliq__plan_kernel(p, node, "pool_q8", NULL, "avgpool_q8");
  cliq__arg_value(L, n->inputs[0]);
  cliq__arg_value(L, n->outputs[0]);
  cliq__arg_const(L, cm);
  cliq__arg_const(L, cs);
  cliq__arg_i32(L, total);
  cliq__arg_i32(L, pp.include_pad);
  cliq__arg_i32(L, pp.zx);
  cliq__arg_i32(L, pp.zy);
  cliq__arg_i32(L, pp.lo);
  cliq__arg_i32(L, pp.hi);
  const int64_t *geo[7] = {w.in, w.k, w.out, w.stride, w.dil, w.pad, w.pad_end};
  for (int g = 0; g < 7; g++)
    for (int d = 0; d < 3; d++) cliq__arg_i32(L, (int32_t)geo[g][d]);
  params_free(&pp);
  size_t gws = (size_t)total, lws = 64;
  cliq__launch_range(L, 1, &gws, &lws);
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_QAvgPool = {"QAvgPool", "cliq", 1, qpool_check, qpool_infer, qpool_ref, qpool_plan, 0, NULL};
const cliq__op_def cliq__op_QGlobalAvgPool = {"QGlobalAvgPool", "cliq", 1, qpool_check, qpool_infer, qpool_ref, qpool_plan, 0,
                                              NULL};

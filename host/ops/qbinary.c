/*
 * qbinary.c — cliq's internal int8 QAdd and QMul (domain "cliq"), made by QDQ lowering
 * (host/passes/lower_qdq.c) from Add / Mul between DequantizeLinear and QuantizeLinear.
 *
 *   QAdd(a, b) -> y, QMul(a, b) -> y: a, b, y int8 with per-tensor value quantization (scale,
 *   zero point); numpy broadcasting of a and b; optional fused ReLU / Clip as the output clamp
 *   (attributes cliq.act, cliq.act_a, cliq.act_b).
 *   QAdd: cliq_q8_add (cliq_requant.h) with cliq_q8_add_params: both inputs lifted by 2^20,
 *         rescaled to the common scale 2 * max(s_a, s_b), summed, requantized to s_y
 *         (TFLite/gemmlowp); a residual add fused into QConv/QGemm computes the same bits.
 *   QMul: cliq_q8_mul: (a - za) * (b - zb) requantized with s_a * s_b / s_y.
 * Reference: host/ref/binary_q8.c; kernels: cl_kernels/binary_q8.cl.
 */
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"
#include "cliq_requant.h"
#include "quant_util.h"

#include <stdio.h>
#include <string.h>

static bool is_mul(const cliq__opctx *oc) { return strcmp(cliq__op_node(oc)->op_type, "QMul") == 0; }

/* The fixed-point parameters of the node from its values' quantization. */
static cliq_status params(const cliq__opctx *oc, cliq__q8_binary *p) {
  const cliq__value *a = cliq__op_in(oc, 0), *b = cliq__op_in(oc, 1), *y = cliq__op_out(oc, 0);
  float sa, sb, sy;
  int za, zb, zy;
  CLIQ__TRY(cliq__op_value_quant(oc, a, &sa, &za));
  CLIQ__TRY(cliq__op_value_quant(oc, b, &sb, &zb));
  CLIQ__TRY(cliq__op_value_quant(oc, y, &sy, &zy));
  memset(p, 0, sizeof *p);
  p->za = za, p->zb = zb, p->zy = zy;
  CLIQ__TRY(cliq__op_act_range(oc, sy, zy, &p->lo, &p->hi));
  if (is_mul(oc)) return cliq__op_multiplier(oc, (double)sa * sb / sy, "s_a*s_b/s_y", &p->my, &p->shy);
  /* the same parameters as a residual add fused into QConv/QGemm, so both give the same bits */
  if (!cliq_q8_add_params(sa, sb, sy, &p->ma, &p->sha, &p->mb, &p->shb, &p->my, &p->shy))
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "adding scales %.9g ('%s') and %.9g ('%s') into %.9g needs a multiplier outside the fixed-point range",
                         sa, a->name, sb, b->name, sy);
  return CLIQ_STATUS_OK;
}

/* Element strides of value v per output dim (0 where v is broadcast), numpy alignment. */
static void bcast_strides(const cliq__value *v, int rank, const int64_t *dims, int64_t *strides) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    int dv = d - (rank - v->rank);
    int64_t n = dv >= 0 ? v->dims[dv] : 1;
    strides[d] = n == 1 && dims[d] != 1 ? 0 : s;
    s *= n;
  }
}

static cliq_status qbin_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

static cliq_status qbin_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT(CLIQ_DTYPE_INT8)));
  CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT(CLIQ_DTYPE_INT8)));
  const cliq__value *a = cliq__op_in(oc, 0), *b = cliq__op_in(oc, 1);
  int rank;
  int64_t dims[CLIQ_MAX_RANK];
  if (!cliq__broadcast_shape(a->rank, a->dims, b->rank, b->dims, &rank, dims)) {
    char da[96], db[96];
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "inputs '%s' %s and '%s' %s do not broadcast", a->name,
                         cliq__dims_str(a->rank, a->dims, da, sizeof da), b->name, cliq__dims_str(b->rank, b->dims, db, sizeof db));
  }
  CLIQ__TRY(cliq__op_set_out(oc, 0, CLIQ_DTYPE_INT8, rank, dims));
  cliq__q8_binary p;
  return params(oc, &p); /* the quantization must exist and the multipliers be representable */
}

static cliq_status qbin_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  cliq__q8_binary p;
  CLIQ__TRY(params(oc, &p));
  const cliq__tensor *y = out[0];
  int64_t as[CLIQ_MAX_RANK], bs[CLIQ_MAX_RANK];
  bcast_strides(cliq__op_in(oc, 0), y->rank, y->dims, as);
  bcast_strides(cliq__op_in(oc, 1), y->rank, y->dims, bs);
  cliq__ref_binary_q8(is_mul(oc), in[0]->data, in[1]->data, y->data, y->rank, y->dims, as, bs, &p);
  return CLIQ_STATUS_OK;
}

static cliq_status qbin_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  const cliq__value *a = cliq__op_in(&oc, 0), *b = cliq__op_in(&oc, 1), *y = cliq__op_out(&oc, 0);
  cliq__q8_binary q;
  CLIQ__TRY(params(&oc, &q));
  int total;
  CLIQ__TRY(cliq__op_elems_i32(&oc, y, &total));
  char opts[48];
  snprintf(opts, sizeof opts, "-DIS_MUL=%d", is_mul(&oc) ? 1 : 0);
  bool same = a->rank == y->rank && b->rank == y->rank && memcmp(a->dims, y->dims, (size_t)y->rank * sizeof(int64_t)) == 0 &&
              memcmp(b->dims, y->dims, (size_t)y->rank * sizeof(int64_t)) == 0;
  cliq__launch *L;
  if (same) {
    L = cliq__plan_kernel(p, node, "binary_q8", opts, "binary_q8_same");
    cliq__arg_value(L, n->inputs[0]);
    cliq__arg_value(L, n->inputs[1]);
    cliq__arg_value(L, n->outputs[0]);
    cliq__arg_i32(L, total);
  } else {
    /* coalesce dims where both inputs stay contiguous (or both broadcast) across them, so a
     * per-channel (1,C,1,1) operand becomes rows of H*W with one broadcast value */
    int64_t dims[CLIQ_MAX_RANK + 1], as[CLIQ_MAX_RANK + 1], bs[CLIQ_MAX_RANK + 1];
    int r = y->rank;
    if (r == 0) {
      dims[0] = 1, as[0] = bs[0] = 0, r = 1;
    } else {
      memcpy(dims, y->dims, (size_t)r * sizeof(int64_t));
      bcast_strides(a, r, dims, as);
      bcast_strides(b, r, dims, bs);
    }
    int w = 0;
    for (int d = 0; d < r; d++) {
      if (w > 0 && as[w - 1] == as[d] * dims[d] && bs[w - 1] == bs[d] * dims[d]) {
        dims[w - 1] *= dims[d];
        as[w - 1] = as[d];
        bs[w - 1] = bs[d];
      } else {
        dims[w] = dims[d], as[w] = as[d], bs[w] = bs[d];
        w++;
      }
    }
    int32_t shape[3 * CLIQ_MAX_RANK + 3] = {0};
    size_t rows = 1;
    for (int d = 0; d < w - 1; d++) {
      shape[3 * d] = (int32_t)dims[d], shape[3 * d + 1] = (int32_t)as[d], shape[3 * d + 2] = (int32_t)bs[d];
      rows *= (size_t)dims[d];
    }
    int cs = cliq__plan_const(p, shape, sizeof shape);
    L = cliq__plan_kernel(p, node, "binary_q8", opts, "binary_q8_bcast");
    cliq__arg_value(L, n->inputs[0]);
    cliq__arg_value(L, n->inputs[1]);
    cliq__arg_value(L, n->outputs[0]);
    cliq__arg_const(L, cs);
    cliq__arg_i32(L, w - 1);
    cliq__arg_i32(L, (int32_t)rows);
    cliq__arg_i32(L, (int32_t)dims[w - 1]);
    cliq__arg_i32(L, (int32_t)as[w - 1]);
    cliq__arg_i32(L, (int32_t)bs[w - 1]);
    size_t gws[2] = {((size_t)dims[w - 1] + 15) / 16, rows};
    size_t wide[2] = {64, 1}, narrow[2] = {1, 64};
    cliq__launch_range(L, 2, gws, gws[0] >= 32 ? wide : narrow);
  }
  cliq__arg_i32(L, q.za);
  cliq__arg_i32(L, q.zb);
  cliq__arg_i32(L, q.ma);
  cliq__arg_i32(L, q.sha);
  cliq__arg_i32(L, q.mb);
  cliq__arg_i32(L, q.shb);
  cliq__arg_i32(L, q.my);
  cliq__arg_i32(L, q.shy);
  cliq__arg_i32(L, q.zy);
  cliq__arg_i32(L, q.lo);
  cliq__arg_i32(L, q.hi);
  if (same) {
    size_t gws = ((size_t)total + 15) / 16, lws = 64;
    cliq__launch_range(L, 1, &gws, &lws);
  }
  return cliq__plan_status(p);
}

const cliq__op_def cliq__op_QAdd = {"QAdd", "cliq", 1, qbin_check, qbin_infer, qbin_ref, qbin_plan, 0, NULL};
const cliq__op_def cliq__op_QMul = {"QMul", "cliq", 1, qbin_check, qbin_infer, qbin_ref, qbin_plan, 0, NULL};

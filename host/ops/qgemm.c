/*
 * qgemm.c — QGemm (domain "cliq"): the int8 fully connected layer the QDQ lowering pass makes from
 * Gemm / MatMul with constant weights. Reference host/ref/gemm_q8.c; device: conv_q8.cl packs the
 * rows, gemm_q8.cl multiplies (the same machinery as QConv, q8_layer.c).
 *
 * Inputs (values carry their quantization):
 *   0 x         int8 [..., K] of rank >= 1, per-tensor quant. Every leading dim is a row:
 *               rows = product of dims[0 .. rank-2] (1 for rank 1), like MatMul with a 2-D B.
 *   1 w         int8 constant [N, K] (output channels first, i.e. Gemm's B with transB = 1; the
 *               pass transposes MatMul's [K, N]), per-channel (axis 0) or per-tensor quant, any
 *               zero points
 *   2 bias      int32 constant [N] at scale s_x * s_w[n]; optional
 *   3 residual  int8 of y's shape with its own quant; optional; fused exactly as in QConv
 * Output 0: y int8 [..., N] = x's dims with the last replaced by N, per-tensor quant.
 * No Gemm attributes: alpha folds into the scales, transA and a broadcast C are the pass's job
 * (a rank-2 C becomes a residual or stays a separate QAdd). Epilogue attributes: q8_layer.h.
 * y[r, n] = requant(bias[n] + sum_k (x[r,k] - z_x)(w[n,k] - z_w[n])), int32 wrapping.
 */
#include "q8_layer.h"
#include "../ref/ref.h"

static cliq_status qgemm_check(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_attrs(oc, ""));
  return cliq__q8_check_epilogue_attrs(oc);
}

static cliq_status qgemm_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 4, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT(CLIQ_DTYPE_INT8)));
  CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT(CLIQ_DTYPE_INT8)));
  const cliq__value *x = cliq__op_in(oc, 0), *w = cliq__op_in(oc, 1);
  if (x->rank < 1)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "input '%s' is a scalar; QGemm needs rank >= 1", x->name);
  if (w->rank != 2)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "weight '%s' has rank %d; QGemm takes [N, K]", w->name, w->rank);
  if (w->dims[1] != x->dims[x->rank - 1])
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                         "input '%s' has K = %lld (last dim) but weight '%s' [N, K] has K = %lld: they must agree", x->name,
                         (long long)x->dims[x->rank - 1], w->name, (long long)w->dims[1]);
  CLIQ__TRY(cliq__q8_check_io(oc, w->dims[0]));
  int64_t dims[CLIQ_MAX_RANK];
  for (int i = 0; i < x->rank; i++) dims[i] = x->dims[i];
  dims[x->rank - 1] = w->dims[0];
  return cliq__q8_set_output(oc, x->rank, dims);
}

static void qgemm_sizes(const cliq__opctx *oc, size_t *rows, size_t *K, size_t *N) {
  const cliq__value *x = cliq__op_in(oc, 0), *w = cliq__op_in(oc, 1);
  *rows = 1;
  for (int i = 0; i + 1 < x->rank; i++) *rows *= (size_t)x->dims[i];
  *K = (size_t)x->dims[x->rank - 1];
  *N = (size_t)w->dims[0];
}

static cliq_status qgemm_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  size_t rows, K, N;
  qgemm_sizes(oc, &rows, &K, &N);
  cliq__q8_epi e;
  CLIQ__TRY(cliq__q8_epi_init(oc, N, &e));
  cliq__ref_gemm_q8(rows, K, N, in[0]->data, in[1]->data, in[2] ? in[2]->data : NULL,
                    cliq__op_n_in(oc) > 3 && in[3] ? in[3]->data : NULL, &e, out[0]->data);
  cliq__q8_epi_free(&e);
  return CLIQ_STATUS_OK;
}

static cliq_status qgemm_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  size_t rows, K, N;
  qgemm_sizes(&oc, &rows, &K, &N);
  if (cliq__q8_wants_dw(n))
    return cliq__op_fail(&oc, CLIQ_STATUS_UNSUPPORTED, "cliq.variant '%s' is a depthwise kernel; QGemm runs GEMM variants",
                         cliq__attr_string(n, "cliq.variant", ""));
  cliq__q8_epi e;
  CLIQ__TRY(cliq__q8_epi_init(&oc, N, &e));
  const cliq__value *w = cliq__op_in(&oc, 1), *b = cliq__op_in(&oc, 2);
  cliq__q8_gemm_desc d = {0};
  d.images = 1;
  d.groups = 1;
  d.chans_per_group = (int64_t)N;
  d.positions = (int64_t)rows;
  d.depth = (int64_t)K;
  d.w = w->constant->data;
  d.bias = b ? b->constant->data : NULL;
  d.pack = CLIQ__Q8_PACK_ROWS;
  d.x = n->inputs[0];
  d.y = n->outputs[0];
  d.res = n->n_inputs > 3 ? n->inputs[3] : -1;
  d.y_sn = 0;
  d.y_sc = 1;
  d.y_sp = (int64_t)N;
  d.epi = &e;
  cliq_status st = cliq__q8_plan_gemm(p, node, &d);
  cliq__q8_epi_free(&e);
  return st;
}

static uint64_t qgemm_macs(cliq__opctx *oc) {
  const cliq__value *x = cliq__op_in(oc, 0), *w = cliq__op_in(oc, 1);
  if (!x || !w || !cliq__value_shape_known(x) || !cliq__value_shape_known(w) || x->rank < 1 || w->rank != 2) return 0;
  size_t rows, K, N;
  qgemm_sizes(oc, &rows, &K, &N);
  return (uint64_t)rows * K * N;
}

const cliq__op_def cliq__op_QGemm = {"QGemm", "cliq", 1, qgemm_check, qgemm_infer, qgemm_ref, qgemm_plan, 0, qgemm_macs};

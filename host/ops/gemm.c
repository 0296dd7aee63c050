/*
 * gemm.c — ONNX Gemm and MatMul (float), with the fused activation of the fusion pass.
 *
 * Gemm (opset 6+): Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A, B' likewise, C
 * unidirectionally broadcast to [M, N] (scalar, [N], [1, N], [M, 1], [M, N]; absent from opset 11).
 * MatMul: numpy matmul; a 1-D A is [1, K] and a 1-D B is [K, 1] with that dim removed from the
 * result; batch dims broadcast.
 * Both become one cliq__plan_gemm (host/ops/gemm_plan.c): transposes are strides, C is the
 * bias with zero strides where it broadcasts, MatMul batches are z with per-batch offsets, and
 * the planner swaps operands so a fully connected layer's batch of 1 is not padded to a panel.
 * References: host/ref/gemm_f32.c.
 */
#include "gemm_plan.h"
#include "op.h"

#include "../planner.h"
#include "../ref/ref.h"

#include <stdlib.h>

/* ---- Gemm ------------------------------------------------------------------------------------ */

typedef struct gemm_shape {
  int64_t M, N, K;
  bool ta, tb;
  int64_t c_sm, c_sn; /* C strides over (m, n); 0 where C broadcasts */
  bool has_c;
} gemm_shape;

static cliq_status gemm_check(cliq__opctx *oc) {
  const cliq__node *n = cliq__op_node(oc);
  /* Gemm-6 had 'broadcast' (C broadcast on request); from opset 7 C always broadcasts, so both
   * values mean the unidirectional broadcast cliq implements (with 0, C already is [M, N]) */
  CLIQ__TRY(cliq__op_check_attrs(oc, n->opset < 7 ? "alpha,beta,broadcast,transA,transB" : "alpha,beta,transA,transB"));
  int64_t ta = cliq__attr_int(n, "transA", 0), tb = cliq__attr_int(n, "transB", 0);
  if ((ta != 0 && ta != 1) || (tb != 0 && tb != 1))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attributes transA = %lld, transB = %lld must be 0 or 1",
                         (long long)ta, (long long)tb);
  return CLIQ_STATUS_OK;
}

static cliq_status gemm_shape_of(const cliq__opctx *oc, gemm_shape *s) {
  const cliq__node *n = cliq__op_node(oc);
  const cliq__value *A = cliq__op_in(oc, 0), *B = cliq__op_in(oc, 1), *C = cliq__op_in(oc, 2);
  if (A->rank != 2 || B->rank != 2)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "inputs '%s' (rank %d) and '%s' (rank %d) must be matrices (rank 2)",
                         A->name, A->rank, B->name, B->rank);
  s->ta = cliq__attr_int(n, "transA", 0) != 0;
  s->tb = cliq__attr_int(n, "transB", 0) != 0;
  s->M = s->ta ? A->dims[1] : A->dims[0];
  s->K = s->ta ? A->dims[0] : A->dims[1];
  int64_t kb = s->tb ? B->dims[1] : B->dims[0];
  s->N = s->tb ? B->dims[0] : B->dims[1];
  if (kb != s->K)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                         "A' = '%s'%s has %lld columns but B' = '%s'%s has %lld rows: the inner dims must agree", A->name,
                         s->ta ? "^T" : "", (long long)s->K, B->name, s->tb ? "^T" : "", (long long)kb);
  s->has_c = C != NULL;
  s->c_sm = s->c_sn = 0;
  if (C) {
    if (C->rank > 2)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "C '%s' has rank %d; it must broadcast to [M, N] (rank <= 2)",
                           C->name, C->rank);
    int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
    if ((cm != 1 && cm != s->M) || (cn != 1 && cn != s->N))
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "C '%s' of shape [%lld, %lld] does not broadcast to [M, N] = [%lld, %lld]",
                           C->name, (long long)cm, (long long)cn, (long long)s->M, (long long)s->N);
    s->c_sn = cn == 1 ? 0 : 1;
    s->c_sm = cm == 1 ? 0 : cn;
  }
  return CLIQ_STATUS_OK;
}

static cliq_status gemm_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 3, 1, 1));
  for (size_t i = 0; i < cliq__op_n_in(oc); i++)
    if (cliq__op_in(oc, i)) CLIQ__TRY(cliq__op_check_dtype(oc, i, CLIQ__DT_FLOAT));
  gemm_shape s;
  CLIQ__TRY(gemm_shape_of(oc, &s));
  int64_t dims[2] = {s.M, s.N};
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_FLOAT32, 2, dims);
}

static cliq_status gemm_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  gemm_shape s;
  CLIQ__TRY(gemm_shape_of(oc, &s));
  const cliq__node *n = cliq__op_node(oc);
  int act;
  float a, b;
  cliq__node_fused_act(n, &act, &a, &b);
  float alpha = cliq__attr_float(n, "alpha", 1.0f), beta = cliq__attr_float(n, "beta", 1.0f);
  cliq__ref_gemm_f32(s.M, s.N, s.K, alpha, in[0]->data, s.ta ? 1 : s.K, s.ta ? s.M : 1, in[1]->data, s.tb ? 1 : s.N,
                     s.tb ? s.K : 1, beta, s.has_c ? in[2]->data : NULL, s.c_sm, s.c_sn, out[0]->data, act, a, b);
  return CLIQ_STATUS_OK;
}

static uint64_t gemm_macs(cliq__opctx *oc) {
  gemm_shape s;
  if (gemm_shape_of(oc, &s) != CLIQ_STATUS_OK) return 0;
  return (uint64_t)s.M * (uint64_t)s.N * (uint64_t)s.K;
}

static cliq_status gemm_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  gemm_shape s;
  CLIQ__TRY(gemm_shape_of(&oc, &s));
  cliq__gemm_desc d;
  cliq__gemm_desc_init(&d);
  d.M = s.M;
  d.N = s.N;
  d.K = s.K;
  d.a.value = n->inputs[0]; /* (m, k) */
  d.a.i_s = s.ta ? 1 : s.K;
  d.a.k_s = s.ta ? s.M : 1;
  d.b.value = n->inputs[1]; /* (n, k) */
  d.b.i_s = s.tb ? s.K : 1;
  d.b.k_s = s.tb ? 1 : s.N;
  d.y = n->outputs[0];
  d.r_s = s.N;
  d.c_s = 1;
  d.alpha = cliq__attr_float(n, "alpha", 1.0f);
  d.beta = cliq__attr_float(n, "beta", 1.0f);
  if (s.has_c && d.beta != 0.0f) {
    d.bias = n->inputs[2];
    d.bias_r = s.c_sm;
    d.bias_c = s.c_sn;
  }
  cliq__node_fused_act(n, &d.act, &d.act_a, &d.act_b);
  return cliq__plan_gemm(p, node, &d);
}

const cliq__op_def cliq__op_Gemm = {"Gemm", "", 6, gemm_check, gemm_infer, gemm_ref, gemm_plan, 0, gemm_macs};

/* ---- MatMul ---------------------------------------------------------------------------------- */

typedef struct matmul_shape {
  int64_t M, N, K, Z;
  int nbat;
  int64_t bd[CLIQ_MAX_RANK], sa[CLIQ_MAX_RANK], sb[CLIQ_MAX_RANK]; /* batch dims and operand strides (0: broadcast) */
  int rank;
  int64_t dims[CLIQ_MAX_RANK]; /* output */
} matmul_shape;

static cliq_status matmul_shape_of(const cliq__opctx *oc, matmul_shape *s) {
  const cliq__value *A = cliq__op_in(oc, 0), *B = cliq__op_in(oc, 1);
  if (A->rank < 1 || B->rank < 1)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "inputs '%s' and '%s' must have rank >= 1 (got %d and %d)", A->name,
                         B->name, A->rank, B->rank);
  int64_t ad[CLIQ_MAX_RANK + 1], bdm[CLIQ_MAX_RANK + 1];
  int na = A->rank, nb = B->rank;
  if (na == 1) ad[0] = 1, ad[1] = A->dims[0], na = 2;
  else for (int i = 0; i < na; i++) ad[i] = A->dims[i];
  if (nb == 1) bdm[0] = B->dims[0], bdm[1] = 1, nb = 2;
  else for (int i = 0; i < nb; i++) bdm[i] = B->dims[i];
  s->M = ad[na - 2];
  s->K = ad[na - 1];
  s->N = bdm[nb - 1];
  if (bdm[nb - 2] != s->K)
    return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "'%s' has %lld columns but '%s' has %lld rows: the inner dims must agree",
                         A->name, (long long)s->K, B->name, (long long)bdm[nb - 2]);
  s->nbat = (na > nb ? na : nb) - 2;
  int64_t a_st = s->M * s->K, b_st = s->K * s->N;
  s->Z = 1;
  for (int i = s->nbat - 1; i >= 0; i--) {
    int ia = i - (s->nbat - (na - 2)), ib = i - (s->nbat - (nb - 2));
    int64_t x = ia >= 0 ? ad[ia] : 1, y = ib >= 0 ? bdm[ib] : 1;
    if (x != y && x != 1 && y != 1)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "batch dims of '%s' and '%s' do not broadcast (%lld vs %lld)",
                           A->name, B->name, (long long)x, (long long)y);
    s->bd[i] = x > y ? x : y;
    s->sa[i] = x == 1 ? 0 : a_st;
    s->sb[i] = y == 1 ? 0 : b_st;
    a_st *= x;
    b_st *= y;
    s->Z *= s->bd[i];
  }
  s->rank = 0;
  for (int i = 0; i < s->nbat; i++) s->dims[s->rank++] = s->bd[i];
  if (A->rank > 1) s->dims[s->rank++] = s->M;
  if (B->rank > 1) s->dims[s->rank++] = s->N;
  return CLIQ_STATUS_OK;
}

static cliq_status matmul_check(cliq__opctx *oc) { return cliq__op_check_attrs(oc, ""); }

static cliq_status matmul_infer(cliq__opctx *oc) {
  CLIQ__TRY(cliq__op_check_arity(oc, 2, 2, 1, 1));
  CLIQ__TRY(cliq__op_check_dtype(oc, 0, CLIQ__DT_FLOAT));
  CLIQ__TRY(cliq__op_check_dtype(oc, 1, CLIQ__DT_FLOAT));
  matmul_shape s;
  CLIQ__TRY(matmul_shape_of(oc, &s));
  return cliq__op_set_out(oc, 0, CLIQ_DTYPE_FLOAT32, s.rank, s.dims);
}

static cliq_status matmul_ref(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  int act;
  float a, b;
  cliq__node_fused_act(cliq__op_node(oc), &act, &a, &b);
  cliq__ref_matmul_f32(in[0]->rank, in[0]->dims, in[0]->data, in[1]->rank, in[1]->dims, in[1]->data, out[0]->data, act, a, b);
  return CLIQ_STATUS_OK;
}

static uint64_t matmul_macs(cliq__opctx *oc) {
  matmul_shape s;
  if (matmul_shape_of(oc, &s) != CLIQ_STATUS_OK) return 0;
  return (uint64_t)s.Z * (uint64_t)s.M * (uint64_t)s.N * (uint64_t)s.K;
}

static cliq_status matmul_plan(cliq__planner *p, int node) {
  cliq__opctx oc = {cliq__plan_context(p), cliq__plan_graph(p), node};
  const cliq__node *n = cliq__op_node(&oc);
  matmul_shape s;
  CLIQ__TRY(matmul_shape_of(&oc, &s));
  int64_t *za = malloc((size_t)s.Z * 2 * sizeof(int64_t));
  if (!za) return cliq__op_fail(&oc, CLIQ_STATUS_OUT_OF_MEMORY, "cannot allocate batch offsets");
  int64_t *zb = za + s.Z;
  for (int64_t z = 0; z < s.Z; z++) {
    int64_t rem = z, oa = 0, ob = 0;
    for (int i = s.nbat - 1; i >= 0; i--) {
      int64_t idx = rem % s.bd[i];
      rem /= s.bd[i];
      oa += idx * s.sa[i];
      ob += idx * s.sb[i];
    }
    za[z] = oa;
    zb[z] = ob;
  }
  cliq__gemm_desc d;
  cliq__gemm_desc_init(&d);
  d.M = s.M;
  d.N = s.N;
  d.K = s.K;
  d.Z = s.Z;
  d.a.value = n->inputs[0]; /* (m, k) = A[z][m][k] */
  d.a.i_s = s.K;
  d.a.k_s = 1;
  d.a.zoff = za;
  d.b.value = n->inputs[1]; /* (n, k) = B[z][k][n] */
  d.b.i_s = 1;
  d.b.k_s = s.N;
  d.b.zoff = zb;
  d.y = n->outputs[0];
  d.y_z = s.M * s.N;
  d.r_s = s.N;
  d.c_s = 1;
  cliq__node_fused_act(n, &d.act, &d.act_a, &d.act_b);
  cliq_status st = cliq__plan_gemm(p, node, &d);
  free(za);
  return st;
}

const cliq__op_def cliq__op_MatMul = {"MatMul", "", 1, matmul_check, matmul_infer, matmul_ref, matmul_plan, 0, matmul_macs};

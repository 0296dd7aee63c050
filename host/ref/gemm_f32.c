/*
 * gemm_f32.c — C reference of float matrix products: ONNX Gemm (alpha, beta, transposes through
 * strides, C broadcast through zero strides) and MatMul (numpy semantics: 1-D operands promoted
 * and the added dim removed, batch dims broadcast), each with the fused activation.
 *
 * Plain triple loops; the products are summed in k order and alpha/beta applied after, as the
 * device epilogue does.
 */
#include "ref.h"

#include "activation.h"

void cliq__ref_gemm_f32(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t a_sm, int64_t a_sk,
                        const float *B, int64_t b_sk, int64_t b_sn, float beta, const float *C, int64_t c_sm,
                        int64_t c_sn, float *Y, int act, float act_a, float act_b) {
  for (int64_t m = 0; m < M; m++)
    for (int64_t n = 0; n < N; n++) {
      float acc = 0.0f;
      for (int64_t k = 0; k < K; k++) acc += A[m * a_sm + k * a_sk] * B[k * b_sk + n * b_sn];
      float v = alpha * acc;
      if (C) v += beta * C[m * c_sm + n * c_sn];
      Y[m * N + n] = cliq_act(act, v, act_a, act_b);
    }
}

/* Row-major strides of dims[0..rank). */
static void strides_of(int rank, const int64_t *dims, int64_t *st) {
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; i--) {
    st[i] = s;
    s *= dims[i];
  }
}

void cliq__ref_matmul_f32(int ra, const int64_t *da, const float *A, int rb, const int64_t *db, const float *B, float *Y,
                          int act, float act_a, float act_b) {
  /* promote 1-D operands: A [K] -> [1, K], B [K] -> [K, 1] */
  int64_t a_dims[CLIQ__REF_MAX_RANK] = {0}, b_dims[CLIQ__REF_MAX_RANK] = {0};
  int na = ra, nb = rb;
  if (ra == 1) {
    a_dims[0] = 1, a_dims[1] = da[0], na = 2;
  } else {
    for (int i = 0; i < ra; i++) a_dims[i] = da[i];
  }
  if (rb == 1) {
    b_dims[0] = db[0], b_dims[1] = 1, nb = 2;
  } else {
    for (int i = 0; i < rb; i++) b_dims[i] = db[i];
  }
  const int64_t M = a_dims[na - 2], K = a_dims[na - 1], N = b_dims[nb - 1];
  int64_t a_st[CLIQ__REF_MAX_RANK], b_st[CLIQ__REF_MAX_RANK];
  strides_of(na, a_dims, a_st);
  strides_of(nb, b_dims, b_st);
  /* batch dims, right-aligned; a dim of 1 broadcasts (stride 0) */
  int nbat = (na > nb ? na : nb) - 2;
  int64_t bd[CLIQ__REF_MAX_RANK], sa[CLIQ__REF_MAX_RANK], sb[CLIQ__REF_MAX_RANK];
  int64_t total = 1;
  for (int i = 0; i < nbat; i++) {
    int ia = i - (nbat - (na - 2)), ib = i - (nbat - (nb - 2));
    int64_t x = ia >= 0 ? a_dims[ia] : 1, y = ib >= 0 ? b_dims[ib] : 1;
    bd[i] = x > y ? x : y;
    sa[i] = (ia >= 0 && x != 1) ? a_st[ia] : 0;
    sb[i] = (ib >= 0 && y != 1) ? b_st[ib] : 0;
    total *= bd[i];
  }
  for (int64_t t = 0; t < total; t++) {
    int64_t rem = t, oa = 0, ob = 0;
    for (int i = nbat - 1; i >= 0; i--) {
      int64_t idx = rem % bd[i];
      rem /= bd[i];
      oa += idx * sa[i];
      ob += idx * sb[i];
    }
    cliq__ref_gemm_f32(M, N, K, 1.0f, A + oa, K, 1, B + ob, N, 1, 0.0f, NULL, 0, 0, Y + t * M * N, act, act_a, act_b);
  }
}

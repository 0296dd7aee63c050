/*
 * ref.h — the C reference kernels: plain loops over host arrays, one function per op and type,
 * in host/ref/<op>_f32.c and host/ref/<op>_q8.c. They define what each op computes; device
 * kernels are tested against them, and constant folding runs them.
 */
#ifndef CLIQ_REF_H
#define CLIQ_REF_H

#include <stddef.h>
#include <stdint.h>

/* unary_f32.c: y[i] = cliq_act(act, x[i], a, b) (activation.h) */
void cliq__ref_unary_f32(int act, float a, float b, const float *x, float *y, size_t n);

/* ---- convolution and matrix products (branch conv): conv_f32.c, conv_transpose_f32.c, gemm_f32.c.
 * Each applies the fused activation (act, act_a, act_b) of activation.h last; act 0 = none. */
#include "conv_geom.h"
#define CLIQ__REF_MAX_RANK 8
/* x [N][C][in...], w [M][C/G][k...], bias [M] or NULL, y [N][M][out...] */
void cliq__ref_conv_f32(const cliq__conv_geom *g, const float *x, const float *w, const float *bias, float *y, int act,
                        float act_a, float act_b);
/* x [N][C][in...], w [C][M/G][k...], bias [M] or NULL, y [N][M][out...] */
void cliq__ref_conv_transpose_f32(const cliq__conv_geom *g, const float *x, const float *w, const float *bias, float *y,
                                  int act, float act_a, float act_b);
/* Y[m][n] = act(alpha * sum_k A[m*a_sm + k*a_sk] * B[k*b_sk + n*b_sn] + beta * C[m*c_sm + n*c_sn]);
 * C may be NULL; zero strides broadcast. */
void cliq__ref_gemm_f32(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t a_sm, int64_t a_sk,
                        const float *B, int64_t b_sk, int64_t b_sn, float beta, const float *C, int64_t c_sm,
                        int64_t c_sn, float *Y, int act, float act_a, float act_b);
/* numpy matmul of A (rank ra, dims da) and B (rank rb, dims db) into Y (the broadcast shape). */
void cliq__ref_matmul_f32(int ra, const int64_t *da, const float *A, int rb, const int64_t *db, const float *B, float *Y,
                          int act, float act_a, float act_b);

#endif /* CLIQ_REF_H */

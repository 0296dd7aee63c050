/*
 * reduce_f32.cl — reductions over any set of axes: ReduceSum/Mean/Max/Min/Prod/SumSquare/L1/L2/
 * LogSum/LogSumExp, and GlobalAveragePool / GlobalMaxPool (a reduction over the spatial dims).
 * Formulas: reduce_op.h, shared with the C reference host/ref/reduce_f32.c, which visits values in
 * the same order.
 *
 * The host describes the input as kept and reduced groups (cliq__reduce_params in ref.h: up to 4
 * of each, right-aligned, unused ones size 1). Two layouts:
 *   reduce_rows_<op>: the innermost dim is reduced, so each output reads contiguous rows; one
 *                     output per work-item.
 *   reduce_cols_<op>: the innermost dim is kept (e.g. ReduceMean over C of NCHW), so VEC
 *                     neighbouring outputs read neighbouring inputs; VEC outputs per work-item.
 * T is float by default; -DT=char|uchar builds Max/Min for int8 tensors (values are exact in
 * float; stores saturate, so an empty Max gives the type's lowest value as the reference does).
 */
#include "reduce_op.h"

#pragma OPENCL FP_CONTRACT OFF /* acc + x*x must round as the C reference does */

#ifndef T
#define T float
#define T_IS_FLOAT 1
#endif
#ifndef T_IS_FLOAT
#define T_IS_FLOAT 0
#endif
#ifndef VEC
#define VEC 8 /* outputs per work-item in reduce_cols */
#endif

#if T_IS_FLOAT
#define STORE(v) (v)
#else
#define CONVERT_SAT_(t) convert_##t##_sat
#define CONVERT_SAT(t) CONVERT_SAT_(t)
#define STORE(v) CONVERT_SAT(T)(v)
#endif

#define RED_ARGS                                                                                          \
  __global const T *x, __global T *y, const int n_out, const int K0, const int K1, const int K2, const int K3, \
      const int KS0, const int KS1, const int KS2, const int KS3, const int R0, const int R1, const int R2,   \
      const int R3, const int RS0, const int RS1, const int RS2, const int RS3, const int count

/* Visits every reduced element of the output(s) based at `base` in the reference's order. */
#define FOR_REDUCED(BODY)                                                         \
  for (int a_ = 0; a_ < R0; a_++)                                                 \
    for (int b_ = 0; b_ < R1; b_++)                                               \
      for (int c_ = 0; c_ < R2; c_++) {                                           \
        const int o_ = base + a_ * RS0 + b_ * RS1 + c_ * RS2;                     \
        for (int d_ = 0; d_ < R3; d_++) {                                         \
          const int i_ = o_ + d_ * RS3;                                           \
          BODY                                                                    \
        }                                                                         \
      }

#define ROWS_KERNEL(name, OP)                                                                       \
  __kernel void name(RED_ARGS) {                                                      \
    int o = get_global_id(0);                                                                       \
    if (o >= n_out) return;                                                                         \
    const int out_index = o;                                                                        \
    int base = (o % K3) * KS3;                                                                      \
    o /= K3;                                                                                        \
    base += (o % K2) * KS2;                                                                         \
    o /= K2;                                                                                        \
    base += (o % K1) * KS1 + (o / K1) * KS0;                                                        \
    float m = 0.0f;                                                                                 \
    if (OP == CLIQ_RED_LOG_SUM_EXP) {                                                               \
      m = -INFINITY;                                                                                \
      FOR_REDUCED(m = cliq_red_step(CLIQ_RED_MAX, m, (float)x[i_], 0.0f);)                          \
      m = CLIQ_RED_SHIFT(m);                                                                        \
    }                                                                                               \
    float acc = cliq_red_init(OP);                                                                  \
    FOR_REDUCED(acc = cliq_red_step(OP, acc, (float)x[i_], m);)                                     \
    y[out_index] = STORE(cliq_red_final(OP, acc, count, m));                                        \
  }

#define COLS_KERNEL(name, OP)                                                                       \
  __kernel void name(RED_ARGS) {                                                      \
    const int g0 = (K3 + VEC - 1) / VEC, gid = get_global_id(0);                                    \
    if (gid >= g0 * (n_out / K3)) return;                                                           \
    const int k3 = (gid % g0) * VEC;                                                                \
    int o = gid / g0;                                                                               \
    const int out_base = o * K3 + k3;                                                               \
    int base = (o % K2) * KS2;                                                                      \
    o /= K2;                                                                                        \
    base += (o % K1) * KS1 + (o / K1) * KS0 + k3;                                                   \
    const int n = min(VEC, K3 - k3);                                                                \
    float acc[VEC], m[VEC];                                                                         \
    for (int j = 0; j < VEC; j++) acc[j] = cliq_red_init(OP), m[j] = 0.0f;                          \
    if (OP == CLIQ_RED_LOG_SUM_EXP) {                                                               \
      for (int j = 0; j < VEC; j++) m[j] = -INFINITY;                                               \
      FOR_REDUCED(for (int j = 0; j < n; j++) m[j] = cliq_red_step(CLIQ_RED_MAX, m[j], (float)x[i_ + j], 0.0f);) \
      for (int j = 0; j < VEC; j++) m[j] = CLIQ_RED_SHIFT(m[j]);                                    \
    }                                                                                               \
    if (n == VEC) {                                                                                 \
      FOR_REDUCED(_Pragma("unroll") for (int j = 0; j < VEC; j++) acc[j] = cliq_red_step(OP, acc[j], (float)x[i_ + j], m[j]);) \
    } else {                                                                                        \
      FOR_REDUCED(for (int j = 0; j < n; j++) acc[j] = cliq_red_step(OP, acc[j], (float)x[i_ + j], m[j]);) \
    }                                                                                               \
    for (int j = 0; j < n; j++) y[out_base + j] = STORE(cliq_red_final(OP, acc[j], count, m[j]));   \
  }

/* names are pasted here, before `max`/`min` (macros in some OpenCL headers) could expand */
#define REDUCE_KERNELS(name, OP) ROWS_KERNEL(reduce_rows_##name, OP) COLS_KERNEL(reduce_cols_##name, OP)

REDUCE_KERNELS(max, CLIQ_RED_MAX)
REDUCE_KERNELS(min, CLIQ_RED_MIN)
#if T_IS_FLOAT
REDUCE_KERNELS(sum, CLIQ_RED_SUM)
REDUCE_KERNELS(mean, CLIQ_RED_MEAN)
REDUCE_KERNELS(prod, CLIQ_RED_PROD)
REDUCE_KERNELS(sum_square, CLIQ_RED_SUM_SQUARE)
REDUCE_KERNELS(l1, CLIQ_RED_L1)
REDUCE_KERNELS(l2, CLIQ_RED_L2)
REDUCE_KERNELS(log_sum, CLIQ_RED_LOG_SUM)
REDUCE_KERNELS(log_sum_exp, CLIQ_RED_LOG_SUM_EXP)
#endif

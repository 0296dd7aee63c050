/*
 * reduce_op.h — the reductions of ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd,
 * ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp, GlobalAveragePool and
 * GlobalMaxPool as (initial value, step, final), shared verbatim by the C reference
 * (host/ref/reduce_f32.c) and the kernels (cl_kernels/reduce_f32.cl). Formulas: ONNX operator
 * docs; an empty reduction gives the initial value through `final` (ONNX opset 18: -inf for
 * Max, +inf for Min, 1 for Prod, 0 for sums; Mean of nothing is 0/0 = NaN as numpy's).
 * LogSumExp is computed as m + log(sum(exp(x - m))) with m = CLIQ_RED_SHIFT(maximum) from a
 * first pass, so it does not overflow (the other ops ignore m).
 */
#ifndef CLIQ_REDUCE_OP_H
#define CLIQ_REDUCE_OP_H

#include "cliq_common.h"

#define CLIQ_RED_SUM 0
#define CLIQ_RED_MEAN 1
#define CLIQ_RED_MAX 2
#define CLIQ_RED_MIN 3
#define CLIQ_RED_PROD 4
#define CLIQ_RED_SUM_SQUARE 5
#define CLIQ_RED_L1 6
#define CLIQ_RED_L2 7
#define CLIQ_RED_LOG_SUM 8
#define CLIQ_RED_LOG_SUM_EXP 9
#define CLIQ_RED_COUNT 10

#ifdef __OPENCL_C_VERSION__
#define CLIQ_RED_INF INFINITY
#define CLIQ_RED_LOGF(x) log(x)
#define CLIQ_RED_SQRTF(x) sqrt(x)
#define CLIQ_RED_FABSF(x) fabs(x)
#else
#define CLIQ_RED_INF INFINITY
#define CLIQ_RED_LOGF(x) logf(x)
#define CLIQ_RED_SQRTF(x) sqrtf(x)
#define CLIQ_RED_FABSF(x) fabsf(x)
#endif

CLIQ_INLINE float cliq_red_init(int op) {
  switch (op) {
  case CLIQ_RED_MAX: return -CLIQ_RED_INF;
  case CLIQ_RED_MIN: return CLIQ_RED_INF;
  case CLIQ_RED_PROD: return 1.0f;
  default: return 0.0f;
  }
}

/* LogSumExp's shift: the maximum when finite, else 0 (all -inf gives log(0) = -inf, not NaN). */
#define CLIQ_RED_SHIFT(m) ((m) - (m) == 0.0f ? (m) : 0.0f)

/* m: the shift (LogSumExp only). Max/Min propagate NaN (numpy). */
CLIQ_INLINE float cliq_red_step(int op, float acc, float x, float m) {
  switch (op) {
  case CLIQ_RED_MAX: return (x > acc || x != x) ? x : acc;
  case CLIQ_RED_MIN: return (x < acc || x != x) ? x : acc;
  case CLIQ_RED_PROD: return acc * x;
  case CLIQ_RED_SUM_SQUARE:
  case CLIQ_RED_L2: return acc + x * x;
  case CLIQ_RED_L1: return acc + CLIQ_RED_FABSF(x);
  case CLIQ_RED_LOG_SUM_EXP: return acc + CLIQ_EXPF(x - m);
  default: return acc + x; /* SUM, MEAN, LOG_SUM */
  }
}

CLIQ_INLINE float cliq_red_final(int op, float acc, int count, float m) {
  switch (op) {
  case CLIQ_RED_MEAN: return acc / (float)count;
  case CLIQ_RED_L2: return CLIQ_RED_SQRTF(acc);
  case CLIQ_RED_LOG_SUM: return CLIQ_RED_LOGF(acc);
  case CLIQ_RED_LOG_SUM_EXP: return m + CLIQ_RED_LOGF(acc);
  default: return acc;
  }
}

#endif /* CLIQ_REDUCE_OP_H */

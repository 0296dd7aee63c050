/*
 * binary_f32.cl — broadcasting elementwise ops: Add, Sub, Mul, Div, Pow, Max, Min, Sum, Mean,
 * PRelu, comparisons (bool output) and one-input math (Neg, Abs, Sqrt, Reciprocal, Floor, Ceil).
 * Formulas: binary_op.h, shared with the C reference host/ref/binary_f32.c.
 *
 * Built once per element type (-DT=float|int|long|char|uchar, T_IS_FLOAT for float; -DTB for a
 * Pow exponent of another type); one kernel per op so the op is a constant inside the loops and a
 * model only compiles the kernels it runs.
 *
 * The broadcast arrives collapsed (host/ref/bcast.h): an innermost run of n0 elements in which
 * each operand's stride is 0 or 1, a second dim n1 with strides (sa1, sb1), and nk outer dims
 * flattened into one index q, whose (size, stride a, stride b) triples, innermost first, are in
 * `outer`. A work-item computes VEC consecutive outputs of one run; its flat id splits into
 * (run chunk, i1, q) with a few divisions per work-item, none per element, and a same-shape,
 * scalar or per-channel (N,C,H,W)+(1,C,1,1) operand needs no outer dims at all.
 */
#include "binary_op.h"

#ifndef T
#define T float
#define T_IS_FLOAT 1
#endif
#ifndef T_IS_FLOAT
#define T_IS_FLOAT 0
#endif
#ifndef TB
#define TB T /* b's type: differs from T only for Pow (opset 12+) */
#endif
#ifndef VEC
#define VEC 16 /* outputs per work-item: PoCL vectorises the unrolled run */
#endif

#if T_IS_FLOAT
#define ARITH(op, a, b) cliq_binop_f32(op, a, b)
#else
#define ARITH(op, a, b) ((T)cliq_binop_i64(op, (long)(a), (long)(b)))
#endif
#define COMPARE(op, a, b) ((uchar)(CLIQ_CMPOP(op, a, b) ? 1 : 0))

#define ARGS(TY)                                                                                   \
  __global const T *a, __global const TB *b, __global TY *y, const int n0, const int n1, const int nq, \
      const int sa0, const int sb0, const int sa1, const int sb1, const int nk, __global const int *outer

#define BODY(TY, EXPR)                                                                             \
  const int g0 = (n0 + VEC - 1) / VEC;                                                             \
  const int gid = get_global_id(0);                                                                \
  if (gid >= g0 * n1 * nq) return;                                                                 \
  const int i0 = (gid % g0) * VEC;                                                                 \
  const int i1 = (gid / g0) % n1;                                                                  \
  int q = gid / g0 / n1;                                                                           \
  __global TY *py = y + ((q * n1 + i1) * n0 + i0);                                                 \
  int oa = i1 * sa1 + i0 * sa0, ob = i1 * sb1 + i0 * sb0;                                          \
  for (int k = 0; k < nk; k++) {                                                                   \
    const int size = outer[3 * k], c = q % size;                                                   \
    q /= size;                                                                                     \
    oa += c * outer[3 * k + 1];                                                                    \
    ob += c * outer[3 * k + 2];                                                                    \
  }                                                                                                \
  __global const T *pa = a + oa;                                                                   \
  __global const TB *pb = b + ob;                                                                  \
  if (i0 + VEC <= n0) {                                                                            \
    if (sa0 && sb0) {                                                                              \
      _Pragma("unroll") for (int j = 0; j < VEC; j++) {                                            \
        const T av = pa[j];                                                                        \
        const TB bv = pb[j];                                                                       \
        py[j] = EXPR;                                                                              \
      }                                                                                            \
    } else if (sa0) {                                                                              \
      const TB bv = pb[0];                                                                         \
      _Pragma("unroll") for (int j = 0; j < VEC; j++) {                                            \
        const T av = pa[j];                                                                        \
        py[j] = EXPR;                                                                              \
      }                                                                                            \
    } else if (sb0) {                                                                              \
      const T av = pa[0];                                                                          \
      _Pragma("unroll") for (int j = 0; j < VEC; j++) {                                            \
        const TB bv = pb[j];                                                                       \
        py[j] = EXPR;                                                                              \
      }                                                                                            \
    } else { /* both repeat along the run (a variadic op's later inputs): rare, kept simple */    \
      for (int j = 0; j < VEC; j++) {                                                              \
        const T av = pa[0];                                                                        \
        const TB bv = pb[0];                                                                       \
        py[j] = EXPR;                                                                              \
      }                                                                                            \
    }                                                                                              \
  } else {                                                                                         \
    for (int j = 0; j < n0 - i0; j++) {                                                            \
      const T av = pa[j * sa0];                                                                    \
      const TB bv = pb[j * sb0];                                                                   \
      py[j] = EXPR;                                                                                \
    }                                                                                              \
  }

#define ARITH_KERNEL(name, op) \
  __kernel void name(ARGS(T)) { BODY(T, ARITH(op, av, bv)) }
#define COMPARE_KERNEL(name, op) \
  __kernel void name(ARGS(uchar)) { BODY(uchar, COMPARE(op, av, bv)) }

ARITH_KERNEL(bin_add, CLIQ_BIN_ADD)
ARITH_KERNEL(bin_sub, CLIQ_BIN_SUB)
ARITH_KERNEL(bin_mul, CLIQ_BIN_MUL)
ARITH_KERNEL(bin_div, CLIQ_BIN_DIV)
ARITH_KERNEL(bin_max, CLIQ_BIN_MAX)
ARITH_KERNEL(bin_min, CLIQ_BIN_MIN)
ARITH_KERNEL(bin_prelu, CLIQ_BIN_PRELU)
ARITH_KERNEL(bin_copy, CLIQ_BIN_COPY)
ARITH_KERNEL(bin_neg, CLIQ_BIN_NEG)
ARITH_KERNEL(bin_abs, CLIQ_BIN_ABS)
#if T_IS_FLOAT
__kernel void bin_pow(ARGS(T)) { BODY(T, cliq_binop_f32(CLIQ_BIN_POW, av, (float)bv)) }
ARITH_KERNEL(bin_sqrt, CLIQ_BIN_SQRT)
ARITH_KERNEL(bin_recip, CLIQ_BIN_RECIP)
ARITH_KERNEL(bin_floor, CLIQ_BIN_FLOOR)
ARITH_KERNEL(bin_ceil, CLIQ_BIN_CEIL)
#else
/* integer bases: exact integer power, or powf truncated for a float exponent */
__kernel void bin_ipow(ARGS(T)) { BODY(T, (T)cliq_ipow_i64((long)av, (long)bv)) }
__kernel void bin_pow_int_float(ARGS(T)) { BODY(T, (T)cliq_trunc_i64(pow((float)av, (float)bv))) }
#endif
COMPARE_KERNEL(bin_equal, CLIQ_BIN_EQUAL)
COMPARE_KERNEL(bin_less, CLIQ_BIN_LESS)
COMPARE_KERNEL(bin_less_equal, CLIQ_BIN_LESS_EQUAL)
COMPARE_KERNEL(bin_greater, CLIQ_BIN_GREATER)
COMPARE_KERNEL(bin_greater_equal, CLIQ_BIN_GREATER_EQUAL)

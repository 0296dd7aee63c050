/*
 * binary_op.h — the elementwise math of Add, Sub, Mul, Div, Pow, Max, Min, Sum, Mean, PRelu, the
 * comparisons (Equal, Less, Greater, ...) and the one-input math ops (Neg, Abs, Sqrt, Reciprocal,
 * Floor, Ceil), shared verbatim by the C reference (host/ref/binary_f32.c) and the kernels
 * (cl_kernels/binary_f32.cl), so each formula exists once. One-input ops read only `a`.
 *
 * Integers of every width are computed in 64 bits and wrapped (unsigned arithmetic) to the
 * element type on store: that is two's-complement wrapping for int8/uint8/int32/int64, as numpy
 * (the ONNX reference) does, and never signed overflow, which C and OpenCL C leave undefined.
 * Integer Div truncates toward zero (ONNX Div: "integer division truncates"); division by zero,
 * which numpy answers with 0, gives 0 here too rather than trapping.
 * Pow of mixed types (opset 12+): a float base takes the exponent converted to float; integer
 * base and exponent use cliq_ipow_i64; an integer base with a float exponent is powf of the base
 * converted to float, truncated (cliq_trunc_i64).
 */
#ifndef CLIQ_BINARY_OP_H
#define CLIQ_BINARY_OP_H

#include "cliq_common.h"

/* two-input ops producing the input type */
#define CLIQ_BIN_ADD 0
#define CLIQ_BIN_SUB 1
#define CLIQ_BIN_MUL 2
#define CLIQ_BIN_DIV 3
#define CLIQ_BIN_POW 4   /* float only */
#define CLIQ_BIN_MAX 5   /* propagates NaN from either side, as numpy.maximum */
#define CLIQ_BIN_MIN 6
#define CLIQ_BIN_PRELU 7 /* a < 0 ? a*b : a (b is the slope) */
/* one-input ops (b ignored) */
#define CLIQ_BIN_COPY 8
#define CLIQ_BIN_NEG 9
#define CLIQ_BIN_ABS 10
#define CLIQ_BIN_SQRT 11  /* float only */
#define CLIQ_BIN_RECIP 12 /* float only */
#define CLIQ_BIN_FLOOR 13 /* float only */
#define CLIQ_BIN_CEIL 14  /* float only */
/* comparisons producing bool (uint8 0/1) */
#define CLIQ_BIN_EQUAL 16
#define CLIQ_BIN_LESS 17
#define CLIQ_BIN_LESS_EQUAL 18
#define CLIQ_BIN_GREATER 19
#define CLIQ_BIN_GREATER_EQUAL 20
#define CLIQ_BIN_COUNT 21

#define CLIQ_BIN_IS_COMPARE(op) ((op) >= CLIQ_BIN_EQUAL)
#define CLIQ_BIN_IS_UNARY(op) ((op) >= CLIQ_BIN_COPY && (op) <= CLIQ_BIN_CEIL)
#define CLIQ_BIN_FLOAT_ONLY(op) \
  ((op) == CLIQ_BIN_POW || (op) == CLIQ_BIN_SQRT || (op) == CLIQ_BIN_RECIP || (op) == CLIQ_BIN_FLOOR || (op) == CLIQ_BIN_CEIL)

#ifdef __OPENCL_C_VERSION__
#define CLIQ_I64 long
#define CLIQ_U64 ulong
#define CLIQ_I64_MAX LONG_MAX
#define CLIQ_I64_MIN LONG_MIN
#define CLIQ_POWF(a, b) pow(a, b)
#define CLIQ_SQRTF(a) sqrt(a)
#define CLIQ_FLOORF(a) floor(a)
#define CLIQ_CEILF(a) ceil(a)
#else
#define CLIQ_I64 int64_t
#define CLIQ_U64 uint64_t
#define CLIQ_I64_MAX INT64_MAX
#define CLIQ_I64_MIN INT64_MIN
#define CLIQ_POWF(a, b) powf(a, b)
#define CLIQ_SQRTF(a) sqrtf(a)
#define CLIQ_FLOORF(a) floorf(a)
#define CLIQ_CEILF(a) ceilf(a)
#endif

CLIQ_INLINE float cliq_binop_f32(int op, float a, float b) {
  switch (op) {
  case CLIQ_BIN_ADD: return a + b;
  case CLIQ_BIN_SUB: return a - b;
  case CLIQ_BIN_MUL: return a * b;
  case CLIQ_BIN_DIV: return a / b;
  case CLIQ_BIN_POW: return CLIQ_POWF(a, b);
  case CLIQ_BIN_MAX: return (a > b || a != a) ? a : b;
  case CLIQ_BIN_MIN: return (a < b || a != a) ? a : b;
  case CLIQ_BIN_PRELU: return a < 0.0f ? a * b : a;
  case CLIQ_BIN_NEG: return -a;
  case CLIQ_BIN_ABS: return CLIQ_FABSF(a);
  case CLIQ_BIN_SQRT: return CLIQ_SQRTF(a);
  case CLIQ_BIN_RECIP: return 1.0f / a;
  case CLIQ_BIN_FLOOR: return CLIQ_FLOORF(a);
  case CLIQ_BIN_CEIL: return CLIQ_CEILF(a);
  default: return a; /* COPY */
  }
}

CLIQ_INLINE CLIQ_I64 cliq_binop_i64(int op, CLIQ_I64 a, CLIQ_I64 b) {
  switch (op) {
  case CLIQ_BIN_ADD: return (CLIQ_I64)((CLIQ_U64)a + (CLIQ_U64)b);
  case CLIQ_BIN_SUB: return (CLIQ_I64)((CLIQ_U64)a - (CLIQ_U64)b);
  case CLIQ_BIN_MUL: return (CLIQ_I64)((CLIQ_U64)a * (CLIQ_U64)b);
  /* b == -1 is negation: INT64_MIN / -1 overflows */
  case CLIQ_BIN_DIV: return b == 0 ? 0 : (b == -1 ? (CLIQ_I64)((CLIQ_U64)0 - (CLIQ_U64)a) : a / b);
  case CLIQ_BIN_MAX: return a > b ? a : b;
  case CLIQ_BIN_MIN: return a < b ? a : b;
  case CLIQ_BIN_PRELU: return a < 0 ? (CLIQ_I64)((CLIQ_U64)a * (CLIQ_U64)b) : a;
  case CLIQ_BIN_NEG: return (CLIQ_I64)((CLIQ_U64)0 - (CLIQ_U64)a);
  case CLIQ_BIN_ABS: return a < 0 ? (CLIQ_I64)((CLIQ_U64)0 - (CLIQ_U64)a) : a;
  default: return a; /* COPY; float-only ops are rejected before reaching here */
  }
}

/* Pow of integers (numpy's int ** int): exact, by repeated squaring, wrapping like the other
 * integer ops. A negative exponent gives the integer part of 1/a^-b: 1 for a = 1, +-1 for
 * a = -1, 0 otherwise (numpy refuses; ONNX leaves it open). */
CLIQ_INLINE CLIQ_I64 cliq_ipow_i64(CLIQ_I64 a, CLIQ_I64 b) {
  if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
  CLIQ_U64 r = 1, x = (CLIQ_U64)a;
  while (b) {
    if (b & 1) r *= x;
    x *= x;
    b >>= 1;
  }
  return (CLIQ_I64)r;
}

/* Float to integer toward zero (C's cast), saturating, NaN to 0: an integer base with a float
 * exponent is computed in float32 and truncated. */
CLIQ_INLINE CLIQ_I64 cliq_trunc_i64(float v) {
  if (v != v) return 0;
  if (v >= 9.22337204e18f) return CLIQ_I64_MAX;
  if (v <= -9.22337204e18f) return CLIQ_I64_MIN;
  return (CLIQ_I64)v;
}

/* Comparisons on any element type (macro, so it applies to float and integers alike). */
#define CLIQ_CMPOP(op, a, b)                                                           \
  ((op) == CLIQ_BIN_EQUAL ? (a) == (b)                                                 \
   : (op) == CLIQ_BIN_LESS ? (a) < (b)                                                 \
   : (op) == CLIQ_BIN_LESS_EQUAL ? (a) <= (b)                                          \
   : (op) == CLIQ_BIN_GREATER ? (a) > (b)                                              \
                              : (a) >= (b))

#endif /* CLIQ_BINARY_OP_H */

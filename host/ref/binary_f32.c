/*
 * binary_f32.c — C reference of the broadcasting elementwise ops (Add, Sub, Mul, Div, Pow, Max,
 * Min, Sum, Mean, PRelu, comparisons) and the one-input math ops, for float32 and every integer
 * type (int64/int32 shape arithmetic is constant-folded here). Formulas: cl_kernels/binary_op.h,
 * shared with cl_kernels/binary_f32.cl; loop nest: bcast.h.
 */
#include "ref.h"

#include "binary_op.h"

#include <string.h>

/* Walks the rows (innermost runs) of a collapsed broadcast in output order. */
typedef struct row_walk {
  const cliq__bcast *bc;
  int64_t idx[CLIQ_MAX_RANK];
  int64_t oa, ob;
} row_walk;

static void row_next(row_walk *w) {
  const cliq__bcast *bc = w->bc;
  for (int d = bc->rank - 2; d >= 0; d--) {
    w->oa += bc->stride[0][d];
    w->ob += bc->stride[1][d];
    if (++w->idx[d] < bc->dims[d]) return;
    w->oa -= bc->stride[0][d] * bc->dims[d];
    w->ob -= bc->stride[1][d] * bc->dims[d];
    w->idx[d] = 0;
  }
}

/* Runs EXPR (reading av, bv) over every output element, the op fixed per loop so the compiler
 * can vectorise the innermost run. */
#define ROWS(TA, TY, EXPR)                                                                   \
  do {                                                                                       \
    const TA *A_ = (const TA *)a, *B_ = (const TA *)b;                                       \
    TY *Y_ = (TY *)y;                                                                        \
    row_walk w_;                                                                             \
    memset(&w_, 0, sizeof w_);                                                               \
    w_.bc = bc;                                                                              \
    const int64_t n0_ = bc->dims[bc->rank - 1];                                              \
    const int64_t sa_ = bc->stride[0][bc->rank - 1], sb_ = bc->stride[1][bc->rank - 1];      \
    for (int64_t oy_ = 0; n0_ > 0 && oy_ < bc->elems; oy_ += n0_, row_next(&w_)) {           \
      const TA *ra_ = A_ + w_.oa, *rb_ = B_ + w_.ob;                                         \
      TY *ry_ = Y_ + oy_;                                                                    \
      for (int64_t i_ = 0; i_ < n0_; i_++) {                                                 \
        TA av = ra_[i_ * sa_], bv = rb_[i_ * sb_];                                           \
        (void)av, (void)bv;                                                                  \
        ry_[i_] = (TY)(EXPR);                                                                \
      }                                                                                      \
    }                                                                                        \
  } while (0)

#define FLOAT_CASE(OP) \
  case OP: ROWS(float, float, cliq_binop_f32(OP, av, bv)); break;

static void binary_float(int op, const cliq__bcast *bc, const void *a, const void *b, void *y) {
  switch (op) {
    FLOAT_CASE(CLIQ_BIN_ADD)
    FLOAT_CASE(CLIQ_BIN_SUB)
    FLOAT_CASE(CLIQ_BIN_MUL)
    FLOAT_CASE(CLIQ_BIN_DIV)
    FLOAT_CASE(CLIQ_BIN_POW)
    FLOAT_CASE(CLIQ_BIN_MAX)
    FLOAT_CASE(CLIQ_BIN_MIN)
    FLOAT_CASE(CLIQ_BIN_PRELU)
    FLOAT_CASE(CLIQ_BIN_NEG)
    FLOAT_CASE(CLIQ_BIN_ABS)
    FLOAT_CASE(CLIQ_BIN_SQRT)
    FLOAT_CASE(CLIQ_BIN_RECIP)
    FLOAT_CASE(CLIQ_BIN_FLOOR)
    FLOAT_CASE(CLIQ_BIN_CEIL)
  default: ROWS(float, float, av); break;
  }
}

#define INT_ROWS(TA) ROWS(TA, TA, cliq_binop_i64(op, (int64_t)av, (int64_t)bv))
#define CMP_ROWS(TA) ROWS(TA, uint8_t, CLIQ_CMPOP(op, av, bv) ? 1 : 0)

void cliq__ref_binary(int op, cliq_dtype dtype, const cliq__bcast *bc, const void *a, const void *b, void *y) {
  if (CLIQ_BIN_IS_COMPARE(op)) {
    switch (dtype) {
    case CLIQ_DTYPE_FLOAT32: CMP_ROWS(float); break;
    case CLIQ_DTYPE_INT64: CMP_ROWS(int64_t); break;
    case CLIQ_DTYPE_INT32: CMP_ROWS(int32_t); break;
    case CLIQ_DTYPE_INT8: CMP_ROWS(int8_t); break;
    case CLIQ_DTYPE_UINT8:
    case CLIQ_DTYPE_BOOL: CMP_ROWS(uint8_t); break;
    default: break;
    }
    return;
  }
  switch (dtype) {
  case CLIQ_DTYPE_FLOAT32: binary_float(op, bc, a, b, y); break;
  case CLIQ_DTYPE_INT64: INT_ROWS(int64_t); break;
  case CLIQ_DTYPE_INT32: INT_ROWS(int32_t); break;
  case CLIQ_DTYPE_INT8: INT_ROWS(int8_t); break;
  case CLIQ_DTYPE_UINT8:
  case CLIQ_DTYPE_BOOL: INT_ROWS(uint8_t); break;
  default: break;
  }
}

void cliq__ref_ipow_i64(const cliq__bcast *bc, const int64_t *a, const int64_t *b, int64_t *y) {
  ROWS(int64_t, int64_t, cliq_ipow_i64(av, bv));
}

/*
 * reduce_f32.c — C reference of the reductions (ReduceSum/Mean/Max/Min/Prod/SumSquare/L1/L2/
 * LogSum/LogSumExp, GlobalAveragePool, GlobalMaxPool) over a kept/reduced group description
 * (cliq__reduce_params, ref.h). Float formulas: cl_kernels/reduce_op.h, shared with
 * cl_kernels/reduce_f32.cl; values are visited in the same order (row-major over the reduced
 * groups), so sums round alike.
 */
#include "ref.h"

#include "reduce_op.h"

#include <math.h>
#include <string.h>

void cliq__reduce_params_make(int rank, const int64_t *dims, const bool *reduce, cliq__reduce_params *r) {
  int64_t gsize[CLIQ_MAX_RANK], gstride[CLIQ_MAX_RANK];
  bool gred[CLIQ_MAX_RANK];
  int ng = 0;
  int64_t stride = 1;
  memset(r, 0, sizeof *r);
  r->count = 1;
  r->outputs = 1;
  /* innermost first: merge a dim into the current group when it is of the same kind */
  for (int i = rank - 1; i >= 0; i--) {
    int64_t d = dims[i];
    if (d == 0) { /* zero-size: the group structure no longer matters, only the counts */
      if (reduce[i]) r->count = 0;
      else r->outputs = 0;
    }
    if (d != 1) {
      if (ng > 0 && gred[ng - 1] == reduce[i])
        gsize[ng - 1] *= d;
      else {
        gsize[ng] = d;
        gstride[ng] = stride;
        gred[ng] = reduce[i];
        ng++;
      }
    }
    stride *= d;
  }
  int nk = 0, nr = 0;
  for (int k = 0; k < 4; k++) r->kept[k] = r->red[k] = 1;
  r->inner_reduced = ng > 0 && gred[0];
  for (int g = 0; g < ng; g++) { /* fill right-aligned: group 0 is innermost */
    if (gred[g]) {
      r->red[3 - nr] = gsize[g], r->red_stride[3 - nr] = gstride[g], nr++;
      r->count *= gsize[g];
    } else {
      r->kept[3 - nk] = gsize[g], r->kept_stride[3 - nk] = gstride[g], nk++;
      r->outputs *= gsize[g];
    }
  }
}

/* Input offset of output number o (row-major over the kept groups). */
static int64_t kept_offset(const cliq__reduce_params *r, int64_t o) {
  int64_t off = 0;
  for (int k = 3; k >= 0; k--) {
    off += (o % r->kept[k]) * r->kept_stride[k];
    o /= r->kept[k];
  }
  return off;
}

#define FOR_REDUCED(BODY)                                                     \
  for (int64_t a_ = 0; a_ < r->red[0]; a_++)                                  \
    for (int64_t b_ = 0; b_ < r->red[1]; b_++)                                \
      for (int64_t c_ = 0; c_ < r->red[2]; c_++)                              \
        for (int64_t d_ = 0; d_ < r->red[3]; d_++) {                          \
          int64_t i_ = base + a_ * r->red_stride[0] + b_ * r->red_stride[1] + \
                       c_ * r->red_stride[2] + d_ * r->red_stride[3];         \
          BODY                                                                \
        }

static void reduce_float(int op, const cliq__reduce_params *r, const float *x, float *y) {
  for (int64_t o = 0; o < r->outputs; o++) {
    int64_t base = kept_offset(r, o);
    float m = 0.0f;
    if (op == CLIQ_RED_LOG_SUM_EXP) {
      m = -INFINITY;
      FOR_REDUCED(m = cliq_red_step(CLIQ_RED_MAX, m, x[i_], 0.0f);)
      m = CLIQ_RED_SHIFT(m);
    }
    float acc = cliq_red_init(op);
    if (r->count > 0) FOR_REDUCED(acc = cliq_red_step(op, acc, x[i_], m);)
    y[o] = cliq_red_final(op, acc, (int)r->count, m);
  }
}

#define REDUCE_INT(T, TMIN, TMAX)                                                                        \
  do {                                                                                         \
    const T *X = x;                                                                            \
    T *Y = y;                                                                                  \
    for (int64_t o = 0; o < r->outputs; o++) {                                                 \
      int64_t base = kept_offset(r, o);                                                        \
      int64_t acc = op == CLIQ_RED_PROD ? 1 : 0;                                               \
      double dacc = 0.0, dm = -INFINITY;                                                       \
      bool first = true;                                                                       \
      if (r->count > 0)                                                                        \
        FOR_REDUCED(int64_t v = (int64_t)X[i_];                                                \
                    switch (op) {                                                              \
                      case CLIQ_RED_MAX: acc = first || v > acc ? v : acc; break;              \
                      case CLIQ_RED_MIN: acc = first || v < acc ? v : acc; break;              \
                      case CLIQ_RED_PROD: acc = (int64_t)((uint64_t)acc * (uint64_t)v); break; \
                      case CLIQ_RED_SUM_SQUARE: acc += v * v; break;                           \
                      case CLIQ_RED_L1: acc += v < 0 ? -v : v; break;                          \
                      case CLIQ_RED_L2: dacc += (double)v * (double)v; break;                  \
                      case CLIQ_RED_LOG_SUM: dacc += (double)v; break;                         \
                      case CLIQ_RED_LOG_SUM_EXP: dm = first || v > dm ? (double)v : dm; break; \
                      default: acc = (int64_t)((uint64_t)acc + (uint64_t)v); break;            \
                    } first = false;)                                                          \
      if (op == CLIQ_RED_LOG_SUM_EXP && r->count > 0)                                          \
        FOR_REDUCED(dacc += exp((double)X[i_] - dm);)                                          \
      if (op == CLIQ_RED_MEAN) acc = r->count ? acc / r->count : 0;                            \
      if (op == CLIQ_RED_L2) acc = (int64_t)sqrt(dacc);                                        \
      if (op == CLIQ_RED_LOG_SUM) acc = (int64_t)log(dacc);                                    \
      if (op == CLIQ_RED_LOG_SUM_EXP) acc = (int64_t)(dm + log(dacc));                         \
      if (first && op == CLIQ_RED_MAX) acc = TMIN; /* empty: the type's lowest (ONNX 18) */    \
      if (first && op == CLIQ_RED_MIN) acc = TMAX;                                             \
      Y[o] = (T)acc;                                                                           \
    }                                                                                          \
  } while (0)

void cliq__ref_reduce(int op, cliq_dtype dtype, const cliq__reduce_params *r, const void *x, void *y) {
  switch (dtype) {
  case CLIQ_DTYPE_FLOAT32: reduce_float(op, r, x, y); break;
  case CLIQ_DTYPE_INT64: REDUCE_INT(int64_t, INT64_MIN, INT64_MAX); break;
  case CLIQ_DTYPE_INT32: REDUCE_INT(int32_t, INT32_MIN, INT32_MAX); break;
  case CLIQ_DTYPE_INT8: REDUCE_INT(int8_t, INT8_MIN, INT8_MAX); break;
  case CLIQ_DTYPE_UINT8: REDUCE_INT(uint8_t, 0, UINT8_MAX); break;
  default: break;
  }
}

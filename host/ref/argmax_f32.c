/*
 * argmax_f32.c — C reference of ArgMax and ArgMin (kernel: cl_kernels/argmax_f32.cl, which scans
 * in the same order with the same comparisons).
 */
#include "ref.h"

#define ARGMAX(T, NAN_)                                                                       \
  do {                                                                                     \
    const T *X = x;                                                                        \
    for (size_t o = 0; o < outer; o++)                                                     \
      for (size_t i = 0; i < inner; i++) {                                                 \
        const T *r = X + o * d * inner + i;                                                \
        size_t best = 0;                                                                   \
        for (size_t k = 1; k < d; k++) {                                                   \
          T v = r[k * inner], b = r[best * inner];                                         \
          /* NaN wins; ties go to the first index unless select_last */                    \
          int better = NAN_(b) ? 0 : (NAN_(v) ? 1 : (is_min ? v < b : v > b));              \
          int tie = v == b;                                                                \
          if (better || (select_last && tie)) best = k;                                    \
        }                                                                                  \
        y[o * inner + i] = (int64_t)best;                                                  \
      }                                                                                    \
  } while (0)

#define IS_NAN(v) ((v) != (v))
#define NO_NAN(v) 0

void cliq__ref_argmax(int is_min, int select_last, cliq_dtype dtype, const void *x, size_t outer, size_t d, size_t inner,
                      int64_t *y) {
  switch (dtype) {
  case CLIQ_DTYPE_INT64: ARGMAX(int64_t, NO_NAN); break;
  case CLIQ_DTYPE_INT32: ARGMAX(int32_t, NO_NAN); break;
  case CLIQ_DTYPE_INT8: ARGMAX(int8_t, NO_NAN); break;
  case CLIQ_DTYPE_UINT8: ARGMAX(uint8_t, NO_NAN); break;
  default: ARGMAX(float, IS_NAN); break;
  }
}

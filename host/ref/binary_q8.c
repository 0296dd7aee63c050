/*
 * binary_q8.c — C reference of cliq's int8 QAdd and QMul (host/ops/qbinary.c, kernels in
 * cl_kernels/binary_q8.cl): elementwise with numpy broadcasting, the arithmetic of
 * cliq_q8_add / cliq_q8_mul in cl_kernels/cliq_requant.h.
 */
#include "ref.h"

#include "cliq_requant.h"

void cliq__ref_binary_q8(int is_mul, const int8_t *a, const int8_t *b, int8_t *y, int rank, const int64_t *dims,
                         const int64_t *a_strides, const int64_t *b_strides, const cliq__q8_binary *p) {
  int64_t idx[8] = {0};
  size_t n = 1;
  for (int d = 0; d < rank; d++) n *= (size_t)dims[d];
  int64_t ai = 0, bi = 0;
  for (size_t i = 0; i < n; i++) {
    int av = a[ai], bv = b[bi];
    int r = is_mul ? cliq_q8_mul(av, p->za, bv, p->zb, p->my, p->shy, p->zy, p->lo, p->hi)
                   : cliq_q8_add(av, p->za, p->ma, p->sha, bv, p->zb, p->mb, p->shb, p->my, p->shy, p->zy, p->lo, p->hi);
    y[i] = (int8_t)r;
    /* odometer over the output index, moving both input offsets */
    for (int d = rank - 1; d >= 0; d--) {
      ai += a_strides[d];
      bi += b_strides[d];
      if (++idx[d] < dims[d]) break;
      ai -= a_strides[d] * dims[d];
      bi -= b_strides[d] * dims[d];
      idx[d] = 0;
    }
  }
}

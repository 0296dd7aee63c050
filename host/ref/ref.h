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

/* --- elementwise math, pooling, reductions, normalisation, softmax (ops-math) ------------- */
#include "bcast.h"

/* binary_f32.c: y = a (op) b over a collapsed broadcast (bcast.h); op is a CLIQ_BIN_* of
 * binary_op.h. dtype is the inputs' type: float32, int64, int32, int8, uint8 or bool (integers are
 * computed in 64 bits and wrapped). Comparisons write bool (uint8 0/1); one-input ops read only a
 * (pass b = a with equal strides). */
void cliq__ref_binary(int op, cliq_dtype dtype, const cliq__bcast *bc, const void *a, const void *b, void *y);
/* Pow over doubles, for integer bases and mixed types (the caller converts). */
void cliq__ref_pow_f64(const cliq__bcast *bc, const double *a, const double *b, double *y);

#endif /* CLIQ_REF_H */

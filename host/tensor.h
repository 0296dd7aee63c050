/*
 * tensor.h — host tensors and overflow-checked size arithmetic.
 *
 * A cliq__tensor is a dense row-major host array with a dtype and shape. Graph constants
 * (initializers, folded values) and the C reference's inputs and outputs are cliq__tensors.
 */
#ifndef CLIQ_TENSOR_H
#define CLIQ_TENSOR_H

#include "cliq.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cliq__tensor {
  cliq_dtype dtype;
  int rank;
  int64_t dims[CLIQ_MAX_RANK];
  void *data;    /* owned, malloc'ed; NULL only when the tensor has zero elements */
  size_t nbytes;
} cliq__tensor;

/* a*b into *out; false on overflow. */
bool cliq__mul_size(size_t a, size_t b, size_t *out);
bool cliq__add_size(size_t a, size_t b, size_t *out);

/* Number of elements of dims[0..rank), false when a dim is negative or the product overflows. */
bool cliq__shape_elems(int rank, const int64_t *dims, size_t *out);

/* Allocates a zero-filled tensor (NULL data when it has no elements). Returns OUT_OF_MEMORY or
 * INVALID_ARGUMENT (negative dims, unsupported dtype) without a message; callers add context. */
cliq_status cliq__tensor_new(cliq_dtype dtype, int rank, const int64_t *dims, cliq__tensor **out);
cliq__tensor *cliq__tensor_clone(const cliq__tensor *t);
void cliq__tensor_free(cliq__tensor *t);
size_t cliq__tensor_elems(const cliq__tensor *t);

/* Reads element i of an integer/bool tensor as int64 and of any tensor as double. */
int64_t cliq__tensor_get_i64(const cliq__tensor *t, size_t i);
double cliq__tensor_get_f64(const cliq__tensor *t, size_t i);

/* "[1,3,224,224]" into buf. */
const char *cliq__dims_str(int rank, const int64_t *dims, char *buf, size_t size);

#endif /* CLIQ_TENSOR_H */

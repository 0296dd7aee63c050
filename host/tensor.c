/*
 * tensor.c — host tensors, dtype facts and overflow-checked size arithmetic (stb-style: every
 * product of untrusted sizes goes through cliq__mul_size).
 */
#include "tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cliq_dtype_name(cliq_dtype dtype) {
  switch (dtype) {
  case CLIQ_DTYPE_FLOAT32: return "float32";
  case CLIQ_DTYPE_UINT8: return "uint8";
  case CLIQ_DTYPE_INT8: return "int8";
  case CLIQ_DTYPE_INT32: return "int32";
  case CLIQ_DTYPE_INT64: return "int64";
  case CLIQ_DTYPE_BOOL: return "bool";
  case CLIQ_DTYPE_UNDEFINED: break;
  }
  return "undefined";
}

size_t cliq_dtype_size(cliq_dtype dtype) {
  switch (dtype) {
  case CLIQ_DTYPE_FLOAT32: return 4;
  case CLIQ_DTYPE_UINT8: return 1;
  case CLIQ_DTYPE_INT8: return 1;
  case CLIQ_DTYPE_INT32: return 4;
  case CLIQ_DTYPE_INT64: return 8;
  case CLIQ_DTYPE_BOOL: return 1;
  case CLIQ_DTYPE_UNDEFINED: break;
  }
  return 0;
}

bool cliq__mul_size(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

bool cliq__add_size(size_t a, size_t b, size_t *out) {
  if (b > SIZE_MAX - a) return false;
  *out = a + b;
  return true;
}

bool cliq__shape_elems(int rank, const int64_t *dims, size_t *out) {
  size_t n = 1;
  if (rank < 0 || rank > CLIQ_MAX_RANK) return false;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 || (uint64_t)dims[i] > SIZE_MAX) return false;
    if (!cliq__mul_size(n, (size_t)dims[i], &n)) return false;
  }
  *out = n;
  return true;
}

cliq_status cliq__tensor_new(cliq_dtype dtype, int rank, const int64_t *dims, cliq__tensor **out) {
  *out = NULL;
  size_t es = cliq_dtype_size(dtype), n, bytes;
  if (es == 0 || rank < 0 || rank > CLIQ_MAX_RANK) return CLIQ_STATUS_INVALID_ARGUMENT;
  if (!cliq__shape_elems(rank, dims, &n)) return CLIQ_STATUS_INVALID_ARGUMENT;
  if (!cliq__mul_size(n, es, &bytes)) return CLIQ_STATUS_OUT_OF_MEMORY;
  cliq__tensor *t = calloc(1, sizeof *t);
  if (!t) return CLIQ_STATUS_OUT_OF_MEMORY;
  t->dtype = dtype;
  t->rank = rank;
  for (int i = 0; i < rank; i++) t->dims[i] = dims[i];
  t->nbytes = bytes;
  if (bytes) {
    t->data = calloc(1, bytes);
    if (!t->data) {
      free(t);
      return CLIQ_STATUS_OUT_OF_MEMORY;
    }
  }
  *out = t;
  return CLIQ_STATUS_OK;
}

cliq__tensor *cliq__tensor_clone(const cliq__tensor *t) {
  if (!t) return NULL;
  cliq__tensor *c = malloc(sizeof *c);
  if (!c) return NULL;
  *c = *t;
  c->data = NULL;
  if (t->nbytes) {
    c->data = malloc(t->nbytes);
    if (!c->data) {
      free(c);
      return NULL;
    }
    memcpy(c->data, t->data, t->nbytes);
  }
  return c;
}

void cliq__tensor_free(cliq__tensor *t) {
  if (!t) return;
  free(t->data);
  free(t);
}

size_t cliq__tensor_elems(const cliq__tensor *t) {
  size_t es = cliq_dtype_size(t->dtype);
  return es ? t->nbytes / es : 0;
}

int64_t cliq__tensor_get_i64(const cliq__tensor *t, size_t i) {
  switch (t->dtype) {
  case CLIQ_DTYPE_INT64: return ((const int64_t *)t->data)[i];
  case CLIQ_DTYPE_INT32: return ((const int32_t *)t->data)[i];
  case CLIQ_DTYPE_INT8: return ((const int8_t *)t->data)[i];
  case CLIQ_DTYPE_UINT8:
  case CLIQ_DTYPE_BOOL: return ((const uint8_t *)t->data)[i];
  case CLIQ_DTYPE_FLOAT32: return (int64_t)((const float *)t->data)[i];
  default: return 0;
  }
}

double cliq__tensor_get_f64(const cliq__tensor *t, size_t i) {
  if (t->dtype == CLIQ_DTYPE_FLOAT32) return ((const float *)t->data)[i];
  return (double)cliq__tensor_get_i64(t, i);
}

const char *cliq__dims_str(int rank, const int64_t *dims, char *buf, size_t size) {
  size_t off = 0;
  if (size == 0) return buf;
  buf[0] = '\0';
  if (rank < 0) {
    snprintf(buf, size, "[?]");
    return buf;
  }
  off += (size_t)snprintf(buf + off, size - off, "[");
  for (int i = 0; i < rank && off < size; i++) {
    if (dims[i] < 0)
      off += (size_t)snprintf(buf + off, size - off, "%s?", i ? "," : "");
    else
      off += (size_t)snprintf(buf + off, size - off, "%s%lld", i ? "," : "", (long long)dims[i]);
  }
  if (off < size) snprintf(buf + off, size - off, "]");
  return buf;
}

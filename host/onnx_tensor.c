/*
 * onnx_tensor.c — TensorProto <-> cliq__tensor: dtype mapping, typed fields or raw_data, external
 * data files, and the checks that make a malformed tensor an INVALID_MODEL error, never a crash.
 */
#include "onnx_tensor.h"

#include "error.h"
#include "graph.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cliq_dtype cliq__dtype_from_onnx(int32_t t) {
  switch (t) {
  case 1: return CLIQ_DTYPE_FLOAT32;
  case 2: return CLIQ_DTYPE_UINT8;
  case 3: return CLIQ_DTYPE_INT8;
  case 6: return CLIQ_DTYPE_INT32;
  case 7: return CLIQ_DTYPE_INT64;
  case 9: return CLIQ_DTYPE_BOOL;
  default: return CLIQ_DTYPE_UNDEFINED;
  }
}

const char *cliq__onnx_type_name(int32_t t) {
  static const char *names[] = {"UNDEFINED", "FLOAT", "UINT8",  "INT8",      "UINT16",     "INT16",
                                "INT32",     "INT64", "STRING", "BOOL",      "FLOAT16",    "DOUBLE",
                                "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
  if (t >= 0 && t < (int32_t)(sizeof names / sizeof names[0])) return names[t];
  return "UNKNOWN";
}

static bool safe_relative(const char *p) {
  if (!p || !p[0] || p[0] == '/') return false;
  for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
    if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0')) return false;
  return true;
}

static cliq_status read_external(cliq_context *ctx, const Onnx__TensorProto *tp, const char *base_dir, void *dst,
                                 size_t nbytes, const char *what) {
  const char *location = NULL;
  long long offset = 0, length = -1;
  for (size_t i = 0; i < tp->n_external_data; i++) {
    const Onnx__StringStringEntryProto *e = tp->external_data[i];
    if (!e->key || !e->value) continue;
    if (strcmp(e->key, "location") == 0) location = e->value;
    else if (strcmp(e->key, "offset") == 0) offset = strtoll(e->value, NULL, 10);
    else if (strcmp(e->key, "length") == 0) length = strtoll(e->value, NULL, 10);
  }
  if (!safe_relative(location))
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL,
                      "%s: external data location '%s' must be a relative path inside the model's directory", what,
                      location ? location : "(missing)");
  if (offset < 0 || (length >= 0 && (size_t)length != nbytes))
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "%s: external data offset %lld / length %lld do not fit %zu bytes", what,
                      offset, length, nbytes);
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", base_dir && base_dir[0] ? base_dir : ".", location);
  FILE *f = fopen(path, "rb");
  if (!f) return cliq__fail(ctx, CLIQ_STATUS_IO_ERROR, "%s: external data file '%s': %s", what, path, strerror(errno));
  cliq_status st = CLIQ_STATUS_OK;
  if (fseek(f, (long)offset, SEEK_SET) != 0 || fread(dst, 1, nbytes, f) != nbytes)
    st = cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "%s: external data file '%s' is shorter than offset %lld + %zu bytes", what,
                    path, offset, nbytes);
  fclose(f);
  return st;
}

cliq_status cliq__tensor_from_onnx(cliq_context *ctx, const Onnx__TensorProto *tp, const char *base_dir, const char *what,
                                   cliq__tensor **out) {
  *out = NULL;
  int32_t type = tp->has_data_type ? tp->data_type : 0;
  cliq_dtype dt = cliq__dtype_from_onnx(type);
  if (dt == CLIQ_DTYPE_UNDEFINED)
    return cliq__fail(ctx, CLIQ_STATUS_UNSUPPORTED, "%s has element type %s; cliq supports float32, uint8, int8, int32, int64, bool",
                      what, cliq__onnx_type_name(type));
  if (tp->n_dims > CLIQ_MAX_RANK)
    return cliq__fail(ctx, CLIQ_STATUS_UNSUPPORTED, "%s has rank %zu; cliq supports up to %d", what, tp->n_dims, CLIQ_MAX_RANK);
  int64_t dims[CLIQ_MAX_RANK];
  for (size_t i = 0; i < tp->n_dims; i++) {
    dims[i] = tp->dims[i];
    if (dims[i] < 0) return cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "%s has negative dim %lld", what, (long long)dims[i]);
  }
  size_t elems, nbytes;
  if (!cliq__shape_elems((int)tp->n_dims, dims, &elems) || !cliq__mul_size(elems, cliq_dtype_size(dt), &nbytes) ||
      nbytes > ((size_t)1 << 36))
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "%s has an absurd size", what);
  cliq__tensor *t;
  cliq_status st = cliq__tensor_new(dt, (int)tp->n_dims, dims, &t);
  if (st != CLIQ_STATUS_OK) return cliq__fail(ctx, st, "%s: cannot allocate %zu bytes", what, nbytes);
  char dbuf[128];
  if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    if (nbytes) st = read_external(ctx, tp, base_dir, t->data, nbytes, what);
  } else if (tp->has_raw_data) {
    if (tp->raw_data.len != nbytes)
      st = cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "%s has %zu bytes of raw data; shape %s of %s needs %zu", what,
                      tp->raw_data.len, cliq__dims_str((int)tp->n_dims, dims, dbuf, sizeof dbuf), cliq_dtype_name(dt), nbytes);
    else if (nbytes)
      memcpy(t->data, tp->raw_data.data, nbytes); /* ONNX raw data is little-endian, as are the hosts cliq runs on */
  } else {
    size_t have = 0;
    switch (dt) {
    case CLIQ_DTYPE_FLOAT32:
      have = tp->n_float_data;
      if (have == elems && elems) memcpy(t->data, tp->float_data, nbytes);
      break;
    case CLIQ_DTYPE_INT64:
      have = tp->n_int64_data;
      if (have == elems && elems) memcpy(t->data, tp->int64_data, nbytes);
      break;
    case CLIQ_DTYPE_INT32:
      have = tp->n_int32_data;
      if (have == elems && elems) memcpy(t->data, tp->int32_data, nbytes);
      break;
    case CLIQ_DTYPE_INT8:
    case CLIQ_DTYPE_UINT8:
    case CLIQ_DTYPE_BOOL:
      have = tp->n_int32_data;
      if (have == elems)
        for (size_t i = 0; i < elems; i++) ((uint8_t *)t->data)[i] = (uint8_t)tp->int32_data[i];
      break;
    default:
      break;
    }
    if (have != elems)
      st = cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "%s has %zu data elements; shape %s needs %zu (missing or truncated data)",
                      what, have, cliq__dims_str((int)tp->n_dims, dims, dbuf, sizeof dbuf), elems);
  }
  if (st != CLIQ_STATUS_OK) {
    cliq__tensor_free(t);
    return st;
  }
  *out = t;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__tensor_read_pb(cliq_context *ctx, const void *data, size_t size, cliq__tensor **out, char **out_name) {
  *out = NULL;
  if (out_name) *out_name = NULL;
  Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, size, data);
  if (!tp) return cliq__fail(ctx, CLIQ_STATUS_INVALID_MODEL, "not a serialized ONNX TensorProto (%zu bytes)", size);
  cliq_status st = cliq__tensor_from_onnx(ctx, tp, NULL, "tensor", out);
  if (st == CLIQ_STATUS_OK && out_name && tp->name) *out_name = cliq__strdup(tp->name);
  onnx__tensor_proto__free_unpacked(tp, NULL);
  return st;
}

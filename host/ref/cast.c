/*
 * cast.c — C reference of Cast between float32, int8, uint8, int32, int64 and bool. The
 * conversions are those of cl_kernels/cast_convert.h (shared with cl_kernels/cast.cl).
 */
#include "ref.h"

#include "cast_convert.h"
#include "cliq.h"

#include <string.h>

/* Reads element i as either a float (is_float) or an int64. */
static void load(int dt, const void *src, size_t i, float *f, int64_t *v, int *is_float) {
  *is_float = 0;
  switch (dt) {
  case CLIQ_DTYPE_FLOAT32: *f = ((const float *)src)[i]; *is_float = 1; break;
  case CLIQ_DTYPE_INT8: *v = ((const int8_t *)src)[i]; break;
  case CLIQ_DTYPE_UINT8: *v = ((const uint8_t *)src)[i]; break;
  case CLIQ_DTYPE_BOOL: *v = ((const uint8_t *)src)[i] != 0; break;
  case CLIQ_DTYPE_INT32: *v = ((const int32_t *)src)[i]; break;
  case CLIQ_DTYPE_INT64: *v = ((const int64_t *)src)[i]; break;
  default: *v = 0; break;
  }
}

void cliq__ref_cast(int from, int to, const void *src, void *dst, size_t n) {
  if (from == to) {
    if (n) memcpy(dst, src, n * cliq_dtype_size((cliq_dtype)from));
    return;
  }
  for (size_t i = 0; i < n; i++) {
    float f = 0.0f;
    int64_t v = 0;
    int is_float;
    load(from, src, i, &f, &v, &is_float);
    switch (to) {
    case CLIQ_DTYPE_FLOAT32: ((float *)dst)[i] = is_float ? f : (float)v; break;
    case CLIQ_DTYPE_BOOL: ((uint8_t *)dst)[i] = is_float ? f != 0.0f : v != 0; break;
    case CLIQ_DTYPE_INT64: ((int64_t *)dst)[i] = is_float ? cliq_f32_to_i64(f) : v; break;
    case CLIQ_DTYPE_INT32: ((int32_t *)dst)[i] = is_float ? cliq_f32_to_i32(f) : cliq_low_i32(v); break;
    case CLIQ_DTYPE_INT8: ((int8_t *)dst)[i] = (int8_t)cliq_low_i8(is_float ? cliq_f32_to_i32(f) : v); break;
    case CLIQ_DTYPE_UINT8: ((uint8_t *)dst)[i] = (uint8_t)cliq_low_u8(is_float ? cliq_f32_to_i32(f) : v); break;
    default: break;
    }
  }
}

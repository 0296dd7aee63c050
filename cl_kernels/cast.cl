/*
 * cast.cl — Cast: y[i] = convert(x[i]) with the conversions of cast_convert.h (shared with the C
 * reference host/ref/cast.c). SRC/DST are the OpenCL types, FROM/TO the cliq_dtype numbers
 * (1 float32, 2 uint8, 3 int8, 6 int32, 7 int64, 9 bool). Each work-item converts VEC elements.
 */
#pragma OPENCL FP_CONTRACT OFF
#include "cast_convert.h"

#ifndef SRC
#define SRC float
#endif
#ifndef DST
#define DST int
#endif
#ifndef FROM
#define FROM 1
#endif
#ifndef TO
#define TO 6
#endif
#ifndef VEC
#define VEC 8 /* the host's range (host/ops/cast.c) assumes 8 */
#endif

inline DST convert_one(SRC x) {
#if FROM == 1
  const float f = x;
#if TO == 9
  return (DST)(f != 0.0f);
#elif TO == 7
  return (DST)cliq_f32_to_i64(f);
#elif TO == 6
  return (DST)cliq_f32_to_i32(f);
#elif TO == 3
  return (DST)cliq_low_i8(cliq_f32_to_i32(f));
#elif TO == 2
  return (DST)cliq_low_u8(cliq_f32_to_i32(f));
#else
  return (DST)f;
#endif
#else
#if FROM == 9
  const long v = x != 0;
#else
  const long v = x;
#endif
#if TO == 1
  return (DST)v; /* round to nearest even */
#elif TO == 9
  return (DST)(v != 0);
#elif TO == 7
  return (DST)v;
#elif TO == 6
  return (DST)cliq_low_i32(v);
#elif TO == 3
  return (DST)cliq_low_i8(v);
#elif TO == 2
  return (DST)cliq_low_u8(v);
#else
  return (DST)v;
#endif
#endif
}

__kernel void cast(__global const SRC *x, __global DST *y, const int n) {
  const int base = get_global_id(0) * VEC;
  if (base + VEC <= n) {
#pragma unroll
    for (int i = 0; i < VEC; i++) y[base + i] = convert_one(x[base + i]);
  } else {
    for (int i = base; i < n; i++) y[i] = convert_one(x[i]);
  }
}

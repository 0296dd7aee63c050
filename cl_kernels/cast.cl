/*
 * cast.cl — Cast: y[i] = convert(x[i]) with the conversions of cast_convert.h (shared with the C
 * reference host/ref/cast.c). One kernel per (source, target) pair, all in this one program so a
 * model with several casts builds it once: cast_<from>_<to> with f32, i8, u8, i32, i64, b8
 * (bool). Each work-item converts VEC elements.
 */
#pragma OPENCL FP_CONTRACT OFF
#include "cast_convert.h"

#ifndef VEC
#define VEC 8 /* the host's range (host/ops/cast.c) assumes 8 */
#endif

/* Reading: floats stay floats; integers widen to long; bool reads as 0/1. */
#define RD_f32(x) (x)
#define RD_i8(x) ((long)(x))
#define RD_u8(x) ((long)(x))
#define RD_i32(x) ((long)(x))
#define RD_i64(x) ((long)(x))
#define RD_b8(x) ((long)((x) != 0))
/* Writing from a float (F) or from a long (I). */
#define WF_f32(f) (f)
#define WF_i8(f) ((char)cliq_low_i8(cliq_f32_to_i32(f)))
#define WF_u8(f) ((uchar)cliq_low_u8(cliq_f32_to_i32(f)))
#define WF_i32(f) (cliq_f32_to_i32(f))
#define WF_i64(f) (cliq_f32_to_i64(f))
#define WF_b8(f) ((uchar)((f) != 0.0f))
#define WI_f32(v) ((float)(v)) /* round to nearest even */
#define WI_i8(v) ((char)cliq_low_i8(v))
#define WI_u8(v) ((uchar)cliq_low_u8(v))
#define WI_i32(v) (cliq_low_i32(v))
#define WI_i64(v) (v)
#define WI_b8(v) ((uchar)((v) != 0))

#define CAST_KERNEL(from, to, SRC, DST, W)                                                      \
  __kernel void cast_##from##_##to(__global const SRC *x, __global DST *y, const int n) {       \
    const int base = get_global_id(0) * VEC;                                                    \
    if (base + VEC <= n) {                                                                      \
      for (int i = 0; i < VEC; i++) y[base + i] = W##_##to(RD_##from(x[base + i]));             \
    } else {                                                                                    \
      for (int i = base; i < n; i++) y[i] = W##_##to(RD_##from(x[i]));                          \
    }                                                                                           \
  }

#define CAST_FROM(from, SRC, W)                                                                 \
  CAST_KERNEL(from, f32, SRC, float, W)                                                         \
  CAST_KERNEL(from, i8, SRC, char, W)                                                           \
  CAST_KERNEL(from, u8, SRC, uchar, W)                                                          \
  CAST_KERNEL(from, i32, SRC, int, W)                                                           \
  CAST_KERNEL(from, i64, SRC, long, W)                                                          \
  CAST_KERNEL(from, b8, SRC, uchar, W)

CAST_FROM(f32, float, WF)
CAST_FROM(i8, char, WI)
CAST_FROM(u8, uchar, WI)
CAST_FROM(i32, int, WI)
CAST_FROM(i64, long, WI)
CAST_FROM(b8, uchar, WI)

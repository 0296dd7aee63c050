/*
 * cast_convert.h — element conversions of ONNX Cast, shared verbatim by the C reference
 * (host/ref/cast.c) and the kernel (cl_kernels/cast.cl), so both give the same bits.
 *
 * ONNX leaves out-of-range float-to-integer conversion undefined; its reference implementation
 * (numpy astype) and ONNX Runtime compile to the x86 truncating conversions, which these
 * reproduce on every device:
 *   float -> int32/int16/int8/uint8: truncate toward zero to int32 (NaN and values outside int32
 *     become INT32_MIN), then keep the low bits of the narrower type;
 *   float -> int64: truncate; NaN and values outside int64 become INT64_MIN;
 *   integer -> narrower integer: keep the low bits (two's complement);
 *   anything -> bool: 1 when != 0 (NaN is != 0), else 0;
 *   integer -> float: round to nearest even (C and OpenCL default conversion).
 */
#ifndef CLIQ_CAST_CONVERT_H
#define CLIQ_CAST_CONVERT_H

#include "cliq_common.h"

#ifdef __OPENCL_C_VERSION__
typedef int cliq_i32;
typedef long cliq_i64;
#define CLIQ_I64_MIN (-9223372036854775807L - 1) /* OpenCL C has no LL suffix */
#else
typedef int32_t cliq_i32;
typedef int64_t cliq_i64;
#define CLIQ_I64_MIN INT64_MIN
#endif

/* The comparisons are false for NaN, so NaN takes the INT_MIN branch. 2^31 and 2^63 are exact
 * floats; -2^31 and -2^63 are in range. */
CLIQ_INLINE cliq_i32 cliq_f32_to_i32(float f) {
  return (f >= -2147483648.0f && f < 2147483648.0f) ? (cliq_i32)f : (cliq_i32)(-2147483647 - 1);
}
CLIQ_INLINE cliq_i64 cliq_f32_to_i64(float f) {
  return (f >= -9223372036854775808.0f && f < 9223372036854775808.0f) ? (cliq_i64)f : (cliq_i64)CLIQ_I64_MIN;
}
/* Low 8 bits as a signed value, without relying on implementation-defined narrowing. */
CLIQ_INLINE cliq_i32 cliq_low_i8(cliq_i64 v) { return (cliq_i32)(((v & 0xff) ^ 0x80) - 0x80); }
CLIQ_INLINE cliq_i32 cliq_low_u8(cliq_i64 v) { return (cliq_i32)(v & 0xff); }
CLIQ_INLINE cliq_i32 cliq_low_i32(cliq_i64 v) {
  const cliq_i64 m = v & (cliq_i64)0xffffffff;
  return (cliq_i32)(m >= (cliq_i64)0x80000000 ? m - ((cliq_i64)1 << 32) : m);
}

#endif /* CLIQ_CAST_CONVERT_H */

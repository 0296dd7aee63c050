/*
 * dot_q8.h — the int8 dot-product paths, one macro each, chosen by the host from device queries
 * (host/cl/device.c decides, host/cl/variants_q8.h names the -D options); never guessed here.
 *
 *   Q8_DOT_PORTABLE  four sign-extended byte products added to an int: any OpenCL 1.2 device.
 *   Q8_DOT_DP4A      NVIDIA compute capability >= 6.1: inline PTX dp4a.s32.s32 (wrapping add).
 *   Q8_DOT_KHR       cl_khr_integer_dot_product: dot_4x8packed_ss_int, accumulated by us, because
 *                    dot_acc_sat_* saturates and int32 accumulators must wrap like every other path.
 *   Q8_DOT_ARM       cl_arm_integer_dot_product_int8: arm_dot on char4, accumulated by us.
 *   (VNNI on x86 under PoCL is a separate 512-bit kernel in gemm_q8.cl: u8 x s8, not s8 x s8.)
 * Q8_DOT4(acc, a, b) adds to int acc the dot product of the four signed bytes packed in uint a and
 * uint b (byte t = element t, little-endian). Defining Q8_EMULATE_DOT replaces the vendor builtin
 * of the chosen path with the portable formula, so the path's kernel code compiles and runs on any
 * device (how tests check paths whose hardware is absent).
 */
#ifndef CLIQ_DOT_Q8_H
#define CLIQ_DOT_Q8_H

#define Q8_DOT_PORTABLE 0
#define Q8_DOT_DP4A 1
#define Q8_DOT_KHR 2
#define Q8_DOT_ARM 3

#ifndef Q8_DOT
#define Q8_DOT Q8_DOT_PORTABLE
#endif

/* sign-extended byte t of a packed uint */
#define Q8_BYTE(u, t) (((int)((u) << (24 - 8 * (t)))) >> 24)

inline int q8_dot4_portable(uint a, uint b) {
  return Q8_BYTE(a, 0) * Q8_BYTE(b, 0) + Q8_BYTE(a, 1) * Q8_BYTE(b, 1) + Q8_BYTE(a, 2) * Q8_BYTE(b, 2) +
         Q8_BYTE(a, 3) * Q8_BYTE(b, 3);
}

#if Q8_DOT == Q8_DOT_PORTABLE
#define Q8_DOT4(acc, a, b) ((acc) += q8_dot4_portable((a), (b)))

#elif Q8_DOT == Q8_DOT_DP4A
#ifdef Q8_EMULATE_DOT
#define q8_dp4a(a, b, c) ((c) + q8_dot4_portable((a), (b)))
#else
/* PTX ISA: dp4a.s32.s32 d, a, b, c computes c + sum of the four signed byte products (sm_61+). */
inline int q8_dp4a(uint a, uint b, int c) {
  int d;
  __asm__ volatile("dp4a.s32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}
#endif
#define Q8_DOT4(acc, a, b) ((acc) = q8_dp4a((a), (b), (acc)))

#elif Q8_DOT == Q8_DOT_KHR
#ifdef Q8_EMULATE_DOT
#define dot_4x8packed_ss_int(a, b) q8_dot4_portable((a), (b))
#else
#pragma OPENCL EXTENSION cl_khr_integer_dot_product : enable
#endif
#define Q8_DOT4(acc, a, b) ((acc) += dot_4x8packed_ss_int((a), (b)))

#elif Q8_DOT == Q8_DOT_ARM
#ifdef Q8_EMULATE_DOT
#define arm_dot(a, b) q8_dot4_portable(as_uint(a), as_uint(b))
#else
#pragma OPENCL EXTENSION cl_arm_integer_dot_product_int8 : enable
#endif
#define Q8_DOT4(acc, a, b) ((acc) += arm_dot(as_char4(a), as_char4(b)))

#else
#error "unknown Q8_DOT path"
#endif

#endif /* CLIQ_DOT_Q8_H */

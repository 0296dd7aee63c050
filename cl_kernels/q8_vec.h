/*
 * q8_vec.h — code generation helpers for the int8 kernels (gemm_q8.cl, conv_q8.cl, dwconv_q8.cl):
 * unaligned vector loads and stores, forced inlining.
 *
 * Why: PoCL 3.1 (x86) compiles vstore16 of a char16 into 16 single-byte stores (and vload16 of a
 * char16 sometimes into four 4-byte loads and shuffles); in an epilogue
 * that finishes 16 outputs with ~30 vector instructions this made the store cost more than the
 * arithmetic (measured: 182 us vs 56 us for 1M bytes). A vector type declared with byte (or word)
 * alignment makes LLVM emit one unaligned vector store. That is a clang extension, so it is used
 * only on PoCL (the host passes -DCLIQ_VENDOR_POCL=1, host/cl/tuning.c); elsewhere the standard
 * vstore16.
 */
#ifndef CLIQ_Q8_VEC_H
#define CLIQ_Q8_VEC_H

/* Q8_INLINE: PoCL's LLVM left the 16-lane epilogue helpers out of line (arguments through the
 * stack, per-channel splats rebuilt per call): ~150 instructions per 16 outputs instead of ~40,
 * which made 1x1 layers with small K epilogue-bound. */
#ifdef CLIQ_VENDOR_POCL
#define Q8_INLINE inline __attribute__((always_inline))
typedef char16 q8_char16_u __attribute__((aligned(1)));
typedef uchar16 q8_uchar16_u __attribute__((aligned(1)));
typedef uint16 q8_uint16_u __attribute__((aligned(4)));
#define Q8_LOAD_CHAR16(p) (*(__global const q8_char16_u *)(p))
#define Q8_STORE_CHAR16(v, p) (*(__global q8_char16_u *)(p) = (v))
#define Q8_STORE_UCHAR16(v, p) (*(__global q8_uchar16_u *)(p) = (v))
#define Q8_STORE_UINT16(v, p) (*(__global q8_uint16_u *)(p) = (v))
#else
#define Q8_INLINE inline
#define Q8_LOAD_CHAR16(p) vload16(0, (p))
#define Q8_STORE_CHAR16(v, p) vstore16((v), 0, (p))
#define Q8_STORE_UCHAR16(v, p) vstore16((v), 0, (p))
#define Q8_STORE_UINT16(v, p) vstore16((v), 0, (p))
#endif

#endif /* CLIQ_Q8_VEC_H */

/*
 * cliq_common.h — definitions shared verbatim by the C reference (host/ref/) and the OpenCL
 * kernels (cl_kernels/): included by both, so a formula exists once.
 */
#ifndef CLIQ_COMMON_H
#define CLIQ_COMMON_H

#ifdef __OPENCL_C_VERSION__
#define CLIQ_INLINE inline
#define CLIQ_EXPF(x) exp(x)
#define CLIQ_TANHF(x) tanh(x)
#define CLIQ_LOG1PF(x) log1p(x)
#define CLIQ_FABSF(x) fabs(x)
#else
#include <math.h>
#include <stdint.h>
#define CLIQ_INLINE static inline
#define CLIQ_EXPF(x) expf(x)
#define CLIQ_TANHF(x) tanhf(x)
#define CLIQ_LOG1PF(x) log1pf(x)
#define CLIQ_FABSF(x) fabsf(x)
#endif

#endif /* CLIQ_COMMON_H */

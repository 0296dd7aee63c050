/*
 * ref.h — the C reference kernels: plain loops over host arrays, one function per op and type,
 * in host/ref/<op>_f32.c and host/ref/<op>_q8.c. They define what each op computes; device
 * kernels are tested against them, and constant folding runs them.
 */
#ifndef CLIQ_REF_H
#define CLIQ_REF_H

#include <stddef.h>
#include <stdint.h>

/* unary_f32.c: y[i] = cliq_act(act, x[i], a, b) (activation.h) */
void cliq__ref_unary_f32(int act, float a, float b, const float *x, float *y, size_t n);

/* ---- int8 convolution and GEMM (conv_q8.c, gemm_q8.c; types in q8.h) ------------------------ */
struct cliq__qconv_geom;
struct cliq__q8_epi;
/* QConv: x [N,C,H,W], w [M,C/group,KH,KW], bias [M] or NULL, res (shape of y) or NULL, y [N,M,OH,OW]. */
void cliq__ref_conv_q8(const struct cliq__qconv_geom *g, const int8_t *x, const int8_t *w, const int32_t *bias,
                       const int8_t *res, const struct cliq__q8_epi *e, int8_t *y);
/* QGemm: x [rows,K], w [N,K], bias [N] or NULL, res [rows,N] or NULL, y [rows,N]. */
void cliq__ref_gemm_q8(size_t rows, size_t K, size_t N, const int8_t *x, const int8_t *w, const int32_t *bias,
                       const int8_t *res, const struct cliq__q8_epi *e, int8_t *y);

#endif /* CLIQ_REF_H */

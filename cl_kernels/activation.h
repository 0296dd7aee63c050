/*
 * activation.h — the float activation functions, shared by the C reference and the kernels:
 * standalone unary ops (unary_f32) and activations fused into Conv/Gemm epilogues use this one
 * definition. Formulas follow the ONNX operator spec of each op.
 */
#ifndef CLIQ_ACTIVATION_H
#define CLIQ_ACTIVATION_H

#include "cliq_common.h"

#define CLIQ_ACT_NONE 0
#define CLIQ_ACT_RELU 1        /* max(x, 0) */
#define CLIQ_ACT_CLIP 2        /* min(max(x, a), b); ReLU6 is a=0, b=6 */
#define CLIQ_ACT_LEAKY_RELU 3  /* x >= 0 ? x : a*x */
#define CLIQ_ACT_SIGMOID 4     /* 1 / (1 + exp(-x)) */
#define CLIQ_ACT_HARD_SIGMOID 5 /* max(0, min(1, a*x + b)) */
#define CLIQ_ACT_HARD_SWISH 6  /* x * max(0, min(1, x/6 + 1/2)) */
#define CLIQ_ACT_TANH 7
#define CLIQ_ACT_EXP 8
#define CLIQ_ACT_SILU 9        /* x * sigmoid(x) (Sigmoid followed by Mul with its input) */
#define CLIQ_ACT_ELU 10       /* x >= 0 ? x : a*(exp(x)-1) */
#define CLIQ_ACT_SELU 11      /* b * (x > 0 ? x : a*(exp(x)-1)); a=alpha, b=gamma */
#define CLIQ_ACT_SOFTPLUS 12  /* log(1 + exp(x)) */
#define CLIQ_ACT_SOFTSIGN 13  /* x / (1 + |x|) */
#define CLIQ_ACT_COUNT 14

CLIQ_INLINE float cliq_sigmoid(float x) {
  /* both branches avoid exp overflow for large |x| */
  if (x >= 0.0f) return 1.0f / (1.0f + CLIQ_EXPF(-x));
  float e = CLIQ_EXPF(x);
  return e / (1.0f + e);
}

CLIQ_INLINE float cliq_act(int act, float x, float a, float b) {
  switch (act) {
  case CLIQ_ACT_RELU: return x > 0.0f ? x : 0.0f;
  case CLIQ_ACT_CLIP: return x < a ? a : (x > b ? b : x);
  case CLIQ_ACT_LEAKY_RELU: return x >= 0.0f ? x : a * x;
  case CLIQ_ACT_SIGMOID: return cliq_sigmoid(x);
  case CLIQ_ACT_HARD_SIGMOID: {
    float y = a * x + b;
    return y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
  }
  case CLIQ_ACT_HARD_SWISH: {
    float y = x / 6.0f + 0.5f;
    y = y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
    return x * y;
  }
  case CLIQ_ACT_TANH: return CLIQ_TANHF(x);
  case CLIQ_ACT_EXP: return CLIQ_EXPF(x);
  case CLIQ_ACT_SILU: return x * cliq_sigmoid(x);
  case CLIQ_ACT_ELU: return x >= 0.0f ? x : a * (CLIQ_EXPF(x) - 1.0f);
  case CLIQ_ACT_SELU: return x > 0.0f ? b * x : b * (a * CLIQ_EXPF(x) - a);
  /* log1p(exp(x)) loses nothing for x << 0; above 20 exp(-x) is below float precision */
  case CLIQ_ACT_SOFTPLUS: return x > 20.0f ? x : CLIQ_LOG1PF(CLIQ_EXPF(x));
  case CLIQ_ACT_SOFTSIGN: return x / (1.0f + CLIQ_FABSF(x));
  default: return x;
  }
}

#endif /* CLIQ_ACTIVATION_H */

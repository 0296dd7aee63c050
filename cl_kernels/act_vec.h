/*
 * act_vec.h — cliq_act() (activation.h) on 16 lanes at once, for kernel epilogues that hold their
 * results in float16 vectors (gemm_f32.cl, dwconv_f32.cl). The piecewise-linear activations are
 * vector selects with exactly the scalar formula's comparisons, so they give the same bits as
 * cliq_act; the others run cliq_act lane by lane. OpenCL only.
 */
#ifndef CLIQ_ACT_VEC_H
#define CLIQ_ACT_VEC_H

#include "activation.h"

inline float16 cliq_act16(float16 x, const int act, const float a, const float b) {
  switch (act) {
  case CLIQ_ACT_NONE: return x;
  case CLIQ_ACT_RELU: return select((float16)(0.0f), x, x > 0.0f);
  case CLIQ_ACT_CLIP: return select(select(x, (float16)(b), x > b), (float16)(a), x < a);
  case CLIQ_ACT_LEAKY_RELU: return select(a * x, x, x >= 0.0f);
  default: {
    float t[16];
    vstore16(x, 0, t);
    for (int j = 0; j < 16; j++) t[j] = cliq_act(act, t[j], a, b);
    return vload16(0, t);
  }
  }
}

#endif /* CLIQ_ACT_VEC_H */

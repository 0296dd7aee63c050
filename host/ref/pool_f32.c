/*
 * pool_f32.c — C reference of MaxPool (float32, int8, uint8) and AveragePool (float32), for
 * 1-D to 3-D windows with strides, pads, dilations (geometry in cliq__pool_params, ref.h; the
 * output sizes, auto_pad and ceil_mode are resolved by host/ops/pool.c). Kernels:
 * cl_kernels/pool_f32.cl, which visit the taps in the same order, so sums round alike.
 */
#include "ref.h"

#include <float.h>

/* Number of taps t < k with lo <= o*s - pb + t*d < hi. */
static int64_t taps_inside(int64_t start, int64_t k, int64_t d, int64_t lo, int64_t hi) {
  int64_t n = 0;
  for (int64_t t = 0; t < k; t++) {
    int64_t i = start + t * d;
    n += i >= lo && i < hi;
  }
  return n;
}

#define MAXPOOL(T, LOWEST)                                                                        \
  do {                                                                                            \
    const T *X = x;                                                                               \
    T *Y = y;                                                                                     \
    for (int64_t pl = 0; pl < p->planes; pl++)                                                    \
      for (int64_t od = 0; od < p->out[0]; od++)                                                  \
        for (int64_t oh = 0; oh < p->out[1]; oh++)                                                \
          for (int64_t ow = 0; ow < p->out[2]; ow++) {                                            \
            T m = LOWEST;                                                                         \
            for (int64_t kd = 0; kd < p->kernel[0]; kd++) {                                       \
              int64_t id = od * p->stride[0] - p->pad_begin[0] + kd * p->dilation[0];             \
              if (id < 0 || id >= p->in[0]) continue;                                             \
              for (int64_t kh = 0; kh < p->kernel[1]; kh++) {                                     \
                int64_t ih = oh * p->stride[1] - p->pad_begin[1] + kh * p->dilation[1];           \
                if (ih < 0 || ih >= p->in[1]) continue;                                           \
                const T *row = X + ((pl * p->in[0] + id) * p->in[1] + ih) * p->in[2];             \
                for (int64_t kw = 0; kw < p->kernel[2]; kw++) {                                   \
                  int64_t iw = ow * p->stride[2] - p->pad_begin[2] + kw * p->dilation[2];         \
                  if (iw < 0 || iw >= p->in[2]) continue;                                         \
                  if (row[iw] > m) m = row[iw]; /* NaN never wins, as in ONNX Runtime */          \
                }                                                                                 \
              }                                                                                   \
            }                                                                                     \
            *Y++ = m;                                                                             \
          }                                                                                       \
  } while (0)

void cliq__ref_maxpool(const cliq__pool_params *p, cliq_dtype dtype, const void *x, void *y) {
  switch (dtype) {
  case CLIQ_DTYPE_INT8: MAXPOOL(int8_t, INT8_MIN); break;
  case CLIQ_DTYPE_UINT8: MAXPOOL(uint8_t, 0); break;
  default: MAXPOOL(float, -FLT_MAX); break;
  }
}

void cliq__ref_avgpool_f32(const cliq__pool_params *p, const float *x, float *y) {
  for (int64_t pl = 0; pl < p->planes; pl++)
    for (int64_t od = 0; od < p->out[0]; od++)
      for (int64_t oh = 0; oh < p->out[1]; oh++)
        for (int64_t ow = 0; ow < p->out[2]; ow++) {
          int64_t o[3] = {od, oh, ow}, count = 1;
          for (int a = 0; a < 3; a++) {
            int64_t start = o[a] * p->stride[a] - p->pad_begin[a];
            count *= p->count_include_pad
                         ? taps_inside(start, p->kernel[a], p->dilation[a], -p->pad_begin[a], p->in[a] + p->pad_end[a])
                         : taps_inside(start, p->kernel[a], p->dilation[a], 0, p->in[a]);
          }
          float sum = 0.0f;
          for (int64_t kd = 0; kd < p->kernel[0]; kd++) {
            int64_t id = od * p->stride[0] - p->pad_begin[0] + kd * p->dilation[0];
            if (id < 0 || id >= p->in[0]) continue;
            for (int64_t kh = 0; kh < p->kernel[1]; kh++) {
              int64_t ih = oh * p->stride[1] - p->pad_begin[1] + kh * p->dilation[1];
              if (ih < 0 || ih >= p->in[1]) continue;
              const float *row = x + ((pl * p->in[0] + id) * p->in[1] + ih) * p->in[2];
              for (int64_t kw = 0; kw < p->kernel[2]; kw++) {
                int64_t iw = ow * p->stride[2] - p->pad_begin[2] + kw * p->dilation[2];
                if (iw >= 0 && iw < p->in[2]) sum += row[iw];
              }
            }
          }
          *y++ = sum / (float)count;
        }
}

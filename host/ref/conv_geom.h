/*
 * conv_geom.h — the resolved geometry of one Conv or ConvTranspose node: every size, stride,
 * dilation and pad as plain numbers, with auto_pad, kernel_shape defaults and output_shape already
 * applied (host/ops/conv_attrs.c computes it from the node). The C references (conv_f32.c,
 * conv_transpose_f32.c) and the device planners read only this struct, so the ONNX attribute
 * rules live in one place.
 *
 * Spatial dims are stored as 3 (depth, height, width); a 2-D conv has d = 1 in the first slot and
 * a 1-D conv also in the second, with kernel 1, stride 1, dilation 1 and pads 0 there.
 */
#ifndef CLIQ_CONV_GEOM_H
#define CLIQ_CONV_GEOM_H

#include <stdbool.h>
#include <stdint.h>

#define CLIQ__CONV_MAX_SPATIAL 3

typedef struct cliq__conv_geom {
  int nsp;       /* spatial dims of the node (1..3) */
  int64_t N;     /* batch */
  int64_t C;     /* input channels (all groups) */
  int64_t M;     /* output channels (all groups) */
  int64_t G;     /* groups; C and M are multiples of G */
  /* index 0 = depth, 1 = height, 2 = width (padded with 1s for 1-D and 2-D) */
  int64_t in[3];  /* input spatial size */
  int64_t out[3]; /* output spatial size */
  int64_t k[3];   /* kernel */
  int64_t s[3];   /* strides */
  int64_t d[3];   /* dilations */
  int64_t pb[3];  /* pad at the beginning; may be negative for ConvTranspose with output_shape */
  int64_t pe[3];  /* pad at the end */
  bool nhwc;      /* the input is [N, spatial..., C] (Conv with cliq.input_nhwc, set by the
                     NHWC-input pass); output and weights stay NCHW / ONNX layout */
} cliq__conv_geom;

#endif /* CLIQ_CONV_GEOM_H */

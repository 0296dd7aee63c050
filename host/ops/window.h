/*
 * window.h — the sliding-window geometry of ONNX convolutions and pools, in one place: the
 * attributes kernel_shape, strides, dilations, pads, auto_pad and ceil_mode of Conv (through
 * conv_attrs.c, also for QConv), QLinearConv and ConvInteger (qlinear.c), MaxPool and AveragePool
 * (pool.c) and QAvgPool (qpool.c) become a cliq__win (host/ref/ref.h) here.
 */
#ifndef CLIQ_WINDOW_H
#define CLIQ_WINDOW_H

#include "../ref/ref.h"
#include "op.h"

#include <stdbool.h>

typedef enum {
  CLIQ__AUTO_PAD_NOTSET,
  CLIQ__AUTO_PAD_SAME_UPPER,
  CLIQ__AUTO_PAD_SAME_LOWER,
  CLIQ__AUTO_PAD_VALID
} cliq__auto_pad;

/* The node's auto_pad (absent or "" reads as NOTSET); any other spelling is UNSUPPORTED, named. */
cliq_status cliq__window_auto_pad(const cliq__opctx *oc, cliq__auto_pad *mode);

/* Resolves the window over nsp (1..3) spatial input dims `in` of the value named x_name.
 * kernel: the spatial kernel size from a weight (convolutions; a kernel_shape attribute must agree)
 * or NULL to read kernel_shape (pools, where it is required). pool: ceil_mode is read (convolutions
 * have none). Attribute errors name the attribute; a window larger than the padded input is
 * SHAPE_MISMATCH. Fields of w past nsp are size 1, stride 1, dilation 1, no padding. */
cliq_status cliq__window_resolve(const cliq__opctx *oc, const char *x_name, int nsp, const int64_t *in,
                                 const int64_t *kernel, bool pool, cliq__win *w);

/* The same for an input x laid out [N, C, spatial...] (rank 3 to 5; other ranks UNSUPPORTED). */
cliq_status cliq__window(const cliq__opctx *oc, const cliq__value *x, const int64_t *kernel, bool pool, cliq__win *w);

#endif /* CLIQ_WINDOW_H */

/*
 * qwindow.h — sliding-window geometry (kernel_shape, strides, pads, dilations, auto_pad,
 * ceil_mode) of the integer convolutions (QLinearConv, ConvInteger) and the int8 pools
 * (QAvgPool), per the ONNX Conv / AveragePool specs, into a cliq__win (host/ref/ref.h).
 */
#ifndef CLIQ_QWINDOW_H
#define CLIQ_QWINDOW_H

#include "../ref/ref.h"
#include "op.h"

/* x: input [N, C, spatial...] with 1..3 spatial dims. kernel: the spatial kernel size from the
 * weight (convolutions) or NULL to read the kernel_shape attribute (pools, where it is required).
 * pool: ceil_mode is allowed and dilations default to 1. */
cliq_status cliq__qwindow(const cliq__opctx *oc, const cliq__value *x, const int64_t *kernel, bool pool, cliq__win *w);

#endif /* CLIQ_QWINDOW_H */

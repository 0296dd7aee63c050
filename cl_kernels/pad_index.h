/*
 * pad_index.h — Pad's source coordinate along one axis, shared verbatim by the C reference
 * (host/ref/pad.c) and the kernel (cl_kernels/pad.cl).
 *
 * The input axis is first cropped to [start, start+len) (negative pads, ONNX Pad-11+: "negative
 * values remove elements") and then padded by `begin` elements in front. Output coordinate c
 * maps to cropped coordinate x = c - begin; outside [0, len) the mode decides, following
 * numpy.pad (what the ONNX reference implementation calls):
 *   constant  -1 (the caller writes the constant value)
 *   edge      clamp to [0, len)
 *   reflect   mirror without repeating the edge, periodic with period 2*(len-1) for pads wider
 *             than the axis (numpy pads reflect repeatedly, which is the same)
 *   wrap      periodic with period len (Pad-19)
 */
#ifndef CLIQ_PAD_INDEX_H
#define CLIQ_PAD_INDEX_H

#include "cliq_common.h"

#define CLIQ_PAD_CONSTANT 0
#define CLIQ_PAD_EDGE 1
#define CLIQ_PAD_REFLECT 2
#define CLIQ_PAD_WRAP 3

#ifdef __OPENCL_C_VERSION__
typedef int cliq_pad_idx; /* the host refuses tensors of 2^31 elements or more */
#else
typedef int64_t cliq_pad_idx;
#endif

/* Source coordinate in the uncropped input axis, or -1 for the constant. len > 0 unless mode is
 * constant (the host rejects edge/reflect/wrap padding of an empty axis, as numpy does). */
CLIQ_INLINE cliq_pad_idx cliq_pad_src(cliq_pad_idx c, cliq_pad_idx begin, cliq_pad_idx start, cliq_pad_idx len, int mode) {
  cliq_pad_idx x = c - begin;
  if (x >= 0 && x < len) return start + x;
  if (mode == CLIQ_PAD_CONSTANT) return -1;
  if (mode == CLIQ_PAD_EDGE) return start + (x < 0 ? 0 : len - 1);
  if (mode == CLIQ_PAD_WRAP) {
    cliq_pad_idx m = x % len;
    return start + (m < 0 ? m + len : m);
  }
  /* reflect */
  if (len == 1) return start;
  cliq_pad_idx period = 2 * (len - 1);
  cliq_pad_idx m = x % period;
  if (m < 0) m += period;
  return start + (m < len ? m : period - m);
}

#endif /* CLIQ_PAD_INDEX_H */

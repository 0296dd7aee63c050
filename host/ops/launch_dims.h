/*
 * launch_dims.h — launch ranges of the ops-math kernels (elementwise, pooling, reductions,
 * normalisation, softmax): 1-D, with one fixed local size.
 *
 * Each of these kernels maps a flat work-item id to its (run, row, plane) with a few divisions
 * per work-item, so every launch of a kernel has the same explicit local size: PoCL compiles a
 * kernel once per distinct local size (0.15-0.3 s each, shared/notes/pocl-performance.md lessons
 * 4 and 8), and 2-D/3-D local sizes fitted to each shape made a model, or a test over many
 * shapes, pay that again and again. 64 work-items is a full wavefront on AMD and two warps on
 * NVIDIA; on PoCL an idle work-item past the end costs one comparison.
 */
#ifndef CLIQ_LAUNCH_DIMS_H
#define CLIQ_LAUNCH_DIMS_H

#include "../planner.h"

#include <stddef.h>

#define CLIQ__MATH_LWS 64

/* ceil(a / b) for b > 0 */
static inline size_t cliq__div_up(size_t a, size_t b) { return (a + b - 1) / b; }

/* A 1-D range of `items` work-items (rounded up to the local size by the planner). */
static inline void cliq__math_range(cliq__launch *L, size_t items) {
  size_t lws = CLIQ__MATH_LWS;
  cliq__launch_range(L, 1, &items, &lws);
}

#endif /* CLIQ_LAUNCH_DIMS_H */

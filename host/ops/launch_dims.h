/*
 * launch_dims.h — choosing explicit local sizes for the elementwise, pooling, reduction and
 * softmax kernels (ops-math), so every launch passes one (shared/notes/pocl-performance.md,
 * lesson 4: a NULL local size costs PoCL a fresh compile per global size).
 */
#ifndef CLIQ_LAUNCH_DIMS_H
#define CLIQ_LAUNCH_DIMS_H

#include <stddef.h>

/* Local size for a global range of `dims` dims: powers of two, filled innermost dim first up to
 * max_items work-items in all, never wider than a dim needs (so a short row does not leave most
 * of a group idle). Few distinct shapes come out, which keeps PoCL's per-local-size compiles few. */
void cliq__pick_lws(unsigned dims, const size_t *gws, size_t max_items, size_t *lws);

/* ceil(a / b) for b > 0 */
static inline size_t cliq__div_up(size_t a, size_t b) { return (a + b - 1) / b; }

#endif /* CLIQ_LAUNCH_DIMS_H */

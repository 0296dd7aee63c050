/*
 * launch_dims.c — local sizes for the ops-math kernels (see launch_dims.h).
 */
#include "launch_dims.h"

void cliq__pick_lws(unsigned dims, const size_t *gws, size_t max_items, size_t *lws) {
  size_t left = max_items ? max_items : 1;
  for (unsigned d = 0; d < dims; d++) {
    size_t l = 1;
    while (l * 2 <= left && l < gws[d]) l *= 2;
    lws[d] = l;
    left /= l;
  }
}

/*
 * nhwc_input.c — session pass cliq__pass_fold_nhwc_input: a Transpose from channels-last to
 * channels-first (perm [0, r-1, 1, ..., r-2]) whose readers are all Convs is dropped, and the
 * Convs read the channels-last tensor directly (attribute cliq.input_nhwc = 1; their im2col/pack
 * kernels take channel and pixel strides, host/ops/gemm_plan.c).
 *
 * tf2onnx models (blazeface, M-LSD) take NHWC images and transpose them before the first Conv;
 * folding saves a full pass over the input and a buffer. Only Convs are rewritten (the attribute
 * means nothing to other ops), so a Transpose with any other reader, or whose output is a graph
 * output, stays.
 */
#include "../error.h"
#include "../ops/op.h"
#include "passes.h"

#include <stdlib.h>
#include <string.h>


/* perm == [0, r-1, 1, 2, ..., r-2] for rank r in 3..5 */
static bool channels_last_to_first(const cliq__node *t, int rank) {
  int64_t perm[8];
  long n = cliq__attr_ints(t, "perm", perm, 8);
  if (n != rank || rank < 3 || rank > 5) return false;
  if (perm[0] != 0 || perm[1] != rank - 1) return false;
  for (int i = 2; i < rank; i++)
    if (perm[i] != i - 1) return false;
  return true;
}

cliq_status cliq__pass_fold_nhwc_input(cliq_context *ctx, cliq__graph *g) {
  (void)ctx;
  bool *dead = NULL;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const cliq__node *t = &g->nodes[i];
    if (!cliq__node_is(t, "Transpose") || t->n_inputs != 1 || t->n_outputs != 1 || t->inputs[0] < 0 || t->outputs[0] < 0) continue;
    int x = t->inputs[0], y = t->outputs[0];
    const cliq__value *xv = &g->values[x];
    if (xv->dtype != CLIQ_DTYPE_FLOAT32 || !channels_last_to_first(t, xv->rank)) continue;
    bool ok = true, any = false;
    for (size_t o = 0; o < g->n_outputs; o++) ok = ok && g->outputs[o] != y;
    for (size_t j = 0; j < g->n_nodes && ok; j++) {
      const cliq__node *c = &g->nodes[j];
      for (size_t k = 0; k < c->n_inputs; k++) {
        if (c->inputs[k] != y) continue;
        if (!cliq__node_is(c, "Conv") || k != 0 || cliq__attr_int(c, "cliq.input_nhwc", 0)) ok = false;
        any = true;
      }
    }
    if (!ok || !any) continue;
    if (!dead && !(dead = calloc(g->n_nodes + 1, sizeof(bool)))) return CLIQ_STATUS_OUT_OF_MEMORY;
    for (size_t j = 0; j < g->n_nodes; j++) {
      cliq__node *c = &g->nodes[j];
      if (c->n_inputs && c->inputs[0] == y && cliq__node_is(c, "Conv")) {
        if (!cliq__node_set_int(c, "cliq.input_nhwc", 1)) {
          free(dead);
          return CLIQ_STATUS_OUT_OF_MEMORY;
        }
        c->inputs[0] = x;
      }
    }
    dead[i] = true;
  }
  if (dead) {
    cliq__graph_remove_nodes(g, dead);
    free(dead);
  }
  return CLIQ_STATUS_OK;
}

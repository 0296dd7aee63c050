/*
 * window.c — sliding-window geometry of convolutions and pools (window.h).
 *
 * Output size of one spatial axis, ONNX Conv / MaxPool / AveragePool specs (auto_pad notes):
 *   NOTSET  out = floor((in + pad_begin + pad_end - ((k - 1) * d + 1)) / s) + 1; pools with
 *           ceil_mode take ceil instead and drop a last window that would start past the input
 *           and its begin pad, as ONNX Runtime, PyTorch and onnx/reference/ops/op_pool_common.py
 *   VALID   the same with no padding (ceil_mode applies, as in ONNX Runtime)
 *   SAME_*  out = ceil(in / s), total padding max(0, (out - 1) * s + (k - 1) * d + 1 - in), the
 *           odd unit at the end (SAME_UPPER) or the beginning (SAME_LOWER); explicit pads are
 *           ignored then, as ONNX Runtime does.
 */
#include "window.h"

#include <stdint.h>
#include <string.h>

cliq_status cliq__window_auto_pad(const cliq__opctx *oc, cliq__auto_pad *mode) {
  const char *s = cliq__attr_string(cliq__op_node(oc), "auto_pad", "NOTSET");
  if (strcmp(s, "NOTSET") == 0 || s[0] == '\0') *mode = CLIQ__AUTO_PAD_NOTSET;
  else if (strcmp(s, "SAME_UPPER") == 0) *mode = CLIQ__AUTO_PAD_SAME_UPPER;
  else if (strcmp(s, "SAME_LOWER") == 0) *mode = CLIQ__AUTO_PAD_SAME_LOWER;
  else if (strcmp(s, "VALID") == 0) *mode = CLIQ__AUTO_PAD_VALID;
  else
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "attribute auto_pad = '%s' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", s);
  return CLIQ_STATUS_OK;
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Output size of one axis (< 1 when no window fits); SAME_* and VALID rewrite *pb and *pe. */
static int64_t axis_out(int64_t in, int64_t k, int64_t s, int64_t d, cliq__auto_pad mode, bool ceil_mode, int64_t *pb,
                        int64_t *pe) {
  const int64_t span = (k - 1) * d + 1;
  if (mode == CLIQ__AUTO_PAD_SAME_UPPER || mode == CLIQ__AUTO_PAD_SAME_LOWER) {
    const int64_t out = (in + s - 1) / s;
    int64_t total = (out - 1) * s + span - in;
    if (total < 0) total = 0;
    *pb = mode == CLIQ__AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
    *pe = total - *pb;
    return out;
  }
  if (mode == CLIQ__AUTO_PAD_VALID) *pb = *pe = 0;
  const int64_t num = in + *pb + *pe - span;
  if (!ceil_mode) return floor_div(num, s) + 1;
  int64_t out = (num >= 0 ? (num + s - 1) / s : floor_div(num, s)) + 1;
  if (out > 0 && (out - 1) * s >= in + *pb) out--;
  return out;
}

/* An ints attribute of exactly `want` values, or absent (*count = -1). */
static cliq_status read_list(const cliq__opctx *oc, const char *name, long want, int64_t *v, long *count) {
  *count = cliq__attr_ints(cliq__op_node(oc), name, v, 8);
  if (*count >= 0 && *count != want)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute %s has %ld values; the input has %ld spatial dims (%ld expected)",
                         name, *count, want / (strcmp(name, "pads") == 0 ? 2 : 1), want);
  return CLIQ_STATUS_OK;
}

cliq_status cliq__window_resolve(const cliq__opctx *oc, const char *x_name, int nsp, const int64_t *in,
                                 const int64_t *kernel, bool pool, cliq__win *w) {
  const cliq__node *n = cliq__op_node(oc);
  memset(w, 0, sizeof *w);
  w->nsp = nsp;
  for (int i = 0; i < 3; i++) w->in[i] = w->k[i] = w->out[i] = w->stride[i] = w->dil[i] = 1;
  int64_t ks[8], st[8], dl[8], pd[16];
  long nk, ns, nd, np;
  CLIQ__TRY(read_list(oc, "kernel_shape", nsp, ks, &nk));
  if (kernel) {
    for (int i = 0; i < nsp && nk >= 0; i++)
      if (ks[i] != kernel[i])
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "attribute kernel_shape[%d] = %lld but the weight has %lld there", i,
                             (long long)ks[i], (long long)kernel[i]);
    memcpy(ks, kernel, (size_t)nsp * sizeof(int64_t));
  } else if (nk < 0) {
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute kernel_shape is required");
  }
  CLIQ__TRY(read_list(oc, "strides", nsp, st, &ns));
  CLIQ__TRY(read_list(oc, "dilations", nsp, dl, &nd));
  CLIQ__TRY(read_list(oc, "pads", 2 * nsp, pd, &np));
  cliq__auto_pad mode;
  CLIQ__TRY(cliq__window_auto_pad(oc, &mode));
  const bool ceil_mode = pool && cliq__attr_int(n, "ceil_mode", 0) != 0;
  for (int i = 0; i < nsp; i++) {
    int64_t k = ks[i], s = ns >= 0 ? st[i] : 1, d = nd >= 0 ? dl[i] : 1;
    int64_t pb = np >= 0 ? pd[i] : 0, pe = np >= 0 ? pd[nsp + i] : 0;
    if (k < 1 || s < 1 || d < 1 || pb < 0 || pe < 0)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL,
                           "spatial dim %d: kernel %lld, stride %lld and dilation %lld must be >= 1 and pads %lld, %lld >= 0",
                           i, (long long)k, (long long)s, (long long)d, (long long)pb, (long long)pe);
    /* keeps (k - 1) * d, (out - 1) * s and the kernels' 32-bit window arithmetic far from overflow */
    if (k > INT32_MAX || s > INT32_MAX || d > INT32_MAX || pb > INT32_MAX || pe > INT32_MAX)
      return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                           "spatial dim %d: kernel %lld, stride %lld, dilation %lld, pads %lld, %lld: cliq supports values below 2^31",
                           i, (long long)k, (long long)s, (long long)d, (long long)pb, (long long)pe);
    const int64_t out = axis_out(in[i], k, s, d, mode, ceil_mode, &pb, &pe);
    if (out < 1)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                           "input '%s' spatial dim %d is %lld (+%lld/%lld padding) but the dilated kernel spans %lld: no output",
                           x_name, i, (long long)in[i], (long long)pb, (long long)pe, (long long)((k - 1) * d + 1));
    w->in[i] = in[i], w->k[i] = k, w->out[i] = out, w->stride[i] = s, w->dil[i] = d, w->pad[i] = pb, w->pad_end[i] = pe;
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__window(const cliq__opctx *oc, const cliq__value *x, const int64_t *kernel, bool pool, cliq__win *w) {
  if (x->rank < 3 || x->rank > 5) {
    char d[128];
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' %s has %d spatial dims; 1-D to 3-D windows (rank 3 to 5) are supported",
                         x->name, cliq__dims_str(x->rank, x->dims, d, sizeof d), x->rank - 2);
  }
  return cliq__window_resolve(oc, x->name, x->rank - 2, x->dims + 2, kernel, pool, w);
}

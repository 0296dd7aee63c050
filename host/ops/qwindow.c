/*
 * qwindow.c — sliding-window geometry of the integer convolutions and int8 pools (qwindow.h).
 * Output sizes follow the ONNX Conv and AveragePool specs:
 *   NOTSET  out = floor((in + pad_begin + pad_end - ((k - 1) * d + 1)) / s) + 1
 *           (ceil instead of floor with ceil_mode, dropping a last window that would start in
 *           the end padding, as onnx/reference/ops/op_pool_common.py does)
 *   VALID   the same with no padding
 *   SAME_*  out = ceil(in / s), total padding max(0, (out - 1) * s + (k - 1) * d + 1 - in), the
 *           odd one at the end (SAME_UPPER) or the beginning (SAME_LOWER).
 */
#include "qwindow.h"

#include <string.h>

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

cliq_status cliq__qwindow(const cliq__opctx *oc, const cliq__value *x, const int64_t *kernel, bool pool, cliq__win *w) {
  const cliq__node *n = cliq__op_node(oc);
  memset(w, 0, sizeof *w);
  int nsp = x->rank - 2;
  if (nsp < 1 || nsp > 3)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' has rank %d; 1-D to 3-D windows (rank 3 to 5) are supported",
                         x->name, x->rank);
  w->nsp = nsp;
  for (int i = 0; i < 3; i++) w->in[i] = w->k[i] = w->out[i] = w->stride[i] = w->dil[i] = 1;
  int64_t ks[8], st[8], dl[8], pd[16];
  long nk = cliq__attr_ints(n, "kernel_shape", ks, 8);
  if (nk >= 0 && nk != nsp)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "kernel_shape has %ld values for %d spatial dims", nk, nsp);
  if (kernel) {
    for (int i = 0; i < nsp; i++)
      if (nk >= 0 && ks[i] != kernel[i])
        return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH, "kernel_shape[%d] = %lld but the weight has %lld there", i,
                             (long long)ks[i], (long long)kernel[i]);
    memcpy(ks, kernel, (size_t)nsp * sizeof(int64_t));
  } else if (nk < 0) {
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "attribute kernel_shape is required");
  }
  long ns = cliq__attr_ints(n, "strides", st, 8), nd = cliq__attr_ints(n, "dilations", dl, 8);
  long np = cliq__attr_ints(n, "pads", pd, 16);
  if ((ns >= 0 && ns != nsp) || (nd >= 0 && nd != nsp) || (np >= 0 && np != 2 * nsp))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "strides/dilations need %d values and pads %d", nsp, 2 * nsp);
  const char *ap = cliq__attr_string(n, "auto_pad", "NOTSET");
  bool same_u = strcmp(ap, "SAME_UPPER") == 0, same_l = strcmp(ap, "SAME_LOWER") == 0, valid = strcmp(ap, "VALID") == 0;
  if (!same_u && !same_l && !valid && strcmp(ap, "NOTSET") != 0)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "auto_pad = '%s' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", ap);
  int64_t ceil_mode = pool ? cliq__attr_int(n, "ceil_mode", 0) : 0;
  for (int i = 0; i < nsp; i++) {
    int64_t in = x->dims[2 + i], k = ks[i], s = ns >= 0 ? st[i] : 1, d = nd >= 0 ? dl[i] : 1;
    int64_t pb = np >= 0 ? pd[i] : 0, pe = np >= 0 ? pd[nsp + i] : 0;
    if (k < 1 || s < 1 || d < 1 || pb < 0 || pe < 0)
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL,
                           "spatial dim %d: kernel %lld, stride %lld, dilation %lld must be >= 1 and pads %lld, %lld >= 0", i,
                           (long long)k, (long long)s, (long long)d, (long long)pb, (long long)pe);
    int64_t span = (k - 1) * d + 1, out;
    if (same_u || same_l) {
      out = (in + s - 1) / s;
      int64_t total = (out - 1) * s + span - in;
      if (total < 0) total = 0;
      pb = same_u ? total / 2 : total - total / 2;
      pe = total - pb;
    } else {
      if (valid) pb = pe = 0;
      int64_t num = in + pb + pe - span;
      if (ceil_mode) {
        out = (num >= 0 ? (num + s - 1) / s : floor_div(num, s)) + 1;
        if (out > 0 && (out - 1) * s >= in + pb) out--;
      } else {
        out = floor_div(num, s) + 1;
      }
    }
    if (out < 1)
      return cliq__op_fail(oc, CLIQ_STATUS_SHAPE_MISMATCH,
                           "spatial dim %d: input %lld with padding %lld+%lld is smaller than the window %lld", i,
                           (long long)in, (long long)pb, (long long)pe, (long long)span);
    w->in[i] = in, w->k[i] = k, w->out[i] = out, w->stride[i] = s, w->dil[i] = d, w->pad[i] = pb, w->pad_end[i] = pe;
  }
  return CLIQ_STATUS_OK;
}

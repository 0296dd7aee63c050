/*
 * data_util.c — helpers shared by the data-movement and shape ops (see data_util.h).
 */
#include "data_util.h"

#include "../cl/tuning.h"

#include <stdio.h>
#include <string.h>

/* The container of es-byte elements. */
static const char *elem_for_size(size_t es) {
  switch (es) {
  case 1: return "-DELEM=uchar";
  case 2: return "-DELEM=ushort";
  case 4: return "-DELEM=uint";
  case 8: return "-DELEM=ulong";
  default: return NULL;
  }
}

const char *cliq__elem_option(cliq_dtype dt) { return elem_for_size(cliq_dtype_size(dt)); }

cliq_status cliq__op_check_i32(const cliq__opctx *oc, const cliq__value *v) {
  size_t n;
  if (!cliq__shape_elems(v->rank, v->dims, &n) || n > (size_t)INT32_MAX) {
    char d[160];
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "tensor '%s' %s has 2^31 elements or more; cliq's data-movement kernels index in 32 bits",
                         v->name, cliq__dims_str(v->rank, v->dims, d, sizeof d));
  }
  return CLIQ_STATUS_OK;
}

void cliq__dense_strides(int rank, const int64_t *dims, int64_t *strides) {
  int64_t s = 1;
  for (int k = rank - 1; k >= 0; k--) {
    strides[k] = s;
    s *= dims[k] > 0 ? dims[k] : 1;
  }
}

cliq_status cliq__op_ints_input(const cliq__opctx *oc, size_t i, const char *role, bool allow_scalar, int64_t *out,
                                size_t max, long *count) {
  const cliq__value *v = cliq__op_in(oc, i);
  *count = -1;
  if (!v) return CLIQ_STATUS_OK;
  if (!v->constant)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED,
                         "input '%s' (%s) is computed at run time; cliq needs it constant when the session is planned "
                         "(it decides shapes or kernel parameters)",
                         v->name, role);
  const cliq__tensor *t = v->constant;
  if (t->dtype != CLIQ_DTYPE_INT64 && t->dtype != CLIQ_DTYPE_INT32)
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' (%s) has type %s; it must be int64 (or int32)",
                         v->name, role, cliq_dtype_name(t->dtype));
  if (t->rank != 1 && !(allow_scalar && t->rank == 0))
    return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "input '%s' (%s) has rank %d; it must be 1-D", v->name, role,
                         t->rank);
  size_t n = cliq__tensor_elems(t);
  if (n > max)
    return cliq__op_fail(oc, CLIQ_STATUS_UNSUPPORTED, "input '%s' (%s) has %zu elements; at most %zu are supported",
                         v->name, role, n, max);
  for (size_t k = 0; k < n; k++) out[k] = cliq__tensor_get_i64(t, k);
  *count = (long)n;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__op_norm_axes(const cliq__opctx *oc, const char *what, int rank, const int64_t *axes, long n, int *out) {
  for (long k = 0; k < n; k++) {
    if (!cliq__norm_axis(axes[k], rank, &out[k]))
      return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "%s %lld is out of range for rank %d (allowed: [%d, %d])", what,
                           (long long)axes[k], rank, -rank, rank - 1);
    for (long j = 0; j < k; j++)
      if (out[j] == out[k])
        return cliq__op_fail(oc, CLIQ_STATUS_INVALID_MODEL, "%s names axis %d twice", what, out[k]);
  }
  return CLIQ_STATUS_OK;
}

cliq_status cliq__ref_view_copy(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out) {
  (void)oc;
  if (out[0]->nbytes) memcpy(out[0]->data, in[0]->data, out[0]->nbytes);
  return CLIQ_STATUS_OK;
}

cliq__data_tuning cliq__data_tune(cliq__planner *p) {
  const struct cliq__device *d = cliq__plan_device(p);
  cliq__data_tuning t;
  long b = cliq__tuning_int(d, "DATA_ITEM_BYTES", d->is_gpu ? 16 : 128);
  long wg = cliq__tuning_int(d, "DATA_WG", 64);
  t.item_bytes = b > 0 ? (size_t)b : 1;
  t.wg = wg > 0 ? (size_t)wg : 1;
  return t;
}

size_t cliq__data_vec(const cliq__data_tuning *t, size_t es) {
  size_t v = es ? t->item_bytes / es : 1;
  return v ? v : 1;
}

/* Moves dim k of the box to the end (a box copy does not depend on the order of its dims). */
static void move_last(cliq__strided *s, int k) {
  int64_t d = s->dims[k], ss = s->src_stride[k], ds = s->dst_stride[k];
  for (int j = k; j + 1 < s->rank; j++) {
    s->dims[j] = s->dims[j + 1];
    s->src_stride[j] = s->src_stride[j + 1];
    s->dst_stride[j] = s->dst_stride[j + 1];
  }
  s->dims[s->rank - 1] = d, s->src_stride[s->rank - 1] = ss, s->dst_stride[s->rank - 1] = ds;
}

void cliq__plan_strided_copy(cliq__planner *p, int node, int src, int dst, cliq_dtype dt, cliq__strided s) {
  cliq__strided_simplify(&s);
  /* Each work-item copies a run along the box's last dim. When the destination's contiguous dim
   * is short (a pixel shuffle ends in a dim of 3) and a long dim is contiguous in the source, run
   * along that one instead: contiguous reads, strided writes, instead of 3-element runs. */
  int last = s.rank - 1;
  if (s.dims[last] < 16)
    for (int k = 0; k < last; k++)
      if (s.src_stride[k] == 1 && s.dims[k] >= 16) {
        move_last(&s, k);
        break;
      }
  /* Contiguous runs of an even length at even offsets move as elements twice as wide (int8
   * Concat as uint, float Concat as ulong): the per-work-item cost is what limits narrow types.
   * Sub-buffers are aligned to CL_DEVICE_MEM_BASE_ADDR_ALIGN, so wider loads stay aligned. */
  size_t es = cliq_dtype_size(dt);
  while (es < 8 && s.src_stride[last] == 1 && s.dst_stride[last] == 1 && s.dims[last] % 2 == 0 && s.src_off % 2 == 0 &&
         s.dst_off % 2 == 0) {
    bool even = true;
    for (int k = 0; k < last; k++)
      if (s.src_stride[k] % 2 || s.dst_stride[k] % 2) even = false;
    if (!even) break;
    for (int k = 0; k < last; k++) s.src_stride[k] /= 2, s.dst_stride[k] /= 2;
    s.dims[last] /= 2, s.src_off /= 2, s.dst_off /= 2;
    es *= 2;
  }
  size_t rows = 1;
  for (int k = 0; k + 1 < s.rank; k++) rows *= (size_t)s.dims[k];
  size_t inner = (size_t)s.dims[s.rank - 1];
  if (rows == 0 || inner == 0) return;
  cliq__data_tuning tune = cliq__data_tune(p);
  size_t vec = cliq__data_vec(&tune, es);
  size_t chunks = (inner + vec - 1) / vec, items = rows * chunks;
  if (items > INT32_MAX) { /* callers check tensors with cliq__op_check_i32 first */
    cliq__node_fail(cliq__plan_context(p), cliq__plan_graph(p), node, CLIQ_STATUS_UNSUPPORTED,
                    "a copy of 2^31 elements or more; cliq's data-movement kernels index in 32 bits");
    cliq__plan_error(p, CLIQ_STATUS_UNSUPPORTED);
    return;
  }
  int32_t geo[3 * CLIQ__STRIDED_MAX_RANK];
  for (int k = 0; k < s.rank; k++) {
    geo[k] = (int32_t)s.dims[k];
    geo[s.rank + k] = (int32_t)s.src_stride[k];
    geo[2 * s.rank + k] = (int32_t)s.dst_stride[k];
  }
  int geo_id = cliq__plan_const(p, geo, 3 * (size_t)s.rank * sizeof(int32_t));
  char opts[64];
  snprintf(opts, sizeof opts, "%s -DVEC=%zu", elem_for_size(es), vec);
  cliq__launch *L = cliq__plan_kernel(p, node, "strided_copy", opts, "strided_copy");
  cliq__arg_value(L, src);
  cliq__arg_value(L, dst);
  cliq__arg_const(L, geo_id);
  cliq__arg_i32(L, s.rank);
  cliq__arg_i32(L, (int32_t)s.src_off);
  cliq__arg_i32(L, (int32_t)s.dst_off);
  cliq__arg_i32(L, (int32_t)chunks);
  cliq__arg_i32(L, (int32_t)items);
  size_t gws = items, lws = tune.wg;
  cliq__launch_range(L, 1, &gws, &lws);
}

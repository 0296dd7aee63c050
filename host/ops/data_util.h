/*
 * data_util.h — helpers shared by the data-movement and shape ops (host/ops/views.c,
 * shape_ops.c, gather.c, cast.c, concat.c, split.c, slice.c, transpose.c, expand.c, pad.c,
 * resize.c): constant integer inputs, the 32-bit index guard of their kernels, the element-type
 * build option of the dtype-generic kernels, and strided-copy planning.
 */
#ifndef CLIQ_DATA_UTIL_H
#define CLIQ_DATA_UTIL_H

#include "../planner.h"
#include "../ref/ref.h"
#include "op.h"

/* Every dtype cliq has; data-movement ops accept them all. */
#define CLIQ__DT_ALL                                                                            \
  (CLIQ__DT_FLOAT | CLIQ__DT_Q8 | CLIQ__DT_INTS | CLIQ__DT(CLIQ_DTYPE_BOOL))

/* "-DELEM=uchar" / "uint" / "ulong" (1, 4, 8 bytes): dtype-generic kernels move raw elements. */
const char *cliq__elem_option(cliq_dtype dt);

/* Kernels index in 32 bits: fails with UNSUPPORTED naming v when it has 2^31 elements or more. */
cliq_status cliq__op_check_i32(const cliq__opctx *oc, const cliq__value *v);

/* Row-major element strides of dims. */
void cliq__dense_strides(int rank, const int64_t *dims, int64_t *strides);

/* Reads integer input i (`role` names it in messages: "shape", "starts") into out (at most max
 * elements) and sets *count; *count = -1 when the input is absent. Fails with UNSUPPORTED when
 * the input is not a constant (cliq plans shapes before running), INVALID_MODEL when it is not
 * int32/int64, not 1-D (or scalar when allow_scalar) or longer than max. */
cliq_status cliq__op_ints_input(const cliq__opctx *oc, size_t i, const char *role, bool allow_scalar, int64_t *out,
                                size_t max, long *count);

/* Normalises axes[0..n) against rank (negative counts from the back); fails with INVALID_MODEL
 * naming `what` when one is out of range or repeated. */
cliq_status cliq__op_norm_axes(const cliq__opctx *oc, const char *what, int rank, const int64_t *axes, long n, int *out);

/* Copies input 0 to output 0 byte for byte: the reference of view ops (Reshape, Flatten, ...). */
cliq_status cliq__ref_view_copy(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out);

/* Work per work-item and work-group size of the data-movement kernels, from the tuning table
 * (host/cl/tuning.c): DATA_ITEM_BYTES (default 128 on CPUs, where a work-item's fixed cost
 * dominates: PoCL ran Resize 8x faster with 32 floats per item than with 1; 16 on GPUs, which
 * want neighbouring work-items on neighbouring addresses) and DATA_WG (default 64). */
typedef struct cliq__data_tuning {
  size_t item_bytes, wg;
} cliq__data_tuning;
cliq__data_tuning cliq__data_tune(cliq__planner *p);
/* Elements per work-item for elements of es bytes (at least 1). */
size_t cliq__data_vec(const cliq__data_tuning *t, size_t es);

/* Plans the strided copy of box s (simplified here) from value `src` into value `dst`, both of
 * dtype dt: one launch of cl_kernels/strided_copy.cl, none for an empty box. */
void cliq__plan_strided_copy(cliq__planner *p, int node, int src, int dst, cliq_dtype dt, cliq__strided s);

#endif /* CLIQ_DATA_UTIL_H */

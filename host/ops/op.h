/*
 * op.h — the contract every operator implements, and helpers for writing one.
 *
 * An op is one `const cliq__op_def cliq__op_<Type>` (listed in op_list.h) with:
 *   check  attributes only, no shapes (runs at load: an unsupported attribute value fails early);
 *   infer  input count/dtype/shape checks, output dtype and shape (runs when shapes are known);
 *   ref    the C reference: fills outputs already allocated with the inferred shapes. It is also
 *          the constant folder, so it must be correct for every case infer accepts;
 *   plan   emits the device launches for one node (host/planner.h).
 * Any of check/plan may be NULL (no attribute to check; op always folded, e.g. Shape).
 */
#ifndef CLIQ_OP_H
#define CLIQ_OP_H

#include "../error.h"
#include "../graph.h"
#include "../tensor.h"

#include <stdbool.h>

struct cliq__planner;

typedef struct cliq__opctx {
  cliq_context *ctx; /* for error messages; may be NULL */
  cliq__graph *g;
  int node;
} cliq__opctx;

enum {
  /* Output 0 is a view of input 0 with another shape (no data movement, no launch). */
  CLIQ__OP_ALIAS = 1u << 0,
  /* Output depends only on input shapes (Shape, Size): always folded to a constant. */
  CLIQ__OP_SHAPE_ONLY = 1u << 1,
  /* Elementwise op whose output can be computed in place of input 0. */
  CLIQ__OP_ELEMENTWISE = 1u << 2
};

typedef struct cliq__op_def {
  const char *op_type;
  const char *domain; /* "" = ai.onnx; "cliq" = internal ops made by session passes */
  int since_opset;    /* oldest opset version supported */
  cliq_status (*check)(cliq__opctx *oc);
  cliq_status (*infer)(cliq__opctx *oc);
  cliq_status (*ref)(cliq__opctx *oc, const cliq__tensor *const *in, cliq__tensor *const *out);
  cliq_status (*plan)(struct cliq__planner *p, int node);
  unsigned flags;
  /* Multiply-accumulates of the node with its inferred shapes (NULL: none worth counting). */
  uint64_t (*macs)(cliq__opctx *oc);
  /* Bit i set: the output shape depends on the values of input i (Reshape's shape, Slice's
   * starts), so infer needs it constant. At load, before Shape nodes are folded, a node with such
   * an input not yet constant is skipped instead of failing; in a session infer reports it. */
  unsigned const_inputs;
} cliq__op_def;

/* The op table. */
#define CLIQ_OP(type) extern const cliq__op_def cliq__op_##type;
#include "op_list.h"
#undef CLIQ_OP

/* Finds the entry for (op_type, domain); NULL when cliq has no such op. */
const cliq__op_def *cliq__op_find(const char *op_type, const char *domain);
/* Calls fn for every op in the table (CLI 'info', docs, tests). */
void cliq__op_foreach(void (*fn)(void *user, const cliq__op_def *def), void *user);

/* --- helpers for op implementations ------------------------------------------------------ */

static inline cliq__node *cliq__op_node(const cliq__opctx *oc) { return &oc->g->nodes[oc->node]; }
/* Input i's value, NULL when absent (optional input not given or i >= n_inputs). */
cliq__value *cliq__op_in(const cliq__opctx *oc, size_t i);
cliq__value *cliq__op_out(const cliq__opctx *oc, size_t i);
size_t cliq__op_n_in(const cliq__opctx *oc);
size_t cliq__op_n_out(const cliq__opctx *oc);

/* Error prefixed with the node's name, op type and opset. */
cliq_status cliq__op_fail(const cliq__opctx *oc, cliq_status status, const char *fmt, ...) CLIQ__PRINTF(3, 4);

/* Requires min..max inputs present in the node's input list (absent optionals are allowed
 * inside the list) and at least 1 output. */
cliq_status cliq__op_check_arity(const cliq__opctx *oc, size_t min_in, size_t max_in, size_t min_out,
                                 size_t max_out);
/* Rejects (UNSUPPORTED) any attribute not in the comma-separated list "a,b,c". */
cliq_status cliq__op_check_attrs(const cliq__opctx *oc, const char *allowed);
/* Requires input i to be present with one of the dtypes in mask (1u << dtype). */
cliq_status cliq__op_check_dtype(const cliq__opctx *oc, size_t i, unsigned mask);
#define CLIQ__DT(d) (1u << (d))
#define CLIQ__DT_FLOAT CLIQ__DT(CLIQ_DTYPE_FLOAT32)
#define CLIQ__DT_INTS (CLIQ__DT(CLIQ_DTYPE_INT32) | CLIQ__DT(CLIQ_DTYPE_INT64))
#define CLIQ__DT_Q8 (CLIQ__DT(CLIQ_DTYPE_INT8) | CLIQ__DT(CLIQ_DTYPE_UINT8))
#define CLIQ__DT_ANY 0xFFFFFFFFu

/* Sets output i's dtype and shape. */
cliq_status cliq__op_set_out(const cliq__opctx *oc, size_t i, cliq_dtype dtype, int rank, const int64_t *dims);

/* Attribute access with defaults. */
int64_t cliq__attr_int(const cliq__node *n, const char *name, int64_t def);
float cliq__attr_float(const cliq__node *n, const char *name, float def);
const char *cliq__attr_string(const cliq__node *n, const char *name, const char *def);
/* Copies up to max ints into out; returns the attribute's count, or -1 when absent. */
long cliq__attr_ints(const cliq__node *n, const char *name, int64_t *out, size_t max);

/* Reads a constant integer input (shape/axes/pads/...) into out (at most max elements);
 * returns its element count, or -1 when the input is absent, or -2 when it is not constant. */
long cliq__op_const_ints(const cliq__opctx *oc, size_t i, int64_t *out, size_t max);
/* Reads a constant float input (scales); same return convention. */
long cliq__op_const_floats(const cliq__opctx *oc, size_t i, float *out, size_t max);

/* Normalises an axis in [-rank, rank) to [0, rank); returns false when out of range. */
bool cliq__norm_axis(int64_t axis, int rank, int *out);

/* Numpy-style broadcast of two shapes (multidirectional, ONNX Broadcasting.md). */
bool cliq__broadcast_shape(int ra, const int64_t *da, int rb, const int64_t *db, int *rout, int64_t *dout);

#endif /* CLIQ_OP_H */

/*
 * lower_qdq.h — internal to the QDQ lowering pass (lower_qdq.c, its rules in lower_qdq_ops.c and
 * lower_qdq_lut.c, shared helpers in lower_qdq_util.c). The rules themselves are listed in
 * lower_qdq.c's banner.
 *
 * The pass works on the session graph in place: replacement nodes are appended (the original
 * order is restored by a topological sort at the end) and replaced nodes are only marked dead, so
 * node indices stay valid while it runs; queries skip dead nodes.
 */
#ifndef CLIQ_LOWER_QDQ_H
#define CLIQ_LOWER_QDQ_H

#include "../ops/op.h"

typedef struct cliq__lq {
  cliq__graph *g;
  bool *dead; /* per node: replaced, removed at the end */
  size_t cap_dead;
} cliq__lq;

/* defined in host/ops/unary.c: (CLIQ_ACT_*, a, b) of a Relu/Clip/... node */
cliq_status cliq__unary_params(const cliq__opctx *oc, int *act, float *a, float *b);

/* --- graph queries (lower_qdq_util.c) ------------------------------------------------------- */
bool cliq__lq_grow_dead(cliq__lq *L);                      /* after nodes were appended */
bool cliq__lq_is_graph_output(const cliq__graph *g, int v);
/* Live nodes reading value v (each node once), up to max kept in out; returns the count. */
size_t cliq__lq_readers(const cliq__lq *L, int v, int *out, size_t max);
int cliq__lq_producer(const cliq__lq *L, int v); /* live node making v, -1 */
bool cliq__lq_scalar_const(const cliq__graph *g, int v, double *out);
/* Per-tensor constant parameters of a QuantizeLinear/DequantizeLinear node; dt is the quantized
 * type (int8/uint8). False for anything else (per axis, runtime, block quantization). */
bool cliq__lq_qparams(const cliq__graph *g, const cliq__node *n, float *s, int *z, cliq_dtype *dt);
int cliq__lq_const_i8(cliq__graph *g, const char *hint, int val);
bool cliq__lq_set_input(cliq__graph *g, int ni, size_t k, int v); /* grows the input list */
bool cliq__lq_set_quant(cliq__value *v, float s, int z);

/* --- matching (lower_qdq_util.c) ------------------------------------------------------------ */
/* When v is DQ(x) of an int8 value x carrying those parameters: x; DQ of an int8 constant: a copy
 * of the constant carrying them. Else -1. */
int cliq__lq_dq_src(cliq__lq *L, int v);
/* When float v is read only by QuantizeLinears to int8 with the same per-tensor parameters and
 * is not a graph output: the first one's output (the Q nodes go to q[], up to 16). Else -1. */
int cliq__lq_q_sink(cliq__lq *L, int v, int *q, size_t *nq);
bool cliq__lq_same_quant(const cliq__value *a, const cliq__value *b);
/* q_sink through an optional Relu/Clip: its activation (CLIQ_ACT_NONE/RELU/CLIP, a, b) and node. */
int cliq__lq_q_sink_act(cliq__lq *L, int y, int *q, size_t *nq, int *act, float *a, float *b, int *act_node);

/* --- rewriting (lower_qdq_util.c) ----------------------------------------------------------- */
typedef bool (*cliq__lq_setup_fn)(cliq__lq *L, int node, void *user);
/* Appends node (op, domain) named after node `like` (its attributes copied unless copy_skip is
 * NULL; names in copy_skip, written ",a,b,", are left out), lets `setup` add attributes, then
 * runs the op's check and infer (messages dropped) and requires the outputs' types and shapes to
 * stay. Returns the node, or -1 after undoing everything. */
int cliq__lq_make_node(cliq__lq *L, int like, const char *op, const char *domain, const int *in, size_t nin,
                       const int *out, size_t nout, const char *copy_skip, cliq__lq_setup_fn setup, void *user);
/* Node `old` (and activation node act_node, -1 if none) replaced: they and the Q nodes q[] die;
 * readers of the other Qs' outputs read the first one's. */
void cliq__lq_commit(cliq__lq *L, int old, int act_node, const int *q, size_t nq);
bool cliq__lq_set_act(cliq__lq *L, int node, int act, float a, float b, const char *act_op);
/* The activation the fusion pass fused on a float node, when it can be an int8 output clamp. */
bool cliq__lq_fused_clamp(const cliq__node *n, int *act, float *a, float *b);

/* --- rules (lower_qdq_ops.c, lower_qdq_lut.c): true when node ni was lowered ------------------ */
bool cliq__lq_lower_binary(cliq__lq *L, int ni);      /* Add/Mul -> QAdd/QMul */
bool cliq__lq_lower_pool(cliq__lq *L, int ni);        /* AveragePool/GlobalAveragePool */
bool cliq__lq_lower_concat(cliq__lq *L, int ni);      /* Concat -> Concat on int8 or QConcat */
bool cliq__lq_is_passthrough(const cliq__node *n);
bool cliq__lq_lower_passthrough(cliq__lq *L, int ni); /* scale-preserving ops on int8 */
bool cliq__lq_lower_requant(cliq__lq *L, int ni);     /* Q(DQ(x)) */
bool cliq__lq_lower_conv(cliq__lq *L, int ni);        /* Conv -> QConv */
bool cliq__lq_lower_gemm(cliq__lq *L, int ni);        /* Gemm/MatMul -> QGemm */
bool cliq__lq_fuse_residual(cliq__lq *L, int ni);     /* QAdd into its QConv/QGemm input */
bool cliq__lq_is_lut_op(const cliq__node *n);
bool cliq__lq_lower_lut_chain(cliq__lq *L, int ni);   /* elementwise chains -> QLut */
/* A QLut from int8 x to int8 y: `channels` tables (per channel along axis 1), or NULL for the
 * requantization between their quantizations. */
int cliq__lq_make_lut(cliq__lq *L, int like, int x, int y, const int8_t *table, size_t channels);
void cliq__lq_merge_luts(cliq__lq *L); /* consecutive QLuts composed */

#endif /* CLIQ_LOWER_QDQ_H */

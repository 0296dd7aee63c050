/*
 * session.h — the session object behind cliq_session (internal): the specialised graph, its
 * launches, the memory plan and the device buffers, or host tensors on the reference device.
 */
#ifndef CLIQ_SESSION_H
#define CLIQ_SESSION_H

#include "cl/clhead.h"
#include "graph.h"
#include "planner.h"

struct cliq_session {
  cliq_context *ctx;
  const cliq_model *model;
  cliq__graph *g;                /* session graph */
  bool reference;                /* runs on the C reference */
  bool keep;                     /* keep_intermediates */
  /* plan */
  cliq__launch *launches;
  size_t n_launches, cap_launches;
  /* const buffers (packed weights, uploaded constant values) */
  cl_mem *consts;
  size_t n_consts, cap_consts;
  uint64_t const_bytes;
  int *value_const;              /* value id -> const id of its uploaded constant, -1 */
  /* scratch requests: size and node */
  size_t *scratch_size;
  int *scratch_node;
  size_t n_scratch, cap_scratch;
  /* memory plan */
  int *root;                     /* value id -> value id owning its storage (aliases) */
  size_t *value_offset;          /* per value root: offset in the arena, SIZE_MAX if none */
  size_t *scratch_offset;
  cl_mem arena;
  uint64_t arena_bytes;
  cl_mem *value_mem;             /* per value: sub-buffer (roots only; aliases look up root) */
  cl_mem *scratch_mem;
  cl_mem dummy;                  /* bound for zero-size tensors */
  /* reference execution: one host tensor per value */
  cliq__tensor **host;
  /* public tensor list for keep_intermediates */
  int *tensors;
  size_t n_tensors;
  /* profiling */
  cl_event *events;
  cliq_op_time *times;
  size_t n_times;
  char **time_labels;
};

/* Memory planning and executor (memplan.c, executor.c). */
cliq_status cliq__memplan(cliq_session *s);
cliq_status cliq__executor_bind(cliq_session *s);
cliq_status cliq__executor_run(cliq_session *s, size_t n_inputs, const cliq_buffer *inputs, size_t n_outputs,
                               cliq_buffer *outputs);
cliq_status cliq__reference_run(cliq_session *s, size_t n_inputs, const cliq_buffer *inputs, size_t n_outputs,
                                cliq_buffer *outputs);
/* Reads value v after a run into a host tensor (float32 dequantized for int8 values when
 * as_float); caller frees. */
cliq_status cliq__session_read_value(cliq_session *s, int v, cliq__tensor **out);
/* Storage of value v (after memplan): its sub-buffer. */
cl_mem cliq__session_value_mem(cliq_session *s, int v);

#endif /* CLIQ_SESSION_H */

/*
 * ptq_run.h — running a graph of a PTQ stage on the kept calibration images (calib/pass.h:
 * cliq__ptq.images), for passes that need activations: data-aware equalization and high-bias
 * absorption (calib/equalize.c), output-aware weight rounding (calib/round_weights.c), empirical
 * bias correction (calib/bias_correct.c).
 *
 * A runner is a session (batch 1, keep_intermediates) of a copy of the graph, on the context's
 * device, with the calibration's dims; values are read back by the name they have in the graph
 * given, following the names the QDQ writer and lowering give a quantized tensor
 * ("<name>_QuantizeLinear_Output" read back dequantized) when the plain name is gone.
 */
#ifndef CLIQ_CALIB_PTQ_RUN_H
#define CLIQ_CALIB_PTQ_RUN_H

#include "pass.h"

typedef struct cliq__ptq_runner {
  cliq__ptq *ptq;
  cliq_model *model;
  cliq_session *s;
  cliq_buffer *in, *out;
  size_t n_in, n_out;
  size_t *in_elems; /* floats of one image per input */
} cliq__ptq_runner;

/* Plans a session of a copy of g. */
cliq_status cliq__ptq_runner_open(cliq__ptq *ptq, const cliq__graph *g, cliq__ptq_runner *r);
/* The same for a pass that reads only the graph outputs: intermediates are not kept, so the
 * session fuses and reuses buffers as a normal one does (faster). */
cliq_status cliq__ptq_runner_open_outputs(cliq__ptq *ptq, const cliq__graph *g, cliq__ptq_runner *r);
void cliq__ptq_runner_close(cliq__ptq_runner *r);

/* Runs kept image `image` (< ptq->n_images). */
cliq_status cliq__ptq_runner_run(cliq__ptq_runner *r, size_t image);

/* The value named `name` after the last run, as float32 (*out NULL, OK, when the session has no
 * such tensor, e.g. fused away). Caller frees. */
/* The DequantizeLinear producing input k of node i of QDQ graph q, when it dequantizes a constant
 * of dtype dt with constant float scales (and a constant zero point of dtype dt when present);
 * -1 otherwise. Used by the QDQ-stage passes to find a weighted node's int8 weights and int32 bias. */
int cliq__ptq_const_dq(const cliq__graph *q, int i, size_t k, cliq_dtype dt);

cliq_status cliq__ptq_runner_read(cliq__ptq_runner *r, const char *name, cliq__tensor **out);

#endif /* CLIQ_CALIB_PTQ_RUN_H */

/*
 * pass.h — the interface of PTQ passes: graph or statistics rewrites that run inside
 * cliq_quantize (calib/ptq.c) at fixed stages. Listed in order in calib/pass_list.h, one line
 * each: CLIQ_PTQ_PASS(stage, function). Adding a pass is that line plus its file.
 *
 * Stages, in the order the driver runs them:
 *   FLOAT       the float graph before calibration (a private copy of the model's graph). Rewrites
 *               that keep the function and help quantization: folding a Conv's bias Add into the
 *               Conv (fold_bias.c), cross-layer equalization and high-bias absorption (Nagel et
 *               al., "Data-Free Quantization Through Weight Equalization and Bias Correction",
 *               ICCV 2019; equalize.c). `images` (the first calibration images) are available.
 *               The calibration session runs the graph as it leaves this stage, so tensor names
 *               in the stats table are the names of this graph.
 *   CALIBRATED  the same float graph, with `stats` filled (histograms, moments, per-channel
 *               moments) and a quantizer chosen for every quantized tensor (cliq__tstats.grid):
 *               range edits.
 *   QDQ         the QDQ graph that will become the int8 model; stats still readable by the
 *               float names. Output-aware weight rounding (round_weights.c) picks the int8
 *               weights and empirical bias correction (bias_correct.c, sec. 4.2) edits the int32
 *               biases here, running sessions on `images` (calib/ptq_run.h).
 * A pass that does not apply (e.g. disabled by options) returns OK without changes.
 */
#ifndef CLIQ_CALIB_PASS_H
#define CLIQ_CALIB_PASS_H

#include "../host/graph.h"
#include "stats.h"

typedef enum cliq__ptq_stage { CLIQ__PTQ_FLOAT = 1, CLIQ__PTQ_CALIBRATED = 2, CLIQ__PTQ_QDQ = 3 } cliq__ptq_stage;

typedef struct cliq__ptq {
  cliq_context *ctx;
  const cliq_quantize_options *options;
  cliq__graph *g;            /* the graph of the current stage (owned by the driver) */
  cliq__stats_table *stats;  /* NULL in stage FLOAT */
  /* the first calibration images (calib/ptq.c: CLIQ__PTQ_KEPT), per model input: images[i]
   * holds n_images images of input i
   * (every stage; the layout of the session inputs) */
  const float *const *images;
  size_t n_inputs, n_images;
  /* session options of the calibration (dims bound; batch and keep_intermediates to be set by a
   * pass that opens its own session) and the model's base directory */
  const cliq_session_options *so;
  const char *base_dir;
  /* stage QDQ: the float graph as calibrated (after the FLOAT and CALIBRATED passes) */
  const cliq__graph *float_g;
  /* set by the fallback pass (calib/fallback.c) for the report */
  size_t fallback_float, fallback_images;
  double fallback_before_db, fallback_after_db;
} cliq__ptq;

typedef cliq_status (*cliq__ptq_pass_fn)(cliq__ptq *ptq);

#define CLIQ_PTQ_PASS(stage, fn) cliq_status fn(cliq__ptq *ptq);
#include "pass_list.h"
#undef CLIQ_PTQ_PASS

/* Runs every pass of a stage, in list order. */
cliq_status cliq__ptq_passes_run(cliq__ptq *ptq, cliq__ptq_stage stage);

#endif /* CLIQ_CALIB_PASS_H */

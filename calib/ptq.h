/*
 * ptq.h — the post-training quantization driver behind cliq_quantize (calib/ptq.c).
 *
 * Pipeline: copy the float graph -> FLOAT PTQ passes (calib/pass.h) -> calibration session
 * (keep_intermediates) -> quantization plan (calib/qdq.h) -> stream the calibration source in
 * batches into per-tensor histograms (calib/stats.h; nothing kept per image) -> ranges
 * (calib/calibrate.h, or calib/auto.h) -> CALIBRATED passes -> QDQ graph -> metadata
 * (calib/meta.h) -> QDQ passes -> model.
 */
#ifndef CLIQ_CALIB_PTQ_H
#define CLIQ_CALIB_PTQ_H

#include "../host/graph.h"
#include "stats.h"

/* Everything cliq_quantize does up to the QDQ graph (not yet wrapped as a model). *out_stats
 * (may be NULL) receives the statistics table, named by the float graph's tensors; the caller
 * frees both. Report may be NULL. */
cliq_status cliq__ptq_run(cliq_context *ctx, const cliq_model *float_model, const cliq_calib_source *source,
                          const cliq_quantize_options *options, cliq_quantize_report *report, cliq__graph **out_graph,
                          cliq__stats_table **out_stats);

#endif /* CLIQ_CALIB_PTQ_H */

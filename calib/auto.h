/*
 * auto.h — the AUTO calibration method: per tensor, the candidate range (minmax, percentile
 * 99.99, entropy, mse, each from the tensor's histogram) that minimises the error of the tensor's
 * consumers' outputs. Called by the PTQ driver (calib/ptq.c) after the histograms are complete.
 *
 * How: the float model runs again, at batch 1, on the first CLIQ__AUTO_IMAGES calibration images
 * (kept by the driver, so nothing per image is kept beyond that). For each tensor and each distinct
 * candidate, every node reading the tensor (in the session graph, so a Conv with its fused
 * activation counts as one consumer) is evaluated on the host reference with that tensor
 * fake-quantized and its other inputs in float, and compared with the same node on float inputs:
 * error = sum over consumers of ||y_q - y||^2 / ||y||^2. The candidate with the least error wins;
 * ties keep the earlier candidate in the order mse, entropy, percentile, minmax.
 * Weights stay float in this comparison: their error does not depend on the activation range.
 * Consumers the reference cannot evaluate (internal ops, session-only layout attributes such as
 * cliq.input_nhwc) do not vote; a tensor without voters keeps the first candidate (mse).
 */
#ifndef CLIQ_CALIB_AUTO_H
#define CLIQ_CALIB_AUTO_H

#include "stats.h"

#define CLIQ__AUTO_IMAGES 2

/* Chooses lo/hi/chosen of every owner entry of tab that has data (share < 0, hist.count > 0) and
 * is computed by the model (not a folded constant). cfg gives symmetry, integer range and the
 * percentile; its method is ignored. images[i] holds n_images images of model input i (the layout
 * of the session inputs). so: session options (dims) of the calibration, batch ignored. */
cliq_status cliq__auto_choose(cliq_context *ctx, const cliq_model *model, const cliq_session_options *so, cliq__stats_table *tab,
                              const float *const *images, size_t n_inputs, size_t n_images, const cliq__calib_cfg *cfg);

#endif /* CLIQ_CALIB_AUTO_H */

/*
 * meta.h — what cliq_quantize records in the int8 model's metadata_props: the preprocessing used
 * for calibration (keys of host/io/preprocess_keys.h) and how the model was quantized:
 *   cliq.quantize.method       "minmax", "percentile:99.99", "entropy", "mse", "auto"
 *   cliq.quantize.images       calibration images seen, e.g. "500"
 *   cliq.quantize.weights      "per-channel symmetric" | "per-tensor asymmetric" | ...
 *   cliq.quantize.activations  "asymmetric" | "symmetric"
 *   cliq.quantize.producer     "cliq 0.1.0"
 */
#ifndef CLIQ_CALIB_META_H
#define CLIQ_CALIB_META_H

#include "../host/graph.h"

/* Sets the keys on g (pre may be NULL: no preprocessing keys). OUT_OF_MEMORY on failure. */
cliq_status cliq__meta_write(cliq_context *ctx, cliq__graph *g, const cliq_preprocess *pre, const cliq_quantize_options *o,
                             size_t images);

#endif /* CLIQ_CALIB_META_H */

/*
 * meta.c — writes the preprocessing and quantization settings into a quantized model's
 * metadata_props (meta.h; preprocessing keys: host/io/preprocess_keys.h, written by
 * cliq__preprocess_store so reader and writer share one format).
 */
#include "meta.h"

#include "../host/error.h"
#include "../host/io/preprocess.h"
#include "calibrate.h"

#include <stdio.h>

static bool set(cliq__graph *g, const char *key, const char *value) { return cliq__graph_set_metadata(g, key, value); }

cliq_status cliq__meta_write(cliq_context *ctx, cliq__graph *g, const cliq_preprocess *pre, const cliq_quantize_options *o,
                             size_t images) {
  bool ok = true;
  char buf[128];
  if (pre) ok = cliq__preprocess_store(g, pre); /* the reader's own writer (host/io/preprocess.c) */
  if (o->method == CLIQ_CALIB_PERCENTILE)
    snprintf(buf, sizeof buf, "percentile:%.9g", o->percentile);
  else
    snprintf(buf, sizeof buf, "%s", cliq__calib_method_name(o->method));
  ok = ok && set(g, "cliq.quantize.method", buf);
  snprintf(buf, sizeof buf, "%zu", images);
  ok = ok && set(g, "cliq.quantize.images", buf);
  snprintf(buf, sizeof buf, "%s %s", o->weights_per_tensor ? "per-tensor" : "per-channel",
           o->weights_asymmetric ? "asymmetric" : "symmetric");
  ok = ok && set(g, "cliq.quantize.weights", buf);
  ok = ok && set(g, "cliq.quantize.activations", o->activations_symmetric ? "symmetric" : "asymmetric");
  snprintf(buf, sizeof buf, "cliq %d.%d.%d", CLIQ_VERSION_MAJOR, CLIQ_VERSION_MINOR, CLIQ_VERSION_PATCH);
  ok = ok && set(g, "cliq.quantize.producer", buf);
  return ok ? CLIQ_STATUS_OK : cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "writing the model's metadata");
}

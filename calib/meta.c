/*
 * meta.c — writes the preprocessing and quantization settings into a quantized model's
 * metadata_props (meta.h; key formats in host/io/preprocess_keys.h).
 */
#include "meta.h"

#include "../host/error.h"
#include "../host/io/preprocess_keys.h"
#include "calibrate.h"

#include <stdio.h>

static bool set(cliq__graph *g, const char *key, const char *value) { return cliq__graph_set_metadata(g, key, value); }

static bool set_size(cliq__graph *g, const char *key, int w, int h) {
  if (w <= 0 && h <= 0) return true;
  char buf[64];
  snprintf(buf, sizeof buf, "%dx%d", w, h);
  return set(g, key, buf);
}

static bool set_floats3(cliq__graph *g, const char *key, const float *v) {
  char buf[128];
  snprintf(buf, sizeof buf, "%.9g,%.9g,%.9g", v[0], v[1], v[2]);
  return set(g, key, buf);
}

cliq_status cliq__meta_write(cliq_context *ctx, cliq__graph *g, const cliq_preprocess *pre, const cliq_quantize_options *o,
                             size_t images) {
  bool ok = true;
  char buf[128];
  if (pre) {
    ok = ok && set_size(g, CLIQ_PREPROCESS_KEY_SIZE, pre->width, pre->height);
    if (pre->resize_short > 0) {
      snprintf(buf, sizeof buf, "%d", pre->resize_short);
      ok = ok && set(g, CLIQ_PREPROCESS_KEY_RESIZE, buf);
    }
    ok = ok && set_size(g, CLIQ_PREPROCESS_KEY_CROP, pre->crop_w, pre->crop_h);
    ok = ok && set_floats3(g, CLIQ_PREPROCESS_KEY_MEAN, pre->mean);
    ok = ok && set_floats3(g, CLIQ_PREPROCESS_KEY_STD, pre->std);
    ok = ok && set(g, CLIQ_PREPROCESS_KEY_BGR, pre->bgr ? "1" : "0");
    ok = ok && set(g, CLIQ_PREPROCESS_KEY_GRAY, pre->gray ? "1" : "0");
    ok = ok && set(g, CLIQ_PREPROCESS_KEY_LAYOUT,
                   pre->layout == CLIQ_LAYOUT_NCHW ? "nchw" : (pre->layout == CLIQ_LAYOUT_NHWC ? "nhwc" : "auto"));
  }
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

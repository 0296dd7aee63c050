/*
 * preprocess.c — cliq_preprocess defaults, the model-metadata form (preprocess_keys.h), text
 * parsing shared with the CLI, and resolving preprocessing against model input 0 (channels,
 * size, layout) once for image.c and dataset.c.
 */
#include "preprocess.h"

#include "../error.h"
#include "../model.h"
#include "preprocess_keys.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIDE 65535 /* larger than any camera; keeps C*H*W far from overflow */

cliq_preprocess cliq_preprocess_default(void) {
  cliq_preprocess p;
  memset(&p, 0, sizeof p);
  for (int c = 0; c < 3; c++) p.std[c] = 1.0f;
  p.layout = CLIQ_LAYOUT_AUTO;
  return p;
}

/* --- text forms ------------------------------------------------------------------------------ */

bool cliq__parse_int(const char *s, int lo, int hi, int *out) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || end == s || v < lo || v > hi) return false;
  *out = (int)v;
  return true;
}

bool cliq__parse_size(const char *s, int *w, int *h) {
  if (!s) return false;
  const char *x = strchr(s, 'x');
  if (!x) x = strchr(s, 'X');
  if (!x || x == s) return false;
  char wbuf[32];
  size_t n = (size_t)(x - s);
  if (n >= sizeof wbuf) return false;
  memcpy(wbuf, s, n);
  wbuf[n] = '\0';
  return cliq__parse_int(wbuf, 1, MAX_SIDE, w) && cliq__parse_int(x + 1, 1, MAX_SIDE, h);
}

bool cliq__parse_floats3(const char *s, float out[3]) {
  if (!s || !*s) return false;
  float v[3];
  int n = 0;
  const char *p = s;
  while (n < 3) {
    char *end;
    errno = 0;
    double d = strtod(p, &end);
    if (end == p || errno || !isfinite(d)) return false;
    v[n++] = (float)d;
    if (*end == '\0') break;
    if (*end != ',') return false;
    p = end + 1;
    if (n == 3) return false; /* a fourth value */
  }
  if (n == 2) return false;
  for (int c = 0; c < 3; c++) out[c] = v[n == 1 ? 0 : c];
  return true;
}

bool cliq__parse_layout(const char *s, cliq_layout *out) {
  if (!s) return false;
  if (strcmp(s, "auto") == 0) *out = CLIQ_LAYOUT_AUTO;
  else if (strcmp(s, "nchw") == 0 || strcmp(s, "NCHW") == 0) *out = CLIQ_LAYOUT_NCHW;
  else if (strcmp(s, "nhwc") == 0 || strcmp(s, "NHWC") == 0) *out = CLIQ_LAYOUT_NHWC;
  else return false;
  return true;
}

const char *cliq__layout_name(cliq_layout layout) {
  switch (layout) {
  case CLIQ_LAYOUT_NCHW: return "nchw";
  case CLIQ_LAYOUT_NHWC: return "nhwc";
  case CLIQ_LAYOUT_AUTO: break;
  }
  return "auto";
}

/* --- model metadata ---------------------------------------------------------------------------- */

int cliq_preprocess_from_model(const cliq_model *model, cliq_preprocess *out) {
  if (!out) return 0;
  *out = cliq_preprocess_default();
  if (!model) return 0;
  cliq_preprocess p = cliq_preprocess_default();
  int found = 0;
  bool ok = true;
  const char *v;
  if ((v = cliq_model_metadata(model, CLIQ_PREPROCESS_KEY_SIZE))) found = 1, ok = ok && cliq__parse_size(v, &p.width, &p.height);
  if ((v = cliq_model_metadata(model, CLIQ_PREPROCESS_KEY_RESIZE)))
    found = 1, ok = ok && cliq__parse_int(v, 0, MAX_SIDE, &p.resize_short);
  if ((v = cliq_model_metadata(model, CLIQ_PREPROCESS_KEY_CROP))) found = 1, ok = ok && cliq__parse_size(v, &p.crop_w, &p.crop_h);
  if ((v = cliq_model_metadata(model, CLIQ_PREPROCESS_KEY_MEAN))) found = 1, ok = ok && cliq__parse_floats3(v, p.mean);
  if ((v = cliq_model_metadata(model, CLIQ_PREPROCESS_KEY_STD))) found = 1, ok = ok && cliq__parse_floats3(v, p.std);
  if ((v = cliq_model_metadata(model, CLIQ_PREPROCESS_KEY_BGR))) found = 1, ok = ok && cliq__parse_int(v, 0, 1, &p.bgr);
  if ((v = cliq_model_metadata(model, CLIQ_PREPROCESS_KEY_GRAY))) found = 1, ok = ok && cliq__parse_int(v, 0, 1, &p.gray);
  if ((v = cliq_model_metadata(model, CLIQ_PREPROCESS_KEY_LAYOUT))) found = 1, ok = ok && cliq__parse_layout(v, &p.layout);
  /* A malformed value is treated as no stored preprocessing: half of a recipe is worse than none. */
  if (!found || !ok) return 0;
  *out = p;
  return 1;
}

bool cliq__preprocess_store(cliq__graph *g, const cliq_preprocess *p) {
  char buf[128];
  bool ok = true;
  if (p->width > 0 && p->height > 0) {
    snprintf(buf, sizeof buf, "%dx%d", p->width, p->height);
    ok = ok && cliq__graph_set_metadata(g, CLIQ_PREPROCESS_KEY_SIZE, buf);
  }
  if (p->resize_short > 0) {
    snprintf(buf, sizeof buf, "%d", p->resize_short);
    ok = ok && cliq__graph_set_metadata(g, CLIQ_PREPROCESS_KEY_RESIZE, buf);
  }
  if (p->crop_w > 0 && p->crop_h > 0) {
    snprintf(buf, sizeof buf, "%dx%d", p->crop_w, p->crop_h);
    ok = ok && cliq__graph_set_metadata(g, CLIQ_PREPROCESS_KEY_CROP, buf);
  }
  snprintf(buf, sizeof buf, "%.9g,%.9g,%.9g", p->mean[0], p->mean[1], p->mean[2]);
  ok = ok && cliq__graph_set_metadata(g, CLIQ_PREPROCESS_KEY_MEAN, buf);
  snprintf(buf, sizeof buf, "%.9g,%.9g,%.9g", p->std[0], p->std[1], p->std[2]);
  ok = ok && cliq__graph_set_metadata(g, CLIQ_PREPROCESS_KEY_STD, buf);
  ok = ok && cliq__graph_set_metadata(g, CLIQ_PREPROCESS_KEY_BGR, p->bgr ? "1" : "0");
  ok = ok && cliq__graph_set_metadata(g, CLIQ_PREPROCESS_KEY_GRAY, p->gray ? "1" : "0");
  ok = ok && cliq__graph_set_metadata(g, CLIQ_PREPROCESS_KEY_LAYOUT, cliq__layout_name(p->layout));
  return ok;
}

/* --- resolving against the model ------------------------------------------------------------------ */

static cliq_status check_pre(cliq_context *ctx, const cliq_preprocess *p) {
  if ((p->width > 0) != (p->height > 0) || p->width < 0 || p->height < 0 || p->width > MAX_SIDE || p->height > MAX_SIDE)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "preprocessing size %dx%d: give both width and height in 1..%d, or neither", p->width, p->height,
                      MAX_SIDE);
  if ((p->crop_w > 0) != (p->crop_h > 0) || p->crop_w < 0 || p->crop_h < 0 || p->crop_w > MAX_SIDE || p->crop_h > MAX_SIDE)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "preprocessing crop %dx%d: give both crop width and height in 1..%d, or neither", p->crop_w,
                      p->crop_h, MAX_SIDE);
  if (p->resize_short < 0 || p->resize_short > MAX_SIDE)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "preprocessing resize %d: the short side must be in 1..%d",
                      p->resize_short, MAX_SIDE);
  if (p->resize_short > 0 && p->width > 0)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "preprocessing gives both a size (%dx%d) and a short-side resize (%d): choose one", p->width,
                      p->height, p->resize_short);
  for (int c = 0; c < 3; c++) {
    if (!isfinite(p->mean[c]))
      return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "preprocessing mean[%d] is not finite", c);
    if (!isfinite(p->std[c]) || p->std[c] == 0.0f)
      return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "preprocessing std[%d] is %g: it must be finite and non-zero", c,
                        (double)p->std[c]);
  }
  if (p->layout != CLIQ_LAYOUT_AUTO && p->layout != CLIQ_LAYOUT_NCHW && p->layout != CLIQ_LAYOUT_NHWC)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "preprocessing layout %d is not AUTO, NCHW or NHWC", (int)p->layout);
  return CLIQ_STATUS_OK;
}

static bool is_image_channels(int64_t c) { return c == 1 || c == 3 || c == 4; }

cliq_status cliq__input_spec_resolve(cliq_context *ctx, const cliq_model *model, const cliq_preprocess *pre,
                                     cliq__input_spec *out) {
  memset(out, 0, sizeof *out);
  out->pre = pre ? *pre : cliq_preprocess_default();
  CLIQ__TRY(check_pre(ctx, &out->pre));
  if (!model) return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "model is NULL");
  cliq_tensor_info in;
  if (cliq_model_input(model, 0, &in) != CLIQ_STATUS_OK)
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE, "the model has no inputs to feed an image to");
  snprintf(out->input_name, sizeof out->input_name, "%s", in.name ? in.name : "");
  const char *name = out->input_name;
  char dbuf[160];
  cliq__dims_str((int)in.rank, in.dims, dbuf, sizeof dbuf);
  if (in.dtype != CLIQ_DTYPE_FLOAT32)
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE, "model input '%s' is %s; images are fed as float32", name,
                      cliq_dtype_name(in.dtype));
  if (in.rank != 3 && in.rank != 4)
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE,
                      "model input '%s' has rank %zu (%s); images need [N,C,H,W], [N,H,W,C], [C,H,W] or [H,W,C]", name,
                      in.rank, dbuf);
  size_t off = in.rank - 3; /* first non-batch dim */
  cliq_layout layout = out->pre.layout;
  if (layout == CLIQ_LAYOUT_AUTO)
    layout = is_image_channels(in.dims[in.rank - 1]) && !is_image_channels(in.dims[off]) ? CLIQ_LAYOUT_NHWC
                                                                                          : CLIQ_LAYOUT_NCHW;
  out->layout = layout;
  size_t ci = layout == CLIQ_LAYOUT_NCHW ? off : in.rank - 1;
  size_t hi = layout == CLIQ_LAYOUT_NCHW ? off + 1 : off;
  int64_t c = in.dims[ci], mh = in.dims[hi], mw = in.dims[hi + 1];
  if (!is_image_channels(c)) {
    if (c < 0)
      return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE,
                        "model input '%s' %s has a symbolic channel dim (layout %s): images give 1, 3 or 4 channels",
                        name, dbuf, cliq__layout_name(layout));
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE,
                      "model input '%s' %s has %lld channels (layout %s); images give 1 (grey), 3 (RGB/BGR) or 4 (RGB "
                      "+ a constant channel)",
                      name, dbuf, (long long)c, cliq__layout_name(layout));
  }
  out->channels = (int)c;
  const cliq_preprocess *p = &out->pre;
  if (p->crop_w > 0) {
    out->width = p->crop_w, out->height = p->crop_h;
  } else if (p->width > 0) {
    out->width = p->width, out->height = p->height;
  } else if (mh > 0 && mw > 0) {
    if (mh > MAX_SIDE || mw > MAX_SIDE)
      return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE, "model input '%s' %s is larger than %d pixels on a side", name, dbuf,
                        MAX_SIDE);
    out->width = (int)mw, out->height = (int)mh;
  } else {
    return cliq__fail(ctx, CLIQ_STATUS_SHAPE_MISMATCH,
                      "model input '%s' %s has a symbolic %s ('%s'): give the image size (--size WxH, or --resize N "
                      "--crop WxH)",
                      name, dbuf, mh > 0 ? "width" : "height",
                      mh > 0 ? (in.dim_names[hi + 1] ? in.dim_names[hi + 1] : "?") : (in.dim_names[hi] ? in.dim_names[hi] : "?"));
  }
  size_t elems;
  int64_t shape[3] = {out->channels, out->height, out->width};
  if (!cliq__shape_elems(3, shape, &elems))
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "a %dx%d image for model input '%s' is too large for this host",
                      out->width, out->height, name);
  if ((mh > 0 && mh != out->height) || (mw > 0 && mw != out->width))
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE,
                      "preprocessing makes %dx%d images but model input '%s' %s takes %lldx%lld (W x H)", out->width,
                      out->height, name, dbuf, (long long)mw, (long long)mh);
  return CLIQ_STATUS_OK;
}

size_t cliq__input_spec_elements(const cliq__input_spec *spec) {
  return (size_t)spec->channels * (size_t)spec->width * (size_t)spec->height;
}

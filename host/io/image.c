/*
 * image.c — decoding JPEG/PNG/BMP files (stb_image, compiled into this file only, its symbols
 * static so they never clash with an application's own copy) and turning a decoded image into
 * model input 0: resize, centre crop, channels, mean/std, layout. Also cliq_image_load.
 *
 * Resize is bilinear with half-pixel centres (the source coordinate of output pixel x is
 * (x + 0.5) * in / out - 0.5, clamped to the image), as OpenCV's INTER_LINEAR and ONNX Resize
 * "half_pixel" define it, computed in float from the 8-bit pixels with no rounding back to 8 bits;
 * at scale 1 it is an exact copy. Short-side resize follows torchvision: the short side becomes N
 * and the long side floor(N * long / short). Grey is ITU-R BT.601 luma
 * (0.299 R + 0.587 G + 0.114 B), as PIL's convert("L") and OpenCV's RGB2GRAY, without rounding.
 * Alpha in the file is ignored; a 4-channel model input gets RGB plus a constant 1.0 channel.
 */
#include "preprocess.h"

#include "../error.h"
#include "../read_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_MAX_DIMENSIONS (1 << 15)
#if defined(__GNUC__)
/* unused stb functions are reported at the end of the file, so this one stays off for all of it */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#endif
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* stb_image 2.27 (Debian 12's libstb) builds a JPEG Huffman table from its 16 code-length counts
 * without checking that they add up to at most 256 symbols, and writes past the table's arrays
 * when a damaged file says more (found by test_fuzz_models under UBSan; stb 2.28 checks). Such a
 * file is refused here before stb reads it: the DHT segments are walked (through the
 * entropy-coded data of each scan, since progressive files define tables between scans). */
static bool jpeg_tables_fit(const unsigned char *b, size_t n) {
  if (n < 4 || b[0] != 0xFF || b[1] != 0xD8) return true; /* not a JPEG: stb judges */
  size_t p = 2;
  while (p + 4 <= n) {
    if (b[p] != 0xFF) return true; /* lost sync: stb reports the damage */
    unsigned m = b[p + 1];
    if (m == 0xFF || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { /* fill byte, markers without a length */
      p += m == 0xFF ? 1 : 2;
      continue;
    }
    if (m == 0xD9) return true; /* end of image */
    size_t len = ((size_t)b[p + 2] << 8) | b[p + 3], end = p + 2 + len;
    if (len < 2 || end > n) return true;
    for (size_t q = p + 4; m == 0xC4 && q + 17 <= end;) {
      size_t count = 0;
      for (int i = 1; i <= 16; i++) count += b[q + i];
      if (count > 256) return false;
      q += 17 + count;
    }
    p = end;
    if (m == 0xDA) /* scan data: up to the next marker that is not a stuffed 0x00 or a restart */
      while (p + 1 < n && !(b[p] == 0xFF && b[p + 1] != 0x00 && !(b[p + 1] >= 0xD0 && b[p + 1] <= 0xD7))) p++;
  }
  return true;
}

cliq_status cliq__image_decode_file(cliq_context *ctx, const char *path, cliq__image *out) {
  memset(out, 0, sizeof *out);
  void *buf = NULL;
  size_t size = 0;
  cliq_status st = cliq__read_file(ctx, path, "image", &buf, &size);
  if (st != CLIQ_STATUS_OK) return st;
  if (!jpeg_tables_fit(buf, size)) {
    free(buf);
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE,
                      "cannot decode image '%s': a JPEG Huffman table defines more than 256 symbols (corrupt file)", path);
  }
  int w = 0, h = 0, comp = 0;
  stbi_uc *px = size <= INT32_MAX ? stbi_load_from_memory(buf, (int)size, &w, &h, &comp, 0) : NULL;
  free(buf);
  if (!px) {
    const char *why = stbi_failure_reason();
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE, "cannot decode image '%s' (JPEG, PNG and BMP are read): %s", path,
                      why ? why : "unknown reason");
  }
  if (comp < 1 || comp > 4) {
    stbi_image_free(px);
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE, "image '%s' has %d channels per pixel", path, comp);
  }
  out->w = w, out->h = h, out->comp = comp, out->pixels = px;
  return CLIQ_STATUS_OK;
}

void cliq__image_free(cliq__image *img) {
  if (!img) return;
  stbi_image_free((void *)img->pixels);
  img->pixels = NULL;
}

/* One axis of the bilinear map: for each output index, the two source indices and the weight of
 * the second one. */
typedef struct axis_map {
  int *i0, *i1;
  float *f;
} axis_map;

static bool axis_map_make(axis_map *m, int out_len, int offset, int resized, int src) {
  m->i0 = malloc(sizeof(int) * (size_t)out_len);
  m->i1 = malloc(sizeof(int) * (size_t)out_len);
  m->f = malloc(sizeof(float) * (size_t)out_len);
  if (!m->i0 || !m->i1 || !m->f) return false;
  double scale = (double)src / (double)resized;
  for (int k = 0; k < out_len; k++) {
    double s = ((double)(k + offset) + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    if (s > src - 1) s = src - 1;
    int i0 = (int)s;
    m->i0[k] = i0;
    m->i1[k] = i0 + 1 < src ? i0 + 1 : i0;
    m->f[k] = (float)(s - i0);
  }
  return true;
}

static void axis_map_free(axis_map *m) {
  free(m->i0);
  free(m->i1);
  free(m->f);
}

/* Size of the image before the centre crop. */
static void resized_size(const cliq__input_spec *spec, int w, int h, int *rw, int *rh) {
  const cliq_preprocess *p = &spec->pre;
  if (p->width > 0) {
    *rw = p->width, *rh = p->height;
  } else if (p->resize_short > 0) {
    int64_t n = p->resize_short;
    if (w <= h) *rw = (int)n, *rh = (int)(n * h / w);
    else *rh = (int)n, *rw = (int)(n * w / h);
  } else if (p->crop_w > 0) {
    *rw = w, *rh = h;
  } else {
    *rw = spec->width, *rh = spec->height;
  }
}

/* Value of source channel `ch` (0 R, 1 G, 2 B, or -1 luma) at pixel index i. */
static inline float src_value(const cliq__image *img, size_t i, int ch) {
  const uint8_t *p = img->pixels + i * (size_t)img->comp;
  if (img->comp < 3) return (float)p[0]; /* grey (+ alpha): every channel is the grey value */
  if (ch < 0) return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
  return (float)p[ch];
}

cliq_status cliq__image_preprocess(cliq_context *ctx, const cliq__image *img, const cliq__input_spec *spec,
                                   const char *what, float *out) {
  if (img->w <= 0 || img->h <= 0 || !img->pixels)
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE, "image '%s' is empty (%dx%d)", what, img->w, img->h);
  int rw, rh;
  resized_size(spec, img->w, img->h, &rw, &rh);
  int ow = spec->width, oh = spec->height;
  if (rw <= 0 || rh <= 0 || ow > rw || oh > rh)
    return cliq__fail(ctx, CLIQ_STATUS_BAD_IMAGE,
                      "image '%s' (%dx%d) resized to %dx%d is smaller than the %dx%d crop the model input '%s' needs", what,
                      img->w, img->h, rw, rh, ow, oh, spec->input_name);
  int ox = (rw - ow) / 2, oy = (rh - oh) / 2;
  axis_map mx = {0}, my = {0};
  if (!axis_map_make(&mx, ow, ox, rw, img->w) || !axis_map_make(&my, oh, oy, rh, img->h)) {
    axis_map_free(&mx);
    axis_map_free(&my);
    return cliq__fail(ctx, CLIQ_STATUS_OUT_OF_MEMORY, "preprocessing image '%s'", what);
  }
  const cliq_preprocess *p = &spec->pre;
  int C = spec->channels;
  int colour = C == 1 ? 1 : 3; /* channels taken from the image; a 4th is the constant */
  bool luma = C == 1 || p->gray;
  size_t plane = (size_t)ow * (size_t)oh;
  size_t W = (size_t)img->w;
  for (int y = 0; y < oh; y++) {
    size_t r0 = (size_t)my.i0[y] * W, r1 = (size_t)my.i1[y] * W;
    float fy = my.f[y];
    for (int x = 0; x < ow; x++) {
      size_t c0 = (size_t)mx.i0[x], c1 = (size_t)mx.i1[x];
      float fx = mx.f[x];
      size_t pix = (size_t)y * (size_t)ow + (size_t)x;
      for (int c = 0; c < C; c++) {
        float v;
        if (c >= colour) {
          v = 1.0f; /* constant channel, after normalisation (M-LSD's RGB + ones) */
        } else {
          int ch = luma ? -1 : (p->bgr ? 2 - c : c);
          float a = src_value(img, r0 + c0, ch), b = src_value(img, r0 + c1, ch);
          float d = src_value(img, r1 + c0, ch), e = src_value(img, r1 + c1, ch);
          float top = a + (b - a) * fx, bot = d + (e - d) * fx;
          v = ((top + (bot - top) * fy) - p->mean[c]) / p->std[c];
        }
        if (spec->layout == CLIQ_LAYOUT_NHWC) out[pix * (size_t)C + (size_t)c] = v;
        else out[(size_t)c * plane + pix] = v;
      }
    }
  }
  axis_map_free(&mx);
  axis_map_free(&my);
  return CLIQ_STATUS_OK;
}

cliq_status cliq_image_load(cliq_context *ctx, const char *path, const cliq_model *model, const cliq_preprocess *pre,
                            float *data, size_t count) {
  if (!ctx) return CLIQ_STATUS_INVALID_ARGUMENT;
  cliq__error_clear(ctx);
  if (!path || !model || !data)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT, "cliq_image_load: path, model and data must not be NULL");
  cliq__input_spec spec;
  CLIQ__TRY(cliq__input_spec_resolve(ctx, model, pre, &spec));
  size_t need = cliq__input_spec_elements(&spec);
  if (count != need)
    return cliq__fail(ctx, CLIQ_STATUS_INVALID_ARGUMENT,
                      "image '%s' for model input '%s' makes %zu floats (%d channels x %dx%d); the buffer holds %zu", path,
                      spec.input_name, need, spec.channels, spec.width, spec.height, count);
  cliq__image img;
  CLIQ__TRY(cliq__image_decode_file(ctx, path, &img));
  cliq_status st = cliq__image_preprocess(ctx, &img, &spec, path, data);
  cliq__image_free(&img);
  return st;
}

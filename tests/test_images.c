/*
 * test_images.c — image decoding, preprocessing and datasets, on images this test writes itself
 * (stb_image_write: PNG, BMP, JPEG) into a temporary folder: every output pixel is checked against
 * a value computed here by hand from the written pixels (resize weights, crop offsets, luma,
 * mean/std, channel order, layout, the constant 4th channel). Also the dataset readers (folder,
 * imagenet labels.tsv, mnist IDX written here with zlib), the calibration-source adapter, the
 * preprocessing stored in model metadata, and the real mnist files in ../shared when present.
 */
#include "harness.h"
#include "harness_graph.h"

#include "io/preprocess.h"
#include "io/preprocess_keys.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "stb_write.h"

static cliq_context *ctx;
static const char *dir;

/* A random w x h image of comp channels, written as PNG (or BMP); pixels returned. */
static unsigned char *make_image(const char *name, int w, int h, int comp, bool bmp) {
  unsigned char *px = malloc((size_t)w * h * comp);
  for (int i = 0; i < w * h * comp; i++) px[i] = (unsigned char)th_randint(0, 255);
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int ok = bmp ? stbi_write_bmp(path, w, h, comp, px) : stbi_write_png(path, w, h, comp, px, w * comp);
  TH_CHECK(ok, "writing %s", path);
  return px;
}

static const char *path_of(const char *name) {
  static char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

static cliq_model *model4(int64_t a, int64_t b, int64_t c, int64_t d) {
  int64_t dims[4] = {a, b, c, d};
  cliq_model *m = NULL;
  TH_OK(ctx, tg_relu_model(ctx, 4, dims, NULL, &m));
  return m;
}

static float px_at(const unsigned char *px, int w, int comp, int x, int y, int c) { return px[(y * w + x) * comp + c]; }

/* Loads `name` for model m with pre and compares with want (n floats). */
static void expect_load(const char *what, const char *name, cliq_model *m, const cliq_preprocess *pre, const float *want,
                        size_t n, float atol) {
  float *got = malloc(n * sizeof(float));
  th_fill_poison(got, n * sizeof(float));
  if (TH_OK(ctx, cliq_image_load(ctx, path_of(name), m, pre, got, n))) th_compare_f32(what, got, want, n, atol, 1e-6f);
  free(got);
}

static void test_exact_nchw_nhwc_bgr(void) {
  int w = 5, h = 6; /* h must not look like a channel count for the auto layout rule */
  unsigned char *px = make_image("rgb.png", w, h, 3, false);
  cliq_preprocess pre = cliq_preprocess_default();
  float mean[3] = {10, 20, 30}, sd[3] = {2, 4, 8};
  memcpy(pre.mean, mean, sizeof mean);
  memcpy(pre.std, sd, sizeof sd);
  float want[90];
  /* NCHW, no resize: (x - mean) / std per channel */
  cliq_model *m = model4(1, 3, h, w);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) want[(c * h + y) * w + x] = (px_at(px, w, 3, x, y, c) - mean[c]) / sd[c];
  expect_load("NCHW RGB mean/std", "rgb.png", m, &pre, want, 90, 1e-6f);
  /* BGR: model channel c is image channel 2-c; mean/std stay in model channel order */
  pre.bgr = 1;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) want[(c * h + y) * w + x] = (px_at(px, w, 3, x, y, 2 - c) - mean[c]) / sd[c];
  expect_load("NCHW BGR", "rgb.png", m, &pre, want, 90, 1e-6f);
  pre.bgr = 0;
  cliq_model_destroy(m);
  /* NHWC found from the shape [1,H,W,3] */
  m = model4(1, h, w, 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) want[(y * w + x) * 3 + c] = (px_at(px, w, 3, x, y, c) - mean[c]) / sd[c];
  expect_load("NHWC (auto)", "rgb.png", m, &pre, want, 90, 1e-6f);
  cliq_model_destroy(m);
  /* [1,3,3,3] is NCHW by the auto rule; an explicit layout makes it NHWC */
  unsigned char *sq = make_image("sq.png", 3, 3, 3, false);
  m = model4(1, 3, 3, 3);
  float w27[27];
  pre = cliq_preprocess_default();
  pre.layout = CLIQ_LAYOUT_NHWC;
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 3; x++)
      for (int c = 0; c < 3; c++) w27[(y * 3 + x) * 3 + c] = px_at(sq, 3, 3, x, y, c);
  expect_load("explicit NHWC on an ambiguous shape", "sq.png", m, &pre, w27, 27, 0);
  pre.layout = CLIQ_LAYOUT_AUTO;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 3; x++) w27[(c * 3 + y) * 3 + x] = px_at(sq, 3, 3, x, y, c);
  expect_load("auto layout on an ambiguous shape is NCHW", "sq.png", m, &pre, w27, 27, 0);
  cliq_model_destroy(m);
  free(sq);
  free(px);
}

static void test_gray_and_four_channels(void) {
  int w = 5, h = 6;
  unsigned char *px = make_image("rgb2.png", w, h, 3, false);
  unsigned char *gp = make_image("grey.png", w, h, 1, false);
  float want[120];
  cliq_preprocess pre = cliq_preprocess_default();
  pre.mean[0] = 100, pre.mean[1] = 50, pre.mean[2] = 25;
  pre.std[0] = 50, pre.std[1] = 25, pre.std[2] = 5;
  /* one channel: BT.601 luma of the RGB pixels */
  cliq_model *m = model4(1, 1, h, w);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double l = 0.299 * px_at(px, w, 3, x, y, 0) + 0.587 * px_at(px, w, 3, x, y, 1) + 0.114 * px_at(px, w, 3, x, y, 2);
      want[y * w + x] = (float)((l - 100) / 50);
    }
  expect_load("grey model from an RGB file (luma)", "rgb2.png", m, &pre, want, 30, 2e-5f);
  for (int i = 0; i < w * h; i++) want[i] = (gp[i] - 100.0f) / 50.0f;
  expect_load("grey model from a grey file (exact)", "grey.png", m, &pre, want, 30, 0);
  cliq_model_destroy(m);
  /* three channels from a grey file: replicated, each with its own mean/std */
  m = model4(1, 3, h, w);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < w * h; i++) want[c * w * h + i] = (gp[i] - pre.mean[c]) / pre.std[c];
  expect_load("RGB model from a grey file", "grey.png", m, &pre, want, 90, 1e-6f);
  /* --gray on an RGB model: luma in every channel */
  pre.gray = 1;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        double l = 0.299 * px_at(px, w, 3, x, y, 0) + 0.587 * px_at(px, w, 3, x, y, 1) + 0.114 * px_at(px, w, 3, x, y, 2);
        want[(c * h + y) * w + x] = (float)((l - pre.mean[c]) / pre.std[c]);
      }
  expect_load("gray flag on an RGB model", "rgb2.png", m, &pre, want, 90, 2e-4f);
  pre.gray = 0;
  cliq_model_destroy(m);
  /* four channels, NHWC [1,H,W,4] (M-LSD): RGB normalised, then a constant 1.0 */
  m = model4(1, h, w, 4);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 4; c++)
        want[(y * w + x) * 4 + c] = c == 3 ? 1.0f : (px_at(px, w, 3, x, y, c) - pre.mean[c]) / pre.std[c];
  expect_load("RGB + constant channel, NHWC", "rgb2.png", m, &pre, want, 120, 1e-6f);
  cliq_model_destroy(m);
  /* an RGBA file: the alpha is not the 4th channel */
  unsigned char *rgba = make_image("rgba.png", w, h, 4, false);
  m = model4(1, 4, h, w);
  for (int c = 0; c < 4; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        want[(c * h + y) * w + x] = c == 3 ? 1.0f : (px_at(rgba, w, 4, x, y, c) - pre.mean[c]) / pre.std[c];
  expect_load("RGBA file into a 4-channel NCHW model", "rgba.png", m, &pre, want, 120, 1e-6f);
  cliq_model_destroy(m);
  free(rgba);
  free(gp);
  free(px);
}

static void test_resize_crop(void) {
  cliq_preprocess pre = cliq_preprocess_default();
  /* 2x downscale with half-pixel centres: each output pixel is the mean of a 2x2 block */
  int w = 8, h = 6;
  unsigned char *px = make_image("big.png", w, h, 3, false);
  cliq_model *m = model4(1, 3, 3, 4);
  float want[48];
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 4; x++)
        want[(c * 3 + y) * 4 + x] = (px_at(px, w, 3, 2 * x, 2 * y, c) + px_at(px, w, 3, 2 * x + 1, 2 * y, c) +
                                     px_at(px, w, 3, 2 * x, 2 * y + 1, c) + px_at(px, w, 3, 2 * x + 1, 2 * y + 1, c)) /
                                    4.0f;
  expect_load("2x bilinear downscale to the model size", "big.png", m, &pre, want, 36, 1e-4f);
  cliq_model_destroy(m);
  /* short side 6 -> 3, long side 8 -> floor(3*8/6) = 4, centre crop 2x2 at x offset 1, y offset 0 */
  pre.resize_short = 3;
  pre.crop_w = pre.crop_h = 2;
  m = model4(1, 3, 2, 2);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 2; x++) {
        int sx = 2 * (x + 1), sy = 2 * y;
        want[(c * 2 + y) * 2 + x] = (px_at(px, w, 3, sx, sy, c) + px_at(px, w, 3, sx + 1, sy, c) +
                                     px_at(px, w, 3, sx, sy + 1, c) + px_at(px, w, 3, sx + 1, sy + 1, c)) /
                                    4.0f;
      }
  expect_load("short-side resize then centre crop", "big.png", m, &pre, want, 12, 1e-4f);
  /* crop alone: the centre 2x2 of 8x6 starts at (3, 2) */
  pre.resize_short = 0;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 2; x++) want[(c * 2 + y) * 2 + x] = px_at(px, w, 3, 3 + x, 2 + y, c);
  expect_load("centre crop without resize", "big.png", m, &pre, want, 12, 0);
  cliq_model_destroy(m);
  /* --resize N without --crop crops to the model's size */
  pre = cliq_preprocess_default();
  pre.resize_short = 3;
  m = model4(1, 3, 3, 3);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 3; x++) {
        int sx = 2 * x, sy = 2 * y; /* resized 4x3, crop offset (0, 0) */
        want[(c * 3 + y) * 3 + x] = (px_at(px, w, 3, sx, sy, c) + px_at(px, w, 3, sx + 1, sy, c) +
                                     px_at(px, w, 3, sx, sy + 1, c) + px_at(px, w, 3, sx + 1, sy + 1, c)) /
                                    4.0f;
      }
  expect_load("short-side resize cropped to the model size", "big.png", m, &pre, want, 27, 1e-4f);
  cliq_model_destroy(m);
  free(px);
  /* 2x upscale of a 2x2 grey image: source x = (X + 0.5) / 2 - 0.5 -> 0 (clamped), 0.25, 0.75, 1 */
  unsigned char *g2 = make_image("g2.bmp", 2, 2, 1, true);
  pre = cliq_preprocess_default();
  pre.width = pre.height = 4;
  m = model4(1, 1, 4, 4);
  static const float wt[4] = {0.0f, 0.25f, 0.75f, 1.0f};
  float w16[16];
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++) {
      float top = g2[0] * (1 - wt[x]) + g2[1] * wt[x], bot = g2[2] * (1 - wt[x]) + g2[3] * wt[x];
      w16[y * 4 + x] = top * (1 - wt[y]) + bot * wt[y];
    }
  expect_load("2x bilinear upscale of a BMP", "g2.bmp", m, &pre, w16, 16, 1e-4f);
  cliq_model_destroy(m);
  free(g2);
  /* a lossy JPEG of a flat colour decodes close to it */
  unsigned char flat[16 * 16 * 3];
  for (int i = 0; i < 16 * 16; i++) flat[3 * i] = 200, flat[3 * i + 1] = 100, flat[3 * i + 2] = 30;
  TH_CHECK(stbi_write_jpg(path_of("flat.jpg"), 16, 16, 3, flat, 100), "writing flat.jpg");
  m = model4(1, 3, 16, 16);
  float *got = malloc(3 * 256 * sizeof(float)), want3[768];
  for (int i = 0; i < 768; i++) want3[i] = (float)flat[(i % 256) * 3 + i / 256];
  if (TH_OK(ctx, cliq_image_load(ctx, path_of("flat.jpg"), m, NULL, got, 768)))
    th_compare_f32("JPEG flat colour", got, want3, 768, 3.0f, 0);
  free(got);
  cliq_model_destroy(m);
}

static void expect_fail(const char *what, cliq_status got, cliq_status want, const char *needle) {
  if (!th_expect_status(ctx, got, want, what)) return;
  TH_CHECK(strstr(cliq_context_error(ctx), needle) != NULL, "%s: message '%s' should mention '%s'", what,
           cliq_context_error(ctx), needle);
}

static void test_image_errors(void) {
  float buf[64];
  FILE *f = fopen(path_of("broken.png"), "wb");
  fputs("\x89PNG\r\n\x1a\nnot really a png", f);
  fclose(f);
  cliq_model *m = model4(1, 3, 4, 5);
  expect_fail("undecodable image", cliq_image_load(ctx, path_of("broken.png"), m, NULL, buf, 60), CLIQ_STATUS_BAD_IMAGE,
              "broken.png");
  expect_fail("missing image", cliq_image_load(ctx, path_of("nothing.png"), m, NULL, buf, 60), CLIQ_STATUS_IO_ERROR,
              "nothing.png");
  expect_fail("buffer of the wrong size", cliq_image_load(ctx, path_of("rgb.png"), m, NULL, buf, 59),
              CLIQ_STATUS_INVALID_ARGUMENT, "60");
  cliq_preprocess pre = cliq_preprocess_default();
  pre.std[1] = 0;
  expect_fail("std of zero", cliq_image_load(ctx, path_of("rgb.png"), m, &pre, buf, 60), CLIQ_STATUS_INVALID_ARGUMENT,
              "std[1]");
  pre = cliq_preprocess_default();
  pre.width = 7, pre.height = 7;
  expect_fail("size that the fixed model input does not take", cliq_image_load(ctx, path_of("rgb.png"), m, &pre, buf, 49 * 3),
              CLIQ_STATUS_BAD_IMAGE, "'x'");
  cliq_model_destroy(m);
  m = model4(1, 2, 4, 5);
  expect_fail("two-channel model input", cliq_image_load(ctx, path_of("rgb.png"), m, NULL, buf, 40), CLIQ_STATUS_BAD_IMAGE,
              "'x'");
  cliq_model_destroy(m);
  int64_t dims[4] = {1, 3, -1, -1};
  const char *names[4] = {"N", NULL, "height", "width"};
  TH_OK(ctx, tg_relu_model(ctx, 4, dims, names, &m));
  expect_fail("symbolic height and width without a size", cliq_image_load(ctx, path_of("rgb.png"), m, NULL, buf, 60),
              CLIQ_STATUS_SHAPE_MISMATCH, "height");
  pre = cliq_preprocess_default();
  pre.width = 5, pre.height = 4;
  TH_OK(ctx, cliq_image_load(ctx, path_of("rgb.png"), m, &pre, buf, 60));
  pre = cliq_preprocess_default();
  pre.crop_w = 6, pre.crop_h = 2;
  expect_fail("crop wider than the image", cliq_image_load(ctx, path_of("rgb.png"), m, &pre, buf, 36),
              CLIQ_STATUS_BAD_IMAGE, "crop");
  cliq_model_destroy(m);
  int64_t d2[2] = {4, 5};
  TH_OK(ctx, tg_relu_model(ctx, 2, d2, NULL, &m));
  expect_fail("rank-2 model input", cliq_image_load(ctx, path_of("rgb.png"), m, NULL, buf, 20), CLIQ_STATUS_BAD_IMAGE,
              "rank 2");
  cliq_model_destroy(m);
}

static void test_metadata(void) {
  /* stored by the quantizer's helper, read back through an ONNX round trip */
  tg *t = tg_new(13);
  int64_t dims[4] = {1, 3, 224, 224};
  int x = tg_input(t, "x", CLIQ_DTYPE_FLOAT32, 4, dims, NULL);
  tg_output(t, tg_node(t, "Relu", "y", &x, 1));
  cliq_preprocess p = cliq_preprocess_default();
  p.resize_short = 256, p.crop_w = 224, p.crop_h = 224, p.bgr = 1, p.layout = CLIQ_LAYOUT_NCHW;
  p.mean[0] = 123.675f, p.mean[1] = 116.28f, p.mean[2] = 103.53f;
  p.std[0] = 58.395f, p.std[1] = 57.12f, p.std[2] = 57.375f;
  TH_CHECK(cliq__preprocess_store(tg_graph(t), &p), "storing preprocessing");
  cliq_model *m;
  TH_OK(ctx, tg_model_onnx(t, ctx, &m));
  cliq_preprocess q;
  TH_CHECK(cliq_preprocess_from_model(m, &q) == 1, "stored preprocessing is found");
  TH_CHECK(q.resize_short == 256 && q.crop_w == 224 && q.crop_h == 224 && q.width == 0 && q.bgr == 1 && q.gray == 0 &&
               q.layout == CLIQ_LAYOUT_NCHW,
           "sizes, flags and layout round-trip");
  TH_CHECK(memcmp(q.mean, p.mean, sizeof q.mean) == 0 && memcmp(q.std, p.std, sizeof q.std) == 0,
           "mean and std round-trip exactly (%%.9g)");
  TH_CHECK(strcmp(cliq_model_metadata(m, CLIQ_PREPROCESS_KEY_CROP), "224x224") == 0, "crop is stored as WxH");
  cliq_model_destroy(m);
  /* a malformed value means no stored preprocessing, not half of one */
  cliq__graph_set_metadata(tg_graph(t), CLIQ_PREPROCESS_KEY_MEAN, "1,2");
  TH_OK(ctx, tg_model_onnx(t, ctx, &m));
  TH_CHECK(cliq_preprocess_from_model(m, &q) == 0 && q.resize_short == 0 && q.std[0] == 1.0f,
           "malformed stored mean gives defaults");
  cliq_model_destroy(m);
  tg_free(t);
  TH_OK(ctx, tg_relu_model(ctx, 4, dims, NULL, &m));
  TH_CHECK(cliq_preprocess_from_model(m, &q) == 0, "a model without keys has no stored preprocessing");
  cliq_model_destroy(m);
  /* the text forms */
  int w, h;
  float f3[3];
  cliq_layout l;
  TH_CHECK(cliq__parse_size("320x240", &w, &h) && w == 320 && h == 240, "parse WxH");
  TH_CHECK(!cliq__parse_size("320x", &w, &h) && !cliq__parse_size("x2", &w, &h) && !cliq__parse_size("0x5", &w, &h) &&
               !cliq__parse_size("3x4x5", &w, &h),
           "reject malformed sizes");
  TH_CHECK(cliq__parse_floats3("127.5", f3) && f3[0] == 127.5f && f3[2] == 127.5f, "one mean for all channels");
  TH_CHECK(cliq__parse_floats3("1,2.5,-3", f3) && f3[1] == 2.5f && f3[2] == -3.0f, "three means");
  TH_CHECK(!cliq__parse_floats3("1,2", f3) && !cliq__parse_floats3("1,2,3,4", f3) && !cliq__parse_floats3("a", f3) &&
               !cliq__parse_floats3("1,,2", f3) && !cliq__parse_floats3("nan", f3),
           "reject malformed means");
  TH_CHECK(cliq__parse_layout("nhwc", &l) && l == CLIQ_LAYOUT_NHWC && !cliq__parse_layout("chw", &l), "layouts");
}

/* --- datasets ---------------------------------------------------------------------------------- */

static void write_file(const char *name, const char *text) {
  FILE *f = fopen(path_of(name), "w");
  fputs(text, f);
  fclose(f);
}

static void test_folder_and_imagenet(void) {
  const char *saved = dir;
  dir = th_temp_dir("ds");
  unsigned char *a = make_image("b_second.png", 3, 2, 3, false);
  unsigned char *b = make_image("a_first.bmp", 3, 2, 3, true);
  unsigned char *c = make_image("C_upper.PNG", 3, 2, 3, false);
  write_file("notes.txt", "not an image");
  char sub[700];
  snprintf(sub, sizeof sub, "%s/folder.png", dir);
  mkdir(sub, 0777); /* a folder named like an image is not one */
  cliq_model *m = model4(1, 3, 2, 3);
  cliq_dataset *ds = NULL;
  if (TH_OK(ctx, cliq_dataset_open(ctx, dir, m, NULL, &ds))) {
    TH_CHECK(cliq_dataset_count(ds) == 3, "folder has 3 images (got %zu)", cliq_dataset_count(ds));
    TH_CHECK(cliq_dataset_image_elements(ds) == 18, "18 floats per image");
    const char *order[3] = {"C_upper.PNG", "a_first.bmp", "b_second.png"}; /* byte order: upper case first */
    const unsigned char *pix[3] = {c, b, a};
    for (size_t i = 0; i < 3 && i < cliq_dataset_count(ds); i++) {
      float got[18], want[18];
      int label = 5;
      const char *name = NULL;
      if (!TH_OK(ctx, cliq_dataset_get(ds, i, got, &label, &name))) continue;
      TH_CHECK(name && strcmp(name, order[i]) == 0, "image %zu is %s (got %s)", i, order[i], name ? name : "NULL");
      TH_CHECK(label == -1, "folder images are unlabeled");
      for (int ch = 0; ch < 3; ch++)
        for (int k = 0; k < 6; k++) want[ch * 6 + k] = pix[i][k * 3 + ch];
      th_compare_f32(order[i], got, want, 18, 0, 0);
    }
    float tmp[18];
    expect_fail("index past the end", cliq_dataset_get(ds, 3, tmp, NULL, NULL), CLIQ_STATUS_INVALID_ARGUMENT, "3");
    /* calibration source: limit 2, batches of up to 8 */
    cliq_calib_source src = cliq_calib_source_dataset(ds, 2);
    TH_CHECK(src.next && src.total == 2, "calib source total 2 (got %zu)", src.total);
    float batch[8 * 18];
    float *inputs[1] = {batch};
    size_t n = 99;
    TH_OK(ctx, src.next(src.user, 1, inputs, 8, &n));
    TH_CHECK(n == 2, "first batch has the 2 images of the limit (got %zu)", n);
    float first[18];
    cliq_dataset_get(ds, 1, first, NULL, NULL);
    th_compare_f32("calib image 1 equals dataset image 1", batch + 18, first, 18, 0, 0);
    TH_OK(ctx, src.next(src.user, 1, inputs, 8, &n));
    TH_CHECK(n == 0, "then the source ends (got %zu)", n);
    src = cliq_calib_source_dataset(ds, 0);
    TH_OK(ctx, src.next(src.user, 1, inputs, 2, &n));
    TH_CHECK(n == 2 && src.total == 3, "a new source starts over, max_images respected");
    expect_fail("calib source asked for two inputs", src.next(src.user, 2, inputs, 2, &n), CLIQ_STATUS_INVALID_ARGUMENT,
                "input");
    cliq_dataset_destroy(ds);
  }
  /* imagenet:DIR with a header, a blank line and extra columns */
  write_file("labels.tsv", "file\tclass_index\tsynset\tname\nb_second.png\t7\tn0001\tseven\n\na_first.bmp\t0\tn0000\tzero, null\n");
  char spec[700];
  snprintf(spec, sizeof spec, "imagenet:%s", dir);
  if (TH_OK(ctx, cliq_dataset_open(ctx, spec, m, NULL, &ds))) {
    TH_CHECK(cliq_dataset_count(ds) == 2, "labels.tsv lists 2 images (got %zu)", cliq_dataset_count(ds));
    float got[18];
    int label = -5;
    const char *name = NULL;
    TH_OK(ctx, cliq_dataset_get(ds, 0, got, &label, &name));
    TH_CHECK(label == 7 && name && strcmp(name, "b_second.png") == 0, "first entry: b_second.png label 7 (got %d)", label);
    TH_OK(ctx, cliq_dataset_get(ds, 1, got, &label, &name));
    TH_CHECK(label == 0, "second entry label 0 (got %d)", label);
    cliq_dataset_destroy(ds);
  }
  write_file("labels.tsv", "b_second.png\t7\nmissing.jpg\t3\n");
  expect_fail("labels.tsv naming a missing file", cliq_dataset_open(ctx, spec, m, NULL, &ds), CLIQ_STATUS_IO_ERROR,
              "missing.jpg");
  TH_CHECK(ds == NULL, "failed open sets the handle to NULL");
  write_file("labels.tsv", "b_second.png\t7\na_first.bmp\tseven\n");
  expect_fail("labels.tsv with a bad class index", cliq_dataset_open(ctx, spec, m, NULL, &ds), CLIQ_STATUS_BAD_DATA, "line 2");
  write_file("labels.tsv", "file\tclass_index\n");
  expect_fail("labels.tsv listing nothing", cliq_dataset_open(ctx, spec, m, NULL, &ds), CLIQ_STATUS_BAD_DATA, "no images");
  /* an empty folder and one that does not exist */
  const char *empty = th_temp_dir("empty");
  expect_fail("empty folder", cliq_dataset_open(ctx, empty, m, NULL, &ds), CLIQ_STATUS_BAD_DATA, empty);
  th_remove_dir(empty);
  expect_fail("missing folder", cliq_dataset_open(ctx, "/nonexistent/cliq", m, NULL, &ds), CLIQ_STATUS_IO_ERROR,
              "/nonexistent/cliq");
  cliq_model_destroy(m);
  free(a);
  free(b);
  free(c);
  th_remove_dir(dir);
  dir = saved;
}

/* Writes an IDX file of unsigned bytes through zlib (gzipped). */
static void write_idx(const char *name, int ndims, const uint32_t *dims, const unsigned char *data, size_t n, size_t cut) {
  gzFile f = gzopen(path_of(name), "wb");
  unsigned char hdr[16] = {0, 0, 8, (unsigned char)ndims};
  for (int d = 0; d < ndims; d++)
    for (int k = 0; k < 4; k++) hdr[4 + 4 * d + k] = (unsigned char)(dims[d] >> (24 - 8 * k));
  gzwrite(f, hdr, 4 + 4 * (unsigned)ndims);
  gzwrite(f, data, (unsigned)(n - cut));
  gzclose(f);
}

static void test_mnist_generated(void) {
  const char *saved = dir;
  dir = th_temp_dir("mnist");
  uint32_t idims[3] = {3, 6, 5}, ldims[1] = {3};
  unsigned char pix[90], lab[3] = {4, 0, 9};
  for (int i = 0; i < 90; i++) pix[i] = (unsigned char)th_randint(0, 255);
  write_idx("images-idx3-ubyte.gz", 3, idims, pix, 90, 0);
  write_idx("labels-idx1-ubyte.gz", 1, ldims, lab, 3, 0);
  char spec[700];
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  cliq_model *m = model4(1, 1, 6, 5);
  cliq_dataset *ds;
  if (TH_OK(ctx, cliq_dataset_open(ctx, spec, m, NULL, &ds))) {
    TH_CHECK(cliq_dataset_count(ds) == 3, "3 IDX images");
    float got[30], want[30];
    int label;
    const char *name;
    TH_OK(ctx, cliq_dataset_get(ds, 2, got, &label, &name));
    for (int k = 0; k < 30; k++) want[k] = pix[60 + k];
    th_compare_f32("IDX image 2, raw 0..255", got, want, 30, 0, 0);
    TH_CHECK(label == 9 && strcmp(name, "mnist[2]") == 0, "IDX label 9, name mnist[2] (got %d %s)", label, name);
    cliq_dataset_destroy(ds);
  }
  cliq_model_destroy(m);
  /* the same digits for an RGB model of another size: replicated channels, resized */
  m = model4(1, 3, 12, 10);
  cliq_preprocess pre = cliq_preprocess_default();
  pre.mean[0] = pre.mean[1] = pre.mean[2] = 127.5f;
  if (TH_OK(ctx, cliq_dataset_open(ctx, spec, m, &pre, &ds))) {
    float got[360];
    TH_OK(ctx, cliq_dataset_get(ds, 0, got, NULL, NULL));
    TH_CHECK(got[0] == pix[0] - 127.5f && got[120] == got[0] && got[240] == got[0], "corner pixel replicated (%g)", got[0]);
    cliq_dataset_destroy(ds);
  }
  cliq_model_destroy(m);
  m = model4(1, 1, 6, 5);
  write_idx("labels-idx1-ubyte.gz", 1, ldims, lab, 3, 1);
  expect_fail("truncated labels", cliq_dataset_open(ctx, spec, m, NULL, &ds), CLIQ_STATUS_BAD_DATA, "truncated");
  uint32_t two[1] = {2};
  write_idx("labels-idx1-ubyte.gz", 1, two, lab, 2, 0);
  expect_fail("label count differs from image count", cliq_dataset_open(ctx, spec, m, NULL, &ds), CLIQ_STATUS_BAD_DATA, "labels");
  write_idx("labels-idx1-ubyte.gz", 3, idims, pix, 90, 0);
  expect_fail("labels file with 3 dims", cliq_dataset_open(ctx, spec, m, NULL, &ds), CLIQ_STATUS_BAD_DATA, "IDX");
  remove(path_of("labels-idx1-ubyte.gz"));
  expect_fail("missing labels", cliq_dataset_open(ctx, spec, m, NULL, &ds), CLIQ_STATUS_IO_ERROR, "labels-idx1-ubyte.gz");
  cliq_model_destroy(m);
  th_remove_dir(dir);
  dir = saved;
}

static void test_mnist_shared(void) {
  const char *shared = th_shared_dir();
  if (!shared) {
    printf("test_images: ../shared is absent: skipping the real MNIST files\n");
    return;
  }
  char spec[600], path[600];
  snprintf(spec, sizeof spec, "mnist:%s/data/mnist", shared);
  snprintf(path, sizeof path, "%s/data/mnist/images-idx3-ubyte.gz", shared);
  cliq_model *m = model4(1, 1, 28, 28);
  cliq_dataset *ds;
  if (!TH_OK(ctx, cliq_dataset_open(ctx, spec, m, NULL, &ds))) {
    cliq_model_destroy(m);
    return;
  }
  TH_CHECK(cliq_dataset_count(ds) == 5000, "shared MNIST has 5000 images (got %zu)", cliq_dataset_count(ds));
  /* the MNIST test set famously starts 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 */
  static const int first[10] = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
  float img[784];
  int ok = 1;
  for (int i = 0; i < 10; i++) {
    int label;
    TH_OK(ctx, cliq_dataset_get(ds, (size_t)i, img, &label, NULL));
    ok = ok && label == first[i];
  }
  TH_CHECK(ok, "first ten MNIST test labels");
  /* image 4999 against the file read here directly: 16-byte header, 784 bytes per image */
  gzFile f = gzopen(path, "rb");
  unsigned char raw[784];
  gzseek(f, 16 + 4999 * 784, SEEK_SET);
  TH_CHECK(gzread(f, raw, 784) == 784, "reading the last image directly");
  gzclose(f);
  float want[784];
  for (int k = 0; k < 784; k++) want[k] = raw[k];
  TH_OK(ctx, cliq_dataset_get(ds, 4999, img, NULL, NULL));
  th_compare_f32("MNIST image 4999, raw 0..255 floats", img, want, 784, 0, 0);
  cliq_dataset_destroy(ds);
  cliq_model_destroy(m);
}

int main(void) {
  th_init("test_images");
  ctx = th_ref_context(); /* images need no device: preprocessing runs on the host */
  dir = th_temp_dir("img");
  test_exact_nchw_nhwc_bgr();
  test_gray_and_four_channels();
  test_resize_crop();
  test_image_errors();
  test_metadata();
  test_folder_and_imagenet();
  test_mnist_generated();
  test_mnist_shared();
  th_remove_dir(dir);
  cliq_context_destroy(ctx);
  return th_finish();
}

/*
 * preprocess.h — how an image becomes model input 0 (internal side of cliq_preprocess).
 *
 * cliq__input_spec is cliq_preprocess resolved against a model: channels (1, 3, 4), output size
 * and layout fixed once, checked once (image.c and dataset.c then only convert pixels). The text
 * forms ("WxH", "a,b,c", "nchw") are parsed here once, for the model metadata (preprocess_keys.h)
 * and for the CLI flags alike.
 */
#ifndef CLIQ_IO_PREPROCESS_H
#define CLIQ_IO_PREPROCESS_H

#include "../graph.h"
#include "cliq.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct cliq__input_spec {
  char input_name[256];   /* model input 0, for messages */
  int channels;           /* 1, 3 or 4 */
  int width, height;      /* of the preprocessed image */
  cliq_layout layout;     /* NCHW or NHWC, never AUTO */
  cliq_preprocess pre;    /* as given, validated */
} cliq__input_spec;

/* Resolves pre (NULL: defaults) against model input 0. Errors: INVALID_ARGUMENT (bad option
 * values), BAD_IMAGE (the input is not an image tensor: rank, channel count; preprocessing makes
 * another size than a fixed model input takes), SHAPE_MISMATCH (the model's height/width are
 * symbolic and pre gives no size). */
cliq_status cliq__input_spec_resolve(cliq_context *ctx, const cliq_model *model, const cliq_preprocess *pre,
                                     cliq__input_spec *out);

/* Elements of one preprocessed image (C*H*W); the spec is validated so this cannot overflow. */
size_t cliq__input_spec_elements(const cliq__input_spec *spec);

/* A decoded 8-bit image: w x h pixels of comp interleaved channels (1 grey, 2 grey+alpha, 3 RGB,
 * 4 RGBA), rows top to bottom. */
typedef struct cliq__image {
  int w, h, comp;
  const uint8_t *pixels;
} cliq__image;

/* Decodes a JPEG/PNG/BMP file (image.c). Free with cliq__image_free. Errors: IO_ERROR (cannot
 * open), BAD_IMAGE (stb's reason). */
cliq_status cliq__image_decode_file(cliq_context *ctx, const char *path, cliq__image *out);
void cliq__image_free(cliq__image *img);

/* Resize (bilinear, half-pixel centres), centre crop, channel choice, mean/std and layout:
 * writes cliq__input_spec_elements(spec) floats. `what` names the image in messages. */
cliq_status cliq__image_preprocess(cliq_context *ctx, const cliq__image *img, const cliq__input_spec *spec,
                                   const char *what, float *out);

/* Text forms shared by the metadata keys and the CLI flags. Return false on malformed text. */
bool cliq__parse_size(const char *s, int *w, int *h);       /* "WxH", both in 1..65535 */
bool cliq__parse_int(const char *s, int lo, int hi, int *out);
bool cliq__parse_floats3(const char *s, float out[3]);     /* "a" (all three) or "a,b,c" */
bool cliq__parse_layout(const char *s, cliq_layout *out);  /* "auto", "nchw", "nhwc" */
const char *cliq__layout_name(cliq_layout layout);

/* Writes pre into the graph's metadata_props under the keys of preprocess_keys.h (all of them,
 * so a reader needs no defaults). False on allocation failure. */
bool cliq__preprocess_store(cliq__graph *g, const cliq_preprocess *pre);

#endif /* CLIQ_IO_PREPROCESS_H */

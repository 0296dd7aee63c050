/*
 * cmd_compare.c — `cliq compare FLOAT.onnx INT8.onnx --images SRC`: how far an int8 model's
 * outputs are from its float model's over a set of images: per output the SQNR in dB,
 * 10*log10(sum y^2 / sum (y - y_q)^2), and the cosine similarity, both accumulated over every
 * element of every image; `min_sqnr_db` is the worst output (of those --outputs names, when given:
 * a thresholded mask or a decoded index says little in SQNR). --worst N lists the N images with the
 * lowest worst-output SQNR of their own: the pooled figure is carried by the images with the
 * largest errors, often a few on which the float model leaves its calibrated ranges. --layers adds the same figures for
 * every tensor of the float model found in the int8 one (by name, or as "<name>_QuantizeLinear_Output"
 * once the QDQ lowering made it int8), to see where the error grows; tensors that cross-layer
 * equalization rescaled per channel are first brought back with the scales the quantizer recorded
 * in the model's metadata (calib/equalize.c). --sensitivity instead measures each activation
 * quantizer alone and bypassed (compare_sensitivity.c). --html writes the figures as a page with
 * charts (html_report.c). Preprocessing: the flags, else what the
 * int8 model stores, else defaults.
 */
#include "compare_sensitivity.h"
#include "html_report.h"
#include "tool_common.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct side {
  cliq_session *s;
  tool_io io;
} side;

static cliq_status side_open(tool_opts *o, cliq_context *ctx, const cliq_model *m, int keep, side *sd) {
  memset(sd, 0, sizeof *sd);
  cliq_session_options so = cliq_session_options_default();
  so.batch = 1;
  so.dims = o->dims;
  so.n_dims = o->n_dims;
  so.keep_intermediates = keep;
  cliq_status st = cliq_session_create(ctx, m, &so, &sd->s);
  if (st == CLIQ_STATUS_OK) st = tool_io_alloc(sd->s, m, &sd->io);
  return st;
}

static void side_free(side *sd) {
  tool_io_free(&sd->io);
  cliq_session_destroy(sd->s);
}

typedef struct layer {
  size_t fi, qi; /* tensor indices in the float and int8 sessions */
  const char *name;
  size_t elems;
  tool_err acc;
  /* equalized tensors (calib/equalize.c, record_chain): int8 = float * scale[c] - shift[c] on
   * channel axis 1 (channels of `inner` elements each); NULL when the tensor was not rescaled */
  float *scale, *shift;
  size_t channels, inner;
} layer;

/* Reads "cliq.equalized.<what>:<name>" from the int8 model's metadata into n floats (default
 * `fill` when the key is absent). False when the value does not hold n numbers. */
static bool read_channel_floats(const cliq_model *m, const char *what, const char *name, size_t n, float fill, float *out,
                                bool *present) {
  size_t klen = strlen(name) + 32;
  char *key = malloc(klen);
  if (!key) return false;
  snprintf(key, klen, "cliq.equalized.%s:%s", what, name);
  const char *v = cliq_model_metadata(m, key);
  free(key);
  *present = v != NULL;
  for (size_t c = 0; c < n; c++) {
    char *end = NULL;
    out[c] = v ? strtof(v, &end) : fill;
    if (v && end == v) return false;
    if (v) v = end;
  }
  return true;
}

/* Sets l's scale and shift when the int8 model records tensor qi as equalized. */
static int equalized_layer(tool_opts *o, const cliq_model *qm, const cliq_tensor_info *qi, layer *l) {
  if (qi->rank < 2 || qi->dims[1] <= 0) return TOOL_EXIT_OK;
  size_t C = (size_t)qi->dims[1];
  float *scale = malloc(C * sizeof *scale), *shift = malloc(C * sizeof *shift);
  bool has_scale = false, has_shift = false;
  if (!scale || !shift) {
    free(scale), free(shift);
    return tool_usage_error(o, "out of memory");
  }
  if (!read_channel_floats(qm, "scale", l->name, C, 1.0f, scale, &has_scale) ||
      !read_channel_floats(qm, "shift", l->name, C, 0.0f, shift, &has_shift)) {
    free(scale), free(shift);
    return tool_usage_error(o, "the int8 model's metadata 'cliq.equalized.*:%s' does not hold %zu numbers (one per channel)",
                            l->name, C);
  }
  if (!has_scale && !has_shift) {
    free(scale), free(shift);
    return TOOL_EXIT_OK;
  }
  l->scale = scale, l->shift = shift, l->channels = C;
  l->inner = 1;
  for (size_t d = 2; d < qi->rank; d++) l->inner *= (size_t)qi->dims[d];
  return TOOL_EXIT_OK;
}

/* Brings the int8 model's value of an equalized tensor back to the float model's scale. */
static void unequalize(const layer *l, float *q) {
  if (!l->scale) return;
  for (size_t i = 0; i < l->elems; i++) {
    size_t c = (i / l->inner) % l->channels;
    q[i] = (q[i] + l->shift[c]) / l->scale[c];
  }
}

/* The int8 session's tensor standing for float tensor `name`: the same name, or, once the QDQ
 * lowering made it an int8 tensor, the QuantizeLinear output the quantizer named after it (read
 * back dequantized). SIZE_MAX when none. */
static size_t find_twin(const cliq_session *s, size_t n, const char *name) {
  static const char *const suffix[] = {"", "_QuantizeLinear_Output", "_DequantizeLinear_Output"};
  size_t len = strlen(name);
  for (size_t k = 0; k < 3; k++)
    for (size_t j = 0; j < n; j++) {
      cliq_tensor_info t;
      cliq_session_tensor(s, j, &t);
      if (strncmp(t.name, name, len) == 0 && strcmp(t.name + len, suffix[k]) == 0) return j;
    }
  return SIZE_MAX;
}

static void print_num(double v) {
  if (isinf(v))
    printf("%10s", "inf");
  else if (isnan(v))
    printf("%10s", "-");
  else
    printf("%10.2f", v);
}

/* --html: per output and (with --layers) per tensor SQNR as charts. */
static int write_html(tool_opts *o, const char *path, const char *fpath, const char *qpath, const char *images, size_t first,
                      size_t count, const tool_io *io, const tool_err *outs, const layer *lay, size_t n_lay, double goal) {
  FILE *f = html_begin(path, "cliq compare");
  if (!f) return tool_usage_error(o, "cannot write '%s'", path);
  size_t n = io->n_out > n_lay ? io->n_out : n_lay;
  const char **names = calloc(n + 1, sizeof *names);
  double *v = calloc(n + 1, sizeof *v);
  if (!names || !v) {
    free(names), free(v);
    html_end(f);
    return tool_usage_error(o, "out of memory");
  }
  html_para(f, "%s (int8) against %s (float) on %zu images of %s from #%zu. SQNR = 10 log10(sum y^2 / sum (y - y_int8)^2), in dB; "
               "the dashed line is %.1f dB.", qpath, fpath, count, images, first, goal);
  html_heading(f, "Outputs");
  for (size_t k = 0; k < io->n_out; k++) names[k] = io->out_info[k].name, v[k] = tool_err_sqnr(&outs[k]);
  html_bars(f, "SQNR per output", names, v, "SQNR dB", NULL, NULL, io->n_out, goal);
  if (n_lay) {
    html_heading(f, "Layers, in graph order");
    for (size_t l = 0; l < n_lay; l++) names[l] = lay[l].name, v[l] = tool_err_sqnr(&lay[l].acc);
    html_bars(f, "SQNR per tensor present in both models", names, v, "SQNR dB", NULL, NULL, n_lay, goal);
  }
  free(names), free(v);
  return html_end(f) ? TOOL_EXIT_OK : tool_usage_error(o, "writing '%s' failed", path);
}

/* --worst: one image's own worst judged-output SQNR */
typedef struct image_sqnr {
  size_t index;
  char file[160];
  double sqnr_db;
} image_sqnr;

/* err: the image's sums per output (n_out) */
static void image_record(image_sqnr *r, size_t index, const char *file, const tool_err *err, size_t n_out,
                         const unsigned char *judged) {
  r->index = index;
  snprintf(r->file, sizeof r->file, "%s", file ? file : "");
  r->sqnr_db = tool_err_worst(err, n_out, judged);
}

static int by_sqnr(const void *a, const void *b) {
  const image_sqnr *x = a, *y = b;
  if (x->sqnr_db != y->sqnr_db) return (x->sqnr_db > y->sqnr_db) - (x->sqnr_db < y->sqnr_db);
  return (x->index > y->index) - (x->index < y->index); /* ties (e.g. two exact images) in order */
}

/* Per output: judged (1) or not, from the --outputs names (none given: all). A name that is not an
 * output is a usage error listing them. */
static int judged_outputs(tool_opts *o, const tool_io *io, const tool_names *names, unsigned char **out) {
  unsigned char *j = calloc(io->n_out + 1, 1);
  if (!j) return tool_usage_error(o, "out of memory");
  *out = j;
  for (size_t k = 0; k < io->n_out; k++) j[k] = names->n == 0;
  for (size_t t = 0; t < names->n; t++) {
    size_t k = 0;
    while (k < io->n_out && strcmp(io->out_info[k].name, names->v[t]) != 0) k++;
    if (k == io->n_out) {
      char list[512] = "";
      for (size_t m = 0; m < io->n_out && strlen(list) + strlen(io->out_info[m].name) + 5 < sizeof list; m++) {
        if (m) strcat(list, ", ");
        strcat(list, "'");
        strcat(list, io->out_info[m].name);
        strcat(list, "'");
      }
      return tool_usage_error(o, "--outputs '%s' is not an output of the models (outputs: %s)", names->v[t], list);
    }
    j[k] = 1;
  }
  return TOOL_EXIT_OK;
}

int cliq_cmd_compare(int argc, char **argv) {
  tool_opts o;
  tool_opts_init(&o, "compare", TOOL_OPT_DEVICE | TOOL_OPT_JSON | TOOL_OPT_DIMS | TOOL_OPT_PRE);
  const char *fpath = NULL, *qpath = NULL, *images = NULL, *html = NULL, *v;
  long limit = 0, skip = 0;
  int layers = 0, sensitivity = 0;
  double min_sqnr = -INFINITY;
  tool_names judge = {0};
  unsigned char *judged = NULL;
  long worst_n = 0;
  image_sqnr *per_image = NULL;
  tool_err *img_err = NULL; /* one image's sums per output */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: cliq compare FLOAT.onnx INT8.onnx --images SRC [--skip N] [--limit N] [--layers] [--min-sqnr DB]\n"
             "                    [--outputs NAME[,NAME...]] [--worst N] [--html FILE]\n"
             "       cliq compare FLOAT.onnx INT8.onnx --images SRC --sensitivity [--skip N] [--limit N]\n"
             "                    [--outputs NAME[,NAME...]] [--html FILE] [preprocessing] [options]\n\n"
             "Runs both models on the images of SRC (a folder, imagenet:DIR or mnist:DIR) and prints, per output,\n"
             "the SQNR in dB (10*log10(sum y^2 / sum (y - y_int8)^2) over all images) and the cosine similarity.\n"
             "  --skip N         start after the first N images (e.g. the ones used for calibration)\n"
             "  --limit N        compare on N images (default: all the rest)\n"
             "  --layers         also per tensor present in both models under the same name, in graph order\n"
             "                   (tensors rescaled by equalization are scaled back first)\n"
             "  --min-sqnr DB    exit 1 when an output's SQNR is below DB\n"
             "  --outputs NAMES  judge these outputs only (comma-separated): the min SQNR, --min-sqnr and the\n"
             "                   sensitivity figures leave the others out (all are still printed)\n"
             "  --worst N        also the N images with the lowest SQNR of their own (worst judged output)\n"
             "  --html FILE      also write the figures as a page with charts (the goal line: --min-sqnr, else 30)\n"
             "  --sensitivity    instead: per activation quantizer of INT8, the worst output SQNR with only it\n"
             "                   enabled and with only it bypassed, beside every one and none (int8 weights\n"
             "                   only); 2 + 2 x quantizers runs over the images, so use few (e.g. --limit 8)\n"
             "JSON: {\"images\":..,\"outputs\":[{\"name\":..,\"sqnr_db\":..,\"cosine\":..[,\"judged\":..]}],\"min_sqnr_db\":..[,\"layers\":[..]]\n"
             "       [,\"worst_images\":[{\"index\":..,\"file\":..,\"sqnr_db\":..}]]}\n"
             "  --sensitivity: {\"images\":..,\"outputs\":[names],\"all_db\":..,\"weights_only_db\":..,\"quantizers\":[{\"tensor\":..,\n"
             "                 \"only_db\":..,\"without_db\":..}]}, each figure also per output (\"*_outputs_db\": [..])\n\n");
      tool_print_common_help(stdout, o.accepts);
      return TOOL_EXIT_OK;
    }
    int r = tool_parse_common(&o, argc, argv, &i);
    if (r < 0) return TOOL_EXIT_USAGE;
    if (r == 1) continue;
    if (tool_is_opt(argv[i], "--images")) {
      if (!(images = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--limit")) {
      if (!tool_count_value(&o, argc, argv, &i, "--limit", 1, 1L << 30, &limit)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--skip")) {
      if (!tool_count_value(&o, argc, argv, &i, "--skip", 0, 1L << 30, &skip)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--min-sqnr")) {
      char *end;
      if (!(v = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
      min_sqnr = strtod(v, &end);
      if (end == v || *end) return tool_usage_error(&o, "--min-sqnr '%s' is not a number of dB", v);
    } else if (tool_is_opt(argv[i], "--outputs")) {
      if (!(v = tool_value(&o, argc, argv, &i)) || tool_names_add(&o, "--outputs", v, &judge) != TOOL_EXIT_OK) {
        tool_names_free(&judge);
        return TOOL_EXIT_USAGE;
      }
    } else if (tool_is_opt(argv[i], "--worst")) {
      if (!tool_count_value(&o, argc, argv, &i, "--worst", 1, 1L << 20, &worst_n)) {
        tool_names_free(&judge);
        return TOOL_EXIT_USAGE;
      }
    } else if (strcmp(argv[i], "--layers") == 0) {
      layers = 1;
    } else if (tool_is_opt(argv[i], "--html")) {
      if (!(html = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (strcmp(argv[i], "--sensitivity") == 0) {
      sensitivity = 1;
    } else if (argv[i][0] == '-') {
      return tool_usage_error(&o, "unknown option '%s'", argv[i]);
    } else if (!fpath) {
      fpath = argv[i];
    } else if (!qpath) {
      qpath = argv[i];
    } else {
      return tool_usage_error(&o, "two models: FLOAT.onnx INT8.onnx ('%s' is a third)", argv[i]);
    }
  }
  int rc = TOOL_EXIT_OK;
  cliq_context *ctx = NULL;
  cliq_model *fm = NULL, *qm = NULL;
  cliq_dataset *ds = NULL;
  side fs = {0}, qs = {0};
  tool_err *outs = NULL;
  layer *lay = NULL;
  size_t n_lay = 0;
  float *bf = NULL, *bq = NULL;
  cliq_status st;
  if (!fpath || !qpath) {
    rc = tool_usage_error(&o, "missing FLOAT.onnx and INT8.onnx");
    goto done;
  }
  if (!images) {
    rc = tool_usage_error(&o, "missing --images SRC (a folder, imagenet:DIR or mnist:DIR)");
    goto done;
  }
  if (sensitivity && (layers || min_sqnr != -INFINITY || worst_n)) {
    rc = tool_usage_error(&o, "--sensitivity is a report of its own: without --layers, --min-sqnr and --worst");
    goto done;
  }
  if (tool_context(&o, NULL, 0, &ctx) != CLIQ_STATUS_OK) {
    rc = TOOL_EXIT_USAGE;
    goto done;
  }
  if (tool_model(&o, ctx, fpath, &fm) != CLIQ_STATUS_OK || tool_model(&o, ctx, qpath, &qm) != CLIQ_STATUS_OK) {
    rc = TOOL_EXIT_USAGE;
    goto done;
  }
  const char *pre_src;
  cliq_preprocess pre = tool_preprocess(&o, qm, &pre_src);
  if ((st = tool_bind_image_dims(&o, ctx, fm, &pre)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(&o, ctx, st, "preprocessing for '%s'", fpath);
    goto done;
  }
  if ((st = cliq_dataset_open(ctx, images, fm, &pre, &ds)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(&o, ctx, st, "cannot open images '%s'", images);
    goto done;
  }
  if ((st = side_open(&o, ctx, fm, layers, &fs)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(&o, ctx, st, "cannot plan '%s'", fpath);
    goto done;
  }
  if ((st = side_open(&o, ctx, qm, layers, &qs)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(&o, ctx, st, "cannot plan '%s'", qpath);
    goto done;
  }
  if (fs.io.n_in != 1 || qs.io.n_in != 1 || fs.io.in[0].size != qs.io.in[0].size || fs.io.n_out != qs.io.n_out) {
    rc = tool_usage_error(&o, "'%s' and '%s' do not have the same single image input and outputs", fpath, qpath);
    goto done;
  }
  for (size_t k = 0; k < fs.io.n_out; k++)
    if (fs.io.out[k].size != qs.io.out[k].size || fs.io.out_info[k].dtype != CLIQ_DTYPE_FLOAT32 ||
        qs.io.out_info[k].dtype != CLIQ_DTYPE_FLOAT32) {
      rc = tool_usage_error(&o, "output %zu ('%s') differs in size or is not float32 in the two models", k, fs.io.out_info[k].name);
      goto done;
    }
  size_t elems = cliq_dataset_image_elements(ds);
  if (elems * sizeof(float) != fs.io.in[0].size) {
    rc = tool_usage_error(&o, "the images make %zu floats but '%s' takes %zu", elems, fpath, fs.io.in[0].size / sizeof(float));
    goto done;
  }
  outs = calloc(fs.io.n_out + 1, sizeof *outs);
  if ((rc = judged_outputs(&o, &fs.io, &judge, &judged)) != TOOL_EXIT_OK) goto done;
  if (layers) {
    size_t nf = cliq_session_tensor_count(fs.s), nq = cliq_session_tensor_count(qs.s), maxe = 1;
    lay = calloc(nf + 1, sizeof *lay);
    for (size_t i = 0; lay && i < nf; i++) {
      cliq_tensor_info fi, qi;
      cliq_session_tensor(fs.s, i, &fi);
      if (fi.dtype != CLIQ_DTYPE_FLOAT32) continue;
      size_t j = find_twin(qs.s, nq, fi.name);
      if (j == SIZE_MAX) continue;
      cliq_session_tensor(qs.s, j, &qi);
      if (tool_elems(&fi) != tool_elems(&qi)) continue;
      lay[n_lay] = (layer){i, j, fi.name, tool_elems(&fi), {0}, NULL, NULL, 0, 0};
      if (lay[n_lay].elems > maxe) maxe = lay[n_lay].elems;
      n_lay++;
      if ((rc = equalized_layer(&o, qm, &qi, &lay[n_lay - 1])) != TOOL_EXIT_OK) goto done;
    }
    bf = malloc(maxe * sizeof *bf);
    bq = malloc(maxe * sizeof *bq);
  }
  if (!outs || (layers && (!lay || !bf || !bq))) {
    rc = tool_usage_error(&o, "out of memory");
    goto done;
  }
  size_t first, count;
  if (!tool_dataset_window(&o, "--skip", cliq_dataset_count(ds), skip, limit, images, &first, &count)) {
    rc = TOOL_EXIT_USAGE;
    goto done;
  }
  if (sensitivity) {
    rc = tool_compare_sensitivity(&o, ctx, fpath, qpath, fm, qm, ds, images, first, count, judge.n ? judged : NULL, html);
    goto done;
  }
  if (worst_n && (!(per_image = calloc(count, sizeof *per_image)) || !(img_err = calloc(fs.io.n_out + 1, sizeof *img_err)))) {
    rc = tool_usage_error(&o, "out of memory");
    goto done;
  }
  double t0 = tool_now();
  for (size_t im = first; im < first + count && rc == TOOL_EXIT_OK; im++) {
    int label;
    const char *file = NULL;
    if ((st = cliq_dataset_get(ds, im, fs.io.in[0].data, &label, &file)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(&o, ctx, st, "image %zu of '%s'", im, images);
      break;
    }
    memcpy(qs.io.in[0].data, fs.io.in[0].data, fs.io.in[0].size);
    if ((st = cliq_session_run(fs.s, 1, fs.io.in, fs.io.n_out, fs.io.out)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(&o, ctx, st, "running '%s'", fpath);
      break;
    }
    if ((st = cliq_session_run(qs.s, 1, qs.io.in, qs.io.n_out, qs.io.out)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(&o, ctx, st, "running '%s'", qpath);
      break;
    }
    for (size_t k = 0; k < fs.io.n_out; k++) {
      tool_err e = {0};
      tool_err_add(&e, fs.io.out[k].data, qs.io.out[k].data, fs.io.out[k].size / sizeof(float));
      tool_err_merge(&outs[k], &e);
      if (img_err) img_err[k] = e;
    }
    if (per_image) image_record(&per_image[im - first], im, file, img_err, fs.io.n_out, judged);
    for (size_t l = 0; l < n_lay; l++) {
      if ((st = cliq_session_read_tensor(fs.s, lay[l].fi, bf, lay[l].elems)) != CLIQ_STATUS_OK ||
          (st = cliq_session_read_tensor(qs.s, lay[l].qi, bq, lay[l].elems)) != CLIQ_STATUS_OK) {
        rc = tool_lib_error(&o, ctx, st, "reading tensor '%s'", lay[l].name);
        break;
      }
      unequalize(&lay[l], bq);
      tool_err_add(&lay[l].acc, bf, bq, lay[l].elems);
    }
  }
  double secs = tool_now() - t0;
  if (rc != TOOL_EXIT_OK) goto done;
  if (per_image) qsort(per_image, count, sizeof *per_image, by_sqnr);
  double worst = tool_err_worst(outs, fs.io.n_out, judged);
  if (o.json) {
    printf("{\"float\":");
    tool_json_str(stdout, fpath);
    printf(",\"int8\":");
    tool_json_str(stdout, qpath);
    printf(",\"images\":%zu,\"skip\":%zu,\"seconds\":%.6g,\"outputs\":[", count, first, secs);
    for (size_t k = 0; k < fs.io.n_out; k++) {
      printf("%s{\"name\":", k ? "," : "");
      tool_json_str(stdout, fs.io.out_info[k].name);
      printf(",\"sqnr_db\":");
      tool_json_num(stdout, tool_err_sqnr(&outs[k]));
      printf(",\"cosine\":");
      tool_json_num(stdout, tool_err_cosine(&outs[k]));
      if (judge.n) printf(",\"judged\":%s", judged[k] ? "true" : "false");
      printf("}");
    }
    printf("],\"min_sqnr_db\":");
    tool_json_num(stdout, worst);
    if (per_image) {
      printf(",\"worst_images\":[");
      for (size_t i = 0; i < count && i < (size_t)worst_n; i++) {
        printf("%s{\"index\":%zu,\"file\":", i ? "," : "", per_image[i].index);
        tool_json_str(stdout, per_image[i].file);
        printf(",\"sqnr_db\":");
        tool_json_num(stdout, per_image[i].sqnr_db);
        printf("}");
      }
      printf("]");
    }
    if (layers) {
      printf(",\"layers\":[");
      for (size_t l = 0; l < n_lay; l++) {
        printf("%s{\"name\":", l ? "," : "");
        tool_json_str(stdout, lay[l].name);
        printf(",\"sqnr_db\":");
        tool_json_num(stdout, tool_err_sqnr(&lay[l].acc));
        printf(",\"cosine\":");
        tool_json_num(stdout, tool_err_cosine(&lay[l].acc));
        printf("}");
      }
      printf("]");
    }
    printf("}\n");
  } else {
    printf("%s vs %s on %zu images of %s from #%zu (preprocessing %s), %.1f s\n", qpath, fpath, count, images, first, pre_src,
           secs);
    printf("  %-40s %10s %10s\n", "output", "SQNR dB", "cosine");
    for (size_t k = 0; k < fs.io.n_out; k++) {
      printf("  %-40s ", fs.io.out_info[k].name);
      print_num(tool_err_sqnr(&outs[k]));
      printf(" %10.6f%s\n", tool_err_cosine(&outs[k]), judged[k] ? "" : "  (not judged)");
    }
    printf("  min SQNR %.2f dB%s\n", worst, judge.n ? " (judged outputs)" : "");
    if (per_image) {
      printf("\n  %-8s %10s   %s\n", "image", "SQNR dB", "file (worst first; the image's worst judged output)");
      for (size_t i = 0; i < count && i < (size_t)worst_n; i++) {
        printf("  %-8zu ", per_image[i].index);
        print_num(per_image[i].sqnr_db);
        printf("   %s\n", per_image[i].file);
      }
    }
    if (layers) {
      printf("\n  %-40s %10s %10s\n", "tensor (graph order)", "SQNR dB", "cosine");
      for (size_t l = 0; l < n_lay; l++) {
        printf("  %-40s ", lay[l].name);
        print_num(tool_err_sqnr(&lay[l].acc));
        printf(" %10.6f\n", tool_err_cosine(&lay[l].acc));
      }
    }
  }
  if (html && (rc = write_html(&o, html, fpath, qpath, images, first, count, &fs.io, outs, lay, n_lay,
                               isfinite(min_sqnr) ? min_sqnr : 30.0)) != TOOL_EXIT_OK)
    goto done;
  if (worst < min_sqnr) {
    fprintf(stderr, "cliq compare: min SQNR %.2f dB is below --min-sqnr %.2f\n", worst, min_sqnr);
    rc = TOOL_EXIT_CHECK;
  }
done:
  free(bf);
  free(bq);
  for (size_t l = 0; l < n_lay; l++) free(lay[l].scale), free(lay[l].shift);
  free(lay);
  free(outs);
  free(judged);
  tool_names_free(&judge);
  free(per_image);
  free(img_err);
  side_free(&qs);
  side_free(&fs);
  cliq_dataset_destroy(ds);
  cliq_model_destroy(qm);
  cliq_model_destroy(fm);
  cliq_context_destroy(ctx);
  return rc;
}

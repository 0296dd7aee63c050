/*
 * cmd_quantize.c — `cliq quantize MODEL --calib SRC -o OUT.onnx`: calibrates a float model on
 * images (a folder, imagenet:DIR or mnist:DIR) and writes the int8 model in QDQ form, with the
 * preprocessing stored in its metadata so run/eval/compare reuse it. Progress: a bar with
 * images/s and ETA when stderr is a terminal, plain lines otherwise; at the end calibration time
 * and peak memory. The work is cliq_quantize (calib/ptq.c); this file is options and output.
 */
#include "tool_common.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct progress {
  double t0, last;   /* first batch done (rates exclude planning and kernel builds before it) */
  size_t done0;
  int tty;
  size_t last_line;
} progress;

static int on_progress(void *user, size_t done, size_t total) {
  progress *p = user;
  double now = tool_now();
  if (p->t0 == 0.0) p->t0 = now, p->done0 = done;
  double dt = now - p->t0;
  double rate = dt > 0 ? (double)(done - p->done0) / dt : 0.0;
  if (p->tty) {
    /* redraw at most 10 times a second, and at the end */
    if (now - p->last < 0.1 && done != total) return 0;
    p->last = now;
    enum { W = 30 };
    char bar[W + 1];
    size_t fill = total ? (size_t)((double)W * (double)done / (double)total) : 0;
    for (size_t i = 0; i < W; i++) bar[i] = i < fill ? '#' : '.';
    bar[W] = '\0';
    if (total) {
      double eta = rate > 0 ? (double)(total - done) / rate : 0.0;
      fprintf(stderr, "\rcalibrating [%s] %zu/%zu images  %.1f img/s  ETA %.0f s   ", bar, done, total, rate, eta);
    } else {
      fprintf(stderr, "\rcalibrating %zu images  %.1f img/s   ", done, rate);
    }
    if (total && done >= total) fprintf(stderr, "\n");
  } else if (done - p->last_line >= 64 || (total && done >= total)) {
    p->last_line = done;
    /* the rate leaves out the first batch (planning, kernel builds): say so, or the summary's
     * overall rate below looks contradictory */
    fprintf(stderr, "calibrated %zu/%zu images (%.1f img/s after the first batch)\n", done, total, rate);
  }
  return 0;
}

/* "minmax", "entropy", "mse", "auto", "percentile" or "percentile:P". */
static int parse_method(tool_opts *o, const char *v, cliq_quantize_options *q) {
  if (strcmp(v, "minmax") == 0) q->method = CLIQ_CALIB_MINMAX;
  else if (strcmp(v, "entropy") == 0) q->method = CLIQ_CALIB_ENTROPY;
  else if (strcmp(v, "mse") == 0) q->method = CLIQ_CALIB_MSE;
  else if (strcmp(v, "auto") == 0) q->method = CLIQ_CALIB_AUTO;
  else if (strncmp(v, "percentile", 10) == 0 && (v[10] == '\0' || v[10] == ':')) {
    q->method = CLIQ_CALIB_PERCENTILE;
    if (v[10] == ':') {
      char *end;
      double p = strtod(v + 11, &end);
      if (end == v + 11 || *end || !(p > 90.0 && p <= 100.0))
        return tool_usage_error(o, "--method %s: the percentile must be a number in (90, 100], e.g. percentile:99.99", v);
      q->percentile = p;
    }
  } else {
    return tool_usage_error(o, "--method '%s': one of minmax, percentile[:P], entropy, mse, auto", v);
  }
  return TOOL_EXIT_OK;
}

static const char *method_text(const cliq_quantize_options *q, char *buf, size_t n) {
  static const char *const names[] = {"minmax", "percentile", "entropy", "mse", "auto"};
  if (q->method == CLIQ_CALIB_PERCENTILE)
    snprintf(buf, n, "percentile:%.9g", q->percentile);
  else
    snprintf(buf, n, "%s", names[q->method]);
  return buf;
}

/* The command line beyond the options struct: file names, counts, the --float-layers and
 * --target-outputs names (args_free frees them). */
typedef struct args {
  const char *model, *calib, *out, *target;
  long limit, batch, target_skip, target_limit;
  tool_names float_names, target_outputs;
} args;

static void args_free(args *a) {
  tool_names_free(&a->float_names);
  tool_names_free(&a->target_outputs);
}

/* Parses argv into o, q and a; -1 after printing the help (exit 0), else a TOOL_EXIT_* code. */
static int parse_args(tool_opts *o, cliq_quantize_options *q, int argc, char **argv, args *a) {
  const char *model = NULL, *calib = NULL, *out = NULL, *v;
  long limit = 0, batch = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: cliq quantize MODEL.onnx --calib SRC -o OUT.onnx [--limit N] [--batch B]\n"
             "                     [--method minmax|percentile[:P]|entropy|mse|auto] [--per-tensor]\n"
             "                     [--asymmetric-weights] [--symmetric-activations] [--no-equalize]\n"
             "                     [--no-bias-correction] [--no-weight-rounding] [--bias-absorption]\n"
             "                     [--float-layers NAME[,NAME...]] [--target-sqnr DB [--max-float N]\n"
             "                     [--target-images SRC [--target-skip N] [--target-limit N]]\n"
             "                     [--target-outputs NAME[,NAME...]] [--target-drop-worst N]]\n"
             "                     [preprocessing] [options]\n\n"
             "Calibrates MODEL on the images of SRC (a folder of .jpg/.png/.bmp, imagenet:DIR or mnist:DIR)\n"
             "and writes the int8 model in QDQ form (standard ONNX: QuantizeLinear/DequantizeLinear, per-channel\n"
             "int8 weights, int32 biases), with the preprocessing stored in its metadata.\n"
             "  --limit N                 calibrate on the first N images (default: all)\n"
             "  --batch B                 images per calibration run (default 8)\n"
             "  --method M                activation ranges: minmax, percentile[:P] (P in (90,100], default\n"
             "                            99.99), entropy (TensorRT KL), mse (default), auto (per tensor, the\n"
             "                            candidate with the least error in its consumers' outputs)\n"
             "  --per-tensor              one weight scale per tensor (default: per output channel)\n"
             "  --asymmetric-weights      weights with zero points in [-128,127] (default: symmetric [-127,127])\n"
             "  --symmetric-activations   activations with zero point 0 (default: asymmetric)\n"
             "  --no-equalize             no cross-layer equalization (default: on; on the shared models up to\n"
             "                            +14 dB worst-output SQNR, super_resolution-10)\n"
             "  --no-bias-correction      no bias correction of the int8 biases (default: on; up to +5.8 dB,\n"
             "                            super_resolution-10, mlsd_320_tiny)\n"
             "  --no-weight-rounding      round weights to nearest instead of for the layer's output error\n"
             "                            (GPTQ; default: on; up to +1.6 dB, mnist-8)\n"
             "  --bias-absorption         high-bias absorption after equalization (default: off; it cost\n"
             "                            2.3 dB on ppocr_cls_mobile_v2 with minmax)\n"
             "  --float-layers NAMES      keep these nodes in float (node names or the tensors they produce,\n"
             "                            comma-separated, repeatable; a Conv's fused activation goes with it):\n"
             "                            the layers `cliq compare --layers` shows losing the most\n"
             "  --target-sqnr DB          automatic mixed precision: while the worst output SQNR on the first 16\n"
             "                            calibration images is below DB, keep activations in float, the one\n"
             "                            whose bypass gains most first (two runs of the images per activation)\n"
             "  --max-float N             at most N activations in float for --target-sqnr (default: no limit)\n"
             "  --target-images SRC       judge --target-sqnr on these images instead (a validation set the\n"
             "                            calibration did not see, same forms as --calib), from --target-skip N\n"
             "                            on, at most --target-limit N (default: all; each costs two runs per\n"
             "                            activation and stays in memory during the search)\n"
             "  --target-outputs NAMES    judge --target-sqnr on these outputs only (comma-separated; default:\n"
             "                            every float output), e.g. to leave out a thresholded mask\n"
             "  --target-drop-worst N     leave out of the judging the N images with the lowest SQNR of their\n"
             "                            own (`cliq compare --worst`): images outside the calibrated ranges\n"
             "  -o, --output OUT.onnx     where to write the int8 model\n"
             "JSON: {\"images\":..,\"seconds\":..,\"images_per_second\":..,\"peak_rss_mb\":..,\"quantized_ops\":..,"
             "\"float_ops\":..[,\"float_activations\":..,\"sqnr_before_db\":..,\"sqnr_after_db\":..,\"target_images\":..]}\n\n");
      tool_print_common_help(stdout, o->accepts);
      return -1;
    }
    int r = tool_parse_common(o, argc, argv, &i);
    if (r < 0) return TOOL_EXIT_USAGE;
    if (r == 1) continue;
    if (tool_is_opt(argv[i], "--calib")) {
      if (!(calib = tool_value(o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--output") || strcmp(argv[i], "-o") == 0) {
      if (strcmp(argv[i], "-o") == 0) {
        if (i + 1 >= argc) return tool_usage_error(o, "-o needs a file name");
        out = argv[++i];
      } else if (!(out = tool_value(o, argc, argv, &i))) {
        return TOOL_EXIT_USAGE;
      }
    } else if (tool_is_opt(argv[i], "--limit")) {
      if (!tool_count_value(o, argc, argv, &i, "--limit", 1, 1L << 30, &limit)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--batch")) {
      if (!tool_count_value(o, argc, argv, &i, "--batch", 1, 1024, &batch)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--method")) {
      if (!(v = tool_value(o, argc, argv, &i)) || parse_method(o, v, q) != TOOL_EXIT_OK) return TOOL_EXIT_USAGE;
    } else if (strcmp(argv[i], "--per-tensor") == 0) {
      q->weights_per_tensor = 1;
    } else if (strcmp(argv[i], "--asymmetric-weights") == 0) {
      q->weights_asymmetric = 1;
    } else if (strcmp(argv[i], "--symmetric-activations") == 0) {
      q->activations_symmetric = 1;
    } else if (strcmp(argv[i], "--no-equalize") == 0) {
      q->no_equalize = 1;
    } else if (strcmp(argv[i], "--no-bias-correction") == 0) {
      q->no_bias_correction = 1;
    } else if (strcmp(argv[i], "--bias-absorption") == 0) {
      q->bias_absorption = 1;
    } else if (strcmp(argv[i], "--no-weight-rounding") == 0) {
      q->no_weight_rounding = 1;
    } else if (tool_is_opt(argv[i], "--target-sqnr")) {
      char *end;
      if (!(v = tool_value(o, argc, argv, &i))) return TOOL_EXIT_USAGE;
      q->target_sqnr_db = strtod(v, &end);
      if (end == v || *end || !(q->target_sqnr_db > 0) || q->target_sqnr_db > 200)
        return tool_usage_error(o, "--target-sqnr '%s' is not a number of dB in (0, 200]", v);
    } else if (tool_is_opt(argv[i], "--max-float")) {
      long n;
      if (!tool_count_value(o, argc, argv, &i, "--max-float", 1, 1L << 30, &n)) return TOOL_EXIT_USAGE;
      q->max_float_activations = (size_t)n;
    } else if (tool_is_opt(argv[i], "--target-images")) {
      if (!(a->target = tool_value(o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--target-skip")) {
      if (!tool_count_value(o, argc, argv, &i, "--target-skip", 0, 1L << 30, &a->target_skip)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--target-limit")) {
      if (!tool_count_value(o, argc, argv, &i, "--target-limit", 1, 1L << 30, &a->target_limit)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--target-drop-worst")) {
      long n;
      if (!tool_count_value(o, argc, argv, &i, "--target-drop-worst", 1, 1L << 30, &n)) return TOOL_EXIT_USAGE;
      q->target_drop_worst = (size_t)n;
    } else if (tool_is_opt(argv[i], "--target-outputs")) {
      if (!(v = tool_value(o, argc, argv, &i))) return TOOL_EXIT_USAGE;
      if (tool_names_add(o, "--target-outputs", v, &a->target_outputs) != TOOL_EXIT_OK) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--float-layers")) {
      if (!(v = tool_value(o, argc, argv, &i))) return TOOL_EXIT_USAGE;
      if (tool_names_add(o, "--float-layers", v, &a->float_names) != TOOL_EXIT_OK) return TOOL_EXIT_USAGE;
    } else if (tool_model_arg(o, argv[i], &model) != TOOL_EXIT_OK) {
      return TOOL_EXIT_USAGE;
    }
  }
  a->model = model, a->calib = calib, a->out = out, a->limit = limit, a->batch = batch;
  return TOOL_EXIT_OK;
}

/* After parsing: calibrate, quantize, save, report. */
static int quantize(tool_opts *o, cliq_quantize_options *q, const args *a) {
  const char *model = a->model, *calib = a->calib, *out = a->out;
  long limit = a->limit, batch = a->batch;
  q->float_nodes = (const char *const *)a->float_names.v;
  q->n_float_nodes = a->float_names.n;
  q->target_outputs = (const char *const *)a->target_outputs.v;
  q->n_target_outputs = a->target_outputs.n;
  if (!model) return tool_usage_error(o, "missing MODEL");
  if ((a->target || a->target_skip || a->target_limit || a->target_outputs.n || q->target_drop_worst) && !(q->target_sqnr_db > 0))
    return tool_usage_error(o, "--target-images, --target-skip, --target-limit, --target-outputs and --target-drop-worst go "
                               "with --target-sqnr DB");
  if ((a->target_skip || a->target_limit) && !a->target)
    return tool_usage_error(o, "--target-skip and --target-limit choose images of --target-images SRC");
  if (!calib) return tool_usage_error(o, "missing --calib SRC (a folder of images, imagenet:DIR or mnist:DIR)");
  if (!out) return tool_usage_error(o, "missing -o OUT.onnx");

  int rc = TOOL_EXIT_OK;
  cliq_context *ctx = NULL;
  cliq_model *m = NULL, *qm = NULL;
  cliq_dataset *ds = NULL, *tds = NULL;
  cliq_status st;
  if (tool_context(o, NULL, 0, &ctx) != CLIQ_STATUS_OK) return TOOL_EXIT_USAGE;
  if (tool_model(o, ctx, model, &m) != CLIQ_STATUS_OK) {
    rc = TOOL_EXIT_USAGE;
    goto done;
  }
  const char *pre_src;
  cliq_preprocess pre;
  if ((rc = tool_image_preprocess(o, ctx, m, model, &pre, &pre_src)) != TOOL_EXIT_OK) goto done;
  if ((st = cliq_dataset_open(ctx, calib, m, &pre, &ds)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "cannot open calibration images '%s'", calib);
    goto done;
  }
  size_t count = cliq_dataset_count(ds);
  if (limit > 0 && (size_t)limit < count) count = (size_t)limit;
  cliq_calib_source source = cliq_calib_source_dataset(ds, count), target;
  if (a->target) {
    size_t tfirst, tcount;
    /* a dataset of its own: a dataset holds one cursor (cliq_calib_source_dataset_range) */
    if ((st = cliq_dataset_open(ctx, a->target, m, &pre, &tds)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(o, ctx, st, "cannot open target images '%s'", a->target);
      goto done;
    }
    if (!tool_dataset_window(o, "--target-skip", cliq_dataset_count(tds), a->target_skip, a->target_limit, a->target, &tfirst, &tcount)) {
      rc = TOOL_EXIT_USAGE;
      goto done;
    }
    target = cliq_calib_source_dataset_range(tds, tfirst, tcount);
    q->target_source = &target;
  }
  progress pr = {0.0, 0.0, 0, isatty(fileno(stderr)), 0};
  q->limit = count;
  q->batch = (size_t)batch;
  q->preprocess = &pre;
  q->dims = o->dims;
  q->n_dims = o->n_dims;
  q->progress = on_progress;
  q->progress_user = &pr;
  char mtext[64];
  if (!o->json)
    fprintf(stderr, "cliq quantize: %s on %zu images of %s, method %s, weights %s %s, activations %s, preprocessing %s\n", model,
            count, calib, method_text(q, mtext, sizeof mtext), q->weights_per_tensor ? "per-tensor" : "per-channel",
            q->weights_asymmetric ? "asymmetric" : "symmetric", q->activations_symmetric ? "symmetric" : "asymmetric", pre_src);
  cliq_quantize_report rep;
  if ((st = cliq_quantize(ctx, m, &source, q, &rep, &qm)) != CLIQ_STATUS_OK) {
    if (pr.tty) fprintf(stderr, "\n");
    rc = tool_lib_error(o, ctx, st, "quantizing '%s'", model);
    goto done;
  }
  if ((st = cliq_model_save(ctx, qm, out)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "writing '%s'", out);
    goto done;
  }
  double mb = (double)rep.peak_rss_bytes / (1024.0 * 1024.0), ips = rep.seconds > 0 ? (double)rep.images / rep.seconds : 0.0;
  if (o->json) {
    printf("{\"model\":");
    tool_json_str(stdout, model);
    printf(",\"output\":");
    tool_json_str(stdout, out);
    printf(",\"method\":");
    tool_json_str(stdout, method_text(q, mtext, sizeof mtext));
    printf(",\"images\":%zu,\"seconds\":%.6g,\"images_per_second\":%.6g,\"peak_rss_mb\":%.6g,\"quantized_ops\":%zu,\"float_ops\":%zu",
           rep.images, rep.seconds, ips, mb, rep.quantized_ops, rep.float_ops);
    if (q->target_sqnr_db > 0)
      printf(",\"float_activations\":%zu,\"sqnr_before_db\":%.6g,\"sqnr_after_db\":%.6g,\"target_images\":%zu", rep.float_activations,
             rep.sqnr_before_db, rep.sqnr_after_db, rep.target_images);
    printf("}\n");
  } else {
    printf("wrote %s: %zu ops int8, %zu ops float\n", out, rep.quantized_ops, rep.float_ops);
    if (q->target_sqnr_db > 0)
      printf("target %.1f dB: %zu activations kept in float; worst output SQNR on %zu %s images %.2f -> %.2f dB%s\n",
             q->target_sqnr_db, rep.float_activations, rep.target_images, a->target ? "target" : "calibration",
             rep.sqnr_before_db, rep.sqnr_after_db, rep.sqnr_after_db >= q->target_sqnr_db ? "" : " (target not reached)");
    printf("calibration: %zu images in %.1f s (%.1f images/s), peak memory %.0f MB\n", rep.images, rep.seconds, ips, mb);
  }
done:
  cliq_model_destroy(qm);
  cliq_dataset_destroy(tds);
  cliq_dataset_destroy(ds);
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  return rc;
}

int cliq_cmd_quantize(int argc, char **argv) {
  tool_opts o;
  tool_opts_init(&o, "quantize", TOOL_OPT_DEVICE | TOOL_OPT_JSON | TOOL_OPT_DIMS | TOOL_OPT_PRE);
  cliq_quantize_options q = cliq_quantize_options_default();
  args a = {0};
  int rc = parse_args(&o, &q, argc, argv, &a);
  if (rc != TOOL_EXIT_OK) {
    args_free(&a);
    return rc < 0 ? TOOL_EXIT_OK : rc;
  }
  rc = quantize(&o, &q, &a);
  args_free(&a);
  return rc;
}

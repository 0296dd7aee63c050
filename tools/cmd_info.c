/*
 * cmd_info.c — `cliq info MODEL`: inputs and outputs (symbolic dims by name), opset, op
 * histogram, parameters, weight bytes, MACs of one image, quantized or not (with its activation
 * quantizers and what an accuracy target kept in float), stored preprocessing.
 * Needs no device: the model is loaded with the C reference context.
 */
#include "tool_common.h"

#include "io/preprocess.h"

#include <string.h>

static void print_tensors(const cliq_model *m, int outputs) {
  size_t n = outputs ? cliq_model_output_count(m) : cliq_model_input_count(m);
  for (size_t i = 0; i < n; i++) {
    cliq_tensor_info t;
    if ((outputs ? cliq_model_output(m, i, &t) : cliq_model_input(m, i, &t)) != CLIQ_STATUS_OK) continue;
    char shape[512];
    if (t.dtype == CLIQ_DTYPE_UNDEFINED) /* an output whose type the file leaves to inference */
      printf("    %-24s (type and shape known once dims are bound)\n", t.name);
    else
      printf("    %-24s %-8s %s\n", t.name, cliq_dtype_name(t.dtype), tool_shape_str(&t, shape, sizeof shape));
  }
}

static void json_tensors(const cliq_model *m, int outputs) {
  size_t n = outputs ? cliq_model_output_count(m) : cliq_model_input_count(m);
  printf("[");
  for (size_t i = 0; i < n; i++) {
    cliq_tensor_info t;
    if ((outputs ? cliq_model_output(m, i, &t) : cliq_model_input(m, i, &t)) != CLIQ_STATUS_OK) continue;
    printf("%s{\"name\":", i ? "," : "");
    tool_json_str(stdout, t.name);
    if (t.dtype == CLIQ_DTYPE_UNDEFINED) {
      printf(",\"dtype\":null,\"shape\":null}");
      continue;
    }
    printf(",\"dtype\":\"%s\",\"shape\":", cliq_dtype_name(t.dtype));
    tool_json_shape(stdout, &t);
    printf("}");
  }
  printf("]");
}

static void print_count(const char *label, double v, const char *unit) {
  const char *sfx[] = {"", " K", " M", " G", " T"};
  int k = 0;
  while (v >= 1000.0 && k < 4) v /= 1000.0, k++;
  printf("  %-13s %.4g%s%s\n", label, v, sfx[k], unit);
}

int cliq_cmd_info(int argc, char **argv) {
  tool_opts o;
  tool_opts_init(&o, "info", TOOL_OPT_JSON);
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: cliq info MODEL.onnx [--json]\n\n"
             "Prints the model's inputs and outputs (symbolic dims by name), opset, operator histogram,\n"
             "parameters, weight bytes (int8 weights count 1 byte), multiply-accumulates of one image\n"
             "(0 when dims other than the batch are symbolic), whether it is quantized, and the\n"
             "preprocessing stored in it by 'cliq quantize'.\n\n");
      tool_print_common_help(stdout, o.accepts);
      return TOOL_EXIT_OK;
    }
    int r = tool_parse_common(&o, argc, argv, &i);
    if (r < 0) return TOOL_EXIT_USAGE;
    if (r == 1) continue;
    if (tool_model_arg(&o, argv[i], &path) != TOOL_EXIT_OK) return TOOL_EXIT_USAGE;
  }
  if (!path) return tool_usage_error(&o, "missing MODEL");
  cliq_context *ctx;
  if (tool_context(&o, "ref", 0, &ctx) != CLIQ_STATUS_OK) return TOOL_EXIT_USAGE;
  cliq_model *m;
  if (tool_model(&o, ctx, path, &m) != CLIQ_STATUS_OK) {
    cliq_context_destroy(ctx);
    return TOOL_EXIT_USAGE;
  }
  cliq_model_stats s;
  cliq_status st = cliq_model_stats_get(m, &s);
  if (st != CLIQ_STATUS_OK) {
    int rc = tool_lib_error(&o, ctx, st, "statistics of '%s'", path);
    cliq_model_destroy(m);
    cliq_context_destroy(ctx);
    return rc;
  }
  cliq_preprocess pre;
  int has_pre = cliq_preprocess_from_model(m, &pre);
  /* what `cliq quantize --target-sqnr` did (calib/fallback.c) */
  const char *fb_sqnr = cliq_model_metadata(m, "cliq.fallback.sqnr_db");
  const char *fb_names = cliq_model_metadata(m, "cliq.fallback.float_activations");
  const char *fb_judged = cliq_model_metadata(m, "cliq.fallback.judged_on"); /* absent in files before it */
  if (o.json) {
    printf("{\"model\":");
    tool_json_str(stdout, path);
    printf(",\"opset\":%d,\"quantized\":%s,\"nodes\":%zu,\"parameters\":%zu,\"weight_bytes\":%zu,\"macs\":%llu,",
           s.opset, s.quantized ? "true" : "false", s.nodes, s.parameters, s.weight_bytes, (unsigned long long)s.macs);
    if (s.quantized) printf("\"activation_quantizers\":%zu,", cliq_model_quantizer_count(m));
    if (fb_sqnr) {
      printf("\"fallback\":{\"sqnr_db\":");
      tool_json_str(stdout, fb_sqnr);
      printf(",\"float_activations\":");
      tool_json_str(stdout, fb_names ? fb_names : "");
      if (fb_judged) {
        printf(",\"judged_on\":");
        tool_json_str(stdout, fb_judged);
      }
      printf("},");
    }
    printf("\"inputs\":");
    json_tensors(m, 0);
    printf(",\"outputs\":");
    json_tensors(m, 1);
    printf(",\"op_types\":{");
    for (size_t k = 0; k < s.n_op_types; k++) {
      printf("%s", k ? "," : "");
      tool_json_str(stdout, s.op_types[k]);
      printf(":%zu", s.op_counts[k]);
    }
    printf("},\"preprocess\":");
    if (has_pre) {
      printf("{\"width\":%d,\"height\":%d,\"resize\":%d,\"crop_w\":%d,\"crop_h\":%d,\"mean\":[%.9g,%.9g,%.9g],"
             "\"std\":[%.9g,%.9g,%.9g],\"bgr\":%d,\"gray\":%d,\"layout\":\"%s\"}",
             pre.width, pre.height, pre.resize_short, pre.crop_w, pre.crop_h, pre.mean[0], pre.mean[1], pre.mean[2],
             pre.std[0], pre.std[1], pre.std[2], pre.bgr, pre.gray, cliq__layout_name(pre.layout));
    } else {
      printf("null");
    }
    printf("}\n");
  } else {
    printf("%s\n", path);
    printf("  opset         %d\n", s.opset);
    printf("  inputs\n");
    print_tensors(m, 0);
    printf("  outputs\n");
    print_tensors(m, 1);
    printf("  nodes         %zu:", s.nodes);
    for (size_t k = 0; k < s.n_op_types; k++) printf("%s %s x%zu", k ? "," : "", s.op_types[k], s.op_counts[k]);
    printf("\n");
    print_count("parameters", (double)s.parameters, "");
    print_count("weights", (double)s.weight_bytes, "B");
    if (s.macs) print_count("MACs", (double)s.macs, " per image");
    else printf("  MACs          unknown (symbolic dims: bind them in a session)\n");
    printf("  quantized     %s", s.quantized ? "yes (int8 weights, QDQ)" : "no (float)");
    if (s.quantized) printf(", %zu activation quantizers", cliq_model_quantizer_count(m));
    printf("\n");
    if (fb_sqnr) {
      double before = 0, after = 0, target = 0;
      size_t n_float = 0;
      for (const char *c = fb_names; c && *c; c++) n_float += c == fb_names || c[-1] == ',';
      if (sscanf(fb_sqnr, "%lf %lf %lf", &before, &after, &target) == 3)
        printf("  accuracy      --target-sqnr %.1f: %zu activations in float, %.2f -> %.2f dB on %s\n", target, n_float,
               before, after, fb_judged ? fb_judged : "the calibration images");
    }
    if (has_pre) {
      printf("  preprocessing");
      if (pre.width) printf(" size %dx%d", pre.width, pre.height);
      if (pre.resize_short) printf(" resize %d", pre.resize_short);
      if (pre.crop_w) printf(" crop %dx%d", pre.crop_w, pre.crop_h);
      printf(" mean %g,%g,%g std %g,%g,%g%s%s layout %s\n", pre.mean[0], pre.mean[1], pre.mean[2], pre.std[0], pre.std[1],
             pre.std[2], pre.bgr ? " bgr" : "", pre.gray ? " gray" : "", cliq__layout_name(pre.layout));
    } else {
      printf("  preprocessing none stored\n");
    }
  }
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  return TOOL_EXIT_OK;
}

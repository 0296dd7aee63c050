/*
 * cmd_run.c — `cliq run MODEL`: either check the model against an ONNX test data set
 * (--test-data DIR: input_N.pb in, output_N.pb expected, in graph order), or run it on one image
 * (--image FILE) and print top-5 classes for classifier outputs and shape/min/max/mean otherwise.
 *
 * The check's error measure is max|out - ref| / max(1, max|ref|): absolute for outputs of unit
 * scale, relative for large ones, so one tolerance fits logits, probabilities and pixels.
 */
#include "tool_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool file_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* Binds symbolic dim `name` to v, failing when --dims or another input bound it otherwise. */
static bool bind_dim(tool_opts *o, const char *name, int64_t v, const char *file) {
  for (size_t j = 0; j < o->n_dims; j++)
    if (strcmp(o->dims[j].name, name) == 0) {
      if (o->dims[j].value == v) return true;
      tool_usage_error(o, "%s gives dim '%s' = %lld, but it is bound to %lld already", file, name, (long long)v,
                       (long long)o->dims[j].value);
      return false;
    }
  if (o->n_dims == TOOL_MAX_DIMS) return true;
  o->dims[o->n_dims].name = name;
  o->dims[o->n_dims].value = v;
  o->n_dims++;
  return true;
}

/* Decides how test tensor t feeds model input mi: same rank binds symbolic dims from t; a lower
 * rank with the same element count (super_resolution's [224,224] for [N,1,224,224]) takes the
 * model's shape with symbolic dims as 1. Returns the batch it implies, 0 on error. */
static size_t fit_input(tool_opts *o, const cliq_tensor_info *mi, const cliq_tensor_info *t, const char *file) {
  char a[256], b[256];
  if (t->dtype != mi->dtype) {
    tool_usage_error(o, "%s holds %s but model input '%s' is %s", file, cliq_dtype_name(t->dtype), mi->name,
                     cliq_dtype_name(mi->dtype));
    return 0;
  }
  if (t->rank == mi->rank) {
    for (size_t d = 0; d < t->rank; d++) {
      if (mi->dims[d] >= 0 && mi->dims[d] != t->dims[d]) {
        tool_usage_error(o, "%s has shape %s but model input '%s' is %s", file, tool_shape_str(t, a, sizeof a), mi->name,
                         tool_shape_str(mi, b, sizeof b));
        return 0;
      }
      if (mi->dims[d] < 0 && t->dims[d] <= 0) {
        tool_usage_error(o, "%s has dim %zu = %lld for symbolic dim of model input '%s'", file, d, (long long)t->dims[d],
                         mi->name);
        return 0;
      }
      if (mi->dim_names[d] && !bind_dim(o, mi->dim_names[d], t->dims[d], file)) return 0;
    }
    return t->rank && mi->dims[0] < 0 ? (size_t)t->dims[0] : 1;
  }
  size_t want = 1;
  for (size_t d = 0; d < mi->rank; d++) want *= mi->dims[d] < 0 ? 1 : (size_t)mi->dims[d];
  if (tool_elems(t) != want) {
    tool_usage_error(o, "%s has shape %s (%zu elements), which does not fit model input '%s' %s", file,
                     tool_shape_str(t, a, sizeof a), tool_elems(t), mi->name, tool_shape_str(mi, b, sizeof b));
    return 0;
  }
  for (size_t d = 0; d < mi->rank; d++)
    if (mi->dim_names[d] && !bind_dim(o, mi->dim_names[d], 1, file)) return 0;
  return 1;
}

typedef struct out_error {
  double max_abs, norm;
} out_error;

static out_error compare_output(const cliq_buffer *got, size_t n, cliq_dtype ref_dtype, const void *ref) {
  out_error e = {0, 0};
  double max_ref = 0;
  for (size_t k = 0; k < n; k++) {
    double g = tool_elem_f64(got->dtype, got->data, k), r = tool_elem_f64(ref_dtype, ref, k);
    double d = isnan(g) && isnan(r) ? 0.0 : fabs(g - r);
    if (isnan(d)) d = INFINITY;
    if (d > e.max_abs) e.max_abs = d;
    if (isfinite(r) && fabs(r) > max_ref) max_ref = fabs(r);
  }
  e.norm = e.max_abs / (max_ref > 1.0 ? max_ref : 1.0);
  return e;
}

/* One run of the session on io, timed (ms): TOOL_EXIT_OK or the library's error printed. */
static int run_timed(tool_opts *o, cliq_context *ctx, cliq_session *s, tool_io *io, const char *model_path, double *ms) {
  double t0 = tool_now();
  cliq_status st = cliq_session_run(s, io->n_in, io->in, io->n_out, io->out);
  *ms = (tool_now() - t0) * 1e3;
  return st == CLIQ_STATUS_OK ? TOOL_EXIT_OK : tool_lib_error(o, ctx, st, "running '%s'", model_path);
}

static int run_test_data(tool_opts *o, cliq_context *ctx, const cliq_model *m, const char *model_path, const char *dir,
                         double tol) {
  size_t n_in = cliq_model_input_count(m), n_out = cliq_model_output_count(m);
  cliq_tensor_file **tin = calloc(n_in + 1, sizeof *tin), **tout = calloc(n_out + 1, sizeof *tout);
  char path[4096];
  int rc = TOOL_EXIT_OK;
  size_t batch = 1;
  cliq_session *s = NULL;
  tool_io io = {0};
  if (!tin || !tout) {
    rc = tool_usage_error(o, "out of memory");
    goto done;
  }
  snprintf(path, sizeof path, "%s/input_%zu.pb", dir, n_in);
  if (file_exists(path)) {
    rc = tool_usage_error(o, "'%s' has more input_N.pb files than the model's %zu inputs", dir, n_in);
    goto done;
  }
  for (size_t i = 0; i < n_in + n_out; i++) {
    bool is_in = i < n_in;
    size_t k = is_in ? i : i - n_in;
    snprintf(path, sizeof path, "%s/%s_%zu.pb", dir, is_in ? "input" : "output", k);
    cliq_tensor_file **slot = is_in ? &tin[k] : &tout[k];
    if (!file_exists(path)) {
      rc = tool_usage_error(o, "'%s' is missing: the model has %zu %s", path, is_in ? n_in : n_out, is_in ? "inputs" : "outputs");
      goto done;
    }
    cliq_status st = cliq_tensor_file_read(ctx, path, slot);
    if (st != CLIQ_STATUS_OK) {
      rc = tool_lib_error(o, ctx, st, "reading test data");
      goto done;
    }
    if (is_in) {
      cliq_tensor_info mi, ti;
      cliq_model_input(m, k, &mi);
      cliq_tensor_file_info(*slot, &ti);
      size_t b = fit_input(o, &mi, &ti, path);
      if (!b) {
        rc = TOOL_EXIT_USAGE;
        goto done;
      }
      if (k == 0) batch = b;
    }
  }
  cliq_status st = tool_session(o, ctx, m, batch, &s);
  if (st != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "cannot plan '%s'", model_path);
    goto done;
  }
  if ((st = tool_io_alloc(s, m, &io)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "allocating buffers");
    goto done;
  }
  for (size_t i = 0; i < n_in; i++) {
    size_t size;
    const void *data = cliq_tensor_file_data(tin[i], &size);
    if (size != io.in[i].size) {
      char a[256];
      rc = tool_usage_error(o, "input_%zu.pb has %zu bytes but model input '%s' is bound to %s (%zu bytes)", i, size,
                            io.in_info[i].name, tool_shape_str(&io.in_info[i], a, sizeof a), io.in[i].size);
      goto done;
    }
    if (size) memcpy(io.in[i].data, data, size);
  }
  double ms;
  if ((rc = run_timed(o, ctx, s, &io, model_path, &ms)) != TOOL_EXIT_OK) goto done;
  bool all_ok = true;
  if (o->json) {
    printf("{\"model\":");
    tool_json_str(stdout, model_path);
    printf(",\"test_data\":");
    tool_json_str(stdout, dir);
    printf(",\"tolerance\":%.9g,\"ms\":%.6g,\"outputs\":[", tol, ms);
  } else {
    printf("%s on %s (first run %.1f ms)\n", model_path, dir, ms);
  }
  for (size_t i = 0; i < n_out; i++) {
    cliq_tensor_info ri;
    cliq_tensor_file_info(tout[i], &ri);
    size_t n = tool_elems(&io.out_info[i]);
    char a[256], b[256];
    tool_shape_str(&io.out_info[i], a, sizeof a);
    if (tool_elems(&ri) != n) {
      if (!o->json) printf("  output '%s' %s: output_%zu.pb has shape %s: sizes differ  FAIL\n", io.out_info[i].name, a, i, tool_shape_str(&ri, b, sizeof b));
      else {
        printf("%s{\"name\":", i ? "," : "");
        tool_json_str(stdout, io.out_info[i].name);
        printf(",\"error\":\"shape\",\"pass\":false}");
      }
      all_ok = false;
      continue;
    }
    out_error e = compare_output(&io.out[i], n, ri.dtype, cliq_tensor_file_data(tout[i], NULL));
    bool ok = e.norm <= tol;
    all_ok = all_ok && ok;
    if (o->json) {
      printf("%s{\"name\":", i ? "," : "");
      tool_json_str(stdout, io.out_info[i].name);
      printf(",\"shape\":");
      tool_json_shape(stdout, &io.out_info[i]);
      printf(",\"max_abs_error\":");
      tool_json_num(stdout, e.max_abs);
      printf(",\"normalized_error\":");
      tool_json_num(stdout, e.norm);
      printf(",\"pass\":%s}", ok ? "true" : "false");
    } else {
      printf("  output '%s' %s: max abs error %.3g, normalized %.3g  %s\n", io.out_info[i].name, a, e.max_abs, e.norm,
             ok ? "ok" : "FAIL");
    }
  }
  if (o->json) printf("],\"pass\":%s}\n", all_ok ? "true" : "false");
  else printf("%s: %zu outputs, tolerance %g (normalized error max|out-ref| / max(1, max|ref|))\n",
              all_ok ? "PASS" : "FAIL", n_out, tol);
  rc = all_ok ? TOOL_EXIT_OK : TOOL_EXIT_CHECK;
done:
  tool_io_free(&io);
  cliq_session_destroy(s);
  for (size_t i = 0; tin && i < n_in; i++) cliq_tensor_file_destroy(tin[i]);
  for (size_t i = 0; tout && i < n_out; i++) cliq_tensor_file_destroy(tout[i]);
  free(tin);
  free(tout);
  return rc;
}

/* Top-5 of a [1,K] float output; values are probabilities when they already sum to 1. */
static void top5(const float *v, size_t k, int json) {
  bool probs = true;
  double sum = 0, mx = -INFINITY;
  for (size_t i = 0; i < k; i++) {
    if (v[i] < 0 || v[i] > 1) probs = false;
    sum += v[i];
    if (v[i] > mx) mx = v[i];
  }
  if (fabs(sum - 1.0) > 1e-3) probs = false;
  double z = 0;
  if (!probs)
    for (size_t i = 0; i < k; i++) z += exp((double)v[i] - mx);
  size_t best[5];
  size_t nb = k < 5 ? k : 5;
  for (size_t r = 0; r < nb; r++) {
    size_t bi = SIZE_MAX;
    for (size_t i = 0; i < k; i++) {
      bool taken = false;
      for (size_t q = 0; q < r; q++) taken = taken || best[q] == i;
      if (!taken && (bi == SIZE_MAX || v[i] > v[bi])) bi = i;
    }
    best[r] = bi;
    double p = probs ? v[bi] : exp((double)v[bi] - mx) / z;
    if (json) printf("%s{\"class\":%zu,\"prob\":%.6g}", r ? "," : "", bi, p);
    else printf("    #%zu  class %-6zu p = %.4f\n", r + 1, bi, p);
  }
}

static int run_image(tool_opts *o, cliq_context *ctx, const cliq_model *m, const char *model_path, const char *image) {
  if (cliq_model_input_count(m) != 1)
    return tool_usage_error(o, "--image feeds models with one input; '%s' has %zu", model_path, cliq_model_input_count(m));
  const char *src;
  cliq_preprocess pre;
  if (tool_image_preprocess(o, ctx, m, model_path, &pre, &src) != TOOL_EXIT_OK) return TOOL_EXIT_USAGE;
  cliq_status st;
  cliq_session *s = NULL;
  tool_io io = {0};
  int rc = TOOL_EXIT_OK;
  if ((st = tool_session(o, ctx, m, 1, &s)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "cannot plan '%s'", model_path);
    goto done;
  }
  if ((st = tool_io_alloc(s, m, &io)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "allocating buffers");
    goto done;
  }
  st = cliq_image_load(ctx, image, m, &pre, io.in[0].data, io.in[0].size / sizeof(float));
  if (st != CLIQ_STATUS_OK) {
    rc = tool_lib_error(o, ctx, st, "cannot use image '%s'", image);
    goto done;
  }
  double ms;
  if ((rc = run_timed(o, ctx, s, &io, model_path, &ms)) != TOOL_EXIT_OK) goto done;
  if (o->json) {
    printf("{\"model\":");
    tool_json_str(stdout, model_path);
    printf(",\"image\":");
    tool_json_str(stdout, image);
    printf(",\"preprocess\":\"%s\",\"ms\":%.6g,\"outputs\":[", src, ms);
  } else {
    printf("%s on %s (preprocessing: %s; first run %.1f ms)\n", model_path, image, src, ms);
  }
  for (size_t i = 0; i < io.n_out; i++) {
    const cliq_tensor_info *t = &io.out_info[i];
    size_t n = tool_elems(t);
    char shape[256];
    tool_shape_str(t, shape, sizeof shape);
    double mn = INFINITY, mx = -INFINITY, sum = 0;
    for (size_t k = 0; k < n; k++) {
      double v = tool_elem_f64(t->dtype, io.out[i].data, k);
      mn = v < mn ? v : mn;
      mx = v > mx ? v : mx;
      sum += v;
    }
    double mean = n ? sum / (double)n : NAN;
    bool classifier = t->dtype == CLIQ_DTYPE_FLOAT32 && t->rank == 2 && t->dims[0] == 1 && t->dims[1] >= 2;
    if (o->json) {
      printf("%s{\"name\":", i ? "," : "");
      tool_json_str(stdout, t->name);
      printf(",\"shape\":");
      tool_json_shape(stdout, t);
      printf(",\"min\":");
      tool_json_num(stdout, mn);
      printf(",\"max\":");
      tool_json_num(stdout, mx);
      printf(",\"mean\":");
      tool_json_num(stdout, mean);
      if (classifier) {
        printf(",\"top5\":[");
        top5(io.out[i].data, (size_t)t->dims[1], 1);
        printf("]");
      }
      printf("}");
    } else {
      printf("  output '%s' %s %s: min %.6g  max %.6g  mean %.6g\n", t->name, cliq_dtype_name(t->dtype), shape, mn, mx, mean);
      if (classifier) top5(io.out[i].data, (size_t)t->dims[1], 0);
    }
  }
  if (o->json) printf("]}\n");
done:
  tool_io_free(&io);
  cliq_session_destroy(s);
  return rc;
}

int cliq_cmd_run(int argc, char **argv) {
  tool_opts o;
  tool_opts_init(&o, "run", TOOL_OPT_DEVICE | TOOL_OPT_JSON | TOOL_OPT_DIMS | TOOL_OPT_PRE);
  const char *model = NULL, *test_data = NULL, *image = NULL, *v;
  double tol = 1e-4;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: cliq run MODEL.onnx --test-data DIR [--tol T] [options]\n"
             "       cliq run MODEL.onnx --image FILE [preprocessing] [options]\n\n"
             "--test-data DIR  runs the model on DIR/input_N.pb and compares with DIR/output_N.pb (graph\n"
             "                 order): per output the max abs error and the normalized error\n"
             "                 max|out-ref| / max(1, max|ref|); exit 1 if any normalized error > T.\n"
             "                 An input with fewer dims but as many elements takes the model's shape.\n"
             "  --tol T        tolerance of the normalized error (default 1e-4)\n"
             "--image FILE     runs the model on one JPEG/PNG/BMP image: top-5 classes (softmax when the\n"
             "                 output does not already sum to 1) for [1,K] outputs, else shape, min,\n"
             "                 max and mean of each output.\n\n");
      tool_print_common_help(stdout, o.accepts);
      return TOOL_EXIT_OK;
    }
    int r = tool_parse_common(&o, argc, argv, &i);
    if (r < 0) return TOOL_EXIT_USAGE;
    if (r == 1) continue;
    if (tool_is_opt(argv[i], "--test-data")) {
      if (!(test_data = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--image")) {
      if (!(image = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--tol")) {
      if (!(v = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
      char *end;
      tol = strtod(v, &end);
      if (!*v || *end || !(tol >= 0) || !isfinite(tol)) return tool_usage_error(&o, "--tol '%s': expected a number >= 0", v);
    } else if (tool_model_arg(&o, argv[i], &model) != TOOL_EXIT_OK) {
      return TOOL_EXIT_USAGE;
    }
  }
  if (!model) return tool_usage_error(&o, "missing MODEL");
  if (!test_data == !image) return tool_usage_error(&o, "give exactly one of --test-data DIR and --image FILE");
  if (test_data && o.pre_given) return tool_usage_error(&o, "preprocessing flags apply to --image, not --test-data");
  cliq_context *ctx;
  if (tool_context(&o, NULL, 0, &ctx) != CLIQ_STATUS_OK) return TOOL_EXIT_USAGE;
  cliq_model *m;
  int rc;
  if (tool_model(&o, ctx, model, &m) != CLIQ_STATUS_OK) {
    rc = TOOL_EXIT_USAGE;
  } else {
    rc = test_data ? run_test_data(&o, ctx, m, model, test_data, tol) : run_image(&o, ctx, m, model, image);
    cliq_model_destroy(m);
  }
  cliq_context_destroy(ctx);
  return rc;
}

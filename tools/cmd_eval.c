/*
 * cmd_eval.c — `cliq eval MODEL --dataset imagenet:DIR|mnist:DIR`: top-1 and top-5 accuracy of
 * a classifier (output 0, K scores per image) over a labeled dataset, in batches; with
 * --reference FLOAT.onnx also the top-1 agreement with that model on the same images (how much an
 * int8 model changes the float model's answers, labels or not).
 */
#include "tool_common.h"

#include <stdlib.h>
#include <string.h>

typedef struct classifier {
  cliq_session *s;
  tool_io io;
  size_t batch, k; /* images per run, scores per image */
} classifier;

static void classifier_free(classifier *c) {
  tool_io_free(&c->io);
  cliq_session_destroy(c->s);
  memset(c, 0, sizeof *c);
}

/* Plans m at `batch`, falling back to batch 1 for models whose graph fixes it (a Reshape to
 * [1,-1] and the like). */
static int classifier_open(tool_opts *o, cliq_context *ctx, const cliq_model *m, const char *path, size_t batch,
                           classifier *c) {
  memset(c, 0, sizeof *c);
  cliq_status st = tool_session(o, ctx, m, batch, &c->s);
  if (st != CLIQ_STATUS_OK && batch > 1) {
    fprintf(stderr, "cliq eval: '%s' does not plan at batch %zu (%s: %s); using batch 1\n", path, batch,
            cliq_status_name(st), cliq_context_error(ctx));
    batch = 1;
    st = tool_session(o, ctx, m, batch, &c->s);
  }
  if (st != CLIQ_STATUS_OK) return tool_lib_error(o, ctx, st, "cannot plan '%s'", path);
  if ((st = tool_io_alloc(c->s, m, &c->io)) != CLIQ_STATUS_OK) return tool_lib_error(o, ctx, st, "allocating buffers");
  if (c->io.n_in != 1) return tool_usage_error(o, "'%s' has %zu inputs; eval feeds models with one image input", path, c->io.n_in);
  const cliq_tensor_info *t = &c->io.out_info[0];
  size_t n = tool_elems(t);
  if (t->dtype != CLIQ_DTYPE_FLOAT32 || t->rank < 2 || (size_t)t->dims[0] != batch || n / batch < 2) {
    char shape[256];
    return tool_usage_error(o, "output '%s' of '%s' is %s %s; eval needs class scores [N,K]", t->name, path,
                            cliq_dtype_name(t->dtype), tool_shape_str(t, shape, sizeof shape));
  }
  c->batch = batch;
  c->k = n / batch;
  return TOOL_EXIT_OK;
}

/* Rank of the true class among K scores is < r for top-r: counts scores strictly above it. */
static size_t rank_of(const float *v, size_t k, size_t cls) {
  size_t above = 0;
  for (size_t i = 0; i < k; i++)
    if (v[i] > v[cls] || (v[i] == v[cls] && i < cls)) above++;
  return above;
}

static size_t argmax(const float *v, size_t k) {
  size_t b = 0;
  for (size_t i = 1; i < k; i++)
    if (v[i] > v[b]) b = i;
  return b;
}

int cliq_cmd_eval(int argc, char **argv) {
  tool_opts o;
  tool_opts_init(&o, "eval", TOOL_OPT_DEVICE | TOOL_OPT_JSON | TOOL_OPT_DIMS | TOOL_OPT_PRE);
  const char *model = NULL, *dataset = NULL, *reference = NULL;
  long limit = 0, skip = 0, batch = 8, offset = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: cliq eval MODEL.onnx --dataset imagenet:DIR|mnist:DIR [--skip N] [--limit N] [--batch B]\n"
             "                 [--reference FLOAT.onnx] [--label-offset N] [preprocessing] [options]\n\n"
             "Top-1 and top-5 accuracy (fractions) of output 0 over a labeled dataset, B images per run\n"
             "(default 8; batch 1 when the model fixes it). --reference adds the fraction of images on\n"
             "which the model's top-1 class equals that of the reference model (same preprocessing).\n"
             "--label-offset N is added to dataset labels (default: 1 for 1001-class models, else 0).\n"
             "--skip N starts after the first N images (e.g. the ones used for calibration).\n"
             "JSON: {\"top1\":..,\"top5\":..,\"count\":..[,\"agreement\":..]}\n\n");
      tool_print_common_help(stdout, o.accepts);
      return TOOL_EXIT_OK;
    }
    int r = tool_parse_common(&o, argc, argv, &i);
    if (r < 0) return TOOL_EXIT_USAGE;
    if (r == 1) continue;
    if (tool_is_opt(argv[i], "--dataset")) {
      if (!(dataset = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--reference")) {
      if (!(reference = tool_value(&o, argc, argv, &i))) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--limit")) {
      if (!tool_count_value(&o, argc, argv, &i, "--limit", 1, 1L << 30, &limit)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--skip")) {
      if (!tool_count_value(&o, argc, argv, &i, "--skip", 0, 1L << 30, &skip)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--batch")) {
      if (!tool_count_value(&o, argc, argv, &i, "--batch", 1, 4096, &batch)) return TOOL_EXIT_USAGE;
    } else if (tool_is_opt(argv[i], "--label-offset")) {
      if (!tool_count_value(&o, argc, argv, &i, "--label-offset", 0, 1000, &offset)) return TOOL_EXIT_USAGE;
    } else if (tool_model_arg(&o, argv[i], &model) != TOOL_EXIT_OK) {
      return TOOL_EXIT_USAGE;
    }
  }
  if (!model) return tool_usage_error(&o, "missing MODEL");
  if (!dataset) return tool_usage_error(&o, "missing --dataset imagenet:DIR|mnist:DIR|DIR");

  int rc = TOOL_EXIT_OK;
  cliq_context *ctx = NULL;
  cliq_model *m = NULL, *mref = NULL;
  cliq_dataset *ds = NULL;
  classifier c = {0}, cref = {0};
  cliq_status st;
  if (tool_context(&o, NULL, 0, &ctx) != CLIQ_STATUS_OK) return TOOL_EXIT_USAGE;
  if (tool_model(&o, ctx, model, &m) != CLIQ_STATUS_OK || (reference && tool_model(&o, ctx, reference, &mref) != CLIQ_STATUS_OK)) {
    rc = TOOL_EXIT_USAGE;
    goto done;
  }
  const char *src;
  cliq_preprocess pre;
  if ((rc = tool_image_preprocess(&o, ctx, m, model, &pre, &src)) != TOOL_EXIT_OK) goto done;
  if ((st = cliq_dataset_open(ctx, dataset, m, &pre, &ds)) != CLIQ_STATUS_OK) {
    rc = tool_lib_error(&o, ctx, st, "cannot open dataset '%s'", dataset);
    goto done;
  }
  size_t first, count;
  if (!tool_dataset_window(&o, "--skip", cliq_dataset_count(ds), skip, limit, dataset, &first, &count)) {
    rc = TOOL_EXIT_USAGE;
    goto done;
  }
  if ((rc = classifier_open(&o, ctx, m, model, (size_t)batch, &c)) != TOOL_EXIT_OK) goto done;
  if (reference && (rc = classifier_open(&o, ctx, mref, reference, c.batch, &cref)) != TOOL_EXIT_OK) goto done;
  if (reference && (cref.batch != c.batch || cref.io.in[0].size != c.io.in[0].size)) {
    rc = tool_usage_error(&o, "'%s' and the reference '%s' take different inputs", model, reference);
    goto done;
  }
  size_t elems = cliq_dataset_image_elements(ds);
  if (elems * sizeof(float) * c.batch != c.io.in[0].size) {
    rc = tool_usage_error(&o, "the dataset makes %zu floats per image but '%s' takes %zu", elems, model,
                          c.io.in[0].size / sizeof(float) / c.batch);
    goto done;
  }
  size_t label_offset = offset >= 0 ? (size_t)offset : (c.k == 1001 ? 1 : 0);
  size_t top1 = 0, top5 = 0, agree = 0, labeled = 0;
  int *labels = malloc(sizeof(int) * c.batch);
  if (!labels) {
    rc = tool_usage_error(&o, "out of memory");
    goto done;
  }
  double t0 = tool_now();
  for (size_t start = 0; start < count && rc == TOOL_EXIT_OK; start += c.batch) {
    size_t nb = count - start < c.batch ? count - start : c.batch;
    float *in = c.io.in[0].data;
    for (size_t j = 0; j < nb && rc == TOOL_EXIT_OK; j++)
      if ((st = cliq_dataset_get(ds, first + start + j, in + j * elems, &labels[j], NULL)) != CLIQ_STATUS_OK)
        rc = tool_lib_error(&o, ctx, st, "dataset image %zu", first + start + j);
    if (rc != TOOL_EXIT_OK) break;
    if ((st = cliq_session_run(c.s, c.io.n_in, c.io.in, c.io.n_out, c.io.out)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(&o, ctx, st, "running '%s'", model);
      break;
    }
    if (reference) {
      memcpy(cref.io.in[0].data, in, c.io.in[0].size);
      if ((st = cliq_session_run(cref.s, cref.io.n_in, cref.io.in, cref.io.n_out, cref.io.out)) != CLIQ_STATUS_OK) {
        rc = tool_lib_error(&o, ctx, st, "running '%s'", reference);
        break;
      }
    }
    const float *scores = c.io.out[0].data;
    for (size_t j = 0; j < nb; j++) {
      const float *v = scores + j * c.k;
      if (reference && argmax(v, c.k) == argmax((const float *)cref.io.out[0].data + j * cref.k, cref.k)) agree++;
      if (labels[j] < 0) continue;
      size_t cls = (size_t)labels[j] + label_offset;
      labeled++;
      if (cls >= c.k) continue; /* a class the model does not have counts as wrong */
      size_t r = rank_of(v, c.k, cls);
      top1 += r < 1;
      top5 += r < 5;
    }
  }
  double secs = tool_now() - t0;
  free(labels);
  if (rc != TOOL_EXIT_OK) goto done;
  if (!labeled && !reference) {
    rc = tool_usage_error(&o, "'%s' has no labels: use imagenet:DIR or mnist:DIR, or --reference", dataset);
    goto done;
  }
  double f1 = labeled ? (double)top1 / (double)labeled : 0, f5 = labeled ? (double)top5 / (double)labeled : 0;
  double fa = count ? (double)agree / (double)count : 0;
  if (o.json) {
    printf("{\"model\":");
    tool_json_str(stdout, model);
    printf(",\"dataset\":");
    tool_json_str(stdout, dataset);
    if (labeled) printf(",\"top1\":%.9g,\"top5\":%.9g", f1, f5);
    else printf(",\"top1\":null,\"top5\":null");
    printf(",\"count\":%zu,\"skip\":%zu,\"batch\":%zu,\"seconds\":%.6g", count, first, c.batch, secs);
    if (reference) printf(",\"agreement\":%.9g", fa);
    printf("}\n");
  } else {
    printf("%s on %s: %zu images, batch %zu, preprocessing %s, %.1f s (%.1f images/s)\n", model, dataset, count, c.batch,
           src, secs, secs > 0 ? (double)count / secs : 0.0);
    if (labeled) printf("  top-1 %.4f  top-5 %.4f  (%zu labeled images)\n", f1, f5, labeled);
    if (reference) printf("  top-1 agreement with %s: %.4f\n", reference, fa);
  }
done:
  classifier_free(&c);
  classifier_free(&cref);
  cliq_dataset_destroy(ds);
  cliq_model_destroy(mref);
  cliq_model_destroy(m);
  cliq_context_destroy(ctx);
  return rc;
}

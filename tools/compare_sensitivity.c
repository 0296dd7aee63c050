/*
 * compare_sensitivity.c — `cliq compare FLOAT INT8 --images SRC --sensitivity`: where an int8
 * model's error comes from, one activation quantizer at a time (the per-quantizer analysis of
 * AIMET's QuantAnalyzer). For every activation quantizer of the int8 model
 * (cliq_model_quantizer), the worst-output SQNR against the float model
 *   - with only that quantizer enabled (weights int8, every other activation float): what this
 *     tensor's 8-bit grid costs on its own, and
 *   - with only that quantizer bypassed: what keeping this tensor in float would win,
 * next to the model with every quantizer (the int8 model as it runs) and with none (int8
 * weights only, the floor no activation range can lift). Each variant is a model of its own
 * (cliq_model_select_quantizers) planned on the device like any other; the float outputs are
 * computed once. Cost: 2 + 2 x quantizers sessions over the images, so few images (--limit) are
 * the norm here.
 */
#include "compare_sensitivity.h"
#include "html_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct sens {
  tool_opts *o;
  cliq_context *ctx;
  const cliq_model *qm;
  size_t count;           /* images */
  float *inputs;          /* count images of in_elems floats */
  size_t in_elems;
  float **ref;            /* per output: count images of out_elems[k] floats of the float model */
  size_t *out_elems;
  size_t n_out;
  tool_err *acc;          /* per output, reused per variant */
  const unsigned char *judged; /* per output: counts in the worst (NULL: all) */
} sens;

static cliq_status open_session(const tool_opts *o, cliq_context *ctx, const cliq_model *m, cliq_session **s, tool_io *io) {
  cliq_session_options so = cliq_session_options_default();
  so.batch = 1;
  so.dims = o->dims;
  so.n_dims = o->n_dims;
  cliq_status st = cliq_session_create(ctx, m, &so, s);
  if (st == CLIQ_STATUS_OK) st = tool_io_alloc(*s, m, io);
  return st;
}

/* Worst-output SQNR of the model with quantizers `enabled` over the kept images (*out), and per
 * output (per_out[k]). */
static int variant(sens *S, const unsigned char *enabled, size_t n_q, double *out, double *per_out) {
  cliq_model *m = NULL;
  cliq_session *s = NULL;
  tool_io io = {0};
  int rc = TOOL_EXIT_OK;
  cliq_status st = cliq_model_select_quantizers(S->ctx, S->qm, enabled, n_q, &m);
  if (st == CLIQ_STATUS_OK) st = open_session(S->o, S->ctx, m, &s, &io);
  if (st != CLIQ_STATUS_OK) {
    rc = tool_lib_error(S->o, S->ctx, st, "planning a variant of the int8 model");
    goto done;
  }
  memset(S->acc, 0, S->n_out * sizeof *S->acc);
  for (size_t im = 0; im < S->count; im++) {
    memcpy(io.in[0].data, S->inputs + im * S->in_elems, S->in_elems * sizeof(float));
    if ((st = cliq_session_run(s, 1, io.in, io.n_out, io.out)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(S->o, S->ctx, st, "running a variant of the int8 model");
      goto done;
    }
    for (size_t k = 0; k < S->n_out; k++)
      tool_err_add(&S->acc[k], S->ref[k] + im * S->out_elems[k], io.out[k].data, S->out_elems[k]);
  }
  for (size_t k = 0; k < S->n_out; k++) per_out[k] = tool_err_sqnr(&S->acc[k]);
  *out = tool_err_worst(S->acc, S->n_out, S->judged);
done:
  tool_io_free(&io);
  cliq_session_destroy(s);
  cliq_model_destroy(m);
  return rc;
}

typedef struct row {
  const char *tensor;
  double only, without;
  double *only_out, *without_out; /* per output */
} row;

static int by_only(const void *a, const void *b) {
  double x = ((const row *)a)->only, y = ((const row *)b)->only;
  return (x > y) - (x < y);
}

static void json_per_output(const char *key, const double *v, size_t n) {
  printf("%s[", key);
  for (size_t k = 0; k < n; k++) {
    printf("%s", k ? "," : "");
    tool_json_num(stdout, v[k]);
  }
  printf("]");
}

static void progress(int tty, size_t done, size_t total) {
  if (!tty) return;
  fprintf(stderr, "\rsensitivity: %zu/%zu variants", done, total);
  if (done == total) fprintf(stderr, "\n");
  fflush(stderr);
}

/* --html: the rows as a two-series chart, worst alone first. */
static int write_html(tool_opts *o, const char *path, const char *fpath, const char *qpath, const char *images, size_t first,
                      size_t count, double all_db, double none_db, const row *rows, size_t n) {
  FILE *f = html_begin(path, "cliq compare --sensitivity");
  if (!f) return tool_usage_error(o, "cannot write '%s'", path);
  const char **names = calloc(n + 1, sizeof *names);
  double *a = calloc(n + 1, sizeof *a), *b = calloc(n + 1, sizeof *b);
  if (!names || !a || !b) {
    free(names), free(a), free(b);
    html_end(f);
    return tool_usage_error(o, "out of memory");
  }
  for (size_t i = 0; i < n; i++) names[i] = rows[i].tensor, a[i] = rows[i].only, b[i] = rows[i].without;
  html_para(f, "%s (int8) against %s (float) on %zu images of %s from #%zu: worst-output SQNR in dB.", qpath, fpath, count,
            images, first);
  html_para(f, "Every activation quantizer (the int8 model): %.2f dB. No activation quantizer (int8 weights only): %.2f dB "
               "(the dashed line). Biases corrected for the activations' error (the default) can make a single quantizer "
               "score above that line; quantized with --no-bias-correction the line is the floor these weights allow.",
            all_db, none_db);
  html_heading(f, "Per activation quantizer");
  html_bars(f, "only this quantizer enabled / all but this one", names, a, "only this", b, "all but this", n, none_db);
  free(names), free(a), free(b);
  return html_end(f) ? TOOL_EXIT_OK : tool_usage_error(o, "writing '%s' failed", path);
}

int tool_compare_sensitivity(tool_opts *o, cliq_context *ctx, const char *fpath, const char *qpath, const cliq_model *fm,
                             const cliq_model *qm, cliq_dataset *ds, const char *images, size_t first, size_t count,
                             const unsigned char *judged, const char *html) {
  sens S = {o, ctx, qm, count, NULL, 0, NULL, NULL, 0, NULL, judged};
  size_t n_q = cliq_model_quantizer_count(qm);
  if (n_q == 0) return tool_usage_error(o, "'%s' has no activation quantizers (QuantizeLinear of a computed tensor)", qpath);
  cliq_session *fs = NULL;
  tool_io fio = {0};
  unsigned char *en = NULL;
  row *rows = NULL;
  int rc = TOOL_EXIT_OK;
  cliq_status st = open_session(o, ctx, fm, &fs, &fio);
  if (st != CLIQ_STATUS_OK) return tool_lib_error(o, ctx, st, "cannot plan '%s'", fpath);
  S.n_out = fio.n_out;
  S.in_elems = fio.in[0].size / sizeof(float);
  S.inputs = malloc(count * fio.in[0].size);
  S.ref = calloc(S.n_out + 1, sizeof *S.ref);
  S.out_elems = calloc(S.n_out + 1, sizeof *S.out_elems);
  S.acc = calloc(S.n_out + 1, sizeof *S.acc);
  en = malloc(n_q);
  rows = calloc(n_q, sizeof *rows);
  /* per-output figures: every, none, then only/without per quantizer */
  double *per = calloc((2 + 2 * n_q) * (fio.n_out + 1), sizeof *per);
  double *all_out = per, *none_out = per ? per + fio.n_out : NULL;
  for (size_t i = 0; per && rows && i < n_q; i++) {
    rows[i].only_out = per + (2 + 2 * i) * fio.n_out;
    rows[i].without_out = rows[i].only_out + fio.n_out;
  }
  for (size_t k = 0; S.ref && S.out_elems && k < S.n_out; k++) {
    S.out_elems[k] = fio.out[k].size / sizeof(float);
    S.ref[k] = malloc(count * fio.out[k].size + 1);
  }
  bool ok = S.inputs && S.ref && S.out_elems && S.acc && en && rows && per;
  for (size_t k = 0; ok && k < S.n_out; k++) ok = S.ref[k] != NULL;
  if (!ok) {
    rc = tool_usage_error(o, "out of memory keeping %zu images and their float outputs (use fewer with --limit)", count);
    goto done;
  }
  for (size_t im = 0; im < count; im++) {
    float *x = S.inputs + im * S.in_elems;
    int label;
    if ((st = cliq_dataset_get(ds, first + im, x, &label, NULL)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(o, ctx, st, "image %zu of '%s'", first + im, images);
      goto done;
    }
    memcpy(fio.in[0].data, x, fio.in[0].size);
    if ((st = cliq_session_run(fs, 1, fio.in, fio.n_out, fio.out)) != CLIQ_STATUS_OK) {
      rc = tool_lib_error(o, ctx, st, "running '%s'", fpath);
      goto done;
    }
    for (size_t k = 0; k < S.n_out; k++) memcpy(S.ref[k] + im * S.out_elems[k], fio.out[k].data, fio.out[k].size);
  }
  int tty = isatty(fileno(stderr));
  size_t total = 2 + 2 * n_q, done_v = 0;
  double t0 = tool_now(), all_db, none_db;
  memset(en, 1, n_q);
  if ((rc = variant(&S, en, n_q, &all_db, all_out)) != TOOL_EXIT_OK) goto done;
  progress(tty, ++done_v, total);
  memset(en, 0, n_q);
  if ((rc = variant(&S, en, n_q, &none_db, none_out)) != TOOL_EXIT_OK) goto done;
  progress(tty, ++done_v, total);
  for (size_t i = 0; i < n_q; i++) {
    rows[i].tensor = cliq_model_quantizer(qm, i);
    memset(en, 0, n_q);
    en[i] = 1;
    if ((rc = variant(&S, en, n_q, &rows[i].only, rows[i].only_out)) != TOOL_EXIT_OK) goto done;
    progress(tty, ++done_v, total);
    memset(en, 1, n_q);
    en[i] = 0;
    if ((rc = variant(&S, en, n_q, &rows[i].without, rows[i].without_out)) != TOOL_EXIT_OK) goto done;
    progress(tty, ++done_v, total);
  }
  double secs = tool_now() - t0;
  qsort(rows, n_q, sizeof *rows, by_only);
  if (o->json) {
    printf("{\"float\":");
    tool_json_str(stdout, fpath);
    printf(",\"int8\":");
    tool_json_str(stdout, qpath);
    printf(",\"images\":%zu,\"skip\":%zu,\"seconds\":%.6g,\"outputs\":[", count, first, secs);
    for (size_t k = 0; k < S.n_out; k++) {
      printf("%s", k ? "," : "");
      tool_json_str(stdout, fio.out_info[k].name);
    }
    if (judged) {
      printf("],\"judged\":[");
      for (size_t k = 0, c = 0; k < S.n_out; k++)
        if (judged[k]) {
          printf("%s", c++ ? "," : "");
          tool_json_str(stdout, fio.out_info[k].name);
        }
    }
    printf("],\"all_db\":");
    tool_json_num(stdout, all_db);
    json_per_output(",\"all_outputs_db\":", all_out, S.n_out);
    printf(",\"weights_only_db\":");
    tool_json_num(stdout, none_db);
    json_per_output(",\"weights_only_outputs_db\":", none_out, S.n_out);
    printf(",\"quantizers\":[");
    for (size_t i = 0; i < n_q; i++) {
      printf("%s{\"tensor\":", i ? "," : "");
      tool_json_str(stdout, rows[i].tensor);
      printf(",\"only_db\":");
      tool_json_num(stdout, rows[i].only);
      printf(",\"without_db\":");
      tool_json_num(stdout, rows[i].without);
      json_per_output(",\"only_outputs_db\":", rows[i].only_out, S.n_out);
      json_per_output(",\"without_outputs_db\":", rows[i].without_out, S.n_out);
      printf("}");
    }
    printf("]}\n");
  } else {
    printf("%s vs %s on %zu images of %s from #%zu: worst-output SQNR per activation quantizer, %.1f s\n", qpath, fpath,
           count, images, first, secs);
    printf("  %9.2f dB  every quantizer (the int8 model)\n", all_db);
    printf("  %9.2f dB  no activation quantizer (int8 weights only)\n", none_db);
    printf("\n  %9s %12s   %s\n", "only this", "all but this", "quantized tensor (worst alone first)");
    for (size_t i = 0; i < n_q; i++) printf("  %9.2f %12.2f   %s\n", rows[i].only, rows[i].without, rows[i].tensor);
  }
  if (html) rc = write_html(o, html, fpath, qpath, images, first, count, all_db, none_db, rows, n_q);
done:
  free(per);
  free(rows);
  free(en);
  for (size_t k = 0; S.ref && k < S.n_out; k++) free(S.ref[k]);
  free(S.ref);
  free(S.out_elems);
  free(S.acc);
  free(S.inputs);
  tool_io_free(&fio);
  cliq_session_destroy(fs);
  return rc;
}
